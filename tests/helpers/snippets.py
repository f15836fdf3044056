"""MicroPython-side code shared by every snippet.

``PRELUDE`` is prepended to each snippet.  It only defines names; it does
not touch the network, so it runs on a board as well as on the host.
Output conventions (tests parse them):

* ``show(tag, e)`` prints ``<tag> EXC <TypeName> <repr(e.args)>``;
* for OSError it also prints ``<tag>_ERRNO <e.errno>``.
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
try:
    import tls
except ImportError as e:
    print("NO_TLS_MODULE", e)
    tls = None


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
        print(tag + "_ERRNO", e.errno)


def print_cipher(s, tag="CIPHER"):
    # MicroPython 1.26 (mbedTLS) returns (suite, version); a plain suite string
    # is accepted too.  Tests compare the suite with the peer's (IANA names).
    c = s.cipher()
    if isinstance(c, tuple):
        print(tag, c[0])
        print(tag + "_VERSION", c[1])
    else:
        print(tag, c)


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


def fill_heap():
    """A list of 1 KiB bytearrays that fills the heap; pop() them to free
    some.  (Everything else the caller needs must be allocated before.)"""
    hog = []
    try:
        while True:
            hog.append(bytearray(1024))
    except MemoryError:
        pass
    return hog


def client_ctx(cadata=None, verify=True, cert=None, key=None):
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    if cadata is not None:
        ctx.load_verify_locations(cadata)
    if not verify:
        ctx.verify_mode = tls.CERT_NONE
    if cert is not None:
        ctx.load_cert_chain(cert, key)
    return ctx


def client(port, cadata=None, hostname="localhost", verify=True, cert=None, key=None):
    """tls client connection to 127.0.0.1:port, handshake done."""
    ctx = client_ctx(cadata, verify, cert, key)
    return ctx.wrap_socket(tcp(port), server_hostname=hostname)


def server_ctx(cert, key, cadata=None, require=False):
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if cadata is not None:
        ctx.load_verify_locations(cadata)
    if require:
        ctx.verify_mode = tls.CERT_REQUIRED
    return ctx


def accept_tls(l, ctx):
    c, _ = l.accept()
    return ctx.wrap_socket(c, server_side=True)
'''


def b(data: bytes) -> str:
    """A bytes literal MicroPython can parse."""
    return repr(bytes(data))
