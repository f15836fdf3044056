#!/usr/bin/env bash
# `make demo`: a verified HTTPS GET from MicroPython (our ssl module) to a
# local CPython HTTPS server, with a throwaway CA made here by openssl.
#
# usage: demo.sh MICROPYTHON_BINARY DEMO_DIR
set -euo pipefail

mpy=${1:?usage: demo.sh MICROPYTHON DEMO_DIR}
dir=${2:?usage: demo.sh MICROPYTHON DEMO_DIR}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-python3}
mkdir -p "$dir"
cd "$dir"

# A CA and a leaf for localhost/127.0.0.1 (ECDSA P-256), made once.
if [ ! -f leaf.pem ] || ! openssl x509 -checkend 3600 -noout -in leaf.pem >/dev/null 2>&1; then
    openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
    openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=modssl-rs demo CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
    openssl ecparam -name prime256v1 -genkey -noout -out leaf.key 2>/dev/null
    openssl req -new -key leaf.key -subj "/CN=localhost" -out leaf.csr
    printf '%s\n' "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
        "subjectAltName=DNS:localhost,IP:127.0.0.1" > leaf.ext
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 \
        -days 30 -extfile leaf.ext -out leaf.pem 2>/dev/null
    cat leaf.pem > chain.pem
fi

rm -f port
"$python" "$root/scripts/demo_server.py" --cert chain.pem --key leaf.key --port-file port --timeout 120 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s port ] && break; sleep 0.1; done
[ -s port ] || { echo "demo server did not start" >&2; exit 1; }
port=$(cat port)

echo "MicroPython: examples/https_get.py localhost $port $dir/ca.pem"
"$mpy" "$root/examples/https_get.py" localhost "$port" "$dir/ca.pem"
