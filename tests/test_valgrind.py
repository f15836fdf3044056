"""Memcheck sees the core's memory (issue 18).

``make valgrind`` runs its pytest files on ``build/micropython-valgrind``,
where the core's blocks come from malloc instead of MicroPython's heap and
each allocation of a connection is a block of its own (docs/design.md,
"Under valgrind").  This file checks that memcheck really does see them: the
variant's ``tls._valgrind_selftest(n)`` makes one deliberate error in the
core (a write one byte past a 100-byte allocation, or a read after free, in
a connection's arena or on the shared heap), and memcheck must report each
one, with the block it hit.  In build/micropython the same errors would land
inside MicroPython's heap, one malloc block to memcheck, and pass unseen.

Runs under ``make valgrind`` only (``MODSSL_VALGRIND_MPY`` names the binary);
skipped otherwise.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

VALGRIND_MPY = os.environ.get("MODSSL_VALGRIND_MPY")
WRAPPER = Path(__file__).resolve().parent.parent / "scripts" / "valgrind-mpy.sh"

pytestmark = [
    pytest.mark.host_only,
    pytest.mark.skipif(not VALGRIND_MPY, reason="run by make valgrind (MODSSL_VALGRIND_MPY: "
                       "build/micropython-valgrind)"),
]

SNIPPET = r'''
import tls
if not hasattr(tls, "_valgrind_selftest"):
    print("NO_SELFTEST")
else:
    print("SELFTEST", tls._valgrind_selftest({n}))
'''

# What memcheck must say about each error: the access, then where the address
# is.  "0 bytes after": the red zone starts right where the allocation ends
# (no slack of an arena chunk or of a 16-byte GC block in between).  One
# process each: memcheck reports an error once per stack, and the four share
# their callers.
CASES = {
    1: ("Invalid write of size 1", r"is 0 bytes after a block of size \d+ alloc'd"),
    2: ("Invalid write of size 1", r"is 0 bytes after a block of size \d+ alloc'd"),
    3: ("Invalid read of size 1", r"is \d+ bytes inside a block of size \d+ free'd"),
    4: ("Invalid read of size 1", r"is \d+ bytes inside a block of size \d+ free'd"),
}


@pytest.mark.parametrize("n", sorted(CASES), ids=["arena-write-past-end", "shared-write-past-end",
                                                  "arena-read-after-free", "shared-read-after-free"])
def test_memcheck_reports_errors_in_the_cores_blocks(n, tmp_path):
    access, where = CASES[n]
    script = tmp_path / "selftest.py"
    script.write_text(SNIPPET.format(n=n))
    # The wrapper of every other file's processes, with the log kept here:
    # build/valgrind counts the logs with errors, and these errors are wanted.
    env = dict(os.environ, MODSSL_VALGRIND_LOGS=str(tmp_path))
    p = subprocess.run([str(WRAPPER), str(script)], env=env, capture_output=True, text=True, timeout=120)
    out = p.stdout + p.stderr
    assert "NO_SELFTEST" not in out, (
        f"{VALGRIND_MPY} has no tls._valgrind_selftest: it is not build/micropython-valgrind, "
        "so memcheck cannot see the core's memory (make valgrind-build)", out)
    ran = [l.split() for l in out.splitlines() if l.startswith("SELFTEST")]
    assert len(ran) == 1 and ran[0][1] != "-1", out
    logs = list(tmp_path.glob("memcheck.*.log"))
    assert len(logs) == 1, logs
    log = logs[0].read_text()
    print(log)
    assert p.returncode == 99, (f"memcheck's error exit status expected, got {p.returncode}", log)
    assert log.count("Invalid ") == 1, ("one report, for the deliberate error", log)
    assert access in log and re.search(where, log), log
    assert re.search(r"at 0x[0-9A-F]+: modssl_valgrind_selftest", log), ("the core's frame on top", log)
