"""A How's My SSL-style check of our ClientHello (issue 8): the example
examples/howsmyssl.py against a local stand-in that rates what it received."""
import subprocess
from pathlib import Path

import pytest

from helpers.howsmyssl import HowsMySSL
from helpers.mpy import binary_path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "howsmyssl.py"


@pytest.fixture
def howsmyssl(certs):
    leaf = certs["p256"]
    srv = HowsMySSL(leaf.chain.path, leaf.key.pem.path)
    yield srv
    srv.close()


def test_client_hello_rates_probably_okay(mpy, certs, howsmyssl):
    if mpy.kind != "host":
        pytest.skip("runs the host binary against a local server")
    p = subprocess.run([str(binary_path()), str(EXAMPLE), "localhost", str(howsmyssl.port),
                        str(certs.root.cert.pem.path)], capture_output=True, timeout=30)
    out = p.stdout.decode()
    assert p.returncode == 0, (out, p.stderr.decode(), howsmyssl.error)
    report = howsmyssl.report
    assert report["rating"] == "Probably Okay", report
    assert report["tls_version"] == "TLS 1.3"
    assert report["insecure_cipher_suites"] == []
    assert not report["tls_compression_supported"]
    # what the example printed is what the server reported
    assert "rating: Probably Okay" in out, out
    # no CBC, static-RSA or SHA-1 suites offered at all
    assert not [s for s in report["given_cipher_suites"] if "CBC" in s or s.startswith("TLS_RSA_")]
