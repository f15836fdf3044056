#!/usr/bin/env bash
# The flash the core alone takes once linked: every C entry point (modssl_*)
# kept, --gc-sections, the port hooks (modssl_port_*), abort() and the
# shim's __sync_* helpers left as absolute symbols.  The same measure as the link check of
# scripts/xtensa-core.sh, for the other chips' archives, so that the ESP32's
# figures have something to stand beside (docs/building.md, "Xtensa").
#
# usage: core-link-size.sh ARCHIVE TOOLPREFIX [LD-EMULATION]
#   e.g. core-link-size.sh target/mpy-riscv32imc-unknown-none-elf-cas/riscv32imc-unknown-none-elf-cas/release/libmodssl_rs.a riscv64-unknown-elf- elf32lriscv
#        core-link-size.sh .../thumbv6m-none-eabi-cas/release/libmodssl_rs.a arm-none-eabi-
# Prints "text+rodata N B, data N B, bss N B" (Berkeley `size`: text
# includes read-only data).  Any undefined symbol other than the hooks fails.
set -euo pipefail
die() { echo "core-link-size: $*" >&2; exit 2; }
[ $# -ge 2 ] || die "usage: $0 ARCHIVE TOOLPREFIX [LD-EMULATION]"
lib=$1 pre=$2 emu=${3:-}
[ -f "$lib" ] || die "no archive $lib"
command -v "${pre}ld" >/dev/null || die "no ${pre}ld"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
syms=$("${pre}nm" -A "$lib" 2>/dev/null || true)
exports=$(echo "$syms" | awk '$(NF-1) == "T" && $NF ~ /^modssl_/ && $NF !~ /^modssl_port_/ {print $NF}' | sort -u)
[ -n "$exports" ] || die "no modssl_* entry points in $lib"
args=()
for e in $exports; do args+=(-u "$e"); done
# The hooks, and the __sync_* helpers the C shim provides on CPUs without
# compare-and-swap (targets/README.md).
for h in $(echo "$syms" | awk '$(NF-1) == "U" && ($NF ~ /^modssl_port_/ || $NF ~ /^__sync_/ || $NF == "abort") {print $NF}' | sort -u); do
    args+=("--defsym=$h=0")
done
"${pre}ld" ${emu:+-m "$emu"} -o "$tmp/core.elf" --gc-sections -e 0 --no-undefined \
    "${args[@]}" "$lib" 2>"$tmp/err" || { grep -o "undefined reference to .*" "$tmp/err" | sort -u | head >&2; head -3 "$tmp/err" >&2; die "link failed"; }
"${pre}size" "$tmp/core.elf" | awk 'NR == 2 {printf "text+rodata %d B, data %d B, bss %d B\n", $1, $2, $3}'
