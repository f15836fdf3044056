"""select.poll / ioctl(MP_STREAM_POLL) on an SSLSocket, as MicroPython's
mbedTLS module: POLLIN when decrypted bytes wait inside the TLS layer even if
the raw socket has nothing new; POLLOUT only when a write can progress; a
closed or failed socket reports POLLNVAL.  (MicroPython's own ssl_poll.py,
run by `make mp-suite`, covers the handshake redirection with a fake socket.)

No timing assertions: poll(0) is only asked about states that already hold."""

from helpers.snippets import b


def test_pollin_for_bytes_buffered_in_tls(mpy, certs, tls_server):
    """One record of 6 bytes: after read(1) the raw socket is empty, but
    poll(0) reports POLLIN for the 5 decrypted bytes left; once they are read,
    it does not (TLS 1.2: nothing else arrives after the handshake)."""
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version="1.2",
                     steps=[("send", b"abcdef"), ("recv", 2), ("shutdown",)])
    r = mpy.run(f'''
import select
s = client({srv.port}, cadata={b(certs.root.cert.der.data)})
print("ONE", s.read(1))
p = select.poll()
p.register(s, select.POLLIN)
ev = p.poll(0)
print("BUFFERED", len(ev), bool(ev and ev[0][1] & select.POLLIN))
print("REST", s.read(5))
print("AFTER", p.poll(0))
s.write(b"ok")
print("EOF", s.read(1))
s.close()
''').check()
    assert r.one("ONE") == "b'a'", r
    assert r.one("BUFFERED") == "1 True", r
    assert r.one("REST") == "b'bcdef'", r
    assert r.one("AFTER") == "[]", r
    assert r.one("EOF") == "b''", r


def test_pollout_only_when_a_write_can_progress(mpy, certs, slow_reader):
    """A peer that does not read: once write() returns None, POLLOUT is not
    reported (poll(0) is empty); after the peer drains, poll() reports it and
    the write goes through."""
    proc = mpy.start(f'''
import select
s = client({slow_reader.port}, cadata={b(certs.root.cert.der.data)})
s.setblocking(False)
p = select.poll()
p.register(s, select.POLLOUT)
ev = p.poll(0)
print("WRITABLE_AT_START", bool(ev and ev[0][1] & select.POLLOUT))
block = bytes(4096 * 4)
sent = 0
while True:
    n = s.write(block)
    if n is None:
        break
    sent += n
print("FULL", sent)
print("POLLOUT_WHEN_FULL", p.poll(0))
ev = p.poll()           # returns once the peer has drained
print("POLLOUT_LATER", bool(ev[0][1] & select.POLLOUT))
while True:
    n = s.write(block)
    if n is not None:
        sent += n
        break
    p.poll()
s.setblocking(True)
print("SENT", sent)
s.close()
''')
    assert proc.wait_for("POLLOUT_WHEN_FULL", timeout=60), proc.output()
    slow_reader.drain.set()
    r = proc.finish().check()
    assert r.one("WRITABLE_AT_START") == "True", r
    assert r.one("POLLOUT_WHEN_FULL") == "[]", r
    assert r.one("POLLOUT_LATER") == "True", r
    # Every byte write() reported reached the peer.
    rec = slow_reader.record(timeout=30)
    assert rec.error is None and rec.eof == "close_notify", (rec.error, rec.eof, r)
    assert len(rec.received) == int(r.one("SENT")), (len(rec.received), r)


def test_pollnval_after_close_and_after_error(mpy, certs, plain_server):
    """POLLNVAL once the socket is closed, and once a TLS error has been
    raised (here: the peer is not speaking TLS)."""
    srv = plain_server([("send", b"HTTP/1.0 400 Bad Request\r\n\r\n"), ("recv_eof",)])
    r = mpy.run(f'''
import select
POLLNVAL = 0x20   # MP_STREAM_POLL_NVAL (select has no name for it)
s = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
s.verify_mode = tls.CERT_NONE
s = s.wrap_socket(tcp({srv.port}), do_handshake_on_connect=False)
try:
    s.read(10)
except OSError as e:
    show("READ", e)
p = select.poll()
p.register(s, select.POLLIN)
ev = p.poll(0)
print("AFTER_ERROR", bool(ev and ev[0][1] & POLLNVAL))
s.close()
p2 = select.poll()
p2.register(s, select.POLLIN | select.POLLOUT)
ev = p2.poll(0)
print("AFTER_CLOSE", bool(ev and ev[0][1] & POLLNVAL))
''').check()
    assert r.one("READ_ERRNO") == "-29184", r
    assert r.one("AFTER_ERROR") == "True", r
    assert r.one("AFTER_CLOSE") == "True", r
