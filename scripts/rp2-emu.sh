#!/usr/bin/env bash
# make rp2-emu: the rp2 firmware users flash, built and then run on an
# emulated RP2040 (rp2040js), for each board named.
#
# usage: rp2-emu.sh "BOARD..." MICROPY_DIR RP2040JS_DIR BUILD_ROOT PYTHON
#
# A BOARD may be NAME:FS_KIB, that board with a filesystem of FS_KIB KiB (a
# board definition of the user's own, scripts/rp2-board-copy.sh), e.g.
# W5100S_EVB_PICO:1168 for the WIZnet board whose own 1408K filesystem leaves
# too little flash.  Each build's size is checked against
# micropython/rp2-sizes.txt (scripts/rp2-size-check.sh, strict here).
#
# For each board: `make rp2` builds its firmware from MICROPY_DIR (a
# MicroPython checkout with the port's submodules), then
#  1. tests/test_rp2emu.py boots that exact UF2 and runs the TLS suite over
#     the emulated USB CDC: as booted (clock unset, `import ssl` ours despite
#     the frozen ssl.py), TLS 1.3/1.2 with P-256 and RSA-2048 chains, the
#     stack check, out-of-memory mid-handshake, soft reset with live
#     connections;
#  2. the pytest suite in --device mode against the same emulated board
#     (mpremote over a pseudo-terminal), as against a Pico on /dev/ttyACM0.
# Results: BUILD_ROOT/rp2emu-report.txt.  Not part of `make test` (no
# pico-sdk on a fresh machine).
set -euo pipefail

boards=${1:-RPI_PICO_W}
mpy=${2:-}
rp2040js=${3:-}
broot=${4:?usage: rp2-emu.sh BOARDS MICROPY_DIR RP2040JS_DIR BUILD_ROOT PYTHON}
python=${5:?usage: rp2-emu.sh BOARDS MICROPY_DIR RP2040JS_DIR BUILD_ROOT PYTHON}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() { printf 'make rp2-emu: %s\n' "$*" >&2; exit 2; }

[ -n "$mpy" ] || die "needs MICROPY_DIR, a MicroPython checkout with the rp2 port's submodules:
  git clone https://github.com/micropython/micropython.git
  cd micropython && git checkout v1.26.1 && make -C ports/rp2 BOARD=RPI_PICO_W submodules
then: make rp2-emu MICROPY_DIR=\$PWD/micropython RP2040JS_DIR=..."
[ -n "$rp2040js" ] && [ -f "$rp2040js/demo/bootrom.ts" ] || die "needs RP2040JS_DIR, a checkout of the rp2040js repository
(its demo/bootrom.ts is the RP2040 boot ROM image, which the npm package lacks):
  git clone https://github.com/wokwi/rp2040js.git
then: make rp2-emu MICROPY_DIR=... RP2040JS_DIR=\$PWD/rp2040js"
command -v node >/dev/null && command -v npm >/dev/null || {
    echo "apt-get install: nodejs npm" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
}
# The emulator: rp2040js at the version package-lock.json pins.
(cd "$root/tests/rp2emu" && [ -f node_modules/rp2040js/package.json ] || npm ci --no-audit --no-fund --silent)

export RP2040JS_DIR=$(cd "$rp2040js" && pwd)
ver=$("$root/scripts/mpy-version.sh" "$mpy")
report=$broot/rp2emu-report.txt
rc=0
for spec in $boards; do
    # BOARD:FS_KIB: the board with a filesystem of that size, as a user's own
    # board definition (scripts/rp2-board-copy.sh): how a board whose own
    # layout cannot hold the module is run (docs/building.md).
    board=$spec
    case $spec in
        *:*) board=$("$root/scripts/rp2-board-copy.sh" "$mpy" "${spec%%:*}" "${spec#*:}" "$broot/boards");;
    esac
    MODSSL_SIZE_CHECK=strict "$root/scripts/board-firmware.sh" rp2 "$board" "$mpy" "$broot"
    board=$(basename "$board")
    fw=$broot/rp2-$board-v$ver
    echo "== $board (MicroPython $ver) on rp2040js: the TLS suite"
    {
        echo "#### $board, MicroPython $ver, $(date -u +%Y-%m-%d)"
        arm-none-eabi-size "$fw/firmware.elf" | tail -1 | awk '{print "image text+data " $1 + $2 " B, bss " $3 " B"}'
    } >> "$report"
    (cd "$root/tests" && MODSSL_RP2EMU_UF2=$fw/firmware.uf2 MODSSL_RP2EMU_REPORT=$report \
        "$python" -m pytest test_rp2emu.py -q -p no:cacheprovider) || rc=1
    echo "== $board (MicroPython $ver) on rp2040js: pytest --device over the emulated USB CDC"
    (cd "$root/tests" && "$python" -m helpers.rp2emu "$fw/firmware.uf2" -- \
        "$python" -m pytest "$root/tests" --device {pty} -q -p no:cacheprovider -p emulated_device_plugin) || rc=1
done
echo "== results: $report"
cat "$report"
exit $rc
