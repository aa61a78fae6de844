#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tunnel qlinks (kernel/tunnel.c), as root in one test VM: two netns, ta
# and tb, joined by a veth pair (the underlay, 10.77.0.0/24), each with a
# tunnel qlink ql0 to the other (10.88.0.0/24 over it), made with
# Debian's ip and our plugin. Frames cross both ways (IP, and a qnet frame
# seen by AF_PACKET on the far ql0); datagrams from a stranger, with the
# wrong key or replayed are dropped and counted by cause, exactly; the
# key is never shown; a tunnel generates no pairs; deleting devices and
# namespaces releases the sockets (vm-run fails the run on a leak splat).

. "$(dirname "$0")/qnet_apps.sh"

export IP_LIB_DIR=$top/userspace/iproute2
KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
KEY2=ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
PORT=7415

# stat NS NAME: the ql0's counter NAME in NS (sysfs)
stat() {
	ip netns exec "$1" cat "/sys/class/net/ql0/qnet/$2"
}

# expect NS NAME VALUE: the counter reaches VALUE (within 10 s) and stays
# there for 0.5 s
expect() {
	local v
	for _ in $(seq 100); do
		v=$(stat "$1" "$2")
		[ "$v" = "$3" ] && break
		sleep 0.1
	done
	sleep 0.5
	v=$(stat "$1" "$2")
	[ "$v" = "$3" ] || fail "$1 ql0 $2 is $v, expected $3"
}

# tunnel NS LOCAL REMOTE KEY: ql0 in NS, 10.88.0.X/24 on it, up
tunnel() {
	local x=${2##*.}
	ip -n "$1" link add ql0 type qlink remote "$3" local "$2" key "$4" &&
		ip -n "$1" addr add "10.88.0.$x/24" dev ql0 &&
		ip -n "$1" link set ql0 up
}

setup() {
	local ns
	for ns in ta tb; do
		ip netns add $ns || return 1
		# no IPv6 chatter (DAD, MLD) to race the counters
		ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
		ip -n $ns link set lo up
	done
	ip -n ta link add va type veth peer name vb netns tb || return 1
	ip -n ta addr add 10.77.0.1/24 dev va && ip -n ta link set va up &&
		ip -n tb addr add 10.77.0.2/24 dev vb && ip -n tb link set vb up &&
		tunnel ta 10.77.0.1 10.77.0.2 $KEY &&
		tunnel tb 10.77.0.2 10.77.0.1 $KEY
}

# udp_send NS DST PORT HEX...: one datagram per HEX payload, from NS
udp_send() {
	local ns=$1 dst=$2 port=$3
	shift 3
	ip netns exec "$ns" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for h in sys.argv[3:]:
    s.sendto(bytes.fromhex(h), (sys.argv[1], int(sys.argv[2])))' \
		"$dst" "$port" "$@"
}

test_config() {
	local out
	# a tunnel needs a key; a key needs a tunnel; a tunnel has no peer
	ip -n ta link add qx type qlink remote 10.77.0.2 2>/dev/null &&
		{ fail "a tunnel without a key was made"; return 1; }
	ip -n ta link add qx type qlink key $KEY 2>/dev/null &&
		{ fail "a key without remote was taken"; return 1; }
	ip -n ta link add qx type qlink peer name qy remote 10.77.0.2 \
		key $KEY 2>/dev/null &&
		{ fail "a tunnel with a peer was made"; return 1; }
	ip -n ta link add qx type qlink remote 224.0.0.1 key $KEY 2>/dev/null &&
		{ fail "a multicast remote was taken"; return 1; }
	ip -n ta link add qx type qlink remote 10.77.0.2 key 0102 2>/dev/null &&
		{ fail "a short key was taken"; return 1; }
	# the port is taken by ql0
	ip -n ta link add qx type qlink remote 10.77.0.3 local 10.77.0.1 \
		key $KEY 2>/dev/null &&
		{ fail "a second tunnel on the same port was made"; return 1; }
	ip -n ta link show qx >/dev/null 2>&1 && { fail "qx exists"; return 1; }
	# its endpoints and key are fixed
	ip -n ta link set ql0 type qlink port 9 2>/dev/null &&
		{ fail "the port was changed"; return 1; }
	# qnetctl makes one too
	"$QNETCTL" -n ta link add qx remote 10.77.0.5 port 7500 key $KEY ||
		{ fail "qnetctl link add remote"; return 1; }
	ip -n ta -d link show qx | grep -q "remote 10.77.0.5 port 7500 " ||
		{ fail "qnetctl's tunnel is not as asked"; return 1; }
	"$QNETCTL" -n ta link del qx || return 1
	"$QNETCTL" -n ta link add qx remote 10.77.0.5 port 7500 key 12 \
		2>/dev/null && { fail "qnetctl took a short key"; return 1; }
	out=$(ip -n ta -d link show ql0)
	echo "$out" | sed 's/^/# /'
	case "$out" in
	*"remote 10.77.0.2 local 10.77.0.1 port $PORT "*) ;;
	*) fail "ip -d does not show the endpoints"; return 1 ;;
	esac
	case "$out $(ip -n ta -j -d link show ql0)" in
	*key*|*0a0b0c*) fail "the key is shown"; return 1 ;;
	esac
}

test_ip_crosses() {
	ip netns exec ta busybox ping -c 3 -W 5 10.88.0.2 ||
		{ fail "no ping over the tunnel"; return 1; }
	ip netns exec tb busybox ping -c 3 -W 5 10.88.0.1 ||
		{ fail "no ping back"; return 1; }
	expect tb tun_unauth 0 && expect tb tun_replay 0 &&
		expect tb tun_malformed 0
}

# a qnet frame sent on ta's ql0 reaches tb's ql0 receive path (a tap
# sees it there; wire.c then drops it: it is no valid message)
test_qnet_frame_crosses() {
	ip netns exec tb "$PY" -c '
import socket, sys, time
r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88B5))
r.bind(("ql0", 0))
r.settimeout(10)
open(sys.argv[1], "w").close()
while True:
    f = r.recv(2048)
    if f[14:].startswith(b"qnet-tunnel-probe"):
        break
print("# tb got the qnet frame, %d bytes" % len(f))' "$tmp/listening" &
	local pid=$!
	for _ in $(seq 100); do
		[ -e "$tmp/listening" ] && break
		sleep 0.1
	done
	ip netns exec ta "$PY" -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ql0", 0x88B5))
s.send(b"\xff" * 6 + b"\x02\0\0\0\0\1" + b"\x88\xb5" + b"qnet-tunnel-probe".ljust(46, b"\0"))' ||
		{ kill $pid; fail "could not send"; return 1; }
	wait $pid || fail "tb never saw the qnet frame"
}

# datagrams from somebody without the key: too short or of another
# version (malformed), or well-formed with a made-up MAC (unauth)
test_stranger() {
	local hdr=0101000000000000 mac body
	mac=$(printf '%032x' 12345)
	body=$(printf 'ab%.0s' $(seq 60))
	udp_send ta 10.77.0.2 $PORT 00 0101 \
		"0201000000000000000000000000000a${mac}${body}" \
		"${hdr}0000000000000000${mac}${body}" \
		"${hdr}000000000000000b${mac}${body}" \
		"${hdr}000000000000000c${mac}${body}" \
		"${hdr}ffffffffffffffff${mac}${body}" || return 1
	sleep 1
	# version 2 and seq 0 are malformed, with the two short ones
	expect tb tun_malformed 4 && expect tb tun_unauth 3 &&
		expect tb tun_replay 0
}

# datagrams captured on the underlay: one of ta's sent to tb again,
# twice (replay), one of tb's reflected back to tb (its MAC covers the
# address it was sent to: unauth)
test_replay() {
	ip netns exec tb "$PY" -c '
import socket, sys
# ETH_P_ALL: a tap of one protocol does not see what vb sends
r = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(3))
r.bind(("vb", 0))
r.settimeout(20)
open(sys.argv[1], "w").close()
got = {}
while len(got) < 2:
    p, a = r.recvfrom(4096)
    ihl = (p[0] & 15) * 4
    if a[1] == 0x0800 and p[9] == 17 and int.from_bytes(p[ihl + 2:ihl + 4], "big") == int(sys.argv[3]):
        got.setdefault(socket.inet_ntoa(p[12:16]), p[ihl + 8:].hex())
open(sys.argv[2] + "-a", "w").write(got["10.77.0.1"])
open(sys.argv[2] + "-b", "w").write(got["10.77.0.2"])' "$tmp/cap-ready" "$tmp/cap" $PORT &
	local pid=$!
	for _ in $(seq 100); do
		[ -e "$tmp/cap-ready" ] && break
		sleep 0.1
	done
	ip netns exec ta busybox ping -c 1 -W 5 10.88.0.2 >/dev/null ||
		{ kill $pid; fail "no ping"; return 1; }
	wait $pid || { fail "nothing captured"; return 1; }
	udp_send ta 10.77.0.2 $PORT "$(cat "$tmp/cap-a")" "$(cat "$tmp/cap-a")" \
		"$(cat "$tmp/cap-b")" || return 1
	sleep 1
	expect tb tun_replay 2 && expect tb tun_unauth 4 &&
		expect tb tun_malformed 4
}

# ta's end made again with another key: whatever it sends is unauth
test_wrong_key() {
	local before tx n
	before=$(stat tb tun_unauth)
	ip -n ta link del ql0 && tunnel ta 10.77.0.1 10.77.0.2 $KEY2 ||
		return 1
	# no ARP: exactly the two echo requests go out
	ip -n ta neigh add 10.88.0.2 dev ql0 \
		lladdr "$(ip netns exec tb cat /sys/class/net/ql0/address)" ||
		return 1
	ip netns exec ta busybox ping -c 2 -W 1 10.88.0.2 >/dev/null 2>&1 &&
		{ fail "ping with the wrong key"; return 1; }
	# exactly what ta sent, the two pings, arrived unauthenticated
	tx=$(ip netns exec ta cat /sys/class/net/ql0/statistics/tx_packets)
	echo "# ta's ql0 sent $tx frames with the wrong key"
	[ "$tx" = 2 ] || { fail "ta sent $tx frames, not the 2 pings"; return 1; }
	n=2
	expect tb tun_unauth $((before + n)) || return 1
	expect tb tun_replay 2 && expect tb tun_malformed 4 &&
		{ "$QNETCTL" -n tb -s link show ql0 |
			grep -q "tun-unauth $((before + n))" ||
			fail "qnetctl -s does not show tun-unauth $((before + n))"; } ||
		return 1
	# the same key again: a fresh device's numbers start above the old
	ip -n ta link del ql0 && tunnel ta 10.77.0.1 10.77.0.2 $KEY &&
		ip netns exec ta busybox ping -c 1 -W 5 10.88.0.2 >/dev/null ||
		fail "no ping after the device was made again"
}

# no pairs over a tunnel yet: continuous generation is refused, at
# creation and later, and the link never attempts any
test_no_pairs() {
	ip -n ta link set ql0 type qlink continuous on 2>"$tmp/err" &&
		{ fail "continuous on a tunnel was taken"; return 1; }
	grep -q "a tunnel generates no pairs yet" "$tmp/err" ||
		{ fail "wrong error: $(cat "$tmp/err")"; return 1; }
	ip -n ta link add qx type qlink remote 10.77.0.9 port 9999 key $KEY \
		continuous on 2>/dev/null &&
		{ fail "a continuous tunnel was made"; return 1; }
	[ "$(stat ta attempts)" = 0 ] && [ "$(stat ta heralded)" = 0 ] ||
		fail "a tunnel made pair attempts"
}

# no circuits over a tunnel yet: connect() over a route whose first link
# is a tunnel fails at once with EOPNOTSUPP, not at a deadline
test_no_circuits() {
	ip netns exec ta "$QNETCTL" node set addr 1 || return 1
	ip netns exec ta "$QNETCTL" route add 2 dev ql0 || return 1
	ip netns exec ta timeout 20 "$QPING" -c 1 2 2>"$tmp/err" >/dev/null &&
		{ fail "qping over a tunnel succeeded"; return 1; }
	grep -q "connect to node 2 .*: Operation not supported" "$tmp/err" ||
		fail "wrong error: $(cat "$tmp/err")"
}

test_teardown() {
	# netns exit with the tunnel in it, then a plain delete
	ip netns del tb || return 1
	ip -n ta link del ql0 || return 1
	ip netns exec ta cat /proc/net/udp | awk '{ print $2 }' |
		grep -qi ":$(printf '%04X' $PORT)$" &&
		{ fail "the tunnel's socket is still bound"; return 1; }
	ip netns del ta
	for _ in $(seq 50); do
		[ -z "$(ip netns list)" ] && return 0
		sleep 0.1
	done
	fail "namespaces left"
}

test_setup() {
	setup || fail "setup"
}

if ! grep -qw udp_sock_create4 /proc/kallsyms; then
	echo "TAP version 13"
	echo "1..0 # SKIP kernel without CONFIG_NET_UDP_TUNNEL or CONFIG_CRYPTO: no tunnel qlinks"
	exit $ksft_skip
fi

apps_main tunnel setup config ip_crosses qnet_frame_crosses stranger \
	replay wrong_key no_pairs no_circuits teardown
