"""Protocol failures raise OSError(negative errno, message), e.errno == args[0]."""
import socket

import pytest

from helpers.checks import ECONNRESET, EOF_IN_HANDSHAKE, check_oserror
from helpers.snippets import b

HTTP_400 = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


@pytest.mark.parametrize("verify", [True, False])
def test_client_to_plain_http_server(mpy, certs, plain_server, verify):
    srv = plain_server([("recv", 5), ("send", HTTP_400), ("close",)])
    cadata = b(certs.root.cert.der.data) if verify else "None"
    r = mpy.run(f'''
try:
    s = client({srv.port}, cadata={cadata}, verify={verify})
    print("HANDSHAKE OK")
except Exception as e:
    show("CLIENT", e)
print("ALIVE")
''').check()
    check_oserror(r, "CLIENT")
    assert "ALIVE" in r.lines
    assert bytes(srv.record().received[:1]) == b"\x16", "the client should have sent a TLS handshake record"


@pytest.mark.parametrize("steps,expected", [
    # The peer closes with most of the ClientHello unread: the kernel answers
    # with a reset, and the socket's own errno surfaces.
    ([("recv", 5), ("close",)], ECONNRESET),
    # The peer reads the whole ClientHello, then closes cleanly (FIN): the
    # TLS-level "EOF in the handshake".
    ([("recv_record",), ("close",)], EOF_IN_HANDSHAKE),
], ids=["reset", "eof"])
def test_client_peer_closes_during_handshake(mpy, plain_server, steps, expected):
    srv = plain_server(steps)
    r = mpy.run(f'''
try:
    s = client({srv.port}, verify=False)
    print("HANDSHAKE OK")
except Exception as e:
    show("CLIENT", e)
''').check()
    assert r.one("CLIENT") == expected, r


def test_no_common_cipher_suite(mpy, certs, tls_server):
    # The server offers only static-RSA key exchange on TLS 1.2, which rustls
    # does not implement: the handshake fails with an alert.
    leaf = certs["rsa"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version="1.2", ciphers="AES128-GCM-SHA256")
    r = mpy.run(f'''
try:
    s = client({srv.port}, cadata={b(certs.root.cert.der.data)})
    print("HANDSHAKE OK")
except Exception as e:
    show("CLIENT", e)
''').check()
    check_oserror(r, "CLIENT")
    assert srv.record().error


def test_server_gets_plain_http_request(mpy_server, certs):
    leaf = certs["p256"]

    def make(port):
        return f'''
ctx = server_ctx({b(leaf.chain.data)}, {b(leaf.key.pem.data)})
l = listener({port})
try:
    s = accept_tls(l, ctx)
    print("HANDSHAKE OK")
except Exception as e:
    show("SERVER", e)
l.close()
'''
    proc, port = mpy_server(make)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        c.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
        try:
            c.recv(1024)
        except OSError:
            pass
    r = proc.finish().check()
    check_oserror(r, "SERVER")


def test_errors_do_not_poison_the_interpreter(mpy, certs, plain_server, tls_server):
    # Several failed connections, then a good one, in one process.
    bad = plain_server([("recv", 5), ("send", HTTP_400), ("close",)], connections=3)
    leaf = certs["p256"]
    good = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])
    r = mpy.run(f'''
for i in range(3):
    try:
        client({bad.port}, verify=False)
        print("BAD", i, "no exception")
    except OSError as e:
        print("BAD", i, "OSError")
s = client({good.port}, cadata={b(certs.root.cert.der.data)})
s.write(b"ping")
print("GOOD", s.read(4))
s.close()
''').check()
    assert r.tagged("BAD") == ["0 OSError", "1 OSError", "2 OSError"], r
    assert r.one("GOOD") == "b'pong'", r


def test_heap_locked_error_is_numeric(mpy, plain_server):
    """MicroPython's net_inet/tls_num_errors.py on loopback: handshake driven by a
    non-blocking write with the heap locked, against a plain HTTP server.  The
    error must be an OSError whose str() is just the (negative) number."""
    srv = plain_server([("recv", 5), ("send", HTTP_400), ("close",)])
    r = mpy.run(f'''
import micropython
if not hasattr(micropython, "heap_lock"):
    print("SKIP no heap_lock")
    sys.exit(0)
if hasattr(micropython, "alloc_emergency_exception_buf"):
    micropython.alloc_emergency_exception_buf(256)
s = tcp({srv.port})
s.setblocking(False)
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = tls.CERT_NONE
s = ctx.wrap_socket(s, do_handshake_on_connect=False)
micropython.heap_lock()
try:
    while True:
        ret = s.write(b"foo")
        if ret:
            break
    micropython.heap_unlock()
    print("WRITE no exception")
except Exception as e:
    micropython.heap_unlock()
    print("WRITE EXC", type(e).__name__, str(e))
s.close()
print("ALIVE")
''').check()
    if "SKIP no heap_lock" in r.lines:
        pytest.skip("this MicroPython has no micropython.heap_lock")
    line = r.one("WRITE")
    assert line.startswith("EXC SSLError "), r
    num = line.split()[2]
    assert num.lstrip("-").isdigit() and int(num) < 0, r
    assert "ALIVE" in r.lines
