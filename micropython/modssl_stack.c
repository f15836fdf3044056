// The core stack (docs/design.md, "The core stack").
//
// A handshake's deepest frames (signature verification under certificate
// path building under rustls' state machine) need about 20 KB of C stack
// on the RP2040; MicroPython's rp2 port gives its main stack 8 KiB.  Rather
// than take a bigger main stack from the GC heap for good, the deep core
// calls switch to a stack of their own: a tracked block of MicroPython's
// heap, taken when a deep call needs it and given back when no handshake
// of the thread is under way (modssl_port_release_deep).
//
// What must stay true on it:
//  * The GC: a collection scans the C stack from the stack pointer up to
//    the thread's stack top.  The core's only way into code that may collect
//    is an allocation (modssl_port_tracked_alloc), and that runs on the main
//    stack (mpssl_stack_on_main), below the frame that switched, so the scan
//    sees every main-stack root.  The core stack itself holds no root that
//    matters (the core keeps no MicroPython object; its own blocks are
//    tracked, which the GC keeps whatever points at them), and being a
//    tracked block it is scanned anyway, conservatively.
//  * MicroPython's stack bounds (MP_STATE_THREAD(stack_top)/stack_limit)
//    describe the core stack while it is current, so that an interrupt
//    handler running Python there (a hard IRQ, on the stack it interrupted)
//    measures its depth against the right stack; the calls back to the main
//    stack put the main stack's bounds back for their duration.
//  * The panic escape long-jumps from the core stack to the guard on the
//    main stack: mpssl_stack_escape puts the main stack's bounds back first.
//    The block is not freed there (we are running on it); the next
//    modssl_port_release_deep gives it back.
//  * Nesting: a call back on the main stack may run finalisers that call
//    the core (freeing an abandoned connection); such a call, made while
//    the core stack is in use, runs on the main stack where it is.
#include "py/mpconfig.h"
#include "py/mpstate.h"
#include "py/runtime.h"

#include "modssl_guard.h"
#include "modssl_rs.h"
#include "modssl_stack.h"

#if defined(MODSSL_VALGRIND) && __has_include(<valgrind/memcheck.h>)
// build/micropython-valgrind: memcheck is told the block is a stack (so
// that the switches are not taken for a runaway stack pointer), and that
// what a finished call left in it may be read (it marks the part above the
// stack pointer, once vacated, as not addressable) for the peak's scan.
#include <valgrind/memcheck.h>
#define STACK_REGISTER(b, n) VALGRIND_STACK_REGISTER((b), (b) + (n))
#define STACK_DEREGISTER(id) VALGRIND_STACK_DEREGISTER(id)
#define STACK_READABLE(b, n) VALGRIND_MAKE_MEM_DEFINED((b), (n))
#else
#define STACK_REGISTER(b, n) (0)
#define STACK_DEREGISTER(id) ((void)(id))
#define STACK_READABLE(b, n) ((void)0)
#endif

// The stack switch: stack_switch(top, fn, arg, save_sp) stores the stack
// pointer in *save_sp, makes `top` the stack pointer, calls fn(arg) and
// switches back.  Naked: no prologue may touch the stack around the switch.
// `unused`: with MODSSL_CORE_STACK 0 (ESP-IDF, below) nothing calls it.
#if defined(__thumb__)
// Armv6-M and later (RP2040, RP2350, the qemu MPS2 boards): Thumb-1 only.
__attribute__((naked, noinline, unused)) static void stack_switch(void *top, void (*fn)(void *), void *arg, void **save_sp) {
    __asm volatile (
        "push {r4, lr}\n"
        "mov r4, sp\n"
        "str r4, [r3]\n"
        "mov sp, r0\n"
        "mov r0, r2\n"
        "blx r1\n"
        "mov sp, r4\n"
        "pop {r4, pc}\n"
        );
}
#define MODSSL_HAVE_STACK_SWITCH (1)
#elif defined(__riscv) && __riscv_xlen == 32
__attribute__((naked, noinline, unused)) static void stack_switch(void *top, void (*fn)(void *), void *arg, void **save_sp) {
    __asm volatile (
        "addi sp, sp, -16\n"
        "sw ra, 12(sp)\n"
        "sw s0, 8(sp)\n"
        "mv s0, sp\n"
        "sw sp, 0(a3)\n"
        "mv sp, a0\n"
        "mv a0, a2\n"
        "jalr a1\n"
        "mv sp, s0\n"
        "lw ra, 12(sp)\n"
        "lw s0, 8(sp)\n"
        "addi sp, sp, 16\n"
        "ret\n"
        );
}
#define MODSSL_HAVE_STACK_SWITCH (1)
#elif defined(__x86_64__)
__attribute__((naked, noinline, unused)) static void stack_switch(void *top, void (*fn)(void *), void *arg, void **save_sp) {
    __asm volatile (
        "push %rbp\n"
        "mov %rsp, %rbp\n"
        "mov %rsp, (%rcx)\n"
        "mov %rdi, %rsp\n"
        "mov %rdx, %rdi\n"
        "call *%rsi\n"
        "mov %rbp, %rsp\n"
        "pop %rbp\n"
        "ret\n"
        );
}
#define MODSSL_HAVE_STACK_SWITCH (1)
#elif defined(__aarch64__)
__attribute__((naked, noinline, unused)) static void stack_switch(void *top, void (*fn)(void *), void *arg, void **save_sp) {
    __asm volatile (
        "stp x29, x30, [sp, #-16]!\n"
        "mov x29, sp\n"
        "str x29, [x3]\n"
        "mov sp, x0\n"
        "mov x0, x2\n"
        "blr x1\n"
        "mov sp, x29\n"
        "ldp x29, x30, [sp], #16\n"
        "ret\n"
        );
}
#define MODSSL_HAVE_STACK_SWITCH (1)
#else
// Xtensa (ESP32, S2, S3): its register windows spill to the stack they were
// made on, so a switch needs the window flushed first; not done: these run
// deep calls on the MicroPython task's stack (micropython.cmake sizes it).
#define MODSSL_HAVE_STACK_SWITCH (0)
#endif

// The core stack's size: MODSSL_CORE_STACK bytes (0: deep calls run on the
// main stack).  The defaults hold the deepest handshake the emulated boards
// run (make qemu-test, make rp2-emu: ssl.stack_info() reports each peak)
// with room for interrupt handlers, which run on the stack they interrupt.
//
// ESP-IDF watches each task's stack pointer against the task's own stack
// (the ESP32-C3/C6 hardware stack guard faults on an SP outside it), so the
// esp32 port runs deep calls on the MicroPython task's stack, which
// micropython.cmake enlarges (MODSSL_TASK_STACK).  Likewise pico-sdk's
// optional stack guards (PICO_USE_STACK_GUARDS: MSPLIM / the MPU).
#ifndef MODSSL_CORE_STACK
#if !MODSSL_HAVE_STACK_SWITCH || defined(ESP_PLATFORM)
#define MODSSL_CORE_STACK (0)
#elif UINTPTR_MAX > 0xffffffffu
#define MODSSL_CORE_STACK (64 * 1024)
#else
#define MODSSL_CORE_STACK (22 * 1024)
#endif
#endif
#if MODSSL_CORE_STACK > 0 && !MODSSL_HAVE_STACK_SWITCH
#error "MODSSL_CORE_STACK: no stack switch for this CPU (modssl_stack.c)"
#endif
#if MODSSL_CORE_STACK > 0 && defined(PICO_USE_STACK_GUARDS) && PICO_USE_STACK_GUARDS
#error "modssl-rs: pico-sdk's stack guards fault on the core stack: build with MODSSL_CORE_STACK=0 (a 32 KiB main stack)"
#endif

#define PAINT (0x5aa5c33cu)

#if MODSSL_CORE_STACK > 0

// MODSSL_CORE_STACK, or what the core says its deep calls need when that
// is more (modssl_core_stack_need(): the `pq` feature's ML-KEM).  A
// constant of the build, asked of the core without a guard.
static size_t core_stack_size(void) {
    size_t need = modssl_core_stack_need();
    return need > MODSSL_CORE_STACK ? need : MODSSL_CORE_STACK;
}

size_t mpssl_stack_size(void) {
    return core_stack_size();
}

// What MicroPython's stack check may use of the core stack (Python runs
// there only in a hard interrupt handler).
static size_t core_stack_limit(void) {
    return core_stack_size() - 1024;
}

static uint8_t *aligned_top(uint8_t *p) {
    return (uint8_t *)((uintptr_t)p & ~(uintptr_t)15);
}

// How much of the block has been used: painted at allocation, the lowest
// word that is not paint marks the deepest point reached.
static size_t used(const uint8_t *block) {
    size_t size = core_stack_size();
    STACK_READABLE(block, size);
    const uint32_t *p = (const uint32_t *)block;
    const uint32_t *end = (const uint32_t *)(block + size);
    while (p < end && *p == PAINT) {
        p++;
    }
    return (size_t)((const uint8_t *)end - (const uint8_t *)p);
}

static void set_bounds(char *top, size_t limit) {
    MP_STATE_THREAD(stack_top) = top;
    #if MICROPY_STACK_CHECK
    MP_STATE_THREAD(stack_limit) = limit;
    #else
    (void)limit;
    #endif
}

static void keep_main_bounds(mpssl_core_stack_t *cs) {
    cs->main_top = MP_STATE_THREAD(stack_top);
    #if MICROPY_STACK_CHECK
    cs->main_limit = MP_STATE_THREAD(stack_limit);
    #endif
}

int32_t modssl_port_run_deep(void (*fn)(void *), void *arg) {
    mpssl_core_stack_t *cs = mpssl_core_stack();
    if (cs->in_use) {
        // A finaliser's core call while the core stack is in use (see top).
        fn(arg);
        return 0;
    }
    size_t size = core_stack_size();
    if (cs->block == NULL) {
        // On the main stack: this allocation may collect.
        uint8_t *b = modssl_port_tracked_alloc(size);
        if (b == NULL) {
            return -1;
        }
        for (uint32_t *p = (uint32_t *)b; p < (uint32_t *)(b + size); p++) {
            *p = PAINT;
        }
        cs->block = b;
        cs->valgrind_id = STACK_REGISTER(b, size);
    }
    uint8_t *top = aligned_top(cs->block + size);
    cs->in_use = true;
    cs->entry_guard = mpssl_guard_current();
    keep_main_bounds(cs);
    set_bounds((char *)top, core_stack_limit());
    stack_switch(top, fn, arg, &cs->main_sp);
    set_bounds(cs->main_top, cs->main_limit);
    cs->in_use = false;
    return 0;
}

void modssl_port_release_deep(void) {
    mpssl_core_stack_t *cs = mpssl_core_stack();
    if (cs->in_use || cs->block == NULL) {
        return;
    }
    size_t u = used(cs->block);
    if (u > cs->peak) {
        cs->peak = u;
    }
    uint8_t *b = cs->block;
    cs->block = NULL;
    STACK_DEREGISTER(cs->valgrind_id);
    modssl_port_tracked_free(b);
}

void mpssl_stack_on_main(void (*fn)(void *), void *arg) {
    mpssl_core_stack_t *cs = mpssl_core_stack();
    if (!cs->in_use || cs->on_main) {
        fn(arg);
        return;
    }
    void *core_sp;
    char *core_top = MP_STATE_THREAD(stack_top);
    cs->on_main = true;
    set_bounds(cs->main_top, cs->main_limit);
    stack_switch(aligned_top(cs->main_sp), fn, arg, &core_sp);
    set_bounds(core_top, core_stack_limit());
    cs->on_main = false;
}

void mpssl_stack_escape(struct _mpssl_guard_t *g) {
    mpssl_core_stack_t *cs = mpssl_core_stack();
    if (cs->in_use && g == cs->entry_guard) {
        set_bounds(cs->main_top, cs->main_limit);
        cs->in_use = false;
        cs->on_main = false;
    }
}

size_t mpssl_stack_take_peak(void) {
    mpssl_core_stack_t *cs = mpssl_core_stack();
    size_t p = cs->peak;
    if (cs->block != NULL) {
        size_t u = used(cs->block);
        if (u > p) {
            p = u;
        }
    }
    cs->peak = 0;
    return p;
}

#else // MODSSL_CORE_STACK == 0: deep calls run where they are called

int32_t modssl_port_run_deep(void (*fn)(void *), void *arg) {
    fn(arg);
    return 0;
}

void modssl_port_release_deep(void) {
}

void mpssl_stack_on_main(void (*fn)(void *), void *arg) {
    fn(arg);
}

void mpssl_stack_escape(struct _mpssl_guard_t *g) {
    (void)g;
}

size_t mpssl_stack_take_peak(void) {
    return 0;
}

size_t mpssl_stack_size(void) {
    return 0;
}

#endif
