"""``openssl s_server`` / ``openssl s_client`` wrappers (subprocesses)."""
from __future__ import annotations

import re
import subprocess
import threading
import time
from dataclasses import dataclass

OPENSSL = "/usr/bin/openssl"
TIMEOUT = 10

_VERSION_FLAG = {"1.2": "-tls1_2", "1.3": "-tls1_3", None: None}


_IANA: dict[str, str] | None = None


def iana_name(name: str) -> str:
    """IANA (RFC) name of an OpenSSL cipher-suite name; TLS 1.3 names are already IANA."""
    global _IANA
    if _IANA is None:
        out = subprocess.run([OPENSSL, "ciphers", "-stdname", "ALL"], capture_output=True,
                             text=True, check=True).stdout
        _IANA = {}
        for ln in out.splitlines():
            parts = ln.split()
            if len(parts) >= 3 and parts[1] == "-":
                _IANA[parts[2]] = parts[0]
    return _IANA.get(name, name)


class SServer:
    """``openssl s_server`` on 127.0.0.1, port chosen by the kernel.

    mode: "www" (status page on GET /: shows protocol, cipher, client cert),
          "rev" (echoes lines reversed), or None (interactive; data from stdin).
    """

    def __init__(self, cert, key, *, chain=None, version=None, mode="www", verify_ca=None,
                 require_client_cert=False, naccept=1, extra=()):
        argv = [OPENSSL, "s_server", "-accept", "127.0.0.1:0", "-cert", str(cert), "-key", str(key),
                "-naccept", str(naccept)]
        if chain:
            argv += ["-cert_chain", str(chain)]
        if _VERSION_FLAG[version]:
            argv.append(_VERSION_FLAG[version])
        if mode:
            argv.append("-" + mode)
        if verify_ca:
            argv += ["-Verify" if require_client_cert else "-verify", "2", "-CAfile", str(verify_ca),
                     "-verify_return_error"]
        argv += list(extra)
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self._lines: list[str] = []
        self._cv = threading.Condition()
        self._eof = False
        self._t = threading.Thread(target=self._pump, daemon=True)
        self._t.start()
        self.port = self._wait_port()

    def _pump(self):
        for raw in iter(self.proc.stdout.readline, b""):
            with self._cv:
                self._lines.append(raw.decode(errors="replace"))
                self._cv.notify_all()
        with self._cv:
            self._eof = True
            self._cv.notify_all()

    def _wait_port(self) -> int:
        deadline = time.monotonic() + TIMEOUT
        with self._cv:
            while True:
                for ln in self._lines:
                    m = re.match(r"ACCEPT\s+\S*:(\d+)", ln)
                    if m:
                        return int(m.group(1))
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    self.close()
                    raise RuntimeError(f"s_server did not start: {' '.join(self.argv)}\n{self.output()}")
                self._cv.wait(left)

    def output(self) -> str:
        return "".join(self._lines)

    def finish(self, timeout: float = TIMEOUT) -> str:
        """Wait for s_server to exit (after ``naccept`` connections); return its output."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.close()
        self._t.join(5)
        return self.output()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@dataclass
class SClientResult:
    stdout: str
    stderr: str
    returncode: int | None

    @property
    def protocol(self) -> str | None:
        m = re.search(r"Protocol version: (\S+)", self.stderr)
        return m.group(1) if m else None

    @property
    def cipher(self) -> str | None:
        m = re.search(r"Ciphersuite: (\S+)", self.stderr)
        return m.group(1) if m else None

    @property
    def verified(self) -> bool:
        return "Verification: OK" in self.stderr

    def __str__(self):
        return f"s_client exit {self.returncode}\n--- stdout:\n{self.stdout}\n--- stderr:\n{self.stderr}"


def s_client(port, *, data=b"", cafile=None, version=None, servername="localhost", cert=None,
             key=None, chain=None, timeout=TIMEOUT, extra=()) -> SClientResult:
    """Run ``openssl s_client -brief`` against 127.0.0.1:port, feeding ``data`` on stdin.

    With ``-ign_eof`` it keeps reading after stdin ends until the server closes.
    """
    argv = [OPENSSL, "s_client", "-connect", f"127.0.0.1:{port}", "-brief", "-ign_eof",
            "-servername", servername]
    if cafile:
        argv += ["-CAfile", str(cafile), "-verify_return_error", "-verify_hostname", servername]
    if _VERSION_FLAG[version]:
        argv.append(_VERSION_FLAG[version])
    if cert:
        argv += ["-cert", str(cert), "-key", str(key)]
    if chain:
        argv += ["-cert_chain", str(chain)]
    argv += list(extra)
    try:
        p = subprocess.run(argv, input=data, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return SClientResult((e.stdout or b"").decode(errors="replace"),
                             (e.stderr or b"").decode(errors="replace"), None)
    return SClientResult(p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"),
                         p.returncode)
