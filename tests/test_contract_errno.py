"""Issue 13, item 6: the socket's own errors surface, and nothing fails
silently.

* A refused connect is ECONNREFUSED on every path: blocking, a non-blocking
  connect wrapped and polled (Linux gives the error to the first call that
  asks: our poll() used to take it and the write got EPIPE), asyncio.  The
  socket-level errno behaviour is tested here on unix only (the boards' lwIP
  sockets are not emulated); ETIMEDOUT on the blocking path is in
  test_contract_timeouts.py.
* TLS 1.3 ``save_session()`` right after the handshake (Pycom's documented
  order) returns a session that resumes: the tickets come after the
  handshake, and save_session() now waits for them (bounded).
* ``poll`` reports POLLIN only when application data (or the end of the
  stream) is readable, not when only session tickets arrived.
"""
import errno
import socket

import pytest

from helpers.snippets import b

# Loopback sockets of the host (refused ports, CPython peers): the boards'
# lwIP sockets are not emulated here (docs/api.md, "Socket errors").
pytestmark = pytest.mark.host_only


@pytest.fixture
def closed_port():
    """A port on 127.0.0.1 bound but not listening: connects are refused."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    yield s.getsockname()[1]
    s.close()


REFUSED = errno.ECONNREFUSED


def test_blocking_paths_refused(mpy, closed_port):
    """Pycom's wrap-then-connect, with and without timeout=, and CPython's
    wrap of a connected socket (whose connect raises first)."""
    r = mpy.run(f'''
import ssl, socket
for tag, kw in (("PLAIN", {{}}), ("TIMEOUT", {{"timeout": 2}})):
    ss = ssl.wrap_socket(socket.socket(), **kw)
    try:
        ss.connect(addr({closed_port}))
        print(tag, "connected")
    except OSError as e:
        print(tag, type(e).__name__, e.errno)
    ss.close()
''').check()
    assert r.one("PLAIN") == f"OSError {REFUSED}", r
    assert r.one("TIMEOUT") == f"OSError {REFUSED}", r


NONBLOCKING = '''
import ssl, socket, select, errno
def nb_socket(port):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(addr(port))
    except OSError as e:
        assert e.errno == errno.EINPROGRESS, e
    return s
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
'''


def test_nonblocking_connect_poll_write_refused(mpy, closed_port):
    """Non-blocking connect, wrap with do_handshake_on_connect=False, poll
    for POLLOUT, write: the write raises ECONNREFUSED (was EPIPE), and poll
    reports the error (POLLERR) rather than plain writability."""
    r = mpy.run(NONBLOCKING + f'''
ss = ctx.wrap_socket(nb_socket({closed_port}), server_hostname="localhost", do_handshake_on_connect=False)
p = select.poll()
p.register(ss, select.POLLOUT)
ev = p.poll(3000)
print("POLL", len(ev), bool(ev and ev[0][1] & select.POLLERR))
for op in ("WRITE", "AGAIN"):
    try:
        ss.write(b"x")
        print(op, "wrote")
    except OSError as e:
        print(op, type(e).__name__, e.errno)
ss.close()
''').check()
    assert r.one("POLL") == "1 True", r
    assert r.one("WRITE") == f"OSError {REFUSED}", r
    assert r.one("AGAIN") == f"OSError {REFUSED}", r     # sticky, not EPIPE/EBADF


def test_nonblocking_connect_poll_read_refused(mpy, closed_port):
    """The same, reading first (a client waiting for a banner)."""
    r = mpy.run(NONBLOCKING + f'''
ss = ctx.wrap_socket(nb_socket({closed_port}), server_hostname="localhost", do_handshake_on_connect=False)
p = select.poll()
p.register(ss, select.POLLIN | select.POLLOUT)
p.poll(3000)
try:
    print("READ", ss.read(1))
except OSError as e:
    print("READ", type(e).__name__, e.errno)
''').check()
    assert r.one("READ") == f"OSError {REFUSED}", r


def test_nonblocking_connect_handshake_at_wrap_refused(mpy, closed_port):
    """do_handshake_on_connect=True on a socket still connecting: the
    handshake waits for it and raises the refusal."""
    r = mpy.run(NONBLOCKING + f'''
try:
    ctx.wrap_socket(nb_socket({closed_port}), server_hostname="localhost")
    print("WRAP wrapped")
except OSError as e:
    print("WRAP", type(e).__name__, e.errno)
''').check()
    assert r.one("WRAP") == f"OSError {REFUSED}", r


@pytest.mark.parametrize("first", ["write", "read"])
def test_asyncio_refused(mpy, closed_port, first):
    """asyncio.open_connection(ssl=ctx) to a closed port: the refusal, not
    OSError(32) EPIPE, at the first write (drain) or read."""
    op = ("w.write(b'GET /\\r\\n'); await w.drain()" if first == "write"
          else "await r.read(1)")
    res = mpy.run(f'''
import asyncio, ssl
async def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        r, w = await asyncio.open_connection("127.0.0.1", {closed_port}, ssl=ctx)
        {op}
        print("ASYNC no error")
    except OSError as e:
        print("ASYNC", type(e).__name__, e.errno)
asyncio.run(main())
''', timeout=30).check()
    assert res.one("ASYNC") == f"OSError {REFUSED}", res


# -- TLS 1.3 save_session right after the handshake ------------------------------

PYCOM_SESSION = '''
import ssl, socket, time
def connect(**kw):
    ss = ssl.wrap_socket(socket.socket(), cert_reqs=ssl.CERT_REQUIRED,
                         cadata={ca}, server_hostname="localhost", **kw)
    ss.connect(addr({port}))
    return ss
ss = connect()
t = time.ticks_ms()
ses = ssl.save_session(ss)      # Pycom's order: right after the handshake
print("WAITED", time.ticks_diff(time.ticks_ms(), t) < {max_ms})
ss.close()
ss = connect(saved_session=ses)
print("REUSED", ss.version(), ss.session_reused)
ss.write(b"ping")
print("READ", ss.read(4))
ss.close()
'''


@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_save_session_right_after_handshake_cpython(mpy, certs, tls_server, version):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version=version, connections=2,
                     steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])
    r = mpy.run(PYCOM_SESSION.format(ca=b(certs.root.cert.der.data), port=srv.port,
                                     max_ms=1500 if version == "1.3" else 300)).check()
    assert r.one("REUSED") == f"TLSv{version} True", r
    assert r.one("WAITED") == "True", r
    assert r.one("READ") == "b'pong'", r


def test_save_session_right_after_handshake_openssl(mpy, certs, s_server):
    leaf = certs["rsa"]
    srv = s_server(leaf.cert.pem.path, leaf.key.pem.path, chain=certs.inter.cert.pem.path,
                   version="1.3", mode="rev", naccept=2)
    code = PYCOM_SESSION.format(ca=b(certs.root.cert.pem.data), port=srv.port, max_ms=1500)
    code = code.replace('ss.write(b"ping")\nprint("READ", ss.read(4))',
                        'ss.write(b"ping\\n")\nprint("READ", ss.read(4))')
    r = mpy.run(code).check()
    assert r.one("REUSED") == "TLSv1.3 True", r
    assert r.one("READ") == "b'gnip'", r


def test_save_session_right_after_handshake_micropython(mpy, mpy_server, certs):
    """Our own server (rustls) as the peer: its tickets, too."""
    leaf = certs["p256"]

    def make(port):
        return f'''
import ssl
l = listener({port})
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain({b(leaf.chain.data)}, {b(leaf.key.pem.data)})
for i in range(2):
    s = accept_tls(l, ctx)
    print("SRV_REUSED", i, s.session_reused)
    s.write(s.read(4).replace(b"i", b"o"))
    s.close()
l.close()
'''
    proc, port = mpy_server(make)
    r = mpy.run(PYCOM_SESSION.format(ca=b(certs.root.cert.der.data), port=port, max_ms=1500)).check()
    assert r.one("REUSED") == "TLSv1.3 True", r
    assert r.one("READ") == "b'pong'", r
    assert proc.finish().check().tagged("SRV_REUSED") == ["0 False", "1 True"]


def test_save_session_wait_is_bounded(mpy, certs, tls_server):
    """A TLS 1.3 server that sends no ticket: save_session() gives up after
    its bound (2 s), and the next connection is a full handshake."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, connections=2,
                     steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])
    srv.ctx.num_tickets = 0
    code = PYCOM_SESSION.format(ca=b(certs.root.cert.der.data), port=srv.port, max_ms=3000)
    r = mpy.run(code.replace('print("WAITED", ', 'print("WAITED", time.ticks_diff(time.ticks_ms(), t) >= 1800, ')).check()
    assert r.one("WAITED") == "True True", r
    assert r.one("REUSED") == "TLSv1.3 False", r


# -- poll: POLLIN means application data -----------------------------------------

def test_poll_ignores_session_tickets(mpy, certs, tls_server):
    """After a TLS 1.3 handshake the CPython server sends its two tickets and
    then nothing until we write: poll(POLLIN) must time out (it reported
    POLLIN, and a blocking read after it waited), then report the answer."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path,
                     steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])
    r = mpy.run(f'''
import ssl, select, time
ss = ssl.wrap_socket(tcp({srv.port}), cert_reqs=ssl.CERT_REQUIRED,
                     cadata={b(certs.root.cert.der.data)}, server_hostname="localhost")
time.sleep(0.3)                 # the tickets are on the socket by now
p = select.poll()
p.register(ss, select.POLLIN)
print("IDLE", p.poll(1000))
ss.write(b"ping")
ev = p.poll(5000)
print("DATA", len(ev), bool(ev and ev[0][1] & select.POLLIN))
print("READ", ss.read(4))
ss.close()
''', timeout=30).check()
    assert r.one("IDLE") == "[]", r
    assert r.one("DATA") == "1 True", r
    assert r.one("READ") == "b'pong'", r


def test_poll_reports_eof_after_tickets(mpy, certs, tls_server):
    """Tickets then close_notify: POLLIN (the end of the stream is readable),
    and read() gives b''."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("shutdown",)])
    r = mpy.run(f'''
import ssl, select
ss = ssl.wrap_socket(tcp({srv.port}), cert_reqs=ssl.CERT_REQUIRED,
                     cadata={b(certs.root.cert.der.data)}, server_hostname="localhost")
p = select.poll()
p.register(ss, select.POLLIN)
ev = p.poll(5000)
print("EOF", len(ev), bool(ev and ev[0][1] & select.POLLIN))
print("READ", ss.read(4))
ss.close()
''', timeout=30).check()
    assert r.one("EOF") == "1 True", r
    assert r.one("READ") == "b''", r
