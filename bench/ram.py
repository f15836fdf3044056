"""RAM figures read from a firmware's link: the static RAM a TLS module
takes, and the main stack a build reserves.  Used by the qemu rows of
`make bench` (bench/qemu_bench.py) and by `make bench-rp2`
(bench/rp2emu_bench.py) for "RAM a user loses to TLS"."""
from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers.rp2emu import function_extent, stack_extent  # noqa: E402

# Objects that are the TLS module, by build, told by the object's own name
# (the build directory's path may contain anything, "mbedtls" and "modssl"
# included): ours is the shim (micropython/modssl*.c) and the core's archive
# (libmodssl_rs.a); MicroPython's mbedTLS module is extmod/modtls_mbedtls.c,
# the mbedTLS library and the ports' glue (ports/rp2/mbedtls/mbedtls_port.c,
# bench/anchor-qemu/mbedtls_glue/).


def OURS(obj: str) -> bool:
    return "modssl" in obj.rsplit("/", 1)[-1]


def MBEDTLS(obj: str) -> bool:
    return ("mbedtls" in obj.rsplit("/", 1)[-1] or "/mbedtls/library/" in obj or "/mbedtls_glue/" in obj
            or "/mbedtls/mbedtls_" in obj)


# The rp2 port's own main stack (PICO_STACK_SIZE, SCRATCH_X+Y).
PORT_MAIN_STACK = 8192


def static_ram(map_file: Path, is_module) -> int:
    """Bytes of .data and .bss that the GNU ld map file places for the
    objects `is_module` (OURS, MBEDTLS) takes."""
    total = 0
    pending = None
    text = Path(map_file).read_text(errors="replace")
    # What was placed, not the list of discarded input sections before it.
    text = text[text.find("Linker script and memory map"):]
    for line in text.splitlines():
        # An input section: " .bss.name 0xADDR 0xSIZE object", or its name
        # alone on one line and the rest on the next.
        m = re.match(r"^ (\.(?:s?bss|s?data)\S*)\s*$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^ (\.(?:s?bss|s?data)\S*)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", line)
        if m and (m.group(1) or pending):
            size, obj = int(m.group(3), 16), m.group(4)
            if is_module(obj):
                total += size
        pending = None
    return total


def has_core_stack(elf: Path) -> bool:
    """Whether the (Arm) firmware runs handshakes on the core stack
    (micropython/modssl_stack.c's switch is linked in)."""
    return function_extent(Path(elf), "stack_switch") is not None


def main_stack(elf: Path) -> int:
    """The rp2 firmware's main stack: __StackTop - __StackBottom."""
    top, bottom = stack_extent(Path(elf))
    return top - bottom
