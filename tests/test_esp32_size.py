"""scripts/esp32-size.py, which every `make esp32` runs on the finished build:
the application image against the smallest app partition of the table the
build flashes.  The firmware itself cannot be built in this suite (no
ESP-IDF on a fresh machine; docs/esp32.md), so the tables here are written
the way ESP-IDF's gen_esp32part.py writes them."""
import struct
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "esp32-size.py"

pytestmark = pytest.mark.host_only

APP, DATA = 0x00, 0x01


def entry(ptype, subtype, offset, size, label):
    # gen_esp32part.py: <2sBBLL16sL, magic AA 50, then an MD5 entry and 0xFF padding.
    return struct.pack("<2sBBLL16sL", b"\xaa\x50", ptype, subtype, offset, size, label.encode(), 0)


def build_dir(tmp_path, image_size, apps, profile=None):
    b = tmp_path / "build"
    (b / "partition_table").mkdir(parents=True)
    table = entry(DATA, 0x02, 0x9000, 0x6000, "nvs") + entry(DATA, 0x01, 0xF000, 0x1000, "phy_init")
    for label, offset, size in apps:
        table += entry(APP, 0x00, offset, size, label)
    table += b"\xeb\xeb" + b"\xff" * 14 + b"\x00" * 16  # the MD5 entry
    table += b"\xff" * (0xC00 - len(table))
    (b / "partition_table" / "partition-table.bin").write_bytes(table)
    (b / "micropython.bin").write_bytes(b"\xe9" * image_size)
    if profile:
        (b / "esp-idf" / "main" / "modssl").mkdir(parents=True)
        (b / "esp-idf" / "main" / "modssl" / "profile.txt").write_text(profile + "\n")
    return b


def run(b):
    r = subprocess.run([sys.executable, str(SCRIPT), str(b), "BOARD_X"], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def test_spare_against_the_factory_partition(tmp_path):
    b = build_dir(tmp_path, 1_365_920, [("factory", 0x10000, 0x1F0000)], profile="general")
    rc, out = run(b)
    assert rc == 0, out
    assert ("BOARD_X: modssl-rs profile general: application image 1,365,920 B; "
            "app partition 'factory' 2,031,616 B (0x1F0000); spare 665,696 B") in out
    assert "WARNING" not in out


def test_the_smallest_app_partition_counts(tmp_path):
    # An OTA table: two app slots of 0x180000 after a larger factory one.
    apps = [("factory", 0x10000, 0x1F0000), ("ota_0", 0x200000, 0x180000), ("ota_1", 0x380000, 0x180000)]
    b = build_dir(tmp_path, 1_500_000, apps)
    rc, out = run(b)
    assert rc == 0, out
    assert "no modssl-rs (stock ssl)" in out
    assert "app partition 'ota_0' 1,572,864 B (0x180000); spare 72,864 B" in out


def test_under_the_rule_warns(tmp_path):
    b = build_dir(tmp_path, 0x1F0000 - 63_999, [("factory", 0x10000, 0x1F0000)], profile="client")
    rc, out = run(b)
    assert rc == 0, out
    assert "spare 63,999 B" in out
    assert "WARNING: less than 64,000 B spare" in out


def test_an_image_that_does_not_fit_fails(tmp_path):
    b = build_dir(tmp_path, 0x1F0000 + 1, [("factory", 0x10000, 0x1F0000)], profile="full")
    rc, out = run(b)
    assert rc == 1
    assert "spare -1 B" in out
    assert "does not fit its app partition" in out


def test_not_a_build_says_what_is_missing(tmp_path):
    rc, out = run(tmp_path)
    assert rc != 0
    assert "micropython.bin: not a finished esp32 build" in out
