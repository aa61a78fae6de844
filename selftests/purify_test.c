// SPDX-License-Identifier: GPL-2.0
/*
 * Link-level purification in the network layer, checked against the
 * physics core (compiled in from kernel/).
 *
 *   node 1 (head) --qr====ql-- [node 2 --qr====ql--] node N (tail)
 *
 * Every link: direct transmission, 2 km, source fidelity 0.80 (a Werner
 * pair), no dark counts, no memory decoherence, four memory qubits per
 * end (room for three rounds), unpaced. The request's minimum fidelity
 * is set between what n - 1 and n rounds give, so the kernel must plan
 * exactly n rounds per link (Documentation/network.rst, "Purification").
 *
 * With no decoherence every link pair is the same state, so a pair that
 * survives n rounds is exactly the n-fold purification of it, and the
 * delivered pair exactly its swap composition: fidelity is checked to the
 * ppm rounding. With one round, the number of successful rounds among
 * all rounds run is binomial with the success probability
 * qstate_purify() gives; it is checked within a 5-sigma bound.
 */
#include <math.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_chain.h"

#define PUR_PORT	9
#define PUR_PAIRS	150
#define PUR_Z		5.0
#define PUR_SLOTS	4

static const struct qnet_topo_param pur_link[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_DIRECT,	1 },
	{ QNET_LINK_A_LENGTH_M,		2000,			4 },
	{ QNET_LINK_A_SOURCE_FID_PPM,	800000,			4 },
	{ QNET_LINK_A_DET_EFF_PPM,	800000,			4 },
	{ QNET_LINK_A_DARK_RATE_HZ,	0,			4 },
	{ QNET_LINK_A_VISIBILITY_PPM,	1000000,		4 },
	{ QNET_LINK_A_ATTEMPT_RATE_HZ,	1000000,		4 },
	{ QNET_LINK_A_MEM_SLOTS,	PUR_SLOTS,		4 },
	{ QNET_LINK_A_T1_NS,		0,			8 },
	{ QNET_LINK_A_T2_NS,		0,			8 },
	{ QNET_LINK_A_TIME_SCALE,	0,			4 },
	{ QNET_LINK_A_SEED,		7,			8 },
	{ 0 }
};

/* The heralded state of pur_link, as the kernel's qlink computes it. */
static void pur_link_state(struct qstate *s)
{
	qnet_direct_link_state(2000, 800000, 800000, 1000000, s);
}

/* @rounds recurrence rounds on identical pairs; success prob of the last */
static qprob pur_rounds(struct qstate *s, int rounds, u8 proto)
{
	struct qstate_purify_params prm = { .proto = proto };
	struct qstate next;
	qprob p = QPROB_ONE;

	while (rounds-- > 0) {
		p = qstate_purify(&next, s, s, &prm);
		*s = next;
	}
	return p;
}

/* The end-to-end state over @links links of @link, ideal swaps. */
static void pur_chain(const struct qstate *link, int links, struct qstate *out)
{
	struct qstate acc = *link, tmp;

	while (--links > 0) {
		qstate_swap(&tmp, &acc, link, QSTATE_PHI_PLUS, NULL);
		acc = tmp;
	}
	*out = acc;
}

static u32 fid_ppm(const struct qstate *s)
{
	return qprob_to_ppm(qstate_fidelity(s));
}

/*
 * The kernel's rule, restated (circuit_purify.c: qnet_link_target_ppm and
 * qnet_purify_plan): per-link Werner target w^(1/hops), then the fewest
 * rounds that reach it, within the memory and while rounds still help.
 */
static u32 link_target_ppm(u32 f, unsigned int hops)
{
	u64 w, wl;

	if (f <= 250000 || hops <= 1)
		return f;
	w = (4ULL * f - 1000000) / 3;
	wl = qprob_to_ppm(qmath_exp_prob(qmath_ln_prob(qprob_from_ppm(w)) /
					 (s64)hops));
	return (3 * wl + 1000000) / 4;
}

static int plan(u32 min_fid, int hops, u8 proto)
{
	struct qstate_purify_params prm = { .proto = proto };
	u32 target = link_target_ppm(min_fid, hops);
	struct qstate s, next;
	int n = 0;

	pur_link_state(&s);
	while (n < 3 && n + 1 < PUR_SLOTS && fid_ppm(&s) < target) {
		qstate_purify(&next, &s, &s, &prm);
		if (qstate_fidelity(&next) <= qstate_fidelity(&s))
			break;
		s = next;
		n++;
	}
	return n;
}

/* A node's network-layer counter from /proc/net/qnet_node. */
static long long node_counter(struct qnet_topo *t, int node, const char *name)
{
	char key[64];
	long long v, found = -1;
	FILE *f;

	if (qnet_topo_enter(t, node))
		return -1;
	f = fopen("/proc/net/qnet_node", "re");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	fclose(f);
	qnet_topo_enter(t, 0);
	return found;
}

FIXTURE(pur) {
	struct qnet_topo topo;
	struct qnet_pair *tail_recs;	/* shared with the tail's process */
	int family;
};

FIXTURE_VARIANT(pur) {
	int nodes;
	int rounds;
	u8 proto;
};

FIXTURE_VARIANT_ADD(pur, two_nodes_one_round) {
	.nodes = 2, .rounds = 1, .proto = QSTATE_PURIFY_DEJMPS,
};
FIXTURE_VARIANT_ADD(pur, two_nodes_two_rounds) {
	.nodes = 2, .rounds = 2, .proto = QSTATE_PURIFY_DEJMPS,
};
/* BBPSSW's first round on a Werner pair is DEJMPS's: two tell them apart */
FIXTURE_VARIANT_ADD(pur, two_nodes_bbpssw_two_rounds) {
	.nodes = 2, .rounds = 2, .proto = QSTATE_PURIFY_BBPSSW,
};
FIXTURE_VARIANT_ADD(pur, three_nodes_one_round) {
	.nodes = 3, .rounds = 1, .proto = QSTATE_PURIFY_DEJMPS,
};

FIXTURE_SETUP(pur)
{
	ASSERT_EQ(0, qnet_module_ensure());
	self->family = qnet_family();
	ASSERT_LT(0, self->family);
	ASSERT_EQ(0, qnet_topo_chain(&self->topo, variant->nodes, pur_link));
	self->tail_recs = qnet_chain_shared(PUR_PAIRS);
	ASSERT_NE(NULL, self->tail_recs);
}

FIXTURE_TEARDOWN(pur)
{
	munmap(self->tail_recs, PUR_PAIRS * sizeof(struct qnet_pair));
	qnet_topo_destroy(&self->topo);
}

TEST_F_TIMEOUT(pur, fidelity_cost_and_timing_match_the_protocol, 240)
{
	struct qnet_request req = {
		.num_pairs = PUR_PAIRS,
		.type = QNET_REQ_MEASURE,
		.basis = QNET_BASIS_Z,
	};
	int links = variant->nodes - 1, n = variant->rounds, i;
	static struct qnet_pair recs[PUR_PAIRS];
	struct qstate link0, below, at, want;
	long long ok, failed, ok2, failed2;
	u32 f_below, f_at, want_ppm;
	double rtt_ns, p1, bound;
	char why[128];

	/* the minimum fidelity: halfway between n - 1 and n rounds */
	pur_link_state(&link0);
	below = link0;
	pur_rounds(&below, n - 1, variant->proto);
	at = below;
	p1 = (double)pur_rounds(&at, 1, variant->proto) / QPROB_ONE;
	pur_chain(&below, links, &want);
	f_below = fid_ppm(&want);
	pur_chain(&at, links, &want);
	f_at = fid_ppm(&want);
	want_ppm = f_at;
	req.min_fidelity_ppm = (f_below + f_at) / 2;
	if (variant->proto == QSTATE_PURIFY_BBPSSW)
		req.flags = QNET_REQ_F_BBPSSW;
	TH_LOG("%d links, %d rounds: F %u -> %u ppm, minimum %u, p(round %d) %.4f",
	       links, n, f_below, f_at, req.min_fidelity_ppm, n, p1);
	/* the test's own premise: the rule plans exactly n rounds */
	ASSERT_EQ(n, plan(req.min_fidelity_ppm, links, variant->proto));
	ASSERT_LT(f_below, f_at);

	ASSERT_EQ(0, qnet_chain_request(&self->topo, self->family, PUR_PORT,
					&req, recs, self->tail_recs,
					PUR_PAIRS, why, sizeof(why)))
		TH_LOG("%s", why);

	/* each round waits for the other end's parity: a round trip */
	rtt_ns = 2 * 2000.0 * 1.47 / 299792458.0 * 1e9 - 2;
	for (i = 0; i < PUR_PAIRS; i++) {
		const struct qnet_pair *h = &recs[i], *t = &self->tail_recs[i];

		ASSERT_EQ(0, h->error);
		ASSERT_EQ(0, t->error);
		ASSERT_EQ(h->pair_id, t->pair_id) TH_LOG("pair %d", i);
		/* 2^n - 1 rounds went into each link's pair */
		ASSERT_EQ(links * ((1 << n) - 1), h->purifications);
		ASSERT_EQ(h->purifications, t->purifications);
		ASSERT_GE(1, abs((int)h->fidelity_ppm - (int)want_ppm))
			TH_LOG("pair %d: F %u, predicted %u", i,
			       h->fidelity_ppm, want_ppm);
		ASSERT_GE(1, abs((int)t->fidelity_ppm - (int)want_ppm));
		ASSERT_LE(h->create_ns + (uint64_t)(n * rtt_ns), h->deliver_ns);
	}

	/* both ends of link 1 count every round, from one PURIFY each */
	ok = node_counter(&self->topo, 1, "purify_ok");
	failed = node_counter(&self->topo, 1, "purify_failed");
	for (i = 0; i < 100; i++) {
		ok2 = node_counter(&self->topo, 2, "purify_ok");
		failed2 = node_counter(&self->topo, 2, "purify_failed");
		if (variant->nodes == 2 ? ok2 == ok && failed2 == failed :
					  ok2 >= ok)
			break;
		usleep(20000);
	}
	TH_LOG("node 1: %lld rounds ok, %lld failed", ok, failed);
	ASSERT_LT(0, ok);
	if (variant->nodes == 2) {
		EXPECT_EQ(ok, ok2);
		EXPECT_EQ(failed, failed2);
	} else {
		/* node 2 is an end of both links */
		EXPECT_LE(ok, ok2);
	}
	EXPECT_EQ(2 * failed,
		  node_counter(&self->topo, 1, "discards_purify_failed"));
	/* a pair delivered, none rejected: no decoherence, target met */
	EXPECT_EQ(PUR_PAIRS, node_counter(&self->topo, 1, "delivered"));
	EXPECT_EQ(0, node_counter(&self->topo, 1, "discards_fidelity"));
	/* each delivered pair took 2^n - 1 good rounds on link 1 */
	EXPECT_LE((long long)PUR_PAIRS * ((1 << n) - 1), ok);

	if (n == 1) {
		double rounds = ok + failed;

		bound = PUR_Z * sqrt(rounds * p1 * (1 - p1)) + 1;
		TH_LOG("%lld of %.0f rounds ok, expected %.1f +- %.1f", ok,
		       rounds, rounds * p1, bound);
		EXPECT_GE(bound, fabs(ok - rounds * p1));
	}
}

TEST_HARNESS_MAIN
