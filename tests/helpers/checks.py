"""Assertions shared by several test files."""
from __future__ import annotations

from .mpy import Result
from .osslpeers import iana_name


def check_cipher(r: Result, peer_suite: str, peer_version: str | None) -> None:
    """MicroPython's cipher() names the same suite as the peer, by its IANA name
    (e.g. TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256),
    and cipher() is MicroPython 1.26's (suite, version) tuple whose version is
    the peer's (``print_cipher`` prints CIPHER_VERSION only for a tuple)."""
    assert r.one("CIPHER") == iana_name(peer_suite), r
    assert r.tagged("CIPHER_VERSION") == [peer_version], r


def check_oserror(r: Result, tag: str) -> None:
    """``tag`` printed an ssl.SSLError (an OSError) shaped like MicroPython's
    TLS errors: args == (negative errno, non-empty message str),
    e.errno == args[0]."""
    line = r.one(tag)
    assert line.startswith("EXC SSLError "), r
    args = eval(line[len("EXC SSLError "):], {})  # repr of a tuple of int/str
    assert isinstance(args, tuple) and len(args) == 2, r
    assert isinstance(args[0], int) and args[0] < 0, r
    assert isinstance(args[1], str) and args[1].strip(), r
    assert r.one(tag + "_ERRNO") == str(args[0]), r


# Exceptions as snippets print them (``show(tag, e)`` without the tag), pinned
# where a test expects one particular failure.  A peer's alert keeps
# mbedTLS's code (MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) and names the alert,
# with a hint (docs/api.md, "Errors").
ALERT_HINTS = {
    "certificate_required": "the server requires a client certificate (load_cert_chain)",
    "handshake_failure": "no common cipher suite, group or signature algorithm, or a client certificate"
                         " is required",
    "protocol_version": "no common TLS version (see minimum_version/maximum_version)",
    "unknown_ca": "the peer does not trust the issuer of our certificate",
    "bad_certificate": "the peer rejected our certificate",
    "decrypt_error": "a handshake signature did not verify (does the private key match the certificate?)",
    "unrecognized_name": "the server does not serve this server_hostname (SNI)",
}


def peer_alert(name: str) -> str:
    return ("EXC SSLError (-30592, 'SSL_FATAL_ALERT_MESSAGE: the peer sent a fatal alert: "
            f"{name} ({ALERT_HINTS[name]})')")


PEER_CERT_REQUIRED = "EXC SSLError (-29824, 'SSL_PEER_CERT_REQUIRED: the peer sent no certificate')"
EOF_IN_HANDSHAKE = ("EXC SSLError (-29312, 'SSL_CONN_EOF: the peer closed the connection"
                    " during the handshake')")
ECONNRESET = "EXC OSError (104,)"
