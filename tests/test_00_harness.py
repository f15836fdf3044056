"""Self-checks of the harness (no MicroPython needed): the generated
certificates are what they claim to be, and the CPython/openssl peers work
with each other.  If these fail, MicroPython results mean nothing."""
import subprocess

import pytest

from helpers.data import MIB, pattern, sha256_hex
from helpers.osslpeers import s_client
from helpers.pypeers import tls_client

pytestmark = [pytest.mark.harness, pytest.mark.host_only]


def _verify(certs, name, *extra):
    p = subprocess.run(["openssl", "verify", "-CAfile", str(certs.root.cert.pem.path),
                        "-untrusted", str(certs.inter.cert.pem.path), *extra,
                        str(certs[name].cert.pem.path)], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


@pytest.mark.parametrize("name", ["rsa", "p256", "p384", "ed25519", "client"])
def test_leaf_chains_to_root(certs, name):
    rc, out = _verify(certs, name)
    assert rc == 0, out


@pytest.mark.parametrize("name,reason", [
    ("expired", "certificate has expired"),
    ("notyet", "certificate is not yet valid"),
    ("untrusted", "self-signed certificate"),
])
def test_bad_leaves_are_bad(certs, name, reason):
    rc, out = _verify(certs, name)
    assert rc != 0 and reason in out, out


def test_wronghost_only_bad_for_hostname(certs):
    rc, out = _verify(certs, "wronghost")
    assert rc == 0, out
    rc, out = _verify(certs, "wronghost", "-verify_hostname", "localhost")
    assert rc != 0 and "hostname mismatch" in out, out


def test_cnonly_has_no_san_and_is_ca(certs):
    text = subprocess.run(["openssl", "x509", "-noout", "-text", "-in", str(certs["cnonly"].cert.pem.path)],
                          capture_output=True, text=True, check=True).stdout
    assert "CA:TRUE" in text and "Subject: CN = localhost" in text
    assert "Subject Alternative Name" not in text


def test_key_formats(certs):
    rsa, ec, ed = certs["rsa"].key.formats, certs["p256"].key.formats, certs["ed25519"].key.formats
    assert rsa["pkcs1_pem"].data.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    assert rsa["pkcs8_pem"].data.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert ec["sec1_pem"].data.startswith(b"-----BEGIN EC PRIVATE KEY-----")
    assert ed["pkcs8_pem"].data.startswith(b"-----BEGIN PRIVATE KEY-----")
    for f in (rsa, ec, ed):
        for name, blob in f.items():
            if name.endswith("_der"):
                assert blob.data[0] == 0x30, name  # a DER SEQUENCE


@pytest.mark.parametrize("kind", ["rsa", "p256", "p384", "ed25519"])
@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_cpython_peers(certs, tls_server, kind, version):
    leaf = certs[kind]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version=version,
                     steps=[("recv", 5), ("send_pattern", 100000), ("shutdown",)])
    res = tls_client(srv.port, cafile=certs.root.cert.pem.path,
                     steps=[("send", b"hello"), ("recv_eof",), ("shutdown",)])
    assert res.error is None and res.version == f"TLSv{version}"
    assert sha256_hex(bytes(res.received)) == sha256_hex(pattern(100000))
    assert res.eof == "close_notify"
    rec = srv.record()
    assert rec.received == b"hello" and rec.unwrap == "ok"


def test_cpython_client_rejects_expired(certs, tls_server):
    leaf = certs["expired"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path)
    res = tls_client(srv.port, cafile=certs.root.cert.pem.path)
    assert res.error and "expired" in res.error
    assert srv.record().error


def test_cpython_mutual_tls(certs, tls_server):
    leaf, client = certs["p256"], certs["client"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, client_ca=certs.root.cert.pem.path,
                     require_client_cert=True, steps=[("echo_eof",)])
    res = tls_client(srv.port, cafile=certs.root.cert.pem.path, certfile=client.chain.path,
                     keyfile=client.key.pem.path, steps=[("send", b"x"), ("shutdown",)])
    assert res.error is None, res.error
    assert srv.record().peer_cert == client.cert.der.data


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_openssl_s_server_www(certs, s_server, version):
    leaf = certs["p256"]
    srv = s_server(leaf.cert.pem.path, leaf.key.pem.path, chain=certs.inter.cert.pem.path,
                   version=version, mode="www")
    res = tls_client(srv.port, cafile=certs.root.cert.pem.path,
                     steps=[("send", b"GET / HTTP/1.0\r\n\r\n"), ("recv_eof",)])
    assert res.error is None, res.error
    assert f"Protocol  : TLSv{version}".encode() in res.received, res.received[:2000]
    srv.finish()


def test_openssl_s_client(certs, tls_server):
    leaf = certs["rsa"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version="1.3",
                     steps=[("recv", 6), ("send", b"olleh\n"), ("shutdown",)])
    res = s_client(srv.port, data=b"hello\n", cafile=certs.root.cert.pem.path, version="1.3")
    assert res.returncode == 0, res
    assert res.protocol == "TLSv1.3" and res.verified, res
    assert "olleh" in res.stdout, res
    assert srv.record().received == b"hello\n"


def test_pattern_is_position_sensitive():
    a = pattern(3 * 4096)
    b = a[4096:8192] + a[:4096] + a[8192:]
    assert len(a) == len(b) and sha256_hex(a) != sha256_hex(b)
    assert len(pattern(MIB)) == MIB
