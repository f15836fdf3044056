"""Mutual TLS in both directions."""
import hashlib

import pytest

from helpers.checks import peer_alert, PEER_CERT_REQUIRED
from helpers.mpservers import echo_server
from helpers.osslpeers import s_client
from helpers.pypeers import tls_client
from helpers.snippets import b

VERSIONS = ["1.2", "1.3"]


# -- MicroPython client presents a certificate ------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_client_presents_certificate_to_cpython(mpy, certs, tls_server, version):
    leaf, client = certs["p256"], certs["client"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version=version,
                     client_ca=certs.root.cert.pem.path, require_client_cert=True,
                     steps=[("recv", 2), ("send", b"ok"), ("recv_eof",)])
    r = mpy.run(f'''
try:
    s = client({srv.port}, cadata={b(certs.root.cert.der.data)}, cert={b(client.chain.data)},
               key={b(client.key.pem.data)})
    s.write(b"hi")
    print("READ", s.read(2))
    s.close()
except Exception as e:
    show("CLIENT", e)
''').check()
    assert r.one("READ") == "b'ok'", r
    rec = srv.record()
    assert rec.error is None, rec.error
    assert rec.version == f"TLSv{version}"
    assert rec.peer_cert == client.cert.der.data


@pytest.mark.parametrize("version", VERSIONS)
def test_client_presents_certificate_to_openssl(mpy, certs, s_server, version):
    leaf, client = certs["rsa"], certs["client"]
    srv = s_server(leaf.cert.pem.path, leaf.key.pem.path, chain=certs.inter.cert.pem.path,
                   version=version, mode="rev", verify_ca=certs.root.cert.pem.path,
                   require_client_cert=True)
    r = mpy.run(f'''
s = client({srv.port}, cadata={b(certs.root.cert.pem.data)}, cert={b(client.chain.data)},
           key={b(client.key.pem.data)})
s.write(b"hello\\n")
print("READ", s.read(6))
s.close()
''').check()
    assert r.one("READ") == "b'olleh\\n'", r
    out = srv.finish()
    assert "depth=0 CN = test client" in out and "verify error" not in out, out
    assert f"Protocol version: TLSv{version}" in out, out


@pytest.mark.parametrize("version", VERSIONS)
def test_client_without_certificate_is_refused(mpy, certs, tls_server, version):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version=version,
                     client_ca=certs.root.cert.pem.path, require_client_cert=True,
                     steps=[("recv", 2), ("send", b"ok"), ("recv_eof",)])
    # In TLS 1.3 the client's handshake is complete once it has sent its
    # (empty) Certificate and Finished: it learns of the refusal only when it
    # next reads (the client half of the cert_required known difference,
    # tests/KNOWN_DIFFERENCES.md).  In TLS 1.2 the alert replaces the
    # server's Finished: the handshake itself fails.
    r = mpy.run(f'''
try:
    s = client({srv.port}, cadata={b(certs.root.cert.der.data)})
    print("HANDSHAKE OK")
    s.write(b"hi")
    print("WROTE")
    print("READ", s.read(2))
except Exception as e:
    show("CLIENT", e)
''').check()
    assert "READ b'ok'" not in r.stdout, r
    want = "certificate_required" if version == "1.3" else "handshake_failure"
    assert r.one("CLIENT") == peer_alert(want), r
    if version == "1.3":
        assert "HANDSHAKE OK" in r.lines and "WROTE" in r.lines, r
    else:
        assert "HANDSHAKE OK" not in r.lines, r
    assert srv.record().error, "the server must refuse the handshake"


# -- MicroPython server requires a certificate -----------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_server_requires_and_gets_client_certificate(mpy_server, certs, version):
    leaf, client = certs["p384"], certs["client"]
    proc, port = mpy_server(echo_server(leaf.chain.data, leaf.key.pem.data,
                                        cadata=certs.root.cert.der.data, require=True))
    res = tls_client(port, cafile=certs.root.cert.pem.path, version=version,
                     certfile=client.chain.path, keyfile=client.key.pem.path,
                     steps=[("send", b"mtls\n"), ("recv_eof",)])
    r = proc.finish().check()
    assert res.error is None, (res.error, str(r))
    assert res.received == b"echo:mtls\n", (res.received, str(r))
    assert r.one("PEER") == hashlib.sha256(client.cert.der.data).hexdigest(), r


def test_server_requires_client_certificate_openssl(mpy_server, certs):
    leaf, client = certs["rsa"], certs["client"]
    proc, port = mpy_server(echo_server(leaf.chain.data, leaf.key.pem.data,
                                        cadata=certs.root.cert.pem.data, require=True))
    res = s_client(port, data=b"mtls\n", cafile=certs.root.cert.pem.path,
                   cert=client.cert.pem.path, key=client.key.pem.path, chain=certs.inter.cert.pem.path)
    r = proc.finish().check()
    assert "echo:mtls" in res.stdout, (str(res), str(r))
    assert r.one("PEER") == hashlib.sha256(client.cert.der.data).hexdigest(), r


@pytest.mark.parametrize("version", VERSIONS)
def test_server_rejects_client_without_certificate(mpy_server, certs, version):
    leaf = certs["p256"]
    proc, port = mpy_server(echo_server(leaf.chain.data, leaf.key.pem.data,
                                        cadata=certs.root.cert.der.data, require=True))
    res = tls_client(port, cafile=certs.root.cert.pem.path, version=version,
                     steps=[("send", b"nocert\n"), ("recv_eof",)])
    r = proc.finish().check()
    assert "HANDSHAKE OK" not in r.lines, r
    assert r.one("SERVER") == PEER_CERT_REQUIRED, r
    assert b"echo:" not in res.received
    assert res.error or (res.eof and res.eof != "close_notify"), res


def test_server_rejects_untrusted_client_certificate(mpy_server, certs):
    leaf, bad = certs["p256"], certs["untrusted_client"]
    proc, port = mpy_server(echo_server(leaf.chain.data, leaf.key.pem.data,
                                        cadata=certs.root.cert.der.data, require=True))
    res = tls_client(port, cafile=certs.root.cert.pem.path, version="1.2",
                     certfile=bad.cert.pem.path, keyfile=bad.key.pem.path,
                     steps=[("send", b"bad\n"), ("recv_eof",)])
    r = proc.finish().check()
    assert "HANDSHAKE OK" not in r.lines, r
    line = r.one("SERVER")
    assert line.startswith("EXC SSLCertVerificationError") and "unknown issuer" in line.lower(), r
    assert b"echo:" not in res.received
