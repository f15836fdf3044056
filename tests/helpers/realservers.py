"""Real servers for tests/test_real_clients.py: Debian's nginx and mosquitto,
each run in the foreground with its own configuration, logs and pid file in a
temporary directory, listening on 127.0.0.1 only (never the system services'
configuration or ports).  Neither takes port 0, so a free port is picked
first (and the start retried on the rare race)."""
from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

from .net import free_port

from .procs import stop_process

START_TIMEOUT = 20


def find_binary(name: str) -> str | None:
    """The server binary, also in the sbin directories a non-root PATH lacks."""
    found = shutil.which(name)
    if found:
        return found
    for d in ("/usr/sbin", "/usr/local/sbin", "/sbin"):
        p = Path(d) / name
        if p.exists() and os.access(p, os.X_OK):
            return str(p)
    return None


class _Proc:
    """A foreground server process whose output is collected."""

    def __init__(self, argv: list[str], cwd: Path, env: dict | None = None):
        self.argv = argv
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._lines: list[str] = []
        self._t = threading.Thread(target=self._pump, daemon=True)
        self._t.start()

    def _pump(self):
        for raw in iter(self.proc.stdout.readline, b""):
            self._lines.append(raw.decode(errors="replace"))

    def output(self) -> str:
        return "".join(self._lines)

    def wait_listening(self, port: int, ready) -> bool:
        """Until the server says it is up (``ready()``: it has bound its
        port, so a port taken by someone else does not count) and
        127.0.0.1:port accepts TCP (True), or the process exits (False)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if ready():
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        return self.proc.poll() is None
                except OSError:
                    pass
            time.sleep(0.05)
        return False

    def stop(self):
        stop_process(self.proc)
        self._t.join(5)


def _start(make_argv, ready, workdir: Path, what: str, env: dict | None = None,
           log: Path | None = None):
    last = ""
    for _ in range(3):
        port = free_port()
        proc = _Proc(make_argv(port), workdir, env)
        if proc.wait_listening(port, lambda: ready(proc)):
            return proc, port
        proc.stop()
        last = proc.output() + (log.read_text() if log is not None and log.exists() else "")
        if "in use" not in last:
            break
    raise RuntimeError(f"{what} did not start:\n{last}")


# ---- nginx ---------------------------------------------------------------------

NGINX_CONF = """\
daemon off;
master_process on;
worker_processes 1;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    log_format tls '$request $status $ssl_protocol $ssl_cipher sni=$ssl_server_name';
    access_log {dir}/access.log tls;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    types {{ text/plain txt; text/html html; }}
    default_type application/octet-stream;
    gzip on;
    gzip_types text/plain;
    gzip_min_length 0;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols {protocols};
        root {dir}/www;
        location = /old {{ return 301 https://localhost:{port}/big.txt; }}
        location = /moved {{ return 302 https://localhost:{port}/small.txt; }}
    }}
}}
"""


class Nginx:
    """nginx serving ``files`` (name -> bytes) over TLS with ``protocols``
    (e.g. "TLSv1.2"); /old redirects (301) to /big.txt, /moved (302) to
    /small.txt.  The access log records request, status, TLS version,
    cipher and SNI per line."""

    def __init__(self, binary: str, workdir: Path, cert: Path, key: Path, protocols: str,
                 files: dict[str, bytes]):
        self.dir = workdir
        (workdir / "tmp").mkdir(parents=True, exist_ok=True)
        www = workdir / "www"
        www.mkdir(exist_ok=True)
        for name, data in files.items():
            (www / name).write_bytes(data)
        # Workers run as root when we are root (the files are in a private
        # tmp dir); as another user nginx ignores the directive.
        user = "user root;" if os.geteuid() == 0 else ""

        def argv(port):
            conf = workdir / "nginx.conf"
            conf.write_text(NGINX_CONF.format(dir=workdir, port=port, cert=cert, key=key,
                                              protocols=protocols, user=user))
            return [binary, "-p", str(workdir), "-c", str(conf), "-e", str(workdir / "error.log")]
        pidfile = workdir / "nginx.pid"

        def ready(proc):
            # nginx writes its pid file after binding its listen sockets.
            try:
                return pidfile.read_text().strip() == str(proc.proc.pid)
            except OSError:
                return False
        self.proc, self.port = _start(argv, ready, workdir, "nginx", log=workdir / "error.log")

    def access_log(self, *wanted) -> list[str]:
        """The access log's lines, once each of ``wanted`` (a line predicate)
        matches a line (nginx logs a request after it has sent the response:
        a client may be done before then), or after START_TIMEOUT."""
        p = self.dir / "access.log"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            lines = p.read_text().splitlines() if p.exists() else []
            if all(any(w(ln) for ln in lines) for w in wanted) or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    def error_log(self) -> str:
        p = self.dir / "error.log"
        return p.read_text() if p.exists() else ""

    def stop(self):
        self.proc.stop()


# ---- mosquitto -------------------------------------------------------------------

MOSQUITTO_CONF = """\
per_listener_settings false
persistence false
allow_anonymous false
user {user}
log_dest file {dir}/mosquitto.log
log_type all
connection_messages true
listener {port} 127.0.0.1
cafile {cafile}
certfile {cert}
keyfile {key}
require_certificate true
use_identity_as_username true
"""

# mosquitto's tls_version is a minimum; OpenSSL's system default caps it.
OPENSSL_MAX_CONF = """\
openssl_conf = default_conf
[default_conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MaxProtocol = {max_protocol}
"""


class Mosquitto:
    """mosquitto with one TLS listener that requires a client certificate
    (trusted through ``cafile``); the certificate's CN becomes the user name.
    ``max_protocol`` (e.g. "TLSv1.2") caps the TLS version, through an
    OpenSSL configuration file given to this process only."""

    def __init__(self, binary: str, workdir: Path, cafile: Path, cert: Path, key: Path,
                 max_protocol: str | None = None):
        workdir.mkdir(parents=True, exist_ok=True)
        self.dir = workdir

        def argv(port):
            conf = workdir / "mosquitto.conf"
            conf.write_text(MOSQUITTO_CONF.format(port=port, cafile=cafile, cert=cert, key=key,
                                                  user=getpass.getuser(), dir=workdir))
            return [binary, "-c", str(conf)]
        env = None
        if max_protocol:
            ossl = workdir / "openssl.cnf"
            ossl.write_text(OPENSSL_MAX_CONF.format(max_protocol=max_protocol))
            env = dict(os.environ, OPENSSL_CONF=str(ossl))
        log = workdir / "mosquitto.log"

        def ready(proc):
            # Logged once every listener is open.
            return log.exists() and " running" in log.read_text()
        self.proc, self.port = _start(argv, ready, workdir, "mosquitto", env, log=log)

    def log(self) -> str:
        p = self.dir / "mosquitto.log"
        return (p.read_text() if p.exists() else "") + self.proc.output()

    def stop(self):
        self.proc.stop()
