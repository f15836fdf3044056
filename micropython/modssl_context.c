// SSLContext: one type for both modules.  `tls.SSLContext` verifies by
// default on clients (MicroPython's C module); `ssl.SSLContext` defaults to
// CERT_NONE for every protocol (micropython-lib's ssl.py, which existing code
// depends on).  Methods take bytes (tls) or, in the ssl flavour, file paths.
#include <string.h>

#include "py/runtime.h"
#include "py/gc.h"
#include "py/stream.h"
#include "py/builtin.h"

#include "modssl_guard.h"
#include "modssl_shim.h"

const mp_obj_str_t mpssl_version_obj = {
    {&mp_type_str}, 0, sizeof(modssl_version_string) - 1, modssl_version_string
};

// ssl.SSLError: protocol failures, an OSError (so MicroPython code that
// catches OSError and reads e.errno works unchanged), as in CPython.
MP_DEFINE_CONST_OBJ_TYPE(mpssl_type_SSLError, MP_QSTR_SSLError, MP_TYPE_FLAG_NONE,
    make_new, mp_obj_exception_make_new,
    print, mp_obj_exception_print,
    attr, mp_obj_exception_attr,
    parent, &mp_type_OSError
    );

// ssl.SSLCertVerificationError: a refused certificate.  Both an SSLError
// (CPython's and Pycom's `except ssl.SSLError`) and the ValueError
// MicroPython's module raises (`except ValueError`).  Without multiple
// inheritance (ports below MicroPython's "core features" level) it is a
// ValueError only; docs/api.md says so.
#if MICROPY_MULTIPLE_INHERITANCE
static const mp_rom_obj_tuple_t cert_error_bases = {
    {&mp_type_tuple}, 2, { MP_ROM_PTR(&mpssl_type_SSLError), MP_ROM_PTR(&mp_type_ValueError) }
};
#define MPSSL_CERT_ERROR_BASES (&cert_error_bases)
#else
#define MPSSL_CERT_ERROR_BASES (&mp_type_ValueError)
#endif
MP_DEFINE_CONST_OBJ_TYPE(mpssl_type_SSLCertVerificationError, MP_QSTR_SSLCertVerificationError,
    MP_TYPE_FLAG_NONE,
    make_new, mp_obj_exception_make_new,
    print, mp_obj_exception_print,
    attr, mp_obj_exception_attr,
    parent, MPSSL_CERT_ERROR_BASES
    );

// The one place a status code becomes a Python exception (the kinds are the
// core's, modssl_status_raised): MemoryError; ValueError(message) for bad
// input; SSLCertVerificationError(message) for a refused certificate;
// SSLError(code, message) for protocol errors (the bare code while the heap
// is locked, as MicroPython does).  `message` is the core's text for the code
// with its detail (mpssl_message_*), or NULL for the text alone.
MP_NORETURN void mpssl_raise_message(int32_t code, const char *message) {
    uint8_t kind = modssl_status_raised(code);
    if (kind == 4) {
        mp_raise_type(&mp_type_MemoryError);
    }
    if (kind != 1 && kind != 2) {
        mpssl_raise_ssl_error(code, message);
    }
    const mp_obj_type_t *type = kind == 1 ? &mp_type_ValueError : &mpssl_type_SSLCertVerificationError;
    if (gc_is_locked()) {
        // No heap for a message: the text in ROM.
        mp_raise_msg_varg(type, MP_ERROR_TEXT("%s"), modssl_status_text(code));
    }
    if (message == NULL) {
        message = modssl_status_text(code);
    }
    mp_obj_t msg = mp_obj_new_str(message, strlen(message));
    nlr_raise(mp_obj_exception_make_new(type, 1, 0, &msg));
}

// SSLError(code, message), whatever kind the code has elsewhere (the socket
// raises MODSSL_NO_CERTIFICATE so at a deferred handshake); the bare code
// while the heap is locked, as MicroPython does.
MP_NORETURN void mpssl_raise_ssl_error(int32_t code, const char *message) {
    if (gc_is_locked()) {
        nlr_raise(mp_obj_new_exception_arg1(&mpssl_type_SSLError, MP_OBJ_NEW_SMALL_INT(code)));
    }
    if (message == NULL) {
        message = modssl_status_text(code);
    }
    mp_obj_t args[2] = { MP_OBJ_NEW_SMALL_INT(code), mp_obj_new_str(message, strlen(message)) };
    nlr_raise(mp_obj_exception_make_new(&mpssl_type_SSLError, 2, 0, args));
}

MP_NORETURN void mpssl_raise(int32_t code) {
    mpssl_raise_message(code, NULL);
}

// The core's message for `code` returned by a call on `ctx`, into `buf`.
// The core formats it without allocating; a panic there (none is possible
// short of a bug) leaves the plain text.
// (`out` is copied before the guard: setjmp may clobber an argument.)
const char *mpssl_message_ctx(modssl_context *ctx, int32_t code, char *buf, size_t len) {
    char *volatile out = buf;
    volatile size_t n = 0;
    MPSSL_GUARDED(n = modssl_context_error_message(ctx, code, out, len), n = 0);
    return n > 0 ? out : NULL;
}

const char *mpssl_message_conn(modssl_conn *conn, int32_t code, char *buf, size_t len) {
    char *volatile out = buf;
    volatile size_t n = 0;
    MPSSL_GUARDED(n = modssl_conn_error_message(conn, code, out, len), n = 0);
    return n > 0 ? out : NULL;
}

// Raises for a failed call on `self`'s context, with the call's detail.
static MP_NORETURN void raise_ctx(mpssl_context_obj_t *self, int32_t code) {
    char buf[MPSSL_MESSAGE_MAX];
    mpssl_raise_message(code, mpssl_message_ctx(self->ctx, code, buf, sizeof(buf)));
}

// The contents of the file at `path` (a str).  Errors name the path: a
// missing file is OSError(ENOENT, "cannot open 'ca.pem'") rather than
// MicroPython's bare OSError(2); a str that holds PEM text rather than a
// file name says to pass bytes.
mp_obj_t mpssl_read_file(mp_obj_t path) {
    size_t len;
    const char *name = mp_obj_str_get_data(path, &len);
    if (len >= 10 && strstr(name, "-----BEGIN") != NULL) {
        mp_raise_ValueError(MP_ERROR_TEXT("this str holds PEM data, not a file name: pass the PEM as bytes"));
    }
    mp_obj_t f = MP_OBJ_NULL;
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        f = mp_call_function_2(MP_OBJ_FROM_PTR(&mp_builtin_open_obj), path, MP_OBJ_NEW_QSTR(MP_QSTR_rb));
        nlr_pop();
    } else {
        mp_obj_t exc = MP_OBJ_FROM_PTR(nlr.ret_val);
        if (!mp_obj_is_subclass_fast(MP_OBJ_FROM_PTR(mp_obj_get_type(exc)), MP_OBJ_FROM_PTR(&mp_type_OSError))
            || gc_is_locked()) {
            nlr_jump(nlr.ret_val);
        }
        vstr_t msg;
        vstr_init(&msg, len + 16);
        vstr_add_str(&msg, "cannot open '");
        vstr_add_strn(&msg, name, len);
        vstr_add_char(&msg, '\'');
        mp_obj_t args[2] = { mp_load_attr(exc, MP_QSTR_errno), mp_obj_new_str_from_vstr(&msg) };
        nlr_raise(mp_obj_exception_make_new(&mp_type_OSError, 2, 0, args));
    }
    mp_obj_t dest[2];
    mp_load_method(f, MP_QSTR_read, dest);
    mp_obj_t data = mp_call_method_n_kw(0, 0, dest);
    mp_stream_close(f);
    return data;
}

// Raises for a failed context call.
static void check_status(int32_t ret) {
    if (ret < 0) {
        mpssl_raise(ret);
    }
}

// A getter of the core's context (an int32_t, never negative but for an
// escape), guarded: its value, or raises.
int32_t mpssl_context_get(mpssl_context_obj_t *self, int32_t (*get)(const modssl_context *ctx)) {
    int32_t value = MODSSL_INTERNAL;
    CTX_CALL(value, get(self->ctx));
    check_status(value);
    return value;
}

static void check_context(mpssl_context_obj_t *self) {
    if (self->ctx == NULL) {
        mp_raise_ValueError(MP_ERROR_TEXT("SSLContext is not usable"));
    }
}

mp_obj_t mpssl_context_create(const mp_obj_type_t *type, mp_int_t protocol, int verify_mode) {
    if (protocol == MODSSL_PROTOCOL_DTLS_CLIENT || protocol == MODSSL_PROTOCOL_DTLS_SERVER) {
        mpssl_raise(MODSSL_DTLS_UNSUPPORTED);
    }
    if (protocol != MODSSL_PROTOCOL_TLS_CLIENT && protocol != MODSSL_PROTOCOL_TLS_SERVER) {
        mp_raise_ValueError(MP_ERROR_TEXT("invalid protocol"));
    }
    #if MICROPY_ENABLE_FINALISER
    mpssl_context_obj_t *self = mp_obj_malloc_with_finaliser(mpssl_context_obj_t, type);
    #else
    mpssl_context_obj_t *self = mp_obj_malloc(mpssl_context_obj_t, type);
    #endif
    self->ctx = NULL;
    self->verify_callback = mp_const_none;
    self->server = protocol == MODSSL_PROTOCOL_TLS_SERVER;
    int32_t ret = MODSSL_OUT_OF_MEMORY;
    CTX_CALL(ret, modssl_context_new(self->server, &self->ctx));
    if (ret != MODSSL_OK) {
        self->ctx = NULL;
        mpssl_raise(ret);
    }
    if (verify_mode >= 0) {
        mpssl_context_set_verify(self, verify_mode, false);
    }
    if (type == &mpssl_ssl_context_type) {
        // The ssl module resumes sessions (Pycom's save_session, CPython's
        // session_reused); tls keeps MicroPython's memory behaviour.
        ret = MODSSL_OUT_OF_MEMORY;
        volatile size_t cache = self->server ? MODSSL_SERVER_SESSION_CACHE : MODSSL_CLIENT_SESSION_CACHE;
        CTX_CALL(ret, modssl_context_set_session_cache(self->ctx, cache));
        check_status(ret);
    }
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t tls_context_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    // tls: keep the library default (clients CERT_REQUIRED, servers CERT_NONE).
    return mpssl_context_create(type, mp_obj_get_int(args[0]), -1);
}

static mp_obj_t ssl_context_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    return mpssl_context_create(type, mp_obj_get_int(args[0]), MODSSL_CERT_NONE);
}

void mpssl_context_set_verify(mpssl_context_obj_t *self, mp_int_t mode, bool explicit) {
    check_context(self);
    if (mode < MODSSL_CERT_NONE || mode > MODSSL_CERT_REQUIRED) {
        mp_raise_ValueError(MP_ERROR_TEXT("invalid verify_mode"));
    }
    int32_t ret = MODSSL_OUT_OF_MEMORY;
    CTX_CALL(ret, modssl_context_set_verify_mode(self->ctx, (uint8_t)mode, explicit));
    if (ret != MODSSL_OK) {
        mpssl_raise(ret);
    }
}

static mp_obj_t context_del(mp_obj_t self_in) {
    mpssl_context_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->ctx != NULL) {
        modssl_context *ctx = self->ctx;
        self->ctx = NULL;
        MPSSL_GUARDED(modssl_context_free(ctx), (void)0);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(context_del_obj, context_del);

static void context_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    mpssl_context_obj_t *self = MP_OBJ_TO_PTR(self_in);
    bool load = dest[0] == MP_OBJ_NULL;
    bool store = !load && dest[1] != MP_OBJ_NULL;
    if (attr == MP_QSTR_verify_callback) {
        // As MicroPython's module: any callable (or None), stored as given.
        if (dest[0] == MP_OBJ_NULL) {
            dest[0] = self->verify_callback;
        } else if (dest[1] != MP_OBJ_NULL) {
            self->verify_callback = dest[1];
            dest[0] = MP_OBJ_NULL;
        }
    } else if (attr == MP_QSTR_verify_mode) {
        if (load) {
            check_context(self);
            dest[0] = MP_OBJ_NEW_SMALL_INT(mpssl_context_get(self, modssl_context_verify_mode));
        } else if (store) {
            mpssl_context_set_verify(self, mp_obj_get_int(dest[1]), true);
            dest[0] = MP_OBJ_NULL;
        }
    } else if (attr == MP_QSTR_max_fragment_size) {
        // The largest plaintext we put in one record (None: 16384): smaller
        // outgoing records, so a smaller send buffer here; incoming records
        // stay up to 16 KiB (rustls cannot ask the peer for less).
        check_context(self);
        if (load) {
            int32_t cur = mpssl_context_get(self, modssl_context_max_fragment);
            dest[0] = cur > 0 ? MP_OBJ_NEW_SMALL_INT(cur) : mp_const_none;
        } else if (store) {
            volatile size_t size = dest[1] == mp_const_none ? 0 : (size_t)mp_obj_get_int(dest[1]);
            int32_t ret = MODSSL_OUT_OF_MEMORY;
            CTX_CALL(ret, modssl_context_set_max_fragment(self->ctx, size));
            if (ret == MODSSL_BAD_ARGUMENT) {
                mp_raise_ValueError(MP_ERROR_TEXT("max_fragment_size: 32 to 16384, or None"));
            }
            check_status(ret);
            dest[0] = MP_OBJ_NULL;
        }
    } else if (attr == MP_QSTR_session_cache_size) {
        // Resumption: servers a client remembers / sessions a server keeps.
        check_context(self);
        if (load) {
            dest[0] = MP_OBJ_NEW_SMALL_INT(mpssl_context_get(self, modssl_context_session_cache));
        } else if (store) {
            mp_int_t n = mp_obj_get_int(dest[1]);
            if (n < 0 || n > 1024) {
                mp_raise_ValueError(MP_ERROR_TEXT("session_cache_size: 0 to 1024"));
            }
            int32_t ret = MODSSL_OUT_OF_MEMORY;
            CTX_CALL(ret, modssl_context_set_session_cache(self->ctx, (size_t)n));
            check_status(ret);
            dest[0] = MP_OBJ_NULL;
        }
    } else if (attr == MP_QSTR_check_hostname) {
        check_context(self);
        if (load) {
            dest[0] = mp_obj_new_bool(mpssl_context_get(self, modssl_context_check_hostname) > 0);
        } else if (store) {
            int32_t ret = MODSSL_OUT_OF_MEMORY;
            bool check = mp_obj_is_true(dest[1]);
            CTX_CALL(ret, modssl_context_set_check_hostname(self->ctx, check));
            check_status(ret);
            dest[0] = MP_OBJ_NULL;
        }
    } else if (attr == MP_QSTR_minimum_version || attr == MP_QSTR_maximum_version) {
        // CPython's TLSVersion values: 0x0303 TLS 1.2, 0x0304 TLS 1.3.
        check_context(self);
        bool min = attr == MP_QSTR_minimum_version;
        if (load) {
            int32_t range = mpssl_context_get(self, modssl_context_versions);
            dest[0] = MP_OBJ_NEW_SMALL_INT(min ? (range >> 16) & 0xffff : range & 0xffff);
        } else if (store) {
            mp_int_t v = mp_obj_get_int(dest[1]);
            if (v < 0 || v > 0xffff) {
                mpssl_raise(MODSSL_BAD_ARGUMENT);
            }
            volatile uint16_t lo = min ? (uint16_t)v : 0, hi = min ? 0 : (uint16_t)v;
            int32_t ret = MODSSL_OUT_OF_MEMORY;
            CTX_CALL(ret, modssl_context_set_versions(self->ctx, lo, hi));
            if (ret == MODSSL_OUT_OF_MEMORY) {
                mpssl_raise(ret);
            } else if (ret != MODSSL_OK) {
                mp_raise_ValueError(MP_ERROR_TEXT("TLS version must be TLSVersion.TLSv1_2 or TLSv1_3, minimum <= maximum"));
            }
            dest[0] = MP_OBJ_NULL;
        }
    } else {
        // Methods.
        dest[1] = MP_OBJ_SENTINEL;
    }
}

// Bytes-like, or for the ssl flavour a path to read.
static mp_obj_t bytes_or_file(mp_obj_t obj) {
    if (mp_obj_is_str(obj)) {
        return mpssl_read_file(obj);
    }
    return obj;
}

void mpssl_context_load_identity(mpssl_context_obj_t *self, mp_obj_t cert, mp_obj_t key) {
    check_context(self);
    mp_buffer_info_t c, k;
    mp_get_buffer_raise(cert, &c, MP_BUFFER_READ);
    mp_get_buffer_raise(key, &k, MP_BUFFER_READ);
    int32_t ret = MODSSL_OUT_OF_MEMORY;
    CTX_CALL(ret, modssl_context_load_cert_chain(self->ctx, c.buf, c.len, k.buf, k.len));
    if (ret < 0) {
        raise_ctx(self, ret);
    }
}

void mpssl_context_load_trust(mpssl_context_obj_t *self, mp_obj_t cadata) {
    check_context(self);
    mp_buffer_info_t b;
    mp_get_buffer_raise(cadata, &b, MP_BUFFER_READ);
    int32_t ret = MODSSL_OUT_OF_MEMORY;
    CTX_CALL(ret, modssl_context_load_verify(self->ctx, b.buf, b.len));
    if (ret < 0) {
        raise_ctx(self, ret);
    }
}

// load_cert_chain(certfile, keyfile=None), positional or by keyword (as
// micropython-lib's ssl.py and CPython): bytes (PEM or DER) or file paths;
// with no key, the key is looked for in the certificate file.
static mp_obj_t context_load_cert_chain(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_certfile, ARG_keyfile };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_certfile, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_keyfile, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
    };
    mpssl_context_obj_t *self = MP_OBJ_TO_PTR(pos_args[0]);
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args - 1, pos_args + 1, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    mp_obj_t cert = bytes_or_file(args[ARG_certfile].u_obj);
    mp_obj_t key = args[ARG_keyfile].u_obj != mp_const_none ? bytes_or_file(args[ARG_keyfile].u_obj) : cert;
    mpssl_context_load_identity(self, cert, key);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(context_load_cert_chain_obj, 1, context_load_cert_chain);

// load_verify_locations(cadata) as MicroPython's tls, or
// load_verify_locations(cafile=None, cadata=None) as CPython/ssl.  A positional
// str is a path, positional bytes are the certificates themselves.
static mp_obj_t context_load_verify_locations(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_cafile, ARG_cadata };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_cafile, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_cadata, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
    };
    mpssl_context_obj_t *self = MP_OBJ_TO_PTR(pos_args[0]);
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args - 1, pos_args + 1, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    mp_obj_t cafile = args[ARG_cafile].u_obj;
    mp_obj_t cadata = args[ARG_cadata].u_obj;
    if (cafile == mp_const_none && cadata == mp_const_none) {
        mp_raise_TypeError(MP_ERROR_TEXT("cafile or cadata must be given"));
    }
    if (cafile != mp_const_none) {
        mpssl_context_load_trust(self, bytes_or_file(cafile));
    }
    if (cadata != mp_const_none) {
        mpssl_context_load_trust(self, cadata);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(context_load_verify_locations_obj, 1, context_load_verify_locations);

// load_default_certs(): also trust the built-in CA bundle (webpki-roots),
// if this build has one (MODSSL_CA_BUNDLE=1).
static mp_obj_t context_load_default_certs(size_t n_args, const mp_obj_t *args) {
    mpssl_context_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    check_context(self);
    int32_t ret = MODSSL_OUT_OF_MEMORY;
    CTX_CALL(ret, modssl_context_load_default_certs(self->ctx));
    check_status(ret);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(context_load_default_certs_obj, 1, 2, context_load_default_certs);

// set_alpn_protocols(["h2", "http/1.1"]): offered (client) / accepted (server).
static mp_obj_t context_set_alpn_protocols(mp_obj_t self_in, mp_obj_t protocols) {
    mpssl_context_obj_t *self = MP_OBJ_TO_PTR(self_in);
    check_context(self);
    size_t n;
    mp_obj_t *items;
    mp_obj_get_array(protocols, &n, &items);
    vstr_t wire;
    vstr_init(&wire, 32);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *p = mp_obj_str_get_data(items[i], &len);
        if (len == 0 || len > 255) {
            mp_raise_ValueError(MP_ERROR_TEXT("ALPN protocol names are 1 to 255 bytes"));
        }
        vstr_add_byte(&wire, (byte)len);
        vstr_add_strn(&wire, p, len);
    }
    int32_t ret = MODSSL_OUT_OF_MEMORY;
    CTX_CALL(ret, modssl_context_set_alpn(self->ctx, (const uint8_t *)wire.buf, wire.len));
    vstr_clear(&wire);
    check_status(ret);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(context_set_alpn_protocols_obj, context_set_alpn_protocols);

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

// pin_sha256(fingerprint): trust a peer whose certificate, or whose public key
// (SubjectPublicKeyInfo), has this SHA-256: 32 bytes, or 64 hex digits with
// optional ':' separators (as browsers and Arduino print them).
static mp_obj_t context_pin_sha256(mp_obj_t self_in, mp_obj_t fp) {
    mpssl_context_obj_t *self = MP_OBJ_TO_PTR(self_in);
    check_context(self);
    uint8_t digest[32];
    size_t len;
    const char *p = mp_obj_str_get_data(fp, &len);
    if (!mp_obj_is_str(fp) && len == 32) {
        memcpy(digest, p, 32);
    } else {
        size_t n = 0;
        for (size_t i = 0; i < len; i++) {
            if (p[i] == ':' || p[i] == ' ') {
                continue;
            }
            int hi = hex_digit(p[i]);
            int lo = i + 1 < len ? hex_digit(p[i + 1]) : -1;
            if (hi < 0 || lo < 0 || n >= 32) {
                n = 0;
                break;
            }
            digest[n++] = (uint8_t)(hi << 4 | lo);
            i++;
        }
        if (n != 32) {
            mp_raise_ValueError(MP_ERROR_TEXT("fingerprint must be a SHA-256: 32 bytes or 64 hex digits"));
        }
    }
    int32_t ret = MODSSL_OUT_OF_MEMORY;
    CTX_CALL(ret, modssl_context_add_pin(self->ctx, digest));
    check_status(ret);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(context_pin_sha256_obj, context_pin_sha256);

// get_ciphers(): the IANA names of the suites this context offers.
static mp_obj_t context_get_ciphers(mp_obj_t self_in) {
    mpssl_context_obj_t *self = MP_OBJ_TO_PTR(self_in);
    check_context(self);
    mp_obj_t list = mp_obj_new_list(0, NULL);
    for (size_t i = 0;; i++) {
        const char *name = NULL;
        int32_t id = MODSSL_INTERNAL;
        CTX_CALL(id, modssl_context_cipher(self->ctx, i, &name));
        if (id == MODSSL_OUT_OF_MEMORY) {
            mpssl_raise(id);
        }
        if (id < 0 || name == NULL) {
            break;
        }
        mp_obj_list_append(list, mp_obj_new_str(name, strlen(name)));
    }
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_1(context_get_ciphers_obj, context_get_ciphers);

// set_ciphers([names]): IANA names; an unknown one raises ValueError.
static mp_obj_t context_set_ciphers(mp_obj_t self_in, mp_obj_t names) {
    mpssl_context_obj_t *self = MP_OBJ_TO_PTR(self_in);
    check_context(self);
    size_t n;
    mp_obj_t *items;
    mp_obj_get_array(names, &n, &items);
    uint16_t *ids = m_new(uint16_t, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *name = mp_obj_str_get_data(items[i], &len);
        int32_t id = MODSSL_INTERNAL;
        CTX_CALL(id, modssl_cipher_id((const uint8_t *)name, len));
        if (id == MODSSL_OUT_OF_MEMORY || id == MODSSL_INTERNAL) {
            m_del(uint16_t, ids, n ? n : 1);
            mpssl_raise(id);
        }
        if (id < 0) {
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("unknown cipher suite: %s"), name);
        }
        ids[i] = (uint16_t)id;
    }
    int32_t ret = MODSSL_OUT_OF_MEMORY;
    CTX_CALL(ret, modssl_context_set_ciphers(self->ctx, ids, n));
    m_del(uint16_t, ids, n ? n : 1);
    if (ret < 0) {
        mpssl_raise(ret);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(context_set_ciphers_obj, context_set_ciphers);

// wrap_socket(sock, server_side=False, do_handshake_on_connect=True,
// server_hostname=None): positional too, as micropython-lib's ssl.py accepts
// them (MicroPython's tls takes keywords only; this is a superset).
static mp_obj_t context_wrap_socket(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_server_side, ARG_do_handshake_on_connect, ARG_server_hostname };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_server_side, MP_ARG_BOOL, {.u_bool = false} },
        { MP_QSTR_do_handshake_on_connect, MP_ARG_BOOL, {.u_bool = true} },
        { MP_QSTR_server_hostname, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
    };
    mpssl_context_obj_t *self = MP_OBJ_TO_PTR(pos_args[0]);
    mpssl_check_kwargs(MP_QSTR_wrap_socket, kw_args, allowed_args, MP_ARRAY_SIZE(allowed_args));
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args - 2, pos_args + 2, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    // server_side is accepted and, as by MicroPython's module, not used: the
    // context's protocol decides the role (its own tests wrap with a server
    // context and no server_side=True).
    return mpssl_socket_wrap(self, pos_args[1], args[ARG_do_handshake_on_connect].u_bool,
        args[ARG_server_hostname].u_obj);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(context_wrap_socket_obj, 2, context_wrap_socket);

static const mp_rom_map_elem_t context_locals_dict_table[] = {
    #if MICROPY_ENABLE_FINALISER
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&context_del_obj) },
    #endif
    { MP_ROM_QSTR(MP_QSTR_get_ciphers), MP_ROM_PTR(&context_get_ciphers_obj) },
    { MP_ROM_QSTR(MP_QSTR_set_ciphers), MP_ROM_PTR(&context_set_ciphers_obj) },
    { MP_ROM_QSTR(MP_QSTR_load_cert_chain), MP_ROM_PTR(&context_load_cert_chain_obj) },
    { MP_ROM_QSTR(MP_QSTR_load_verify_locations), MP_ROM_PTR(&context_load_verify_locations_obj) },
    { MP_ROM_QSTR(MP_QSTR_wrap_socket), MP_ROM_PTR(&context_wrap_socket_obj) },
    { MP_ROM_QSTR(MP_QSTR_load_default_certs), MP_ROM_PTR(&context_load_default_certs_obj) },
    { MP_ROM_QSTR(MP_QSTR_set_alpn_protocols), MP_ROM_PTR(&context_set_alpn_protocols_obj) },
    { MP_ROM_QSTR(MP_QSTR_pin_sha256), MP_ROM_PTR(&context_pin_sha256_obj) },
};
static MP_DEFINE_CONST_DICT(context_locals_dict, context_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    mpssl_tls_context_type,
    MP_QSTR_SSLContext,
    MP_TYPE_FLAG_NONE,
    make_new, tls_context_make_new,
    attr, context_attr,
    locals_dict, &context_locals_dict
    );

MP_DEFINE_CONST_OBJ_TYPE(
    mpssl_ssl_context_type,
    MP_QSTR_SSLContext,
    MP_TYPE_FLAG_NONE,
    make_new, ssl_context_make_new,
    attr, context_attr,
    locals_dict, &context_locals_dict
    );
