"""Key-exchange groups (X25519, P-256, P-384; HelloRetryRequest when the
server wants another group than the client's first key share) and the
AEAD cipher suites, forced one at a time on the openssl peer."""
import pytest

from helpers.checks import peer_alert, check_cipher
from helpers.mpservers import echo_server
from helpers.osslpeers import s_client
from helpers.snippets import b

GROUPS = ["X25519", "P-256", "P-384"]


def _client_snippet(port, cadata):
    return f'''
try:
    s = client({port}, cadata={b(cadata)})
    print_cipher(s)
    s.write(b"hello\\n")
    print("READ", s.read(6))
    s.close()
except Exception as e:
    show("CLIENT", e)
'''


@pytest.mark.parametrize("version", ["1.2", "1.3"])
@pytest.mark.parametrize("group", GROUPS)
def test_client_key_exchange_group(mpy, certs, s_server, group, version):
    leaf = certs["p256"]
    srv = s_server(leaf.cert.pem.path, leaf.key.pem.path, chain=certs.inter.cert.pem.path,
                   version=version, mode="rev", extra=("-groups", group))
    r = mpy.run(_client_snippet(srv.port, certs.root.cert.der.data)).check()
    assert r.one("READ") == "b'olleh\\n'", (r, srv.finish())


@pytest.mark.parametrize("group", ["P-521", "X448"])
def test_client_unsupported_group_fails_cleanly(mpy, certs, s_server, group):
    leaf = certs["p256"]
    srv = s_server(leaf.cert.pem.path, leaf.key.pem.path, chain=certs.inter.cert.pem.path,
                   version="1.3", mode="rev", extra=("-groups", group))
    r = mpy.run(_client_snippet(srv.port, certs.root.cert.der.data)).check()
    assert r.one("CLIENT") == peer_alert("handshake_failure"), r


@pytest.mark.parametrize("version", ["1.2", "1.3"])
@pytest.mark.parametrize("group", GROUPS)
def test_server_key_exchange_group(mpy_server, certs, group, version):
    # RSA certificate: in TLS 1.2 the client's group list also constrains an
    # ECDSA certificate's curve (RFC 8422), which is not what is tested here.
    leaf = certs["rsa"]
    proc, port = mpy_server(echo_server(leaf.chain.data, leaf.key.pem.data))
    res = s_client(port, data=b"kx\n", cafile=certs.root.cert.pem.path, version=version,
                   extra=("-groups", group))
    r = proc.finish().check()
    assert "echo:kx" in res.stdout, (str(res), str(r))
    assert res.protocol == f"TLSv{version}", res


TLS13_SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
TLS12_SUITES = {
    "p256": ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"],
    "rsa": ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"],
}
SUITE_CASES = ([("1.3", "p256", s) for s in TLS13_SUITES]
               + [("1.2", k, s) for k, ss in TLS12_SUITES.items() for s in ss])


@pytest.mark.parametrize("version,kind,suite", SUITE_CASES)
def test_client_cipher_suite(mpy, certs, s_server, version, kind, suite):
    leaf = certs[kind]
    flag = "-ciphersuites" if version == "1.3" else "-cipher"
    srv = s_server(leaf.cert.pem.path, leaf.key.pem.path, chain=certs.inter.cert.pem.path,
                   version=version, mode="rev", extra=(flag, suite))
    r = mpy.run(_client_snippet(srv.port, certs.root.cert.der.data)).check()
    assert r.one("READ") == "b'olleh\\n'", r
    check_cipher(r, suite, f"TLSv{version}")


@pytest.mark.parametrize("version,kind,suite", SUITE_CASES)
def test_server_cipher_suite(mpy_server, certs, version, kind, suite):
    leaf = certs[kind]
    flag = "-ciphersuites" if version == "1.3" else "-cipher"
    proc, port = mpy_server(echo_server(leaf.chain.data, leaf.key.pem.data))
    res = s_client(port, data=b"cs\n", cafile=certs.root.cert.pem.path, version=version, extra=(flag, suite))
    r = proc.finish().check()
    assert "echo:cs" in res.stdout, (str(res), str(r))
    check_cipher(r, suite, f"TLSv{version}")
    assert res.cipher == suite, res
