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
    time_t t = 1764000000; // 2025-11-24
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
#endif
