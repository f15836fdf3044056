# modssl-rs as a MicroPython user C module, for the CMake-based ports
# (rp2, esp32).  Use:
#
#     make -C ports/rp2 BOARD=RPI_PICO_W USER_C_MODULES=/path/to/modssl-rs/micropython/micropython.cmake
#
# (CMake ports take the micropython.cmake file, or the directory holding it;
# the make ports take the directory *above* it, see micropython.mk.)
#
# Built here: rp2 firmware for the Pico W and the other rp2 boards (1.26.1,
# 1.28.0; run on an emulated RP2040, make rp2-emu), and esp32 firmware for
# the ESP32-C3 and ESP32 (1.28.0 with ESP-IDF v5.3.1, linked, not run:
# docs/esp32.md).
#
# What it does, per port build:
#  1. cargo builds the core for MODSSL_RUST_TARGET (staticlib, fat LTO),
#  2. deletes the compiler_builtins members from the archive, so that C and
#     Rust resolve __aeabi_*/soft-float/libm helpers from the SDK/libgcc/newlib
#     as before (compiler_builtins' weak copies would otherwise take over the
#     whole firmware's, including RAM-resident ones),
#  3. cbindgen writes micropython/modssl_rs.h,
#  4. links the archive after the C objects, and on rp2 adds a linker ASSERT
#     that the image does not run into the filesystem area.
#
# Settings (-D on the cmake line, or as make variables for the port's
# Makefile, which passes them through only if listed in its CMAKE_ARGS;
# or in the environment, as MODSSL_PROFILE=client make ...):
#   MODSSL_RUST_TARGET    Rust target triple, or a path to a target JSON
#                         (then -Zbuild-std=core,alloc with RUSTC_BOOTSTRAP=1;
#                         needs a toolchain with the std sources).  Default on
#                         rp2: RP2040 -> targets/thumbv6m-none-eabi-cas.json,
#                         RP2350 -> thumbv8m.main-none-eabi (Arm) or
#                         riscv32imac-unknown-none-elf (RISC-V).
#   MODSSL_CARGO          the cargo to run (default: cargo on PATH)
#   MODSSL_RUSTFLAGS      more RUSTFLAGS for the core (default: none)
#   MODSSL_CROSS_RUSTFLAGS default: -Zfmt-debug=none
#   MODSSL_PROFILE        the feature profile (micropython/features.sh,
#                         docs/building.md): full, general, client,
#                         small-client, minimal.  Default: on rp2 the largest
#                         the board holds (rp2-boards.cmake); esp32:
#                         small-client on the ESP32, general on the others
#                         (below); else general
#   MODSSL_TLS12 MODSSL_SERVER MODSSL_P384 MODSSL_RSA MODSSL_ED25519
#   MODSSL_SIGN_ECDSA MODSSL_SIGN_RSA MODSSL_SIGN_ED25519 MODSSL_CA_BUNDLE MODSSL_CA_COMPACT MODSSL_PQ MODSSL_RPK
#   MODSSL_CERT_COMPRESS
#                         ON/1 or OFF/0: add one feature to the profile or
#                         take it away (MODSSL_CA_BUNDLE=ON: Mozilla's roots)
#   MODSSL_CARGO_FEATURES more --features for modssl_rs
#   MODSSL_IMAGE_LIMIT    bytes of flash the firmware image may use on rp2
#                         (default: flash size minus MICROPY_HW_FLASH_STORAGE_BYTES,
#                         from the board's definition; rp2-boards.cmake), 0 = no check
#   MODSSL_MIN_SPARE      rp2: the flash a board's default profile must leave
#                         free before the filesystem (default 64000)

set(MODSSL_MOD_DIR ${CMAKE_CURRENT_LIST_DIR})

# The same settings from the environment, when not given with -D: the esp32
# port's Makefile starts CMAKE_ARGS empty and adds USER_C_MODULES to it, so a
# CMAKE_ARGS=... on its make line would drop the module itself.  Read at
# configure time (a changed variable needs a fresh build directory or
# `idf.py reconfigure`).
foreach(name RUST_TARGET CARGO RUSTFLAGS CROSS_RUSTFLAGS BUILD_STD_FEATURES CARGO_TARGET_DIR
        PROFILE TLS12 SERVER P384 RSA ED25519 SIGN_ECDSA SIGN_RSA SIGN_ED25519 CA_BUNDLE CA_COMPACT
        PQ RPK CERT_COMPRESS CARGO_FEATURES IMAGE_LIMIT MIN_SPARE MIN_STACK CORE_STACK MAIN_STACK
        TASK_STACK)
    if(NOT DEFINED MODSSL_${name} AND DEFINED ENV{MODSSL_${name}})
        set(MODSSL_${name} "$ENV{MODSSL_${name}}")
    endif()
endforeach()
get_filename_component(MODSSL_ROOT ${MODSSL_MOD_DIR}/.. ABSOLUTE)

# ---- which port ------------------------------------------------------------------
# The port's hooks (randomness, time) are micropython/ports/<port>.c.
if(PICO_PLATFORM)
    set(MODSSL_PORT rp2)
elseif(IDF_TARGET)
    set(MODSSL_PORT esp32)
else()
    message(FATAL_ERROR "modssl-rs: unknown CMake port (neither PICO_PLATFORM nor IDF_TARGET is set); "
        "see docs/porting.md for the hooks a port provides")
endif()

# ---- Rust target ----------------------------------------------------------------
# RP2040 and ESP32-C3 lack compare-and-swap: target JSONs (targets/README.md).
# The ESP32 (Xtensa LX6): Debian's rustc with targets/xtensa-esp32-none-elf-cas.json,
# assembled by GNU as configured for its core (scripts/xtensa-core.sh, which
# needs XTENSA_DYNCONFIG_DIR and XTENSA_OVERLAYS_DIR in the environment;
# docs/building.md "Xtensa").  The S2/S3: only Espressif's Rust fork ("esp"
# toolchain, installed by espup) knows them.
set(MODSSL_XTENSA_CORE OFF)
if(NOT MODSSL_RUST_TARGET AND IDF_TARGET STREQUAL "esp32")
    set(MODSSL_XTENSA_CORE ON)
    set(MODSSL_RUST_TARGET ${MODSSL_ROOT}/targets/xtensa-esp32-none-elf-cas.json)
elseif(NOT MODSSL_RUST_TARGET)
    if(PICO_PLATFORM STREQUAL "rp2040")
        set(MODSSL_RUST_TARGET ${MODSSL_ROOT}/targets/thumbv6m-none-eabi-cas.json)
    elseif(PICO_PLATFORM STREQUAL "rp2350-arm-s" OR PICO_PLATFORM STREQUAL "rp2350")
        set(MODSSL_RUST_TARGET thumbv8m.main-none-eabi)  # soft-float ABI: the SDK builds with -mfloat-abi=softfp
    elseif(PICO_PLATFORM STREQUAL "rp2350-riscv")
        set(MODSSL_RUST_TARGET riscv32imac-unknown-none-elf)
    elseif(IDF_TARGET STREQUAL "esp32c3")
        set(MODSSL_RUST_TARGET ${MODSSL_ROOT}/targets/riscv32imc-unknown-none-elf-cas.json)
    elseif(IDF_TARGET STREQUAL "esp32c6" OR IDF_TARGET STREQUAL "esp32h2" OR IDF_TARGET STREQUAL "esp32c5")
        set(MODSSL_RUST_TARGET riscv32imac-unknown-none-elf)
    elseif(IDF_TARGET STREQUAL "esp32s2" OR IDF_TARGET STREQUAL "esp32s3")
        set(MODSSL_RUST_TARGET xtensa-${IDF_TARGET}-none-elf)  # cargo: scripts/build-core.sh
    else()
        message(FATAL_ERROR
            "modssl-rs: no default Rust target for this port/platform "
            "(PICO_PLATFORM='${PICO_PLATFORM}', IDF_TARGET='${IDF_TARGET}'); "
            "set MODSSL_RUST_TARGET to a triple or a target JSON")
    endif()
endif()

# The cross build of the core is scripts/build-core.sh's (as for the make
# ports): it finds the cargo (Debian's rustc-web for built-in triples and
# target JSONs alike, so that a target rustup has not installed, or cannot,
# as on our machines, still builds; Espressif's for Xtensa) and has the
# defaults of MODSSL_CROSS_RUSTFLAGS and MODSSL_BUILD_STD_FEATURES.
# Settings not given are not passed on.
if(MODSSL_RUST_TARGET MATCHES "\\.json$")
    get_filename_component(MODSSL_RUST_TARGET ${MODSSL_RUST_TARGET} ABSOLUTE)
endif()
# The feature profile.  On rp2 the largest that the board's flash holds
# (rp2-boards.cmake); otherwise `general`, which has the compact trust store
# rather than Mozilla's whole bundle (webpki-roots, ~58 KB of flash on
# thumbv6m): MODSSL_CA_BUNDLE=1 or MODSSL_PROFILE=full builds that in.
if(MODSSL_PORT STREQUAL "rp2")
    include(${MODSSL_MOD_DIR}/rp2-boards.cmake)
endif()
# esp32: the rp2 rule (the largest profile that leaves MODSSL_MIN_SPARE,
# 64,000 B, of the app partition, 0x1F0000 on the generic boards) applied to
# the stock image with Wi-Fi and BLE plus the growth measured here without
# them (docs/esp32.md, "Which profile"): the ESP32-C3 keeps `general`
# (estimated spare about 79 KB); on the ESP32, whose Xtensa core is larger,
# `general` and `client` would not leave it, `small-client` (TLS 1.3 client:
# P-256/P-384, RSA and ECDSA verification) does (about 74 KB, estimated).
if(MODSSL_PORT STREQUAL "esp32" AND NOT MODSSL_PROFILE)
    if(IDF_TARGET STREQUAL "esp32")
        set(MODSSL_PROFILE small-client)
    else()
        set(MODSSL_PROFILE general)
    endif()
    message(STATUS "modssl-rs: ${IDF_TARGET}: profile ${MODSSL_PROFILE} by default (docs/esp32.md, "
        "\"Which profile\"; MODSSL_PROFILE=... in the environment to choose)")
endif()
if(NOT MODSSL_PROFILE)
    set(MODSSL_PROFILE general)
endif()
if(MODSSL_XTENSA_CORE)
    # Thin LTO (fat crashes LLVM 22's Xtensa backend); the link check is
    # the firmware's own link.
    set(MODSSL_BUILD_CORE ${MODSSL_ROOT}/scripts/xtensa-core.sh --chip=${IDF_TARGET} --no-check
        --profile=${MODSSL_PROFILE})
else()
    set(MODSSL_BUILD_CORE ${MODSSL_ROOT}/scripts/build-core.sh --target=${MODSSL_RUST_TARGET}
        --profile=${MODSSL_PROFILE})
endif()
foreach(name TLS12 SERVER P384 RSA ED25519 SIGN_ECDSA SIGN_RSA SIGN_ED25519 CA_BUNDLE CA_COMPACT PQ RPK CERT_COMPRESS)
    list(APPEND MODSSL_BUILD_CORE "${name}=${MODSSL_${name}}")
endforeach()
foreach(setting CARGO_FEATURES:features CARGO_TARGET_DIR:target-dir CARGO:cargo RUSTFLAGS:rustflags)
    string(REPLACE ":" ";" setting ${setting})
    list(GET setting 0 var)
    list(GET setting 1 opt)
    if(NOT "${MODSSL_${var}}" STREQUAL "")
        list(APPEND MODSSL_BUILD_CORE "--${opt}=${MODSSL_${var}}")
    endif()
endforeach()
# These two may be set empty.
foreach(setting CROSS_RUSTFLAGS:cross-rustflags BUILD_STD_FEATURES:build-std-features)
    string(REPLACE ":" ";" setting ${setting})
    list(GET setting 0 var)
    list(GET setting 1 opt)
    if(DEFINED MODSSL_${var})
        list(APPEND MODSSL_BUILD_CORE "--${opt}=${MODSSL_${var}}")
    endif()
endforeach()
# The profile's features, the archive cargo makes and the cargo, which also
# checks the settings before anything is built.  Our own target dir per Rust
# target by default, outside MicroPython's build dir so that a port clean
# does not throw away the Rust build.
execute_process(
    COMMAND ${MODSSL_BUILD_CORE} --print=features --print=lib --print=cargo
    OUTPUT_VARIABLE MODSSL_CORE_INFO OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE MODSSL_CORE_RESULT)
if(NOT MODSSL_CORE_RESULT EQUAL 0)
    message(FATAL_ERROR "modssl-rs: cannot build the core with these settings (scripts/build-core.sh's message above)")
endif()
string(REPLACE "\n" ";" MODSSL_CORE_INFO "${MODSSL_CORE_INFO}")
list(GET MODSSL_CORE_INFO 0 MODSSL_FEATURES)
list(GET MODSSL_CORE_INFO 1 MODSSL_CARGO_LIB)
list(GET MODSSL_CORE_INFO 2 MODSSL_CORE_CARGO)
message(STATUS "modssl-rs: profile ${MODSSL_PROFILE}: features ${MODSSL_FEATURES}")
# What this build holds, for tests and for people: build/.../modssl/features.txt.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/modssl/features.txt "${MODSSL_FEATURES}\n")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/modssl/profile.txt "${MODSSL_PROFILE}\n")
# A new profile definition or recipe configures again (features.txt).
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
    ${MODSSL_MOD_DIR}/features.sh ${MODSSL_ROOT}/scripts/build-core.sh)

# The archive we link: a copy with compiler_builtins removed.
set(MODSSL_LIB ${CMAKE_CURRENT_BINARY_DIR}/modssl/libmodssl_rs.a)
set(MODSSL_HEADER ${MODSSL_MOD_DIR}/modssl_rs.h)

file(GLOB_RECURSE MODSSL_RUST_SRC CONFIGURE_DEPENDS ${MODSSL_ROOT}/modssl_rs/src/*.rs)

if(NOT CMAKE_AR)
    set(CMAKE_AR ar)
endif()

# cargo runs when the core's sources, manifests or recipe change.
add_custom_command(
    OUTPUT ${MODSSL_LIB}
    COMMAND ${MODSSL_BUILD_CORE}
    COMMAND ${MODSSL_ROOT}/scripts/strip-builtins.sh ${CMAKE_AR} ${MODSSL_CARGO_LIB} ${MODSSL_LIB}
    DEPENDS ${MODSSL_RUST_SRC} ${MODSSL_ROOT}/modssl_rs/Cargo.toml ${MODSSL_ROOT}/modssl_rs/build.rs
        ${MODSSL_ROOT}/Cargo.toml ${MODSSL_ROOT}/Cargo.lock
        ${MODSSL_ROOT}/scripts/build-core.sh ${MODSSL_ROOT}/scripts/xtensa-core.sh ${MODSSL_MOD_DIR}/features.sh
    COMMENT "modssl-rs: cargo (${MODSSL_PROFILE}, ${MODSSL_CORE_CARGO}) -> ${MODSSL_CARGO_LIB}"
    USES_TERMINAL
    VERBATIM
)

# The header depends on the archive so that building the header (a source of
# the firmware, see below) also builds the archive.  It is touched so that
# the build does not rerun this step; our few C files then recompile when
# the core changes.
add_custom_command(
    OUTPUT ${MODSSL_HEADER}
    COMMAND ${MODSSL_ROOT}/scripts/gen-header.sh ${MODSSL_HEADER}
    COMMAND ${CMAKE_COMMAND} -E touch ${MODSSL_HEADER}
    DEPENDS ${MODSSL_LIB} ${MODSSL_ROOT}/cbindgen.toml
    COMMENT "modssl-rs: cbindgen -> modssl_rs.h"
    VERBATIM
)

# ---- the module -------------------------------------------------------------------
file(GLOB MODSSL_SRC_C CONFIGURE_DEPENDS ${MODSSL_MOD_DIR}/*.c)
list(APPEND MODSSL_SRC_C ${MODSSL_MOD_DIR}/ports/${MODSSL_PORT}.c)

add_library(usermod_modssl INTERFACE)
if(MODSSL_PORT STREQUAL "esp32")
    # ESP-IDF includes this file from the port's main component directory but
    # makes the executable in the project's: a generated header listed as an
    # INTERFACE source reaches the executable too, where CMake knows neither
    # that it is generated nor how ("Cannot find source file").  A target of
    # its own does the two steps instead, and whatever links this module
    # (the main component, whose qstr scan reads our sources) is built after
    # it.
    add_custom_target(modssl_core DEPENDS ${MODSSL_LIB} ${MODSSL_HEADER})
    add_dependencies(usermod_modssl modssl_core)
    target_sources(usermod_modssl INTERFACE ${MODSSL_SRC_C})
else()
    # The header is listed as a source so that the firmware target depends on
    # the custom commands above (and the qstr scan runs after them).
    target_sources(usermod_modssl INTERFACE ${MODSSL_SRC_C} ${MODSSL_HEADER})
endif()
target_include_directories(usermod_modssl INTERFACE ${MODSSL_MOD_DIR})
# The port's own ssl/tls (mbedTLS) module off: ours registers both names.
# mbedTLS itself stays built for hashlib/cryptolib.  MICROPY_CPP_DEF_EXTRA
# carries the definition into the qstr/module-registration preprocessing.
# On esp32 the port's mpconfigport.h defines MICROPY_PY_SSL unconditionally:
# there MP_CONFIGFILE names a configuration that includes the port's and
# turns it off (ports/esp32_mpconfig.h).
if(MODSSL_PORT STREQUAL "esp32")
    set(MODSSL_SSL_OFF "MP_CONFIGFILE=<${MODSSL_MOD_DIR}/ports/esp32_mpconfig.h>")
else()
    set(MODSSL_SSL_OFF MICROPY_PY_SSL=0)
endif()
target_compile_definitions(usermod_modssl INTERFACE ${MODSSL_SSL_OFF})
list(APPEND MICROPY_CPP_DEF_EXTRA ${MODSSL_SSL_OFF})
# The __sync_* helpers for the core on a CPU without compare-and-swap: on
# the RP2040 the shim's (MicroPython atomic sections, safe across both
# cores); ESP-IDF already provides them for the ESP32-C3.
if(PICO_PLATFORM STREQUAL "rp2040" AND MODSSL_RUST_TARGET MATCHES "-cas\\.json$")
    target_compile_definitions(usermod_modssl INTERFACE MODSSL_PROVIDE_SYNC_HELPERS=1)
endif()
if(MODSSL_PORT STREQUAL "rp2")
    # get_rand_64() for the DRBG seed (ports/rp2.c).
    target_link_libraries(usermod_modssl INTERFACE pico_rand)
endif()

target_link_libraries(usermod_modssl INTERFACE ${MODSSL_LIB})

# ---- rp2: the core stack, or a main stack the handshake fits in --------------------
# A handshake needs about 20 KB of C stack (make stack-report; measured by
# stack painting under emulation, make qemu-test and make rp2-emu), while the
# port's core0 stack is 8 KiB (SCRATCH_X+Y) and an overflow runs silently
# into the top of the GC heap.  By default the deep core calls run on the
# core stack (micropython/modssl_stack.c): MODSSL_CORE_STACK bytes (default
# 22 KiB) taken from the GC heap while a handshake is under way, so the
# board keeps the port's 8 KiB main stack and all of its GC heap.
#
# MODSSL_CORE_STACK=0 runs them on the main stack instead, which then needs
# MODSSL_MAIN_STACK bytes (default 32 KiB with MODSSL_CORE_STACK=0, 56 KiB
# with pq): the
# port's own linker script, copied with the stack extended downwards from
# the scratch banks into the end of main RAM (taken from the GC heap for
# good).  MicroPython's stack-limit checks follow, since they read
# __StackTop/__StackBottom.  MODSSL_MAIN_STACK=0 keeps the port's script.
if(DEFINED MODSSL_CORE_STACK)
    target_compile_definitions(usermod_modssl INTERFACE MODSSL_CORE_STACK=${MODSSL_CORE_STACK})
endif()
if(DEFINED MODSSL_CORE_STACK AND MODSSL_CORE_STACK EQUAL 0)
    set(MODSSL_DEEP_ON_MAIN ON)
else()
    set(MODSSL_DEEP_ON_MAIN OFF)
endif()
# What a handshake needs where the deep calls run: about 20 KB, or about
# 40 KB with the post-quantum key exchange (pq: ML-KEM-768's frames; the
# core stack sizes itself, modssl_core_stack_need()).
if(",${MODSSL_FEATURES}," MATCHES ",pq,")
    set(MODSSL_DEEP_STACK 57344)
else()
    set(MODSSL_DEEP_STACK 32768)
endif()
if(PICO_PLATFORM AND NOT MICROPY_BOARD_LINKER_SCRIPT)
    if(NOT DEFINED MODSSL_MAIN_STACK)
        if(MODSSL_DEEP_ON_MAIN)
            set(MODSSL_MAIN_STACK ${MODSSL_DEEP_STACK})
        else()
            set(MODSSL_MAIN_STACK 0)
        endif()
    endif()
    if(MODSSL_MAIN_STACK GREATER 8192)
        math(EXPR MODSSL_EXTRA_STACK "${MODSSL_MAIN_STACK} - 8192")
        if(PICO_RP2040)
            set(MODSSL_LD_IN ${CMAKE_CURRENT_SOURCE_DIR}/memmap_mp_rp2040.ld)
        else()
            set(MODSSL_LD_IN ${CMAKE_CURRENT_SOURCE_DIR}/memmap_mp_rp2350.ld)
        endif()
        file(READ ${MODSSL_LD_IN} MODSSL_LD)
        if(PICO_RP2040)
            # Stock: heap up to the end of RAM; stack = SCRATCH_X+Y (8 KiB).
            string(REPLACE "__GcHeapEnd = ORIGIN(RAM) + LENGTH(RAM);"
                "__GcHeapEnd = ORIGIN(RAM) + LENGTH(RAM) - ${MODSSL_EXTRA_STACK}; /* modssl-rs */"
                MODSSL_LD "${MODSSL_LD}")
            string(REPLACE "__StackBottom = __StackTop - SIZEOF(.stack_dummy);"
                "__StackBottom = __GcHeapEnd; /* modssl-rs: scratch banks + end of RAM */"
                MODSSL_LD "${MODSSL_LD}")
        else()
            # Stock: the stack already reaches __micropy_extra_stack__ into RAM.
            string(REPLACE "__GcHeapEnd = ORIGIN(RAM) + LENGTH(RAM) - __micropy_extra_stack__;"
                "__GcHeapEnd = ORIGIN(RAM) + LENGTH(RAM) - ${MODSSL_EXTRA_STACK}; /* modssl-rs */"
                MODSSL_LD "${MODSSL_LD}")
        endif()
        string(FIND "${MODSSL_LD}" "/* modssl-rs" MODSSL_LD_EDITED)
        string(FIND "${MODSSL_LD}" "__StackBottom = __GcHeapEnd" MODSSL_LD_BOTTOM)
        if(MODSSL_LD_EDITED EQUAL -1 OR MODSSL_LD_BOTTOM EQUAL -1)
            message(FATAL_ERROR "modssl-rs: ${MODSSL_LD_IN} is not laid out as in MicroPython 1.26 "
                "(could not move the stack); leave MODSSL_CORE_STACK at its default (handshakes then "
                "run on a stack of their own and the port's 8 KiB main stack is enough), or give a "
                "board linker script with a larger stack")
        endif()
        set(MODSSL_LD_OUT ${CMAKE_CURRENT_BINARY_DIR}/modssl/memmap_modssl.ld)
        file(WRITE ${MODSSL_LD_OUT} "/* Generated by modssl-rs micropython.cmake from ${MODSSL_LD_IN}:\n"
            "   main stack ${MODSSL_MAIN_STACK} bytes */\n${MODSSL_LD}")
        set(MICROPY_BOARD_LINKER_SCRIPT ${MODSSL_LD_OUT})
        message(STATUS "modssl-rs: main stack ${MODSSL_MAIN_STACK} bytes (${MODSSL_LD_OUT})")
    endif()
endif()

# ---- esp32: the same for the MicroPython task's stack ----------------------------
# The port's task stack is MICROPY_TASK_STACK_SIZE, 16 KiB unless a board
# sets it (none in 1.26.1 does), allocated from the IDF heap, not the GC
# heap.  Our INTERFACE definition reaches the port's main.c through
# `usermod` (seen in the ESP32-C3 build's compile commands).
# MODSSL_TASK_STACK=0 leaves it alone.
if(MODSSL_PORT STREQUAL "esp32")
    if(NOT DEFINED MODSSL_TASK_STACK)
        set(MODSSL_TASK_STACK ${MODSSL_DEEP_STACK})
    endif()
    if(MODSSL_TASK_STACK GREATER 0)
        target_compile_definitions(usermod_modssl INTERFACE MICROPY_TASK_STACK_SIZE=${MODSSL_TASK_STACK})
    endif()
endif()

# ---- rp2: the image must end before the filesystem --------------------------------
# The rp2 linker script's FLASH region is the whole chip; nothing stops an
# image that runs into the littlefs area.  An implicit linker script with
# only an ASSERT, given as a link input, makes that a link error.
if(PICO_PLATFORM)
    # MODSSL_IMAGE_LIMIT: the board's firmware area (rp2-boards.cmake).
    # And the main stack must hold what runs on it, whichever linker script
    # the board uses: MODSSL_MIN_STACK (default: the port's 8 KiB with the
    # core stack, 24 KiB without it, where a whole handshake runs there;
    # 0 = no check).
    if(NOT DEFINED MODSSL_MIN_STACK)
        if(MODSSL_DEEP_ON_MAIN)
            set(MODSSL_MIN_STACK 24576)
        else()
            set(MODSSL_MIN_STACK 8192)
        endif()
    endif()
    set(MODSSL_LINK_CHECKS "/* Generated by modssl-rs micropython.cmake */\n")
    if(MODSSL_IMAGE_LIMIT GREATER 0)
        string(APPEND MODSSL_LINK_CHECKS
            "ASSERT(__flash_binary_end <= 0x10000000 + ${MODSSL_IMAGE_LIMIT}, "
            "\"firmware image overlaps the rp2 filesystem area (modssl-rs: MODSSL_IMAGE_LIMIT=${MODSSL_IMAGE_LIMIT})\")\n")
    endif()
    if(MODSSL_MIN_STACK GREATER 0)
        string(APPEND MODSSL_LINK_CHECKS
            "ASSERT(__StackTop - __StackBottom >= ${MODSSL_MIN_STACK}, "
            "\"main stack smaller than modssl-rs needs (MODSSL_MIN_STACK=${MODSSL_MIN_STACK}; see docs/porting.md)\")\n")
    endif()
    if(MODSSL_IMAGE_LIMIT GREATER 0 OR MODSSL_MIN_STACK GREATER 0)
        set(MODSSL_FLASH_CHECK ${CMAKE_CURRENT_BINARY_DIR}/modssl/flashcheck.ld)
        file(WRITE ${MODSSL_FLASH_CHECK} "${MODSSL_LINK_CHECKS}")
        target_link_libraries(usermod_modssl INTERFACE ${MODSSL_FLASH_CHECK})
    endif()
endif()

target_link_libraries(usermod INTERFACE usermod_modssl)
