#!/usr/bin/env python3
"""MicroPython's own ssl/tls tests against our binaries.

Runs, from the MicroPython tree the build uses (nothing in it is written):

* tests/extmod/ssl_*.py and tls_*.py through tests/run-tests.py, on
  build/micropython; ssl_poll.py and ssl_ioctl.py on the coverage variant
  (build/micropython-coverage), which is where MicroPython runs them;
* tests/multi_net/*ssl*, *tls* and asyncio_tls_* through
  tests/run-multitests.py with two instances of build/micropython, via
  multitests_loopback.py (host address pinned to 127.0.0.1), inside a fresh
  network namespace when `unshare` allows it (so the tests' fixed port 8000
  cannot collide with anything else on the machine).

micropython-lib is absent from Debian's +ds source: lib/unittest stands in
for it (on MICROPYPATH).

Each test gets one verdict:

  pass            output equals MicroPython's expected output (.exp, CPython's
                  output, or unittest's OK)
  known-diff      output differs from MicroPython's, equals ours in exp/, and
                  the reason is in tests/KNOWN_DIFFERENCES.md
  not-supported   DTLS: the test fails with ValueError("DTLS is not supported")
  skip            the test printed SKIP
  pass*           the test cannot pass as written for a documented reason
                  (ADAPTED below); it fails or skips in exactly that way, and
                  a copy changed only as stated passes
  FAIL            anything else, and any verdict other than the one
                  EXPECTED lists for the test (a skip where a pass is
                  expected fails, as does a test the table does not list)

A few tests are also run as an *adapted copy* (ADAPTED below), written under
--work: the copy differs from the original only as stated, and the row says so.

Prints a table and "N passed, N failed, N skipped, N known differences";
exits 1 if anything failed.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUR_EXP = os.path.join(HERE, "exp")
UNITTEST_LIB = os.path.join(HERE, "lib")

DTLS_TESTS = {"extmod/tls_dtls.py", "multi_net/tls_dtls_server_client.py"}
DTLS_ERROR = "ValueError: DTLS is not supported"

# Run on the coverage variant only (MicroPython's run-tests.py skips
# ssl_poll.py elsewhere; ssl_ioctl.py needs the coverage build's ioctl()).
COVERAGE_ONLY = {"extmod/ssl_poll.py", "extmod/ssl_ioctl.py"}

# Tests whose unchanged form cannot pass on purpose, run as an adapted copy
# as well: (file, [(regex, replacement)], what the copy changes, the
# original's run-tests.py result, a string its output must contain).
ADAPTED = {
    "extmod/ssl_poll.py": (
        [
            # Its RSA-1024 key and certificate -> MicroPython's own P-256 pair
            # (multi_net/ec_key.der, ec_cert.der).  Every line of the test's
            # logic is unchanged.
            (
                r"\n\nclass _Pipe",
                "\nkey = open('{mp}/tests/multi_net/ec_key.der', 'rb').read()\n"
                "cert = open('{mp}/tests/multi_net/ec_cert.der', 'rb').read()\n\n\nclass _Pipe",
            ),
        ],
        "its RSA-1024 key/cert replaced by MicroPython's P-256 pair (ec_key.der, ec_cert.der)",
        "fail",
        "ValueError: invalid key",  # RSA below 2048 bits: refused (docs/security.md)
    ),
    "extmod/ssl_keycert_pkcs8.py": (
        [(r'hasattr\(ssl, "MBEDTLS_VERSION"\)', "True")],
        'its "only mbedTLS" gate (hasattr(ssl, "MBEDTLS_VERSION")) lifted',
        "skip",
        None,
    ),
    "extmod/ssl_sslcontext_verify_mode2.py": (
        [(r'hasattr\(ssl, "MBEDTLS_VERSION"\)', "True")],
        'its "OpenSSL or mbedTLS only" gate (hasattr(ssl, "MBEDTLS_VERSION")) lifted',
        "skip",
        None,
    ),
}


# The verdict each test must get, per MicroPython tree the suite has been
# reviewed against (keyed by the tree directory's basename; a tree of another
# version uses the newest table below it).  A test whose verdict differs -- a
# "skip" where a pass was expected, a pass where a known difference is listed
# (update tests/KNOWN_DIFFERENCES.md), a test the table does not know -- fails
# the run: a binary without ioctl() or without TLS cannot pass by skipping.
EXPECTED_1_26 = {
    "extmod/ssl_basic.py": "pass",
    "extmod/ssl_cadata.py": "pass",
    "extmod/ssl_ioctl.py": "pass",
    "extmod/ssl_keycert.py": "pass",
    "extmod/ssl_keycert_pkcs8.py": "pass*",
    "extmod/ssl_poll.py": "pass*",
    "extmod/ssl_sslcontext.py": "pass",
    "extmod/ssl_sslcontext_verify_mode.py": "pass",
    "extmod/ssl_sslcontext_verify_mode2.py": "pass*",
    "extmod/tls_dtls.py": "not-supported",
    "extmod/tls_noleak.py": "pass",
    "extmod/tls_sslcontext_ciphers.py": "known-diff",
    "extmod/tls_sslcontext_micropython.py": "pass",
    "extmod/tls_threads.py": "pass",
    "multi_net/asyncio_tls_server_client.py": "pass",
    "multi_net/asyncio_tls_server_client_cert_required_error.py": "known-diff",
    "multi_net/asyncio_tls_server_client_readline.py": "pass",
    "multi_net/asyncio_tls_server_client_verify_error.py": "known-diff",
    "multi_net/ssl_cert_ec.py": "pass",
    "multi_net/ssl_cert_rsa.py": "pass",
    "multi_net/sslcontext_check_hostname_error.py": "known-diff",
    "multi_net/sslcontext_getpeercert.py": "pass",
    "multi_net/sslcontext_server_client.py": "pass",
    "multi_net/sslcontext_server_client_ciphers.py": "known-diff",
    "multi_net/sslcontext_server_client_files.py": "pass",
    "multi_net/sslcontext_verify_callback.py": "pass",
    "multi_net/sslcontext_verify_error.py": "known-diff",
    "multi_net/sslcontext_verify_time_error.py": "known-diff",
    "multi_net/tls_dtls_server_client.py": "not-supported",
}
# Reviewed against v1.28.0 (2026-12-06): the same verdicts.  1.28 edited all
# 15 multi_net TLS tests (they now skip without ssl.CERT_REQUIRED and no
# longer skip when their certificate files are missing) and rewrote
# run-multitests.py's instance options (multitest_instances below).
EXPECTED_1_28 = dict(EXPECTED_1_26)
EXPECTED = {(1, 26): EXPECTED_1_26, (1, 28): EXPECTED_1_28}


def expected_verdicts(mp):
    """The table for the tree at mp (its directory name or py/mpconfig.h
    names the version)."""
    version = None
    m = re.search(r"(\d+)\.(\d+)", os.path.basename(mp))
    if m:
        version = (int(m.group(1)), int(m.group(2)))
    else:
        try:
            with open(os.path.join(mp, "py", "mpconfig.h")) as f:
                text = f.read()
            major = re.search(r"#define MICROPY_VERSION_MAJOR \(?(\d+)", text)
            minor = re.search(r"#define MICROPY_VERSION_MINOR \(?(\d+)", text)
            version = (int(major.group(1)), int(minor.group(1)))
        except (OSError, AttributeError):
            pass
    known = sorted(k for k in EXPECTED if version is None or k <= version)
    return EXPECTED[known[-1] if known else min(EXPECTED)]


def check_expected(rows, table):
    """Turn each row whose verdict is not the expected one into a FAIL."""
    out = []
    for t, variant, v, note in rows:
        want = table.get(t)
        if want is None:
            v, note = "FAIL", "no expected verdict for this test (tests/mpsuite/run.py EXPECTED): got " + v
        elif v != want and v != "FAIL":
            note = "expected {}, got {}{}".format(want, v, "; " + note if note else "")
            v = "FAIL"
        out.append((t, variant, v, note))
    return out


def discover(mp):
    t = os.path.join(mp, "tests")
    ext = sorted(
        "extmod/" + f
        for f in os.listdir(os.path.join(t, "extmod"))
        if f.endswith(".py") and (f.startswith("ssl_") or f.startswith("tls_"))
    )
    multi = sorted(
        "multi_net/" + f
        for f in os.listdir(os.path.join(t, "multi_net"))
        if f.endswith(".py") and ("ssl" in f or "tls" in f or f.startswith("asyncio_tls_"))
    )
    return ext, multi


GCOV_DIR = None  # set by main(): where the coverage build's profile data goes


def env_for(binary, mp):
    env = dict(os.environ)
    if GCOV_DIR:
        # The coverage build writes .gcda profile files at exit, next to its
        # objects by default; after a rebuild (or with runs in parallel) libgcov
        # complains on stderr, which run-tests.py would read as test output.
        # Our runs write theirs to a fresh scratch directory instead.
        env["GCOV_PREFIX"] = GCOV_DIR
    env["MICROPY_MICROPYTHON"] = os.path.abspath(binary)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # run-tests.py --keep-path: builtins, extmod and our unittest stand-in.
    env["MICROPYPATH"] = os.pathsep.join(
        [".frozen", os.path.join(mp, "extmod"), UNITTEST_LIB]
    )
    return env


def run_tests_py(mp, binary, files, result_dir):
    """run-tests.py on `files` (paths relative to tests/ or absolute).
    Returns {file: (result, output)}."""
    shutil.rmtree(result_dir, ignore_errors=True)
    os.makedirs(result_dir)
    cmd = [sys.executable, "run-tests.py", "--keep-path", "-j1", "-r", result_dir] + files
    p = subprocess.run(
        cmd, cwd=os.path.join(mp, "tests"), env=env_for(binary, mp),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    log = p.stdout
    with open(os.path.join(result_dir, "run-tests.log"), "w") as f:
        f.write(log)
    try:
        with open(os.path.join(result_dir, "_results.json")) as f:
            results = json.load(f)["results"]
    except (OSError, ValueError, KeyError):
        sys.exit("mp-suite: run-tests.py produced no results:\n" + log)
    out = {}
    for name, result, _reason in results:
        base = name.replace("..", "_").replace("./", "").replace("/", "_")
        text = ""
        path = os.path.join(result_dir, base + ".out")
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                text = f.read()
        out[name] = (result, text)
    return out


def netns_prefix():
    """A fresh network namespace with only loopback up, if we may make one."""
    if not shutil.which("unshare") or not shutil.which("ip"):
        return None
    probe = subprocess.run(
        ["unshare", "-rn", "sh", "-c", "ip link set lo up"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    if probe.returncode != 0:
        return None
    return ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$0" "$@"']


def multitest_instances(mp):
    """Two instances of the binary in MICROPY_MICROPYTHON, in the words of
    the tree's run-multitests.py: `-i micropython` in 1.26, `-t unix` in
    1.28, which rewrote its instance options (1.27 was not checked: the
    runner asks the file, not the version)."""
    with open(os.path.join(mp, "tests", "run-multitests.py")) as f:
        source = f.read()
    if '"--test-instance"' in source:
        return ["-t", "unix", "-t", "unix"]
    return ["-i", "micropython", "-i", "micropython"]


def run_multitests(mp, binary, files, result_dir):
    shutil.rmtree(result_dir, ignore_errors=True)
    os.makedirs(result_dir)
    cmd = [
        sys.executable, os.path.join(HERE, "multitests_loopback.py"), os.path.join(mp, "tests"),
        *multitest_instances(mp), "-r", result_dir,
    ] + files
    prefix = netns_prefix()
    isolated = prefix is not None
    if prefix:
        cmd = prefix + cmd
    p = subprocess.run(
        cmd, cwd=os.path.join(mp, "tests"), env=env_for(binary, mp),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    with open(os.path.join(result_dir, "run-multitests.log"), "w") as f:
        f.write(p.stdout)
    try:
        with open(os.path.join(result_dir, "_results.json")) as f:
            results = json.load(f)["results"]
    except (OSError, ValueError, KeyError):
        sys.exit("mp-suite: run-multitests.py produced no results:\n" + p.stdout)
    out = {}
    for name, result, _reason in results:
        text = ""
        path = os.path.join(result_dir, os.path.basename(name) + ".out")
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                text = f.read()
        out[name] = (result, text)
    return out, isolated


def our_exp(test):
    path = os.path.join(OUR_EXP, test.replace("/", "__") + ".exp")
    if os.path.exists(path):
        with open(path) as f:
            return f.read()
    return None


def normalise(text):
    # run-tests.py appends CRASH to a failing run's output; both runners
    # differ in trailing newlines.  Tracebacks name the MicroPython tree by
    # its absolute path, which differs per checkout: compare it as <MPY>.
    text = re.sub(r'File "[^"]*/tests/', 'File "<MPY>/tests/', text)
    return text.replace("\r\n", "\n").rstrip("\n")


def verdict(test, result, output):
    """(verdict, note) for one test's run."""
    if result == "pass":
        return "pass", ""
    if result == "skip":
        return "skip", "the test printed SKIP"
    if test in DTLS_TESTS:
        if DTLS_ERROR in output:
            return "not-supported", "DTLS: rustls has none; PROTOCOL_DTLS_* raise ValueError"
        return "FAIL", "expected ValueError('DTLS is not supported')"
    exp = our_exp(test)
    if exp is not None:
        if normalise(output) == normalise(exp):
            return "known-diff", "output equals tests/mpsuite/exp (see tests/KNOWN_DIFFERENCES.md)"
        return "FAIL", "output differs from MicroPython's and from tests/mpsuite/exp"
    return "FAIL", ""


def make_adapted(mp, test, work):
    subs = ADAPTED[test][0]
    src = os.path.join(mp, "tests", test)
    with open(src) as f:
        text = f.read()
    for pattern, repl in subs:
        repl = repl.replace("{mp}", mp)
        text, n = re.subn(pattern, lambda m: repl, text, count=1)
        if n != 1:
            sys.exit("mp-suite: cannot adapt {}: {!r} not found".format(test, pattern))
    dst_dir = os.path.join(work, "adapted", os.path.dirname(test))
    os.makedirs(dst_dir, exist_ok=True)
    dst = os.path.join(dst_dir, os.path.basename(test))
    with open(dst, "w") as f:
        f.write(text)
    if os.path.exists(src + ".exp"):
        shutil.copy(src + ".exp", dst + ".exp")
    return dst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--micropython", required=True, help="build/micropython")
    ap.add_argument("--coverage", help="build/micropython-coverage (for ssl_poll/ssl_ioctl)")
    ap.add_argument("--mp-dir", required=True, help="the MicroPython tree the build uses")
    ap.add_argument("--work", required=True, help="a directory for results (build/mpsuite)")
    ap.add_argument("-k", help="only tests whose path contains this")
    args = ap.parse_args()

    mp = os.path.abspath(args.mp_dir)
    # Each run in its own directory, so that two suites running at once (two
    # `make test`s on one machine) do not overwrite each other's results;
    # a run that passed is removed, a failed one kept (and linked as "failed").
    top = os.path.abspath(args.work)
    os.makedirs(top, exist_ok=True)
    work = os.path.join(top, "run-{}".format(os.getpid()))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    global GCOV_DIR
    GCOV_DIR = os.path.join(work, "gcov")
    shutil.rmtree(GCOV_DIR, ignore_errors=True)
    ext, multi = discover(mp)
    if args.k:
        ext = [t for t in ext if args.k in t]
        multi = [t for t in multi if args.k in t]

    rows = []  # (test, variant, verdict, note)

    # extmod/ on the standard build; the coverage-only ones on coverage.
    std = [t for t in ext if t not in COVERAGE_ONLY]
    cov = [t for t in ext if t in COVERAGE_ONLY]
    results = {}
    if std:
        for t, r in run_tests_py(mp, args.micropython, std, os.path.join(work, "extmod")).items():
            results[t] = ("standard", r)
    if cov:
        if args.coverage and os.path.exists(args.coverage):
            for t, r in run_tests_py(mp, args.coverage, cov, os.path.join(work, "extmod-coverage")).items():
                results[t] = ("coverage", r)
        else:
            for t in cov:
                results[t] = ("coverage", ("fail", "no coverage binary (make coverage)"))

    adapted = [t for t in ext if t in ADAPTED]
    adapted_results = {}
    if adapted:
        copies = {make_adapted(mp, t, work): t for t in adapted}
        by_variant = {}
        for path, t in copies.items():
            variant = "coverage" if t in COVERAGE_ONLY else "standard"
            by_variant.setdefault(variant, []).append(path)
        for variant, paths in by_variant.items():
            binary = args.coverage if variant == "coverage" else args.micropython
            if not binary or not os.path.exists(binary):
                continue  # reported as failed below
            res = run_tests_py(mp, binary, paths, os.path.join(work, "adapted-results-" + variant))
            for path, r in res.items():
                adapted_results[copies[os.path.abspath(os.path.join(mp, "tests", path))]] = (variant, r)

    for t in ext:
        variant, (result, output) = results[t]
        v, note = verdict(t, result, output)
        if t in ADAPTED and v != "pass":
            _subs, what, as_is, marker = ADAPTED[t]
            # The original must fail in exactly the documented way; the
            # adapted copy then carries the verdict.
            if result == as_is and (marker is None or marker in output):
                avariant, (aresult, aoutput) = adapted_results.get(t, (variant, ("fail", "")))
                av, anote = verdict(t, aresult, aoutput)
                orig = "skips itself" if as_is == "skip" else "fails: " + marker
                note = "as is {}; run with {}".format(orig, what)
                v = "pass*" if av == "pass" else "FAIL"
                if av != "pass":
                    note += ": the copy failed too"
            else:
                note = (note + "; " if note else "") + "not the documented outcome ({})".format(as_is)
                v = "FAIL"
        rows.append((t, variant, v, note))

    # multi_net/ on two instances of the standard build.
    isolated = False
    if multi:
        mres, isolated = run_multitests(mp, args.micropython, multi, os.path.join(work, "multi_net"))
        for t in multi:
            result, output = mres.get(t, ("fail", ""))
            v, note = verdict(t, result, output)
            rows.append((t, "standard x2", v, note))

    rows = check_expected(rows, expected_verdicts(mp))

    # The table.
    w = max(len(r[0]) for r in rows) if rows else 10
    print()
    print("MicroPython {} ssl/tls tests against modssl-rs ({})".format(
        os.path.basename(mp), "multi_net in a private network namespace, 127.0.0.1" if isolated
        else "multi_net on 127.0.0.1"))
    print("{:<{w}}  {:<12} {:<14} {}".format("test", "binary", "result", "note", w=w))
    print("-" * (w + 2 + 12 + 1 + 14 + 1 + 40))
    for t, variant, v, note in rows:
        print("{:<{w}}  {:<12} {:<14} {}".format(t, variant, v, note, w=w))
    npass = sum(1 for r in rows if r[2] in ("pass", "pass*"))
    nfail = sum(1 for r in rows if r[2] == "FAIL")
    nskip = sum(1 for r in rows if r[2] in ("skip", "not-supported"))
    nknown = sum(1 for r in rows if r[2] == "known-diff")
    nns = sum(1 for r in rows if r[2] == "not-supported")
    print("-" * (w + 2 + 12 + 1 + 14 + 1 + 40))
    print("pass* = passes as the adapted copy named in the note; known-diff: tests/KNOWN_DIFFERENCES.md")
    print("mp-suite: {} passed, {} failed, {} skipped, {} known differences "
          "({} of the skipped not supported: DTLS)".format(npass, nfail, nskip, nknown, nns))
    if nfail:
        print("mp-suite: outputs and logs are under {}".format(work))
        link = os.path.join(top, "failed")
        try:
            if os.path.islink(link):
                os.unlink(link)
            os.symlink(os.path.basename(work), link)
        except OSError:
            pass
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
