"""Module surface and defaults, as MicroPython 1.26 has them.  Needs no peer:
runs on the host binary and on a board (--device)."""

from helpers.memstream import STREAM   # End(): takes every write, reads EOF


def test_imports_and_constants(mpy):
    r = mpy.run('''
import ssl
print("TLS", tls.CERT_NONE, tls.CERT_OPTIONAL, tls.CERT_REQUIRED)
print("DISTINCT", len(set([tls.CERT_NONE, tls.CERT_OPTIONAL, tls.CERT_REQUIRED])))
print("PDISTINCT", tls.PROTOCOL_TLS_CLIENT != tls.PROTOCOL_TLS_SERVER)
print("SSLSAME", ssl.CERT_NONE == tls.CERT_NONE, ssl.CERT_OPTIONAL == tls.CERT_OPTIONAL,
      ssl.CERT_REQUIRED == tls.CERT_REQUIRED,
      ssl.PROTOCOL_TLS_CLIENT == tls.PROTOCOL_TLS_CLIENT,
      ssl.PROTOCOL_TLS_SERVER == tls.PROTOCOL_TLS_SERVER)
print("HAS", callable(ssl.wrap_socket), callable(ssl.SSLContext), callable(tls.SSLContext))
''').check()
    assert r.one("DISTINCT") == "3", r
    assert r.one("PDISTINCT") == "True", r
    assert r.one("SSLSAME") == "True True True True True", r
    assert r.one("HAS") == "True True True", r


def test_default_verify_modes(mpy):
    r = mpy.run('''
import ssl
def name(m):
    return {tls.CERT_NONE: "NONE", tls.CERT_OPTIONAL: "OPTIONAL", tls.CERT_REQUIRED: "REQUIRED"}[m]
print("TLS_CLIENT", name(tls.SSLContext(tls.PROTOCOL_TLS_CLIENT).verify_mode))
print("TLS_SERVER", name(tls.SSLContext(tls.PROTOCOL_TLS_SERVER).verify_mode))
print("SSL_CLIENT", name(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).verify_mode))
print("SSL_SERVER", name(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).verify_mode))
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = tls.CERT_NONE
print("SET", name(ctx.verify_mode))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = ssl.CERT_REQUIRED
print("SSLSET", name(ctx.verify_mode))
''').check()
    assert r.one("TLS_CLIENT") == "REQUIRED", r
    assert r.one("TLS_SERVER") == "NONE", r
    # micropython-lib's ssl.py sets CERT_NONE for every protocol.
    assert r.one("SSL_CLIENT") == "NONE", r
    assert r.one("SSL_SERVER") == "NONE", r
    assert r.one("SET") == "NONE", r
    assert r.one("SSLSET") == "REQUIRED", r


def test_cert_required_needs_server_hostname(mpy):
    r = mpy.run(STREAM + '''
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
try:
    ctx.wrap_socket(End(), do_handshake_on_connect=False)
    print("NOHOST no exception")
except Exception as e:
    show("NOHOST", e)
# CERT_NONE without a hostname is allowed
ctx.verify_mode = tls.CERT_NONE
s = ctx.wrap_socket(End(), do_handshake_on_connect=False)
print("NONE_OK", type(s).__name__)
s.close()
''').check()
    assert r.one("NOHOST").startswith("EXC SSLCertVerificationError"), r
    assert r.one("NONE_OK") == "SSLSocket", r


def test_sslsocket_methods_exist(mpy):
    r = mpy.run(STREAM + '''
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = tls.CERT_NONE
s = ctx.wrap_socket(End(), do_handshake_on_connect=False)
names = ["read", "readinto", "readline", "write", "recv", "recv_into", "send", "sendall",
         "close", "setblocking", "getpeercert", "cipher", "__enter__", "__exit__"]
missing = [n for n in names if not hasattr(s, n)]
print("MISSING", missing)
s.close()
s.close()  # a second close is harmless
print("CLOSED_TWICE")
''').check()
    assert r.one("MISSING") == "[]", r
    assert "CLOSED_TWICE" in r.lines, r


def test_io_after_close_raises_oserror(mpy):
    # MicroPython's extmod/ssl_basic.py: read/write on a closed SSLSocket -> OSError
    r = mpy.run(STREAM + '''
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = tls.CERT_NONE
s = ctx.wrap_socket(End(), do_handshake_on_connect=False)
s.close()
for op in ("read", "write"):
    try:
        if op == "read":
            s.read(10)
        else:
            s.write(b"aaaa")
        print(op.upper(), "no exception")
    except Exception as e:
        show(op.upper(), e)
''').check()
    assert r.one("READ").startswith("EXC OSError"), r
    assert r.one("WRITE").startswith("EXC OSError"), r


def test_micropython_ssl_basic(mpy):
    """MicroPython's own extmod/ssl_basic.py: a server-side SSLSocket can be
    created without a certificate when the handshake is deferred; setblocking()
    reaches the underlying stream; a failed handshake, close() twice and I/O
    after close raise OSError (not crash)."""
    r = mpy.run(STREAM + '''
import ssl
class TestSocket(End):
    def setblocking(self, value):
        print("TestSocket.setblocking({})".format(value))
try:
    ss = ssl.wrap_socket(TestSocket(), server_hostname="test.example.com")
    print("CLIENT no exception")
except OSError as er:
    print("CLIENT OSError")
try:
    ss = ssl.wrap_socket(TestSocket(), server_side=1, do_handshake=0)
    print("SERVER created")
except Exception as e:
    show("SERVER", e)
    raise SystemExit
ss.setblocking(False)
ss.setblocking(True)
for op in ("write", "read"):
    try:
        ss.write(b"aaaa") if op == "write" else ss.read(8)
    except OSError:
        pass
ss.close()
ss.close()
try:
    ss.read(10)
except OSError:
    print("READ OSError")
try:
    ss.write(b"aaaa")
except OSError:
    print("WRITE OSError")
''').check()
    assert r.one("CLIENT") == "OSError", r
    assert "SERVER created" in r.lines, r
    assert "TestSocket.setblocking(False)" in r.lines and "TestSocket.setblocking(True)" in r.lines, r
    assert "READ OSError" in r.lines and "WRITE OSError" in r.lines, r


def test_many_sequential_sockets_do_not_leak(mpy):
    # MicroPython's extmod/tls_noleak.py, both shapes, 128 iterations each.
    r = mpy.run(STREAM + '''
import gc
for n in range(128):
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = tls.CERT_NONE
    s = ctx.wrap_socket(End(), do_handshake_on_connect=False)
print("UNIQUE_DONE")
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = tls.CERT_NONE
for n in range(128):
    s = ctx.wrap_socket(End(), do_handshake_on_connect=False)
print("SHARED_DONE")
''', timeout=120).check()
    assert "UNIQUE_DONE" in r.lines and "SHARED_DONE" in r.lines, r


def test_ssl_wrap_socket_bad_cadata(mpy):
    # MicroPython's extmod/ssl_cadata.py
    r = mpy.run('''
import io, ssl
try:
    ssl.wrap_socket(io.BytesIO(), cadata=b"!")
    print("CADATA no exception")
except Exception as e:
    show("CADATA", e)
''').check()
    assert r.one("CADATA").startswith("EXC ValueError"), r

