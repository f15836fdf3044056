#!/usr/bin/env python3
"""A throwaway HTTPS server for `make demo` (CPython ssl + http.server).

Serves a small page on 127.0.0.1 with the given certificate chain, writes
the port it got to PORT_FILE, and stops by itself after --timeout seconds.
"""
import argparse
import http.server
import ssl
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello from CPython over TLS\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("demo server:", fmt % args, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Timer(a.timeout, httpd.shutdown).start()
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(httpd.server_address[1]))
    import os

    os.replace(a.port_file + ".tmp", a.port_file)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
