#!/bin/sh
# The version of a MicroPython tree (X.Y.Z, from py/mpconfig.h): the board
# builds' directories are named by it (build/<port>-<BOARD>-vX.Y.Z).
# usage: mpy-version.sh MICROPY_DIR
set -eu
v=$(awk '/#define MICROPY_VERSION_(MAJOR|MINOR|MICRO) / {printf "%s%s", sep, $3; sep="."}' "${1:?usage: mpy-version.sh MICROPY_DIR}/py/mpconfig.h")
[ -n "$v" ] || { echo "mpy-version.sh: cannot read the MicroPython version from $1/py/mpconfig.h" >&2; exit 2; }
echo "$v"
