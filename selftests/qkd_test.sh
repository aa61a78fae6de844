#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qkd (userspace/examples/qkd.c) end to end, as root inside the test VM,
# over chains built with tools/qnet-topo:
#
#   key:   kk-a ===== kk-b                    classical channel: unix socket
#   hop1:  k1-a ===== k1-b                    classical channel: unix socket
#   hop3:  k3-a ===== k3-r1 ===== k3-r2 ===== k3-b
#          k3-a <-------- veth, IPv4 --------> k3-b   classical channel: TCP
#
# Every link: direct transmission, 2 km, source fidelity FSRC (0.99 for
# "key", 0.95 for hop1, 0.85 for hop3), no dark counts, no memory
# decoherence (t1 = t2 = 0), unpaced. Then every link pair is exactly the
# Werner state of F = FSRC, and every end-to-end pair over L links exactly
# the swap composition, Werner with w = w1^L, F_L = (3 w^L + 1)/4,
# w1 = (4 FSRC - 1)/3, whatever the waits were. Its QBER is
# 2 (1 - F_L)/3 in every basis.
#
# The runs: "key" (60000 pairs at QBER 0.0067) must make a key; hop1
# (2700 pairs) must abort because the block is too short to leave one;
# hop3 (QBER 0.244) must abort on the QBER threshold (0.11: the sample
# of about 170 bits per basis has a standard deviation of 0.033, so it
# is 4 deviations away). An aborted run writes no key file and exits 1
# with the reason on stderr. The prediction comes from the
# physics core through userspace/model/qnet-model (fidelity_e2e, qber_z,
# qber_x); the closed form is logged next to it.
#
# What is checked, for every run:
#  - a run with a key: both ends reconciled, the two key files are
#    identical (cmp) and hold final_key_bits bits, and final_key_bits is
#    the formula of Documentation/qkd.rst recomputed here from the
#    counts both ends printed;
#  - the mean delivered fidelity is the prediction to 2e-6: every record
#    carries the composition rounded to a ppm (+-1e-6, as chain_test
#    checks) and qkd prints the mean to 6 decimals (+-5e-7);
#  - counts that are binomial are within a bound derived from their
#    standard deviation (below).
#
# The bound. Each end picks Z, X or Y uniformly and independently per
# pair, so a pair is sifted in Z (both Z) with probability 1/9, and in X
# likewise; sifted_z ~ Binomial(PAIRS, 1/9). Every pair is the same state,
# measured independently of the others, so after the Bell-frame
# correction each sifted bit is wrong independently with probability
# p = QBER of the delivered state in its basis. The disclosed sample is
# drawn from a seed independent of the outcomes, so the errors among the
# n_b sample bits of basis b are Binomial(n_b, p), and so are the errors
# among all n_b sifted bits of b (sample errors + bits error correction
# fixed, known exactly once the keys agree). For a Binomial(n, p) count k
# we require
#
#     |k - n p| <= 5 sqrt(n p (1 - p)) + 1
#
# 5 standard deviations (a two-sided normal tail of 5.7e-7; the + 1 covers
# the discreteness of k at small n p). The sample of basis b has about
# PAIRS/9 * SAMPLE bits; at small n p the normal approximation is rough,
# so the exact binomial tails beyond the bound were computed too: 1.2e-5
# for hop1 (150 bits at QBER 1/30, n p = 5), 3.7e-6 for the sample of
# "key" (2000 bits at 0.0067, n p = 13), 1.7e-6 for all its sifted bits
# (6667), 5.3e-7 for hop3 (167 bits at 0.244). Nothing is tuned: the
# links' seeds are random.

. "$(dirname "$0")/qnet_apps.sh"

link() { echo "scheme direct length 2km source-fidelity $1 efficiency 0.8 dark 0 t1 0 t2 0 time-scale 0"; }
model_link() { echo "link length 2km scheme direct fsrc $1 eff 0.8 dark 0"; }

# chain FILE PREFIX N FSRC: a topology file of an N-node chain
chain() {
	local f=$1 p=$2 n=$3 LINK i names=(a)
	LINK=$(link "$4")
	for ((i = 1; i < n - 1; i++)); do names+=("r$i"); done
	names+=(b)
	{
		echo "defaults $LINK"
		for ((i = 0; i < n; i++)); do echo "node $p-${names[i]} $((i + 1))"; done
		for ((i = 0; i < n - 1; i++)); do
			echo "link $p-${names[i]} $p-${names[i + 1]} dev qr peer ql seed $((RANDOM + 1))"
		done
	} >"$f"
}

# run_qkd PREFIX NODES PAIRS SAMPLE EXPECT CHANNEL_BOB CHANNEL_ALICE
# EXPECT: key, or the message an abort prints on both ends' stderr
run_qkd() {
	local p=$1 nodes=$2 pairs=$3 s=$4 expect=$5 cb=$6 ca=$7 bob rc=0

	head -c 32 /dev/urandom >"$tmp/psk"
	ip netns exec "$p-b" "$QKD" -l -j -p 9 -K "$tmp/psk" ${cb:+-C "$cb"} \
		-o "$tmp/$p.keyb" >"$tmp/$p.bob" 2>"$tmp/$p.bob.err" &
	bob=$!
	ip netns exec "$p-a" "$QKD" -j -p 9 -K "$tmp/psk" -n "$pairs" -s "$s" \
		-e 0.5 ${ca:+-C "$ca"} -o "$tmp/$p.keya" "$nodes" \
		>"$tmp/$p.alice" 2>"$tmp/$p.alice.err" || rc=$?
	wait "$bob" || rc=$((rc + $? * 16))
	if [ "$expect" = key ]; then
		if [ "$rc" != 0 ]; then
			fail "qkd exited $rc: $(cat "$tmp/$p.alice.err" "$tmp/$p.bob.err")"
			return 1
		fi
		cmp "$tmp/$p.keya" "$tmp/$p.keyb" || fail "the key files differ"
		return
	fi
	echo "# alice: $(cat "$tmp/$p.alice.err")"
	[ "$rc" = 17 ] || fail "qkd exited $rc, not 1 at both ends"
	grep -q "$expect" "$tmp/$p.alice.err" && grep -q "$expect" "$tmp/$p.bob.err" ||
		fail "no '$expect' on stderr at both ends"
	[ ! -e "$tmp/$p.keya" ] && [ ! -e "$tmp/$p.keyb" ] || fail "an aborted run wrote a key file"
	[ "$rc" = 17 ]
}

CHECK='
import json, math, sys
model = json.loads(sys.argv[1])["path"]
a, b = (json.load(open(f)) for f in sys.argv[2:4])
links, pairs, keylen, fsrc = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
expect = sys.argv[8]
bad = []
def check(what, ok):
    print("# %s: %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        bad.append(what)
def binom(what, k, n, p):
    bound = 5 * math.sqrt(n * p * (1 - p)) + 1
    check("%s: %d of %d, expected %.1f +- %.1f" % (what, k, n, n * p, bound),
          abs(k - n * p) <= bound)
def h(p):
    return 0 if p <= 0 else 1 if p >= 0.5 else -p * math.log2(p) - (1 - p) * math.log2(1 - p)
w1 = (4 * fsrc - 1) / 3
f = (3 * w1 ** links + 1) / 4
print("# model: F %.6f QBER z %.6f x %.6f; closed form F %.6f QBER %.6f" %
      (model["fidelity_e2e"], model["qber_z"], model["qber_x"], f, 2 * (1 - f) / 3))
check("model agrees with the closed form", abs(model["fidelity_e2e"] - f) < 1e-9)
for d in a, b:
    r = d["role"]
    check(r + " got every pair", d["pairs"] == pairs)
    check(r + " bell states agree", d["bell_mismatch"] == 0)
    check("%s mean fidelity %.6f vs %.6f" % (r, d["mean_fidelity"], model["fidelity_e2e"]),
          abs(d["mean_fidelity"] - model["fidelity_e2e"]) <= 2e-6)
    check(r + " result " + d["result"], d["result"] == expect)
for k in ("sifted_z", "sifted_x", "sample_z", "sample_x", "errors_z", "errors_x",
          "key_bits", "ec_leaked_bits", "final_key_bits", "result", "secret_fraction"):
    check("both ends agree on " + k, a[k] == b[k])
for x in "zx":
    q = model["qber_" + x]
    binom("sifted in " + x, a["sifted_" + x], pairs, 1 / 9)
    binom("sample errors in " + x, a["errors_" + x], a["sample_" + x], q)
# the finite-key length (Documentation/qkd.rst), from the printed counts
M, es, ec = 23 * 23, 1e-10, 1e-15
n = [a["key_z"], a["key_x"]]
k = [a["sample_z"], a["sample_x"]]
e = [a["errors_z"], a["errors_x"]]
qt = [math.ceil(e[i] / k[i] / 0.005 - 1e-9) * 0.005 for i in (0, 1)]
mu = [math.sqrt((n[i] + k[1 - i]) / (n[i] * k[1 - i]) * (k[1 - i] + 1) / k[1 - i] *
                math.log(4 * M / es)) if n[i] else 0 for i in (0, 1)]
ent = sum(n[i] * (1 - h(min(0.5, qt[1 - i] + mu[i]))) for i in (0, 1))
pa = math.log2(2 * M * M / (es * es * ec))
if expect == "key":
    l = math.floor(ent - a["ec_leaked_bits"] - pa)
    check("final_key_bits %d = floor(%.1f - %d - %.1f) = %d" %
          (a["final_key_bits"], ent, a["ec_leaked_bits"], pa, l), a["final_key_bits"] == l)
    check("key file holds final_key_bits", keylen == (l + 7) // 8 and l > 0)
    check("alice corrected nothing", a["corrected"] == 0)
    for d in a, b:
        check(d["role"] + " reconciled", d["reconciled"] is True)
    for x in "zx":
        binom("all errors in " + x, a["errors_" + x] + b["corrected_" + x],
              a["sifted_" + x], model["qber_" + x])
elif expect == "abort_short":
    check("a leak-free correction leaves nothing: %.1f - %.1f <= 0" % (ent, pa),
          math.floor(ent - pa) <= 0)
elif expect == "abort_qber":
    check("QBER above 0.11: %.4f, %.4f" % (a["qber_z"], a["qber_x"]),
          max(a["qber_z"], a["qber_x"]) > 0.11)
r = max(0, 1 - sum(h(q) for q in (a["qber_z"], a["qber_x"])))
check("asymptotic fraction is 1 - h(Qx) - h(Qz)", abs(r - a["secret_fraction"]) < 1e-5)
check("PLOB at eta 0.5 is 1 bit per use", abs(a["plob_bits_per_use"] - 1) < 1e-6)
sys.exit(1 if bad else 0)
'

# check PREFIX LINKS PAIRS FSRC EXPECT
check_run() {
	local p=$1 links=$2 pairs=$3 model
	model=$("$QMODEL" -j $(model_link "$4") hops "$links") || { fail "qnet-model"; return 1; }
	pycheck "$CHECK" "$model" "$tmp/$p.alice" "$tmp/$p.bob" "$links" "$pairs" \
		"$(stat -c %s "$tmp/$p.keya" 2>/dev/null || echo 0)" "$4" "$5"
}

# 60000 pairs at QBER 0.0067: about 6700 sifted bits per basis, a key
test_key() {
	chain "$tmp/kk" kk 2 0.99
	topo_up "$tmp/kk" || return 1
	run_qkd kk 2 60000 0.3 key "" "" || return 1
	check_run kk 1 60000 0.99 key || return 1
	topo_down "$tmp/kk"
}

# 2700 pairs: about 150 sample bits per basis, n p = 5 at QBER 1/30
test_one_hop_unix() {
	chain "$tmp/k1" k1 2 0.95
	topo_up "$tmp/k1" || return 1
	run_qkd k1 2 2700 0.5 "too short" "" "" || return 1
	check_run k1 1 2700 0.95 abort_short || return 1
	topo_down "$tmp/k1"
}

# 3000 pairs: about 170 sample bits per basis at QBER 0.244
test_three_hops_tcp() {
	chain "$tmp/k3" k3 4 0.85
	topo_up "$tmp/k3" || return 1
	ip link add qkdv0 netns k3-a type veth peer name qkdv1 netns k3-b || return 1
	ip -n k3-a addr add 192.0.2.1/24 dev qkdv0 &&
	ip -n k3-b addr add 192.0.2.2/24 dev qkdv1 &&
	ip -n k3-a link set qkdv0 up && ip -n k3-b link set qkdv1 up || return 1
	run_qkd k3 4 3000 0.5 "QBER above the threshold" tcp:7709 tcp:192.0.2.2:7709 || return 1
	check_run k3 3 3000 0.85 abort_qber || return 1
	topo_down "$tmp/k3"
}

apps_main qkd key one_hop_unix three_hops_tcp
