// Port hooks for MicroPython's qemu port (boards MPS2_AN385 and VIRT_RV32),
// used to run the TLS core under emulation in `make test`.
//
// *** FOR TESTS ONLY.  These boards have no hardware random number
// *** generator, and under `qemu -icount` everything, virtual time included,
// *** is deterministic.  The random source below is a ChaCha20 DRBG seeded
// *** from a fixed constant and the virtual clock, plus whatever the test
// *** passes to modssl_qemu.seed().  Its output is predictable by anyone
// *** who knows that: keys made here are NOT secret.  Never copy this hook
// *** to a real board (ports/rp2.c and ports/esp32.c use hardware entropy).
//
// What this file adds to the firmware:
//   * modssl_port_random / modssl_port_time (docs/porting.md);
//   * mp_hal_ticks_ms() for the shim (weak: the port has none);
//   * a microsecond tick from the board's timer (MPS2: the CMSDK APB timer 0
//     at 25 MHz; virt: the CLINT's mtime at 10 MHz).  Under
//     `qemu -icount shift=0` one instruction is one nanosecond of virtual
//     time, so 1 us of ticks = 1000 instructions;
//   * a minimal `time` module (ticks_us/ms/diff/add, sleep*, time), because
//     the qemu port builds without one (MICROPY_PY_TIME is 0 in its
//     mpconfigport.h and cannot be overridden from the command line);
//   * module `modssl_qemu`:
//       set_time(seconds)  set the wall clock (Unix seconds) that
//                          certificate validity is checked against; until
//                          it is called the clock is "not set" and
//                          CERT_REQUIRED handshakes fail with
//                          CERT_CLOCK_NOT_SET, as on a board before
//                          ntptime.settime();
//       seed(bytes)        mix bytes into the DRBG (tests pass os.urandom);
//       stack_paint(n) / stack_peak()
//                          paint n bytes of the C stack below the caller
//                          and later report the deepest byte used since,
//                          measured from the stack_paint() call site.
#include <stdint.h>
#include <string.h>

#include "py/mpconfig.h"
#include "py/obj.h"
#include "py/runtime.h"
#include "py/mphal.h"
#include "py/smallint.h"

#include "modssl_rs.h"
#include "modssl_drbg.h"

// ---- the virtual clock ---------------------------------------------------------
// A free-running 32-bit hardware counter, extended in software to 64-bit
// microseconds (no 64-bit division: on Arm it would pull in libgcc's
// _udivmoddi4, whose unwind entry the port's linker script cannot place).
// The counter must be read at least once per wrap (171 s of virtual time on
// MPS2, 429 s on virt), which every test does.
#if defined(QEMU_SOC_MPS2)
// CMSDK APB timer 0: a 32-bit down counter on the 25 MHz system clock,
// started on first use with the largest reload value.
#define MODSSL_TIMER0 ((volatile uint32_t *)0x40000000)
#define MODSSL_TICKS_PER_US (25u)
static bool timer_started;

static uint32_t mpssl_qemu_raw(void) {
    if (!timer_started) {
        MODSSL_TIMER0[2] = 0xffffffffu; // RELOAD
        MODSSL_TIMER0[1] = 0xffffffffu; // VALUE
        MODSSL_TIMER0[0] = 1;           // CTRL: enable
        timer_started = true;
    }
    return ~MODSSL_TIMER0[1]; // counts up from 0
}
#elif defined(QEMU_SOC_VIRT)
// The low word of the CLINT's mtime, 10 MHz on qemu's virt machine.
#define MODSSL_TICKS_PER_US (10u)

static uint32_t mpssl_qemu_raw(void) {
    return *(volatile uint32_t *)0x0200bff8;
}
#else
#error "ports/qemu.c knows the MPS2 and VIRT boards only (QEMU_SOC_MPS2 / QEMU_SOC_VIRT)"
#endif

// ---- 64-bit multiply for the thumbv6m core --------------------------------------
// The Thumb-1 __aeabi_lmul the RP2040's SDK would give the firmware
// (thumb1_lmul.h says why it matters); the anchor's mbedTLS gets the same one.
#if defined(QEMU_SOC_MPS2)
#include "thumb1_lmul.h"
#endif

static uint32_t raw_last, raw_rem;
static uint64_t total_ticks, total_us;

static uint64_t mpssl_qemu_us(void) {
    uint32_t now = mpssl_qemu_raw();
    uint32_t delta = now - raw_last;
    raw_last = now;
    total_ticks += delta;
    uint32_t q = delta / MODSSL_TICKS_PER_US;
    raw_rem += delta % MODSSL_TICKS_PER_US;
    if (raw_rem >= MODSSL_TICKS_PER_US) {
        raw_rem -= MODSSL_TICKS_PER_US;
        q++;
    }
    total_us += q;
    return total_us;
}

// Whole seconds of a microsecond count: us / 10^6 as (us / 2^6) / 15625,
// in 32 bits (good for 2^38 us, 76 hours of virtual time).
static uint32_t mpssl_qemu_secs(uint64_t us) {
    return (uint32_t)(us >> 6) / 15625u;
}

// The shim's handshake deadlines and the session wait (modssl_socket.c) count
// milliseconds with mp_hal_ticks_ms(), which the qemu port does not provide.
// Weak, so that a port version that has one keeps its own.
__attribute__((weak)) mp_uint_t mp_hal_ticks_ms(void) {
    // us / 1000 as (us / 8) / 125 in 32 bits: a 64-bit division would link
    // libgcc's __aeabi_uldivmod and its unwind tables (.ARM.exidx), which
    // the port's linker script does not place.  Wraps every 2^35 us (9.5 h),
    // as the deadlines' unsigned differences expect.
    return (mp_uint_t)((uint32_t)(mpssl_qemu_us() >> 3) / 125u);
}

// ---- time hook: a clock the test sets -----------------------------------------------
static int64_t clock_offset_s = -1; // Unix seconds at virtual time 0; -1 = not set

int64_t modssl_port_time(void) {
    if (clock_offset_s < 0) {
        return -1;
    }
    return clock_offset_s + mpssl_qemu_secs(mpssl_qemu_us());
}

// ---- randomness hook: test-only DRBG (see the warning at the top) -------------------
static mpssl_drbg_t drbg;

int32_t modssl_port_random(uint8_t *buf, size_t len) {
    if (!drbg.seeded) {
        // NOT entropy: a constant and the (deterministic) virtual clock.
        static const char label[] = "modssl-rs qemu test DRBG: not for production";
        uint64_t t = mpssl_qemu_us();
        mpssl_drbg_mix(&drbg, (const uint8_t *)label, sizeof(label));
        mpssl_drbg_mix(&drbg, (const uint8_t *)&t, sizeof(t));
    }
    return mpssl_drbg_generate(&drbg, buf, len);
}

// ---- stack painting -----------------------------------------------------------------
#define MODSSL_STACK_PATTERN (0x5aa5c33cu)
#if defined(QEMU_SOC_MPS2)
extern uint32_t _ebss;   // the stack grows down from the top of RAM towards .bss
#define MODSSL_STACK_FLOOR ((uintptr_t)&_ebss)
#else
extern uint32_t _sstack; // the STACK region's lowest address (virt.ld)
#define MODSSL_STACK_FLOOR ((uintptr_t)&_sstack)
#endif
static uintptr_t paint_top, paint_low;

static mp_obj_t mpssl_qemu_stack_paint(mp_obj_t n_in) {
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    uintptr_t n = mp_obj_get_int(n_in);
    uintptr_t low = sp - n;
    if (n >= sp || low < MODSSL_STACK_FLOOR + 256) {
        low = MODSSL_STACK_FLOOR + 256;
    }
    low = (low + 3) & ~(uintptr_t)3;
    // Leave 256 bytes under this frame for the calls made from here.
    for (volatile uint32_t *p = (uint32_t *)low; (uintptr_t)p < sp - 256; p++) {
        *p = MODSSL_STACK_PATTERN;
    }
    paint_top = sp;
    paint_low = low;
    return mp_obj_new_int_from_uint(sp - low);
}
static MP_DEFINE_CONST_FUN_OBJ_1(mpssl_qemu_stack_paint_obj, mpssl_qemu_stack_paint);

// Bytes of stack used below the stack_paint() call site since it ran; the
// painted size itself if all of it was used (the true peak is then larger).
static mp_obj_t mpssl_qemu_stack_peak(void) {
    if (paint_low == 0) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("stack_paint() first"));
    }
    const uint32_t *p = (const uint32_t *)paint_low;
    while ((uintptr_t)p < paint_top && *p == MODSSL_STACK_PATTERN) {
        p++;
    }
    return mp_obj_new_int_from_uint(paint_top - (uintptr_t)p);
}
static MP_DEFINE_CONST_FUN_OBJ_0(mpssl_qemu_stack_peak_obj, mpssl_qemu_stack_peak);

// ---- modssl_qemu ----------------------------------------------------------------------
static mp_obj_t mpssl_qemu_set_time(mp_obj_t secs_in) {
    int64_t secs = (int64_t)mp_obj_get_int(secs_in);
    if (secs < 0) {
        clock_offset_s = -1; // back to "not set"
    } else {
        clock_offset_s = secs - mpssl_qemu_secs(mpssl_qemu_us());
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mpssl_qemu_set_time_obj, mpssl_qemu_set_time);

static mp_obj_t mpssl_qemu_seed(mp_obj_t data_in) {
    mp_buffer_info_t bi;
    mp_get_buffer_raise(data_in, &bi, MP_BUFFER_READ);
    if (!drbg.seeded) {
        uint8_t dummy;
        modssl_port_random(&dummy, 1);
    }
    mpssl_drbg_mix(&drbg, bi.buf, bi.len);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mpssl_qemu_seed_obj, mpssl_qemu_seed);

static mp_obj_t mpssl_qemu_icount(void) {
    // Virtual nanoseconds since the timer started: instructions executed
    // when qemu runs with -icount shift=0.
    mpssl_qemu_us();
    return mp_obj_new_int_from_ull(total_ticks * (1000u / MODSSL_TICKS_PER_US));
}
static MP_DEFINE_CONST_FUN_OBJ_0(mpssl_qemu_icount_obj, mpssl_qemu_icount);

static const mp_rom_map_elem_t mpssl_qemu_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_modssl_qemu) },
    { MP_ROM_QSTR(MP_QSTR_set_time), MP_ROM_PTR(&mpssl_qemu_set_time_obj) },
    { MP_ROM_QSTR(MP_QSTR_seed), MP_ROM_PTR(&mpssl_qemu_seed_obj) },
    { MP_ROM_QSTR(MP_QSTR_stack_paint), MP_ROM_PTR(&mpssl_qemu_stack_paint_obj) },
    { MP_ROM_QSTR(MP_QSTR_stack_peak), MP_ROM_PTR(&mpssl_qemu_stack_peak_obj) },
    { MP_ROM_QSTR(MP_QSTR_vtime_ns), MP_ROM_PTR(&mpssl_qemu_icount_obj) },
};
static MP_DEFINE_CONST_DICT(mpssl_qemu_globals, mpssl_qemu_globals_table);

const mp_obj_module_t mpssl_qemu_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&mpssl_qemu_globals,
};
MP_REGISTER_MODULE(MP_QSTR_modssl_qemu, mpssl_qemu_module);

// ---- a minimal `time` module (the qemu port has none) -------------------------------
#if !MICROPY_PY_TIME
#define MODSSL_TICKS_PERIOD (MICROPY_PY_TIME_TICKS_PERIOD)

static mp_obj_t mpssl_time_ticks_us(void) {
    return MP_OBJ_NEW_SMALL_INT((mp_uint_t)mpssl_qemu_us() & (MODSSL_TICKS_PERIOD - 1));
}
static MP_DEFINE_CONST_FUN_OBJ_0(mpssl_time_ticks_us_obj, mpssl_time_ticks_us);

static mp_obj_t mpssl_time_ticks_ms(void) {
    // (us / 8) / 125 in 32 bits: ms modulo 2^32 stays continuous only until
    // 2^35 us; ticks_ms is for short intervals here.
    return MP_OBJ_NEW_SMALL_INT(((uint32_t)(mpssl_qemu_us() >> 3) / 125u) & (MODSSL_TICKS_PERIOD - 1));
}
static MP_DEFINE_CONST_FUN_OBJ_0(mpssl_time_ticks_ms_obj, mpssl_time_ticks_ms);

static mp_obj_t mpssl_time_ticks_diff(mp_obj_t end_in, mp_obj_t start_in) {
    mp_uint_t start = MP_OBJ_SMALL_INT_VALUE(start_in);
    mp_uint_t end = MP_OBJ_SMALL_INT_VALUE(end_in);
    mp_int_t diff = ((end - start + MODSSL_TICKS_PERIOD / 2) & (MODSSL_TICKS_PERIOD - 1))
        - MODSSL_TICKS_PERIOD / 2;
    return MP_OBJ_NEW_SMALL_INT(diff);
}
static MP_DEFINE_CONST_FUN_OBJ_2(mpssl_time_ticks_diff_obj, mpssl_time_ticks_diff);

static mp_obj_t mpssl_time_ticks_add(mp_obj_t ticks_in, mp_obj_t delta_in) {
    mp_uint_t ticks = MP_OBJ_SMALL_INT_VALUE(ticks_in);
    mp_uint_t delta = mp_obj_get_int(delta_in);
    return MP_OBJ_NEW_SMALL_INT((ticks + delta) & (MODSSL_TICKS_PERIOD - 1));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mpssl_time_ticks_add_obj, mpssl_time_ticks_add);

static void mpssl_time_sleep_us_raw(uint64_t us) {
    uint64_t end = mpssl_qemu_us() + us;
    while (mpssl_qemu_us() < end) {
        mp_handle_pending(true);
    }
}

static mp_obj_t mpssl_time_sleep_ms(mp_obj_t ms_in) {
    mp_int_t ms = mp_obj_get_int(ms_in);
    if (ms > 0) {
        mpssl_time_sleep_us_raw((uint64_t)ms * 1000u);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mpssl_time_sleep_ms_obj, mpssl_time_sleep_ms);

static mp_obj_t mpssl_time_sleep_us(mp_obj_t us_in) {
    mp_int_t us = mp_obj_get_int(us_in);
    if (us > 0) {
        mpssl_time_sleep_us_raw((uint64_t)us);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mpssl_time_sleep_us_obj, mpssl_time_sleep_us);

static mp_obj_t mpssl_time_sleep(mp_obj_t s_in) {
    mp_int_t s = mp_obj_get_int(s_in);
    if (s > 0) {
        mpssl_time_sleep_us_raw((uint64_t)s * 1000000u);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mpssl_time_sleep_obj, mpssl_time_sleep);

// Seconds since the Unix epoch as set by modssl_qemu.set_time(); OSError
// while not set.
static mp_obj_t mpssl_time_time(void) {
    int64_t t = modssl_port_time();
    if (t < 0) {
        mp_raise_msg(&mp_type_OSError, MP_ERROR_TEXT("clock not set: call modssl_qemu.set_time()"));
    }
    return mp_obj_new_int_from_ll(t);
}
static MP_DEFINE_CONST_FUN_OBJ_0(mpssl_time_time_obj, mpssl_time_time);

static const mp_rom_map_elem_t mpssl_time_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_time) },
    { MP_ROM_QSTR(MP_QSTR_ticks_us), MP_ROM_PTR(&mpssl_time_ticks_us_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_ms), MP_ROM_PTR(&mpssl_time_ticks_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_diff), MP_ROM_PTR(&mpssl_time_ticks_diff_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_add), MP_ROM_PTR(&mpssl_time_ticks_add_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep), MP_ROM_PTR(&mpssl_time_sleep_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep_ms), MP_ROM_PTR(&mpssl_time_sleep_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep_us), MP_ROM_PTR(&mpssl_time_sleep_us_obj) },
    { MP_ROM_QSTR(MP_QSTR_time), MP_ROM_PTR(&mpssl_time_time_obj) },
};
static MP_DEFINE_CONST_DICT(mpssl_time_globals, mpssl_time_globals_table);

const mp_obj_module_t mpssl_time_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&mpssl_time_globals,
};
MP_REGISTER_MODULE(MP_QSTR_time, mpssl_time_module);
#endif
