#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An example consumer of qnet-kmd's keys: Alice's SAE takes two keys from
# her key manager (ETSI GS QKD 014 enc_keys, with curl), encrypts a file
# with them and "sends" the ciphertext and the two key_IDs; Bob's SAE gets
# the same keys from his key manager by key_ID (dec_keys) and decrypts.
#
# openssl enc has no AEAD modes (no GCM), so the file is protected by
# encrypt-then-MAC: AES-256-CTR with the first key and a random IV,
# HMAC-SHA256 with the second key over IV | ciphertext, checked before
# decrypting. Run as root, next to two running qnet-kmd (see qnet-kmd(8)).
set -euo pipefail

usage() {
	cat <<EOF
Usage: tools/qkd-consumer.sh [--url-a URL] [--url-b URL] ALICE_NS BOB_NS CERTDIR FILE

ALICE_NS, BOB_NS: the namespaces of the two key managers (https on
127.0.0.1:8443 unless --url-a/--url-b say otherwise); CERTDIR holds ca.crt
and the SAEs' sae-a.{crt,key} and sae-b.{crt,key}. FILE is encrypted at
Alice with two fresh keys and decrypted at Bob; the output says whether
Bob's plaintext is FILE. Exit status 0 if it is.
EOF
}

url_a=https://127.0.0.1:8443
url_b=https://127.0.0.1:8443
while [ $# -gt 0 ]; do
	case "$1" in
	--url-a) url_a=$2; shift ;;
	--url-b) url_b=$2; shift ;;
	-h|--help) usage; exit 0 ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 4 ] || { usage >&2; exit 2; }
ns_a=$1 ns_b=$2 certs=$3 file=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

curl_as() {	# NS SAE URL [ARGS...]
	local ns=$1 sae=$2 url=$3
	shift 3
	ip netns exec "$ns" curl -sS --fail-with-body --cacert "$certs/ca.crt" \
		--cert "$certs/$sae.crt" --key "$certs/$sae.key" "$@" "$url"
}

# field FILE EXPR: a value from a JSON answer
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
b64hex() { base64 -d | od -An -tx1 -v | tr -d ' \n'; }

# Alice: two keys, with sae-b as the slave
curl_as "$ns_a" sae-a "$url_a/api/v1/keys/sae-b/enc_keys" -X POST \
	-H 'Content-Type: application/json' -d '{"number":2}' >"$work/enc.json"
id1=$(field "$work/enc.json" 'd["keys"][0]["key_ID"]')
id2=$(field "$work/enc.json" 'd["keys"][1]["key_ID"]')
ka=$(field "$work/enc.json" 'd["keys"][0]["key"]' | b64hex)
ma=$(field "$work/enc.json" 'd["keys"][1]["key"]' | b64hex)
[ ${#ka} -ge 64 ] || { echo "qkd-consumer: keys of 256 bits are needed" >&2; exit 1; }
echo "alice: enc_keys gave $id1 and $id2"
openssl rand 16 >"$work/wire"
iv=$(od -An -tx1 -v "$work/wire" | tr -d ' \n')
openssl enc -aes-256-ctr -K "${ka:0:64}" -iv "$iv" -in "$file" >>"$work/wire"
openssl dgst -sha256 -mac HMAC -macopt "hexkey:${ma:0:64}" -binary "$work/wire" >"$work/wire.tag"
echo "alice: $(stat -c %s "$file") bytes encrypted (AES-256-CTR, HMAC-SHA256); sent with the two key_IDs"

# Bob: the same keys by key_ID, with sae-a as the master
curl_as "$ns_b" sae-b "$url_b/api/v1/keys/sae-a/dec_keys" -X POST \
	-H 'Content-Type: application/json' \
	-d "{\"key_IDs\":[{\"key_ID\":\"$id1\"},{\"key_ID\":\"$id2\"}]}" >"$work/dec.json"
kb=$(field "$work/dec.json" 'd["keys"][0]["key"]' | b64hex)
mb=$(field "$work/dec.json" 'd["keys"][1]["key"]' | b64hex)
echo "bob:   dec_keys gave the keys of $id1 and $id2"
openssl dgst -sha256 -mac HMAC -macopt "hexkey:${mb:0:64}" -binary "$work/wire" >"$work/wire.check"
if ! cmp -s "$work/wire.tag" "$work/wire.check"; then
	echo "bob:   the HMAC does not verify: not decrypting" >&2
	exit 1
fi
tail -c +17 "$work/wire" | openssl enc -d -aes-256-ctr -K "${kb:0:64}" -iv "$iv" >"$work/plain"
if cmp -s "$file" "$work/plain"; then
	echo "bob:   HMAC verified, decrypted: identical to $file"
else
	echo "bob:   decrypted, but differs from $file" >&2
	exit 1
fi
# the keys are gone now
if curl_as "$ns_b" sae-b "$url_b/api/v1/keys/sae-a/dec_keys?key_ID=$id1" >/dev/null 2>&1; then
	echo "bob:   $id1 was handed out twice" >&2
	exit 1
fi
echo "bob:   asking again for $id1: refused (each key is handed out once)"
