#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A tunnel qlink between two guests (tools/vm-pair): run on the host,
#
#     selftests/tunnel_pair.sh        (make check-pair)
#
# boots g1 and g2 joined by a QEMU UDP network (eth0, 10.99.0.1 and .2),
# makes a tunnel qlink ql0 in each to the other over it, and checks that
# IP crosses (ping both ways over 10.98.0.0/24), that nothing was dropped,
# and that deleting the device releases its socket. Each guest's vm-run
# also fails the run on a kernel splat. TAP on stdout; exit 0 iff both
# guests passed. About 40 s under TCG: not part of make check.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
KEY=5a5a0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e

# The same script in both guests: ql0 to the peer, wait for it, ping it.
guest='
set -u
export IP_LIB_DIR=$QNET_TOP/userspace/iproute2
me=$QNET_VM_INDEX
ok=0
fail() { echo "# FAIL: $*"; ok=1; }
insmod "$QNET_KO" || { echo "# FAIL: insmod"; exit 1; }
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link add ql0 type qlink remote "$QNET_VM_PEER" local "$QNET_VM_IP" key '"$KEY"' &&
	ip addr add 10.98.0.$me/24 dev ql0 && ip link set ql0 up ||
	{ echo "# FAIL: ql0"; exit 1; }
peer=10.98.0.$((3 - me))
# the other guest may boot later: up to 120 s for its first answer
for _ in $(seq 120); do
	busybox ping -c 1 -W 1 $peer >/dev/null 2>&1 && break
done
busybox ping -c 5 -W 2 $peer | sed "s/^/# /"
[ "${PIPESTATUS[0]}" = 0 ] || fail "no ping over the tunnel"
for c in tun_malformed tun_unauth tun_replay; do
	v=$(cat /sys/class/net/ql0/qnet/$c)
	[ "$v" = 0 ] || fail "$c is $v"
done
# let the other guest finish its pings before this end goes
sleep 5
ip link del ql0 || fail "ip link del"
grep -qi ":1CF7 " /proc/net/udp && fail "socket left"
rmmod qnet || fail "rmmod"
exit $ok
'

echo "TAP version 13"
echo "1..1"
out=$("$top/tools/vm-pair" --timeout 300 "$guest" "$guest" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
if [ $rc = 0 ]; then
	echo "ok 1 tunnel_pair.ping_between_guests"
else
	echo "not ok 1 tunnel_pair.ping_between_guests # vm-pair exit $rc"
fi
exit $rc
