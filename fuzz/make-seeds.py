#!/usr/bin/env python3
"""Writes the checked-in seed corpus fuzz/seeds/<target>/ (the files are
committed; a file already there is kept: delete it to have it made again).  Real TLS bytes from CPython's ssl over memory BIOs:
ClientHellos (TLS 1.3 / 1.2) for the server target, a server's first flight
for the client target, plus hand-made records (alerts, HelloRequest,
oversized lengths), and those records again at each handshake state the
record targets define (fuzz/src/states.rs), so that the smoke run starts
from every one; PEM/DER material from modssl_rs/tests-data."""
import os
import ssl
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "modssl_rs" / "tests-data"
OUT = HERE / "seeds"


def write(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    if not (d / name).exists():
        (d / name).write_bytes(data)


def flights(maxv):
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.check_hostname = False
    cctx.verify_mode = ssl.CERT_NONE
    cctx.maximum_version = maxv
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(DATA / "certs/leaf-p256-chain.pem", DATA / "certs/leaf-p256.key")
    ci, co, si, so = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    c = cctx.wrap_bio(ci, co, server_hostname="localhost")
    s = sctx.wrap_bio(si, so, server_side=True)
    try:
        c.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = co.read()
    si.write(hello)
    try:
        s.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return hello, so.read()


def main():
    alert = bytes.fromhex("1503030002022815030300020100")
    hello_request = bytes.fromhex("160303000400000000")
    oversized = bytes.fromhex("16030348ff") + b"\x02" * 64
    zero_len = bytes.fromhex("1603030000") * 4
    ccs = bytes.fromhex("140303000101")
    appdata = bytes.fromhex("1703030020") + os.urandom(32)
    for v, tag in ((ssl.TLSVersion.TLSv1_3, "13"), (ssl.TLSVersion.TLSv1_2, "12")):
        ch, sflight = flights(v)
        write("server_records", f"clienthello{tag}", bytes([0, 0]) + ch)
        write("server_records", f"clienthello{tag}-mtls", bytes([0, 2]) + ch)
        write("server_records", f"clienthello{tag}-split", bytes([0, 0]) + ch[:7])
        for opts in (0, 1, 2, 4):
            write("client_records", f"serverflight{tag}-{opts}", bytes([1, opts]) + sflight)
        write("client_records", f"serverflight{tag}-trunc", bytes([1, 0]) + sflight[: len(sflight) // 2])
    for name, rec in (("alert", alert), ("hellorequest", hello_request), ("oversized", oversized),
                      ("zerolen", zero_len), ("ccs", ccs), ("appdata", appdata)):
        for steps in (1, 3, 4, 6):
            write("client_records", f"{name}-{steps}", bytes([steps, 0]) + rec)
        for steps in (0, 2, 4):
            write("server_records", f"{name}-{steps}", bytes([steps, 0]) + rec)
        # (steps, options) reaching the states of fuzz/src/states.rs the
        # lines above do not: options bit 0 = the client offers TLS 1.2
        # suites only; server_records bit 1 = client certificates required.
        for steps, opts, state in ((2, 1, "tls12-ccs"), (4, 1, "tls12-traffic"), (6, 3, "tls12-traffic-rsa")):
            write("client_records", f"{name}-{state}", bytes([steps, opts]) + rec)
        for steps, opts, state in ((1, 1, "tls12-clientkx"), (2, 3, "tls12-certificate"),
                                   (2, 2, "tls13-certificate"), (4, 1, "tls12-traffic"), (5, 2, "tls13-traffic-mtls")):
            write("server_records", f"{name}-{state}", bytes([steps, opts]) + rec)
    for sub in ("certs", "keys"):
        for f in sorted((DATA / sub).iterdir()):
            if f.is_file() and f.suffix in (".pem", ".der", ".key"):
                write("pem_der", f"{sub}-{f.name}", f.read_bytes())
    chain = (DATA / "certs/leaf-p256-chain.pem").read_bytes()
    key = (DATA / "certs/leaf-p256.key").read_bytes()
    cut = len(chain).to_bytes(2, "little")
    write("cadata", "root", (DATA / "certs/root-ca.pem").read_bytes())
    write("cadata", "root-der", (DATA / "certs/root-ca.der").read_bytes())
    write("cadata", "bundle", b"".join((DATA / "certs" / n).read_bytes() for n in ("root-ca.pem", "other-ca.pem", "inter-ca.pem")))
    write("cadata", "chain+key", cut + chain[2:] + key)
    # ffi_ops: op bytes are consumed by arbitrary's Unstructured; a few
    # arbitrary starts are enough for libFuzzer to find its way.
    for i, seed in enumerate((bytes(range(64)), bytes([6, 0, 0]) * 8 + bytes([16, 0, 1, 8]) * 4, os.urandom(256))):
        write("ffi_ops", f"seed{i}", seed)


if __name__ == "__main__":
    sys.exit(main())
