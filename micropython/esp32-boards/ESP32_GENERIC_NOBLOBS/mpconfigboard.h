// ESP32_GENERIC (MicroPython 1.28.0) without binary blobs: ../README.md.
#define MICROPY_HW_BOARD_NAME               "Generic ESP32 module (modssl-rs, no radio)"
#define MICROPY_HW_MCU_NAME                 "ESP32"

#include "../noblobs.h"
