"""Leak and soak (issue 7): many sequential handshakes + transfers, and
many sockets abandoned without close() (the finaliser path), with the heap
back to its baseline afterwards.  Bounded here ($SOAK_HANDSHAKES,
$SOAK_ABANDONED: 300 / 100 by default); `make soak` runs 10,000 / 1,000.
"""
from __future__ import annotations

import os

from helpers.snippets import b

HANDSHAKES = int(os.environ.get("SOAK_HANDSHAKES", "300"))
ABANDONED = int(os.environ.get("SOAK_ABANDONED", "100"))

SOAK = r'''
import gc
CA = {ca}
ctx = client_ctx(CA)
N = {n}
ABANDON = {abandon}

def one(close):
    sock = tcp({port})
    s = ctx.wrap_socket(sock, server_hostname="localhost")
    s.write(b"ping")
    assert s.read(4) == b"pong"
    if close:
        s.close()

def scrub():
    x = [0] * 32
    return sum(x)

def run(count, close):
    i = 0
    while i < count:
        one(close)
        i += 1
        if not close and i % 8 == 0:
            scrub()
            gc.collect()       # finalisers free the abandoned connections
    scrub()
    gc.collect()

run(4, True)                   # warm-up: the context's configuration, lazy state
gc.collect()
base = gc.mem_alloc()
run(N // 2, True)
gc.collect()
mid = gc.mem_alloc()
run(N - N // 2, True)
gc.collect()
import time
print("HANDSHAKES", N, time.time())
print("LEAK_FIRST_HALF", mid - base)
print("LEAK_CLOSED", gc.mem_alloc() - base)
base = gc.mem_alloc()
run(ABANDON, False)
gc.collect()
print("ABANDONED", ABANDON, time.time())
print("LEAK_ABANDONED", gc.mem_alloc() - base)
'''


def test_soak_sequential_handshakes_and_abandoned_sockets(mpy, certs, tls_server):
    leaf = certs["p256"]
    total = HANDSHAKES + ABANDONED + 4
    # The peer does not wait for each connection's end: abandoned sockets
    # are closed only when the GC runs their finalisers.
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, connections=total,
                     steps=[("recv", 4), ("send", b"pong")])
    r = mpy.run(SOAK.format(ca=b(certs.root.cert.der.data), n=HANDSHAKES, abandon=ABANDONED, port=srv.port),
                timeout=60 + HANDSHAKES * 0.5 + ABANDONED * 0.5)
    print(r)
    r.check()
    # Heap back to its baseline: bytes per connection that stay, at most a
    # few blocks of slack (GC block granularity, stack slots) in total.
    assert int(r.one("LEAK_CLOSED")) <= 256, ("closed connections leak heap", r)
    assert int(r.one("LEAK_ABANDONED")) <= 256, ("abandoned connections leak heap", r)
    assert srv.record(total - 1).handshake_ok
