"""pytest plugin for `--device` runs on the emulated boards: the qemu board
(make qemu-test) and the real rp2 firmware on rp2040js (make rp2-emu).

Neither emulator has a network: the qemu port has no `socket` module at all,
and the Pico W firmware has one but no emulated Wi-Fi chip behind it, so no
socket reaches the host.  Tests whose MicroPython snippets use sockets are
skipped with that reason instead of failing on ImportError or a timeout.
Loaded with ``-p emulated_device_plugin`` by those targets only.
"""
from __future__ import annotations

import inspect

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        fn = getattr(item, "function", None)
        try:
            src = inspect.getsource(fn) if fn else ""
        except (OSError, TypeError):
            src = ""
        if "socket.socket(" in src or "import socket" in src or "tcp(" in src:
            item.add_marker(pytest.mark.skip(
                reason="needs a network: the emulated boards have none (no socket module on qemu,"
                       " no emulated Wi-Fi chip on rp2040js)"))
