#!/usr/bin/env python3
"""Hand-written mutations (tests/mutants/*.patch): does a test notice?

For each patch: a scratch copy of the repository (the working tree as it is
now: tracked and untracked files, .gitignore'd ones left out; or HEAD's
files with --from head), the patch
applied, what its header's `Build:` names built, then its `Test:` command
run in the copy.  The command failing is KILLED; passing is SURVIVED.
Nothing in the repository itself is written: everything happens under
build/mutants/ (the copy in build/mutants/tree, logs in build/mutants/logs).

Patch header (comment lines before the diff; `patch` skips them):

    # Mutation: what the patch breaks, in a sentence or two
    # Breaks: the property a test must hold
    # Build: unix | qemu-<BOARD> | none
    # Test: the shell command that must fail, run from the copy's root
    #       (`pytest` is build/venv's; MICROPYTHON is the copy's binary)

The copy is kept between patches and between runs so that each build is
incremental: before each patch every source file that differs from the
snapshot is rewritten (a new mtime, so make and cargo rebuild it), then the
patch is applied.  Its first build compiles MicroPython from scratch (the
MicroPython source is the main tree's build/src, not fetched again; the
core's crates come from a copy of the main tree's cargo target dir).

Before the mutants, each distinct Test command runs once on the unmutated
copy (the baseline): a command that fails there says nothing about its
mutants (BASELINE-FAILS); one that selects no test is NO-TESTS.

A report, not a gate: the exit status is 0 whatever survived.

    scripts/mutants.py                      # every patch
    scripts/mutants.py shim- core-hostname  # patches whose name contains these
    scripts/mutants.py --skip-qemu          # not the qemu-* builds (no cross toolchain)
    scripts/mutants.py --from head          # the last commit, not the working tree
"""
import argparse
import os
import pathlib
import re
import shlex
import signal
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
PATCH_DIR = REPO / "tests" / "mutants"
FIELDS = ("Mutation", "Breaks", "Build", "Test")


class Patch:
    def __init__(self, path):
        self.path = path
        self.name = path.stem
        self.fields = {}
        key = None
        for line in path.read_text().splitlines():
            if not line.startswith("#"):
                break
            text = line[1:].strip()
            m = re.match(r"([A-Z][a-z]+):\s*(.*)", text)
            if m and m.group(1) in FIELDS:
                key = m.group(1)
                self.fields[key] = m.group(2)
            elif key and text:
                self.fields[key] += " " + text
        missing = [f for f in ("Build", "Test") if f not in self.fields]
        if missing:
            raise SystemExit(f"{path}: header lacks {', '.join(missing)}")
        self.build = self.fields["Build"].split()[0]
        self.test = self.fields["Test"]
        # Files the patch writes (to put back next round).
        self.files = re.findall(r"^\+\+\+ b/(\S+)", path.read_text(), re.M)


def log(msg):
    print(msg, flush=True)


def snapshot_head():
    """HEAD's files (git archive): path -> (bytes, executable)."""
    import io
    import tarfile
    data = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", "HEAD"],
                          check=True, capture_output=True).stdout
    files = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for m in tar:
            if m.isfile():
                files[m.name] = (tar.extractfile(m).read(), bool(m.mode & 0o100))
    return files


def snapshot_files():
    """The working tree's source files: path -> (bytes, executable)."""
    out = subprocess.run(["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard", "-z"],
                         check=True, capture_output=True).stdout
    files = {}
    for rel in out.decode().split("\0"):
        p = REPO / rel
        if rel and p.is_file() and not p.is_symlink():
            files[rel] = (p.read_bytes(), os.access(p, os.X_OK))
    return files


def sync(tree, files, stale):
    """Make the copy's sources equal to the snapshot, rewriting only what differs."""
    changed = 0
    for rel, (data, exe) in files.items():
        p = tree / rel
        if p.is_file() and p.read_bytes() == data:
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        p.chmod(0o755 if exe else 0o644)
        changed += 1
    for rel in stale:
        if rel not in files and (tree / rel).exists():
            (tree / rel).unlink()
    return changed


def seed(src, dst):
    """A first copy of a build product of the main tree (only if absent)."""
    if src.exists() and not dst.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-a", "--reflink=auto", str(src), str(dst)], check=True)


def prepare_build_dir(tree):
    """The copy's build/: the main tree's venv and fetched libraries (read
    only), fresh dependency stamps (the dependencies are the main tree's)."""
    b, mb = tree / "build", REPO / "build"
    b.mkdir(exist_ok=True)
    for name in ("venv", "mpylib"):
        if (mb / name).exists() and not (b / name).exists():
            (b / name).symlink_to(mb / name)
    for stamp in (".deps.stamp", ".cross-deps.stamp"):
        if (mb / stamp).exists():
            (b / stamp).touch()


def run(cmd, cwd, env, logfile, timeout):
    """Runs a shell command in its own process group; (rc or None on timeout, seconds)."""
    t0 = time.monotonic()
    with open(logfile, "ab") as f:
        f.write(f"\n$ {cmd}\n".encode())
        f.flush()
        p = subprocess.Popen(["bash", "-c", cmd], cwd=cwd, env=env, stdout=f, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            rc = None
        f.write(f"[rc={rc}, {time.monotonic() - t0:.0f} s]\n".encode())
    return rc, time.monotonic() - t0


def build_command(tree, kind, jobs):
    # The Makefile's targets are absolute paths ($(B)/micropython).
    if kind == "none":
        return None
    if kind == "unix":
        target = tree / "build" / "micropython"
    elif kind.startswith("qemu-"):
        target = tree / "build" / kind / "firmware.elf"
    else:
        raise SystemExit(f"unknown Build: {kind}")
    return f"make --no-print-directory JOBS={jobs} {shlex.quote(str(target))}"


def verdict(test, rc):
    if rc is None:
        return "TIMEOUT"
    if rc == 0:
        return "SURVIVED"
    if re.search(r"(^|\s)pytest\s", test):
        if rc == 5:
            return "NO-TESTS"
        if rc in (3, 4):
            return f"CMD-ERROR({rc})"
    return "KILLED"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("select", nargs="*", help="run only patches whose name contains one of these")
    ap.add_argument("--work", default=str(REPO / "build" / "mutants"), help="scratch directory")
    ap.add_argument("--jobs", default=os.environ.get("MUTANTS_JOBS", "1"), help="make -j for builds (default 1)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per test command (default 900)")
    ap.add_argument("--build-timeout", type=float, default=3600, help="seconds per build (default 3600)")
    ap.add_argument("--no-baseline", action="store_true", help="do not run the commands unmutated first")
    ap.add_argument("--from", dest="base", choices=("worktree", "head"), default="worktree",
                    help="copy the working tree as it is (default) or the last commit")
    ap.add_argument("--skip-qemu", action="store_true", help="leave out patches that build qemu firmware")
    args = ap.parse_args()

    patches = [Patch(p) for p in sorted(PATCH_DIR.glob("*.patch"))]
    if args.select:
        patches = [p for p in patches if any(s in p.name for s in args.select)]
    if args.skip_qemu:
        patches = [p for p in patches if not p.build.startswith("qemu-")]
    if not patches:
        raise SystemExit("no patches selected")
    # Patches of the same build together; the core (Rust) ones first.
    patches.sort(key=lambda p: (p.build != "unix", p.build, not p.name.startswith("core-"), p.name))

    work = pathlib.Path(args.work)
    tree, logs = work / "tree", work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for p in patches:
        (logs / f"{p.name}.log").unlink(missing_ok=True)
    (logs / "baseline.log").unlink(missing_ok=True)
    (logs / "restore.log").unlink(missing_ok=True)
    tree.mkdir(parents=True, exist_ok=True)

    log(f"== snapshot of {REPO} ({'working tree' if args.base == 'worktree' else 'HEAD'}) -> {tree}")
    files = snapshot_files() if args.base == "worktree" else snapshot_head()
    env = dict(os.environ)
    mpy_tree = REPO / "build" / ".micropython-tree"
    if "MICROPY_DIR" not in env and mpy_tree.exists():
        env["MICROPY_DIR"] = mpy_tree.read_text().strip()
    venv_bin = tree / "build" / "venv" / "bin"
    env["PATH"] = f"{venv_bin}:{env['PATH']}"
    env["MICROPYTHON"] = str(tree / "build" / "micropython")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("MAKEFLAGS", None)
    env.pop("MFLAGS", None)
    env.pop("MAKELEVEL", None)
    env.pop("CARGO_TARGET_DIR", None)
    # The core's crates are already built in the main tree: start from a copy.
    seed(REPO / "target" / "mpy-host", tree / "target" / "mpy-host")
    seed(REPO / "build" / "mpy-cross", tree / "build" / "mpy-cross")
    for kind in {p.build for p in patches if p.build.startswith("qemu-")}:
        seed(REPO / "target" / "mpy-thumbv6m-none-eabi-cas", tree / "target" / "mpy-thumbv6m-none-eabi-cas")
        seed(REPO / "target" / "mpy-riscv32imc-unknown-none-elf-cas",
             tree / "target" / "mpy-riscv32imc-unknown-none-elf-cas")

    stale = set()
    for p in patches:
        stale.update(p.files)

    def fresh_round(blog):
        n = sync(tree, files, stale)
        prepare_build_dir(tree)
        if not (tree / "build" / "venv").exists():
            rc, _ = run("make --no-print-directory deps", tree, env, blog, args.build_timeout)
            if rc != 0:
                raise SystemExit(f"make deps failed in the copy: {blog}")
        return n

    built = {}   # build kind -> ok, for the unmutated copy

    def build(kind, blog):
        cmd = build_command(tree, kind, args.jobs)
        if cmd is None:
            return True, 0.0
        rc, secs = run(cmd, tree, env, blog, args.build_timeout)
        return rc == 0, secs

    baseline = {}
    if not args.no_baseline:
        blog = logs / "baseline.log"
        n = fresh_round(blog)
        log(f"== baseline: {n} files written to the copy")
        for kind in sorted({p.build for p in patches}):
            log(f"   build {kind} (unmutated; the first run builds MicroPython from scratch) ...")
            ok, secs = build(kind, blog)
            built[kind] = ok
            log(f"   build {kind}: {'ok' if ok else 'FAILED'} ({secs:.0f} s)")
        for p in patches:
            if p.test in baseline:
                continue
            if not built.get(p.build, True):
                baseline[p.test] = "BUILD-FAILED"
                continue
            rc, secs = run(p.test, tree, env, blog, args.timeout)
            v = verdict(p.test, rc)
            baseline[p.test] = "ok" if v == "SURVIVED" else v
            log(f"   baseline {baseline[p.test]:<12} {secs:5.0f} s  {p.test}")

    rows = []
    for p in patches:
        plog = logs / f"{p.name}.log"
        t0 = time.monotonic()
        base = baseline.get(p.test, "ok")
        if base != "ok":
            rows.append((p, "BASELINE-FAILS" if base not in ("NO-TESTS",) else "NO-TESTS", 0.0, 0.0))
            log(f"-- {p.name}: skipped, the unmutated copy gives {base} for: {p.test}")
            continue
        fresh_round(plog)
        r = subprocess.run(["patch", "-p1", "--forward", "--batch", "--no-backup-if-mismatch", "-i", str(p.path)],
                           cwd=tree, capture_output=True, text=True)
        with open(plog, "a") as f:
            f.write(f"$ patch -p1 < {p.path}\n{r.stdout}{r.stderr}")
        if r.returncode != 0:
            rows.append((p, "NOAPPLY", 0.0, time.monotonic() - t0))
            log(f"-- {p.name}: the patch does not apply (refresh it): {plog}")
            continue
        ok, bsecs = build(p.build, plog)
        if not ok:
            rows.append((p, "BUILD-FAILED", bsecs, time.monotonic() - t0))
            log(f"-- {p.name}: BUILD-FAILED ({bsecs:.0f} s): {plog}")
            continue
        rc, tsecs = run(p.test, tree, env, plog, args.timeout)
        v = verdict(p.test, rc)
        rows.append((p, v, bsecs, tsecs))
        log(f"-- {p.name}: {v} (build {bsecs:.0f} s, test {tsecs:.0f} s)")

    # Leave the copy unmutated, its binaries too (the next run's baseline
    # builds are then no-ops, and nobody tries the copy's binary as a mutant).
    sync(tree, files, stale)
    for kind in sorted({p.build for p, v, *_ in rows if v not in ("NOAPPLY", "BASELINE-FAILS", "NO-TESTS")}):
        build(kind, logs / "restore.log")

    width = max(len(p.name) for p, *_ in rows)
    cwidth = min(70, max(len(p.test) for p, *_ in rows))
    lines = [f"{'mutation':<{width}}  {'command':<{cwidth}}  {'verdict':<14}  build s  test s"]
    lines.append("-" * len(lines[0]))
    for p, v, bsecs, tsecs in rows:
        lines.append(f"{p.name:<{width}}  {p.test:<{cwidth}}  {v:<14}  {bsecs:7.0f}  {tsecs:6.0f}")
    report = "\n".join(lines)
    log("\n" + report)
    (work / "report.txt").write_text(report + "\n")
    counts = {}
    for _, v, *_ in rows:
        counts[v] = counts.get(v, 0) + 1
    log("\n" + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())))
    survivors = [p for p, v, *_ in rows if v != "KILLED" and v != "TIMEOUT"]
    if survivors:
        log("\nNOT KILLED (a test gap, a broken patch or a missing test):")
        for p in survivors:
            v = next(v for q, v, *_ in rows if q is p)
            log(f"  {v:<14} {p.name}: {p.fields.get('Mutation', '')}")
    else:
        log("\nevery mutation was killed")
    log(f"(logs: {logs}; table: {work / 'report.txt'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
