"""SSLSocket as a MicroPython stream: read/readinto/readline/write, the socket
aliases (recv/recv_into/send/sendall), non-blocking mode, use by stream
consumers (json, asyncio)."""
import json

from helpers.pypeers import tls_client
from helpers.snippets import b


def test_stream_methods(mpy, certs, tls_server):
    leaf = certs["p256"]
    payload = b"line one\nline two\n" + b"0123456789" + b"ABCDEFGH" + b"tail"
    srv = tls_server(leaf.chain.path, leaf.key.pem.path,
                     steps=[("send", payload), ("recv", 5 + 4 + 6 + 5), ("shutdown",)])
    r = mpy.run(f'''
s = client({srv.port}, cadata={b(certs.root.cert.der.data)})
print("RL1", s.readline())
print("RL2", s.readline())
buf = bytearray(10)
print("RI", s.readinto(buf), bytes(buf))
buf = bytearray(8)
print("RECV_INTO", s.recv_into(buf), bytes(buf))
d = b""
while len(d) < 4:
    d += s.recv(4 - len(d))
print("RECV", d)
print("WRITE", s.write(b"write"))
n = s.send(b"send")
print("SEND", n)
print("SENDALL", s.sendall(b"sendal"))
s.write(memoryview(b"xxmview")[2:])
print("EOF", s.read())
s.close()
''').check()
    assert r.one("RL1") == "b'line one\\n'", r
    assert r.one("RL2") == "b'line two\\n'", r
    assert r.one("RI") == "10 b'0123456789'", r
    assert r.one("RECV_INTO") == "8 b'ABCDEFGH'", r
    assert r.one("RECV") == "b'tail'", r
    assert r.one("WRITE") == "5", r
    assert r.one("SEND") == "4", r   # a short write is legal in general, but not for 4 bytes
    assert r.one("EOF") == "b''", r
    rec = srv.record()
    assert rec.received == b"writesendsendalmview", rec.received


def test_nonblocking_read(mpy, certs, tls_server):
    """setblocking(False): read() with nothing available returns None; data
    arriving later is read by polling.  The server waits for "go" first."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path,
                     steps=[("recv", 2), ("send", b"later"), ("recv_eof",)])
    r = mpy.run(f'''
import time
s = client({srv.port}, cadata={b(certs.root.cert.der.data)})
s.setblocking(False)
first = s.read(5)
print("FIRST", first)
s.setblocking(True)
s.write(b"go")
s.setblocking(False)
got = b""
for i in range(1000):
    d = s.read(5 - len(got))
    if d:
        got += d
        if len(got) == 5:
            break
    time.sleep_ms(10)
print("GOT", got)
s.setblocking(True)
s.close()
''').check()
    assert r.one("FIRST") == "None", r
    assert r.one("GOT") == "b'later'", r


def test_poll_on_sslsocket(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path,
                     steps=[("recv", 2), ("send", b"polled"), ("recv_eof",)])
    r = mpy.run(f'''
import select
s = client({srv.port}, cadata={b(certs.root.cert.der.data)})
s.setblocking(False)
p = select.poll()
p.register(s, select.POLLIN)
s.write(b"go")
got = b""
for i in range(50):
    ev = p.poll(200)
    if ev:
        d = s.read(6 - len(got))
        if d:
            got += d
    if len(got) == 6:
        break
print("GOT", got)
s.setblocking(True)
s.close()
''').check()
    assert r.one("GOT") == "b'polled'", r


def test_json_over_tls(mpy, certs, tls_server):
    # json.dump writes to the stream; json.load reads it char by char to EOF.
    leaf = certs["p256"]
    doc = {"answer": 42, "list": [1, 2, 3], "text": "tls"}
    srv = tls_server(leaf.chain.path, leaf.key.pem.path,
                     steps=[("recv_until", b"}"), ("send", json.dumps(doc).encode()), ("shutdown",)])
    r = mpy.run(f'''
import json
s = client({srv.port}, cadata={b(certs.root.cert.der.data)})
json.dump({{"ok": True}}, s)
doc = json.load(s)          # reads the stream to EOF (close_notify)
print("DOC", doc["answer"], doc["list"], doc["text"])
s.close()
''').check()
    assert r.one("DOC") == "42 [1, 2, 3] tls", r
    assert json.loads(bytes(srv.record().received)) == {"ok": True}


def test_asyncio_client(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path,
                     steps=[("recv", 11), ("send", b"async reply\n"), ("recv_eof",)])
    r = mpy.run(f'''
import asyncio
async def main():
    ctx = client_ctx({b(certs.root.cert.der.data)})
    reader, writer = await asyncio.open_connection("127.0.0.1", {srv.port}, ssl=ctx,
                                                  server_hostname="localhost")
    writer.write(b"client data")
    await writer.drain()
    print("LINE", await reader.readline())
    writer.close()
    await writer.wait_closed()
asyncio.run(asyncio.wait_for(main(), 15))
''').check()
    assert r.one("LINE") == "b'async reply\\n'", r
    assert srv.record().received == b"client data"


def test_asyncio_server(mpy_server, certs):
    leaf = certs["p256"]

    def make(port):
        return f'''
import asyncio
done = asyncio.Event()
async def handle(reader, writer):
    data = await reader.read(100)
    writer.write(b"echo:" + data)
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    print("HANDLED", data)
    done.set()
async def main():
    ctx = server_ctx({b(leaf.chain.data)}, {b(leaf.key.pem.data)})
    server = await asyncio.start_server(handle, "127.0.0.1", {port}, ssl=ctx)
    print("LISTENING")
    async with server:
        await asyncio.wait_for(done.wait(), 15)
asyncio.run(main())
'''
    proc, port = mpy_server(make)
    res = tls_client(port, cafile=certs.root.cert.pem.path, steps=[("send", b"aio"), ("recv_eof",)])
    r = proc.finish().check()
    assert res.received == b"echo:aio", (res, str(r))
    assert r.one("HANDLED") == "b'aio'", r
