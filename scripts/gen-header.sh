#!/usr/bin/env bash
# Write the C header of modssl_rs's ABI (cbindgen, configured by
# cbindgen.toml at the repository top) to OUT, touching OUT only when its
# contents change so that C objects are not rebuilt needlessly.
#
# usage: gen-header.sh OUT
set -euo pipefail

out=${1:?usage: gen-header.sh OUT}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cbindgen=$("$root/scripts/ensure-cbindgen.sh")

tmp=$(mktemp "${out}.XXXXXX")
trap 'rm -f "$tmp"' EXIT
"$cbindgen" --quiet --config "$root/cbindgen.toml" --crate modssl_rs \
    --output "$tmp" "$root/modssl_rs"
# cbindgen writes negative constants bare (`#define X -28928`); parenthesise
# them so that `-MODSSL_X` and the like stay valid C.
sed -E -i 's/^(#define [A-Za-z0-9_]+ )(-[0-9]+)$/\1(\2)/' "$tmp"

if [ -f "$out" ] && cmp -s "$tmp" "$out"; then
    exit 0
fi
chmod 644 "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
echo "wrote $out" >&2
