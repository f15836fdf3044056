#!/usr/bin/env bash
# Build a stand-in for Espressif's riscv32-esp-elf toolchain (ESP32-C3:
# rv32imc, ilp32) out of what Debian bookworm ships, so that ESP-IDF 5.x
# firmware can be compiled and linked on a machine that cannot download
# Espressif's GCC (esp-13.2.0_20240530 for ESP-IDF v5.3.1, which builds
# MicroPython's esp32 port here: docs/esp32.md; esp-14.2.0_20241119 for
# v5.5.x).
#
# THIS IS A STAND-IN: the compiler proper is Debian's GCC 12.2
# (gcc-riscv64-unknown-elf), not Espressif's GCC 14.2. Code size and code
# generation differ; IDF's toolchain version check rejects it unless
# IDF_MAINTAINER=1 is set. Firmware built with it is good for "does it
# compile and link, how big is it roughly"; do not flash it as production
# firmware without verifying it on hardware.
#
# The pieces, and why each exists:
#   bin/riscv32-esp-elf-{gcc,g++,c++,cpp}: sh wrappers around Debian's
#       riscv64-unknown-elf-gcc/g++ (see write_wrappers for what they add);
#   bin/riscv32-esp-elf-{ar,objcopy,nm,...}: symlinks to Debian's binutils
#       2.40, which take the target from the files; riscv32-esp-elf-as and
#       -ld are sh wrappers that default to rv32imc/ilp32 and elf32lriscv
#       (Debian's default to rv64; gcc passes these itself);
#   lib/riscv32-esp-elf.specs: a GCC specs file the wrappers pass, which
#       (1) maps -march=rv32imc_zicsr_zifencei (what IDF passes) onto
#       Debian's rv32im/ilp32 libgcc multilib (GCC 12 picks multilibs by
#       exact -march string, so without this it links the rv64 libgcc),
#       (2) replaces GCC's header search path with newlib's (Debian's GCC
#       was built --with-headers=no: no C library, no fixincluded limits.h),
#       (3) links -lc -lnosys -lc like Espressif's GCC (libgloss
#       riscv/default.specs), not Debian's -lc -lgloss;
#   riscv32-esp-elf/include-fixed/{limits,syslimits}.h: GCC's limits.h as a
#       GCC built with a C library installs it (chains to newlib's
#       limits.h), made from GCC_SRC's limitx.h/glimits.h/limity.h;
#   riscv32-esp-elf/{include,lib}: newlib from espressif/newlib-esp32
#       (IDF's newlib component expects its retargetable locks, small reent,
#       __sglue, 64-bit time_t, ...), configured like crosstool-NG's
#       riscv32-esp-elf sample; plus a nano-formatted-io build installed as
#       libc_nano.a/libg_nano.a/libm_nano.a for --specs=nano.specs
#       (CONFIG_NEWLIB_NANO_FORMAT), and libgloss (libnosys.a, nano.specs);
#   riscv32-esp-elf/include/c++/12.2.0, riscv32-esp-elf/lib/libstdc++.a,
#       libsupc++.a: libstdc++-v3 from Debian's gcc-12 source (same version
#       as the compiler), built for rv32imc/ilp32 against that newlib with
#       the posix thread model and exceptions, as Espressif configures it;
#       IDF's cxx and nvs_flash components need it.
#   libgcc is Debian's rv32im/ilp32 multilib (rv32im code runs on rv32imc).
#
# Usage:
#   NEWLIB_ESP32_DIR=/path/to/newlib-esp32-worktree \
#   GCC_SRC=/path/to/gcc-12.2.0 \
#   [PREFIX=/work/trees/riscv32-esp-elf] [BUILD_DIR=$PREFIX.build] [JOBS=2] \
#   scripts/esp-riscv-toolchain.sh
# then put $PREFIX/bin on PATH. GCC_SRC may be left unset: the tarball from
# Debian's gcc-12-source package is then unpacked to $BUILD_DIR/gcc-12.2.0.
# Each step is skipped when what it installs is already there (delete the
# file named in the step's message to redo it). If newlib-esp32's
# newlib/Makefile.in is missing (GitHub snapshots may omit it: 6 MB,
# generated), it is regenerated in NEWLIB_ESP32_DIR with autoconf 2.69 and
# automake.
#
# Deviations from Espressif's toolchain (besides GCC 12.2 for 14.2):
# single multilib (rv32imc/ilp32 only: no rv32imac/rv32imafc for other
# chips); libgcc is Debian's (-Os -mcmodel=medany, thread model "single":
# its unwinder's frame-registration lock is a no-op); newlib is the newest
# esp-4.3.0 tag in the snapshot, not necessarily the one in
# esp-14.2.0_20241119.
set -euo pipefail

: "${NEWLIB_ESP32_DIR:?set NEWLIB_ESP32_DIR to a work tree of espressif/newlib-esp32 (esp-4.3.0_* tag)}"
PREFIX=${PREFIX:-/work/trees/riscv32-esp-elf}
BUILD_DIR=${BUILD_DIR:-$PREFIX.build}
JOBS=${JOBS:-2}
GCC_SRC=${GCC_SRC:-}
T=riscv32-esp-elf
D=riscv64-unknown-elf
NICE="nice -n 5"
ARCH_FLAGS="-march=rv32imc_zicsr_zifencei -mabi=ilp32"

die() { echo "esp-riscv-toolchain: $*" >&2; exit 1; }
step() {  # step NAME FUNCTION: run FUNCTION, print how long it took
    local t0=$SECONDS
    echo "== $1" >&2
    "$2"
    echo "== $1: $((SECONDS - t0)) s" >&2
}

# ---- Debian packages ------------------------------------------------------
deps() {
    local pkgs="gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf gcc-12-source texinfo autoconf2.69 automake make xz-utils"
    local p missing=
    for p in $pkgs; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    local sudo=
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || die "missing Debian packages:$missing (need root or sudo to install them)"
        sudo=sudo
    fi
    echo "apt-get install:$missing" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
}

check_inputs() {
    [ -f "$NEWLIB_ESP32_DIR/newlib/libc/include/sys/config.h" ] \
        || die "NEWLIB_ESP32_DIR=$NEWLIB_ESP32_DIR is not a newlib-esp32 work tree"
    grep -q "Espressif-specific" "$NEWLIB_ESP32_DIR/newlib/libc/include/sys/config.h" \
        || die "$NEWLIB_ESP32_DIR is plain newlib, not espressif/newlib-esp32"
    [ "$($D-gcc -dumpversion)" = 12.2.0 ] || die "expected Debian's $D-gcc 12.2.0, got $($D-gcc -dumpversion)"
    if [ -z "$GCC_SRC" ]; then
        GCC_SRC=$BUILD_DIR/gcc-12.2.0
        if [ ! -f "$GCC_SRC/libstdc++-v3/configure" ]; then
            local tb=/usr/src/gcc-12/gcc-12.2.0-dfsg.tar.xz
            [ -f "$tb" ] || die "no GCC_SRC and no $tb (package gcc-12-source)"
            mkdir -p "$BUILD_DIR"
            echo "unpacking $tb" >&2
            tar -C "$BUILD_DIR" -xf "$tb"
        fi
    fi
    [ -f "$GCC_SRC/libstdc++-v3/configure" ] || die "GCC_SRC=$GCC_SRC has no libstdc++-v3/configure"
    [ "$(cat "$GCC_SRC/gcc/BASE-VER")" = 12.2.0 ] || die "GCC_SRC=$GCC_SRC is not GCC 12.2.0 (the compiler's version)"
}

# ---- wrappers, specs, limits.h ---------------------------------------------
write_wrappers() {
    local gv gccinc
    gv=$($D-gcc -dumpversion)
    gccinc=$($D-gcc -print-file-name=include)
    mkdir -p "$PREFIX/bin" "$PREFIX/lib" "$PREFIX/$T/include-fixed"

    # limits.h as GCC installs it when it has a C library to chain to
    # (gcc/Makefile.in: limitx.h + glimits.h + limity.h; syslimits.h is
    # gsyslimits.h). Debian's include-fixed/limits.h is glimits.h alone, so
    # newlib's limits.h (PATH_MAX, ...) would never be reached.
    cat "$GCC_SRC/gcc/limitx.h" "$GCC_SRC/gcc/glimits.h" "$GCC_SRC/gcc/limity.h" \
        > "$PREFIX/$T/include-fixed/limits.h"
    cp "$GCC_SRC/gcc/gsyslimits.h" "$PREFIX/$T/include-fixed/syslimits.h"

    # C++ statics' destructors go through atexit(), not __cxa_atexit():
    # Espressif's GCC is configured without __cxa_atexit (crosstool-NG's
    # samples/xtensa-esp32-elf: "CT_CC_CXA_ATEXIT is not set"), and ESP-IDF
    # links no crtbegin.o, so nothing defines the __dso_handle that
    # __cxa_atexit registrations name (libstdc++'s eh_globals.o among them).
    # Specs. *multilib_matches cannot be appended to (a "+ " append leaves
    # a space GCC rejects), so Debian's string is copied and one entry added:
    # rv32imc_zicsr_zifencei is treated as rv32imc, which Debian's
    # MULTILIB_REUSE already maps to the rv32im/ilp32 libgcc.
    # Header search, in the order a GCC built with newlib uses: GCC's own
    # include, the fixed limits.h, newlib (C++ headers go in front, added by
    # the g++ wrapper). -nostdinc drops Debian's include-fixed.
    local matches
    # (sed reads to the end: quitting early would SIGPIPE gcc, fatal with
    # pipefail.)
    matches=$($D-gcc -dumpspecs | sed -n '/^\*multilib_matches:/{n;p}')
    case $matches in *march=rv32imc\ march=rv32imc\;*) ;; *) die "Debian's $D-gcc has no rv32imc multilib match";; esac
    cat > "$PREFIX/lib/$T.specs" <<EOF
# Written by scripts/esp-riscv-toolchain.sh (modssl-rs); see its header.
*multilib_matches:
${matches}march=rv32imc_zicsr_zifencei march=rv32imc;

*cpp_unique_options:
+ %{!nostdinc:-nostdinc -isystem $gccinc -isystem $PREFIX/$T/include-fixed -isystem $PREFIX/$T/include}

*lib:
-lc -lnosys -lc

*cc1plus:
+ %{!fuse-cxa-atexit:-fno-use-cxa-atexit}

EOF

    # The drivers. Same script for gcc/g++/c++/cpp, with the Debian driver
    # name filled in.
    local name drv
    for name in gcc g++ c++ cpp; do
        case $name in gcc) drv=$D-gcc;; cpp) drv=$D-cpp;; *) drv=$D-g++;; esac
        rm -f "$PREFIX/bin/$T-$name"
        cat > "$PREFIX/bin/$T-$name" <<EOF
#!/bin/sh
# $T-$name: stand-in for Espressif's GCC 14.2, running Debian's GCC $gv
# ($drv). Written by scripts/esp-riscv-toolchain.sh (modssl-rs).
# It adds only what Debian's multi-target driver lacks for this target:
#  - -march/-mabi for the ESP32-C3 when none is given (Debian's default is
#    rv64imafdc/lp64d);
#  - -specs=lib/$T.specs: the rv32imc_zicsr_zifencei -> rv32im/ilp32 libgcc
#    multilib mapping, newlib's headers, Espressif's default libraries;
#  - -B$T/lib/: newlib, libgloss, libstdc++ and nano.specs are found there;
#  - for C++: libstdc++'s headers (unless -nostdinc/-nostdinc++);
#  - -dumpmachine answers $T, the name IDF looks the tool up by.
P=\$(cd "\$(dirname "\$0")/.." && pwd)
arch= abi= cxxinc=$( [ "$name" = "g++" ] || [ "$name" = "c++" ] && echo 1)
for a in "\$@"; do
    case \$a in
        -march=*) arch=1;;
        -mabi=*) abi=1;;
        -nostdinc|-nostdinc++) cxxinc=;;
        -dumpmachine) [ \$# = 1 ] && { echo $T; exit 0; };;
    esac
done
[ -n "\$cxxinc" ] && set -- -isystem "\$P/$T/include/c++/$gv" -isystem "\$P/$T/include/c++/$gv/$T" -isystem "\$P/$T/include/c++/$gv/backward" "\$@"
[ -n "\$abi" ] || set -- -mabi=ilp32 "\$@"
[ -n "\$arch" ] || set -- -march=rv32imc_zicsr_zifencei "\$@"
exec $drv -specs="\$P/lib/$T.specs" -B"\$P/$T/lib/" "\$@"
EOF
        chmod +x "$PREFIX/bin/$T-$name"
    done
    # The specs file holds absolute paths; the drivers find it relative to
    # themselves, so moving PREFIX needs this step rerun (rm lib/$T.specs).

    # as and ld run directly (not through gcc) default to rv64 (as:
    # rv64imafdc/lp64d, ld: elf64lriscv); give them the ESP32-C3's unless
    # the caller chose.
    # (rm first: an older PREFIX has symlinks to /usr/bin here, and
    # "cat >" would write through them.)
    rm -f "$PREFIX/bin/$T-as" "$PREFIX/bin/$T-ld" "$PREFIX/bin/$T-ld.bfd"
    cat > "$PREFIX/bin/$T-as" <<EOF
#!/bin/sh
# $T-as: Debian's $D-as, rv32imc/ilp32 by default (scripts/esp-riscv-toolchain.sh)
arch= abi=
for a in "\$@"; do case \$a in -march=*) arch=1;; -mabi=*) abi=1;; esac; done
[ -n "\$abi" ] || set -- -mabi=ilp32 "\$@"
[ -n "\$arch" ] || set -- -march=rv32imc_zicsr_zifencei "\$@"
exec $D-as "\$@"
EOF
    local l
    for l in ld ld.bfd; do
        cat > "$PREFIX/bin/$T-$l" <<EOF
#!/bin/sh
# $T-$l: Debian's $D-$l, emulation elf32lriscv by default (scripts/esp-riscv-toolchain.sh)
for a in "\$@"; do case \$a in -m|-m?*|--help|--version|-v|-V) exec $D-$l "\$@";; esac; done
exec $D-$l -m elf32lriscv "\$@"
EOF
    done
    chmod +x "$PREFIX/bin/$T-as" "$PREFIX/bin/$T-ld" "$PREFIX/bin/$T-ld.bfd"

    local b
    for b in addr2line ar c++filt elfedit gprof nm objcopy objdump ranlib readelf size strings strip gcc-ar gcc-nm gcc-ranlib gcov; do
        command -v "$D-$b" >/dev/null && ln -sfn "$(command -v "$D-$b")" "$PREFIX/bin/$T-$b"
    done
    # gdb: Debian's gdb-multiarch, if installed, debugs rv32 too.
    if command -v gdb-multiarch >/dev/null; then ln -sfn "$(command -v gdb-multiarch)" "$PREFIX/bin/$T-gdb"; fi
    return 0
}

# ---- newlib -----------------------------------------------------------------
newlib_regen() {
    [ -f "$NEWLIB_ESP32_DIR/newlib/Makefile.in" ] && return 0
    echo "newlib/Makefile.in missing: regenerating it with autoconf 2.69 + automake $(automake --version | sed -n '1s/.* //p')" >&2
    (cd "$NEWLIB_ESP32_DIR/newlib" &&
        export AUTOCONF=autoconf2.69 AUTOM4TE=autom4te2.69 AUTOHEADER=autoheader2.69 &&
        aclocal -I . -I .. -I ../config && autoconf2.69 && autoheader2.69 && automake --foreign Makefile)
    # Makefile.am copies ldexp, frexp, modf, ... from libm.a into libc.a by
    # object name (MATHOBJS_IN_LIBC), written as automake 1.15 names them
    # (libm_a-s_ldexp.o). Automake 1.16 names them differently (a-s_ldexp.o):
    # use the names it did generate.
    local mi=$NEWLIB_ESP32_DIR/newlib/Makefile.in pfx
    pfx=$(grep -m1 -o 'libm/common/[A-Za-z_]*-s_fpclassify\.\$(OBJEXT)' "$mi" | sed 's|libm/common/||; s|s_fpclassify.*||')
    [ -n "$pfx" ] || die "cannot find libm's object prefix in $mi"
    [ "$pfx" = libm_a- ] || sed -i "s/libm_a-\([A-Za-z0-9_]*\.o\)/$pfx\1/g" "$mi"
}

# crosstool-NG's riscv32-esp-elf sample (espressif/crosstool-NG), minus
# --enable-newlib-long-time_t: IDF 5 uses a 64-bit time_t.
NEWLIB_COMMON="--disable-multilib --disable-newlib-supplied-syscalls --enable-newlib-reent-small
    --enable-newlib-retargetable-locking --enable-newlib-nano-malloc --disable-newlib-wide-orient
    --enable-target-optspace"
NEWLIB_FULL="$NEWLIB_COMMON --enable-newlib-io-float --disable-newlib-io-long-double
    --enable-newlib-io-pos-args --enable-newlib-io-c99-formats --enable-newlib-io-long-long
    --disable-newlib-nano-formatted-io"
NEWLIB_NANO="$NEWLIB_COMMON --disable-newlib-io-c99-formats --enable-newlib-nano-formatted-io"
NEWLIB_CFLAGS="-g -Os -ffunction-sections -fdata-sections"

newlib_build() {  # newlib_build DIR OPTIONS [make-install-args]
    local dir=$1 opts=$2; shift 2
    rm -rf "$dir"; mkdir -p "$dir"
    (cd "$dir" &&
        CC_FOR_TARGET=$T-gcc CXX_FOR_TARGET=$T-g++ AR_FOR_TARGET=$T-ar RANLIB_FOR_TARGET=$T-ranlib \
        AS_FOR_TARGET=$T-as LD_FOR_TARGET=$T-ld NM_FOR_TARGET=$T-nm \
        OBJDUMP_FOR_TARGET=$T-objdump READELF_FOR_TARGET=$T-readelf STRIP_FOR_TARGET=$T-strip \
        CFLAGS_FOR_TARGET="$ARCH_FLAGS $NEWLIB_CFLAGS" \
        "$NEWLIB_ESP32_DIR/configure" --target=$T --prefix="$PREFIX" $opts > configure.log 2>&1 \
            || { tail -30 configure.log; die "newlib configure failed in $dir (configure.log)"; }
        $NICE make -j"$JOBS" > make.log 2>&1 || { tail -40 make.log; die "newlib build failed in $dir (make.log)"; }
        make install "$@" > install.log 2>&1 || { tail -30 install.log; die "newlib install failed in $dir (install.log)"; })
}

newlib_full() {
    if [ -f "$PREFIX/$T/lib/libc.a" ] && [ -f "$PREFIX/$T/include/newlib.h" ]; then
        echo "newlib: have $PREFIX/$T/lib/libc.a" >&2; return 0
    fi
    newlib_regen
    newlib_build "$BUILD_DIR/newlib" "$NEWLIB_FULL"
    [ -f "$PREFIX/$T/lib/libc.a" ] || die "newlib installed no $PREFIX/$T/lib/libc.a"
}

newlib_nano() {
    if [ -f "$PREFIX/$T/lib/libc_nano.a" ]; then
        echo "newlib nano: have $PREFIX/$T/lib/libc_nano.a" >&2; return 0
    fi
    newlib_regen
    local stage=$BUILD_DIR/newlib-nano-stage
    rm -rf "$stage"
    newlib_build "$BUILD_DIR/newlib-nano" "$NEWLIB_NANO" DESTDIR="$stage"
    local l
    for l in c g m; do
        cp "$stage$PREFIX/$T/lib/lib$l.a" "$PREFIX/$T/lib/lib${l}_nano.a"
    done
}

# ---- libstdc++ ----------------------------------------------------------------
# libstdc++-v3 configured on its own (no GCC build): --host is the target.
# Its configure takes the thread model from "$CXX -v" ("Thread model:");
# Debian's driver says "single", so configure runs through a build-local
# shim that says "posix" (what Espressif's GCC is built with,
# --enable-threads=posix; IDF's pthread component provides the functions).
# The installed drivers are not changed.
libstdcxx() {
    if [ -f "$PREFIX/$T/lib/libstdc++.a" ] && [ -f "$PREFIX/$T/lib/libsupc++.a" ]; then
        echo "libstdc++: have $PREFIX/$T/lib/libstdc++.a" >&2; return 0
    fi
    [ -f "$PREFIX/$T/lib/libc.a" ] || die "libstdc++ needs newlib in $PREFIX first"
    local dir=$BUILD_DIR/libstdc++ gv
    gv=$($D-gcc -dumpversion)
    rm -rf "$dir"; mkdir -p "$dir/shim"
    # (g++: -nostdinc++, the build uses its own headers, not an earlier
    # install's.)
    local n x
    for n in gcc g++; do
        x=; [ $n = g++ ] && x=-nostdinc++
        cat > "$dir/shim/$T-$n" <<EOF
#!/bin/sh
# build-local: report the posix thread model to libstdc++'s configure
if [ "\$*" = -v ]; then "$PREFIX/bin/$T-$n" -v 2>&1 | sed 's/^Thread model: single\$/Thread model: posix/' >&2; exit 0; fi
exec "$PREFIX/bin/$T-$n" $x "\$@"
EOF
        chmod +x "$dir/shim/$T-$n"
    done
    # configure decides std::chrono's clocks and this_thread::sleep_for by
    # link tests of clock_gettime, nanosleep, sched_yield, gettimeofday.
    # newlib-esp32 leaves them to IDF (newlib and pthread components), so
    # the tests would fail and the clocks fall back to time(): configure
    # links against stubs standing for IDF's functions (LIBS is cleared
    # afterwards; libstdc++.a itself links nothing). Espressif's libstdc++
    # has these clocks (IDF's C++ tests use steady_clock and sleep_for).
    cat > "$dir/idf-provided.c" <<'EOF'
/* configure-time stand-ins for functions ESP-IDF provides */
struct timespec; struct timeval;
int clock_gettime(int c, struct timespec *t) { (void)c; (void)t; return 0; }
int nanosleep(const struct timespec *r, struct timespec *m) { (void)r; (void)m; return 0; }
int sched_yield(void) { return 0; }
int gettimeofday(struct timeval *t, void *z) { (void)t; (void)z; return 0; }
EOF
    "$PREFIX/bin/$T-gcc" -c -o "$dir/idf-provided.o" "$dir/idf-provided.c"
    # (g++ links -lstdc++, which does not exist yet: an empty one.)
    mkdir -p "$dir/conflib"
    $T-ar rc "$dir/conflib/libstdc++.a"
    # configure's gthreads check compiles libgcc's gthr.h, which includes
    # the gthr-default.h a GCC build leaves in <build>/libgcc; without it
    # _GLIBCXX_HAS_GTHREADS stays off (no std::mutex, std::thread).
    mkdir -p "$BUILD_DIR/libgcc"
    cp "$GCC_SRC/libgcc/gthr-posix.h" "$BUILD_DIR/libgcc/gthr-default.h"
    (cd "$dir" &&
        CC="$dir/shim/$T-gcc" CXX="$dir/shim/$T-g++" \
        AR=$T-ar RANLIB=$T-ranlib AS=$T-as LD=$T-ld NM=$T-nm \
        CFLAGS="-g -O2" CXXFLAGS="-g -O2" LIBS="-L$dir/conflib $dir/idf-provided.o" \
        "$GCC_SRC/libstdc++-v3/configure" --host=$T --target=$T --build="$("$GCC_SRC/config.guess")" \
            --prefix="$PREFIX" --libdir="$PREFIX/$T/lib" \
            --with-gxx-include-dir="$PREFIX/$T/include/c++/$gv" \
            --with-newlib --disable-multilib --disable-shared --enable-static \
            --disable-libstdcxx-pch --disable-nls --disable-libstdcxx-verbose \
            --enable-libstdcxx-time=yes --enable-cxx-flags=-ffunction-sections \
            > configure.log 2>&1 || { tail -30 configure.log; die "libstdc++ configure failed in $dir (configure.log)"; }
        grep -q '^thread_header = gthr-posix.h' include/Makefile || die "libstdc++ configured without posix threads ($dir/include/Makefile)"
        grep -q '^#define _GLIBCXX_HAS_GTHREADS 1' config.h || die "libstdc++ configured without gthreads ($dir/config.log)"
        # configure appends the driver's multilib directory (rv32im/ilp32,
        # a Debian name) to the install directory; install beside newlib.
        find . -name Makefile -exec sed -i -e "s|^glibcxx_toolexeclibdir = .*|glibcxx_toolexeclibdir = $PREFIX/$T/lib|" -e "s|^LIBS = .*|LIBS = |" {} +
        local m
        for m in _GLIBCXX_USE_CLOCK_MONOTONIC _GLIBCXX_USE_CLOCK_REALTIME _GLIBCXX_USE_NANOSLEEP _GLIBCXX_USE_GETTIMEOFDAY; do
            grep -q "^#define $m 1" config.h || die "libstdc++ configured without $m ($dir/config.log)"
        done
        $NICE make -j"$JOBS" > make.log 2>&1 || { tail -40 make.log; die "libstdc++ build failed in $dir (make.log)"; }
        make install > install.log 2>&1 || { tail -30 install.log; die "libstdc++ install failed in $dir (install.log)"; })
    [ -f "$PREFIX/$T/lib/libstdc++.a" ] || die "libstdc++ installed no $PREFIX/$T/lib/libstdc++.a"
}

deps
check_inputs
export PATH="$PREFIX/bin:$PATH"
step "wrappers and specs ($PREFIX/bin)" write_wrappers
step "newlib ($NEWLIB_ESP32_DIR)" newlib_full
step "libstdc++ ($GCC_SRC/libstdc++-v3)" libstdcxx
step "newlib nano" newlib_nano
echo "done: PATH=$PREFIX/bin:\$PATH; $T-gcc $($D-gcc -dumpversion) (Debian) with newlib $(git -C "$NEWLIB_ESP32_DIR" describe --tags --always 2>/dev/null || echo '?')" >&2
