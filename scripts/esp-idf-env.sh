#!/usr/bin/env bash
# An ESP-IDF environment for `make esp32` built from sources alone, for a
# machine that cannot run Espressif's installer (no dl.espressif.com, no
# component registry, no prebuilt toolchains): docs/esp32.md.
#
# usage: esp-idf-env.sh DIR
#
# Puts into DIR (nothing of it belongs in this repository):
#   esp-idf/        ESP-IDF v5.3.1 and the submodules an esp32/esp32c3
#                   MicroPython build reads, each at the commit v5.3.1 pins,
#                   but for the stand-ins listed below;
#   micropython/    MicroPython v1.28.0 with lib/micropython-lib and
#                   lib/berkeley-db-1.xx (what the esp32 port builds from);
#   esp-protocols/  espressif/esp-protocols at mdns-v1.1.0 (MicroPython's
#                   idf_component.yml asks the registry for mdns ~1.1.0);
#   esp-eth-drivers/ espressif/esp-eth-drivers at lan867x@v1.0.3 (the ESP32
#                   asks the registry for lan867x ~1.0.0);
#   xtensa-dynconfig/, xtensa-overlays/  the ESP32's core configuration, for
#                   the core's Xtensa build (scripts/xtensa-core.sh);
#   idf-venv/       ESP-IDF's Python tools from PyPI, versions as v5.3's
#                   constraints allow;
#   env.sh          to source: IDF_PATH, the venv, and the switches below.
# The C toolchain is separate: scripts/esp-riscv-toolchain.sh (ESP32-C3),
# scripts/esp-xtensa-toolchain.sh (ESP32); env.sh puts DIR/riscv32-esp-elf/bin
# and DIR/xtensa-esp-elf/bin on PATH if they are there.
#
# Why these versions: MicroPython 1.28.0 accepts ESP-IDF v5.3 to v5.5.1.
# v5.3.1 is the newest whose pinned lwip and tlsf commits could be fetched
# here; mbedTLS's (Espressif's fork) could not be for any of them.
#
# Sources: GIT_SOURCE, a base to which "owner/name" is appended
# (default https://github.com), or GIT_MIRROR, a directory holding bare
# copies as GIT_MIRROR/owner+name/repo (how this machine's fetch tool lays
# them out).  A commit missing from a source is reported, never guessed at,
# except for the stand-ins:
#   - components/mbedtls/mbedtls: upstream Mbed-TLS/mbedtls v3.6.1 (with its
#     framework submodule) instead of Espressif's fork; its top CMakeLists'
#     `set(CMAKE_C_STANDARD 99)` line is removed (IDF's port code needs
#     gnu17), and the board build must set MODSSL_ESP_UPSTREAM_MBEDTLS=1
#     (micropython/esp32-boards/sdkconfig.upstream-mbedtls: the three
#     options that need the fork's soft-fallback functions, off);
#   - MicroPython's lib/berkeley-db-1.xx: micropython/berkeley-db-1.xx's
#     newest commit if the pinned one is missing.
# Not fetched: the Wi-Fi, PHY-calibration and Bluetooth controller blobs,
# NimBLE and OpenThread.  Only micropython/esp32-boards/*_NOBLOBS build
# without them.
set -euo pipefail

dir=${1:?usage: esp-idf-env.sh DIR}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
die() { echo "esp-idf-env: $*" >&2; exit 2; }
IDF_TAG=v5.3.1 MPY_TAG=v1.28.0 MDNS_TAG=mdns-v1.1.0 MBEDTLS_TAG=v3.6.1

url() {  # owner/name -> a git URL or path
    if [ -n "${GIT_MIRROR:-}" ]; then
        local m=$GIT_MIRROR/${1/\//+}/repo
        [ -d "$m" ] || die "no $m: fetch github:$1 into GIT_MIRROR first"
        echo "$m"
    else
        echo "${GIT_SOURCE:-https://github.com}/$1"
    fi
}

# checkout PATH OWNER/NAME REV [fallback]: a work tree at REV (a commit, tag
# or branch); with "fallback", the source's default branch when REV is
# missing, said loudly.
checkout() {
    local path=$1 repo=$2 rev=$3 fallback=${4:-}
    if [ -e "$path/.modssl-rev" ] && [ "$(cat "$path/.modssl-rev")" = "$rev" ]; then return; fi
    rm -rf "$path"
    git clone -q --no-checkout "$(url "$repo")" "$path"
    if git -C "$path" rev-parse -q --verify "$rev^{commit}" >/dev/null; then
        # -f: a mirror may lack a few large example files (ESP-IDF's);
        # checkout still writes everything else and reports them.
        git -C "$path" checkout -q -f "$rev" 2>&1 | grep -v "unable to read sha1\|invalid object" >&2 || true
    elif [ -n "$fallback" ]; then
        echo "esp-idf-env: WARNING: $repo has no $rev: using its default branch $(git -C "$path" rev-parse --short HEAD) instead" >&2
        git -C "$path" checkout -q -f HEAD
    else
        die "$repo has no commit $rev (needed at $path)"
    fi
    echo "$rev" > "$path/.modssl-rev"
    echo "  $path: $repo $rev" >&2
}
pinned() { git -C "$1" ls-tree HEAD "$2" | awk '{print $3}'; }

echo "== ESP-IDF $IDF_TAG" >&2
checkout "$dir/esp-idf" espressif/esp-idf $IDF_TAG
idf=$dir/esp-idf
for sub in components/lwip/lwip:espressif/esp-lwip \
           components/heap/tlsf:espressif/tlsf \
           components/bootloader/subproject/components/micro-ecc/micro-ecc:kmackay/micro-ecc \
           components/esp_phy/lib:espressif/esp-phy-lib \
           components/esp_coex/lib:espressif/esp-coex-lib \
           components/mqtt/esp-mqtt:espressif/esp-mqtt \
           components/cmock/CMock:ThrowTheSwitch/CMock \
           components/unity/unity:ThrowTheSwitch/Unity \
           components/json/cJSON:DaveGamble/cJSON \
           components/protobuf-c/protobuf-c:protobuf-c/protobuf-c \
           components/spiffs/spiffs:pellepl/spiffs; do
    path=${sub%%:*}
    checkout "$idf/$path" "${sub#*:}" "$(pinned "$idf" "$path")"
done
# mbedTLS: the stand-in (above).
mb=$idf/components/mbedtls/mbedtls
checkout "$mb" Mbed-TLS/mbedtls $MBEDTLS_TAG
checkout "$mb/framework" Mbed-TLS/mbedtls-framework "$(pinned "$mb" framework)"
sed -i 's/^set(CMAKE_C_STANDARD 99)$/# set(CMAKE_C_STANDARD 99): removed by modssl-rs esp-idf-env.sh (ESP-IDF port code needs gnu17)/' "$mb/CMakeLists.txt"

echo "== MicroPython $MPY_TAG" >&2
checkout "$dir/micropython" micropython/micropython $MPY_TAG
mpy=$dir/micropython
checkout "$mpy/lib/micropython-lib" micropython/micropython-lib "$(pinned "$mpy" lib/micropython-lib)"
checkout "$mpy/lib/berkeley-db-1.xx" micropython/berkeley-db-1.xx "$(pinned "$mpy" lib/berkeley-db-1.xx)" fallback

echo "== mdns ($MDNS_TAG)" >&2
checkout "$dir/esp-protocols" espressif/esp-protocols $MDNS_TAG
echo "== lan867x (ESP32's network.LAN)" >&2
checkout "$dir/esp-eth-drivers" espressif/esp-eth-drivers lan867x@v1.0.3

echo "== the ESP32's core configuration (Xtensa: the core's assembler, GCC)" >&2
# The commits docs/building.md's Xtensa section was tested with.
checkout "$dir/xtensa-dynconfig" espressif/xtensa-dynconfig 905b913a fallback
checkout "$dir/xtensa-overlays" espressif/xtensa-overlays dd1cf19f fallback

echo "== ESP-IDF's Python tools" >&2
if [ ! -x "$dir/idf-venv/bin/python" ]; then
    python3 -m venv "$dir/idf-venv"
fi
# requirements.core.txt, with the versions ESP-IDF v5.3's constraints file
# (downloaded by install.sh, out of reach here) would have picked.
"$dir/idf-venv/bin/pip" install -q 'setuptools<81' packaging click pyserial cryptography pyparsing \
    pyelftools 'idf-component-manager~=2.0' 'esp-coredump~=1.12' 'esptool~=4.8' 'esp-idf-kconfig~=2.3' \
    'esp-idf-monitor~=1.5' esp-idf-nvs-partition-gen 'esp-idf-size~=1.6' esp-idf-panic-decoder construct \
    freertos_gdb pyclang

cat > "$dir/env.sh" <<ENV
# Made by modssl-rs scripts/esp-idf-env.sh: source it, then
#   make esp32 BOARD=$root/micropython/esp32-boards/ESP32_GENERIC_C3_NOBLOBS MICROPY_DIR=$mpy
export IDF_PATH=$idf
export IDF_TOOLS_PATH=$dir/idf-tools
export IDF_PYTHON_ENV_PATH=$dir/idf-venv
# The constraints file and the toolchain versions install.sh would have
# downloaded are not here: checks off (the toolchain's version check then
# warns instead of stopping).
export IDF_PYTHON_CHECK_CONSTRAINTS=no
export IDF_MAINTAINER=1
# Submodules are as this script left them; no registry.
export IDF_SKIP_CHECK_SUBMODULES=1
export IDF_COMPONENT_MANAGER=0
export MODSSL_ESP_PROTOCOLS_DIR=$dir/esp-protocols
export MODSSL_ESP_ETH_DRIVERS_DIR=$dir/esp-eth-drivers
export MODSSL_ESP_UPSTREAM_MBEDTLS=1
# The ESP32 (Xtensa) core: scripts/xtensa-core.sh's inputs.
export XTENSA_DYNCONFIG_DIR=$dir/xtensa-dynconfig
export XTENSA_OVERLAYS_DIR=$dir/xtensa-overlays
for t in $dir/riscv32-esp-elf/bin $dir/xtensa-esp-elf/bin; do
    [ -d "\$t" ] && PATH=\$t:\$PATH
done
export PATH=$dir/idf-venv/bin:$idf/tools:\$PATH
ENV
mkdir -p "$dir/idf-tools"
echo "esp-idf-env: done; . $dir/env.sh" >&2
