#!/usr/bin/env bash
# Obtain MicroPython's source from Debian's registry, unless the user points
# MICROPY_DIR at a tree of their own.  Prints the tree's path on stdout.
#
# Debian ships MicroPython as a source package only for sid/trixie; this
# machine runs bookworm.  We add a `deb-src`-only entry (a `deb` line for sid
# would let apt pull sid binaries into bookworm) reusing the archive address
# of the machine's own Debian entry, so no registry host is written here.
set -euo pipefail

dest=${1:?usage: get-micropython.sh DEST_DIR}
versions=${MICROPY_DEB_VERSIONS:-"1.26.1+ds-1 1.25.0+ds-1"}

if [ -n "${MICROPY_DIR:-}" ]; then
    [ -f "$MICROPY_DIR/py/mpconfig.h" ] || { echo "MICROPY_DIR=$MICROPY_DIR is not a MicroPython tree (no py/mpconfig.h)" >&2; exit 1; }
    echo "$MICROPY_DIR"; exit 0
fi

for v in $versions; do
    up=${v%%-*}                      # 1.26.1+ds
    tree="$dest/micropython-${up%%+*}"
    if [ -f "$tree/py/mpconfig.h" ]; then echo "$tree"; exit 0; fi
done

. "$(dirname "${BASH_SOURCE[0]}")/deb-src.sh"
deb_src_ensure_entry MICROPY_DIR

for v in $versions; do
    up=${v%%-*}
    tree="$dest/micropython-${up%%+*}"
    if deb_src_extract micropython "$v" "$dest" "$tree"; then
        echo "$tree"; exit 0
    fi
    echo "micropython=$v is not served by the registry; trying the next version" >&2
done
echo "could not obtain MicroPython's source (tried: $versions); set MICROPY_DIR to a MicroPython tree" >&2
exit 1
