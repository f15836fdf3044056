"""Malformed, truncated, mismatched and unsupported keys/certificates raise
ValueError.  The load-time checks need no peer and also run on a board."""
import pytest

from helpers.mpservers import echo_server
from helpers.pypeers import tls_client
from helpers.snippets import b


def _corrupt_pem(pem: bytes) -> bytes:
    """Keep the armour, damage the base64 body (drop characters in the middle)."""
    lines = pem.splitlines(keepends=True)
    mid = len(lines) // 2
    lines[mid] = lines[mid][: len(lines[mid]) // 2] + b"!!\n"
    return b"".join(lines)


def _bad_inputs(certs):
    leaf = certs["p256"]
    cert_der, key_der = leaf.cert.der.data, leaf.key.der.data
    return {
        "garbage": b"\x00\x01not a certificate or key at all\xff" * 4,
        "empty": b"",
        "malformed_pem": _corrupt_pem(leaf.cert.pem.data),
        "pem_bad_base64": b"-----BEGIN CERTIFICATE-----\n" + b"@" * 64 + b"\n-----END CERTIFICATE-----\n",
        "truncated_der": cert_der[: len(cert_der) // 2],
        "der_trailing_junk_len": cert_der[:4] + b"\xff" * 8,
    }, {
        "garbage": b"\x00\x01not a key\xff" * 4,
        "empty": b"",
        "malformed_pem": _corrupt_pem(leaf.key.pem.data),
        "pem_bad_base64": b"-----BEGIN PRIVATE KEY-----\n" + b"@" * 64 + b"\n-----END PRIVATE KEY-----\n",
        "truncated_der": key_der[: len(key_der) // 2],
        "truncated_sec1_der": leaf.key.formats["sec1_der"].data[:20],
        "truncated_pkcs1_der": certs["rsa"].key.formats["pkcs1_der"].data[:100],
    }


CERT_CASES = ["garbage", "empty", "malformed_pem", "pem_bad_base64", "truncated_der", "der_trailing_junk_len"]
KEY_CASES = ["garbage", "empty", "malformed_pem", "pem_bad_base64", "truncated_der",
             "truncated_sec1_der", "truncated_pkcs1_der"]


def _load_chain_snippet(cert: bytes, key: bytes, protocol="PROTOCOL_TLS_SERVER") -> str:
    return f'''
ctx = tls.SSLContext(tls.{protocol})
try:
    ctx.load_cert_chain({b(cert)}, {b(key)})
    print("LOAD no exception")
except Exception as e:
    show("LOAD", e)
print("ALIVE")
'''


@pytest.mark.parametrize("case", CERT_CASES)
def test_bad_certificate(mpy, certs, case):
    bad_cert, _ = _bad_inputs(certs)
    r = mpy.run(_load_chain_snippet(bad_cert[case], certs["p256"].key.der.data)).check()
    assert r.one("LOAD").startswith("EXC ValueError"), r


@pytest.mark.parametrize("case", KEY_CASES)
def test_bad_key(mpy, certs, case):
    _, bad_key = _bad_inputs(certs)
    r = mpy.run(_load_chain_snippet(certs["p256"].cert.der.data, bad_key[case])).check()
    assert r.one("LOAD").startswith("EXC ValueError"), r


@pytest.mark.parametrize("case", [c for c in CERT_CASES if c != "empty"])  # empty cadata: unspecified
def test_bad_cadata(mpy, certs, case):
    bad_cert, _ = _bad_inputs(certs)
    r = mpy.run(f'''
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
try:
    ctx.load_verify_locations({b(bad_cert[case])})
    print("LOAD no exception")
except Exception as e:
    show("LOAD", e)
''').check()
    assert r.one("LOAD").startswith("EXC ValueError"), r


def test_key_is_not_a_certificate(mpy, certs):
    # Arguments swapped: a key where the certificate goes and vice versa.
    leaf = certs["p256"]
    r = mpy.run(_load_chain_snippet(leaf.key.pem.data, leaf.cert.pem.data)).check()
    assert r.one("LOAD").startswith("EXC ValueError"), r


@pytest.mark.parametrize("kind", ["p521", "ed448"])
@pytest.mark.parametrize("enc", ["pem", "der"])
def test_unsupported_key_type(mpy, certs, kind, enc):
    leaf = certs.unsupported[kind]
    cert = leaf.cert.pem.data if enc == "pem" else leaf.cert.der.data
    key = leaf.key.pem.data if enc == "pem" else leaf.key.der.data
    r = mpy.run(_load_chain_snippet(cert, key)).check()
    assert r.one("LOAD").startswith("EXC ValueError"), r
    assert "ALIVE" in r.lines


@pytest.mark.parametrize("keyname", ["p384", "rsa"])
def test_key_does_not_match_certificate(mpy_server, certs, keyname):
    """The P-256 leaf with another leaf's key: ValueError, at load time or at
    the latest when the server handshake would have to sign with it."""
    leaf = certs["p256"]
    proc, port = mpy_server(echo_server(leaf.chain.data, certs[keyname].key.pem.data))
    res = tls_client(port, cafile=certs.root.cert.pem.path, steps=[("send", b"x\n"), ("recv_eof",)])
    r = proc.finish().check()
    assert "HANDSHAKE OK" not in r.lines, r
    errs = r.tagged("LOAD") + r.tagged("SERVER")
    assert len(errs) == 1 and errs[0].startswith("EXC ValueError"), r
    assert not res.handshake_ok or res.error, res


def test_mismatched_key_same_type(mpy_server, certs):
    # Same key type (P-256) but a different key: only a public-key comparison catches it.
    leaf = certs["p256"]
    proc, port = mpy_server(echo_server(leaf.chain.data, certs["wronghost"].key.pem.data))
    res = tls_client(port, cafile=certs.root.cert.pem.path, steps=[("send", b"x\n"), ("recv_eof",)])
    r = proc.finish().check()
    assert "HANDSHAKE OK" not in r.lines, r
    errs = r.tagged("LOAD") + r.tagged("SERVER")
    assert len(errs) == 1 and errs[0].startswith("EXC ValueError"), r
    assert not res.handshake_ok or res.error, res
