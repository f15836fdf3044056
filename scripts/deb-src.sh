# Shared by get-micropython.sh and get-mbedtls.sh (sourced, not run):
# Debian source packages from the machine's own registry.
#
# Debian ships MicroPython (and mbedTLS 3.6) as source packages for
# sid/trixie; this machine runs bookworm.  We add a `deb-src`-only entry (a
# `deb` line for sid would let apt pull sid binaries into bookworm) reusing
# the archive address of the machine's own Debian entry, so no registry host
# is written in this repository.

# Root for the apt configuration; sudo when run as a user.  $1 names the
# variable that lets the user skip all this (for the error message).
deb_src_ensure_entry() {
    local sudo=
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "need root (or sudo) to add a deb-src entry; or set $1" >&2; exit 1; }
        sudo=sudo
    fi
    local sources=/etc/apt/sources.list.d/modssl-micropython-src.sources
    if [ ! -f "$sources" ]; then
        local uri
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
}

# deb_src_extract PACKAGE VERSION DEST TREE: downloads PACKAGE=VERSION's
# source into DEST and unpacks it (Debian's patches applied) as TREE.
# Returns non-zero when the registry does not serve that version.
deb_src_extract() {
    local pkg=$1 v=$2 dest=$3 tree=$4
    mkdir -p "$dest"
    (cd "$dest" && apt-get source -qq --download-only "$pkg=$v" >&2) || return 1
    local dsc
    dsc=$(ls "$dest/${pkg}_${v#*:}.dsc")
    rm -rf "$tree"
    dpkg-source --no-check -x "$dsc" "$tree" >&2
}
