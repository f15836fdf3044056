"""Board-only checks (run with --device PORT)."""
import pytest

from helpers.memstream import STREAM   # End(): takes every write, reads EOF

pytestmark = pytest.mark.device_only

SNIPPET = STREAM + '''
import gc, ssl
# Leave contexts and sockets alive (not closed) when the script ends: the next
# run starts after a soft reset, which must not trip over anything they held.
keep = []
for i in range(4):
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = tls.CERT_NONE
    keep.append(ctx.wrap_socket(End(), do_handshake_on_connect=False))
gc.collect()
print("FREE", gc.mem_free())
print("DONE")
'''


def test_survives_soft_reset_with_live_objects(mpy):
    # mpremote soft-resets the board before each `run`.
    first = mpy.run(SNIPPET).check()
    second = mpy.run(SNIPPET).check()
    third = mpy.run(SNIPPET).check()
    for r in (first, second, third):
        assert "DONE" in r.lines, r
    # Nothing survives a soft reset: free memory is the same each time.
    assert abs(int(first.one("FREE")) - int(third.one("FREE"))) < 1024, (first, third)
