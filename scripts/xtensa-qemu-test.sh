#!/usr/bin/env bash
# Bare-metal programs for the ESP32's Xtensa core run on QEMU's `sim` machine
# (scripts/xtensa-qemu.sh builds that QEMU): C by Debian's clang-22 for the
# windowed ABI, assembled and linked by GNU binutils configured for the ESP32
# (scripts/xtensa-as.sh), start-up and setjmp/longjmp in tests/xtensa/crt0.S.
#
# usage: xtensa-qemu-test.sh hello
# Inputs (fetched trees, not part of this repository):
#   QEMU_XTENSA           the qemu-system-xtensa with the esp32 core
#                         (default build/qemu-xtensa/qemu-system-xtensa)
#   XTENSA_DYNCONFIG_DIR, XTENSA_OVERLAYS_DIR   as for scripts/xtensa-as.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "xtensa-qemu-test: $*" >&2; exit 2; }
what=${1:-hello}
qemu=${QEMU_XTENSA:-$root/build/qemu-xtensa/qemu-system-xtensa}
[ -x "$qemu" ] || die "no $qemu: build it with scripts/xtensa-qemu.sh (QEMU_SRC_DIR, XTENSA_OVERLAYS_DIR) or set QEMU_XTENSA"
"$qemu" -cpu help | grep -qw esp32 || die "$qemu has no esp32 core (-cpu help)"
clang=$(command -v clang-22) || die "no clang-22 (Debian bookworm-security: apt-get install clang-22)"
tools=$("$root/scripts/xtensa-as.sh") || die "scripts/xtensa-as.sh failed"
out=$root/build/xtensa-qemu-test
mkdir -p "$out"
src=$root/tests/xtensa
# clang-22's driver refuses -mcpu=esp32 ("unknown target CPU", though
# -print-supported-cpus lists it); the features name the ESP32's options, and
# +windowed selects the windowed ABI (entry/callx8/retw) that ESP-IDF's code uses.
CFLAGS="--target=xtensa -O2 -fno-addrsig -ffreestanding -fno-builtin -nostdinc -isystem $src/include
 -isystem $(dirname "$($clang -print-file-name=include/stddef.h)")
 -Xclang -target-feature -Xclang +windowed -Xclang -target-feature -Xclang +mul32
 -Xclang -target-feature -Xclang +mul32high -Xclang -target-feature -Xclang +div32
 -Xclang -target-feature -Xclang +nsa -Xclang -target-feature -Xclang +minmax
 -Xclang -target-feature -Xclang +sext -Xclang -target-feature -Xclang +loop
 -Xclang -target-feature -Xclang +s32c1i -Xclang -target-feature -Xclang +mac16
 -Xclang -target-feature -Xclang +density"
cc_obj() { # C file -> object, through GNU as (LLVM's own assembler misplaces literal pools)
    local c=$1 o=$2
    $clang $CFLAGS ${EXTRA_CFLAGS:-} -S -o "$o.s" "$c" || die "clang-22 failed on $c"
    "$tools/as" --longcalls -o "$o" "$o.s" || die "GNU as failed on $o.s"
}
"$tools/as" -o "$out/crt0.o" <(clang-22 --target=xtensa -E -P -x assembler-with-cpp "$src/crt0.S") ||
    die "crt0.S did not assemble"

# QEMU's sim machine resets the CPU after loading the ELF, to the core's reset
# vector (0x50000000 for the ESP32's core, where sim has no memory); the
# generic loader device, reset after the CPU, sets the PC to the ELF's entry.
# -icount shift=0: one instruction per ns of virtual time (CCOUNT then counts
# 0.24 per instruction, the core imported at 240 MHz).
run() {
    local elf=$1 entry
    entry=$("$tools/readelf" -h "$elf" | awk '/Entry point/ {print $4}')
    set +e
    "$qemu" -M sim -cpu esp32 -display none -monitor none -semihosting -icount shift=0 \
        -kernel "$elf" -device loader,addr="$entry",cpu-num=0
    rc=$?
    set -e
}
case $what in
hello)
    cc_obj "$src/hello.c" "$out/hello.o"
    "$tools/ld" -T "$src/link.ld" -o "$out/hello.elf" "$out/crt0.o" "$out/hello.o" || die "link failed"
    run "$out/hello.elf"
    echo "exit status $rc (hello's main returns 7)"
    [ $rc = 7 ] || die "hello: exit status $rc, expected 7"
    ;;
*) die "unknown test '$what' (hello)";;
esac
