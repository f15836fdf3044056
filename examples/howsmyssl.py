# How's My SSL? (https://www.howsmyssl.com/a/check): the service inspects our
# ClientHello and rates it.  Verified against the built-in CA bundle.
#
#   micropython examples/howsmyssl.py [HOST [PORT [CAFILE]]]
import json
import socket
import ssl
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "www.howsmyssl.com"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 443
cafile = sys.argv[3] if len(sys.argv) > 3 else None

ctx = ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()
s = socket.socket()
s.connect(socket.getaddrinfo(host, port)[0][-1])
s = ctx.wrap_socket(s, server_hostname=host)
s.write(b"GET /a/check HTTP/1.0\r\nHost: " + host.encode() + b"\r\n\r\n")
while s.readline() not in (b"\r\n", b""):  # headers
    pass
body = b""
while True:
    chunk = s.read(512)
    if not chunk:
        break
    body += chunk
s.close()
report = json.loads(body)
print("version:", report["tls_version"])
print("insecure suites:", report["insecure_cipher_suites"])
print("ephemeral keys:", report["ephemeral_keys_supported"])
print("session tickets:", report["session_ticket_supported"])
print("compression:", report["tls_compression_supported"])
print("rating:", report["rating"])
