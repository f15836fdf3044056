#!/usr/bin/env bash
# The MicroPython tree for the mbedTLS anchor (`make anchor`): a symlink farm
# of MPY_TREE at DEST, never writing into MPY_TREE itself, in which
#   - lib/mbedtls is the mbedTLS 3.6 source from Debian (scripts/get-mbedtls.sh);
#   - extmod/extmod.mk is a real file with Debian's patch 0006 ("extmod: Use
#     system mbedtls") reversed, so the build compiles MicroPython's own list of
#     mbedTLS sources with MicroPython's mbedtls_config_port.h, as upstream does,
#     instead of linking a system libmbedtls (bookworm's is 2.28).
# Prints DEST.  Rebuilt when either input tree changes.
#
# usage: anchor-tree.sh MPY_TREE MBEDTLS_TREE DEST
set -euo pipefail
mpy=$(cd "${1:?usage: anchor-tree.sh MPY_TREE MBEDTLS_TREE DEST}" && pwd)
mbed=$(cd "${2:?}" && pwd)
dest=${3:?}
stamp="$mpy $mbed"
if [ -f "$dest/.anchor-tree" ] && [ "$(cat "$dest/.anchor-tree")" = "$stamp" ]; then
    echo "$dest"; exit 0
fi
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
cp -as "$mpy" "$dest"
rm "$dest/extmod/extmod.mk"
cp "$mpy/extmod/extmod.mk" "$dest/extmod/extmod.mk"
patch -s -R -p1 -d "$dest" < "$mpy/debian/patches/0006-extmod-Use-system-mbedtls.patch" >&2
rmdir "$dest/lib/mbedtls" 2>/dev/null || rm -rf "$dest/lib/mbedtls"
ln -s "$mbed" "$dest/lib/mbedtls"
echo "$stamp" > "$dest/.anchor-tree"
echo "$dest"
