// The panic guard around every call into the Rust core.
//
// The core cannot unwind (no_std).  When it panics (a bug, or an allocation
// its connection's arena cannot meet) its panic handler calls
// modssl_port_panic_escape(), which long-jumps back to the guard taken just
// before the call.  The caller then discards the connection (its arena is
// freed whole, see modssl_rs/src/heap) and raises a Python exception.
// Python code never runs inside a guarded region, so MicroPython's own nlr
// jumps never cross Rust frames.  docs/design.md has the whole argument.
#ifndef MODSSL_GUARD_H
#define MODSSL_GUARD_H

#include <setjmp.h>
#include <stdint.h>

typedef struct _mpssl_guard_t {
    jmp_buf jb;
    volatile int32_t code;
    struct _mpssl_guard_t *prev;
} mpssl_guard_t;

void mpssl_guard_push(mpssl_guard_t *g);
void mpssl_guard_pop(mpssl_guard_t *g);

// Runs `call` (an expression calling into the core) under a guard.  On a
// panic escape, runs `on_escape` with `escape_code` set to the status code
// (MODSSL_OUT_OF_MEMORY or MODSSL_INTERNAL).
#define MPSSL_GUARDED(call, on_escape) \
    do { \
        mpssl_guard_t guard_; \
        mpssl_guard_push(&guard_); \
        if (setjmp(guard_.jb) == 0) { \
            call; \
            mpssl_guard_pop(&guard_); \
        } else { \
            int32_t escape_code = guard_.code; \
            (void)escape_code; \
            on_escape; \
        } \
    } while (0)

// `var = call` under a guard, for the calls that own no connection (context
// calls, key checks, memory totals): an escape leaves its status code
// (negative) in `var`.  The socket's calls use CONN_CALL (modssl_socket.c),
// which also discards the connection.  Named like CONN_CALL rather than
// MPSSL_*: each reads as the call it guards.
#define CTX_CALL(var, call) MPSSL_GUARDED(var = call, var = escape_code)

#endif // MODSSL_GUARD_H
