"""Issue 13, item 5 (socket side): a server without a certificate.

With ``ssl.wrap_socket(server_side=True)`` and no ``cert``/``certfile``, the
handshake cannot succeed: when it runs in wrap_socket,
``ValueError("server context needs load_cert_chain()")`` at once (it used to
wait for a ClientHello, then raise ``OSError(-27904, 'SSL_ERROR: TLS
error')``); when it is deferred (``do_handshake=False``, as MicroPython's
``extmod/ssl_basic.py`` does, which expects a socket back), the first
read/write raises ``OSError(-30080, "server context needs
load_cert_chain()")`` without touching the socket.  A CPython client is the
peer."""
import socket
import threading

import pytest

NO_CERT = "server context needs load_cert_chain()"


def _client_that_waits(port):
    """A TCP client that connects and sends nothing (the worst case: our
    server would wait for its ClientHello forever)."""
    c = socket.create_connection(("127.0.0.1", port), timeout=20)
    return c


def test_wrap_socket_server_without_cert_raises_at_once(mpy_server):
    def make(port):
        return f'''
import ssl, time
l = listener({port})
c, _ = l.accept()
t = time.ticks_ms()
try:
    ssl.wrap_socket(c, server_side=True)
    print("WRAPPED")
except Exception as e:
    show("WRAP", e)
print("FAST", time.ticks_diff(time.ticks_ms(), t) < 1000)
c.close()
l.close()
'''
    proc, port = mpy_server(make)
    c = _client_that_waits(port)
    try:
        r = proc.finish(timeout=15)
    finally:
        c.close()
    r.check()
    assert r.one("WRAP") == f"EXC ValueError ('{NO_CERT}',)", r
    assert r.one("FAST") == "True", r


def test_wrap_socket_server_without_cert_deferred(mpy_server, certs):
    """do_handshake=False: a socket back; the first write and read raise the
    OSError, every time, and close() still closes the TCP socket (the CPython
    client sees EOF, no byte of ours)."""
    got = {}

    def make(port):
        return f'''
import ssl
l = listener({port})
c, _ = l.accept()
ss = ssl.wrap_socket(c, server_side=True, do_handshake=False)
print("WRAPPED", type(ss).__name__)
for op in ("write", "read", "write"):
    try:
        ss.write(b"x") if op == "write" else ss.read(1)
        print("OP", op, "ok")
    except OSError as e:
        print("OP", op, type(e).__name__, e.args)
ss.close()
l.close()
'''
    proc, port = mpy_server(make)
    c = _client_that_waits(port)

    def drain():
        try:
            got["data"] = c.recv(100)
        except OSError as e:
            got["data"] = repr(e)
    t = threading.Thread(target=drain)
    t.start()
    r = proc.finish(timeout=15).check()
    t.join(10)
    c.close()
    assert r.one("WRAPPED") == "SSLSocket", r
    assert r.tagged("OP") == [f"write SSLError (-30080, '{NO_CERT}')",
                              f"read SSLError (-30080, '{NO_CERT}')",
                              f"write SSLError (-30080, '{NO_CERT}')"], r
    assert got["data"] == b"", got


def test_wrap_socket_server_with_certfile_still_serves(mpy_server, certs, tmp_path):
    """certfile= (the key in it) is a certificate: the check must not refuse it."""
    from helpers.pypeers import tls_client
    leaf = certs["p256"]
    both = tmp_path / "both.pem"
    both.write_bytes(leaf.chain.data + leaf.key.pem.data)

    def make(port):
        return f'''
import ssl
l = listener({port})
c, _ = l.accept()
ss = ssl.wrap_socket(c, server_side=True, certfile={str(both)!r})
ss.write(b"hello")
ss.close()
l.close()
'''
    proc, port = mpy_server(make)
    res = tls_client(port, cafile=certs.root.cert.pem.path, timeout=20)
    proc.finish(timeout=15).check()
    assert bytes(res.received) == b"hello", res


def test_ctx_wrap_socket_server_without_cert_raises_at_once(mpy_server):
    def make(port):
        return f'''
import ssl, time
l = listener({port})
c, _ = l.accept()
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
t = time.ticks_ms()
try:
    ctx.wrap_socket(c, server_side=True)
    print("WRAPPED")
except Exception as e:
    show("WRAP", e)
c.close()
l.close()
'''
    proc, port = mpy_server(make)
    # A real ClientHello, so that today's code fails fast (after reading it).
    from helpers.pypeers import tls_client
    tls_client(port, verify=False, timeout=10)
    r = proc.finish(timeout=10).check()
    assert r.one("WRAP") == f"EXC ValueError ('{NO_CERT}',)", r
