"""The real rp2 firmware on an emulated RP2040, as a board on a serial port.

``Rp2040jsBoard(uf2, bootrom).start()`` boots the UF2 that ``make rp2``
writes on rp2040js (``tests/rp2emu/board.mjs``, the npm package pinned in
``tests/rp2emu/package-lock.json``), puts the board's USB CDC serial port on
a pseudo-terminal and returns its path: ``mpremote connect PTY ...`` (and so
``pytest --device PTY``) drive it as they drive a Pico on /dev/ttyACM0.

The runner reports marks: a line ``@M tag`` printed by the board gives the
CPU cycles and the peak main-stack use since the previous mark
(``board.marks``).

    python3 -m helpers.rp2emu FIRMWARE.uf2 -- CMD ...   # CMD with {pty} replaced

needs ``RP2040JS_DIR`` (a checkout of the rp2040js repository: its
demo/bootrom.ts is the RP2040 boot ROM image).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import tty
from pathlib import Path

from .procs import SerialBoard, stop_process

REPO = Path(__file__).resolve().parents[2]
RUNNER_DIR = REPO / "tests" / "rp2emu"


def bootrom_path() -> Path:
    d = os.environ.get("RP2040JS_DIR")
    if not d:
        raise RuntimeError("RP2040JS_DIR is not set: it names a checkout of the rp2040js repository"
                           " (github.com/wokwi/rp2040js), whose demo/bootrom.ts is the RP2040 boot ROM")
    p = Path(d) / "demo" / "bootrom.ts"
    if not p.is_file():
        raise RuntimeError(f"RP2040JS_DIR={d} has no demo/bootrom.ts: not an rp2040js checkout?")
    return p


def ensure_runner() -> None:
    """npm ci the pinned rp2040js into tests/rp2emu/node_modules once."""
    if (RUNNER_DIR / "node_modules" / "rp2040js" / "package.json").exists():
        return
    if not shutil.which("npm"):
        raise RuntimeError("npm is missing: apt-get install nodejs npm")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=RUNNER_DIR, check=True)


def stack_extent(elf: Path) -> tuple[int, int]:
    """(__StackTop, __StackBottom) of the core0 stack, from the firmware's
    symbol table (pico-sdk: the stack runs from the top down to the bottom)."""
    out = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] in ("__StackTop", "__StackBottom"):
            syms[parts[2]] = int(parts[0], 16)
    if len(syms) != 2:
        raise RuntimeError(f"{elf}: no __StackTop/__StackBottom symbols")
    return syms["__StackTop"], syms["__StackBottom"]


def function_extent(elf: Path, name: str) -> tuple[int, int] | None:
    """(address, size) of function `name` in the firmware (Thumb bit
    cleared), or None if it has none (a build without the core stack)."""
    out = subprocess.run(["arm-none-eabi-nm", "-S", str(elf)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == name and parts[2] in "tT":
            return int(parts[0], 16) & ~1, int(parts[1], 16)
    return None


class Rp2040jsBoard(SerialBoard):
    def __init__(self, uf2: Path, bootrom: Path | None = None, elf: Path | None = None):
        self.uf2 = Path(uf2)
        self.bootrom = bootrom or bootrom_path()
        self.elf = Path(elf) if elf else self.uf2.with_suffix(".elf")
        self.proc: subprocess.Popen | None = None
        self.pty: str | None = None
        self.marks: list[dict] = []
        self.events: list[dict] = []
        self.log: list[str] = []
        self._master = self._slave = -1
        self._connected = threading.Event()

    def start(self, timeout: float = 60) -> str:
        ensure_runner()
        argv = ["node", str(RUNNER_DIR / "board.mjs"), str(self.uf2), "--bootrom", str(self.bootrom)]
        if self.elf.exists():
            top, bottom = stack_extent(self.elf)
            argv += ["--stack-top", hex(top), "--stack-bottom", hex(bottom)]
            switch = function_extent(self.elf, "stack_switch")
            if switch:
                argv += ["--switch", f"{switch[0]:#x}:{switch[1]}"]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, bufsize=0)
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.pty = os.ttyname(self._slave)
        threading.Thread(target=self._board_to_pty, daemon=True).start()
        threading.Thread(target=self._pty_to_board, daemon=True).start()
        threading.Thread(target=self._stats, daemon=True).start()
        if not self._connected.wait(timeout):
            self.stop()
            raise RuntimeError(f"the emulated board did not bring up USB in {timeout} s:\n" + "".join(self.log))
        return self.pty

    # The slave end stays open here too, so the master never reads EIO while
    # no client has the port open (mpremote opens and closes it per command).
    def _board_to_pty(self):
        while True:
            data = os.read(self.proc.stdout.fileno(), 4096)
            if not data:
                return
            os.write(self._master, data)

    def _pty_to_board(self):
        while True:
            try:
                data = os.read(self._master, 4096)
            except OSError:
                return
            if not data:
                return
            try:
                self.proc.stdin.write(data)
            except (BrokenPipeError, ValueError):
                return

    def _stats(self):
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode(errors="replace")
            if line.startswith("@stats "):
                rec = json.loads(line[7:])
                if "mark" in rec:
                    self.marks.append(rec)
                else:
                    self.events.append(rec)
                    if rec.get("event") == "usb-connected":
                        self._connected.set()
            else:
                self.log.append(line)

    def stop(self):
        stop_process(self.proc)
        for fd in (self._master, self._slave):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._master = self._slave = -1


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    board = Rp2040jsBoard(Path(argv[0]))
    return board.run_command(argv[2:], f"rp2040js: {board.uf2} booted; USB CDC on {{pty}}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
