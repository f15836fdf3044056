// Port hooks mbedTLS needs on the qemu boards, for the anchor firmware built
// by `make anchor-qemu` (a flash comparison: this firmware is linked, not used
// for real TLS).  The entropy source is a counter: NOT random, never use it on
// a board.  ports/rp2/mbedtls/mbedtls_port.c is the real thing.
#include "py/mpconfig.h"

#if MICROPY_SSL_MBEDTLS
#include <stddef.h>
#include <time.h>
#include "mbedtls/platform_time.h"
#include "py/mphal.h"

#if defined(__arm__)
// The same Thumb-1 64-bit multiply as our firmware's (the Pico SDK gives one
// to both on a real RP2040): mbedTLS's bignum C, built for Cortex-M0+, calls it.
#include "../../../micropython/ports/thumb1_lmul.h"
#endif

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen) {
    static unsigned char n;
    (void)data;
    for (size_t i = 0; i < len; i++) {
        output[i] = n++;
    }
    *olen = len;
    return 0;
}

time_t anchor_qemu_time(time_t *timer) {
    time_t t = 1800000000; // 2027-01-15: after the bench's freshly made certificates' notBefore
    if (timer) {
        *timer = t;
    }
    return t;
}

// The qemu port has no tick counter (modtls_mbedtls.c's DTLS timer uses it;
// DTLS is on at this ROM level, as on the Pico W).
mp_uint_t mp_hal_ticks_ms(void) {
    return 0;
}

mbedtls_ms_time_t mbedtls_ms_time(void) {
    return (mbedtls_ms_time_t)anchor_qemu_time(NULL) * 1000;
}

// Module anchor_qemu: ticks_us() from the MPS2's CMSDK APB timer 0 (25 MHz;
// under `qemu -icount shift=0` 1 us is 1000 instructions), for bench/qemu_bench.py;
// the port has no time module.  0 on other boards.
#include "py/obj.h"
#include "py/runtime.h"

static mp_obj_t anchor_qemu_ticks_us(void) {
    #if defined(QEMU_SOC_MPS2)
    volatile uint32_t *timer0 = (volatile uint32_t *)0x40000000;
    static bool started;
    if (!started) {
        timer0[2] = 0xffffffffu; // RELOAD
        timer0[1] = 0xffffffffu; // VALUE
        timer0[0] = 1;           // CTRL: enable
        started = true;
    }
    return mp_obj_new_int_from_uint((~timer0[1]) / 25u);
    #else
    return MP_OBJ_NEW_SMALL_INT(0);
    #endif
}
static MP_DEFINE_CONST_FUN_OBJ_0(anchor_qemu_ticks_us_obj, anchor_qemu_ticks_us);

static const mp_rom_map_elem_t anchor_qemu_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_anchor_qemu) },
    { MP_ROM_QSTR(MP_QSTR_ticks_us), MP_ROM_PTR(&anchor_qemu_ticks_us_obj) },
};
static MP_DEFINE_CONST_DICT(anchor_qemu_globals, anchor_qemu_globals_table);

const mp_obj_module_t anchor_qemu_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&anchor_qemu_globals,
};
MP_REGISTER_MODULE(MP_QSTR_anchor_qemu, anchor_qemu_module);
#endif
