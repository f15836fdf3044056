// Port hooks for MicroPython's unix port: the OS's randomness and clock.
// (docs/porting.md lists what a port provides.)
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "py/mpconfig.h"
#include "modssl_rs.h"

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

int64_t modssl_port_time(void) {
    // MODSSL_FAKE_TIME lets tests pin the clock (validity-date tests).
    const char *fake = getenv("MODSSL_FAKE_TIME");
    if (fake != NULL && *fake) {
        return strtoll(fake, NULL, 10);
    }
    return (int64_t)time(NULL);
}
