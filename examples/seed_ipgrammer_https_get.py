# "The Pico In MicroPython: Sockets" / "ESP32 In MicroPython: Client
# Sockets" (i-programmer): an HTTPS GET with a default wrap_socket, as
# written there.  A default wrap_socket is CERT_NONE: encrypted, NOT
# authenticated (see examples/https_get.py for the verified way).
#
#   micropython examples/seed_ipgrammer_https_get.py [HOST [PORT]]
import socket
import ssl
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "example.com"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 443

ai = socket.getaddrinfo(host, port, socket.AF_INET)
addr = ai[0][-1]
s = socket.socket(socket.AF_INET)
s.connect(addr)
sslSock = ssl.wrap_socket(s)
request = b"GET / HTTP/1.1\r\nHost:example.com\r\n\r\n"
sslSock.write(request)
print(sslSock.read(1024))
