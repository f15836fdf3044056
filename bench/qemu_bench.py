"""The qemu rows of `make bench`: TLS on the emulated MPS2_AN385 (thumbv6m code).

The qemu port has no network, so a client and a server run in one interpreter
over an in-memory stream pair (as tests/qemu_snippets.py does), both
non-blocking.  The same script runs on our firmware (build/qemu-MPS2_AN385)
and the anchor's (build/anchor/qemu-mbedtls-MPS2_AN385): TLS 1.2
ECDHE-ECDSA P-256, a verified handshake, then 16 KiB each way.

- instructions: qemu runs with `-icount shift=0` (1 ns of virtual time per
  instruction); the script sums the microseconds spent inside the client's
  calls until its first write succeeds (the client's handshake) and the
  server's until its first read returns data.
- minimum heap: the run is repeated with a `bytearray` ballast taking part
  of the GC heap; the largest ballast with which it still succeeds, found by
  bisection, gives the free heap the run needs (free heap at start − ballast).
  Both sides' TLS state is in this one heap (the anchor's mbedTLS allocates
  from the GC heap in its bare-metal configuration, as ours does).

    python3 bench/qemu_bench.py [--ours ELF] [--anchor ELF]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests"))

SCRIPT = r'''
import io, gc
try:
    import modssl_qemu
    modssl_qemu.set_time(1800000000)
except ImportError:
    pass
try:
    from anchor_qemu import ticks_us
except ImportError:
    from time import ticks_us
import tls
gc.collect()
FREE = gc.mem_free()
ballast = bytearray({ballast}) if {ballast} else None
CA = {ca!r}
CERT = {cert!r}
KEY = {key!r}

class Buf:
    def __init__(self):
        self.b = bytearray()
        self.pos = 0

class End(io.IOBase):
    # One end of an in-memory duplex stream; readinto gives None (EAGAIN)
    # when nothing is queued.  Reads advance an offset (no copies of the rest).
    def __init__(self, rx, tx):
        self.rx = rx
        self.tx = tx
    def readinto(self, buf):
        rx = self.rx
        n = min(len(buf), len(rx.b) - rx.pos)
        if n == 0:
            return None
        buf[:n] = memoryview(rx.b)[rx.pos:rx.pos + n]
        rx.pos += n
        if rx.pos == len(rx.b):
            rx.b = bytearray()
            rx.pos = 0
        return n
    def write(self, buf):
        self.tx.b.extend(buf)
        return len(buf)
    def ioctl(self, req, arg):
        return 0
    def setblocking(self, flag):
        pass
    def close(self):
        pass

T = {{"c": 0, "s": 0}}
def call(side, f, *a, **k):
    t0 = ticks_us()
    r = f(*a, **k)
    T[side] += ticks_us() - t0
    return r

a, b = Buf(), Buf()
ce, se = End(a, b), End(b, a)
cctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
cctx.load_verify_locations(CA)
sctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(CERT, KEY)
if {tls12_only} and hasattr(cctx, "maximum_version"):
    cctx.maximum_version = 0x0303
if {mfs}:
    cctx.max_fragment_size = sctx.max_fragment_size = {mfs}
c = call("c", cctx.wrap_socket, ce, server_hostname="localhost", do_handshake_on_connect=False)
s = call("s", sctx.wrap_socket, se, server_side=True, do_handshake_on_connect=False)
N = 16384
up = bytes(range(256)) * 4
sent = got = back = 0
hs_c = hs_s = None
rounds = 0
while back < N:
    rounds += 1
    if rounds > 4000:
        raise RuntimeError("no progress")
    if sent < N:
        n = call("c", c.write, up)
        if n:
            if hs_c is None:
                hs_c = T["c"]
            sent += n
    r = call("s", s.read, 2048)
    if r:
        if hs_s is None:
            hs_s = T["s"]
        got += len(r)
        s.write(r)  # the echo
    r = call("c", c.read, 2048)
    if r:
        back += len(r)
c.close()
s.close()
print("RESULT", FREE, hs_c, hs_s)
'''


def make_material(d):
    def sh(*argv):
        subprocess.run(argv, check=True, capture_output=True, cwd=d)
    with open(os.path.join(d, "ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\n")
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650", "-subj", "/CN=qemu bench CA")
    sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost")
    sh("openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
       "-out", "leaf.pem", "-days", "3650", "-extfile", "ext")
    sh("openssl", "x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der")
    sh("openssl", "x509", "-in", "leaf.pem", "-outform", "DER", "-out", "leaf.der")
    sh("openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "leaf.key", "-outform", "DER", "-out", "leaf.p8")
    rd = lambda n: open(os.path.join(d, n), "rb").read()
    return rd("ca.der"), rd("leaf.der"), rd("leaf.p8")


def run_once(elf, material, ballast, d, tls12_only=True, mfs=0):
    from helpers.qemu import QemuBoard
    ca, cert, key = material
    path = os.path.join(d, f"q{ballast}.py")
    with open(path, "w") as f:
        f.write(SCRIPT.format(ballast=ballast, ca=ca, cert=cert, key=key, tls12_only=tls12_only, mfs=mfs))
    with QemuBoard("MPS2_AN385", firmware=__import__("pathlib").Path(elf)) as b:
        p = subprocess.run([sys.executable, "-m", "mpremote", "connect", b.pty, "run", path],
                           capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    m = re.search(r"RESULT (\d+) (\d+) (\d+)", p.stdout)
    if not m:
        return None, p.stdout[-400:] + p.stderr[-400:]
    return tuple(int(x) for x in m.groups()), ""


def measure(elf, material, step=1024, mfs=0):
    """(free heap at start, client handshake instructions, server's, minimum free heap needed);
    `mfs`: both sides' max_fragment_size (ours only), 0 for the default."""
    with tempfile.TemporaryDirectory() as d:
        r, err = run_once(elf, material, 0, d, mfs=mfs)
        if r is None:
            raise RuntimeError(f"{elf}: {err}")
        free, hs_c, hs_s = r
        lo, hi = 0, free  # works with ballast lo, fails with hi
        while hi - lo > step:
            mid = (lo + hi) // 2
            ok, _ = run_once(elf, material, mid, d, mfs=mfs)
            if ok:
                lo = mid
            else:
                hi = mid
        return free, hs_c * 1000, hs_s * 1000, free - lo


def measure_tls13(elf, material):
    """(client, server) handshake instructions with TLS 1.3 (our key share: X25519)."""
    with tempfile.TemporaryDirectory() as d:
        r, err = run_once(elf, material, 0, d, tls12_only=False)
        if r is None:
            raise RuntimeError(f"{elf}: {err}")
        return r[1] * 1000, r[2] * 1000


def rows(ours_elf, anchor_elf):
    out = []
    with tempfile.TemporaryDirectory() as d:
        material = make_material(d)
    res = {}
    for b, elf in (("ours", ours_elf), ("mbedtls", anchor_elf)):
        if not os.path.exists(elf):
            res[b] = None
            continue
        try:
            res[b] = measure(elf, material)
        except Exception as e:  # a cell, not a crash
            print(f"  qemu [{b}]: {e}", file=sys.stderr)
            res[b] = "error"

    def cell(b, i):
        v = res[b]
        return v if v in (None, "error") else v[i]
    lab = "qemu MPS2_AN385 (thumbv6m code), TLS 1.2 ECDHE-ECDSA P-256"
    out.append((f"instructions, client side of a verified handshake, {lab} (-icount)",
                cell("ours", 1), cell("mbedtls", 1), "instr"))
    out.append((f"instructions, server side of the same handshake, {lab} (-icount)",
                cell("ours", 2), cell("mbedtls", 2), "instr"))
    out.append((f"minimum free GC heap for client + server handshake + 16 KiB echo, {lab} (1 KiB steps)",
                cell("ours", 3), cell("mbedtls", 3), "B"))
    # Record buffers: smaller outgoing records (ctx.max_fragment_size) shrink
    # the send buffers; the receive buffer must still take a 16 KiB record.
    for mfs in (2048, 512):
        v = "error"
        if os.path.exists(ours_elf):
            try:
                v = measure(ours_elf, material, mfs=mfs)[3]
            except Exception as e:
                print(f"  qemu [ours, max_fragment_size {mfs}]: {e}", file=sys.stderr)
        out.append((f"  the same with max_fragment_size = {mfs} on both sides (ours only)", v,
                    cell("mbedtls", 3), "B"))
    # mbedTLS has no TLS 1.3 in MicroPython's configuration: ours with TLS 1.3
    # against its TLS 1.2 (the target: not more than that).
    t13 = "error"
    if os.path.exists(ours_elf):
        try:
            t13 = measure_tls13(ours_elf, material)
        except Exception as e:
            print(f"  qemu [ours, TLS 1.3]: {e}", file=sys.stderr)
    lab13 = "qemu MPS2_AN385, ours TLS 1.3 X25519 + ECDSA P-256 vs mbedTLS's TLS 1.2 ECDHE-ECDSA P-256"
    out.append((f"instructions, client side of a verified handshake, {lab13} (-icount)",
                t13 if t13 == "error" else t13[0], cell("mbedtls", 1), "instr"))
    out.append((f"instructions, server side of the same handshake, {lab13} (-icount)",
                t13 if t13 == "error" else t13[1], cell("mbedtls", 2), "instr"))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", default=os.path.join(REPO, "build", "qemu-MPS2_AN385", "firmware.elf"))
    ap.add_argument("--anchor", default=os.path.join(REPO, "build", "anchor", "qemu-mbedtls-MPS2_AN385",
                                                     "firmware.elf"))
    a = ap.parse_args()
    for r in rows(a.ours, a.anchor):
        print(r)


if __name__ == "__main__":
    main()
