"""close_notify: MicroPython sends it on close(); reading after the peer's
close_notify returns b"" (repeatedly)."""
import pytest

from helpers.pypeers import tls_client
from helpers.snippets import b

VERSIONS = ["1.2", "1.3"]


@pytest.mark.parametrize("version", VERSIONS)
def test_client_close_sends_close_notify(mpy, certs, tls_server, version):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version=version, steps=[("recv_eof",)])
    r = mpy.run(f'''
s = client({srv.port}, cadata={b(certs.root.cert.der.data)})
s.write(b"bye")
s.close()
print("CLOSED")
''').check()
    assert "CLOSED" in r.lines, r
    rec = srv.record()
    assert rec.received == b"bye"
    assert rec.eof == "close_notify", f"peer saw {rec.eof}, not a clean TLS shutdown"


def test_context_manager_closes_with_close_notify(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("recv_eof",)])
    r = mpy.run(f'''
with client({srv.port}, cadata={b(certs.root.cert.der.data)}) as s:
    s.write(b"with")
print("AFTER_WITH")
try:
    s.write(b"x")
    print("WRITE_AFTER no exception")
except OSError as e:
    print("WRITE_AFTER OSError")
''').check()
    assert "AFTER_WITH" in r.lines, r
    assert r.one("WRITE_AFTER") == "OSError", r
    rec = srv.record()
    assert rec.received == b"with" and rec.eof == "close_notify", rec.eof


@pytest.mark.parametrize("version", VERSIONS)
def test_read_after_peer_close_notify_returns_empty(mpy, certs, tls_server, version):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version=version,
                     steps=[("send", b"last words"), ("shutdown",)])
    r = mpy.run(f'''
s = client({srv.port}, cadata={b(certs.root.cert.der.data)})
print("DATA", s.read(10))
print("EOF1", s.read(10))
print("EOF2", s.read(10))
buf = bytearray(4)
print("EOF3", s.readinto(buf))
print("EOF4", s.recv(10))
s.close()
''').check()
    assert r.one("DATA") == "b'last words'", r
    assert r.one("EOF1") == "b''" and r.one("EOF2") == "b''", r
    assert r.one("EOF3") == "0" and r.one("EOF4") == "b''", r
    # MicroPython's close() answers with its own close_notify: the peer's unwrap completes.
    assert srv.record().unwrap == "ok", srv.record().unwrap


def test_server_close_sends_close_notify(mpy_server, certs):
    leaf = certs["p256"]

    def make(port):
        return f'''
ctx = server_ctx({b(leaf.chain.data)}, {b(leaf.key.pem.data)})
l = listener({port})
s = accept_tls(l, ctx)
s.write(b"server says bye")
s.close()
print("CLOSED")
l.close()
'''
    proc, port = mpy_server(make)
    res = tls_client(port, cafile=certs.root.cert.pem.path, steps=[("recv_eof",)])
    r = proc.finish().check()
    assert res.received == b"server says bye", (res, str(r))
    assert res.eof == "close_notify", res.eof


def test_server_reads_empty_after_client_close_notify(mpy_server, certs):
    leaf = certs["p256"]

    def make(port):
        return f'''
ctx = server_ctx({b(leaf.chain.data)}, {b(leaf.key.pem.data)})
l = listener({port})
s = accept_tls(l, ctx)
print("DATA", s.read(5))
print("EOF", s.read(5))
s.close()
l.close()
'''
    proc, port = mpy_server(make)
    res = tls_client(port, cafile=certs.root.cert.pem.path, steps=[("send", b"12345"), ("shutdown",)])
    r = proc.finish().check()
    assert r.one("DATA") == "b'12345'" and r.one("EOF") == "b''", r
    assert res.unwrap == "ok", res.unwrap


def test_peer_tcp_close_without_close_notify(mpy, certs, tls_server):
    # A truncation attack looks like this.  Either an empty read or an OSError is
    # acceptable; what matters is that the interpreter survives and no data is invented.
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("send", b"partial"), ("close",)])
    r = mpy.run(f'''
s = client({srv.port}, cadata={b(certs.root.cert.der.data)})
print("DATA", s.read(7))
try:
    print("NEXT", s.read(10))
except OSError as e:
    print("NEXT OSError")
s.close()
print("ALIVE")
''').check()
    assert r.one("DATA") == "b'partial'", r
    assert r.one("NEXT") in ("b''", "OSError"), r
    assert "ALIVE" in r.lines, r
