/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qref.h - test-side helpers for the physics core unit tests: conversions
 * between the core's fixed point and double, an input generator that is
 * independent of the core's PRNG, error tracking, and the chi-square and
 * Kolmogorov-Smirnov machinery with thresholds derived from the sample size.
 *
 * Doubles live only here and in the *_test.c files, never in kernel/.
 */
#ifndef _QNET_QREF_H
#define _QNET_QREF_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmath.h"

/* every accuracy test: absolute error against double at most this */
#define QREF_TOL	1e-6
/* random inputs per function */
#define QREF_NRAND	10000
/* significance of every statistical test (fixed seeds: deterministic) */
#define QREF_ALPHA	1e-6

static inline double qref_fix(qfix x)
{
	return (double)x / 4294967296.0;
}

static inline double qref_prob(qprob p)
{
	return (double)p / 4611686018427387904.0;
}

static inline qfix qref_tofix(double d)
{
	return (qfix)llround(d * 4294967296.0);
}

static inline qprob qref_toprob(double d)
{
	long double v = (long double)d * 4611686018427387904.0L;

	if (v <= 0)
		return 0;
	if (v >= 18446744073709551615.0L)
		return QPROB_MAX;
	return (qprob)(v + 0.5L);
}

/* splitmix64: test inputs, independent of the core's xoshiro */
static inline uint64_t qref_rand64(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform double in [0, 1) */
static inline double qref_unif(uint64_t *st)
{
	return (double)(qref_rand64(st) >> 11) / 9007199254740992.0;
}

/* uniform in [lo, hi] */
static inline double qref_range(uint64_t *st, double lo, double hi)
{
	return lo + (hi - lo) * qref_unif(st);
}

/* log-uniform in [lo, hi], lo > 0 */
static inline double qref_logrange(uint64_t *st, double lo, double hi)
{
	return exp(log(lo) + (log(hi) - log(lo)) * qref_unif(st));
}

/* a TAP diagnostic line; the harness _exit()s children, so flush */
static inline void qref_note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* largest absolute error seen, and where */
struct qref_err {
	double max;
	double at;
	long n;
};

static inline void qref_err_add(struct qref_err *e, double got, double want,
				double at)
{
	double d = fabs(got - want);

	if (isnan(d))
		d = INFINITY;
	if (e->n == 0 || d > e->max) {
		e->max = d;
		e->at = at;
	}
	e->n++;
}

/*
 * Regularised upper incomplete gamma Q(a, x) (series for x < a + 1,
 * continued fraction otherwise; Numerical Recipes 6.2), giving the
 * chi-square survival function P(X^2 > x; k dof) = Q(k/2, x/2).
 */
static inline double qref_gammq(double a, double x)
{
	double gln = lgamma(a), sum, del, ap, b, c, d, h, an;
	int i;

	if (x <= 0)
		return 1.0;
	if (x < a + 1) {
		ap = a;
		sum = del = 1.0 / a;
		for (i = 0; i < 10000; i++) {
			ap += 1;
			del *= x / ap;
			sum += del;
			if (fabs(del) < fabs(sum) * 1e-15)
				break;
		}
		return 1.0 - sum * exp(-x + a * log(x) - gln);
	}
	b = x + 1 - a;
	c = 1.0 / 1e-300;
	d = 1.0 / b;
	h = d;
	for (i = 1; i < 10000; i++) {
		an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (fabs(d) < 1e-300)
			d = 1e-300;
		c = b + an / c;
		if (fabs(c) < 1e-300)
			c = 1e-300;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < 1e-15)
			break;
	}
	return exp(-x + a * log(x) - gln) * h;
}

/* chi-square statistic and its p-value for observed vs expected counts */
static inline double qref_chi2(const double *obs, const double *expd, int k,
			       double *pvalue)
{
	double x2 = 0;
	int i;

	for (i = 0; i < k; i++)
		x2 += (obs[i] - expd[i]) * (obs[i] - expd[i]) / expd[i];
	*pvalue = qref_gammq((k - 1) / 2.0, x2 / 2.0);
	return x2;
}

/*
 * Kolmogorov-Smirnov critical value at significance alpha for n samples,
 * from the asymptotic bound P(D > d) <= 2 exp(-2 n d^2) (Dvoretzky-Kiefer-
 * Wolfowitz with Massart's constant, valid for every n and conservative for
 * discrete distributions): D_crit = sqrt(-ln(alpha / 2) / (2 n)).
 */
static inline double qref_ks_crit(double alpha, long n)
{
	return sqrt(-log(alpha / 2) / (2.0 * n));
}

static inline int qref_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#endif /* _QNET_QREF_H */
