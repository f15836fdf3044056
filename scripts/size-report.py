#!/usr/bin/env python3
"""What modssl-rs adds to a firmware: `make size`.

usage: size-report.py NAME WITH.elf WITHOUT.elf TOOLPREFIX SHIM_OBJ...

Compares the qemu firmware linked with our module against the same tree
built without it (both with MICROPY_TRACKED_ALLOC=1 and MICROPY_PY_SSL=0),
and splits the module's part by component from `nm --size-sort -S` on the
linked ELF: every symbol the module build has that the plain build lacks
(or has at a different size) is charged to a component by its (demangled)
name.  Fat LTO inlines across crates, so a crate's count includes what was
inlined into its functions.  Anonymous constants (string/OID/suite tables,
the webpki-roots certificates) have no symbol: they are the "unnamed
read-only data" line, with webpki-roots' share estimated from the crate's
DER literals.
"""
from __future__ import annotations

import collections
import glob
import os
import re
import subprocess
import sys

# Component of a Rust symbol: the first crate its demangled name mentions,
# grouped.  Order matters only for the fallbacks at the end.
CRATE_GROUPS = [
    ("rustls", r"rustls(?!_pki_types|_rustcrypto|_webpki)\b"),
    ("webpki (certificate path validation)", r"\bwebpki\b|rustls_webpki"),
    ("pki-types", r"rustls_pki_types|\bpki_types\b"),
    ("webpki-roots (code)", r"webpki_roots"),
    ("modssl_rs (our core: context, conn, verifier, provider glue, ffi)", r"\bmodssl_rs\b"),
    ("NIST curves P-256/P-384 (p256, p384, primeorder, elliptic-curve, ecdsa)",
     r"\bp256\b|\bp384\b|\bprimeorder\b|\belliptic_curve\b|\becdsa\b|\brfc6979\b"),
    ("X25519 / Ed25519 (curve25519-dalek, x25519-dalek, ed25519-dalek)", r"curve25519|x25519|ed25519"),
    ("RSA (rsa, num-bigint-dig)", r"\brsa\b|num_bigint|num_integer|num_traits|num_iter"),
    ("SHA-2 / HMAC (sha2, hmac, digest)", r"\bsha2\b|\bhmac\b|\bdigest\b|\bblock_buffer\b"),
    ("AEADs (aes, aes-gcm, ghash, chacha20, poly1305)", r"\baes\b|aes_gcm|ghash|polyval|chacha20|poly1305|universal_hash|\bctr\b|\baead\b|cipher"),
    ("ASN.1 / key formats (der, pkcs1, pkcs8, sec1, spki)", r"\bder\b|pkcs1|pkcs8|\bsec1\b|\bspki\b|const_oid|base64ct|pem_rfc7468"),
    ("rustls-rustcrypto (suite constants)", r"rustls_rustcrypto"),
    ("other crates (spin, subtle, zeroize, smallvec, crypto-bigint, ...)", r"\bspin\b|\bsubtle\b|zeroize|smallvec|crypto_bigint|\bgetrandom\b|rand_core|linked_list_allocator|\bcty\b|\bgeneric_array\b|\bff\b|\bgroup\b|signature|once_cell|typenum|hybrid_array"),
    ("compiler_builtins", r"compiler_builtins"),
    ("fmt / alloc / panic / core", r"\bcore\b|\balloc\b"),
]
CRATE_RE = [(g, re.compile(p)) for g, p in CRATE_GROUPS]


def run(*argv: str) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def sections(tool: str, elf: str) -> dict[str, int]:
    out = {}
    for line in run(tool + "size", "-A", elf).splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def flash_ram(secs: dict[str, int]) -> tuple[int, int, int]:
    """(code+read-only data, initialised data, zeroed data)."""
    # By prefix: the qemu port's virt.ld names only .text/.rodata/.data/.bss,
    # so -ffunction-sections output lands in orphan sections (.text.foo, ...).
    def total(*prefixes):
        return sum(v for k, v in secs.items() if any(k == p or k.startswith(p + ".") for p in prefixes))
    return total(".text", ".rodata", ".srodata"), total(".data", ".sdata"), total(".bss", ".sbss")


def symbols(tool: str, elf: str) -> dict[tuple[str, str], int]:
    """(name, kind) -> size, kind: 'flash' or 'ram'."""
    out: dict[tuple[str, str], int] = {}
    for line in run(tool + "nm", "-C", "-S", "--size-sort", elf).splitlines():
        m = re.match(r"^[0-9a-f]+ ([0-9a-f]+) (\w) (.*)$", line)
        if not m:
            continue
        size, t, name = int(m.group(1), 16), m.group(2).lower(), m.group(3)
        kind = "ram" if t in ("b", "d", "s", "g", "c") else "flash"
        key = (name, kind)
        out[key] = out.get(key, 0) + size
    return out


def c_symbols(tool: str, objs: list[str]) -> set[str]:
    names = set()
    for o in objs:
        for line in run(tool + "nm", "--defined-only", o).splitlines():
            parts = line.split()
            if len(parts) == 3:
                names.add(parts[2])
    return names


def component(name: str, shim: set[str]) -> str:
    if name in shim:
        return "C shim + port hooks (micropython/*.c)"
    if name.startswith("mp_qstr_const") or name.startswith("mp_module_") or name == "mp_builtin_module_table":
        return "C shim + port hooks (micropython/*.c)"   # our qstrs and module entries
    if name in ("setjmp", "longjmp"):
        return "libc setjmp/longjmp (guards)"
    if name.startswith("modssl_"):
        return "modssl_rs (our core: context, conn, verifier, provider glue, ffi)"
    if name.startswith("OUTLINED_FUNCTION_"):
        return "LLVM machine outliner (shared code of any crate)"
    # The crate named first in the demangled name (`<A as B>::f` is A's, a
    # generic `core::ptr::drop_in_place::<rustls::X>` is rustls').
    best = None
    for i, (group, rx) in enumerate(CRATE_RE):
        if group in ("compiler_builtins", "fmt / alloc / panic / core"):
            continue
        m = rx.search(name)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), group)
    if best:
        return best[1]
    for group, rx in CRATE_RE[-2:]:
        if rx.search(name):
            return group
    if name.startswith("__"):
        return "compiler_builtins"
    return "other named symbols"


def webpki_roots_estimate() -> tuple[int, int] | None:
    """(anchors, bytes of DER literals) from webpki-roots' source, if found."""
    home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    files = sorted(glob.glob(os.path.join(home, "registry/src/*/webpki-roots-1.*/src/lib.rs")))
    if not files:
        return None
    text = open(files[-1], encoding="utf-8").read()
    total = 0
    for lit in re.findall(r'b"((?:[^"\\]|\\.)*)"', text):
        total += len(re.sub(r"\\x[0-9a-fA-F]{2}|\\.|.", "x", lit, flags=re.S))
    anchors = text.count("TrustAnchor {")
    return anchors, total


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    name, with_elf, without_elf, tool, *objs = argv
    a = flash_ram(sections(tool, with_elf))
    b = flash_ram(sections(tool, without_elf))
    dflash, ddata, dbss = (x - y for x, y in zip(a, b))
    shim = c_symbols(tool, objs)

    base = symbols(tool, without_elf)
    mod = symbols(tool, with_elf)
    comp = collections.defaultdict(lambda: [0, 0])
    named_flash = 0
    for key, size in mod.items():
        extra = size - base.get(key, 0)
        if extra <= 0:
            continue
        sym, kind = key
        c = component(sym, shim)
        comp[c][0 if kind == "flash" else 1] += extra
        if kind == "flash":
            named_flash += extra

    print(f"== {name}: {with_elf}")
    print(f"   firmware without modssl-rs: flash {b[0]:,} B, RAM {b[1]:,} data + {b[2]:,} bss")
    print(f"   firmware with modssl-rs:    flash {a[0]:,} B, RAM {a[1]:,} data + {a[2]:,} bss")
    print(f"   added: flash (text+rodata) {dflash:+,} B, static RAM (data+bss) {ddata + dbss:+,} B")
    print(f"   {'component':<72} {'flash':>9} {'RAM':>6}")
    for c, (fl, ram) in sorted(comp.items(), key=lambda kv: -kv[1][0]):
        print(f"   {c:<72} {fl:>9,} {ram:>6,}")
    unnamed = dflash - named_flash
    print(f"   {'unnamed read-only data (tables, strings, certificates) + alignment':<72} {unnamed:>9,} {'':>6}")
    est = webpki_roots_estimate()
    if est:
        anchors, der = est
        print(f"     of which webpki-roots (ca-bundle feature): ~{der + anchors * 40:,} B "
              f"({anchors} anchors, {der:,} B of DER + ~40 B each; estimated from its source)")
    print(f"   {'total':<72} {dflash:>9,} {ddata + dbss:>6,}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
