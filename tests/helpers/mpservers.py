"""MicroPython-side server snippets (Python functions returning code)."""
from __future__ import annotations

from .snippets import b


def echo_server(cert: bytes, key: bytes, *, cadata: bytes | None = None, require: bool = False,
                api: str = "tls"):
    """A snippet factory (port -> code): load cert/key, listen, accept one TLS
    connection, print HANDSHAKE OK / CIPHER / PEER, echo one line prefixed with
    ``echo:``, close (close_notify).  Errors print ``LOAD EXC ...`` or ``SERVER EXC ...``."""
    cadata_arg = "None" if cadata is None else b(cadata)

    def make(port: int) -> str:
        return f'''
try:
    ctx = server_ctx({b(cert)}, {b(key)}, cadata={cadata_arg}, require={require})
except Exception as e:
    show("LOAD", e)
    ctx = None
l = listener({port})
if ctx is not None:
    try:
        s = accept_tls(l, ctx)
        print("HANDSHAKE OK")
        print_cipher(s)
        pc = s.getpeercert(True)
        print("PEER", sha(pc) if pc else None)
        line = s.readline()
        print("GOT", line)
        s.write(b"echo:" + line)
        s.close()
        print("CLOSED")
    except Exception as e:
        show("SERVER", e)
l.close()
'''
    return make
