"""MicroPython code run on the emulated boards (tests/test_qemu.py).

The qemu port has no network: a client and a server run inside one
interpreter over an in-memory stream pair (``pair()``, helpers/memstream.py),
both non-blocking, and the script alternates between them until the
handshake and the data exchange are done.
"""

import subprocess

from helpers.memstream import STREAM

PIPE = r'''
import io, gc, ssl, tls, time, hashlib, binascii, modssl_qemu
''' + STREAM + r'''
def pattern(n, seed):
    out = bytearray(n)
    x = seed
    for i in range(n):
        x = (x * 1103515245 + 12345) & 0x7fffffff
        out[i] = x >> 16 & 0xff
    return out

def hexdigest(b):
    return binascii.hexlify(hashlib.sha256(b).digest()).decode()
'''

RUN = r'''
SIDE = {"c": 0, "s": 0}
STACK = {"c": 0, "s": 0}
CORE = {"c": 0, "s": 0}
ARENA = [0]
PAINT = 0

def call(side, f, *args):
    # Times (and optionally stack-measures) one call into one side.
    if PAINT:
        modssl_qemu.stack_paint(PAINT)
    t0 = time.ticks_us()
    r = f(*args)
    SIDE[side] += time.ticks_diff(time.ticks_us(), t0)
    if PAINT:
        STACK[side] = max(STACK[side], modssl_qemu.stack_peak())
    CORE[side] = max(CORE[side], ssl.stack_info()[1])
    # The most heap the connections' TLS state held after any call.
    ARENA[0] = max(ARENA[0], ssl.mem_info()[1])
    return r

def handshake_and_exchange(tag, version, cert, key, ca, nbytes, paint):
    global PAINT
    PAINT = paint
    for k in SIDE:
        SIDE[k] = 0
        STACK[k] = 0
        CORE[k] = 0
    ARENA[0] = 0
    ssl.stack_info()
    gc.collect()
    heap0 = gc.mem_alloc()
    cctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    cctx.verify_mode = tls.CERT_REQUIRED
    cctx.load_verify_locations(cadata=ca)
    sctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(cert, key)
    if version:
        cctx.maximum_version = version
        cctx.minimum_version = version
    ce, se = pair()
    c = cctx.wrap_socket(ce, server_hostname="localhost", do_handshake_on_connect=False)
    s = sctx.wrap_socket(se, server_side=True, do_handshake_on_connect=False)
    up = pattern(nbytes, 1)
    down = pattern(nbytes, 2)
    # The client's first write drives its side of the handshake; the
    # server's reads drive the other.  Each returns None until it can go on.
    sent = 0
    got = bytearray()
    rounds = 0
    hs_c = hs_s = None
    while len(got) < nbytes:
        rounds += 1
        if rounds > 400:
            raise RuntimeError("no progress")
        if sent < nbytes:
            n = call("c", c.write, up[sent:sent + 1024])
            if n:
                if hs_c is None:
                    hs_c = SIDE["c"]
                sent += n
        r = call("s", s.read, 2048)
        if r:
            if hs_s is None:
                hs_s = SIDE["s"]
            got.extend(r)
    # And back: the server echoes a different pattern.
    sent = 0
    back = bytearray()
    while len(back) < nbytes:
        rounds += 1
        if rounds > 800:
            raise RuntimeError("no progress back")
        if sent < nbytes:
            n = call("s", s.write, down[sent:sent + 1024])
            if n:
                sent += n
        r = call("c", c.read, 2048)
        if r:
            back.extend(r)
    # The heap both contexts and both live connections hold once the data
    # has gone both ways (MicroPython's GC heap; the core's arenas live in it).
    gc.collect()
    print(tag, "HEAP", gc.mem_alloc() - heap0, ARENA[0])
    print(tag, "VERSION", c.version(), s.version())
    print(tag, "GROUP", c.group() if hasattr(c, "group") else None)
    cip = c.cipher()
    print(tag, "CIPHER", cip[0] if isinstance(cip, tuple) else cip)
    print(tag, "UP", hexdigest(got) == hexdigest(up), len(got))
    print(tag, "DOWN", hexdigest(back) == hexdigest(down), len(back))
    print(tag, "CORE", ssl.stack_info()[0], CORE["c"], CORE["s"])
    if paint:
        print(tag, "STACK", STACK["c"], STACK["s"])
    else:
        print(tag, "HS_US", hs_c, hs_s)
    c.close()
    s.close()
    gc.collect()
'''


def clock_case_globals(certs) -> str:
    """The certificates CLOCK_CASE uses, as MicroPython globals."""
    leaf, client = certs["p256"], certs["client"]
    return (f"LEAF_CHAIN = {leaf.chain.data!r}\nLEAF_KEY = {leaf.key.pem.data!r}\n"
            f"CLIENT_CHAIN = {client.chain.data!r}\nCLIENT_KEY = {client.key.pem.data!r}\n"
            f"ROOT = {certs.root.cert.pem.data!r}\n")


# case(name, verify, host, mtls): a client (verify: CERT_REQUIRED if true,
# CERT_NONE if false, None for `ssl.wrap_socket(sock)` as the seeds call it)
# and a server (verifying its client if `mtls`) try to move 5 bytes; prints
# "<name> GOT <n>", "<name> CLIENT <exception or none>", "<name> SERVER ...".
CLOCK_CASE = r'''
def case(name, verify, host, mtls):
    sctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(LEAF_CHAIN, LEAF_KEY)
    ce, se = pair()
    if verify is None:
        import ssl
        c = ssl.wrap_socket(ce, do_handshake_on_connect=False)
    else:
        cctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
        cctx.load_verify_locations(cadata=ROOT)
        cctx.verify_mode = tls.CERT_REQUIRED if verify else tls.CERT_NONE
        if mtls:
            cctx.load_cert_chain(CLIENT_CHAIN, CLIENT_KEY)
        c = cctx.wrap_socket(ce, server_hostname=host, do_handshake_on_connect=False)
    if mtls:
        sctx.load_verify_locations(cadata=ROOT)
        sctx.verify_mode = tls.CERT_REQUIRED
    s = sctx.wrap_socket(se, server_side=True, do_handshake_on_connect=False)
    got = bytearray()
    err = {}
    for i in range(100):
        for side, f in (("CLIENT", lambda: c.write(b"x")), ("SERVER", lambda: s.read(10))):
            if side in err:
                continue
            try:
                r = f()
                if side == "SERVER" and r:
                    got.extend(r)
            except Exception as e:
                err[side] = type(e).__name__ + " " + repr(e.args)
        if len(err) == 2 or len(got) >= 5:
            break
    print(name, "GOT", len(got))
    for side in ("CLIENT", "SERVER"):
        print(name, side, err.get(side, "none"))
    c.close()
    s.close()
'''


CLOCK_ERROR = ("SSLCertVerificationError ('certificate verification failed: the clock is not set"
               " (set the time, e.g. ntptime.settime())',)")


def core_stack_peak(tag: str, result: dict[str, list[str]]) -> int:
    """The most of the core stack a handshake_and_exchange run used (both
    sides: one thread, one core stack), checked to stay 1 KiB clear of the
    core stack's end (docs/design.md, "The core stack")."""
    size, used_c, used_s = (int(x) for x in result["CORE"])
    peak = max(used_c, used_s)
    assert 0 < peak <= size - 1024, f"{tag}: a handshake's core stack ({peak} B) comes within 1 KiB of its {size} B"
    return peak


def parse_results(out: str) -> dict[str, dict[str, list[str]]]:
    """The "TAG KEY value..." lines handshake_and_exchange prints, as
    {tag: {key: [values]}}."""
    res: dict[str, dict[str, list[str]]] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            res.setdefault(parts[0], {})[parts[1]] = parts[2:]
    return res


def parse_fields(out: str) -> dict[tuple[str, str], str]:
    """Lines "NAME KEY rest of the line" as {(NAME, KEY): rest}."""
    res: dict[tuple[str, str], str] = {}
    for ln in out.splitlines():
        parts = ln.strip().split(" ", 2)
        if len(parts) == 3:
            res[parts[0], parts[1]] = parts[2]
    return res


def check_clock_cases(out: str) -> dict[tuple[str, str], str]:
    """Asserts what the CLOCK_CASE runs NOCLOCK_NONE, NOCLOCK_VERIFY,
    NOCLOCK_MTLS (clock unset), then CLOCK_MTLS and WRONGHOST (clock set)
    printed; returns every "NAME KEY value" line for further checks."""
    res = parse_fields(out)
    # Nothing verifies: the clock is not needed.
    assert res["NOCLOCK_NONE", "GOT"] == "5", out
    assert res["NOCLOCK_NONE", "CLIENT"] == res["NOCLOCK_NONE", "SERVER"] == "none", out
    # The client verifies its server: refused, naming the clock.
    assert res["NOCLOCK_VERIFY", "CLIENT"] == CLOCK_ERROR, out
    assert res["NOCLOCK_VERIFY", "GOT"] == "0", out
    # The server verifies its client: refused, naming the clock; the same
    # exchange passes once the clock is set.
    assert res["NOCLOCK_MTLS", "SERVER"] == CLOCK_ERROR, out
    assert res["NOCLOCK_MTLS", "GOT"] == "0", out
    assert res["CLOCK_MTLS", "GOT"] == "5", out
    assert res["CLOCK_MTLS", "CLIENT"] == res["CLOCK_MTLS", "SERVER"] == "none", out
    # With the clock set, a wrong host name has its own error.
    assert res["WRONGHOST", "CLIENT"] == ("SSLCertVerificationError ('certificate verification failed:"
                                          " hostname mismatch',)"), out
    assert res["WRONGHOST", "GOT"] == "0", out
    return res


def spki_pem(key) -> bytes:
    """A certs Key's SubjectPublicKeyInfo as PEM (openssl pkey -pubout): what
    a raw-public-key context loads in place of a certificate (RFC 7250)."""
    return subprocess.run(["openssl", "pkey", "-in", str(key.pem.path), "-pubout"], check=True,
                          capture_output=True).stdout


def rpk_vs_x509_code(certs) -> str:
    """handshake_and_exchange() twice, TLS 1.3 with the P-256 leaf's key:
    with its certificate chain (k-x509), then as a raw public key, trusted
    as that key (k-rpk).  A build without raw public keys prints
    "k NO_RPK" instead of the second (rpk_vs_x509_report() reads these)."""
    tag = "k"
    leaf = certs["p256"]
    pub = spki_pem(leaf.key)
    return (f"handshake_and_exchange({tag + '-x509'!r}, 0x0304, {leaf.chain.data!r}, {leaf.key.pem.data!r}, "
            f"{certs.root_of('p256').cert.pem.data!r}, 3000, 0)\n"
            f"try:\n"
            f"    handshake_and_exchange({tag + '-rpk'!r}, 0x0304, {pub!r}, {leaf.key.pem.data!r}, {pub!r}, 3000, 0)\n"
            f"except ValueError as e:\n"
            f"    if 'not in this build' not in str(e):\n"
            f"        raise\n"
            f"    print({tag!r}, 'NO_RPK', e)\n")


def rpk_vs_x509_report(out: str, title: str, unit: str, scale: float, report) -> None:
    """Checks both cases of rpk_vs_x509_code() in `out` (skips the test on a
    firmware without raw public keys) and appends to `report` what raw keys
    save: handshake cost per side (UNIT, the HS_US figure divided by SCALE),
    heap, arena."""
    import pytest
    res = parse_results(out)
    if "NO_RPK" in res.get("k", {}):
        pytest.skip(f"this firmware has no raw public keys: {res['k']['NO_RPK']}")
    lines = [f"== {title}: raw public keys (RFC 7250) beside X.509, the P-256 key"]
    rows = {}
    for mode in ("x509", "rpk"):
        r = res[f"k-{mode}"]
        assert r["VERSION"] == ["TLSv1.3", "TLSv1.3"], r
        assert r["UP"] == ["True", "3000"] and r["DOWN"] == ["True", "3000"], r
        rows[mode] = [int(x) for x in r["HS_US"]] + [int(x) for x in r["HEAP"]]
        c, s, heap, arena = rows[mode]
        lines.append(f"   {'p256 ' + mode:<13} {'TLSv1.3':<8} client {c / scale:>8.1f} {unit}  server {s / scale:>8.1f}"
                     f" {unit}  heap {heap:>7,} B  arena max {arena:>7,} B")
    (xc, xs, xh, xa), (rc, rs, rh, ra) = rows["x509"], rows["rpk"]
    lines.append(f"   raw public key / X.509: client {rc / xc:.2f}, server {rs / xs:.2f},"
                 f" heap {rh - xh:+,} B, arena max {ra - xa:+,} B")
    with report.open("a") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    # The client skips the chain's two signature checks: it must be cheaper.
    assert rc < xc, (rc, xc)
