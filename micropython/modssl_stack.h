// The core stack: the deep core calls (a handshake step, making a
// connection, loading keys and certificates) run on a stack of their own,
// taken from MicroPython's heap while a handshake needs it, so that the
// board's main stack can stay at the port's size (8 KiB on rp2) instead of
// the ~20 KB a handshake's frames need.  docs/design.md, "The core stack".
#ifndef MODSSL_STACK_H
#define MODSSL_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct _mpssl_guard_t;

// One per thread (per core on rp2), kept with the owner and guard slots
// (modssl_port.c).
typedef struct _mpssl_core_stack_t {
    uint8_t *block;          // the tracked block the stack lives in (NULL: none held)
    void *main_sp;           // the main stack's pointer when the deep call switched
    struct _mpssl_guard_t *entry_guard; // the guard around the deep call
    char *main_top;          // MicroPython's bounds of the main stack, kept while
    size_t main_limit;       //   the core stack is the current one
    size_t peak;             // the most any deep call used, since last asked
    unsigned valgrind_id;    // memcheck's name for it (build/micropython-valgrind)
    bool in_use;             // a deep call runs (on it, or in a call back on the main stack)
    bool on_main;            // that call is in a call back on the main stack
} mpssl_core_stack_t;

// The calling thread's core stack state, and its innermost guard
// (modssl_port.c).
mpssl_core_stack_t *mpssl_core_stack(void);
struct _mpssl_guard_t *mpssl_guard_current(void);

// The core's hooks (modssl_rs/src/port.rs): run fn(arg) on the core stack
// (0; -1 when no block could be had: the heap is exhausted), and give the
// block back to the heap (nothing while a deep call runs).
int32_t modssl_port_run_deep(void (*fn)(void *), void *arg);
void modssl_port_release_deep(void);

// Runs fn(arg) on the main stack when called on the core stack, directly
// otherwise: for whatever may collect garbage (the GC scans from the stack
// pointer up to the main stack's top) or run Python.
void mpssl_stack_on_main(void (*fn)(void *), void *arg);

// The panic escape is about to long-jump to guard g: if g is the guard
// around the running deep call, the main stack is current again.
void mpssl_stack_escape(struct _mpssl_guard_t *g);

// The VM ended (soft reset): the blocks went with the heap.
void mpssl_stack_forget_all(void);

// (size, peak) for tests: the core stack's size (0: this build runs deep
// calls on the main stack) and the most of it used since the last call.
size_t mpssl_stack_size(void);
size_t mpssl_stack_take_peak(void);

#endif // MODSSL_STACK_H
