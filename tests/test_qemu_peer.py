"""The emulated boards' TLS against an independent peer: host OpenSSL.

tests/test_qemu.py runs both TLS ends inside one board, so a bug in the
board's own AEAD or key schedule that both ends share would pass there.
Here the board's endpoint (thumbv6m core on MPS2_AN385, riscv32imc core on
VIRT_RV32) talks to CPython's ``ssl`` (OpenSSL) through ``ssl.MemoryBIO``,
with the TLS records relayed over the board's UART by mpremote's raw REPL:

* on the board, an in-memory non-blocking stream (``End``,
  helpers/memstream.py: ``readinto`` returns None when empty) wrapped with
  ``tls.SSLContext(...).wrap_socket(..., do_handshake_on_connect=False)``;
  each ``step(rx)`` exec appends the host's bytes to its rx buffer, tries
  the socket's ``write``/``read`` and returns (base64) what the socket
  wrote;
* on the host, an ``SSLObject`` whose incoming BIO gets the board's bytes and
  whose outgoing BIO goes back to the board in the next step.

Each case: a verified handshake (P-256 chain, the board's clock set), 2000
bytes each way compared exactly on both ends, the negotiated suite checked on
both ends against the one asked for, then close_notify both ways.  TLS 1.3
suites are forced on the board with ``set_ciphers`` (Python 3.11's ``ssl``
has no ``set_ciphersuites``), TLS 1.2 suites on the OpenSSL side.  The tamper
cases flip one byte of an application-data record in flight: the receiver
must raise (not hang, not return data) and the other end must see its alert.

Run by ``make qemu-test``, which sets MODSSL_QEMU_TESTS=1.
"""
from __future__ import annotations

import ast
import base64
import hashlib
import os
import ssl
import time

import pytest

from helpers.memstream import STREAM
from helpers.osslpeers import iana_name
from helpers.qemu import BOARDS, QemuBoard, firmware_path

pytestmark = [
    pytest.mark.host_only,
    pytest.mark.skipif(os.environ.get("MODSSL_QEMU_TESTS") != "1",
                       reason="emulated boards: run `make qemu-test` (sets MODSSL_QEMU_TESTS=1)"),
]

NBYTES = 2000
MAX_STEPS = 40
STEP_TIMEOUT = 120
UP_SEED, DOWN_SEED = 1, 2   # UP: board -> host; DOWN: host -> board

TLS13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
TLS12 = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"]
SUITES = [("1.3", s) for s in TLS13] + [("1.2", s) for s in TLS12]
ROLES = ["client", "server"]   # the board's role; OpenSSL plays the other
VERSIONS = {"1.2": (ssl.TLSVersion.TLSv1_2, 0x0303), "1.3": (ssl.TLSVersion.TLSv1_3, 0x0304)}


def pattern(n: int, seed: int) -> bytes:
    """SHA-256 counter stream: the same bytes as the board's ``pattern``."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}:{i}".encode()).digest()
        i += 1
    return bytes(out[:n])


BOARD_CODE = r'''
import io, gc, tls, binascii, hashlib, time, modssl_qemu
''' + STREAM + r'''
def pattern(n, seed):
    out = bytearray()
    i = 0
    while len(out) < n:
        out.extend(hashlib.sha256(("%d:%d" % (seed, i)).encode()).digest())
        i += 1
    return out[:n]

def setup(server, version, suites, cert, key, ca, n, up_seed):
    global P, S, OUT, GOT, SENT, N, ERR, EOF
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER if server else tls.PROTOCOL_TLS_CLIENT)
    if server:
        ctx.load_cert_chain(cert, key)
    else:
        ctx.verify_mode = tls.CERT_REQUIRED
        ctx.load_verify_locations(cadata=ca)
    ctx.minimum_version = version
    ctx.maximum_version = version
    if suites:
        ctx.set_ciphers(suites)
    # The board's end of the relay: the host fills P.rx and drains P.tx.
    P = End(Buf(), Buf())
    if server:
        S = ctx.wrap_socket(P, server_side=True, do_handshake_on_connect=False)
    else:
        S = ctx.wrap_socket(P, server_hostname="localhost", do_handshake_on_connect=False)
    N = n
    OUT = pattern(n, up_seed)
    GOT = bytearray()
    SENT = 0
    ERR = None
    EOF = False
    BUSY[0] = 0
    BUSY[1] = None
    gc.collect()

def _io():
    global SENT, EOF
    # Until nothing moves: write what is left, read what there is.  Both
    # return None while the socket waits for the host (and drive the
    # handshake meanwhile).
    while True:
        before = (SENT, len(GOT), len(P.rx.b), len(P.tx.b))
        if SENT < N:
            w = S.write(OUT[SENT:SENT + 1024])
            if w:
                SENT += w
        if not EOF:
            r = S.read(2048)
            if r == b"":
                EOF = True
            elif r:
                GOT.extend(r)
        if (SENT, len(GOT), len(P.rx.b), len(P.tx.b)) == before:
            return

PAINT = 0      # > 0: measure the main stack of each step (stack painting)
MAIN = 0
# The board's time in the module's calls (under -icount, 1 us = 1000
# instructions): BUSY[0] in all, BUSY[1] up to the first application data
# written (the handshake; None before).
BUSY = [0, None]

def step(rx, close=False):
    global ERR, MAIN
    P.rx.b.extend(binascii.a2b_base64(rx))
    if ERR is None:
        if PAINT:
            modssl_qemu.stack_paint(PAINT)
        try:
            if close:
                S.close()
            else:
                t0 = time.ticks_us()
                _io()
                BUSY[0] += time.ticks_diff(time.ticks_us(), t0)
                if BUSY[1] is None and SENT:
                    BUSY[1] = BUSY[0]
        except Exception as e:
            ERR = type(e).__name__ + " " + repr(e.args)
        if PAINT:
            MAIN = max(MAIN, modssl_qemu.stack_peak())
    tx = binascii.b2a_base64(P.tx.b).strip().decode()
    P.tx.b = bytearray()
    print(repr((SENT, len(GOT), EOF, ERR, tx)))

def result(down_seed):
    c = S.cipher()
    print(repr((c[0] if isinstance(c, tuple) else c, S.version(), bytes(GOT) == bytes(pattern(N, down_seed)))))
'''


class Board:
    """One qemu board, its raw REPL held open by mpremote (state persists);
    `fw`: another firmware for it than `make qemu`'s (a feature profile)."""

    def __init__(self, name: str, fw=None):
        from mpremote.transport_serial import SerialTransport
        fw = fw or firmware_path(name)
        if not fw.exists():
            pytest.fail(f"{fw} missing: run `make qemu`")
        self.name = name
        self.qemu = QemuBoard(name, fw)
        pty = self.qemu.start()
        time.sleep(0.3)
        self.t = SerialTransport(pty, baudrate=115200)
        self.steps = 0

    def reset(self):
        """Soft reset, then define the relay code: a clean heap per test."""
        self.t.enter_raw_repl(soft_reset=True)
        self.exec(BOARD_CODE)

    def exec(self, code: str) -> str:
        out, err = self.t.exec_raw(code, timeout=STEP_TIMEOUT)
        if err:
            raise AssertionError(f"{self.name}: board raised\n{out.decode(errors='replace')}"
                                 f"{err.decode(errors='replace')}")
        return out.decode()

    def eval(self, code: str):
        return ast.literal_eval(self.exec(code).strip().splitlines()[-1])

    def step(self, rx: bytes, close: bool = False) -> tuple[int, int, bool, str | None, bytes]:
        self.steps += 1
        b64 = base64.b64encode(rx).decode()
        sent, got, eof, err, tx = self.eval(f"step({b64!r}, {close})")
        return sent, got, eof, err, base64.b64decode(tx)

    def close(self):
        try:
            self.t.close()
        finally:
            self.qemu.stop()


class Host:
    """The OpenSSL end: an SSLObject over two MemoryBIOs."""

    def __init__(self, certs, board_role: str, version: str, suite12: str | None, kind: str = "p256"):
        server = board_role == "client"
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
        leaf = certs[kind]
        if server:
            ctx.load_cert_chain(str(leaf.chain.path), str(leaf.key.pem.path))
        else:
            ctx.load_verify_locations(cafile=str(certs.root.cert.pem.path))   # CERT_REQUIRED, hostname
        ctx.minimum_version = ctx.maximum_version = VERSIONS[version][0]
        if suite12:
            ctx.set_ciphers(suite12)
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_side=server,
                                server_hostname=None if server else "localhost")
        self.handshake_done = False
        self.data = pattern(NBYTES, DOWN_SEED)
        self.sent = 0
        self.got = bytearray()
        self.eof = False

    def step(self, rx: bytes) -> bytes:
        """Feed the board's bytes; handshake, write, read; bytes for the board.
        OpenSSL's errors (ssl.SSLError) propagate."""
        self.inc.write(rx)
        if not self.handshake_done:
            try:
                self.obj.do_handshake()
                self.handshake_done = True
            except ssl.SSLWantReadError:
                pass
        if self.handshake_done:
            if self.sent < len(self.data):
                self.sent += self.obj.write(self.data[self.sent:])
            while not self.eof:
                try:
                    r = self.obj.read(4096)
                except ssl.SSLWantReadError:
                    break
                except ssl.SSLZeroReturnError:
                    self.eof = True
                    break
                if not r:
                    self.eof = True
                    break
                self.got += r
        return self.out.read()


@pytest.fixture(scope="module", params=list(BOARDS))
def board(request):
    b = Board(request.param)
    t0 = time.monotonic()
    yield b
    print(f"\n{b.name}: {b.steps} relay steps, {time.monotonic() - t0:.1f} s")
    b.close()


def _start(board: Board, certs, role: str, version: str, suite: str):
    board.reset()
    leaf = certs["p256"]
    board_suites = [suite] if version == "1.3" else None   # TLS 1.2: forced by OpenSSL
    board.exec(f"modssl_qemu.set_time({int(time.time())})\n"
               f"setup({role == 'server'}, {VERSIONS[version][1]}, {board_suites!r}, "
               f"{leaf.chain.data!r}, {leaf.key.pem.data!r}, {certs.root.cert.pem.data!r}, "
               f"{NBYTES}, {UP_SEED})\n")
    return Host(certs, role, version, suite if version == "1.2" else None)


def _relay(board: Board, host: Host, tamper=None):
    """Relay until both ends have sent and received NBYTES and nothing is in
    flight, or until one end raises.  ``tamper(direction, data, state, host)``
    may alter a flight.  Returns (the board's last state, OpenSSL's exception
    or None, the bytes the failing end wrote after its error: its alert)."""
    to_board = b""
    for _ in range(MAX_STEPS):
        state = board.step(to_board)
        sent, got, eof, err, from_board = state
        if err:
            return state, None, from_board
        if tamper:
            from_board = tamper("to-host", from_board, state, host)
        try:
            to_board = host.step(from_board)
        except ssl.SSLError as e:
            return state, e, host.out.read()
        if tamper:
            to_board = tamper("to-board", to_board, state, host)
        if (sent == got == host.sent == len(host.got) == NBYTES and not to_board
                and not from_board):
            return state, None, b""
        if not from_board and not to_board:
            raise AssertionError(f"{board.name}: stalled: board {state[:4]}, host handshake "
                                 f"{host.handshake_done} sent {host.sent} got {len(host.got)}")
    raise AssertionError(f"{board.name}: no end after {MAX_STEPS} steps: board {state[:4]}")


@pytest.mark.parametrize("version,suite", SUITES, ids=[f"{v}-{s}" for v, s in SUITES])
@pytest.mark.parametrize("role", ROLES, ids=[f"board-{r}" for r in ROLES])
def test_against_openssl(board, certs, role, version, suite):
    host = _start(board, certs, role, version, suite)
    (sent, got, eof, err, _), host_err, _ = _relay(board, host)
    assert err is None and host_err is None, (err, host_err)
    # Exact bytes, both ways, checked on both ends.
    assert bytes(host.got) == pattern(NBYTES, UP_SEED)
    board_suite, board_version, board_data_ok = board.eval(f"result({DOWN_SEED})")
    assert board_data_ok, "the board received other bytes than OpenSSL sent"
    # The suite asked for, on both ends.
    want_version = f"TLSv{version}"
    assert host.obj.version() == board_version == want_version, (host.obj.version(), board_version)
    assert iana_name(host.obj.cipher()[0]) == board_suite == iana_name(suite), (host.obj.cipher(), board_suite)
    # close_notify: OpenSSL's first, the board sees EOF; then the board's.
    try:
        host.obj.unwrap()
        raise AssertionError("unwrap finished before the board's close_notify")
    except ssl.SSLWantReadError:
        pass
    _, _, eof, err, tx = board.step(host.out.read())
    assert eof and err is None, (eof, err)
    _, _, _, err, tx = board.step(b"", close=True)
    assert err is None and tx, (err, tx)
    host.inc.write(tx)
    host.obj.unwrap()   # the board's close_notify arrived: completes without an exception


TAMPER = [("client", "1.3", "TLS_CHACHA20_POLY1305_SHA256", "to-board"),
          ("client", "1.2", "ECDHE-ECDSA-AES128-GCM-SHA256", "to-host"),
          ("server", "1.3", "TLS_AES_256_GCM_SHA384", "to-host"),
          ("server", "1.2", "ECDHE-ECDSA-CHACHA20-POLY1305", "to-board")]


@pytest.mark.parametrize("role,version,suite,direction", TAMPER,
                         ids=[f"board-{r}-{v}-{s}-{d}" for r, v, s, d in TAMPER])
def test_tampered_record(board, certs, role, version, suite, direction):
    """One bit flipped in the last byte (an AEAD tag) of the flight that
    carries the application data: the receiver raises a bad-record-MAC error
    (not a hang), the tampered record's data is not delivered, and the sender
    gets the receiver's alert and raises too."""
    host = _start(board, certs, role, version, suite)
    done = []

    def tamper(where, data, state, host):
        # The first flight written after that end's data: its last record is data.
        wrote_data = host.sent == NBYTES if where == "to-board" else state[0] == NBYTES
        if where == direction and wrote_data and data and not done:
            done.append(len(data))
            data = data[:-1] + bytes([data[-1] ^ 0x01])
        return data

    (_, got, _, err, _), host_err, alert = _relay(board, host, tamper)
    assert done, "nothing was tampered with"
    if direction == "to-board":
        assert host_err is None, host_err
        assert err is not None and "SSL_BAD_RECORD_MAC" in err, err
        assert got < NBYTES, got   # the tampered record's bytes are not delivered
        # The board's alert reaches OpenSSL.
        assert alert
        with pytest.raises(ssl.SSLError, match="(?i)bad.record.mac"):
            host.step(alert)
    else:
        assert host_err is not None and "BAD_RECORD_MAC" in host_err.reason.upper(), host_err
        # Records before the tampered one (the board writes 1024-byte records) arrive intact.
        assert len(host.got) < NBYTES and bytes(host.got) == pattern(NBYTES, UP_SEED)[:len(host.got)]
        # OpenSSL's alert reaches the board: it raises instead of waiting.
        assert alert
        _, got, _, err, _ = board.step(alert)
        assert err is not None and "SSL_FATAL_ALERT_MESSAGE" in err, err
