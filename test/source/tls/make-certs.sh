#!/bin/sh
# Regenerates the TLS fixtures of test/source/tls.test.ts (test-only keys; nothing here is a secret):
# a test CA no system trusts, and three server certificates it signed for 127.0.0.1: valid, expired, other names.
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca-key.pem" -out ca.pem -days 36500 \
  -subj "/CN=ptolemy-audit test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out "$work/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
mkdir -p "$work/db/new"
: > "$work/db/index.txt"
echo 01 > "$work/db/serial"
sign() { # name, subjectAltName, start, end
  cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
dir = $work/db
database = $work/db/index.txt
new_certs_dir = $work/db/new
serial = $work/db/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
x509_extensions = leaf
[any]
commonName = supplied
[leaf]
basicConstraints = CA:FALSE
subjectAltName = $2
CNF
  openssl ca -batch -config "$work/ca.cnf" -cert ca.pem -keyfile "$work/ca-key.pem" -in "$work/server.csr" \
    -startdate "$3" -enddate "$4" -out "$1.pem" -notext 2>/dev/null
}
sign valid "IP:127.0.0.1,DNS:localhost" 20250101000000Z 21250101000000Z
sign expired "IP:127.0.0.1,DNS:localhost" 20200101000000Z 20210101000000Z
sign other-name "DNS:api.other.example" 20250101000000Z 21250101000000Z
