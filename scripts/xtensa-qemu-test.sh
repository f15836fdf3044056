#!/usr/bin/env bash
# Bare-metal programs for the ESP32's Xtensa core run on QEMU's `sim` machine
# (scripts/xtensa-qemu.sh builds that QEMU): C for the windowed ABI by
# Debian's clang-22 (default) or by a GCC for the ESP32 (XTENSA_CC=gcc),
# linked by GNU binutils configured for the ESP32 (scripts/xtensa-as.sh),
# start-up and setjmp/longjmp in tests/xtensa/crt0.S.
#
# usage: xtensa-qemu-test.sh hello|handshake
#   hello      start-up, window overflow/underflow, setjmp/longjmp, exit status
#   handshake  tests/xtensa/handshake.c with the core's archive: TLS 1.3 (P-256)
#              and TLS 1.2 (RSA-2048) client<->server in memory through the
#              C ABI, and an out-of-memory escape through the guard
#   host       the same harness built for the host against the host's core
#              (build-core.sh --profile=general): the control for what
#              handshake prints on Xtensa
# Inputs (fetched trees, not part of this repository):
#   QEMU_XTENSA           the qemu-system-xtensa with the esp32 core
#                         (default build/qemu-xtensa/qemu-system-xtensa)
#   XTENSA_DYNCONFIG_DIR, XTENSA_OVERLAYS_DIR   as for scripts/xtensa-as.sh
#   XTENSA_CORE_LIB       (handshake) the core's GNU-assembled archive from
#                         make cross-xtensa MODSSL_PROFILE=general (the default
#                         path is where that puts it)
#   XTENSA_CC             clang (default: Debian's clang-22, compiled to
#                         assembly and assembled by GNU as) or gcc: the
#                         harness's C by XTENSA_GCC (default
#                         xtensa-esp32-elf-gcc on PATH, else the one
#                         scripts/esp-xtensa-toolchain.sh installs in
#                         /work/trees/xtensa-esp-elf), ESP-IDF's compiler
#                         for the ESP32, with its own assembler.  Under
#                         clang the harness calls modssl_conn_new through a
#                         cast pointer (clang-22 passes a struct by value
#                         unlike GCC and rustc, docs/esp32.md); under gcc
#                         through its prototype.  Objects and ELFs of gcc in
#                         build/xtensa-qemu-test/gcc/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "xtensa-qemu-test: $*" >&2; exit 2; }
what=${1:-hello}
qemu=${QEMU_XTENSA:-$root/build/qemu-xtensa/qemu-system-xtensa}
[ -x "$qemu" ] || die "no $qemu: build it with scripts/xtensa-qemu.sh (QEMU_SRC_DIR, XTENSA_OVERLAYS_DIR) or set QEMU_XTENSA"
# (the list read whole first: grep -q quitting early would SIGPIPE qemu under pipefail)
cpus=$("$qemu" -cpu help) && grep -qw esp32 <<<"$cpus" || die "$qemu has no esp32 core (-cpu help)"
xcc=${XTENSA_CC:-clang}
case $xcc in
clang) clang=$(command -v clang-22) || die "no clang-22 (Debian bookworm-security: apt-get install clang-22)";;
gcc) gcc=${XTENSA_GCC:-$(command -v xtensa-esp32-elf-gcc || echo /work/trees/xtensa-esp-elf/bin/xtensa-esp32-elf-gcc)}
    [ -x "$gcc" ] || die "no $gcc: build the ESP32 GCC with scripts/esp-xtensa-toolchain.sh, or set XTENSA_GCC"
    case $("$gcc" -dM -E -x c /dev/null) in *"__XTENSA_WINDOWED_ABI__ 1"*) ;; *) false;; esac ||
        die "$gcc does not compile for the windowed ABI (no __XTENSA_WINDOWED_ABI__)";;
*) die "XTENSA_CC=$xcc: clang or gcc";;
esac
tools=$("$root/scripts/xtensa-as.sh") || die "scripts/xtensa-as.sh failed"
src=$root/tests/xtensa
out=$root/build/xtensa-qemu-test # certs.h; clang's objects
obj=$out
if [ $xcc = gcc ]; then obj=$out/gcc; fi
mkdir -p "$obj"
# clang-22's driver refuses -mcpu=esp32 ("unknown target CPU", though
# -print-supported-cpus lists it); the features name the ESP32's options, and
# +windowed selects the windowed ABI (entry/callx8/retw) that ESP-IDF's code uses.
if [ $xcc = clang ]; then
    CFLAGS="--target=xtensa -O2 -fno-addrsig -ffreestanding -fno-builtin -nostdinc -isystem $src/include
 -isystem $(dirname "$($clang -print-file-name=include/stddef.h)")
 -Xclang -target-feature -Xclang +windowed -Xclang -target-feature -Xclang +mul32
 -Xclang -target-feature -Xclang +mul32high -Xclang -target-feature -Xclang +div32
 -Xclang -target-feature -Xclang +nsa -Xclang -target-feature -Xclang +minmax
 -Xclang -target-feature -Xclang +sext -Xclang -target-feature -Xclang +loop
 -Xclang -target-feature -Xclang +s32c1i -Xclang -target-feature -Xclang +mac16
 -Xclang -target-feature -Xclang +density"
else
    # GCC: the windowed ABI is its default for this core (checked above);
    # -mlongcalls as ESP-IDF builds (calls reach across the 4 MiB of IRAM);
    # -nostdinc: only GCC's freestanding headers and tests/xtensa/include,
    # not newlib's (its setjmp.h is not crt0's).
    # --noexecstack: xtensa-elf GCC writes no .note.GNU-stack, and ld warns.
    CFLAGS="-O2 -mlongcalls -ffreestanding -fno-builtin -nostdinc -isystem $src/include
 -isystem $("$gcc" -print-file-name=include) -Wa,--noexecstack"
fi
cc_obj() { # C file -> object
    local c=$1 o=$2
    if [ $xcc = gcc ]; then
        # its own assembler (binutils 2.40 with the esp32 core); the .s kept to read
        "$gcc" $CFLAGS ${EXTRA_CFLAGS:-} -S -o "$o.s" "$c" || die "$gcc failed on $c"
        "$gcc" $CFLAGS -c -o "$o" "$o.s" || die "$gcc failed to assemble $o.s"
    else # through GNU as (LLVM's own assembler misplaces literal pools)
        $clang $CFLAGS ${EXTRA_CFLAGS:-} -S -o "$o.s" "$c" || die "clang-22 failed on $c"
        "$tools/as" --longcalls -o "$o" "$o.s" || die "GNU as failed on $o.s"
    fi
}
if [ $xcc = gcc ]; then
    "$gcc" -c -o "$obj/crt0.o" "$src/crt0.S" || die "crt0.S did not assemble"
else
    "$tools/as" -o "$obj/crt0.o" <(clang-22 --target=xtensa -E -P -x assembler-with-cpp "$src/crt0.S") ||
        die "crt0.S did not assemble"
fi
if [ $xcc = gcc ]; then echo "C: $("$gcc" --version | head -1)"; else echo "C: $($clang --version | head -1)"; fi

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
gen_certs() {
    # the test certificates as C data
    python3 - "$root/modssl_rs/tests-data/certs" > "$out/certs.h" <<'PY'
import sys, pathlib
d = pathlib.Path(sys.argv[1])
def text(name, f):
    s = (d / f).read_text()
    body = "".join('"%s\\n"\n' % l.replace('\\', '\\\\').replace('"', '\\"') for l in s.splitlines())
    print("static const char %s[] =\n%s;" % (name, body))
def der(name, f):
    b = (d / f).read_bytes()
    print("static const unsigned char %s[%d] = {%s};" % (name, len(b), ",".join(str(x) for x in b)))
text("ROOT_CA_PEM", "root-ca.pem")
text("LEAF_P256_CHAIN_PEM", "leaf-p256-chain.pem")
text("LEAF_P256_KEY", "leaf-p256.key")
text("LEAF_RSA2048_PEM", "leaf-rsa2048.pem")
text("LEAF_RSA2048_KEY", "leaf-rsa2048.key")
der("LEAF_P256_DER", "leaf-p256.der")
der("INTER_CA_DER", "inter-ca.der")
der("LEAF_RSA2048_DER", "leaf-rsa2048.der")
PY
}
case $what in
hello)
    cc_obj "$src/hello.c" "$obj/hello.o"
    "$tools/ld" -T "$src/link.ld" -o "$obj/hello.elf" "$obj/crt0.o" "$obj/hello.o" || die "link failed"
    run "$obj/hello.elf"
    echo "exit status $rc (hello's main returns 7)"
    [ $rc = 7 ] || die "hello: exit status $rc, expected 7"
    ;;
handshake)
    lib=${XTENSA_CORE_LIB:-$root/target/mpy-xtensa-esp32-none-elf-cas-thin/xtensa-esp32-none-elf-cas/release/gnu-general/libmodssl_rs.a}
    [ -f "$lib" ] || die "no core archive $lib: make cross-xtensa MODSSL_PROFILE=general XTENSA_DYNCONFIG_DIR=... XTENSA_OVERLAYS_DIR=... (or set XTENSA_CORE_LIB)"
    hdr=$root/micropython/modssl_rs.h
    [ -f "$hdr" ] || "$root/scripts/gen-header.sh" "$hdr" >&2
    gen_certs
    EXTRA_CFLAGS="-I$root/micropython -I$out" cc_obj "$src/handshake.c" "$obj/handshake.o"
    "$tools/ld" -T "$src/link.ld" --gc-sections -Map="$obj/handshake.map" -o "$obj/handshake.elf" \
        "$obj/crt0.o" "$obj/handshake.o" "$lib" || die "link failed"
    "$tools/size" -A "$obj/handshake.elf" | awk '$1 ~ /^\./ && $2 > 0 {printf "%s %s  ", $1, $2} END {print ""}'
    start=$(date +%s.%N)
    run "$obj/handshake.elf"
    echo "exit status $rc; $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s wall"
    [ $rc = 0 ] || die "handshake: exit status $rc"
    ;;
host)
    hlib=${HOST_CORE_LIB:-$("$root/scripts/build-core.sh" --profile=general)} || die "the host core did not build"
    hdr=$root/micropython/modssl_rs.h
    [ -f "$hdr" ] || "$root/scripts/gen-header.sh" "$hdr" >&2
    gen_certs
    ${HOST_CC:-cc} -O2 -no-pie -I"$root/micropython" -I"$out" -o "$out/handshake-host" \
        "$src/handshake.c" "$src/host.c" "$hlib" -lpthread -ldl -lm || die "host build failed"
    set +e; "$out/handshake-host"; rc=$?; set -e
    echo "exit status $rc (host: no instruction counts)"
    [ $rc = 0 ] || die "handshake (host): exit status $rc"
    [ $rc = 0 ] || die "host: exit status $rc"
    ;;
*) die "unknown test '$what' (hello, handshake, host)";;
esac
