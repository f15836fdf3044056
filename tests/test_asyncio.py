"""asyncio streams over TLS: MicroPython's ``extmod/asyncio`` (frozen into the
binary) with ``open_connection(..., ssl=ctx, server_hostname=...)`` and
``start_server(cb, host, port, ssl=ctx)``, in both roles: ``readline()``,
1 MiB each way (byte-exact), and 20 connections open at the same time.

Concurrency is proven, not timed: the servers answer no connection until all
20 have sent their request, so the test can only pass if 20 TLS connections
are open at once.
"""
from __future__ import annotations

import threading

import pytest

from helpers.data import MIB, pattern, sha256_hex
from helpers.pypeers import tls_client
from helpers.snippets import b

EXPECTED = sha256_hex(pattern(MIB))
N_CONN = 20

# asyncio twins of the prelude's send_pattern()/recv_hash().
ASYNC_HELPERS = r'''
import asyncio

async def asend_pattern(writer, n):
    for i in range(n // 4096):
        writer.write(pattern_block(i))
        await writer.drain()

async def start_tls_server(handle, port, ctx, backlog=5):
    # asyncio.start_server(..., ssl=ctx); a port taken meanwhile -> BINDFAIL,
    # which makes the mpy_server fixture retry with another port.
    try:
        return await asyncio.start_server(handle, "127.0.0.1", port, backlog=backlog, ssl=ctx)
    except OSError as e:
        print("BINDFAIL", e)
        sys.exit(3)

async def arecv_hash(reader, limit=None):
    h = hashlib.sha256()
    n = 0
    while limit is None or n < limit:
        d = await reader.read(4096 if limit is None else min(4096, limit - n))
        if not d:
            break
        h.update(d)
        n += len(d)
    return n, hexs(h.digest())
'''

LINES = [b"line %d: the quick brown fox\n" % i for i in range(40)]


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_client_readline_and_1mib_each_way(mpy, certs, tls_server, version):
    leaf = certs["rsa"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version=version,
                     steps=[("send", b"".join(LINES) + b"partial"), ("recv", MIB),
                            ("send_pattern", MIB), ("shutdown",)])
    r = mpy.run(ASYNC_HELPERS + f'''
async def main():
    ctx = client_ctx({b(certs.root.cert.der.data)})
    reader, writer = await asyncio.open_connection("127.0.0.1", {srv.port}, ssl=ctx,
                                                  server_hostname="localhost")
    for i in range({len(LINES)}):
        print("LINE", await reader.readline())
    print("PARTIAL", await reader.readexactly(7))
    await asend_pattern(writer, {MIB})
    print("DOWN", *(await arecv_hash(reader)))
    print("VERSION", writer.s.version())
    writer.close()
    await writer.wait_closed()
    print("CLOSED")

asyncio.run(asyncio.wait_for(main(), 60))
''', timeout=120).check()
    assert r.tagged("LINE") == [repr(ln) for ln in LINES], r
    assert r.one("PARTIAL") == "b'partial'", r
    assert r.one("DOWN") == f"{MIB} {EXPECTED}", r
    assert r.one("VERSION") == {"1.2": "TLSv1.2", "1.3": "TLSv1.3"}[version], r
    rec = srv.record(timeout=60)
    assert rec.error is None, rec.error
    assert rec.sni == "localhost", rec
    assert len(rec.received) == MIB and sha256_hex(bytes(rec.received)) == EXPECTED
    assert rec.unwrap == "ok", rec.unwrap   # our close() answered with close_notify


def test_client_verification_failure_raises(mpy, certs, tls_server):
    """open_connection() to a server whose name does not match: the error
    surfaces from the first stream operation (the handshake is lazy)."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("send", b"secret\n")])
    r = mpy.run(ASYNC_HELPERS + f'''
async def main():
    ctx = client_ctx({b(certs.root.cert.der.data)})
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", {srv.port}, ssl=ctx,
                                                      server_hostname="wrong.example")
        writer.write(b"GET\\n")
        await writer.drain()
        print("LINE", await reader.readline())
    except Exception as e:
        show("AIO", e)

asyncio.run(asyncio.wait_for(main(), 20))
''').check()
    assert not r.tagged("LINE"), r
    assert r.one("AIO").startswith("EXC SSLCertVerificationError"), r
    assert "hostname mismatch" in r.one("AIO"), r


def test_server_readline_and_1mib_each_way(mpy_server, certs):
    leaf = certs["p256"]

    def make(port):
        return ASYNC_HELPERS + f'''
done = asyncio.Event()
async def handle(reader, writer):
    try:
        print("LINE", await reader.readline())
        print("LINE", await reader.readline())
        print("UP", *(await arecv_hash(reader, {MIB})))
        await asend_pattern(writer, {MIB})
        writer.close()
        await writer.wait_closed()
        print("HANDLED")
    except Exception as e:
        show("HANDLER", e)
    done.set()

async def main():
    ctx = server_ctx({b(leaf.chain.data)}, {b(leaf.key.pem.data)})
    server = await start_tls_server(handle, {port}, ctx)
    print("LISTENING")
    async with server:
        await asyncio.wait_for(done.wait(), 60)

asyncio.run(main())
'''
    proc, port = mpy_server(make)
    res = tls_client(port, cafile=certs.root.cert.pem.path, timeout=60,
                     steps=[("send", b"hello\nsecond line\n"), ("send_pattern", MIB), ("recv_eof",)])
    r = proc.finish(120).check()
    assert r.tagged("LINE") == ["b'hello\\n'", "b'second line\\n'"], r
    assert r.one("UP") == f"{MIB} {EXPECTED}", r
    assert "HANDLED" in r.lines, r
    assert res.error is None, res.error
    assert len(res.received) == MIB and sha256_hex(bytes(res.received)) == EXPECTED
    assert res.eof == "close_notify", res.eof


def barrier_server(cert: bytes, key: bytes, n: int):
    """A MicroPython asyncio TLS server: each connection sends one line; no
    connection is answered before all ``n`` lines are in; then each gets
    ``echo:<line>`` and 16 KiB of pattern, and is closed."""
    def make(port):
        return ASYNC_HELPERS + f'''
everyone = asyncio.Event()
finished = asyncio.Event()
state = {{"in": 0, "out": 0, "max_open": 0, "open": 0}}

async def handle(reader, writer):
    state["open"] += 1
    state["max_open"] = max(state["max_open"], state["open"])
    try:
        line = await reader.readline()
        state["in"] += 1
        if state["in"] == {n}:
            everyone.set()
        await everyone.wait()
        writer.write(b"echo:" + line)
        await asend_pattern(writer, 16384)
        writer.close()
        await writer.wait_closed()
        state["out"] += 1
    except Exception as e:
        show("HANDLER", e)
    state["open"] -= 1
    if state["out"] == {n}:
        finished.set()

async def main():
    ctx = server_ctx({b(cert)}, {b(key)})
    server = await start_tls_server(handle, {port}, ctx, backlog={n})
    print("LISTENING")
    async with server:
        await asyncio.wait_for(finished.wait(), 90)
    print("SERVED", state["out"], "MAX_OPEN", state["max_open"])

asyncio.run(main())
'''
    return make


def test_server_20_concurrent_clients(mpy_server, certs):
    """20 CPython clients connect at once; the asyncio server holds all 20."""
    leaf = certs["rsa"]
    proc, port = mpy_server(barrier_server(leaf.chain.data, leaf.key.pem.data, N_CONN))
    results = [None] * N_CONN

    def one(i):
        results[i] = tls_client(port, cafile=certs.root.cert.pem.path, timeout=60,
                                steps=[("send", b"client %d\n" % i), ("recv_eof",)])
    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(N_CONN)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    r = proc.finish(60).check()
    assert r.one("SERVED") == f"{N_CONN} MAX_OPEN {N_CONN}", r
    assert not r.tagged("HANDLER"), r
    for i, res in enumerate(results):
        assert res is not None and res.error is None, (i, res)
        assert bytes(res.received) == b"echo:client %d\n" % i + pattern(16384), (i, len(res.received))
        assert res.eof == "close_notify", (i, res.eof)


def test_client_20_concurrent_connections(mpy, mpy_server, certs):
    """20 asyncio client tasks in one MicroPython process, to the asyncio
    server in another: both ends hold 20 TLS connections at once."""
    leaf = certs["p256"]
    proc, port = mpy_server(barrier_server(leaf.chain.data, leaf.key.pem.data, N_CONN))
    r = mpy.run(ASYNC_HELPERS + f'''
ctx = client_ctx({b(certs.root.cert.der.data)})
async def one(i):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", {port}, ssl=ctx,
                                                      server_hostname="localhost")
        writer.write(b"client %d\\n" % i)
        await writer.drain()
        line = await reader.readline()
        n, h = await arecv_hash(reader)
        writer.close()
        await writer.wait_closed()
        print("CONN", i, line, n, h)
    except Exception as e:
        show("CONN %d" % i, e)

async def main():
    await asyncio.gather(*[one(i) for i in range({N_CONN})])

asyncio.run(asyncio.wait_for(main(), 90))
''', timeout=120)
    srv = proc.finish(60)
    r.check()
    srv.check()
    want = sha256_hex(pattern(16384))
    conns = sorted(r.tagged("CONN"), key=lambda ln: int(ln.split()[0]))
    assert conns == [f"{i} b'echo:client {i}\\n' 16384 {want}" for i in range(N_CONN)], r
    assert srv.one("SERVED") == f"{N_CONN} MAX_OPEN {N_CONN}", srv


def test_server_speaks_first_both_ends_asyncio(mpy, mpy_server, certs):
    """An SMTP-like protocol: the server writes a greeting before reading, the
    client reads before writing; both ends asyncio, both handshakes lazy."""
    leaf = certs["p384"]

    def make(port):
        return ASYNC_HELPERS + f'''
done = asyncio.Event()
async def handle(reader, writer):
    try:
        writer.write(b"220 modssl ready\\r\\n")
        await writer.drain()
        cmd = await reader.readline()
        writer.write(b"250 got " + cmd)
        await writer.drain()
        print("SERVER_GOT", cmd)
        writer.close()
        await writer.wait_closed()
    except Exception as e:
        show("HANDLER", e)
    done.set()

async def main():
    ctx = server_ctx({b(leaf.chain.data)}, {b(leaf.key.pem.data)})
    server = await start_tls_server(handle, {port}, ctx)
    print("LISTENING")
    async with server:
        await asyncio.wait_for(done.wait(), 20)

asyncio.run(main())
'''
    proc, port = mpy_server(make)
    r = mpy.run(ASYNC_HELPERS + f'''
async def main():
    ctx = client_ctx({b(certs.root.cert.der.data)})
    reader, writer = await asyncio.open_connection("127.0.0.1", {port}, ssl=ctx,
                                                  server_hostname="localhost")
    print("GREETING", await reader.readline())
    writer.write(b"HELO micropython\\r\\n")
    await writer.drain()
    print("REPLY", await reader.readline())
    print("EOF", await reader.read(10))
    writer.close()
    await writer.wait_closed()

asyncio.run(asyncio.wait_for(main(), 20))
''', timeout=30)
    srv = proc.finish(30)
    r.check()
    srv.check()
    assert r.one("GREETING") == "b'220 modssl ready\\r\\n'", r
    assert r.one("REPLY") == "b'250 got HELO micropython\\r\\n'", r
    assert r.one("EOF") == "b''", r
    assert srv.one("SERVER_GOT") == "b'HELO micropython\\r\\n'", srv


def test_poll_lets_a_reader_send_the_deferred_client_hello(mpy, certs, tls_server):
    """Below asyncio: do_handshake_on_connect=False on a non-blocking socket,
    then select.poll for POLLIN only.  The ClientHello is still inside the TLS
    layer, so poll must let the reader in (read() sends it and returns None)
    rather than wait for a server that waits for the ClientHello."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("send", b"server first\n"),
                                                                ("recv_eof",)])
    r = mpy.run(f'''
import select, errno
ctx = client_ctx({b(certs.root.cert.der.data)})
raw = socket.socket()
raw.setblocking(False)
try:
    raw.connect(addr({srv.port}))
except OSError as e:
    assert e.errno == errno.EINPROGRESS
s = ctx.wrap_socket(raw, server_hostname="localhost", do_handshake_on_connect=False)
p = select.poll()
p.register(s, select.POLLIN)
got = b""
for i in range(200):
    ev = p.poll(5000)
    if not ev:
        print("POLL TIMEOUT", i)
        break
    d = s.read(100)
    if d:
        got += d
        if got.endswith(b"\\n"):
            break
print("GOT", got)
s.close()
''').check()
    assert r.one("GOT") == "b'server first\\n'", r
    assert not r.tagged("POLL"), r


def test_server_survives_bad_clients(mpy_server, certs, plain_server):
    """A plain-TCP client and a client that hangs up mid-handshake fail in
    their handlers only; the asyncio server then serves a good client."""
    leaf = certs["p256"]

    def make(port):
        return ASYNC_HELPERS + f'''
done = asyncio.Event()
async def handle(reader, writer):
    try:
        line = await reader.readline()
        writer.write(b"ok:" + line)
        await writer.drain()
        print("SERVED", line)
        done.set()
    except Exception as e:
        print("HANDLER_FAILED", type(e).__name__)
    writer.close()
    await writer.wait_closed()

async def main():
    ctx = server_ctx({b(leaf.chain.data)}, {b(leaf.key.pem.data)})
    server = await start_tls_server(handle, {port}, ctx)
    print("LISTENING")
    async with server:
        await asyncio.wait_for(done.wait(), 30)

asyncio.run(main())
'''
    import socket as pysocket
    proc, port = mpy_server(make)
    with pysocket.create_connection(("127.0.0.1", port), timeout=10) as c:
        c.sendall(b"GET / HTTP/1.0\r\n\r\n")
        try:
            c.recv(100)   # the server's alert (or EOF)
        except OSError:
            pass
    with pysocket.create_connection(("127.0.0.1", port), timeout=10) as c:
        c.sendall(b"\x16\x03\x01\x00\x50")   # a ClientHello's record header, then nothing
    res = tls_client(port, cafile=certs.root.cert.pem.path, timeout=20,
                     steps=[("send", b"good client\n"), ("recv", 15)])
    r = proc.finish(30).check()
    assert res.error is None and bytes(res.received) == b"ok:good client\n", res
    assert r.one("SERVED") == "b'good client\\n'", r
    assert r.tagged("HANDLER_FAILED") == ["SSLError", "SSLError"], r


def test_open_connection_ssl_true(mpy, certs, tls_server):
    """open_connection(..., ssl=True) makes its own ssl.SSLContext (no
    verification, as MicroPython's ssl defaults to CERT_NONE) and sends the
    host name as SNI."""
    leaf = certs["untrusted"]
    srv = tls_server(leaf.cert.pem.path, leaf.key.pem.path,
                     steps=[("recv", 4), ("send", b"pong\n"), ("recv_eof",)])
    r = mpy.run(ASYNC_HELPERS + f'''
async def main():
    reader, writer = await asyncio.open_connection("localhost", {srv.port}, ssl=True)
    writer.write(b"ping")
    await writer.drain()
    print("LINE", await reader.readline())
    writer.close()
    await writer.wait_closed()
asyncio.run(asyncio.wait_for(main(), 15))
''').check()
    assert r.one("LINE") == "b'pong\\n'", r
    rec = srv.record()
    assert rec.received == b"ping" and rec.sni == "localhost", rec


ALL_SIZE = 256 * 1024


def test_client_read_all_until_eof(mpy, certs, tls_server):
    """``await reader.read()`` (no size) collects 256 KiB until close_notify
    (the stream concatenates as it goes: 1 MiB would need several MiB of a
    default 2 MiB heap)."""
    leaf = certs["rsa"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path,
                     steps=[("recv", 2), ("send_pattern", ALL_SIZE), ("shutdown",)])
    r = mpy.run(ASYNC_HELPERS + f'''
async def main():
    ctx = client_ctx({b(certs.root.cert.der.data)})
    reader, writer = await asyncio.open_connection("127.0.0.1", {srv.port}, ssl=ctx,
                                                  server_hostname="localhost")
    writer.write(b"go")
    await writer.drain()
    data = await reader.read()
    print("ALL", len(data), sha(data))
    writer.close()
    await writer.wait_closed()
asyncio.run(asyncio.wait_for(main(), 60))
''', timeout=90).check()
    assert r.one("ALL") == f"{ALL_SIZE} {sha256_hex(pattern(ALL_SIZE))}", r
    assert srv.record(timeout=60).unwrap == "ok"
