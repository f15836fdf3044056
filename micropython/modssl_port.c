// The services the Rust core asks of the port (modssl_rs/src/port.rs):
// memory on MicroPython's heap, the current allocation owner, the panic
// escape, randomness and time.  Randomness and time differ per port.
#include <string.h>

#include "py/mpconfig.h"
#include "py/misc.h"
#include "py/runtime.h"
#include "py/mphal.h"

#include "modssl_guard.h"
#include "modssl_rs.h"
#include "modssl_shim.h"

#if !MICROPY_TRACKED_ALLOC
#error "modssl-rs needs MICROPY_TRACKED_ALLOC=1 (the core's memory must be GC roots)"
#endif

// ---- memory ---------------------------------------------------------------

void *modssl_port_tracked_alloc(size_t size) {
    // m_tracked_calloc returns NULL (never raises) when the heap is
    // exhausted or locked; the core turns that into MemoryError.
    return m_tracked_calloc(1, size);
}

void modssl_port_tracked_free(void *ptr) {
    m_tracked_free(ptr);
}

// ---- per-thread state -----------------------------------------------------
// The current allocation owner and the innermost guard belong to the thread
// making the call.  Unix threads run without a GIL, so they are thread-local
// there; bare-metal ports without threads have one of each.
#if MICROPY_PY_THREAD && defined(__unix__)
#define MODSSL_THREAD_LOCAL __thread
#else
#define MODSSL_THREAD_LOCAL
#endif

static MODSSL_THREAD_LOCAL void *current_owner;
static MODSSL_THREAD_LOCAL modssl_guard_t *current_guard;

void **modssl_port_owner_slot(void) {
    return &current_owner;
}

void modssl_guard_push(modssl_guard_t *g) {
    g->code = 0;
    g->prev = current_guard;
    current_guard = g;
}

void modssl_guard_pop(modssl_guard_t *g) {
    current_guard = g->prev;
}

MP_NORETURN void modssl_port_panic_escape(int32_t code) {
    modssl_guard_t *g = current_guard;
    current_owner = NULL;
    if (g == NULL) {
        // A core call without a guard is a bug in this shim.
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("TLS core panicked outside a guard"));
    }
    g->code = code;
    current_guard = g->prev;
    longjmp(g->jb, 1);
}

// ---- randomness -----------------------------------------------------------
#if defined(__unix__)
#include <errno.h>
#include <sys/random.h>

int32_t modssl_port_random(uint8_t *buf, size_t len) {
    while (len > 0) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}
#else
// Each bare-metal port provides modssl_port_random() in its own file.
#endif

// ---- time -----------------------------------------------------------------
#if defined(__unix__)
#include <stdlib.h>
#include <time.h>

int64_t modssl_port_time(void) {
    // MODSSL_FAKE_TIME lets tests pin the clock (validity-date tests).
    const char *fake = getenv("MODSSL_FAKE_TIME");
    if (fake != NULL && *fake) {
        return strtoll(fake, NULL, 10);
    }
    return (int64_t)time(NULL);
}
#endif

// ---- atomics for targets without compare-and-swap --------------------------
// thumbv6m (RP2040) and riscv32imc (ESP32-C3) have no CAS; their target
// JSON sets "atomic-cas": true so that rustls' Arc compiles, and LLVM calls
// these helpers, which MicroPython's atomic sections make safe (IRQs off, and
// on the dual-core RP2040 a spin lock as well).
#if MODSSL_PROVIDE_SYNC_HELPERS
unsigned int __sync_val_compare_and_swap_4(volatile void *p, unsigned int expected, unsigned int desired) {
    volatile unsigned int *q = p;
    mp_uint_t st = MICROPY_BEGIN_ATOMIC_SECTION();
    unsigned int v = *q;
    if (v == expected) {
        *q = desired;
    }
    MICROPY_END_ATOMIC_SECTION(st);
    return v;
}

unsigned int __sync_fetch_and_add_4(volatile void *p, unsigned int x) {
    volatile unsigned int *q = p;
    mp_uint_t st = MICROPY_BEGIN_ATOMIC_SECTION();
    unsigned int v = *q;
    *q = v + x;
    MICROPY_END_ATOMIC_SECTION(st);
    return v;
}

unsigned int __sync_fetch_and_sub_4(volatile void *p, unsigned int x) {
    volatile unsigned int *q = p;
    mp_uint_t st = MICROPY_BEGIN_ATOMIC_SECTION();
    unsigned int v = *q;
    *q = v - x;
    MICROPY_END_ATOMIC_SECTION(st);
    return v;
}
#endif
