// The port's zlib for certificate compression (RFC 8879; the core's
// `cert-compress` feature, modssl_rs/src/compress.rs): modssl_port_inflate
// and modssl_port_deflate on the uzlib MicroPython already carries for its
// `deflate` module (extmod/moddeflate.c compiles lib/uzlib into the
// firmware when MICROPY_PY_DEFLATE is on, its compressor when
// MICROPY_PY_DEFLATE_COMPRESS is).  Without them the hooks say
// "unsupported" and the core offers no compression.  docs/porting.md.

#include <string.h>

#include "py/mpconfig.h"

#include "modssl_rs.h"

#if MICROPY_PY_DEFLATE
#include "lib/uzlib/uzlib.h"
#endif

#if MICROPY_PY_DEFLATE

// Inflates into exactly out[0..out_len): uzlib writes one byte per step and
// checks the end of its output only after writing, so it is never asked to
// fill an empty buffer, and what the stream holds past out_len goes to a
// one-byte buffer of its own, which must stay empty.
int32_t modssl_port_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len) {
    if (in == NULL) {
        return 0;
    }
    if (out_len == 0 || in_len < 6) {
        return MODSSL_PORT_ZLIB_BAD;
    }
    uzlib_uncomp_t d;
    memset(&d, 0, sizeof(d));
    d.source = in;
    d.source_limit = in + in_len;
    d.source_read_cb = NULL;
    // No dictionary: back references read the output itself, and uzlib
    // refuses one reaching before its start.
    uzlib_uncompress_init(&d, NULL, 0);
    int wbits;
    if (uzlib_parse_zlib_gzip_header(&d, &wbits) != UZLIB_HEADER_ZLIB || d.eof) {
        return MODSSL_PORT_ZLIB_BAD;
    }
    d.dest_start = d.dest = out;
    d.dest_limit = out + out_len;
    int st = uzlib_uncompress_chksum(&d);
    if (st == UZLIB_OK) {
        // The output is full.  The stream must end now: no back reference
        // still being copied (a stored block's count stays at 1 after its
        // last byte), and no byte more.  The spare byte is its own start,
        // so a new back reference into it is refused rather than read from
        // before it.
        if (d.dest != d.dest_limit || (d.curlen != 0 && d.btype != 0)) {
            return MODSSL_PORT_ZLIB_BAD;
        }
        uint8_t spare[1];
        d.dest_start = d.dest = spare;
        d.dest_limit = spare + 1;
        st = uzlib_uncompress_chksum(&d);
        if (st != UZLIB_DONE || d.dest != spare) {
            return MODSSL_PORT_ZLIB_BAD;
        }
    } else if (st != UZLIB_DONE || d.dest != d.dest_limit) {
        // Ended short, or corrupt (a bad checksum included).
        return MODSSL_PORT_ZLIB_BAD;
    }
    // Every byte used, none read past the end (uzlib reads zeros there).
    if (d.eof || d.source != d.source_limit) {
        return MODSSL_PORT_ZLIB_BAD;
    }
    return 0;
}

#else

int32_t modssl_port_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len) {
    (void)in;
    (void)in_len;
    (void)out;
    (void)out_len;
    return MODSSL_PORT_ZLIB_UNSUPPORTED;
}

#endif

#if MICROPY_PY_DEFLATE && MICROPY_PY_DEFLATE_COMPRESS

// LZ77 window: 2^MODSSL_DEFLATE_WBITS bytes, on the stack of the deep call
// that compresses (the core stack).  A chain's repeats (names, OIDs, the
// issuer's key identifiers) are within a few kilobytes of each other.
#ifndef MODSSL_DEFLATE_WBITS
#define MODSSL_DEFLATE_WBITS (11)
#endif

typedef struct {
    uzlib_lz77_state_t lz77;
    uint8_t *out;
    size_t len;
    size_t cap;
} mpssl_deflate_t;

static void mpssl_deflate_put(void *data, uint8_t byte) {
    mpssl_deflate_t *z = data;
    if (z->len < z->cap) {
        z->out[z->len] = byte;
    }
    // Counted past the end too: the caller sees it did not fit.
    z->len++;
}

intptr_t modssl_port_deflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap) {
    if (in == NULL) {
        return 0;
    }
    static const size_t window_len = 1u << MODSSL_DEFLATE_WBITS;
    uint8_t window[1u << MODSSL_DEFLATE_WBITS];
    mpssl_deflate_t z = { .out = out, .len = 0, .cap = out_cap };
    uzlib_lz77_init(&z.lz77, window, window_len);
    z.lz77.dest_write_data = &z;
    z.lz77.dest_write_cb = mpssl_deflate_put;
    // RFC 1950 header: deflate, the window's size, no dictionary, the
    // check bits making CMF*256 + FLG a multiple of 31.
    uint8_t cmf = 0x08 | ((MODSSL_DEFLATE_WBITS - 8) << 4);
    uint8_t flg = 0x80;
    flg |= 31 - ((cmf * 256 + flg) % 31);
    mpssl_deflate_put(&z, cmf);
    mpssl_deflate_put(&z, flg);
    uzlib_start_block(&z.lz77);
    uzlib_lz77_compress(&z.lz77, in, in_len);
    uzlib_finish_block(&z.lz77);
    uint32_t adler = uzlib_adler32(in, in_len, 1);
    for (int shift = 24; shift >= 0; shift -= 8) {
        mpssl_deflate_put(&z, (uint8_t)(adler >> shift));
    }
    if (z.len > out_cap) {
        return MODSSL_PORT_ZLIB_BAD;
    }
    return (intptr_t)z.len;
}

#else

intptr_t modssl_port_deflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap) {
    (void)in;
    (void)in_len;
    (void)out;
    (void)out_cap;
    return MODSSL_PORT_ZLIB_UNSUPPORTED;
}

#endif
