#!/usr/bin/env bash
# Obtain mbedTLS 3.6's source from Debian's registry (`apt-get source
# mbedtls`), for the mbedTLS anchor build (`make anchor`).  Prints the
# source tree's path on stdout.
#
# The deb-src entry is the same one scripts/get-micropython.sh adds (sid and
# trixie, the machine's own Debian archive address; no registry host is
# written here).  MBEDTLS_DIR=/path/to/mbedtls uses a tree of your own.
set -euo pipefail

dest=${1:?usage: get-mbedtls.sh DEST_DIR}
# MicroPython 1.26.1 pins mbedTLS 3.6.x; sid has 3.6.7-3, trixie 3.6.6.
versions=${MBEDTLS_DEB_VERSIONS:-"3.6.7-3 3.6.6-0.1~deb13u1"}

if [ -n "${MBEDTLS_DIR:-}" ]; then
    [ -f "$MBEDTLS_DIR/include/mbedtls/ssl.h" ] || { echo "MBEDTLS_DIR=$MBEDTLS_DIR is not an mbedTLS tree" >&2; exit 1; }
    echo "$MBEDTLS_DIR"; exit 0
fi

for v in $versions; do
    tree="$dest/mbedtls-${v%%-*}"
    if [ -f "$tree/include/mbedtls/ssl.h" ]; then echo "$tree"; exit 0; fi
done

sudo=
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to add a deb-src entry; or set MBEDTLS_DIR" >&2; exit 1; }
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
    if (cd "$dest" && apt-get source -qq --download-only "mbedtls=$v" >&2); then
        dsc=$(ls "$dest"/mbedtls_"${v#*:}".dsc)
        tree="$dest/mbedtls-${v%%-*}"
        rm -rf "$tree"
        dpkg-source --no-check -x "$dsc" "$tree" >&2
        echo "$tree"; exit 0
    fi
    echo "mbedtls=$v is not served by the registry; trying the next version" >&2
done
echo "could not obtain mbedTLS's source (tried: $versions); set MBEDTLS_DIR to an mbedTLS 3.6 tree" >&2
exit 1
