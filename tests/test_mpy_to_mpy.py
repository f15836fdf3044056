"""Both ends are our MicroPython binary (two processes over 127.0.0.1)."""
import os
from pathlib import Path

import pytest

from helpers.data import MIB, pattern, sha256_hex
from helpers.mpy import REPO
from helpers.snippets import b


def mp_tests_dir() -> Path:
    """tests/multi_net of the MicroPython tree the binary was built from:
    MICROPY_DIR if set, else the tree `make` recorded in build/.micropython-tree.
    Not finding it fails the test that needs it (a skip would hide it)."""
    tree = os.environ.get("MICROPY_DIR")
    record = REPO / "build" / ".micropython-tree"
    if not tree and record.exists():
        tree = record.read_text().strip()
    if not tree:
        pytest.fail("no MicroPython tree: set MICROPY_DIR or build with `make` "
                    "(which records it in build/.micropython-tree)")
    d = Path(tree) / "tests" / "multi_net"
    if not d.is_dir():
        pytest.fail(f"{d} does not exist: MICROPY_DIR / build/.micropython-tree names no MicroPython tree")
    return d


def test_mpy_to_mpy_verified_echo_and_1mib(mpy, mpy_server, certs):
    leaf, client = certs["p256"], certs["client"]

    def make(port):
        return f'''
ctx = server_ctx({b(leaf.chain.data)}, {b(leaf.key.formats["sec1_der"].data)},
                 cadata={b(certs.root.cert.der.data)}, require=True)
l = listener({port})
s = accept_tls(l, ctx)
print("PEER", sha(s.getpeercert(True)))
print("LINE", s.readline())
n, h = recv_hash(s, {MIB})
print("UP", n, h)
send_pattern(s, {MIB})
s.close()
l.close()
'''
    proc, port = mpy_server(make)
    r = mpy.run(f'''
s = client({port}, cadata={b(certs.root.cert.pem.data)}, cert={b(client.chain.data)},
           key={b(client.key.pem.data)})
print("PEER", sha(s.getpeercert(True)))
s.write(b"hello server\\n")
send_pattern(s, {MIB})
n, h = recv_hash(s)
print("DOWN", n, h)
s.close()
''', timeout=120)
    srv = proc.finish(60)
    r.check()
    srv.check()
    expected = f"{MIB} {sha256_hex(pattern(MIB))}"
    assert r.one("DOWN") == expected, r
    assert srv.one("UP") == expected, srv
    assert srv.one("LINE") == "b'hello server\\n'", srv
    assert srv.one("PEER") == sha256_hex(client.cert.der.data), srv
    assert r.one("PEER") == sha256_hex(leaf.cert.der.data), r


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_micropython_own_test_certificates(mpy, mpy_server, kind):
    """MicroPython's multi_net/sslcontext_server_client.py shape with its own
    DER certificates (CN=micropython.local, CA:TRUE, no SAN; SEC1 / PKCS#1 DER
    keys), through the ssl module."""
    mp_tests = mp_tests_dir()
    cert_p, key_p = mp_tests / f"{kind}_cert.der", mp_tests / f"{kind}_key.der"
    cert, key = cert_p.read_bytes(), key_p.read_bytes()

    def make(port):
        return f'''
import ssl
l = listener({port})
c, _ = l.accept()
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain({b(cert)}, {b(key)})
s = ctx.wrap_socket(c, server_side=True)
print("SRV_READ", s.read(16))
s.write(b"server to client")
s.close()
l.close()
'''
    proc, port = mpy_server(make)
    r = mpy.run(f'''
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(cadata={b(cert)})
s = ctx.wrap_socket(tcp({port}), server_hostname="micropython.local")
s.write(b"client to server")
print("CLI_READ", s.read(16))
s.close()
''')
    srv = proc.finish()
    r.check()
    srv.check()
    assert srv.one("SRV_READ") == "b'client to server'", srv
    assert r.one("CLI_READ") == "b'server to client'", r


def test_micropython_own_expired_certificate(mpy, mpy_server):
    """MicroPython's multi_net/sslcontext_verify_time_error.py: the server
    loads expired_cert.der with ec_key.der, which is NOT that certificate's key
    (mbedTLS never compares them, and neither does our load_cert_chain, so the
    test runs).  The client must report the expiry; the server's handshake
    then fails, and says the real cause: the key does not match."""
    mp_tests = mp_tests_dir()
    cert_p = mp_tests / "expired_cert.der"
    cert, key = cert_p.read_bytes(), (mp_tests / "ec_key.der").read_bytes()

    def make(port):
        return f'''
import ssl
l = listener({port})
c, _ = l.accept()
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain({b(cert)}, {b(key)})
try:
    s = ctx.wrap_socket(c, server_side=True)
    print("SERVER HANDSHAKE OK")
except Exception as e:
    show("SERVER", e)
l.close()
'''
    proc, port = mpy_server(make)
    r = mpy.run(f'''
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(cadata={b(cert)})
try:
    s = ctx.wrap_socket(tcp({port}), server_hostname="micropython.local")
    print("CLIENT HANDSHAKE OK")
except Exception as e:
    show("CLIENT", e)
''').check()
    srv = proc.finish().check()
    line = r.one("CLIENT")
    assert line.startswith("EXC SSLCertVerificationError") and "certificate has expired" in line.lower(), r
    sline = srv.one("SERVER")
    assert sline.startswith("EXC ValueError") and "does not match" in sline, srv
