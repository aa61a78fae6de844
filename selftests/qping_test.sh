#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qping (userspace/examples/qping.c) and tools/qnet-top, as root inside
# the test VM, over a 3-node chain built with tools/qnet-topo:
#
#   p-a (1) ===== p-r (2) ===== p-b (3)
#
# Every link: direct transmission, 2 km, source fidelity 0.95, no dark
# counts, no decoherence, unpaced: each link pair is exactly Werner
# F = 0.95, and each end-to-end pair exactly the swap composition, Werner
# with w = w1^2, F = (3 w1^2 + 1)/4 = 0.903333 (w1 = (4 * 0.95 - 1)/3),
# whatever the waits were (userspace/model/qnet-model gives the same).
# So the bound on qping's mean fidelity is not statistical: every record
# carries the composition rounded to a ppm (+-1e-6, as chain_test checks),
# their mean is within that too, and qping prints it to 6 decimals
# (+-5e-7): |avg - F| <= 1.5e-6, and min = max likewise.

. "$(dirname "$0")/qnet_apps.sh"

topo=$tmp/p3
cat >"$topo" <<TOPO
node p-a 1
node p-r 2
node p-b 3
defaults scheme direct length 2km source-fidelity 0.95 efficiency 0.8 dark 0 t1 0 t2 0 time-scale 0
link p-a p-r dev qr peer ql seed $((RANDOM + 1))
link p-r p-b dev qr peer ql seed $((RANDOM + 1))
TOPO

# the "fidelity min/avg/max/mdev = ..." numbers of qping's output FILE
fid_line() {
	sed -n 's|^fidelity min/avg/max/mdev = \([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\)/.*|\1 \2 \3|p' "$1"
}

test_two_hops_fidelity() {
	local model want line bob rc=0 n=200
	topo_up "$topo" || return 1
	model=$("$QMODEL" -j link length 2km scheme direct fsrc 0.95 eff 0.8 dark 0 hops 2) || return 1
	want=$("$PY" -c 'import json,sys; print("%.9f" % json.loads(sys.argv[1])["path"]["fidelity_e2e"])' "$model")
	echo "# predicted F $want (closed form 0.903333...)"
	ip netns exec p-b "$QPING" -l -q -c $n >"$tmp/bob" 2>&1 &
	bob=$!
	wait_listen p-b 7 || return 1
	ip netns exec p-a "$QPING" -q -c $n 3 >"$tmp/alice" 2>&1 || rc=$?
	wait "$bob" || rc=$((rc + 16 * $?))
	sed 's/^/# /' "$tmp/alice"
	[ "$rc" = 0 ] || { fail "qping exited $rc: $(cat "$tmp/bob")"; return 1; }
	grep -q "^$n pairs asked, $n delivered" "$tmp/alice" || fail "alice: not $n pairs" || return 1
	grep -q "^$n pairs asked, $n delivered" "$tmp/bob" || fail "bob: not $n pairs" || return 1
	for f in "$tmp/alice" "$tmp/bob"; do
		line=$(fid_line "$f")
		awk -v w="$want" -v l="$line" 'BEGIN {
			split(l, f, " ");
			d = f[2] - w; if (d < 0) d = -d;
			e = f[3] - f[1]; if (e < 0) e = -e;
			if (f[2] == "" || d > 1.5e-6 || e > 1e-6) {
				printf "# FAIL: min/avg/max %s vs %s\n", l, w; exit 1 }
		}' || return 1
	done
}

# -i: 3 requests of one pair, 0.4 s apart, take at least 0.8 s of wall
# clock; -w: a 1.2 s deadline with one pair a second stops short of 5
# pairs with exit status 1 (a pair arrives within milliseconds, so it
# gets at least 1 and, at 0, 1 and 1 s, at most 2: 0 < n < 5)
test_interval_and_deadline() {
	local t0 t1 bob rc=0 got
	ip netns exec p-b "$QPING" -l -q -c 3 >"$tmp/bob" 2>&1 &
	bob=$!
	wait_listen p-b 7 || return 1
	t0=$(date +%s%N)
	ip netns exec p-a "$QPING" -c 3 -i 0.4 3 >"$tmp/alice" 2>&1 || rc=$?
	t1=$(date +%s%N)
	wait "$bob" || rc=$((rc + 16 * $?))
	[ "$rc" = 0 ] || { fail "qping -i exited $rc"; return 1; }
	[ $(grep -c '^pair ' "$tmp/alice") = 3 ] || fail "-i: not 3 pair lines" || return 1
	[ $(((t1 - t0) / 1000000)) -ge 800 ] || fail "-i 0.4 x 3 took $(((t1 - t0) / 1000000)) ms" || return 1

	# Bob outlives Alice (he ends when she closes), so her -w alone
	# stops her: requests at 0, 1 and 2 s go out before 2.5 s, the
	# last two never do. (A slow start only means fewer pairs.)
	ip netns exec p-b "$QPING" -l -q -w 30 >/dev/null 2>&1 &
	bob=$!
	wait_listen p-b 7 || return 1
	rc=0
	ip netns exec p-a "$QPING" -q -c 5 -i 1 -w 2.5 3 >"$tmp/alice" 2>&1 || rc=$?
	wait "$bob"
	got=$(sed -n 's/^5 pairs asked, \([0-9]*\) delivered.*/\1/p' "$tmp/alice")
	[ "$rc" = 1 ] || fail "-w: exit $rc, expected 1: $(cat "$tmp/alice")" ||
		return 1
	[ -n "$got" ] && [ "$got" -gt 0 ] && [ "$got" -lt 5 ] ||
		fail "-w 2.5: '$got' pairs" || return 1
}

# qnet-top --once -j shows the same counters as qnetctl (nothing runs in
# between, so they are exact), and its text frame names every link
test_qnet_top_once() {
	local top qc
	top=$("$QTOP" --once -j p-a p-r p-b) || { fail "qnet-top"; return 1; }
	qc=$("$QNETCTL" -j -s -n p-r link show) || return 1
	pycheck '
import json, sys
top, qc = json.loads(sys.argv[1]), json.loads(sys.argv[2])
r = [n for n in top if n["netns"] == "p-r"][0]
ok = r["addr"] == 2 and len(r["links"]) == 2
for l in qc:
    t = [x for x in r["links"] if x["ifname"] == l["ifname"]][0]
    for k in ("attempts", "heralded", "delivered", "swaps_ok", "mean_fidelity_ppm"):
        if t[k] != l["stats"][k]:
            print("# FAIL: %s %s: qnet-top %d, qnetctl %d" % (l["ifname"], k, t[k], l["stats"][k]))
            ok = False
s = r["total"]
ok = ok and s["swaps_ok"] == sum(l["stats"]["swaps_ok"] for l in qc) and s["swaps_ok"] >= 203
sys.exit(0 if ok else 1)' "$top" "$qc" || { echo "# $top"; return 1; }
	"$QTOP" --once p-a p-r p-b >"$tmp/frame" || return 1
	sed 's/^/# /' "$tmp/frame"
	grep -q '^  qr -> 2' "$tmp/frame" && grep -q '^p-r (node 2)' "$tmp/frame" ||
		fail "text frame"
}

test_down() {
	topo_down "$topo"
}

apps_main qping two_hops_fidelity interval_and_deadline qnet_top_once down
