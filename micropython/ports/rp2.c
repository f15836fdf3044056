// Port hooks for MicroPython's rp2 port (RP2040: Pico, Pico W; RP2350: Pico 2).
//
// Built with MicroPython 1.26.1 (pico-sdk 2.1.1) and 1.28.0 (pico-sdk 2.2.0)
// and run on the emulated RP2040 (make rp2-emu); not yet on a real board.
//
// Randomness: a ChaCha20 DRBG (modssl_drbg.h).  Neither source on this chip
// is a cryptographic generator by itself, so both only feed the DRBG:
//  * the SDK's get_rand_64() (pico_rand): a 128-bit xoroshiro PRNG into which
//    ring-oscillator bits, the microsecond timer and a bus performance
//    counter are hashed on every call;
//  * the ring oscillator's random bit, sampled here directly (MicroPython
//    1.26's port had a sampler of its own, rosc_random_u8(), for its mbedTLS
//    entropy hook and os.urandom(); 1.28 dropped it for get_rand_64()).
// The first request seeds with 4 x get_rand_64() and 32 ROSC bytes (about
// 260 us); every request mixes in one more get_rand_64() and 8 ROSC bytes
// (about 70 us; rustls asks a few times per handshake).
//
// Time: MicroPython's wall clock (mp_hal_time_ns(), the AON timer/RTC).  The
// port starts it at 2021-01-01 on boot, so a time before
// MODSSL_CLOCK_VALID_AFTER (default 2025-01-01) means "not set": the core
// then fails CERT_REQUIRED handshakes with CERT_CLOCK_NOT_SET, whose message
// tells the user to set the clock (ntptime.settime() after connecting to
// Wi-Fi, or machine.RTC().datetime(...)).
#include <stdint.h>
#include <string.h>

#include "py/mpconfig.h"
#include "py/mphal.h"
#include "pico/rand.h"
#include "hardware/structs/rosc.h"
#include "hardware/timer.h"

#include "modssl_rs.h"
#include "modssl_drbg.h"

#ifndef MODSSL_CLOCK_VALID_AFTER
#define MODSSL_CLOCK_VALID_AFTER (1735689600LL) // 2025-01-01T00:00:00Z
#endif

static mpssl_drbg_t drbg;

// One byte from the ring oscillator's random bit, `cycles` samples folded in
// with a CRC-8 step (as 1.26's port did), 1 us apart so that successive
// samples are not correlated by the bus clock.
static uint8_t rosc_random_u8(size_t cycles) {
    static uint8_t r;
    for (size_t i = 0; i < cycles; ++i) {
        r = (uint8_t)(((r << 1) | (rosc_hw->randombit & 1)) ^ (r & 0x80 ? 0xD5 : 0));
        busy_wait_us_32(1);
    }
    return r;
}

int32_t modssl_port_random(uint8_t *buf, size_t len) {
    // Entropy is gathered outside the atomic section (get_rand_64 takes the
    // SDK's own spin lock, ROSC sampling takes time); the DRBG state is
    // shared by both cores, so it is used inside one.
    uint8_t fresh[4 * 8 + 32];
    size_t n = 0;
    int rounds = drbg.seeded ? 1 : 4;
    for (int i = 0; i < rounds; i++) {
        uint64_t r = get_rand_64();
        memcpy(fresh + n, &r, sizeof(r));
        n += sizeof(r);
    }
    for (int i = 0; i < rounds * 8; i++) {
        fresh[n++] = rosc_random_u8(8);
    }
    mp_uint_t st = MICROPY_BEGIN_ATOMIC_SECTION();
    mpssl_drbg_mix(&drbg, fresh, n);
    int32_t ret = mpssl_drbg_generate(&drbg, buf, len);
    MICROPY_END_ATOMIC_SECTION(st);
    memset(fresh, 0, sizeof(fresh));
    return ret;
}

int64_t modssl_port_time(void) {
    int64_t secs = (int64_t)(mp_hal_time_ns() / 1000000000ULL);
    return secs < MODSSL_CLOCK_VALID_AFTER ? -1 : secs;
}
