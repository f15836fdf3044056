"""Hostile peers (issue 7): a server scripted with CPython raw sockets sends
truncated records, garbage, oversized lengths, alert floods, a HelloRequest,
a ServerHello choosing what we did not offer, or stalls; real TLS peers
close without close_notify, send a 20-certificate / 64 KiB chain, or ask to
renegotiate.  Each attempt must end in the specific exception below (never a
crash or a hang), leave no memory behind (the attempt is repeated and the
heap compared), and the same interpreter must then make a good connection.
"""
from __future__ import annotations

import subprocess
import time

import pytest

from helpers.fixtures import peer_factory
from helpers.rawpeers import (RawPeer, client_hello_session_id, handshake, record, recv_record,
                              server_hello, wait_eof)
from helpers.snippets import b

REPEAT = 3   # attempts measured for leaks, after one warm-up attempt

# status codes (modssl_rs/src/ffi/status.rs) as OSError errno
CONN_EOF = -0x7280          # MBEDTLS_ERR_SSL_CONN_EOF, as MicroPython reports an EOF in the handshake
INVALID_RECORD = -0x7200
DECODE_ERROR = -0x7300
UNEXPECTED_MESSAGE = -0x7700
PEER_ALERT = -0x7780
HANDSHAKE_FAILURE = -0x6E00
RECORD_OVERFLOW = -0x7190
ETIMEDOUT = 110


# ---- scripted behaviours (one accepted connection each) ------------------------

def truncated_record(conn):
    recv_record(conn)
    conn.sendall(record(22, b"\x02\x00\x00\x46" + b"\x03\x03" + b"\x00" * 20)[:5 + 26 - 10])


def truncated_header(conn):
    recv_record(conn)
    conn.sendall(b"\x16\x03")


def garbage_server_hello(conn):
    recv_record(conn)
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    wait_eof(conn)


def oversized_record(conn):
    recv_record(conn)
    conn.sendall(b"\x16\x03\x03\xff\xff" + b"\x02" * 1024)
    wait_eof(conn)


def oversized_handshake_length(conn):
    recv_record(conn)
    conn.sendall(record(22, b"\x02\xff\xff\xff" + b"\x03\x03" + b"\x00" * 64))
    wait_eof(conn)


def alert_flood(conn):
    recv_record(conn)
    conn.sendall(record(21, b"\x01\x5a") * 2000)   # warning user_canceled, 2000 times
    wait_eof(conn)


def hello_request(conn):
    recv_record(conn)
    conn.sendall(record(22, handshake(0, b"")))      # HelloRequest instead of a ServerHello
    wait_eof(conn)


def unoffered_suite(conn):
    recv_record(conn)
    conn.sendall(server_hello(0x0303, 0x0005))        # TLS_RSA_WITH_RC4_128_SHA
    wait_eof(conn)


def unoffered_version(conn):
    recv_record(conn)
    conn.sendall(server_hello(0x0302, 0xC02B))        # TLS 1.1
    wait_eof(conn)


def unoffered_tls13_suite(conn):
    _, ch = recv_record(conn)
    sv = b"\x00\x2b\x00\x02\x03\x04"                  # supported_versions: TLS 1.3
    conn.sendall(server_hello(0x0303, 0x1305, client_hello_session_id(ch), sv))  # TLS_AES_128_CCM_8_SHA256
    wait_eof(conn)


def stall(conn):
    recv_record(conn)
    wait_eof(conn)       # says nothing until the client gives up


# (behaviour, exception type, errno or None): TLS failures are ssl.SSLError,
# an OSError whose errno is the mbedTLS-compatible code.
SCRIPTED = {
    "truncated_record": (truncated_record, "SSLError", CONN_EOF),
    "truncated_header": (truncated_header, "SSLError", CONN_EOF),
    "garbage_server_hello": (garbage_server_hello, "SSLError", INVALID_RECORD),
    "oversized_record": (oversized_record, "SSLError", RECORD_OVERFLOW),
    "oversized_handshake_length": (oversized_handshake_length, "SSLError", DECODE_ERROR),
    "alert_flood": (alert_flood, "SSLError", HANDSHAKE_FAILURE),
    "hello_request": (hello_request, "SSLError", UNEXPECTED_MESSAGE),
    "unoffered_suite": (unoffered_suite, "SSLError", HANDSHAKE_FAILURE),
    "unoffered_version": (unoffered_version, "SSLError", HANDSHAKE_FAILURE),
    "unoffered_tls13_suite": (unoffered_tls13_suite, "SSLError", HANDSHAKE_FAILURE),
}


def _snippet(hostile_port, good_port, cadata, body="", verify=True, repeat=REPEAT, good_ca=None):
    return f'''
import gc
CA = {cadata}
GOOD_CA = {good_ca or cadata}
ctx = client_ctx(CA, verify={verify})

def hostile(tag):
    sock = tcp({hostile_port})
    try:
        {body or 's = ctx.wrap_socket(sock, server_hostname="localhost")'}
        s.write(b"hello")
        print(tag, "READ", s.read(100))
        s.close()
    except Exception as e:
        show(tag, e)
    finally:
        sock.close()

hostile("WARMUP")
gc.collect()
base = gc.mem_alloc()
for i in range({repeat}):
    hostile("HOSTILE")
gc.collect()
print("LEAK", gc.mem_alloc() - base)
s = client({good_port}, cadata=GOOD_CA)
s.write(b"ping")
print("GOOD", s.read(4))
s.close()
'''


def _check(r, exc, errno, leak_limit=1024):
    r.check()
    outcomes = r.tagged("HOSTILE")
    assert len(outcomes) == REPEAT and len(set(outcomes)) == 1, r
    assert outcomes[0].startswith(f"EXC {exc} "), r
    if errno is not None:
        assert set(r.tagged("HOSTILE_ERRNO")) == {str(errno)}, r
    assert int(r.one("LEAK")) <= leak_limit, ("a hostile peer's connection leaked heap", r)
    assert r.one("GOOD") == "b'pong'", r


@pytest.fixture
def good_server(certs, tls_server):
    leaf = certs["p256"]
    return tls_server(leaf.chain.path, leaf.key.pem.path,
                      steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])


raw_peer = peer_factory(lambda behaviour, connections=REPEAT + 1: RawPeer(behaviour, connections),
                        "Factory for RawPeer servers (helpers.rawpeers).")


@pytest.mark.parametrize("name", sorted(SCRIPTED))
def test_scripted_hostile_server(name, mpy, certs, raw_peer, good_server):
    behaviour, exc, errno = SCRIPTED[name]
    peer = raw_peer(behaviour)
    r = mpy.run(_snippet(peer.port, good_server.port, b(certs.root.cert.der.data)), timeout=60)
    print(r)
    _check(r, exc, errno)


def test_stalled_server_nonblocking_read_returns_none(mpy, certs, raw_peer, good_server):
    """A peer that stops answering mid-handshake: on a non-blocking socket
    every read returns None (the handshake waits in the TLS layer)."""
    peer = raw_peer(stall)
    body = ('sock.setblocking(False)\n'
            '        s = ctx.wrap_socket(sock, server_hostname="localhost", do_handshake_on_connect=False)\n'
            '        print(tag, "NONBLOCK", [s.read(100) for _ in range(20)])\n'
            '        raise OSError(0)')
    r = mpy.run(_snippet(peer.port, good_server.port, b(certs.root.cert.der.data), body=body), timeout=60)
    assert set(r.tagged("HOSTILE")) == {"NONBLOCK " + repr([None] * 20), "EXC OSError (0,)"}, r
    _check_after(r)


def test_stalled_server_blocking_times_out(mpy, certs, raw_peer, good_server):
    """The same peer with sock.settimeout(): the handshake raises
    OSError(ETIMEDOUT) as a plain socket read would."""
    peer = raw_peer(stall)
    body = ('sock.settimeout(0.3)\n'
            '        s = ctx.wrap_socket(sock, server_hostname="localhost")')
    r = mpy.run(_snippet(peer.port, good_server.port, b(certs.root.cert.der.data), body=body), timeout=60)
    print(r)
    _check(r, "OSError", ETIMEDOUT)


def _check_after(r, leak_limit=1024):
    r.check()
    assert int(r.one("LEAK")) <= leak_limit, r
    assert r.one("GOOD") == "b'pong'", r


# ---- real TLS peers ----------------------------------------------------------

def test_close_without_close_notify_reads_eof(mpy, certs, tls_server, good_server):
    """The server closes TCP without close_notify: read returns what came,
    then b"" (as MicroPython's mbedTLS module and CPython's
    suppress_ragged_eofs do).  Python code cannot tell this end from a
    close_notify (docs/security.md)."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, connections=REPEAT + 1,
                     steps=[("recv", 4), ("send", b"hello"), ("close",)])
    body = ('s = ctx.wrap_socket(sock, server_hostname="localhost")\n'
            '        s.write(b"ping")\n'
            '        print(tag, "DATA", s.read(5), s.read(10), s.read(10))\n'
            '        raise OSError(0)')
    r = mpy.run(_snippet(srv.port, good_server.port, b(certs.root.cert.der.data), body=body), timeout=60)
    print(r)
    assert set(r.tagged("HOSTILE")) == {"DATA b'hello' b'' b''", "EXC OSError (0,)"}, r
    _check_after(r)


def _long_chain(directory, n, pad):
    """root -> n-1 intermediates (each with a `pad`-byte comment) -> leaf
    "localhost"; returns (root PEM path, chain file leaf first, leaf key)."""
    import subprocess as sp
    d = directory
    comment = "x" * pad

    def run(*args):
        sp.run(["openssl", *args], cwd=d, check=True, capture_output=True)
    run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "k0.pem")
    run("req", "-x509", "-new", "-key", "k0.pem", "-subj", "/CN=chain root", "-days", "30",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
        "-out", "c0.pem")
    for i in range(1, n):
        run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"k{i}.pem")
        run("req", "-x509", "-new", "-key", f"k{i}.pem", "-CA", f"c{i-1}.pem", "-CAkey", f"k{i-1}.pem",
            "-subj", f"/CN=intermediate {i}", "-days", "30",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
            "-addext", f"nsComment={comment}", "-out", f"c{i}.pem")
    run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "leaf.key")
    run("req", "-x509", "-new", "-key", "leaf.key", "-CA", f"c{n-1}.pem", "-CAkey", f"k{n-1}.pem",
        "-subj", "/CN=localhost", "-days", "30", "-addext", "subjectAltName=DNS:localhost",
        "-addext", "basicConstraints=CA:FALSE", "-out", "leaf.pem")
    chain = d / "chain.pem"
    chain.write_bytes(b"".join((d / f).read_bytes() for f in ["leaf.pem"] + [f"c{i}.pem" for i in range(n - 1, 0, -1)]))
    return d / "c0.pem", chain, d / "leaf.key"


@pytest.mark.parametrize("pad,verify,outcome", [
    (0, True, "SSLCertVerificationError"), (0, False, "ok"), (2600, True, "MemoryError"), (2600, False, "MemoryError"),
], ids=["20certs-verified", "20certs-unverified", "60KiB-verified", "60KiB-unverified"])
def test_chain_of_20_certificates(pad, verify, outcome, mpy, certs, tls_server, good_server, tmp_path):
    """A server sends 20 certificates (about 10 KiB; or about 60 KiB with a
    comment in each) in one Certificate message.  20 certificates verified:
    ValueError (the path is longer than webpki's limit of 6 intermediates);
    unverified: the connection works.  60 KiB: MemoryError either way (the
    message, its parse and the kept chain exceed the connection's 112 KiB
    arena limit, MODSSL_ARENA_LIMIT), and nothing leaks."""
    root, chain, key = _long_chain(tmp_path, 20, pad)
    srv = tls_server(chain, key, connections=REPEAT + 1, steps=[("recv", 5), ("send", b"hello"), ("recv_eof",)])
    body = ('s = ctx.wrap_socket(sock, server_hostname="localhost")\n'
            '        s.write(b"ping!")\n'
            '        print(tag, "DATA", s.read(5))\n'
            '        s.close()\n'
            '        raise OSError(0)')
    r = mpy.run(_snippet(srv.port, good_server.port, b(root.read_bytes()), body=body, verify=verify,
                         good_ca=b(certs.root.cert.der.data)), timeout=90)
    print(r)
    assert len(chain.read_bytes()) > (50000 if pad else 10000)
    if outcome == "ok":
        assert set(r.tagged("HOSTILE")) == {"DATA b'hello'", "EXC OSError (0,)"}, r
        _check_after(r)
    else:
        _check(r, outcome, None)


def test_renegotiation_request_after_handshake(mpy, certs, s_server, good_server):
    """A TLS 1.2 server (openssl s_server) asks to renegotiate after the
    handshake (HelloRequest).  rustls refuses renegotiation (a
    no_renegotiation warning); OpenSSL insists with a fatal alert, which the
    read reports as OSError(PEER_ALERT)."""
    leaf = certs["p256"]
    srv = s_server(leaf.cert.pem.path, leaf.key.pem.path, chain=certs.inter.cert.pem.path, version="1.2", mode=None)
    code = f'''
import gc
CA = {b(certs.root.cert.der.data)}
s = client({srv.port}, cadata=CA)
print("HANDSHAKE", s.version())
try:
    print("DATA", s.readline())
except Exception as e:
    show("HOSTILE", e)
s.close()
s = client({good_server.port}, cadata=CA)
s.write(b"ping")
print("GOOD", s.read(4))
s.close()
'''
    proc = mpy.start(code)
    assert proc.wait_for("HANDSHAKE"), proc.finish(5)
    srv.proc.stdin.write(b"R\n")
    srv.proc.stdin.flush()
    time.sleep(0.5)
    try:
        srv.proc.stdin.write(b"after\n")
        srv.proc.stdin.flush()
    except BrokenPipeError:
        pass      # s_server gave up on the refused renegotiation and exited
    r = proc.finish(30)
    print(r, srv.output())
    r.check()
    assert r.one("HANDSHAKE") == "TLSv1.2", r
    # rustls answers the HelloRequest with a no_renegotiation warning;
    # OpenSSL then ends the connection with a fatal alert.
    assert r.tagged("HOSTILE_ERRNO") == [str(PEER_ALERT)], r
    assert r.one("GOOD") == "b'pong'", r
