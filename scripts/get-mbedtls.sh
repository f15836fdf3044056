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

. "$(dirname "${BASH_SOURCE[0]}")/deb-src.sh"
deb_src_ensure_entry MBEDTLS_DIR

for v in $versions; do
    tree="$dest/mbedtls-${v%%-*}"
    if deb_src_extract mbedtls "$v" "$dest" "$tree"; then
        echo "$tree"; exit 0
    fi
    echo "mbedtls=$v is not served by the registry; trying the next version" >&2
done
echo "could not obtain mbedTLS's source (tried: $versions); set MBEDTLS_DIR to an mbedTLS 3.6 tree" >&2
exit 1
