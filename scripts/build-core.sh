#!/usr/bin/env bash
# Build the core (modssl_rs) as a static library: the one cargo command of
# every build.  micropython/micropython.mk (unix, qemu) and
# micropython/micropython.cmake (rp2, esp32) run it inside a firmware build;
# make cross and make stack-report run it on their own.
#
# usage: build-core.sh [OPTION...] [NAME=0|1 ...]
#   --target=T      a Rust target triple, or a target JSON (a path, or a file
#                   name under targets/); none: the host
#   --profile=P     the feature profile (micropython/features.sh); none: the
#                   crate's default features
#   NAME=0|1        add one feature to the profile or take it away (TLS12,
#                   SERVER, ..., features.sh); empty leaves the profile's choice
#   --features=F    more --features for modssl_rs (comma-separated)
#   --target-dir=D  cargo's target directory (default: target/mpy-<target>,
#                   <target> a JSON's file name without .json, or `host`)
#   --cargo=C       the cargo to run (default: see below)
#   --rustflags=R   more RUSTFLAGS
#   --cross-rustflags=R  RUSTFLAGS for cross targets only (default:
#                   -Zfmt-debug=none, below)
#   --build-std-features=F  core's and alloc's features, cross targets only
#                   (default: optimize_for_size, below)
#   --print=WHAT    print WHAT and build nothing: `lib` (the archive's path),
#                   `features` (the profile's features, as given to cargo), or
#                   `cargo`; may be repeated (one line each)
# (`--opt value` works too.)  Without --print it builds and prints the
# archive's path on stdout; cargo's messages go to stderr.  cargo runs every
# time: its own up-to-date check takes well under a second, and it leaves the
# archive untouched when nothing changed.
#
# The cargo: --cargo; else for cross targets the one that can build core and
# alloc from source (-Zbuild-std): for the built-in Xtensa triples
# Espressif's (rustup's `esp` toolchain, installed by espup; the Xtensa
# target JSONs go with Debian's, scripts/xtensa-core.sh), otherwise Debian's rustc-web
# (/usr/bin/cargo, when rust-web-src has put the std sources in
# /usr/lib/rustlib/src; rustup cannot add targets on our machines,
# scripts/cross-deps.sh installs them); else $CARGO; else rustup's
# ($CARGO_HOME/bin or ~/.cargo/bin, which may come after a distribution's
# cargo on PATH); else PATH's.  Cross targets build with RUSTC_BOOTSTRAP=1
# (-Z flags) and the rustc next to that cargo, since rustup's proxy may come
# first on PATH.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "build-core: $*" >&2; exit 2; }

target= profile= features= dir= cargo= rustflags=
# Cross builds (RUSTC_BOOTSTRAP=1): no code for `{:?}` formatting, which no
# user-visible text of ours uses (messages are fixed strings,
# ffi/status.rs): -6,100 B of flash on thumbv6m.  (-Zlocation-detail=none
# saved nothing: our panic handler ignores the location.  Immediate-abort
# panics would save 7.7 KB more but bypass the panic guard: an out-of-memory
# would hang the board.  docs/design.md.)
cross_rustflags=-Zfmt-debug=none
# core's and alloc's smaller variants (sorting, formatting): -2,760 B on
# thumbv6m, handshake instructions unchanged.  An older toolchain without
# the feature: --build-std-features= (empty is fine for cargo).
build_std_features=optimize_for_size
settings=() print=()
while [ $# -gt 0 ]; do
    opt=$1; shift
    case $opt in
        --*=*) val=${opt#*=}; opt=${opt%%=*};;
        --*) [ $# -gt 0 ] || die "$opt needs a value"; val=$1; shift;;
        [A-Z]*=*) settings+=("$opt"); continue;;
        *) die "unknown argument '$opt' (usage: see the top of $0)";;
    esac
    case $opt in
        --target) target=$val;;
        --profile) profile=$val;;
        --features) features=$val;;
        --target-dir) dir=$val;;
        --cargo) cargo=$val;;
        --rustflags) rustflags=$val;;
        --cross-rustflags) cross_rustflags=$val;;
        --build-std-features) build_std_features=$val;;
        --print) case $val in lib|features|cargo) print+=("$val");; *) die "--print $val: lib, features or cargo";; esac;;
        *) die "unknown option $opt";;
    esac
done

# ---- features --------------------------------------------------------------------
# `cargo rustc --crate-type staticlib` rather than `cargo build`: the crate
# also declares an rlib, and with both kinds rustc skips LTO for the
# staticlib (the archive then holds every dependency's unoptimised objects:
# 13.7 MB instead of 4.3 MB on x86-64).
cargo_args=(rustc --release --quiet -p modssl_rs --crate-type staticlib --manifest-path "$root/Cargo.toml")
if [ -n "$profile" ]; then
    profile_features=$(sh "$root/micropython/features.sh" "$profile" ${settings[@]+"${settings[@]}"}) ||
        die "bad profile or feature setting (micropython/features.sh)"
    cargo_args+=(--no-default-features ${profile_features:+--features "$profile_features"})
else
    for s in ${settings[@]+"${settings[@]}"}; do
        [ -z "${s#*=}" ] || die "$s: a feature setting changes a profile: give one (--profile, MODSSL_PROFILE)"
    done
    profile_features=default
fi
[ -z "$features" ] || cargo_args+=(--features "$features")

# ---- target and archive ----------------------------------------------------------------
case $target in
    "") name=host;;
    *.json)
        [ -f "$target" ] || target=$root/targets/$target
        [ -f "$target" ] || die "no target JSON $target"
        target=$(cd "$(dirname "$target")" && pwd)/$(basename "$target")
        name=$(basename "$target" .json)
        cargo_args+=(-Zjson-target-spec --target "$target");;
    *)  name=$target
        cargo_args+=(--target "$target");;
esac
dir=${dir:-$root/target/mpy-$name}
lib=$dir/${target:+$name/}release/libmodssl_rs.a

# ---- cargo --------------------------------------------------------------------------------
# Needed to build or to print it; --print lib and features work without one.
find_cargo() {
    [ -z "$cargo" ] || return 0
    case $target in
        "") ;;
        xtensa-*)
            cargo=$(rustup which --toolchain esp cargo 2>/dev/null) || die "$target is an Xtensa chip (ESP32, ESP32-S2, ESP32-S3) as Espressif's fork of Rust/LLVM knows it.
For the ESP32 with this machine's Debian rustc instead: make cross-xtensa without XTENSA_TOOLCHAIN=esp (targets/xtensa-esp32-none-elf-cas.json,
scripts/xtensa-core.sh; docs/building.md).  For Espressif's fork, install it with espup:
    cargo install espup && espup install     # adds the 'esp' rustup toolchain
    . \$HOME/export-esp.sh
and, for firmware, ESP-IDF v5.x (https://docs.espressif.com/projects/esp-idf/).
The RISC-V ESP32s (C3, C6) need none of this."
            return 0;;
        *) if [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ]; then cargo=/usr/bin/cargo; return 0; fi;;
    esac
    cargo=${CARGO:-${CARGO_HOME:-$HOME/.cargo}/bin/cargo}
    [ -n "${CARGO:-}" ] || [ -x "$cargo" ] || cargo=$(command -v cargo) ||
        die "no cargo: install Rust with rustup (cross targets: scripts/cross-deps.sh, or --cargo)"
}

if [ ${#print[@]} -gt 0 ]; then
    for p in "${print[@]}"; do
        case $p in lib) echo "$lib";; features) echo "$profile_features";; cargo) find_cargo; echo "$cargo";; esac
    done
    exit 0
fi
find_cargo
env=()
if [ -n "$target" ]; then
    env+=(RUSTC_BOOTSTRAP=1)
    [ ! -x "$(dirname "$cargo")/rustc" ] || env+=(RUSTC="$(dirname "$cargo")/rustc")
    rustflags="$rustflags $cross_rustflags"
    cargo_args+=(-Zbuild-std=core,alloc -Zbuild-std-features="$build_std_features")
fi

env ${env[@]+"${env[@]}"} RUSTFLAGS="$rustflags" CARGO_TARGET_DIR="$dir" "$cargo" "${cargo_args[@]}" >&2
echo "$lib"
