#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qnetctl end to end, as root inside the test VM: two nodes joined by one
# qlink, configured only with qnetctl, checked through its JSON output.
#
#       netns $A (node 1)                         netns $B (node 2)
#   +----------------------+                  +----------------------+
#   |                 ql0 o+==================+o ql1                 |
#   |   route 2 -> ql0     |   qlink, 25 km   |                      |
#   +----------------------+                  +----------------------+
#
#   and, for a while, qd0..qd79 between the same two namespaces (dump
#   test), ql2/ql3 made from the initial netns.
#
# Prints kselftest TAP: one "ok N name" or "not ok N name" per test, the
# reasons as "# " lines. Loads $QNET_KO unless qnet is loaded already, and
# unloads it again if it did.

set -u
export LC_ALL=C		# ${#var} counts bytes

top=$(cd "$(dirname "$0")/.." && pwd)
QNETCTL=${QNETCTL:-$top/userspace/qnetctl/qnetctl}
QNET_KO=${QNET_KO:-$top/kernel/qnet.ko}
PY=$(command -v python3 || true)
A=qnetctl-a-$$
B=qnetctl-b-$$
tmp=$(mktemp -d)
monitor_pid=
loaded=0

ksft_skip=4

cleanup() {
	[ -n "$monitor_pid" ] && kill "$monitor_pid" 2>/dev/null
	[ -n "${CHECKER_PID:-}" ] && kill "$CHECKER_PID" 2>/dev/null
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	ip link del ql2 2>/dev/null
	if [ "$loaded" = 1 ]; then
		# Namespaces die asynchronously; their qlinks go with them.
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			rmmod qnet 2>/dev/null && break
			sleep 0.5
		done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- helpers --------------------------------------------------------------

qa() { "$QNETCTL" -n "$A" "$@"; }
qb() { "$QNETCTL" -n "$B" "$@"; }

fail() {
	echo "# FAIL: $*"
	return 1
}

# run CMD...: must succeed; its stdout is in $out.
run() {
	local rc=0

	out=$("$@" 2>"$tmp/err") || rc=$?
	[ "$rc" = 0 ] || fail "'$*' exited $rc: $(cat "$tmp/err")"
}

# refused REGEX CMD...: must exit non-zero with stderr matching REGEX.
refused() {
	local re=$1 rc=0
	shift

	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" != 0 ] || fail "'$*' succeeded, expected an error"  || return 1
	grep -qE -- "$re" "$tmp/err" ||
		fail "'$*': stderr '$(cat "$tmp/err")' does not match /$re/"
}

# One python3 checks all the JSON: it takes a second to start in the VM.
# Requests: "NDOCS NEXPRS", then each field as its byte length and bytes.
start_checker() {
	coproc CHECKER { "$PY" -c '
import json, sys
inp = sys.stdin.buffer
def field():
    return inp.read(int(inp.readline())).decode()
for line in iter(inp.readline, b""):
    ndocs, nexprs = map(int, line.split())
    raw = [field() for _ in range(ndocs)]
    exprs = [field() for _ in range(nexprs)]
    try:
        env = dict(zip("jk", [json.loads(d) for d in raw]))
        bad = [e for e in exprs if not eval(e, env)]
    except Exception as e:
        bad = ["%s: %s" % (type(e).__name__, e)]
    for e in bad:
        print("# FAIL: not true of the JSON: " + " ".join(e.split()))
    for d in raw if bad else []:
        print("# JSON was: " + " ".join(d[:2000].split()))
    print("END %d" % bool(bad), flush=True)
'; }
}

jsend() {	# NDOCS FIELD...
	local ndocs=$1 field line
	shift

	{
		echo "$ndocs $(($# - ndocs))"
		for field in "$@"; do
			printf '%d\n%s' "${#field}" "$field"
		done
	} >&"${CHECKER[1]}"
	while read -r line <&"${CHECKER[0]}"; do
		case "$line" in
		"END 0") return 0 ;;
		"END "*) return 1 ;;
		*) echo "$line" ;;
		esac
	done
	fail "the JSON checker died"
}

# jcheck JSON EXPR...: every Python EXPR is true of the document j.
jcheck() {
	jsend 1 "$@"
}

# jcheck2 JSON1 JSON2 EXPR...: the same with two documents, j and k.
jcheck2() {
	jsend 2 "$@"
}

has_dev() {	# NETNS DEV; NETNS "" is this one
	ip ${1:+-n "$1"} link show dev "$2" >/dev/null 2>&1
}

absent() {	# NETNS DEV: fails if DEV exists there
	if has_dev "$1" "$2"; then
		fail "$2 exists${1:+ in $1}"
	fi
}

# ---- tests ----------------------------------------------------------------

test_link_add_peer_netns() {
	run qa link add ql0 peer ql1 peer-netns "$B" length 25km || return 1
	has_dev "$A" ql0 || fail "ql0 is not in $A" || return 1
	has_dev "$B" ql1 || fail "ql1 is not in $B" || return 1
	absent "$A" ql1 || return 1
	ip -n "$A" link set ql0 up && ip -n "$B" link set ql1 up
}

test_link_show_json() {
	run qa -j link show ql0 || return 1
	jcheck "$out" \
		'isinstance(j, list) and len(j) == 1' \
		'j[0]["ifname"] == "ql0"' \
		'isinstance(j[0]["ifindex"], int) and j[0]["ifindex"] > 0' \
		'j[0]["oper_up"] is True' \
		'j[0]["length_m"] == 25000' \
		'j[0]["atten_mdb_km"] == 200' \
		'j[0]["index_milli"] == 1470' \
		'j[0]["scheme"] in ("single-click", "double-click", "direct")' \
		'j[0]["continuous"] in (True, False)' \
		'all(isinstance(j[0][k], int) for k in ("attempt_rate_hz",
			"alpha_ppm", "source_fidelity_ppm", "efficiency_ppm",
			"visibility_ppm", "dark_rate_hz", "slots", "t1_ns",
			"t2_ns", "cutoff_ns", "seed", "time_scale_permille"))' \
		'"stats" not in j[0]' || return 1
	run qa -j -s link show ql0 || return 1
	jcheck "$out" \
		'all(isinstance(j[0]["stats"][k], int) for k in ("attempts",
			"heralded", "delivered", "expired", "stored",
			"mean_fidelity_ppm", "rx_packets", "tx_packets",
			"emu_time_ns"))' || return 1
	# -p changes the layout only.
	run qa -j link show ql0 || return 1
	local compact=$out
	run qa -j -p link show ql0 || return 1
	[ "$(echo "$out" | wc -l)" -gt 10 ] || fail "-p did not indent" ||
		return 1
	jcheck2 "$compact" "$out" 'j == k' ||
		fail "-j -p is not the same document as -j"
}

# Every parameter, in human units; read back as raw integers.
test_link_set_round_trip() {
	run qa link set ql0 length 12.5km atten 0.25dB/km index 1.468 \
		rate 2.5MHz scheme double-click alpha 5% source-fidelity 0.97 \
		efficiency 80% visibility 0.9 dark 25Hz slots 8 t1 1s \
		t2 20ms cutoff 5ms seed 42 time-scale 0.01 continuous on ||
		return 1
	run qa -j link show ql0 || return 1
	jcheck "$out" \
		'j[0]["length_m"] == 12500' \
		'j[0]["atten_mdb_km"] == 250' \
		'j[0]["index_milli"] == 1468' \
		'j[0]["attempt_rate_hz"] == 2500000' \
		'j[0]["scheme"] == "double-click"' \
		'j[0]["alpha_ppm"] == 50000' \
		'j[0]["source_fidelity_ppm"] == 970000' \
		'j[0]["efficiency_ppm"] == 800000' \
		'j[0]["visibility_ppm"] == 900000' \
		'j[0]["dark_rate_hz"] == 25' \
		'j[0]["slots"] == 8' \
		'j[0]["t1_ns"] == 1000000000' \
		'j[0]["t2_ns"] == 20000000' \
		'j[0]["cutoff_ns"] == 5000000' \
		'j[0]["seed"] == 42' \
		'j[0]["time_scale_permille"] == 10' \
		'j[0]["continuous"] is True' || return 1
	local want=$out

	# Text: human units, and pasting it back restores the link.
	run qa link show ql0 || return 1
	local params
	params=$(echo "$out" | sed -n 2p)
	for w in "length 12.5km" "atten 0.25dB/km" "index 1.468" "rate 2.5MHz" \
		 "efficiency 80%" "t1 1s" "t2 20ms" "cutoff 5ms" \
		 "time-scale 0.01" "continuous on"; do
		case " $params " in
		*" $w "*) ;;
		*) fail "text show lacks '$w': $params"; return 1 ;;
		esac
	done
	run qa link set ql0 length 3km rate 10kHz continuous off t2 none \
		time-scale 1 || return 1
	# shellcheck disable=SC2086	# the words are the command line
	run qa link set ql0 $params || return 1
	run qa -j link show ql0 || return 1
	jcheck2 "$want" "$out" \
		'[dict(x, oper_up=0) for x in j] == [dict(x, oper_up=0) for x in k]' ||
		fail "link set with show's text did not restore the link" ||
		return 1
	# A link that keeps its memories filled costs CPU: stop it.
	run qa link set ql0 continuous off
}

test_link_params_shared() {
	run qb link set ql1 slots 3 cutoff none || return 1
	run qa -j link show ql0 || return 1
	jcheck "$out" 'j[0]["slots"] == 3' 'j[0]["cutoff_ns"] == 0'
}

test_link_add_netns_from_init() {
	run "$QNETCTL" link add ql2 netns "$A" peer ql3 peer-netns "$B" \
		rate 1MHz || return 1
	has_dev "$A" ql2 && has_dev "$B" ql3 ||
		fail "ql2/ql3 are not in $A/$B" || return 1
	absent "" ql2 || return 1
	run qa -j link show ql2 || return 1
	jcheck "$out" 'j[0]["attempt_rate_hz"] == 1000000' || return 1
	run qa link del ql2 || return 1
	absent "$B" ql3
}

test_node_set_show() {
	run qa node set addr 1 || return 1
	run qb node set addr 0.0.0.2 seed 7 || return 1
	# qa's seed is random: shown to root, a u64
	run qa -j node show || return 1
	jcheck "$out" 'j["addr"] == 1' 'isinstance(j["seed"], int)' || return 1
	run qb node show || return 1
	[ "$out" = "addr 2 bsm-eff 100% gate-err 0% readout-err 0% seed 7" ] ||
		fail "text node show: '$out'" || return 1
	# the node's hardware: any subset, pasted back as shown
	run qb node set bsm-eff 50% gate-err 0.01 || return 1
	run qb node set readout-err 0.5% || return 1
	run qb node show || return 1
	[ "$out" = "addr 2 bsm-eff 50% gate-err 1% readout-err 0.5% seed 7" ] ||
		fail "text node show: '$out'" || return 1
	run qb -j node show || return 1
	jcheck "$out" 'j["bsm_eff_ppm"] == 500000' 'j["gate_err_ppm"] == 10000' \
		'j["readout_err_ppm"] == 5000' || return 1
	run qb -j stats show || return 1
	jcheck "$out" 'j["bsm_eff_ppm"] == 500000' || return 1
	run qa -j -s node show || return 1
	jcheck "$out" '"attempts" in j["stats"]' || return 1
	run qa -j link show ql0 || return 1
	jcheck "$out" 'j[0]["peer_node"] == 2'
}

test_route_add_show_del() {
	run qa route add 2 dev ql0 metric 5 || return 1
	run qa -j route show || return 1
	jcheck "$out" 'j == [{"dst": 2, "dst_last": 2, "to": "2", "dev": "ql0",
		"ifindex": j[0]["ifindex"], "metric": 5}]' || return 1
	run qa route show 2 || return 1
	[ "$out" = "2 dev ql0 metric 5" ] || fail "text route show: '$out'" ||
		return 1
	run qa route del 2 || return 1
	run qa -j route show || return 1
	jcheck "$out" 'j == []' || return 1
	refused '^Error: qnet: no route to this destination' qa route show 2
}

# default, prefixes, ranges, metrics: what show prints, what get picks
test_route_default_metric() {
	run qa route add default dev ql0 metric 10 || return 1
	run qa route add 16/28 dev ql0 metric 20 || return 1
	run qa route add 40-49 dev ql0 || return 1
	run qa route add default dev ql0 metric 5 || return 1
	run qa route show || return 1
	[ "$out" = "default dev ql0 metric 5
default dev ql0 metric 10
16/28 dev ql0 metric 20
40-49 dev ql0 metric 0" ] || fail "text route show: '$out'" || return 1
	run qa -j route show || return 1
	jcheck "$out" '([(r["dst"], r["dst_last"], r["metric"]) for r in j] ==
		[(0, 4294967295, 5), (0, 4294967295, 10), (16, 31, 20), (40, 49, 0)])' ||
		return 1
	run qa route get 17 || return 1
	[ "$out" = "16/28 dev ql0 metric 20" ] || fail "route get 17: '$out'" || return 1
	run qa route get 99 || return 1
	[ "$out" = "default dev ql0 metric 5" ] || fail "route get 99: '$out'" || return 1
	refused '^Error: qnet: a route to this destination exists' \
		qa route add default dev ql0 metric 5 || return 1
	run qa route replace 40-49 dev ql0 metric 0 || return 1
	# del without a metric takes the lowest
	run qa route del default || return 1
	run qa route get 99 || return 1
	[ "$out" = "default dev ql0 metric 10" ] || fail "after del: '$out'" || return 1
	refused '^Error: qnet: no route to this destination with this metric' \
		qa route del 16/28 metric 1 || return 1
	refused '^Error: prefix "3/28": address not aligned to /28' \
		qa route add 3/28 dev ql0 || return 1
	refused '^Error: route range "9-3" ends before it starts' \
		qa route add 9-3 dev ql0 || return 1
	refused '^Error: argument "1/33" is not a valid prefix' \
		qa route add 1/33 dev ql0 || return 1
	run qa route del default metric 10 || return 1
	run qa route del 16/28 || return 1
	run qa route del 40-49 || return 1
	run qa -j route show || return 1
	jcheck "$out" 'j == []'
}

# append: after the range's other routes, with the next metric
test_route_append() {
	run qa route append default dev ql0 || return 1
	run qa route append default dev ql0 || return 1
	run qa route append 40-49 dev ql0 metric 7 || return 1
	run qa route append 40-49 dev ql0 || return 1
	run qa route show || return 1
	[ "$out" = "default dev ql0 metric 0
default dev ql0 metric 1
40-49 dev ql0 metric 7
40-49 dev ql0 metric 8" ] || fail "text route show: '$out'" || return 1
	refused '^Error: qnet: a route to this destination exists' \
		qa route append 40-49 dev ql0 metric 8 || return 1
	run qa route del default || return 1
	run qa route get 99 || return 1
	[ "$out" = "default dev ql0 metric 1" ] || fail "after del: '$out'" || return 1
	run qa route del default || return 1
	run qa route del 40-49 || return 1
	run qa route del 40-49 || return 1
	run qa -j route show || return 1
	jcheck "$out" 'j == []'
}

test_stats() {
	run qa -j stats show dev ql0 || return 1
	jcheck "$out" 'j["ifname"] == "ql0"' \
		'all(isinstance(v, int) for k, v in j["stats"].items()
		     if k != "discards")' \
		'"attempts" in j["stats"]' \
		'"mean_delivered_fid_ppm" in j["stats"]' \
		'sorted(j["stats"]["discards"]) == sorted(("cutoff",
			"replaced", "link_down", "fidelity", "unclaimed",
			"deadline", "swap_failed", "purify_failed"))' \
		'all(isinstance(v, int)
		     for v in j["stats"]["discards"].values())' || return 1
	run qa stats reset dev ql0 || return 1
	run qa -j stats show || return 1
	# the node: its links' totals and its network layer's own counters
	jcheck "$out" '"ifname" not in j' '"attempts" in j["stats"]' \
		'sorted(j["network"]) == sorted(("delivered",
			"delivered_fid_sum_ppm", "mean_delivered_fid_ppm",
			"swaps_ok", "swaps_failed", "purify_ok",
			"purify_failed", "discards", "rx_drops"))' \
		'j["network"]["delivered"] == 0' \
		'j["network"]["rx_drops"]["bad_errno"] == 0' || return 1
	run qa stats show || return 1
	grep -q '^    network:$' <<<"$out" || return 1
	grep -q '^        discards none$' <<<"$out" || return 1
	grep -q '^        rx_drops none$' <<<"$out" || return 1
	run qa stats reset
}

# Refused by the kernel: its extack message, a non-zero exit, no change.
test_kernel_errors() {
	refused '^Error: integer out of range$' qa link set ql0 slots 65 ||
		return 1
	refused '^Error: integer out of range$' qa link set ql0 length 2000km ||
		return 1
	refused '^Error: integer out of range$' \
		qa link set ql0 source-fidelity 0.1 || return 1
	# Checked as a whole: each value is in range, together they are not.
	refused '^Error: qnet: length_m: success probability per attempt below 1e-9' \
		qa link set ql0 dark 0 length 1000km atten 10 || return 1
	refused '^Error: qnet: alpha_ppm must be above 0 for single-click' \
		qa link set ql0 scheme single-click alpha 0 || return 1
	run qa -j link show ql0 || return 1
	jcheck "$out" 'j[0]["slots"] == 3' 'j[0]["length_m"] == 12500' \
		'j[0]["dark_rate_hz"] == 25' 'j[0]["atten_mdb_km"] == 250' \
		'j[0]["scheme"] == "double-click"' 'j[0]["alpha_ppm"] == 50000' ||
		return 1
	refused '^Error: qnet: node address 0 is reserved' \
		qa node set addr 0 || return 1
	refused '^Error: integer out of range$' \
		qa node set readout-err 0.6 || return 1
	refused '^Error: integer out of range$' qa node set bsm-eff 0 ||
		return 1
	refused '^Error: qnet: route destination 0 is reserved' \
		qa route add 0 dev ql0 || return 1
	refused "^Error: qnet: route to this node's own address" \
		qa route add 1 dev ql0 || return 1
	refused '^Error: qnet: no route to this destination' qa route del 99 ||
		return 1
	refused '^Error: qnet: not a qlink device' qa link show lo || return 1
	refused '^Error: qnet: not a qlink device' qa link set lo length 1km ||
		return 1
	refused '^Error: qnet: not a qlink device' qa route add 5 dev lo ||
		return 1
	refused '^Error: qnet: not a qlink device' qa stats show dev lo ||
		return 1
	refused '^Error: qnet: not a qlink device' qa link del lo || return 1
	has_dev "$A" lo || fail "link del removed lo" || return 1
	# Refused parameters undo the add.
	refused '^Error: integer out of range$' \
		qa link add ql8 peer ql9 source-fidelity 0.1 || return 1
	absent "$A" ql8
}

# Refused by qnetctl itself, before anything is sent.
test_parse_errors() {
	refused '^Error: argument "2x" is not a valid length$' \
		qa link set ql0 length 2x || return 1
	refused '^Error: unknown link parameter "foo"$' \
		qa link set ql0 foo 1 || return 1
	refused '^Error: argument "10" is not a valid time$' \
		qa link set ql0 t1 10 || return 1
	refused '^Error: argument "150%" is not a valid probability$' \
		qa link set ql0 efficiency 150% || return 1
	refused '^Error: argument "1.2.3.4.5" is not a valid node address$' \
		qa node set addr 1.2.3.4.5 || return 1
	refused '^Error: cannot find device "nosuch0"$' \
		qa link set nosuch0 length 1km || return 1
	refused '^Error: unknown command "frob"' qa link frob || return 1
	refused '^Error: unknown link parameter "bogus"$' \
		qa link add ql8 peer ql9 bogus 1 || return 1
	absent "$A" ql8
}

test_batch() {
	cat >"$tmp/ok.batch" <<-EOF
	# configure node $A in one go

	node set addr 7      # a trailing comment
	   link set ql0 "cutoff" 10ms
	route add 2 dev ql0 metric 3
	EOF
	run "$QNETCTL" -n "$A" -b "$tmp/ok.batch" || return 1
	run qa -j node show || return 1
	jcheck "$out" 'j["addr"] == 7' || return 1
	run qa -j link show ql0 || return 1
	jcheck "$out" 'j[0]["cutoff_ns"] == 10000000' || return 1
	run qa -j route show 2 || return 1
	jcheck "$out" 'j[0]["metric"] == 3' || return 1

	# a line may name its netns; the next is back where the batch began
	printf -- '-n %s route add 3 dev ql0\nnode show\n' "$A" >"$tmp/ns.batch"
	run "$QNETCTL" -j -b "$tmp/ns.batch" || return 1
	run qa -j route show 3 || return 1
	jcheck "$out" 'j[0]["dev"] == "ql0"' || return 1
	run qa route del 3 || return 1
	# ... and ql0 is not in the batch's own netns
	printf -- '-n %s node show\nroute add 3 dev ql0\n' "$A" >"$tmp/ns.batch"
	refused '^Error: cannot find device "ql0"' \
		"$QNETCTL" -b "$tmp/ns.batch" || return 1

	printf 'route del 2\nroute del 2\nnode set addr 9\n' >"$tmp/bad.batch"
	refused "^Command failed $tmp/bad.batch:2\$" \
		"$QNETCTL" -n "$A" -batch "$tmp/bad.batch" || return 1
	grep -q '^Error: qnet: no route to this destination' "$tmp/err" ||
		fail "the batch did not print the kernel's error" || return 1
	run qa -j node show || return 1
	jcheck "$out" 'j["addr"] == 7' || return 1
	# From stdin; and back to node 1.
	echo "node set addr 1" | "$QNETCTL" -n "$A" -b - ||
		fail "batch from stdin" || return 1
	run qa -j node show || return 1
	jcheck "$out" 'j["addr"] == 1'
}

test_netns_option() {
	local via_exec
	via_exec=$(ip netns exec "$A" "$QNETCTL" -j link show) ||
		fail "ip netns exec qnetctl" || return 1
	run "$QNETCTL" -netns "$A" -j link show || return 1
	jcheck2 "$out" "$via_exec" \
		'[x["ifname"] for x in j] == [x["ifname"] for x in k]' ||
		fail "-n and ip netns exec disagree" || return 1
	run "$QNETCTL" -j link show || return 1
	jcheck "$out" 'not any(x["ifname"] == "ql0" for x in j)' || return 1
	refused "^Error: cannot open network namespace \"nosuch-$$\"" \
		"$QNETCTL" -n "nosuch-$$" node show
}

# More links than one dump part holds (~500 bytes each, parts of at most
# 32 KiB): each shows up exactly once, in ifindex order.
test_link_dump() {
	local i n=80
	for i in $(seq 0 $((n - 1))); do
		echo "link add qd$i peer qd$i peer-netns $B"
	done >"$tmp/add.batch"
	sed 's/^link add \(qd[0-9]*\).*/link del \1/' "$tmp/add.batch" \
		>"$tmp/del.batch"
	run qa -b "$tmp/add.batch" || return 1
	run qa -j -s link show || return 1
	[ "${#out}" -gt 32768 ] || fail "only ${#out} bytes of JSON" || return 1
	jcheck "$out" "len(j) == $n + 1" \
		'[x["ifindex"] for x in j] == sorted({x["ifindex"] for x in j})' \
		"sorted(x['ifname'] for x in j) == sorted(['ql0'] +
			['qd%d' % i for i in range($n)])" || return 1
	run qb -j link show || return 1
	jcheck "$out" "len(j) == $n + 1" || return 1
	run qa -b "$tmp/del.batch" || return 1
	run qb -j link show || return 1
	jcheck "$out" '[x["ifname"] for x in j] == ["ql1"]'
}

# An event the test causes shows up while the monitor is still running.
test_monitor() {
	local i

	"$QNETCTL" -n "$A" -j monitor >"$tmp/mon" 2>"$tmp/mon.err" &
	monitor_pid=$!
	# It may not have joined the group yet: toggle until it sees a down.
	for i in $(seq 1 40); do
		ip -n "$A" link set ql0 down
		ip -n "$A" link set ql0 up
		grep -q '"ifname":"ql0","oper_up":false' "$tmp/mon" && break
		kill -0 "$monitor_pid" 2>/dev/null || break
		sleep 0.25
	done
	kill -0 "$monitor_pid" 2>/dev/null ||
		fail "monitor exited: $(cat "$tmp/mon.err")" || return 1
	kill "$monitor_pid"
	wait "$monitor_pid" 2>/dev/null
	monitor_pid=
	grep -q . "$tmp/mon" || fail "monitor printed nothing" || return 1
	# One JSON object per line: make them an array.
	jcheck "[$(paste -sd, "$tmp/mon")]" \
		'all(isinstance(e["oper_up"], bool) for e in j
			if e["event"] == "link-state")' \
		'any(e["event"] == "link-state" and e["ifname"] == "ql0" and
			e["oper_up"] is False for e in j)'
}

test_link_del() {
	run qa route add 2 dev ql0 || return 1
	run qa link del ql0 || return 1
	absent "$A" ql0 || return 1
	absent "$B" ql1 || return 1
	# Its route went with it.
	run qa -j route show || return 1
	jcheck "$out" 'j == []'
}

# qnetctl model: qnet-model's figures (the kernel's physics core), the
# same bytes in JSON; -p indents; bad input exits non-zero, names it.
test_model() {
	local model=$top/userspace/model/qnet-model
	local args=(link length 25km scheme double-click hops 2 purify 1)

	run "$QNETCTL" -j model "${args[@]}" || return 1
	[ "$out" = "$("$model" -j "${args[@]}")" ] ||
		fail "qnetctl -j model differs from qnet-model -j" || return 1
	jcheck "$out" 'j["path"]["links"] == 2' \
		'0 < j["path"]["fidelity"] <= 1' || return 1
	run "$QNETCTL" -j -p model "${args[@]}" || return 1
	[ "$(wc -l <<<"$out")" -gt 10 ] || fail "-p did not indent" || return 1
	run "$QNETCTL" model help || return 1
	grep -q '^Usage: qnetctl model ' <<<"$out" || return 1
	refused '^qnetctl model: unknown option "lenght"' \
		"$QNETCTL" model link lenght 3km
}

tests=(
	link_add_peer_netns
	link_show_json
	link_set_round_trip
	link_params_shared
	link_add_netns_from_init
	node_set_show
	route_add_show_del
	route_default_metric
	route_append
	stats
	kernel_errors
	parse_errors
	batch
	netns_option
	link_dump
	monitor
	link_del
	model
)

# ---- setup and run ----------------------------------------------------------

echo "TAP version 13"
if [ "$(id -u)" != 0 ] || [ -z "$PY" ] || [ ! -x "$QNETCTL" ]; then
	echo "1..0 # SKIP needs root, python3 and $QNETCTL (make userspace)"
	exit $ksft_skip
fi
if [ ! -d /sys/module/qnet ]; then
	insmod "$QNET_KO" || { echo "Bail out! insmod $QNET_KO failed"; exit 1; }
	loaded=1
fi
if ! ip netns add "$A" || ! ip netns add "$B"; then
	echo "Bail out! ip netns add failed"
	exit 1
fi

start_checker
echo "1..${#tests[@]}"
n=0
failed=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	start=$SECONDS
	if "test_$t"; then
		result=ok
	else
		result="not ok"
		failed=$((failed + 1))
	fi
	echo "# $t: $((SECONDS - start)) s"
	echo "$result $n qnetctl.$t"
done
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
