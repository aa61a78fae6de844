#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/qnet-topo, as root inside the test VM: builds each example of
# tools/topologies/ and generated chains and grids, checks every node's
# routes (`qnetctl -j route show`) against the tables below, worked out by
# hand from the files (shortest path in hops, then fiber length; a default
# route and ranges of addresses as exceptions, see Topo.routes()), pings
# across the network, and tears it down again: no namespace of it and no
# qlink may be left.

. "$(dirname "$0")/qnet_apps.sh"

T=$top/tools/topologies

# check_routes FILE "NS ROUTE DEV"...: the routes of every node of FILE are
# exactly those listed (ROUTE as qnetctl prints it: default, 7, 7-9)
check_routes() {
	local file=$1
	shift
	pycheck '
import json, subprocess, sys
qnetctl, nodes, want = sys.argv[1], sys.argv[2].split(), sorted(sys.argv[3:])
got = []
for ns in nodes:
    out = subprocess.run([qnetctl, "-j", "-n", ns, "route", "show"], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    got += ["%s %s %s" % (ns, r["to"], r["dev"]) for r in json.loads(out)]
got.sort()
for l in sorted(set(got) ^ set(want)):
    print("# FAIL: route %s: %s" % (l, "unexpected" if l in got else "missing"))
sys.exit(got != want)' "$QNETCTL" "$(printf '%s\n' "$@" | awk '{ print $1 }' | sort -u)" "$@"
}

# gone NS...: none of the namespaces exists, and no qlink is left in any
# namespace that still does (namespaces and devices go asynchronously)
gone() {
	local ns left end=$((SECONDS + 10))
	while :; do
		left=
		for ns in "$@"; do
			ip netns list | grep -qw "$ns" && left="$left netns:$ns"
		done
		[ -z "$left" ] || [ $SECONDS -ge $end ] && break
		sleep 0.2
	done
	for ns in "" $(ip netns list | awk '{ print $1 }'); do
		[ -n "$(ip ${ns:+-n "$ns"} -o link show type qlink 2>/dev/null)" ] &&
			left="$left qlink-in:${ns:-init}"
	done
	[ -z "$left" ] || fail "left behind:$left"
}

# torn_down FILE NS... RC: take FILE's network down whatever RC is (a
# failed check must not leave nodes behind for the next test); fails if
# RC is non-zero or anything is left
torn_down() {
	local file=$1 rc=${!#}
	set -- "${@:2:$#-2}"
	topo_down "$file" && gone "$@" || rc=1
	return "$rc"
}

test_chain3() {
	topo_up "$T/chain3" || return 1
	check_routes "$T/chain3" \
		"alice default ql-r" \
		"repeater default ql-a" "repeater 3 ql-b" \
		"bob default ql-r"
	torn_down "$T/chain3" alice repeater bob $?
}

test_star() {
	topo_up "$T/star" || return 1
	star_ping "hub default q-leaf1" "hub 12 q-leaf2" "hub 13 q-leaf3" \
		"hub 14 q-leaf4" "leaf1 default q-hub" "leaf2 default q-hub" \
		"leaf3 default q-hub" "leaf4 default q-hub"
	torn_down "$T/star" hub leaf1 leaf2 leaf3 leaf4 $?
}

# ping_across SRC DST DST_ADDR HOPS: 5 pairs from node SRC to node DST,
# over HOPS links; both ends must get all 5
ping_across() {
	local src=$1 dst=$2 addr=$3 hops=$4 bob rc
	ip netns exec "$dst" "$QPING" -l -q -c 5 >"$tmp/bob" 2>&1 &
	bob=$!
	wait_listen "$dst" 7 || { kill "$bob"; return 1; }
	ip netns exec "$src" "$QPING" -c 5 -w 60 "$addr" >"$tmp/ping" 2>&1 ||
		{ kill "$bob"; sed 's/^/# /' "$tmp/ping"; fail "qping in $src"; return 1; }
	wait "$bob"
	rc=$?
	[ "$rc" = 0 ] ||
		{ sed 's/^/# /' "$tmp/bob"; fail "qping -l in $dst exited $rc"; return 1; }
	[ "$(grep -c "hops=$hops swaps=$((hops - 1))" "$tmp/ping")" = 5 ] ||
		{ sed 's/^/# /' "$tmp/ping"; fail "not 5 pairs over $hops hops"; }
}

# the star's routes, and leaf1 -> leaf4 through the hub: two hops, one
# swap; both ends must get all 5 pairs
star_ping() {
	check_routes "$T/star" "$@" || return 1
	ping_across leaf1 leaf4 14 2
}

test_grid2x2() {
	topo_up "$T/grid2x2.json" || return 1
	check_routes "$T/grid2x2.json" \
		"nw default q-ne" "nw 3 q-sw" \
		"ne default q-se" "ne 1 q-nw" \
		"sw default q-se" "sw 1 q-nw" \
		"se default q-ne" "se 3 q-sw"
	torn_down "$T/grid2x2.json" nw ne sw se $?
}

# a generated 6-node chain: two routes per node (one at the ends), the
# default towards the side with more nodes, and pairs end to end over 5
# hops (from n1: a head at the far end of every link of its path gets
# one pair and no more on this tree, routes or not; see the report of
# the routes-2 branch)
test_gen_chain() {
	"$QTOPO" gen chain 6 length 1km scheme direct time-scale 0 >"$tmp/c6" || return 1
	topo_up "$tmp/c6" || return 1
	check_routes "$tmp/c6" \
		"n1 default q-n2" \
		"n2 default q-n3" "n2 1 q-n1" \
		"n3 default q-n4" "n3 1-2 q-n2" \
		"n4 default q-n3" "n4 5-6 q-n5" \
		"n5 default q-n4" "n5 6 q-n6" \
		"n6 default q-n5" &&
		ping_across n1 n6 6 5
	torn_down "$tmp/c6" n1 n2 n3 n4 n5 n6 $?
}

# a generated 3 x 3 grid (addresses 1-9, row by row): the centre has four
# routes, a corner two, and pairs cross it corner to corner over 4 hops
test_gen_grid() {
	"$QTOPO" gen grid 3 3 length 1km scheme direct time-scale 0 >"$tmp/g33" || return 1
	topo_up "$tmp/g33" || return 1
	check_routes "$tmp/g33" \
		"n1_1 default q-n0_1" "n1_1 4 q-n1_0" "n1_1 6 q-n1_2" "n1_1 7-9 q-n2_1" \
		"n0_0 default q-n1_0" "n0_0 2/31 q-n0_1" &&
		ping_across n2_0 n0_2 3 4
	torn_down "$tmp/g33" n0_0 n0_1 n0_2 n1_0 n1_1 n1_2 n2_0 n2_1 n2_2 $?
}

# a generated chain, and a file the tool must refuse without leaving
# anything behind
test_gen_and_refuse() {
	"$QTOPO" gen chain 3 length 1km >"$tmp/g3" || return 1
	grep -q '^link n2 n3$' "$tmp/g3" || fail "gen chain" || return 1
	printf 'node x1 1\nnode x2 2\nlink x1 x2 length 2km bogus 7\n' >"$tmp/bad"
	"$QTOPO" up "$tmp/bad" 2>"$tmp/err" && fail "a bad link parameter was accepted" && return 1
	sed 's/^/# /' "$tmp/err"
	gone x1 x2
}

apps_main qnet_topo chain3 star grid2x2 gen_chain gen_grid gen_and_refuse
