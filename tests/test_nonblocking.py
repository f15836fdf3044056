"""Non-blocking SSLSocket semantics, as MicroPython's mbedTLS module: with
setblocking(False) and do_handshake_on_connect=False the handshake advances
inside read()/write(); read()/readinto() return None when nothing can be
decrypted yet, write() returns None when the socket would block; EOF after
close_notify reads b""; a peer reset raises OSError(ECONNRESET).

No timing assertions: every wait is select.poll() without a timeout, or a
line the other side prints."""
import socket
import ssl
import struct
import threading

from helpers.snippets import b

PUMP = '''
import select, errno

def wait(s, ev):
    p = select.poll()
    p.register(s, ev)
    p.poll()

def read_all(s, n):
    got = b""
    nones = 0
    while len(got) < n:
        d = s.read(n - len(got))
        if d is None:
            nones += 1
            wait(s, select.POLLIN)
        elif d == b"":
            break
        else:
            got += d
    return got, nones

def write_all(s, data):
    mv = memoryview(data)
    nones = 0
    while mv:
        n = s.write(mv)
        if n is None:
            nones += 1
            wait(s, select.POLLOUT)
        else:
            mv = mv[n:]
    return nones
'''


def _nb_client(port, cadata, hostname="localhost"):
    return f'''
ctx = client_ctx({b(cadata)})
sock = tcp({port})
sock.setblocking(False)
s = ctx.wrap_socket(sock, server_hostname={hostname!r}, do_handshake_on_connect=False)
'''


def test_handshake_inside_write_then_read_and_eof(mpy, certs, tls_server):
    """The first write() drives the handshake (None until the server
    answers); data both ways; the server's close_notify reads as b""."""
    leaf = certs["p256"]
    # The server answers the ClientHello only after 0.3 s: the client's first
    # write() must come back with None (EAGAIN) rather than wait for it.
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, hello_delay=0.3,
                     steps=[("recv", 5), ("send", b"world"), ("shutdown",)])
    r = mpy.run(PUMP + _nb_client(srv.port, certs.root.cert.der.data) + '''
print("VERSION_BEFORE", s.version())
print("WRITE_NONES", write_all(s, b"hello"))
print("VERSION", s.version())
got, nones = read_all(s, 5)
print("GOT", got)
while True:
    d = s.read(10)
    if d is None:
        wait(s, select.POLLIN)
        continue
    print("EOF", d)
    break
s.close()
''').check()
    assert r.one("VERSION_BEFORE") == "None", r
    # write() gave None (not a spin, not a blocking wait) while the handshake
    # waited for the server's flight: at least once, and only a few times
    # (each None is followed by a poll for POLLOUT/POLLIN progress).
    assert 1 <= int(r.one("WRITE_NONES")) <= 20, r
    assert r.one("VERSION") in ("TLSv1.3", "TLSv1.2"), r
    assert r.one("GOT") == "b'world'", r
    assert r.one("EOF") == "b''", r
    assert srv.record().received == b"hello"


def test_handshake_inside_read_and_readinto_none(mpy, certs, tls_server):
    """A client that reads first: read() and readinto() return None while
    the handshake (and then the data) is on its way."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path,
                     steps=[("recv", 2), ("send", b"0123456789"), ("recv_eof",)])
    r = mpy.run(PUMP + _nb_client(srv.port, certs.root.cert.der.data) + '''
print("FIRST_READ", s.read(4))
buf = bytearray(4)
print("FIRST_READINTO", s.readinto(buf))
# Finish the handshake inside read(), then ask for the data.
while s.version() is None:
    # read() may finish the handshake and still return None: then there is
    # nothing to wait for (poll reports POLLIN only for application data).
    if s.read(1) is None and s.version() is None:
        wait(s, select.POLLIN)
print("NO_DATA_YET", s.read(4), s.readinto(buf))
write_all(s, b"go")
got, _ = read_all(s, 6)
n = None
while n is None:
    n = s.readinto(buf)
    if n is None:
        wait(s, select.POLLIN)
print("GOT", got, n, bytes(buf[:n]))
s.close()
''').check()
    assert r.one("FIRST_READ") == "None", r
    assert r.one("FIRST_READINTO") == "None", r
    assert r.one("NO_DATA_YET") == "None None", r
    assert r.one("GOT") == "b'012345' 4 b'6789'", r


def test_write_returns_none_when_the_socket_is_full(mpy, certs, slow_reader):
    """A peer that does not read: write() takes bytes until the socket is
    full, then returns None (not a short count forever, not an exception);
    once the peer drains, every byte write() reported arrives, in order."""
    proc = mpy.start(PUMP + f'''
s = client({slow_reader.port}, cadata={b(certs.root.cert.der.data)})
s.setblocking(False)
''' + '''
import hashlib
block = bytes(range(256)) * 64       # 16 KiB
h = hashlib.sha256()
sent = 0
while True:
    n = s.write(block)
    if n is None:
        break
    h.update(block[:n])
    sent += n
    if sent > 64 * 1024 * 1024:
        break
print("FULL", sent)
# write() took `block` but could not send all of its record: as MicroPython's
# module, it reported None, and the retry with the same data reports it.
rest = block
write_all(s, rest)
h.update(rest)
sent += len(rest)
print("SENT", sent, binascii.hexlify(h.digest()).decode())
s.close()
''')
    assert proc.wait_for("FULL", timeout=60), proc.output()
    slow_reader.drain.set()
    r = proc.finish().check()
    rec = slow_reader.record(timeout=60)
    sent_line = r.one("SENT").split()
    full = int(r.one("FULL"))
    assert 0 < full < 64 * 1024 * 1024, r
    data = bytes(rec.received)
    assert rec.error is None and rec.eof == "close_notify", (rec.error, rec.eof, len(data), r)
    import hashlib
    assert len(data) == int(sent_line[0]), (len(data), r)
    assert hashlib.sha256(data).hexdigest() == sent_line[1], r


def test_peer_reset_raises_econnreset(mpy, certs):
    """The peer resets the TCP connection (SO_LINGER 0): read() raises
    OSError(ECONNRESET), blocking or not, and does not return b""."""
    leaf = certs["p256"]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(leaf.chain.path), str(leaf.key.pem.path))
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(2)
    lsock.settimeout(30)
    port = lsock.getsockname()[1]

    def serve():
        for _ in range(2):
            raw, _ = lsock.accept()
            conn = ctx.wrap_socket(raw, server_side=True)
            conn.settimeout(30)
            conn.recv(2)      # the client is ready
            # RST, no close_notify (wrap_socket took over raw's descriptor).
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            socket.socket(fileno=conn.detach()).close()
        lsock.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    r = mpy.run(PUMP + f'''
for blocking in (True, False):
    s = client({port}, cadata={b(certs.root.cert.der.data)})
    s.write(b"go")
    s.setblocking(blocking)
    try:
        while True:
            d = s.read(10)
            if d is None:
                wait(s, select.POLLIN)
                continue
            print("READ", blocking, d)
            break
    except OSError as e:
        print("RESET", blocking, e.errno == errno.ECONNRESET, e.errno)
    s.close()
''').check()
    t.join(30)
    assert r.tagged("READ") == [], r
    assert [ln.split()[:2] for ln in r.tagged("RESET")] == [["True", "True"], ["False", "True"]], r


def test_bytes_a_write_reported_are_not_lost_at_close(mpy, certs, tls_server):
    """write() on a full non-blocking socket reports bytes only once their
    record is on the wire (None before that, as MicroPython's mbedTLS module):
    a caller that closes right after "everything was written" loses nothing
    (asyncio's drain() then close()).  The server reads nothing for a second,
    so the socket fills; then it reads to EOF."""
    leaf = certs["p256"]
    # TLS 1.2: no session tickets after the handshake, which the client would
    # leave unread, and a close with unread data is a reset that discards
    # what the peer has not read yet.
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version="1.2",
                     steps=[("sleep", 1.0), ("recv_eof",)])
    r = mpy.run(PUMP + _nb_client(srv.port, certs.root.cert.der.data) + '''
write_all(s, b"hello")
chunk = b"x" * 4096
total = 5
while True:
    n = s.write(chunk)
    if n is None:
        break
    total += n
print("REPORTED", total)
s.close()
''').check()
    reported = int(r.one("REPORTED"))
    assert reported > 65536, r   # the socket really filled up first
    rec = srv.record()
    got = bytes(rec.received)
    assert got[:5] == b"hello" and set(got[5:]) <= {ord("x")}, "the peer got other bytes"
    assert len(got) >= reported, (len(got), reported)
