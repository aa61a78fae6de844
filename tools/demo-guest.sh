#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest half of `make demo` (tools/demo.sh runs it in the test VM):
#
#   alice (node 1) --25 km-- repeater (node 2) --25 km-- bob (node 3)
#
# loads qnet, builds that chain with tools/qnet-topo (tools/topologies/
# chain3: three network namespaces, qlinks, addresses, routes), pings
# entanglement from alice to bob through the repeater with qping, makes a
# BBM92 key with qkd, and shows the links' counters in qnet-top, qnetctl
# and sysfs.
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

step "qkd: BBM92 key from 400 pairs measured in random bases"
ip netns exec bob "$qkd" -l -o /tmp/bob.key >/tmp/bob.qkd &
bob=$!
run ip netns exec alice "$qkd" -n 400 -e "$eta" -o /tmp/alice.key 3
wait "$bob"
cmp /tmp/alice.key /tmp/bob.key && echo "alice's and bob's key files are identical ($(stat -c %s /tmp/alice.key) bytes)"

step "qnet-top: one frame of the live view"
run "$qtop" --once alice repeater bob

step "the repeater's links, with counters"
run "$qnetctl" -n repeater -s link show

step "the same counters in sysfs"
for f in attempts heralded delivered swaps_ok swaps_failed expired mean_fidelity_ppm; do
	printf '%-18s %s\n' "$f" "$(ip netns exec repeater cat /sys/class/net/ql-a/qnet/$f)"
done

step "tearing down"
run "$qtopo" down "$top/tools/topologies/chain3"
sleep 1
rmmod qnet
echo "done"
