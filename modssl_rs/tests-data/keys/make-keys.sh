#!/usr/bin/env bash
# Regenerate the private-key fixtures for modssl_rs/src/crypto/ tests with the
# openssl CLI (written against OpenSSL 3.0).  Throw-away test keys only.
#
#   rsa2048.pkcs1.{pem,der}   RSA PKCS#1 ("RSA PRIVATE KEY")
#   rsa2048.pkcs8.{pem,der}   the same key as PKCS#8
#   rsa1024.pkcs8.pem         too small: we require 2048..=4096 bits
#   rsa-pss.pkcs8.pem         an RSASSA-PSS (id-RSASSA-PSS OID) key: unsupported
#   p256.sec1.pem             "EC PARAMETERS" block + "EC PRIVATE KEY" (what
#                             `openssl ecparam -genkey` writes)
#   p256.sec1.der, p256.pkcs8.{pem,der}
#   p384.* (the same set)
#   p521.pkcs8.pem, p521.sec1.pem, secp256k1.sec1.pem   unsupported curves
#   ed25519.pkcs8.{pem,der}   PKCS#8 v1
#   ed25519-v2.pkcs8.pem      PKCS#8 v2 (OneAsymmetricKey with attributes and
#                             the public key): the example of RFC 8410 §10.3
#   ed448.pkcs8.pem, x25519.pkcs8.pem, dsa.pkcs8.pem   unsupported algorithms
#   p256.pkcs8.enc.{pem,der}  encrypted PKCS#8 (password "test")
#   rsa2048.legacy-enc.pem    OpenSSL's legacy "Proc-Type: 4,ENCRYPTED" PEM
#   *.spki.der                the public key (SubjectPublicKeyInfo) of each key
#   ca.{key,pem,der}          a self-signed P-256 CA
#   leaf-{rsa2048,p256,p384,ed25519}.{pem,der}  leaf certs for the keys
#                             above, signed by ca, SAN DNS:localhost
#   sig/msg.bin + sig/*.sig   openssl-made signatures over msg.bin, to check
#                             our verifiers against an independent signer
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
rm -rf sig; mkdir -p sig
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

openssl genrsa -traditional -out rsa2048.pkcs1.pem 2048 2>/dev/null
openssl rsa -traditional -in rsa2048.pkcs1.pem -outform DER -out rsa2048.pkcs1.der 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in rsa2048.pkcs1.pem -out rsa2048.pkcs8.pem
openssl pkcs8 -topk8 -nocrypt -in rsa2048.pkcs1.pem -outform DER -out rsa2048.pkcs8.der
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.pkcs8.pem 2>/dev/null
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out rsa-pss.pkcs8.pem 2>/dev/null
openssl rsa -in rsa2048.pkcs1.pem -aes128 -passout pass:test -traditional -out rsa2048.legacy-enc.pem 2>/dev/null

for c in p256:prime256v1 p384:secp384r1; do
    n=${c%%:*}; curve=${c#*:}
    openssl ecparam -name "$curve" -genkey -out "$n.sec1.pem"
    openssl ec -in "$n.sec1.pem" -outform DER -out "$n.sec1.der" 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "$n.sec1.pem" -out "$n.pkcs8.pem"
    openssl pkcs8 -topk8 -nocrypt -in "$n.sec1.pem" -outform DER -out "$n.pkcs8.der"
done
openssl pkcs8 -topk8 -in p256.pkcs8.pem -passout pass:test -out p256.pkcs8.enc.pem
openssl pkcs8 -topk8 -in p256.pkcs8.pem -passout pass:test -outform DER -out p256.pkcs8.enc.der

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.pkcs8.pem
openssl ecparam -name secp521r1 -genkey -noout -out p521.sec1.pem
openssl ecparam -name secp256k1 -genkey -noout -out secp256k1.sec1.pem

openssl genpkey -algorithm ED25519 -out ed25519.pkcs8.pem
openssl pkey -in ed25519.pkcs8.pem -outform DER -out ed25519.pkcs8.der
cat > ed25519-v2.pkcs8.pem <<'PEM'
-----BEGIN PRIVATE KEY-----
MHICAQEwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
oB8wHQYKKoZIhvcNAQkJFDEPDA1DdXJkbGUgQ2hhaXJzgSEAGb9ECWmEzf6FQbrB
Z9w7lshQhqowtrbLDFw4rXAxZuE=
-----END PRIVATE KEY-----
PEM
openssl genpkey -algorithm ED448 -out ed448.pkcs8.pem
openssl genpkey -algorithm X25519 -out x25519.pkcs8.pem
openssl dsaparam -out "$tmp/dsaparam.pem" 2048 2>/dev/null
openssl gendsa -out dsa.pkcs8.pem "$tmp/dsaparam.pem" 2>/dev/null

for k in rsa2048.pkcs8 rsa1024.pkcs8 p256.pkcs8 p384.pkcs8 ed25519.pkcs8; do
    openssl pkey -in "$k.pem" -pubout -outform DER -out "${k%.pkcs8}.spki.der"
done

# A CA and one leaf per supported key type.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
openssl req -x509 -new -key ca.key -sha256 -days 36500 -subj /CN=modssl-rs-crypto-test-ca \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
    -out ca.pem
openssl x509 -in ca.pem -outform DER -out ca.der
for k in rsa2048 p256 p384 ed25519; do
    openssl req -new -key "$k.pkcs8.pem" -subj "/CN=localhost" -out "$tmp/$k.csr"
    printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' > "$tmp/ext"
    openssl x509 -req -in "$tmp/$k.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 36500 \
        -sha256 -extfile "$tmp/ext" -out "leaf-$k.pem" 2>/dev/null
    openssl x509 -in "leaf-$k.pem" -outform DER -out "leaf-$k.der"
done
rm -f ca.srl

# Independent signatures: what a TLS peer would send in CertificateVerify.
head -c 200 /dev/urandom > sig/msg.bin
for h in sha256 sha384 sha512; do
    openssl dgst -$h -sign rsa2048.pkcs8.pem -out sig/rsa-pkcs1-$h.sig sig/msg.bin
    openssl dgst -$h -sign rsa2048.pkcs8.pem -sigopt rsa_padding_mode:pss \
        -sigopt rsa_pss_saltlen:digest -out sig/rsa-pss-$h.sig sig/msg.bin
done
for k in p256 p384; do
    for h in sha256 sha384; do
        openssl dgst -$h -sign $k.pkcs8.pem -out sig/$k-$h.sig sig/msg.bin
    done
done
openssl pkeyutl -sign -rawin -inkey ed25519.pkcs8.pem -in sig/msg.bin -out sig/ed25519.sig
