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
# The chip comes from the board definition (the port's or the user's own,
# e.g. micropython/esp32-boards/*_NOBLOBS).
bdir=${board_dir:-$mpy/ports/esp32/boards/$board}
chip=$(sed -n 's/.*IDF_TARGET[[:space:]]*\([a-z0-9]*\).*/\1/p' "$bdir/mpconfigboard.cmake" | head -1)
chip=${chip:-esp32}
if [ -z "${IDF_PATH:-}" ] || ! command -v idf.py >/dev/null; then
    die "ESP-IDF is not in the environment (IDF_PATH / idf.py). MicroPython 1.28.0 builds with ESP-IDF v5.3 to v5.5.1 (1.26.1: v5.2 to v5.4.2):
  git clone -b v5.5.1 --recursive https://github.com/espressif/esp-idf.git
  cd esp-idf && ./install.sh $chip && . ./export.sh
then, in the same shell:
  make esp32 BOARD=${board_dir:-$board} MICROPY_DIR=$mpy
(Without Espressif's downloads, docs/esp32.md says how this machine builds one.)"
fi
case $chip in
    esp32)
        # Debian's rustc with the assembly route (scripts/xtensa-core.sh).
        [ -n "${XTENSA_DYNCONFIG_DIR:-}" ] && [ -n "${XTENSA_OVERLAYS_DIR:-}" ] || die "$board is an ESP32 (Xtensa): the core is built by Debian's rustc through GNU as configured for the ESP32's core, which needs XTENSA_DYNCONFIG_DIR and XTENSA_OVERLAYS_DIR (work trees of espressif/xtensa-dynconfig and espressif/xtensa-overlays; docs/building.md, make cross-xtensa)."
        "$root/scripts/cross-deps.sh" xtensa;;
    esp32s2|esp32s3)
        # Debian's LLVM 22 has no CPU for these: Espressif's Rust fork only.
        rustup which --toolchain esp cargo >/dev/null 2>&1 || die "$board is an $chip: Debian's rustc (LLVM 22) has no CPU for it; the core needs Espressif's Rust toolchain.
  cargo install espup && espup install     # the 'esp' rustup toolchain
  . \$HOME/export-esp.sh
(Untried here: espup's downloads are out of reach on our machines.)";;
esac
idf_ver=$(cd "$IDF_PATH" && python3 -c 'import re,sys; t=open("tools/cmake/version.cmake").read(); print(".".join(re.search(r"IDF_VERSION_%s (\d+)" % k, t).group(1) for k in ("MAJOR","MINOR","PATCH")))' 2>/dev/null || echo unknown)
[ -x "$mpy/mpy-cross/build/mpy-cross" ] || make -C "$mpy/mpy-cross" -j"$jobs"
# Named, so that the firmware build does not make it again: ninja runs the
# port's "make -C mpy-cross" step whenever its build log lacks the entry (a
# new build directory), and that make inherits our BUILD=... through
# MAKEFLAGS, writing mpy-cross's headers into the firmware's build directory.
export MICROPY_MPYCROSS=$mpy/mpy-cross/build/mpy-cross

# MODSSL_STOCK=1: the same board with the port's own mbedTLS ssl/tls, for
# the size comparison (docs/esp32.md).
if [ "${MODSSL_STOCK:-0}" = 1 ]; then
    build=$build-stock
    modules=()
    echo "== esp32 $board ($chip, ESP-IDF $idf_ver) firmware, stock (MicroPython's mbedTLS ssl) -> $build"
else
    modules=(USER_C_MODULES="$root/micropython/micropython.cmake")
    echo "== esp32 $board ($chip, ESP-IDF $idf_ver) firmware with modssl-rs -> $build"
fi
make -C "$mpy/ports/esp32" "${board_args[@]}" BUILD="$build" "${modules[@]}" ${MODSSL_FW_ARGS:-}
ls -l "$build/firmware.bin"
# The application image against its partition: the smallest app partition
# in the board's table (IDF's own check_sizes.py refuses an image larger).
python3 "$root/scripts/esp32-size.py" "$build" "$board"
echo "flash it: esptool.py --chip $chip --port /dev/ttyUSB0 write_flash -z 0x0 $build/firmware.bin"
