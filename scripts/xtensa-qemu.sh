#!/usr/bin/env bash
# An upstream QEMU (Debian's source package) with the ESP32's Xtensa core
# (LX6, windowed registers) imported from Espressif's public core overlay,
# built for xtensa-softmmu only.  This runs bare-metal ESP32 *core* code on
# QEMU's generic `sim` machine (semihosting); it is not an ESP32 SoC model
# (no flash, no peripherals, no ROM).  Two fetched trees, which this
# repository does not carry, are the inputs:
#
#   QEMU_SRC_DIR          an unpacked Debian qemu source package, e.g.
#                           apt-get source qemu=1:7.2+dfsg-7+deb12u18
#                         (tested: 1:7.2+dfsg-7+deb12u18, bookworm's)
#   XTENSA_OVERLAYS_DIR   a work tree of https://github.com/espressif/xtensa-overlays
#                         (tested: dd1cf19f, 2022-02-24)
#
# usage: xtensa-qemu.sh [--out=DIR] [--chip=esp32]
# Prints the path of the built qemu-system-xtensa (DIR/qemu-system-xtensa,
# default DIR build/qemu-xtensa).  The fetched source tree is not touched:
# it is copied to DIR/src, where QEMU's own target/xtensa/import_core.sh
# imports the core.
#
# import_core.sh wants the "xtensa-config-overlay.tar.gz" of a Tensilica
# config (xtensa/config/core-isa.h, xtensa/config/core-matmap.h,
# gdb/xtensa-config.c, binutils/xtensa-modules.c).  xtensa-overlays holds the
# same files in GCC/binutils/gdb/newlib's layout, so the tarball is made from
# them: core-isa.h from newlib's copy, xtensa-modules.c from binutils', the
# register map from gdb's.  The overlays have no core-matmap.h (the
# cache-attribute/memory-map header); QEMU's overlay_tool.h uses none of its
# macros for a core without an MMU or MPU (the ESP32 has neither), so an empty
# one stands in; its absence is said in the header itself.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "xtensa-qemu: $*" >&2; exit 2; }
chip=esp32 out=
for opt; do
    case $opt in
        --chip=*) chip=${opt#*=};;
        --out=*) out=${opt#*=};;
        *) die "unknown argument '$opt' (usage: see the top of $0)";;
    esac
done
case $chip in esp32|esp32s2|esp32s3) ;; *) die "--chip=$chip: esp32, esp32s2 or esp32s3";; esac
out=${out:-$root/build/qemu-xtensa}

help="Both are public; fetch them (not part of this repository) and say where:
    apt-get source qemu            (a deb-src entry for the machine's Debian suite)
    git clone https://github.com/espressif/xtensa-overlays
    QEMU_SRC_DIR=<qemu-x.y> XTENSA_OVERLAYS_DIR=<xtensa-overlays> $0"
src=${QEMU_SRC_DIR:-} ovl=${XTENSA_OVERLAYS_DIR:-}
[ -n "$src" ] || die "QEMU_SRC_DIR is not set: it names an unpacked qemu source tree.
$help"
[ -n "$ovl" ] || die "XTENSA_OVERLAYS_DIR is not set: it names a work tree of espressif/xtensa-overlays.
$help"
[ -x "$src/target/xtensa/import_core.sh" ] && [ -f "$src/configure" ] ||
    die "QEMU_SRC_DIR=$src is not a qemu source tree (no configure, target/xtensa/import_core.sh).
$help"
conf=$ovl/xtensa_$chip
isa=$conf/newlib/newlib/libc/sys/xtensa/include/xtensa/config/core-isa.h
for f in "$isa" "$conf/binutils/bfd/xtensa-modules.c" "$conf/gdb/gdb/xtensa-config.c"; do
    [ -f "$f" ] || die "XTENSA_OVERLAYS_DIR=$ovl has no ${f#$ovl/}: not an xtensa-overlays tree?
$help"
done
for t in ninja meson cc python3 pkg-config; do
    command -v $t >/dev/null || die "no $t: apt-get install ninja-build meson gcc python3 pkg-config libglib2.0-dev libpixman-1-dev flex bison"
done

qemu=$out/qemu-system-xtensa
stamp="$(cd "$src" && pwd) $(cd "$ovl" && pwd) $chip $(sha256sum "$isa" "$conf/binutils/bfd/xtensa-modules.c" | cut -c1-16 | tr '\n' ' ')"
if [ -x "$qemu" ] && [ "$(cat "$out/.inputs" 2>/dev/null)" = "$stamp" ]; then
    echo "$qemu"; exit 0
fi

rm -rf "$out" && mkdir -p "$out"
echo "xtensa-qemu: copying $src to $out/src" >&2
cp -a "$src" "$out/src"

ov=$out/overlay
mkdir -p "$ov/xtensa/config" "$ov/gdb" "$ov/binutils"
cp "$isa" "$ov/xtensa/config/core-isa.h"
printf '/* core-matmap.h: not in espressif/xtensa-overlays; empty stand-in made by\n   modssl-rs scripts/xtensa-qemu.sh (QEMU uses none of its macros for a\n   core without MMU or MPU). */\n' \
    > "$ov/xtensa/config/core-matmap.h"
cp "$conf/gdb/gdb/xtensa-config.c" "$ov/gdb/xtensa-config.c"
cp "$conf/binutils/bfd/xtensa-modules.c" "$ov/binutils/xtensa-modules.c"
tar -czf "$out/xtensa_$chip-overlay.tar.gz" -C "$ov" xtensa gdb binutils

# Core clock: the ESP32's CPU runs at up to 240 MHz (import_core.sh's third
# argument, in kHz; it sets CCOUNT's rate, not the emulation speed).
(cd "$out/src" && target/xtensa/import_core.sh "$out/xtensa_$chip-overlay.tar.gz" "$chip" 240000) >&2 ||
    die "import_core.sh failed"

mkdir -p "$out/obj"
(cd "$out/obj" && nice -n 10 ../src/configure --target-list=xtensa-softmmu \
    --without-default-features --disable-docs --disable-werror \
    --enable-tcg >"$out/configure.log" 2>&1) ||
    die "configure failed: see $out/configure.log ($(tail -3 "$out/configure.log" | tr '\n' ' '))"
nice -n 10 ninja -C "$out/obj" -j"${JOBS:-2}" qemu-system-xtensa >"$out/build.log" 2>&1 ||
    die "build failed: see $out/build.log ($(grep -m3 -E 'error|Error' "$out/build.log" | tr '\n' ' '))"
cp "$out/obj/qemu-system-xtensa" "$qemu"

# (read whole first: grep -q quitting early would SIGPIPE qemu under pipefail)
cpus=$("$qemu" -cpu help) && grep -qw "$chip" <<<"$cpus" ||
    die "$qemu -cpu help does not list $chip"
echo "$stamp" > "$out/.inputs"
echo "$qemu"
