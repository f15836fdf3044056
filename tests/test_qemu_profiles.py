"""Every feature profile's stacks, on the emulated Cortex-M (MPS2_AN385,
the RP2040's thumbv6m code): the board, built with the profile
(`make profiles`: general, client, small-client, minimal; `full` is
tests/test_qemu.py's), is the client of a verified handshake with host
OpenSSL (tests/test_qemu_peer.py's relay over the UART) for each chain the
profile can verify: a P-256 leaf under a P-256 CA (TLS 1.3, and 1.2 where
the profile has it), RSA-2048 under P-256, a P-256 leaf under a P-384 CA
(Let's Encrypt's ECDSA shape) and Ed25519 throughout.  Then 2000 bytes each
way.

Each handshake must stay 1 KiB clear of the end of the main stack the board
builds keep (the rp2 port's 8 KiB; stack painting around every call) and of
the end of the core stack (its own paint, ssl.stack_info()).  Results go to
build/qemu-report.txt.

Run by `make qemu-test`, which builds the profiles and sets MODSSL_QEMU_TESTS=1.
"""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from test_qemu import MIN_STACK as MAIN_STACK
from test_qemu_peer import DOWN_SEED, NBYTES, UP_SEED, Board, Host, _relay, pattern

REPO = Path(__file__).resolve().parents[1]
REPORT = REPO / "build" / "qemu-report.txt"
PROFILES = ["general", "client", "small-client", "minimal"]

pytestmark = [
    pytest.mark.host_only,
    pytest.mark.skipif(os.environ.get("MODSSL_QEMU_TESTS") != "1",
                       reason="emulated boards: run `make qemu-test` (sets MODSSL_QEMU_TESTS=1)"),
]


def features(profile: str) -> set[str]:
    out = subprocess.run(["sh", str(REPO / "micropython" / "features.sh"), profile], capture_output=True,
                         text=True, check=True).stdout.strip()
    return set(out.split(","))


def cases(profile: str) -> list[tuple[str, str]]:
    """(chain, TLS version) pairs the profile's client can verify."""
    f = features(profile)
    out = [("p256", "1.3")]
    if "tls12" in f:
        out.append(("p256", "1.2"))
    if "rsa" in f:
        out.append(("rsa", "1.3"))
    if "p384" in f:
        out += [("le_ecdsa", "1.3")] + ([("le_ecdsa", "1.2")] if "tls12" in f else [])
    if "ed25519" in f:
        out.append(("ed25519_chain", "1.3"))
    return out


@pytest.fixture(scope="module", params=PROFILES)
def board(request):
    fw = REPO / "build" / f"qemu-profile-{request.param}-MPS2_AN385" / "firmware.elf"
    if not fw.exists():
        pytest.fail(f"{fw} missing: run `make profiles`")
    b = Board("MPS2_AN385", fw)
    b.profile = request.param
    yield b
    b.close()


def test_profile_stacks(board, certs):
    lines = [f"== MPS2_AN385, profile {board.profile}: the board as client of host OpenSSL",
             f"   {'chain':<13} {'version':<8} {'main stack':>10} {'core stack':>10}"]
    for kind, version in cases(board.profile):
        board.reset()
        v = 0x0304 if version == "1.3" else 0x0303
        board.exec(f"import ssl\nmodssl_qemu.set_time({int(time.time())})\n"
                   f"setup(False, {v}, None, None, None, {certs.root_of(kind).cert.pem.data!r}, "
                   f"{NBYTES}, {UP_SEED})\nPAINT = 65536\nssl.stack_info()\n")
        host = Host(certs, "client", version, None, kind=kind)
        (sent, got, eof, err, _), host_err, _ = _relay(board, host)
        assert err is None and host_err is None, (board.profile, kind, version, err, host_err)
        assert bytes(host.got) == pattern(NBYTES, UP_SEED)
        assert board.eval(f"result({DOWN_SEED})")[1:] == (f"TLSv{version}", True)
        main, (size, core) = board.eval("print(repr((MAIN, ssl.stack_info())))")
        tag = f"{board.profile} {kind} TLS {version}"
        assert 0 < main <= MAIN_STACK - 1024, f"{tag}: main stack {main} B within 1 KiB of {MAIN_STACK} B"
        assert 0 < core <= size - 1024, f"{tag}: core stack {core} B within 1 KiB of its {size} B"
        lines.append(f"   {kind:<13} TLSv{version:<4} {main:>10,} {core:>10,}")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    with REPORT.open("a") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
