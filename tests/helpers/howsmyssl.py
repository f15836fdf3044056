"""A local stand-in for www.howsmyssl.com/a/check: it reads the client's
ClientHello off the wire (before the TLS layer sees it), rates it with
How's My SSL's rules, then answers the HTTPS request with the JSON report."""
import json
import socket
import ssl
import struct
import threading

# Suites How's My SSL flags as insecure: NULL, anonymous, export, RC4, DES/3DES.
def _insecure(name):
    return any(k in name for k in ("NULL", "anon", "EXPORT", "RC4", "DES"))


# IANA names of the suites a modern client may offer (others are "unknown").
KNOWN = {
    0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384",
    0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    0x00FF: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
    0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0x0005: "TLS_RSA_WITH_RC4_128_SHA", 0x0004: "TLS_RSA_WITH_RC4_128_MD5",
    0x0000: "TLS_NULL_WITH_NULL_NULL", 0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA", 0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
    0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
}
EPHEMERAL = {0x1301, 0x1302, 0x1303, 0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA8, 0xCCA9, 0xC013, 0xC014,
             0xC009, 0xC00A}


def parse_client_hello(record: bytes) -> dict:
    """Fields of a ClientHello in one TLS record (as our clients send it)."""
    ctype, _ver, length = struct.unpack("!BHH", record[:5])
    assert ctype == 22, "not a handshake record"
    hs = record[5:5 + length]
    assert hs[0] == 1, "not a ClientHello"
    p = 4
    legacy_version = struct.unpack("!H", hs[p:p + 2])[0]
    p += 2 + 32
    p += 1 + hs[p]                                    # session id
    n = struct.unpack("!H", hs[p:p + 2])[0]
    suites = list(struct.unpack(f"!{n // 2}H", hs[p + 2:p + 2 + n]))
    p += 2 + n
    compression = list(hs[p + 1:p + 1 + hs[p]])
    p += 1 + hs[p]
    exts = {}
    end = p + 2 + struct.unpack("!H", hs[p:p + 2])[0]
    p += 2
    while p < end:
        et, el = struct.unpack("!HH", hs[p:p + 4])
        exts[et] = hs[p + 4:p + 4 + el]
        p += 4 + el
    versions = [legacy_version]
    if 43 in exts:                                    # supported_versions
        sv = exts[43]
        versions += list(struct.unpack(f"!{sv[0] // 2}H", sv[1:1 + sv[0]]))
    return {"versions": versions, "suites": suites, "compression": compression, "extensions": exts}


def rate(hello: dict) -> dict:
    best = max(v for v in hello["versions"] if v & 0x0F0F == v)   # ignore GREASE
    names = {0x0304: "TLS 1.3", 0x0303: "TLS 1.2", 0x0302: "TLS 1.1", 0x0301: "TLS 1.0"}
    insecure = [KNOWN[s] for s in hello["suites"] if s in KNOWN and _insecure(KNOWN[s])]
    unknown = [s for s in hello["suites"] if s not in KNOWN and s & 0x0F0F != 0x0A0A]
    report = {
        "tls_version": names.get(best, hex(best)),
        "insecure_cipher_suites": insecure,
        "unknown_cipher_suite_supported": bool(unknown),
        "ephemeral_keys_supported": any(s in EPHEMERAL for s in hello["suites"]),
        "session_ticket_supported": 35 in hello["extensions"],
        "tls_compression_supported": any(c != 0 for c in hello["compression"]),
        "given_cipher_suites": [KNOWN.get(s, hex(s)) for s in hello["suites"]],
    }
    if insecure or report["unknown_cipher_suite_supported"] or report["tls_compression_supported"] \
            or best < 0x0301:
        report["rating"] = "Bad"
    elif not report["ephemeral_keys_supported"] or not report["session_ticket_supported"] or best < 0x0303:
        report["rating"] = "Improvable"
    else:
        report["rating"] = "Probably Okay"
    return report


class HowsMySSL:
    """Serves one check on 127.0.0.1:<port>; ``report`` holds what it said."""

    def __init__(self, certfile, keyfile):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(str(certfile), str(keyfile))
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(30)
        self.port = self.sock.getsockname()[1]
        self.report = None
        self.error = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            raw, _ = self.sock.accept()
            raw.settimeout(30)
            head = raw.recv(5, socket.MSG_PEEK | socket.MSG_WAITALL)
            n = struct.unpack("!H", head[3:5])[0]
            record = raw.recv(5 + n, socket.MSG_PEEK | socket.MSG_WAITALL)
            self.report = rate(parse_client_hello(record))
            with self.ctx.wrap_socket(raw, server_side=True) as s:
                req = b""
                while b"\r\n\r\n" not in req:
                    req += s.recv(1024)
                body = json.dumps(self.report).encode()
                s.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                          + str(len(body)).encode() + b"\r\n\r\n" + body)
        except Exception as e:  # reported by the test
            self.error = e

    def close(self):
        self.sock.close()
        self.thread.join(5)
