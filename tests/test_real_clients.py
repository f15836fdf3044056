"""Real clients, real servers: MicroPython code as users write it, and client
libraries nobody here wrote, over our ``ssl``, against Debian's nginx and
mosquitto (started and stopped by these tests, on 127.0.0.1, with their own
configuration; see helpers/realservers.py).

Client libraries: ``umqtt.simple`` and ``urequests`` as published on PyPI
(micropython-umqtt.simple 1.3.4, micropython-urequests 0.9.1), unmodified,
fetched by ``make deps`` into build/mpylib (or here, when missing) and put on
MICROPYPATH.  Both ``import ussl`` and call ``ussl.wrap_socket``.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

from helpers.mpy import REPO, HostRunner, binary_path
from helpers.realservers import Mosquitto, Nginx, find_binary
from helpers.checks import peer_alert
from helpers.snippets import b

pytestmark = pytest.mark.host_only

MPYLIB = REPO / "build" / "mpylib"

# A text page (~210 KiB) that gzip shrinks only a little: nginx's compressed
# output then spans several chunks.
BIG = b"".join(b"%06d %s\n" % (i, hashlib.sha256(b"%d" % i).hexdigest().encode())
               for i in range(3000))
SMALL = b"<html><body>small page</body></html>\n" * 40


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- fixtures --------------------------------------------------------------------

@pytest.fixture(scope="session")
def mpylib(tmp_path_factory):
    """The directory holding umqtt/simple.py and urequests.py from PyPI."""
    if not (MPYLIB / "umqtt" / "simple.py").exists() or not (MPYLIB / "urequests.py").exists():
        p = subprocess.run([str(REPO / "scripts" / "fetch-mpy-libs.sh"), sys.executable, str(MPYLIB)],
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, f"could not fetch umqtt.simple/urequests from PyPI:\n{p.stderr}"
    return MPYLIB


class LibRunner(HostRunner):
    """HostRunner with MICROPYPATH = the PyPI libraries, then the frozen modules."""

    def __init__(self, binary, workdir, libdir):
        super().__init__(binary, workdir)
        self.libdir = libdir

    def run(self, code, timeout=60, heapsize=None):
        old = os.environ.get("MICROPYPATH")
        os.environ["MICROPYPATH"] = f"{self.libdir}:.frozen"
        try:
            return super().run(code, timeout=timeout, heapsize=heapsize)
        finally:
            if old is None:
                del os.environ["MICROPYPATH"]
            else:
                os.environ["MICROPYPATH"] = old


@pytest.fixture
def mpylib_run(mpylib, tmp_path):
    binary = binary_path()
    if not binary.exists():
        pytest.fail(f"MicroPython binary {binary} does not exist (build it with `make`)")
    runner = LibRunner(binary, tmp_path, mpylib)
    yield runner
    runner.cleanup()


def server_binary(name: str) -> str:
    path = find_binary(name)
    if path is None:
        pytest.skip(f"{name} is not installed (make deps installs Debian's {name} package)")
    return path


@pytest.fixture(scope="module", params=["TLSv1.2", "TLSv1.3"])
def nginx(request, certs, tmp_path_factory):
    binary = server_binary("nginx")
    leaf = certs["rsa"]
    srv = Nginx(binary, tmp_path_factory.mktemp("nginx"), leaf.chain.path, leaf.key.pem.path,
                request.param, {"big.txt": BIG, "small.txt": SMALL})
    srv.protocol = request.param
    yield srv
    srv.stop()


@pytest.fixture(scope="module", params=["TLSv1.3", "TLSv1.2"])
def mosquitto(request, certs, tmp_path_factory):
    """mosquitto as configured by default (TLS 1.3 is negotiated), and capped
    at TLS 1.2."""
    binary = server_binary("mosquitto")
    leaf = certs["p256"]
    srv = Mosquitto(binary, tmp_path_factory.mktemp("mosquitto"), certs.root.cert.pem.path,
                    leaf.chain.path, leaf.key.pem.path,
                    None if request.param == "TLSv1.3" else request.param)
    srv.protocol = request.param
    yield srv
    srv.stop()


# ---- HTTPS as users write it: redirect, chunked (gzip) body ---------------------------

USER_HTTPS_GET = r'''
import io, socket, ssl, deflate

def split_url(url):
    proto, _, hostport, path = url.split("/", 3)
    assert proto == "https:"
    host, port = hostport.split(":")
    return host, int(port), "/" + path

def read_chunked(s):
    body = b""
    chunks = 0
    while True:
        size = int(s.readline().split(b";")[0].strip(), 16)
        if size == 0:
            break
        chunks += 1
        while size:
            d = s.read(size)
            if not d:
                raise OSError("EOF inside a chunk")
            body += d
            size -= len(d)
        assert s.readline() == b"\r\n"
    while s.readline() not in (b"\r\n", b""):   # trailers
        pass
    print("CHUNKS", chunks)
    return body

def https_get(url, ctx, redirects=3):
    while True:
        host, port, path = split_url(url)
        s = socket.socket()
        s.connect(socket.getaddrinfo(host, port)[0][-1])
        s = ctx.wrap_socket(s, server_hostname=host)
        s.write(b"GET %s HTTP/1.1\r\nHost: %s:%d\r\nAccept-Encoding: gzip\r\n"
                b"Connection: close\r\n\r\n" % (path, host, port))
        status = int(s.readline().split()[1])
        headers = {}
        while True:
            line = s.readline()
            if line in (b"\r\n", b""):
                break
            k, v = line.decode().split(":", 1)
            headers[k.strip().lower()] = v.strip()
        if status in (301, 302, 303, 307, 308) and redirects:
            s.close()
            redirects -= 1
            url = headers["location"]
            print("REDIRECT", status, url)
            continue
        if headers.get("transfer-encoding") == "chunked":
            print("TRANSFER chunked")
            body = read_chunked(s)
        else:
            body = s.read(int(headers["content-length"]))
        if headers.get("content-encoding") == "gzip":
            print("ENCODING gzip", len(body))
            body = deflate.DeflateIO(io.BytesIO(body), deflate.GZIP).read()
        print("VERSION", s.version())
        s.close()
        return status, body
'''


def test_https_get_redirect_chunked_gzip(mpy, certs, nginx):
    """Verified GET of /old: nginx answers 301 to /big.txt, which comes
    gzip-compressed with chunked transfer encoding (HTTP/1.1)."""
    r = mpy.run(USER_HTTPS_GET + f'''
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(cadata={b(certs.root.cert.der.data)})
status, body = https_get("https://localhost:{nginx.port}/old", ctx)
print("STATUS", status)
print("BODY", len(body), sha(body))
''').check()
    assert r.one("REDIRECT") == f"301 https://localhost:{nginx.port}/big.txt", r
    assert r.one("TRANSFER") == "chunked", r
    assert int(r.one("CHUNKS")) >= 2, r
    assert int(r.one("ENCODING").split()[1]) < len(BIG), r
    assert r.one("STATUS") == "200", r
    assert r.one("BODY") == f"{len(BIG)} {sha(BIG)}", r
    assert r.one("VERSION") == nginx.protocol, r
    old = lambda ln: ln.startswith(f"GET /old HTTP/1.1 301 {nginx.protocol} ") and ln.endswith("sni=localhost")
    big = lambda ln: ln.startswith(f"GET /big.txt HTTP/1.1 200 {nginx.protocol} ")
    log = nginx.access_log(old, big)
    assert any(map(old, log)) and any(map(big, log)), log


def test_https_wrong_version_range_fails(mpy, certs, nginx):
    """A client limited to the other TLS version cannot talk to this nginx."""
    other = "TLSv1_3" if nginx.protocol == "TLSv1.2" else "TLSv1_2"
    r = mpy.run(f'''
import socket, ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.minimum_version = ssl.TLSVersion.{other}
ctx.maximum_version = ssl.TLSVersion.{other}
s = socket.socket()
s.connect(socket.getaddrinfo("127.0.0.1", {nginx.port})[0][-1])
try:
    s = ctx.wrap_socket(s, server_hostname="localhost")
    print("CONNECTED", s.version())
except Exception as e:
    show("WRAP", e)
''').check()
    assert r.one("WRAP") == peer_alert("protocol_version"), r


def test_urequests_https_before_the_clock_is_set(mpylib_run, nginx, monkeypatch):
    """urequests.get() over https right after boot, before ntptime.settime():
    ussl.wrap_socket's CERT_NONE default needs no clock (tests/test_no_clock.py)."""
    monkeypatch.setenv("MODSSL_FAKE_TIME", "-1")
    r = mpylib_run.run(f'''
import urequests
r = urequests.get("https://localhost:{nginx.port}/small.txt")
print("STATUS", r.status_code)
body = r.content
print("BODY", len(body), sha(body))
r.close()
''').check()
    assert r.one("STATUS") == "200", r
    assert r.one("BODY") == f"{len(SMALL)} {sha(SMALL)}", r


def test_urequests_get_redirect(mpylib_run, nginx):
    """urequests.get() over https: 302 from /moved to /small.txt, followed."""
    r = mpylib_run.run(f'''
import urequests
r = urequests.get("https://localhost:{nginx.port}/moved")
print("STATUS", r.status_code, r.reason)
print("TYPE", r.headers.get("Content-Type"))
print("VERSION", r.raw.version())
body = r.content
print("BODY", len(body), sha(body))
r.close()
print("MODULE", urequests.__file__)
''').check()
    assert r.one("STATUS") == "200 b'OK'", r
    assert r.one("TYPE") == "text/plain", r
    assert r.one("VERSION") == nginx.protocol, r
    assert r.one("BODY") == f"{len(SMALL)} {sha(SMALL)}", r
    assert r.one("MODULE").startswith(str(mpylib_run.libdir)), r
    moved = lambda ln: ln.startswith(f"GET /moved HTTP/1.0 302 {nginx.protocol} ")
    small = lambda ln: ln.startswith(f"GET /small.txt HTTP/1.0 200 {nginx.protocol} ")
    log = nginx.access_log(moved, small)
    assert any(map(moved, log)) and any(map(small, log)), log


def test_urequests_large_body_and_404(mpylib_run, nginx):
    """A 200 KiB body through Response.content; a missing file is a 404."""
    r = mpylib_run.run(f'''
import urequests
r = urequests.get("https://localhost:{nginx.port}/big.txt")
print("STATUS", r.status_code)
body = r.content
print("BODY", len(body), sha(body))
r = urequests.get("https://localhost:{nginx.port}/missing.json")
print("MISSING", r.status_code)
r.close()
''').check()
    assert r.one("STATUS") == "200", r
    assert r.one("BODY") == f"{len(BIG)} {sha(BIG)}", r
    assert r.one("MISSING") == "404", r


# ---- MQTT over TLS with a client certificate: umqtt.simple -> mosquitto ------------------

def umqtt_params(certs, client="client", with_cert=True) -> str:
    leaf = certs[client]
    p = ['"cert_reqs": ssl.CERT_REQUIRED', f'"cadata": {b(certs.root.cert.der.data)}',
         '"server_hostname": "localhost"']
    if with_cert:
        chain = leaf.chain.data if leaf.chain else leaf.cert.pem.data
        p += [f'"cert": {b(chain)}', f'"key": {b(leaf.key.pem.data)}']
    return "{" + ", ".join(p) + "}"


def test_umqtt_connect_subscribe_publish(mpylib_run, certs, mosquitto):
    """Two umqtt.simple clients with client certificates: one subscribes, the
    other publishes (QoS 0, QoS 1 with PUBACK, a 20 KB message); the first
    receives them through wait_msg() and the non-blocking check_msg()."""
    r = mpylib_run.run(f'''
import ssl, time
from umqtt.simple import MQTTClient

got = []
def cb(topic, msg):
    got.append((topic, msg))

params = {umqtt_params(certs)}
sub = MQTTClient(b"mpy-sub", "127.0.0.1", {mosquitto.port}, keepalive=30, ssl=True, ssl_params=params)
sub.set_callback(cb)
print("SUB_CONNECT", sub.connect())
print("SUB_VERSION", sub.sock.version())
sub.subscribe(b"modssl/test/#", qos=1)
print("SUBSCRIBED")

pub = MQTTClient(b"mpy-pub", "127.0.0.1", {mosquitto.port}, ssl=True, ssl_params=params)
print("PUB_CONNECT", pub.connect())
pub.publish(b"modssl/test/a", b"hello over TLS")
pub.publish(b"modssl/test/b", b"qos one", qos=1)
print("PUBACKED")
big = bytes(range(256)) * 80
pub.publish(b"modssl/test/big", big)

sub.wait_msg()
sub.wait_msg()
# The last one through the non-blocking path (check_msg returns None while
# nothing has arrived).
for i in range(2000):
    sub.check_msg()
    if len(got) == 3:
        break
    time.sleep_ms(5)
for topic, msg in got:
    print("MSG", topic, len(msg), sha(msg))
pub.disconnect()
sub.disconnect()
print("DONE")
''').check()
    assert r.one("SUB_CONNECT") == "0", r   # clean session: no session present
    assert r.one("SUB_VERSION") == mosquitto.protocol, r
    assert r.one("PUB_CONNECT") == "0", r
    assert "PUBACKED" in r.lines and "DONE" in r.lines, r
    big = bytes(range(256)) * 80
    assert r.tagged("MSG") == [
        f"b'modssl/test/a' 14 {sha(b'hello over TLS')}",
        f"b'modssl/test/b' 7 {sha(b'qos one')}",
        f"b'modssl/test/big' {len(big)} {sha(big)}",
    ], r
    log = mosquitto.log()
    # use_identity_as_username: the certificate's CN is the user name.
    assert "New client connected from 127.0.0.1" in log and "as mpy-sub" in log, log
    assert "u'test client'" in log, log


@pytest.mark.parametrize("case", ["no_cert", "untrusted_cert"])
def test_umqtt_without_valid_client_cert_is_refused(mpylib_run, certs, mosquitto, case):
    params = umqtt_params(certs, with_cert=False) if case == "no_cert" \
        else umqtt_params(certs, client="untrusted_client")
    r = mpylib_run.run(f'''
import ssl
from umqtt.simple import MQTTClient
c = MQTTClient(b"mpy-{case}", "127.0.0.1", {mosquitto.port}, ssl=True, ssl_params={params})
try:
    c.connect()
    print("CONNECTED")
except Exception as e:
    show("CONNECT", e)
''').check()
    assert "CONNECTED" not in r.lines, r
    # mosquitto (OpenSSL): TLS 1.3 asks with certificate_required, TLS 1.2
    # with handshake_failure; a certificate it cannot chain is unknown_ca.
    want = ("unknown_ca" if case == "untrusted_cert" else
            "certificate_required" if mosquitto.protocol == "TLSv1.3" else "handshake_failure")
    assert r.one("CONNECT") == peer_alert(want), r


def test_urequests_by_ip_address(mpylib_run, nginx):
    """A URL with an IP address: urequests passes it as server_hostname; it
    is not sent as SNI (RFC 6066 allows host names only)."""
    r = mpylib_run.run(f'''
import urequests
r = urequests.get("https://127.0.0.1:{nginx.port}/small.txt")
print("STATUS", r.status_code)
body = r.content
print("BODY", len(body), sha(body))
''').check()
    assert r.one("STATUS") == "200", r
    assert r.one("BODY") == f"{len(SMALL)} {sha(SMALL)}", r
    by_ip = lambda ln: ln.startswith(f"GET /small.txt HTTP/1.0 200 {nginx.protocol} ") and ln.endswith("sni=-")
    log = nginx.access_log(by_ip)
    assert any(map(by_ip, log)), log
