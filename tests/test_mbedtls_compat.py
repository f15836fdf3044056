"""What code written against MicroPython's mbedTLS module may depend on
(issue 4, point 6), beyond what MicroPython's own tests check (`make
mp-suite`): module surface, exception types and errno numbers."""
from helpers.pypeers import tls_client
from helpers.snippets import b


def test_module_surface(mpy):
    r = mpy.run('''
import ssl
print("MBEDTLS", hasattr(tls, "MBEDTLS_VERSION"), hasattr(ssl, "MBEDTLS_VERSION"))
print("OURS", type(tls.MODSSL_VERSION).__name__, tls.MODSSL_VERSION.startswith("modssl-rs "))
print("SSLERROR", issubclass(ssl.SSLError, OSError), tls.SSLError is ssl.SSLError,
      issubclass(ssl.SSLCertVerificationError, ValueError), issubclass(ssl.SSLCertVerificationError, ssl.SSLError))
for proto in (tls.PROTOCOL_DTLS_CLIENT, tls.PROTOCOL_DTLS_SERVER):
    try:
        tls.SSLContext(proto)
    except Exception as e:
        show("DTLS", e)
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
names = ctx.get_ciphers()
print("IANA", all(n.startswith("TLS_") and "-" not in n for n in names), "TLS_AES_128_GCM_SHA256" in names)
ctx.set_ciphers(["TLS_AES_256_GCM_SHA384"])
print("SET", ctx.get_ciphers())
try:
    ctx.set_ciphers(["TLS-ECDHE-ECDSA-WITH-AES-128-CBC-SHA256"])
except Exception as e:
    show("UNKNOWN", e)
try:
    ctx.set_ciphers("TLS_AES_256_GCM_SHA384")
except Exception as e:
    show("NOTLIST", e)
''').check()
    assert r.one("MBEDTLS") == "False False", r
    assert r.one("OURS") == "str True", r
    # CPython's shape (issue 13): SSLError is an OSError, a refused
    # certificate both an SSLError and the ValueError MicroPython raises.
    assert r.one("SSLERROR") == "True True True True", r
    assert r.tagged("DTLS") == ["EXC ValueError ('DTLS is not supported',)"] * 2, r
    assert r.one("IANA") == "True True", r
    assert r.one("SET") == "['TLS_AES_256_GCM_SHA384']", r
    assert r.one("UNKNOWN").startswith("EXC ValueError"), r
    assert r.one("NOTLIST").startswith("EXC TypeError"), r


def test_ssl_wrap_socket_key_without_cert(mpy, certs):
    """As MicroPython (ssl_keycert.py): a malformed key is ValueError('invalid
    key'); a real key without a certificate is TypeError."""
    r = mpy.run(f'''
import io, ssl
for key in (b"!", {b(certs["p256"].key.der.data)}):
    try:
        ssl.wrap_socket(io.BytesIO(), key=key)
    except Exception as e:
        show("KEY", e)
''').check()
    assert r.tagged("KEY") == [
        "EXC ValueError ('invalid key',)",
        "EXC TypeError (\"can't convert 'NoneType' object to str implicitly\",)",
    ], r


def test_context_protocol_decides_the_role(mpy):
    """As MicroPython (ssl_sslcontext.py): a server context wraps as a server
    without server_side=True."""
    r = mpy.run('''
import io, ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
s = ctx.wrap_socket(io.BytesIO(), do_handshake_on_connect=False)
print("WRAPPED", type(s).__name__)
s.close()
''').check()
    assert r.one("WRAPPED") == "SSLSocket", r


def test_eof_in_handshake_is_mbedtls_conn_eof(mpy, plain_server):
    """The peer closes during the handshake: OSError(-29312), mbedTLS's
    MBEDTLS_ERR_SSL_CONN_EOF number (sslcontext_check_hostname_error.py)."""
    # The server reads the ClientHello before it closes: closing with it
    # unread would reset the connection (ECONNRESET) instead of an EOF.
    srv = plain_server([("recv_record",), ("close",)])
    r = mpy.run(f'''
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = tls.CERT_NONE
try:
    ctx.wrap_socket(tcp({srv.port}))
except Exception as e:
    show("EOF", e)
''').check()
    assert r.one("EOF_ERRNO") == "-29312", r
    assert r.one("EOF").startswith("EXC SSLError (-29312, 'SSL_CONN_EOF"), r


def test_missing_client_certificate_is_oserror(mpy_server, certs):
    """A server requiring a client certificate, a client without one: the
    server raises OSError(-29824) (mbedTLS's NO_CLIENT_CERTIFICATE), as
    asyncio_tls_server_client_cert_required_error.py prints."""
    leaf = certs["p256"]

    def make(port):
        return f'''
l = listener({port})
ctx = server_ctx({b(leaf.chain.data)}, {b(leaf.key.pem.data)}, cadata={b(certs.root.cert.der.data)}, require=True)
try:
    s = accept_tls(l, ctx)
    s.read(1)
except Exception as e:
    show("SERVER", e)
l.close()
'''
    proc, port = mpy_server(make)
    tls_client(port, cafile=certs.root.cert.pem.path, steps=[("send", b"x"), ("recv_eof",)])
    r = proc.finish().check()
    assert r.one("SERVER_ERRNO") == "-29824", r
    assert r.one("SERVER").startswith("EXC SSLError"), r
