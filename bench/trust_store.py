"""What a context's trusted certificates cost: heap and handshake instructions.

A client context trusts K certificates (`load_verify_locations(cadata=...)`:
the CA of the server's chain among K - 1 other CAs) and makes two verified
TLS 1.3 handshakes with a server in the same interpreter over an in-memory
stream pair (as bench/qemu_bench.py).  Printed per K:

- heap held by the context once loaded, and after its first connection has
  been made and closed (the configuration it keeps), from `gc.mem_free()`;
- the client's instructions for each handshake on qemu (`-icount`, 1 ns per
  instruction: the microseconds of its calls), or microseconds on unix.

It runs one build at a time, so that two builds (e.g. before and after a
change) are compared by running it twice:

    python3 bench/trust_store.py --unix build/micropython
    python3 bench/trust_store.py --qemu build/qemu-MPS2_AN385/firmware.elf

Not part of `make bench`: it measures one design choice (issue 14 item 5:
trust anchors parsed once and shared), and asserts nothing.
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
sys.path.insert(0, HERE)

from helpers.memstream import STREAM  # noqa: E402
from qemu_bench import make_material  # noqa: E402

SCRIPT = r'''
import io, gc
try:
    import modssl_qemu
    modssl_qemu.set_time(1800000000)
except ImportError:
    pass
from time import ticks_us
import tls
CADATA = {cadata!r}
CERT = {cert!r}
KEY = {key!r}

{stream}
sctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(CERT, KEY)

def handshake(cctx):
    ce, se = pair()
    t = 0
    c = cctx.wrap_socket(ce, server_hostname="localhost", do_handshake_on_connect=False)
    s = sctx.wrap_socket(se, server_side=True, do_handshake_on_connect=False)
    for _ in range(200):
        t0 = ticks_us()
        n = c.write(b"x")
        t += ticks_us() - t0
        if n:
            break
        s.read(16)
    else:
        raise RuntimeError("no handshake")
    c.close()
    s.close()
    return t

gc.collect()
f0 = gc.mem_free()
cctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
cctx.load_verify_locations(cadata=CADATA)
gc.collect()
f1 = gc.mem_free()
t1 = handshake(cctx)
gc.collect()
f2 = gc.mem_free()
t2 = handshake(cctx)
print("RESULT", f0 - f1, f0 - f2, t1, t2)
'''


def ca_der(d, i):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-sha256", "-nodes", "-keyout", f"o{i}.key", "-out", f"o{i}.pem", "-days", "3650",
                    "-subj", f"/O=trust store bench/CN=other CA {i}", "-outform", "DER"],
                   check=True, capture_output=True, cwd=d)
    return open(os.path.join(d, f"o{i}.pem"), "rb").read()


def run(args, script_path):
    if args.unix:
        p = subprocess.run([args.unix, script_path], capture_output=True, text=True, timeout=300)
    else:
        from helpers.qemu import QemuBoard
        from pathlib import Path
        with QemuBoard("MPS2_AN385", firmware=Path(args.qemu)) as b:
            p = subprocess.run([sys.executable, "-m", "mpremote", "connect", b.pty, "run", script_path],
                               capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    m = re.search(r"RESULT (-?\d+) (-?\d+) (\d+) (\d+)", p.stdout)
    if not m:
        raise RuntimeError(p.stdout[-800:] + p.stderr[-800:])
    return tuple(int(x) for x in m.groups())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--unix", help="a unix MicroPython with the module")
    g.add_argument("--qemu", help="an MPS2_AN385 firmware.elf with the module")
    ap.add_argument("--counts", default="1,4,16", help="trusted certificates per run")
    args = ap.parse_args()
    unit = "instructions" if args.qemu else "µs (wall clock)"
    print(f"{args.unix or args.qemu}: K trusted certificates; context heap (B) once loaded / after its first"
          f" connection; client handshake ({unit}) first / second")
    with tempfile.TemporaryDirectory() as d:
        ca, cert, key = make_material(d, "p256")
        others = [ca_der(d, i) for i in range(max(int(k) for k in args.counts.split(",")) - 1)]
        for k in (int(k) for k in args.counts.split(",")):
            cadata = b"".join(others[: k // 2] + [ca] + others[k // 2: k - 1])
            path = os.path.join(d, f"t{k}.py")
            with open(path, "w") as f:
                f.write(SCRIPT.format(cadata=cadata, cert=cert, key=key, stream=STREAM))
            loaded, kept, h1, h2 = run(args, path)
            scale = 1000 if args.qemu else 1
            print(f"  K={k:2} ({len(cadata):5} B DER): heap {loaded:6} / {kept:6}   handshake {h1 * scale:>11,} /"
                  f" {h2 * scale:>11,}")


if __name__ == "__main__":
    main()
