"""MicroPython's qemu port with our module, as an emulated board.

``QemuBoard(board).start()`` runs ``qemu-system-*`` on the firmware that
``make qemu`` builds (``build/qemu-<BOARD>/firmware.elf``) with its UART on
a pseudo-terminal, as MicroPython's own test runner does, and returns the
pty path, which ``mpremote connect PTY ...`` (and so ``pytest --device PTY``)
drives.  ``-icount shift=0`` makes virtual time count instructions: 1 ns of
virtual time = 1 instruction, so the board's ``time.ticks_us()`` reads
thousands of instructions.

    python3 -m tests.helpers.qemu MPS2_AN385 -- CMD ...   # run CMD with {pty} replaced
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

from .procs import SerialBoard, stop_process

REPO = Path(__file__).resolve().parents[2]

BOARDS = {
    # board: (qemu binary, machine args, what it stands for)
    "MPS2_AN385": ("qemu-system-arm", ["-machine", "mps2-an385"],
                   "Cortex-M3 running the thumbv6m (RP2040) archive"),
    "VIRT_RV32": ("qemu-system-riscv32", ["-machine", "virt", "-bios", "none"],
                  "RV32IMAC running the riscv32imc (ESP32-C3) archive"),
}


def firmware_path(board: str) -> Path:
    env = os.environ.get(f"MODSSL_QEMU_{board}")
    return Path(env) if env else REPO / "build" / f"qemu-{board}" / "firmware.elf"


class QemuBoard(SerialBoard):
    def __init__(self, board: str, firmware: Path | None = None, icount: bool = True):
        self.board = board
        self.firmware = firmware or firmware_path(board)
        qemu, machine, self.description = BOARDS[board]
        self.argv = [qemu, *machine, "-nographic", "-monitor", "null", "-semihosting",
                     "-serial", "pty", "-kernel", str(self.firmware)]
        if icount:
            self.argv[1:1] = ["-icount", "shift=0"]
        self.proc: subprocess.Popen | None = None
        self.pty: str | None = None
        self._log: list[str] = []

    def start(self, timeout: float = 20) -> str:
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        found = threading.Event()

        def pump():
            for raw in iter(self.proc.stdout.readline, b""):
                line = raw.decode(errors="replace")
                self._log.append(line)
                m = re.search(r"(/dev/pts/\d+)", line)
                if m and not self.pty:
                    self.pty = m.group(1)
                    found.set()
            found.set()

        threading.Thread(target=pump, daemon=True).start()
        if not found.wait(timeout) or not self.pty:
            self.stop()
            raise RuntimeError(f"qemu did not report its pty: {' '.join(self.argv)}\n{''.join(self._log)}")
        return self.pty

    def stop(self):
        stop_process(self.proc)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    board = QemuBoard(argv[0])
    return board.run_command(argv[2:], f"qemu {board.board}: {board.description}; UART on {{pty}}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
