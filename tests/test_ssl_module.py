"""The user-facing ``ssl`` module: wrap_socket() with bytes or file paths,
SSLContext with load_cert_chain / load_verify_locations taking paths or
bytes, PEM or DER, one or many certificates."""
import pytest

from helpers.pypeers import tls_client
from helpers.snippets import b

PONG_STEPS = [("recv", 4), ("send", b"pong"), ("recv_eof",)]


def _pong(r, tag="READ"):
    r.check()
    assert r.one(tag) == "b'pong'", r


# -- client side -------------------------------------------------------------------

def test_wrap_socket_verified_client(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=PONG_STEPS)
    r = mpy.run(f'''
import ssl
s = ssl.wrap_socket(tcp({srv.port}), cert_reqs=ssl.CERT_REQUIRED,
                    cadata={b(certs.root.cert.der.data)}, server_hostname="localhost")
s.write(b"ping")
print("READ", s.read(4))
s.close()
''')
    _pong(r)
    assert srv.record().sni == "localhost"


def test_wrap_socket_verified_client_rejects_untrusted(mpy, certs, tls_server):
    leaf = certs["untrusted"]
    srv = tls_server(leaf.cert.pem.path, leaf.key.pem.path, steps=PONG_STEPS)
    r = mpy.run(f'''
import ssl
try:
    ssl.wrap_socket(tcp({srv.port}), cert_reqs=ssl.CERT_REQUIRED,
                    cadata={b(certs.root.cert.pem.data)}, server_hostname="localhost")
    print("CLIENT no exception")
except Exception as e:
    show("CLIENT", e)
''').check()
    line = r.one("CLIENT")
    assert line.startswith("EXC SSLCertVerificationError") and "unknown issuer" in line.lower(), r


def test_wrap_socket_default_is_cert_none(mpy, certs, tls_server):
    # ssl.wrap_socket() defaults to CERT_NONE (MicroPython 1.26 behaviour).
    leaf = certs["untrusted"]
    srv = tls_server(leaf.cert.pem.path, leaf.key.pem.path, steps=PONG_STEPS)
    _pong(mpy.run(f'''
import ssl
s = ssl.wrap_socket(tcp({srv.port}), server_hostname="localhost")
s.write(b"ping")
print("READ", s.read(4))
s.close()
'''))


def test_wrap_socket_cert_required_without_hostname(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=PONG_STEPS)
    r = mpy.run(f'''
import ssl
try:
    ssl.wrap_socket(tcp({srv.port}), cert_reqs=ssl.CERT_REQUIRED, cadata={b(certs.root.cert.der.data)})
    print("CLIENT no exception")
except Exception as e:
    show("CLIENT", e)
''').check()
    assert r.one("CLIENT").startswith("EXC ValueError"), r


def test_sslcontext_client_default_cert_none(mpy, certs, tls_server):
    leaf = certs["expired"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=PONG_STEPS)
    _pong(mpy.run(f'''
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
s = ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
s.write(b"ping")
print("READ", s.read(4))
s.close()
'''))


@pytest.mark.parametrize("how", ["cafile_pem_bundle", "cafile_der", "cadata_der", "cadata_pem_bundle",
                                 "cadata_pem_bundle_intermediate"])
def test_sslcontext_load_verify_locations(mpy, certs, tls_server, how):
    leaf = certs["rsa"]
    # For the bundle cases the server sends the leaf alone when the bundle holds the
    # intermediate, so both certificates of the bundle are really used.
    certfile = leaf.cert.pem.path if how == "cadata_pem_bundle_intermediate" else leaf.chain.path
    srv = tls_server(certfile, leaf.key.pem.path, steps=PONG_STEPS)
    bundle = certs.dir / "bundle.pem"
    bundle.write_bytes(certs.ca_bundle("other_ca", "root"))
    arg = {
        "cafile_pem_bundle": f"cafile={str(bundle)!r}",
        "cafile_der": f"cafile={str(certs.root.cert.der.path)!r}",
        "cadata_der": f"cadata={b(certs.root.cert.der.data)}",
        "cadata_pem_bundle": f"cadata={b(certs.ca_bundle('other_ca', 'root'))}",
        "cadata_pem_bundle_intermediate": f"cadata={b(certs.ca_bundle('other_ca', 'inter'))}",
    }[how]
    _pong(mpy.run(f'''
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations({arg})
s = ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
s.write(b"ping")
print("READ", s.read(4))
s.close()
'''))


def test_sslcontext_client_certificate_from_files(mpy, certs, tls_server):
    leaf, client = certs["p256"], certs["client"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, client_ca=certs.root.cert.pem.path,
                     require_client_cert=True, steps=PONG_STEPS)
    _pong(mpy.run(f'''
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(cafile={str(certs.root.cert.pem.path)!r})
ctx.load_cert_chain({str(client.chain.path)!r}, {str(client.key.formats["sec1_der"].path)!r})
s = ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
s.write(b"ping")
print("READ", s.read(4))
s.close()
'''))
    assert srv.record().peer_cert == client.cert.der.data


# -- server side -------------------------------------------------------------------

def _ssl_server(body_setup: str):
    def make(port):
        return f'''
import ssl
{body_setup}
l = listener({port})
try:
    c, _ = l.accept()
    s = WRAP(c)
    s.write(b"served:" + s.read(4))
    s.close()
    print("SERVED")
except Exception as e:
    show("SERVER", e)
l.close()
'''
    return make


def _check_served(mpy_server, certs, setup, partial_chain=False):
    proc, port = mpy_server(_ssl_server(setup))
    cafile = certs.inter.cert.pem.path if partial_chain else certs.root.cert.pem.path
    res = tls_client(port, cafile=cafile, partial_chain=partial_chain, steps=[("send", b"ping"), ("recv_eof",)])
    r = proc.finish().check()
    assert "SERVED" in r.lines, r
    assert res.received == b"served:ping", (res, str(r))
    assert res.eof == "close_notify"


def test_wrap_socket_server_key_cert_bytes(mpy_server, certs):
    leaf = certs["p384"]
    _check_served(mpy_server, certs, f'''
def WRAP(c):
    return ssl.wrap_socket(c, server_side=True, key={b(leaf.key.formats["sec1_pem"].data)},
                           cert={b(leaf.chain.data)})
''')


def test_wrap_socket_server_keyfile_certfile(mpy_server, certs):
    leaf = certs["rsa"]
    _check_served(mpy_server, certs, f'''
def WRAP(c):
    return ssl.wrap_socket(c, server_side=True, keyfile={str(leaf.key.formats["pkcs1_pem"].path)!r},
                           certfile={str(leaf.chain.path)!r})
''')


@pytest.mark.parametrize("how", ["paths_pem", "paths_der", "combined_certfile", "bytes_der"])
def test_sslcontext_server_load_cert_chain(mpy_server, certs, how):
    leaf = certs["p256"]
    call, partial = {
        "paths_pem": (f"{str(leaf.chain.path)!r}, {str(leaf.key.pem.path)!r}", False),
        "paths_der": (f"{str(leaf.cert.der.path)!r}, {str(leaf.key.formats['sec1_der'].path)!r}", True),
        "combined_certfile": (f"{str(leaf.combined.path)!r}", False),
        "bytes_der": (f"{b(leaf.cert.der.data)}, {b(leaf.key.der.data)}", True),
    }[how]
    _check_served(mpy_server, certs, f'''
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain({call})
def WRAP(c):
    return ctx.wrap_socket(c, server_side=True)
''', partial_chain=partial)


@pytest.mark.host_only
def test_missing_file_is_oserror(mpy, tmp_path):
    missing = str(tmp_path / "does-not-exist.pem")
    r = mpy.run(f'''
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
try:
    ctx.load_cert_chain({missing!r}, {missing!r})
    print("CHAIN no exception")
except Exception as e:
    show("CHAIN", e)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
try:
    ctx.load_verify_locations(cafile={missing!r})
    print("CAFILE no exception")
except Exception as e:
    show("CAFILE", e)
''').check()
    assert r.one("CHAIN").startswith("EXC OSError"), r
    assert r.one("CAFILE").startswith("EXC OSError"), r
