"""A reduced feature profile (docs/building.md, "Feature profiles"): the
`minimal` build (a TLS 1.3 client verifying ECDSA P-256 only, no server, no
TLS 1.2, no RSA/P-384/Ed25519, no CA bundle) does what it has, and refuses
the rest with an exception that says why -- never a crash.

`make profile-test` builds build/micropython-minimal and runs this file with
MICROPYTHON_MINIMAL set; without it the tests are skipped."""
import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest

from helpers.checks import peer_alert
from helpers.mpy import HostRunner
from helpers.snippets import b

pytestmark = pytest.mark.host_only


@pytest.fixture
def minimal(tmp_path):
    path = os.environ.get("MICROPYTHON_MINIMAL")
    if not path:
        pytest.skip("MICROPYTHON_MINIMAL is not set (make profile-test builds and sets it)")
    assert Path(path).exists(), path
    runner = HostRunner(Path(path).resolve(), tmp_path)
    yield runner
    runner.cleanup()


@pytest.fixture(scope="module")
def rsa_signed(certs):
    """A P-256 leaf for localhost issued by an RSA-2048 CA: its chain needs RSA."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    valid = (now - dt.timedelta(days=1), now + dt.timedelta(days=30))
    ca = certs._make("profile_rsa_ca", "rsa:2048", "RSA Test CA", "root", None, valid)
    leaf = certs._make("profile_p256_rsa", "ec:P-256", "localhost", "server", ca, valid)
    return ca, leaf


def connect(port, cadata):
    return f'''
try:
    s = client({port}, cadata={b(cadata)})
    print("HANDSHAKE OK", s.cipher())
    s.write(b"ping")
    print("READ", s.read(4))
    s.close()
except Exception as e:
    show("CLIENT", e)
'''


def pong(tls_server, leaf, version):
    return tls_server(leaf.chain.path, leaf.key.pem.path, version=version,
                      steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])


def test_what_the_build_reports(minimal):
    r = minimal.run('''
import ssl
print("SUITES", sorted(tls.SSLContext(tls.PROTOCOL_TLS_CLIENT).get_ciphers()))
print("CERT_COMPRESSION", ssl.cert_compression())
try:
    ssl.create_default_context()
except Exception as e:
    show("BUNDLE", e)
''').check()
    assert r.one("SUITES") == str(sorted(
        ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"])), r
    # Certificate compression is left out of minimal (docs/building.md).
    assert r.one("CERT_COMPRESSION") == "(False, False)", r
    assert r.one("BUNDLE").startswith("EXC ValueError") and "no built-in CA roots" in r.one("BUNDLE"), r


def test_verified_tls13_p256_works(minimal, certs, tls_server):
    srv = pong(tls_server, certs["p256"], "1.3")
    r = minimal.run(connect(srv.port, certs.root.cert.der.data)).check()
    assert r.one("HANDSHAKE OK").startswith("('TLS_AES_"), r
    assert r.one("READ") == "b'pong'", r


def test_no_server_contexts(minimal):
    r = minimal.run('''
import ssl
for mod in (tls, ssl):
    try:
        mod.SSLContext(mod.PROTOCOL_TLS_SERVER)
        print("SERVER made")
    except Exception as e:
        show("SERVER", e)
print("STILL ALIVE")
''').check()
    for line in r.tagged("SERVER"):
        assert line.startswith("EXC ValueError") and "no TLS server" in line, r
    assert len(r.tagged("SERVER")) == 2 and "STILL ALIVE" in r.lines, r


def test_no_raw_public_keys(minimal, certs, tmp_path):
    # A PUBLIC KEY (RFC 7250, feature `rpk`) where a certificate would go:
    # the build says what it lacks, in both calls, instead of "invalid cert".
    pub = subprocess.run(["openssl", "pkey", "-in", str(certs["p256"].key.pem.path), "-pubout"],
                         check=True, capture_output=True).stdout
    r = minimal.run(f"""
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
for tag, f in (("TRUST", lambda: ctx.load_verify_locations(cadata={pub!r})),
               ("IDENTITY", lambda: ctx.load_cert_chain({pub!r}, {certs["p256"].key.pem.data!r}))):
    try:
        f()
        print(tag, "loaded")
    except Exception as e:
        print(tag, type(e).__name__, e)
""").check()
    text = "ValueError raw public keys (RFC 7250) are not in this build (built without the `rpk` feature)"
    assert r.one("TRUST") == text and r.one("IDENTITY") == text, r


@pytest.mark.parametrize("kind,ok", [("p256", True), ("rsa", False), ("p384", False), ("ed25519", False)])
def test_client_keys_by_type(minimal, certs, kind, ok):
    leaf = certs[kind]
    r = minimal.run(f'''
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
try:
    ctx.load_cert_chain({b(leaf.cert.pem.data)}, {b(leaf.key.pem.data)})
    print("LOADED")
except Exception as e:
    show("KEY", e)
''').check()
    if ok:
        assert "LOADED" in r.lines, r
    else:
        line = r.one("KEY")
        assert line.startswith("EXC ValueError") and "cannot sign with this key type" in line, r


def test_tls12_only_server_is_refused(minimal, certs, tls_server):
    srv = pong(tls_server, certs["p256"], "1.2")
    r = minimal.run(connect(srv.port, certs.root.cert.der.data)).check()
    assert r.one("CLIENT") == peer_alert("protocol_version"), r


def test_rsa_signed_chain_is_unsupported(minimal, rsa_signed, tls_server):
    ca, leaf = rsa_signed
    srv = pong(tls_server, leaf, "1.3")
    r = minimal.run(connect(srv.port, ca.cert.der.data)).check()
    line = r.one("CLIENT")
    assert line.startswith("EXC SSLCertVerificationError") and "not supported by this build" in line, r


@pytest.mark.parametrize("kind", ["rsa", "p384", "ed25519"])
def test_server_keys_it_cannot_verify(minimal, certs, tls_server, kind):
    # The server's certificate chain is P-256 (our intermediate), but its
    # own key signs the handshake with an algorithm this build leaves out:
    # we never offer that scheme, so the server has nothing to sign with.
    srv = pong(tls_server, certs[kind], "1.3")
    r = minimal.run(connect(srv.port, certs.root.cert.der.data)).check()
    assert r.one("CLIENT") == peer_alert("handshake_failure"), r


def test_full_build_accepts_what_minimal_refuses(mpy, rsa_signed, certs, tls_server):
    # The same peers against the default build: the refusals above are the
    # profile's, not the peers' fault.
    ca, leaf = rsa_signed
    srv = pong(tls_server, leaf, "1.3")
    r = mpy.run(connect(srv.port, ca.cert.der.data)).check()
    assert r.one("READ") == "b'pong'", r
    srv = pong(tls_server, certs["rsa"], "1.2")
    r = mpy.run(connect(srv.port, certs.root.cert.der.data)).check()
    assert r.one("READ") == "b'pong'", r
