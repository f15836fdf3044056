#!/usr/bin/env bash
# Fetch the MicroPython client libraries that tests/test_real_clients.py runs
# unmodified over our ssl: umqtt.simple and urequests, as published on PyPI;
# and PyPI's micropython-ssl (an ssl.py wrapper over ussl) into
# DEST/shadow-ssl/, for tests/test_which_ssl.py: an ssl.py on sys.path must not
# replace our ssl.
# They are bare sdists (no setup.py): `pip download` unpacks one and then
# fails, so we keep pip's build directory (--no-clean, under our own TMPDIR)
# and copy the modules out of it.  Result: DEST/umqtt/simple.py and
# DEST/urequests.py, for MICROPYPATH.  Does nothing if they are already there.
#
# usage: fetch-mpy-libs.sh PYTHON DEST
set -euo pipefail

python=${1:?usage: fetch-mpy-libs.sh PYTHON DEST}
dest=${2:?usage: fetch-mpy-libs.sh PYTHON DEST}

# name==version  file-inside-the-sdist  path-under-DEST
libs="micropython-umqtt.simple==1.3.4:umqtt/simple.py:umqtt/simple.py
micropython-urequests==0.9.1:urequests/__init__.py:urequests.py
micropython-ssl==0.1:ssl.py:shadow-ssl/ssl.py"

need=
for l in $libs; do
    [ -f "$dest/${l##*:}" ] || need=1
done
[ -n "$need" ] || exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest"
for l in $libs; do
    spec=${l%%:*}; rest=${l#*:}; src=${rest%%:*}; out=${rest#*:}
    # Expected to fail after unpacking ("does not appear to be a Python project").
    TMPDIR=$work "$python" -m pip download -q --disable-pip-version-check --no-deps \
        --no-binary :all: --no-clean -d "$work/dl" "$spec" >"$work/log" 2>&1 || true
    # In the unpacked sdist of this package only (pip's own build environment
    # holds other files of the same name).
    # (pip names the directory after the normalised project name: "." -> "-").
    dir=$(printf '%s' "${spec%%==*}" | tr '._' '--')
    found=$(find "$work" -ipath "*/${dir}_*/$src" -not -path "$dest/*" | head -n 1)
    if [ -z "$found" ]; then
        echo "fetch-mpy-libs: could not fetch $spec from PyPI:" >&2
        cat "$work/log" >&2
        exit 1
    fi
    mkdir -p "$(dirname "$dest/$out")"
    cp "$found" "$dest/$out"
    rm -rf "$work"/pip-* "$work/dl"
done
echo "fetch-mpy-libs: $(cd "$dest" && find . -name '*.py' | sort | tr '\n' ' ')" >&2
