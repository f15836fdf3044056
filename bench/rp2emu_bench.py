"""The rp2 rows of the benchmark: our Pico W firmware beside the stock one
(MicroPython's mbedTLS `tls`), both built from the same MicroPython tree and
booted on the emulated RP2040 (rp2040js; tests/helpers/rp2emu.py).

The same script runs on both (bench/qemu_bench.py's: `tls`, DER certificates,
a client and a server in one interpreter over in-memory streams, TLS 1.2
ECDHE-ECDSA P-256 with AES-128-GCM forced on both, a verified handshake, then
16 KiB echoed), with the board's RTC set first:

- handshake: the board's `time.ticks_us()` summed over each side's calls
  until its first application data (emulated microseconds at 125 MHz, so
  cycles = us x 125; rp2040js counts Cortex-M0+ cycles without flash wait
  states).  Mean over 3 certificate sets.  Ours with TLS 1.3 (X25519) beside.
- peak stack: the emulator's lowest stack pointer during the exchange,
  against the top of the main stack.
- minimum heap: the largest `bytearray` ballast with which the exchange still
  succeeds, by bisection: free heap at start minus that ballast.
- GC heap total: gc.mem_free() + gc.mem_alloc() at start.
- RAM a user loses to TLS: the main stack the image reserves beyond the
  port's own 8 KiB, plus the TLS module's static RAM (.data + .bss, from the
  link map, bench/ram.py), plus the minimum heap above.  Ours takes its
  core stack (handshakes) from that heap, so it is counted there.
- image: text + data of the ELF; spare: the firmware area (flash minus the
  board's filesystem) minus the image.

    RP2040JS_DIR=... python3 bench/rp2emu_bench.py --ours UF2 --stock UF2 [--flash-area BYTES]
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(HERE))

import ram  # noqa: E402
from qemu_bench import SCRIPT, make_material  # noqa: E402
from helpers.rp2emu import Rp2040jsBoard  # noqa: E402



def clock() -> str:
    """Sets the board's RTC to now (the certificates are made now)."""
    t = time.gmtime(time.time() + 60)
    return (f"import machine\nmachine.RTC().datetime(({t.tm_year}, {t.tm_mon}, {t.tm_mday}, {t.tm_wday},"
            f" {t.tm_hour}, {t.tm_min}, {t.tm_sec}, 0))\n")

N_MATERIALS = 3


def run_once(uf2: Path, material, ballast: int, d: str, tls12_only=True):
    ca, cert, key = material
    body = SCRIPT.format(ballast=ballast, ca=ca, cert=cert, key=key, tls12_only=tls12_only, mfs=0, sig="ECDSA")
    # Marks around the exchange for the emulator's stack and cycle counts.
    body = body.replace("c = call(\"c\", cctx.wrap_socket", "print('@M begin')\nc = call(\"c\", cctx.wrap_socket", 1)
    body = body.replace("print(\"RESULT\"", "print('@M end')\nprint(\"RESULT\"", 1)
    body = body.replace("FREE = gc.mem_free()", "FREE = gc.mem_free()\nTOTAL = FREE + gc.mem_alloc()", 1)
    body = body.replace('print("RESULT", FREE,', 'print("TOTAL", TOTAL)\nprint("RESULT", FREE,', 1)
    path = os.path.join(d, f"r{ballast}.py")
    Path(path).write_text(clock() + body)
    with Rp2040jsBoard(uf2) as b:
        p = subprocess.run([sys.executable, "-m", "mpremote", "connect", b.pty, "run", path],
                           capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        time.sleep(0.3)
        marks = list(b.marks)
    m = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+)", p.stdout)
    if not m:
        return None, p.stdout[-400:] + p.stderr[-400:]
    free, hs_c, hs_s, bulk = (int(x) for x in m.groups())
    stack = max((mk["stack"] for mk in marks if mk["mark"] == "end"), default=0)
    total = int(re.search(r"TOTAL (\d+)", p.stdout).group(1))
    return {"free": free, "hs_c": hs_c, "hs_s": hs_s, "bulk": bulk, "stack": stack, "total": total}, ""


def handshakes(uf2, mats, d, tls12_only=True):
    runs = []
    for m in mats:
        r, err = run_once(uf2, m, 0, d, tls12_only)
        if r is None:
            raise RuntimeError(f"{uf2}: {err}")
        runs.append(r)
    mean = lambda k: sum(r[k] for r in runs) / len(runs)  # noqa: E731
    return mean("hs_c"), mean("hs_s"), max(r["stack"] for r in runs), runs[0]["total"]


def min_heap(uf2, material, d, step=1024):
    r, err = run_once(uf2, material, 0, d)
    if r is None:
        raise RuntimeError(f"{uf2}: {err}")
    lo, hi = 0, r["free"]
    while hi - lo > step:
        mid = (lo + hi) // 2
        ok, _ = run_once(uf2, material, mid, d)
        lo, hi = (mid, hi) if ok else (lo, mid)
    return r["free"] - lo


def image(uf2: Path) -> int:
    out = subprocess.run(["arm-none-eabi-size", str(uf2.with_suffix(".elf"))], capture_output=True, text=True,
                         check=True).stdout.splitlines()[-1].split()
    return int(out[0]) + int(out[1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ours", type=Path, required=True)
    ap.add_argument("--stock", type=Path, required=True)
    ap.add_argument("--flash-area", type=int, default=1228800,
                    help="bytes before the filesystem (RPI_PICO_W: 2048K - 848K)")
    ap.add_argument("--results", type=Path, help="also append the table to this Markdown file")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        mats = [make_material(tempfile.mkdtemp(dir=d)) for _ in range(N_MATERIALS)]
        ours = handshakes(a.ours, mats, d)
        ours13 = handshakes(a.ours, mats, d, tls12_only=False)
        stock = handshakes(a.stock, mats, d)
        heap_o, heap_s = min_heap(a.ours, mats[0], d), min_heap(a.stock, mats[0], d)
    img_o, img_s = image(a.ours), image(a.stock)
    elf_o, elf_s = a.ours.with_suffix(".elf"), a.stock.with_suffix(".elf")
    stack_o, stack_s = ram.main_stack(elf_o), ram.main_stack(elf_s)
    static_o = ram.static_ram(Path(str(elf_o) + ".map"), ram.OURS)
    static_s = ram.static_ram(Path(str(elf_s) + ".map"), ram.MBEDTLS)
    lost_o = max(0, stack_o - ram.PORT_MAIN_STACK) + static_o + heap_o
    lost_s = max(0, stack_s - ram.PORT_MAIN_STACK) + static_s + heap_s
    rows = [
        ("client handshake, TLS 1.2 ECDHE-ECDSA P-256 (ms at 125 MHz)", ours[0] / 1000, stock[0] / 1000),
        ("server handshake, same (ms)", ours[1] / 1000, stock[1] / 1000),
        ("client handshake cycles (M)", ours[0] * 125 / 1e6, stock[0] * 125 / 1e6),
        ("server handshake cycles (M)", ours[1] * 125 / 1e6, stock[1] * 125 / 1e6),
        ("ours TLS 1.3 (X25519) client / server (ms)", f"{ours13[0] / 1000:.0f} / {ours13[1] / 1000:.0f}", None),
        ("peak main-stack use, client and server in one exchange (B)", ours[2], stock[2]),
        ("minimum free GC heap, verified handshake + 16 KiB echo (B)", heap_o, heap_s),
        ("GC heap total (B)", ours[3], stock[3]),
        ("main stack (B)", stack_o, stack_s),
        ("static RAM of the TLS module, .data + .bss (B)", static_o, static_s),
        ("RAM a user loses to TLS: main stack beyond the port's 8 KiB + static RAM"
         " + minimum heap above (B)", lost_o, lost_s),
        ("image, text + data (B)", img_o, img_s),
        (f"spare before the filesystem ({a.flash_area:,} B area)", a.flash_area - img_o, a.flash_area - img_s),
    ]
    lines = [f"| rp2040js, same MicroPython tree | ours ({a.ours.parent.name}) | stock mbedTLS | ours / stock |",
             "|---|---:|---:|---:|"]
    for name, o, s in rows:
        if s is None:
            lines.append(f"| {name} | {o} | | |")
            continue
        fmt = (lambda v: f"{v:,.1f}") if isinstance(o, float) else (lambda v: f"{v:,}")
        ratio = f"{o / s:.2f}" if s else ""
        lines.append(f"| {name} | {fmt(o)} | {fmt(s)} | {ratio} |")
    print("\n".join(lines))
    if a.results:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
        head = (f"\n## {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, modssl-rs {rev}: rp2 rows"
                f" (make bench-rp2)\n\n- ours: `{a.ours.parent.name}`; stock: `{a.stock.parent.name}`"
                " (the port's mbedTLS `tls`, same tree)\n- rp2040js: Cortex-M0+ cycles at 125 MHz,"
                " no flash wait states\n\n")
        with a.results.open("a") as f:
            f.write(head + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
