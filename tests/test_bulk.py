"""1 MiB each way, byte-exact (SHA-256 of a position-dependent pattern),
in both roles."""
import pytest

from helpers.data import MIB, pattern, sha256_hex
from helpers.pypeers import tls_client
from helpers.snippets import b

EXPECTED = sha256_hex(pattern(MIB))


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_client_uploads_and_downloads_1mib(mpy, certs, tls_server, version):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version=version,
                     steps=[("recv", MIB), ("send_pattern", MIB), ("shutdown",)])
    r = mpy.run(f'''
s = client({srv.port}, cadata={b(certs.root.cert.der.data)})
send_pattern(s, {MIB})
n, h = recv_hash(s)
print("DOWN", n, h)
s.close()
''', timeout=120).check()
    assert r.one("DOWN") == f"{MIB} {EXPECTED}", r
    rec = srv.record(timeout=60)
    assert rec.error is None, rec.error
    assert len(rec.received) == MIB and sha256_hex(bytes(rec.received)) == EXPECTED
    assert rec.unwrap == "ok", rec.unwrap


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_server_uploads_and_downloads_1mib(mpy_server, certs, version):
    leaf = certs["rsa"]

    def make(port):
        return f'''
ctx = server_ctx({b(leaf.chain.data)}, {b(leaf.key.pem.data)})
l = listener({port})
s = accept_tls(l, ctx)
n, h = recv_hash(s, {MIB})
print("UP", n, h)
send_pattern(s, {MIB})
s.close()
l.close()
'''
    proc, port = mpy_server(make)
    res = tls_client(port, cafile=certs.root.cert.pem.path, version=version, timeout=60,
                     steps=[("send_pattern", MIB), ("recv_eof",)])
    r = proc.finish(120).check()
    assert r.one("UP") == f"{MIB} {EXPECTED}", r
    assert res.error is None, res.error
    assert len(res.received) == MIB and sha256_hex(bytes(res.received)) == EXPECTED
    assert res.eof == "close_notify", res.eof
