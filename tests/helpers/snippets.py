"""MicroPython-side code shared by every snippet.

``PRELUDE`` is prepended to each snippet.  It only defines names; it does
not touch the network, so it runs on a board as well as on the host.
Output conventions (tests parse them):

* ``show(tag, e)`` prints ``<tag> EXC <TypeName> <repr(e.args)>``;
* for OSError it also prints ``<tag> ERRNO <e.errno>``.
"""
from __future__ import annotations

PRELUDE = r'''
import sys
try:
    import socket
except ImportError:
    socket = None
import hashlib
import binascii


def addr(port):
    return socket.getaddrinfo("127.0.0.1", port)[0][-1]


def tcp(port):
    s = socket.socket()
    s.connect(addr(port))
    return s


def listener(port):
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        l.bind(addr(port))
    except OSError as e:
        print("BINDFAIL", e)
        sys.exit(3)
    l.listen(2)
    print("LISTENING")
    return l


def show(tag, e):
    print(tag, "EXC", type(e).__name__, repr(e.args))
    if isinstance(e, OSError):
        print(tag, "ERRNO", e.errno)


def hexs(b):
    return binascii.hexlify(b).decode()


def sha(b):
    return hexs(hashlib.sha256(b).digest())


_BASE = bytes(range(256)) * 16


def pattern_block(i):
    return i.to_bytes(4, "big") + _BASE[4:]


def send_pattern(s, n):
    # n must be a multiple of 4096
    for i in range(n // 4096):
        s.write(pattern_block(i))


def recv_hash(s, limit=None):
    """Read until EOF (or `limit` bytes); return (count, sha256 hex)."""
    h = hashlib.sha256()
    n = 0
    buf = bytearray(4096)
    mv = memoryview(buf)
    while limit is None or n < limit:
        want = 4096 if limit is None else min(4096, limit - n)
        k = s.readinto(mv[:want])
        if not k:
            break
        h.update(mv[:k])
        n += k
    return n, hexs(h.digest())
'''


def b(data: bytes) -> str:
    """A bytes literal MicroPython can parse."""
    return repr(bytes(data))
