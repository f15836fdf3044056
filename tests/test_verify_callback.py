"""SSLContext.verify_callback(cert, depth), as MicroPython's mbedTLS module
has it: called with each certificate the peer sent (DER) and its depth once
our checks passed; a truthy result or an exception rejects the peer.  It runs
between core calls (docs/design.md, "verify_callback")."""
import hashlib

from helpers.pypeers import tls_client
from helpers.snippets import b


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


CALLBACK = '''
seen = []
def cb(cert, depth):
    print("CB", depth, type(cert).__name__, sha(bytes(cert)))
    seen.append(depth)
    return VERDICT
'''


def test_attribute_default_and_store(mpy):
    r = mpy.run('''
import ssl
for ctx in (tls.SSLContext(tls.PROTOCOL_TLS_CLIENT), ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)):
    print("DEFAULT", ctx.verify_callback)
    f = lambda cert, depth: 0
    ctx.verify_callback = f
    print("SAME", ctx.verify_callback is f)
    ctx.verify_callback = None
    print("NONE", ctx.verify_callback)
''').check()
    assert r.tagged("DEFAULT") == ["None", "None"], r
    assert r.tagged("SAME") == ["True", "True"], r
    assert r.tagged("NONE") == ["None", "None"], r


def test_client_callback_sees_chain_top_down_and_accepts(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("send", b"hello"), ("recv_eof",)])
    r = mpy.run(CALLBACK.replace("VERDICT", "0") + f'''
ctx = client_ctx({b(certs.root.cert.der.data)})
ctx.verify_callback = cb
s = ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
print("HANDSHAKE OK")
print("READ", s.read(5))
s.close()
''').check()
    # As mbedTLS: from the top of the chain the peer sent down to its own.
    assert r.tagged("CB") == [
        f"1 bytes {_sha(certs.inter.cert.der.data)}",
        f"0 bytes {_sha(leaf.cert.der.data)}",
    ], r
    assert r.one("READ") == "b'hello'", r


def test_client_callback_rejects(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("send", b"secret"), ("recv_eof",)])
    r = mpy.run(CALLBACK.replace("VERDICT", "depth == 0") + f'''
ctx = client_ctx({b(certs.root.cert.der.data)})
ctx.verify_callback = cb
sock = tcp({srv.port})
try:
    s = ctx.wrap_socket(sock, server_hostname="localhost")
    print("HANDSHAKE OK")
except Exception as e:
    show("WRAP", e)
sock.close()
''').check()
    assert "HANDSHAKE OK" not in r.lines, r
    assert [ln.split()[0] for ln in r.tagged("CB")] == ["1", "0"], r
    line = r.one("WRAP")
    assert line.startswith("EXC SSLCertVerificationError") and "rejected by verify_callback" in line, r
    # Our Finished was never sent: the server's handshake does not complete.
    rec = srv.record()
    assert not rec.handshake_ok and rec.received == b"", rec


def test_callback_exception_propagates_and_poisons(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("recv_eof",)])
    r = mpy.run(f'''
def cb(cert, depth):
    raise KeyError("from callback")
ctx = client_ctx({b(certs.root.cert.der.data)})
ctx.verify_callback = cb
sock = tcp({srv.port})
s = ctx.wrap_socket(sock, server_hostname="localhost", do_handshake_on_connect=False)
try:
    s.write(b"x")
    print("WRITE OK")
except Exception as e:
    show("FIRST", e)
try:
    s.write(b"x")
except Exception as e:
    show("AGAIN", e)
s.close()
''').check()
    assert r.one("FIRST") == "EXC KeyError ('from callback',)", r
    again = r.one("AGAIN")
    assert again.startswith("EXC SSLCertVerificationError") and "rejected by verify_callback" in again, r
    assert srv.record().received == b""


def test_not_called_when_our_checks_fail(mpy, certs, tls_server):
    leaf = certs["untrusted"]
    srv = tls_server(leaf.cert.pem.path, leaf.key.pem.path, steps=[("recv_eof",)])
    r = mpy.run(CALLBACK.replace("VERDICT", "0") + f'''
ctx = client_ctx({b(certs.root.cert.der.data)})
ctx.verify_callback = cb
try:
    ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
except Exception as e:
    show("WRAP", e)
''').check()
    assert r.tagged("CB") == [], r
    assert "unknown issuer" in r.one("WRAP"), r


def test_nonblocking_handshake_runs_callback_inside_read(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("send", b"data"), ("recv_eof",)])
    r = mpy.run(CALLBACK.replace("VERDICT", "0") + f'''
import select
ctx = client_ctx({b(certs.root.cert.der.data)})
ctx.verify_callback = cb
sock = tcp({srv.port})
sock.setblocking(False)
s = ctx.wrap_socket(sock, server_hostname="localhost", do_handshake_on_connect=False)
p = select.poll()
p.register(s, select.POLLIN)
got = b""
while len(got) < 4:
    d = s.read(4 - len(got))
    if d is None:
        p.poll()
    else:
        got += d
print("GOT", got, "CALLS", len(seen))
s.close()
''').check()
    assert r.one("GOT") == "b'data' CALLS 2", r


def test_server_callback_sees_client_certificate(mpy_server, certs):
    leaf = certs["p256"]
    client = certs["client"]

    def make(port):
        return CALLBACK.replace("VERDICT", "0") + f'''
l = listener({port})
ctx = server_ctx({b(leaf.chain.data)}, {b(leaf.key.pem.data)}, cadata={b(certs.root.cert.der.data)}, require=True)
ctx.verify_callback = cb
s = accept_tls(l, ctx)
print("SRV_READ", s.read(2))
s.write(b"ok")
s.close()
l.close()
'''
    proc, port = mpy_server(make)
    res = tls_client(port, cafile=certs.root.cert.pem.path, certfile=client.chain.path,
                     keyfile=client.key.pem.path, steps=[("send", b"hi"), ("recv", 2)])
    r = proc.finish().check()
    assert r.tagged("CB") == [
        f"1 bytes {_sha(certs.inter.cert.der.data)}",
        f"0 bytes {_sha(client.cert.der.data)}",
    ], r
    assert r.one("SRV_READ") == "b'hi'", r
    assert res.received == b"ok", res
