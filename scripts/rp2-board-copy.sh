#!/usr/bin/env bash
# A board definition of your own: a copy of one of MicroPython's rp2 boards
# with a smaller filesystem, for a board whose firmware area cannot hold this
# module (the WIZnet Ethernet boards keep the Pico's 1408K filesystem:
# docs/building.md, "Which rp2 boards fit").
#
# usage: rp2-board-copy.sh MICROPY_DIR BOARD FS_KIB DEST_DIR
# prints the new board directory (DEST_DIR/<BOARD>_FS<FS_KIB>K), for
#   make rp2 BOARD=<that directory> MICROPY_DIR=...
#
# The copy differs from the original only in MICROPY_HW_FLASH_STORAGE_BYTES.
# Flashing it over firmware with the board's own layout moves where the
# filesystem starts: back up your files first (mpremote cp -r : backup/),
# and restore them after.
set -euo pipefail

mpy=${1:?usage: rp2-board-copy.sh MICROPY_DIR BOARD FS_KIB DEST_DIR}
board=${2:?usage: rp2-board-copy.sh MICROPY_DIR BOARD FS_KIB DEST_DIR}
fs=${3:?usage: rp2-board-copy.sh MICROPY_DIR BOARD FS_KIB DEST_DIR}
dest=${4:?usage: rp2-board-copy.sh MICROPY_DIR BOARD FS_KIB DEST_DIR}

src=$mpy/ports/rp2/boards/$board
[ -f "$src/mpconfigboard.h" ] || { echo "rp2-board-copy: no board $board in $mpy/ports/rp2/boards" >&2; exit 2; }
case $fs in ''|*[!0-9]*) echo "rp2-board-copy: FS_KIB must be a number of KiB, not '$fs'" >&2; exit 2;; esac
grep -q "^#define MICROPY_HW_FLASH_STORAGE_BYTES" "$src/mpconfigboard.h" || {
    echo "rp2-board-copy: $board's mpconfigboard.h does not set MICROPY_HW_FLASH_STORAGE_BYTES" >&2; exit 2; }

out=$dest/${board}_FS${fs}K
rm -rf "$out"
mkdir -p "$dest"
cp -r "$src" "$out"
sed -i "s|^#define MICROPY_HW_FLASH_STORAGE_BYTES .*|#define MICROPY_HW_FLASH_STORAGE_BYTES      (${fs} * 1024) // modssl-rs: was $(sed -n 's|^#define MICROPY_HW_FLASH_STORAGE_BYTES[[:space:]]*||p' "$src/mpconfigboard.h")|" \
    "$out/mpconfigboard.h"
# The board's own files name their directory through MICROPY_BOARD_DIR /
# $(BOARD_DIR), which follow the copy; a header named after the board
# (PICO_BOARD_HEADER_DIRS) comes along with it.
cd "$out" && pwd
