"""Test helpers for the modssl-rs pytest suite.

certs     -- certificate/key generation with the openssl CLI
data      -- the deterministic byte pattern shared by both ends of bulk tests
pypeers   -- CPython ``ssl`` server and client peers
osslpeers -- ``openssl s_server`` / ``openssl s_client`` wrappers
mpy       -- running MicroPython snippets (host binary or a board via mpremote)
snippets  -- the MicroPython-side prelude every snippet starts with
memstream -- the MicroPython-side in-memory stream snippets wrap
fixtures  -- peer_factory: the fixtures that start peers and close them
"""
