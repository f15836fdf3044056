"""Fixtures for the modssl-rs suite: certificates, peers, MicroPython runners.

Run:  python3 -m pytest tests -q            (host binary build/micropython, or $MICROPYTHON)
      python3 -m pytest tests -q --device /dev/ttyACM0   (board via mpremote)

Tests whose snippets need the host's loopback peers (CPython / openssl / a
second MicroPython process) or host files are *host-only*: any test using a
peer fixture is marked automatically, others carry ``@pytest.mark.host_only``.
With ``--device`` they are skipped; tests marked ``device_only`` run only
with ``--device``.
"""
from __future__ import annotations

import importlib.util
import shutil
import threading

import pytest

from helpers.certs import Certs
from helpers.fixtures import peer_factory
from helpers.mpy import DeviceRunner, HostRunner, binary_path
from helpers.net import free_port
from helpers.osslpeers import SServer
from helpers.pypeers import TLSServer

# Fixtures that start a peer on the host's loopback interface.
PEER_FIXTURES = {"tls_server", "plain_server", "s_server", "mpy_server", "slow_reader"}


def pytest_addoption(parser):
    parser.addoption("--device", metavar="PORT", default=None,
                     help="run MicroPython snippets on a board via `mpremote connect PORT run`")


def pytest_configure(config):
    config.addinivalue_line("markers", "host_only: needs host loopback peers or host files")
    config.addinivalue_line("markers", "device_only: runs only with --device")
    config.addinivalue_line("markers", "harness: checks the test harness itself (no MicroPython)")
    if config.getoption("--device") and importlib.util.find_spec("mpremote") is None:
        raise pytest.UsageError("--device needs mpremote: pip install mpremote")


def pytest_collection_modifyitems(config, items):
    device = config.getoption("--device")
    for item in items:
        host_only = item.get_closest_marker("host_only") or PEER_FIXTURES & set(item.fixturenames)
        if device and host_only:
            item.add_marker(pytest.mark.skip(
                reason="host-only: needs the host's loopback peers/files, which a board cannot reach"))
        if not device and item.get_closest_marker("device_only"):
            item.add_marker(pytest.mark.skip(reason="device-only: pass --device PORT"))


# -- certificates -------------------------------------------------------------

@pytest.fixture(scope="session")
def certs(tmp_path_factory) -> Certs:
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not found")
    return Certs.generate(tmp_path_factory.mktemp("certs"))


# -- MicroPython ----------------------------------------------------------------

@pytest.fixture(scope="session")
def device_port(request, tmp_path_factory):
    """The --device PORT, checked once: an unreachable board stops the run."""
    port = request.config.getoption("--device")
    if port:
        runner = DeviceRunner(port, tmp_path_factory.mktemp("device-check"))
        r = runner.run("import sys\nprint('BOARD', sys.platform)", timeout=30)
        if r.returncode != 0 or not r.tagged("BOARD"):
            pytest.exit(f"--device {port}: cannot run code on the board\n{r}", returncode=2)
    return port


@pytest.fixture
def mpy(device_port, tmp_path):
    """Runs snippets on the host binary, or on the board given by --device."""
    port = device_port
    if port:
        yield DeviceRunner(port, tmp_path)
        return
    binary = binary_path()
    if not binary.exists():
        # A failure, not a skip: a suite that "passes" with nothing to test
        # would let CI report green on a broken build.
        pytest.fail(f"MicroPython binary {binary} does not exist "
                    "(build it first with `make`, or set MICROPYTHON=/path/to/micropython)")
    runner = HostRunner(binary, tmp_path)
    yield runner
    runner.cleanup()


@pytest.fixture
def mpy_server(mpy):
    """Start a MicroPython server snippet: ``mpy_server(lambda port: code)``.

    The snippet must call ``listener(port)`` (prelude), which prints LISTENING.
    Returns ``(process, port)``; retries with another port if bind fails.
    """
    def start(make_code, heapsize=None):
        last = None
        for _ in range(3):
            port = free_port()
            proc = mpy.start(make_code(port), heapsize=heapsize)
            if proc.wait_for("LISTENING", timeout=20):
                return proc, port
            last = proc.finish(5)
            if "BINDFAIL" not in last.stdout:
                break
        raise AssertionError(f"MicroPython server did not start listening\n{last}")
    return start


# -- peers ----------------------------------------------------------------------

tls_server = peer_factory(TLSServer, "Factory for CPython TLS servers (see helpers.pypeers.TLSServer).")
plain_server = peer_factory(
    lambda steps, connections=1: TLSServer(None, None, steps=steps, connections=connections, plain=True),
    "Factory for plain-TCP servers (no TLS) running ``steps``.")
s_server = peer_factory(SServer, "Factory for ``openssl s_server`` processes (see helpers.osslpeers.SServer).")


@pytest.fixture
def slow_reader(certs, tls_server):
    """A CPython TLS 1.2 server (P-256 leaf) that reads nothing until its
    ``drain`` event is set, so that a client's writes fill the socket; then it
    reads until EOF (``record().received``, ``.eof``).

    TLS 1.2: no session tickets after the handshake.  A client closing with
    unread bytes in its receive queue makes the kernel send RST, which would
    discard data still queued in its send buffer."""
    leaf = certs["p256"]
    drain = threading.Event()
    srv = tls_server(leaf.chain.path, leaf.key.pem.path, version="1.2",
                     steps=[("wait", drain), ("recv_eof",)])
    srv.drain = drain
    yield srv
    drain.set()   # a test that failed before draining: let the server end
