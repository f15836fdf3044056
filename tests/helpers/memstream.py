"""The in-memory stream MicroPython snippets wrap instead of a socket.

``STREAM`` is MicroPython source defining ``Buf``, ``End`` and ``pair()``:

* ``pair()``: the two ends of a duplex stream, for a client and a server
  inside one interpreter (tests/qemu_snippets.py: the emulated boards have
  no network);
* ``End(Buf(), Buf())``: one end whose other side is driven from outside
  (tests/test_qemu_peer.py: the host fills ``rx.b`` and empties ``tx.b``);
* ``End()``: a stream that takes every write and reads EOF, enough for
  ``wrap_socket`` without a handshake (tests/test_api.py, test_device.py).

The ends are non-blocking: ``readinto`` gives None (EAGAIN) while nothing is
queued, as a non-blocking socket would.
"""

STREAM = r'''
import io

class Buf:
    def __init__(self):
        self.b = bytearray()

class End(io.IOBase):
    # One end of an in-memory duplex stream: reads what rx holds (None, as
    # EAGAIN, while it holds nothing; EOF if there is no rx), writes to tx
    # (with no tx the bytes are taken and dropped).
    def __init__(self, rx=None, tx=None):
        self.rx = rx
        self.tx = tx
        self.closed = False
    def readinto(self, buf):
        if self.rx is None:
            return 0
        n = min(len(buf), len(self.rx.b))
        if n == 0:
            return None
        buf[:n] = self.rx.b[:n]
        self.rx.b = self.rx.b[n:]
        return n
    def write(self, buf):
        if self.tx is not None:
            self.tx.b.extend(buf)
        return len(buf)
    def ioctl(self, req, arg):
        return 0
    def setblocking(self, flag):
        pass
    def close(self):
        self.closed = True

def pair():
    a, b = Buf(), Buf()
    return End(a, b), End(b, a)
'''
