// SSLSocket: a MicroPython stream over another stream, with the Rust core
// (modssl_rs.h) doing TLS.  The core never touches the socket: this file
// moves ciphertext between the socket and the core's buffers, and every call
// into the core runs under a guard (modssl_guard.h).
//
// Behaviour follows MicroPython's mbedTLS module: blocking sockets block,
// non-blocking ones give EAGAIN (read/write return None), the handshake
// advances inside read/write when do_handshake_on_connect is False, EOF after
// close_notify reads as b"", and poll() reports data buffered in the TLS layer.
#include <string.h>

#include "py/runtime.h"
#include "py/stream.h"
#include "py/mperrno.h"
#include "py/gc.h"
#include "py/mphal.h"

#include "modssl_guard.h"
#include "modssl_shim.h"

#define MP_STREAM_POLL_RDWR (MP_STREAM_POLL_RD | MP_STREAM_POLL_WR)

typedef struct _mpssl_socket_obj_t {
    mp_obj_base_t base;
    mp_obj_t context;       // keeps the SSLContext alive
    mp_obj_t sock;          // MP_OBJ_NULL once closed
    modssl_conn *conn; // NULL once closed or poisoned
    int32_t last_error;     // sticky: every later call raises it again
    mp_obj_t last_message;  // last_error's message with its detail (a str), or MP_OBJ_NULL
    uint8_t poll_mask;      // the socket direction the handshake waits for
    mp_obj_t server_hostname; // as given to wrap_socket (sessions are keyed by it)
    bool server_side;
    bool verify_callback_done; // the context's verify_callback has seen the peer
    mp_uint_t unsent_len;   // bytes a write took whose record is not all sent yet
    // Timeouts (docs/api.md, "Timeouts").  `hs_timeout`: ssl.wrap_socket's
    // timeout= (seconds), bounding the handshake wherever it runs, None once
    // it is done or when not given.  `timeout`: what was set through
    // settimeout()/setblocking() (MicroPython sockets cannot be asked),
    // MP_OBJ_NULL if nothing was: restored after a bounded handshake.
    mp_obj_t hs_timeout;
    mp_obj_t timeout;
    mp_uint_t deadline;     // mp_hal_ticks_ms() by which the handshake must be done
    bool deadline_armed;
    bool handshake_done;
    // A server context without a certificate (known to ssl.wrap_socket):
    // the handshake cannot succeed, so it is not attempted (docs/api.md).
    bool no_identity;
    // A socket error (positive errno) that poll() took from the socket
    // (Linux hands a failed connect's error to the first call that asks):
    // raised by every later call instead of the EPIPE the socket gives then.
    int sock_error;
    // Bytes received after the handshake (TLS 1.3 tickets come there).
    mp_uint_t post_handshake_bytes;
} mpssl_socket_obj_t;

// Results of moving bytes, besides counts.
#define IO_OK (0)
#define IO_WOULD_BLOCK (-1)
#define IO_EOF (-2)

// ---- guarded core calls ---------------------------------------------------

// After a panic escape: the connection's memory is released whole and the
// socket reports `code` from now on.
static void poison(mpssl_socket_obj_t *o, int32_t code) {
    modssl_conn *conn = o->conn;
    o->conn = NULL;
    if (conn != NULL) {
        modssl_conn_discard(conn);
    }
    o->last_error = code;
}

// Frees the connection normally (discarding it if that panics).
static void free_conn(mpssl_socket_obj_t *o) {
    modssl_conn *conn = o->conn;
    o->conn = NULL;
    if (conn != NULL) {
        MPSSL_GUARDED(modssl_conn_free(conn), modssl_conn_discard(conn));
    }
}

static int flush_out(mpssl_socket_obj_t *o);

// last_error's message, as raised the first time.
static const char *last_message(mpssl_socket_obj_t *o) {
    return o->last_message == MP_OBJ_NULL ? NULL : mp_obj_str_get_str(o->last_message);
}

static MP_NORETURN void fail(mpssl_socket_obj_t *o, int32_t code) {
    if (o->last_error == 0) {
        o->last_error = code;
        // The connection knows more than the code (the peer's alert); keep
        // the message for this and every later raise, the connection is
        // freed below.
        char buf[MPSSL_MESSAGE_MAX];
        const char *msg = o->conn == NULL || gc_is_locked() ? NULL : mpssl_message_conn(o->conn, code, buf, sizeof(buf));
        if (msg != NULL) {
            o->last_message = mp_obj_new_str(msg, strlen(msg));
        }
    }
    if (o->conn != NULL && o->sock != MP_OBJ_NULL) {
        // The alert telling the peer why (and what went before it), best
        // effort (within what is left of a bounded handshake's time, which
        // the socket has already).
        bool armed = o->deadline_armed;
        o->deadline_armed = false;
        (void)flush_out(o);
        o->deadline_armed = armed;
    }
    free_conn(o);
    mpssl_raise_message(code, code == o->last_error ? last_message(o) : NULL);
}

static void check_open(mpssl_socket_obj_t *o) {
    if (o->sock_error != 0) {
        // The socket's own error (a failed connect), taken by poll().
        free_conn(o);
        mp_raise_OSError(o->sock_error);
    }
    if (o->no_identity && o->last_error == 0) {
        free_conn(o);
        // OSError-based (read/write callers, asyncio and MicroPython's own
        // tests, expect one there), though a ValueError at wrap.
        mpssl_raise_ssl_error(MODSSL_NO_CERTIFICATE, NULL);
    }
    if (o->last_error != 0) {
        mpssl_raise_message(o->last_error, last_message(o));
    }
    if (o->conn == NULL) {
        mp_raise_OSError(MP_EBADF);
    }
}

static void run_verify_callback(mpssl_socket_obj_t *o);

// Every record from the peer is processed here, so this is where the
// verify_callback runs: after the core call that verified the peer's chain
// returned, and before anything that call queued (our Finished, a session
// ticket) is sent.
// `call` on socket `o`'s connection, under a guard: a panic escape poisons
// the socket, then runs `on_escape` (with `escape_code` set).
#define CONN_CALL_OR(call, on_escape) \
    MPSSL_GUARDED(call, { poison(o, escape_code); on_escape; })
// `var = call` the same way; an escape leaves its status code in `var`.
#define CONN_CALL(var, call) CONN_CALL_OR(var = call, var = escape_code)

static int32_t core_process(mpssl_socket_obj_t *o) {
    int32_t ret = MODSSL_INTERNAL;
    CONN_CALL(ret, modssl_conn_process(o->conn));
    if (ret >= 0 && !(ret & MODSSL_FLAG_HANDSHAKING)) {
        o->handshake_done = true;
    }
    if (ret >= 0 && !o->verify_callback_done) {
        run_verify_callback(o);
    }
    return ret;
}

// The context's verify_callback(cert, depth), run between core calls (never
// inside one: Python may raise, and an nlr jump must not cross Rust frames).
// The core has verified the peer's chain and made it available; what it
// queued in the same call has not been sent.  Called, as MicroPython's module
// does, from the top of the chain the peer sent down to its own certificate
// (depth 0), each as bytes (DER).  A truthy result or an exception rejects
// the peer: the connection is released without sending what it had queued
// (our Finished, a session ticket), so nothing of ours reaches that peer, and
// the socket raises ValueError(... rejected by verify_callback) from now on
// (the callback's own exception, if it raised, this time).
static void run_verify_callback(mpssl_socket_obj_t *o) {
    mpssl_context_obj_t *ctx = MP_OBJ_TO_PTR(o->context);
    if (ctx->verify_callback == mp_const_none || o->conn == NULL) {
        return;
    }
    modssl_conninfo info;
    int32_t ret = MODSSL_INTERNAL;
    CONN_CALL(ret, modssl_conn_info(o->conn, &info));
    if (ret != MODSSL_OK || info.peer_certificates == 0) {
        return; // not verified yet (or no certificate: nothing to show)
    }
    o->verify_callback_done = true;
    bool reject = false;
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        for (size_t i = info.peer_certificates; i-- > 0 && !reject;) {
            const uint8_t *der = NULL;
            size_t len = 0;
            ret = MODSSL_INTERNAL;
            if (o->conn != NULL) {
                CONN_CALL(ret, modssl_conn_peer_cert(o->conn, i, &der, &len));
            }
            if (ret != MODSSL_OK) {
                reject = true; // poisoned, or closed by the callback itself
                break;
            }
            mp_obj_t cert = mp_obj_new_bytes(der, len);
            mp_obj_t verdict = mp_call_function_2(ctx->verify_callback, cert, MP_OBJ_NEW_SMALL_INT(i));
            reject = mp_obj_is_true(verdict);
        }
        nlr_pop();
    } else {
        if (o->last_error == 0) {
            o->last_error = MODSSL_CERT_REJECTED_BY_CALLBACK;
        }
        free_conn(o); // no flush: see above
        nlr_jump(nlr.ret_val);
    }
    if (reject) {
        if (o->last_error == 0) {
            o->last_error = MODSSL_CERT_REJECTED_BY_CALLBACK;
        }
        free_conn(o);
        mpssl_raise_message(o->last_error, last_message(o));
    }
}

// ---- timeouts -------------------------------------------------------------

static void call_settimeout(mp_obj_t sock, mp_obj_t timeout) {
    mp_obj_t dest[3];
    mp_load_method(sock, MP_QSTR_settimeout, dest);
    dest[2] = timeout;
    mp_call_method_n_kw(1, 0, dest);
}

static mp_obj_t seconds_obj(mp_uint_t ms) {
    #if MICROPY_PY_BUILTINS_FLOAT
    return mp_obj_new_float((mp_float_t)ms / 1000);
    #else
    return MP_OBJ_NEW_SMALL_INT((ms + 999) / 1000);
    #endif
}

// Starts the handshake's deadline (timeout= seconds from now), unless one
// runs already or no timeout was given.
static void arm_deadline(mpssl_socket_obj_t *o) {
    if (o->hs_timeout == mp_const_none || o->deadline_armed || o->handshake_done) {
        return;
    }
    #if MICROPY_PY_BUILTINS_FLOAT
    mp_float_t t = mp_obj_get_float(o->hs_timeout);
    mp_uint_t ms = t <= 0 ? 0 : (mp_uint_t)(t * 1000);
    #else
    mp_int_t t = mp_obj_get_int(o->hs_timeout);
    mp_uint_t ms = t <= 0 ? 0 : (mp_uint_t)t * 1000;
    #endif
    o->deadline = mp_hal_ticks_ms() + ms;
    o->deadline_armed = true;
}

// Before each wait of a bounded handshake: the socket waits at most the time
// left.  MP_ETIMEDOUT once it is up, else 0.
static int apply_deadline(mpssl_socket_obj_t *o) {
    mp_int_t left = (mp_int_t)(o->deadline - mp_hal_ticks_ms());
    if (left <= 0) {
        return MP_ETIMEDOUT;
    }
    call_settimeout(o->sock, seconds_obj((mp_uint_t)left));
    return 0;
}

// Ends a bounded handshake: the socket's own timeout is back (what was set
// through the SSLSocket, else none: blocking, a new socket's default).
static void disarm_deadline(mpssl_socket_obj_t *o) {
    if (!o->deadline_armed) {
        return;
    }
    o->deadline_armed = false;
    if (o->sock == MP_OBJ_NULL) {
        return;
    }
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        call_settimeout(o->sock, o->timeout == MP_OBJ_NULL ? mp_const_none : o->timeout);
        nlr_pop();
    }
    // (A socket that cannot take its timeout back reports it at its next use.)
}

// ---- moving ciphertext ----------------------------------------------------

// Sends what the core has queued.  IO_OK when all is out, IO_WOULD_BLOCK,
// or a positive errno.
static int flush_out(mpssl_socket_obj_t *o) {
    const mp_stream_p_t *stream = mp_get_stream(o->sock);
    for (;;) {
        const uint8_t *buf = NULL;
        size_t len = 0;
        CONN_CALL_OR(len = modssl_conn_send_pending(o->conn, &buf), return MP_EIO);
        if (len == 0) {
            return IO_OK;
        }
        if (o->deadline_armed) {
            int e = apply_deadline(o);
            if (e != 0) {
                return e;
            }
        }
        int err = 0;
        mp_uint_t n = stream->write(o->sock, buf, len, &err);
        if (n == MP_STREAM_ERROR) {
            return mp_is_nonblocking_error(err) ? IO_WOULD_BLOCK : err;
        }
        CONN_CALL_OR(modssl_conn_send_consume(o->conn, n), return MP_EIO);
    }
}

// Reads ciphertext from the socket into the core.  IO_OK, IO_WOULD_BLOCK,
// IO_EOF (the core has been told), or a positive errno.
static int fill_in(mpssl_socket_obj_t *o) {
    const mp_stream_p_t *stream = mp_get_stream(o->sock);
    uint8_t *buf = NULL;
    size_t room = 0;
    CONN_CALL_OR(room = modssl_conn_recv_space(o->conn, &buf), return MP_EIO);
    if (room == 0 || buf == NULL) {
        return IO_OK;
    }
    if (o->deadline_armed) {
        int e = apply_deadline(o);
        if (e != 0) {
            return e;
        }
    }
    int err = 0;
    mp_uint_t n = stream->read(o->sock, buf, room, &err);
    if (n == MP_STREAM_ERROR) {
        return mp_is_nonblocking_error(err) ? IO_WOULD_BLOCK : err;
    }
    if (o->handshake_done) {
        o->post_handshake_bytes += n;
    }
    CONN_CALL_OR(modssl_conn_recv_commit(o->conn, n), return MP_EIO);
    return n == 0 ? IO_EOF : IO_OK;
}

// Raises for a socket-level error (positive errno) or a core error.
static MP_NORETURN void raise_io(mpssl_socket_obj_t *o, int err) {
    if (o->last_error != 0) {
        mpssl_raise_message(o->last_error, last_message(o)); // poisoned by a panic escape
    }
    mp_raise_OSError(err);
}

// Drives the handshake as far as the socket allows.  Returns true when it
// is complete, false when the socket would block (then o->poll_mask says
// which direction to wait for).  Raises on failure.
static bool advance_handshake(mpssl_socket_obj_t *o) {
    for (;;) {
        int32_t flags = core_process(o);
        if (flags < 0) {
            fail(o, flags);
        }
        int r = flush_out(o);
        if (r == IO_WOULD_BLOCK) {
            o->poll_mask = MP_STREAM_POLL_WR;
            return false;
        } else if (r != IO_OK) {
            raise_io(o, r);
        }
        if (!(flags & MODSSL_FLAG_HANDSHAKING)) {
            o->poll_mask = 0;
            o->handshake_done = true;
            return true;
        }
        r = fill_in(o);
        if (r == IO_WOULD_BLOCK) {
            o->poll_mask = MP_STREAM_POLL_RD;
            return false;
        } else if (r > 0) {
            raise_io(o, r);
        }
        // IO_OK or IO_EOF: process what came (EOF fails the handshake there).
    }
}

// ---- making one -----------------------------------------------------------

// What writing to a TCP socket that is not connected gives (Linux: EPIPE).
static bool is_unconnected_errno(mp_int_t err) {
    return err == MP_ENOTCONN || err == MP_EPIPE;
}

// Runs the handshake to completion (waiting on a non-blocking socket),
// within wrap_socket's timeout= if one was given (from the first call that
// runs it; the socket's own timeout is back afterwards).  A failure releases
// the connection's memory at once rather than when the GC finds the socket
// object.  With `defer_unconnected`, a socket that is not connected yet
// (Pycom and CPython wrap before connect()) leaves the handshake, ClientHello
// queued, for connect().  `in_wrap`: the SSLSocket is not returned on
// failure, so it lets go of the user's socket.
static void run_handshake(mpssl_socket_obj_t *o, bool defer_unconnected, bool in_wrap) {
    if (o->no_identity) {
        // Nothing to offer a ClientHello: say so now rather than after
        // waiting for one (docs/api.md, "Errors raised").
        free_conn(o);
        if (in_wrap) {
            o->sock = MP_OBJ_NULL;
        }
        mpssl_raise(MODSSL_NO_CERTIFICATE);
    }
    arm_deadline(o);
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        while (!advance_handshake(o)) {
            // A non-blocking socket under a blocking handshake: wait a bit.
            if (o->deadline_armed && (mp_int_t)(o->deadline - mp_hal_ticks_ms()) <= 0) {
                mp_raise_OSError(MP_ETIMEDOUT);
            }
            mp_event_wait_ms(1);
        }
        nlr_pop();
        o->hs_timeout = mp_const_none; // done: it bounds nothing more
        disarm_deadline(o);
    } else {
        disarm_deadline(o);
        mp_obj_t exc = MP_OBJ_FROM_PTR(nlr.ret_val);
        if (defer_unconnected && o->last_error == 0
            && mp_obj_is_subclass_fast(MP_OBJ_FROM_PTR(mp_obj_get_type(exc)), MP_OBJ_FROM_PTR(&mp_type_OSError))
            && is_unconnected_errno(mp_obj_get_int(mp_load_attr(exc, MP_QSTR_errno)))) {
            return;
        }
        free_conn(o);
        if (in_wrap) {
            o->sock = MP_OBJ_NULL;
        }
        nlr_jump(nlr.ret_val);
    }
}

mp_obj_t mpssl_socket_wrap(mpssl_context_obj_t *ctx, mp_obj_t sock, bool do_handshake,
    mp_obj_t server_hostname) {
    return mpssl_socket_wrap_ex(ctx, sock, do_handshake, server_hostname, mp_const_none,
        ctx->server && ctx->ctx != NULL ? mpssl_context_get(ctx, modssl_context_has_identity) : -1);
}

mp_obj_t mpssl_socket_wrap_ex(mpssl_context_obj_t *ctx, mp_obj_t sock, bool do_handshake,
    mp_obj_t server_hostname, mp_obj_t timeout, int has_identity) {
    mp_get_stream_raise(sock, MP_STREAM_OP_READ | MP_STREAM_OP_WRITE | MP_STREAM_OP_IOCTL);
    if (ctx->ctx == NULL) {
        mp_raise_ValueError(MP_ERROR_TEXT("SSLContext is not usable"));
    }
    // As MicroPython's module: the context's protocol decides the role
    // (its own tests wrap with a server context and no server_side=True).
    bool server_side = ctx->server;
    size_t name_len = 0;
    const char *name = NULL;
    if (server_hostname != mp_const_none && !server_side) {
        name = mp_obj_str_get_data(server_hostname, &name_len);
    }

    #if MICROPY_ENABLE_FINALISER
    mpssl_socket_obj_t *o = mp_obj_malloc_with_finaliser(mpssl_socket_obj_t, &mpssl_socket_type);
    #else
    mpssl_socket_obj_t *o = mp_obj_malloc(mpssl_socket_obj_t, &mpssl_socket_type);
    #endif
    o->context = MP_OBJ_FROM_PTR(ctx);
    o->sock = sock;
    o->conn = NULL;
    o->last_error = 0;
    o->last_message = MP_OBJ_NULL;
    o->poll_mask = 0;
    o->server_side = server_side;
    o->server_hostname = server_side ? mp_const_none : server_hostname;
    o->verify_callback_done = false;
    o->unsent_len = 0;
    o->hs_timeout = timeout;
    o->timeout = MP_OBJ_NULL;
    o->deadline = 0;
    o->deadline_armed = false;
    o->handshake_done = false;
    o->no_identity = server_side && has_identity == 0;
    o->sock_error = 0;
    o->post_handshake_bytes = 0;

    modssl_arena_config arena = {
        .first_chunk = MODSSL_ARENA_FIRST_CHUNK,
        .grow_chunk = MODSSL_ARENA_GROW_CHUNK,
        .limit = MODSSL_ARENA_LIMIT,
    };
    int32_t ret = MODSSL_INTERNAL;
    modssl_conn *conn = NULL;
    CTX_CALL(ret, modssl_conn_new(ctx->ctx, (const uint8_t *)name, name_len, arena, &conn));
    if (ret == MODSSL_OUT_OF_MEMORY) {
        // The first chunk is one block: collect garbage (abandoned sockets
        // give theirs back in their finalisers) and try once more.
        gc_collect();
        CTX_CALL(ret, modssl_conn_new(ctx->ctx, (const uint8_t *)name, name_len, arena, &conn));
    }
    if (ret != MODSSL_OK) {
        o->sock = MP_OBJ_NULL;
        mpssl_raise(ret);
    }
    o->conn = conn;

    if (do_handshake) {
        run_handshake(o, true, true);
    }
    return MP_OBJ_FROM_PTR(o);
}

// ---- stream protocol ------------------------------------------------------

static mp_uint_t socket_read(mp_obj_t self_in, void *buf, mp_uint_t size, int *errcode) {
    mpssl_socket_obj_t *o = MP_OBJ_TO_PTR(self_in);
    check_open(o);
    o->poll_mask = 0;
    if (size == 0) {
        return 0;
    }
    if (o->hs_timeout != mp_const_none && !o->handshake_done) {
        run_handshake(o, false, false); // deferred, bounded by timeout=
    }
    for (;;) {
        ptrdiff_t n = 0;
        CONN_CALL(n, modssl_conn_read(o->conn, buf, size));
        if (n > 0) {
            return n;
        } else if (n < 0) {
            fail(o, (int32_t)n);
        }
        int32_t flags = core_process(o);
        if (flags < 0) {
            fail(o, flags);
        }
        // Alerts, key updates, handshake messages: send them, best effort.
        int r = flush_out(o);
        if (r > 0) {
            raise_io(o, r);
        }
        if (flags & MODSSL_FLAG_HANDSHAKING) {
            if (!advance_handshake(o)) {
                // As MicroPython's module: poll() is redirected only when a
                // read waits for the socket to take handshake data.
                if (o->poll_mask == MP_STREAM_POLL_RD) {
                    o->poll_mask = 0;
                }
                *errcode = MP_EAGAIN;
                return MP_STREAM_ERROR;
            }
            continue;
        }
        if (flags & MODSSL_FLAG_READABLE) {
            continue;
        }
        if (flags & MODSSL_FLAG_PEER_CLOSED) {
            return 0; // end of stream (clean or not: see SSLSocket docs)
        }
        r = fill_in(o);
        if (r == IO_WOULD_BLOCK) {
            *errcode = MP_EAGAIN;
            return MP_STREAM_ERROR;
        } else if (r > 0) {
            raise_io(o, r);
        }
    }
}

static mp_uint_t socket_write(mp_obj_t self_in, const void *buf, mp_uint_t size, int *errcode) {
    mpssl_socket_obj_t *o = MP_OBJ_TO_PTR(self_in);
    check_open(o);
    o->poll_mask = 0;
    if (o->hs_timeout != mp_const_none && !o->handshake_done) {
        run_handshake(o, false, false); // deferred, bounded by timeout=
    }
    // Ciphertext from an earlier write goes first.
    int r = flush_out(o);
    if (r == IO_WOULD_BLOCK) {
        *errcode = MP_EAGAIN;
        return MP_STREAM_ERROR;
    } else if (r != IO_OK) {
        raise_io(o, r);
    }
    if (o->unsent_len > 0) {
        // The caller's retry (with the same data, as after EAGAIN from
        // MicroPython's mbedTLS module) of a write whose record is now sent.
        mp_uint_t n = o->unsent_len < size ? o->unsent_len : size;
        o->unsent_len = 0;
        return n;
    }
    int32_t flags = 0;
    CONN_CALL(flags, modssl_conn_flags(o->conn));
    if (flags < 0) {
        fail(o, flags);
    }
    if ((flags & MODSSL_FLAG_HANDSHAKING) && !advance_handshake(o)) {
        // ... and a write only when it waits for the peer's handshake data.
        if (o->poll_mask == MP_STREAM_POLL_WR) {
            o->poll_mask = 0;
        }
        *errcode = MP_EAGAIN;
        return MP_STREAM_ERROR;
    }
    ptrdiff_t n = 0;
    CONN_CALL(n, modssl_conn_write(o->conn, buf, size));
    if (n < 0) {
        fail(o, (int32_t)n);
    }
    // As MicroPython's mbedTLS module, a write reports its bytes only once
    // their record is sent: if the socket would block, EAGAIN now (poll
    // reports writable once the socket can take more), and the caller's
    // retry sends the rest of the record and reports the bytes (above).  So
    // a caller that wrote "everything" (asyncio's drain()) and closes loses
    // nothing.
    r = flush_out(o);
    if (r == IO_WOULD_BLOCK) {
        o->unsent_len = (mp_uint_t)n;
        *errcode = MP_EAGAIN;
        return MP_STREAM_ERROR;
    } else if (r > 0) {
        raise_io(o, r);
    }
    return (mp_uint_t)n;
}

// Frees the connection; sends close_notify first when `notify`.
static void release(mpssl_socket_obj_t *o, bool notify) {
    if (o->conn == NULL) {
        return;
    }
    if (notify && o->last_error == 0) {
        int32_t ret = MODSSL_INTERNAL;
        CONN_CALL(ret, modssl_conn_close_notify(o->conn)); // an escape leaves no connection to free
        if (ret == MODSSL_OK) {
            (void)flush_out(o); // best effort: the peer may be gone
        }
    }
    free_conn(o);
}

// poll() after the handshake, the socket readable: records that carry no
// application data (TLS 1.3 session tickets, key updates) make the socket
// readable but would leave a blocking read waiting.  Take them in now, and
// keep POLLIN in `sret` only if data or the end of the stream (or an error
// for the next read to raise) follows; else ask the socket again.
static mp_uint_t poll_take_records(mpssl_socket_obj_t *o, mp_uint_t sret) {
    for (int i = 0; i < 8 && (sret & MP_STREAM_POLL_RD); i++) {
        int r = fill_in(o);
        if (r == IO_WOULD_BLOCK) {
            return sret & ~MP_STREAM_POLL_RD;
        } else if (r > 0) {
            o->sock_error = r; // raised by the next read/write
            return sret | MP_STREAM_POLL_ERR;
        }
        int32_t flags = core_process(o);
        if (flags < 0 || o->conn == NULL) {
            return sret; // the next read raises
        }
        (void)flush_out(o); // an answer to a key update, best effort
        if (r == IO_EOF || (flags & (MODSSL_FLAG_READABLE | MODSSL_FLAG_PEER_CLOSED))) {
            return sret;
        }
        int err = 0;
        mp_uint_t again = mp_get_stream(o->sock)->ioctl(o->sock, MP_STREAM_POLL, MP_STREAM_POLL_RD, &err);
        if (again == MP_STREAM_ERROR) {
            return sret;
        }
        if (!(again & MP_STREAM_POLL_RD)) {
            sret &= ~MP_STREAM_POLL_RD;
        }
    }
    return sret;
}

// MicroPython 1.28 (MICROPY_STREAMS_DELEGATE_ERROR) asks the stream for the
// exception of an error its read or write returned, before it raises
// OSError(code) itself.  Ours raise their TLS errors on the spot and return
// only MP_EAGAIN (an errno, left to the core); a negative code is one of the
// SSL error codes MicroPython's mbedTLS module answers this way, raised as
// read/write raise it (with the connection's own message if it is its
// error).  The request number is the core's own; older cores never send it.
#ifndef MP_STREAM_RAISE_ERROR
#define MP_STREAM_RAISE_ERROR (12)
#endif
static void raise_stream_error(mpssl_socket_obj_t *o, int32_t code) {
    if (code >= 0) {
        return;
    }
    mpssl_raise_message(code, code == o->last_error ? last_message(o) : NULL);
}

static mp_uint_t socket_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode) {
    mpssl_socket_obj_t *o = MP_OBJ_TO_PTR(self_in);
    mp_obj_t sock = o->sock;
    if (request == MP_STREAM_CLOSE) {
        if (sock == MP_OBJ_NULL) {
            return 0;
        }
        release(o, true);
        o->sock = MP_OBJ_NULL;
        return mp_get_stream(sock)->ioctl(sock, request, arg, errcode);
    }
    if (request == MP_STREAM_RAISE_ERROR) {
        raise_stream_error(o, (int32_t)arg);
        return 0;
    }
    if (request != MP_STREAM_POLL) {
        *errcode = MP_EINVAL;
        return MP_STREAM_ERROR;
    }
    if (sock == MP_OBJ_NULL || o->conn == NULL || o->last_error != 0) {
        return MP_STREAM_POLL_NVAL;
    }
    if (o->sock_error != 0) {
        // Wake the caller: its next call raises the socket's error.
        return (arg & MP_STREAM_POLL_RDWR) | MP_STREAM_POLL_ERR;
    }
    mp_uint_t ret = 0;
    uintptr_t asked = arg;
    // Decrypt what is already buffered, so data inside the TLS layer counts.
    int32_t flags = core_process(o);
    if (flags < 0) {
        return MP_STREAM_POLL_RD | MP_STREAM_POLL_WR; // the next call raises
    }
    // Handshake records the core has queued (the ClientHello of a socket
    // wrapped with do_handshake_on_connect=False) go out now, best effort: a
    // peer waiting for them cannot make the socket readable.  (A handshake
    // record is small; errors are left for the next read/write to raise.)
    if ((flags & MODSSL_FLAG_HANDSHAKING) && (flags & MODSSL_FLAG_WANT_WRITE) && !o->poll_mask) {
        int r = flush_out(o);
        if (r == IO_OK) {
            flags &= ~MODSSL_FLAG_WANT_WRITE;
        }
        if (o->conn == NULL) {
            return MP_STREAM_POLL_NVAL;
        }
        if (r > 0) {
            // The socket's own error, e.g. the ECONNREFUSED of a
            // non-blocking connect, which the socket gives to the first call
            // that asks (a write after it gets EPIPE): kept for the next
            // read/write to raise (asyncio's open_connection polls here).
            o->sock_error = r;
            return (asked & MP_STREAM_POLL_RDWR) | MP_STREAM_POLL_ERR;
        }
    }
    if ((arg & MP_STREAM_POLL_RD) && (flags & (MODSSL_FLAG_READABLE | MODSSL_FLAG_PEER_CLOSED))) {
        ret |= MP_STREAM_POLL_RD;
        if (arg == MP_STREAM_POLL_RD) {
            return ret;
        }
    }
    // While the handshake runs, a read or write can only progress in the
    // direction the handshake waits for: ask the socket about that one.
    uintptr_t sock_arg = arg;
    // Ciphertext queued in the core (e.g. the ClientHello of a handshake
    // deferred by do_handshake_on_connect=False) goes out inside read(): a
    // reader must be let in once the socket can take it, or a client that
    // reads first (asyncio readline()) waits for a peer that waits for it.
    bool flush_in_read = !o->poll_mask && (arg & MP_STREAM_POLL_RD) && (flags & MODSSL_FLAG_WANT_WRITE);
    if (o->poll_mask && (arg & MP_STREAM_POLL_RDWR)) {
        sock_arg = (arg & ~MP_STREAM_POLL_RDWR) | o->poll_mask;
    } else if ((arg & MP_STREAM_POLL_RDWR) && (flags & MODSSL_FLAG_WANT_WRITE)) {
        sock_arg |= MP_STREAM_POLL_WR;
    }
    mp_uint_t sret = mp_get_stream(sock)->ioctl(sock, request, sock_arg, errcode);
    if (sret == MP_STREAM_ERROR) {
        return sret;
    }
    if (o->poll_mask && (sret & o->poll_mask)) {
        // Re-enter read/write so the handshake moves on.
        sret |= asked & MP_STREAM_POLL_RDWR;
    }
    if (flush_in_read && (sret & MP_STREAM_POLL_WR)) {
        sret |= MP_STREAM_POLL_RD;
    }
    if ((asked & MP_STREAM_POLL_RD) && !(ret & MP_STREAM_POLL_RD) && (sret & MP_STREAM_POLL_RD)
        && !(flags & MODSSL_FLAG_HANDSHAKING) && !o->poll_mask) {
        sret = poll_take_records(o, sret);
        if (o->conn == NULL) {
            return MP_STREAM_POLL_NVAL;
        }
    }
    ret |= sret & (asked | MP_STREAM_POLL_HUP | MP_STREAM_POLL_ERR | MP_STREAM_POLL_NVAL);
    return ret;
}

// ---- methods --------------------------------------------------------------

static mp_obj_t socket_del(mp_obj_t self_in) {
    // Finaliser: the GC is running, so no heap and no close_notify.  As with
    // MicroPython's module, the underlying socket is closed too.
    mpssl_socket_obj_t *o = MP_OBJ_TO_PTR(self_in);
    mp_obj_t sock = o->sock;
    release(o, false);
    o->sock = MP_OBJ_NULL;
    if (sock != MP_OBJ_NULL) {
        int err;
        mp_get_stream(sock)->ioctl(sock, MP_STREAM_CLOSE, 0, &err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(socket_del_obj, socket_del);

static mp_obj_t socket_setblocking(mp_obj_t self_in, mp_obj_t flag) {
    mpssl_socket_obj_t *o = MP_OBJ_TO_PTR(self_in);
    if (o->sock == MP_OBJ_NULL) {
        mp_raise_OSError(MP_EBADF);
    }
    mp_obj_t dest[3];
    mp_load_method(o->sock, MP_QSTR_setblocking, dest);
    dest[2] = flag;
    mp_obj_t ret = mp_call_method_n_kw(1, 0, dest);
    // Remembered, as a timeout, for after a bounded handshake.
    o->timeout = mp_obj_is_true(flag) ? mp_const_none : MP_OBJ_NEW_SMALL_INT(0);
    return ret;
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_setblocking_obj, socket_setblocking);

// settimeout(seconds): the underlying socket's timeout (None: blocking, 0:
// non-blocking), so it bounds each wait of TLS reads, writes and a handshake
// that runs inside them; ETIMEDOUT on expiry, as the socket raises it.
// Remembered: a handshake bounded by wrap_socket's timeout= gives it back.
static mp_obj_t socket_settimeout(mp_obj_t self_in, mp_obj_t timeout) {
    mpssl_socket_obj_t *o = MP_OBJ_TO_PTR(self_in);
    if (o->sock == MP_OBJ_NULL) {
        mp_raise_OSError(MP_EBADF);
    }
    call_settimeout(o->sock, timeout);
    o->timeout = timeout;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_settimeout_obj, socket_settimeout);

// getpeercert(binary_form=False), positional or keyword as CPython.
static mp_obj_t socket_getpeercert(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_binary_form, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_FALSE} },
    };
    mpssl_socket_obj_t *o = MP_OBJ_TO_PTR(pos_args[0]);
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mpssl_check_kwargs(MP_QSTR_getpeercert, kw_args, allowed_args, MP_ARRAY_SIZE(allowed_args));
    mp_arg_parse_all(n_args - 1, pos_args + 1, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    check_open(o);
    bool binary = mp_obj_is_true(args[0].u_obj);
    if (!binary) {
        // MicroPython has no certificate decoder: only the DER form exists.
        mp_raise_NotImplementedError(MP_ERROR_TEXT("getpeercert(binary_form=True) only"));
    }
    const uint8_t *der = NULL;
    size_t len = 0;
    int32_t ret = MODSSL_INTERNAL;
    CONN_CALL(ret, modssl_conn_peer_cert(o->conn, 0, &der, &len));
    if (ret != MODSSL_OK) {
        return mp_const_none;
    }
    return mp_obj_new_bytes(der, len);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(socket_getpeercert_obj, 1, socket_getpeercert);

static bool conn_info(mpssl_socket_obj_t *o, modssl_conninfo *info) {
    check_open(o);
    int32_t ret = MODSSL_INTERNAL;
    CONN_CALL(ret, modssl_conn_info(o->conn, info));
    return ret == MODSSL_OK && info->cipher_suite != 0;
}

static mp_obj_t version_str(const modssl_conninfo *info) {
    switch (info->protocol_version) {
        case 0x0304:
            return mp_obj_new_str("TLSv1.3", 7);
        case 0x0303:
            return mp_obj_new_str("TLSv1.2", 7);
        default:
            return mp_const_none;
    }
}

// cipher(): (suite, version) as MicroPython 1.26's module returns it (its
// tests assert a tuple); the suite by its IANA name, the version as version().
static mp_obj_t socket_cipher(mp_obj_t self_in) {
    modssl_conninfo info;
    if (!conn_info(MP_OBJ_TO_PTR(self_in), &info) || info.cipher_suite_name == NULL) {
        return mp_const_none;
    }
    mp_obj_t items[2] = {
        mp_obj_new_str(info.cipher_suite_name, strlen(info.cipher_suite_name)),
        version_str(&info),
    };
    return mp_obj_new_tuple(2, items);
}
static MP_DEFINE_CONST_FUN_OBJ_1(socket_cipher_obj, socket_cipher);

// group(): the key exchange group's IANA name ("X25519MLKEM768", "x25519",
// "secp256r1", "secp384r1"), as CPython 3.15's SSLSocket.group(); None
// before the handshake, and after a TLS 1.2 resumption, which makes none.
static mp_obj_t socket_group(mp_obj_t self_in) {
    modssl_conninfo info;
    if (!conn_info(MP_OBJ_TO_PTR(self_in), &info) || info.key_exchange_group_name == NULL) {
        return mp_const_none;
    }
    return mp_obj_new_str(info.key_exchange_group_name, strlen(info.key_exchange_group_name));
}
static MP_DEFINE_CONST_FUN_OBJ_1(socket_group_obj, socket_group);

// version(): "TLSv1.3" or "TLSv1.2", as CPython.
static mp_obj_t socket_version(mp_obj_t self_in) {
    modssl_conninfo info;
    if (!conn_info(MP_OBJ_TO_PTR(self_in), &info)) {
        return mp_const_none;
    }
    return version_str(&info);
}
static MP_DEFINE_CONST_FUN_OBJ_1(socket_version_obj, socket_version);

// connect(address): connects the underlying socket, then does the
// handshake (for sockets wrapped before they were connected).  With
// wrap_socket's timeout=, the TCP connect and the handshake together get
// that long (OSError(ETIMEDOUT) after it), then the socket's own timeout is
// back.
static mp_obj_t socket_connect(mp_obj_t self_in, mp_obj_t address) {
    mpssl_socket_obj_t *o = MP_OBJ_TO_PTR(self_in);
    check_open(o);
    arm_deadline(o);
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        if (o->deadline_armed) {
            int e = apply_deadline(o);
            if (e != 0) {
                mp_raise_OSError(e);
            }
        }
        mp_obj_t dest[3];
        mp_load_method(o->sock, MP_QSTR_connect, dest);
        dest[2] = address;
        mp_call_method_n_kw(1, 0, dest);
        nlr_pop();
    } else {
        disarm_deadline(o);
        nlr_jump(nlr.ret_val);
    }
    run_handshake(o, false, false);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_connect_obj, socket_connect);

// selected_alpn_protocol(): the protocol both sides agreed on, or None.
static mp_obj_t socket_selected_alpn_protocol(mp_obj_t self_in) {
    mpssl_socket_obj_t *o = MP_OBJ_TO_PTR(self_in);
    check_open(o);
    const uint8_t *proto = NULL;
    size_t len = 0;
    int32_t ret = MODSSL_INTERNAL;
    CONN_CALL(ret, modssl_conn_alpn(o->conn, &proto, &len));
    if (ret != MODSSL_OK || len == 0) {
        return mp_const_none;
    }
    return mp_obj_new_str((const char *)proto, len);
}
static MP_DEFINE_CONST_FUN_OBJ_1(socket_selected_alpn_protocol_obj, socket_selected_alpn_protocol);

static const mp_rom_map_elem_t socket_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&mp_stream_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&mp_stream_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_readline), MP_ROM_PTR(&mp_stream_unbuffered_readline_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&mp_stream_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_recv), MP_ROM_PTR(&mp_stream_read1_obj) },
    { MP_ROM_QSTR(MP_QSTR_recv_into), MP_ROM_PTR(&mp_stream_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_send), MP_ROM_PTR(&mp_stream_write1_obj) },
    { MP_ROM_QSTR(MP_QSTR_sendall), MP_ROM_PTR(&mp_stream_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_setblocking), MP_ROM_PTR(&socket_setblocking_obj) },
    { MP_ROM_QSTR(MP_QSTR_settimeout), MP_ROM_PTR(&socket_settimeout_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&mp_stream_close_obj) },
    #if MICROPY_ENABLE_FINALISER
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&socket_del_obj) },
    #endif
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&mp_identity_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&mp_stream___exit___obj) },
    #if MICROPY_UNIX_COVERAGE
    { MP_ROM_QSTR(MP_QSTR_ioctl), MP_ROM_PTR(&mp_stream_ioctl_obj) },
    #endif
    { MP_ROM_QSTR(MP_QSTR_getpeercert), MP_ROM_PTR(&socket_getpeercert_obj) },
    { MP_ROM_QSTR(MP_QSTR_cipher), MP_ROM_PTR(&socket_cipher_obj) },
    { MP_ROM_QSTR(MP_QSTR_group), MP_ROM_PTR(&socket_group_obj) },
    { MP_ROM_QSTR(MP_QSTR_version), MP_ROM_PTR(&socket_version_obj) },
    { MP_ROM_QSTR(MP_QSTR_selected_alpn_protocol), MP_ROM_PTR(&socket_selected_alpn_protocol_obj) },
    { MP_ROM_QSTR(MP_QSTR_connect), MP_ROM_PTR(&socket_connect_obj) },
};
static MP_DEFINE_CONST_DICT(socket_locals_dict, socket_locals_dict_table);

static const mp_stream_p_t socket_stream_p = {
    .read = socket_read,
    .write = socket_write,
    .ioctl = socket_ioctl,
};

// session_reused (CPython): whether the handshake resumed a session;
// session: a handle for wrap_socket(saved_session=...) (modssl_session.c).
static void socket_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    mpssl_socket_obj_t *o = MP_OBJ_TO_PTR(self_in);
    if (dest[0] == MP_OBJ_NULL && attr == MP_QSTR_session_reused) {
        check_open(o);
        int32_t ret = MODSSL_INTERNAL;
        CONN_CALL(ret, modssl_conn_resumed(o->conn));
        dest[0] = mp_obj_new_bool(ret == 1);
    } else if (dest[0] == MP_OBJ_NULL && attr == MP_QSTR_session) {
        dest[0] = mpssl_session_of(self_in);
    } else {
        dest[1] = MP_OBJ_SENTINEL; // methods
    }
}

// How long save_session() waits for a TLS 1.3 server's session ticket.
#ifndef MODSSL_SESSION_WAIT_MS
#define MODSSL_SESSION_WAIT_MS (2000)
#endif

// save_session() / sock.session right after a TLS 1.3 handshake: the
// server's tickets come after it (once the server has our Finished), so
// unless something arrived since, wait for the server's first records (at
// most MODSSL_SESSION_WAIT_MS) and take them in: the tickets go to the
// context's session store, application data stays buffered for read().
// Without this, a close() right after save_session() (Pycom's documented
// order) leaves the tickets unread and the next connection resumes nothing.
// The context's session cache size; 0 without a context, or after an escape.
static int32_t session_cache_size(mpssl_context_obj_t *ctx) {
    int32_t size = 0;
    if (ctx->ctx != NULL) {
        CTX_CALL(size, modssl_context_session_cache(ctx->ctx));
    }
    return size;
}

// Best effort: an error is left for the next read/write to raise.
void mpssl_socket_take_session(mp_obj_t self_in) {
    mpssl_socket_obj_t *o = MP_OBJ_TO_PTR(self_in);
    if (o->server_side || o->conn == NULL || o->sock == MP_OBJ_NULL || o->last_error != 0
        || o->sock_error != 0 || !o->handshake_done || o->post_handshake_bytes > 0) {
        return;
    }
    mpssl_context_obj_t *ctx = MP_OBJ_TO_PTR(o->context);
    modssl_conninfo info;
    int32_t ret = MODSSL_INTERNAL;
    CONN_CALL(ret, modssl_conn_info(o->conn, &info));
    if (ret != MODSSL_OK || info.protocol_version != MODSSL_TLS13 || session_cache_size(ctx) <= 0) {
        return; // TLS 1.2 keeps its session at the handshake; no cache: nothing to keep
    }
    const mp_stream_p_t *stream = mp_get_stream(o->sock);
    mp_uint_t start = mp_hal_ticks_ms();
    bool received = false;
    for (;;) {
        int err = 0;
        mp_uint_t ready = stream->ioctl(o->sock, MP_STREAM_POLL, MP_STREAM_POLL_RD, &err);
        if (ready == MP_STREAM_ERROR) {
            return;
        }
        if (ready & MP_STREAM_POLL_RD) {
            mp_uint_t before = o->post_handshake_bytes;
            int r = fill_in(o);
            if (r > 0) {
                o->sock_error = r;
                return;
            }
            if (r != IO_WOULD_BLOCK) {
                int32_t flags = core_process(o);
                if (flags < 0 || o->conn == NULL) {
                    return;
                }
                (void)flush_out(o);
                if (r == IO_EOF || (flags & (MODSSL_FLAG_READABLE | MODSSL_FLAG_PEER_CLOSED))) {
                    return;
                }
                if (o->post_handshake_bytes == before) {
                    return; // no room taken: nothing more to do here
                }
                received = true;
                continue; // more already there?
            }
        }
        if (received || mp_hal_ticks_ms() - start >= MODSSL_SESSION_WAIT_MS) {
            return;
        }
        mp_event_wait_ms(1);
    }
}

mp_obj_t mpssl_socket_context(mp_obj_t self_in) {
    return ((mpssl_socket_obj_t *)MP_OBJ_TO_PTR(self_in))->context;
}

mp_obj_t mpssl_socket_server_hostname(mp_obj_t self_in) {
    return ((mpssl_socket_obj_t *)MP_OBJ_TO_PTR(self_in))->server_hostname;
}

MP_DEFINE_CONST_OBJ_TYPE(
    mpssl_socket_type,
    MP_QSTR_SSLSocket,
    MP_TYPE_FLAG_NONE,
    protocol, &socket_stream_p,
    attr, socket_attr,
    locals_dict, &socket_locals_dict
    );
