"""The core stack (docs/design.md, "The core stack"): handshakes run on a
stack of their own taken from the heap, given back when no handshake is
under way, with collections during them still seeing every root of the
main stack.

* A handshake uses the core stack (``ssl.stack_info()`` reports its peak,
  which must stay 1 KiB clear of its end) and gives it back: the heap is at
  its baseline once the connection is established and closed.
* Collections at every allocation of a handshake (``gc.threshold(1)``):
  each runs on the main stack, so the objects only the shim's C frames
  hold (the socket being made) survive, and the process neither crashes nor
  corrupts them.  Scanning from the core stack's pointer instead (the
  mistake this guards against) segfaults on unix.
* No heap for the core stack: ``MemoryError``, and the next handshake,
  with memory back, works.
"""
from helpers.snippets import b

ECHO = [("recv", 4), ("send", b"pong"), ("recv_eof",)]


def test_handshake_on_core_stack_then_given_back(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, connections=2, steps=ECHO)
    r = mpy.run(f'''
import gc, ssl
ctx = client_ctx({b(certs.root.cert.der.data)})
def once():
    s = ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
    s.write(b"ping")
    d = s.read(4)
    s.close()
    return d
once()
gc.collect()
base = gc.mem_alloc()
ssl.stack_info()
print("ECHO", once())
size, peak = ssl.stack_info()
gc.collect()
print("SIZE", size, "PEAK", peak, "LEFT", gc.mem_alloc() - base)
''')
    assert "ECHO b'pong'" in r.stdout, r
    f = r.one("SIZE").split()
    r.check()
    size, peak, left = int(f[0]), int(f[2]), int(f[4])
    if size == 0:
        # A build without a stack switch for its CPU: nothing to check here.
        assert peak == 0, r
        return
    print(f"core stack {size} B, peak {peak} B")
    assert 0 < peak <= size - 1024, f"core stack {size} B, peak {peak} B: less than 1 KiB to spare\n{r}"
    assert abs(left) < 512, f"the heap is {left} B off its baseline after close: core stack kept?\n{r}"


def test_collections_at_every_allocation(mpy, certs, tls_server):
    leaf = certs["p256"]
    n = 3
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, connections=n, steps=ECHO)
    r = mpy.run(f'''
import gc
ctx = client_ctx({b(certs.root.cert.der.data)})
keep = [bytes([i]) * 100 for i in range(50)]
gc.threshold(1)
out = []
for i in range({n}):
    s = ctx.wrap_socket(tcp({srv.port}), server_hostname="localhost")
    s.write(b"ping")
    out.append(s.read(4))
    s.close()
gc.threshold(-1)
print("OUT", out == [b"pong"] * {n}, "KEPT", all(k == bytes([i]) * 100 for i, k in enumerate(keep)))
''', timeout=120)
    assert "OUT True KEPT True" in r.stdout, r


def test_no_heap_for_the_core_stack(mpy, certs, tls_server):
    leaf = certs["p256"]
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, connections=2, steps=ECHO)
    r = mpy.run(f'''
import gc, ssl
ctx = client_ctx({b(certs.root.cert.der.data)})
size = ssl.stack_info()[0]
def once():
    sock = tcp({srv.port})
    try:
        s = ctx.wrap_socket(sock, server_hostname="localhost")
        s.write(b"ping")
        d = s.read(4)
        s.close()
        return repr(d)
    except MemoryError as e:
        return "MemoryError"
    finally:
        sock.close()
def main():
    gc.collect()
    hog = fill_heap()
    # Leave less than the core stack needs, more than anything else does.
    for _ in range(size // 2048):
        hog.pop()
    gc.collect()
    first = once()
    hog = None
    gc.collect()
    print("SIZE", size, "FIRST", first, "THEN", once())
main()
''')
    r.check()
    f = r.one("SIZE").split()
    if f[0] == "0":
        return
    assert f[2] == "MemoryError" and f[4] == "b'pong'", r
