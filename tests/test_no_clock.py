"""Before the clock is set: what a board does right after Wi-Fi comes up.

The rp2 and ESP32 clocks start at 2021 on every boot, and the port's time hook
reports "not set" until the user sets it (``ntptime.settime()``).  On unix the
same state is made with ``MODSSL_FAKE_TIME=-1`` (micropython/ports/unix.c).
The rule (docs/security.md, "No clock"):

* nothing that needs no verification needs the clock: a ``CERT_NONE`` client
  (MicroPython's default for ``ssl.wrap_socket``) and a server that does not
  ask for client certificates connect as they would with the clock set;
* everything that verifies a certificate refuses with the clock error (a
  chain, a pinned certificate, a server checking its client's certificate),
  because validity dates cannot be checked.

urequests over https without a clock: tests/test_real_clients.py.
"""
import pytest

from helpers.mpservers import echo_server
from helpers.pypeers import tls_client
from helpers.snippets import b

pytestmark = pytest.mark.host_only

VERSIONS = ["1.2", "1.3"]
CLOCK_TEXT = "the clock is not set (set the time, e.g. ntptime.settime())"


@pytest.fixture
def no_clock(monkeypatch):
    monkeypatch.setenv("MODSSL_FAKE_TIME", "-1")


def pong_server(tls_server, leaf, version):
    return tls_server(leaf.chain.path, leaf.key.pem.path, version=version,
                      steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])


@pytest.mark.parametrize("version", VERSIONS)
def test_cert_none_client_connects_without_clock(mpy, certs, tls_server, no_clock, version):
    srv = pong_server(tls_server, certs["p256"], version)
    r = mpy.run(f'''
try:
    s = client({srv.port}, verify=False)
    print_cipher(s)
    s.write(b"ping")
    print("READ", s.read(4))
    s.close()
except Exception as e:
    show("CLIENT", e)
''').check()
    assert r.one("READ") == "b'pong'", r
    assert r.one("CIPHER_VERSION") == f"TLSv{version}", r
    rec = srv.record()
    assert rec.error is None and rec.handshake_ok, rec


def test_ssl_wrap_socket_default_connects_without_clock(mpy, certs, tls_server, no_clock):
    # The seeds' first pattern: ssl.wrap_socket(s) right after Wi-Fi, no NTP.
    srv = pong_server(tls_server, certs["p256"], "1.3")
    r = mpy.run(f'''
import ssl
try:
    s = ssl.wrap_socket(tcp({srv.port}))
    s.write(b"ping")
    print("READ", s.read(4))
    s.close()
except Exception as e:
    show("CLIENT", e)
''').check()
    assert r.one("READ") == "b'pong'", r


@pytest.mark.parametrize("trust", ["chain", "pinned"])
@pytest.mark.parametrize("version", VERSIONS)
def test_verifying_client_names_the_clock(mpy, certs, tls_server, no_clock, trust, version):
    # A pinned certificate is refused too: its validity dates cannot be
    # checked either (docs/security.md).
    leaf = certs["p256"]
    srv = pong_server(tls_server, leaf, version)
    cadata = certs.root.cert.der.data if trust == "chain" else leaf.cert.der.data
    r = mpy.run(f'''
try:
    s = client({srv.port}, cadata={b(cadata)}, hostname="localhost")
    print("HANDSHAKE OK")
except Exception as e:
    show("CLIENT", e)
''').check()
    assert "HANDSHAKE OK" not in r.lines, r
    assert r.one("CLIENT") == f"EXC SSLCertVerificationError ('certificate verification failed: {CLOCK_TEXT}',)", r
    assert srv.record().error, "the server must not complete the handshake"


@pytest.mark.parametrize("version", VERSIONS)
def test_server_without_client_verification_works_without_clock(mpy_server, certs, no_clock,
                                                                 version):
    leaf = certs["p256"]
    proc, port = mpy_server(echo_server(leaf.chain.data, leaf.key.pem.data))
    res = tls_client(port, cafile=certs.root.cert.pem.path, version=version,
                     steps=[("send", b"noclock\n"), ("recv_eof",)])
    r = proc.finish().check()
    assert res.error is None, (res.error, str(r))
    assert res.received == b"echo:noclock\n", (res.received, str(r))
    assert r.one("CIPHER_VERSION") == f"TLSv{version}", r


@pytest.mark.parametrize("version", VERSIONS)
def test_server_verifying_client_names_the_clock(mpy_server, certs, no_clock, version):
    leaf, client = certs["p256"], certs["client"]
    proc, port = mpy_server(echo_server(leaf.chain.data, leaf.key.pem.data,
                                        cadata=certs.root.cert.der.data, require=True))
    res = tls_client(port, cafile=certs.root.cert.pem.path, version=version,
                     certfile=client.chain.path, keyfile=client.key.pem.path,
                     steps=[("send", b"mtls\n"), ("recv_eof",)])
    r = proc.finish().check()
    assert "HANDSHAKE OK" not in r.lines, r
    assert r.one("SERVER") == f"EXC SSLCertVerificationError ('certificate verification failed: {CLOCK_TEXT}',)", r
    assert b"echo:" not in res.received, res

