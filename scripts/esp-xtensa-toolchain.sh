#!/usr/bin/env bash
# A C/C++ cross toolchain for the classic ESP32's Xtensa LX6 core (windowed
# register ABI: entry/call8/retw), installed as xtensa-esp-elf-* with
# xtensa-esp32-elf-* links (the names ESP-IDF v5.5's toolchain-esp32.cmake
# calls), built on this machine from sources we can get:
#
#   binutils 2.40   Debian's binutils-source      (/usr/src/binutils/binutils-2.40.tar.xz)
#   GCC 12.2.0      Debian's gcc-12-source        (/usr/src/gcc-12/gcc-12.2.0-dfsg.tar.xz)
#   the ESP32 core  espressif/xtensa-overlays     (xtensa_esp32/: xtensa-config.h,
#                   xtensa-modules.c; tested dd1cf19f)
#   newlib 4.3.0    espressif/newlib-esp32, branch esp-4.3.0 (tested 7cdcb0b0)
#
# It is a STAND-IN for Espressif's toolchain (esp-13.2.0_20240530 for
# ESP-IDF v5.3.1, with which it links MicroPython's ESP32 firmware here,
# docs/esp32.md; esp-14.2.0_20241119 for v5.5.x: GCC 14.2 with Espressif's
# patches, binutils 2.43,
# newlib 4.3.0), made the way crosstool-NG makes it: upstream sources with
# the core's configuration files copied over ("overlay"), then newlib and
# libstdc++ with Espressif's configure options.  Its limits:
#   - upstream GCC 12.2, not Espressif's GCC 14.2: none of Espressif's GCC
#     patches, so no -mfix-esp32-psram-cache-issue /
#     -mfix-esp32-psram-cache-strategy (ESP-IDF passes them only with
#     CONFIG_SPIRAM), no -mdynconfig, and GCC 12's diagnostics and warnings,
#     not 14's (ESP-IDF's version check wants esp-14.2.0_20241119:
#     IDF_MAINTAINER=1 makes that a warning);
#   - one core only (esp32, not esp32s2/s3), no multilibs (Espressif's have
#     psram-fix and no-rtti variants), no gdb, no LTO plugin;
#   - newlib's "nano" variant (--specs=nano.specs) is built, but no
#     libstdc++_nano;
#   - newlib-esp32's newlib/Makefile.in may be missing from a mirrored tree
#     (a large generated file): it is then regenerated here with Debian's
#     aclocal-1.16 / automake-1.16 and autoconf2.69, in a copy of the tree.
#
# Inputs (environment; each checked, with a message naming what is missing):
#   BINUTILS_SRC   dir with binutils-2.40.tar.xz or an unpacked binutils-2.40
#                  (default /usr/src/binutils: apt-get install binutils-source)
#   GCC_SRC        dir with gcc-12.2.0-dfsg.tar.xz or an unpacked gcc-12.2.0
#                  (default /usr/src/gcc-12: apt-get install gcc-12-source)
#   XTENSA_OVERLAYS_DIR  work tree of https://github.com/espressif/xtensa-overlays
#   NEWLIB_SRC     work tree of https://github.com/espressif/newlib-esp32 (esp-4.3.0)
#   PREFIX         install prefix (default /work/trees/xtensa-esp-elf)
#   XT_BUILD       build directory (default /work/trees/xtensa-esp-elf-build)
#   JOBS           make -j (default 2); NICE (default 10)
#   STEPS          which steps (default "binutils gcc newlib newlib-nano libgcc libstdcxx check")
#   NEWLIB_NANO    1 (default): also newlib's nano variant (libc_nano.a, nano.specs); 0: not
# Host packages: build-essential libgmp-dev libmpfr-dev libmpc-dev texinfo
#   flex bison, and for a tree without newlib/Makefile.in: automake autoconf2.69.
#
# Each step leaves a stamp in $XT_BUILD; running again skips what is done
# (remove $XT_BUILD/<step>.done to redo a step).  Step timings are printed.
set -euo pipefail

die() { echo "esp-xtensa-toolchain: $*" >&2; exit 2; }
log() { echo "esp-xtensa-toolchain: $*" >&2; }

# The target triple must be *-esp-*: newlib-esp32's configure.host keys
# Espressif's system directory on it (sys_dir=esp: -DGETREENT_PROVIDED
# -DSIGNAL_PROVIDED -D__ESP__..., sys/dirent.h); with xtensa-esp32-elf its
# libgloss stops ("unknown type name 'DIR'" in libnosys/dir.c).  Espressif's
# GCC 13/14 toolchains use the same triple (xtensa-esp-elf).
TARGET=xtensa-esp-elf
PREFIX=${PREFIX:-/work/trees/xtensa-esp-elf}
XT_BUILD=${XT_BUILD:-/work/trees/xtensa-esp-elf-build}
BINUTILS_SRC=${BINUTILS_SRC:-/usr/src/binutils}
GCC_SRC=${GCC_SRC:-/usr/src/gcc-12}
XTENSA_OVERLAYS_DIR=${XTENSA_OVERLAYS_DIR:-}
NEWLIB_SRC=${NEWLIB_SRC:-}
JOBS=${JOBS:-2}
NICE=${NICE:-10}
STEPS=${STEPS:-binutils gcc newlib newlib-nano libgcc libstdcxx check}
NEWLIB_NANO=${NEWLIB_NANO:-1}
run() { nice -n "$NICE" "$@"; }

# Target library flags: Espressif's (crosstool-NG samples/xtensa-esp32-elf):
# -mlongcalls for code spread over IRAM and flash, sections per function.
TFLAGS="-g -Os -mlongcalls -ffunction-sections -fdata-sections"

# --- inputs ---------------------------------------------------------------
[ -n "$XTENSA_OVERLAYS_DIR" ] || die "XTENSA_OVERLAYS_DIR is not set: a work tree of
    git clone https://github.com/espressif/xtensa-overlays   (tested dd1cf19f)"
OVL=$XTENSA_OVERLAYS_DIR/xtensa_esp32
for f in binutils/bfd/xtensa-modules.c binutils/include/xtensa-config.h gcc/include/xtensa-config.h; do
    [ -f "$OVL/$f" ] || die "XTENSA_OVERLAYS_DIR=$XTENSA_OVERLAYS_DIR has no xtensa_esp32/$f (not an xtensa-overlays tree?)"
done
[ -n "$NEWLIB_SRC" ] || die "NEWLIB_SRC is not set: a work tree of
    git clone -b esp-4.3.0 https://github.com/espressif/newlib-esp32   (tested 7cdcb0b0)"
[ -f "$NEWLIB_SRC/newlib/configure.ac" ] && [ -d "$NEWLIB_SRC/libgloss/xtensa" ] ||
    die "NEWLIB_SRC=$NEWLIB_SRC is not a newlib-esp32 tree (no newlib/configure.ac, libgloss/xtensa)"
src_of() { # $1 dir given, $2 tarball name, $3 unpacked dir name
    if [ -f "$1/$3/configure" ]; then echo "$1/$3"
    elif [ -f "$1/configure" ] && [ "$(basename "$1")" = "$3" ]; then echo "$1"
    elif [ -f "$1/$2" ]; then echo "tar:$1/$2"
    else return 1; fi
}
BU=$(src_of "$BINUTILS_SRC" binutils-2.40.tar.xz binutils-2.40) ||
    die "BINUTILS_SRC=$BINUTILS_SRC has neither binutils-2.40.tar.xz nor binutils-2.40/ (apt-get install binutils-source)"
GC=$(src_of "$GCC_SRC" gcc-12.2.0-dfsg.tar.xz gcc-12.2.0) ||
    die "GCC_SRC=$GCC_SRC has neither gcc-12.2.0-dfsg.tar.xz nor gcc-12.2.0/ (apt-get install gcc-12-source)"
for h in gmp.h mpfr.h mpc.h; do
    echo "#include <$h>" | cc -E - >/dev/null 2>&1 || die "no $h: apt-get install libgmp-dev libmpfr-dev libmpc-dev"
done

mkdir -p "$XT_BUILD" "$PREFIX"
export PATH=$PREFIX/bin:$PATH
T0=$(date +%s)
step() { # step NAME FUNCTION
    local name=$1 fn=$2 t
    case " $STEPS " in *" $name "*) ;; *) return 0;; esac
    if [ -f "$XT_BUILD/$name.done" ]; then log "step $name: done before (rm $XT_BUILD/$name.done to redo)"; return 0; fi
    t=$(date +%s); log "step $name: start $(date -u +%T)"
    # In the background so that set -e holds inside the step (it does not
    # in a function called on the left of ||).
    "$fn" > "$XT_BUILD/$name.log" 2>&1 &
    wait $! || { tail -30 "$XT_BUILD/$name.log" >&2; die "step $name failed (log: $XT_BUILD/$name.log)"; }
    touch "$XT_BUILD/$name.done"
    log "step $name: $(( $(date +%s) - t )) s (total $(( $(date +%s) - T0 )) s)"
}
unpack() { # unpack SRC-SPEC DIRNAME -> echo dir in XT_BUILD/src
    local spec=$1 name=$2
    mkdir -p "$XT_BUILD/src"
    if [ ! -f "$XT_BUILD/src/$name/.unpacked" ]; then
        rm -rf "$XT_BUILD/src/$name"
        case $spec in
            tar:*) tar -C "$XT_BUILD/src" -xJf "${spec#tar:}";;
            *) cp -a "$spec" "$XT_BUILD/src/$name";;
        esac
        touch "$XT_BUILD/src/$name/.unpacked"
    fi
    echo "$XT_BUILD/src/$name"
}

# --- binutils 2.40 with the ESP32's core compiled in ------------------------
do_binutils() {
    local s; s=$(unpack "$BU" binutils-2.40)
    cp "$OVL/binutils/bfd/xtensa-modules.c" "$s/bfd/xtensa-modules.c"
    cp "$OVL/binutils/include/xtensa-config.h" "$s/include/xtensa-config.h"
    rm -rf "$XT_BUILD/binutils" && mkdir -p "$XT_BUILD/binutils" && cd "$XT_BUILD/binutils"
    run "$s/configure" --target=$TARGET --prefix="$PREFIX" --disable-nls --disable-werror \
        --disable-gdb --disable-gdbserver --disable-sim --disable-gprofng --disable-libdecnumber \
        --disable-readline --disable-shared --enable-deterministic-archives MAKEINFO=true
    run make -j"$JOBS" MAKEINFO=true
    run make install MAKEINFO=true
}

# --- GCC 12.2: the compilers (cc1, cc1plus), no target libraries yet --------
gcc_src() {
    local s p="$GCC_SRC/debian/patches/gcc-gfdl-build.diff"; s=$(unpack "$GC" gcc-12.2.0)
    cp "$OVL/gcc/include/xtensa-config.h" "$s/include/xtensa-config.h"
    # Debian's -dfsg tarball has no GFDL texinfo (doc/tm.texi.in is a stub):
    # `make install-gcc` then stops in s-tm-texi ("genhooks: No place
    # specified to document hook TARGET_ASM_OPEN_PAREN").  Debian's own
    # patch for that, from the same source package.
    if ! grep -q 'cat $(srcdir)/doc/tm.texi.in > tmp-tm.texi' "$s/gcc/Makefile.in"; then
        [ -f "$p" ] || die "$p is missing (needed with Debian's gcc-12.2.0-dfsg tarball)"
        patch -d "$s" -p2 --forward < "$p" >&2 || die "applying $p failed"
    fi
    echo "$s"
}
do_gcc() {
    local s; s=$(gcc_src)
    rm -rf "$XT_BUILD/gcc" && mkdir -p "$XT_BUILD/gcc" && cd "$XT_BUILD/gcc"
    # Espressif's options (crosstool-NG sample): posix threads (ESP-IDF's
    # pthread), no __cxa_atexit, libstdc++ quiet and with time.  TLS stays
    # on (the default): the ESP32 has THREADPTR, FreeRTOS in ESP-IDF sets
    # it per task, and __thread must not become emutls.
    run "$s/configure" --target=$TARGET --prefix="$PREFIX" \
        --enable-languages=c,c++ --with-newlib --disable-shared --disable-nls --disable-multilib \
        --enable-threads=posix --disable-__cxa_atexit --disable-libssp --disable-libquadmath \
        --disable-libgomp --disable-lto --disable-bootstrap \
        --disable-libstdcxx-verbose --enable-libstdcxx-time=yes --enable-cxx-flags=-ffunction-sections \
        --with-pkgversion="modssl-rs stand-in for esp-14.2.0 (GCC 12.2 + xtensa-overlays esp32)" \
        CFLAGS_FOR_TARGET="$TFLAGS" CXXFLAGS_FOR_TARGET="$TFLAGS" MAKEINFO=true
    run make -j"$JOBS" all-gcc MAKEINFO=true
    run make install-gcc MAKEINFO=true
    esp_specs
}
esp_specs() {
    # Upstream GCC's xtensa/elf.h links Tensilica's simulator runtime by
    # default (LIB_SPEC "-lc -lsim -lc -lhandlers-sim -lhal", STARTFILE_SPEC
    # "crt1-sim crt0 crti crtbegin _vectors"), which no ESP32 toolchain has:
    # ESP-IDF links with -nostartfiles and the default libraries, and would
    # stop at "cannot find -lsim".  Espressif's GCC has LIB_SPEC "-lc
    # -lnosys" and STARTFILE_SPEC "crt0 crti crtbegin" (espressif/gcc,
    # gcc/config/xtensa/elf.h); a specs file beside cc1 says the same.
    local d; d="$PREFIX/lib/gcc/$TARGET/$("$PREFIX/bin/$TARGET-gcc" -dumpversion)"
    "$PREFIX/bin/$TARGET-gcc" -dumpspecs | awk '
        r != "" { print r; r = ""; next }
        /^\*lib:$/ { print; r = "-lc -lnosys"; next }
        /^\*startfile:$/ { print; r = "crt0%O%s crti%O%s crtbegin%O%s"; next }
        { print }' > "$d/specs.tmp"
    mv "$d/specs.tmp" "$d/specs"
    # The same for the build tree's xgcc, which builds libstdc++: without
    # it libstdc++'s configure cannot link (GCC_NO_EXECUTABLES) and stops at
    # --enable-libstdcxx-time=yes ("Link tests are not allowed after
    # GCC_NO_EXECUTABLES", checking for clock_gettime).
    cp "$d/specs" "$XT_BUILD/gcc/gcc/specs"
}

# --- newlib 4.3.0 (Espressif's) --------------------------------------------
newlib_tree() { # a copy, with newlib/Makefile.in regenerated if it is missing
    local s="$XT_BUILD/src/newlib-esp32"
    if [ ! -f "$s/.prepared" ]; then
        rm -rf "$s"; mkdir -p "$XT_BUILD/src"
        cp -a "$NEWLIB_SRC" "$s"; rm -rf "$s/.git"
        # newlib-esp32's own xtensa/config/core-isa.h stays: inside newlib it
        # takes __XCHAL_* from a dynconfig GCC (13+) or else the ESP32's values
        # (windowed, 64 ARs, FP with sqrt, no DFP: the overlay's, checked
        # 2026-12-07), outside it #include_next's ESP-IDF's own core-isa.h,
        # as Espressif's toolchain installs it.
        if [ ! -f "$s/newlib/Makefile.in" ]; then
            command -v automake-1.16 >/dev/null && command -v autoconf2.69 >/dev/null ||
                die "newlib/Makefile.in is missing in NEWLIB_SRC and automake-1.16/autoconf2.69 are not installed (apt-get install automake autoconf2.69)"
            # newlib's config/override.m4 insists on autoconf 2.69; aclocal.m4
            # and configure are regenerated too, to match automake 1.16.
            # automake 1.16 would shorten the object names (libm_a-s_ldexp.o
            # becomes a-s_ldexp.o under subdir-objects), which breaks
            # Makefile.am's MATHOBJS_IN_LIBC list ("libc/libm_a-s_fpclassify.o:
            # No such file or directory" when libc.a is made): _SHORTNAME
            # keeps 1.15's names.
            printf '\nlibc_a_SHORTNAME = libc_a\nlibm_a_SHORTNAME = libm_a\n' >> "$s/newlib/Makefile.am"
            (cd "$s/newlib" && export AUTOM4TE=autom4te2.69 AUTOCONF=autoconf2.69 &&
             aclocal-1.16 -I .. -I ../config && autoconf2.69 && automake-1.16 --foreign) ||
                die "regenerating newlib/Makefile.in failed"
        fi
        touch "$s/.prepared"
    fi
    echo "$s"
}
newlib_build() { # DIR EXTRA-CONFIG...
    local s d=$1; shift; s=$(newlib_tree)
    rm -rf "$d" && mkdir -p "$d" && cd "$d"
    run "$s/configure" --target=$TARGET --prefix="$PREFIX" "$@" CFLAGS_FOR_TARGET="$TFLAGS" MAKEINFO=true
    run make -j"$JOBS" MAKEINFO=true
}
NEWLIB_OPTS="--disable-newlib-supplied-syscalls --enable-newlib-reent-small --enable-newlib-long-time_t
 --enable-newlib-nano-malloc --enable-newlib-retargetable-locking --enable-newlib-io-c99-formats
 --enable-newlib-io-long-long --enable-newlib-io-float --enable-newlib-io-pos-args
 --disable-newlib-wide-orient --enable-target-optspace"
do_newlib() {
    # shellcheck disable=SC2086
    newlib_build "$XT_BUILD/newlib" $NEWLIB_OPTS
    run make install MAKEINFO=true
}
do_newlib_nano() {
    # The "nano" variant (small printf/scanf), which MicroPython's esp32
    # boards use (sdkconfig.base: CONFIG_NEWLIB_NANO_FORMAT=y, so ESP-IDF
    # links with --specs=nano.specs), with crosstool-NG's options and names:
    # libc_nano.a, libm_nano.a, include/newlib-nano/newlib.h, nano.specs.
    newlib_build "$XT_BUILD/newlib-nano" --disable-newlib-supplied-syscalls --enable-newlib-reent-small \
        --enable-newlib-long-time_t --enable-newlib-nano-malloc --enable-newlib-retargetable-locking \
        --disable-newlib-io-c99-formats --enable-newlib-nano-formatted-io --disable-newlib-wide-orient \
        --enable-target-optspace
    local lib="$PREFIX/$TARGET/lib" inc="$PREFIX/$TARGET/include/newlib-nano" b="$XT_BUILD/newlib-nano/$TARGET/newlib"
    cp "$b/libc.a" "$lib/libc_nano.a"; cp "$b/libm.a" "$lib/libm_nano.a"
    if [ -f "$b/libg.a" ]; then cp "$b/libg.a" "$lib/libg_nano.a"; else ln -sf libc_nano.a "$lib/libg_nano.a"; fi
    mkdir -p "$inc"; cp "$b/newlib.h" "$inc/newlib.h"
    # newlib's elf-nano.specs as crosstool-NG installs it, except: the
    # include directory is absolute (this compiler has no sysroot for "="),
    # and libstdc++ is not swapped for a libstdc++_nano (none is built).
    cat > "$lib/nano.specs" <<EOF
%rename link                nano_link
%rename link_gcc_c_sequence nano_link_gcc_c_sequence
%rename cpp_unique_options  nano_cpp_unique_options

*cpp_unique_options:
-isystem $inc %(nano_cpp_unique_options)

*nano_libc:
-lc_nano

*nano_libgloss:
%{specs=rdimon.specs:-lrdimon_nano} %{specs=nosys.specs:-lnosys}

*link_gcc_c_sequence:
%(nano_link_gcc_c_sequence) --start-group %G %(nano_libc) %(nano_libgloss) --end-group

*link:
%(nano_link) %:replace-outfile(-lc -lc_nano) %:replace-outfile(-lg -lg_nano) %:replace-outfile(-lm -lm_nano)

*lib:
%{!shared:%{g*:-lg_nano} %{!p:%{!pg:-lc_nano}}%{p:-lc_p}%{pg:-lc_p}}
EOF
}

# --- libgcc, then libstdc++, with newlib's headers in place ------------------
fix_limits() {
    # GCC was built before newlib's headers existed, so its limits.h does
    # not chain to newlib's (no PATH_MAX, SSIZE_MAX...).  Write it as GCC
    # writes it when the target has a limits.h (gcc/Makefile.in,
    # stmp-int-hdrs): limitx.h + glimits.h + limity.h, in the build tree
    # (for libgcc, libstdc++) and in the installed compiler.
    local s="$XT_BUILD/src/gcc-12.2.0/gcc" lib; lib=$("$PREFIX/bin/$TARGET-gcc" -print-file-name=include-fixed)
    [ -f "$PREFIX/$TARGET/include/limits.h" ] || die "no newlib limits.h in $PREFIX/$TARGET/include"
    cat "$s/limitx.h" "$s/glimits.h" "$s/limity.h" > "$XT_BUILD/gcc/gcc/include-fixed/limits.h"
    cp "$XT_BUILD/gcc/gcc/include-fixed/limits.h" "$lib/limits.h"
}
do_libgcc() {
    fix_limits
    cd "$XT_BUILD/gcc"
    run make -j"$JOBS" all-target-libgcc MAKEINFO=true
    run make install-target-libgcc MAKEINFO=true
}
do_libstdcxx() {
    cd "$XT_BUILD/gcc"
    run make -j"$JOBS" all-target-libstdc++-v3 MAKEINFO=true
    run make install-target-libstdc++-v3 MAKEINFO=true
}

# --- links and the proof ----------------------------------------------------
links() {
    local t
    for t in "$PREFIX/bin/$TARGET"-*; do
        ln -sf "$(basename "$t")" "$PREFIX/bin/xtensa-esp32-elf-${t##*/$TARGET-}"
    done
}
do_check() {
    local d="$XT_BUILD/check" cc="$PREFIX/bin/$TARGET-gcc"
    rm -rf "$d" && mkdir -p "$d" && cd "$d"
    cat > win.c <<'EOF'
int leaf(int a, int b);
int mid(int x) { return leaf(x, x + 1) * 3; }
EOF
    "$cc" -Os -mlongcalls -c win.c -o win.o
    "$PREFIX/bin/$TARGET-objdump" -d win.o | tee win.dis
    grep -q 'entry' win.dis && grep -qE 'call(x)?8' win.dis && grep -q 'retw' win.dis
    cat > hello.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    char *p = malloc(64);
    if (!p) return 1;
    snprintf(p, 64, "%s %d %.2f", "hello", 42, 1.5);
    printf("%s\n", p);
    free(p);
    return (int)strlen(p) > 0 ? 0 : 2;
}
EOF
    # newlib-esp32 leaves the system calls and __getreent to the application
    # (ESP-IDF gives them: -DGETREENT_PROVIDED); a minimal set here, to link.
    cat > stubs.c <<'EOF'
#include <reent.h>
#include <stddef.h>
#include <sys/stat.h>
struct _reent *__getreent(void) { return _GLOBAL_REENT; }
_ssize_t _write_r(struct _reent *r, int fd, const void *b, size_t n) { (void)r; (void)fd; (void)b; return (_ssize_t)n; }
_ssize_t _read_r(struct _reent *r, int fd, void *b, size_t n) { (void)r; (void)fd; (void)b; (void)n; return 0; }
int _close_r(struct _reent *r, int fd) { (void)r; (void)fd; return -1; }
_off_t _lseek_r(struct _reent *r, int fd, _off_t o, int w) { (void)r; (void)fd; (void)o; (void)w; return -1; }
int _fstat_r(struct _reent *r, int fd, struct stat *s) { (void)r; (void)fd; s->st_mode = S_IFCHR; return 0; }
int _isatty_r(struct _reent *r, int fd) { (void)r; (void)fd; return 1; }
static char heap[65536]; static size_t used;
void *_sbrk_r(struct _reent *r, ptrdiff_t inc) { (void)r; char *p = heap + used; used += (size_t)inc; return p; }
void _exit(int c) { (void)c; for (;;) ; }
int _kill_r(struct _reent *r, int p, int s) { (void)r; (void)p; (void)s; return -1; }
int _getpid_r(struct _reent *r) { (void)r; return 1; }
EOF
    "$cc" -Os -mlongcalls -Wall -Werror -c stubs.c -o stubs.o
    "$cc" -Os -mlongcalls hello.c stubs.o -o hello.elf -Wl,-Map=hello.map 2>&1 | tee link.err
    [ ! -s link.err ] && [ -f hello.elf ]
    "$PREFIX/bin/$TARGET-readelf" -h hello.elf | grep -E 'Machine|Class|Type'
    "$PREFIX/bin/$TARGET-nm" hello.elf | grep -E ' T (printf|malloc|_vfprintf_r|_malloc_r)$'
    grep -q "$TARGET/lib/libc.a(" hello.map
    if [ -f "$PREFIX/$TARGET/lib/nano.specs" ]; then
        "$cc" -Os -mlongcalls --specs=nano.specs hello.c stubs.o -o hello-nano.elf -Wl,-Map=hello-nano.map
        grep -q 'libc_nano.a(' hello-nano.map && ! grep -q '/libc.a(' hello-nano.map
        "$PREFIX/bin/$TARGET-size" hello.elf hello-nano.elf
    fi
}
do_check_cxx() {
    local d="$XT_BUILD/check" cxx="$PREFIX/bin/$TARGET-g++"
    cd "$d"
    cat > hello.cc <<'EOF'
#include <string>
#include <vector>
#include <map>
#include <memory>
#include <cstdio>
#include <stdexcept>
struct Base { virtual ~Base() {} virtual int f() const = 0; };
struct D : Base { int v; explicit D(int x) : v(x) {} int f() const override { return v * 2; } };
int main() {
    std::vector<std::unique_ptr<Base>> v;
    for (int i = 0; i < 4; i++) v.emplace_back(new D(i));
    std::map<std::string, int> m;
    for (auto &p : v) m[std::to_string(p->f())] = p->f();
    try { if (m.size() == 4) throw std::runtime_error("four"); } catch (const std::exception &e) { std::printf("%s %zu\n", e.what(), m.size()); }
    return 0;
}
EOF
    "$cxx" -Os -mlongcalls hello.cc stubs.o -o hellocxx.elf
    "$PREFIX/bin/$TARGET-readelf" -h hellocxx.elf | grep -E 'Machine'
    "$PREFIX/bin/$TARGET-nm" -C hellocxx.elf | grep -cE '__cxa_throw|_Unwind_RaiseException|std::runtime_error::runtime_error'
}

step binutils do_binutils
step gcc do_gcc
step newlib do_newlib
if [ "$NEWLIB_NANO" = 1 ]; then step newlib-nano do_newlib_nano; fi
step libgcc do_libgcc
step libstdcxx do_libstdcxx
links
case " $STEPS " in *" check "*)
    rm -f "$XT_BUILD/check.done" "$XT_BUILD/check-cxx.done"; STEPS="$STEPS check-cxx"
    step check do_check; cat "$XT_BUILD/check.log" | tail -25
    if [ -f "$PREFIX/$TARGET/lib/libstdc++.a" ]; then step check-cxx do_check_cxx; tail -5 "$XT_BUILD/check-cxx.log"; fi;;
esac
log "done in $(( $(date +%s) - T0 )) s: $PREFIX/bin/$TARGET-gcc ($("$PREFIX/bin/$TARGET-gcc" -dumpversion 2>/dev/null || echo not built))"
