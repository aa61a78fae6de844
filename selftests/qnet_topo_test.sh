#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/qnet-topo, as root inside the test VM: builds each example of
# tools/topologies/, checks every node's routes (`qnetctl -j route show`)
# against the tables below, worked out by hand from the files (shortest
# path in hops, then fiber length), pings across the network once, and
# tears it down again: no namespace of it and no qlink may be left.

. "$(dirname "$0")/qnet_apps.sh"

T=$top/tools/topologies

# check_routes FILE "NS DST DEV"...: the routes of every node of FILE are
# exactly those listed
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
    got += ["%s %d %s" % (ns, r["dst"], r["dev"]) for r in json.loads(out)]
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
		"alice 2 ql-r" "alice 3 ql-r" \
		"repeater 1 ql-a" "repeater 3 ql-b" \
		"bob 1 ql-r" "bob 2 ql-r"
	torn_down "$T/chain3" alice repeater bob $?
}

test_star() {
	local r=() i j bob
	for i in 1 2 3 4; do
		r+=("hub 1$i q-leaf$i" "leaf$i 10 q-hub")
		for j in 1 2 3 4; do
			[ "$i" != "$j" ] && r+=("leaf$i 1$j q-hub")
		done
	done
	topo_up "$T/star" || return 1
	star_ping "${r[@]}"
	torn_down "$T/star" hub leaf1 leaf2 leaf3 leaf4 $?
}

# the star's routes, and leaf1 -> leaf4 through the hub: two hops, one
# swap; both ends must get all 5 pairs
star_ping() {
	local bob rc
	check_routes "$T/star" "$@" || return 1
	ip netns exec leaf4 "$QPING" -l -q -c 5 >"$tmp/bob" 2>&1 &
	bob=$!
	wait_listen leaf4 7 || { kill "$bob"; return 1; }
	ip netns exec leaf1 "$QPING" -c 5 14 >"$tmp/ping" 2>&1 ||
		{ kill "$bob"; sed 's/^/# /' "$tmp/ping"; fail "qping in leaf1"; return 1; }
	wait "$bob"
	rc=$?
	[ "$rc" = 0 ] ||
		{ sed 's/^/# /' "$tmp/bob"; fail "qping -l in leaf4 exited $rc"; return 1; }
	[ "$(grep -c 'hops=2 swaps=1' "$tmp/ping")" = 5 ] || fail "not 5 pairs over 2 hops"
}

test_grid2x2() {
	topo_up "$T/grid2x2.json" || return 1
	check_routes "$T/grid2x2.json" \
		"nw 2 q-ne" "nw 3 q-sw" "nw 4 q-ne" \
		"ne 1 q-nw" "ne 3 q-se" "ne 4 q-se" \
		"sw 1 q-nw" "sw 2 q-se" "sw 4 q-se" \
		"se 1 q-ne" "se 2 q-ne" "se 3 q-sw"
	torn_down "$T/grid2x2.json" nw ne sw se $?
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

apps_main qnet_topo chain3 star grid2x2 gen_and_refuse
