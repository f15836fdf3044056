"""Fixture factories shared by conftest.py and the test files."""
from __future__ import annotations

import pytest


def peer_factory(start, doc: str):
    """A fixture that yields ``make``: each ``make(*args, **kw)`` starts a
    peer with ``start(*args, **kw)`` (anything with ``close()``) and returns
    it; every peer it started is closed when the test ends.  ``doc`` is the
    fixture's docstring (``pytest --fixtures``)."""
    def fixture():
        peers = []

        def make(*args, **kw):
            peer = start(*args, **kw)
            peers.append(peer)
            return peer
        yield make
        for peer in peers:
            peer.close()
    fixture.__doc__ = doc
    return pytest.fixture(fixture)
