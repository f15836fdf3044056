// ESP32_GENERIC_C3 (MicroPython 1.28.0) without binary blobs: ../README.md.
#define MICROPY_HW_BOARD_NAME               "ESP32C3 module (modssl-rs, no radio)"
#define MICROPY_HW_MCU_NAME                 "ESP32C3"
#define MICROPY_HW_ENABLE_UART_REPL         (1)

#include "../noblobs.h"
