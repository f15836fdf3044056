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

# Root for the apt configuration; sudo when run as a user.
sudo=
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to add a deb-src entry; or set MICROPY_DIR" >&2; exit 1; }
    sudo=sudo
fi

sources=/etc/apt/sources.list.d/modssl-micropython-src.sources
if [ ! -f "$sources" ]; then
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$uri" ] || { echo "cannot find the machine's Debian archive address in /etc/apt" >&2; exit 1; }
    $sudo tee "$sources" >/dev/null <<SRC
Types: deb-src
URIs: $uri
Suites: sid trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    $sudo apt-get update -qq >&2
fi
command -v dpkg-source >/dev/null || $sudo apt-get install -y -qq dpkg-dev >&2

mkdir -p "$dest"
for v in $versions; do
    if (cd "$dest" && apt-get source -qq --download-only "micropython=$v" >&2); then
        dsc=$(ls "$dest"/micropython_"${v#*:}".dsc)
        up=${v%%-*}
        tree="$dest/micropython-${up%%+*}"
        rm -rf "$tree"
        dpkg-source --no-check -x "$dsc" "$tree" >&2
        echo "$tree"; exit 0
    fi
    echo "micropython=$v is not served by the registry; trying the next version" >&2
done
echo "could not obtain MicroPython's source (tried: $versions); set MICROPY_DIR to a MicroPython tree" >&2
exit 1
