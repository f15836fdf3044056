# Pycom's ussl documentation, as written there: wrap a socket before it is
# connected, then connect(); verify the server against a CA file with
# cert_reqs=CERT_REQUIRED and ca_certs=.  (With Pycom's ca_certs= and no
# server_hostname, the chain is verified but not the name, as Pycom did;
# pass server_hostname= to have the name checked too.)  timeout=10 is
# Pycom's default for the handshake (ours is none, as MicroPython's): a
# server that accepts and says nothing raises OSError(ETIMEDOUT) instead of
# hanging the device.
#
#   micropython examples/seed_pycom.py [HOST [PORT [CA_FILE]]]
import socket
import ssl
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "www.google.com"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 443
ca = sys.argv[3] if len(sys.argv) > 3 else "/flash/cert/ca.pem"

# Encrypted only (CERT_NONE):
s = socket.socket()
ss = ssl.wrap_socket(s)
ss.connect(socket.getaddrinfo(host, port)[0][-1])
print("unverified:", ss.version(), ss.cipher())
ss.close()

# Verified against ca_certs, and the session saved right after the
# handshake, as Pycom's page does (in TLS 1.3 save_session() waits, at most
# 2 s, for the server's session ticket, which follows the handshake):
s = socket.socket()
ss = ssl.wrap_socket(s, cert_reqs=ssl.CERT_REQUIRED, ca_certs=ca, timeout=10)
ss.connect(socket.getaddrinfo(host, port)[0][-1])
ses = ssl.save_session(ss)
ss.write(b"GET / HTTP/1.0\r\n\r\n")
print("verified:", ss.read(64))

# Session resumption, Pycom's saved_session.  (Pycom's page reuses the
# closed socket `s`; here, as in MicroPython, close() closes the underlying
# socket too, so the second connection gets a new one.)
ss.close()
s = socket.socket()
ss = ssl.wrap_socket(s, saved_session=ses, timeout=10)
ss.connect(socket.getaddrinfo(host, port)[0][-1])
ss.write(b"GET / HTTP/1.0\r\n\r\n")
print("resumed:", ss.session_reused, ss.read(64))
ss.close()
