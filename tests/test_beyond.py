"""Beyond MicroPython's ssl (issue 8): create_default_context with the CA
bundle, ALPN, TLS version range, SHA-256 pinning, handshake timeout,
check_hostname and mem_info -- each against real local peers."""
import hashlib
import socket
import subprocess

import pytest

from helpers.checks import peer_alert
from helpers.snippets import b


def test_create_default_context_verifies_with_bundle(mpy, certs, tls_server):
    """The default context uses the built-in Mozilla bundle, which does not
    hold our test CA: the connection must fail as an unknown issuer.  With
    cadata= it trusts that instead, and verifies the hostname."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, connections=2,
                     steps=[("recv", 2), ("send", b"ok"), ("recv_eof",)])
    r = mpy.run(f'''
import ssl
ctx = ssl.create_default_context()
print("MODE", ctx.verify_mode == ssl.CERT_REQUIRED, ctx.check_hostname)
try:
    ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
    print("BUNDLE connected")
except Exception as e:
    show("BUNDLE", e)
ctx = ssl.create_default_context(cadata={b(certs.root.cert.der.data)})
s = ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
s.write(b"hi")
print("READ", s.read(2))
s.close()
''').check()
    assert r.one("MODE") == "True True", r
    assert r.one("BUNDLE").startswith("EXC SSLCertVerificationError") and "unknown issuer" in r.one("BUNDLE"), r
    assert r.one("READ") == "b'ok'", r


def test_create_default_context_without_hostname_is_refused(mpy):
    r = mpy.run('''
import ssl, socket
ctx = ssl.create_default_context()
try:
    ctx.wrap_socket(socket.socket())
except Exception as e:
    show("E", e)
''').check()
    assert r.one("E").startswith("EXC ValueError"), r


@pytest.mark.parametrize("offer,server,expect", [
    (["h2", "http/1.1"], ["http/1.1"], "http/1.1"),
    (["h2", "http/1.1"], ["h2", "http/1.1"], "h2"),
    (["mqtt"], None, "None"),
])
def test_alpn_client(mpy, certs, tls_server, offer, server, expect):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("send", b"x"), ("recv_eof",)])
    if server:
        srv.ctx.set_alpn_protocols(server)
    r = mpy.run(f'''
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(cadata={b(certs.root.cert.der.data)})
ctx.set_alpn_protocols({offer!r})
s = ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
print("ALPN", s.selected_alpn_protocol())
print("READ", s.read(1))
s.close()
''').check()
    assert r.one("ALPN") == expect, r


def test_alpn_server(mpy_server, certs):
    """MicroPython as server choosing ALPN for a CPython client."""
    import ssl as cssl
    leaf = certs["p256"]

    def make(port):
        return f'''
import ssl
l = listener({port})
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain({b(leaf.chain.data)}, {b(leaf.key.pem.data)})
ctx.set_alpn_protocols(["http/1.1"])
s = accept_tls(l, ctx)
print("ALPN", s.selected_alpn_protocol())
s.write(b"ok")
s.close()
'''
    proc, port = mpy_server(make)
    c = cssl.create_default_context(cafile=str(certs.root.cert.pem.path))
    c.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
        with c.wrap_socket(raw, server_hostname="localhost") as s:
            assert s.selected_alpn_protocol() == "http/1.1"
            assert s.recv(2) == b"ok"
    r = proc.finish().check()
    assert r.one("ALPN") == "http/1.1", r


@pytest.mark.parametrize("server_version,minimum,maximum,ok", [
    ("1.2", "TLSv1_2", "TLSv1_3", "TLSv1.2"),
    ("1.2", "TLSv1_3", "TLSv1_3", None),
    ("1.3", "TLSv1_2", "TLSv1_2", None),
    ("1.3", "TLSv1_2", "TLSv1_3", "TLSv1.3"),
])
def test_version_range(mpy, certs, tls_server, server_version, minimum, maximum, ok):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version=server_version,
                     steps=[("send", b"x"), ("recv_eof",)])
    r = mpy.run(f'''
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(cadata={b(certs.root.cert.der.data)})
ctx.minimum_version = ssl.TLSVersion.{minimum}
ctx.maximum_version = ssl.TLSVersion.{maximum}
try:
    s = ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
    print("VERSION", s.version())
    s.close()
except Exception as e:
    show("E", e)
''').check()
    if ok:
        assert r.one("VERSION") == ok, r
    else:
        assert r.one("E") == peer_alert("protocol_version"), r


def _spki_sha256(pem_path):
    der = subprocess.run(["openssl", "x509", "-in", str(pem_path), "-pubkey", "-noout"],
                         check=True, capture_output=True).stdout
    spki = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=der,
                          check=True, capture_output=True).stdout
    return hashlib.sha256(spki).hexdigest()


@pytest.mark.parametrize("pin", ["cert", "cert-colons", "spki", "wrong"])
def test_pinning_by_fingerprint(mpy, certs, tls_server, pin):
    """A self-signed server trusted by nothing but its fingerprint."""
    leaf = certs["untrusted"]
    srv = tls_server(leaf.cert.pem.path, leaf.key.pem.path, steps=[("send", b"x"), ("recv_eof",)])
    fp = {
        "cert": hashlib.sha256(leaf.cert.der.data).hexdigest(),
        "cert-colons": ":".join(f"{x:02X}" for x in hashlib.sha256(leaf.cert.der.data).digest()),
        "spki": _spki_sha256(leaf.cert.pem.path),
        "wrong": hashlib.sha256(b"something else").hexdigest(),
    }[pin]
    r = mpy.run(f'''
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.check_hostname = False
ctx.pin_sha256({fp!r})
try:
    s = ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
    print("READ", s.read(1))
    s.close()
except Exception as e:
    show("E", e)
''').check()
    if pin == "wrong":
        assert r.one("E").startswith("EXC SSLCertVerificationError") and "unknown issuer" in r.one("E"), r
    else:
        assert r.one("READ") == "b'x'", r


def test_check_hostname_false_skips_only_the_name(mpy, certs, tls_server):
    leaf = certs["wronghost"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, connections=2,
                     steps=[("send", b"x"), ("recv_eof",)])
    r = mpy.run(f'''
import ssl
for check in (True, False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cadata={b(certs.root.cert.der.data)})
    ctx.check_hostname = check
    try:
        s = ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
        print("OK", check, s.read(1))
        s.close()
    except Exception as e:
        show("E" + str(check), e)
''').check()
    assert "hostname mismatch" in r.one("ETrue"), r
    assert r.one("OK") == "False b'x'", r


def test_handshake_timeout(mpy, plain_server):
    """A server that accepts and never answers: wrap_socket(timeout=1) raises
    OSError(ETIMEDOUT) and releases the connection's memory."""
    srv = plain_server(steps=[("recv_eof",)])
    r = mpy.run(f'''
import ssl, gc, errno
gc.collect()
before = ssl.mem_info()
try:
    ssl.wrap_socket(tcp({srv.port}), server_hostname="localhost", timeout=1)
except OSError as e:
    print("ERRNO", e.errno == errno.ETIMEDOUT, e.errno)
print("MEM", ssl.mem_info() == before, ssl.mem_info())
''', timeout=30).check()
    assert r.one("ERRNO").startswith("True"), r
    assert r.one("MEM").startswith("True"), r


def test_mem_info_counts_connections(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("send", b"x"), ("recv_eof",)])
    r = mpy.run(f'''
import ssl
print("IDLE", ssl.mem_info())
s = client({srv.port}, cadata={b(certs.root.cert.der.data)})
n, reserved, used = ssl.mem_info()
print("OPEN", n, reserved > 0, 0 < used <= reserved)
s.read(1)
s.close()
print("CLOSED", ssl.mem_info())
''').check()
    assert r.one("IDLE") == "(0, 0, 0)", r
    assert r.one("OPEN") == "1 True True", r
    assert r.one("CLOSED") == "(0, 0, 0)", r


class RecordRelay:
    """Relays one connection and notes the length of every TLS record the
    client sends."""

    def __init__(self, target_port):
        import threading
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.lsock.settimeout(30)
        self.port = self.lsock.getsockname()[1]
        self.target = target_port
        self.records = []   # (content type, length)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        import threading
        a, _ = self.lsock.accept()
        b_ = socket.create_connection(("127.0.0.1", self.target), timeout=30)

        def back():
            try:
                while (d := b_.recv(65536)):
                    a.sendall(d)
            except OSError:
                pass
            a.close()
        threading.Thread(target=back, daemon=True).start()
        buf = b""
        try:
            while (d := a.recv(65536)):
                b_.sendall(d)
                buf += d
                while len(buf) >= 5 and len(buf) >= 5 + int.from_bytes(buf[3:5], "big"):
                    n = int.from_bytes(buf[3:5], "big")
                    self.records.append((buf[0], n))
                    buf = buf[5 + n:]
        except OSError:
            pass
        b_.close()


@pytest.mark.parametrize("fragment", [512, None])
def test_max_fragment_size(mpy, certs, tls_server, fragment):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("recv", 4000), ("send", b"ok"), ("recv_eof",)])
    relay = RecordRelay(srv.port)
    r = mpy.run(f'''
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(cadata={b(certs.root.cert.der.data)})
ctx.max_fragment_size = {fragment!r}
print("FRAG", ctx.max_fragment_size)
s = ctx.wrap_socket(tcp({relay.port}), server_hostname="localhost")
s.write(bytes(4000))
print("READ", s.read(2))
s.close()
try:
    ctx.max_fragment_size = 16385
except ValueError:
    print("RANGE ok")
''').check()
    assert r.one("READ") == "b'ok'" and r.one("RANGE") == "ok", r
    assert srv.record().received == bytes(4000)
    relay.thread.join(10)
    app = [n for t, n in relay.records if t == 23]
    if fragment:
        # each record: the fragment + content type byte + 16-byte tag
        assert max(app) <= fragment + 17, relay.records
        assert len(app) >= 4000 // fragment, relay.records
    else:
        assert max(app) > 4000, relay.records
