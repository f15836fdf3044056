"""Issue 13, item 3: the seed documents' keywords and names (docs/api.md,
"What the seed documents use"), against real peers: ``do_handshake_on_connect``
(and ``do_handshake``) on ``ssl.wrap_socket``, ``getpeercert(binary_form=True)``,
``ssl.Purpose`` with ``create_default_context(purpose=)``, ``settimeout``, and
an unknown keyword named in the TypeError.  (``ssl.SSLError`` and the
exception types: the lead's tests.)"""
import socket
import ssl as cssl

import pytest

from helpers.pypeers import tls_client
from helpers.snippets import b


@pytest.mark.parametrize("kw,deferred", [
    ("do_handshake_on_connect=True", False),
    ("do_handshake_on_connect=False", True),
    ("do_handshake=False", True),
    ("do_handshake=True, do_handshake_on_connect=True", False),
])
def test_wrap_socket_do_handshake_on_connect(mpy, certs, tls_server, kw, deferred):
    """The ESP32 article's ssl.wrap_socket(..., do_handshake_on_connect=True)
    (MicroPython 1.26: TypeError 'extra keyword arguments given'); False,
    under either name, defers the handshake to the first read/write."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])
    r = mpy.run(f'''
import ssl
ss = ssl.wrap_socket(tcp({srv.port}), server_hostname="localhost", {kw})
print("VERSION", ss.version())
ss.write(b"ping")
print("READ", ss.read(4), ss.version())
ss.close()
''').check()
    assert r.one("VERSION") == ("None" if deferred else "TLSv1.3"), r
    assert r.one("READ") == "b'pong' TLSv1.3", r


def test_getpeercert_binary_form_keyword(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("recv_eof",)])
    r = mpy.run(f'''
import ssl
ss = ssl.wrap_socket(tcp({srv.port}), server_hostname="localhost")
kw = ss.getpeercert(binary_form=True)
print("KW", kw == {b(leaf.cert.der.data)}, kw == ss.getpeercert(True))
try:
    ss.getpeercert(binary_form=False)
except Exception as e:
    show("TEXT", e)
try:
    ss.getpeercert(form=True)
except Exception as e:
    show("UNKNOWN", e)
ss.close()
''').check()
    assert r.one("KW") == "True True", r
    assert r.one("TEXT") == "EXC NotImplementedError ('getpeercert(binary_form=True) only',)", r
    assert r.one("UNKNOWN") == "EXC TypeError (\"getpeercert() got an unexpected keyword argument 'form'\",)", r


def test_purpose_server_auth(mpy, certs, tls_server):
    """create_default_context(purpose=ssl.Purpose.SERVER_AUTH): CPython's
    client context, verifying (a wrong-host certificate is refused)."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, connections=2,
                     steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])
    r = mpy.run(f'''
import ssl
print("NAMES", ssl.Purpose.SERVER_AUTH, ssl.Purpose.CLIENT_AUTH)
ctx = ssl.create_default_context(purpose=ssl.Purpose.SERVER_AUTH, cadata={b(certs.root.cert.der.data)})
print("CTX", ctx.verify_mode == ssl.CERT_REQUIRED, ctx.check_hostname)
ss = ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
ss.write(b"ping")
print("READ", ss.read(4))
ss.close()
try:
    ctx.wrap_socket(tcp({srv.port}), server_hostname="other.example")
except ValueError as e:
    print("WRONGHOST", "hostname mismatch" in str(e))
ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata={b(certs.root.cert.der.data)})
print("POSITIONAL", ctx.verify_mode == ssl.CERT_REQUIRED)
try:
    ssl.create_default_context(purpose=1)
except Exception as e:
    show("BAD", e)
''').check()
    assert r.one("NAMES") == "serverAuth clientAuth", r
    assert r.one("CTX") == "True True", r
    assert r.one("READ") == "b'pong'", r
    assert r.one("WRONGHOST") == "True", r
    assert r.one("POSITIONAL") == "True", r
    assert r.one("BAD") == ("EXC TypeError ('purpose must be ssl.Purpose.SERVER_AUTH "
                            "or ssl.Purpose.CLIENT_AUTH',)"), r


def test_purpose_client_auth_is_a_server_context(mpy_server, certs):
    """Purpose.CLIENT_AUTH gives a server context, as CPython's does
    (CERT_NONE unless set; cadata are the CAs for client certificates):
    it serves a CPython client, and with CERT_REQUIRED checks its
    certificate against that cadata."""
    leaf = certs["p256"]
    client = certs["client"]

    def make(port):
        return f'''
import ssl
l = listener({port})
ctx = ssl.create_default_context(purpose=ssl.Purpose.CLIENT_AUTH, cadata={b(certs.root.cert.der.data)})
print("MODE", ctx.verify_mode)
ctx.load_cert_chain({b(leaf.chain.data)}, {b(leaf.key.pem.data)})
ctx.verify_mode = ssl.CERT_REQUIRED
s = accept_tls(l, ctx)
print("PEER", s.getpeercert(True) == {b(client.cert.der.data)})
s.write(s.read(4))
s.close()
l.close()
'''
    proc, port = mpy_server(make)
    res = tls_client(port, cafile=certs.root.cert.pem.path, certfile=client.chain.path,
                     keyfile=client.key.pem.path, timeout=20,
                     steps=[("send", b"ping"), ("recv", 4)])
    r = proc.finish().check()
    assert r.one("MODE") == "0", r
    assert r.one("PEER") == "True", r
    assert bytes(res.received) == b"ping", res


def test_unknown_keyword_named_by_ssl_wrap_socket(mpy):
    r = mpy.run('''
import ssl, socket
for kw in ({"cert_req": 2}, {"server_hostnme": "x"}):
    try:
        ssl.wrap_socket(socket.socket(), **kw)
    except TypeError as e:
        print("TYPE", e)
try:
    ssl.create_default_context(ca_file="x")
except TypeError as e:
    print("TYPE", e)
''').check()
    assert r.tagged("TYPE") == [
        "wrap_socket() got an unexpected keyword argument 'cert_req'",
        "wrap_socket() got an unexpected keyword argument 'server_hostnme'",
        "create_default_context() got an unexpected keyword argument 'ca_file'",
    ], r


def test_unknown_keyword_named_by_ctx_wrap_socket(mpy):
    r = mpy.run('''
import ssl, socket
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
try:
    ctx.wrap_socket(socket.socket(), do_handshake=False)
except TypeError as e:
    print("TYPE", e)
''').check()
    assert r.one("TYPE") == "wrap_socket() got an unexpected keyword argument 'do_handshake'", r


def test_settimeout_exists_and_passes_through(mpy):
    """Pycom: SSL sockets inherit the socket's methods; settimeout() at
    least (MicroPython sockets have no gettimeout)."""
    r = mpy.run('''
import ssl, socket
ss = ssl.wrap_socket(socket.socket(), do_handshake=False)
print("HAS", hasattr(ss, "settimeout"))
ss.settimeout(2.5)
ss.settimeout(None)
ss.settimeout(0)
ss.close()
try:
    ss.settimeout(1)
except OSError as e:
    show("CLOSED", e)
''').check()
    assert r.one("HAS") == "True", r
    assert r.one("CLOSED_ERRNO") == "9", r
