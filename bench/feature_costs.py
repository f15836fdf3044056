#!/usr/bin/env python3
"""What each feature of the `general` profile costs in flash on thumbv6m
(`make feature-costs`): the general firmware against the same firmware built
without one feature at a time (MODSSL_<NAME>=0), and with each feature it
leaves out added (MODSSL_<NAME>=1).  Prints a markdown table and
appends it to bench/results/<date>.md.  Features share code (a signer and
its verifier share their curve or bignum), so the costs do not add up to the
profile's total: each is what leaving that one feature out saves."""
import argparse
import datetime
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

WHAT = {
    "TLS12": "TLS 1.2 (its state machine, PRF, ECDHE suites)",
    "SERVER": "server contexts (rustls' server state machine, client-certificate verifier)",
    "P384": "P-384 (ECDSA P-384 verification and signing, secp384r1 key exchange)",
    "RSA": "RSA verification (and so RSA signing: sign-rsa needs it)",
    "ED25519": "Ed25519 verification (and so Ed25519 signing)",
    "SIGN_ECDSA": "signing with ECDSA keys (RFC 6979 nonces, scalar inversion)",
    "SIGN_RSA": "signing with RSA keys (CRT, blinding, key checks)",
    "SIGN_ED25519": "signing with Ed25519 keys",
    "CA_COMPACT": "the compact trust store (37 roots behind create_default_context())",
    "CERT_COMPRESS": "certificate compression (RFC 8879, zlib through the firmware's uzlib)",
    "RPK": "raw public keys (RFC 7250: SPKI parsing, the raw-key verifier paths)",
}
# Features the general profile leaves out, costed by adding one.
ADDED = {
    "PQ": "X25519MLKEM768 (ML-KEM-768 and the hybrid group)",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    a = ap.parse_args()
    from bench import firmware_flash

    def flash(elf):
        return firmware_flash("arm-none-eabi-", elf)
    base = flash(os.path.join(a.build, "qemu-base-MPS2_AN385", "firmware.elf"))
    general = flash(os.path.join(a.build, "qemu-profile-general-MPS2_AN385", "firmware.elf"))
    rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip()
    lines = [f"## {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, feature costs, "
             f"modssl-rs {rev}", "",
             f"The general profile adds {general - base:,} B of flash to the thumbv6m qemu firmware "
             "(MPS2_AN385). Each row: that firmware built without one feature.", "",
             "| feature left out | what goes | flash added | saved |", "|---|---|---:|---:|"]

    def rows(features, variant, sign):
        # One row per feature: its firmware's flash over the base, and how
        # far from general (sign +1: general - it, what leaving it out saves).
        for name, what in features.items():
            elf = os.path.join(a.build, f"qemu-{variant}-{name}-MPS2_AN385", "firmware.elf")
            if not os.path.exists(elf):
                lines.append(f"| `{name}` | {what} | not built | |")
                continue
            f = flash(elf)
            lines.append(f"| `{name}` | {what} | {f - base:,} | {sign * (general - f):,} |")
    rows(WHAT, "without", 1)
    lines += ["", "| feature added | what comes | flash added | costs |", "|---|---|---:|---:|"]
    rows(ADDED, "with", -1)
    text = "\n".join(lines) + "\n"
    print(text)
    day = datetime.date.today().isoformat()
    with open(os.path.join(HERE, "results", f"{day}.md"), "a") as out:
        out.write("\n" + text)


if __name__ == "__main__":
    main()
