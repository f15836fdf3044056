// The `ssl` module, as MicroPython documents it (and micropython-lib's
// ssl.py implements it over `tls`): wrap_socket() and SSLContext with
// CERT_NONE by default, plus file-path arguments.  Built in, so `import
// ussl` works too.
#include "py/runtime.h"

#include "modssl_rs.h"
#include "modssl_shim.h"

// wrap_socket(sock, server_side=False, key=None, cert=None,
//             cert_reqs=CERT_NONE, cadata=None, server_hostname=None,
//             do_handshake=True, keyfile=None, certfile=None)
static mp_obj_t ssl_wrap_socket(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_sock, ARG_server_side, ARG_key, ARG_cert, ARG_cert_reqs, ARG_cadata,
           ARG_server_hostname, ARG_do_handshake, ARG_keyfile, ARG_certfile };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_sock, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_server_side, MP_ARG_BOOL, {.u_bool = false} },
        { MP_QSTR_key, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_cert, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_cert_reqs, MP_ARG_INT, {.u_int = MODSSL_CERT_NONE} },
        { MP_QSTR_cadata, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_server_hostname, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_do_handshake, MP_ARG_BOOL, {.u_bool = true} },
        { MP_QSTR_keyfile, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_certfile, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);

    bool server_side = args[ARG_server_side].u_bool;
    mp_obj_t ctx_obj = modssl_context_create(&modssl_ssl_context_type,
        server_side ? MODSSL_PROTOCOL_TLS_SERVER : MODSSL_PROTOCOL_TLS_CLIENT, args[ARG_cert_reqs].u_int);
    modssl_context_obj_t *ctx = MP_OBJ_TO_PTR(ctx_obj);

    mp_obj_t key = args[ARG_key].u_obj;
    mp_obj_t cert = args[ARG_cert].u_obj;
    if (args[ARG_keyfile].u_obj != mp_const_none) {
        key = modssl_read_file(args[ARG_keyfile].u_obj);
    }
    if (args[ARG_certfile].u_obj != mp_const_none) {
        cert = modssl_read_file(args[ARG_certfile].u_obj);
    }
    if (cert != mp_const_none) {
        // As the seed docs say: with only certfile, the key is in it too.
        modssl_context_load_identity(ctx, cert, key != mp_const_none ? key : cert);
    } else if (key != mp_const_none) {
        mp_raise_ValueError(MP_ERROR_TEXT("key given without cert"));
    }
    if (args[ARG_cadata].u_obj != mp_const_none) {
        modssl_context_load_trust(ctx, args[ARG_cadata].u_obj);
    }
    return modssl_socket_wrap(ctx, args[ARG_sock].u_obj, server_side,
        args[ARG_do_handshake].u_bool, args[ARG_server_hostname].u_obj);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(ssl_wrap_socket_obj, 1, ssl_wrap_socket);

static const mp_rom_map_elem_t ssl_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_ssl) },
    { MP_ROM_QSTR(MP_QSTR_SSLContext), MP_ROM_PTR(&modssl_ssl_context_type) },
    { MP_ROM_QSTR(MP_QSTR_SSLSocket), MP_ROM_PTR(&modssl_socket_type) },
    { MP_ROM_QSTR(MP_QSTR_wrap_socket), MP_ROM_PTR(&ssl_wrap_socket_obj) },
    { MP_ROM_QSTR(MP_QSTR_PROTOCOL_TLS_CLIENT), MP_ROM_INT(MODSSL_PROTOCOL_TLS_CLIENT) },
    { MP_ROM_QSTR(MP_QSTR_PROTOCOL_TLS_SERVER), MP_ROM_INT(MODSSL_PROTOCOL_TLS_SERVER) },
    { MP_ROM_QSTR(MP_QSTR_PROTOCOL_DTLS_CLIENT), MP_ROM_INT(MODSSL_PROTOCOL_DTLS_CLIENT) },
    { MP_ROM_QSTR(MP_QSTR_PROTOCOL_DTLS_SERVER), MP_ROM_INT(MODSSL_PROTOCOL_DTLS_SERVER) },
    { MP_ROM_QSTR(MP_QSTR_CERT_NONE), MP_ROM_INT(MODSSL_CERT_NONE) },
    { MP_ROM_QSTR(MP_QSTR_CERT_OPTIONAL), MP_ROM_INT(MODSSL_CERT_OPTIONAL) },
    { MP_ROM_QSTR(MP_QSTR_CERT_REQUIRED), MP_ROM_INT(MODSSL_CERT_REQUIRED) },
};
static MP_DEFINE_CONST_DICT(ssl_module_globals, ssl_module_globals_table);

const mp_obj_module_t modssl_ssl_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&ssl_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_ssl, modssl_ssl_module);
