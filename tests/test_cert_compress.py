"""Certificate compression (RFC 8879, zlib; the `cert-compress` feature)
against an independent peer: rustls 0.23 with its own zlib (zlib-rs; the
peer tests/peers/rustls-aws, built by `make peers`).  Our client takes the
peer server's compressed chain (inflated by the firmware's uzlib through
`modssl_port_inflate`) and sees fewer bytes on the wire; our server sends
its chain compressed to a peer client that asks; a peer without compression
still works; hostile streams (one expanding past its declared length, one
short, a corrupt one) give the named `SSLError`, and a chain near 64 KiB
that compresses to a few KB is refused within the connection's budget;
the interpreter goes on after each.  With MODSSL_QEMU_TESTS=1 (`make
qemu-test`), the emulated RP2040 code (qemu MPS2_AN385) takes the peer's
compressed chain too, and refuses its bomb.  The decompressor glue's unit
tests are in `cargo test` (ffi_tests.rs, `cert_compress`)."""
import os
import re
from pathlib import Path

import pytest

from helpers.fixtures import peer_factory
from helpers.rustls_peer import PeerServer, run_client
from helpers.snippets import b

pytestmark = pytest.mark.host_only

CERT_COMPRESSION_INVALID = -29456
QEMU_REPORT = Path(__file__).resolve().parents[1] / "build" / "qemu-report.txt"


def peer_env(mode, pad=0):
    env = dict(os.environ, PEER_CERT_COMPRESS=mode)
    if pad:
        env["PEER_CHAIN_PAD"] = str(pad)
    return env


def CompressServer(cert, key, mode, connections=1, pad=0):
    """The rustls server with PEER_CERT_COMPRESS=`mode` (tests/peers/rustls-aws)."""
    return PeerServer("server", cert, key, "classic", connections, env=peer_env(mode, pad))


compress_server = peer_factory(CompressServer, "Factory for rustls servers with certificate compression.")


def compress_client(ca, port, mode):
    return run_client("client", ca, "localhost", port, "classic", env=peer_env(mode))


def numbers(out, tag):
    """The numbers of the peer's one `tag` line ("COMPRESSED in N out M")."""
    lines = [ln for ln in out.splitlines() if ln.startswith(tag + " ")]
    assert len(lines) == 1, f"expected one {tag} line:\n{out}"
    return [int(n) for n in re.findall(r"\d+", lines[0])]


@pytest.fixture
def has_compression(mpy):
    r = mpy.run("import ssl\nprint('CC', ssl.cert_compression())").check()
    if r.one("CC") == "(False, False)":
        pytest.skip("this build has no certificate compression (MODSSL_CERT_COMPRESS=0)")
    return r.one("CC")


def client_snippet(port, cadata, tag="C"):
    return f'''
import micropython, gc
ctx = client_ctx({b(cadata)})
gc.collect()
base = micropython.mem_current()
try:
    s = ctx.wrap_socket(tcp({port}), server_hostname="localhost")
    print("{tag}_HEAP", micropython.mem_peak() - base)
    print_cipher(s, "{tag}_CIPHER")
    s.write(b"ping from micropython")
    print("{tag}_ECHO", s.read(len(b"ping from micropython")))
    s.close()
except Exception as e:
    show("{tag}", e)
'''


def test_the_build_says_what_it_does(mpy, has_compression):
    # The unix build: MicroPython's uzlib inflates, and micropython.mk
    # turns on its compressor (MICROPY_PY_DEFLATE_COMPRESS).
    assert has_compression == "(True, True)"


@pytest.mark.parametrize("kind", ["p256", "rsa"])
def test_client_takes_a_compressed_chain(mpy, certs, compress_server, has_compression, kind):
    leaf = certs[kind]
    wire, heap = {}, {}
    for mode in ("on", "off"):
        srv = compress_server(leaf.chain.path, leaf.key.pem.path, mode)
        r = mpy.run(client_snippet(srv.port, certs.root.cert.der.data)).check()
        out = srv.finish()
        assert r.one("C_ECHO") == "b'ping from micropython'", (r, out)
        assert r.one("C_CIPHER_VERSION") == "TLSv1.3", r
        if mode == "on":
            # The peer compressed its chain for us, which we verified.
            n_in, n_out = numbers(out, "COMPRESSED")
            assert n_out < n_in, out
        else:
            assert "COMPRESSED" not in out, out
        wire[mode] = numbers(out, "WIRE")[0]
        heap[mode] = int(r.one("C_HEAP"))
    print(f"\n{kind}: server -> client {wire['on']} B compressed, {wire['off']} B plain; "
          f"heap peak over the handshake {heap['on']} / {heap['off']} B")
    assert wire["on"] + 100 < wire["off"], wire


@pytest.mark.parametrize("kind", ["p256", "rsa"])
def test_server_sends_its_chain_compressed(mpy_server, certs, has_compression, kind):
    if has_compression != "(True, True)":
        pytest.skip("this firmware cannot compress (MICROPY_PY_DEFLATE_COMPRESS off)")
    leaf = certs[kind]
    code = f'''
ctx = server_ctx({b(leaf.chain.data)}, {b(leaf.key.pem.data)})
l = listener({{port}})
for i in range(2):
    try:
        s = accept_tls(l, ctx)
        data = s.read(len(b"ping from rustls"))
        s.write(data)
        s.close()
        print("SERVED", i)
    except Exception as e:
        show("SERVER", e)
l.close()
'''
    proc, port = mpy_server(lambda port: code.replace("{port}", str(port)))
    received = {}
    for mode in ("on", "off"):
        out = compress_client(certs.root.cert.pem.path, port, mode)
        assert "ECHO ping from rustls" in out, out
        if mode == "on":
            # What arrived was compressed, and inflated by rustls' own zlib
            # to the chain the client then verified.
            n_in, n_out, = numbers(out, "DECOMPRESSED")[:2]
            assert "DECOMPRESSED" in out and " ok" in out and n_in < n_out, out
        else:
            assert "DECOMPRESSED" not in out, out
        received[mode] = numbers(out, "WIRE")[1]
    r = proc.finish().check()
    assert r.tagged("SERVED") == ["0", "1"], r
    print(f"\n{kind}: our server -> peer {received['on']} B compressed, {received['off']} B plain")
    assert received["on"] + 100 < received["off"], received


@pytest.mark.parametrize("mode", ["bomb", "short", "corrupt"])
def test_a_hostile_stream_is_a_named_error(mpy, certs, compress_server, has_compression, mode):
    # bomb: the chain compressed with 64 KiB of "ZIPBOMB!" after it (a
    # stream that expands past its declared length); short: one byte short;
    # corrupt: a byte of the stream flipped.  Then a good server, in the
    # same interpreter.
    leaf = certs["p256"]
    bad = compress_server(leaf.chain.path, leaf.key.pem.path, mode)
    good = compress_server(leaf.chain.path, leaf.key.pem.path, "on")
    r = mpy.run(client_snippet(bad.port, certs.root.cert.der.data, "BAD")
                + client_snippet(good.port, certs.root.cert.der.data, "GOOD")).check()
    out = bad.finish()
    assert "COMPRESSED" in out, out
    assert r.one("BAD").startswith("EXC SSLError"), r
    assert "SSL_BAD_CERT_COMPRESSION" in r.one("BAD"), r
    assert r.one("BAD_ERRNO") == str(CERT_COMPRESSION_INVALID), r
    assert r.one("GOOD_ECHO") == "b'ping from micropython'", r


def test_a_chain_near_64k_compressed_to_a_few_kb(mpy, certs, compress_server, has_compression):
    # A zip bomb within the protocol's limit: the chain's intermediate
    # repeated until the Certificate message is near 64 KiB, which zlib
    # squeezes to a few KB.  rustls allocates the whole declared length
    # and more for the parsed chain, all in the connection's arena: over
    # its budget (MODSSL_ARENA_LIMIT, 112 KiB), MemoryError; the
    # interpreter and the next connection go on.
    leaf = certs["p256"]
    inter = len(certs.inter.cert.der.data)
    pad = (62000 - len(leaf.chain.data)) // (inter + 5)
    bomb = compress_server(leaf.chain.path, leaf.key.pem.path, "on", pad=pad)
    good = compress_server(leaf.chain.path, leaf.key.pem.path, "on")
    r = mpy.run(client_snippet(bomb.port, certs.root.cert.der.data, "BOMB")
                + client_snippet(good.port, certs.root.cert.der.data, "GOOD")).check()
    out = bomb.finish()
    n_in, n_out = numbers(out, "COMPRESSED")
    assert n_in > 60000 and n_out < 8000, out
    print(f"\nbomb: {n_in} B chain sent as {n_out} B: {r.one('BOMB')}")
    assert r.one("BOMB") == "EXC MemoryError ()", r
    assert r.one("GOOD_ECHO") == "b'ping from micropython'", r


@pytest.mark.skipif(os.environ.get("MODSSL_QEMU_TESTS") != "1",
                    reason="emulated boards: run `make qemu-test` (sets MODSSL_QEMU_TESTS=1)")
@pytest.mark.parametrize("mode", ["off", "on", "bomb"])
def test_the_emulated_rp2040_code_takes_a_compressed_chain(certs, compress_server, mode):
    # The board's client (thumbv6m core on MPS2_AN385, the qemu port's
    # uzlib through modssl_port_inflate) against the compressing peer, the
    # TLS records relayed between the peer's TCP socket and the board's
    # UART as tests/test_qemu_peer.py relays them to OpenSSL.
    import socket
    import time

    from test_qemu_peer import Board
    board = Board("MPS2_AN385")
    leaf = certs["p256"]
    srv = compress_server(leaf.chain.path, leaf.key.pem.path, mode)
    try:
        board.reset()
        n = 64
        board.exec(f"modssl_qemu.set_time({int(time.time())})\n"
                   f"setup(False, 0x0304, None, None, None, {certs.root.cert.der.data!r}, {n}, 1)\n"
                   "import ssl\nssl.stack_info()\n")
        sock = socket.create_connection(("127.0.0.1", srv.port))
        sock.settimeout(0.5)
        rx, err, got = b"", None, 0
        for _ in range(40):
            sent, got, eof, err, tx = board.step(rx)
            if tx:
                sock.sendall(tx)
            if err or got >= n:
                break
            rx = b""
            try:
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    rx += chunk
            except socket.timeout:
                pass
        stack = board.eval("print(repr(ssl.stack_info()))")
        busy = board.eval("print(repr(BUSY))")
        sock.close()
    finally:
        board.close()
    out = srv.finish()
    # "off": the same peer without compression, the handshake to compare.
    assert ("COMPRESSED" in out) == (mode != "off"), out
    minstr = f"{busy[1] / 1000:.1f} Minstr" if busy[1] else "no handshake"
    print(f"\nMPS2_AN385 {mode}: {err or 'echo ok'}, client handshake {minstr}, core stack {stack}")
    with QEMU_REPORT.open("a") as f:
        f.write(f"== MPS2_AN385: certificate compression against rustls, peer {mode}: {err or 'echo ok'},"
                f" client handshake {minstr} (relayed; time in the module's calls under -icount),"
                f" core stack {stack[1]:,} of {stack[0]:,} B\n")
    if mode in ("on", "off"):
        # Verified, and the peer's echo of the board's 64 bytes came back.
        assert err is None and got == n, (err, got, out)
    else:
        assert err is not None and "-29456" in err, (err, out)
    assert stack[1] + 1024 <= stack[0], stack
