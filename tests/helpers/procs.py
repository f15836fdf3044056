"""Small process helpers shared by the peers and the emulated boards."""
from __future__ import annotations

import subprocess
import time


def stop_process(proc: subprocess.Popen | None, wait: float = 10) -> None:
    """Terminate `proc` if it still runs; kill it if it will not go."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(wait)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(wait)


class SerialBoard:
    """An emulated board whose serial port is a pty: `start()` returns its
    path, `stop()` ends the emulator; usable as a context manager."""

    def start(self) -> str:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def run_command(self, argv: list[str], banner: str) -> int:
        """Boot, run `argv` with "{pty}" replaced by the port, stop."""
        pty = self.start()
        print(banner.format(pty=pty), flush=True)
        try:
            time.sleep(0.5)
            return subprocess.call([a.replace("{pty}", pty) for a in argv])
        finally:
            self.stop()
