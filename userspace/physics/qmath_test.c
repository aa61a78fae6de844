// SPDX-License-Identifier: GPL-2.0
/*
 * qmath_test.c - unit tests of kernel/qmath.c against double precision and
 * exact 128-bit integer arithmetic; statistical tests of the PRNG and the
 * geometric sampler at fixed seeds.
 */
#include "qref.h"
#include "kselftest_harness.h"

/* ------------------------------------------------------------------ */
/* Elementary functions: one table, one loop                           */
/* ------------------------------------------------------------------ */

enum { IN_FIX, IN_PROB };

static double w_exp(u64 x) { return qref_fix(qmath_exp((qfix)x)); }
static double w_expp(u64 x) { return qref_prob(qmath_exp_prob((qfix)x)); }
static double w_p10(u64 x) { return qref_fix(qmath_pow10((qfix)x)); }
static double w_p10p(u64 x) { return qref_prob(qmath_pow10_prob((qfix)x)); }
static double w_ln(u64 x) { return qref_fix(qmath_ln((qfix)x)); }
static double w_lnp(u64 x) { return qref_fix(qmath_ln_prob(x)); }
static double w_log2(u64 x) { return qref_fix(qmath_log2((qfix)x)); }
static double w_log2p(u64 x) { return qref_fix(qmath_log2_prob(x)); }
static double w_sqrt(u64 x) { return qref_fix(qmath_sqrt((qfix)x)); }
static double w_sqrtp(u64 x) { return qref_prob(qmath_sqrt_prob(x)); }
static double r_p10(double x) { return pow(10.0, x); }

static const struct fn_case {
	const char *name;
	double (*fn)(u64 raw);
	double (*ref)(double x);
	int in;
	double lo, hi;
	int logscale;
} fn_cases[] = {
	{ "qmath_exp",		w_exp,	 exp,	IN_FIX,	 -30, 21, 0 },
	{ "qmath_exp_prob",	w_expp,	 exp,	IN_FIX,	 -45, 1, 0 },
	{ "qmath_pow10",	w_p10,	 r_p10,	IN_FIX,	 -10, 9, 0 },
	{ "qmath_pow10_prob",	w_p10p,	 r_p10,	IN_FIX,	 -19, 0.6, 0 },
	{ "qmath_ln",		w_ln,	 log,	IN_FIX,	 0x1p-32, 2147483647.0, 1 },
	{ "qmath_ln_prob",	w_lnp,	 log,	IN_PROB, 0x1p-62, 3.999, 1 },
	{ "qmath_log2",		w_log2,	 log2,	IN_FIX,	 0x1p-32, 2147483647.0, 1 },
	{ "qmath_log2_prob",	w_log2p, log2,	IN_PROB, 0x1p-62, 3.999, 1 },
	{ "qmath_sqrt",		w_sqrt,	 sqrt,	IN_FIX,	 0x1p-32, 2147483647.0, 1 },
	{ "qmath_sqrt_prob",	w_sqrtp, sqrt,	IN_PROB, 0x1p-62, 3.999, 1 },
};

#define GRID 2001

/*
 * Each function on a GRID-point grid over its documented range and on
 * QREF_NRAND random inputs in it; the reference is evaluated on the
 * quantised input. Bound: |error| <= QREF_TOL (1e-6), the requirement.
 */
TEST(functions_vs_double)
{
	uint64_t st = 0x5eed0001;
	size_t c;

	for (c = 0; c < sizeof(fn_cases) / sizeof(fn_cases[0]); c++) {
		const struct fn_case *f = &fn_cases[c];
		struct qref_err e = { 0 };
		int i;

		for (i = 0; i < GRID + QREF_NRAND; i++) {
			double x, xq;
			u64 raw;

			if (i < GRID && f->logscale)
				x = exp(log(f->lo) + (log(f->hi) - log(f->lo)) *
					i / (GRID - 1));
			else if (i < GRID)
				x = f->lo + (f->hi - f->lo) * i / (GRID - 1);
			else if (f->logscale)
				x = qref_logrange(&st, f->lo, f->hi);
			else
				x = qref_range(&st, f->lo, f->hi);
			if (f->in == IN_FIX) {
				raw = (u64)qref_tofix(x);
				xq = qref_fix((qfix)raw);
			} else {
				raw = qref_toprob(x);
				xq = qref_prob(raw);
			}
			qref_err_add(&e, f->fn(raw), f->ref(xq), xq);
		}
		qref_note("%-17s max abs err %.3e at x=%.9g over %ld inputs (bound %.0e)",
			  f->name, e.max, e.at, e.n, QREF_TOL);
		EXPECT_TRUE(e.max <= QREF_TOL)
			TH_LOG("%s: error %.3e at x=%.17g exceeds %.0e",
			       f->name, e.max, e.at, QREF_TOL);
	}
}

/*
 * e^(-n/d) and 10^(-n/d) with exact rational exponents: n and d random
 * (n/d in [0, 45] resp. [0, 19]) and on a grid, against exp() and pow()
 * in double; bound 1e-6 absolute and 1e-12 relative where the result
 * exceeds 1e-6 (the exponent is not quantised, so only the 2^-62 output
 * rounding and double's own error remain).
 */
TEST(neg_ratio_vs_double)
{
	uint64_t st = 0x5eed0004;
	struct qref_err ea = { 0 }, er = { 0 }, pa = { 0 }, pr = { 0 };
	int i;

	for (i = 0; i < GRID + QREF_NRAND; i++) {
		u64 d = i < GRID ? 1000000 : (u64)qref_logrange(&st, 1, 1e15);
		double x = i < GRID ? 45.0 * i / (GRID - 1) :
			   qref_range(&st, 0, 45);
		u64 n = (u64)(x * (double)d);
		double xe = (double)((long double)n / d);
		double ge = qref_prob(qmath_exp_neg_ratio(n, d));
		double gp = qref_prob(qmath_pow10_neg_ratio(n, d));
		double we = exp(-xe), wp = pow(10, -xe * 19 / 45);

		/* 10^-(19/45 x): reuse n, d with the exponent scaled */
		gp = qref_prob(qmath_pow10_neg_ratio(n * 19, d * 45));
		qref_err_add(&ea, ge, we, xe);
		qref_err_add(&pa, gp, wp, xe);
		if (we > 1e-6)
			qref_err_add(&er, ge / we, 1, xe);
		if (wp > 1e-6)
			qref_err_add(&pr, gp / wp, 1, xe);
	}
	qref_note("qmath_exp_neg_ratio   max abs err %.3e, max rel err %.3e",
		  ea.max, er.max);
	qref_note("qmath_pow10_neg_ratio max abs err %.3e, max rel err %.3e",
		  pa.max, pr.max);
	EXPECT_TRUE(ea.max <= QREF_TOL && pa.max <= QREF_TOL);
	EXPECT_TRUE(er.max <= 1e-12 && pr.max <= 1e-12);
	EXPECT_EQ(0, qmath_exp_neg_ratio(1, 0));
	EXPECT_EQ(QPROB_ONE, qmath_exp_neg_ratio(0, 7));
	EXPECT_EQ(QPROB_ONE / 10, qmath_pow10_neg_ratio(10000000, 10000000));
}

/* Known values, exact or to the output rounding (tolerance per row). */
TEST(known_values)
{
	static const struct {
		const char *what;
		double got, want, tol;
	} kv[] = {
		{ "exp(0)", 0, 1, 0 },
		{ "pow10_prob(-1)", 0, 0.1, 1e-15 },
		{ "pow10(2)", 0, 100, 1e-9 },
		{ "ln(1)", 0, 0, 0 },
		{ "ln(e)", 0, 1, 1e-9 },
		{ "log2(1024)", 0, 10, 0 },
		{ "log2_prob(1/8)", 0, -3, 0 },
		{ "sqrt(2)", 0, M_SQRT2, 2e-10 },
		{ "sqrt_prob(1/4)", 0, 0.5, 0 },
		{ "exp_prob(-ln 2)", 0, 0.5, 1e-9 },
	};
	double got[] = {
		qref_fix(qmath_exp(0)),
		qref_prob(qmath_pow10_prob(-QFIX_ONE)),
		qref_fix(qmath_pow10(2 * QFIX_ONE)),
		qref_fix(qmath_ln(QFIX_ONE)),
		qref_fix(qmath_ln(qref_tofix(M_E))),
		qref_fix(qmath_log2(1024 * QFIX_ONE)),
		qref_fix(qmath_log2_prob(QPROB_ONE / 8)),
		qref_fix(qmath_sqrt(2 * QFIX_ONE)),
		qref_prob(qmath_sqrt_prob(QPROB_ONE / 4)),
		qref_prob(qmath_exp_prob(qref_tofix(-M_LN2))),
	};
	size_t i;

	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		double d = fabs(got[i] - kv[i].want);

		EXPECT_TRUE(d <= kv[i].tol)
			TH_LOG("%s = %.17g, want %.17g (tol %g)", kv[i].what,
			       got[i], kv[i].want, kv[i].tol);
	}
	/* out of range: documented saturation */
	EXPECT_EQ(QFIX_MIN, qmath_ln(0));
	EXPECT_EQ(QFIX_MIN, qmath_ln_prob(0));
	EXPECT_EQ(QFIX_MAX, qmath_exp(22 * QFIX_ONE));
	EXPECT_EQ(0, qmath_exp(-40 * QFIX_ONE));
	EXPECT_EQ(QPROB_MAX, qmath_exp_prob(2 * QFIX_ONE));
	EXPECT_EQ(0, qmath_sqrt(-QFIX_ONE));
}

/* ------------------------------------------------------------------ */
/* Integer helpers against exact 128-bit arithmetic                    */
/* ------------------------------------------------------------------ */

static u64 rand_bits(uint64_t *st)
{
	/* vary the magnitude so that small and large operands both occur */
	return qref_rand64(st) >> (qref_rand64(st) % 64);
}

TEST(div128_exact)
{
	uint64_t st = 0x5eed0002;
	long i, bad = 0;

	for (i = 0; i < 10 * QREF_NRAND; i++) {
		u64 d = rand_bits(&st) | 1, hi = rand_bits(&st) % d;
		u64 lo = qref_rand64(&st);
		unsigned __int128 n = ((unsigned __int128)hi << 64) | lo;

		if (qmath_div128(hi, lo, d) != (u64)(n / d))
			bad++;
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(QMATH_U64_MAX, qmath_div128(5, 0, 5));
	EXPECT_EQ(QMATH_U64_MAX, qmath_div128(0, 1, 0));
}

/* rounded quotient and product references */
static u64 ref_round_div(unsigned __int128 n, unsigned __int128 d)
{
	unsigned __int128 q = (n + d / 2) / d;

	return q >> 64 ? QMATH_U64_MAX : (u64)q;
}

TEST(arith_exact)
{
	uint64_t st = 0x5eed0003;
	long i, bad = 0;

	for (i = 0; i < 10 * QREF_NRAND; i++) {
		u64 a = rand_bits(&st), b = rand_bits(&st) | 1;
		u64 c = rand_bits(&st) | 1;
		__int128 m = (__int128)(qfix)(a >> 2) * -(qfix)(b >> 33);

		/* qprob_mul: round(a b / 2^62), saturated */
		if (qprob_mul(a, b) !=
		    ref_round_div((unsigned __int128)a * b, 1ULL << 62))
			bad++;
		/* qprob_div, qprob_ratio, qfix_ratio, qmath_mul_div */
		if (qprob_div(a, b) !=
		    ref_round_div((unsigned __int128)a << 62, b))
			bad++;
		if (qmath_mul_div(a, b, c) !=
		    ref_round_div((unsigned __int128)a * b, c))
			bad++;
		if (qfix_ratio(a, b) != (qfix)(ref_round_div(
			(unsigned __int128)a << 32, b) > (u64)QFIX_MAX ?
			QFIX_MAX : (qfix)ref_round_div((unsigned __int128)a << 32,
						       b)))
			bad++;
		/* qfix_mul with a negative operand, no overflow here */
		if (qfix_mul((qfix)(a >> 2), -(qfix)(b >> 33)) !=
		    (qfix)((m + ((__int128)1 << 31)) >> 32))
			bad++;
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(-3 * QFIX_ONE / 2, qfix_div(3 * QFIX_ONE, -2 * QFIX_ONE));
	EXPECT_EQ(QFIX_ONE / 3, qfix_div(QFIX_ONE, 3 * QFIX_ONE));
	EXPECT_EQ(-(QFIX_ONE * 2 / 3 + 1), qfix_div(-2 * QFIX_ONE, 3 * QFIX_ONE));
}

/* qfix <-> qprob conversions, exact or correctly rounded */
TEST(conversions)
{
	uint64_t st = 0x5eed0005;
	long i, bad = 0;

	for (i = 0; i < QREF_NRAND; i++) {
		qprob p = qref_rand64(&st) >> 2;	/* [0, 1) */
		qfix x = (qfix)(qref_rand64(&st) >> 30);	/* [0, 4) */

		/* to qfix: round(p / 2^30) */
		bad += qprob_to_fix(p) != (qfix)((p + (1ULL << 29)) >> 30);
		/* and back exactly */
		bad += qfix_to_prob(x) != (qprob)x << 30;
		bad += qprob_to_fix(qfix_to_prob(x)) != x;
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, qfix_to_prob(-QFIX_ONE));
	EXPECT_EQ(QPROB_MAX, qfix_to_prob(5 * QFIX_ONE));
	EXPECT_EQ(QPROB_ONE - 1, qprob_compl(1));
	EXPECT_EQ(0, qprob_compl(QPROB_ONE + 5));
	EXPECT_EQ(1000, qmath_mul_u64_prob(2000, QPROB_HALF));
}

/* ppm round trips exactly for every ppm value */
TEST(ppm_roundtrip)
{
	u32 ppm, bad = 0;

	for (ppm = 0; ppm <= 1000000; ppm++)
		if (qprob_to_ppm(qprob_from_ppm(ppm)) != ppm)
			bad++;
	EXPECT_EQ(0, bad);
	EXPECT_EQ(QPROB_ONE, qprob_from_ppm(1000000));
	EXPECT_EQ(QPROB_ONE / 2, qprob_from_ppm(500000));
}

/* ------------------------------------------------------------------ */
/* PRNG and samplers                                                   */
/* ------------------------------------------------------------------ */

/* same seed, same outcomes; another seed, other outcomes */
TEST(rng_same_seed_repeats)
{
	struct qmath_rng a, b, c;
	int i, same = 0, diff = 0;

	qmath_rng_seed(&a, 42);
	qmath_rng_seed(&b, 42);
	qmath_rng_seed(&c, 43);
	for (i = 0; i < 1000; i++) {
		qprob p = QPROB_ONE >> (i % 40);
		u64 na = qmath_rng_geometric(&a, p);
		u64 nb = qmath_rng_geometric(&b, p);
		u64 nc = qmath_rng_geometric(&c, p);

		same += na == nb;
		diff += na != nc;
		ASSERT_EQ(qmath_rng_u64(&a), qmath_rng_u64(&b));
	}
	EXPECT_EQ(1000, same);
	EXPECT_GT(diff, 500);
}

/*
 * The uniform generator: KS against U[0, 1) with n = 100000 samples at
 * alpha = 1e-6: D_crit = sqrt(-ln(alpha/2)/(2n)) = 0.0085.
 */
TEST(rng_uniform_ks)
{
	enum { N = 100000 };
	static uint64_t v[N];
	struct qmath_rng r;
	double d = 0, crit = qref_ks_crit(QREF_ALPHA, N);
	int i;

	qmath_rng_seed(&r, 7);
	for (i = 0; i < N; i++)
		v[i] = qmath_rng_prob(&r);
	qsort(v, N, sizeof(v[0]), qref_cmp_u64);
	for (i = 0; i < N; i++) {
		double f = qref_prob(v[i]);

		d = fmax(d, fmax(fabs((i + 1.0) / N - f), fabs(f - (double)i / N)));
	}
	qref_note("uniform: KS D = %.5f, D_crit(n=%d, alpha=%g) = %.5f", d, N,
		  QREF_ALPHA, crit);
	EXPECT_TRUE(d < crit)
			TH_LOG("KS D %.5f >= D_crit %.5f", d, crit);
}

/*
 * Bernoulli draws: for p on a grid from 1e-6 to 1 - 1e-6, n = 100000
 * draws each, the count within 6 binomial standard deviations
 * (normal approximation where n p (1 - p) > 10, else within 6 sd plus 6).
 */
TEST(rng_bernoulli)
{
	static const double ps[] = { 1e-6, 1e-3, 0.1, 0.25, 0.5, 0.9,
				     1 - 1e-6 };
	enum { N = 100000 };
	struct qmath_rng r;
	size_t c;

	qmath_rng_seed(&r, 8);
	for (c = 0; c < sizeof(ps) / sizeof(ps[0]); c++) {
		double p = ps[c], sd = sqrt(N * p * (1 - p));
		long k = 0, i;

		for (i = 0; i < N; i++)
			k += qmath_rng_bernoulli(&r, qref_toprob(p));
		EXPECT_TRUE(fabs(k - N * p) < 6 * sd + 6)
			TH_LOG("p=%g: %ld of %d", p, k, N);
	}
	EXPECT_FALSE(qmath_rng_bernoulli(&r, 0));
	EXPECT_TRUE(qmath_rng_bernoulli(&r, QPROB_ONE));
}

/* P(N > k) = (1 - p)^k for the geometric distribution */
static double geo_tail(double p, double k)
{
	return exp(k * log1p(-p));
}

static const double geo_ps[] = { 0.9, 0.5, 0.1, 1e-3, 1e-6, 1e-9 };

/*
 * Geometric sampler, chi-square: n = 20000 draws per p; about 20 bins at
 * equal-probability quantiles of N, boundaries integer so that each bin's
 * probability is exact: P(a < N <= b) = (1-p)^a - (1-p)^b; bins with an
 * expected count below 5 are merged into their neighbour. The statistic
 * has k - 1 dof; the test fails if its p-value (computed with the
 * regularised incomplete gamma function) is below alpha = 1e-6.
 */
TEST(geometric_chi2)
{
	enum { N = 20000, B = 20 };
	size_t c;

	for (c = 0; c < sizeof(geo_ps) / sizeof(geo_ps[0]); c++) {
		double p = geo_ps[c], obs[B + 1] = { 0 }, expd[B + 1];
		double bound[B + 1], x2, pv, lastb = 0;
		qprob pq = qref_toprob(p);
		struct qmath_rng r;
		int nb = 0, i, j;

		/* integer upper bounds of the bins; the last is open */
		for (j = 1; j < B; j++) {
			double k = ceil(log(1.0 - (double)j / B) / log1p(-p));

			if (k <= lastb)
				continue;
			if (N * (geo_tail(p, lastb) - geo_tail(p, k)) < 5)
				continue;
			bound[nb] = k;
			expd[nb] = N * (geo_tail(p, lastb) - geo_tail(p, k));
			lastb = k;
			nb++;
		}
		expd[nb] = N * geo_tail(p, lastb);
		bound[nb] = INFINITY;
		nb++;
		/* the sampler quantises p to 2^-62: use that p exactly */
		p = qref_prob(pq);

		qmath_rng_seed(&r, 1000 + c);
		for (i = 0; i < N; i++) {
			u64 n = qmath_rng_geometric(&r, pq);

			for (j = 0; j < nb && (double)n > bound[j]; j++)
				;
			obs[j]++;
		}
		x2 = qref_chi2(obs, expd, nb, &pv);
		qref_note("geometric p=%g: chi2 = %.2f with %d dof, p-value %.3g (alpha %g)",
			  p, x2, nb - 1, pv, QREF_ALPHA);
		EXPECT_TRUE(pv > QREF_ALPHA)
			TH_LOG("p=%g chi2 %.2f dof %d p-value %.3g", p, x2,
			       nb - 1, pv);
	}
}

/*
 * Geometric sampler, Kolmogorov-Smirnov against the exact discrete CDF
 * F(k) = 1 - (1-p)^k, comparing the empirical CDF with F just before and
 * at every observed value; n = 20000, D_crit = sqrt(-ln(alpha/2)/(2n)) =
 * 0.0190 at alpha = 1e-6 (conservative for a discrete F). Also checks the
 * sample mean of N p against 1 within 6 standard errors
 * (sd(N p) = sqrt(1-p) <= 1).
 */
TEST(geometric_ks)
{
	enum { N = 20000 };
	static uint64_t v[N];
	double crit = qref_ks_crit(QREF_ALPHA, N);
	size_t c;

	for (c = 0; c < sizeof(geo_ps) / sizeof(geo_ps[0]); c++) {
		double p = qref_prob(qref_toprob(geo_ps[c])), d = 0, mean = 0;
		struct qmath_rng r;
		int i;

		qmath_rng_seed(&r, 2000 + c);
		for (i = 0; i < N; i++) {
			v[i] = qmath_rng_geometric(&r, qref_toprob(geo_ps[c]));
			mean += (double)v[i] * p / N;
		}
		qsort(v, N, sizeof(v[0]), qref_cmp_u64);
		for (i = 0; i < N; i++) {
			int j = i;
			double fb = 1 - geo_tail(p, (double)v[i] - 1);
			double fa = 1 - geo_tail(p, (double)v[i]);

			while (j + 1 < N && v[j + 1] == v[i])
				j++;
			d = fmax(d, fabs((double)i / N - fb));
			d = fmax(d, fabs((j + 1.0) / N - fa));
			i = j;
		}
		qref_note("geometric p=%g: KS D = %.5f (D_crit %.5f), mean N p = %.4f",
			  p, d, crit, mean);
		EXPECT_TRUE(d < crit)
			TH_LOG("KS D %.5f >= D_crit %.5f", d, crit);
		EXPECT_TRUE(fabs(mean - 1) < 6 / sqrt(N))
			TH_LOG("mean N p = %.5f", mean);
	}
}

/*
 * The inversion itself, draw by draw: the sampler's N for the random word
 * r must be 1 + floor(ln((r + 1)/2^64) / ln(1 - p)) computed in long double
 * (64-bit mantissa), for p from 1e-9 to 1 - 1e-7. A mismatch is allowed only
 * where the reference ratio lies within 1e-8 + 1e-15 * ratio of an integer
 * (the combined rounding of both sides, about 3e-10 at p = 1e-9), where
 * rounding may decide either way.
 */
TEST(geometric_inversion_exact)
{
	static const double ps[] = { 1e-9, 3.7e-7, 1e-4, 0.01, 0.37, 0.5,
				     0.999, 1 - 1e-7 };
	size_t c;

	for (c = 0; c < sizeof(ps) / sizeof(ps[0]); c++) {
		qprob pq = qref_toprob(ps[c]);
		long double p = (long double)pq / 4611686018427387904.0L;
		long bad = 0, ambiguous = 0, i;
		struct qmath_rng r, peek;

		qmath_rng_seed(&r, 3000 + c);
		for (i = 0; i < QREF_NRAND; i++) {
			long double u, ratio, want;
			u64 w, got;

			peek = r;
			w = qmath_rng_u64(&peek);
			got = qmath_rng_geometric(&r, pq);
			u = w == QMATH_U64_MAX ? 1.0L :
			    ((long double)w + 1.0L) / 18446744073709551616.0L;
			ratio = logl(u) / log1pl(-p);
			want = floorl(ratio) + 1;
			if ((long double)got == want)
				continue;
			if (fabsl(ratio - roundl(ratio)) <= 1e-8L + 1e-15L * ratio)
				ambiguous++;
			else
				bad++;
		}
		qref_note("geometric inversion p=%g: %d draws, %ld mismatches, %ld at integer boundaries",
			  ps[c], QREF_NRAND, bad, ambiguous);
		EXPECT_EQ(0, bad);
	}
}

/* edge cases of the sampler */
TEST(geometric_edges)
{
	struct qmath_rng r;
	int i;

	qmath_rng_seed(&r, 3);
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(1, qmath_rng_geometric(&r, QPROB_ONE));
		ASSERT_EQ(QMATH_U64_MAX, qmath_rng_geometric(&r, 0));
	}
}

TEST_HARNESS_MAIN
