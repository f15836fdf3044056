#!/usr/bin/env bash
# Build the core as a static library for a microcontroller target, the way
# micropython/micropython.mk and micropython.cmake do inside a firmware build.
#
# usage: cross-build.sh TARGET      (a triple, or a target JSON under targets/)
# prints the archive's path on stdout.  MODSSL_CROSS_TARGET_DIR overrides
# the target directory (make stack-report builds with other flags).
#
# rustup cannot add targets on our machines, so core and alloc are built
# from source (-Zbuild-std, RUSTC_BOOTSTRAP=1) with Debian's rustc-web, whose
# rust-web-src package has the sources (scripts/cross-deps.sh installs it).
# MODSSL_CROSS_CARGO picks another cargo (e.g. a nightly rustup toolchain
# with rust-src); its rustc is taken from the same directory.
set -euo pipefail

target=${1:?usage: cross-build.sh TARGET}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cargo=${MODSSL_CROSS_CARGO:-/usr/bin/cargo}
[ -x "$cargo" ] || { echo "cross-build: $cargo not found (run scripts/cross-deps.sh: Debian's rustc-web cargo-web rust-web-src)" >&2; exit 1; }
rustc=$(dirname "$cargo")/rustc

case "$target" in
    *.json)
        [ -f "$target" ] || target=$root/targets/$target
        target=$(cd "$(dirname "$target")" && pwd)/$(basename "$target")
        name=$(basename "$target" .json)
        targs=(-Zjson-target-spec --target "$target");;
    *)
        name=$target
        targs=(--target "$target");;
esac
dir=${MODSSL_CROSS_TARGET_DIR:-$root/target/mpy-$name}
RUSTC_BOOTSTRAP=1 RUSTC=$rustc CARGO_TARGET_DIR=$dir \
RUSTFLAGS="${MODSSL_RUSTFLAGS:-} ${MODSSL_CROSS_RUSTFLAGS:--Zfmt-debug=none}" \
    "$cargo" rustc --release --quiet -p modssl_rs --crate-type staticlib \
    --manifest-path "$root/Cargo.toml" -Zbuild-std=core,alloc -Zbuild-std-features=optimize_for_size "${targs[@]}" \
    ${MODSSL_CARGO_FEATURES:+--features "$MODSSL_CARGO_FEATURES"} >&2
echo "$dir/$name/release/libmodssl_rs.a"
