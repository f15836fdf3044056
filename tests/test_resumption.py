"""Session resumption (issue 8): TLS 1.3 tickets and TLS 1.2 sessions, client
and server, the per-context cache, CPython's session_reused, Pycom's
save_session/saved_session, and the memory a kept session holds."""
import socket
import ssl as cssl

import pytest

from helpers.snippets import b

GET = b"GET / HTTP/1.0\r\n\r\n"


def _client_twice(port, cadata, send=b"ping"):
    return f'''
import tls
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations({b(cadata)})
ctx.session_cache_size = 2
for i in range(2):
    s = ctx.wrap_socket(tcp({port}), server_hostname="localhost")
    s.write({send!r})
    s.read({len(send)})          # TLS 1.3 tickets arrive after the handshake
    print("REUSED", i, s.session_reused, s.version())
    s.close()
ctx.session_cache_size = 0   # forget the sessions: their memory comes back
import ssl
print("MEM", ssl.mem_info())
'''


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_client_resumes_with_cpython(mpy, certs, tls_server, version):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version=version, connections=2,
                     steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])
    r = mpy.run(_client_twice(srv.port, certs.root.cert.der.data)).check()
    assert r.tagged("REUSED") == [f"0 False TLSv{version}", f"1 True TLSv{version}"], r
    assert r.one("MEM") == "(0, 0, 0)", r


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_client_resumes_with_openssl(mpy, certs, s_server, version):
    leaf = certs["rsa"]
    srv = s_server(leaf.cert.pem.path, leaf.key.pem.path, chain=certs.inter.cert.pem.path,
                   version=version, mode="rev", naccept=2)
    # s_server -rev answers each line reversed
    r = mpy.run(_client_twice(srv.port, certs.root.cert.pem.data, send=b"ping\n")).check()
    assert r.tagged("REUSED") == [f"0 False TLSv{version}", f"1 True TLSv{version}"], r


def test_tls_contexts_do_not_resume_unless_asked(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, connections=2,
                     steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])
    code = _client_twice(srv.port, certs.root.cert.der.data).replace(
        "ctx.session_cache_size = 2", "print('DEFAULT', ctx.session_cache_size)")
    r = mpy.run(code).check()
    assert r.one("DEFAULT") == "0", r
    assert r.tagged("REUSED") == ["0 False TLSv1.3", "1 False TLSv1.3"], r


def test_pycom_save_session(mpy, certs, tls_server):
    """Pycom's documented flow: wrap, save_session, wrap(saved_session=)."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, connections=2,
                     steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])
    r = mpy.run(f'''
import ssl
ss = ssl.wrap_socket(tcp({srv.port}), cert_reqs=ssl.CERT_REQUIRED,
                     cadata={b(certs.root.cert.der.data)}, server_hostname="localhost")
ss.write(b"ping"); ss.read(4)
ses = ssl.save_session(ss)
print("TYPE", type(ses).__name__, ses.server_hostname)
ss.close()
ss = ssl.wrap_socket(tcp({srv.port}), saved_session=ses)
ss.write(b"ping"); print("READ", ss.read(4))
print("REUSED", ss.session_reused)
ss.close()
''').check()
    assert r.one("TYPE") == "SSLSession localhost", r
    assert r.one("READ") == "b'pong'", r
    assert r.one("REUSED") == "True", r


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_server_resumes_cpython_client(mpy_server, certs, version):
    leaf = certs["p256"]

    def make(port):
        return f'''
import ssl
l = listener({port})
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain({b(leaf.chain.data)}, {b(leaf.key.pem.data)})
print("CACHE", ctx.session_cache_size)
for i in range(2):
    s = accept_tls(l, ctx)
    s.write(b"hello")
    print("SRV_REUSED", i, s.session_reused)
    s.read(1)
    s.close()
l.close()
'''
    proc, port = mpy_server(make)
    c = cssl.create_default_context(cafile=str(certs.root.cert.pem.path))
    c.minimum_version = c.maximum_version = getattr(cssl.TLSVersion, "TLSv" + version.replace(".", "_"))
    session = None
    reused = []
    for i in range(2):
        with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
            with c.wrap_socket(raw, server_hostname="localhost", session=session) as s:
                assert s.recv(5) == b"hello"    # TLS 1.3 tickets come with it
                reused.append(s.session_reused)
                session = s.session
                s.sendall(b"x")
    r = proc.finish().check()
    assert r.one("CACHE") == "16", r
    assert reused == [False, True]
    assert r.tagged("SRV_REUSED") == ["0 False", "1 True"], r
