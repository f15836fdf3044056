"""`import ssl` is ours whatever is on sys.path (docs/api.md, "Which ssl").

The rp2 and esp32 firmware freeze micropython-lib's ssl.py (bundle-networking);
an extensible built-in would lose to it, and to any ssl.py on sys.path.  Ours
is registered non-extensible, as `ssl` and `ussl`.  Here an ssl.py published
on PyPI (micropython-ssl 0.1, a wrapper over `ussl`) is first on MICROPYPATH,
and then a user's own ssl.py next to the script.  Code written for
micropython-lib's ssl.py 0.2.1 (positional arguments included) runs on ours.
"""
import os
import subprocess
import sys

import pytest

from helpers.mpy import REPO
from helpers.snippets import b

pytestmark = pytest.mark.host_only

SHADOW = REPO / "build" / "mpylib" / "shadow-ssl"


@pytest.fixture(scope="module")
def shadow_dir():
    if not (SHADOW / "ssl.py").exists():
        p = subprocess.run([str(REPO / "scripts" / "fetch-mpy-libs.sh"), sys.executable,
                            str(SHADOW.parent)], capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, f"could not fetch micropython-ssl from PyPI:\n{p.stderr}"
    return SHADOW


WHO = '''
import ssl, ussl, tls
print("OURS", hasattr(ssl, "MODSSL_VERSION"), hasattr(ssl, "create_default_context"),
      ssl is ussl, ssl.SSLContext is not tls.SSLContext)
'''


def test_an_ssl_py_on_sys_path_does_not_replace_ours(mpy, shadow_dir, monkeypatch):
    monkeypatch.setenv("MICROPYPATH", f"{shadow_dir}:.frozen")
    r = mpy.run(f'''
import sys
print("FIRST", sys.path[0] == {str(shadow_dir)!r} or sys.path[1] == {str(shadow_dir)!r})
''' + WHO).check()
    assert r.one("FIRST") == "True", r
    assert r.one("OURS") == "True True True True", r


def test_a_users_own_ssl_py_does_not_replace_ours(mpy):
    (mpy.workdir / "ssl.py").write_text('raise ImportError("the user\'s ssl.py was imported")\n')
    (mpy.workdir / "ussl.py").write_text('raise ImportError("the user\'s ussl.py was imported")\n')
    r = mpy.run(WHO).check()
    assert r.one("OURS") == "True True True True", r


def test_code_written_for_micropython_lib_ssl_runs(mpy, certs, tls_server):
    # micropython-lib's ssl.py 0.2.1 accepts these shapes; so must ours.
    leaf = certs["p256"]
    (mpy.workdir / "ca.der").write_bytes(certs.root.cert.der.data)
    results = []
    for _ in range(3):
        results.append(tls_server(leaf.chain.path, leaf.key.pem.path,
                                  steps=[("recv", 4), ("send", b"pong")]))
    srv1, srv2, srv3 = results
    r = mpy.run(f'''
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations("ca.der")                     # cafile, positional
s = ctx.wrap_socket(tcp({srv1.port}), False, True, "localhost")   # all positional
s.write(b"ping"); print("POS", s.read(4)); s.close()
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(cafile=None, cadata={b(certs.root.cert.der.data)})
s = ctx.wrap_socket(tcp({srv2.port}), server_side=False, do_handshake_on_connect=True,
                    server_hostname="localhost")
s.write(b"ping"); print("KW", s.read(4)); s.close()
# ssl.wrap_socket(sock, server_side, key, cert, cert_reqs, cadata, server_hostname, do_handshake)
s = ssl.wrap_socket(tcp({srv3.port}), False, None, None, ssl.CERT_REQUIRED,
                    {b(certs.root.cert.der.data)}, "localhost", True)
s.write(b"ping"); print("WRAP", s.read(4)); s.close()
sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(certfile={b(leaf.chain.data)}, keyfile={b(leaf.key.pem.data)})
print("LOADED", True)
''').check()
    assert r.one("POS") == "b'pong'", r
    assert r.one("KW") == "b'pong'", r
    assert r.one("WRAP") == "b'pong'", r
    assert r.one("LOADED") == "True", r
