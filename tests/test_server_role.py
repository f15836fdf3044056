"""MicroPython as TLS server (cert chain with intermediate) against CPython's
ssl client and openssl s_client, every key type, TLS 1.2 and 1.3."""
import pytest

from helpers.mpservers import echo_server
from helpers.checks import check_cipher
from helpers.osslpeers import s_client
from helpers.pypeers import tls_client

CASES = [(k, v) for k in ("rsa", "p256", "p384", "ed25519") for v in ("1.2", "1.3")
         if not (k == "ed25519" and v == "1.2")]


@pytest.mark.parametrize("kind,version", CASES)
def test_server_vs_cpython_client(mpy_server, certs, kind, version):
    leaf = certs[kind]
    proc, port = mpy_server(echo_server(leaf.chain.data, leaf.key.pem.data))
    res = tls_client(port, cafile=certs.root.cert.pem.path, version=version,
                     steps=[("send", b"hello\n"), ("recv_eof",)])
    r = proc.finish()
    r.check()
    assert res.error is None, (res.error, str(r))
    assert res.version == f"TLSv{version}"
    assert res.peer_cert == leaf.cert.der.data
    assert res.received == b"echo:hello\n", (res.received, str(r))
    assert res.eof == "close_notify", res.eof
    assert "HANDSHAKE OK" in r.lines and r.one("GOT") == "b'hello\\n'", r
    check_cipher(r, res.cipher, res.version)


@pytest.mark.parametrize("kind,version", CASES)
def test_server_vs_openssl_s_client(mpy_server, certs, kind, version):
    leaf = certs[kind]
    proc, port = mpy_server(echo_server(leaf.chain.data, leaf.key.pem.data))
    res = s_client(port, data=b"hello\n", cafile=certs.root.cert.pem.path, version=version)
    r = proc.finish()
    r.check()
    assert res.protocol == f"TLSv{version}", (str(res), str(r))
    assert res.verified, res
    assert "echo:hello" in res.stdout, (str(res), str(r))
    assert res.returncode == 0, res
    check_cipher(r, res.cipher, res.protocol)


def test_server_two_connections_sequentially(mpy_server, certs):
    leaf = certs["p256"]

    def make(port):
        return f'''
ctx = server_ctx({leaf.chain.data!r}, {leaf.key.pem.data!r})
l = listener({port})
for i in range(2):
    try:
        s = accept_tls(l, ctx)
        s.write(b"conn%d\\n" % i)
        s.close()
        print("SERVED", i)
    except Exception as e:
        show("SERVER", e)
l.close()
'''
    proc, port = mpy_server(make)
    got = [tls_client(port, cafile=certs.root.cert.pem.path).received for _ in range(2)]
    r = proc.finish()
    r.check()
    assert got == [b"conn0\n", b"conn1\n"], (got, str(r))
    assert r.tagged("SERVED") == ["0", "1"], r
