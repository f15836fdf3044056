"""The rustls peer on the aws-lc-rs provider (tests/peers/rustls-aws, built
by `make peers`): an implementation independent of ours (AWS-LC's ML-KEM,
rustls' own RFC 7250 and RFC 8879 code), for test_pq, test_rpk and
test_cert_compress."""
from __future__ import annotations

import os
import re
import subprocess

import pytest

PEER = os.environ.get("RUSTLS_AWS_PEER") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "target", "peers", "release",
    "rustls-aws-peer")
TIMEOUT = 60


def peer_binary() -> str:
    if not os.path.exists(PEER):
        pytest.fail(f"{PEER} is missing: `make peers` builds it (make test does)")
    return PEER


class PeerServer:
    """The peer started as a server: `mode` (server, server-rpk) and its
    arguments; it prints "PORT n" once listening.  `env`: its environment
    (the compression modes)."""

    def __init__(self, mode: str, *args, env=None):
        self.proc = subprocess.Popen([peer_binary(), mode, *(str(a) for a in args)], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=env)
        line = self.proc.stdout.readline()
        m = re.match(r"PORT (\d+)", line)
        assert m, f"rustls-aws-peer {mode} did not start: {line}{self.proc.stdout.read()}"
        self.port = int(m.group(1))

    def finish(self) -> str:
        out, _ = self.proc.communicate(timeout=TIMEOUT)
        return out

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def run_client(*args, env=None) -> str:
    """The peer as a client (`client ...`, `client-rpk ...`): what it printed."""
    p = subprocess.run([peer_binary(), *(str(a) for a in args)], capture_output=True, text=True,
                       timeout=TIMEOUT, env=env)
    return p.stdout + p.stderr
