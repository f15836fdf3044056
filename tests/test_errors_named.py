"""Errors that name their cause (docs/api.md, "Errors"): the alert a peer
sent, why a key was refused, which certificate of a cadata was bad, which
file could not be opened.  The code (e.errno / args[0]) stays mbedTLS's; the
message says the rest.  MicroPython's own texts for input that is no
certificate or key at all ('invalid cert', 'invalid key') are kept."""
import pytest

from helpers.checks import peer_alert
from helpers.mpy import REPO
from helpers.snippets import b

pytestmark = pytest.mark.host_only

KEYS = REPO / "modssl_rs" / "tests-data" / "keys"


def load(mpy, call):
    """Runs `call` (code using ctx) on a client context; its exception line."""
    r = mpy.run(f'''
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
try:
    {call}
    print("E OK")
except Exception as e:
    show("E", e)
''').check()
    return r.one("E")


# ---- cadata ------------------------------------------------------------------

def test_cadata_errors_say_what_and_which(mpy, certs):
    root = certs.root.cert.der.data
    bad = bytearray(root)
    bad[4:8] = b"\xff\xff\xff\xff"
    many = root * 76 + bytes(bad) + root * 67   # 144 certificates, the 77th corrupt
    cases = {
        "b'!'": "EXC ValueError ('invalid cert',)",
        "b''": "EXC ValueError ('invalid cert: no certificate found in the data',)",
        b(certs["p256"].key.pem.data): "EXC ValueError ('invalid cert: this is a private key, not a certificate',)",
        b(certs["p256"].key.formats["pkcs8_der"].data):
            "EXC ValueError ('invalid cert: this is a private key, not a certificate',)",
        b(many): "EXC ValueError ('invalid cert: certificate 77: malformed X.509 certificate',)",
        b(root + b"xyz"): "EXC ValueError ('invalid cert: unexpected data after the last DER certificate"
                          " (after certificate 1)',)",
    }
    for data, want in cases.items():
        assert load(mpy, f"ctx.load_verify_locations(cadata={data})") == want, data[:40]


# ---- keys --------------------------------------------------------------------

@pytest.mark.parametrize("key,reason", [
    (None, None),   # b"!": MicroPython's own text
    ("rsa1024.pkcs8.pem", "unsupported RSA key size (need 2048 to 4096 bits)"),
    ("p521.pkcs8.pem", "unsupported elliptic curve (need P-256 or P-384)"),
    ("p256.pkcs8.enc.pem", "private key is encrypted (not supported)"),
    ("cert", "this is a certificate, not a private key"),
])
def test_key_errors_say_why(mpy, certs, key, reason):
    leaf = certs["p256"]
    data = (b"!" if key is None else leaf.cert.pem.data if key == "cert"
            else (KEYS / key).read_bytes())
    got = load(mpy, f"ctx.load_cert_chain({b(leaf.chain.data)}, {b(data)})")
    assert got == "EXC ValueError ('invalid key{}',)".format(f": {reason}" if reason else ""), got


# ---- files ---------------------------------------------------------------------

def test_a_missing_file_is_named(mpy):
    r = mpy.run('''
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
try:
    ctx.load_verify_locations(cafile="no-such-ca.pem")
except OSError as e:
    print("E", e.errno, repr(e.args))
''').check()
    assert r.one("E") == "2 (2, \"cannot open 'no-such-ca.pem'\")", r


def test_pem_text_given_as_a_path_says_to_pass_bytes(mpy, certs):
    pem = certs.root.cert.pem.data.decode()
    r = mpy.run(f'''
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
try:
    ctx.load_verify_locations(cafile={pem!r})
except Exception as e:
    show("E", e)
''').check()
    assert r.one("E") == ("EXC ValueError ('this str holds PEM data, not a file name:"
                          " pass the PEM as bytes',)"), r


# ---- alerts from real peers -------------------------------------------------------

def client_code(port, cadata, cert=None, key=None, extra=""):
    cert_args = "" if cert is None else f", cert={b(cert)}, key={b(key)}"
    return f'''
try:
    ctx = client_ctx({b(cadata)}{cert_args})
    {extra}
    s = ctx.wrap_socket(tcp({port}), server_hostname="localhost")
    s.write(b"hi")
    print("READ", s.read(2))
except Exception as e:
    show("CLIENT", e)
'''


@pytest.mark.parametrize("version,alert", [("1.3", "certificate_required"), ("1.2", "handshake_failure")])
def test_server_wants_a_client_certificate(mpy, certs, tls_server, version, alert):
    # The Arduino thread's "connection refused": now it says why.
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version=version,
                     client_ca=certs.root.cert.pem.path, require_client_cert=True,
                     steps=[("recv", 2), ("send", b"ok")])
    r = mpy.run(client_code(srv.port, certs.root.cert.der.data)).check()
    assert r.one("CLIENT") == peer_alert(alert), r


def test_server_does_not_trust_our_certificate(mpy, certs, tls_server):
    leaf, rogue = certs["p256"], certs["untrusted_client"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version="1.3",
                     client_ca=certs.root.cert.pem.path, require_client_cert=True,
                     steps=[("recv", 2), ("send", b"ok")])
    r = mpy.run(client_code(srv.port, certs.root.cert.der.data, rogue.cert.pem.data,
                            rogue.key.pem.data)).check()
    assert r.one("CLIENT") == peer_alert("unknown_ca"), r


def test_no_common_version(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version="1.2", steps=[("recv", 2)])
    r = mpy.run("import ssl\n" + client_code(srv.port, certs.root.cert.der.data,
                                              extra="ctx.minimum_version = ssl.TLSVersion.TLSv1_3")).check()
    assert r.one("CLIENT") == peer_alert("protocol_version"), r


@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_client_key_that_does_not_match_its_certificate(mpy, certs, tls_server, version):
    # docs/security.md rule 6: the handshake that fails reports the real
    # cause, on the client as on the server (TLS 1.3: at the first read).
    leaf, client = certs["p256"], certs["client"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version=version,
                     client_ca=certs.root.cert.pem.path, require_client_cert=True,
                     steps=[("recv", 2), ("send", b"ok")])
    # The client's certificate with the server leaf's key (both P-256).
    r = mpy.run(client_code(srv.port, certs.root.cert.der.data, client.chain.data,
                            leaf.key.pem.data)).check()
    assert r.one("CLIENT") == "EXC ValueError ('private key does not match the certificate',)", r
    assert srv.record().error, "the server must refuse the client"
