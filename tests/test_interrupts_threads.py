"""Interrupts and threads (issue 7).

* Ctrl-C (SIGINT to the MicroPython process) while a blocking handshake
  waits for a silent server, and while a read waits for data: the snippet
  gets KeyboardInterrupt, the heap goes back to its baseline once the
  sockets are closed, and the next connection works.
* ``_thread``: several threads, each owning its connections (one shared
  context), handshake and transfer at the same time.
* Overlap, as a client and as a server: thread A's connection is held
  mid-handshake by its peer until thread B's connection has finished a
  handshake and an echo, which fails (after a bounded wait, with a message
  saying so) if TLS calls on two threads are serialized across socket I/O.
"""
from __future__ import annotations

import signal
import threading
import time

import pytest

from helpers.net import free_port
from helpers.rawpeers import RawPeer, recv_record, wait_eof
from helpers.snippets import b

# Signals to a host process, and peers on the host's loopback.
pytestmark = pytest.mark.host_only

INTERRUPTS = r'''
import gc
CA = {ca}
ctx = client_ctx(CA)

def good():
    s = ctx.wrap_socket(tcp({good}), server_hostname="localhost")
    s.write(b"ping")
    d = s.read(4)
    s.close()
    return d

good()
gc.collect()
base = gc.mem_alloc()
sock = tcp({stall})
try:
    print("HANDSHAKE")
    s = ctx.wrap_socket(sock, server_hostname="localhost")
    print("NOT_INTERRUPTED handshake")
except KeyboardInterrupt:
    print("KBI handshake")
sock.close()
s = ctx.wrap_socket(tcp({quiet}), server_hostname="localhost")
s.write(b"ping")
try:
    print("READING")
    s.read(4)
    print("NOT_INTERRUPTED read")
except KeyboardInterrupt:
    print("KBI read")
s.close()
s = None
gc.collect()
print("LEAK", gc.mem_alloc() - base)
print("GOOD", good())
'''


def test_ctrl_c_during_handshake_and_read(mpy, certs, tls_server):
    leaf = certs["p256"]
    good = tls_server(leaf.chain.path, leaf.key.pem.path, connections=2,
                      steps=[("recv", 4), ("send", b"pong"), ("recv_eof",)])
    quiet = tls_server(leaf.chain.path, leaf.key.pem.path, steps=[("recv", 4), ("recv_eof",)])
    hello = threading.Event()

    def stall(conn):
        recv_record(conn)
        hello.set()          # the client now waits for a ServerHello
        wait_eof(conn)

    peer = RawPeer(stall)
    try:
        proc = mpy.start(INTERRUPTS.format(ca=b(certs.root.cert.der.data), good=good.port,
                                           stall=peer.port, quiet=quiet.port))
        assert proc.wait_for("HANDSHAKE") and hello.wait(20), proc.finish(5)
        proc.proc.send_signal(signal.SIGINT)
        assert proc.wait_for("READING"), proc.finish(5)
        # The server has the ping once the client is (about to be) in read().
        quiet_rec = quiet.records[0]
        deadline = time.monotonic() + 20
        while len(quiet_rec.received) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        proc.proc.send_signal(signal.SIGINT)
        r = proc.finish(30)
    finally:
        peer.close()
    print(r)
    r.check()
    assert "KBI handshake" in r.lines and "KBI read" in r.lines, r
    assert int(r.one("LEAK")) <= 256, ("an interrupted connection leaked heap", r)
    assert r.one("GOOD") == "b'pong'", r


THREADS = r'''
import _thread, time, gc
CA = {ca}
ctx = client_ctx(CA)
THREADS = {threads}
ROUNDS = {rounds}
lock = _thread.allocate_lock()
results = []

def worker(i):
    ok = 0
    for k in range(ROUNDS):
        try:
            s = ctx.wrap_socket(tcp({port}), server_hostname="localhost")
            msg = b"t%02d-%02d" % (i, k)
            s.write(msg)
            d = s.read(len(msg))
            s.close()
            if d == msg:
                ok += 1
        except Exception as e:
            with lock:
                results.append("ERR %d %r" % (i, e))
    with lock:
        results.append("OK %d %d" % (i, ok))

for i in range(THREADS):
    _thread.start_new_thread(worker, (i,))
while True:
    with lock:
        if len([r for r in results if r.startswith("OK")]) == THREADS:
            break
    time.sleep_ms(20)
for r in results:
    print("RESULT", r)
'''


class EchoServer:
    """A threaded CPython TLS echo server: one thread per connection, so
    MicroPython's threads really run their handshakes concurrently."""

    def __init__(self, certfile, keyfile):
        import socket
        import ssl
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(str(certfile), str(keyfile))
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.errors = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(raw,), daemon=True).start()

    def _handle(self, raw):
        raw.settimeout(30)
        try:
            with self.ctx.wrap_socket(raw, server_side=True) as c:
                while True:
                    d = c.recv(4096)
                    if not d:
                        break
                    c.sendall(d)
        except OSError as e:
            self.errors.append(repr(e))

    def close(self):
        self.sock.close()


def test_threads_each_owning_connections(mpy, certs):
    leaf = certs["p256"]
    srv = EchoServer(leaf.chain.path, leaf.key.pem.path)
    try:
        r = mpy.run(THREADS.format(ca=b(certs.root.cert.der.data), threads=4, rounds=5, port=srv.port),
                    timeout=120)
    finally:
        srv.close()
    print(r)
    r.check()
    results = r.tagged("RESULT")
    assert sorted(results) == [f"OK {i} 5" for i in range(4)], r


# ---- connections on two threads overlap (issue 18) ----------------------------
# Thread A's connection is held mid-handshake by its peer until thread B's
# connection has done its whole handshake and an echo.  TLS calls serialized
# by a lock held across blocking socket I/O (or by any other means) would keep
# B waiting behind A: the peers then give up waiting after OVERLAP_WAIT
# seconds, carry on so that nothing hangs, and the test fails saying so.
OVERLAP_WAIT = 30
SERIALIZED = ("thread B's connection could not complete its handshake and an echo while thread A's "
              "was blocked mid-handshake: TLS connections on two threads do not overlap "
              "(a lock held across blocking socket I/O?)")

OVERLAP_CLIENTS = r'''
import _thread, time
ctx = client_ctx({ca})
lock = _thread.allocate_lock()
done = []

def worker(name, port):
    msg = b"ping-" + name.lower().encode()
    try:
        s = ctx.wrap_socket(tcp(port), server_hostname="localhost")
        s.write(msg)
        d = s.read(len(msg))
        s.write(b"done")       # the peer learns that the echo arrived
        s.close()
        r = "OK %s %r" % (name, d)
    except Exception as e:
        r = "ERR %s %r" % (name, e)
    with lock:
        done.append(r)

def wait_and_report():
    deadline = time.time() + {limit}
    while time.time() < deadline and len(done) < 2:
        time.sleep_ms(20)
    with lock:
        for r in done:
            print("RESULT", r)
    print("FINISHED", len(done))

# No global is made once the threads run: the unix port has no GIL, and a
# globals dict that grows while a thread looks a name up can miss it (CI
# once saw thread B fail with NameError for tcp when `deadline` was made here).
_thread.start_new_thread(worker, ("A", {port_a}))
_thread.start_new_thread(worker, ("B", {port_b}))
wait_and_report()
'''


def _echo_until_done(c):
    """Echo the client's 6-byte message, then read its b"done"."""
    msg = b""
    while len(msg) < 6:
        d = c.recv(6 - len(msg))
        if not d:
            raise OSError("EOF before the message")
        msg += d
    c.sendall(msg)
    fin = b""
    while len(fin) < 4:
        d = c.recv(4 - len(fin))
        if not d:
            raise OSError("EOF before done")
        fin += d
    return msg, fin


class HeldBackServers:
    """Two CPython TLS servers.  A reads nothing after the ClientHello has
    arrived (so client A waits for a ServerHello) until B has seen its
    client's handshake, echo and b"done"; B does not start its handshake
    before A has the ClientHello in hand."""

    def __init__(self, certfile, keyfile):
        import socket
        import ssl
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(str(certfile), str(keyfile))
        self.a_hello = threading.Event()   # A's ClientHello is in, A waits for us
        self.b_done = threading.Event()    # B: handshake, echo and b"done" seen
        self.a_waited_ok = None            # B finished while A was held back
        self.b_started_ok = None           # A was held back before B started
        self.errors = []
        self.socks = []
        self.ports = []
        for serve in (self._serve_a, self._serve_b):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            s.settimeout(OVERLAP_WAIT * 3)
            self.socks.append(s)
            self.ports.append(s.getsockname()[1])
            threading.Thread(target=serve, args=(s,), daemon=True).start()

    def _serve_a(self, lsock):
        import socket
        try:
            raw, _ = lsock.accept()
            raw.settimeout(OVERLAP_WAIT * 3)
            deadline = time.monotonic() + OVERLAP_WAIT
            while len(raw.recv(5, socket.MSG_PEEK)) < 5 and time.monotonic() < deadline:
                time.sleep(0.01)
            self.a_hello.set()
            self.a_waited_ok = self.b_done.wait(OVERLAP_WAIT)
            with self.ctx.wrap_socket(raw, server_side=True) as c:
                _echo_until_done(c)
        except OSError as e:
            self.errors.append(f"A: {e!r}")

    def _serve_b(self, lsock):
        try:
            raw, _ = lsock.accept()
            raw.settimeout(OVERLAP_WAIT * 3)
            self.b_started_ok = self.a_hello.wait(OVERLAP_WAIT)
            with self.ctx.wrap_socket(raw, server_side=True) as c:
                _echo_until_done(c)
                self.b_done.set()
        except OSError as e:
            self.errors.append(f"B: {e!r}")

    def close(self):
        for s in self.socks:
            s.close()


def test_client_connections_on_two_threads_overlap(mpy, certs):
    """Client role: thread A's handshake is held back by its server until
    thread B's connection has completed a handshake and an echo."""
    leaf = certs["p256"]
    srv = HeldBackServers(leaf.chain.path, leaf.key.pem.path)
    try:
        r = mpy.run(OVERLAP_CLIENTS.format(ca=b(certs.root.cert.der.data), port_a=srv.ports[0],
                                           port_b=srv.ports[1], limit=OVERLAP_WAIT * 3),
                    timeout=OVERLAP_WAIT * 4)
    finally:
        srv.close()
    print(r, srv.errors)
    assert srv.b_started_ok is not None and srv.a_waited_ok is not None, ("the servers saw no clients", r)
    assert srv.b_started_ok and srv.a_waited_ok, (SERIALIZED, r, srv.errors)
    r.check()
    assert sorted(r.tagged("RESULT")) == ["OK A b'ping-a'", "OK B b'ping-b'"], (r, srv.errors)
    assert not srv.errors, srv.errors


OVERLAP_SERVERS = r'''
import _thread, time
sctx = server_ctx({cert!r}, {key!r})
la = listener({port_a})
lb = listener({port_b})
lock = _thread.allocate_lock()
done = []

def serve(name, l):
    try:
        c, _ = l.accept()
        s = sctx.wrap_socket(c, server_side=True)
        d = s.read(6)
        s.write(d)
        fin = s.read(4)
        s.close()
        r = "OK %s %r %r" % (name, d, fin)
    except Exception as e:
        r = "ERR %s %r" % (name, e)
    with lock:
        done.append(r)

def wait_and_report():
    deadline = time.time() + {limit}
    while time.time() < deadline and len(done) < 2:
        time.sleep_ms(20)
    with lock:
        for r in done:
            print("RESULT", r)
    print("FINISHED", len(done))

# No global is made once the threads run: the unix port has no GIL, and a
# globals dict that grows while a thread looks a name up can miss it (CI
# once saw thread B fail with NameError for tcp when `deadline` was made here).
_thread.start_new_thread(serve, ("A", la))
_thread.start_new_thread(serve, ("B", lb))
print("READY")
wait_and_report()
'''


class StallingClients:
    """Two CPython TLS clients of two MicroPython servers.  A sends its
    ClientHello, reads the server's first flight and then holds back its
    Finished (MicroPython's thread A waits for it) until B has done its
    handshake, an echo and b"done"; B starts once A has the server's flight."""

    def __init__(self, cafile, port_a, port_b):
        import ssl
        self.ctx = ssl.create_default_context(cafile=str(cafile))
        self.ports = (port_a, port_b)
        self.a_mid = threading.Event()
        self.b_done = threading.Event()
        self.a_waited_ok = None
        self.b_started_ok = None
        self.errors = []
        self.threads = [threading.Thread(target=f, daemon=True) for f in (self._client_a, self._client_b)]
        for t in self.threads:
            t.start()

    def _client_a(self):
        import socket
        import ssl
        try:
            raw = socket.create_connection(("127.0.0.1", self.ports[0]), timeout=OVERLAP_WAIT * 3)
            inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
            obj = self.ctx.wrap_bio(inc, out, server_hostname="localhost")

            def step(fn, *args):
                # Run fn, feeding the socket until it stops wanting data.
                while True:
                    try:
                        r = fn(*args)
                        raw.sendall(out.read())
                        return r
                    except ssl.SSLWantReadError:
                        raw.sendall(out.read())
                        d = raw.recv(65536)
                        if not d:
                            raise OSError("EOF from the MicroPython server")
                        inc.write(d)

            try:
                obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
            raw.sendall(out.read())                  # the ClientHello
            held = raw.recv(65536)                   # the server's first flight (part of it)
            if not held:
                raise OSError("EOF instead of the server's flight")
            self.a_mid.set()                         # the server now waits for our Finished
            self.a_waited_ok = self.b_done.wait(OVERLAP_WAIT)
            inc.write(held)
            step(obj.do_handshake)
            step(obj.write, b"ping-a")
            got = b""
            while len(got) < 6:
                got += step(obj.read, 6 - len(got))
            step(obj.write, b"done")
            raw.close()
        except (OSError, ssl.SSLError) as e:
            self.errors.append(f"A: {e!r}")

    def _client_b(self):
        import socket
        import ssl
        try:
            self.b_started_ok = self.a_mid.wait(OVERLAP_WAIT)
            raw = socket.create_connection(("127.0.0.1", self.ports[1]), timeout=OVERLAP_WAIT)
            with self.ctx.wrap_socket(raw, server_hostname="localhost") as c:
                c.sendall(b"ping-b")
                got = b""
                while len(got) < 6:
                    d = c.recv(6 - len(got))
                    if not d:
                        raise OSError("EOF before the echo")
                    got += d
                c.sendall(b"done")
                self.b_done.set()
        except (OSError, ssl.SSLError) as e:
            self.errors.append(f"B: {e!r}")

    def join(self):
        for t in self.threads:
            t.join(OVERLAP_WAIT * 3)


def test_server_connections_on_two_threads_overlap(mpy, certs):
    """Server role: two MicroPython threads each accept on a listener of
    their own; client A stalls mid-handshake (after the server's flight)
    until client B has done a handshake and an echo with the other thread."""
    leaf = certs["p256"]
    for _ in range(3):
        port_a, port_b = free_port(), free_port()
        proc = mpy.start(OVERLAP_SERVERS.format(cert=leaf.chain.data, key=leaf.key.pem.data, port_a=port_a,
                                                port_b=port_b, limit=OVERLAP_WAIT * 3))
        if proc.wait_for("READY", timeout=60):
            break
        out = proc.finish(5)
        assert "BINDFAIL" in out.stdout, out
    else:
        raise AssertionError("MicroPython servers did not start listening")
    clients = StallingClients(certs.root.cert.pem.path, port_a, port_b)
    clients.join()
    r = proc.finish(OVERLAP_WAIT * 4)
    print(r, clients.errors)
    assert clients.b_started_ok is not None and clients.a_waited_ok is not None, (r, clients.errors)
    assert clients.b_started_ok and clients.a_waited_ok, (SERIALIZED, r, clients.errors)
    r.check()
    assert sorted(r.tagged("RESULT")) == ["OK A b'ping-a' b'done'", "OK B b'ping-b' b'done'"], \
        (r, clients.errors)
    assert not clients.errors, clients.errors
