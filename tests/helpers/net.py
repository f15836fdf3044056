"""Loopback helpers."""
import socket


def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago (for MicroPython servers,
    which cannot report the port they bound: the unix port has no getsockname)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
