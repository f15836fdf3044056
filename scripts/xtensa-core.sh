#!/usr/bin/env bash
# The core for the ESP32 (Xtensa LX6) with Debian's rustc-web 1.96 (LLVM 22),
# no Espressif toolchain: make cross-xtensa runs it once per profile.
#
# usage: xtensa-core.sh [--chip=esp32] [--lto=thin|fat|off] [--no-check]   (off: untried)
#                       [build-core.sh options and NAME=0|1 settings...]
#                       [--print=lib|features|cargo ...: print, build nothing]
# (options as --opt=value only).  cargo's directory: --target-dir, else
# target/mpy-xtensa-<chip>-none-elf-cas-<lto>, shared by the profiles (cargo
# keeps each feature set's crates apart); the archive goes to
# <that>/xtensa-<chip>-none-elf-cas/release/gnu-<profile>/.
# Prints the archive's path on stdout (then, unless --no-check, a line of
# sizes from the link check on stderr and in <archive dir>/size.txt).
#
# 1. scripts/xtensa-as.sh: the GNU assembler and linker configured for the
#    chip (needs XTENSA_DYNCONFIG_DIR and XTENSA_OVERLAYS_DIR, fetched trees;
#    it stops and says how to get them when they are missing).
# 2. scripts/build-core.sh with targets/xtensa-<chip>-none-elf-cas.json,
#    LTO as asked (cargo's CARGO_PROFILE_RELEASE_LTO; thin by default: fat
#    LTO crashes LLVM 22's Xtensa backend, docs/building.md) and
#    `--emit=asm`: rustc then also writes each post-LTO module as assembly.
#    The objects in cargo's own archive come from LLVM's integrated
#    assembler, which misplaces Xtensa literal pools (GNU ld: "l32r:
#    misaligned literal target"): that archive is not used.
# 3. Each module of cargo's archive assembled again from its .s with GNU as
#    (--longcalls, as ESP-IDF's GCC does: ld relaxes the calls that reach),
#    after moving each function's literal pool into its own section (below),
#    into <target dir>/<target>/release/gnu-<profile>/libmodssl_rs.a.
# 4. The link check (unless --no-check): every C entry point of the core
#    kept (-u), --gc-sections, at the ESP32's flash addresses (IROM
#    0x400D0020 for code and literals, DROM 0x3F400020 for read-only data,
#    as ESP-IDF places them), with a stub for each port hook (the
#    modssl_port_* functions the C shim provides) and for abort(); any other
#    undefined symbol fails it, and so does a literal out of l32r's reach.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "xtensa-core: $*" >&2; exit 2; }
chip=esp32 lto=thin check=1 pass=() dir= rustflags= profile=default
for opt; do
    case $opt in
        --chip=*) chip=${opt#*=};;
        --lto=*) lto=${opt#*=};;
        --no-check) check=;;
        --target-dir=*) dir=${opt#*=};;
        --rustflags=*) rustflags=${opt#*=};;
        --profile=*) profile=${opt#*=}; pass+=("$opt");;
        --target=*) die "the target is the chip's JSON (--chip)";;
        *) pass+=("$opt");;
    esac
done
case $lto in thin|fat|off) ;; *) die "--lto=$lto: thin, fat or off";; esac
json=$root/targets/xtensa-$chip-none-elf-cas.json
[ -f "$json" ] || die "no target JSON for $chip ($json): esp32 only so far (docs/building.md)"
name=$(basename "$json" .json)

tools=$("$root/scripts/xtensa-as.sh" --chip="$chip")
# Debian's cargo (rustc-web with rust-web-src), unless --cargo says otherwise.
cargo_opt=(--cargo=/usr/bin/cargo)
for o in ${pass[@]+"${pass[@]}"}; do case $o in --cargo=*) cargo_opt=();; esac; done
[ ${#cargo_opt[@]} -eq 0 ] || [ -d /usr/lib/rustlib/src/rust/library ] ||
    die "no std sources for -Zbuild-std: install rustc-web cargo-web rust-web-src (scripts/cross-deps.sh)"
dir=${dir:-$root/target/mpy-$name-$lto}
mkdir -p "$dir" && dir=$(cd "$dir" && pwd)

# --print=lib|features|cargo (micropython.cmake asks before a firmware
# build): build-core.sh's answers, with the archive this script makes in
# place of cargo's.
prints=()
for o in ${pass[@]+"${pass[@]}"}; do case $o in --print=*) prints+=("${o#*=}");; esac; done
if [ ${#prints[@]} -gt 0 ]; then
    i=0
    CARGO_PROFILE_RELEASE_LTO=$lto "$root/scripts/build-core.sh" --target="$json" --target-dir="$dir" \
        ${cargo_opt[@]+"${cargo_opt[@]}"} ${pass[@]+"${pass[@]}"} | while IFS= read -r line; do
        if [ "${prints[$i]}" = lib ]; then echo "$(dirname "$line")/gnu-$profile/libmodssl_rs.a"; else echo "$line"; fi
        i=$((i + 1))
    done
    exit "${PIPESTATUS[0]}"
fi

lib=$(CARGO_PROFILE_RELEASE_LTO=$lto "$root/scripts/build-core.sh" --target="$json" \
    --target-dir="$dir" --rustflags="--emit=asm $rustflags" ${cargo_opt[@]+"${cargo_opt[@]}"} \
    ${pass[@]+"${pass[@]}"})
rel=$(dirname "$lib")
out=$rel/gnu-$profile
rm -rf "$out.tmp" && mkdir -p "$out.tmp"

# ---- 3. assemble -------------------------------------------------------------------------
# LLVM writes a function's literal pool (.literal_position, .literal ...)
# before that function's `.section .text.<name>` directive, so GNU as puts
# it in the literal section of whatever section came before: the previous
# function's (.literal.<previous>), or, after a jump table,
# `.rodata.<previous>.literal`, which a linker script sends to DROM, out of
# l32r's reach.  The awk below moves each such pool after the next section
# directive when that is a code section, so the pool lands in
# .literal.<its own function>; the data-section directives LLVM repeats
# between the pool and the code (with nothing in them) go.  A pool followed
# by anything else stays where it is.
fix_literals='
function flush(keep_sections) {
    for (i = 1; i <= n; i++) if (keep_sections || buf[i] !~ /^[ \t]*\.section/) print buf[i]
    n = 0 }
/^[ \t]*\.literal_position/ { pool = 1; buf[++n] = $0; next }
pool && (/^[ \t]*\.literal[ \t]/ || /^[ \t]*$/ || /^[ \t]*#/) { buf[++n] = $0; next }
pool && /^[ \t]*\.section/ && !/"ax"/ { buf[++n] = $0; next }
pool { pool = 0
       if ($0 ~ /^[ \t]*\.section[ \t]+\.text/ && $0 ~ /"ax"/) { print; flush(0); next }
       flush(1) }
{ print }
END { flush(1) }'
members=$(cd "$out.tmp" && "$tools/ar" t "$lib" | grep '\.o$') || die "cannot list $lib"
objs=()
for m in $members; do
    s=$rel/deps/${m%.o}.s
    [ -f "$s" ] || s=$rel/deps/${m%%.*}.s           # a one-unit crate: <crate>-<hash>.s
    [ -f "$s" ] || die "no assembly for $m in $rel/deps (was it built with --emit=asm?)"
    o=$out.tmp/$m
    awk "$fix_literals" "$s" > "$o.s"
    "$tools/as" --longcalls -o "$o" "$o.s" || die "GNU as failed on $s"
    # The embedded bitcode (compiler_builtins' object carries it) makes BFD
    # hand the object to the host's LLVM plugin, which cannot read LLVM 22's
    # bitcode: the archive's index would then miss its symbols.
    "$tools/objcopy" -R .llvmbc -R .llvmcmd "$o"
    rm -f "$o.s"
done
(cd "$out.tmp" && "$tools/ar" rcs libmodssl_rs.a $members)
rm -rf "$out" && mv "$out.tmp" "$out"
objs=(); for m in $members; do objs+=("$out/$m"); done
[ -n "$check" ] || { echo "$out/libmodssl_rs.a"; exit 0; }

# ---- 4. link check --------------------------------------------------------------------------
chk=$out/check
mkdir -p "$chk"
syms() { "$tools/readelf" -sW "$@" 2>/dev/null | awk '$1 ~ /^[0-9]+:$/ && $8 != "" {print $5, $7, $8}'; }
syms "${objs[@]}" > "$chk/syms.txt"
# C entry points: global functions with plain names, not compiler_builtins'.
exports=$(for o in "${objs[@]}"; do case $o in */compiler_builtins-*) ;; *) syms "$o";; esac; done |
    awk '$1 == "GLOBAL" && $2 != "UND" && $3 ~ /^modssl_/ {print $3}' | sort -u)
[ -n "$exports" ] || die "no modssl_* entry points in the archive"
undef=$(awk '$2 == "UND" {print $3}' "$chk/syms.txt" | sort -u)
defined=$(awk '$2 != "UND" && ($1 == "GLOBAL" || $1 == "WEAK") {print $3}' "$chk/syms.txt" | sort -u)
missing=$(comm -23 <(echo "$undef") <(echo "$defined"))
stubs= unexpected=
for s in $missing; do
    case $s in modssl_port_*|abort) stubs="$stubs $s";; *) unexpected="$unexpected $s";; esac
done
[ -z "$unexpected" ] || die "link check: undefined symbols that no port provides:$unexpected"
{
    printf '\t.section .note.GNU-stack,"",@progbits\n\t.text\n'
    for s in $stubs; do printf '\t.global %s\n\t.type %s,@function\n\t.align 4\n%s:\n\tentry a1, 32\n\tretw.n\n' "$s" "$s" "$s"; done
} > "$chk/stubs.s"
"$tools/as" -o "$chk/stubs.o" "$chk/stubs.s"
cat > "$chk/check.ld" <<'EOF'
/* The ESP32's flash mappings (ESP-IDF's memory.ld): code through the
   instruction bus, read-only data through the data bus. */
MEMORY {
    irom (rx) : ORIGIN = 0x400D0020, LENGTH = 0x330000 - 0x20
    drom (r)  : ORIGIN = 0x3F400020, LENGTH = 0x400000 - 0x20
    dram (rw) : ORIGIN = 0x3FFB0000, LENGTH = 0x2C200
}
SECTIONS {
    /* literals beside their code, as ESP-IDF's sections.ld has it */
    .flash.text : { *(.literal .text .literal.* .text.*) } > irom
    .flash.rodata : { *(.rodata .rodata.*) } > drom
    .dram0.data : { *(.data .data.*) } > dram
    .dram0.bss (NOLOAD) : { *(.bss .bss.* COMMON) } > dram
    /DISCARD/ : { *(.llvmbc) *(.llvmcmd) *(.comment) *(.note.*) }
}
EOF
ulist=()
for e in $exports; do ulist+=(-u "$e"); done
"$tools/ld" -o "$chk/core.elf" -T "$chk/check.ld" --gc-sections -e 0 --no-undefined \
    -Map="$chk/core.map" "${ulist[@]}" "$chk/stubs.o" "$out/libmodssl_rs.a" 2>"$chk/ld.err" ||
    { cat "$chk/ld.err" >&2; die "link check failed"; }
[ ! -s "$chk/ld.err" ] || cat "$chk/ld.err" >&2
stub_bytes=$("$tools/size" -A "$chk/stubs.o" | awk '$1 == ".text" {print $2}')
"$tools/size" -A "$chk/core.elf" | awk -v stubs="$stub_bytes" -v n="$(echo "$exports" | wc -l)" \
    -v hooks="$(echo $stubs | wc -w)" '
    $1 == ".flash.text" {t = $2} $1 == ".flash.rodata" {r = $2}
    $1 == ".dram0.data" {d = $2} $1 == ".dram0.bss" {b = $2}
    END { printf "text %d B (with literals), rodata %d B, data %d B, bss %d B; flash %d B; %d entry points kept, %d hooks stubbed (%d B of stubs counted in text)\n", t, r, d, b, t + r + d, n, hooks, stubs }' \
    | tee "$out/size.txt" >&2
echo "$out/libmodssl_rs.a"
