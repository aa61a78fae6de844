// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end entanglement across repeater chains, checked against the
 * physics core (compiled in from kernel/).
 *
 *   node 1 (head: connect) -- node 2 -- ... -- node N (tail: listen)
 *          qr ======= ql  qr ====== ql
 *
 * Every link: direct transmission from a source at the left node, 2 km,
 * source fidelity 0.95, no dark counts, no memory decoherence, unpaced.
 * With no decoherence each delivered pair's state is exactly the swap
 * composition of N - 1 heralded link states, whatever the waits were, so
 * its fidelity is checked to the ppm rounding; the outcomes measured in Z
 * at both ends then disagree (after the Bell-frame correction) with the
 * QBER of that state, checked within a binomial bound.
 */
#include <math.h>

#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_chain.h"

#define CHAIN_PORT	7
#define CHAIN_PAIRS	400

/*
 * Binomial bound on the number of errors among CHAIN_PAIRS outcomes:
 * |k - n p| <= 5 sqrt(n p (1 - p)) + 1 (the 1 for the integer count). A
 * true rate p falls outside with probability below 6e-7 per check.
 */
#define CHAIN_Z		5.0

static const struct qnet_topo_param chain_link[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_DIRECT,	1 },
	{ QNET_LINK_A_LENGTH_M,		2000,			4 },
	{ QNET_LINK_A_SOURCE_FID_PPM,	950000,			4 },
	{ QNET_LINK_A_DET_EFF_PPM,	800000,			4 },
	{ QNET_LINK_A_DARK_RATE_HZ,	0,			4 },
	{ QNET_LINK_A_VISIBILITY_PPM,	1000000,		4 },
	{ QNET_LINK_A_ATTEMPT_RATE_HZ,	1000000,		4 },
	{ QNET_LINK_A_T1_NS,		0,			8 },
	{ QNET_LINK_A_T2_NS,		0,			8 },
	{ QNET_LINK_A_TIME_SCALE,	0,			4 },
	{ QNET_LINK_A_SEED,		42,			8 },
	{ 0 }
};

/* The heralded state of chain_link, as the kernel's qlink computes it. */
static void chain_link_state(struct qstate *s)
{
	qnet_direct_link_state(2000, 950000, 800000, 1000000, s);
}

/* The end-to-end state over @links links swapped with ideal BSMs. */
static void chain_state(int links, struct qstate *out)
{
	struct qstate link, acc, tmp;
	int i;

	chain_link_state(&link);
	acc = link;
	for (i = 1; i < links; i++) {
		qstate_swap(&tmp, &acc, &link, QSTATE_PHI_PLUS, NULL);
		acc = tmp;
	}
	*out = acc;
}

static double prob(qprob p)
{
	return (double)p / (double)QPROB_ONE;
}

FIXTURE(chain) {
	struct qnet_topo topo;
	struct qnet_pair *tail_recs;	/* shared with the tail's process */
	int family;
};

FIXTURE_VARIANT(chain) {
	int nodes;
};

FIXTURE_VARIANT_ADD(chain, two_nodes) { .nodes = 2 };
FIXTURE_VARIANT_ADD(chain, three_nodes) { .nodes = 3 };
FIXTURE_VARIANT_ADD(chain, five_nodes) { .nodes = 5 };

FIXTURE_SETUP(chain)
{
	ASSERT_EQ(0, qnet_module_ensure());
	self->family = qnet_family();
	ASSERT_LT(0, self->family);
	ASSERT_EQ(0, qnet_topo_chain(&self->topo, variant->nodes, chain_link));
	self->tail_recs = qnet_chain_shared(CHAIN_PAIRS);
	ASSERT_NE(NULL, self->tail_recs);
}

FIXTURE_TEARDOWN(chain)
{
	munmap(self->tail_recs, CHAIN_PAIRS * sizeof(struct qnet_pair));
	qnet_topo_destroy(&self->topo);
}

/* Bell frame correction: do the raw outcomes of @bell differ in @basis? */
static int anti(uint8_t bell, uint8_t basis)
{
	return qstate_bell_anticorrelated(bell, basis);
}

/* 400 pairs over 4 links take about 10 s in a TCG guest */
TEST_F_TIMEOUT(chain, fidelity_and_qber_match_composition, 180)
{
	struct qnet_request req = {
		.num_pairs = CHAIN_PAIRS,
		.type = QNET_REQ_MEASURE,
		.basis = QNET_BASIS_Z,
	};
	static struct qnet_pair recs[CHAIN_PAIRS];
	int i, errors = 0, ones = 0;
	char why[128];
	uint64_t delay_ns = 0;
	double p, n = CHAIN_PAIRS, bound;
	struct qstate want;
	uint32_t want_ppm;

	chain_state(variant->nodes - 1, &want);
	want_ppm = qprob_to_ppm(qstate_fidelity(&want));
	p = prob(qstate_qber(&want, QSTATE_BASIS_Z));
	bound = CHAIN_Z * sqrt(n * p * (1 - p)) + 1;
	TH_LOG("%d links: predicted F %u ppm, Z QBER %.5f, bound +-%.1f",
	       variant->nodes - 1, want_ppm, p, bound);

	ASSERT_EQ(0, qnet_chain_request(&self->topo, self->family,
					CHAIN_PORT, &req, recs,
					self->tail_recs, CHAIN_PAIRS, why,
					sizeof(why))) TH_LOG("%s", why);

	/* one-way light delay over the path: 2 km at n = 1.47 per link,
	 * less a nanosecond a link for the kernel's rounding
	 */
	delay_ns = (uint64_t)((variant->nodes - 1) *
			      (2000.0 * 1.47 / 299792458.0 * 1e9 - 1));

	for (i = 0; i < CHAIN_PAIRS; i++) {
		const struct qnet_pair *h = &recs[i], *t = &self->tail_recs[i];

		ASSERT_EQ(0, h->error);
		ASSERT_EQ(0, t->error);
		ASSERT_EQ(h->pair_id, t->pair_id) TH_LOG("pair %d", i);
		ASSERT_EQ(h->request_id, t->request_id);
		ASSERT_EQ(h->bell_state, t->bell_state);
		ASSERT_EQ(variant->nodes - 1, h->hops);
		ASSERT_EQ(variant->nodes - 2, h->swaps);
		/* no decoherence: exactly the composition, up to rounding */
		ASSERT_GE(1, abs((int)h->fidelity_ppm - (int)want_ppm))
			TH_LOG("pair %d: F %u, predicted %u", i,
			       h->fidelity_ppm, want_ppm);
		ASSERT_GE(1, abs((int)t->fidelity_ppm - (int)want_ppm));
		/* the tail hears the head's verdict a light delay later */
		ASSERT_LE(h->deliver_ns + delay_ns, t->deliver_ns);
		ASSERT_LE(h->create_ns, h->deliver_ns);
		ASSERT_EQ(QNET_BASIS_Z, h->basis);
		errors += (h->outcome ^ t->outcome) ^ anti(h->bell_state,
							   QNET_BASIS_Z);
		ones += h->outcome;
	}
	/* either half alone is maximally mixed: fair coin, same bound */
	TH_LOG("%d ones in %d head outcomes", ones, CHAIN_PAIRS);
	EXPECT_GE(CHAIN_Z * sqrt(n * 0.25) + 1, fabs(ones - n / 2));
	TH_LOG("%d errors in %d pairs (expected %.1f)", errors, CHAIN_PAIRS,
	       n * p);
	EXPECT_GE(bound, fabs(errors - n * p));
}

/*
 * Memory decoherence during the waits: the same chains with a depolarising
 * memory at every node (T1 = T2 = 1 ms: the one setting whose channel
 * damps X, Y and Z alike, physics.rst). Every input is a Werner pair, and
 * swapping and depolarising keep Werner form, so each delivered pair is a
 * Werner state and its recorded fidelity F says all:
 *
 * - No qubit of a pair was stored longer than D + 2 d, D = deliver_ns -
 *   create_ns (create_ns is the first herald the pair is made of, at the
 *   source end of its link) and 2 d the herald delay of a direct link: a
 *   source's qubit is stored from the emission, a round trip before the
 *   herald. Decoherence only lowers fidelity, so F lies between the
 *   composition of the link states with every qubit decohered for D + 2 d
 *   and the composition without decoherence (both from the physics core;
 *   +-1 ppm rounding).
 * - Outcomes in X disagree (after the Bell-frame correction) with
 *   probability q = 2(1 - F)/3, F being the tail's record, whose state
 *   has each qubit decohered to its own end's measurement. The number of
 *   disagreements is a sum of independent Bernoulli(q_i): it is checked
 *   within 5 standard deviations, sqrt(sum q_i (1 - q_i)), plus 1.
 */
#define DECAY_T1_NS	1000000

static const struct qnet_topo_param decay_link[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_DIRECT,	1 },
	{ QNET_LINK_A_LENGTH_M,		2000,			4 },
	{ QNET_LINK_A_SOURCE_FID_PPM,	950000,			4 },
	{ QNET_LINK_A_DET_EFF_PPM,	800000,			4 },
	{ QNET_LINK_A_DARK_RATE_HZ,	0,			4 },
	{ QNET_LINK_A_VISIBILITY_PPM,	1000000,		4 },
	{ QNET_LINK_A_ATTEMPT_RATE_HZ,	1000000,		4 },
	/* one at a time, T2 first: T2 may not exceed 2 T1 at any step */
	{ QNET_LINK_A_T2_NS,		DECAY_T1_NS,		8 },
	{ QNET_LINK_A_T1_NS,		DECAY_T1_NS,		8 },
	{ QNET_LINK_A_TIME_SCALE,	0,			4 },
	{ QNET_LINK_A_SEED,		43,			8 },
	{ 0 }
};

/*
 * The chain's state with each of its 2 * @links qubits decayed for @d_ns
 * after the first herald, and for the herald delay before it.
 */
static uint32_t decayed_chain_ppm(int links, uint64_t d_ns)
{
	struct qstate link, acc, tmp;
	int i;

	d_ns += 2 * qstate_fiber_delay_ns(2000, 1470);
	chain_link_state(&link);
	qstate_decohere(&link, d_ns, DECAY_T1_NS, DECAY_T1_NS);
	qstate_decohere(&link, d_ns, DECAY_T1_NS, DECAY_T1_NS);
	acc = link;
	for (i = 1; i < links; i++) {
		qstate_swap(&tmp, &acc, &link, QSTATE_PHI_PLUS, NULL);
		acc = tmp;
	}
	return qprob_to_ppm(qstate_fidelity(&acc));
}

FIXTURE(decay) {
	struct qnet_topo topo;
	struct qnet_pair *tail_recs;
	int family;
};

FIXTURE_VARIANT(decay) {
	int nodes;
};

FIXTURE_VARIANT_ADD(decay, three_nodes) { .nodes = 3 };
FIXTURE_VARIANT_ADD(decay, five_nodes) { .nodes = 5 };

FIXTURE_SETUP(decay)
{
	ASSERT_EQ(0, qnet_module_ensure());
	self->family = qnet_family();
	ASSERT_LT(0, self->family);
	ASSERT_EQ(0, qnet_topo_chain(&self->topo, variant->nodes, decay_link));
	self->tail_recs = qnet_chain_shared(CHAIN_PAIRS);
	ASSERT_NE(NULL, self->tail_recs);
}

FIXTURE_TEARDOWN(decay)
{
	munmap(self->tail_recs, CHAIN_PAIRS * sizeof(struct qnet_pair));
	qnet_topo_destroy(&self->topo);
}

TEST_F_TIMEOUT(decay, fidelity_within_wait_bounds_and_qber_follows_it, 180)
{
	struct qnet_request req = {
		.num_pairs = CHAIN_PAIRS,
		.type = QNET_REQ_MEASURE,
		.basis = QNET_BASIS_X,
	};
	static struct qnet_pair recs[CHAIN_PAIRS];
	int links = variant->nodes - 1, i, errors = 0;
	char why[128];
	double mean = 0, var = 0, fsum = 0, bound;
	struct qstate fresh;
	uint32_t hi_ppm;

	chain_state(links, &fresh);
	hi_ppm = qprob_to_ppm(qstate_fidelity(&fresh));

	ASSERT_EQ(0, qnet_chain_request(&self->topo, self->family,
					CHAIN_PORT, &req, recs,
					self->tail_recs, CHAIN_PAIRS, why,
					sizeof(why))) TH_LOG("%s", why);

	for (i = 0; i < CHAIN_PAIRS; i++) {
		const struct qnet_pair *h = &recs[i], *t = &self->tail_recs[i];
		uint32_t lo_h, lo_t;
		double q;

		ASSERT_EQ(0, h->error);
		ASSERT_EQ(0, t->error);
		ASSERT_EQ(h->pair_id, t->pair_id);
		ASSERT_EQ(h->bell_state, t->bell_state);
		lo_h = decayed_chain_ppm(links, h->deliver_ns - h->create_ns);
		lo_t = decayed_chain_ppm(links, t->deliver_ns - t->create_ns);
		ASSERT_GE(hi_ppm + 1, h->fidelity_ppm);
		ASSERT_LE(lo_h, h->fidelity_ppm + 1)
			TH_LOG("pair %d: F %u below %u after %llu ns", i,
			       h->fidelity_ppm, lo_h,
			       (unsigned long long)(h->deliver_ns -
						    h->create_ns));
		ASSERT_GE(hi_ppm + 1, t->fidelity_ppm);
		ASSERT_LE(lo_t, t->fidelity_ppm + 1);
		/* the tail measures later: its qubit decayed longer */
		ASSERT_GE(h->fidelity_ppm + 1, t->fidelity_ppm);

		q = 2.0 * (1e6 - t->fidelity_ppm) / 3e6;
		mean += q;
		var += q * (1 - q);
		fsum += t->fidelity_ppm;
		errors += (h->outcome ^ t->outcome) ^ anti(h->bell_state,
							   QNET_BASIS_X);
	}
	bound = CHAIN_Z * sqrt(var) + 1;
	TH_LOG("%d links: mean F %.0f ppm (fresh %u); %d X errors, expected %.1f +- %.1f",
	       links, fsum / CHAIN_PAIRS, hi_ppm, errors, mean, bound);
	/* the memories did decay: the mean is below the fresh composition */
	EXPECT_GT(hi_ppm, fsum / CHAIN_PAIRS);
	EXPECT_GE(bound, fabs(errors - mean));
}

/*
 * The repeater's own hardware: node 2 of a three-node chain swaps with a
 * Bell-state measurement that succeeds with probability 1/2 and has gate
 * error 0.1 and readout error 0.05 (NODE_SET's node parameters). No
 * decoherence, so:
 *
 * - each BSM fails independently with 1/2: over the n = swaps_ok +
 *   swaps_failed the node counts, the failures are within 5 standard
 *   deviations, sqrt(n / 4), plus 1, of n / 2; every failure is a
 *   swap-failed discard of both qubits; swaps_ok is one per pair;
 * - every delivered pair has the fidelity of the physics core's swap of
 *   two link states with those imperfections (Werner in, Werner out, so
 *   whatever the outcome), +-1 ppm.
 */
#define NOISY_BSM_PPM		500000
#define NOISY_GATE_PPM		100000
#define NOISY_READOUT_PPM	50000

struct net_counts {
	uint64_t swaps_ok, swaps_failed, swap_discards;
};

static int net_counts_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1] = { 0 };
	const struct nlattr *st[QNET_STATS_A_MAX + 1] = { 0 };
	const struct nlattr *d[QNET_DISCARDS_A_MAX + 1] = { 0 };
	struct net_counts *c = data;

	if (qnet_nl_parse(nlh, tb, QNET_A_MAX) || !tb[QNET_A_NET_STATS] ||
	    qnet_nl_parse_nested(tb[QNET_A_NET_STATS], st, QNET_STATS_A_MAX) ||
	    !st[QNET_STATS_A_SWAPS_OK] || !st[QNET_STATS_A_SWAPS_FAILED] ||
	    !st[QNET_STATS_A_DISCARDS] ||
	    qnet_nl_parse_nested(st[QNET_STATS_A_DISCARDS], d,
				 QNET_DISCARDS_A_MAX) ||
	    !d[QNET_DISCARDS_A_SWAP_FAILED])
		return MNL_CB_ERROR;
	c->swaps_ok = mnl_attr_get_u64(st[QNET_STATS_A_SWAPS_OK]);
	c->swaps_failed = mnl_attr_get_u64(st[QNET_STATS_A_SWAPS_FAILED]);
	c->swap_discards = mnl_attr_get_u64(d[QNET_DISCARDS_A_SWAP_FAILED]);
	return MNL_CB_OK;
}

FIXTURE(noisy) {
	struct qnet_topo topo;
	struct qnet_pair *tail_recs;
	int family;
};

FIXTURE_SETUP(noisy)
{
	uint64_t p[QNET_NODE_A_MAX + 1];
	struct qnet_nl q;

	ASSERT_EQ(0, qnet_module_ensure());
	self->family = qnet_family();
	ASSERT_LT(0, self->family);
	ASSERT_EQ(0, qnet_topo_chain(&self->topo, 3, chain_link));
	self->tail_recs = qnet_chain_shared(CHAIN_PAIRS);
	ASSERT_NE(NULL, self->tail_recs);

	p[QNET_NODE_A_BSM_EFF_PPM] = NOISY_BSM_PPM;
	p[QNET_NODE_A_GATE_ERR_PPM] = NOISY_GATE_PPM;
	p[QNET_NODE_A_READOUT_ERR_PPM] = NOISY_READOUT_PPM;
	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 2));
	ASSERT_EQ(0, qnet_nl_open(&q));
	ASSERT_EQ(0, qnet_nl_node_params_set(&q, p));
	qnet_nl_close(&q);
	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 0));
}

FIXTURE_TEARDOWN(noisy)
{
	munmap(self->tail_recs, CHAIN_PAIRS * sizeof(struct qnet_pair));
	qnet_topo_destroy(&self->topo);
}

TEST_F_TIMEOUT(noisy, repeater_bsm_fails_and_adds_noise, 180)
{
	struct qnet_request req = {
		.num_pairs = CHAIN_PAIRS,
		.type = QNET_REQ_MEASURE,
		.basis = QNET_BASIS_Z,
	};
	struct qstate_swap_params prm = {
		.p_bsm = qprob_from_ppm(NOISY_BSM_PPM),
		.gate_depol = qprob_from_ppm(NOISY_GATE_PPM),
		.readout_err = qprob_from_ppm(NOISY_READOUT_PPM),
	};
	static struct qnet_pair recs[CHAIN_PAIRS];
	struct net_counts c = { 0 };
	struct qstate link, want;
	uint32_t want_ppm;
	char why[128], buf[256];
	double n, bound;
	struct qnet_nl q;
	int i;

	chain_link_state(&link);
	qstate_swap(&want, &link, &link, QSTATE_PHI_PLUS, &prm);
	want_ppm = qprob_to_ppm(qstate_fidelity(&want));

	ASSERT_EQ(0, qnet_chain_request(&self->topo, self->family,
					CHAIN_PORT, &req, recs,
					self->tail_recs, CHAIN_PAIRS, why,
					sizeof(why))) TH_LOG("%s", why);
	for (i = 0; i < CHAIN_PAIRS; i++) {
		ASSERT_EQ(0, recs[i].error);
		ASSERT_EQ(1, recs[i].swaps);
		EXPECT_GE(want_ppm + 1, recs[i].fidelity_ppm);
		EXPECT_LE(want_ppm, recs[i].fidelity_ppm + 1);
	}

	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 2));
	ASSERT_EQ(0, qnet_nl_open(&q));
	ASSERT_EQ(0, qnet_nl_do(&q, qnet_nl_req(&q, buf, QNET_CMD_NODE_GET, 0),
				net_counts_cb, &c));
	qnet_nl_close(&q);
	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 0));

	n = c.swaps_ok + c.swaps_failed;
	bound = CHAIN_Z * sqrt(n / 4) + 1;
	TH_LOG("F %u ppm per pair (links %u); %llu BSMs, %llu failed, expected %.1f +- %.1f",
	       want_ppm, qprob_to_ppm(qstate_fidelity(&link)),
	       (unsigned long long)n, (unsigned long long)c.swaps_failed,
	       n / 2, bound);
	EXPECT_EQ((uint64_t)CHAIN_PAIRS, c.swaps_ok);
	EXPECT_GE(bound, fabs(c.swaps_failed - n / 2));
	/* each failure loses the two qubits the node held */
	EXPECT_EQ(2 * c.swaps_failed, c.swap_discards);
}

/*
 * Where the model is exact, exactly: perfect pairs (a direct source of
 * fidelity 1, no dark counts, no decoherence, ideal swaps) measured in
 * one basis at both ends give, for every pair, outcomes that differ
 * exactly when the delivered Bell state is anticorrelated in that basis.
 * Each end draws its outcome alone, from the stream keyed by the circuit
 * and the attempt that both know (Documentation/physics.rst,
 * "Measurement"); a stream either end keyed otherwise would disagree on
 * about half the pairs.
 */
#define EXACT_PAIRS	100

static const struct qnet_topo_param exact_link[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_DIRECT,	1 },
	{ QNET_LINK_A_LENGTH_M,		2000,			4 },
	{ QNET_LINK_A_SOURCE_FID_PPM,	1000000,		4 },
	{ QNET_LINK_A_DARK_RATE_HZ,	0,			4 },
	{ QNET_LINK_A_VISIBILITY_PPM,	1000000,		4 },
	{ QNET_LINK_A_T1_NS,		0,			8 },
	{ QNET_LINK_A_T2_NS,		0,			8 },
	{ QNET_LINK_A_TIME_SCALE,	0,			4 },
	{ QNET_LINK_A_SEED,		44,			8 },
	{ 0 }
};

FIXTURE(exact) {
	struct qnet_topo topo;
	struct qnet_pair *tail_recs;
	int family;
};

FIXTURE_VARIANT(exact) {
	int nodes;
};

FIXTURE_VARIANT_ADD(exact, two_nodes) { .nodes = 2 };
FIXTURE_VARIANT_ADD(exact, three_nodes) { .nodes = 3 };

FIXTURE_SETUP(exact)
{
	ASSERT_EQ(0, qnet_module_ensure());
	self->family = qnet_family();
	ASSERT_LT(0, self->family);
	ASSERT_EQ(0, qnet_topo_chain(&self->topo, variant->nodes, exact_link));
	self->tail_recs = qnet_chain_shared(EXACT_PAIRS);
	ASSERT_NE(NULL, self->tail_recs);
}

FIXTURE_TEARDOWN(exact)
{
	munmap(self->tail_recs, EXACT_PAIRS * sizeof(struct qnet_pair));
	qnet_topo_destroy(&self->topo);
}

TEST_F_TIMEOUT(exact, perfect_pairs_agree_per_bell_state, 180)
{
	static struct qnet_pair recs[EXACT_PAIRS];
	int i, basis, ones, anti_seen;
	char why[128];

	for (basis = QNET_BASIS_Z; basis <= QNET_BASIS_Y; basis++) {
		struct qnet_request req = {
			.num_pairs = EXACT_PAIRS,
			.type = QNET_REQ_MEASURE,
			.basis = basis,
		};

		ASSERT_EQ(0, qnet_chain_request(&self->topo, self->family,
						CHAIN_PORT, &req, recs,
						self->tail_recs, EXACT_PAIRS,
						why, sizeof(why)))
			TH_LOG("basis %d: %s", basis, why);
		ones = 0;
		anti_seen = 0;
		for (i = 0; i < EXACT_PAIRS; i++) {
			const struct qnet_pair *h = &recs[i];
			const struct qnet_pair *t = &self->tail_recs[i];

			ASSERT_EQ(0, h->error);
			ASSERT_EQ(0, t->error);
			ASSERT_EQ(h->pair_id, t->pair_id);
			ASSERT_EQ(1000000U, h->fidelity_ppm);
			ASSERT_EQ(basis, h->basis);
			ASSERT_EQ(basis, t->basis);
			ASSERT_EQ(anti(h->bell_state, basis),
				  h->outcome ^ t->outcome)
				TH_LOG("basis %d pair %d: Bell state %u, outcomes %u %u",
				       basis, i, h->bell_state, h->outcome,
				       t->outcome);
			ones += h->outcome;
			anti_seen += anti(h->bell_state, basis);
		}
		/* either half alone is a fair coin: 5 sd + 1 */
		TH_LOG("basis %d: %d ones at the head, %d anticorrelated pairs",
		       basis, ones, anti_seen);
		EXPECT_GE(CHAIN_Z * sqrt(EXACT_PAIRS * 0.25) + 1,
			  fabs(ones - EXACT_PAIRS / 2.0));
	}
}

TEST_HARNESS_MAIN
