// A small deterministic random bit generator for ports whose entropy source
// is slow or weak: ChaCha20 with fast key erasure (the key is replaced after
// every request, so a later memory disclosure does not reveal past output).
// Header-only, included by the port files that need it (ports/rp2.c,
// ports/qemu.c).
//
// Security rests entirely on the seed: the port must give it at least 256
// bits of real entropy (rp2: the SDK's get_rand_64(), ROSC-based) before the
// first request, and should keep mixing in fresh entropy (mpssl_drbg_mix).
#ifndef MODSSL_DRBG_H
#define MODSSL_DRBG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint32_t key[8];
    uint64_t counter;  // block counter, never reused under one key
    bool seeded;
} mpssl_drbg_t;

#define MODSSL_DRBG_ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define MODSSL_DRBG_QR(a, b, c, d) \
    a += b; d ^= a; d = MODSSL_DRBG_ROTL(d, 16); \
    c += d; b ^= c; b = MODSSL_DRBG_ROTL(b, 12); \
    a += b; d ^= a; d = MODSSL_DRBG_ROTL(d, 8); \
    c += d; b ^= c; b = MODSSL_DRBG_ROTL(b, 7);

// One ChaCha20 block (RFC 8439 layout; 64-bit counter, nonce words are a
// domain separator) into out[16].
static inline void modssl_drbg_block(const uint32_t key[8], uint64_t counter, uint32_t domain, uint32_t out[16]) {
    uint32_t x[16] = {
        0x61707865, 0x3320646e, 0x79622d32, 0x6b206574,
        key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
        (uint32_t)counter, (uint32_t)(counter >> 32), domain, 0x6d6f6473 /* "mods" */
    };
    uint32_t in[16];
    memcpy(in, x, sizeof(in));
    for (int i = 0; i < 10; i++) {
        MODSSL_DRBG_QR(x[0], x[4], x[8], x[12]);
        MODSSL_DRBG_QR(x[1], x[5], x[9], x[13]);
        MODSSL_DRBG_QR(x[2], x[6], x[10], x[14]);
        MODSSL_DRBG_QR(x[3], x[7], x[11], x[15]);
        MODSSL_DRBG_QR(x[0], x[5], x[10], x[15]);
        MODSSL_DRBG_QR(x[1], x[6], x[11], x[12]);
        MODSSL_DRBG_QR(x[2], x[7], x[8], x[13]);
        MODSSL_DRBG_QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) {
        out[i] = x[i] + in[i];
    }
    memset(x, 0, sizeof(x));
    memset(in, 0, sizeof(in));
}

// Replace the key by the first half of a block in the "rekey" domain.
static inline void modssl_drbg_rekey(mpssl_drbg_t *d) {
    uint32_t blk[16];
    modssl_drbg_block(d->key, d->counter++, 1, blk);
    memcpy(d->key, blk, sizeof(d->key));
    memset(blk, 0, sizeof(blk));
}

// Mix seed material into the key (any length; call with >= 32 bytes of
// real entropy before the first generate).
static inline void mpssl_drbg_mix(mpssl_drbg_t *d, const uint8_t *seed, size_t len) {
    while (len > 0) {
        size_t n = len < 32 ? len : 32;
        uint8_t *k = (uint8_t *)d->key;
        for (size_t i = 0; i < n; i++) {
            k[i] ^= seed[i];
        }
        modssl_drbg_rekey(d);
        seed += n;
        len -= n;
    }
    d->seeded = true;
}

// Fill buf; returns -1 if never seeded.
static inline int32_t mpssl_drbg_generate(mpssl_drbg_t *d, uint8_t *buf, size_t len) {
    if (!d->seeded) {
        return -1;
    }
    uint32_t blk[16];
    while (len > 0) {
        modssl_drbg_block(d->key, d->counter++, 0, blk);
        size_t n = len < sizeof(blk) ? len : sizeof(blk);
        memcpy(buf, blk, n);
        buf += n;
        len -= n;
    }
    memset(blk, 0, sizeof(blk));
    // Fast key erasure: the key that produced this output is gone.
    modssl_drbg_rekey(d);
    return 0;
}

#endif // MODSSL_DRBG_H
