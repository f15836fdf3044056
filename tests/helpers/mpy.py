"""Run MicroPython snippets: on the host binary, or on a board via mpremote.

``HostRunner.run(code)`` writes PRELUDE + code to a file and runs
``<binary> <file>``.  ``HostRunner.start(code)`` does the same in the
background (for MicroPython servers) and lets the test wait for a line.
``DeviceRunner.run(code)`` runs the same file with
``mpremote connect PORT run FILE``.
"""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .snippets import PRELUDE

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = REPO / "build" / "micropython"


def binary_path() -> Path:
    return Path(os.environ.get("MICROPYTHON", str(DEFAULT_BINARY))).absolute()


@dataclass
class Result:
    stdout: str
    stderr: str
    returncode: int | None
    script: Path
    timed_out: bool = False

    @property
    def output(self) -> str:
        """stdout and stderr together.  Where an uncaught exception's
        traceback goes depends on the MicroPython version (the unix port:
        stderr in 1.26, stdout in 1.28); a board's goes to its console."""
        return self.stdout + self.stderr

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    def tagged(self, tag: str) -> list[str]:
        """Lines starting with ``tag `` (without the tag)."""
        p = tag + " "
        return [ln[len(p):] for ln in self.lines if ln.startswith(p)]

    def one(self, tag: str) -> str:
        found = self.tagged(tag)
        assert len(found) == 1, f"expected exactly one {tag!r} line\n{self}"
        return found[0]

    def check(self) -> "Result":
        assert not self.timed_out and self.returncode == 0, f"MicroPython snippet failed\n{self}"
        return self

    def __str__(self) -> str:
        status = "TIMED OUT" if self.timed_out else f"exit {self.returncode}"
        return (f"--- script {self.script} ({status})\n--- stdout:\n{self.stdout}"
                f"--- stderr:\n{self.stderr}---")

    __repr__ = __str__


_counter = itertools.count()


def _write_script(workdir: Path, code: str) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"snippet_{os.getpid()}_{next(_counter)}.py"
    path.write_text(PRELUDE + "\n" + textwrap.dedent(code))
    return path


class MpyProcess:
    """A MicroPython process running in the background (host only)."""

    def __init__(self, argv: list[str], script: Path, cwd: Path):
        self.script = script
        self.proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL)
        self._out: list[str] = []
        self._err: list[bytes] = []
        self._cv = threading.Condition()
        self._done = False
        self._t_out = threading.Thread(target=self._pump_out, daemon=True)
        self._t_err = threading.Thread(target=self._pump_err, daemon=True)
        self._t_out.start()
        self._t_err.start()

    def _pump_out(self):
        for raw in iter(self.proc.stdout.readline, b""):
            with self._cv:
                self._out.append(raw.decode(errors="replace"))
                self._cv.notify_all()
        with self._cv:
            self._done = True
            self._cv.notify_all()

    def _pump_err(self):
        for raw in iter(self.proc.stderr.readline, b""):
            self._err.append(raw)

    def wait_for(self, text: str, timeout: float = 20) -> bool:
        """Wait until a stdout line contains ``text``; False on EOF/timeout."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                if any(text in ln for ln in self._out):
                    return True
                left = deadline - time.monotonic()
                if self._done or left <= 0:
                    return False
                self._cv.wait(left)

    def output(self) -> str:
        with self._cv:
            return "".join(self._out)

    def finish(self, timeout: float = 30) -> Result:
        timed_out = False
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            self.proc.kill()
            self.proc.wait(10)
        self._t_out.join(10)
        self._t_err.join(10)
        return Result("".join(self._out), b"".join(self._err).decode(errors="replace"),
                      self.proc.returncode, self.script, timed_out)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class HostRunner:
    kind = "host"

    def __init__(self, binary: Path, workdir: Path):
        self.binary = binary
        self.workdir = workdir
        self._procs: list[MpyProcess] = []

    def _argv(self, script: Path, heapsize: str | None) -> list[str]:
        argv = [str(self.binary)]
        if heapsize:
            argv += ["-X", f"heapsize={heapsize}"]
        return argv + [str(script)]

    def run(self, code: str, timeout: float = 30, heapsize: str | None = None) -> Result:
        script = _write_script(self.workdir, code)
        try:
            p = subprocess.run(self._argv(script, heapsize), cwd=self.workdir, capture_output=True,
                               timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            return Result((e.stdout or b"").decode(errors="replace"),
                          (e.stderr or b"").decode(errors="replace"), None, script, True)
        return Result(p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"),
                      p.returncode, script)

    def start(self, code: str, heapsize: str | None = None) -> MpyProcess:
        script = _write_script(self.workdir, code)
        proc = MpyProcess(self._argv(script, heapsize), script, self.workdir)
        self._procs.append(proc)
        return proc

    def cleanup(self):
        for p in self._procs:
            p.kill()
        self._procs.clear()


class DeviceRunner:
    """Runs snippets on a board: ``mpremote connect PORT run FILE``."""

    kind = "device"

    def __init__(self, port: str, workdir: Path):
        self.port = port
        self.workdir = workdir

    def mpremote(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "mpremote", "connect", self.port, *args],
                              capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def run(self, code: str, timeout: float = 60, heapsize: str | None = None) -> Result:
        # heapsize is a host-binary option; a board has the heap it has.
        script = _write_script(self.workdir, code)
        try:
            p = self.mpremote("run", str(script), timeout=timeout)
        except subprocess.TimeoutExpired as e:
            return Result((e.stdout or b"").decode(errors="replace"),
                          (e.stderr or b"").decode(errors="replace"), None, script, True)
        out = p.stdout.decode(errors="replace")
        rc = p.returncode
        # mpremote prints a device-side traceback on stdout; treat it as failure.
        if "Traceback (most recent call last):" in out and rc == 0:
            rc = 1
        return Result(out, p.stderr.decode(errors="replace"), rc, script)

    def start(self, code: str, heapsize: str | None = None):
        raise RuntimeError("background snippets are host-only")

    def cleanup(self):
        pass
