"""Full vs resumed handshake: bytes on the wire and instructions (callgrind).

    python3 bench/resumption.py [--micropython build/micropython]

Starts a CPython TLS 1.3 server (and a byte-counting relay in front of it) on
127.0.0.1 with a throwaway CA, then runs build/micropython under
`valgrind --tool=callgrind` three times: no handshake, one full handshake,
and a full then a resumed one.  Prints bytes each way per handshake and the
instruction ratio resumed / full.  Numbers, not assertions.
"""
import argparse
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))


def make_ca(d):
    def run(*a):
        subprocess.run(a, check=True, capture_output=True, cwd=d)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", "/CN=bench CA")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost")
    with open(os.path.join(d, "ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost\n")
    run("openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "leaf.pem", "-days", "30", "-extfile", "ext")


def server(ctx, lsock):
    while True:
        try:
            raw, _ = lsock.accept()
        except OSError:
            return
        try:
            with ctx.wrap_socket(raw, server_side=True) as s:
                s.recv(4)
                s.sendall(b"pong")
                s.recv(1)
        except OSError:
            pass


class Relay:
    """Counts bytes each way, per connection."""

    def __init__(self, target):
        self.target = target
        self.counts = []
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.port = self.lsock.getsockname()[1]
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                a, _ = self.lsock.accept()
            except OSError:
                return
            b = socket.create_connection(("127.0.0.1", self.target))
            c = [0, 0]
            self.counts.append(c)
            threading.Thread(target=self.pipe, args=(a, b, c, 0), daemon=True).start()
            threading.Thread(target=self.pipe, args=(b, a, c, 1), daemon=True).start()

    @staticmethod
    def pipe(src, dst, c, i):
        try:
            while True:
                d = src.recv(65536)
                if not d:
                    break
                c[i] += len(d)
                dst.sendall(d)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass


SNIPPET = '''
import socket, tls
ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(cafile={ca!r})
ctx.session_cache_size = 1
for i in range({n}):
    s = socket.socket()
    s.connect(socket.getaddrinfo("127.0.0.1", {port})[0][-1])
    s = ctx.wrap_socket(s, server_hostname="localhost")
    s.write(b"ping"); s.read(4); s.write(b"x")
    print("REUSED", s.session_reused)
    s.close()
'''


def instructions(mpy, script, d):
    out = os.path.join(d, "cg.out")
    p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", mpy, script],
                       capture_output=True, text=True)
    m = re.search(r"Collected : (\d+)", p.stderr)
    return int(m.group(1)), p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--micropython", default=os.path.join(HERE, "..", "build", "micropython"))
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        make_ca(d)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.load_cert_chain(os.path.join(d, "leaf.pem"), os.path.join(d, "leaf.key"))
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(4)
        threading.Thread(target=server, args=(ctx, lsock), daemon=True).start()
        relay = Relay(lsock.getsockname()[1])
        res = {}
        for n in (0, 1, 2):
            script = os.path.join(d, f"s{n}.py")
            with open(script, "w") as f:
                f.write(SNIPPET.format(ca=os.path.join(d, "ca.pem"), n=n, port=relay.port))
            res[n], out = instructions(a.micropython, script, d)
            if n == 2:
                print(out.strip())
        full = res[1] - res[0]
        resumed = res[2] - res[1]
        c = relay.counts
        print(f"full handshake:    {full:>12,} instructions, {c[-2][0]:,} B out / {c[-2][1]:,} B in")
        print(f"resumed handshake: {resumed:>12,} instructions, {c[-1][0]:,} B out / {c[-1][1]:,} B in")
        print(f"ratio resumed/full: instructions {resumed / full:.2f}, "
              f"bytes {(c[-1][0] + c[-1][1]) / (c[-2][0] + c[-2][1]):.2f}")


if __name__ == "__main__":
    sys.exit(main())
