// What the shim's files share: the SSLContext and SSLSocket objects.
#ifndef MODSSL_SHIM_H
#define MODSSL_SHIM_H

#include "py/obj.h"
#include "py/objstr.h"
#include "modssl_rs.h"

// MicroPython 1.25 (Debian trixie's) names it NORETURN.
#ifndef MP_NORETURN
#define MP_NORETURN NORETURN
#endif

// MicroPython's numbering: CERT_* and PROTOCOL_* as in its tls module.
#define MODSSL_CERT_NONE (0)
#define MODSSL_CERT_OPTIONAL (1)
#define MODSSL_CERT_REQUIRED (2)
#define MODSSL_PROTOCOL_TLS_CLIENT (0)
#define MODSSL_PROTOCOL_TLS_SERVER (1)
#define MODSSL_PROTOCOL_DTLS_CLIENT (2)
#define MODSSL_PROTOCOL_DTLS_SERVER (3)

// Per-connection heap budget (bytes).  The first chunk is reserved at
// wrap_socket time; a connection may grow to the limit (a 16 KiB record
// each way plus handshake state), then MemoryError.
#ifndef MODSSL_ARENA_FIRST_CHUNK
#define MODSSL_ARENA_FIRST_CHUNK (sizeof(void *) * 1024)
#endif
#ifndef MODSSL_ARENA_GROW_CHUNK
#define MODSSL_ARENA_GROW_CHUNK (2048)
#endif
#ifndef MODSSL_ARENA_LIMIT
#define MODSSL_ARENA_LIMIT (112 * 1024)
#endif

// Sessions kept by ssl-module contexts (tls contexts keep none unless asked):
// servers a client remembers, sessions a server keeps.
#ifndef MODSSL_CLIENT_SESSION_CACHE
#define MODSSL_CLIENT_SESSION_CACHE (2)
#endif
#ifndef MODSSL_SERVER_SESSION_CACHE
#define MODSSL_SERVER_SESSION_CACHE (16)
#endif

typedef struct _mpssl_context_obj_t {
    mp_obj_base_t base;
    modssl_context *ctx;
    // verify_callback(cert, depth): called with each certificate the peer
    // sent once our own checks passed; truthy rejects.  None: no callback.
    // Run by the socket between core calls (docs/design.md, "verify_callback").
    mp_obj_t verify_callback;
    bool server;
} mpssl_context_obj_t;

extern const mp_obj_type_t mpssl_tls_context_type;
extern const mp_obj_type_t mpssl_ssl_context_type;
extern const mp_obj_type_t mpssl_socket_type;

// The exception types both modules export (modssl_context.c).
extern const mp_obj_type_t mpssl_type_SSLError;
extern const mp_obj_type_t mpssl_type_SSLCertVerificationError;

// Our version string, a str in ROM (both modules' MODSSL_VERSION).
extern const mp_obj_str_t mpssl_version_obj;

// What both modules export beside their own names: MicroPython's numbering.
#define MODSSL_MODULE_CONSTANTS \
    { MP_ROM_QSTR(MP_QSTR_MODSSL_VERSION), MP_ROM_PTR(&mpssl_version_obj) }, \
    { MP_ROM_QSTR(MP_QSTR_PROTOCOL_TLS_CLIENT), MP_ROM_INT(MODSSL_PROTOCOL_TLS_CLIENT) }, \
    { MP_ROM_QSTR(MP_QSTR_PROTOCOL_TLS_SERVER), MP_ROM_INT(MODSSL_PROTOCOL_TLS_SERVER) }, \
    { MP_ROM_QSTR(MP_QSTR_PROTOCOL_DTLS_CLIENT), MP_ROM_INT(MODSSL_PROTOCOL_DTLS_CLIENT) }, \
    { MP_ROM_QSTR(MP_QSTR_PROTOCOL_DTLS_SERVER), MP_ROM_INT(MODSSL_PROTOCOL_DTLS_SERVER) }, \
    { MP_ROM_QSTR(MP_QSTR_CERT_NONE), MP_ROM_INT(MODSSL_CERT_NONE) }, \
    { MP_ROM_QSTR(MP_QSTR_CERT_OPTIONAL), MP_ROM_INT(MODSSL_CERT_OPTIONAL) }, \
    { MP_ROM_QSTR(MP_QSTR_CERT_REQUIRED), MP_ROM_INT(MODSSL_CERT_REQUIRED) }, \
    { MP_ROM_QSTR(MP_QSTR_SSLError), MP_ROM_PTR(&mpssl_type_SSLError) }, \
    { MP_ROM_QSTR(MP_QSTR_SSLCertVerificationError), MP_ROM_PTR(&mpssl_type_SSLCertVerificationError) }

// SSLContext(protocol) with the given default verify mode.
mp_obj_t mpssl_context_create(const mp_obj_type_t *type, mp_int_t protocol, int verify_mode);
// load_cert_chain / load_verify_locations on bytes (PEM or DER).
void mpssl_context_load_identity(mpssl_context_obj_t *self, mp_obj_t cert, mp_obj_t key);
void mpssl_context_load_trust(mpssl_context_obj_t *self, mp_obj_t cadata);
// `explicit`: the user's choice (the verify_mode attribute, cert_reqs=), not
// the flavour's default (docs/security.md, "Secure when the intent is clear").
void mpssl_context_set_verify(mpssl_context_obj_t *self, mp_int_t mode, bool explicit);
int32_t mpssl_context_get(mpssl_context_obj_t *self, int32_t (*get)(const modssl_context *ctx));
// The contents of a file, for arguments given as paths.
mp_obj_t mpssl_read_file(mp_obj_t path);
// Wraps `sock` as the side the context's protocol says; performs the
// handshake now when `do_handshake`.
mp_obj_t mpssl_socket_wrap(mpssl_context_obj_t *ctx, mp_obj_t sock, bool do_handshake,
    mp_obj_t server_hostname);
// Raises the Python exception for a status code (never returns).
MP_NORETURN void mpssl_raise(int32_t code);
// The room for a message with its detail (docs/api.md, "Errors").
#define MPSSL_MESSAGE_MAX (192)
MP_NORETURN void mpssl_raise_message(int32_t code, const char *message);
MP_NORETURN void mpssl_raise_ssl_error(int32_t code, const char *message);
const char *mpssl_message_ctx(modssl_context *ctx, int32_t code, char *buf, size_t len);
const char *mpssl_message_conn(modssl_conn *conn, int32_t code, char *buf, size_t len);

// Session handles (modssl_session.c) and what they need of a socket.
extern const mp_obj_type_t mpssl_session_type;
mp_obj_t mpssl_session_of(mp_obj_t ssl_sock);
void mpssl_session_unpack(mp_obj_t session, mp_obj_t *context, mp_obj_t *server_hostname);
mp_obj_t mpssl_socket_context(mp_obj_t ssl_sock);
mp_obj_t mpssl_socket_server_hostname(mp_obj_t ssl_sock);
// save_session(): takes in a TLS 1.3 ticket that follows the handshake.
void mpssl_socket_take_session(mp_obj_t ssl_sock);

// As mpssl_socket_wrap, with ssl.wrap_socket's timeout= (seconds, or None:
// bounds the handshake wherever it runs) and whether a server context has a
// certificate (1, 0, or -1 for unknown: then the handshake finds out).
mp_obj_t mpssl_socket_wrap_ex(mpssl_context_obj_t *ctx, mp_obj_t sock, bool do_handshake,
    mp_obj_t server_hostname, mp_obj_t timeout, int has_identity);
// TypeError naming the first keyword of `kw_args` that `fn` does not take
// (mp_arg_parse_all only says "extra keyword arguments given").
void mpssl_check_kwargs(qstr fn, mp_map_t *kw_args, const mp_arg_t *allowed, size_t n_allowed);

#endif // MODSSL_SHIM_H
