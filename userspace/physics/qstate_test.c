// SPDX-License-Identifier: GPL-2.0
/*
 * qstate_test.c - unit tests of kernel/qstate.c: Bell-diagonal states,
 * decoherence, swapping, purification, measurement and QKD figures, each
 * against an independent double-precision reference written from the
 * textbook formulas, plus known values derived by hand.
 */
#include <complex.h>

#include "qref.h"
#include "qstate.h"
#include "kselftest_harness.h"

/* ------------------------------------------------------------------ */
/* Double-precision references                                         */
/* ------------------------------------------------------------------ */

/* Bell index = Pauli index I X Y Z; (x, z) bits */
static int rx(int p) { return p == 1 || p == 2; }
static int rz(int p) { return p >= 2; }
static int rpauli(int x, int z) { return z ? (x ? 2 : 3) : x; }
static int rcomp(int a, int b)
{
	return rpauli(rx(a) ^ rx(b), rz(a) ^ rz(b));
}

struct dstate {
	double c[4];
	int bell;
};

static void dget(struct dstate *d, const struct qstate *s)
{
	int k;

	for (k = 0; k < 4; k++)
		d->c[k] = qref_prob(s->c[k]);
	d->bell = s->bell;
}

/* a random Bell-diagonal state, biased toward high fidelity at times */
static void rand_state(uint64_t *st, struct qstate *s)
{
	qprob w[4];
	int k, b = qref_rand64(st) & 3;
	double sharp = qref_range(st, 0, 3);

	for (k = 0; k < 4; k++)
		w[k] = qref_toprob(0.25 * pow(qref_unif(st), sharp));
	w[b] += QPROB_ONE / 2 * (qref_rand64(st) & 1);
	qstate_init(s, w, b);
}

/* sum exactly one, every coefficient in [0, 1] */
static int exact_norm(const struct qstate *s)
{
	qprob sum = 0;
	int k;

	for (k = 0; k < 4; k++) {
		if (s->c[k] > QPROB_ONE)
			return 0;
		sum += s->c[k];
	}
	return sum == QPROB_ONE && s->bell < 4;
}

static double max_diff(const struct qstate *s, const double want[4])
{
	double m = 0;
	int k;

	for (k = 0; k < 4; k++)
		m = fmax(m, fabs(qref_prob(s->c[k]) - want[k]));
	return m;
}

static void ref_depol(double c[4], double lambda)
{
	int k;

	for (k = 0; k < 4; k++)
		c[k] = lambda * c[k] + (1 - lambda) / 4;
}

/* Z error on one qubit with probability pz: Phi+ <-> Phi-, Psi+ <-> Psi- */
static void ref_dephase(double c[4], double lambda)
{
	double pz = (1 - lambda) / 2, t[4];
	int k;

	for (k = 0; k < 4; k++)
		t[k] = (1 - pz) * c[k] + pz * c[rcomp(k, 3)];
	memcpy(c, t, sizeof(t));
}

/* ------------------------------------------------------------------ */
/* Conventions                                                         */
/* ------------------------------------------------------------------ */

/* qstate_bell_compose() is the Pauli product up to phase */
TEST(bell_compose_is_pauli_product)
{
	static const double complex P[4][2][2] = {
		{ { 1, 0 }, { 0, 1 } },		/* I: Phi+ */
		{ { 0, 1 }, { 1, 0 } },		/* X: Psi+ */
		{ { 0, -I }, { I, 0 } },	/* Y: Psi- */
		{ { 1, 0 }, { 0, -1 } },	/* Z: Phi- */
	};
	int a, b, i, j, k;

	for (a = 0; a < 4; a++) {
		for (b = 0; b < 4; b++) {
			double complex m[2][2], ph = 0;
			int c = qstate_bell_compose(a, b);

			for (i = 0; i < 2; i++)
				for (j = 0; j < 2; j++)
					m[i][j] = P[a][i][0] * P[b][0][j] +
						  P[a][i][1] * P[b][1][j];
			/* m = ph * P[c] for a unit-modulus ph */
			for (i = 0; i < 2 && ph == 0; i++)
				for (j = 0; j < 2 && ph == 0; j++)
					if (cabs(P[c][i][j]) > 0.5)
						ph = m[i][j] / P[c][i][j];
			EXPECT_TRUE(fabs(cabs(ph) - 1) < 1e-12);
			for (i = 0; i < 2; i++)
				for (j = 0; j < 2; j++)
					EXPECT_TRUE(cabs(m[i][j] - ph * P[c][i][j])
						    < 1e-12)
						TH_LOG("P%d P%d is not P%d", a, b, c);
			k = rcomp(a, b);
			EXPECT_EQ(k, c);
		}
	}
}

/* ------------------------------------------------------------------ */
/* States                                                              */
/* ------------------------------------------------------------------ */

TEST(werner_and_normalisation_exact)
{
	uint64_t st = 0x5eed0101;
	struct qref_err e = { 0 };
	long i, bad = 0;

	for (i = 0; i < QREF_NRAND + 1001; i++) {
		double f = i <= 1000 ? i / 1000.0 : qref_unif(&st);
		struct qstate s, t;
		int b = i & 3, k;

		qstate_init_werner(&s, qref_toprob(f), b);
		bad += !exact_norm(&s);
		for (k = 0; k < 4; k++)
			qref_err_add(&e, qref_prob(s.c[k]),
				     k == b ? f : (1 - f) / 3, f);
		qref_err_add(&e, qref_fix(qstate_werner_param(&s)),
			     (4 * f - 1) / 3, f);
		rand_state(&st, &t);
		bad += !exact_norm(&t);
		qstate_twirl(&t);
		bad += !exact_norm(&t);
		qstate_apply_pauli(&t, i & 3);
		bad += !exact_norm(&t);
	}
	qref_note("werner: max abs err %.3e over %ld values (bound %.0e); %ld states not exactly normalised",
		  e.max, e.n, QREF_TOL, bad);
	EXPECT_EQ(0, bad);
	EXPECT_TRUE(e.max <= QREF_TOL);
}

/*
 * The small state operations on random states (grid of 1001 lambdas and
 * 10000 random cases), each against its double formula, bound 1e-6:
 * qstate_init (weights / sum), qstate_apply_pauli (relabelling),
 * qstate_twirl (Werner of the same F), qstate_depolarise and
 * qstate_dephase with a given lambda, qstate_pauli_channel with random
 * weights, qstate_disagree_prob and qstate_qber in each basis.
 */
TEST(state_ops_vs_double)
{
	uint64_t st = 0x5eed0108;
	struct qref_err e = { 0 };
	long i, bad = 0;

	for (i = 0; i < 1001 + QREF_NRAND; i++) {
		double lam = i <= 1000 ? i / 1000.0 : qref_unif(&st);
		double wd[4], sum = 0, want[4], w4[4], wsum = 0;
		qprob wq[4], lq = qref_toprob(lam);
		struct qstate s, t;
		struct dstate d;
		int k, p = qref_rand64(&st) & 3, basis;

		for (k = 0; k < 4; k++) {
			wq[k] = qref_toprob(qref_unif(&st));
			wd[k] = qref_prob(wq[k]);
			sum += wd[k];
		}
		qstate_init(&s, wq, p);
		for (k = 0; k < 4; k++)
			want[k] = wd[k] / sum;
		qref_err_add(&e, max_diff(&s, want), 0, i);
		bad += !exact_norm(&s) || s.bell != p;
		dget(&d, &s);

		t = s;
		qstate_apply_pauli(&t, i & 3);
		for (k = 0; k < 4; k++)
			want[rcomp(k, i & 3)] = d.c[k];
		qref_err_add(&e, max_diff(&t, want), 0, i);
		bad += t.bell != rcomp(p, i & 3) || !exact_norm(&t);

		t = s;
		qstate_twirl(&t);
		for (k = 0; k < 4; k++)
			want[k] = k == p ? d.c[p] : (1 - d.c[p]) / 3;
		qref_err_add(&e, max_diff(&t, want), 0, i);

		t = s;
		qstate_depolarise(&t, lq);
		memcpy(want, d.c, sizeof(want));
		ref_depol(want, qref_prob(lq));
		qref_err_add(&e, max_diff(&t, want), 0, lam);

		t = s;
		qstate_dephase(&t, lq);
		memcpy(want, d.c, sizeof(want));
		ref_dephase(want, qref_prob(lq));
		qref_err_add(&e, max_diff(&t, want), 0, lam);

		for (k = 0; k < 4; k++) {
			w4[k] = qref_unif(&st);
			wsum += w4[k];
		}
		for (k = 0; k < 4; k++)
			wq[k] = qref_toprob(w4[k] / wsum);
		wq[0] = QPROB_ONE - wq[1] - wq[2] - wq[3];
		t = s;
		qstate_pauli_channel(&t, wq);
		for (k = 0; k < 4; k++) {
			int q;

			want[k] = 0;
			for (q = 0; q < 4; q++)
				want[k] += qref_prob(wq[q]) * d.c[rcomp(k, q)];
		}
		qref_err_add(&e, max_diff(&t, want), 0, i);
		bad += !exact_norm(&t);

		for (basis = 0; basis < 3; basis++) {
			double dis = 0;

			for (k = 0; k < 4; k++)
				if ((basis == 0 && rx(k)) ||
				    (basis == 1 && rz(k)) ||
				    (basis == 2 && rx(k) == rz(k)))
					dis += d.c[k];
			qref_err_add(&e, qref_prob(qstate_disagree_prob(&s, basis)),
				     dis, i);
			qref_err_add(&e, qref_prob(qstate_qber(&s, basis)),
				     qstate_bell_anticorrelated(p, basis) ?
				     1 - dis : dis, i);
		}
	}
	qref_note("state operations: max abs err %.3e over %ld values (bound %.0e)",
		  e.max, e.n, QREF_TOL);
	EXPECT_EQ(0, bad);
	EXPECT_TRUE(e.max <= QREF_TOL);
}

/*
 * Sampled purification succeeds with the probability qstate_purify()
 * returns: n = 100000 at N = 788/900, binomial within 6 standard
 * deviations (normal approximation: n N (1 - N) = 10900 >> 10).
 */
TEST(purify_sample_rate)
{
	enum { N = 100000 };
	struct qstate_purify_params prm = { .proto = QSTATE_PURIFY_DEJMPS };
	struct qstate a, out;
	struct qmath_rng r;
	double p = 788 / 900.0;
	long ok = 0, i;

	qstate_init_werner(&a, qref_toprob(0.9), QSTATE_PHI_PLUS);
	qmath_rng_seed(&r, 21);
	for (i = 0; i < N; i++)
		ok += qstate_purify_sample(&out, &a, &a, &prm, &r);
	qref_note("purify sampling: %ld/%d successes, expected %.1f +- %.1f",
		  ok, N, N * p, 6 * sqrt(N * p * (1 - p)));
	EXPECT_TRUE(fabs(ok - N * p) < 6 * sqrt(N * p * (1 - p)));
}

/* Pauli channel on one qubit: c'[k] = sum_p w[p] c[k o p] */
static void ref_pauli(double c[4], const double w[4])
{
	double t[4] = { 0 };
	int k, p;

	for (k = 0; k < 4; k++)
		for (p = 0; p < 4; p++)
			t[k] += w[p] * c[rcomp(k, p)];
	memcpy(c, t, sizeof(t));
}

/*
 * Pauli weights of the twirl of a channel given by Kraus operators: the
 * diagonal of its chi matrix, w[P] = sum_K |Tr(P K)/2|^2 (I X Y Z order).
 */
static void ref_twirl_kraus(double w[4], const double complex (*k)[2][2],
			    int nk)
{
	static const double complex pauli[4][2][2] = {
		{ { 1, 0 }, { 0, 1 } },
		{ { 0, 1 }, { 1, 0 } },
		{ { 0, -I }, { I, 0 } },
		{ { 1, 0 }, { 0, -1 } },
	};
	int p, i, a, b;

	for (p = 0; p < 4; p++) {
		w[p] = 0;
		for (i = 0; i < nk; i++) {
			double complex tr = 0;

			for (a = 0; a < 2; a++)
				for (b = 0; b < 2; b++)
					tr += conj(pauli[p][b][a]) * k[i][b][a];
			w[p] += cabs(tr / 2) * cabs(tr / 2);
		}
	}
}

/*
 * The memory channel in double, from first principles: amplitude damping
 * with gamma = 1 - e^(-dt/T1) (Kraus operators K0 = diag(1, sqrt(1 -
 * gamma)), K1 = sqrt(gamma) |0><1|), Pauli-twirled through its chi matrix,
 * then pure dephasing for 1/Tphi = 1/T2 - 1/(2 T1): Z with probability
 * (1 - e^(-dt/Tphi))/2. t1 = 0: no damping; t2 = 0: no pure dephasing.
 */
static void ref_memory(double c[4], double dt, double t1, double t2)
{
	double gamma = t1 ? 1 - exp(-dt / t1) : 0, w[4], rate;
	double complex k[2][2][2] = {
		{ { 1, 0 }, { 0, sqrt(1 - gamma) } },
		{ { 0, sqrt(gamma) }, { 0, 0 } },
	};

	ref_twirl_kraus(w, k, 2);
	ref_pauli(c, w);
	rate = (t2 ? 1 / t2 : 0) - (t1 && t2 ? 1 / (2 * t1) : 0);
	ref_dephase(c, exp(-dt * rate));
}

/*
 * The closed forms of Documentation/physics.rst: pX = pY = (1 - e)/4 and
 * pZ = (1 + e - 2 sqrt e)/4 with e = e^(-dt/T1) are the twirl of amplitude
 * damping (checked against the chi matrix, 1e-15), and a qubit's Pauli
 * transfer factors after qstate_decohere() are e^(-dt/T1) on Z and
 * e^(-dt/T2) on X and Y: the coherence decays with the total T2.
 */
TEST(decoherence_closed_forms)
{
	static const struct {
		double dt, t1, t2;
	} tab[] = {
		{ 1e6, 1e6, 2e6 }, { 1e6, 1e6, 1e6 }, { 5e5, 1e6, 3e5 },
		{ 3e6, 2e6, 0 }, { 1e5, 0, 4e5 }, { 2e7, 1e6, 1.5e6 },
		{ 1, 1e9, 2e9 }, { 1e9, 1e9, 1e8 },
	};
	double maxerr = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tab); i++) {
		double dt = tab[i].dt, t1 = tab[i].t1, t2 = tab[i].t2;
		double e = t1 ? exp(-dt / t1) : 1, lx, lz, w[4];
		double complex k[2][2][2] = {
			{ { 1, 0 }, { 0, sqrt(e) } },
			{ { 0, sqrt(1 - e) }, { 0, 0 } },
		};
		struct qstate s;
		double c[4];

		ref_twirl_kraus(w, k, 2);
		maxerr = fmax(maxerr, fabs(w[1] - (1 - e) / 4));
		maxerr = fmax(maxerr, fabs(w[2] - (1 - e) / 4));
		maxerr = fmax(maxerr, fabs(w[3] - (1 + e - 2 * sqrt(e)) / 4));

		/* Phi+ -> c; <XX> = c0 + c1 - c2 - c3, <ZZ> = c0 - c1 - c2 + c3 */
		qstate_init_werner(&s, QPROB_ONE, QSTATE_PHI_PLUS);
		qstate_decohere(&s, (u64)dt, (u64)t1, (u64)t2);
		for (int j = 0; j < 4; j++)
			c[j] = qref_prob(s.c[j]);
		lx = c[0] + c[1] - c[2] - c[3];
		lz = c[0] - c[1] - c[2] + c[3];
		maxerr = fmax(maxerr, fabs(lz - e));
		maxerr = fmax(maxerr, fabs(lx - exp(-dt / (t2 ? t2 : 2 * t1))));
	}
	qref_note("decoherence closed forms: max abs err %.3e", maxerr);
	EXPECT_TRUE(maxerr <= QREF_TOL);
}

/*
 * Decoherence of one qubit for dt with T1, T2 (T2 <= 2 T1), against
 * ref_memory() in double; grid over dt/T1 in [0, 10] and random states
 * and times, T1 or T2 unset at times. Also: lazy application in two steps
 * equals one step (bound 1e-15, a few units of 2^-62), the state stays
 * exactly normalised, and an unphysical T2 > 2 T1 still gives a state.
 */
TEST(decoherence_vs_double)
{
	uint64_t st = 0x5eed0102;
	struct qref_err e = { 0 }, lazy = { 0 };
	long i, bad = 0;

	for (i = 0; i < QREF_NRAND + 1001; i++) {
		struct qstate s, s2;
		struct dstate d;
		u64 t1 = (u64)qref_logrange(&st, 1e3, 1e12);
		u64 t2 = (u64)qref_logrange(&st, 1e2, 2.0 * t1);
		u64 dt = i <= 1000 ? (u64)(t1 * (i / 100.0)) :
			 (u64)(t1 * qref_logrange(&st, 1e-6, 20));

		if (i % 7 == 0)
			t2 = 0;		/* no pure dephasing */
		else if (i % 11 == 0)
			t1 = 0;		/* dephasing only */
		rand_state(&st, &s);
		dget(&d, &s);
		s2 = s;
		qstate_decohere(&s, dt, t1, t2);
		ref_memory(d.c, dt, t1, t2);
		qref_err_add(&e, max_diff(&s, d.c), 0,
			     (double)dt / (t1 ? t1 : t2));
		bad += !exact_norm(&s);

		qstate_decohere(&s2, dt / 2, t1, t2);
		qstate_decohere(&s2, dt - dt / 2, t1, t2);
		qref_err_add(&lazy, max_diff(&s2, d.c), max_diff(&s, d.c), 0);

		/* T2 beyond 2 T1: capped, never a negative weight */
		if (t1 && i % 5 == 0) {
			s2 = s;
			qstate_decohere(&s2, dt, t1, 4 * t1 + 1);
			bad += !exact_norm(&s2);
		}
	}
	qref_note("decoherence: max abs err %.3e (bound %.0e); two steps vs one: %.3e",
		  e.max, QREF_TOL, lazy.max);
	EXPECT_EQ(0, bad);
	EXPECT_TRUE(e.max <= QREF_TOL);
	EXPECT_TRUE(lazy.max <= QREF_TOL);
}

/* ------------------------------------------------------------------ */
/* Swapping                                                            */
/* ------------------------------------------------------------------ */

/* two Werner pairs of F = 0.9 swap to F = (3 w^2 + 1)/4 = 0.81333... */
TEST(swap_known_values)
{
	static const struct {
		double f1, f2, want;
	} kv[] = {
		{ 0.9, 0.9, 0.8133333333333333 },	/* w = 0.8666..: 0.7511.. */
		{ 1.0, 0.9, 0.9 },
		{ 1.0, 1.0, 1.0 },
		{ 0.25, 0.99, 0.25 },
		{ 0.95, 0.8, 0.7633333333333333 },	/* w .9333 * .7333 = .68444 */
	};
	size_t i;

	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		struct qstate a, b, out;
		double got;

		qstate_init_werner(&a, qref_toprob(kv[i].f1), QSTATE_PHI_PLUS);
		qstate_init_werner(&b, qref_toprob(kv[i].f2), QSTATE_PHI_PLUS);
		qstate_swap(&out, &a, &b, QSTATE_PHI_PLUS, NULL);
		got = qref_prob(qstate_fidelity(&out));
		EXPECT_TRUE(fabs(got - kv[i].want) < 1e-15)
			TH_LOG("swap %.2f x %.2f: F = %.17g, want %.17g",
			       kv[i].f1, kv[i].f2, got, kv[i].want);
		EXPECT_EQ(QSTATE_PHI_PLUS, out.bell);
	}
}

/*
 * Random pairs, frames and outcomes, with and without gate and readout
 * noise, against the double composition
 *   c'[i o j o m] += a[i] b[j], then c' <- (1-g) c' + g/4,
 *   then each BSM bit wrong with e: c''[k] = sum_p w_p c'[k o p],
 *   w = ((1-e)^2, e(1-e), e^2, e(1-e)) for I, X, Y, Z.
 * Nominal state a o b o m. Bound 1e-6.
 */
TEST(swap_vs_double)
{
	uint64_t st = 0x5eed0103;
	struct qref_err e = { 0 };
	long i, bad = 0;

	for (i = 0; i < QREF_NRAND; i++) {
		struct qstate a, b, out;
		struct qstate_swap_params prm = {
			.p_bsm = QPROB_ONE,
			.gate_depol = qref_toprob(i & 1 ? qref_unif(&st) * 0.1 : 0),
			.readout_err = qref_toprob(i & 2 ? qref_unif(&st) * 0.1 : 0),
		};
		struct dstate da, db;
		double c[4] = { 0 }, w[4], t[4], g, er;
		int m = qref_rand64(&st) & 3, x, y, k;

		rand_state(&st, &a);
		rand_state(&st, &b);
		dget(&da, &a);
		dget(&db, &b);
		qstate_swap(&out, &a, &b, m, &prm);

		for (x = 0; x < 4; x++)
			for (y = 0; y < 4; y++)
				c[rcomp(rcomp(x, y), m)] += da.c[x] * db.c[y];
		g = qref_prob(prm.gate_depol);
		ref_depol(c, 1 - g);
		er = qref_prob(prm.readout_err);
		w[0] = (1 - er) * (1 - er);
		w[1] = w[3] = er * (1 - er);
		w[2] = er * er;
		for (k = 0; k < 4; k++)
			t[k] = w[0] * c[k] + w[1] * c[rcomp(k, 1)] +
			       w[2] * c[rcomp(k, 2)] + w[3] * c[rcomp(k, 3)];
		qref_err_add(&e, max_diff(&out, t), 0, i);
		bad += !exact_norm(&out);
		bad += out.bell != rcomp(rcomp(da.bell, db.bell), m);
	}
	qref_note("swap: max abs err %.3e over %ld swaps (bound %.0e)", e.max,
		  e.n, QREF_TOL);
	EXPECT_EQ(0, bad);
	EXPECT_TRUE(e.max <= QREF_TOL);
}

/* Werner in, Werner out with w' = w1 w2, for every outcome */
TEST(swap_werner_product)
{
	uint64_t st = 0x5eed0104;
	struct qref_err e = { 0 };
	long i;

	for (i = 0; i < QREF_NRAND; i++) {
		double f1 = qref_range(&st, 0.25, 1), f2 = qref_range(&st, 0.25, 1);
		double w1, w2, fw;
		struct qstate a, b, out;

		qstate_init_werner(&a, qref_toprob(f1), i & 3);
		qstate_init_werner(&b, qref_toprob(f2), (i >> 2) & 3);
		w1 = (4 * qref_prob(a.c[a.bell]) - 1) / 3;
		w2 = (4 * qref_prob(b.c[b.bell]) - 1) / 3;
		qstate_swap(&out, &a, &b, (i >> 4) & 3, NULL);
		fw = (3 * w1 * w2 + 1) / 4;
		qref_err_add(&e, qref_prob(qstate_fidelity(&out)), fw, f1);
		qref_err_add(&e, qref_prob(out.c[rcomp(out.bell, 1)]),
			     (1 - fw) / 3, f1);
	}
	qref_note("swap of Werner states: max abs err %.3e against w' = w1 w2",
		  e.max);
	EXPECT_TRUE(e.max <= QREF_TOL);
}

/* success is sampled with p_bsm: binomial, 6 standard deviations */
TEST(swap_sample_success_rate)
{
	enum { N = 100000 };
	struct qstate_swap_params prm = { .p_bsm = QPROB_HALF };
	struct qstate a, b, out;
	struct qmath_rng r;
	double obs[4] = { 0 }, expd[4] = { N / 8.0, N / 8.0, N / 8.0, N / 8.0 };
	double pv;
	int i, ok = 0;
	u8 m;

	qstate_init_werner(&a, qref_toprob(0.9), QSTATE_PHI_PLUS);
	qstate_init_werner(&b, qref_toprob(0.9), QSTATE_PHI_PLUS);
	qmath_rng_seed(&r, 11);
	for (i = 0; i < N; i++) {
		if (qstate_swap_sample(&out, &a, &b, &prm, &r, &m)) {
			ok++;
			obs[m]++;
		}
	}
	/* outcomes uniform among successes: chi-square, 3 dof */
	for (i = 0; i < 4; i++)
		expd[i] = ok / 4.0;
	qref_chi2(obs, expd, 4, &pv);
	qref_note("swap sampling: %d/%d successes (p_bsm 0.5), outcome p-value %.3g",
		  ok, N, pv);
	EXPECT_TRUE(fabs(ok - N / 2.0) < 6 * sqrt(N * 0.25));
	EXPECT_TRUE(pv > QREF_ALPHA);
}

/* ------------------------------------------------------------------ */
/* Purification                                                        */
/* ------------------------------------------------------------------ */

/*
 * DEJMPS closed form (Deutsch et al. 1996) on (A, B, C, D) =
 * (Phi+, Psi-, Psi+, Phi-) for two inputs, and its odd-parity branch,
 * written out in plain bilateral-CNOT labels a = A, x = C, y = D, z = B:
 *   even: I a1a2 + z1z2, Z a1z2 + z1a2, X x1x2 + y1y2, Y x1y2 + y1x2
 *   odd:  I a1x2 + z1y2, Z a1y2 + z1x2, X x1a2 + y1z2, Y x1z2 + y1a2
 * then I X Y Z = Phi+ Psi+ Psi- Phi-. For equal inputs even gives
 * A' = (A^2 + B^2)/N, B' = 2CD/N, C' = (C^2 + D^2)/N, D' = 2AB/N.
 */
static double ref_dejmps(const double c1[4], const double c2[4], double flip,
			 double out[4])
{
	double a1 = c1[0], x1 = c1[1], y1 = c1[3], z1 = c1[2];
	double a2 = c2[0], x2 = c2[1], y2 = c2[3], z2 = c2[2];
	double ev[4], od[4], n = 0;
	int k;

	ev[0] = a1 * a2 + z1 * z2;
	ev[3] = a1 * z2 + z1 * a2;
	ev[1] = x1 * x2 + y1 * y2;
	ev[2] = x1 * y2 + y1 * x2;
	od[0] = a1 * x2 + z1 * y2;
	od[3] = a1 * y2 + z1 * x2;
	od[1] = x1 * a2 + y1 * z2;
	od[2] = x1 * z2 + y1 * a2;
	for (k = 0; k < 4; k++) {
		out[k] = (1 - flip) * ev[k] + flip * od[k];
		n += out[k];
	}
	for (k = 0; k < 4; k++)
		out[k] /= n;
	return n;
}

/*
 * Two-qubit depolarising at the nodes' gates: with probability G the
 * inputs are I/16, which passes the check with 1/2 and leaves I/4. @out
 * (normalised, success @n) becomes the mixture; returns its success.
 */
static double ref_gate_mix(double out[4], double n, double gg)
{
	double m = (1 - gg) * n + gg / 2;
	int k;

	for (k = 0; k < 4; k++)
		out[k] = ((1 - gg) * n * out[k] + gg / 8) / m;
	return m;
}

/* BBPSSW closed form (Bennett et al. 1996) on Werner fidelities */
static double ref_bbpssw(double f1, double f2, double *fout)
{
	double r1 = (1 - f1) / 3, r2 = (1 - f2) / 3;
	double n = f1 * f2 + f1 * r2 + r1 * f2 + 5 * r1 * r2;

	*fout = (f1 * f2 + r1 * r2) / n;
	return n;
}

/* hand-derived values, see the comment of each row */
TEST(purify_known_values)
{
	static const struct {
		const char *what;
		u8 proto;
		double c[4];		/* Phi+, Psi+, Psi-, Phi- */
		double f, n;		/* output fidelity, success prob */
	} kv[] = {
		/* A = 0.9, B = C = D = 1/30: N = 788/900, A' = 730/788 */
		{ "DEJMPS Werner 0.9", QSTATE_PURIFY_DEJMPS,
		  { 0.9, 1 / 30.0, 1 / 30.0, 1 / 30.0 },
		  730 / 788.0, 788 / 900.0 },
		/* BBPSSW on the same state: the same first round */
		{ "BBPSSW Werner 0.9", QSTATE_PURIFY_BBPSSW,
		  { 0.9, 1 / 30.0, 1 / 30.0, 1 / 30.0 },
		  730 / 788.0, 788 / 900.0 },
		/* F = 0.7, r = 0.1: N = .49 + .14 + .05 = .68, F' = .5/.68 */
		{ "BBPSSW Werner 0.7", QSTATE_PURIFY_BBPSSW,
		  { 0.7, 0.1, 0.1, 0.1 }, 0.5 / 0.68, 0.68 },
		/* A .7 B(Psi-) .2 C(Psi+) .06 D(Phi-) .04: N = .81 + .01,
		 * A' = (.49 + .04)/.82
		 */
		{ "DEJMPS A.7 B.2 C.06 D.04", QSTATE_PURIFY_DEJMPS,
		  { 0.7, 0.06, 0.2, 0.04 }, 0.53 / 0.82, 0.82 },
		/* A .8 B .1 C .1 D 0: N = .81 + .01, A' = .65/.82 */
		{ "DEJMPS A.8 B.1 C.1 D0", QSTATE_PURIFY_DEJMPS,
		  { 0.8, 0.1, 0.1, 0 }, 0.65 / 0.82, 0.82 },
		/* twirled first: F .8 -> r = 1/15: N = .64 + 2*.8/15 +
		 * 5/225, F' = (.64 + 1/225)/N
		 */
		{ "BBPSSW A.8 B.1 C.1 D0", QSTATE_PURIFY_BBPSSW,
		  { 0.8, 0.1, 0.1, 0 }, (0.64 + 1 / 225.0) /
		  (0.64 + 1.6 / 15 + 5 / 225.0), 0.64 + 1.6 / 15 + 5 / 225.0 },
	};
	size_t i;

	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		struct qstate_purify_params prm = { .proto = kv[i].proto };
		struct qstate s, out;
		qprob w[4];
		double f, n;
		int k;

		for (k = 0; k < 4; k++)
			w[k] = qref_toprob(kv[i].c[k]);
		qstate_init(&s, w, QSTATE_PHI_PLUS);
		n = qref_prob(qstate_purify(&out, &s, &s, &prm));
		f = qref_prob(qstate_fidelity(&out));
		EXPECT_TRUE(fabs(f - kv[i].f) < 1e-12 && fabs(n - kv[i].n) < 1e-12)
			TH_LOG("%s: F' %.15f N %.15f, want %.15f %.15f",
			       kv[i].what, f, n, kv[i].f, kv[i].n);
	}
}

/*
 * Random pairs (any frames, any nominal states), with and without gate
 * two-qubit gate depolarising and readout errors at each node (the same
 * or different at the two), against ref_dejmps()/ref_bbpssw() on the
 * inputs relative to their nominal states, mixed with the I/16 the gates
 * leave with G = 1 - (1 - g_A)(1 - g_B): unnormalised outputs times
 * (1 - G) plus G/8, success (1 - G) N + G/2; the parity misread with
 * e_A (1 - e_B) + e_B (1 - e_A). Bound 1e-6 on every output coefficient
 * and on the success probability.
 */
TEST(purify_vs_double)
{
	uint64_t st = 0x5eed0105;
	struct qref_err e = { 0 };
	long i, bad = 0;

	for (i = 0; i < 2 * QREF_NRAND; i++) {
		struct qstate_purify_params prm = {
			.proto = i & 1 ? QSTATE_PURIFY_BBPSSW :
					 QSTATE_PURIFY_DEJMPS,
			.gate_depol = qref_toprob(i & 2 ? qref_unif(&st) * 0.1 : 0),
			.readout_err = qref_toprob(i & 4 ? qref_unif(&st) * 0.1 : 0),
			.gate_depol_b = QSTATE_PURIFY_SAME,
			.readout_err_b = QSTATE_PURIFY_SAME,
		};
		struct qstate a, b, out;
		struct dstate da, db;
		double e1[4], e2[4], want[4], n, ga, gb, gg, ea, eb, er, fo;
		int k;

		/* every eighth step node B differs from node A */
		if (i % 8 >= 6) {
			prm.gate_depol_b = qref_toprob(qref_unif(&st) * 0.1);
			prm.readout_err_b = qref_toprob(qref_unif(&st) * 0.1);
		}
		rand_state(&st, &a);
		rand_state(&st, &b);
		dget(&da, &a);
		dget(&db, &b);
		ga = qref_prob(prm.gate_depol);
		ea = qref_prob(prm.readout_err);
		gb = prm.gate_depol_b == QSTATE_PURIFY_SAME ? ga :
		     qref_prob(prm.gate_depol_b);
		eb = prm.readout_err_b == QSTATE_PURIFY_SAME ? ea :
		     qref_prob(prm.readout_err_b);
		gg = 1 - (1 - ga) * (1 - gb);
		er = ea * (1 - eb) + eb * (1 - ea);
		/* relative to the nominal states */
		for (k = 0; k < 4; k++) {
			e1[k] = da.c[rcomp(k, da.bell)];
			e2[k] = db.c[rcomp(k, db.bell)];
		}
		if (prm.proto == QSTATE_PURIFY_BBPSSW && er == 0) {
			n = ref_bbpssw(e1[0], e2[0], &fo);
			want[0] = fo;
			want[1] = want[2] = want[3] = (1 - fo) / 3;
			n = ref_gate_mix(want, n, gg);
		} else if (prm.proto == QSTATE_PURIFY_BBPSSW) {
			/* twirled inputs through the plain CNOT: no rotation */
			double t1[4], t2[4], ev[4];

			for (k = 0; k < 4; k++) {
				t1[k] = k ? (1 - e1[0]) / 3 : e1[0];
				t2[k] = k ? (1 - e2[0]) / 3 : e2[0];
			}
			/* ref_dejmps swaps Psi-/Phi-; for Werner no-op */
			n = ref_dejmps(t1, t2, er, ev);
			n = ref_gate_mix(ev, n, gg);
			want[0] = ev[0];
			want[1] = want[2] = want[3] = (1 - ev[0]) / 3;
		} else {
			n = ref_dejmps(e1, e2, er, want);
			n = ref_gate_mix(want, n, gg);
		}
		/* back to absolute labels in a's frame */
		for (k = 0; k < 4; k++)
			e1[rcomp(k, da.bell)] = want[k];
		n = fabs(qref_prob(qstate_purify(&out, &a, &b, &prm)) - n);
		qref_err_add(&e, fmax(n, max_diff(&out, e1)), 0, i);
		bad += !exact_norm(&out) || out.bell != a.bell;
	}
	qref_note("purify: max abs err %.3e over %ld steps (bound %.0e)",
		  e.max, e.n, QREF_TOL);
	EXPECT_EQ(0, bad);
	EXPECT_TRUE(e.max <= QREF_TOL);
}

/* ------------------------------------------------------------------ */
/* Measurement                                                         */
/* ------------------------------------------------------------------ */

/* Werner: QBER 2(1 - F)/3 in every basis and every nominal state */
TEST(qber_werner)
{
	struct qref_err e = { 0 };
	int i, b, basis;

	for (i = 0; i <= 1000; i++) {
		double f = 0.25 + 0.75 * i / 1000;

		for (b = 0; b < 4; b++) {
			for (basis = 0; basis < 3; basis++) {
				struct qstate s;

				qstate_init_werner(&s, qref_toprob(f), b);
				qref_err_add(&e, qref_prob(qstate_qber(&s, basis)),
					     2 * (1 - f) / 3, f);
			}
		}
	}
	qref_note("QBER of Werner states: max abs err %.3e against 2(1-F)/3",
		  e.max);
	EXPECT_TRUE(e.max <= QREF_TOL);
}

/* correlations of the four Bell states, from their stabilisers */
TEST(bell_correlations)
{
	/* anticorrelated? [bell][basis Z, X, Y] */
	static const int anti[4][3] = {
		{ 0, 0, 1 },	/* Phi+: ZZ +1, XX +1, YY -1 */
		{ 1, 0, 0 },	/* Psi+: ZZ -1, XX +1, YY +1 */
		{ 1, 1, 1 },	/* Psi-: all -1 */
		{ 0, 1, 0 },	/* Phi-: ZZ +1, XX -1, YY +1 */
	};
	int b, basis;

	for (b = 0; b < 4; b++)
		for (basis = 0; basis < 3; basis++)
			EXPECT_EQ(anti[b][basis],
				  qstate_bell_anticorrelated(b, basis));
}

/*
 * Sampled outcomes: for random states and each of the 9 basis pairs,
 * n = 20000 joint outcomes (00, 01, 10, 11) against the expected
 * probabilities (1 - d)/2, d/2, d/2, (1 - d)/2 in equal bases (d the
 * disagreement probability) and 1/4 each otherwise: chi-square with 3 dof,
 * fail below p-value 1e-6. Same for qstate_measure_end() at each end on
 * the undecohered state with each end's storage as a local flip
 * (qstate_flip_prob(), 30 ms and 70 ms in memories of T1 200 ms, T2 100
 * ms), against the state decohered by qstate_decohere() at both ends.
 */
TEST(measure_chi2)
{
	enum { N = 20000 };
	uint64_t st = 0x5eed0106;
	double worst = 1;
	int t, ba, bb, i;

	for (t = 0; t < 4; t++) {
		struct qstate s;
		struct qmath_rng r;

		rand_state(&st, &s);
		qmath_rng_seed(&r, 100 + t);
		for (ba = 0; ba < 3; ba++) {
			for (bb = 0; bb < 3; bb++) {
				double obs[4] = { 0 }, obs2[4] = { 0 }, expd[4];
				double expd2[4];
				double d = qref_prob(qstate_disagree_prob(&s, ba));
				double pv, pv2, d2;
				qprob fa = qstate_flip_prob(30000000, 200000000,
							    100000000, ba);
				qprob fb = qstate_flip_prob(70000000, 200000000,
							    100000000, bb);
				struct qstate sd = s;
				u8 a, b;

				qstate_decohere(&sd, 30000000, 200000000,
						100000000);
				qstate_decohere(&sd, 70000000, 200000000,
						100000000);
				d2 = qref_prob(qstate_disagree_prob(&sd, ba));
				for (i = 0; i < N; i++) {
					struct qmath_rng pa, pb;

					qstate_measure(&s, ba, bb, &r, &a, &b);
					obs[a * 2 + b]++;
					qmath_rng_seed(&pa, qmath_rng_u64(&r));
					pb = pa;
					if (ba != bb)
						qmath_rng_seed(&pb,
							qmath_rng_u64(&r));
					a = qstate_measure_end(&s, ba, false,
							       &pa, fa, &r);
					b = qstate_measure_end(&s, bb, true,
							       &pb, fb, &r);
					obs2[a * 2 + b]++;
				}
				if (ba == bb) {
					expd[0] = expd[3] = N * (1 - d) / 2;
					expd[1] = expd[2] = N * d / 2;
					expd2[0] = expd2[3] = N * (1 - d2) / 2;
					expd2[1] = expd2[2] = N * d2 / 2;
				} else {
					expd[0] = expd[1] = N / 4.0;
					expd[2] = expd[3] = N / 4.0;
					memcpy(expd2, expd, sizeof(expd));
				}
				/* tiny expected counts: merge into their row */
				if (expd[1] < 5) {
					obs[0] += obs[1];
					obs[3] += obs[2];
					obs2[0] += obs2[1];
					obs2[3] += obs2[2];
					obs[1] = obs[2] = obs2[1] = obs2[2] = 0;
					expd[1] = expd[2] = 1e-300;
				}
				if (expd[0] < 5) {
					obs[1] += obs[0];
					obs[2] += obs[3];
					obs2[1] += obs2[0];
					obs2[2] += obs2[3];
					obs[0] = obs[3] = obs2[0] = obs2[3] = 0;
					expd[0] = expd[3] = 1e-300;
				}
				qref_chi2(obs, expd, 4, &pv);
				qref_chi2(obs2, expd2, 4, &pv2);
				worst = fmin(worst, fmin(pv, pv2));
				EXPECT_TRUE(pv > QREF_ALPHA && pv2 > QREF_ALPHA)
					TH_LOG("state %d bases %d %d: p-values %.3g %.3g",
					       t, ba, bb, pv, pv2);
			}
		}
	}
	qref_note("measurement: smallest chi-square p-value over 72 tests %.3g (alpha %g)",
		  worst, QREF_ALPHA);
}

/* a delivered Werner pair: equal bases disagree at 2(1 - F)/3 */
TEST(measure_werner_error_rate)
{
	enum { N = 200000 };
	struct qstate s;
	struct qmath_rng r;
	double f = 0.85, q = 2 * (1 - f) / 3, sd = sqrt(q * (1 - q) / N);
	int i, basis;

	qstate_init_werner(&s, qref_toprob(f), QSTATE_PHI_PLUS);
	qmath_rng_seed(&r, 5);
	for (basis = 0; basis < 3; basis++) {
		long err = 0;
		u8 a, b;

		for (i = 0; i < N; i++) {
			qstate_measure(&s, basis, basis, &r, &a, &b);
			err += (a ^ b) != qstate_bell_anticorrelated(s.bell,
								     basis);
		}
		/* binomial with n p > 10^4: normal approximation, 6 sd */
		EXPECT_TRUE(fabs((double)err / N - q) < 6 * sd)
			TH_LOG("basis %d: error rate %.5f, want %.5f +- %.5f",
			       basis, (double)err / N, q, 6 * sd);
	}
}

TEST(measure_same_seed_repeats)
{
	struct qmath_rng r1, r2;
	struct qstate s;
	int i;

	qstate_init_werner(&s, qref_toprob(0.8), QSTATE_PSI_MINUS);
	qmath_rng_seed(&r1, 99);
	qmath_rng_seed(&r2, 99);
	for (i = 0; i < 10000; i++) {
		u8 a1, b1, a2, b2;

		qstate_measure(&s, i % 3, (i / 3) % 3, &r1, &a1, &b1);
		qstate_measure(&s, i % 3, (i / 3) % 3, &r2, &a2, &b2);
		ASSERT_EQ(a1, a2);
		ASSERT_EQ(b1, b2);
	}
}

/*
 * The storage flip is the decoherence channel as one measurement sees
 * it: for random states, storage times and memories, the disagreement
 * probability of the state decohered on one qubit is d (1 - f) + f (1 - d)
 * with d the undecohered one's and f = qstate_flip_prob(), in every basis,
 * to 1e-15 (a few units of 2^-62 of rounding).
 */
TEST(flip_prob_is_decoherence_seen_by_a_basis)
{
	static const uint64_t mem[][2] = {
		{ 1000000, 0 }, { 1000000, 1000000 }, { 1000000, 2000000 },
		{ 0, 500000 }, { 3000000, 700000 },
	};
	uint64_t st = 0x5eed0108;
	double worst = 0;
	int t, m, k, basis;

	for (t = 0; t < 50; t++) {
		struct qstate s, sd;

		rand_state(&st, &s);
		for (m = 0; m < (int)(sizeof(mem) / sizeof(mem[0])); m++) {
			for (k = 0; k < 4; k++) {
				uint64_t dt = 1ULL << (10 + 5 * k);

				sd = s;
				qstate_decohere(&sd, dt, mem[m][0], mem[m][1]);
				for (basis = 0; basis < 3; basis++) {
					double d = qref_prob(
						qstate_disagree_prob(&s, basis));
					double dd = qref_prob(
						qstate_disagree_prob(&sd, basis));
					double f = qref_prob(qstate_flip_prob(
						dt, mem[m][0], mem[m][1], basis));
					double e = fabs(dd - (d * (1 - f) +
							      f * (1 - d)));

					worst = fmax(worst, e);
					EXPECT_GT(1e-15, e)
						TH_LOG("state %d memory %d dt %llu basis %d: %.3g",
						       t, m, (unsigned long long)dt,
						       basis, e);
				}
			}
		}
	}
	qref_note("storage flip vs decoherence: largest error %.3g", worst);
}

/*
 * Where the model is exact it is exact per draw: a pure Bell state (F = 1)
 * with no storage gives the second end the first end's bit composed with
 * the state's correlation in every basis, for every seed; a qubit that
 * stored nothing never flips (qstate_flip_prob() is 0 at dt = 0 and
 * without T1, T2), one stored for ever in Z flips with exactly 1/2.
 */
TEST(measure_end_exact)
{
	struct qmath_rng r, pa, pb;
	struct qstate s;
	int i, bell, basis;

	qmath_rng_seed(&r, 17);
	for (bell = 0; bell < 4; bell++) {
		qstate_init_werner(&s, QPROB_ONE, bell);
		for (basis = 0; basis < 3; basis++) {
			EXPECT_EQ(0, qstate_flip_prob(0, 1000, 1000, basis));
			EXPECT_EQ(0, qstate_flip_prob(1000, 0, 0, basis));
			for (i = 0; i < 1000; i++) {
				u8 a, b;

				qmath_rng_seed(&pa, qmath_rng_u64(&r));
				pb = pa;
				a = qstate_measure_end(&s, basis, false, &pa,
						       0, NULL);
				b = qstate_measure_end(&s, basis, true, &pb,
						       0, NULL);
				ASSERT_EQ(a ^ qstate_bell_anticorrelated(bell,
									 basis),
					  b);
			}
		}
	}
	EXPECT_EQ(QPROB_ONE / 2, qstate_flip_prob(1ULL << 62, 1, 0,
						  QSTATE_BASIS_Z));
}

/* ------------------------------------------------------------------ */
/* QKD figures                                                         */
/* ------------------------------------------------------------------ */

static double ref_h(double q)
{
	if (q <= 0 || q >= 1)
		return 0;
	return -q * log2(q) - (1 - q) * log2(1 - q);
}

/*
 * Binary entropy, BBM92 fraction and PLOB on a grid over [0, 1] and
 * random inputs (also log-uniform down to 1e-12), bound 1e-6. Known
 * values: h(1/2) = 1, h(0.11) = 0.4999.., 1 - 2h(0.11) ~ 0,
 * PLOB(0.1) = -log2(0.9) = 0.152003093445.
 */
TEST(qkd_vs_double)
{
	uint64_t st = 0x5eed0107;
	struct qref_err eh = { 0 }, ef = { 0 }, ep = { 0 };
	int i;

	for (i = 0; i < 1001 + 2 * QREF_NRAND; i++) {
		double q = i <= 1000 ? i / 1000.0 :
			   i & 1 ? qref_unif(&st) :
			   qref_logrange(&st, 1e-12, 1);
		double q2 = qref_unif(&st) * 0.5;
		qprob pq = qref_toprob(q), pq2 = qref_toprob(q2);

		q = qref_prob(pq);
		q2 = qref_prob(pq2);
		qref_err_add(&eh, qref_fix(qstate_binary_entropy(pq)), ref_h(q),
			     q);
		qref_err_add(&ef, qref_fix(qstate_bbm92_fraction(pq, pq2)),
			     1 - ref_h(q) - ref_h(q2), q);
		if (q < 1 - 1e-6)
			qref_err_add(&ep, qref_fix(qstate_plob(pq)),
				     -log2(1 - q), q);
	}
	qref_note("binary entropy: max abs err %.3e; BBM92 fraction %.3e; PLOB %.3e (bound %.0e)",
		  eh.max, ef.max, ep.max, QREF_TOL);
	EXPECT_TRUE(eh.max <= QREF_TOL);
	EXPECT_TRUE(ef.max <= QREF_TOL);
	EXPECT_TRUE(ep.max <= QREF_TOL);

	EXPECT_TRUE(fabs(qref_fix(qstate_plob(qref_toprob(0.1))) -
			 0.15200309344504997) < 1e-9);
	EXPECT_TRUE(fabs(qref_fix(qstate_binary_entropy(QPROB_HALF)) - 1) < 1e-9);
	EXPECT_EQ(0, qstate_binary_entropy(0));
	EXPECT_EQ(0, qstate_binary_entropy(QPROB_ONE));
	EXPECT_EQ(QFIX_MAX, qstate_plob(QPROB_ONE));
}

TEST_HARNESS_MAIN
