# ESP32_GENERIC (MicroPython 1.28.0) without binary blobs: ../README.md.
set(SDKCONFIG_DEFAULTS
    boards/sdkconfig.base
)
include(${CMAKE_CURRENT_LIST_DIR}/../noblobs.cmake)
