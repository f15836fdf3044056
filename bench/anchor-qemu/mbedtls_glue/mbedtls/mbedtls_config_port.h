// mbedTLS configuration for the qemu anchor (make anchor-qemu), found as
// "mbedtls/mbedtls_config_port.h" (the qemu port has none): MicroPython's
// bare-metal configuration, as ports/rp2/mbedtls/mbedtls_config_port.h sets it
// up for the Pico W, with the clock hooks pointing at stubs (mbedtls_glue.c).
#ifndef ANCHOR_QEMU_MBEDTLS_CONFIG_H
#define ANCHOR_QEMU_MBEDTLS_CONFIG_H

#define MBEDTLS_ECP_NIST_OPTIM

#include <time.h>
time_t anchor_qemu_time(time_t *timer);
#define MBEDTLS_PLATFORM_TIME_MACRO anchor_qemu_time
#define MBEDTLS_PLATFORM_MS_TIME_ALT mbedtls_ms_time

#define MICROPY_MBEDTLS_CONFIG_BARE_METAL (1)
#include "extmod/mbedtls/mbedtls_config_common.h"

#endif
