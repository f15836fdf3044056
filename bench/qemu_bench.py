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
if {tls12_only}:
    if hasattr(cctx, "maximum_version"):
        cctx.maximum_version = 0x0303
    # The same suite for both builds, with AES-128-GCM (IANA name for ours,
    # mbedTLS's spelling for the anchor).
    for name in ("TLS_ECDHE_{sig}_WITH_AES_128_GCM_SHA256", "TLS-ECDHE-{sig}-WITH-AES-128-GCM-SHA256"):
        try:
            cctx.set_ciphers([name])
            break
        except Exception:
            pass
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
print("RESULT", FREE, hs_c, hs_s, T["c"] + T["s"] - hs_c - hs_s)
'''


# The CA and the leaf of each chain: P-256 (SHA-256), RSA-2048 (SHA-256),
# P-384 (SHA-384).
KEYS = {
    "p256": (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "-sha256"),
    "rsa": (["-newkey", "rsa:2048"], "-sha256"),
    "p384": (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"], "-sha384"),
}


def make_material(d, kind="p256"):
    def sh(*argv):
        subprocess.run(argv, check=True, capture_output=True, cwd=d)
    newkey, md = KEYS[kind]
    with open(os.path.join(d, "ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\n")
    sh("openssl", "req", "-x509", *newkey, md, "-nodes",
       "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650", "-subj", "/CN=qemu bench CA")
    sh("openssl", "req", *newkey, "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost")
    sh("openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
       "-out", "leaf.pem", "-days", "3650", "-extfile", "ext", md)
    sh("openssl", "x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der")
    sh("openssl", "x509", "-in", "leaf.pem", "-outform", "DER", "-out", "leaf.der")
    sh("openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "leaf.key", "-outform", "DER", "-out", "leaf.p8")
    rd = lambda n: open(os.path.join(d, n), "rb").read()
    return rd("ca.der"), rd("leaf.der"), rd("leaf.p8")


def run_once(elf, material, ballast, d, tls12_only=True, mfs=0, sig="ECDSA"):
    from helpers.qemu import QemuBoard
    ca, cert, key = material
    path = os.path.join(d, f"q{ballast}.py")
    with open(path, "w") as f:
        f.write(SCRIPT.format(ballast=ballast, ca=ca, cert=cert, key=key, tls12_only=tls12_only, mfs=mfs, sig=sig))
    with QemuBoard("MPS2_AN385", firmware=__import__("pathlib").Path(elf)) as b:
        p = subprocess.run([sys.executable, "-m", "mpremote", "connect", b.pty, "run", path],
                           capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    m = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+)", p.stdout)
    if not m:
        return None, p.stdout[-400:] + p.stderr[-400:]
    return tuple(int(x) for x in m.groups()), ""


def measure(elf, material, step=1024, mfs=0):
    """(minimum free heap needed, instructions of the echo after the handshake); `mfs`:
    both sides' max_fragment_size (ours only), 0 for the default.  Handshake counts come
    from `mean_handshake`."""
    with tempfile.TemporaryDirectory() as d:
        r, err = run_once(elf, material, 0, d, mfs=mfs)
        if r is None:
            raise RuntimeError(f"{elf}: {err}")
        free, _hs_c, _hs_s, bulk = r
        lo, hi = 0, free  # works with ballast lo, fails with hi
        while hi - lo > step:
            mid = (lo + hi) // 2
            ok, _ = run_once(elf, material, mid, d, mfs=mfs)
            if ok:
                lo = mid
            else:
                hi = mid
        return free - lo, bulk * 1000


def handshake(elf, material, tls12_only=False, sig="ECDSA"):
    """(client, server) handshake instructions, one run (TLS 1.3: our key share is X25519)."""
    with tempfile.TemporaryDirectory() as d:
        r, err = run_once(elf, material, 0, d, tls12_only=tls12_only, sig=sig)
        if r is None:
            raise RuntimeError(f"{elf}: {err}")
        return r[1] * 1000, r[2] * 1000


# Handshake counts depend on the keys (the scalars' bits, the signatures'
# lengths): mbedTLS's moved by up to 10 % from one certificate set to the
# next, ours by under 1 %.  Each handshake row is the mean over this many
# freshly made sets; each single run is deterministic.
N_MATERIALS = 3


def materials(kind):
    out = []
    for _ in range(N_MATERIALS):
        with tempfile.TemporaryDirectory() as d:
            out.append(make_material(d, kind))
    return out


def mean_handshake(elf, mats, **kw):
    runs = [handshake(elf, m, **kw) for m in mats]
    return tuple(int(round(sum(r[i] for r in runs) / len(runs), -3)) for i in (0, 1))


def rows(ours_elf, anchor_elf):
    out = []
    p256 = materials("p256")
    material = p256[0]  # the heap and bulk rows
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
    hs = {}
    for b, elf in (("ours", ours_elf), ("mbedtls", anchor_elf)):
        try:
            hs[b] = mean_handshake(elf, p256, tls12_only=True) if os.path.exists(elf) else (None, None)
        except Exception as e:
            print(f"  qemu [{b}, handshakes]: {e}", file=sys.stderr)
            hs[b] = ("error", "error")
    out.append((f"instructions, client side of a verified handshake, {lab} (-icount, mean of {N_MATERIALS} certificate sets)",
                hs["ours"][0], hs["mbedtls"][0], "instr"))
    out.append((f"instructions, server side of the same handshake, {lab} (-icount, mean of {N_MATERIALS})",
                hs["ours"][1], hs["mbedtls"][1], "instr"))
    out.append((f"instructions after the handshake: 16 KiB echoed (32 KiB through each side), AES-128-GCM, {lab} (-icount)",
                cell("ours", 1), cell("mbedtls", 1), "instr"))
    out.append((f"minimum free GC heap for client + server handshake + 16 KiB echo, {lab} (1 KiB steps)",
                cell("ours", 0), cell("mbedtls", 0), "B"))
    # What a user's board loses to TLS: the main stack the rp2 build reserves
    # beyond the port's 8 KiB (none with the core stack, which comes from the
    # heap and is counted in the minimum heap; 24 KiB without it), the
    # module's static RAM (link map) and that minimum heap.
    import ram
    static = {}
    for b, elf, pats in (("ours", ours_elf, ram.OURS), ("mbedtls", anchor_elf, ram.MBEDTLS)):
        mp = os.path.splitext(elf)[0] + ".map"
        static[b] = ram.static_ram(mp, pats) if os.path.exists(mp) else None
    out.append((f"static RAM of the TLS module, .data + .bss, {lab} (link map)", static["ours"],
                static["mbedtls"], "B"))
    reserve_o = 0 if os.path.exists(ours_elf) and ram.has_core_stack(ours_elf) else 24576 - ram.PORT_MAIN_STACK
    lost = {}
    for b, reserve in (("ours", reserve_o), ("mbedtls", 0)):
        h = cell(b, 0)
        lost[b] = reserve + static[b] + h if isinstance(h, int) and static[b] is not None else h
    out.append((f"RAM a user loses to TLS: main stack an rp2 build reserves beyond 8 KiB ({reserve_o:,} B ours)"
                f" + static RAM + the minimum heap above, {lab}", lost["ours"], lost["mbedtls"], "B"))
    # Record buffers: smaller outgoing records (ctx.max_fragment_size) shrink
    # the send buffers; the receive buffer must still take a 16 KiB record.
    for mfs in (2048, 512):
        v = "error"
        if os.path.exists(ours_elf):
            try:
                v = measure(ours_elf, material, mfs=mfs)[0]
            except Exception as e:
                print(f"  qemu [ours, max_fragment_size {mfs}]: {e}", file=sys.stderr)
        out.append((f"  the same with max_fragment_size = {mfs} on both sides (ours only)", v,
                    cell("mbedtls", 0), "B"))
    # mbedTLS has no TLS 1.3 in MicroPython's configuration: ours with TLS 1.3
    # against its TLS 1.2 (the target: not more than that).
    t13 = "error"
    if os.path.exists(ours_elf):
        try:
            t13 = mean_handshake(ours_elf, p256)
        except Exception as e:
            print(f"  qemu [ours, TLS 1.3]: {e}", file=sys.stderr)
    lab13 = "qemu MPS2_AN385, ours TLS 1.3 X25519 + ECDSA P-256 vs mbedTLS's TLS 1.2 ECDHE-ECDSA P-256"
    out.append((f"instructions, client side of a verified handshake, {lab13} (-icount, mean of {N_MATERIALS})",
                t13 if t13 == "error" else t13[0], hs["mbedtls"][0], "instr"))
    out.append((f"instructions, server side of the same handshake, {lab13} (-icount, mean of {N_MATERIALS})",
                t13 if t13 == "error" else t13[1], hs["mbedtls"][1], "instr"))
    # The other chains of the unix rows: RSA-2048 (TLS 1.2, both builds) and
    # P-384 (TLS 1.3, ours only).
    rsa = materials("rsa")
    p384 = materials("p384")
    for label, material2, tls12, sig, builds in (
            ("TLS 1.2 ECDHE-RSA-2048", rsa, True, "RSA", (("ours", ours_elf), ("mbedtls", anchor_elf))),
            ("TLS 1.3 X25519 + ECDSA P-384 chain", p384, False, "ECDSA", (("ours", ours_elf),))):
        got = {"ours": None, "mbedtls": None}
        for b, elf in builds:
            if os.path.exists(elf):
                try:
                    got[b] = mean_handshake(elf, material2, tls12_only=tls12, sig=sig)
                except Exception as e:
                    print(f"  qemu [{b}, {label}]: {e}", file=sys.stderr)
                    got[b] = ("error", "error")
        for i, side in ((0, "client"), (1, "server")):
            out.append((f"instructions, {side} side of a verified handshake, qemu MPS2_AN385, {label} (-icount, mean of {N_MATERIALS})",
                        got["ours"][i] if got["ours"] else None,
                        got["mbedtls"][i] if got["mbedtls"] else "n/a", "instr"))
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
