#!/usr/bin/env bash
# After `make rp2`: the image against micropython/rp2-sizes.txt, the measured
# sizes from which micropython.cmake picks a board's profile and refuses a
# board that cannot hold it.  A build of a measured board, version and
# profile (with the profile's own features) that differs from its row by more
# than 2,048 B means the table has drifted: it says so, and with
# MODSSL_SIZE_CHECK=strict (make rp2-emu) it fails.
#
# usage: rp2-size-check.sh BOARD MICROPYTHON_VERSION BUILD_DIR
set -euo pipefail

board=${1:?usage: rp2-size-check.sh BOARD VERSION BUILD_DIR}
ver=${2:?usage: rp2-size-check.sh BOARD VERSION BUILD_DIR}
build=${3:?usage: rp2-size-check.sh BOARD VERSION BUILD_DIR}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
table=$root/micropython/rp2-sizes.txt
tolerance=2048

image=$(arm-none-eabi-size "$build/firmware.elf" | awk 'NR == 2 {print $1 + $2}')
profile=$(cat "$build/modssl/profile.txt" 2>/dev/null || true)
features=$(cat "$build/modssl/features.txt" 2>/dev/null || true)
[ -n "$profile" ] || { echo "rp2-size-check: $build/modssl/profile.txt is missing (not configured by micropython.cmake?)" >&2; exit 2; }
echo "modssl-rs: $board, MicroPython $ver, profile $profile: image $image B"

# A copy made by rp2-board-copy.sh is measured as its original.
board=$(echo "$board" | sed 's/_FS[0-9]*K$//')
measured=$(awk -v b="$board" -v v="$ver" -v p="$profile" '$1 == b && $2 == v && $3 == p {print $4}' "$table")
if [ -z "$measured" ]; then
    echo "modssl-rs: no measured size for $board / $ver / $profile in micropython/rp2-sizes.txt (nothing to compare)"
    exit 0
fi
if [ "$features" != "$(sh "$root/micropython/features.sh" "$profile")" ]; then
    echo "modssl-rs: features changed from the $profile profile's ($features): not compared with the table"
    exit 0
fi
diff=$((image - measured))
echo "modssl-rs: micropython/rp2-sizes.txt has $measured B for it (${diff#-} B $([ $diff -ge 0 ] && echo more || echo less))"
if [ ${diff#-} -gt $tolerance ]; then
    msg="micropython/rp2-sizes.txt is out of date for $board / $ver / $profile: measured $measured B, this build $image B. Update that row (and docs/building.md, \"Which rp2 boards fit\"): micropython.cmake chooses profiles and refuses boards by it."
    if [ "${MODSSL_SIZE_CHECK:-}" = strict ]; then
        echo "rp2-size-check: $msg" >&2
        exit 1
    fi
    echo "WARNING: $msg" >&2
fi
