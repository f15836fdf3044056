#!/usr/bin/env bash
# Print the path of a cbindgen to use, installing the pinned version with
# `cargo install` when none is on PATH.  Honours CBINDGEN (a path or name).
#
# The generated header is checked against the pinned version; another
# version on PATH is used as it is, with a note on stderr (its output may
# differ in layout, never in the ABI).
set -euo pipefail

want=${MODSSL_CBINDGEN_VERSION:-0.29.0}

if [ -n "${CBINDGEN:-}" ]; then
    command -v "$CBINDGEN" >/dev/null || { echo "CBINDGEN=$CBINDGEN not found" >&2; exit 1; }
    command -v "$CBINDGEN"; exit 0
fi

# cargo install puts binaries here; it may not be on PATH in a plain shell.
cargo_bin=${CARGO_HOME:-$HOME/.cargo}/bin
PATH=$PATH:$cargo_bin

if command -v cbindgen >/dev/null; then
    have=$(cbindgen --version 2>/dev/null | awk '{print $2}')
    if [ "$have" != "$want" ]; then
        echo "note: using cbindgen $have from $(command -v cbindgen) (the build pins $want)" >&2
    fi
    command -v cbindgen; exit 0
fi

command -v cargo >/dev/null || { echo "cbindgen is missing and so is cargo: install Rust (rustup) first" >&2; exit 1; }
echo "cbindgen not found: cargo install cbindgen --version $want --locked" >&2
cargo install cbindgen --version "$want" --locked >&2
command -v cbindgen
