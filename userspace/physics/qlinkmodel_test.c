// SPDX-License-Identifier: GPL-2.0
/*
 * qlinkmodel_test.c - unit tests of kernel/qlinkmodel.c: fiber, dark
 * counts, attempt period and the three heralding schemes against a
 * double-precision reference written from Documentation/physics.rst, their
 * textbook limits, and the sampling of heralded states.
 */
#include "qref.h"
#include "qlinkmodel.h"
#include "kselftest_harness.h"

static double ref_eta(double length_m, double atten_mdb_km)
{
	return pow(10.0, -atten_mdb_km * length_m / 1e7);
}

/* 50 km at 0.2 dB/km is 10 dB: eta = 0.1; and friends */
TEST(fiber_known_values)
{
	static const struct {
		u32 length_m, atten;
		double want;
	} kv[] = {
		{ 50000, 200, 0.1 },
		{ 100000, 200, 0.01 },
		{ 0, 200, 1.0 },
		{ 25000, 200, 0.31622776601683794 },	/* 5 dB */
		{ 150000, 200, 0.001 },
		{ 1000000, 200, 1e-20 },
		{ 10000, 0, 1.0 },
	};
	size_t i;

	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		double got = qref_prob(qstate_fiber_transmittance(kv[i].length_m,
								  kv[i].atten));

		EXPECT_TRUE(fabs(got - kv[i].want) <= 1e-15 * 2 + 1e-18)
			TH_LOG("%u m at %u mdB/km: eta %.17g, want %.17g",
			       kv[i].length_m, kv[i].atten, got, kv[i].want);
	}
	/* 1 km of n = 1.47 fiber: 4903.4 ns; 50 km: 245169.6 ns */
	EXPECT_EQ(4903, qstate_fiber_delay_ns(1000, 1470));
	EXPECT_EQ(245170, qstate_fiber_delay_ns(50000, 0));
}

/*
 * Transmittance on a grid of lengths 0..1000 km and random lengths and
 * attenuations (0..10000 mdB/km, capped at 1000 dB total), bound 1e-6
 * absolute and 1e-9 relative; delay against L n / c within the 0.5 ns
 * rounding; dark-count probability against 1 - exp(-R tau).
 */
TEST(fiber_and_detector_vs_double)
{
	uint64_t st = 0x5eed0201;
	struct qref_err e = { 0 }, rel = { 0 }, ed = { 0 }, eq = { 0 };
	int i;

	for (i = 0; i < 1001 + QREF_NRAND; i++) {
		u32 len = i <= 1000 ? i * 1000 : (u32)qref_range(&st, 0, 1e6);
		u32 att = i <= 1000 ? 200 : (u32)qref_range(&st, 0, 10000);
		u32 idx = (u32)qref_range(&st, 1000, 2000);
		u32 rate = (u32)qref_logrange(&st, 1, 1e7);
		u32 win = (u32)qref_logrange(&st, 1, 1e5);
		double eta, want;

		if ((double)len * att > 1e10)
			att = (u32)(1e10 / (len + 1.0));
		eta = qref_prob(qstate_fiber_transmittance(len, att));
		want = ref_eta(len, att);
		qref_err_add(&e, eta, want, len);
		if (want > 1e-9)	/* 2^-62 is 2e-10 of 1e-9 */
			qref_err_add(&rel, eta / want, 1, len);
		qref_err_add(&ed, (double)qstate_fiber_delay_ns(len, idx),
			     len * (idx / 1000.0) / 299792458.0 * 1e9, len);
		qref_err_add(&eq, qref_prob(qstate_dark_prob(rate, win)),
			     -expm1(-(double)rate * win * 1e-9), rate);
	}
	qref_note("fiber eta: max abs err %.3e, max rel err %.3e (bounds 1e-6, 1e-9)",
		  e.max, rel.max);
	qref_note("fiber delay: max err %.3f ns (bound 0.5 ns rounding); dark prob: max abs err %.3e",
		  ed.max, eq.max);
	EXPECT_TRUE(e.max <= QREF_TOL);
	EXPECT_TRUE(rel.max <= 1e-9);
	EXPECT_TRUE(ed.max <= 0.5 + 1e-6);
	EXPECT_TRUE(eq.max <= QREF_TOL);
}

TEST(attempt_period)
{
	static const struct {
		u32 rate;
		u64 herald, want;
	} kv[] = {
		{ 1000000, 0, 1000 },		/* 1 MHz, short link */
		{ 1000000, 245171, 245171 },	/* 50 km round trip rules */
		{ 3, 0, 333333333 },
		{ 1000000000, 0, 1 },
		{ 0, 0, QMATH_U64_MAX },
	};
	size_t i;

	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		EXPECT_EQ(kv[i].want,
			  qstate_attempt_period_ns(kv[i].rate, kv[i].herald));
}

/*
 * Timing of a herald at 50 km (delay 245170 ns): a midpoint station
 * answers after the delay (half the fiber out, half back) and both
 * memories hold their qubit from the emission; direct transmission is
 * acknowledged after two delays, and the receiver (end 1) stores the
 * photon one delay after the emission.
 */
TEST(herald_and_storage_times)
{
	static const struct {
		u8 scheme;
		u64 herald, store1;
	} kv[] = {
		{ QSTATE_SINGLE_CLICK, 245170, 0 },
		{ QSTATE_DOUBLE_CLICK, 245170, 0 },
		{ QSTATE_DIRECT, 490340, 245170 },
	};
	struct qstate_link_params p;
	struct qstate_link_model m;
	size_t i;

	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		qstate_link_params_init(&p);
		p.scheme = kv[i].scheme;
		p.length_m = 50000;
		ASSERT_TRUE(qstate_link_compute(&p, &m));
		EXPECT_EQ(245170, m.delay_ns);
		EXPECT_EQ(kv[i].herald, m.herald_ns);
		EXPECT_EQ(0, m.store_ns[0]);
		EXPECT_EQ(kv[i].store1, m.store_ns[1]);
	}
}

/* ------------------------------------------------------------------ */
/* Heralding: reference                                                */
/* ------------------------------------------------------------------ */

struct dlink {
	int scheme;
	double len, att, alpha, emit, det, dark, win, vis, fsrc;
	u32 rate, idx;
};

/* P1(n): exactly one of two detectors clicks with n bunched photons */
static double ref_p1(double eta, double q, int n)
{
	double miss = pow(1 - eta, n);

	return (1 - miss) * (1 - q) + miss * 2 * q * (1 - q);
}

/* p_success and the heralded coefficients (Phi+, Psi+, Psi-, Phi-) */
static double ref_herald(const struct dlink *l, double c[4], double *period)
{
	double half = l->scheme == QSTATE_DIRECT ? 1 : 2;
	double eta = l->emit * l->det * ref_eta(l->len / half, l->att);
	double q = -expm1(-l->dark * l->win * 1e-9), d0 = 2 * q * (1 - q);
	double delay = l->len * l->idx / 1000.0 / 299792458.0 * 1e9;
	double gen, psi, phi, cv, p;
	int k;

	*period = fmax(1e9 / l->rate, l->scheme == QSTATE_DIRECT ?
		       2 * delay : delay);
	if (l->scheme == QSTATE_DIRECT) {
		gen = eta;
		psi = (1 - eta) * q;	/* false: maximally mixed */
		p = gen + psi;
		for (k = 0; k < 4; k++)
			c[k] = (gen * (k ? (1 - l->fsrc) / 3 : l->fsrc) +
				psi / 4) / p;
		return p;
	}
	if (l->scheme == QSTATE_SINGLE_CLICK) {
		double a = l->alpha;

		gen = 2 * a * (1 - a) * eta * (1 - q);
		psi = 2 * a * (1 - a) * (1 - eta) * d0;
		phi = (1 - a) * (1 - a) * d0 + a * a * ref_p1(eta, q, 2);
		cv = sqrt(l->vis);
	} else {
		double real = eta * (1 - q), p1 = ref_p1(eta, q, 1);

		gen = real * real / 2;
		psi = (p1 * p1 - real * real) / 2;
		phi = ref_p1(eta, q, 2) * d0 / 2;
		cv = l->vis;
	}
	p = gen + psi + phi;
	c[QSTATE_PSI_PLUS] = (gen * (1 + cv) / 2 + psi / 2) / p;
	c[QSTATE_PSI_MINUS] = (gen * (1 - cv) / 2 + psi / 2) / p;
	c[QSTATE_PHI_PLUS] = c[QSTATE_PHI_MINUS] = phi / 2 / p;
	return p;
}

static double max_diff_c(const struct qstate *s, const double want[4])
{
	double m = 0;
	int k;

	for (k = 0; k < 4; k++)
		m = fmax(m, fabs(qref_prob(s->c[k]) - want[k]));
	return m;
}

static void to_params(const struct dlink *l, struct qstate_link_params *p)
{
	qstate_link_params_init(p);
	p->scheme = l->scheme;
	p->length_m = (u32)l->len;
	p->atten_mdb_km = (u32)l->att;
	p->index_milli = l->idx;
	p->attempt_rate_hz = l->rate;
	p->alpha = qref_toprob(l->alpha);
	p->emit_eff = qref_toprob(l->emit);
	p->det_eff = qref_toprob(l->det);
	p->dark_rate_hz = (u32)l->dark;
	p->window_ns = (u32)l->win;
	p->visibility = qref_toprob(l->vis);
	p->source_fid = qref_toprob(l->fsrc);
}

/* quantise the double parameters to what the fixed-point model sees */
static void quantise(struct dlink *l)
{
	l->len = floor(l->len);
	l->att = floor(l->att);
	l->dark = floor(l->dark);
	l->win = floor(l->win);
	l->alpha = qref_prob(qref_toprob(l->alpha));
	l->emit = qref_prob(qref_toprob(l->emit));
	l->det = qref_prob(qref_toprob(l->det));
	l->vis = qref_prob(qref_toprob(l->vis));
	l->fsrc = qref_prob(qref_toprob(l->fsrc));
}

/*
 * The three schemes on a grid (lengths 0..200 km in 1 km steps, each
 * scheme, typical detectors) and on 3 x 10000 random parameter sets
 * (length 0..300 km, attenuation 150..400 mdB/km, alpha 1e-3..0.5,
 * efficiencies 0.05..1, dark counts 0..1e5 Hz, windows 1..100 ns,
 * visibility 0.5..1, source fidelity 0.5..1). Bounds: 1e-6 absolute on
 * p_success and on the pair rate (Hz); where p_success >= 1e-10 (the
 * link layer refuses links below 1e-9), 1e-8 relative on p_success and
 * 1e-6 absolute on every coefficient of the heralded state. Below that the
 * weights are a few units of 2^-62 and the state loses precision as
 * about 1e-18 / p_success.
 */
TEST(heralding_vs_double)
{
	uint64_t st = 0x5eed0202;
	struct qref_err ec = { 0 }, ep = { 0 }, rp = { 0 }, rr = { 0 };
	struct qref_err et = { 0 };
	long i, bad = 0, small = 0;

	for (i = 0; i < 3 * 201 + 3 * QREF_NRAND; i++) {
		struct dlink l = {
			.scheme = i % 3, .idx = 1470, .rate = 1000000,
			.len = (i / 3) * 1000.0, .att = 200, .alpha = 0.05,
			.emit = 0.5, .det = 0.9, .dark = 10, .win = 10,
			.vis = 0.95, .fsrc = 0.97,
		};
		struct qstate_link_params p;
		struct qstate_link_model m;
		double c[4], pw, period, rate;


		if (i >= 3 * 201) {
			l.len = qref_range(&st, 0, 3e5);
			l.att = qref_range(&st, 150, 400);
			l.alpha = qref_logrange(&st, 1e-3, 0.5);
			l.emit = qref_range(&st, 0.05, 1);
			l.det = qref_range(&st, 0.05, 1);
			l.dark = i & 8 ? 0 : qref_logrange(&st, 1, 1e5);
			l.win = qref_logrange(&st, 1, 100);
			l.vis = qref_range(&st, 0.5, 1);
			l.fsrc = qref_range(&st, 0.5, 1);
			l.rate = (u32)qref_logrange(&st, 1e3, 1e9);
			l.idx = (u32)qref_range(&st, 1400, 1500);
		}
		quantise(&l);
		to_params(&l, &p);
		if (!qstate_link_compute(&p, &m)) {
			bad++;
			continue;
		}
		pw = ref_herald(&l, c, &period);
		qref_err_add(&ep, qref_prob(m.p_success), pw, l.len);
		bad += m.state.bell != (l.scheme == QSTATE_DIRECT ?
					QSTATE_PHI_PLUS : QSTATE_PSI_PLUS);
		/* whole ns: direct doubles a rounded one-way delay */
		qref_err_add(&et, (double)m.period_ns, period, l.len);
		/* pair rate: absolute in Hz (qfix), with the rounded period */
		rate = qref_fix(qstate_link_pair_rate(&m));
		qref_err_add(&rr, rate, pw * 1e9 / m.period_ns, l.len);
		if (pw < 1e-10) {
			small++;
			continue;
		}
		qref_err_add(&ec, max_diff_c(&m.state, c), 0, l.len);
		qref_err_add(&rp, qref_prob(m.p_success) / pw, 1, l.len);
	}
	qref_note("heralding: p_success max abs err %.3e; for p >= 1e-10 (%ld of %ld sets): max rel err %.3e, state max abs err %.3e",
		  ep.max, rp.n, ep.n, rp.max, ec.max);
	qref_note("heralding: pair rate max abs err %.3e Hz (bound 1e-6 Hz); %ld sets below p = 1e-10",
		  rr.max, small);
	qref_note("heralding: attempt period max err %.3f ns (bound 1 ns)",
		  et.max);
	EXPECT_EQ(0, bad);
	EXPECT_TRUE(et.max <= 1 + 1e-6);
	EXPECT_TRUE(ep.max <= QREF_TOL);
	EXPECT_TRUE(ec.max <= QREF_TOL);
	EXPECT_TRUE(rp.max <= 1e-8);
	EXPECT_TRUE(rr.max <= QREF_TOL);
}

/*
 * The schemes' textbook limits, no dark counts, V = 1:
 *   single-click: p = 2 alpha eta - alpha^2 eta^2 (about 2 alpha eta),
 *                 F = 2(1 - alpha) / (2(1 - alpha) + alpha (2 - eta)),
 *                 which tends to 1 - alpha as eta -> 0;
 *   double-click: p = eta^2 / 2 with eta = eta_s eta_d eta_half, F = 1,
 *                 and F = (1 + V)/2 with visibility V;
 *   direct:       p = eta, F = source fidelity.
 */
TEST(heralding_limits)
{
	static const double alphas[] = { 0.01, 0.05, 0.1, 0.3 };
	static const u32 lens[] = { 0, 10000, 50000, 100000, 200000 };
	size_t i, j;

	for (i = 0; i < sizeof(alphas) / sizeof(alphas[0]); i++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			struct qstate_link_params p;
			struct qstate_link_model m;
			double a = alphas[i], eta, f, pw;

			qstate_link_params_init(&p);
			p.length_m = lens[j];
			p.alpha = qref_toprob(a);
			p.det_eff = qref_toprob(0.8);
			ASSERT_TRUE(qstate_link_compute(&p, &m));
			eta = 0.8 * ref_eta(lens[j] / 2.0, 200);
			pw = 2 * a * eta - a * a * eta * eta;
			f = 2 * (1 - a) / (2 * (1 - a) + a * (2 - eta));
			EXPECT_TRUE(fabs(qref_prob(m.p_success) - pw) < 1e-12 &&
				    fabs(qref_prob(qstate_fidelity(&m.state)) - f) < 1e-12)
				TH_LOG("single-click a %.2f L %u: p %.12g (want %.12g) F %.12g (want %.12g)",
				       a, lens[j], qref_prob(m.p_success), pw,
				       qref_prob(qstate_fidelity(&m.state)), f);

			p.scheme = QSTATE_DOUBLE_CLICK;
			p.emit_eff = qref_toprob(0.5);
			p.visibility = qref_toprob(1 - a);
			ASSERT_TRUE(qstate_link_compute(&p, &m));
			eta = 0.5 * 0.8 * ref_eta(lens[j] / 2.0, 200);
			EXPECT_TRUE(fabs(qref_prob(m.p_success) - eta * eta / 2) < 1e-15)
				TH_LOG("double-click L %u: p %.12g, want %.12g",
				       lens[j], qref_prob(m.p_success),
				       eta * eta / 2);
			EXPECT_TRUE(fabs(qref_prob(qstate_fidelity(&m.state)) -
					 (2 - a) / 2) < 1e-12);

			p.scheme = QSTATE_DIRECT;
			p.source_fid = qref_toprob(1 - a);
			ASSERT_TRUE(qstate_link_compute(&p, &m));
			eta = 0.5 * 0.8 * ref_eta(lens[j], 200);
			EXPECT_TRUE(fabs(qref_prob(m.p_success) - eta) < 1e-15);
			EXPECT_TRUE(fabs(qref_prob(qstate_fidelity(&m.state)) -
					 (1 - a)) < 1e-12);
		}
	}
}

/* dark counts add false heralds and lower the fidelity */
TEST(dark_counts_lower_fidelity)
{
	int scheme;

	for (scheme = 0; scheme < QSTATE_NR_SCHEME; scheme++) {
		struct qstate_link_params p;
		struct qstate_link_model m0, m1;

		qstate_link_params_init(&p);
		p.scheme = scheme;
		p.length_m = 100000;
		ASSERT_TRUE(qstate_link_compute(&p, &m0));
		p.dark_rate_hz = 100000;
		p.window_ns = 100;
		ASSERT_TRUE(qstate_link_compute(&p, &m1));
		EXPECT_GT(m1.p_success, m0.p_success);
		EXPECT_LT(qstate_fidelity(&m1.state), qstate_fidelity(&m0.state));
		EXPECT_LT(m1.p_genuine, m1.p_success);
	}
}

/*
 * Heralded states: which detector fired is a fair coin for the midpoint
 * schemes (Psi+ / Psi-): binomial over n = 100000 within 6 standard
 * deviations (normal approximation, n p (1 - p) = 25000); the fidelity is
 * the same either way; the same seed repeats the sequence.
 */
TEST(sample_state)
{
	enum { N = 100000 };
	struct qstate_link_params p;
	struct qstate_link_model m;
	struct qmath_rng r1, r2;
	long psi_minus = 0, i;

	qstate_link_params_init(&p);
	p.visibility = qref_toprob(0.9);
	ASSERT_TRUE(qstate_link_compute(&p, &m));
	qmath_rng_seed(&r1, 77);
	qmath_rng_seed(&r2, 77);
	for (i = 0; i < N; i++) {
		struct qstate s1, s2;

		qstate_link_sample_state(&m, &r1, &s1);
		qstate_link_sample_state(&m, &r2, &s2);
		ASSERT_EQ(s1.bell, s2.bell);
		ASSERT_EQ(qstate_fidelity(&s1), qstate_fidelity(&m.state));
		psi_minus += s1.bell == QSTATE_PSI_MINUS;
	}
	EXPECT_TRUE(fabs(psi_minus - N / 2.0) < 6 * sqrt(N / 4.0))
		TH_LOG("%ld Psi- of %d", psi_minus, N);
}

/* out-of-range parameters are refused */
TEST(params_refused)
{
	struct qstate_link_params p;
	struct qstate_link_model m;

	qstate_link_params_init(&p);
	p.attempt_rate_hz = 0;
	EXPECT_FALSE(qstate_link_compute(&p, &m));
	qstate_link_params_init(&p);
	p.scheme = QSTATE_NR_SCHEME;
	EXPECT_FALSE(qstate_link_compute(&p, &m));
	qstate_link_params_init(&p);
	p.alpha = QPROB_ONE + 1;
	EXPECT_FALSE(qstate_link_compute(&p, &m));
}

TEST_HARNESS_MAIN
