#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qkd (userspace/examples/qkd.c) end to end, as root inside the test VM,
# over chains built with tools/qnet-topo:
#
#   hop1:  k1-a ===== k1-b                    classical channel: unix socket
#   hop3:  k3-a ===== k3-r1 ===== k3-r2 ===== k3-b
#          k3-a <-------- veth, IPv4 --------> k3-b   classical channel: TCP
#
# Every link: direct transmission, 2 km, source fidelity 0.95, no dark
# counts, no memory decoherence (t1 = t2 = 0), unpaced. Then every link
# pair is exactly the Werner state of F = 0.95, and every end-to-end pair
# over L links exactly the swap composition, Werner with w = w1^L,
# F_L = (3 w^L + 1)/4, w1 = (4 * 0.95 - 1)/3, whatever the waits were. Its
# QBER is 2 (1 - F_L)/3 in every basis. The prediction comes from the
# physics core through userspace/model/qnet-model (fidelity_e2e, qber_z,
# qber_x); the closed form is logged next to it.
#
# What is checked, for both runs:
#  - both ends reconciled, and the two key files are identical (cmp) and
#    hold key_bits bits;
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
# PAIRS/9 * 0.5 bits (-s 0.5); at the smallest n p below (150 bits at
# QBER 1/30, n p = 5) the normal approximation is rough, so the exact
# binomial tail beyond the bound was computed too: 1.2e-5 (83 bits at
# QBER 0.0935: 1.4e-6). Nothing is tuned: the links' seeds are random.

. "$(dirname "$0")/qnet_apps.sh"

LINK="scheme direct length 2km source-fidelity 0.95 efficiency 0.8 dark 0 t1 0 t2 0 time-scale 0"
MODEL_LINK="link length 2km scheme direct fsrc 0.95 eff 0.8 dark 0"

# chain FILE PREFIX N: a topology file of an N-node chain
chain() {
	local f=$1 p=$2 n=$3 i names=(a)
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

# run_qkd PREFIX NODES PAIRS CHANNEL_BOB CHANNEL_ALICE
run_qkd() {
	local p=$1 nodes=$2 pairs=$3 cb=$4 ca=$5 bob rc=0

	ip netns exec "$p-b" "$QKD" -l -j -p 9 ${cb:+-C "$cb"} \
		-o "$tmp/$p.keyb" >"$tmp/$p.bob" 2>"$tmp/$p.bob.err" &
	bob=$!
	ip netns exec "$p-a" "$QKD" -j -p 9 -n "$pairs" -s 0.5 -e 0.5 \
		${ca:+-C "$ca"} -o "$tmp/$p.keya" "$nodes" \
		>"$tmp/$p.alice" 2>"$tmp/$p.alice.err" || rc=$?
	wait "$bob" || rc=$((rc + $? * 16))
	if [ "$rc" != 0 ]; then
		fail "qkd exited $rc: $(cat "$tmp/$p.alice.err" "$tmp/$p.bob.err")"
		return 1
	fi
	cmp "$tmp/$p.keya" "$tmp/$p.keyb" || fail "the key files differ"
}

CHECK='
import json, math, sys
model = json.loads(sys.argv[1])["path"]
a, b = (json.load(open(f)) for f in sys.argv[2:4])
links, pairs, keylen = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
bad = []
def check(what, ok):
    print("# %s: %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        bad.append(what)
def binom(what, k, n, p):
    bound = 5 * math.sqrt(n * p * (1 - p)) + 1
    check("%s: %d of %d, expected %.1f +- %.1f" % (what, k, n, n * p, bound),
          abs(k - n * p) <= bound)
w1 = (4 * 0.95 - 1) / 3
f = (3 * w1 ** links + 1) / 4
print("# model: F %.6f QBER z %.6f x %.6f; closed form F %.6f QBER %.6f" %
      (model["fidelity_e2e"], model["qber_z"], model["qber_x"], f, 2 * (1 - f) / 3))
check("model agrees with the closed form", abs(model["fidelity_e2e"] - f) < 1e-9)
for d in a, b:
    r = d["role"]
    check(r + " reconciled", d["reconciled"] is True)
    check(r + " got every pair", d["pairs"] == pairs)
    check(r + " bell states agree", d["bell_mismatch"] == 0)
    check("%s mean fidelity %.6f vs %.6f" % (r, d["mean_fidelity"], model["fidelity_e2e"]),
          abs(d["mean_fidelity"] - model["fidelity_e2e"]) <= 2e-6)
for k in ("sifted_z", "sifted_x", "sample_z", "sample_x", "errors_z", "errors_x",
          "key_bits", "secret_fraction"):
    check("both ends agree on " + k, a[k] == b[k])
check("key file holds key_bits", keylen == (a["key_bits"] + 7) // 8 and a["key_bits"] > 0)
check("alice corrected nothing", a["corrected"] == 0)
for x in "zx":
    q = model["qber_" + x]
    binom("sifted in " + x, a["sifted_" + x], pairs, 1 / 9)
    binom("sample errors in " + x, a["errors_" + x], a["sample_" + x], q)
    binom("all errors in " + x, a["errors_" + x] + b["corrected_" + x], a["sifted_" + x], q)
r = max(0, 1 - sum(-q * math.log2(q) - (1 - q) * math.log2(1 - q)
                   for q in (a["qber_z"], a["qber_x"]) if 0 < q < 1))
check("secret fraction is 1 - h(Qx) - h(Qz)", abs(r - a["secret_fraction"]) < 1e-5)
check("PLOB at eta 0.5 is 1 bit per use", abs(a["plob_bits_per_use"] - 1) < 1e-6)
sys.exit(1 if bad else 0)
'

# check PREFIX LINKS PAIRS
check_run() {
	local p=$1 links=$2 pairs=$3 model
	model=$("$QMODEL" -j $MODEL_LINK hops "$links") || { fail "qnet-model"; return 1; }
	pycheck "$CHECK" "$model" "$tmp/$p.alice" "$tmp/$p.bob" "$links" "$pairs" \
		"$(stat -c %s "$tmp/$p.keya")"
}

# 2700 pairs: about 150 sample bits per basis, n p = 5 at QBER 1/30
test_one_hop_unix() {
	chain "$tmp/k1" k1 2
	topo_up "$tmp/k1" || return 1
	run_qkd k1 2 2700 "" "" || return 1
	check_run k1 1 2700 || return 1
	topo_down "$tmp/k1"
}

# 1500 pairs: about 83 sample bits per basis, n p = 7.8 at QBER 0.0935
test_three_hops_tcp() {
	chain "$tmp/k3" k3 4
	topo_up "$tmp/k3" || return 1
	ip link add qkdv0 netns k3-a type veth peer name qkdv1 netns k3-b || return 1
	ip -n k3-a addr add 192.0.2.1/24 dev qkdv0 &&
	ip -n k3-b addr add 192.0.2.2/24 dev qkdv1 &&
	ip -n k3-a link set qkdv0 up && ip -n k3-b link set qkdv1 up || return 1
	run_qkd k3 4 1500 tcp:7709 tcp:192.0.2.2:7709 || return 1
	check_run k3 3 1500 || return 1
	topo_down "$tmp/k3"
}

apps_main qkd one_hop_unix three_hops_tcp
