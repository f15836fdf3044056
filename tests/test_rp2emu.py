"""The rp2 firmware users flash, on an emulated RP2040 (``make rp2-emu``).

``make rp2 BOARD=...`` builds the board's real firmware (pico-sdk, the
board's manifest with its frozen micropython-lib modules, our module in
place of mbedTLS's ``ssl``/``tls``); rp2040js boots that UF2 with the
RP2040's boot ROM and the board's USB CDC carries mpremote
(tests/helpers/rp2emu.py).  Neither the CYW43 Wi-Fi chip nor a WIZnet
Ethernet chip is emulated, so a client and a server run in one interpreter
over an in-memory stream pair (tests/qemu_snippets.py), as on the qemu
boards.

The board boots with its clock at 2021-01-01 (the rp2 port's reset value), as
a real Pico W does before ``ntptime.settime()``; the tests that need a valid
clock set it with ``machine.RTC().datetime(...)``.

Run by ``make rp2-emu``, which sets MODSSL_RP2EMU_UF2 (the firmware) and
RP2040JS_DIR (for the boot ROM image).
"""
from __future__ import annotations

import datetime as _dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.rp2emu import Rp2040jsBoard, stack_extent
from qemu_snippets import (CLOCK_CASE, PIPE, RUN, check_clock_cases, clock_case_globals, core_stack_peak,
                           parse_results, rpk_vs_x509_code, rpk_vs_x509_report)

REPO = Path(__file__).resolve().parents[1]
UF2 = os.environ.get("MODSSL_RP2EMU_UF2", "")
REPORT = Path(os.environ.get("MODSSL_RP2EMU_REPORT", REPO / "build" / "rp2emu-report.txt"))

pytestmark = [
    pytest.mark.host_only,
    pytest.mark.skipif(not UF2, reason="the emulated RP2040: run `make rp2-emu` (sets MODSSL_RP2EMU_UF2)"),
]

# P-256 and RSA-2048 leaves under a P-256 intermediate and root; a P-256
# leaf under a P-384 intermediate and root (Let's Encrypt's ECDSA chains:
# the deepest stack, P-384 verification inside webpki's path building);
# Ed25519 throughout.
CASES = [("p256", 0x0304), ("p256", 0x0303), ("rsa", 0x0304), ("rsa", 0x0303),
         ("le_ecdsa", 0x0304), ("le_ecdsa", 0x0303), ("ed25519_chain", 0x0304)]
NBYTES = 3000

# The qemu snippets without the qemu port's helper module: the rp2 board's
# clock is its RTC, set as a user sets it.
BOARD_PIPE = PIPE.replace(", modssl_qemu", "") + '''
import machine

def set_clock(dt):
    # dt: (year, month, day, weekday, hours, minutes, seconds), UTC
    machine.RTC().datetime(dt + (0,))
'''


def now_tuple() -> tuple:
    t = _dt.datetime.now(_dt.timezone.utc)
    return (t.year, t.month, t.day, t.weekday(), t.hour, t.minute, t.second)


def mpremote_run(pty: str, script: Path, timeout: float = 900, soft_reset: bool = False):
    # `resume`: no soft reset first, so that a test sees the board as it
    # booted (clock unset); the tests that want a soft reset ask for one.
    resume = [] if soft_reset else ["resume"]
    return subprocess.run([sys.executable, "-m", "mpremote", "connect", pty, *resume, "run", str(script)],
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def fresh_board() -> Rp2040jsBoard:
    b = Rp2040jsBoard(Path(UF2))
    b.start()
    time.sleep(0.3)
    return b


@pytest.fixture(scope="module")
def board():
    if not Path(UF2).exists():
        pytest.fail(f"{UF2} missing: run `make rp2-emu`")
    b = fresh_board()
    yield b
    b.stop()


def run_ok(board, tmp_path, name, body, timeout=900, soft_reset=False):
    script = tmp_path / name
    script.write_text(BOARD_PIPE + RUN + body)
    p = mpremote_run(board.pty, script, timeout, soft_reset)
    assert p.returncode == 0 and "Traceback" not in p.stdout, p.stdout + p.stderr
    return p.stdout


def value(out: str, key: str) -> str:
    """The rest of the first line that starts with KEY."""
    for ln in out.splitlines():
        if ln.startswith(key + " "):
            return ln[len(key) + 1:].strip()
    raise AssertionError(f"no {key} line in:\n{out}")


def stack_size(uf2: str) -> int:
    top, bottom = stack_extent(Path(uf2).with_suffix(".elf"))
    return top - bottom


def test_as_booted(certs, tmp_path):
    """First thing after boot, on a board of its own: the clock is the rp2
    reset value; `import ssl` is this module although the board's manifest
    froze micropython-lib's ssl.py; before the clock is set a CERT_NONE
    client and a server without client verification connect (the seeds'
    `ssl.wrap_socket(s)` right after Wi-Fi comes up), while everything that
    verifies a certificate is refused with the clock error."""
    frozen = (Path(UF2).parent / "frozen_content.c").read_text()
    assert '"ssl.py"' in frozen, "this firmware freezes no micropython-lib ssl.py: the check means nothing"
    b = fresh_board()
    try:
        body = CLOCK_CASE + f'''
import ssl, ussl, tls, time
print("CLOCK YEAR", time.gmtime()[0])
print("SSL FILE", getattr(ssl, "__file__", "builtin"))
print("SSL OURS", hasattr(ssl, "mem_info") and hasattr(ssl, "save_session") and ssl is ussl)
case("NOCLOCK_NONE", False, "localhost", False)
case("NOCLOCK_VERIFY", True, "localhost", False)
case("NOCLOCK_MTLS", False, "localhost", True)
case("NOCLOCK_WRAP", None, None, False)
set_clock({now_tuple()!r})
case("CLOCK_MTLS", False, "localhost", True)
case("WRONGHOST", True, "example.com", False)
'''
        out = run_ok(b, tmp_path, "boot.py", clock_case_globals(certs) + body)
    finally:
        b.stop()
    r = check_clock_cases(out)
    assert r["CLOCK", "YEAR"] == "2021", out
    assert r["SSL", "FILE"] == "builtin", out
    assert r["SSL", "OURS"] == "True", out
    # ssl.wrap_socket(sock) as the seeds and micropython-lib's ssl.py call it.
    assert r["NOCLOCK_WRAP", "GOT"] == "5", out
    assert r["NOCLOCK_WRAP", "CLIENT"] == "none", out


def test_default_context(board, certs, tmp_path):
    """`ssl.create_default_context()` as a user calls it on the board.  With
    built-in roots (the compact trust store of the board profiles, or the
    full bundle) it verifies: our local test server is refused (its root is
    not a public one), and trusted once its root is loaded.  A build made
    without them (MODSSL_CA_COMPACT=0) raises the named ValueError.  Which
    one this firmware is comes from the features its build recorded."""
    features = (Path(UF2).parent / "modssl" / "features.txt").read_text().strip().split(",")
    has_roots = "ca-compact" in features or "ca-bundle" in features
    leaf = certs["p256"]
    body = f'''
import ssl
set_clock({now_tuple()!r})
sctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain({leaf.chain.data!r}, {leaf.key.pem.data!r})

def attempt(name, ctx):
    ce, se = pair()
    c = ctx.wrap_socket(ce, server_hostname="localhost", do_handshake_on_connect=False)
    s = sctx.wrap_socket(se, server_side=True, do_handshake_on_connect=False)
    try:
        for i in range(60):
            c.write(b"x")
            if s.read(1) == b"x":
                print(name, "OK")
                return
        print(name, "STUCK")
    except Exception as e:
        print(name, type(e).__name__, e)
    finally:
        c.close()
        s.close()

try:
    ctx = ssl.create_default_context()
except ValueError as e:
    print("DEFAULT ValueError", e)
else:
    print("DEFAULT", ctx.verify_mode == ssl.CERT_REQUIRED, ctx.check_hostname)
    attempt("PUBLIC_ONLY", ctx)
    ctx.load_verify_locations(cadata={certs.root.cert.pem.data!r})
    attempt("WITH_ROOT", ctx)
'''
    out = run_ok(board, tmp_path, "default.py", body)
    if not has_roots:
        assert value(out, "DEFAULT") == ("ValueError this build has no built-in CA roots (MODSSL_CA_BUNDLE=0,"
                                         " MODSSL_CA_COMPACT=0): load a CA with load_verify_locations()"), out
        return
    assert value(out, "DEFAULT") == "True True", out
    assert value(out, "PUBLIC_ONLY").startswith("SSLCertVerificationError certificate verification failed:"), out
    assert value(out, "WITH_ROOT") == "OK", out


def test_handshakes_data_and_stack(board, certs, tmp_path):
    """TLS 1.3 and 1.2: ECDSA P-256 and RSA-2048 leaves, a P-384 CA (Let's
    Encrypt's ECDSA shape), Ed25519; verified, 3000 bytes each way checked
    by hash.  The emulator's lowest stack pointer on the main stack over the
    whole run must stay 1 KiB clear of the main stack's end, and each
    handshake's core stack (its paint, ssl.stack_info()) 1 KiB clear of
    its end."""
    body = f"set_clock({now_tuple()!r})\n"
    for kind, version in CASES:
        tag = f"{kind}-{'1.3' if version == 0x0304 else '1.2'}"
        leaf = certs[kind]
        body += (f"print('@M start-{tag}')\n"
                 f"handshake_and_exchange({tag!r}, {version}, {leaf.chain.data!r}, {leaf.key.pem.data!r}, "
                 f"{certs.root_of(kind).cert.pem.data!r}, {NBYTES}, 0)\n"
                 f"print('@M end-{tag}')\n")
    t0 = time.monotonic()
    first_mark = len(board.marks)
    out = run_ok(board, tmp_path, "hs.py", body)
    wall = time.monotonic() - t0
    time.sleep(0.5)  # the last mark's report
    res = parse_results(out)
    marks = board.marks[first_mark:]
    limit = stack_size(UF2)
    lines = [f"== {Path(UF2).parent.name}: rp2040js, Cortex-M0+ at 125 MHz ({wall:.0f} s wall);"
             f" main stack {limit:,} B",
             f"   {'case':<13} {'version':<8} {'cipher suite':<40} {'group':<15} {'client ms':>10}"
             f" {'server ms':>10} {'heap':>7} {'arena max':>9} {'peak stack':>11} {'core stack':>10}"]
    for kind, version in CASES:
        tag = f"{kind}-{'1.3' if version == 0x0304 else '1.2'}"
        r = res.get(tag)
        assert r, f"{tag}: no result\n{out}"
        want = "TLSv1.3" if version == 0x0304 else "TLSv1.2"
        assert r["VERSION"] == [want, want], (tag, r)
        assert r["UP"] == ["True", str(NBYTES)] and r["DOWN"] == ["True", str(NBYTES)], (tag, r)
        if version == 0x0303:
            assert ("RSA" if kind == "rsa" else "ECDSA") in r["CIPHER"][0], r
        c_us, s_us = (int(x) for x in r["HS_US"])
        # The marks between this case's start and end (the board's USB
        # output lags its prints a little: the next start mark is included).
        names = [m["mark"] for m in marks]
        assert f"end-{tag}" in names, (tag, names)
        i, j = names.index(f"start-{tag}"), names.index(f"end-{tag}")
        peak = max(m["stack"] for m in marks[i:j + 2])
        # The deep calls' own stack (ssl.stack_info()), 1 KiB clear of its end.
        core = core_stack_peak(tag, r)
        # Heap: both contexts and both live connections, after the exchange.
        heap, arena = (int(x) for x in r["HEAP"])
        assert 0 < heap < 200_000 and 0 < arena < 200_000, (tag, r["HEAP"])
        lines.append(f"   {kind:<13} {want:<8} {r['CIPHER'][0]:<40} {r['GROUP'][0]:<15} {c_us / 1000:>10.1f}"
                     f" {s_us / 1000:>10.1f} {heap:>7,} {arena:>9,} {peak:>11,} {core:>10,}")
    peak = max(m["stack"] for m in marks)
    lines.append("   heap: the GC heap both contexts and both live connections hold after the exchange;"
                 " arena max: the most the connections' TLS state held (ssl.mem_info()) after any call")
    lines.append(f"   peak main-stack use over the run: {peak:,} B of {limit:,} B"
                 " (the emulator's lowest SP; client and server share one stack here)")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    with REPORT.open("a") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    assert 0 < peak <= limit - 1024, f"a handshake came within 1 KiB of the stack's end: {peak} of {limit}"


def test_raw_public_keys_beside_certificates(board, certs, tmp_path):
    """RFC 7250 on the board's firmware: the P-256 key as a raw public key
    on both sides, beside the same key's certificate chain, TLS 1.3; the
    time and heap each takes go to the report.  Skipped by a firmware
    without raw public keys (MODSSL_RPK=1 adds them)."""
    out = run_ok(board, tmp_path, "rpk.py", f"set_clock({now_tuple()!r})\n" + rpk_vs_x509_code(certs))
    rpk_vs_x509_report(out, Path(UF2).parent.name, "ms", 1000, REPORT)


# Fill the GC heap, then free it 1 KiB at a time, attempting a verified
# in-memory handshake after each step, so that allocation fails at different
# points inside it.
OOM_EPISODE = '''
cctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
cctx.load_verify_locations(cadata=ROOT)
sctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(CHAIN, KEY)
gc.collect()

def attempt():
    c = s = None
    try:
        ce, se = pair()
        c = cctx.wrap_socket(ce, server_hostname="localhost", do_handshake_on_connect=False)
        s = sctx.wrap_socket(se, server_side=True, do_handshake_on_connect=False)
        sent = False
        for i in range(40):
            if not sent:
                sent = bool(c.write(b"ping"))
            r = s.read(4)
            if r == b"ping":
                return "ok"
        return "stuck"
    except MemoryError:
        return "MemoryError"
    except Exception as e:
        return "OTHER:" + type(e).__name__
    finally:
        for x in (c, s):
            if x is not None:
                try:
                    x.close()
                except Exception:
                    pass

def oom_episode():
    results = [None] * 300
    # One handshake first: the client context keeps the server's session
    # tickets (for resumption), which is memory in use, not a leak.
    print("WARM", attempt())
    gc.collect()
    base = gc.mem_alloc()
    hog = []
    try:
        while True:
            hog.append(bytearray(1024))
    except MemoryError:
        pass
    n = 0
    outcome = None
    while n < len(results) and hog:
        hog.pop()
        gc.collect()
        outcome = attempt()
        results[n] = outcome
        n += 1
        if outcome == "ok":
            break
    hog = None
    gc.collect()
    final = attempt()
    gc.collect()
    leak = gc.mem_alloc() - base
    print("OUTCOMES", " ".join(sorted(set(results[:n]))))
    print("FAILURES", sum(1 for x in results[:n] if x == "MemoryError"))
    print("FINAL", final)
    print("LEAK", leak)
'''


def _oom_prelude(certs) -> str:
    leaf = certs["p256"]
    return (f"set_clock({now_tuple()!r})\nCHAIN = {leaf.chain.data!r}\nKEY = {leaf.key.pem.data!r}\n"
            f"ROOT = {certs.root.cert.pem.data!r}\n" + OOM_EPISODE)


def test_oom_mid_handshake_then_recover(board, certs, tmp_path):
    """Out of memory at many points of a handshake: every failure is
    MemoryError, the board goes on, a handshake succeeds once enough is
    free, and the heap comes back to its level."""
    out = run_ok(board, tmp_path, "oom.py", _oom_prelude(certs) + "oom_episode()\n")
    assert set(value(out, "OUTCOMES").split()) <= {"MemoryError", "ok"}, out
    assert int(value(out, "FAILURES")) >= 3, ("the heap was never short during a handshake", out)
    assert value(out, "WARM") == value(out, "FINAL") == "ok", out
    assert int(value(out, "LEAK")) < 2048, ("failed handshakes leaked heap", out)


def test_soft_reset_with_live_connections(board, certs, tmp_path):
    """A soft reset (Ctrl-D) after an out-of-memory episode, while a client
    and a server are mid-handshake (holding the core stack) and another pair
    is connected.  The next
    program fills the heap with known bytes, uses TLS, and finds every byte
    intact (MicroPython's list of tracked blocks once survived the reset
    pointing into freed memory, and the next program's first TLS allocation
    wrote through it); it handshakes; and a second soft reset finds the heap
    at the same level as the first."""
    leaf = certs["p256"]
    setup = f'''
oom_episode()
live = []
for k in range(2):
    ce, se = pair()
    c = cctx.wrap_socket(ce, server_hostname="localhost", do_handshake_on_connect=False)
    s = sctx.wrap_socket(se, server_side=True, do_handshake_on_connect=False)
    c.write(b"x")          # client hello out
    s.read(1)              # server flight out: both mid-handshake
    if k == 1:
        for i in range(10):
            c.write(b"y")
            if s.read(1):
                break
    live.append((c, s))
print("LIVE", len(live), __import__("ssl").mem_info()[0])
'''
    first = run_ok(board, tmp_path, "live.py", _oom_prelude(certs) + setup, soft_reset=True)
    assert "LIVE 2 4" in first, first
    after = f'''
gc.collect()
print("FREE", gc.mem_free())
print("MEM", __import__("ssl").mem_info()[0])
set_clock({now_tuple()!r})
# Room for what loading needs (the core stack: 22 KiB in one piece), kept
# in one block while the heap fills, so that it is free in one piece after.
room = bytearray(40 * 1024)
hog = []
try:
    while True:
        hog.append(bytearray(b"\\xa5" * 1024))
except MemoryError:
    pass
room = None
gc.collect()
ctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain({leaf.chain.data!r}, {leaf.key.pem.data!r})
bad = sum(1 for h in hog if h != b"\\xa5" * 1024)
print("INTACT", len(hog), bad)
hog = ctx = None
gc.collect()
handshake_and_exchange("after", 0, {leaf.chain.data!r}, {leaf.key.pem.data!r}, {certs.root.cert.pem.data!r}, 500, 0)
'''
    second = run_ok(board, tmp_path, "after.py", after, soft_reset=True)
    third = run_ok(board, tmp_path, "after.py", after, soft_reset=True)
    for out in (second, third):
        assert value(out, "MEM") == "0", out
        n, bad = (int(x) for x in value(out, "INTACT").split())
        assert n > 100 and bad == 0, out
        assert "after UP True 500" in out and "after DOWN True 500" in out, out
    free1, free2 = int(value(second, "FREE")), int(value(third, "FREE"))
    assert abs(free1 - free2) < 256, ("heap lost across a soft reset with live connections", free1, free2)
