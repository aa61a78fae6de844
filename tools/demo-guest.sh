#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest half of `make demo` (tools/demo.sh runs it in the test VM):
#
#   alice (node 1) --25 km-- repeater (node 2) --25 km-- bob (node 3)
#
# loads qnet, builds that chain with tools/qnet-topo (tools/topologies/
# chain3: three network namespaces, qlinks, addresses, routes), pings
# entanglement from alice to bob through the repeater with qping, runs
# BBM92 with qkd (400 pairs: too few for a finite-key secret key, so it
# aborts and says why), shows the links' counters in qnet-top, qnetctl and
# sysfs, and ends with keys: two ETSI GS QKD 014 key managers (qnet-kmd)
# on a short direct link make a key in one round, and
# tools/qkd-consumer.sh takes keys from both with curl and encrypts a file.
set -euo pipefail

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	echo "Usage: tools/vm-run -- tools/demo-guest.sh   (inside the VM; uses \$QNET_KO)"
	exit 0
fi

top=${QNET_TOP:-.}
ko=${QNET_KO:-$top/kernel/qnet.ko}
qnetctl=$top/userspace/qnetctl/qnetctl
qping=$top/userspace/examples/qping
qkd=$top/userspace/examples/qkd
kmd=$top/userspace/qkd/qnet-kmd
qtopo=$top/tools/qnet-topo
qtop=$top/tools/qnet-top
# transmittance of the 50 km path at 0.2 dB/km, for the PLOB bound
eta=0.1

step() { printf '\n### %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "kernel $(uname -r); loading $ko"
insmod "$ko"
echo "AF_QNET is socket family $(cat /sys/module/qnet/parameters/family)"

step "three nodes and two 25 km single-click links from tools/topologies/chain3"
cat "$top/tools/topologies/chain3"
run "$qtopo" up "$top/tools/topologies/chain3"

step "routes: every node knows its next hop (shortest paths, by qnet-topo)"
run "$qnetctl" -n repeater route show
run "$qnetctl" -n alice route show

step "qping: 20 entangled pairs alice -> bob, swapped at the repeater"
ip netns exec bob "$qping" -l -q -c 20 >/tmp/bob.out &
bob=$!
sleep 0.5
run ip netns exec alice "$qping" -c 20 3
wait "$bob"
echo "bob's side:"
cat /tmp/bob.out

step "qkd: BBM92 from 400 pairs measured in random bases (too few: it aborts)"
head -c 32 /dev/urandom >/tmp/psk
ip netns exec bob "$qkd" -l -K /tmp/psk -o /tmp/bob.key >/tmp/bob.qkd 2>&1 &
bob=$!
run ip netns exec alice "$qkd" -K /tmp/psk -n 400 -e "$eta" -o /tmp/alice.key 3 ||
	echo "(qkd exited $?: the finite-key terms of Documentation/qkd.rst need thousands of sifted bits; the key managers below use 60000-pair rounds)"
wait "$bob" || true

step "qnet-top: one frame of the live view"
run "$qtop" --once alice repeater bob

step "the repeater's links, with counters"
run "$qnetctl" -n repeater -s link show

step "the same counters in sysfs"
for f in attempts heralded delivered swaps_ok swaps_failed expired mean_fidelity_ppm; do
	printf '%-18s %s\n' "$f" "$(ip netns exec repeater cat /sys/class/net/ql-a/qnet/$f)"
done

step "key managers: qnet-kmd at both ends of a 2 km link, one BBM92 round of 60000 pairs"
run "$qtopo" up "$top/tools/topologies/qkd2"
d=/tmp/kmd
mkdir -p $d
# certificates: a CA, the key managers' and the SAEs' (CN = the SAE ID)
for n in ca kme-a kme-b sae-a sae-b; do
	ca=()
	[ $n = ca ] || ca=(-CA $d/ca.crt -CAkey $d/ca.key -addext subjectAltName=IP:127.0.0.1)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
		-keyout $d/$n.key -subj "/CN=$n" "${ca[@]}" -out $d/$n.crt 2>/dev/null
done
kmd_args() {	# a|b
	local me=$1 peer=b
	[ "$me" = b ] && peer=a
	echo --kme-id kme-$me --peer-kme-id kme-$peer --sae sae-$me --peer-sae sae-$peer \
		--cert $d/kme-$me.crt --key $d/kme-$me.key --ca $d/ca.crt --psk /tmp/psk \
		--channel unix:$d/chan.sock --state $d/$me.state --pairs 60000 --max-keys 4
}
ip netns exec qkd-b "$kmd" --role bob $(kmd_args b) 2>$d/b.log &
kmd_b=$!
ip netns exec qkd-a "$kmd" --role alice --node 2 --rounds 1 $(kmd_args a) 2>$d/a.log &
kmd_a=$!
status() {	# a|b
	local peer=b
	[ "$1" = b ] && peer=a
	ip netns exec qkd-$1 curl -s --cacert $d/ca.crt --cert $d/sae-$1.crt \
		--key $d/sae-$1.key https://127.0.0.1:8443/api/v1/keys/sae-$peer/status
}
for _ in $(seq 120); do
	status a 2>/dev/null | grep -q '"stored_key_count":[1-9]' && break
	sleep 0.5
done
sed 's/^qnet-kmd\[[0-9.]*\]: /alice kmd: /' $d/a.log
echo "\$ curl ... https://127.0.0.1:8443/api/v1/keys/sae-b/status    (as sae-a, in qkd-a)"
status a
echo
run "$top/tools/qkd-consumer.sh" qkd-a qkd-b $d "$top/README.md"
kill "$kmd_a" "$kmd_b"
wait "$kmd_a" "$kmd_b" || true

step "tearing down"
run "$qtopo" down "$top/tools/topologies/qkd2"
run "$qtopo" down "$top/tools/topologies/chain3"
sleep 1
rmmod qnet
echo "done"
