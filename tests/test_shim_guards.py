"""The shim's rule of docs/design.md "Panics and out-of-memory": every call
into the core is made under a guard (MPSSL_GUARDED, or the CONN_CALL /
CTX_CALL wrappers, or through mpssl_context_get), except the few that
cannot reach rustls, an allocator or a panic path.  A call added without
its guard would, on a panic, long-jump to an older guard (or none): this
reads the C sources and names any such call."""
import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.host_only]

SHIM = Path(__file__).resolve().parent.parent / "micropython"

# Static lookups on the raise paths, a constant of the build asked for by
# the core stack's allocation, what the build and firmware do about
# certificate compression (ssl.cert_compression()), and the escape path itself (it frees the
# arena of a connection a panic left behind).  docs/design.md lists them.
UNGUARDED = {"modssl_status_text", "modssl_status_raised", "modssl_core_stack_need", "modssl_conn_discard",
             "modssl_cert_compression"}
GUARDS = ("MPSSL_GUARDED(", "CONN_CALL(", "CONN_CALL_OR(", "CTX_CALL(")
CALL = re.compile(r"\b(modssl_[a-z0-9_]+)\s*\(")


def core_functions():
    """The core's functions in the generated header; not the port hooks
    (modssl_port_*), which the core calls and the shim writes."""
    header = (SHIM / "modssl_rs.h").read_text()
    return {f for f in re.findall(r"\b(modssl_[a-z0-9_]+)\s*\(", header) if not f.startswith("modssl_port_")}


def statements(text):
    """The C source as statements: comments and strings dropped, joined up to
    each ';' or '{' so that a wrapped call stays with its guard."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    for part in re.split(r"[;{}]", text):
        yield " ".join(part.split())


def unguarded_calls():
    core = core_functions()
    found = []
    for path in sorted(SHIM.glob("*.c")) + sorted(SHIM.glob("ports/*.c")):
        for stmt in statements(path.read_text()):
            if stmt.startswith("#define") or any(g in stmt for g in GUARDS):
                continue
            for name in CALL.findall(stmt):
                if name in core and name not in UNGUARDED:
                    found.append(f"{path.name}: {name} in `{stmt[:120]}`")
    return found


def test_every_core_call_is_guarded():
    assert core_functions() > UNGUARDED  # the header was read
    assert unguarded_calls() == []


def test_an_unguarded_call_is_noticed(tmp_path, monkeypatch):
    # The check itself: a context getter called bare is reported.
    fake = tmp_path / "micropython"
    (fake / "ports").mkdir(parents=True)
    (fake / "modssl_rs.h").write_text((SHIM / "modssl_rs.h").read_text())
    (fake / "x.c").write_text("int f(void *c) {\n    int32_t ok = 0;\n"
                              "    CTX_CALL(ok, modssl_context_verify_mode(c));\n"
                              "    return modssl_context_max_fragment(c) + ok;\n}\n")
    monkeypatch.setattr(__import__(__name__), "SHIM", fake)
    assert [s.split(":")[1].split()[0] for s in unguarded_calls()] == ["modssl_context_max_fragment"]
