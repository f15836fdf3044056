"""Assertions shared by several test files."""
from __future__ import annotations

from .mpy import Result
from .osslpeers import iana_name


def check_cipher(r: Result, peer_suite: str, peer_version: str | None) -> None:
    """MicroPython's cipher() names the same suite as the peer, by its IANA name
    (e.g. TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256).
    If cipher() returns MicroPython 1.26's (suite, version) tuple, the version
    must match the peer's too."""
    assert r.one("CIPHER") == iana_name(peer_suite), r
    versions = r.tagged("CIPHER_VERSION")
    if versions:
        assert versions == [peer_version], r


def check_oserror(r: Result, tag: str) -> None:
    """``tag`` printed an OSError shaped like MicroPython's TLS errors:
    args == (negative errno, non-empty message str), e.errno == args[0]."""
    line = r.one(tag)
    assert line.startswith("EXC OSError "), r
    args = eval(line[len("EXC OSError "):], {})  # repr of a tuple of int/str
    assert isinstance(args, tuple) and len(args) == 2, r
    assert isinstance(args[0], int) and args[0] < 0, r
    assert isinstance(args[1], str) and args[1].strip(), r
    assert r.one(tag + "_ERRNO") == str(args[0]), r
