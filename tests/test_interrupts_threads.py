"""Interrupts and threads (issue 7).

* Ctrl-C (SIGINT to the MicroPython process) while a blocking handshake
  waits for a silent server, and while a read waits for data: the snippet
  gets KeyboardInterrupt, the heap goes back to its baseline once the
  sockets are closed, and the next connection works.
* ``_thread``: several threads, each owning its connections (one shared
  context), handshake and transfer at the same time.
"""
from __future__ import annotations

import signal
import threading
import time

import pytest

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
