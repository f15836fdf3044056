#!/usr/bin/env bash
# Install what the cross builds and the emulated boards need (make cross,
# make qemu, make qemu-test, make size), from Debian's registry only:
#
#   rustc-web cargo-web rust-web-src (bookworm-security): Rust 1.96 with the
#       std sources, for -Zbuild-std (rustup cannot add targets here);
#   gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm: the MPS2_AN385
#       board (Cortex-M3 running the RP2040's thumbv6m code);
#   gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc:
#       the VIRT_RV32 board (running the ESP32-C3's riscv32imc code);
#   llvm: llvm-readobj and llvm-objdump for make stack-report;
#   binutils-xtensa-lx106 gcc: make cross-xtensa (GNU as/ld 2.40, configured
#       for the ESP32 at run time by scripts/xtensa-as.sh; gcc builds that
#       configuration's shared object on the host).
#
# Some machine images carry qemu-utils from bookworm-backports (10.x), whose
# package "Breaks" bookworm's qemu-system-common 7.2: it is then replaced by
# bookworm's own qemu-utils (qemu-img stays available, at 7.2).
#
# `cross-deps.sh rp2` installs only what rp2 firmware needs (Rust and the
# Arm toolchain; the SDK's own needs are checked by board-firmware.sh);
# `cross-deps.sh esp32` only Rust; `cross-deps.sh xtensa` Rust and the
# Xtensa binutils.
set -euo pipefail

case ${1:-all} in
    rp2) pkgs="gcc-arm-none-eabi libnewlib-arm-none-eabi";;
    esp32) pkgs=;;
    xtensa) pkgs="binutils-xtensa-lx106 gcc";;
    *) pkgs="llvm binutils-xtensa-lx106 gcc gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm qemu-system-misc gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf";;
esac
rustpkgs="rustc-web cargo-web rust-web-src"

installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=; rmissing=
for p in $pkgs; do installed "$p" || missing="$missing $p"; done
for p in $rustpkgs; do installed "$p" || rmissing="$rmissing $p"; done
[ -z "$missing$rmissing" ] && exit 0

sudo=
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to install:$missing$rmissing" >&2; exit 1; }
    sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
echo "apt-get install:$missing$rmissing" >&2
$sudo apt-get update -qq
if [ -n "$rmissing" ]; then
    $sudo apt-get install -y -qq --no-install-recommends -t bookworm-security $rmissing
fi
if [ -n "$missing" ]; then
    extra=
    qu=$(dpkg-query -W -f='${Version}' qemu-utils 2>/dev/null || true)
    if [ -n "$qu" ] && dpkg --compare-versions "$qu" ge 1:8; then
        # The qemu-system version apt would install, and qemu-utils to match it.
        want=$(apt-cache policy qemu-system-arm | awk '/Candidate:/ {print $2}')
        extra="qemu-utils=$want"
        echo "replacing qemu-utils $qu with $want (matches qemu-system $want)" >&2
    fi
    $sudo apt-get install -y -qq --no-install-recommends --allow-downgrades $missing $extra
fi
