"""Hostile TLS peers scripted with CPython raw sockets (no TLS library):
they read the ClientHello as bytes and answer with whatever the test wants.

``RawPeer(behaviour, connections)`` listens on 127.0.0.1:<free port> and
calls ``behaviour(conn)`` for each accepted connection in a thread;
``close()`` ends every connection still held (stalling peers hold theirs
until then).
"""
from __future__ import annotations

import os
import socket
import struct
import threading

TIMEOUT = 20


def recv_exact(conn: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = conn.recv(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


def recv_record(conn: socket.socket) -> tuple[int, bytes]:
    """One TLS record: (content type, payload); (0, b"") at EOF."""
    head = recv_exact(conn, 5)
    if len(head) < 5:
        return 0, b""
    return head[0], recv_exact(conn, struct.unpack(">H", head[3:5])[0])


def record(ctype: int, payload: bytes, version: int = 0x0303) -> bytes:
    return struct.pack(">BHH", ctype, version, len(payload)) + payload


def handshake(msg_type: int, body: bytes) -> bytes:
    return bytes([msg_type]) + len(body).to_bytes(3, "big") + body


def client_hello_session_id(payload: bytes) -> bytes:
    """The legacy_session_id of a ClientHello record payload (echoed by a
    TLS 1.3-style ServerHello)."""
    # type(1) len(3) version(2) random(32) sid_len(1) sid
    sid_len = payload[38]
    return payload[39:39 + sid_len]


def server_hello(version: int, suite: int, session_id: bytes = b"", extensions: bytes = b"") -> bytes:
    body = (struct.pack(">H", version) + os.urandom(32) + bytes([len(session_id)]) + session_id
            + struct.pack(">HB", suite, 0) + struct.pack(">H", len(extensions)) + extensions)
    return record(22, handshake(2, body))


def wait_eof(conn: socket.socket) -> None:
    """Read and drop until the client closes (or the test ends)."""
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


class RawPeer:
    def __init__(self, behaviour, connections: int = 1):
        self.behaviour = behaviour
        self.errors: list[str] = []
        self.served = 0
        self._conns: list[socket.socket] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(TIMEOUT)
        self.port = self.sock.getsockname()[1]
        self._left = connections
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self._left > 0 and not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._left -= 1
            conn.settimeout(TIMEOUT)
            self._conns.append(conn)
            try:
                self.behaviour(conn)
            except OSError as e:
                self.errors.append(repr(e))
            finally:
                self.served += 1
                if not getattr(conn, "keep_open", False):
                    conn.close()

    def close(self):
        self._stop.set()
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass
        self.sock.close()
        self.thread.join(TIMEOUT + 5)
