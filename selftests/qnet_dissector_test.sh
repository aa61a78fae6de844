#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Wireshark dissector (userspace/wireshark/qnet.lua) on real traffic,
# as root inside the test VM: a 2-node topology built with
# tools/qnet-topo, tcpdump on bob's qlink while qping asks for pairs, and
# tshark decoding the capture with qnet.lua. What it decodes must agree
# with what the sockets delivered: the DELIVER messages name exactly the
# pair ids both qpings printed, the REQUEST asks for as many pairs, the
# CONNECT goes to bob's port, every BIND binds a link pair that a HERALD
# announced, and every ETH_P_QNET frame decodes as qnet.

. "$(dirname "$0")/qnet_apps.sh"

LUA=$top/userspace/wireshark/qnet.lua
N=20

topo=$tmp/w2
cat >"$topo" <<TOPO
node w-a 1
node w-b 2
defaults scheme direct length 2km dark 0 time-scale 0
link w-a w-b dev qw peer qa seed $((RANDOM + 1))
TOPO

test_capture() {
	local td bob rc=0
	command -v tshark >/dev/null && command -v tcpdump >/dev/null ||
		fail "tshark and tcpdump needed (tools/deps.sh)" || return 1
	topo_up "$topo" || return 1
	# --immediate-mode: libpcap hands each frame over at once (else a
	# whole request can sit in one ring block that SIGINT discards); its
	# ring has a slot per snaplen, so a small snaplen (qnet frames are
	# under 100 bytes) lets a burst of a few hundred frames fit
	ip netns exec w-b tcpdump -i qa --immediate-mode -s 256 -B 4096 -U \
		-Z root -w "$tmp/cap.pcap" ether proto 0x88b5 \
		2>"$tmp/tcpdump.err" &
	td=$!
	for _ in $(seq 100); do
		grep -q "listening on" "$tmp/tcpdump.err" && break
		sleep 0.1
	done
	ip netns exec w-b "$QPING" -l -c $N >"$tmp/bob" 2>&1 &
	bob=$!
	wait_listen w-b 7 || return 1
	ip netns exec w-a "$QPING" -c $N 2 >"$tmp/alice" 2>&1 || rc=$?
	wait "$bob" || rc=$((rc + 16 * $?))
	sleep 0.5	# the last frames reach the capture
	kill -INT "$td"
	wait "$td"
	sed 's/^/# /' "$tmp/tcpdump.err"
	[ "$rc" = 0 ] || { fail "qping exited $rc: $(cat "$tmp/alice" "$tmp/bob")"; return 1; }
}

test_decode() {
	tshark -X lua_script:"$LUA" -r "$tmp/cap.pcap" -T json \
		>"$tmp/cap.json" 2>"$tmp/tshark.err" ||
		{ fail "tshark: $(cat "$tmp/tshark.err")"; return 1; }
	tshark -X lua_script:"$LUA" -r "$tmp/cap.pcap" 2>/dev/null |
		sed -n 's/^/# /; 1,12p'
	pycheck '
import json, re, sys
n = int(sys.argv[4])
frames = [f["_source"]["layers"] for f in json.load(open(sys.argv[1]))]

def pairs(path):
    return [int(m.group(1)) for m in re.finditer(r"^pair (\d+):", open(path).read(), re.M)]

def flat(d, out):
    for k, v in d.items():
        if isinstance(v, dict):
            flat(v, out)
        elif k.startswith("qnet."):
            out[k] = int(v, 0)
    return out

msgs = []
ok = True
for i, f in enumerate(frames):
    if "qnet" not in f:
        print("# FAIL: frame %d is not decoded as qnet" % (i + 1))
        ok = False
        continue
    msgs.append(flat(f["qnet"], {}))
by = lambda t: [m for m in msgs if m["qnet.type"] == t]
alice, bob = pairs(sys.argv[2]), pairs(sys.argv[3])
delivered = sorted(m["qnet.swap.ent_id"] for m in by(24) if m["qnet.swap.error"] == 0)
print("# %d frames: %s" % (len(msgs), ", ".join("%s %d" % (k, len(by(t))) for k, t in
      (("HERALD", 1), ("CONNECT", 16), ("ACCEPT", 17), ("REQUEST", 20), ("BIND", 21),
       ("DELIVER", 24), ("CLOSE", 19)))))
checks = [
    ("both ends printed %d pairs" % n, len(alice) == n and sorted(alice) == sorted(bob)),
    ("DELIVER ent_ids are the pair ids qping printed", delivered == sorted(alice)),
    ("one REQUEST for %d pairs from node 1" % n,
     [(m["qnet.request.num_pairs"], m["qnet.src_node"], m["qnet.circuit.head_node"])
      for m in by(20)] == [(n, 1, 1)]),
    ("CONNECT to node 2 port 7",
     [(m["qnet.connect.dst_node"], m["qnet.connect.dst_port"]) for m in by(16)] == [(2, 7)]),
    ("ACCEPT from node 2, 1 hop",
     [(m["qnet.src_node"], m["qnet.answer.hops"], m["qnet.answer.error"]) for m in by(17)] == [(2, 1, 0)]),
    ("every BIND binds a heralded link pair",
     len(by(21)) >= n and {m["qnet.bind.pair_id"] for m in by(21)} <=
     {m["qnet.pair.id"] for m in by(1)}),
    ("every message version 2 (QNET_WIRE_VERSION)",
     all(m["qnet.version"] == 2 for m in msgs)),
    ("one circuit", len({(m["qnet.circuit.head_node"], m["qnet.circuit.id"])
                         for m in msgs if "qnet.circuit.id" in m}) == 1),
]
for name, good in checks:
    print("# %s: %s" % (name, "ok" if good else "FAIL"))
    ok = ok and good
if delivered != sorted(alice):
    print("# qping %s\n# DELIVER %s" % (sorted(alice)[:8], delivered[:8]))
sys.exit(0 if ok else 1)' "$tmp/cap.json" "$tmp/alice" "$tmp/bob" "$N"
}

test_down() {
	topo_down "$topo"
}

apps_main dissector capture decode down
