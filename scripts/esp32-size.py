#!/usr/bin/env python3
"""The size of an esp32 firmware build against its application partition.

usage: esp32-size.py BUILD_DIR [BOARD]

Reads BUILD_DIR/micropython.bin (the application image the bootloader loads)
and BUILD_DIR/partition_table/partition-table.bin (the table the build
flashes), and prints the image size, the smallest app partition and what is
left, plus the modssl-rs profile the build holds (modssl/profile.txt).
Exit status 1 if the image does not fit (IDF's check_sizes.py stops such a
build too); a warning under 64,000 B spare, the rule the default profiles
follow.
"""
import pathlib
import struct
import sys

ENTRY = struct.Struct("<HBBII16sI")  # magic, type, subtype, offset, size, label, flags
MAGIC = 0x50AA
APP = 0x00
MIN_SPARE = 64000  # as for the rp2 boards (micropython/rp2-boards.cmake)


def app_partitions(table):
    for i in range(0, len(table) - ENTRY.size + 1, ENTRY.size):
        magic, ptype, _sub, offset, size, label, _flags = ENTRY.unpack_from(table, i)
        if magic != MAGIC:
            break
        if ptype == APP:
            yield label.rstrip(b"\0").decode(), offset, size


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = pathlib.Path(sys.argv[1])
    board = sys.argv[2] if len(sys.argv) > 2 else build.name
    image = build / "micropython.bin"
    table = build / "partition_table" / "partition-table.bin"
    for f in (image, table):
        if not f.is_file():
            sys.exit(f"esp32-size.py: no {f}: not a finished esp32 build")
    apps = list(app_partitions(table.read_bytes()))
    if not apps:
        sys.exit(f"esp32-size.py: {table} has no application partition")
    label, _offset, size = min(apps, key=lambda a: a[2])
    used = image.stat().st_size
    profile = next(build.rglob("modssl/profile.txt"), None)
    what = f"modssl-rs profile {profile.read_text().strip()}" if profile else "no modssl-rs (stock ssl)"
    print(f"{board}: {what}: application image {used:,} B; "
          f"app partition '{label}' {size:,} B (0x{size:X}); spare {size - used:,} B")
    if used > size:
        print(f"{board}: the image does not fit its app partition: choose a smaller profile (MODSSL_PROFILE)")
        return 1
    if size - used < MIN_SPARE:
        print(f"{board}: WARNING: less than {MIN_SPARE:,} B spare (the rule the default profiles follow, "
              "docs/esp32.md): a smaller profile (MODSSL_PROFILE) leaves room for fixes and frozen code")
    return 0


if __name__ == "__main__":
    sys.exit(main())
