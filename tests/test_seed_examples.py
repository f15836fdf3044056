"""The seeds' examples (examples/seed_*.py) run as written, against local
HTTPS servers instead of the Internet hosts they name."""
import subprocess
from pathlib import Path

import pytest

from helpers.mpy import Result, binary_path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name, *args, timeout=30) -> Result:
    script = EXAMPLES / name
    p = subprocess.run([str(binary_path()), str(script), *args], capture_output=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return Result(p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"),
                  p.returncode, script)


@pytest.fixture
def mpy_host(mpy):
    if mpy.kind != "host":
        pytest.skip("examples run on the host binary against local servers")
    return mpy
HTTP_OK = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi"


def test_ipgrammer_https_get(mpy_host, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path,
                     steps=[("recv_until", b"\r\n\r\n"), ("send", HTTP_OK), ("close",)])
    r = run_example("seed_ipgrammer_https_get.py", "127.0.0.1", str(srv.port)).check()
    assert r.stdout.strip() == repr(HTTP_OK), r
    rec = srv.record()
    assert rec.received.startswith(b"GET / HTTP/1.1\r\nHost:example.com"), rec.received


def test_pycom_wrap_before_connect_and_ca_certs(mpy_host, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, connections=3,
                     steps=[("recv_until", b"\r\n\r\n"), ("send", HTTP_OK), ("close",)])
    # (the example's first connection sends nothing and closes: the server's
    # steps then end at the EOF)
    r = run_example("seed_pycom.py", "127.0.0.1", str(srv.port),
                     str(certs.root.cert.pem.path)).check()
    assert r.one("unverified:").startswith("TLSv1.3"), r
    assert r.one("verified:") == repr(HTTP_OK), r
    assert r.one("resumed:") == "True " + repr(HTTP_OK), r


def test_pycom_ca_certs_rejects_an_untrusted_server(mpy_host, certs, tls_server):
    leaf = certs["untrusted"]
    srv = tls_server(leaf.cert.pem.path, leaf.key.pem.path, connections=2, steps=[("recv_eof",)])
    r = run_example("seed_pycom.py", "127.0.0.1", str(srv.port),
                     str(certs.root.cert.pem.path))
    assert r.returncode != 0 and "unknown issuer" in r.output, r
