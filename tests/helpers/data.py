"""A deterministic byte stream that both ends can produce without sharing it.

Block ``i`` (4096 bytes) is ``i`` as 4 big-endian bytes followed by bytes
4..4095 of ``bytes(range(256)) * 16``.  Reordered, dropped or duplicated
blocks change the SHA-256, so comparing digests checks byte-exactness.
The MicroPython twin of ``pattern`` lives in ``snippets.PRELUDE``.
"""
import hashlib

BLOCK = 4096
_BASE = bytes(range(256)) * 16
MIB = 1024 * 1024


def block(i: int) -> bytes:
    return i.to_bytes(4, "big") + _BASE[4:]


def pattern(n: int) -> bytes:
    out = bytearray()
    i = 0
    while len(out) < n:
        out += block(i)
        i += 1
    return bytes(out[:n])


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
