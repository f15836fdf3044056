#!/usr/bin/env bash
# Copy a Rust staticlib to DEST without its compiler_builtins members.
#
# usage: strip-builtins.sh AR SRC.a DEST.a
#
# Why (bare-metal firmware): compiler_builtins defines weak copies of every
# __aeabi_*/soft-float/libm helper.  The Rust archive is the first archive on
# the firmware's link line, so those copies get used by *all* C code too,
# replacing the SDK's ROM/hardware-divider wrappers and moving libgcc/libm
# code that the rp2 linker script keeps in RAM out to flash.  Without them the
# core resolves its helpers exactly as the C code does.  A helper that only
# compiler_builtins has (128-bit division, f16/f128) then fails the link
# loudly: provide that one symbol in C.
set -euo pipefail

ar=${1:?usage: strip-builtins.sh AR SRC.a DEST.a}
src=${2:?usage: strip-builtins.sh AR SRC.a DEST.a}
dest=${3:?usage: strip-builtins.sh AR SRC.a DEST.a}

mkdir -p "$(dirname "$dest")"
tmp="$dest.tmp"
cp -f "$src" "$tmp"
members=$("$ar" t "$tmp")
grep -q '^modssl_rs-' <<<"$members" || { echo "$src: no modssl_rs object in the archive" >&2; exit 1; }
# compiler_builtins' Rust object(s), and compiler-rt's C objects that some
# targets build into it (named <16 hex digits>-<name>.o).
drop=$(grep -E 'compiler_builtins|^[0-9a-f]{16}-[A-Za-z0-9_]+\.o$' <<<"$members" || true)
if [ -n "$drop" ]; then
    # shellcheck disable=SC2086
    "$ar" d "$tmp" $drop
fi
left=$("$ar" t "$tmp" | grep -v '^modssl_rs-' || true)
[ -z "$left" ] || echo "note: $dest keeps members other than the core: $left" >&2
mv -f "$tmp" "$dest"
