// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of libqkd (kselftest harness): Toeplitz hashing against
 * known vectors, the key length formula against hand-computed cases, and
 * whole BBM92 rounds between two threads over a socketpair on simulated
 * records (no kernel): equal keys at both ends, aborts, no detectable
 * bias in the final keys.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <linux/qnet.h>

#include "kselftest_harness.h"
#include "libqkd.h"

/* ---- Toeplitz ---- */

/*
 * By hand: n = 4, l = 3, s = s0..s5 = 1 0 1 1 0 0, x = 1 0 1 1.
 * T[i][j] = s[i - j + 3]: rows (s3 s2 s1 s0) = 1 1 0 1, (s4 s3 s2 s1) =
 * 0 1 1 0, (s5 s4 s3 s2) = 0 0 1 1; T x = (1+0+0+1, 0+0+1+0, 0+0+1+1)
 * mod 2 = 0 1 0.
 */
TEST(toeplitz_by_hand)
{
	uint64_t s[3] = { 0x0d }, x[1] = { 0x0d }, y[1];

	qkd_toeplitz(s, x, 4, y, 3);
	EXPECT_EQ(0x2ULL, y[0]);
}

/*
 * n = 100, l = 37: s and x are the top bits of the 64-bit LCG
 * seed = seed * 6364136223846793005 + 1442695040888963407 from 12345
 * (136 bits of s, then 100 of x), y computed by a Python loop over the
 * definition, sum(s[i-j+n-1] & x[j] for j in range(n)) % 2.
 */
TEST(toeplitz_python_vector)
{
	uint64_t s[5] = { 0xc82f510647812d6cULL, 0x4c1e3b7d6fd8796fULL,
			  0x0000000000000033ULL };
	uint64_t x[2] = { 0x09ad147634a974bdULL, 0x0000000804f33ea5ULL }, y[1];

	qkd_toeplitz(s, x, 100, y, 37);
	EXPECT_EQ(0x0000001479de4737ULL, y[0]);
}

/* the word-at-a-time code against the definition, at word boundaries */
TEST(toeplitz_against_definition)
{
	static const size_t ns[] = { 1, 2, 63, 64, 65, 127, 128, 129, 300 };
	static const size_t ls[] = { 1, 7, 63, 64, 65, 130 };
	uint64_t st = 7, s[20], x[8], y[4];
	size_t a, b, i, j;

	for (a = 0; a < sizeof(ns) / sizeof(ns[0]); a++)
		for (b = 0; b < sizeof(ls) / sizeof(ls[0]); b++) {
			size_t n = ns[a], l = ls[b];

			for (i = 0; i < 20; i++)
				s[i] = qkd_rng_next(&st);
			for (i = 0; i < 8; i++)
				x[i] = qkd_rng_next(&st);
			qkd_toeplitz(s, x, n, y, l);
			for (i = 0; i < l; i++) {
				int v = 0;

				for (j = 0; j < n; j++)
					v ^= qkd_bit(s, i - j + n - 1) & qkd_bit(x, j);
				ASSERT_EQ(v, qkd_bit(y, i))
					TH_LOG("n %zu l %zu bit %zu", n, l, i);
			}
			/* no stray bits above l */
			if (l % 64)
				ASSERT_EQ(0ULL, y[l / 64] >> (l % 64));
		}
}

/* ---- the key length ---- */

static const struct len_case {
	size_t n[2], k[2], err[2];
	uint64_t leak;
	double mu[2];
	long length;
	enum qkd_abort res;
} len_cases[] = {
	/*
	 * No errors, 10000 key and 10000 test bits per basis, leak 1000.
	 * M = 23^2 = 529, ln(4M / 1e-10) = 30.68314;
	 * mu = sqrt(2e-4 * 1.0001 * 30.68314) = 0.0783405; h(mu) = 0.396305;
	 * 2 * 10000 * (1 - h) = 12073.90; log2(2 M^2 / (1e-20 * 1e-15)) =
	 * 135.3617; l = floor(12073.90 - 1000 - 135.36) = 10938.
	 */
	{ { 10000, 10000 }, { 10000, 10000 }, { 0, 0 }, 1000,
	  { 0.0783405, 0.0783405 }, 10938, QKD_OK },
	/*
	 * QBER Z 40/2000 = 0.02, X 10/1000 = 0.01 (the tolerances exactly);
	 * the Z key (5000 bits) is tested by the 1000 X bits:
	 * mu_Z = sqrt(6000 / 5e6 * 1.001 * 30.68314) = 0.191981, e_Z =
	 * 0.201981; mu_X = sqrt(5000 / 6e6 * 1.0005 * 30.68314) = 0.159944,
	 * e_X = 0.179944; 5000 (1 - h(e_Z)) + 3000 (1 - h(e_X)) = 2330.78;
	 * l = floor(2330.78 - 1500 - 135.36) = 695.
	 */
	{ { 5000, 3000 }, { 2000, 1000 }, { 40, 10 }, 1500,
	  { 0.1919807, 0.1599439 }, 695, QKD_OK },
	/*
	 * QBER Z 0.03, X 0.02: mu = sqrt(25000 / 1e8 * 1.0002 * 30.68314) =
	 * 0.0875918, e_Z = 0.02 + mu, e_X = 0.03 + mu; entropy 19699.85;
	 * l = floor(19699.85 - 4000 - 135.36) = 15564.
	 */
	{ { 20000, 20000 }, { 5000, 5000 }, { 150, 100 }, 4000,
	  { 0.0875918, 0.0875918 }, 15564, QKD_OK },
	/* 112/1000 = 0.112 > 0.11: abort, whatever the length */
	{ { 20000, 20000 }, { 1000, 1000 }, { 10, 112 }, 0,
	  { -1, -1 }, 0, QKD_ABORT_QBER },
	/*
	 * 110/1000 = 0.11 is not above it, but 500 key bits per basis leave
	 * nothing: mu = sqrt(1500 / 5e5 * 1.001 * 30.68314) = 0.3033,
	 * 500 (1 - h(0.3033)) + 500 (1 - h(0.4133)) = 68 < 135.4
	 */
	{ { 500, 500 }, { 1000, 1000 }, { 110, 0 }, 0,
	  { -1, -1 }, 0, QKD_ABORT_SHORT },
	/* no errors and no leak, but 300 bits per basis are too few */
	{ { 300, 300 }, { 300, 300 }, { 0, 0 }, 0,
	  { -1, -1 }, 0, QKD_ABORT_SHORT },
};

TEST(key_length_cases)
{
	size_t i;

	for (i = 0; i < sizeof(len_cases) / sizeof(len_cases[0]); i++) {
		const struct len_case *c = &len_cases[i];
		struct qkd_len_in in = {
			.n = { c->n[0], c->n[1] }, .k = { c->k[0], c->k[1] },
			.err = { c->err[0], c->err[1] }, .leak = c->leak,
			.eps_sec = 1e-10, .eps_cor = 1e-15, .qber_max = 0.11,
		};
		struct qkd_len_out out;
		enum qkd_abort res = qkd_key_length(&in, &out);

		EXPECT_EQ(c->res, res) TH_LOG("case %zu", i);
		EXPECT_LT(fabs(out.pa_cost - 135.3617311), 1e-6);
		if (c->res != QKD_OK) {
			if (res == QKD_ABORT_SHORT)
				EXPECT_LE(out.length, 0);
			continue;
		}
		EXPECT_EQ(c->length, out.length) TH_LOG("case %zu", i);
		EXPECT_LT(fabs(out.mu[0] - c->mu[0]), 1e-6) TH_LOG("case %zu", i);
		EXPECT_LT(fabs(out.mu[1] - c->mu[1]), 1e-6) TH_LOG("case %zu", i);
	}
}

/* the binary entropy at a few points (by hand: h(1/4) = 2 - 3/4 log2 3) */
TEST(binary_entropy)
{
	EXPECT_EQ(0.0, qkd_h2(0));
	EXPECT_EQ(1.0, qkd_h2(0.5));
	EXPECT_EQ(1.0, qkd_h2(0.7));
	EXPECT_LT(fabs(qkd_h2(0.25) - (2 - 0.75 * log2(3))), 1e-12);
}

/* ---- whole rounds on simulated records ---- */

struct sim {
	uint32_t pairs;
	double qber;		/* error probability of a same-basis pair */
	double p_one;		/* Alice's outcome is 1 with this probability */
	uint64_t seed;
};

struct end {
	struct qkd_chan chan;
	struct qkd_run run;
	struct qkd_rec *recs;
	size_t nrecs;
	uint64_t rng;
	int ret;
};

static const uint8_t psk[32] = "0123456789abcdef0123456789abcdef";

static int det_random(void *buf, size_t len, void *arg)
{
	uint64_t *s = arg, v;
	uint8_t *p = buf;

	while (len) {
		size_t k = len < 8 ? len : 8;

		v = qkd_rng_next(s);
		memcpy(p, &v, k);
		p += k;
		len -= k;
	}
	return 0;
}

static double unif(uint64_t *s)
{
	return (qkd_rng_next(s) >> 11) * 0x1.0p-53;
}

static void simulate(const struct sim *sm, struct end *a, struct end *b)
{
	uint64_t s = sm->seed;
	uint32_t i;

	a->recs = calloc(sm->pairs, sizeof(*a->recs));
	b->recs = calloc(sm->pairs, sizeof(*b->recs));
	for (i = 0; i < sm->pairs; i++) {
		struct qkd_rec *x = &a->recs[i], *y = &b->recs[i];

		x->pair_id = y->pair_id = 1000 + i;
		x->bell = y->bell = qkd_rng_below(&s, 4);
		x->basis = qkd_rng_below(&s, 3);
		y->basis = qkd_rng_below(&s, 3);
		x->outcome = unif(&s) < sm->p_one;
		if (x->basis == y->basis)
			y->outcome = x->outcome ^
				qkd_anticorrelated(y->bell, y->basis) ^
				(unif(&s) < sm->qber);
		else
			y->outcome = qkd_rng_below(&s, 2);
	}
	/* the records reach each end in its own order */
	for (i = sm->pairs - 1; i > 0; i--) {
		uint32_t j = qkd_rng_below(&s, i + 1);
		struct qkd_rec t = b->recs[i];

		b->recs[i] = b->recs[j];
		b->recs[j] = t;
	}
	a->nrecs = b->nrecs = sm->pairs;
}

static void *end_main(void *arg)
{
	struct end *e = arg;

	e->ret = qkd_chan_init(&e->chan, e->chan.fd, !e->run.bob, psk, sizeof(psk));
	if (!e->ret)
		e->ret = qkd_run(&e->run, e->recs, e->nrecs);
	return NULL;
}

static void end_free(struct end *e)
{
	qkd_run_free(&e->run);
	free(e->recs);
	close(e->chan.fd);
}

/* One round between two threads; 0 if both ends ran to the end. */
static int round_trip(const struct sim *sm, struct end *a, struct end *b)
{
	pthread_t t;
	int sv[2];

	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	simulate(sm, a, b);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	qkd_run_init(&a->run, &a->chan, 0);
	qkd_run_init(&b->run, &b->chan, 1);
	a->chan.fd = sv[0];
	b->chan.fd = sv[1];
	/* Alice's randomness from the test's seed: reproducible runs */
	a->rng = sm->seed ^ 0xa11ceULL;
	a->run.random = det_random;
	a->run.random_arg = &a->rng;
	if (pthread_create(&t, NULL, end_main, b))
		return -1;
	end_main(a);
	pthread_join(t, NULL);
	return a->ret || b->ret ? -1 : 0;
}

/*
 * 25 rounds of 100000 pairs at QBER 3%: both ends finish with a key, the
 * same one, of the length both computed; Alice never corrects a bit.
 */
TEST(equal_keys_many_seeds)
{
	struct sim sm = { .pairs = 100000, .qber = 0.03, .p_one = 0.5 };
	struct end a, b;
	long total = 0;
	int i;

	for (i = 0; i < 25; i++) {
		sm.seed = 1000 + i;
		ASSERT_EQ(0, round_trip(&sm, &a, &b));
		ASSERT_EQ(QKD_OK, a.run.abort) TH_LOG("seed %d: %s", i, qkd_abort_str(a.run.abort));
		ASSERT_EQ(QKD_OK, b.run.abort);
		ASSERT_EQ(a.run.key_bits, b.run.key_bits);
		ASSERT_GT(a.run.key_bits, 0);
		ASSERT_EQ((size_t)a.run.len.length, a.run.key_bits);
		ASSERT_EQ(0, memcmp(a.run.key, b.run.key, (a.run.key_bits + 7) / 8));
		ASSERT_EQ(a.run.leaked, b.run.leaked);
		EXPECT_EQ(0, a.run.corrected_b[0] + a.run.corrected_b[1]);
		EXPECT_GT(b.run.corrected_b[0] + b.run.corrected_b[1], 0);
		total += a.run.key_bits;
		if (!i)
			TH_LOG("seed %d: sifted %zu, key %zu, QBER %.4f/%.4f, leak %llu, %d passes, final %zu bits",
			       i, a.run.nsift, a.run.nkey, a.run.len.qber[0],
			       a.run.len.qber[1], (unsigned long long)a.run.leaked,
			       a.run.passes, a.run.key_bits);
		end_free(&a);
		end_free(&b);
	}
	TH_LOG("25 rounds, %ld key bits in all", total);
}

/* QBER 15% > 11%: both ends abort before correcting, with no key */
TEST(abort_above_threshold)
{
	struct sim sm = { .pairs = 60000, .qber = 0.15, .p_one = 0.5, .seed = 5 };
	struct end a, b;

	ASSERT_EQ(0, round_trip(&sm, &a, &b));
	EXPECT_EQ(QKD_ABORT_QBER, a.run.abort);
	EXPECT_EQ(QKD_ABORT_QBER, b.run.abort);
	EXPECT_EQ(0, a.run.key_bits);
	EXPECT_EQ(0, b.run.key_bits);
	EXPECT_EQ(0, a.run.leaked);
	end_free(&a);
	end_free(&b);
}

/* 3000 pairs at QBER 1%: about 330 sifted bits per basis, no key */
TEST(abort_block_too_short)
{
	struct sim sm = { .pairs = 3000, .qber = 0.01, .p_one = 0.5, .seed = 6 };
	struct end a, b;

	ASSERT_EQ(0, round_trip(&sm, &a, &b));
	EXPECT_EQ(QKD_ABORT_SHORT, a.run.abort);
	EXPECT_EQ(QKD_ABORT_SHORT, b.run.abort);
	EXPECT_EQ(0, a.run.key_bits);
	end_free(&a);
	end_free(&b);
}

/* A peer with another PSK is refused at the hello. */
TEST(wrong_psk_refused)
{
	static const uint8_t other[32] = "fedcba9876543210fedcba9876543210";
	struct qkd_chan a, b;
	int sv[2];
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		qkd_chan_init(&b, sv[1], 0, other, sizeof(other));
		_exit(0);
	}
	EXPECT_EQ(-1, qkd_chan_init(&a, sv[0], 1, psk, sizeof(psk)));
	EXPECT_EQ(EACCES, errno);
	close(sv[0]);
	close(sv[1]);
	waitpid(pid, NULL, 0);
}

/*
 * No detectable bias. Alice's raw bits are biased on purpose (1 with
 * probability 0.6, min-entropy 0.74 bit per bit, more than the 0.4 or
 * so per bit the formula keeps at QBER 2%): the raw key fails the test
 * below and the final key must pass it. Over N final bits of an unbiased
 * key, the number of ones S is Binomial(N, 1/2) and Hoeffding gives
 * P(|S - N/2| >= t) <= 2 exp(-2 t^2 / N); t = sqrt(N ln(2 / 1e-6) / 2)
 * makes that 1e-6. The same bound holds for the number of equal
 * adjacent pairs (bits 2i, 2i+1) among N/2. With N about 400000 a bias
 * of |p - 1/2| > 0.0043 would be detected (t / N).
 */
TEST(final_key_unbiased)
{
	struct sim sm = { .pairs = 200000, .qber = 0.02, .p_one = 0.6 };
	size_t ones = 0, n = 0, eq = 0, npairs = 0, raw_ones = 0, raw_n = 0, i;
	struct end a, b;
	double t, tp;
	int r;

	for (r = 0; n < 400000 && r < 60; r++) {
		sm.seed = 77 + r;
		ASSERT_EQ(0, round_trip(&sm, &a, &b));
		ASSERT_EQ(QKD_OK, a.run.abort);
		ASSERT_EQ(0, memcmp(a.run.key, b.run.key, (a.run.key_bits + 7) / 8));
		for (i = 0; i < a.run.key_bits; i++)
			ones += (a.run.key[i / 8] >> (7 - i % 8)) & 1;
		for (i = 0; i + 1 < a.run.key_bits; i += 2, npairs++)
			eq += ((a.run.key[i / 8] >> (7 - i % 8)) & 1) ==
			      ((a.run.key[(i + 1) / 8] >> (7 - (i + 1) % 8)) & 1);
		n += a.run.key_bits;
		for (i = 0; i < a.run.nkey; i++)
			raw_ones += a.run.kbit[i];
		raw_n += a.run.nkey;
		end_free(&a);
		end_free(&b);
	}
	ASSERT_GE(n, 400000);
	t = sqrt(n * log(2 / 1e-6) / 2);
	tp = sqrt(npairs * log(2 / 1e-6) / 2);
	TH_LOG("%zu final bits in %d rounds: %zu ones (bound %.0f +- %.0f), %zu equal pairs of %zu (+- %.0f); raw key: %zu ones of %zu",
	       n, r, ones, n / 2.0, t, eq, npairs, tp, raw_ones, raw_n);
	EXPECT_LE(fabs(ones - n / 2.0), t);
	EXPECT_LE(fabs(eq - npairs / 2.0), tp);
	/* the test has the power to see the raw key's bias */
	EXPECT_GT(fabs(raw_ones - raw_n / 2.0), sqrt(raw_n * log(2 / 1e-6) / 2));
}

TEST_HARNESS_MAIN
