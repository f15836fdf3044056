"""Raw public keys (RFC 7250, the `rpk` feature): a bare SubjectPublicKeyInfo
(`PUBLIC KEY` PEM or DER) in `load_cert_chain` presents that key, in
`load_verify_locations` trusts exactly those peer keys (docs/api.md, "Raw
public keys").  Against an independent peer: rustls on aws-lc-rs
(tests/peers/rustls-aws, `server-rpk` / `client-rpk`, its own resolvers and
`verify_tls13_signature_with_raw_key`), both roles and mutual; our client
and server in one interpreter; untrusted keys, mixed trust, a public key
that is not the private key's, X.509-only peers refused with named errors;
no clock needed.  Skipped when the build has no `rpk` (the error it then
raises is checked).  SPKI parsing and matching: `cargo test` (src/rpk.rs,
ffi_tests.rs)."""
import subprocess

import pytest

from helpers.fixtures import peer_factory
from helpers.memstream import STREAM
from helpers.snippets import b
from helpers.rustls_peer import PeerServer, run_client
from test_pq import RustlsServer, rustls_client

pytestmark = pytest.mark.host_only

NOT_IN_BUILD = "raw public keys (RFC 7250) are not in this build (built without the `rpk` feature)"
UNTRUSTED = "certificate verification failed: raw public key not trusted"
NOT_NEGOTIATED = ("SSL_UNSUPPORTED_CERTIFICATE_TYPE: the peer does not use raw public keys (RFC 7250)"
                  " as this context does")
KINDS = ["p256", "ed25519", "rsa"]


def spki(key, tmp_path, name, der=False):
    """The SubjectPublicKeyInfo of `key` (a certs Key) as openssl writes it:
    (path, bytes)."""
    out = tmp_path / (name + (".spki.der" if der else ".spki.pem"))
    subprocess.run(["openssl", "pkey", "-in", str(key.pem.path), "-pubout", "-out", str(out)]
                   + (["-outform", "DER"] if der else []), check=True, capture_output=True)
    return out, out.read_bytes()


_HAS_RPK = {}


@pytest.fixture
def has_rpk(mpy, certs, tmp_path_factory):
    """Whether the build has the feature (asked once); without it, the error
    is checked here and the tests skip."""
    if "yes" not in _HAS_RPK:
        _HAS_RPK["yes"] = probe_rpk(mpy, certs, tmp_path_factory.mktemp("rpk-probe"))
    return _HAS_RPK["yes"]


def probe_rpk(mpy, certs, tmp):
    _, pub = spki(certs["p256"].key, tmp, "probe")
    r = mpy.run(f'''
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
try:
    ctx.load_verify_locations(cadata={b(pub)})
    print("RPK yes")
except ValueError as e:
    print("RPK", e)
''').check()
    if r.one("RPK") != "yes":
        assert r.one("RPK") == NOT_IN_BUILD, r
        return False
    return True


@pytest.fixture
def rpk(has_rpk):
    if not has_rpk:
        pytest.skip("this build has no raw public keys (rpk feature off)")


def RustlsRpkServer(spki_path, key_path, trusted=None, connections=1):
    """The aws-lc-rs server presenting a raw key; `trusted`: the client keys
    it requires (PEM path), or None for no client authentication."""
    return PeerServer("server-rpk", spki_path, key_path, trusted or "-", connections)


rustls_rpk_server = peer_factory(RustlsRpkServer, "Factory for rustls + aws-lc-rs raw-key servers.")
rustls_server = peer_factory(RustlsServer, "Factory for rustls + aws-lc-rs certificate servers.")


def rustls_rpk_client(trusted, port, spki_path=None, key_path=None):
    return run_client("client-rpk", trusted, port, spki_path or "-", key_path or "-")


def client_snippet(port, trusted, cert=None, key=None, hostname="localhost"):
    ident = f"ctx.load_cert_chain({b(cert)}, {b(key)})\n" if cert else ""
    return f'''
import binascii
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(cadata={b(trusted)})
{ident}try:
    s = ctx.wrap_socket(tcp({port}), server_hostname={hostname!r})
    print("PEER", binascii.hexlify(s.getpeercert(True)).decode())
    print_cipher(s)
    s.write(b"ping from micropython")
    print("ECHO", s.read(len(b"ping from micropython")))
    s.close()
except Exception as e:
    show("CLIENT", e)
'''


def server_snippet(cert, key, trusted=None):
    trust = (f"ctx.load_verify_locations(cadata={b(trusted)})\nctx.verify_mode = tls.CERT_REQUIRED\n"
             if trusted else "")

    def make(port):
        return f'''
import binascii
ctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain({b(cert)}, {b(key)})
{trust}l = listener({port})
try:
    s = accept_tls(l, ctx)
    data = s.read(len(b"ping from rustls"))
    peer = s.getpeercert(True)
    print("PEER", binascii.hexlify(peer).decode() if peer else None)
    s.write(data)
    s.close()
except Exception as e:
    show("SERVER", e)
l.close()
'''
    return make


def der_hex(pem_path):
    """The DER of a PUBLIC KEY PEM file, as hex."""
    out = subprocess.run(["openssl", "pkey", "-pubin", "-in", str(pem_path), "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return out.hex()


# ---- against rustls on aws-lc-rs -------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_client_against_rustls_rpk_server(mpy, certs, rustls_rpk_server, rpk, tmp_path, kind):
    key = certs[kind].key
    path, pub = spki(key, tmp_path, kind)
    srv = rustls_rpk_server(path, key.pem.path)
    # A name no certificate here holds: a raw key is not checked against one.
    r = mpy.run(client_snippet(srv.port, pub, hostname="no-such-name.example")).check()
    out = srv.finish()
    assert r.one("ECHO") == "b'ping from micropython'", (r, out)
    assert r.one("CIPHER_VERSION") == "TLSv1.3", r
    # getpeercert(True) is the server's SPKI, and the peer saw no client key.
    assert r.one("PEER") == der_hex(path), r
    assert "PEER none VERSION TLSv1_3" in out, out


@pytest.mark.parametrize("kind", KINDS)
def test_server_against_rustls_rpk_client(mpy_server, certs, rpk, tmp_path, kind):
    key = certs[kind].key
    path, pub = spki(key, tmp_path, kind)
    proc, port = mpy_server(server_snippet(pub, key.pem.data))
    out = rustls_rpk_client(path, port)
    r = proc.finish().check()
    assert "ECHO ping from rustls" in out, (r, out)
    assert f"PEER {der_hex(path)} VERSION TLSv1_3" in out, out
    assert r.one("PEER") == "None", r


def test_mutual_raw_keys_both_roles(mpy, mpy_server, certs, rustls_rpk_server, rpk, tmp_path):
    s_path, s_pub = spki(certs["p256"].key, tmp_path, "server")
    c_key = certs["ed25519"].key
    c_path, c_pub = spki(c_key, tmp_path, "client", der=True)
    c_pem, _ = spki(c_key, tmp_path, "client")
    # Our client (DER key) to the peer's server requiring it.
    srv = rustls_rpk_server(s_path, certs["p256"].key.pem.path, trusted=c_pem)
    r = mpy.run(client_snippet(srv.port, s_pub, cert=c_pub, key=c_key.pem.data)).check()
    out = srv.finish()
    assert r.one("ECHO") == "b'ping from micropython'", (r, out)
    assert f"PEER {c_pub.hex()} VERSION TLSv1_3" in out, out
    # Our server requiring the peer client's key.
    proc, port = mpy_server(server_snippet(s_pub, certs["p256"].key.pem.data, trusted=c_pub))
    out = rustls_rpk_client(s_path, port, c_pem, c_key.pem.path)
    r = proc.finish().check()
    assert "ECHO ping from rustls" in out, (r, out)
    assert r.one("PEER") == c_pub.hex(), r


def test_untrusted_key_refused_by_our_client(mpy, certs, rustls_rpk_server, rpk, tmp_path):
    path, _ = spki(certs["p256"].key, tmp_path, "server")
    _, other = spki(certs["client"].key, tmp_path, "other")
    srv = rustls_rpk_server(path, certs["p256"].key.pem.path)
    r = mpy.run(client_snippet(srv.port, other)).check()
    srv.close()
    assert r.one("CLIENT") == f"EXC SSLCertVerificationError ('{UNTRUSTED}',)", r


def test_untrusted_client_key_refused_by_our_server(mpy_server, certs, rpk, tmp_path):
    s_path, s_pub = spki(certs["p256"].key, tmp_path, "server")
    c_pem, _ = spki(certs["ed25519"].key, tmp_path, "client")
    _, other = spki(certs["client"].key, tmp_path, "other")
    proc, port = mpy_server(server_snippet(s_pub, certs["p256"].key.pem.data, trusted=other))
    out = rustls_rpk_client(s_path, port, c_pem, certs["ed25519"].key.pem.path)
    r = proc.finish().check()
    assert r.one("SERVER") == f"EXC SSLCertVerificationError ('{UNTRUSTED}',)", (r, out)
    assert "ERROR" in out and "ECHO" not in out, out


def test_peer_server_refuses_our_untrusted_client_key(mpy, certs, rustls_rpk_server, rpk, tmp_path):
    s_path, s_pub = spki(certs["p256"].key, tmp_path, "server")
    other_pem, _ = spki(certs["client"].key, tmp_path, "other")
    _, c_pub = spki(certs["ed25519"].key, tmp_path, "client")
    srv = rustls_rpk_server(s_path, certs["p256"].key.pem.path, trusted=other_pem)
    r = mpy.run(client_snippet(srv.port, s_pub, cert=c_pub, key=certs["ed25519"].key.pem.data)).check()
    out = srv.finish()
    # TLS 1.3: the client's handshake is over before the server judges its
    # key; the refusal is the alert at its first read.
    assert r.one("CLIENT").startswith("EXC SSLError (-30592, 'SSL_FATAL_ALERT_MESSAGE: the peer sent a fatal alert:"), r
    assert "ERROR" in out, out


# ---- peers that use certificates ------------------------------------------------

def test_x509_server_refused_by_our_raw_key_client(mpy, certs, tls_server, rpk, tmp_path):
    # CPython's OpenSSL 3.0 does not know RFC 7250: it ignores our
    # server_certificate_type and sends its certificate.
    leaf = certs["p256"]
    _, pub = spki(leaf.key, tmp_path, "leaf")
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version="1.3")
    r = mpy.run(client_snippet(srv.port, pub)).check()
    assert r.one("CLIENT") == f"EXC SSLError (-28176, '{NOT_NEGOTIATED}')", r


def test_rustls_x509_server_refuses_our_raw_key_client(mpy, certs, rustls_server, rpk, tmp_path):
    # rustls knows RFC 7250 and refuses a client that takes raw keys only.
    leaf = certs["p256"]
    _, pub = spki(leaf.key, tmp_path, "leaf")
    srv = rustls_server(leaf.chain.path, leaf.key.pem.path, "classic")
    r = mpy.run(client_snippet(srv.port, pub)).check()
    out = srv.finish()
    assert r.one("CLIENT").startswith("EXC SSLError (-30592, 'SSL_FATAL_ALERT_MESSAGE: the peer sent a fatal"
                                      " alert: handshake_failure"), r
    assert "IncorrectCertificateTypeExtension" in out, out


def test_x509_client_refused_by_our_raw_key_server(mpy_server, certs, rpk, tmp_path):
    key = certs["p256"].key
    _, pub = spki(key, tmp_path, "leaf")
    proc, port = mpy_server(server_snippet(pub, key.pem.data))
    out = rustls_client(certs.root.cert.pem.path, port, "classic")
    r = proc.finish().check()
    assert r.one("SERVER") == f"EXC SSLError (-28176, '{NOT_NEGOTIATED}')", (r, out)
    assert "ECHO" not in out, out


# ---- loading: what is refused, and how -------------------------------------------

def test_loads_refused_with_named_errors(mpy, certs, rpk, tmp_path):
    _, p256 = spki(certs["p256"].key, tmp_path, "p256")
    _, ed = spki(certs["ed25519"].key, tmp_path, "ed")
    _, ed_der = spki(certs["ed25519"].key, tmp_path, "ed", der=True)
    _, p521 = spki(certs.unsupported["p521"].key, tmp_path, "p521")
    r = mpy.run(STREAM + f'''
def attempt(tag, f):
    try:
        print(tag, "OK", f())
    except Exception as e:
        print(tag, type(e).__name__, e)

def fresh(server=False):
    return tls.SSLContext(tls.PROTOCOL_TLS_SERVER if server else tls.PROTOCOL_TLS_CLIENT)

c = fresh(True)
attempt("MISMATCH", lambda: c.load_cert_chain({b(ed)}, {b(certs["p256"].key.pem.data)}))
attempt("MATCH_DER", lambda: c.load_cert_chain({b(ed_der)}, {b(certs["ed25519"].key.pem.data)}))
c = fresh()
c.load_verify_locations(cadata={b(certs.root.cert.pem.data)})
attempt("KEYS_AFTER_CERTS", lambda: c.load_verify_locations(cadata={b(p256)}))
c = fresh()
attempt("TWO_KEYS", lambda: c.load_verify_locations(cadata={b(p256 + ed)}))
attempt("CERTS_AFTER_KEYS", lambda: c.load_verify_locations(cadata={b(certs.root.cert.pem.data)}))
attempt("ONE_INPUT_BOTH", lambda: fresh().load_verify_locations(cadata={b(p256 + certs.root.cert.pem.data)}))
attempt("CUT", lambda: fresh().load_verify_locations(cadata={b(ed_der[:-1])}))
attempt("P521", lambda: fresh().load_verify_locations(cadata={b(p256 + p521)}))
c = fresh()
c.load_verify_locations(cadata={b(p256)})
c.maximum_version = tls.TLSVersion.TLSv1_2 if hasattr(tls, "TLSVersion") else 0x0303
attempt("TLS12", lambda: c.wrap_socket(End(), server_hostname="x"))
c = fresh()
c.load_verify_locations(cadata={b(p256)})
attempt("CHECK_HOSTNAME", lambda: c.check_hostname)
attempt("NO_NAME", lambda: c.wrap_socket(End(), do_handshake_on_connect=False) and "wrapped")
c.load_default_certs()
attempt("WITH_ROOTS", lambda: c.wrap_socket(End(), server_hostname="x"))
''').check()
    assert r.one("MISMATCH") == ("ValueError private key does not match the certificate:"
                                 " the PUBLIC KEY given is not this private key's"), r
    assert r.one("MATCH_DER") == "OK None", r
    mixed = "ValueError a context trusts either certificates or raw public keys, not both (use two contexts)"
    assert r.one("KEYS_AFTER_CERTS") == mixed, r
    assert r.one("TWO_KEYS") == "OK None", r
    assert r.one("CERTS_AFTER_KEYS") == mixed, r
    assert r.one("ONE_INPUT_BOTH") == mixed, r
    # Truncated DER is no recognisable key: MicroPython's plain message.
    assert r.one("CUT") == "ValueError invalid cert", r
    assert r.one("P521") == "ValueError invalid cert: public key 2: public key of a type this build does not verify", r
    # No name to check a key against: check_hostname reads as CPython's
    # (True on a client), and a wrap without server_hostname is not refused.
    assert r.one("CHECK_HOSTNAME") == "OK True", r
    assert r.one("TLS12") == "ValueError raw public keys need TLS 1.3 (maximum_version is TLS 1.2)", r
    assert r.one("NO_NAME") == "OK wrapped", r
    assert r.one("WITH_ROOTS") == mixed, r


# ---- in one interpreter: our client and our server ------------------------------

PAIR = STREAM + '''
import binascii, gc, ssl

class Counted(End):
    # Counts the bytes written: the wire.
    n = 0
    def write(self, buf):
        self.n += len(buf)
        return End.write(self, buf)

def counted_pair():
    a, b = Buf(), Buf()
    return Counted(a, b), Counted(b, a)

def handshake(tag, cctx, sctx, name="localhost"):
    ce, se = counted_pair()
    c = cctx.wrap_socket(ce, server_hostname=name, do_handshake_on_connect=False)
    s = sctx.wrap_socket(se, server_side=True, do_handshake_on_connect=False)
    try:
        for i in range(60):
            c.write(b"x")
            if s.read(1) == b"x":
                # Bytes each end wrote; arena bytes in use, both connections.
                print(tag, "OK", ce.n, se.n, ssl.mem_info()[2])
                print(tag + "_PEER", binascii.hexlify(c.getpeercert(True) or b"").decode(),
                      binascii.hexlify(s.getpeercert(True) or b"").decode())
                return
        print(tag, "STUCK")
    except Exception as e:
        print(tag, type(e).__name__, e)
    finally:
        c.close()
        s.close()
'''


def test_our_client_and_server_in_memory(mpy, certs, rpk, tmp_path):
    s_key, c_key = certs["p256"].key, certs["client"].key
    _, s_pub = spki(s_key, tmp_path, "s", der=True)
    _, c_pub = spki(c_key, tmp_path, "c", der=True)
    _, other = spki(certs["ed25519"].key, tmp_path, "o")
    r = mpy.run(PAIR + f'''
def server(cert, key, trusted=None):
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if trusted:
        ctx.load_verify_locations(cadata=trusted)
        ctx.verify_mode = tls.CERT_REQUIRED
    return ctx

def client(trusted, cert=None, key=None):
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cadata=trusted)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx

S_KEY = {b(s_key.pem.data)}
C_KEY = {b(c_key.pem.data)}
cctx = client({b(s_pub)})
cctx.verify_callback = lambda cert, depth: print("CALLBACK", depth, binascii.hexlify(cert).decode()) and 0
handshake("SERVER_KEY", cctx, server({b(s_pub)}, S_KEY), name="no-such-name.example")
handshake("MUTUAL", client({b(s_pub)}, {b(c_pub)}, C_KEY), server({b(s_pub)}, S_KEY, {b(c_pub)}))
handshake("WRONG_SERVER", client({b(other)}), server({b(s_pub)}, S_KEY))
handshake("WRONG_CLIENT", client({b(s_pub)}, {b(c_pub)}, C_KEY), server({b(s_pub)}, S_KEY, {b(other)}))
handshake("NO_CLIENT_KEY", client({b(s_pub)}), server({b(s_pub)}, S_KEY, {b(c_pub)}))
''').check()
    assert r.one("SERVER_KEY").startswith("OK "), r
    assert r.one("SERVER_KEY_PEER") == s_pub.hex() + " ", r
    # verify_callback: once, the SPKI at depth 0 (the other handshakes set none).
    assert r.one("CALLBACK") == f"0 {s_pub.hex()}", r
    assert r.one("MUTUAL").startswith("OK "), r
    assert r.one("MUTUAL_PEER") == f"{s_pub.hex()} {c_pub.hex()}", r
    assert r.one("WRONG_SERVER") == f"SSLCertVerificationError {UNTRUSTED}", r
    # The server refuses the client's key after the client's handshake is
    # over (TLS 1.3): whichever end reports first, the server's reason is ours.
    assert UNTRUSTED in r.one("WRONG_CLIENT") or "SSL_FATAL_ALERT_MESSAGE" in r.one("WRONG_CLIENT"), r
    assert r.one("NO_CLIENT_KEY") != "STUCK" and not r.one("NO_CLIENT_KEY").startswith("OK"), r


def test_no_clock_needed(mpy, certs, rpk, tmp_path, monkeypatch):
    # micropython/ports/unix.c: MODSSL_FAKE_TIME=-1 is "clock not set".
    monkeypatch.setenv("MODSSL_FAKE_TIME", "-1")
    key = certs["p256"].key
    _, pub = spki(key, tmp_path, "s", der=True)
    r = mpy.run(PAIR + f'''
sctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain({b(pub)}, {b(key.pem.data)})
cctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
cctx.load_verify_locations(cadata={b(pub)})
handshake("RPK", cctx, sctx)
cctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
cctx.load_verify_locations(cadata={b(certs.root.cert.pem.data)})
sctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain({b(certs["p256"].chain.data)}, {b(key.pem.data)})
handshake("X509", cctx, sctx)
''').check()
    assert r.one("RPK").startswith("OK "), r
    # The same handshake with certificates needs the clock (the check works).
    assert "the clock is not set" in r.one("X509"), r


def test_bytes_and_heap_against_x509(mpy, certs, rpk, tmp_path):
    """What a raw key saves: bytes on the wire and heap, same key, same
    handshake (TLS 1.3, P-256 server, the chain leaf + intermediate for
    X.509).  Printed for docs/api.md; checked only for direction."""
    key = certs["p256"].key
    _, pub = spki(key, tmp_path, "s", der=True)
    r = mpy.run(PAIR + f'''
def measure(tag, cert, trust):
    gc.collect()
    free = gc.mem_free()
    sctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(cert, {b(key.pem.data)})
    cctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    cctx.load_verify_locations(cadata=trust)
    gc.collect()
    print(tag + "_CONTEXTS", free - gc.mem_free())
    handshake(tag, cctx, sctx)

measure("RPK", {b(pub)}, {b(pub)})
measure("X509", {b(certs["p256"].chain.data)}, {b(certs.root.cert.pem.data)})
''').check()
    rpk_c, rpk_s, rpk_heap = (int(x) for x in r.one("RPK").split()[1:])
    x_c, x_s, x_heap = (int(x) for x in r.one("X509").split()[1:])
    rpk_ctx, x_ctx = int(r.one("RPK_CONTEXTS")), int(r.one("X509_CONTEXTS"))
    print(f"\nRPK: client {rpk_c} B, server {rpk_s} B, arenas in use {rpk_heap} B, contexts {rpk_ctx} B; "
          f"X.509: client {x_c} B, server {x_s} B, arenas in use {x_heap} B, contexts {x_ctx} B")
    assert rpk_s < x_s - 500, r   # the server's flight carries 91 B instead of two certificates
    assert rpk_heap < x_heap and rpk_ctx < x_ctx, r
