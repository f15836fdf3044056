// Port hooks for MicroPython's esp32 port (ESP32-C3 and ESP32 built here;
// ESP32-C6 by the same rules).
//
// Compiled and linked here into MicroPython 1.28.0 firmware with ESP-IDF
// v5.3.1 (docs/esp32.md, micropython/esp32-boards/); never run on a chip:
// no emulator of the ESP32-C3 or ESP32 SoC can be had on our machines.
//
// Randomness: esp_fill_random(), the chip's hardware RNG.  ESP-IDF documents
// it as a true random source once the RF subsystem (Wi-Fi or Bluetooth) is
// running, or while the bootloader's entropy source is enabled; MicroPython
// starts neither by itself.  A device that makes TLS connections has Wi-Fi
// up, so this holds in practice; a board doing TLS over another link should
// enable an entropy source (bootloader_random_enable()) first.
//
// Time: gettimeofday() (MicroPython's mp_hal_time_ns()), which starts near
// the epoch on boot: a time before MODSSL_CLOCK_VALID_AFTER (default
// 2025-01-01) means "not set", and CERT_REQUIRED handshakes fail with
// CERT_CLOCK_NOT_SET until ntptime.settime() (or machine.RTC().datetime()).
//
// Atomics: the ESP32-C3 (RV32IMC) has no atomic instructions; ESP-IDF's
// newlib component provides the __sync_* helpers the core calls (its
// stdatomic.c, as the C3 firmware's link map shows), so the shim's own
// (MODSSL_PROVIDE_SYNC_HELPERS) stay off on this port.
#include <stdint.h>

#include "py/mpconfig.h"
#include "py/mphal.h"
#include "esp_random.h"

#include "modssl_rs.h"

#ifndef MODSSL_CLOCK_VALID_AFTER
#define MODSSL_CLOCK_VALID_AFTER (1735689600LL) // 2025-01-01T00:00:00Z
#endif

int32_t modssl_port_random(uint8_t *buf, size_t len) {
    esp_fill_random(buf, len);
    return 0;
}

int64_t modssl_port_time(void) {
    int64_t secs = (int64_t)(mp_hal_time_ns() / 1000000000ULL);
    return secs < MODSSL_CLOCK_VALID_AFTER ? -1 : secs;
}
