"""Every private-key encoding (RSA PKCS#1/PKCS#8, EC SEC1/PKCS#8, Ed25519
PKCS#8; PEM and DER) and DER certificates, exercised in the server role where
the key is actually used to sign the handshake."""
import pytest

from helpers.mpservers import echo_server
from helpers.pypeers import tls_client

KEY_FORMATS = {
    "rsa": ["pkcs1_pem", "pkcs1_der", "pkcs8_pem", "pkcs8_der"],
    "p256": ["sec1_pem", "sec1_der", "pkcs8_pem", "pkcs8_der"],
    "p384": ["sec1_pem", "sec1_der", "pkcs8_pem", "pkcs8_der"],
    "ed25519": ["pkcs8_pem", "pkcs8_der"],
}
CASES = [(k, f) for k, fs in KEY_FORMATS.items() for f in fs]


def _serve_once(mpy_server, certs, cert: bytes, key: bytes, cafile, partial_chain=False):
    proc, port = mpy_server(echo_server(cert, key))
    res = tls_client(port, cafile=cafile, partial_chain=partial_chain, version="1.3",
                     steps=[("send", b"fmt\n"), ("recv_eof",)])
    r = proc.finish()
    return res, r


@pytest.mark.parametrize("kind,fmt", CASES)
def test_key_format(mpy_server, certs, kind, fmt):
    leaf = certs[kind]
    res, r = _serve_once(mpy_server, certs, leaf.chain.data, leaf.key.formats[fmt].data,
                         certs.root.cert.pem.path)
    r.check()
    assert not r.tagged("LOAD"), r
    assert res.error is None, (res.error, str(r))
    assert res.received == b"echo:fmt\n", (res.received, str(r))


@pytest.mark.parametrize("kind", ["rsa", "p256", "p384", "ed25519"])
def test_der_certificate_and_key(mpy_server, certs, kind):
    # A DER certificate is a single certificate, so the client anchors on the
    # intermediate (partial chain).
    leaf = certs[kind]
    res, r = _serve_once(mpy_server, certs, leaf.cert.der.data, leaf.key.der.data,
                         certs.inter.cert.pem.path, partial_chain=True)
    r.check()
    assert not r.tagged("LOAD"), r
    assert res.error is None, (res.error, str(r))
    assert res.peer_cert == leaf.cert.der.data
    assert res.received == b"echo:fmt\n", (res.received, str(r))


@pytest.mark.parametrize("fmt", ["sec1_pem", "sec1_der", "pkcs8_der"])
def test_client_key_formats(mpy, certs, tls_server, fmt):
    # Clients use keys too (mutual TLS): the P-256 client key in other encodings.
    client = certs["client"]
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, client_ca=certs.root.cert.pem.path,
                     require_client_cert=True, steps=[("recv", 2), ("send", b"ok"), ("recv_eof",)])
    r = mpy.run(f'''
s = client({srv.port}, cadata={certs.root.cert.der.data!r}, cert={client.chain.data!r},
           key={client.key.formats[fmt].data!r})
s.write(b"hi")
print("READ", s.read(2))
s.close()
''').check()
    assert r.one("READ") == "b'ok'", r
    assert srv.record().peer_cert == client.cert.der.data
