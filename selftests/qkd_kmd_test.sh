#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qnet-kmd (userspace/qkd/), the ETSI GS QKD 014 key manager, as root
# inside the test VM: one key manager per node, fed by BBM92 between them.
#
#   netns kmd-a (node 1) ====== 2 km direct qlink ====== netns kmd-b (node 2)
#     qnet-kmd --role alice                          qnet-kmd --role bob
#     https://127.0.0.1:8443 <- curl as sae-a        https://127.0.0.1:8443 <- curl as sae-b
#            \________ classical channel: unix socket, PSK-authenticated ________/
#
# The link: source fidelity 0.99 (QBER 0.0067), no dark counts, no
# decoherence, unpaced. One round (--rounds 1) of 70000 pairs makes about
# 3000 key bits, cut into 128-bit keys, at most 10 per direction
# (--max-keys); then the engines only serve (a round takes 15-30 s of
# this guest; every exec 0.2-1 s, so the requests of a step go through one
# curl, --next between them). Certificates (a CA, the two KMEs, the two
# SAEs, and a "rogue" sae-a signed by another CA) are made with openssl
# at the start.
#
# Checked:
#  - enc_keys at alice (POST) and dec_keys at bob (POST) give the same
#    bytes; so do enc_keys at bob and dec_keys at alice (GET); a key taken
#    is gone (dec_keys again: 400);
#  - every error of the standard: 400 (unknown SAE, bad number, size,
#    JSON, additional SAEs, mandatory extension, unknown / malformed /
#    missing key_ID), 401 (no certificate, a certificate of an unknown CA,
#    the other SAE's certificate) and 503 (more keys than stored);
#  - kill -9 and restart of bob, then of alice: a key handed out at alice
#    before bob's crash is still there at bob once (and then gone), what
#    alice had stored is still stored after hers;
#  - 100 concurrent enc_keys requests (one curl --parallel): each answered
#    200 or 503, exactly as many 200s as keys were stored, no key_ID or
#    key twice, no key handed out before (in any step, restarts included)
#    handed out again, and bob's dec_keys returns every one of them.

. "$(dirname "$0")/qnet_apps.sh"

KMD=$top/userspace/qkd/qnet-kmd
PAIRS=70000
MAXK=10
URL=https://127.0.0.1:8443/api/v1/keys
pids=()

kmd_cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	apps_cleanup
}
trap kmd_cleanup EXIT

# cert NAME CN [CA]: an EC P-256 key and a certificate, signed by CA
# (else self-signed), in one openssl run
cert() {
	local ca=()
	[ -n "${3:-}" ] && ca=(-CA "$tmp/$3.crt" -CAkey "$tmp/$3.key" -addext
		"subjectAltName=IP:127.0.0.1" -addext "extendedKeyUsage=serverAuth,clientAuth")
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$tmp/$1.key" -subj "/CN=$2" -days 2 "${ca[@]}" \
		-out "$tmp/$1.crt" 2>"$tmp/openssl.err" ||
		fail "openssl: $(cat "$tmp/openssl.err")"
}

# start_kmd a|b: start (or restart) that end's daemon in its namespace
start_kmd() {
	local e=$1 role=alice peer=b extra=(--node 2 --rounds 1)
	[ "$e" = b ] && { role=bob; peer=a; extra=(); }
	ip netns exec "kmd-$e" "$KMD" --role "$role" --kme-id "kme-$e" \
		--peer-kme-id "kme-$peer" --sae "sae-$e" --peer-sae "sae-$peer" \
		--cert "$tmp/kme-$e.crt" --key "$tmp/kme-$e.key" --ca "$tmp/ca.crt" \
		--psk "$tmp/psk" --channel "unix:$tmp/kmd.sock" --state "$tmp/$e.state" \
		--pairs $PAIRS --key-size 128 --max-keys $MAXK "${extra[@]}" \
		2>>"$tmp/kmd-$e.log" &
	eval "pid_$e=$!"
	pids+=($!)
}

# batch a|b FILE: the requests of FILE through one curl in that namespace.
# A line is "CODE NAME AS METHOD PATH [BODY]": AS is the SAE whose
# certificate curl shows (- none, rogue the one of another CA); the answer
# goes to $tmp/NAME.json. Fails unless every answer has its CODE.
batch() {
	local e=$1 args=() code name as m path body got r=0
	while read -r code name as m path body; do
		[ ${#args[@]} = 0 ] || args+=(--next)
		args+=(-s --cacert "$tmp/ca.crt" -o "$tmp/$name.json"
		       -w "$name %{http_code}\n" -X "$m")
		[ "$as" != - ] && args+=(--cert "$tmp/$as.crt" --key "$tmp/$as.key")
		[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
		args+=("$URL/$path")
	done <"$2"
	ip netns exec "kmd-$e" curl "${args[@]}" >"$2.codes"
	while read -r code name as m path body; do
		got=$(awk -v n="$name" '$1 == n { print $2 }' "$2.codes")
		echo "# $code? ${got:-none}: $m $path ${body:0:60} -> $(head -c 110 "$tmp/$name.json" 2>/dev/null)"
		[ "$got" = "$code" ] || { fail "$name: expected $code, got ${got:-none}"; r=1; }
	done <"$2"
	return $r
}

stored() {	# a|b: the stored_key_count of its status
	local peer=b
	[ "$1" = b ] && peer=a
	ip netns exec "kmd-$1" curl -s --cacert "$tmp/ca.crt" --cert "$tmp/sae-$1.crt" \
		--key "$tmp/sae-$1.key" "$URL/sae-$peer/status" 2>/dev/null |
		sed -n 's/.*"stored_key_count":\([0-9]*\).*/\1/p'
}

wait_stored() {	# a|b N SECS: until that end has at least N keys stored
	local i n
	for ((i = 0; i < $3 * 2; i++)); do
		n=$(stored "$1") && [ -n "$n" ] && [ "$n" -ge "$2" ] && return 0
		sleep 0.5
	done
	fail "kmd-$1 has ${n:-no} keys, not $2, after $3 s: $(tail -3 "$tmp/kmd-$1.log")"
}

# ids FILE: the key_IDs of an answer as a dec_keys body
ids() {
	sed 's/"key":"[^"]*"//g; s/,}/}/g' "$1" | sed 's/^{"keys":/{"key_IDs":/'
}

# keys_of FILE...: "key_ID key" lines of answers, sorted
keys_of() {
	cat "$@" | grep -o '"key_ID":"[^"]*","key":"[^"]*"' | sed 's/"key_ID":"\([^"]*\)","key":"\([^"]*\)"/\1 \2/' | sort
}

test_setup() {
	cert ca "qnet test CA" && cert evil "another CA" &&
	cert kme-a kme-a ca && cert kme-b kme-b ca && cert sae-a sae-a ca &&
	cert sae-b sae-b ca && cert rogue sae-a evil || return 1
	head -c 32 /dev/urandom >"$tmp/psk"
	cat >"$tmp/topo" <<-EOF
	defaults scheme direct length 2km source-fidelity 0.99 efficiency 0.8 dark 0 t1 0 t2 0 time-scale 0
	node kmd-a 1
	node kmd-b 2
	link kmd-a kmd-b dev qr peer ql seed $((RANDOM + 1))
	EOF
	topo_up "$tmp/topo" || return 1
	start_kmd b
	start_kmd a
	wait_stored a $MAXK 50 && wait_stored b $MAXK 5 || return 1
	grep -h "round" "$tmp"/kmd-a.log | sed 's/^/# /'
}

test_enc_dec() {
	cat >"$tmp/b1" <<-EOF
	200 e1 sae-a POST sae-b/enc_keys {"number":2,"size":128}
	200 s1 sae-a GET sae-b/status
	EOF
	batch a "$tmp/b1" || return 1
	grep -q '"stored_key_count":8,' "$tmp/s1.json" || fail "alice has not 8 keys left"
	cat >"$tmp/b2" <<-EOF
	200 d1 sae-b POST sae-a/dec_keys $(ids "$tmp/e1.json")
	200 e2 sae-b GET sae-a/enc_keys?number=1
	400 d1again sae-b POST sae-a/dec_keys $(ids "$tmp/e1.json")
	EOF
	batch b "$tmp/b2" || return 1
	id=$(keys_of "$tmp/e2.json" | cut -d' ' -f1)
	cat >"$tmp/b3" <<-EOF
	200 d2 sae-a GET sae-b/dec_keys?key_ID=$id
	400 d2again sae-a GET sae-b/dec_keys?key_ID=$id
	EOF
	batch a "$tmp/b3" || return 1
	echo "# alice gave: $(keys_of "$tmp/e1.json" | tr '\n' ' ')"
	[ "$(keys_of "$tmp/e1.json")" = "$(keys_of "$tmp/d1.json")" ] && [ -s "$tmp/e1.json" ] ||
		fail "enc_keys at alice and dec_keys at bob differ"
	[ "$(keys_of "$tmp/e2.json")" = "$(keys_of "$tmp/d2.json")" ] && [ -n "$id" ] ||
		fail "enc_keys at bob and dec_keys at alice differ"
}

test_errors() {
	local u=6e1f2a4c-0d8b-4c43-9d6a-2b7c1e9f0a11
	cat >"$tmp/b4" <<-EOF
	200 ok sae-a GET sae-b/status
	400 status_unknown_sae sae-a GET sae-x/status
	400 enc_unknown_sae sae-a GET sae-x/enc_keys
	400 number_0 sae-a GET sae-b/enc_keys?number=0
	400 number_over_max sae-a GET sae-b/enc_keys?number=129
	400 number_not_int sae-a GET sae-b/enc_keys?number=x
	400 size_get sae-a GET sae-b/enc_keys?size=256
	400 size_post sae-a POST sae-b/enc_keys {"number":1,"size":100}
	400 bad_json sae-a POST sae-b/enc_keys {"number":
	400 number_string sae-a POST sae-b/enc_keys {"number":"one"}
	400 additional_sae sae-a POST sae-b/enc_keys {"number":1,"additional_slave_SAE_IDs":["sae-c"]}
	400 ext_mandatory sae-a POST sae-b/enc_keys {"number":1,"extension_mandatory":[{"route_type":"direct"}]}
	400 dec_unknown_id sae-a GET sae-b/dec_keys?key_ID=$u
	400 dec_not_uuid sae-a GET sae-b/dec_keys?key_ID=not-a-uuid
	400 dec_no_id sae-a GET sae-b/dec_keys
	400 dec_empty sae-a POST sae-b/dec_keys {"key_IDs":[]}
	400 dec_unknown_sae sae-a GET sae-x/dec_keys?key_ID=$u
	401 no_cert - GET sae-b/status
	401 unknown_ca rogue GET sae-b/enc_keys
	401 other_sae sae-b GET sae-b/enc_keys
	503 not_enough sae-a GET sae-b/enc_keys?number=100
	EOF
	batch a "$tmp/b4"
}

test_restart() {
	local n_before n_after
	kill -9 "$pid_b"
	wait "$pid_b" 2>/dev/null
	cat >"$tmp/b5" <<-EOF
	200 r1 sae-a GET sae-b/enc_keys?number=1
	EOF
	batch a "$tmp/b5" || return 1
	start_kmd b
	wait_stored b 0 10 || return 1
	cat >"$tmp/b6" <<-EOF
	200 r2 sae-b POST sae-a/dec_keys $(ids "$tmp/r1.json")
	400 r2again sae-b POST sae-a/dec_keys $(ids "$tmp/r1.json")
	EOF
	batch b "$tmp/b6" || return 1
	[ "$(keys_of "$tmp/r1.json")" = "$(keys_of "$tmp/r2.json")" ] && [ -s "$tmp/r2.json" ] ||
		{ fail "bob lost or changed a key across kill -9"; return 1; }

	n_before=$(stored a)
	kill -9 "$pid_a"
	wait "$pid_a" 2>/dev/null
	start_kmd a
	wait_stored a 0 10 || return 1
	n_after=$(stored a)
	echo "# alice: $n_before keys stored before kill -9, $n_after after the restart"
	[ "$n_before" = "$n_after" ] || fail "alice had $n_before keys, now $n_after"
}

test_concurrent() {
	local before
	before=$(stored a)
	ip netns exec kmd-a curl -s --parallel --parallel-max 100 --cacert "$tmp/ca.crt" \
		--cert "$tmp/sae-a.crt" --key "$tmp/sae-a.key" \
		-o "$tmp/par_#1.json" -w '%{http_code}\n' \
		"$URL/sae-b/enc_keys?number=1&n=[1-100]" >"$tmp/codes" 2>/dev/null || true
	n200=$(grep -c '^200$' "$tmp/codes")
	n503=$(grep -c '^503$' "$tmp/codes")
	keys_of "$tmp"/par_*.json >"$tmp/par.keys"
	echo "# 100 concurrent enc_keys: $n200 x 200, $n503 x 503; $before keys were stored"
	[ "$n200" = "$before" ] && [ $((n200 + n503)) = 100 ] ||
		{ fail "answers: $(sort "$tmp/codes" | uniq -c | tr '\n' ' ')"; return 1; }
	[ "$(wc -l <"$tmp/par.keys")" = "$n200" ] || fail "not one key per 200"
	[ "$(cut -d' ' -f1 "$tmp/par.keys" | sort -u | wc -l)" = "$n200" ] || fail "a key_ID twice"
	[ "$(cut -d' ' -f2 "$tmp/par.keys" | sort -u | wc -l)" = "$n200" ] || fail "a key twice"
	grep -L '"keys"' "$tmp"/par_*.json | xargs -r grep -L "not enough keys" | grep . &&
		fail "a 503 without 'not enough keys'"
	keys_of "$tmp"/{e1,e2,r1}.json >"$tmp/before.keys"
	[ -z "$(comm -12 <(cut -d' ' -f1 "$tmp/before.keys" | sort) <(cut -d' ' -f1 "$tmp/par.keys" | sort))" ] ||
		fail "a key handed out before was handed out again"
	printf '{"key_IDs":[%s]}' "$(cut -d' ' -f1 "$tmp/par.keys" | sed 's/.*/{"key_ID":"&"}/' | paste -sd,)" >"$tmp/parids"
	echo "200 pardec sae-b POST sae-a/dec_keys $(cat "$tmp/parids")" >"$tmp/b7"
	batch b "$tmp/b7" >/dev/null || return 1
	[ "$(keys_of "$tmp/pardec.json")" = "$(cat "$tmp/par.keys")" ] ||
		fail "bob's keys differ from those handed out at alice"
}

if [ ! -x "$KMD" ] || ! command -v curl >/dev/null || ! command -v openssl >/dev/null; then
	echo "TAP version 13"
	echo "1..0 # SKIP needs userspace/qkd/qnet-kmd (make userspace), curl and openssl"
	exit $ksft_skip
fi
apps_main qkd_kmd setup enc_dec errors restart concurrent
