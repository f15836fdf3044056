// Session resumption at the Python level: Pycom's ssl.save_session(sock) and
// wrap_socket(..., saved_session=s), CPython's sock.session_reused.
//
// rustls keeps sessions inside the context that made the connection (the
// core's session store), keyed by server name; it offers no way to copy a
// session out, let alone serialise it (so a session cannot survive a
// deep sleep).  An SSLSession is therefore a handle on that context and the
// server name: wrapping a new socket with it reuses the context, and rustls
// resumes if the server agrees.
#include "py/runtime.h"

#include "modssl_shim.h"

typedef struct _mpssl_session_obj_t {
    mp_obj_base_t base;
    mp_obj_t context;
    mp_obj_t server_hostname;
} mpssl_session_obj_t;

static void session_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    mpssl_session_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (dest[0] != MP_OBJ_NULL) {
        return;
    }
    if (attr == MP_QSTR_context) {
        dest[0] = self->context;
    } else if (attr == MP_QSTR_server_hostname) {
        dest[0] = self->server_hostname;
    }
}

MP_DEFINE_CONST_OBJ_TYPE(
    mpssl_session_type,
    MP_QSTR_SSLSession,
    MP_TYPE_FLAG_NONE,
    attr, session_attr
    );

mp_obj_t mpssl_session_of(mp_obj_t sock) {
    if (!mp_obj_is_type(sock, &mpssl_socket_type)) {
        mp_raise_TypeError(MP_ERROR_TEXT("expected an SSLSocket"));
    }
    // A TLS 1.3 ticket comes after the handshake: take it in first (bounded
    // wait, docs/api.md "Sessions"), so that the handle resumes.
    mpssl_socket_take_session(sock);
    mpssl_session_obj_t *s = mp_obj_malloc(mpssl_session_obj_t, &mpssl_session_type);
    s->context = mpssl_socket_context(sock);
    s->server_hostname = mpssl_socket_server_hostname(sock);
    return MP_OBJ_FROM_PTR(s);
}

void mpssl_session_unpack(mp_obj_t session, mp_obj_t *context, mp_obj_t *server_hostname) {
    if (!mp_obj_is_type(session, &mpssl_session_type)) {
        mp_raise_TypeError(MP_ERROR_TEXT("saved_session must come from ssl.save_session()"));
    }
    mpssl_session_obj_t *s = MP_OBJ_TO_PTR(session);
    *context = s->context;
    *server_hostname = s->server_hostname;
}
