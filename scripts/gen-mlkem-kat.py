#!/usr/bin/env python3
"""Known answers for our ML-KEM-768 (crypto/pq.rs), from an independent
implementation: kyber-py (pure Python FIPS 203, itself checked against NIST's
vectors), installed from PyPI into a scratch directory.  Writes
modssl_rs/tests-data/mlkem768-kat.txt, which `cargo test` (pq.rs) reads.

Each line: seed (d || z, 64 B), m (32 B), SHA-256 of the encapsulation key,
SHA-256 of the ciphertext, the shared key, and the key a ciphertext with its
first byte flipped decapsulates to (FIPS 203's implicit rejection), hex.
The inputs are SHA-512/SHA-256 of a counter, so the file is reproducible:

    python3 scripts/gen-mlkem-kat.py
"""
import hashlib
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "modssl_rs", "tests-data", "mlkem768-kat.txt")
VECTORS = 4


def main():
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", d, "kyber-py==1.2.0"], check=True)
        sys.path.insert(0, d)
        from kyber_py.ml_kem import ML_KEM_768 as K
        lines = ["# ML-KEM-768 known answers from kyber-py 1.2.0 (scripts/gen-mlkem-kat.py):",
                 "# seed m sha256(ek) sha256(ct) K K(ct with byte 0 flipped)"]
        for i in range(VECTORS):
            seed = hashlib.sha512(b"modssl-rs ML-KEM-768 KAT seed %d" % i).digest()
            m = hashlib.sha256(b"modssl-rs ML-KEM-768 KAT m %d" % i).digest()
            ek, dk = K.key_derive(seed)
            key, ct = K._encaps_internal(ek, m)
            assert K.decaps(dk, ct) == key
            bad = bytes([ct[0] ^ 1]) + ct[1:]
            rejected = K.decaps(dk, bad)
            lines.append(" ".join(x.hex() for x in (seed, m, hashlib.sha256(ek).digest(),
                                                     hashlib.sha256(ct).digest(), key, rejected)))
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
