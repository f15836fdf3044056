// Shared by the *_NOBLOBS boards (README.md): what calls into Espressif's
// Wi-Fi and Bluetooth libraries, which these images do not link.
#define MICROPY_PY_NETWORK_WLAN             (0)
#define MICROPY_PY_ESPNOW                   (0)
#define MICROPY_PY_BLUETOOTH                (0)
