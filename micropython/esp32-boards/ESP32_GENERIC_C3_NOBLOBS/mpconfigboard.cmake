# ESP32_GENERIC_C3 (MicroPython 1.28.0) without binary blobs: ../README.md.
set(IDF_TARGET esp32c3)

set(SDKCONFIG_DEFAULTS
    boards/sdkconfig.base
    boards/sdkconfig.riscv
    boards/ESP32_GENERIC_C3/sdkconfig.c3usb
)
include(${CMAKE_CURRENT_LIST_DIR}/../noblobs.cmake)
