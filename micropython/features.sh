#!/bin/sh
# The cargo features of a modssl-rs feature profile: the one place that
# defines the profiles, read by micropython.mk (make ports), micropython.cmake
# (rp2, esp32) and the benchmarks.  docs/building.md, "Feature profiles".
#
# usage: features.sh PROFILE [NAME=0|1 ...]
#   PROFILE  full | general | client | small-client | minimal
#   NAME     TLS12 SERVER P384 RSA ED25519 SIGN_ECDSA SIGN_RSA SIGN_ED25519
#            CA_BUNDLE CA_COMPACT PQ RPK CERT_COMPRESS: 1 adds the feature to the profile's, 0 removes it,
#            empty leaves the profile's choice.
# prints the features, comma-separated, for `cargo --no-default-features
# --features ...`.  Unknown names and profiles are errors (exit 2).
set -eu

profile=${1:?usage: features.sh PROFILE [NAME=0|1 ...]}
shift

all="tls12 server p384 rsa ed25519 sign-ecdsa sign-rsa sign-ed25519"
case "$profile" in
    # Everything, with Mozilla's CA bundle (create_default_context()), the
    # post-quantum hybrid key exchange X25519MLKEM768, raw public keys
    # (RFC 7250) and certificate compression.
    full) features="$all ca-bundle pq rpk cert-compress";;
    # Client and server, TLS 1.2 + 1.3, verifies ECDSA P-256/P-384, RSA and
    # Ed25519, signs with any of them; the compact trust store (the 37 roots
    # of the CAs behind most public servers) instead of Mozilla's whole
    # bundle (the board default).  Certificate compression (RFC 8879) through
    # the firmware's uzlib, in every profile but minimal; raw public keys
    # (RFC 7250) for a device and its own server, here and in client.
    general) features="$all ca-compact cert-compress rpk";;
    # general without server contexts.
    client) features="tls12 p384 rsa ed25519 sign-ecdsa sign-rsa sign-ed25519 ca-compact cert-compress rpk";;
    # A TLS 1.3-only client for public servers: ECDSA P-256/P-384 and RSA
    # chains (Let's Encrypt, Google), ECDSA client certificates, the compact
    # trust store.
    small-client) features="p384 rsa sign-ecdsa ca-compact cert-compress";;
    # A TLS 1.3-only client for your own server: ECDSA P-256 certificates only.
    minimal) features="sign-ecdsa";;
    *) echo "features.sh: unknown profile '$profile' (full, general, client, small-client, minimal)" >&2; exit 2;;
esac

have() { case " $features " in *" $1 "*) return 0;; esac; return 1; }
add() { have "$1" || features="$features $1"; }
drop() {
    out=
    for f in $features; do [ "$f" = "$1" ] || out="$out $f"; done
    features=$out
}

for setting in "$@"; do
    name=${setting%%=*}
    value=${setting#*=}
    case "$name" in
        TLS12|SERVER|P384|RSA|ED25519|SIGN_ECDSA|SIGN_RSA|SIGN_ED25519|CA_BUNDLE|CA_COMPACT|PQ|RPK|CERT_COMPRESS) ;;
        *) echo "features.sh: unknown setting '$name'" >&2; exit 2;;
    esac
    feature=$(echo "$name" | tr 'A-Z_' 'a-z-')
    case "$value" in
        "") ;;
        1|ON|on|yes|YES|true|TRUE) add "$feature";;
        0|OFF|off|no|NO|false|FALSE)
            drop "$feature"
            # A signer needs its verifier's crate: no RSA means no RSA keys.
            case "$feature" in rsa) drop sign-rsa;; ed25519) drop sign-ed25519;; esac;;
        *) echo "features.sh: $name=$value: use 0 or 1" >&2; exit 2;;
    esac
done

echo $features | tr ' ' ','
