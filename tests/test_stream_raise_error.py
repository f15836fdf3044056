"""MicroPython 1.28's MP_STREAM_RAISE_ERROR ioctl (py/stream.c with
MICROPY_STREAMS_DELEGATE_ERROR): before raising OSError(code) for an error a
stream's read or write returned, the core asks the stream for a detailed
exception.  MicroPython's mbedTLS module answers with its SSL error for a
negative code.  Ours answers the same way: a negative code is raised as our
read/write raise that status; an errno (the only kind our read and write
return: EAGAIN) is left to the core.

Direct ioctl() calls exist only in the unix coverage build
(MICROPY_UNIX_COVERAGE), so this runs there; `make pytest` builds it and
sets MICROPYTHON_COVERAGE.  The request number is the same on every
MicroPython version (cores before 1.28 never send it)."""
import os
from pathlib import Path

import pytest

from helpers.mpy import HostRunner

pytestmark = pytest.mark.host_only

COVERAGE = os.environ.get("MICROPYTHON_COVERAGE", "")


@pytest.fixture
def coverage_mpy(tmp_path):
    if not COVERAGE:
        pytest.skip("needs the unix coverage build: `make pytest` sets MICROPYTHON_COVERAGE")
    if not Path(COVERAGE).exists():
        pytest.fail(f"MICROPYTHON_COVERAGE={COVERAGE} does not exist (make coverage)")
    runner = HostRunner(Path(COVERAGE).absolute(), tmp_path)
    yield runner
    runner.cleanup()


def test_raise_error_ioctl(coverage_mpy):
    r = coverage_mpy.run('''
import io, ssl
_MP_STREAM_RAISE_ERROR = 12
s = ssl.wrap_socket(io.BytesIO(), server_side=1, do_handshake=0)
print("ERRNO", s.ioctl(_MP_STREAM_RAISE_ERROR, 11))
for code in (-0x7180, -0x2703, -0x7F00):
    try:
        s.ioctl(_MP_STREAM_RAISE_ERROR, code)
        print("CODE", code, "not raised")
    except Exception as e:
        print("CODE", code, type(e).__name__, repr(e.args))
try:
    s.ioctl(0, 0)
except OSError as e:
    print("OTHER", e.errno)
''').check()
    assert r.one("ERRNO") == "0", r
    codes = [line.split(" ", 2)[2] for line in r.stdout.splitlines() if line.startswith("CODE ")]
    assert codes == [
        "SSLError (-29056, 'SSL_BAD_RECORD_MAC: decryption failed')",
        "SSLCertVerificationError ('certificate verification failed: hostname mismatch',)",
        "MemoryError ()",
    ], r
    assert r.one("OTHER") == "22", r   # EINVAL: other requests stay unsupported
