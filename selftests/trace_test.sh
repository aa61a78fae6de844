#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qnet's trace events (kernel/qnet_trace.h, Documentation/tracing.rst),
# read through tracefs as root inside the test VM, against what the same
# run records elsewhere: qping's records and the links' counters.
#
#   t-a (1) ===== t-r (2) ===== t-b (3)
#
# One qping request of N pairs at a minimum fidelity of 0.92: each link
# gives 0.95 and two of those swapped give 0.903, so the binding ends
# purify their links once (to about 0.965) and the end-to-end pairs come
# out at about 0.93: every event fires, in one run under 30 s.
#
# Needs tracefs: a kernel without CONFIG_TRACING has none, and the test
# says so and skips (Debian's kernel and tools/debug-kernel.config have
# it).

. "$(dirname "$0")/qnet_apps.sh"

N=10
events=(qnet_engine_event qnet_herald qnet_expire qnet_frame_send
	qnet_frame_recv qnet_discard qnet_swap qnet_purify qnet_deliver
	qnet_request_start qnet_request_end)

# tracefs: where it is mounted, else mounted at /sys/kernel/tracing
find_tracefs() {
	local d
	d=$(awk '$3 == "tracefs" { print $2; exit }' /proc/mounts)
	if [ -z "$d" ]; then
		grep -qw tracefs /proc/filesystems || return 1
		mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || return 1
		d=/sys/kernel/tracing
	fi
	echo "$d"
}

if ! T=$(find_tracefs); then
	echo "TAP version 13"
	echo "1..0 # SKIP no tracefs: kernel $(uname -r) was built without CONFIG_TRACING"
	exit $ksft_skip
fi

trace_off() {
	[ -w "$T/events/qnet/enable" ] && echo 0 >"$T/events/qnet/enable"
	echo 0 >"$T/tracing_on"
	echo >"$T/trace"
}
trap 'trace_off 2>/dev/null; apps_cleanup' EXIT

# every qnet event enabled, an empty buffer big enough for the run
trace_start() {
	echo 0 >"$T/tracing_on"
	echo 4096 >"$T/buffer_size_kb" || return 1
	echo >"$T/trace"
	echo 1 >"$T/events/qnet/enable" || return 1
	echo 1 >"$T/tracing_on"
}

# stop and save the qnet lines, and the buffers' overrun counts; the
# frames the closing sockets sent have arrived by then (unpaced links)
trace_save() {	# FILE
	sleep 1
	echo 0 >"$T/tracing_on"
	echo 0 >"$T/events/qnet/enable"
	grep -E ' qnet_[a-z_]+: ' "$T/trace" >"$1"
	cat "$T"/per_cpu/cpu*/stats | awk '/^overrun:/ { n += $2 } END { print n + 0 }' >"$1.overrun"
	echo "# $(wc -l <"$1") qnet events"
}

test_events_listed() {
	local e
	for e in "${events[@]}"; do
		[ -r "$T/events/qnet/$e/format" ] || fail "no $T/events/qnet/$e" || return 1
	done
	# the fields the documentation names, in the format files
	grep -q 'field:u64 pair_id;' "$T/events/qnet/qnet_deliver/format" &&
		grep -q 'field:u32 fidelity_ppm;' "$T/events/qnet/qnet_deliver/format" &&
		grep -q 'field:u64 time_ns;' "$T/events/qnet/qnet_herald/format" &&
		grep -q 'field:u8 cause;' "$T/events/qnet/qnet_expire/format" &&
		grep -q 'field:u64 arrive_ns;' "$T/events/qnet/qnet_frame_recv/format" &&
		grep -q '"HERALD"' "$T/events/qnet/qnet_frame_send/format" ||
		fail "format files lack documented fields"
}

chain=$tmp/t3
cat >"$chain" <<TOPO
node t-a 1
node t-r 2
node t-b 3
defaults scheme direct length 2km source-fidelity 0.95 efficiency 0.8 dark 0 t1 0 t2 0 time-scale 0 slots 4
link t-a t-r dev qr peer ql seed 11
link t-r t-b dev qr peer ql seed 12
TOPO

# what qnetctl -j -s says of every link end, one JSON list per node
link_stats() {	# NODE...
	local n
	echo "{"
	for n in "$@"; do
		printf '"%s": ' "$n"
		"$QNETCTL" -j -s -n "$n" link show || return 1
		[ "$n" = "${!#}" ] || echo ","
	done
	echo "}"
}

# the checks shared by both runs, over the saved trace, qping's records
# and the links' counters: pycheck TRACE ALICE BOB STATS NODES...
check_trace='
import collections, json, re, sys

trace, alice, bob, stats = sys.argv[1:5]
nodes = json.loads(sys.argv[5])		# netns name -> node address
ok = True

def bad(msg):
    global ok
    print("# FAIL: " + msg)
    ok = False

ev = []
for line in open(trace):
    m = re.search(r" (qnet_[a-z_]+): (.*)$", line)
    if m:
        f = dict(re.findall(r"(\w+)=(\S+)", m.group(2)))
        f["_ev"] = m.group(1)
        ev.append(f)
if int(open(trace + ".overrun").read()) != 0:
    bad("the trace buffer overran")
by = collections.defaultdict(list)
for e in ev:
    by[e["_ev"]].append(e)
print("# " + " ".join("%s %d" % (k[5:], len(v)) for k, v in sorted(by.items())))

def records(path):
    r = {}
    for line in open(path):
        m = re.match(r"pair (\d+): \S+ F=([0-9.]+) .* t=([0-9.]+) s$", line)
        if m:
            r[int(m.group(1))] = (round(float(m.group(2)) * 1e6), float(m.group(3)))
    return r

# deliveries: one event per record, at each end, same pair, fidelity, time
head, tail = min(nodes.values()), max(nodes.values())
for path, node, role in ((alice, head, "head"), (bob, tail, "tail")):
    rec = records(path)
    dl = [e for e in by["qnet_deliver"] if int(e["node"]) == node]
    if len(rec) != N or len(dl) != N:
        bad("node %d: %d records, %d qnet_deliver events, want %d" % (node, len(rec), len(dl), N))
    for e in dl:
        pid = int(e["pair"])
        if e["role"] != role:
            bad("node %d: deliver role %s" % (node, e["role"]))
        if pid not in rec:
            bad("node %d: traced pair %d is in no record" % (node, pid))
            continue
        fid, t = rec[pid]
        if int(e["fid_ppm"]) != fid or abs(int(e["t"]) / 1e9 - t) > 1e-6:
            bad("node %d pair %d: trace fid %s t %s, record %d %.6f" % (node, pid, e["fid_ppm"], e["t"], fid, t))
    if set(rec) != set(int(e["pair"]) for e in dl):
        bad("node %d: records and qnet_deliver name other pairs" % node)

# requests: one start and one end at every node, all pairs, no error
for node in nodes.values():
    st = [e for e in by["qnet_request_start"] if int(e["node"]) == node]
    en = [e for e in by["qnet_request_end"] if int(e["node"]) == node]
    if len(st) != 1 or len(en) != 1:
        bad("node %d: %d request starts, %d ends" % (node, len(st), len(en)))
        continue
    if st[0]["req"] != en[0]["req"] or en[0]["err"] != "0" or en[0]["delivered"] != "%d/%d" % (N, N):
        bad("node %d: request %s..%s ended %s err %s" % (node, st[0]["req"], en[0]["req"], en[0]["delivered"], en[0]["err"]))
    if int(en[0]["t"]) < int(st[0]["t"]):
        bad("node %d: request ends before it starts" % node)

# per link end: heralds, expiries, frames sent = the counters
st = json.loads(open(stats).read())
for ns, links in st.items():
    node = nodes[ns]
    for l in links:
        idx, s = str(l["ifindex"]), l["stats"]
        for evn, key, want in (("qnet_herald", "ifindex", s["heralded"]),
                               ("qnet_expire", "ifindex", s["expired"])):
            got = sum(1 for e in by[evn] if int(e["node"]) == node and e[key] == idx)
            if got != want:
                bad("%s %s: %d %s events, counter %d" % (ns, l["ifname"], got, evn, want))
        got = sum(1 for e in by["qnet_frame_send"] if int(e["src"]) == node and e["ifindex"] == idx)
        if got != s["tx_packets"]:
            bad("%s %s: %d frames sent traced, tx_packets %d" % (ns, l["ifname"], got, s["tx_packets"]))
        if l["ifname"] == "qr" and s["heralded"] == 0:
            bad("%s %s: no heralds" % (ns, l["ifname"]))

# every frame sent arrives, as sent: same type, source, date and arrival
key = lambda e: (e["type"], e["src"], e["sent"], e["arrive"], e["circuit"], e["pair"])
sent = collections.Counter(key(e) for e in by["qnet_frame_send"])
recv = collections.Counter(key(e) for e in by["qnet_frame_recv"])
if sent != recv or not sent:
    bad("frames sent and received differ: %d sent, %d received" % (sum(sent.values()), sum(recv.values())))
for e in by["qnet_frame_send"]:
    if int(e["arrive"]) < int(e["sent"]):
        bad("frame arrives before it is sent: " + str(e))
        break
    # a herald or expiry names its pair, a circuit message its circuit
    if (e["pair"] == "0") != (e["type"] not in ("HERALD", "EXPIRE")) or \
       (e["circuit"].startswith("0:")) != (e["type"] in ("HERALD", "EXPIRE")):
        bad("frame without its pair or circuit: " + str(e))
        break

# the engine: each domain runs its events in (time, seq) order, and the
# time of every qnet event is one the engine was at or reached
last = {}
for e in by["qnet_engine_event"]:
    k = (int(e["t"]), int(e["seq"]))
    if e["dom"] in last and k <= last[e["dom"]]:
        bad("engine: dom %s ran (%d, %d) after (%d, %d)" % ((e["dom"],) + k + last[e["dom"]]))
        break
    last[e["dom"]] = k
arrivals = sum(1 for e in by["qnet_engine_event"] if e["run"].startswith("qlink_frame_arrive"))
if arrivals != len(by["qnet_frame_recv"]):
    bad("%d frame arrival events, %d qnet_frame_recv" % (arrivals, len(by["qnet_frame_recv"])))

sys.exit(0 if ok else 1)
'

run_qping() {	# HEAD_NS TAIL_NS TAIL_ADDR [QPING_ARGS...]
	local a=$1 b=$2 addr=$3 bob rc=0
	shift 3
	ip netns exec "$b" "$QPING" -l -c $N >"$tmp/bob" 2>&1 &
	bob=$!
	wait_listen "$b" 7 || return 1
	ip netns exec "$a" "$QPING" -c $N "$@" "$addr" >"$tmp/alice" 2>&1 || rc=$?
	wait "$bob" || rc=$((rc + 16 * $?))
	[ "$rc" = 0 ] || fail "qping exited $rc: $(tail -3 "$tmp/alice") / $(tail -3 "$tmp/bob")"
}

test_chain_request() {
	topo_up "$chain" || return 1
	trace_start || { fail "cannot enable events/qnet"; return 1; }
	run_qping t-a t-b 3 -F 0.92 || return 1
	trace_save "$tmp/trace" || return 1
	link_stats t-a t-r t-b >"$tmp/stats" || return 1
	pycheck "N = $N$check_trace" "$tmp/trace" "$tmp/alice" "$tmp/bob" \
		"$tmp/stats" '{"t-a": 1, "t-r": 2, "t-b": 3}' || return 1
	# the repeater's swaps and the binding ends' purification rounds
	# (each node's qr, end 0 of its down link), as their counters say
	pycheck '
import json, re, sys
ev = [(m.group(1), dict(re.findall(r"(\w+)=(\S+)", m.group(2))))
      for m in (re.search(r" (qnet_[a-z_]+): (.*)$", l) for l in open(sys.argv[1])) if m]
st = {ns: {l["ifname"]: l["stats"] for l in ls} for ns, ls in json.loads(open(sys.argv[2]).read()).items()}
ok = True
def check(what, got, want):
    global ok
    print("# %s: %d traced, counter %d" % (what, got, want))
    ok = ok and got == want
sw = [f for n, f in ev if n == "qnet_swap"]
check("t-r swaps ok", sum(f["ok"] == "1" for f in sw), st["t-r"]["qr"]["swaps_ok"])
check("t-r swaps failed", sum(f["ok"] == "0" for f in sw), st["t-r"]["qr"]["swaps_failed"])
ok = ok and all(f["node"] == "2" for f in sw)
for ns, node in (("t-a", "1"), ("t-r", "2")):
    pu = [f for n, f in ev if n == "qnet_purify" and f["node"] == node]
    check(ns + " purify ok", sum(f["ok"] == "1" for f in pu), st[ns]["qr"]["purify_ok"])
    check(ns + " purify failed", sum(f["ok"] == "0" for f in pu), st[ns]["qr"]["purify_failed"])
    ok = ok and len(pu) > 0 and all(int(f["fid_ppm"]) > 950000 for f in pu if f["ok"] == "1")
dl = [f for n, f in ev if n == "qnet_deliver"]
ok = ok and all(int(f["purifications"]) >= 2 and f["swaps"] == "1" and int(f["fid_ppm"]) >= 920000 for f in dl)
ok = ok and all(f["node"] in ("1", "2") for n, f in ev if n == "qnet_purify")
sys.exit(0 if ok else 1)' "$tmp/trace" "$tmp/stats" || return 1
	topo_down "$chain"
}

apps_main trace events_listed chain_request
