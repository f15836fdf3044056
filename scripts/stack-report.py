#!/usr/bin/env python3
"""Where the core's stack goes: frame sizes and the deepest call paths.

usage: stack-report.py ARCHIVE [--top N] [--paths N]

ARCHIVE is the core's static library built with `-Z emit-stack-sizes`
(`make stack-report` builds it for thumbv6m, the RP2040's code).  Its objects
carry a `.stack_sizes` section (each function's frame, from the compiler) and
relocations for every direct call (`bl`, tail-call `b`, RISC-V `call`).
Prints:

  * the largest frames;
  * for each function of the C ABI (`modssl_*`), the deepest chain of direct
    calls below it and its total;
  * the same for the functions reached only through a pointer (trait
    objects: the crypto provider, the verifiers, rustls' state machine),
    whose address is taken in a vtable: the static graph cannot follow an
    indirect call, so an ABI function's real peak is its own chain plus the
    deepest pointer-reached chain its callees enter.  The emulated boards
    measure that peak (tests/test_qemu.py, tests/test_rp2emu.py); this report
    says which frames make it.

Recursion (a cycle in the graph) is cut at the first repeated function and
named, since no static total bounds it.
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

CALL_RELOCS = ("R_ARM_THM_CALL", "R_ARM_THM_JUMP24", "R_ARM_THM_JUMP11", "R_ARM_CALL", "R_ARM_JUMP24",
               "R_RISCV_CALL", "R_RISCV_CALL_PLT", "R_RISCV_JAL")
ADDR_RELOCS = ("R_ARM_ABS32", "R_RISCV_32")


def tool(name):
    for cand in (name, name + "-14", name + "-15", name + "-16", name + "-19"):
        for d in os.environ.get("PATH", "").split(":"):
            if os.access(os.path.join(d, cand), os.X_OK):
                return cand
    sys.exit(f"stack-report: {name} not found (Debian: apt-get install llvm)")


def demangle(names):
    if not names:
        return {}
    out = subprocess.run([tool("llvm-cxxfilt")], input="\n".join(names), capture_output=True, text=True,
                         check=True).stdout.splitlines()
    return {n: short(d) for n, d in zip(names, out)}


def short(name):
    # Keep the impl's type and trait (one level of <...>), drop what is
    # nested deeper and crate hashes, so that a line fits a review.
    name = re.sub(r"\[[0-9a-f]{16}\]", "", name)
    depth = 0
    res = []
    for ch in name:
        if ch == "<":
            depth += 1
            if depth == 2:
                res.append("<…")
            if depth >= 2:
                continue
        elif ch == ">":
            depth -= 1
            if depth >= 1:
                if depth == 1:
                    res.append(">")
                continue
        elif depth >= 2:
            continue
        res.append(ch)
    s = "".join(res)
    return s if len(s) <= 120 else s[:117] + "..."


def read_objects(archive):
    tmp = tempfile.mkdtemp(prefix="stack-report-")
    subprocess.run(["ar", "x", os.path.abspath(archive)], cwd=tmp, check=True)
    return [os.path.join(tmp, f) for f in sorted(os.listdir(tmp)) if f.endswith(".o")]


def stack_sizes(obj):
    text = subprocess.run([tool("llvm-readobj"), "--stack-sizes", obj], capture_output=True, text=True,
                          check=True).stdout
    sizes = {}
    for m in re.finditer(r"Functions: \[([^\]]*)\]\s*\n\s*Size: 0x([0-9a-fA-F]+)", text):
        for fn in m.group(1).split(","):
            sizes[fn.strip()] = int(m.group(2), 16)
    return sizes


def call_graph(obj):
    text = subprocess.run([tool("llvm-objdump"), "-dr", "--no-show-raw-insn", obj], capture_output=True, text=True,
                          check=True).stdout
    calls = collections.defaultdict(set)
    indirect = collections.Counter()
    current = None
    for line in text.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            name = m.group(1)
            current = None if name.startswith("$") else name
            continue
        if current is None:
            continue
        m = re.search(r"\s(R_\w+)\s+(\S+)", line)
        if m and m.group(1) in CALL_RELOCS:
            calls[current].add(m.group(2).split("+")[0])
        elif re.search(r"\bblx\s+r\d+|\bjalr\s+(?!zero)", line):
            indirect[current] += 1
    # Address-taken functions: relocations to them from data (vtables).
    relocs = subprocess.run([tool("llvm-readobj"), "-r", obj], capture_output=True, text=True, check=True).stdout
    taken = set()
    section = ""
    for line in relocs.splitlines():
        m = re.match(r"\s*Section \(\d+\) (\S+) \{", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"\s*0x[0-9A-Fa-f]+ (R_\w+) (\S+)", line)
        if m and m.group(1) in ADDR_RELOCS and ".text" not in section:
            taken.add(m.group(2))
    return calls, indirect, taken


def deepest(fn, sizes, calls, memo, stack):
    """(total bytes, path) of the deepest direct-call chain from fn."""
    if fn in memo:
        return memo[fn]
    if fn in stack:
        return (0, [fn + "  (recursion)"])
    stack.add(fn)
    best = (0, [])
    for callee in calls.get(fn, ()):
        if callee in sizes or callee in calls:
            cand = deepest(callee, sizes, calls, memo, stack)
            if cand[0] > best[0]:
                best = cand
    stack.discard(fn)
    res = (sizes.get(fn, 0) + best[0], [fn] + best[1])
    memo[fn] = res
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("archive")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--paths", type=int, default=12)
    args = ap.parse_args()

    sizes, calls, indirect, taken = {}, collections.defaultdict(set), collections.Counter(), set()
    for obj in read_objects(args.archive):
        sizes.update(stack_sizes(obj))
        c, i, t = call_graph(obj)
        for k, v in c.items():
            calls[k] |= v
        indirect.update(i)
        taken |= t
    if not sizes:
        sys.exit("stack-report: no .stack_sizes in the archive (build it with -Z emit-stack-sizes)")
    names = demangle(sorted(set(sizes) | set(calls)))

    print(f"{len(sizes)} functions with frames, {sum(1 for s in sizes.values() if s >= 1024)} of 1 KiB or more")
    print(f"\nLargest frames (bytes):")
    for fn, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"  {size:6d}  {names.get(fn, fn)}")

    memo = {}

    def report(title, roots, limit):
        rows = sorted(((deepest(r, sizes, calls, memo, set()), r) for r in roots), key=lambda x: -x[0][0])
        print(f"\n{title}")
        for (total, path), root in rows[:limit]:
            ind = sum(1 for f in path if indirect.get(f.split("  ")[0]))
            print(f"  {total:6d}  {names.get(root, root)}  ({len(path)} frames, {ind} with indirect calls)")
            for f in path[1:]:
                base = f.split("  ")[0]
                print(f"          {sizes.get(base, 0):6d}  {names.get(base, base)}{'  (recursion)' if '(recursion)' in f else ''}")

    abi = [f for f in sizes if f.startswith("modssl_")]
    report("Deepest direct-call chains from the C ABI (bytes; each chain's frames below it):", abi, args.paths)
    dyn_roots = [f for f in taken if f in sizes and not f.startswith("modssl_")]
    report("Deepest chains from functions reached through a pointer (trait objects):", dyn_roots, args.paths)


if __name__ == "__main__":
    main()
