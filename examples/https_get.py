# A verified HTTPS GET with modssl-rs, for MicroPython (unix port or a board).
#
#   micropython examples/https_get.py HOST [PORT [CAFILE [PATH]]]
#
# HOST/PORT/CAFILE may also come from the environment (HTTPS_HOST,
# HTTPS_PORT, HTTPS_CAFILE) on ports that have os.getenv.  `make demo` runs
# it against a local server with a throwaway CA.
#
# Note: ssl.SSLContext(...) and ssl.wrap_socket() do NOT verify by default
# (CERT_NONE, as in MicroPython).  Verification needs all three lines marked
# "verify" below.
import socket
import ssl
import sys


def arg(i, env, default):
    if len(sys.argv) > i:
        return sys.argv[i]
    try:
        import os

        return os.getenv(env) or default
    except (ImportError, AttributeError):
        return default


host = arg(1, "HTTPS_HOST", "localhost")
port = int(arg(2, "HTTPS_PORT", "443"))
cafile = arg(3, "HTTPS_CAFILE", None)
path = arg(4, "HTTPS_PATH", "/")

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.verify_mode = ssl.CERT_REQUIRED  # verify
if cafile:
    ctx.load_verify_locations(cafile=cafile)  # verify: trust this CA

addr = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0][-1]
sock = socket.socket()
sock.connect(addr)
# verify: server_hostname is checked against the certificate (and sent as SNI)
s = ctx.wrap_socket(sock, server_hostname=host)

s.write(b"GET " + path.encode() + b" HTTP/1.0\r\nHost: " + host.encode() + b"\r\n\r\n")
status = s.readline().decode().strip()

version = s.version() if hasattr(s, "version") else None
cipher = s.cipher() if hasattr(s, "cipher") else None
if isinstance(cipher, tuple):  # CPython's shape: (name, protocol, bits)
    cipher = cipher[0]

while s.readline() not in (b"\r\n", b"\n", b""):  # skip the headers
    pass
body = b""
while True:
    chunk = s.read(512)
    if not chunk:
        break
    body += chunk
s.close()

print("status:", status)
print("tls version:", version)
print("cipher:", cipher)
print("body:", body[:200])
