"""The post-quantum hybrid key exchange X25519MLKEM768 (the `pq` feature)
against an independent peer: rustls on the aws-lc-rs provider
(tests/peers/rustls-aws, built by `make peers`), whose ML-KEM and X25519 are
AWS-LC's, not the RustCrypto code of our core.  Both roles; a peer without
ML-KEM still gets X25519 from the same ClientHello; TLS 1.2 never uses it;
`SSLSocket.group()` names what was negotiated.  Known answers for ML-KEM
itself are in `cargo test` (crypto/pq.rs, against kyber-py)."""
import pytest

from helpers.fixtures import peer_factory
from helpers.rustls_peer import PeerServer, run_client
from helpers.snippets import b

pytestmark = pytest.mark.host_only

# rustls' Debug names of the groups group() names.
RUSTLS_NAME = {"X25519MLKEM768": "X25519MLKEM768", "x25519": "X25519"}


def RustlsServer(cert, key, groups, connections=1):
    """The peer serving `connections` clients with `groups`."""
    return PeerServer("server", cert, key, groups, connections)


rustls_server = peer_factory(RustlsServer, "Factory for rustls + aws-lc-rs servers (tests/peers/rustls-aws).")


def rustls_client(ca, port, groups):
    return run_client("client", ca, "localhost", port, groups)


def client_snippet(port, cadata, tls12=False):
    limit = "ctx.maximum_version = 0x0303\n" if tls12 else ""
    return f'''
ctx = client_ctx({b(cadata)})
{limit}try:
    s = ctx.wrap_socket(tcp({port}), server_hostname="localhost")
    print("GROUP", s.group())
    print_cipher(s)
    s.write(b"ping from micropython")
    print("ECHO", s.read(len(b"ping from micropython")))
    s.close()
except Exception as e:
    show("CLIENT", e)
'''


def server_snippet(cert, key):
    def make(port):
        return f'''
ctx = server_ctx({b(cert)}, {b(key)})
l = listener({port})
try:
    s = accept_tls(l, ctx)
    data = s.read(len(b"ping from rustls"))
    print("GROUP", s.group())
    s.write(data)
    s.close()
except Exception as e:
    show("SERVER", e)
l.close()
'''
    return make


@pytest.mark.parametrize("groups,expect", [("pq", "X25519MLKEM768"), ("mlkem", "X25519MLKEM768"),
                                           ("classic", "x25519")])
def test_client_against_rustls_aws(mpy, certs, rustls_server, groups, expect):
    leaf = certs["p256"]
    srv = rustls_server(leaf.chain.path, leaf.key.pem.path, groups)
    r = mpy.run(client_snippet(srv.port, certs.root.cert.der.data)).check()
    out = srv.finish()
    assert r.one("GROUP") == expect, (r, out)
    assert r.one("ECHO") == "b'ping from micropython'", (r, out)
    assert r.one("CIPHER_VERSION") == "TLSv1.3", r
    assert f"GROUP {RUSTLS_NAME[expect]} VERSION TLSv1_3" in out, out


def test_client_tls12_never_offers_it(mpy, certs, rustls_server):
    leaf = certs["p256"]
    srv = rustls_server(leaf.chain.path, leaf.key.pem.path, "pq")
    r = mpy.run(client_snippet(srv.port, certs.root.cert.der.data, tls12=True)).check()
    out = srv.finish()
    assert r.one("CIPHER_VERSION") == "TLSv1.2", (r, out)
    assert r.one("GROUP") == "x25519", (r, out)
    assert "GROUP X25519 VERSION TLSv1_2" in out, out


@pytest.mark.parametrize("groups,expect", [("pq", "X25519MLKEM768"), ("mlkem", "X25519MLKEM768"),
                                           ("classic", "x25519")])
def test_server_against_rustls_aws(mpy_server, certs, groups, expect):
    leaf = certs["p256"]
    proc, port = mpy_server(server_snippet(leaf.chain.data, leaf.key.pem.data))
    out = rustls_client(certs.root.cert.pem.path, port, groups)
    r = proc.finish().check()
    assert r.one("GROUP") == expect, (r, out)
    assert "ECHO ping from rustls" in out, (r, out)
    assert f"GROUP {RUSTLS_NAME[expect]} VERSION TLSv1_3" in out, out


def test_openssl_without_mlkem_gets_x25519_without_retry(mpy, certs, s_server):
    # bookworm's OpenSSL 3.0 has no ML-KEM: it must take our separate X25519
    # share from the first ClientHello (no HelloRetryRequest: -trace shows one
    # ServerHello and no retry).
    leaf = certs["p256"]
    srv = s_server(leaf.cert.pem.path, leaf.key.pem.path, chain=certs.inter.cert.pem.path, version="1.3",
                   mode="rev", extra=("-trace",))
    code = client_snippet(srv.port, certs.root.cert.der.data).replace('b"ping from micropython"',
                                                                      'b"ping from micropython\\n"')
    r = mpy.run(code).check()
    out = srv.finish()
    assert r.one("GROUP") == "x25519", (r, out)
    assert "HelloRetryRequest" not in out and out.count("ServerHello") == 1, out
    assert "X25519MLKEM768" in out or "4588" in out, "the ClientHello offered no hybrid share:\n" + out
