#!/usr/bin/env bash
# make rp2 / make esp32: MicroPython firmware for a real board with our ssl/tls
# (micropython/micropython.cmake through MicroPython's USER_C_MODULES).
#
# usage: board-firmware.sh rp2|esp32 BOARD MICROPY_DIR BUILD_ROOT
#
# It takes the user's full MicroPython checkout (git, with submodules) and
# never downloads or edits it: the build goes to BUILD_ROOT/<port>-<BOARD>.
# When something is missing it stops and says exactly what to get.
set -euo pipefail

port=${1:?usage: board-firmware.sh rp2|esp32 BOARD MICROPY_DIR BUILD_ROOT}
board=${2:-}
mpy=${3:-}
broot=${4:?usage: board-firmware.sh rp2|esp32 BOARD MICROPY_DIR BUILD_ROOT}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tag=v1.26.1

die() { printf '%s\n' "make $port: $*" >&2; exit 2; }

case $port in
    rp2) board=${board:-RPI_PICO_W};;
    esp32) board=${board:-ESP32_GENERIC_C3};;
    *) die "unknown port '$port' (rp2 or esp32)";;
esac

getit="  git clone https://github.com/micropython/micropython.git
  cd micropython && git checkout $tag          # the version this module is tested with
  make -C ports/$port BOARD=$board submodules    # the SDKs and libraries the port needs
then:
  make $port BOARD=$board MICROPY_DIR=\$PWD/micropython"

if [ -z "$mpy" ]; then
    die "needs a MicroPython source tree (a git checkout with submodules): MICROPY_DIR is not set.
Get one with:
$getit
(Debian's micropython source package, which 'make' uses for the unix port, has
no pico-sdk/ESP-IDF glue submodules, so it cannot build board firmware.)"
fi
[ -d "$mpy/ports/$port" ] || die "MICROPY_DIR=$mpy has no ports/$port: not a MicroPython tree?
$getit"
# BOARD is a name from the port's boards/ or the directory of a board
# definition of the user's own (scripts/rp2-board-copy.sh makes one).
board_args=(BOARD="$board")
case $board in
    */*) [ -f "$board/mpconfigboard.h" ] || die "BOARD=$board: not a board definition directory (no mpconfigboard.h)"
        board_dir=$(cd "$board" && pwd)
        board=$(basename "$board_dir")
        # BOARD too: a BOARD given to an outer make reaches this one through
        # MAKEFLAGS and would win over the name the port derives.
        board_args=(BOARD_DIR="$board_dir" BOARD="$board");;
    *) [ -d "$mpy/ports/$port/boards/$board" ] || die "no board '$board' in $mpy/ports/$port/boards (ls that directory for the names)";;
esac
mpy=$(cd "$mpy" && pwd)
# One build directory per board and MicroPython version: a cmake build
# directory remembers the tree it was configured from.
ver=$("$root/scripts/mpy-version.sh" "$mpy") || die "not a MicroPython tree: $mpy"
build=$broot/$port-$board-v$ver
jobs=${JOBS:-$(nproc)}

# ---- Rust for the chip (and, for rp2, the Arm toolchain; no emulators) -------------------
"$root/scripts/cross-deps.sh" "$port"

if [ "$port" = rp2 ]; then
    # ---- pico-sdk (a submodule of MicroPython) and the Arm toolchain ----------------------
    if [ -z "${PICO_SDK_PATH:-}" ] && [ ! -f "$mpy/lib/pico-sdk/pico_sdk_init.cmake" ]; then
        die "the pico-sdk is missing from $mpy/lib/pico-sdk (a git submodule). Run:
  make -C $mpy/ports/rp2 BOARD=$board submodules
(or set PICO_SDK_PATH to a pico-sdk 2.1 checkout)"
    fi
    case $board in
        *_W|*_W_*) for sub in cyw43-driver lwip btstack; do
                [ -n "$(ls -A "$mpy/lib/$sub" 2>/dev/null)" ] || die "lib/$sub is missing (Wi-Fi boards need it). Run:
  make -C $mpy/ports/rp2 BOARD=$board submodules"
            done;;
    esac
    need=
    command -v cmake >/dev/null || need="$need cmake"
    dpkg-query -W -f='${Status}' libstdc++-arm-none-eabi-newlib 2>/dev/null | grep -q "ok installed" || need="$need libstdc++-arm-none-eabi-newlib"
    if [ -n "$need" ]; then
        echo "apt-get install:$need" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need
    fi
    [ -x "$mpy/mpy-cross/build/mpy-cross" ] || make -C "$mpy/mpy-cross" -j"$jobs"
    # The SDK fetches picotool from GitHub at configure time unless
    # picotool_DIR names an installed picotool 2.1 (its picotoolConfig.cmake).
    [ -n "${picotool_DIR:-}" ] || command -v picotool >/dev/null || \
        echo "note: no picotool: the pico-sdk will try to download it (offline, build picotool 2.1 and set picotool_DIR)" >&2
    echo "== rp2 $board firmware with modssl-rs -> $build"
    make -C "$mpy/ports/rp2" -j"$jobs" "${board_args[@]}" BUILD="$build" \
        USER_C_MODULES="$root/micropython/micropython.cmake" ${MODSSL_FW_ARGS:-}
    ls -l "$build/firmware.uf2"
    arm-none-eabi-size "$build/firmware.elf"
    "$root/scripts/rp2-size-check.sh" "$board" "$ver" "$build"
    echo "flash it: hold BOOTSEL, plug in, copy $build/firmware.uf2 to the RPI-RP2 drive"
    echo "          (or: picotool load -x $build/firmware.uf2)"
    exit 0
fi

# ---- esp32: ESP-IDF in the environment ------------------------------------------------------
chip=$(sed -n 's/.*IDF_TARGET[[:space:]]*\([a-z0-9]*\).*/\1/p' "$mpy/ports/esp32/boards/$board/mpconfigboard.cmake" | head -1)
chip=${chip:-esp32}
if [ -z "${IDF_PATH:-}" ] || ! command -v idf.py >/dev/null; then
    die "ESP-IDF is not in the environment (IDF_PATH / idf.py). MicroPython $tag builds with ESP-IDF v5.2 to v5.4:
  git clone -b v5.4.1 --recursive https://github.com/espressif/esp-idf.git
  cd esp-idf && ./install.sh $chip && . ./export.sh
then, in the same shell:
  make esp32 BOARD=$board MICROPY_DIR=$mpy"
fi
case $chip in
    esp32|esp32s2|esp32s3)
        rustup which --toolchain esp cargo >/dev/null 2>&1 || die "$board is an $chip, an Xtensa chip: the core needs Espressif's Rust toolchain.
  cargo install espup && espup install     # the 'esp' rustup toolchain
  . \$HOME/export-esp.sh
(The RISC-V boards, ESP32_GENERIC_C3 and ESP32_GENERIC_C6, need no extra toolchain.)";;
esac
echo "== esp32 $board ($chip) firmware with modssl-rs -> $build"
make -C "$mpy/ports/esp32" BOARD="$board" BUILD="$build" \
    USER_C_MODULES="$root/micropython/micropython.cmake" ${MODSSL_FW_ARGS:-}
ls -l "$build/firmware.bin"
echo "flash it: esptool.py --chip $chip --port /dev/ttyUSB0 write_flash -z 0x0 $build/firmware.bin"
