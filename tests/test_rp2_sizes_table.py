"""micropython/rp2-sizes.txt, the measured rp2 images from which
micropython.cmake (rp2-boards.cmake) picks a board's default profile and
refuses a board that cannot hold the module, and docs/building.md's "Which
rp2 boards fit" must say the same.  The table itself is checked against real
builds by every `make rp2` of a measured board (scripts/rp2-size-check.sh;
strict in `make rp2-emu`), which this suite cannot run (no pico-sdk here)."""
import datetime
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TABLE = REPO / "micropython" / "rp2-sizes.txt"
PROFILES = ("full", "general", "client", "small-client", "minimal")

pytestmark = pytest.mark.host_only


def rows():
    out = []
    for line in TABLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            out.append(line.split())
    return out


def docs_section() -> str:
    text = (REPO / "docs" / "building.md").read_text()
    start = text.index("## Which rp2 boards fit")
    end = text.index("\n## ", start + 3)
    return text[start:end]


def test_rows_are_well_formed():
    seen = set()
    assert rows(), "micropython/rp2-sizes.txt has no rows"
    for row in rows():
        assert len(row) == 5, row
        board, version, profile, image, date = row
        assert re.fullmatch(r"[A-Z0-9_]+", board), row
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), row
        assert profile in PROFILES, row
        assert image.isdigit() and 200_000 < int(image) < 4_000_000, row
        datetime.date.fromisoformat(date)
        assert (board, version, profile) not in seen, f"duplicate row {row}"
        seen.add((board, version, profile))
        # features.sh knows the profile (the size check compares features).
        subprocess.run(["sh", str(REPO / "micropython" / "features.sh"), profile], check=True,
                       capture_output=True)


def test_docs_carry_every_measured_image():
    section = docs_section()
    for board, version, profile, image, _date in rows():
        line = next((ln for ln in section.splitlines() if ln.startswith("|") and board in ln
                     and f"{int(image):,} B" in ln), None)
        assert line is not None, (f"docs/building.md, 'Which rp2 boards fit', has no table row with {board} "
                                  f"and its {profile} image {int(image):,} B (MicroPython {version})")
        assert version in line, (board, version, line)
