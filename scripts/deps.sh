#!/usr/bin/env bash
# Install what a fresh Debian bookworm machine lacks for `make` / `make test`:
# Debian packages (apt-get update once, only when something is missing),
# cbindgen (cargo install, pinned), and the Python test tools (pip, pinned in
# tests/requirements.txt) into a virtualenv at VENV that sees the system's
# packages.  Rust itself (rustup) must already be there.
#
# usage: deps.sh VENV
set -euo pipefail

venv=${1:?usage: deps.sh VENV}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# ---- Debian packages ----------------------------------------------------------
# build-essential: gcc/make for MicroPython; pkg-config + libffi-dev: the unix
# port's ffi module; dpkg-dev + xz-utils: `apt-get source micropython`;
# openssl: test and demo certificates, s_server/s_client peers; python3-venv:
# the virtualenv when python3 is Debian's own; mosquitto + nginx: the real
# MQTT-over-TLS and HTTPS servers of tests/test_real_clients.py (run there with
# their own configuration on 127.0.0.1; the system services are stopped);
# valgrind: `make valgrind` (memcheck over MicroPython processes);
# uncrustify: `make lint` checks the shim's C in MicroPython's own style
# (scripts/c-format.sh; bookworm's 0.72 is the version MicroPython uses).
pkgs="build-essential pkg-config libffi-dev python3 python3-venv openssl dpkg-dev xz-utils ca-certificates mosquitto nginx valgrind uncrustify"
missing=
for p in $pkgs; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    sudo=
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "need root (or sudo) to install:$missing" >&2; exit 1; }
        sudo=sudo
    fi
    echo "apt-get install:$missing" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
    # Installing mosquitto/nginx starts their system services (where an init
    # system runs them): the tests never use those, so stop and disable them.
    for svc in mosquitto nginx; do
        case " $missing " in *" $svc "*) ;; *) continue;; esac
        if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
            $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
        else
            $sudo service "$svc" stop >/dev/null 2>&1 || true
            command -v update-rc.d >/dev/null && $sudo update-rc.d "$svc" disable >/dev/null 2>&1 || true
        fi
    done
fi

# ---- Rust -------------------------------------------------------------------------
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if ! command -v cargo >/dev/null; then
    echo "cargo not found: install Rust with rustup (https://rustup.rs), then rerun" >&2
    exit 1
fi
"$root/scripts/ensure-cbindgen.sh" >/dev/null

# ---- Python test tools ------------------------------------------------------------
# tests/requirements.txt says what the suite needs; scripts/constraints.txt
# pins the versions.  mpremote is for `pytest tests --device PORT`.
req="$root/tests/requirements.txt"
con="$root/scripts/constraints.txt"
stamp="$venv/.requirements.stamp"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv --system-site-packages "$venv"
fi
if [ ! -f "$stamp" ] || [ "$req" -nt "$stamp" ] || [ "$con" -nt "$stamp" ]; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check \
        -c "$con" -r "$req" mpremote
    touch "$stamp"
fi

# ---- MicroPython client libraries -------------------------------------------------
# umqtt.simple and urequests from PyPI (pinned), for tests/test_real_clients.py,
# cached next to the virtualenv (build/mpylib).
"$root/scripts/fetch-mpy-libs.sh" "$venv/bin/python" "$(dirname "$venv")/mpylib"
