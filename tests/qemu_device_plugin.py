"""pytest plugin for `--device` runs on the emulated qemu board (make qemu-test).

The qemu port has no network stack (no `socket` module), unlike a Pico W or
an ESP32: tests whose MicroPython snippets use sockets cannot run there, so
they are skipped with that reason instead of failing on ImportError.  Loaded
with ``-p qemu_device_plugin`` by the qemu-test target only.
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
                reason="needs a network stack: the emulated qemu board has no socket module"))
