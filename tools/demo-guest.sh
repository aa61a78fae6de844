#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest half of `make demo` (tools/demo.sh runs it in the test VM):
#
#   alice (node 1) --25 km-- repeater (node 2) --25 km-- bob (node 3)
#
# loads qnet, builds that chain with qnetctl in three network namespaces,
# pings entanglement from alice to bob through the repeater with qping,
# and shows the links' counters in qnetctl and sysfs.
set -euo pipefail

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	echo "Usage: tools/vm-run -- tools/demo-guest.sh   (inside the VM; uses \$QNET_KO)"
	exit 0
fi

top=${QNET_TOP:-.}
ko=${QNET_KO:-$top/kernel/qnet.ko}
qnetctl=$top/userspace/qnetctl/qnetctl
qping=$top/userspace/examples/qping

step() { printf '\n### %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "kernel $(uname -r); loading $ko"
insmod "$ko"
echo "AF_QNET is socket family $(cat /sys/module/qnet/parameters/family)"

step "three nodes, one network namespace each"
for ns in alice repeater bob; do
	run ip netns add "$ns"
done
run "$qnetctl" -n alice node set addr 1
run "$qnetctl" -n repeater node set addr 2
run "$qnetctl" -n bob node set addr 3

step "two 25 km links, single-click heralding with a midpoint station"
params=(length 25km atten 0.2dB/km scheme single-click alpha 0.05
	t2 100ms time-scale 0)
run "$qnetctl" -n alice link add ql-r peer ql-a peer-netns repeater "${params[@]}" seed 1
run "$qnetctl" -n repeater link add ql-b peer ql-r peer-netns bob "${params[@]}" seed 2
for pair in alice:ql-r repeater:ql-a repeater:ql-b bob:ql-r; do
	ip -n "${pair%%:*}" link set dev "${pair#*:}" up
done

step "routes: every node knows its next hop"
run "$qnetctl" -n alice route add 2 dev ql-r
run "$qnetctl" -n alice route add 3 dev ql-r
run "$qnetctl" -n repeater route add 1 dev ql-a
run "$qnetctl" -n repeater route add 3 dev ql-b
run "$qnetctl" -n bob route add 1 dev ql-r
run "$qnetctl" -n bob route add 2 dev ql-r
run "$qnetctl" -n repeater route show

step "qping: 20 entangled pairs alice -> bob, swapped at the repeater"
ip netns exec bob "$qping" -l -q -c 20 >/tmp/bob.out &
bob=$!
sleep 0.5
run ip netns exec alice "$qping" -c 20 3
wait "$bob"
echo "bob's side:"
cat /tmp/bob.out

step "the repeater's links, with counters"
run "$qnetctl" -n repeater -s link show

step "the same counters in sysfs"
for f in attempts heralded delivered swaps_ok swaps_failed expired mean_fidelity_ppm; do
	printf '%-18s %s\n' "$f" "$(ip netns exec repeater cat /sys/class/net/ql-a/qnet/$f)"
done

step "tearing down"
for ns in alice repeater bob; do
	ip netns del "$ns"
done
sleep 1
rmmod qnet
echo "done"
