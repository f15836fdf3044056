"""Certificate verification in the client role: success via the CA, each
failure with its ValueError message, directly trusted (pinned / CN-only)
certificates, and CERT_NONE accepting anything."""
import pytest

from helpers.snippets import b

VERSIONS = ["1.2", "1.3"]


def connect_snippet(port, cadata=None, hostname="localhost", verify=True):
    cadata_arg = "None" if cadata is None else b(cadata)
    return f'''
try:
    s = client({port}, cadata={cadata_arg}, hostname={hostname!r}, verify={verify})
    print("HANDSHAKE OK")
    s.write(b"ping")
    print("READ", s.read(4))
    s.close()
except Exception as e:
    show("CLIENT", e)
'''


def expect_ok(r):
    r.check()
    assert "HANDSHAKE OK" in r.lines, r
    assert r.one("READ") == "b'pong'", r


def expect_cert_error(r, text):
    r.check()
    assert "HANDSHAKE OK" not in r.lines, r
    line = r.one("CLIENT")
    # Both the ValueError MicroPython raises and CPython's ssl.SSLError.
    assert line.startswith("EXC SSLCertVerificationError"), r
    assert text in line.lower(), r


def pong_server(tls_server, certfile, keyfile, version="1.3"):
    return tls_server(certfile, keyfile, version=version,
                      steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name,hostname,text", [
    ("expired", "localhost", "certificate has expired"),
    ("notyet", "localhost", "certificate not yet valid"),
    # wronghost: SAN DNS:wrong.example but CN=localhost -- with a SAN present the CN
    # must not be used, so this is a mismatch too.
    ("wronghost", "localhost", "hostname mismatch"),
    ("p256", "other.example", "hostname mismatch"),
    ("untrusted", "localhost", "unknown issuer"),
])
def test_verification_failure(mpy, certs, tls_server, name, hostname, text, version):
    leaf = certs[name]
    certfile = leaf.chain.path if leaf.chain else leaf.cert.pem.path
    srv = pong_server(tls_server, certfile, leaf.key.pem.path, version)
    r = mpy.run(connect_snippet(srv.port, certs.root.cert.der.data, hostname))
    expect_cert_error(r, text)
    rec = srv.record()
    assert not rec.handshake_ok and rec.error, "the server must not complete the handshake"


@pytest.mark.parametrize("version", VERSIONS)
def test_missing_intermediate_is_unknown_issuer(mpy, certs, tls_server, version):
    leaf = certs["p256"]
    # The server sends the leaf alone; the client trusts only the root.
    srv = pong_server(tls_server, leaf.cert.pem.path, leaf.key.pem.path, version)
    r = mpy.run(connect_snippet(srv.port, certs.root.cert.der.data))
    expect_cert_error(r, "unknown issuer")


def test_trusting_the_intermediate_is_enough(mpy, certs, tls_server):
    # Any trusted certificate is an anchor: leaf alone + cadata=intermediate verifies.
    leaf = certs["p256"]
    srv = pong_server(tls_server, leaf.cert.pem.path, leaf.key.pem.path)
    expect_ok(mpy.run(connect_snippet(srv.port, certs.inter.cert.der.data)))


def test_no_cadata_cert_required_fails(mpy, certs, tls_server):
    # CERT_REQUIRED with nothing loaded (no CA, no pin, no bundle): refused
    # when the certificate arrives, with the real cause named.
    leaf = certs["p256"]
    srv = pong_server(tls_server, leaf.chain.path, leaf.key.pem.path)
    expect_cert_error(mpy.run(connect_snippet(srv.port, None)), "but no ca is loaded")


def test_no_cadata_no_hostname_names_the_ca_first(mpy, certs, tls_server):
    # Both missing: the CA is named (it used to say "requires server_hostname").
    leaf = certs["p256"]
    srv = pong_server(tls_server, leaf.chain.path, leaf.key.pem.path)
    r = mpy.run(connect_snippet(srv.port, None, hostname=None)).check()
    assert r.one("CLIENT") == ("EXC SSLCertVerificationError ('CERT_REQUIRED but no CA is loaded: load_verify_locations(),"
                               " cadata= or load_default_certs()',)"), r


@pytest.mark.parametrize("name", ["cnonly", "cnonly_rsa"])
@pytest.mark.parametrize("version", VERSIONS)
def test_cn_only_self_signed_trusted_via_cadata(mpy, certs, tls_server, name, version):
    # MicroPython's own test certificates look like this: CA:TRUE, CN, no SAN.
    leaf = certs[name]
    srv = pong_server(tls_server, leaf.cert.pem.path, leaf.key.pem.path, version)
    expect_ok(mpy.run(connect_snippet(srv.port, leaf.cert.der.data, "localhost")))


def test_cn_only_wrong_hostname(mpy, certs, tls_server):
    leaf = certs["cnonly"]
    srv = pong_server(tls_server, leaf.cert.pem.path, leaf.key.pem.path)
    expect_cert_error(mpy.run(connect_snippet(srv.port, leaf.cert.der.data, "other.example")),
                      "hostname mismatch")


def test_cn_only_expired_trusted_via_cadata(mpy, certs, tls_server):
    # Directly trusted certificates still have their dates checked.
    leaf = certs["cnonly_expired"]
    srv = pong_server(tls_server, leaf.cert.pem.path, leaf.key.pem.path)
    expect_cert_error(mpy.run(connect_snippet(srv.port, leaf.cert.der.data)), "certificate has expired")


def test_pinned_self_signed_leaf(mpy, certs, tls_server):
    # A CA:FALSE self-signed leaf that is byte-equal to a trusted certificate is accepted.
    leaf = certs["untrusted"]
    srv = pong_server(tls_server, leaf.cert.pem.path, leaf.key.pem.path)
    expect_ok(mpy.run(connect_snippet(srv.port, leaf.cert.der.data)))


@pytest.mark.parametrize("name", ["expired", "notyet", "wronghost", "untrusted"])
def test_cert_none_accepts_anything(mpy, certs, tls_server, name):
    leaf = certs[name]
    certfile = leaf.chain.path if leaf.chain else leaf.cert.pem.path
    srv = pong_server(tls_server, certfile, leaf.key.pem.path)
    expect_ok(mpy.run(connect_snippet(srv.port, None, "localhost", verify=False)))
    assert srv.record().handshake_ok


def test_cert_none_without_hostname(mpy, certs, tls_server):
    leaf = certs["untrusted"]
    srv = pong_server(tls_server, leaf.cert.pem.path, leaf.key.pem.path)
    r = mpy.run(f'''
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = tls.CERT_NONE
s = ctx.wrap_socket(tcp({srv.port}))
s.write(b"ping")
print("READ", s.read(4))
s.close()
''').check()
    assert r.one("READ") == "b'pong'", r
    assert srv.record().sni is None   # no hostname, no SNI


def test_multiple_certificates_in_cadata(mpy, certs, tls_server):
    # One PEM blob with an unrelated CA first, then the root: the root must be found.
    leaf = certs["p384"]
    srv = pong_server(tls_server, leaf.chain.path, leaf.key.pem.path)
    expect_ok(mpy.run(connect_snippet(srv.port, certs.ca_bundle("other_ca", "root"))))


def test_load_verify_locations_twice_accumulates(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = pong_server(tls_server, leaf.chain.path, leaf.key.pem.path)
    r = mpy.run(f'''
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations({b(certs["other_ca"].cert.der.data)})
ctx.load_verify_locations({b(certs.root.cert.der.data)})
try:
    s = ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
    s.write(b"ping")
    print("READ", s.read(4))
    s.close()
except Exception as e:
    show("CLIENT", e)
''').check()
    assert r.one("READ") == "b'pong'", r
