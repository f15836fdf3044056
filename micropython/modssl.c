// The `ssl` module, as MicroPython documents it (and micropython-lib's
// ssl.py implements it over `tls`): wrap_socket() and SSLContext with
// CERT_NONE by default, plus file-path arguments.  Built in, so `import
// ussl` works too.
#include "py/runtime.h"

#include "modssl_guard.h"
#include "modssl_rs.h"
#include "modssl_shim.h"
#include "modssl_stack.h"

#include <string.h>

void mpssl_check_kwargs(qstr fn, mp_map_t *kw_args, const mp_arg_t *allowed, size_t n_allowed) {
    if (kw_args == NULL) {
        return;
    }
    for (size_t i = 0; i < kw_args->alloc; i++) {
        if (!mp_map_slot_is_filled(kw_args, i)) {
            continue;
        }
        mp_obj_t key = kw_args->table[i].key;
        size_t len;
        const char *name = mp_obj_str_get_data(key, &len);
        qstr q = mp_obj_is_qstr(key) ? MP_OBJ_QSTR_VALUE(key) : qstr_find_strn(name, len);
        bool known = false;
        for (size_t j = 0; j < n_allowed && !known; j++) {
            known = q != MP_QSTRnull && allowed[j].qst == q;
        }
        if (!known) {
            // CPython's wording.
            mp_raise_msg_varg(&mp_type_TypeError,
                MP_ERROR_TEXT("%q() got an unexpected keyword argument '%s'"), fn, name);
        }
    }
}

// wrap_socket(sock, server_side=False, key=None, cert=None,
//             cert_reqs=CERT_NONE, cadata=None, server_hostname=None,
//             do_handshake=True, keyfile=None, certfile=None)
static mp_obj_t ssl_wrap_socket(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_sock, ARG_server_side, ARG_key, ARG_cert, ARG_cert_reqs, ARG_cadata,
           ARG_server_hostname, ARG_do_handshake, ARG_keyfile, ARG_certfile, ARG_timeout,
           ARG_ca_certs, ARG_ssl_version, ARG_saved_session, ARG_do_handshake_on_connect };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_sock, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_server_side, MP_ARG_BOOL, {.u_bool = false} },
        { MP_QSTR_key, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_cert, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        // -1: not given (CERT_NONE, unless trust material is given: then the
        // chain is verified, docs/security.md).
        { MP_QSTR_cert_reqs, MP_ARG_INT, {.u_int = -1} },
        { MP_QSTR_cadata, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_server_hostname, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_do_handshake, MP_ARG_BOOL, {.u_bool = true} },
        { MP_QSTR_keyfile, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_certfile, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        // Pycom's handshake timeout, seconds (None: wait as the socket does).
        { MP_QSTR_timeout, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        // Pycom's names: CA certificates as a path (or bytes); protocol 0.
        { MP_QSTR_ca_certs, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_ssl_version, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = 0} },
        // Pycom's: resume the session of an earlier connection (ssl.save_session).
        { MP_QSTR_saved_session, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        // CPython's (and the ESP32 seed's) name for do_handshake.
        { MP_QSTR_do_handshake_on_connect, MP_ARG_KW_ONLY | MP_ARG_BOOL, {.u_bool = true} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mpssl_check_kwargs(MP_QSTR_wrap_socket, kw_args, allowed_args, MP_ARRAY_SIZE(allowed_args));
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);

    bool server_side = args[ARG_server_side].u_bool;
    // Either name set to False defers the handshake to connect()/read/write.
    bool do_handshake = args[ARG_do_handshake].u_bool && args[ARG_do_handshake_on_connect].u_bool;
    mp_obj_t timeout = args[ARG_timeout].u_obj;
    if (timeout != mp_const_none) {
        #if MICROPY_PY_BUILTINS_FLOAT
        bool bad = mp_obj_get_float(timeout) < 0;
        #else
        bool bad = mp_obj_get_int(timeout) < 0;
        #endif
        if (bad) {
            mp_raise_ValueError(MP_ERROR_TEXT("timeout must be >= 0 seconds, or None"));
        }
    }
    if (args[ARG_saved_session].u_obj != mp_const_none) {
        // The session lives in the context that made it: wrap with that one
        // (its keys, CAs and verify mode; the other arguments are ignored).
        mp_obj_t ctx_obj, hostname;
        mpssl_session_unpack(args[ARG_saved_session].u_obj, &ctx_obj, &hostname);
        if (args[ARG_server_hostname].u_obj != mp_const_none) {
            hostname = args[ARG_server_hostname].u_obj;
        }
        return mpssl_socket_wrap_ex(MP_OBJ_TO_PTR(ctx_obj), args[ARG_sock].u_obj,
            do_handshake, hostname, timeout, -1);
    }
    mp_obj_t ctx_obj = mpssl_context_create(&mpssl_ssl_context_type,
        server_side ? MODSSL_PROTOCOL_TLS_SERVER : MODSSL_PROTOCOL_TLS_CLIENT, MODSSL_CERT_NONE);
    mpssl_context_obj_t *ctx = MP_OBJ_TO_PTR(ctx_obj);
    if (args[ARG_cert_reqs].u_int >= 0) {
        mpssl_context_set_verify(ctx, args[ARG_cert_reqs].u_int, true);
    }

    mp_obj_t key = args[ARG_key].u_obj;
    mp_obj_t cert = args[ARG_cert].u_obj;
    if (args[ARG_keyfile].u_obj != mp_const_none) {
        key = mpssl_read_file(args[ARG_keyfile].u_obj);
    }
    if (args[ARG_certfile].u_obj != mp_const_none) {
        cert = mpssl_read_file(args[ARG_certfile].u_obj);
    }
    if (cert != mp_const_none) {
        // As the seed docs say: with only certfile, the key is in it too.
        mpssl_context_load_identity(ctx, cert, key != mp_const_none ? key : cert);
    } else if (key != mp_const_none) {
        // As MicroPython (its load_cert_chain parses the key, then needs the
        // certificate): ValueError("invalid key") for bytes that are not a
        // key, else TypeError for the missing certificate.
        mp_buffer_info_t k;
        mp_get_buffer_raise(key, &k, MP_BUFFER_READ);
        int32_t ret = MODSSL_OUT_OF_MEMORY;
        CTX_CALL(ret, modssl_key_check(k.buf, k.len));
        if (ret < 0) {
            mpssl_raise(ret);
        }
        size_t len;
        (void)mp_obj_str_get_data(cert, &len); // TypeError: can't convert 'NoneType' ...
    }
    if (args[ARG_ssl_version].u_int != 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("ssl_version: only 0 (TLS 1.2 or 1.3, negotiated)"));
    }
    if (args[ARG_cadata].u_obj != mp_const_none) {
        mpssl_context_load_trust(ctx, args[ARG_cadata].u_obj);
    }
    mp_obj_t ca_certs = args[ARG_ca_certs].u_obj;
    if (ca_certs != mp_const_none) {
        mpssl_context_load_trust(ctx, mp_obj_is_str(ca_certs) ? mpssl_read_file(ca_certs) : ca_certs);
        if (args[ARG_server_hostname].u_obj == mp_const_none) {
            // Pycom's API verified the chain to ca_certs without a name to
            // check; keep that for code written for it (documented).  Pass
            // server_hostname to have the name checked too.
            mp_store_attr(ctx_obj, MP_QSTR_check_hostname, mp_const_false);
        }
    }
    // Pycom's timeout= bounds the handshake wherever it runs (here, in
    // connect(), or in the first read/write), then the socket's own timeout
    // is back (socket.c, "Timeouts").  A server without a certificate is
    // refused before any wait (the context here is ours: we know).
    return mpssl_socket_wrap_ex(ctx, args[ARG_sock].u_obj, do_handshake,
        args[ARG_server_hostname].u_obj, timeout, server_side ? (cert != mp_const_none) : -1);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(ssl_wrap_socket_obj, 1, ssl_wrap_socket);

// create_default_context(purpose=None, *, cafile=None, capath=None, cadata=None):
// a client context that verifies (CERT_REQUIRED, hostname checked) against
// cafile/cadata if given, else the built-in CA bundle (CPython's shape).
static mp_obj_t ssl_create_default_context(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_purpose, ARG_cafile, ARG_capath, ARG_cadata };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_purpose, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_cafile, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_capath, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_cadata, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mpssl_check_kwargs(MP_QSTR_create_default_context, kw_args, allowed_args, MP_ARRAY_SIZE(allowed_args));
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    if (args[ARG_capath].u_obj != mp_const_none) {
        mp_raise_NotImplementedError(MP_ERROR_TEXT("capath: use cafile or cadata"));
    }
    mp_obj_t purpose = args[ARG_purpose].u_obj;
    if (purpose != mp_const_none && !mp_obj_is_qstr(purpose)) {
        purpose = MP_OBJ_NULL; // not one of ours
    }
    if (purpose == MP_OBJ_NEW_QSTR(MP_QSTR_clientAuth)) {
        // CPython's: a server context (to authenticate clients), CERT_NONE
        // unless set; cafile/cadata are the CAs for client certificates.
        mp_obj_t ctx_obj = mpssl_context_create(&mpssl_ssl_context_type, MODSSL_PROTOCOL_TLS_SERVER, MODSSL_CERT_NONE);
        mpssl_context_obj_t *ctx = MP_OBJ_TO_PTR(ctx_obj);
        if (args[ARG_cafile].u_obj != mp_const_none) {
            mpssl_context_load_trust(ctx, mpssl_read_file(args[ARG_cafile].u_obj));
        }
        if (args[ARG_cadata].u_obj != mp_const_none) {
            mpssl_context_load_trust(ctx, args[ARG_cadata].u_obj);
        }
        return ctx_obj;
    }
    if (purpose != mp_const_none && purpose != MP_OBJ_NEW_QSTR(MP_QSTR_serverAuth)) {
        mp_raise_TypeError(MP_ERROR_TEXT("purpose must be ssl.Purpose.SERVER_AUTH or ssl.Purpose.CLIENT_AUTH"));
    }
    mp_obj_t ctx_obj = mpssl_context_create(&mpssl_ssl_context_type, MODSSL_PROTOCOL_TLS_CLIENT, MODSSL_CERT_REQUIRED);
    mpssl_context_obj_t *ctx = MP_OBJ_TO_PTR(ctx_obj);
    bool own = false;
    if (args[ARG_cafile].u_obj != mp_const_none) {
        mpssl_context_load_trust(ctx, mpssl_read_file(args[ARG_cafile].u_obj));
        own = true;
    }
    if (args[ARG_cadata].u_obj != mp_const_none) {
        mpssl_context_load_trust(ctx, args[ARG_cadata].u_obj);
        own = true;
    }
    if (!own) {
        mp_obj_t dest[2];
        mp_load_method(ctx_obj, MP_QSTR_load_default_certs, dest);
        mp_call_method_n_kw(0, 0, dest);
    }
    return ctx_obj;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(ssl_create_default_context_obj, 0, ssl_create_default_context);

// save_session(ssl_sock): Pycom's; a handle to resume the session later.
static mp_obj_t ssl_save_session(mp_obj_t sock) {
    return mpssl_session_of(sock);
}
static MP_DEFINE_CONST_FUN_OBJ_1(ssl_save_session_obj, ssl_save_session);

// mem_info(): (connections, heap bytes their TLS state holds, bytes in use).
static mp_obj_t ssl_mem_info(void) {
    modssl_meminfo m;
    MPSSL_GUARDED(m = modssl_mem_info(), mpssl_raise(escape_code));
    mp_obj_t items[3] = {
        mp_obj_new_int_from_uint(m.connections),
        mp_obj_new_int_from_uint(m.reserved),
        mp_obj_new_int_from_uint(m.used),
    };
    return mp_obj_new_tuple(3, items);
}
static MP_DEFINE_CONST_FUN_OBJ_0(ssl_mem_info_obj, ssl_mem_info);

// stack_info(): (core stack size, most of it used since the last call):
// the stack the handshakes run on (docs/design.md, "The core stack"); size
// 0 when this build runs them on the main stack.
static mp_obj_t ssl_stack_info(void) {
    mp_obj_t items[2] = {
        mp_obj_new_int_from_uint(mpssl_stack_size()),
        mp_obj_new_int_from_uint(mpssl_stack_take_peak()),
    };
    return mp_obj_new_tuple(2, items);
}
static MP_DEFINE_CONST_FUN_OBJ_0(ssl_stack_info_obj, ssl_stack_info);

// cert_compression(): (accepts, sends): whether this build and firmware
// take a peer's compressed certificate chain (RFC 8879, zlib: the
// cert-compress feature and the firmware's uzlib) and send their own
// compressed.  A lookup (no allocation in the core), so unguarded.
static mp_obj_t ssl_cert_compression(void) {
    uint32_t flags = modssl_cert_compression();
    mp_obj_t t[2] = { mp_obj_new_bool(flags & 1), mp_obj_new_bool(flags & 2) };
    return mp_obj_new_tuple(2, t);
}
static MP_DEFINE_CONST_FUN_OBJ_0(ssl_cert_compression_obj, ssl_cert_compression);

// TLSVersion.TLSv1_2 / TLSv1_3: CPython's values (the protocol numbers).
static const mp_rom_map_elem_t tls_version_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_TLSv1_2), MP_ROM_INT(0x0303) },
    { MP_ROM_QSTR(MP_QSTR_TLSv1_3), MP_ROM_INT(0x0304) },
    { MP_ROM_QSTR(MP_QSTR_MINIMUM_SUPPORTED), MP_ROM_INT(0x0303) },
    { MP_ROM_QSTR(MP_QSTR_MAXIMUM_SUPPORTED), MP_ROM_INT(0x0304) },
};
static MP_DEFINE_CONST_DICT(tls_version_locals, tls_version_locals_table);

static MP_DEFINE_CONST_OBJ_TYPE(
    tls_version_type,
    MP_QSTR_TLSVersion,
    MP_TYPE_FLAG_NONE,
    locals_dict, &tls_version_locals
    );

// Purpose.SERVER_AUTH / CLIENT_AUTH, for create_default_context(purpose=):
// CPython's names; the values are the short names CPython's carry
// (Purpose.SERVER_AUTH.shortname == 'serverAuth').
static const mp_rom_map_elem_t purpose_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_SERVER_AUTH), MP_ROM_QSTR(MP_QSTR_serverAuth) },
    { MP_ROM_QSTR(MP_QSTR_CLIENT_AUTH), MP_ROM_QSTR(MP_QSTR_clientAuth) },
};
static MP_DEFINE_CONST_DICT(purpose_locals, purpose_locals_table);

static MP_DEFINE_CONST_OBJ_TYPE(
    purpose_type,
    MP_QSTR_Purpose,
    MP_TYPE_FLAG_NONE,
    locals_dict, &purpose_locals
    );

static const mp_rom_map_elem_t ssl_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_ssl) },
    { MP_ROM_QSTR(MP_QSTR_SSLContext), MP_ROM_PTR(&mpssl_ssl_context_type) },
    { MP_ROM_QSTR(MP_QSTR_SSLSocket), MP_ROM_PTR(&mpssl_socket_type) },
    { MP_ROM_QSTR(MP_QSTR_wrap_socket), MP_ROM_PTR(&ssl_wrap_socket_obj) },
    { MP_ROM_QSTR(MP_QSTR_create_default_context), MP_ROM_PTR(&ssl_create_default_context_obj) },
    { MP_ROM_QSTR(MP_QSTR_mem_info), MP_ROM_PTR(&ssl_mem_info_obj) },
    { MP_ROM_QSTR(MP_QSTR_stack_info), MP_ROM_PTR(&ssl_stack_info_obj) },
    { MP_ROM_QSTR(MP_QSTR_cert_compression), MP_ROM_PTR(&ssl_cert_compression_obj) },
    { MP_ROM_QSTR(MP_QSTR_save_session), MP_ROM_PTR(&ssl_save_session_obj) },
    { MP_ROM_QSTR(MP_QSTR_SSLSession), MP_ROM_PTR(&mpssl_session_type) },
    { MP_ROM_QSTR(MP_QSTR_TLSVersion), MP_ROM_PTR(&tls_version_type) },
    { MP_ROM_QSTR(MP_QSTR_Purpose), MP_ROM_PTR(&purpose_type) },
    // CPython has ssl.OPENSSL_VERSION; ours is MODSSL_VERSION.
    MODSSL_MODULE_CONSTANTS,
};
static MP_DEFINE_CONST_DICT(ssl_module_globals, ssl_module_globals_table);

const mp_obj_module_t mpssl_ssl_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&ssl_module_globals,
};

// Not extensible: an `ssl.py` on sys.path or frozen into the firmware (the rp2
// and esp32 manifests freeze micropython-lib's via bundle-networking) cannot
// shadow ours, so `import ssl` always gives this module (docs/api.md, "Which
// ssl").  `ussl` is registered too: MicroPython's u-prefix alias only exists
// for extensible modules.
MP_REGISTER_MODULE(MP_QSTR_ssl, mpssl_ssl_module);
MP_REGISTER_MODULE(MP_QSTR_ussl, mpssl_ssl_module);
