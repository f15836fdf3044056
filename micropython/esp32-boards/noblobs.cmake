# Shared by the *_NOBLOBS boards (README.md): the stock board's settings
# plus ours.  MICROPY_BOARD_DIR is the including board's directory.
get_filename_component(MODSSL_ESP32_BOARDS ${CMAKE_CURRENT_LIST_DIR} ABSOLUTE)

# Say it where nobody can miss it: this image has no radio.
message(WARNING "\n*** ${MICROPY_BOARD}: a board of modssl-rs's own WITHOUT Espressif's Wi-Fi/BLE/PHY "
    "binary libraries (CONFIG_APP_NO_BLOBS). It has no network interface, and with the radio "
    "off the hardware RNG is NOT a true random source. For measuring size and checking the "
    "link only: not an image to flash for use. See micropython/esp32-boards/README.md.\n")

# mdns as a local component (no component registry offline).
if(NOT DEFINED ENV{MODSSL_ESP_PROTOCOLS_DIR} OR NOT EXISTS "$ENV{MODSSL_ESP_PROTOCOLS_DIR}/components/mdns/CMakeLists.txt")
    message(FATAL_ERROR "modssl-rs: ${MICROPY_BOARD} takes mdns from a checkout of "
        "https://github.com/espressif/esp-protocols (tag mdns-v1.1.0, as MicroPython's "
        "idf_component.yml asks for ~1.1.0): set MODSSL_ESP_PROTOCOLS_DIR to it "
        "(now '$ENV{MODSSL_ESP_PROTOCOLS_DIR}')")
endif()
list(APPEND EXTRA_COMPONENT_DIRS $ENV{MODSSL_ESP_PROTOCOLS_DIR}/components/mdns)
# The registry would also have made it a requirement of the port's main
# component (its idf_component.yml); without the component manager nothing
# does, so its headers are given to every directory below this one (the
# component is built and linked as every component of the build is).
include_directories($ENV{MODSSL_ESP_PROTOCOLS_DIR}/components/mdns/include)

list(APPEND SDKCONFIG_DEFAULTS ${MODSSL_ESP32_BOARDS}/sdkconfig.noblobs)

# MODSSL_ESP_UPSTREAM_MBEDTLS=1 in the environment: the IDF tree carries
# upstream mbedTLS in place of Espressif's fork (sdkconfig.upstream-mbedtls).
if("$ENV{MODSSL_ESP_UPSTREAM_MBEDTLS}" STREQUAL "1")
    list(APPEND SDKCONFIG_DEFAULTS ${MODSSL_ESP32_BOARDS}/sdkconfig.upstream-mbedtls)
endif()
