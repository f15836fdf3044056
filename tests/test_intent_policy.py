"""Secure when the intent is clear (docs/security.md): a client that is given
something to trust, and never set verify_mode, verifies; an explicit
verify_mode = CERT_NONE still wins; check_hostname reads what is checked.

The `ssl` flavour defaults to CERT_NONE (micropython-lib's ssl.py, which
existing code relies on); before this policy, loading a CA into such a
context and passing server_hostname= looked verified and accepted expired and
wrong-host certificates."""
import pytest

from helpers.snippets import b

pytestmark = pytest.mark.host_only

EXPIRED = "EXC SSLCertVerificationError ('certificate verification failed: certificate has expired',)"
MISMATCH = "EXC SSLCertVerificationError ('certificate verification failed: hostname mismatch',)"
UNKNOWN = "EXC SSLCertVerificationError ('certificate verification failed: unknown issuer',)"


def pong(tls_server, leaf):
    certfile = leaf.chain.path if leaf.chain else leaf.cert.pem.path
    return tls_server(certfile, leaf.key.pem.path, steps=[("recv", 4), ("send", b"pong")])


def run(mpy, setup, port, hostname="localhost", wrap=None):
    wrap = wrap or f"ctx.wrap_socket(tcp({port}), server_hostname={hostname!r})"
    r = mpy.run(f'''
import ssl
try:
{setup}
    s = {wrap}
    s.write(b"ping")
    print("RESULT", s.read(4))
except Exception as e:
    show("RESULT", e)
''').check()
    return r.one("RESULT")


def ssl_ctx(cadata, extra=""):
    return (f"    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
            f"    ctx.load_verify_locations(cadata={b(cadata)})\n" + extra)


@pytest.mark.parametrize("leaf,hostname,want", [
    ("expired", "localhost", EXPIRED),
    ("p256", "other.example", MISMATCH),
    ("untrusted", "localhost", UNKNOWN),
    ("p256", "localhost", "b'pong'"),
])
def test_a_loaded_ca_means_verify(mpy, certs, tls_server, leaf, hostname, want):
    srv = pong(tls_server, certs[leaf])
    assert run(mpy, ssl_ctx(certs.root.cert.der.data), srv.port, hostname) == want


def test_explicit_cert_none_still_wins(mpy, certs, tls_server):
    # micropython-lib's ssl.py and requests set it: they stay unverified.
    srv = pong(tls_server, certs["expired"])
    got = run(mpy, ssl_ctx(certs.root.cert.der.data, "    ctx.verify_mode = ssl.CERT_NONE\n"), srv.port)
    assert got == "b'pong'"


def test_without_a_name_the_chain_alone_is_verified(mpy, certs, tls_server):
    # As Pycom's ca_certs= did (its example connects by IP): say
    # server_hostname= to have the name checked too.
    srv = pong(tls_server, certs["p256"])
    assert run(mpy, ssl_ctx(certs.root.cert.der.data), srv.port,
               wrap=f"ctx.wrap_socket(tcp({srv.port}))") == "b'pong'"
    bad = pong(tls_server, certs["untrusted"])
    assert run(mpy, ssl_ctx(certs.root.cert.der.data), bad.port,
               wrap=f"ctx.wrap_socket(tcp({bad.port}))") == UNKNOWN


def test_pin_means_verify(mpy, certs, tls_server):
    import hashlib
    leaf = certs["p256"]
    pin = hashlib.sha256(leaf.cert.der.data).hexdigest()
    setup = f"    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n    ctx.pin_sha256({pin!r})\n"
    srv = pong(tls_server, leaf)
    assert run(mpy, setup, srv.port) == "b'pong'"
    other = pong(tls_server, certs["p384"])
    assert run(mpy, setup, other.port) == UNKNOWN


@pytest.mark.parametrize("kw", ["cadata", "ca_certs"])
def test_ssl_wrap_socket_with_a_ca_verifies(mpy, certs, tls_server, kw):
    # wrap_socket(ca_certs=path) without cert_reqs used to load the CA and
    # ignore it.
    (mpy.workdir / "ca.der").write_bytes(certs.root.cert.der.data)
    arg = "'ca.der'" if kw == "ca_certs" else b(certs.root.cert.der.data)
    for leaf, want in (("untrusted", UNKNOWN), ("p256", "b'pong'")):
        srv = pong(tls_server, certs[leaf])
        got = run(mpy, "    pass\n", srv.port,
                  wrap=f"ssl.wrap_socket(tcp({srv.port}), {kw}={arg}, server_hostname='localhost')")
        assert got == want, (leaf, got)
    # cert_reqs=CERT_NONE given explicitly: unverified, as asked.
    srv = pong(tls_server, certs["untrusted"])
    got = run(mpy, "    pass\n", srv.port,
              wrap=f"ssl.wrap_socket(tcp({srv.port}), {kw}={arg}, cert_reqs=ssl.CERT_NONE)")
    assert got == "b'pong'"


def test_the_attributes_read_what_is_checked(mpy, certs):
    r = mpy.run(f'''
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
print("FRESH", ctx.verify_mode, ctx.check_hostname)
ctx.verify_mode = ssl.CERT_NONE            # never raises on a fresh context
print("NONE", ctx.verify_mode, ctx.check_hostname)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(cadata={b(certs.root.cert.der.data)})
print("LOADED", ctx.verify_mode, ctx.check_hostname)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = True                  # CPython 3.7+: turns verification on
print("CHECK", ctx.verify_mode, ctx.check_hostname)
try:
    ctx.verify_mode = ssl.CERT_NONE
    print("SET none")
except ValueError as e:
    print("SET", repr(e))
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
print("OFF", ctx.verify_mode, ctx.check_hostname)
t = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
print("TLS", t.verify_mode, t.check_hostname)
''').check()
    assert r.one("FRESH") == "0 False", r
    assert r.one("NONE") == "0 False", r
    assert r.one("LOADED") == "2 True", r
    assert r.one("CHECK") == "2 True", r
    assert r.one("SET") == ("ValueError('cannot set verify_mode to CERT_NONE while check_hostname is True"
                            " (set check_hostname = False first)',)"), r
    assert r.one("OFF") == "0 False", r
    assert r.one("TLS") == "2 True", r


def test_asyncio_ssl_true_is_unverified(mpy, certs, tls_server):
    # MicroPython's asyncio/stream.py builds a plain client context for
    # ssl=True, indistinguishable from user code: unverified (documented).
    srv = pong(tls_server, certs["untrusted"])
    r = mpy.run(f'''
import asyncio
async def main():
    reader, writer = await asyncio.open_connection("127.0.0.1", {srv.port}, ssl=True)
    writer.write(b"ping")
    await writer.drain()
    print("RESULT", await reader.read(4))
asyncio.run(main())
''').check()
    assert r.one("RESULT") == "b'pong'", r
