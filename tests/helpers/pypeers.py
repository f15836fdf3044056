"""CPython ``ssl`` peers: a threaded TLS server and a blocking TLS client.

The server runs a small *script* of steps on each accepted connection and
records what happened (``ConnRecord``), so tests can check the peer's view:
negotiated version, cipher, client certificate, received bytes, and whether
the other side ended with close_notify or a bare TCP close.

Steps (tuples):
  ("recv", n)           read exactly n bytes (or until EOF)
  ("recv_until", m)     read until bytes m have been seen
  ("recv_eof",)         read until EOF; records how it ended in ``eof``
  ("send", data)        sendall(data)
  ("send_pattern", n)   sendall(pattern(n))
  ("echo_eof",)         echo every chunk back until EOF
  ("shutdown",)         unwrap(): send close_notify (and await the peer's)
  ("close",)            close the TCP socket without close_notify
  ("sleep", s)          wait s seconds (reading nothing: the client's socket fills)
  ("wait", event)       read nothing until the threading.Event is set (at most
                        60 s; then the step fails): the client's writes fill
                        the socket meanwhile
"""
from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass, field

from .data import pattern

TIMEOUT = 10

VERSIONS = {
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


@dataclass
class ConnRecord:
    version: str | None = None
    cipher: str | None = None
    peer_cert: bytes | None = None   # DER, or None if the peer sent none
    received: bytearray = field(default_factory=bytearray)
    eof: str | None = None           # "close_notify" | "ragged" | "error: ..."
    unwrap: str | None = None        # "ok" | "error: ..."
    error: str | None = None         # handshake / step failure
    sni: str | None = None           # server name the client sent (SNI)
    offered: list[str] | None = None  # suites the client offered that we have (OpenSSL names)
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def handshake_ok(self) -> bool:
        return self.version is not None


def _recv_eof(conn: ssl.SSLSocket, rec: ConnRecord, echo: bool = False) -> None:
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                rec.eof = "close_notify"
                return
            rec.received += chunk
            if echo:
                conn.sendall(chunk)
    except ssl.SSLEOFError:
        rec.eof = "ragged"
    except (OSError, ssl.SSLError) as e:
        rec.eof = f"error: {e!r}"


def run_steps(conn: ssl.SSLSocket, rec: ConnRecord, steps) -> None:
    for step in steps:
        op = step[0]
        if op == "recv":
            n = step[1]
            while len(rec.received) < n:
                chunk = conn.recv(min(65536, n - len(rec.received)))
                if not chunk:
                    rec.eof = "close_notify"
                    break
                rec.received += chunk
        elif op == "recv_until":
            while step[1] not in rec.received:
                chunk = conn.recv(65536)
                if not chunk:
                    rec.eof = "close_notify"
                    break
                rec.received += chunk
        elif op == "recv_record":
            # one whole TLS record (header, then its length): nothing is left
            # unread, so a close after it is a clean FIN, never a reset
            need = 5
            while len(rec.received) < need:
                chunk = conn.recv(need - len(rec.received))
                if not chunk:
                    rec.eof = "close_notify"
                    break
                rec.received += chunk
                if need == 5 and len(rec.received) >= 5:
                    need = 5 + int.from_bytes(rec.received[3:5], "big")
        elif op == "recv_eof":
            _recv_eof(conn, rec)
        elif op == "echo_eof":
            _recv_eof(conn, rec, echo=True)
        elif op == "send":
            conn.sendall(step[1])
        elif op == "send_pattern":
            conn.sendall(pattern(step[1]))
        elif op == "shutdown":
            try:
                conn.unwrap()
                rec.unwrap = "ok"
            except (OSError, ssl.SSLError) as e:
                rec.unwrap = f"error: {e!r}"
                return
        elif op == "close":
            conn.close()
            return
        elif op == "sleep":
            time.sleep(step[1])
        elif op == "wait":
            if not step[1].wait(60):
                raise OSError("wait: the event was not set in 60 s")
        else:
            raise ValueError(f"unknown step {step!r}")


def server_context(certfile, keyfile, *, min_version=None, max_version=None,
                   client_ca=None, require_client_cert=False, ciphers=None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(certfile), str(keyfile))
    if ciphers:
        ctx.set_ciphers(ciphers)
    if min_version:
        ctx.minimum_version = VERSIONS[min_version]
    if max_version:
        ctx.maximum_version = VERSIONS[max_version]
    if client_ca:
        ctx.load_verify_locations(cafile=str(client_ca))
        ctx.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
    return ctx


class TLSServer:
    """Threaded CPython TLS server on 127.0.0.1:<free port>.

    ``connections`` is how many connections it serves before stopping.
    ``record(i)`` waits for connection i to finish and returns its record.
    ``hello_delay`` (seconds): wait that long after accepting before the
    handshake starts, so that a client is sure to find nothing to read after
    its ClientHello (non-blocking tests that count EAGAINs).
    """

    def __init__(self, certfile, keyfile, *, steps=(("echo_eof",),), connections=1,
                 version=None, min_version=None, max_version=None, client_ca=None,
                 require_client_cert=False, plain=False, ciphers=None, hello_delay=0.0):
        self.hello_delay = hello_delay
        if version:
            min_version = max_version = version
        self.ctx = None if plain else server_context(
            certfile, keyfile, min_version=min_version, max_version=max_version,
            client_ca=client_ca, require_client_cert=require_client_cert, ciphers=ciphers)
        self._sni = None
        if self.ctx is not None:
            def on_sni(sslobj, name, ctx):
                self._sni = name
            self.ctx.sni_callback = on_sni
        self.steps = list(steps)
        self.records = [ConnRecord() for _ in range(connections)]
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(TIMEOUT)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        for rec in self.records:
            try:
                raw, _ = self.sock.accept()
            except OSError as e:
                rec.error = f"accept: {e!r}"
                rec.done.set()
                continue
            raw.settimeout(TIMEOUT)
            try:
                self._handle(raw, rec)
            finally:
                raw.close()
                rec.done.set()
            if self._stop:
                break

    def _handle(self, raw: socket.socket, rec: ConnRecord):
        if self.ctx is None:   # plain TCP peer
            try:
                run_steps(raw, rec, self.steps)  # type: ignore[arg-type]
            except OSError as e:
                rec.error = repr(e)
            return
        self._sni = None
        if self.hello_delay:
            time.sleep(self.hello_delay)
        try:
            conn = self.ctx.wrap_socket(raw, server_side=True, suppress_ragged_eofs=False)
        except (OSError, ssl.SSLError) as e:
            rec.error = f"handshake: {e!r}"
            return
        finally:
            rec.sni = self._sni
        with conn:
            rec.version = conn.version()
            rec.cipher = conn.cipher()[0]
            rec.offered = [c[0] for c in conn.shared_ciphers() or []]
            rec.peer_cert = conn.getpeercert(binary_form=True)
            try:
                run_steps(conn, rec, self.steps)
            except (OSError, ssl.SSLError) as e:
                rec.error = f"step: {e!r}"

    def record(self, i: int = 0, timeout: float = 30) -> ConnRecord:
        rec = self.records[i]
        if not rec.done.wait(timeout):
            raise AssertionError(f"CPython server: connection {i} did not finish in {timeout}s")
        return rec

    def close(self):
        self._stop = True
        try:
            self.sock.close()
        finally:
            self.thread.join(TIMEOUT + 5)


@dataclass
class ClientResult:
    version: str | None = None
    cipher: str | None = None
    peer_cert: bytes | None = None
    received: bytearray = field(default_factory=bytearray)
    eof: str | None = None
    unwrap: str | None = None
    error: str | None = None

    @property
    def handshake_ok(self) -> bool:
        return self.version is not None


def tls_client(port, *, cafile=None, verify=True, certfile=None, keyfile=None,
               server_hostname="localhost", version=None, min_version=None, max_version=None,
               partial_chain=False, steps=(("recv_eof",),), timeout=TIMEOUT) -> ClientResult:
    """Connect a CPython TLS client to 127.0.0.1:port and run ``steps``."""
    if version:
        min_version = max_version = version
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify:
        ctx.load_verify_locations(cafile=str(cafile))
        if partial_chain:
            ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if certfile:
        ctx.load_cert_chain(str(certfile), str(keyfile))
    if min_version:
        ctx.minimum_version = VERSIONS[min_version]
    if max_version:
        ctx.maximum_version = VERSIONS[max_version]
    res = ClientResult()
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except OSError as e:
        res.error = f"connect: {e!r}"
        return res
    try:
        conn = ctx.wrap_socket(raw, server_hostname=server_hostname, suppress_ragged_eofs=False)
    except (OSError, ssl.SSLError) as e:
        res.error = f"handshake: {e!r}"
        raw.close()
        return res
    with conn:
        res.version = conn.version()
        res.cipher = conn.cipher()[0]
        res.peer_cert = conn.getpeercert(binary_form=True)
        rec = ConnRecord()
        try:
            run_steps(conn, rec, steps)
        except (OSError, ssl.SSLError) as e:
            res.error = f"step: {e!r}"
        res.received, res.eof, res.unwrap = rec.received, rec.eof, rec.unwrap
    return res
