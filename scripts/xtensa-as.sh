#!/usr/bin/env bash
# The GNU assembler and linker for the ESP32's Xtensa core, made from Debian's
# binutils-xtensa-lx106 (2.40, built for the ESP8266) and a core description
# loaded at run time: binutils 2.40 reads the core's configuration from the
# shared object named by XTENSA_GNU_CONFIG ("dynconfig").  That object is
# built here from two fetched trees, which this repository does not carry:
#
#   XTENSA_DYNCONFIG_DIR  a work tree of https://github.com/espressif/xtensa-dynconfig
#                         (tested: 905b913a, 2023-10-14)
#   XTENSA_OVERLAYS_DIR   a work tree of https://github.com/espressif/xtensa-overlays
#                         (tested: dd1cf19f, 2022-02-24)
#
# usage: xtensa-as.sh [--chip=esp32|esp32s2|esp32s3] [--out=DIR]
# Prints DIR (default build/xtensa-<chip>), which then holds
#   xtensa_<chip>.so   the core description
#   as, ld, objdump, nm, size, ar, readelf   wrappers: XTENSA_GNU_CONFIG set, then
#                      Debian's xtensa-lx106-elf-<tool>
# Why (docs/building.md, "Xtensa"): LLVM 22's integrated assembler misplaces
# Xtensa literal pools, so the core is compiled to assembly and assembled
# with GNU as; Debian's as alone assembles for the ESP8266's core (no
# windowed registers: every `entry`/`retw` of the ESP32's ABI is refused).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "xtensa-as: $*" >&2; exit 2; }
chip=esp32 out=
for opt; do
    case $opt in
        --chip=*) chip=${opt#*=};;
        --out=*) out=${opt#*=};;
        *) die "unknown argument '$opt' (usage: see the top of $0)";;
    esac
done
case $chip in esp32|esp32s2|esp32s3) ;; *) die "--chip=$chip: esp32, esp32s2 or esp32s3";; esac
out=${out:-$root/build/xtensa-$chip}

fetch_help="Both are public GitHub repositories; fetch them (not part of this repository) and say where:
    git clone https://github.com/espressif/xtensa-dynconfig  <dir1>
    git clone https://github.com/espressif/xtensa-overlays   <dir2>
    make cross-xtensa XTENSA_DYNCONFIG_DIR=<dir1> XTENSA_OVERLAYS_DIR=<dir2>
(or the same two variables in the environment of scripts/xtensa-as.sh)."
dyn=${XTENSA_DYNCONFIG_DIR:-} ovl=${XTENSA_OVERLAYS_DIR:-}
[ -n "$dyn" ] || die "XTENSA_DYNCONFIG_DIR is not set: it names a work tree of espressif/xtensa-dynconfig.
$fetch_help"
[ -n "$ovl" ] || die "XTENSA_OVERLAYS_DIR is not set: it names a work tree of espressif/xtensa-overlays.
$fetch_help"
[ -f "$dyn/xtensa-config.c" ] && [ -f "$dyn/include/xtensa-dynconfig.h" ] ||
    die "XTENSA_DYNCONFIG_DIR=$dyn is not an xtensa-dynconfig tree (no xtensa-config.c, include/xtensa-dynconfig.h).
$fetch_help"
conf=$ovl/xtensa_$chip
for f in binutils/bfd/xtensa-modules.c binutils/include/xtensa-config.h gdb/gdb/xtensa-config.c gdb/gdb/xtensa-xtregs.c; do
    [ -f "$conf/$f" ] || die "XTENSA_OVERLAYS_DIR=$ovl has no xtensa_$chip/$f: not an xtensa-overlays tree?
$fetch_help"
done

gnu_as=$(command -v xtensa-lx106-elf-as) ||
    die "no xtensa-lx106-elf-as: install Debian's binutils-xtensa-lx106 (scripts/cross-deps.sh xtensa)"
# The host's compiler: the shared object loads into the host's binutils.  Not
# $CC, which in a firmware build (ESP-IDF's CMake) names the target's.
cc=${XTENSA_HOST_CC:-cc}
command -v "$cc" >/dev/null || die "no host C compiler ($cc; XTENSA_HOST_CC) to build the core description"

so=$out/xtensa_$chip.so
stamp="$(cd "$dyn" && pwd) $(cd "$ovl" && pwd) $(sha256sum "$conf/binutils/bfd/xtensa-modules.c" | cut -c1-16)"
if [ ! -f "$so" ] || [ "$(cat "$out/.inputs" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$out" && mkdir -p "$out/config"
    # A copy of the overlay, with the fixes xtensa-dynconfig's own script
    # makes (static tables, no bypass functions) so that it links into one
    # shared object; the fetched tree stays as it is.
    cp -a "$conf" "$out/config/xtensa_$chip"
    (cd "$out/config" && sh "$dyn/scripts/fix-known-overlay-issues.sh")
    c=$out/config/xtensa_$chip
    "$cc" -shared -fPIC -O2 -I"$dyn/include" -I"$c/binutils/include" \
        "$dyn/xtensa-config.c" "$c/binutils/bfd/xtensa-modules.c" \
        "$c/gdb/gdb/xtensa-config.c" "$c/gdb/gdb/xtensa-xtregs.c" -o "$so" >&2 ||
        die "building $so failed"
    for t in as ld objdump nm size ar readelf objcopy; do
        printf '#!/bin/sh\n# %s for the %s core (scripts/xtensa-as.sh)\nXTENSA_GNU_CONFIG=%s exec xtensa-lx106-elf-%s "$@"\n' \
            "$t" "$chip" "$so" "$t" > "$out/$t"
        chmod +x "$out/$t"
    done
    echo "$stamp" > "$out/.inputs"
fi

# The check that it is the ESP32's core and not the ESP8266's: the windowed
# ABI's `entry` assembles only with the dynconfig loaded.
probe=$out/probe
printf '\t.text\n\t.align 4\n\t.global f\nf:\n\tentry a1, 32\n\tretw.n\n' > "$probe.s"
"$out/as" -o "$probe.o" "$probe.s" 2>"$probe.err" ||
    die "$out/as cannot assemble the windowed ABI ($(head -1 "$probe.err")): the core description $so did not load"
rm -f "$probe.s" "$probe.o" "$probe.err"
echo "$out"
