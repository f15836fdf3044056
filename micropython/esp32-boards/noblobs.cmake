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

# The ESP32's network.LAN also supports the LAN867x PHY, from the
# registry's espressif/lan867x (~1.0.0 in idf_component.yml): the same way,
# from a checkout of espressif/esp-eth-drivers (tag lan867x@v1.0.3).
if(NOT IDF_TARGET OR IDF_TARGET STREQUAL "esp32")
    set(_eth "$ENV{MODSSL_ESP_ETH_DRIVERS_DIR}")
    if(NOT _eth OR NOT EXISTS "${_eth}/lan867x/CMakeLists.txt")
        message(FATAL_ERROR "modssl-rs: ${MICROPY_BOARD} takes lan867x from a checkout of "
            "https://github.com/espressif/esp-eth-drivers (tag lan867x@v1.0.3): set "
            "MODSSL_ESP_ETH_DRIVERS_DIR to it (now '${_eth}')")
    endif()
    list(APPEND EXTRA_COMPONENT_DIRS ${_eth}/lan867x)
    include_directories(${_eth}/lan867x/include)
endif()

list(APPEND SDKCONFIG_DEFAULTS ${MODSSL_ESP32_BOARDS}/sdkconfig.noblobs)

# MODSSL_ESP_UPSTREAM_MBEDTLS=1 in the environment: the IDF tree carries
# upstream mbedTLS in place of Espressif's fork (sdkconfig.upstream-mbedtls).
if("$ENV{MODSSL_ESP_UPSTREAM_MBEDTLS}" STREQUAL "1")
    list(APPEND SDKCONFIG_DEFAULTS ${MODSSL_ESP32_BOARDS}/sdkconfig.upstream-mbedtls)
endif()
