#!/usr/bin/env bash
# Check the toolchain scripts/esp-riscv-toolchain.sh built: compile a C
# program (printf with float and long long, malloc, newlib's retargetable
# locks, 64-bit time_t, PATH_MAX from newlib's limits.h) and a C++ one
# (new, new (std::nothrow)[], std::vector, a static constructor, a
# std::runtime_error thrown and caught, std::mutex) for the ESP32-C3
# (-march=rv32imc_zicsr_zifencei -mabi=ilp32); check the objects are
# ELF32/ilp32; link them with the real libraries (libstdc++, libsupc++,
# newlib, libgcc; libsemihost for I/O, libnosys for the rest IDF would
# provide, e.g. getentropy) into an image for QEMU's RISC-V
# "virt" board and run it: the program traps (QEMU then spins until the
# timeout) unless every result is the expected one. Also links the C
# program with --specs=nano.specs (CONFIG_NEWLIB_NANO_FORMAT) and checks
# libc_nano's printf was used.
#
#   PREFIX=/work/trees/riscv32-esp-elf scripts/esp-riscv-toolchain-check.sh [WORKDIR]
#
# Needs qemu-system-riscv32 (Debian: qemu-system-misc) for the run; without
# it the run is skipped and said so.
set -euo pipefail
PREFIX=${PREFIX:-/work/trees/riscv32-esp-elf}
W=${1:-$(mktemp -d)}
mkdir -p "$W"; cd "$W"
export PATH="$PREFIX/bin:$PATH"
T=riscv32-esp-elf
F="-march=rv32imc_zicsr_zifencei -mabi=ilp32 -Os"
fail() { echo "FAIL: $*" >&2; exit 1; }

cat > t.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/lock.h>
#include <time.h>

_Static_assert(sizeof(time_t) == 8, "IDF 5 wants 64-bit time_t");
_Static_assert(PATH_MAX > 0, "newlib limits.h reached");

static _LOCK_T lk;

int c_main(void) {
    __lock_init(lk);
    __lock_acquire(lk);
    char *p = malloc(64);
    snprintf(p, 64, "%d %lld %.3f", 1, 2LL, 3.5);
    printf("%s\n", p);
    __lock_release(lk);
    __lock_close(lk);
    int n = (int)strlen(p);   /* "1 2 3.500" */
    free(p);
    return n;
}
EOF
cat > t.cpp <<'EOF'
#include <new>
#include <vector>
#include <stdexcept>
#include <cstdio>
#include <mutex>

struct Init { int v; Init() : v(42) {} };
static Init g_init;                       // static constructor

static int thrower(int x) {
    if (x > 1) throw std::runtime_error("boom");
    return x;
}

extern "C" int cxx_main(void) {
    int *p = new int(7);
    int *q = new (std::nothrow) int[4];
    std::vector<int> v;
    for (int i = 0; i < 10; i++) v.push_back(i * g_init.v);
    int r = 0;
    try {
        thrower(5);
    } catch (const std::exception &e) {
        r = 1;
        std::printf("caught %s\n", e.what());
    }
    static std::mutex m;
    { std::lock_guard<std::mutex> g(m); r += v[3]; }
    delete p;
    delete[] q;
    return r;                             // 1 + 3 * 42
}
EOF
cat > main.c <<'EOF'
#include <stdio.h>
#include <reent.h>
int c_main(void);
int cxx_main(void);
/* IDF provides this (per-task reent); newlib-esp32 is built __DYNAMIC_REENT__ */
struct _reent *__getreent(void) { return _GLOBAL_REENT; }
int main(void) {
    int a = c_main();
    int b = cxx_main();
    printf("c_main=%d cxx_main=%d\n", a, b);
    if (!(a == 9 && b == 127)) __builtin_trap();
    return 0;
}
EOF
cat > start.S <<'EOF'
/* for qemu-system-riscv32 -M virt -bios none: starts at 0x80000000 */
  .section .text.start, "ax"
  .global _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la sp, __stack_top
  la a0, __bss_start
  la a2, _end
  sub a2, a2, a0
  li a1, 0
  call memset
  call __libc_init_array
  li a0, 0
  li a1, 0
  call main
  tail exit
EOF

$T-gcc $F -c t.c -o t.o
$T-g++ $F -c t.cpp -o tcpp.o
$T-gcc $F -c main.c -o main.o
$T-gcc $F -c start.S -o start.o
for o in t.o tcpp.o; do
    $T-readelf -h "$o" | grep -q 'Class: *ELF32' || fail "$o is not ELF32"
    $T-readelf -h "$o" | grep -q 'Flags: *0x1, RVC, soft-float ABI' || fail "$o is not rv32 C / ilp32 soft-float"
    echo "$o: $($T-readelf -A "$o" | sed -n 's/.*Tag_RISCV_arch: //p')"
done

# The default script, loaded at the virt board's RAM with _start first.
$T-ld --verbose | sed -n '/^==========/,/^==========/p' | sed '1d;$d' \
    | sed 's/PROVIDE (__executable_start = SEGMENT_START("text-segment", 0x10000)); \. = SEGMENT_START("text-segment", 0x10000) + SIZEOF_HEADERS;/PROVIDE (__executable_start = 0x80000000); . = 0x80000000;/' \
    | sed '0,/^  \.text  *:/s//&\n  { KEEP (*(.text.start)) }\n  .text.rest :/' > virt.ld
grep -q '0x80000000' virt.ld || fail "could not adapt ld's default script"
# -nostdlib and the libraries in a group so that crtend.o (the .eh_frame
# terminator) comes last, as the driver would put it.
crtbegin=$($T-gcc $F -print-file-name=crtbegin.o)
crtend=$($T-gcc $F -print-file-name=crtend.o)
$T-g++ $F -nostdlib start.o "$crtbegin" main.o t.o tcpp.o \
    -Wl,--start-group -lstdc++ -lsupc++ -lm -lc -lsemihost -lnosys -lgcc -Wl,--end-group "$crtend" \
    -T virt.ld -Wl,--defsym=__stack_top=0x80800000 -Wl,-Map=qemu.map -o qemu.elf
for m in 'libstdc++.a(eh_throw.o)' 'libstdc++.a(eh_personality.o)' 'libstdc++.a(new_opvnt.o)' 'libgcc.a(unwind-dw2.o)' 'libc.a(a-vfprintf.o)'; do
    grep -qF "$m" qemu.map || fail "link did not use $m"
done
echo "linked qemu.elf ($($T-size qemu.elf | awk 'NR==2{print $1" B text"}'))"

echo 'int c_main(void); int main(void) { return c_main(); }' > cmain.c
$T-gcc $F --specs=nano.specs --specs=nosys.specs t.o cmain.c -o nano.elf -Wl,-Map=nano.map 2>/dev/null \
    || fail "link with --specs=nano.specs failed"
grep -qF 'libc_nano.a(a-nano-vfprintf_i.o)' nano.map || fail "--specs=nano.specs did not link libc_nano"
echo "linked nano.elf with libc_nano"

if command -v qemu-system-riscv32 >/dev/null; then
    rc=0
    timeout 20 qemu-system-riscv32 -M virt -bios none -nographic \
        -semihosting-config enable=on,target=native -kernel qemu.elf < /dev/null || rc=$?
    [ $rc = 0 ] || fail "qemu.elf did not exit cleanly (rc $rc; 124: trapped or hung)"
    echo "qemu: qemu.elf ran to exit (results as expected)"
else
    echo "qemu-system-riscv32 missing: run skipped"
fi
echo "OK ($W)"
