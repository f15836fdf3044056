#!/usr/bin/env bash
# Regenerate the test certificates in tests-data/certs/ with the openssl CLI
# (written against OpenSSL 3.0).  Keys are throw-away test keys.  Unless
# noted, certificates are valid 2024-01-01 .. 2124-01-01 (so tests pass with
# any plausible clock; dates after 2049 are GeneralizedTime, before are UTCTime).
#
#   root-ca       P-256 root CA (trust anchor for most tests)
#   inter-ca      P-384 intermediate CA signed by root-ca, pathlen:0
#   leaf-p256     P-256 leaf signed by inter-ca; SAN localhost, modssl.test,
#                 127.0.0.1, ::1; EKU serverAuth+clientAuth
#                 (leaf-p256-chain.pem = leaf + inter-ca, what a server sends)
#   leaf-p384     P-384 leaf signed by root-ca; SAN localhost, *.wild.modssl.test
#   leaf-rsa2048  RSA-2048 leaf signed by root-ca; SAN localhost
#   leaf-ed25519  Ed25519 leaf signed by root-ca; SAN localhost
#   wrong-host    P-256 leaf signed by root-ca; SAN wrong.example only
#   expired       P-256 leaf signed by root-ca; valid 2000-01-01 .. 2001-01-01
#   not-yet-valid P-256 leaf signed by root-ca; valid 2090-01-01 .. 2100-01-01
#   server-only   P-256 leaf signed by root-ca; EKU serverAuth only
#   client        P-256 leaf signed by root-ca; EKU clientAuth only, CN=modssl client
#   ca-as-leaf    CA:TRUE cert signed by root-ca with SAN localhost (not a valid leaf)
#   cn-only       self-signed P-256, CA:TRUE, CN=micropython.local, no SAN
#                 (the shape of MicroPython's tests/multi_net/ec_cert.der)
#   cn-only-rsa   the same with RSA-2048 (MicroPython's rsa_cert.der)
#   cn-wild       self-signed P-256, CA:TRUE, CN=*.modssl.test, no SAN
#   v1-self       self-signed X.509 v1 P-256, CN=v1.local (no extensions)
#   other-ca      an unrelated P-256 root CA (NOT trusted by the tests)
#   untrusted     P-256 leaf signed by other-ca; SAN localhost
#
# Every certificate is written as NAME.pem and NAME.der, every key as NAME.key
# (PKCS#8 PEM).  sig/ holds handshake-style signatures over sig/msg.bin made
# with the leaf keys, for tests of handshake signature verification.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out="$here/certs"
mkdir -p "$out" "$out/sig"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$out"

START=20240101000000Z
END=21240101000000Z

key() { # NAME TYPE
    case "$2" in
        p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" ;;
        p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1.key" ;;
        rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null ;;
        ed25519) openssl genpkey -algorithm ED25519 -out "$1.key" ;;
    esac
}

# `openssl ca` (unlike `x509 -req` in 3.0) can set both dates.
db="$tmp/db"
mkdir -p "$db"
: > "$db/index.txt"
openssl rand -hex 8 | sed 's/^./1/' > "$db/serial"
cat > "$tmp/ca.cnf" <<CNF
[ ca ]
default_ca = tca
[ tca ]
dir = $db
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
organizationName = optional
countryName = optional
CNF

# issue NAME ISSUER|self SUBJECT EXTENSIONS [START END]
# Signs a request for NAME.key with ISSUER (or with NAME.key itself for
# "self"); dates are YYYYMMDDHHMMSSZ.  Empty EXTENSIONS gives an X.509 v1 cert.
issue() {
    local name=$1 issuer=$2 subj=$3 ext=$4 start=${5:-$START} end=${6:-$END}
    local signer=(-cert "$issuer.pem" -keyfile "$issuer.key")
    if [ "$issuer" = self ]; then signer=(-selfsign -keyfile "$name.key"); fi
    local extargs=()
    if [ -n "$ext" ]; then
        printf '%b\n' "$ext" > "$tmp/$name.ext"
        extargs=(-extfile "$tmp/$name.ext")
    fi
    openssl req -new -key "$name.key" -subj "$subj" -out "$tmp/$name.csr"
    openssl ca -batch -notext -preserveDN -config "$tmp/ca.cnf" "${signer[@]}" \
        -startdate "$start" -enddate "$end" ${extargs[@]+"${extargs[@]}"} \
        -in "$tmp/$name.csr" -out "$name.pem" 2>/dev/null
}

CA_EXT='basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash'
LEAF_EXT='basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid'
LEAF_RSA_EXT='basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid'
BOTH='extendedKeyUsage=serverAuth,clientAuth'
# What `openssl req -x509` adds by default.
REQ_X509_EXT='subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\nbasicConstraints=critical,CA:TRUE'

for ca in root-ca other-ca; do
    key $ca p256
    issue $ca self "/CN=modssl test $ca/O=modssl-rs" "$CA_EXT"
done

key inter-ca p384
issue inter-ca root-ca "/CN=modssl test intermediate/O=modssl-rs" \
    'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid'

key leaf-p256 p256
issue leaf-p256 inter-ca "/CN=localhost" "$LEAF_EXT\n$BOTH\nsubjectAltName=DNS:localhost,DNS:modssl.test,IP:127.0.0.1,IP:::1"
cat leaf-p256.pem inter-ca.pem > leaf-p256-chain.pem

key leaf-p384 p384
issue leaf-p384 root-ca "/CN=localhost" "$LEAF_EXT\n$BOTH\nsubjectAltName=DNS:localhost,DNS:*.wild.modssl.test"

key leaf-rsa2048 rsa2048
issue leaf-rsa2048 root-ca "/CN=localhost" "$LEAF_RSA_EXT\n$BOTH\nsubjectAltName=DNS:localhost"

key leaf-ed25519 ed25519
issue leaf-ed25519 root-ca "/CN=localhost" "$LEAF_EXT\n$BOTH\nsubjectAltName=DNS:localhost"

key wrong-host p256
issue wrong-host root-ca "/CN=localhost" "$LEAF_EXT\n$BOTH\nsubjectAltName=DNS:wrong.example"

key expired p256
issue expired root-ca "/CN=localhost" "$LEAF_EXT\n$BOTH\nsubjectAltName=DNS:localhost" \
    20000101000000Z 20010101000000Z

key not-yet-valid p256
issue not-yet-valid root-ca "/CN=localhost" "$LEAF_EXT\n$BOTH\nsubjectAltName=DNS:localhost" \
    20900101000000Z 21000101000000Z

key server-only p256
issue server-only root-ca "/CN=localhost" "$LEAF_EXT\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost"

key client p256
issue client root-ca "/CN=modssl client" "$LEAF_EXT\nextendedKeyUsage=clientAuth"

key ca-as-leaf p256
issue ca-as-leaf root-ca "/CN=localhost" \
    "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,digitalSignature\nsubjectAltName=DNS:localhost"

# Self-signed, CN only, CA:TRUE: the shape of MicroPython's test certificates
# (tests/multi_net/*_cert.der, made with `openssl req -x509`).
key cn-only p256
issue cn-only self '/CN=micropython.local/O=MicroPython/C=AU' "$REQ_X509_EXT"
key cn-only-rsa rsa2048
issue cn-only-rsa self '/CN=micropython.local/O=MicroPython/C=AU' "$REQ_X509_EXT"
key cn-wild p256
issue cn-wild self '/CN=*.modssl.test' "$REQ_X509_EXT"

# X.509 v1: no extensions at all.
key v1-self p256
issue v1-self self /CN=v1.local ""

key untrusted p256
issue untrusted other-ca "/CN=localhost" "$LEAF_EXT\n$BOTH\nsubjectAltName=DNS:localhost"

for f in *.pem; do
    case $f in *-chain.pem) continue ;; esac
    openssl x509 -in "$f" -outform DER -out "${f%.pem}.der"
done

# Handshake-style signatures over one message (TLS 1.3 CertificateVerify shape).
head -c 64 /dev/zero | tr '\0' ' ' > sig/msg.bin
printf 'TLS 1.3, server CertificateVerify\0modssl-rs test transcript hash' >> sig/msg.bin
openssl dgst -sha256 -sign leaf-p256.key -out sig/leaf-p256.ecdsa-sha256 sig/msg.bin
openssl dgst -sha384 -sign leaf-p384.key -out sig/leaf-p384.ecdsa-sha384 sig/msg.bin
openssl dgst -sha256 -sign leaf-rsa2048.key -out sig/leaf-rsa2048.pkcs1-sha256 sig/msg.bin
openssl dgst -sha256 -sign leaf-rsa2048.key -sigopt rsa_padding_mode:pss \
    -sigopt rsa_pss_saltlen:digest -out sig/leaf-rsa2048.pss-sha256 sig/msg.bin
openssl pkeyutl -sign -rawin -inkey leaf-ed25519.key -in sig/msg.bin -out sig/leaf-ed25519.ed25519
openssl dgst -sha256 -sign v1-self.key -out sig/v1-self.ecdsa-sha256 sig/msg.bin
openssl dgst -sha256 -sign cn-only.key -out sig/cn-only.ecdsa-sha256 sig/msg.bin

echo "certificates written to $out"
