// The esp32 port's configuration with the port's own ssl/tls (mbedTLS) off
// and tracked allocations on.
//
// MicroPython's ports/esp32/mpconfigport.h (1.26, 1.28) defines
// MICROPY_PY_SSL as MICROPY_PY_NETWORK without an #ifndef, so the
// -DMICROPY_PY_SSL=0 that switches it off on the other ports would be
// overridden here, and extmod/modtls_mbedtls.c would register `ssl`/`tls`
// beside ours.  py/mpconfig.h includes MP_CONFIGFILE instead of
// <mpconfigport.h> when it is defined: micropython.cmake defines it as this
// file, for every MicroPython source and the qstr/module scans alike.
// mbedTLS itself stays built for hashlib and cryptolib.
//
// One port file, modespnow.c, includes "mpconfigport.h" a second time by
// name; GCC then warns that MICROPY_PY_SSL is redefined, in that file only,
// which uses neither macro.
#include <mpconfigport.h>

#undef MICROPY_PY_SSL
#define MICROPY_PY_SSL (0)
#undef MICROPY_SSL_MBEDTLS
#define MICROPY_SSL_MBEDTLS (0)

// The core's memory lives in tracked allocations, which the GC treats as
// roots (docs/design.md).  The other ports have them on for mbedTLS or
// btstack already; this one's mbedTLS uses ESP-IDF's heap, so it has not.
// py/ and the module must agree, hence here rather than on our files alone.
#define MICROPY_TRACKED_ALLOC (1)
