#!/bin/bash
# The shim's C in MicroPython's own style: MicroPython's tools/codeformat.py
# (uncrustify with its tools/uncrustify.cfg, then its #if fixups) run over
# micropython/*.[ch] and micropython/ports/*.[ch], all but the generated
# modssl_rs.h.  The style comes from the MicroPython tree we build against,
# so it is never copied into this repository.
#
# usage: c-format.sh MICROPY_DIR          check: print the diff, exit 1 if any
#        c-format.sh MICROPY_DIR --fix    rewrite the files in place
set -euo pipefail

mpy=$(cd "${1:?usage: c-format.sh MICROPY_DIR [--fix]}" && pwd)
fix=${2:-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tool=$mpy/tools/codeformat.py
[ -f "$tool" ] && [ -f "$mpy/tools/uncrustify.cfg" ] ||
    { echo "c-format: $mpy has no tools/codeformat.py + tools/uncrustify.cfg" >&2; exit 1; }
command -v uncrustify >/dev/null ||
    { echo "c-format: uncrustify is missing (scripts/deps.sh installs it: apt-get install uncrustify)" >&2; exit 1; }

cd "$root/micropython"
files=$(ls *.c *.h ports/*.c ports/*.h | grep -v '^modssl_rs\.h$')
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# shellcheck disable=SC2086
cp --parents $files "$scratch/"
# shellcheck disable=SC2086
(cd "$scratch" && python3 "$tool" -c $files)
bad=0
for f in $files; do
    if ! cmp -s "$f" "$scratch/$f"; then
        if [ "$fix" = --fix ]; then
            cp "$scratch/$f" "$f"
            echo "c-format: rewrote micropython/$f"
        else
            diff -u "$f" "$scratch/$f" | sed "1,2s|$scratch/||" || true
            bad=1
        fi
    fi
done
if [ $bad = 1 ]; then
    echo "c-format: the files above differ from MicroPython's style ($(uncrustify --version)):" >&2
    echo "  scripts/c-format.sh $mpy --fix" >&2
    exit 1
fi
