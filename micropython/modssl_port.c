// The services the Rust core asks of the port (modssl_rs/src/port.rs) that
// are the same on every port: memory on MicroPython's heap, the current
// allocation owner, the panic escape, and the __sync_* helpers for CPUs
// without compare-and-swap.  Randomness and time differ per port and live
// in ports/<port>.c.
#include <string.h>

#include "py/mpconfig.h"
#include "py/misc.h"
#include "py/runtime.h"
#include "py/mphal.h"
#include "py/gc.h"

#include "modssl_guard.h"
#include "modssl_rs.h"
#include "modssl_shim.h"
#include "modssl_stack.h"

#if !MICROPY_TRACKED_ALLOC
#error "modssl-rs needs MICROPY_TRACKED_ALLOC=1 (the core's memory must be GC roots)"
#endif

// ---- memory ---------------------------------------------------------------

#if defined(MODSSL_VALGRIND)
// build/micropython-valgrind only (`make valgrind`): the core's blocks come
// from the C library, whose malloc memcheck replaces with its own (red zones,
// freed blocks held back, allocation and free stacks, leak check), so an
// access past a block or after its free is reported; inside MicroPython's
// heap (one malloc block to memcheck) it would not be.  The GC need not scan
// them: the core holds no MicroPython object (only copies of the bytes it is
// given, and its own blocks).  They never run out and ignore heap_lock, and
// gc.mem_alloc() does not count them.  docs/design.md, "Under valgrind".
#include <stdlib.h>

static void *tracked_alloc_here(size_t size) {
    return calloc(1, size);
}

void modssl_port_tracked_free(void *ptr) {
    free(ptr);
}
#elif defined(__unix__)
// The unix port never soft-resets (its heap ends with the process), so the
// end-of-VM sweep below is not needed there.  It is also not free: with the
// sentinel's block in the heap, test_hostile's abandoned sockets stayed
// pinned for one collection (a conservative-scan effect we did not trace).
static void *tracked_alloc_here(size_t size) {
    // m_tracked_calloc returns NULL (never raises) when the heap is
    // exhausted or locked; the core turns that into MemoryError.
    return m_tracked_calloc(1, size);
}

void modssl_port_tracked_free(void *ptr) {
    m_tracked_free(ptr);
}
#else
// Every block the core takes is also on a list of our own, so that none
// outlives the VM that made it.  MicroPython keeps its tracked blocks on one
// list (MP_STATE_VM(m_tracked_head)) that a soft reset never resets: the
// reset frees the whole heap after running finalisers, and a tracked block
// that no finaliser freed leaves m_tracked_head pointing into freed memory,
// which the next VM's first tracked allocation writes through (found on the
// emulated Pico W: a soft reset after an out-of-memory episode corrupted a
// bytes object of the next program).  The core's blocks are normally freed
// by the finalisers of the contexts and sockets that own them, but not all
// of them: state abandoned by a panic escape on the shared heap, for one.
//
// So each VM that uses the core gets a sentinel object with a finaliser,
// held by a root pointer: when the VM ends (gc_sweep_all at soft reset or
// exit; a sentinel is never unreachable before that) its finaliser frees
// every block still on our list, properly unlinked from MicroPython's, and
// from then until the next VM's first allocation, frees are no-ops (a
// finaliser that runs after the sentinel's may still drop Rust state whose
// blocks were just freed: during the sweep nothing can be allocated, so
// they are read intact) and allocations fail.
typedef struct _mpssl_block_t {
    struct _mpssl_block_t *prev;
    struct _mpssl_block_t *next;
} mpssl_block_t;

static mpssl_block_t *live_blocks;
static bool vm_ended;

MP_REGISTER_ROOT_POINTER(mp_obj_t mpssl_vm_sentinel);

static mp_obj_t vm_sentinel_del(mp_obj_t self_in) {
    (void)self_in;
    mp_uint_t st = MICROPY_BEGIN_ATOMIC_SECTION();
    mpssl_block_t *b = live_blocks;
    live_blocks = NULL;
    vm_ended = true;
    MP_STATE_VM(mpssl_vm_sentinel) = MP_OBJ_NULL;
    MICROPY_END_ATOMIC_SECTION(st);
    mpssl_stack_forget_all();
    while (b != NULL) {
        mpssl_block_t *next = b->next;
        m_tracked_free(b);
        b = next;
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(vm_sentinel_del_obj, vm_sentinel_del);

static const mp_rom_map_elem_t vm_sentinel_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&vm_sentinel_del_obj) },
};
static MP_DEFINE_CONST_DICT(vm_sentinel_locals, vm_sentinel_locals_table);

static MP_DEFINE_CONST_OBJ_TYPE(mpssl_vm_sentinel_type, MP_QSTR__modssl_vm, MP_TYPE_FLAG_NONE,
    locals_dict, &vm_sentinel_locals);

// The first allocation of a VM makes its sentinel (never raising: this runs
// under the core).  False when that is impossible: the heap is full, or the
// VM is ending (the GC is locked then).
static bool vm_sentinel_ready(void) {
    if (MP_STATE_VM(mpssl_vm_sentinel) != MP_OBJ_NULL) {
        return true;
    }
    mp_obj_base_t *o = gc_alloc(sizeof(mp_obj_base_t), GC_ALLOC_FLAG_HAS_FINALISER);
    if (o == NULL) {
        return false;
    }
    o->type = &mpssl_vm_sentinel_type;
    MP_STATE_VM(mpssl_vm_sentinel) = MP_OBJ_FROM_PTR(o);
    vm_ended = false;
    return true;
}

static void *tracked_alloc_here(size_t size) {
    // m_tracked_calloc returns NULL (never raises) when the heap is
    // exhausted or locked; the core turns that into MemoryError.  Its
    // blocks are 8-byte aligned, and so are ours after our two-pointer link.
    if (!vm_sentinel_ready()) {
        return NULL;
    }
    mpssl_block_t *b = m_tracked_calloc(1, sizeof(mpssl_block_t) + size);
    if (b == NULL) {
        return NULL;
    }
    mp_uint_t st = MICROPY_BEGIN_ATOMIC_SECTION();
    b->prev = NULL;
    b->next = live_blocks;
    if (live_blocks != NULL) {
        live_blocks->prev = b;
    }
    live_blocks = b;
    MICROPY_END_ATOMIC_SECTION(st);
    return b + 1;
}

void modssl_port_tracked_free(void *ptr) {
    if (ptr == NULL) {
        return;
    }
    mpssl_block_t *b = (mpssl_block_t *)ptr - 1;
    mp_uint_t st = MICROPY_BEGIN_ATOMIC_SECTION();
    if (vm_ended) {
        // Freed with the rest by the VM's sentinel.
        MICROPY_END_ATOMIC_SECTION(st);
        return;
    }
    if (b->next != NULL) {
        b->next->prev = b->prev;
    }
    if (b->prev != NULL) {
        b->prev->next = b->next;
    } else {
        live_blocks = b->next;
    }
    MICROPY_END_ATOMIC_SECTION(st);
    m_tracked_free(b);
}
#endif

// An allocation may collect garbage, and a collection scans the C stack from
// the stack pointer up to the main stack's top: made from the core stack, it
// runs back on the main stack (modssl_stack.c).
typedef struct {
    size_t size;
    void *block;
} alloc_call_t;

static void alloc_call(void *arg) {
    alloc_call_t *c = arg;
    c->block = tracked_alloc_here(c->size);
}

void *modssl_port_tracked_alloc(size_t size) {
    alloc_call_t c = { size, NULL };
    mpssl_stack_on_main(alloc_call, &c);
    return c.block;
}

// ---- per-thread state -----------------------------------------------------
// The current allocation owner and the innermost guard belong to the thread
// making the call, and two threads may be inside the core at once wherever
// the port runs Python threads without a GIL:
//  * unix (threads of its own; the GIL is released around blocking calls, and
//    the coverage variant has none): thread-local;
//  * rp2 (no GIL; a Python thread runs on each core, at most one per core, so
//    per core is per thread): one slot per core, indexed by the calling core;
//  * the others run one Python thread at a time inside a core call (the
//    esp32 port's GIL is held throughout it; qemu has no threads): one slot.
typedef struct {
    void *owner;
    mpssl_guard_t *guard;
    mpssl_core_stack_t stack;
} thread_slot_t;

#if MICROPY_PY_THREAD && defined(__unix__)
static __thread thread_slot_t thread_slot;
#define CURRENT (&thread_slot)
#define FOR_EACH_SLOT(s) for (thread_slot_t *s = &thread_slot; s; s = NULL)
#elif MICROPY_PY_THREAD && !MICROPY_PY_THREAD_GIL && defined(PICO_BUILD)
#include "pico/platform.h"
static thread_slot_t thread_slot[NUM_CORES];
#define CURRENT (&thread_slot[get_core_num()])
#define FOR_EACH_SLOT(s) for (thread_slot_t *s = thread_slot; s < thread_slot + NUM_CORES; s++)
#elif MICROPY_PY_THREAD && !MICROPY_PY_THREAD_GIL
#error "modssl-rs: this port runs Python threads without a GIL: give each thread its own owner and guard slot here"
#else
static thread_slot_t thread_slot;
#define CURRENT (&thread_slot)
#define FOR_EACH_SLOT(s) for (thread_slot_t *s = &thread_slot; s; s = NULL)
#endif
#define CURRENT_OWNER (CURRENT->owner)
#define CURRENT_GUARD (CURRENT->guard)

mpssl_core_stack_t *mpssl_core_stack(void) {
    return &CURRENT->stack;
}

mpssl_guard_t *mpssl_guard_current(void) {
    return CURRENT_GUARD;
}

// A soft reset freed every block on our list, the core stacks' included.
// (On unix, where there is no soft reset, this forgets the calling
// thread's only; it is not called there.)
void mpssl_stack_forget_all(void) {
    FOR_EACH_SLOT(s) {
        s->stack.block = NULL;
        s->stack.in_use = false;
        s->stack.on_main = false;
    }
}

void **modssl_port_owner_slot(void) {
    return &CURRENT_OWNER;
}

void mpssl_guard_push(mpssl_guard_t *g) {
    g->code = 0;
    g->prev = CURRENT_GUARD;
    CURRENT_GUARD = g;
}

void mpssl_guard_pop(mpssl_guard_t *g) {
    CURRENT_GUARD = g->prev;
}

MP_NORETURN void modssl_port_panic_escape(int32_t code) {
    mpssl_guard_t *g = CURRENT_GUARD;
    CURRENT_OWNER = NULL;
    if (g == NULL) {
        // A core call without a guard is a bug in this shim.
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("TLS core panicked outside a guard"));
    }
    g->code = code;
    CURRENT_GUARD = g->prev;
    mpssl_stack_escape(g);
    longjmp(g->jb, 1);
}

// ---- randomness and time --------------------------------------------------
// modssl_port_random() and modssl_port_time() differ per port: each port's
// file under ports/ provides them (ports/unix.c, ports/qemu.c, ports/rp2.c,
// ports/esp32.c; docs/porting.md).

// ---- atomics for targets without compare-and-swap --------------------------
// thumbv6m (RP2040) and riscv32imc (ESP32-C3) have no CAS; their target
// JSON sets "atomic-cas": true so that rustls' Arc compiles, and LLVM calls
// these helpers, which MicroPython's atomic sections make safe (IRQs off, and
// on the dual-core RP2040 a spin lock as well).
//
// The set is what LLVM emits for Rust's atomics on such a target: compare-
// and-swap, swap and the fetch-and-op family, for 1-, 2- and 4-byte values
// (the core uses AtomicBool as well as AtomicUsize).  The prototypes are
// GCC's own for these builtin names (unsigned char/short/int), or
// -Werror=builtin-declaration-mismatch rejects them.  Unused ones are
// dropped by --gc-sections.
#if MODSSL_PROVIDE_SYNC_HELPERS
#define MODSSL_SYNC_CAS(N, T) \
    T __sync_val_compare_and_swap_##N(volatile void *p, T expected, T desired) { \
        volatile T *q = p; \
        mp_uint_t st = MICROPY_BEGIN_ATOMIC_SECTION(); \
        T v = *q; \
        if (v == expected) { \
            *q = desired; \
        } \
        MICROPY_END_ATOMIC_SECTION(st); \
        return v; \
    } \
    T __sync_lock_test_and_set_##N(volatile void *p, T x) { \
        volatile T *q = p; \
        mp_uint_t st = MICROPY_BEGIN_ATOMIC_SECTION(); \
        T v = *q; \
        *q = x; \
        MICROPY_END_ATOMIC_SECTION(st); \
        return v; \
    }
#define MODSSL_SYNC_OP(NAME, N, T, EXPR) \
    T __sync_fetch_and_##NAME##_##N(volatile void *p, T x) { \
        volatile T *q = p; \
        mp_uint_t st = MICROPY_BEGIN_ATOMIC_SECTION(); \
        T v = *q; \
        *q = (T)(EXPR); \
        MICROPY_END_ATOMIC_SECTION(st); \
        return v; \
    }
#define MODSSL_SYNC_ALL(N, T) \
    MODSSL_SYNC_CAS(N, T) \
    MODSSL_SYNC_OP(add, N, T, v + x) \
    MODSSL_SYNC_OP(sub, N, T, v - x) \
    MODSSL_SYNC_OP(and, N, T, v & x) \
    MODSSL_SYNC_OP(or, N, T, v | x) \
    MODSSL_SYNC_OP(xor, N, T, v ^ x) \
    MODSSL_SYNC_OP(nand, N, T, ~(v & x))

MODSSL_SYNC_ALL(1, unsigned char)
MODSSL_SYNC_ALL(2, unsigned short)
MODSSL_SYNC_ALL(4, unsigned int)
#endif
