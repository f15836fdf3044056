"""`make bench`: modssl-rs against MicroPython's own mbedTLS `tls`, side by side.

    python3 bench/bench.py --ours build/micropython --anchor build/micropython-mbedtls \
        --notls build/micropython-notls [--malloccount build/bench/libmalloccount.so] \
        [--results bench/results] [--quick]

All three are the same MicroPython (unix port, standard variant, same frozen
manifest), built by `make` (ours) and `make anchor` (mbedTLS 3.6 and no TLS).
Peers are CPython `ssl` servers on 127.0.0.1 with certificates made by
`openssl` in a temporary directory; the MicroPython side is the same script
for both builds (`tls.SSLContext`, `cadata` = the CA's DER).  Prints one table
(a column per build and ours / mbedTLS) and appends it to
bench/results/<date>.md.  Numbers, not assertions: see bench/README.md for
what each row means.
"""
import argparse
import functools
import datetime
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)


# ---- certificates ------------------------------------------------------------------
def make_certs(d):
    def run(*a):
        subprocess.run(a, check=True, capture_output=True, cwd=d)

    def key(kind):
        if kind == "rsa":
            return ["-newkey", "rsa:2048"]
        return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:" + kind]

    with open(os.path.join(d, "ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\n")
    chains = {"p256": "P-256", "rsa": "rsa", "p384": "P-384"}
    for name, kind in chains.items():
        run("openssl", "req", "-x509", *key(kind), "-nodes", "-keyout", f"{name}-ca.key",
            "-out", f"{name}-ca.pem", "-days", "30", "-subj", f"/CN=bench {name} CA",
            *(["-sha384"] if name == "p384" else []))
        run("openssl", "req", *key(kind), "-nodes", "-keyout", f"{name}-leaf.key",
            "-out", f"{name}-leaf.csr", "-subj", "/CN=localhost")
        run("openssl", "x509", "-req", "-in", f"{name}-leaf.csr", "-CA", f"{name}-ca.pem",
            "-CAkey", f"{name}-ca.key", "-CAcreateserial", "-out", f"{name}-leaf.pem",
            "-days", "30", "-extfile", "ext", *(["-sha384"] if name == "p384" else []))
        run("openssl", "x509", "-in", f"{name}-ca.pem", "-outform", "DER", "-out", f"{name}-ca.der")


# ---- servers -----------------------------------------------------------------------
# The client sends 8 ASCII digits n; the server answers with n bytes, then
# reads (and drops) whatever the client sends until it closes.
CHUNK = bytes(range(256)) * 256  # 64 KiB


def serve_conn(ctx, raw):
    try:
        with ctx.wrap_socket(raw, server_side=True) as s:
            req = b""
            while len(req) < 8:
                d = s.recv(8 - len(req))
                if not d:
                    return
                req += d
            n = int(req)
            while n > 0:
                k = min(n, len(CHUNK))
                s.sendall(CHUNK[:k])
                n -= k
            while s.recv(65536):  # drain until the client closes
                pass
    except (OSError, ValueError):
        pass


def start_server(d, chain, tls12=None, tls13=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, f"{chain}-leaf.pem"), os.path.join(d, f"{chain}-leaf.key"))
    if tls13:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    else:
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(tls12)
        ctx.set_ecdh_curve("prime256v1")
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)

    def loop():
        while True:
            try:
                raw, _ = lsock.accept()
            except OSError:
                return
            threading.Thread(target=serve_conn, args=(ctx, raw), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return lsock.getsockname()[1]


# name: (chain, TLS 1.2 cipher or None for TLS 1.3, label)
SCENARIOS = {
    "12-ecdsa": ("p256", "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS 1.2 ECDHE-ECDSA P-256"),
    "12-rsa": ("rsa", "ECDHE-RSA-AES128-GCM-SHA256", "TLS 1.2 ECDHE-RSA-2048"),
    "13-p256": ("p256", None, "TLS 1.3 X25519 + ECDSA P-256"),
    "13-p384": ("p384", None, "TLS 1.3 X25519 + ECDSA P-384 chain"),
    "12-chacha": ("p256", "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS 1.2 ECDHE-ECDSA ChaCha20-Poly1305"),
}

# ---- the MicroPython side ----------------------------------------------------------
SNIPPET = r'''
import socket, tls, gc, time
MODE = {mode!r}
if {mc!r}:
    import ffi
    lib = ffi.open({mc!r})
    cur = lib.func("l", "mc_current", "")
    peak = lib.func("l", "mc_peak", "")
    reset = lib.func("v", "mc_reset_peak", "")
    m_start = cur()
    reset()
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
with open({ca!r}, "rb") as f:
    ctx.load_verify_locations(f.read())  # positional: cadata (MicroPython tls)
addr = socket.getaddrinfo("127.0.0.1", {port})[0][-1]
buf = bytearray(16384)
mv = memoryview(buf)

def conn(n):
    s = socket.socket()
    s.connect(addr)
    s = ctx.wrap_socket(s, server_hostname="localhost")
    s.write(b"%08d" % n)
    got = 0
    while got < n:
        k = s.readinto(mv[:min(16384, n - got)])  # a blocking readinto fills all it is given
        if not k:
            raise OSError("short read")
        got += k
    return s

if MODE == "hs":
    for i in range({n}):
        conn(4).close()
elif MODE == "bulk":
    conn({n}).close()
elif MODE == "wall":
    s = socket.socket()
    s.connect(addr)
    s = ctx.wrap_socket(s, server_hostname="localhost")  # the handshake happens here
    s.write(b"%08d" % {n})
    t0 = time.ticks_us()
    got = 0
    while got < {n}:
        k = s.readinto(mv[:min(16384, {n} - got)])
        if not k:
            raise OSError("short read")
        got += k
    t1 = time.ticks_us()
    s.close()
    print("WALL", time.ticks_diff(t1, t0))
elif MODE == "minheap":
    s = conn(16384)
    s.write(bytes(16384))
    s.close()
    print("PEAK", peak() - m_start)
elif MODE == "mem":
    conn(4).close()  # warm-up: one-time allocations (DRBG, tables) are not per connection
    gc.collect()
    g0 = gc.mem_alloc(); m0 = cur(); reset()
    s = conn(4)
    mp = peak() - m0
    gc.collect()
    print("MEM", gc.mem_alloc() - g0, cur() - m0, mp)
    s.close()
'''


class Bench:
    def __init__(self, d, mc):
        self.d = d
        self.mc = mc
        self.ports = {}
        self.k = 0
        self.timeout = 120

    def port(self, sc):
        if sc not in self.ports:
            chain, cipher, _ = SCENARIOS[sc]
            self.ports[sc] = start_server(self.d, chain, tls12=cipher, tls13=cipher is None)
        return self.ports[sc]

    def script(self, sc, mode, n):
        chain = SCENARIOS[sc][0]
        self.k += 1
        path = os.path.join(self.d, f"s{self.k}.py")
        with open(path, "w") as f:
            f.write(SNIPPET.format(mode=mode, ca=os.path.join(self.d, f"{chain}-ca.der"),
                                   port=self.port(sc), n=n, mc=self.mc or ""))
        return path

    def run(self, mpy, sc, mode, n, env=None):
        p = subprocess.run([mpy, self.script(sc, mode, n)], capture_output=True, text=True,
                           timeout=self.timeout, env=env)
        if p.returncode:
            raise RuntimeError(f"{mpy} {sc} {mode}: {p.stdout[-500:]} {p.stderr[-500:]}")
        return p.stdout

    def instructions(self, mpy, sc, mode, n):
        out = os.path.join(self.d, "cg.out")
        p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                            mpy, self.script(sc, mode, n)], capture_output=True, text=True, timeout=900)
        m = re.search(r"Collected : (\d+)", p.stderr)
        if p.returncode or not m:
            raise RuntimeError(f"callgrind {mpy} {sc} {mode} {n}: {p.stdout[-300:]} {p.stderr[-500:]}")
        return int(m.group(1))


# ---- rows ----------------------------------------------------------------------------
def text_data(elf):
    out = subprocess.run(["size", elf], check=True, capture_output=True, text=True).stdout
    t, d, _b = out.splitlines()[1].split()[:3]
    return int(t) + int(d)


@functools.lru_cache(maxsize=None)
def _size_report():
    import importlib.util
    spec = importlib.util.spec_from_file_location("size_report", os.path.join(REPO, "scripts", "size-report.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


QEMU_BOARDS = [("MPS2_AN385", "thumbv6m", "arm-none-eabi-"), ("VIRT_RV32", "riscv32imc", "riscv64-unknown-elf-")]


def firmware_flash(tool, elf):
    """Flash a firmware ELF takes: text+rodata+data (scripts/size-report.py's sections)."""
    sr = _size_report()
    code, data, _bss = sr.flash_ram(sr.sections(tool, elf))
    return code + data


def qemu_flash(build):
    """Flash the module adds to the qemu firmware (text+rodata+data, as `make size` counts
    text+rodata), ours and the anchor's, against the same firmware without TLS."""
    rows = []
    for board, core, tool in QEMU_BOARDS:
        base = os.path.join(build, f"qemu-base-{board}", "firmware.elf")
        ours = os.path.join(build, f"qemu-{board}", "firmware.elf")
        anchor = os.path.join(build, "anchor", f"qemu-mbedtls-{board}", "firmware.elf")
        label = f"flash added, {core} code in qemu {board} (text+rodata+data vs the no-TLS firmware), profile full"
        if not os.path.exists(base):
            rows.append((label, "not built", "not built", "B"))
            continue
        b = firmware_flash(tool, base)
        a_flash = firmware_flash(tool, anchor) - b if os.path.exists(anchor) else "not built"
        rows.append((label, firmware_flash(tool, ours) - b if os.path.exists(ours) else "not built", a_flash, "B"))
        # The other feature profiles (`make profiles`), against the same anchor.
        for profile in PROFILES:
            elf = os.path.join(build, f"qemu-profile-{profile}-{board}", "firmware.elf")
            rows.append((f"  profile {profile}: {PROFILES[profile]}",
                         firmware_flash(tool, elf) - b if os.path.exists(elf) else "not built", a_flash, "B"))
    return rows


# micropython/features.sh; `full` is the firmware above (everything, CA bundle).
PROFILES = {
    "general": "client+server, TLS 1.2+1.3, verifies ECDSA P-256/P-384, RSA, Ed25519; compact trust store",
    "client": "general without server",
    "small-client": "TLS 1.3 client, ECDSA P-256/P-384 + RSA chains, compact trust store",
    "minimal": "TLS 1.3 client, ECDSA P-256 only",
}


def shown(path):
    """A path for the results file: relative to the repository when inside it (the
    history should not name this machine's directories)."""
    rel = os.path.relpath(os.path.abspath(path), REPO)
    return path if rel.startswith("..") else rel


def fmt(v, unit):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    if unit == "MB/s":
        return f"{v:.1f}"
    return f"{int(round(v)):,}"


def ratio(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
        return f"{a / b:.2f}"
    return "n/a"


def pk_rows(rows, a):
    """Instructions of the public-key operations alone: bench/pkops (ours: the core's
    crypto module; mbedTLS: the anchor's own objects), callgrind --toggle-collect."""
    have = {"ours": os.path.exists(a.pkops_ours), "mbedtls": os.path.exists(a.pkops_mbedtls)}
    with tempfile.TemporaryDirectory() as d:
        def sh(*argv):
            subprocess.run(argv, check=True, capture_output=True, cwd=d)
        sh("dd", "if=/dev/urandom", "of=msg", "bs=100", "count=1")
        for n, curve, h, plen in (("p256", "P-256", "sha256", 65), ("p384", "P-384", "sha384", 97)):
            sh("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{curve}", "-out", f"{n}.key")
            sh("openssl", "pkey", "-in", f"{n}.key", "-pubout", "-outform", "DER", "-out", f"{n}.spki")
            with open(os.path.join(d, f"{n}.spki"), "rb") as f:
                point = f.read()[-plen:]
            with open(os.path.join(d, f"{n}.pub"), "wb") as f:
                f.write(point)
            sh("openssl", "dgst", f"-{h}", "-sign", f"{n}.key", "-out", f"{n}.sig", "msg")

        def count(b, op):
            if not have[b]:
                return "not built"
            fn = "bench_ecdhe" if op.startswith("ecdhe") else ("bench_verify" if b == "ours" else "bench_ecdsa_verify")
            exe = a.pkops_ours if b == "ours" else a.pkops_mbedtls
            extra = [f"{op[6:10]}.pub", "msg", f"{op[6:10]}.sig"] if b == "ours" and op.startswith("ecdsa") else []
            p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=cg.out", f"--toggle-collect={fn}",
                                exe, op, *extra], capture_output=True, text=True, cwd=d, timeout=300)
            m = re.search(r"Collected : (\d+)", p.stderr)
            if p.returncode or not m or "ok" not in p.stdout:
                return "error"
            return int(m.group(1))
        res = {}
        for op, label in (("ecdhe_p256", "ECDHE P-256 (key pair + shared secret)"),
                          ("ecdsa_p256_verify", "ECDSA P-256 SHA-256 verify"),
                          ("ecdhe_x25519", "ECDHE X25519 (key pair + shared secret)"),
                          ("ecdhe_p384", "ECDHE P-384 (key pair + shared secret)"),
                          ("ecdsa_p384_verify", "ECDSA P-384 SHA-384 verify")):
            o = count("ours", op)
            m = None if op == "ecdhe_x25519" else count("mbedtls", op)  # no Curve25519 in MicroPython's config
            res[op] = (o, m)
            rows.append((f"instructions, {label} alone", o, m, "instr"))
            print(f"  {label}: ours {fmt(o, 'instr')}, mbedTLS {fmt(m, 'instr')}", file=sys.stderr)

        def add(x, y):
            return x + y if isinstance(x, int) and isinstance(y, int) else "n/a"
        rows.append(("instructions, one ECDHE + one ECDSA verify alone (P-256)",
                     add(res["ecdhe_p256"][0], res["ecdsa_p256_verify"][0]),
                     add(res["ecdhe_p256"][1], res["ecdsa_p256_verify"][1]), "instr"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", default=os.path.join(REPO, "build", "micropython"))
    ap.add_argument("--anchor", default=os.path.join(REPO, "build", "micropython-mbedtls"))
    ap.add_argument("--notls", default=os.path.join(REPO, "build", "micropython-notls"))
    ap.add_argument("--malloccount", default=os.path.join(REPO, "build", "bench", "libmalloccount.so"))
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--build", default=os.path.join(REPO, "build"),
                    help="where the qemu firmware is: qemu-*/, qemu-base-*/, anchor/qemu-mbedtls-*/")
    ap.add_argument("--pkops-ours", default=os.path.join(REPO, "target", "bench-pkops", "release", "pkops"))
    ap.add_argument("--pkops-mbedtls", default=os.path.join(REPO, "build", "bench", "pkops_mbedtls"))
    ap.add_argument("--bulk-mib", type=int, default=8)
    ap.add_argument("--quick", action="store_true", help="no callgrind rows")
    a = ap.parse_args()
    t_start = time.time()
    builds = {"ours": a.ours, "mbedtls": a.anchor}
    rows = []  # (label, ours, mbedtls, unit)

    def both(label, unit, f, only_ours=False):
        vals = {}
        for b, mpy in builds.items():
            if only_ours and b == "mbedtls":
                vals[b] = None
                continue
            try:
                vals[b] = f(b, mpy)
            except Exception as e:  # a failing measurement is a cell, not a crash
                print(f"  {label} [{b}]: {e}", file=sys.stderr)
                vals[b] = "error"
        rows.append((label, vals["ours"], vals["mbedtls"], unit))
        print(f"  {label}: ours {fmt(vals['ours'], unit)}, mbedTLS {fmt(vals['mbedtls'], unit)}", file=sys.stderr)

    # flash
    base = text_data(a.notls)
    both("flash added, unix x86-64 text+data (vs no-TLS build)", "B",
         lambda b, mpy: text_data(mpy) - base)
    try:
        rows.extend(qemu_flash(a.build))
    except Exception as e:
        print(f"  qemu flash rows: {e}", file=sys.stderr)

    with tempfile.TemporaryDirectory() as d:
        make_certs(d)
        bench = Bench(d, a.malloccount)

        # memory
        env = dict(os.environ, LD_PRELOAD=a.malloccount)
        for sc in ("12-ecdsa", "12-rsa"):
            lab = SCENARIOS[sc][2]
            res = {}

            def mem(b, mpy, sc=sc, res=res):
                out = bench.run(mpy, sc, "mem", 0, env=env)
                g, m, p = map(int, re.search(r"MEM (-?\d+) (-?\d+) (-?\d+)", out).groups())
                res[b] = (g, m, p)
                return g + m
            both(f"memory held by one open connection, GC heap + malloc ({lab})", "B", mem)
            rows.append(("  of which GC heap", *(res.get(b, (None,))[0] for b in builds), "B"))
            rows.append(("  of which libc malloc", *(res.get(b, (None, None))[1] for b in builds), "B"))
            rows.append(("  libc malloc peak during its handshake",
                         *(res.get(b, (None, None, None))[2] for b in builds), "B"))

        # minimum GC heap (-X heapsize) for a verified handshake + 16 KiB each way
        def min_heap(mpy, sc):
            lo, hi = 2048, 1 << 20  # fails at lo, works at hi (checked)
            path = bench.script(sc, "minheap", 0)

            def ok(h):
                p = subprocess.run([mpy, "-X", f"heapsize={h}", path], capture_output=True, text=True,
                                   timeout=60, env=env)
                m = re.search(r"PEAK (-?\d+)", p.stdout)
                return int(m.group(1)) if p.returncode == 0 and m else None
            top = ok(hi)
            if top is None:
                raise RuntimeError(f"fails with a {hi} B heap")
            peak_at = top
            while hi - lo > 256:
                mid = (lo + hi) // 2 // 64 * 64
                r = ok(mid)
                if r is None:
                    lo = mid
                else:
                    hi, peak_at = mid, r
            return hi, peak_at

        for sc in ("12-ecdsa", "13-p256"):
            res = {}

            def mh(b, mpy, sc=sc, res=res):
                res[b] = min_heap(mpy, sc)
                return res[b][0] + res[b][1]
            lab = SCENARIOS[sc][2]
            both(f"peak memory for one verified handshake + 16 KiB each way ({lab}): "
                 f"minimum GC heap + libc malloc peak", "B", mh, only_ours=SCENARIOS[sc][1] is None)
            rows.append(("  of which minimum GC heap (-X heapsize bisection, 256 B steps)",
                         *(res[b][0] if b in res else None for b in builds), "B"))
            rows.append(("  of which libc malloc peak (from script start)",
                         *(res[b][1] if b in res else None for b in builds), "B"))

        # handshake instructions
        if not a.quick:
            n = 2
            base_i = {}
            for sc in ("12-ecdsa", "12-rsa", "13-p256", "13-p384"):
                tls13 = SCENARIOS[sc][1] is None

                def hs(b, mpy, sc=sc):
                    if b not in base_i:
                        base_i[b] = bench.instructions(mpy, sc, "hs", 0)
                    return (bench.instructions(mpy, sc, "hs", n) - base_i[b]) / n
                both(f"instructions per verified handshake, {SCENARIOS[sc][2]}", "instr", hs, only_ours=tls13)

        # bulk
        size = a.bulk_mib << 20
        for sc, lab in (("12-ecdsa", "AES-128-GCM"), ("12-chacha", "ChaCha20-Poly1305")):
            only = sc == "12-chacha"

            def wall(b, mpy, sc=sc):
                us = int(re.search(r"WALL (\d+)", bench.run(mpy, sc, "wall", size)).group(1))
                return size / (1 << 20) / (us / 1e6)
            both(f"bulk read {a.bulk_mib} MiB over loopback, TLS 1.2 {lab} (wall, noisy)", "MB/s", wall,
                 only_ours=only)
            if not a.quick:
                def ipm(b, mpy, sc=sc):
                    return (bench.instructions(mpy, sc, "bulk", 1 << 20) - bench.instructions(mpy, sc, "bulk", 4))
                both(f"instructions per MiB read, TLS 1.2 {lab}", "instr", ipm, only_ours=only)

    if not a.quick:
        pk_rows(rows, a)

    # qemu MPS2_AN385: handshake instructions (-icount) and minimum heap
    ours_q = os.path.join(a.build, "qemu-MPS2_AN385", "firmware.elf")
    anchor_q = os.path.join(a.build, "anchor", "qemu-mbedtls-MPS2_AN385", "firmware.elf")
    if os.path.exists(ours_q) or os.path.exists(anchor_q):
        try:
            import qemu_bench
            for r in qemu_bench.rows(ours_q, anchor_q):
                rows.append(r)
                print(f"  {r[0]}: ours {fmt(r[1], r[3])}, mbedTLS {fmt(r[2], r[3])}", file=sys.stderr)
        except Exception as e:
            print(f"  qemu rows: {e}", file=sys.stderr)

    # table
    head = ["", "ours (modssl-rs)", "mbedTLS 3.6 (MicroPython's tls)", "ours / mbedTLS", "unit"]
    body = [[label, fmt(o, u), fmt(m, u), ratio(o, m), u] for label, o, m, u in rows]
    widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]

    def line(r):
        return "| " + " | ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i])
                                 for i, c in enumerate(r)) + " |"
    sep = "|" + "|".join("-" * (widths[0] + 2) if i == 0 else "-" * (widths[i] + 1) + ":"
                         for i in range(len(head))) + "|"
    table = "\n".join([line(head), sep] + [line(r) for r in body])

    def ver(mpy, expr):
        p = subprocess.run([mpy, "-c", expr], capture_output=True, text=True)
        return (p.stdout.strip() or p.stderr.strip()[-80:])
    now = datetime.datetime.now(datetime.timezone.utc)
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    header = (f"## {now:%Y-%m-%d %H:%M} UTC, modssl-rs {commit}{' (+ uncommitted changes)' if dirty else ''}\n\n"
              f"- ours: `{shown(a.ours)}` ({ver(a.ours, 'import ssl; print(ssl.MODSSL_VERSION)')})\n"
              f"- anchor: `{shown(a.anchor)}` ({ver(a.anchor, 'import tls; print(tls.MBEDTLS_VERSION)')})\n"
              f"- no-TLS: `{shown(a.notls)}`; {ver(a.notls, 'import sys; print(sys.version)')}\n"
              f"- {'--quick: no callgrind rows; ' if a.quick else ''}run time {time.time() - t_start:.0f} s\n")
    print()
    print(header)
    print(table)
    os.makedirs(a.results, exist_ok=True)
    path = os.path.join(a.results, f"{now:%Y-%m-%d}.md")
    with open(path, "a") as f:
        f.write(header + "\n" + table + "\n\n")
    print(f"\n(appended to {os.path.relpath(path, os.getcwd())})")


if __name__ == "__main__":
    sys.exit(main())
