"""Issue 13, item 1: timeouts.  ``ssl.wrap_socket(..., timeout=)`` (Pycom's)
bounds the handshake wherever it runs (in wrap_socket, in ``connect()`` for a
socket wrapped before it was connected, in the first read/write of a
deferred handshake), as a whole, and then the socket's own timeout is back;
``SSLSocket.settimeout()`` sets the underlying socket's and bounds TLS
reads/writes.  Real peers: a TCP server that accepts and stays silent, one
that trickles a record byte by byte, a CPython TLS server that answers late,
one whose listen queue is full (the connect itself waits)."""
import socket
import threading
import time

import pytest

from helpers.fixtures import peer_factory
from helpers.snippets import b


class Trickle:
    """Accepts one connection and sends a TLS record header, then one byte
    every `every` seconds for `seconds`: each wait is short, the whole is
    long (a handshake that never completes)."""

    def __init__(self, every=0.3, seconds=8.0):
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.lsock.settimeout(20)
        self.port = self.lsock.getsockname()[1]
        self.every, self.seconds = every, seconds
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        try:
            c, _ = self.lsock.accept()
        except OSError:
            return
        with c:
            c.recv(4096)                       # the ClientHello
            c.sendall(b"\x16\x03\x03\x3e\x80")  # a 16000-byte handshake record...
            end = time.monotonic() + self.seconds
            while time.monotonic() < end:      # ...that comes a byte at a time
                time.sleep(self.every)
                try:
                    c.sendall(b"\x02")
                except OSError:
                    return

    def close(self):
        self.lsock.close()


trickle = peer_factory(Trickle, "Factory for Trickle peers.")


@pytest.fixture
def full_backlog():
    """A listening socket whose accept queue is full: Linux drops the next
    SYN, so a connect to it waits (loopback's stand-in for a dead host)."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(0)
    port = lsock.getsockname()[1]
    fill = []
    for _ in range(3):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fill.append(c)
    time.sleep(0.2)
    yield port
    for c in fill:
        c.close()
    lsock.close()


TIMED = '''
import socket, ssl, time, errno, gc
def elapsed(t):
    return time.ticks_diff(time.ticks_ms(), t) / 1000
def report(tag, t, e):
    print(tag, type(e).__name__, e.errno == errno.ETIMEDOUT, e.errno, "%.1f" % elapsed(t))
'''


def timed_out(line, low, high):
    """`line` is 'OSError True <errno> <seconds>': ETIMEDOUT between low and high s."""
    kind, is_timeout, _errno, secs = line.split()
    assert kind == "OSError" and is_timeout == "True", line
    assert low <= float(secs) <= high, line


def test_pycom_wrap_then_connect_to_silent_server(mpy, plain_server):
    """Pycom's order (examples/seed_pycom.py): wrap the unconnected socket
    with timeout=2, then connect() to a server that accepts and says
    nothing: OSError(ETIMEDOUT) after about 2 s, the connection's memory
    released.  (MicroPython 1.26 and our earlier code: blocked until the
    server gave up.)"""
    srv = plain_server(steps=[("recv_eof",)])
    r = mpy.run(TIMED + f'''
gc.collect()
before = ssl.mem_info()
ss = ssl.wrap_socket(socket.socket(), timeout=2)
t = time.ticks_ms()
try:
    ss.connect(addr({srv.port}))
    print("CONNECTED")
except OSError as e:
    report("CONNECT", t, e)
ss.close()
print("MEM", ssl.mem_info() == before)
''', timeout=30).check()
    timed_out(r.one("CONNECT"), 1.5, 4.0)
    assert r.one("MEM") == "True", r


def test_timeout_bounds_the_tcp_connect_too(mpy, full_backlog):
    """connect() to a host that does not answer the SYN: the same timeout
    bounds the TCP connect, OSError(ETIMEDOUT), not Linux's two minutes."""
    r = mpy.run(TIMED + f'''
ss = ssl.wrap_socket(socket.socket(), timeout=1)
t = time.ticks_ms()
try:
    ss.connect(addr({full_backlog}))
    print("CONNECTED")
except OSError as e:
    report("CONNECT", t, e)
''', timeout=30).check()
    timed_out(r.one("CONNECT"), 0.7, 3.0)


def test_timeout_bounds_the_whole_handshake(mpy, trickle):
    """A server that sends its record a byte every 0.3 s: every single wait
    is short, so only a bound on the whole handshake stops it (about 2 s, not
    the 8 s the trickle lasts)."""
    peer = trickle(every=0.3, seconds=8)
    r = mpy.run(TIMED + f'''
t = time.ticks_ms()
try:
    ssl.wrap_socket(tcp({peer.port}), timeout=2)
    print("WRAPPED")
except OSError as e:
    report("WRAP", t, e)
''', timeout=30).check()
    timed_out(r.one("WRAP"), 1.5, 4.0)


def test_timeout_bounds_a_deferred_handshake_in_write(mpy, plain_server):
    """do_handshake=False: the handshake runs in the first write, and
    timeout= bounds it there."""
    srv = plain_server(steps=[("recv_eof",)])
    r = mpy.run(TIMED + f'''
ss = ssl.wrap_socket(tcp({srv.port}), timeout=1.5, do_handshake=False)
print("WRAPPED")
t = time.ticks_ms()
try:
    ss.write(b"x")
    print("WROTE")
except OSError as e:
    report("WRITE", t, e)
''', timeout=30).check()
    assert "WRAPPED" in r.lines, r
    timed_out(r.one("WRITE"), 1.0, 3.5)


def test_slow_server_within_the_timeout(mpy, certs, tls_server):
    """A CPython server that starts its handshake 1 s late, timeout=4: the
    connection is made; then the timeout is gone (the socket's own is back,
    none), so the connection outlives it: used 4.5 s later, it works."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, hello_delay=1.0,
                     steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])
    r = mpy.run(TIMED + f'''
ss = ssl.wrap_socket(socket.socket(), timeout=4, cadata={b(certs.root.cert.der.data)},
                     cert_reqs=ssl.CERT_REQUIRED, server_hostname="localhost")
t = time.ticks_ms()
ss.connect(addr({srv.port}))
print("CONNECTED", ss.version(), elapsed(t) >= 0.8)
time.sleep(4.5)             # longer than timeout=: it no longer applies
ss.write(b"ping")
print("READ", ss.read(4))
ss.close()
''', timeout=40).check()
    assert r.one("CONNECTED") == "TLSv1.3 True", r
    assert r.one("READ") == "b'pong'", r


def test_slow_server_beyond_the_timeout(mpy, certs, tls_server):
    """The same server, 3 s late, timeout=1.5: ETIMEDOUT after about 1.5 s."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, hello_delay=3.0, steps=[("recv_eof",)])
    r = mpy.run(TIMED + f'''
ss = ssl.wrap_socket(socket.socket(), timeout=1.5)
t = time.ticks_ms()
try:
    ss.connect(addr({srv.port}))
    print("CONNECTED", elapsed(t))
except OSError as e:
    report("CONNECT", t, e)
''', timeout=30).check()
    timed_out(r.one("CONNECT"), 1.0, 2.8)


def test_settimeout_bounds_reads(mpy, certs, tls_server):
    """SSLSocket.settimeout(): on the underlying socket; a TLS read that
    waits for data the server does not send raises OSError(ETIMEDOUT)."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("recv_eof",)])
    r = mpy.run(TIMED + f'''
ss = ssl.wrap_socket(tcp({srv.port}))
ss.settimeout(1)
t = time.ticks_ms()
try:
    print("READ", ss.read(1))
except OSError as e:
    report("READ", t, e)
ss.close()
''', timeout=30).check()
    timed_out(r.one("READ"), 0.7, 3.0)


def test_settimeout_before_connect(mpy, plain_server):
    """settimeout() on an SSLSocket wrapped before connect(): it bounds the
    handshake's waits (Pycom: 'SSL sockets inherit all methods')."""
    srv = plain_server(steps=[("recv_eof",)])
    r = mpy.run(TIMED + f'''
ss = ssl.wrap_socket(socket.socket())
ss.settimeout(1)
t = time.ticks_ms()
try:
    ss.connect(addr({srv.port}))
    print("CONNECTED")
except OSError as e:
    report("CONNECT", t, e)
''', timeout=30).check()
    timed_out(r.one("CONNECT"), 0.7, 3.0)


def test_own_timeout_is_back_after_a_bounded_handshake(mpy, certs, tls_server):
    """timeout=1 for the handshake, settimeout(3) set through the SSLSocket:
    after the handshake a read waits 3 s (what was set), not 1 s, and not
    forever."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("recv_eof",)])
    r = mpy.run(TIMED + f'''
ss = ssl.wrap_socket(socket.socket(), timeout=1)
ss.settimeout(3)
ss.connect(addr({srv.port}))
t = time.ticks_ms()
try:
    print("READ", ss.read(1))
except OSError as e:
    report("READ", t, e)
ss.close()
''', timeout=30).check()
    timed_out(r.one("READ"), 2.5, 5.0)


def test_timeout_argument_checked(mpy):
    r = mpy.run('''
import ssl, socket
try:
    ssl.wrap_socket(socket.socket(), timeout=-1)
except Exception as e:
    show("NEG", e)
''').check()
    assert r.one("NEG") == "EXC ValueError ('timeout must be >= 0 seconds, or None',)", r
