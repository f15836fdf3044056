"""TLS on the microcontrollers' instruction sets, under emulation.

MicroPython's qemu port built with our module (``make qemu``):

* MPS2_AN385, a Cortex-M3 running the core built for thumbv6m, the exact
  code an RP2040 (Pico W) runs;
* VIRT_RV32, running the core built for riscv32imc, the ESP32-C3's code.

The port has no network, so a client and a server run in one interpreter
over an in-memory stream pair (tests/qemu_snippets.py): TLS 1.3 and 1.2
handshakes with certificate verification (ECDSA P-256 and RSA-2048 server
keys, chains to a P-256 root), then 3000 bytes each way, checked by hash.
qemu runs with ``-icount shift=0``: one instruction per nanosecond of virtual
time, so ``time.ticks_us()`` on the board counts thousands of instructions.
Peak stack is measured by painting the C stack before each call into a
side (``modssl_qemu.stack_paint``).  Results go to build/qemu-report.txt.

Run by ``make qemu-test`` (part of ``make test``), which sets MODSSL_QEMU_TESTS=1.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.qemu import BOARDS, QemuBoard, firmware_path
from qemu_snippets import (CLOCK_CASE, PIPE, RUN, check_clock_cases, clock_case_globals, core_stack_peak,
                           parse_results, rpk_vs_x509_code, rpk_vs_x509_report)

REPO = Path(__file__).resolve().parents[1]
REPORT = REPO / "build" / "qemu-report.txt"

pytestmark = [
    pytest.mark.host_only,
    pytest.mark.skipif(os.environ.get("MODSSL_QEMU_TESTS") != "1",
                       reason="emulated boards: run `make qemu-test` (sets MODSSL_QEMU_TESTS=1)"),
]

# micropython.cmake's MODSSL_MIN_STACK default: the rp2 port's own main
# stack, which the board builds keep since handshakes run on the core stack.
MIN_STACK = 8192
# P-256 and RSA-2048 leaves under a P-256 intermediate and root; a P-256
# leaf under a P-384 intermediate and root (Let's Encrypt's ECDSA chains:
# the deepest stack, P-384 verification inside webpki's path building);
# Ed25519 throughout.
CASES = [("p256", 0x0304), ("p256", 0x0303), ("rsa", 0x0304), ("rsa", 0x0303),
         ("le_ecdsa", 0x0304), ("le_ecdsa", 0x0303), ("ed25519_chain", 0x0304)]
NBYTES = 3000


def mpremote_run(pty: str, script: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mpremote", "connect", pty, "run", str(script)],
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module", params=list(BOARDS))
def board(request):
    fw = firmware_path(request.param)
    if not fw.exists():
        pytest.fail(f"{fw} missing: run `make qemu`")
    b = QemuBoard(request.param, fw)
    b.start()
    time.sleep(0.3)
    yield b
    b.stop()


def _script(certs, body: str) -> str:
    return PIPE + RUN + body


def _case_code(certs, tag, kind, version, paint, when=None):
    leaf = certs[kind]
    when = int(time.time()) if when is None else when
    return (f"modssl_qemu.set_time({when})\n"
            f"handshake_and_exchange({tag!r}, {version}, {leaf.chain.data!r}, {leaf.key.pem.data!r}, "
            f"{certs.root_of(kind).cert.pem.data!r}, {NBYTES}, {paint})\n")


def test_handshakes_and_data(board, certs, tmp_path):
    """TLS 1.3 and 1.2, ECDSA P-256 and RSA-2048, verified, 3000 bytes each way."""
    body = ""
    for kind, version in CASES:
        tag = f"{kind}-{'1.3' if version == 0x0304 else '1.2'}"
        body += _case_code(certs, tag, kind, version, 0)
        body += _case_code(certs, tag + "-stack", kind, version, 65536)
    script = tmp_path / "hs.py"
    script.write_text(_script(certs, body))
    t0 = time.monotonic()
    p = mpremote_run(board.pty, script)
    wall = time.monotonic() - t0
    assert p.returncode == 0 and "Traceback" not in p.stdout, p.stdout + p.stderr
    res = parse_results(p.stdout)

    lines = [f"== {board.board}: {board.description} (qemu -icount shift=0; {wall:.0f} s wall)",
             f"   {'case':<13} {'version':<8} {'cipher suite':<40} {'group':<15} {'client Minstr':>13}"
             f" {'server Minstr':>13} {'heap':>7} {'arena max':>9} {'client stack':>12} {'server stack':>12} {'core stack':>10}"]
    for kind, version in CASES:
        tag = f"{kind}-{'1.3' if version == 0x0304 else '1.2'}"
        r, rs = res.get(tag), res.get(tag + "-stack")
        assert r and rs, f"{tag}: no result\n{p.stdout}"
        want = "TLSv1.3" if version == 0x0304 else "TLSv1.2"
        assert r["VERSION"] == [want, want], (tag, r)
        assert r["UP"] == ["True", str(NBYTES)] and r["DOWN"] == ["True", str(NBYTES)], (tag, r)
        assert rs["UP"][0] == "True" and rs["DOWN"][0] == "True", (tag, rs)
        if version == 0x0303:
            assert ("RSA" if kind == "rsa" else "ECDSA") in r["CIPHER"][0], r
        c_us, s_us = (int(x) for x in r["HS_US"])
        c_st, s_st = (int(x) for x in rs["STACK"])
        assert 0 < c_st < 65536 and 0 < s_st < 65536, rs
        # The boards' builds promise what the module does on the main stack
        # fits the stack they check for at link time (micropython.cmake:
        # MODSSL_MIN_STACK, the port's 8 KiB): the module's calls must stay
        # 1 KiB clear of that.
        assert max(c_st, s_st) <= MIN_STACK - 1024, (
            f"{tag}: a handshake's main stack ({max(c_st, s_st)} B) comes within 1 KiB of the"
            f" {MIN_STACK} B the board builds guarantee (MODSSL_MIN_STACK)")
        # And the deep calls, on the core stack, 1 KiB clear of its end.
        core = core_stack_peak(tag, rs)
        # 1 us of virtual time = 1000 instructions (icount shift=0).
        heap, arena = (int(x) for x in r["HEAP"])
        assert 0 < heap < 200_000 and 0 < arena < 200_000, (tag, r["HEAP"])
        lines.append(f"   {kind:<13} {want:<8} {r['CIPHER'][0]:<40} {r['GROUP'][0]:<15} {c_us / 1000:>13.1f}"
                     f" {s_us / 1000:>13.1f} {heap:>7,} {arena:>9,} {c_st:>12,} {s_st:>12,} {core:>10,}")
    lines.append("   Minstr: millions of instructions for that side's handshake (its calls into the"
                 " module, up to its first application data), from time.ticks_us() under -icount.")
    lines.append("   heap: the GC heap both contexts and both live connections hold after the exchange;"
                 " arena max: the most the connections' TLS state held (ssl.mem_info()) after any call.")
    lines.append("   stack: peak main C stack below the Python call site of the module call (shim + core),"
                 " by stack painting; core stack: the most of the core stack (ssl.stack_info()) the"
                 " handshake and the exchange used, both sides (they share it: one thread).")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    mode = "a" if REPORT.exists() and board.board != list(BOARDS)[0] else "w"
    with REPORT.open(mode) as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def test_raw_public_keys_beside_certificates(board, certs, tmp_path):
    """RFC 7250 on the chips' code: the P-256 key as a raw public key on
    both sides (trusted as that key), beside the same key's certificate
    chain, TLS 1.3, 3000 bytes each way; what it saves goes to the report."""
    body = f"modssl_qemu.set_time({int(time.time())})\n" + rpk_vs_x509_code(certs)
    script = tmp_path / "rpk.py"
    script.write_text(_script(certs, body))
    p = mpremote_run(board.pty, script)
    assert p.returncode == 0 and "Traceback" not in p.stdout, p.stdout + p.stderr
    # 1 us of virtual time = 1000 instructions.
    rpk_vs_x509_report(p.stdout, board.board, "Minstr", 1000, REPORT)


def test_clock_and_verification_failures(board, certs, tmp_path):
    """As on a board before ntptime.settime(): the clock reports "not set".
    A CERT_NONE client and a server that asks for no client certificate
    connect; a verifying client and a server verifying its client refuse with
    the clock error; then, with the clock set, a wrong host name is refused
    with its own error (docs/security.md, rule 4)."""
    body = clock_case_globals(certs) + CLOCK_CASE + f'''
NOW = {int(time.time())}
modssl_qemu.set_time(-1)
case("NOCLOCK_NONE", False, "localhost", False)
case("NOCLOCK_VERIFY", True, "localhost", False)
case("NOCLOCK_MTLS", False, "localhost", True)
modssl_qemu.set_time(NOW)
case("CLOCK_MTLS", False, "localhost", True)
case("WRONGHOST", True, "example.com", False)
'''
    script = tmp_path / "bad.py"
    script.write_text(_script(certs, body))
    p = mpremote_run(board.pty, script)
    assert p.returncode == 0 and "Traceback" not in p.stdout, p.stdout + p.stderr
    check_clock_cases(p.stdout)
