// SPDX-License-Identifier: GPL-2.0
/*
 * qmath.c - fixed-point arithmetic, elementary functions, PRNG and samplers
 * for the qnet physics core. See qmath.h for the representations.
 *
 * Method, shared by all functions: reduce the argument to a 64-bit mantissa
 * (Q1.63 or Q0.64) and a power of two, evaluate a short series on the
 * mantissa with 64x64->128 products, round once to the output format.
 *
 *   2^f, f in [0, 1):  Taylor series of e^t at t = f ln 2 < 0.7 (<= 20 terms)
 *   e^x, 10^x:         2^(x log2 e), 2^(x log2 10), integer part a shift
 *   ln z, z in [1/sqrt2, sqrt2): 2 atanh(s), s = (z - 1)/(z + 1), |s| < 0.172
 *                      (<= 13 odd terms)
 *   sqrt:              bitwise integer square root of a 128-bit value
 */

#include "qmath.h"

/* log2(e) in Q1.63, log2(10) in Q2.62, ln(2) in Q0.64, sqrt(2) in Q1.63 */
#define QMATH_LOG2E_Q63		0xb8aa3b295c17f0bcULL
#define QMATH_LOG2_10_Q62	0xd49a784bcd1b8afeULL
#define QMATH_LN2_Q64		0xb17217f7d1cf79acULL
#define QMATH_SQRT2_Q63		0xb504f333f9de6484ULL

static inline u64 qmath_mulhi(u64 a, u64 b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (u64)(r >> 64);
}

/*
 * 128-by-64 division (Knuth algorithm D on 32-bit digits, as in Hacker's
 * Delight divlu). The only 64-by-64 divisions of the core are the two below
 * and the small-constant ones in the series loops.
 */
u64 qmath_div128(u64 hi, u64 lo, u64 d)
{
	const u64 b = 1ULL << 32;
	u64 vn1, vn0, un32, un21, un10, un1, un0, q1, q0, rhat;
	int s;

	if (!d || hi >= d)
		return QMATH_U64_MAX;
	if (!hi)
		return lo / d;

	s = __builtin_clzll(d);
	d <<= s;
	vn1 = d >> 32;
	vn0 = d & 0xffffffffULL;
	un32 = s ? (hi << s) | (lo >> (64 - s)) : hi;
	un10 = lo << s;
	un1 = un10 >> 32;
	un0 = un10 & 0xffffffffULL;

	q1 = un32 / vn1;
	rhat = un32 - q1 * vn1;
	while (q1 >= b || q1 * vn0 > b * rhat + un1) {
		q1--;
		rhat += vn1;
		if (rhat >= b)
			break;
	}
	un21 = un32 * b + un1 - q1 * d;

	q0 = un21 / vn1;
	rhat = un21 - q0 * vn1;
	while (q0 >= b || q0 * vn0 > b * rhat + un0) {
		q0--;
		rhat += vn1;
		if (rhat >= b)
			break;
	}
	return q1 * b + q0;
}

/* floor(n / d) for a 128-bit n, saturated */
static u64 qmath_div128_sat(unsigned __int128 n, u64 d)
{
	return qmath_div128((u64)(n >> 64), (u64)n, d);
}

/* round(n / d) for a 128-bit n, saturated */
static u64 qmath_div128_round(unsigned __int128 n, u64 d)
{
	unsigned __int128 r = n + (d >> 1);

	if (r < n)
		return QMATH_U64_MAX;
	return qmath_div128_sat(r, d);
}

u64 qmath_mul_div(u64 a, u64 b, u64 c)
{
	if (!c)
		return QMATH_U64_MAX;
	return qmath_div128_round((unsigned __int128)a * b, c);
}

qfix qfix_mul(qfix a, qfix b)
{
	__int128 r = (__int128)a * b;

	r += (__int128)1 << (QFIX_SHIFT - 1);
	r >>= QFIX_SHIFT;
	if (r > QFIX_MAX)
		return QFIX_MAX;
	if (r < QFIX_MIN)
		return QFIX_MIN;
	return (qfix)r;
}

qfix qfix_div(qfix a, qfix b)
{
	bool neg = (a < 0) != (b < 0);
	u64 ua = a < 0 ? -(u64)a : (u64)a;
	u64 ub = b < 0 ? -(u64)b : (u64)b;
	u64 q;

	if (!ub)
		return a < 0 ? QFIX_MIN : QFIX_MAX;
	q = qmath_div128_round((unsigned __int128)ua << QFIX_SHIFT, ub);
	if (neg)
		return q > (u64)QFIX_MAX + 1 ? QFIX_MIN : -(qfix)(q - 1) - 1;
	return q > (u64)QFIX_MAX ? QFIX_MAX : (qfix)q;
}

qfix qfix_ratio(u64 num, u64 den)
{
	u64 q;

	if (!den)
		return QFIX_MAX;
	q = qmath_div128_round((unsigned __int128)num << QFIX_SHIFT, den);
	return q > (u64)QFIX_MAX ? QFIX_MAX : (qfix)q;
}

qprob qprob_ratio(u64 num, u64 den)
{
	if (!den)
		return QPROB_MAX;
	return qmath_div128_round((unsigned __int128)num << QPROB_SHIFT, den);
}

qprob qprob_div(qprob a, qprob b)
{
	if (!b)
		return QPROB_MAX;
	return qmath_div128_round((unsigned __int128)a << QPROB_SHIFT, b);
}

/* ------------------------------------------------------------------ */
/* Exponentials                                                        */
/* ------------------------------------------------------------------ */

/* 2^f for f in [0, 1) as Q0.64; result Q1.63 in [2^63, 2^64) */
static u64 qmath_exp2_frac(u64 f)
{
	u64 t = qmath_mulhi(f, QMATH_LN2_Q64);	/* f ln 2, Q0.64 */
	u64 term = t, sum = t;
	u32 n;

	/* e^t - 1 = sum t^n / n!, each term below 1 */
	for (n = 2; term; n++) {
		term = qmath_mulhi(term, t) / n;
		sum += term;
	}
	return (1ULL << 63) + (sum >> 1);
}

/*
 * 2^y for y = +-a, a an unsigned Q64.64, rounded to a format with
 * @shift fractional bits and saturated to @max.
 */
static u64 qmath_exp2_q64(bool neg, unsigned __int128 a, unsigned int shift,
			  u64 max)
{
	u64 ip = (u64)(a >> 64), fp = (u64)a, m;
	s64 k;
	int sh;

	if (ip > 1024)
		return neg ? 0 : max;
	k = (s64)ip;
	if (neg) {
		k = -k;
		if (fp) {
			k--;
			fp = -fp;	/* 1 - frac */
		}
	}
	m = qmath_exp2_frac(fp);	/* value = m * 2^(k - 63) */
	sh = (int)k - 63 + (int)shift;
	if (sh >= 0) {
		if (sh >= 64 || m > (max >> sh))
			return max;
		return m << sh;
	}
	sh = -sh;
	if (sh > 65)
		return 0;
	return (u64)(((unsigned __int128)m + ((unsigned __int128)1 << (sh - 1)))
		     >> sh);
}

/* |x| * c for a Q32.32 x and a constant c with cshift fractional bits */
static unsigned __int128 qmath_scale_q64(qfix x, u64 c, unsigned int cshift)
{
	u64 mag = x < 0 ? -(u64)x : (u64)x;

	return ((unsigned __int128)mag * c) >> (QFIX_SHIFT + cshift - 64);
}

/* (num / den) * c as an unsigned Q64.64, c with cshift fractional bits */
static unsigned __int128 qmath_ratio_q64(u64 num, u64 den, u64 c,
					 unsigned int cshift)
{
	unsigned __int128 a = ((unsigned __int128)num * c) << (64 - cshift);
	u64 hi = (u64)(a >> 64);

	/* long division: 128-bit quotient from two 64-bit steps */
	return ((unsigned __int128)(hi / den) << 64) |
	       qmath_div128(hi % den, (u64)a, den);
}

qprob qmath_exp_neg_ratio(u64 num, u64 den)
{
	if (!den)
		return 0;
	return qmath_exp2_q64(true, qmath_ratio_q64(num, den, QMATH_LOG2E_Q63,
						    63),
			      QPROB_SHIFT, QPROB_MAX);
}

qprob qmath_pow10_neg_ratio(u64 num, u64 den)
{
	if (!den)
		return 0;
	return qmath_exp2_q64(true, qmath_ratio_q64(num, den,
						    QMATH_LOG2_10_Q62, 62),
			      QPROB_SHIFT, QPROB_MAX);
}

qfix qmath_exp(qfix x)
{
	return (qfix)qmath_exp2_q64(x < 0, qmath_scale_q64(x, QMATH_LOG2E_Q63,
							   63),
				    QFIX_SHIFT, (u64)QFIX_MAX);
}

qprob qmath_exp_prob(qfix x)
{
	return qmath_exp2_q64(x < 0, qmath_scale_q64(x, QMATH_LOG2E_Q63, 63),
			      QPROB_SHIFT, QPROB_MAX);
}

qfix qmath_pow10(qfix x)
{
	return (qfix)qmath_exp2_q64(x < 0,
				    qmath_scale_q64(x, QMATH_LOG2_10_Q62, 62),
				    QFIX_SHIFT, (u64)QFIX_MAX);
}

qprob qmath_pow10_prob(qfix x)
{
	return qmath_exp2_q64(x < 0, qmath_scale_q64(x, QMATH_LOG2_10_Q62, 62),
			      QPROB_SHIFT, QPROB_MAX);
}

/* ------------------------------------------------------------------ */
/* Logarithms                                                          */
/* ------------------------------------------------------------------ */

/*
 * ln(z) for z = m / 2^63 (m normalised, top bit set), reduced to
 * z' in [1/sqrt2, sqrt2): returns 2 atanh(s) as a signed Q0.64 magnitude
 * in @mag (|ln z'| < 0.35) and whether it is negative; @e is incremented
 * when z' = z / 2.
 */
static u64 qmath_ln_mant(u64 m, int *e, bool *neg)
{
	u64 num, den, s, s2, pw, sum;
	u32 n;

	if (m >= QMATH_SQRT2_Q63) {
		/* z' = m / 2^64 in [1/sqrt2, 1): s = -(1 - z')/(1 + z') */
		(*e)++;
		num = -m;			/* (1 - z') in Q0.64 */
		den = (m >> 2) + (1ULL << 62);	/* (1 + z') in Q2.62 */
		s = qmath_div128(num >> 2, num << 62, den);
		*neg = true;
	} else {
		/* z' = m / 2^63 in [1, sqrt2): s = (z' - 1)/(z' + 1) */
		num = m - (1ULL << 63);		/* (z' - 1) in Q1.63 */
		den = (m >> 1) + (1ULL << 62);	/* (z' + 1) in Q2.62 */
		s = qmath_div128(num >> 1, num << 63, den);
		*neg = false;
	}

	/* atanh(s) = s + s^3/3 + s^5/5 + ..., all in Q0.64 */
	s2 = qmath_mulhi(s, s);
	pw = s;
	sum = s;
	for (n = 3; ; n += 2) {
		pw = qmath_mulhi(pw, s2);
		if (!pw)
			break;
		sum += pw / n;
	}
	return sum << 1;
}

/* ln(m * 2^(e - 63)) in signed Q64.64 */
static __int128 qmath_ln_q64(u64 m, int e)
{
	bool neg;
	u64 mag = qmath_ln_mant(m, &e, &neg);
	__int128 r = (__int128)e * QMATH_LN2_Q64;

	return neg ? r - mag : r + mag;
}

/* log2(m * 2^(e - 63)) in signed Q64.64 */
static __int128 qmath_log2_q64(u64 m, int e)
{
	bool neg;
	u64 mag = qmath_ln_mant(m, &e, &neg);
	u64 l2 = (u64)(((unsigned __int128)mag * QMATH_LOG2E_Q63) >> 63);
	__int128 r = (__int128)e << 64;

	return neg ? r - l2 : r + l2;
}

/* round a signed Q64.64 to qfix */
static qfix qmath_q64_to_fix(__int128 r)
{
	r += (__int128)1 << (63 - QFIX_SHIFT);
	return (qfix)(r >> (64 - QFIX_SHIFT));
}

/* normalise v != 0 with @frac fractional bits to m * 2^(e - 63), m >= 2^63 */
static u64 qmath_normalise(u64 v, int frac, int *e)
{
	int lz = __builtin_clzll(v);

	*e = 63 - lz - frac;
	return v << lz;
}

qfix qmath_ln(qfix x)
{
	int e;
	u64 m;

	if (x <= 0)
		return QFIX_MIN;
	m = qmath_normalise((u64)x, QFIX_SHIFT, &e);
	return qmath_q64_to_fix(qmath_ln_q64(m, e));
}

qfix qmath_ln_prob(qprob p)
{
	int e;
	u64 m;

	if (!p)
		return QFIX_MIN;
	m = qmath_normalise(p, QPROB_SHIFT, &e);
	return qmath_q64_to_fix(qmath_ln_q64(m, e));
}

qfix qmath_log2(qfix x)
{
	int e;
	u64 m;

	if (x <= 0)
		return QFIX_MIN;
	m = qmath_normalise((u64)x, QFIX_SHIFT, &e);
	return qmath_q64_to_fix(qmath_log2_q64(m, e));
}

qfix qmath_log2_prob(qprob p)
{
	int e;
	u64 m;

	if (!p)
		return QFIX_MIN;
	m = qmath_normalise(p, QPROB_SHIFT, &e);
	return qmath_q64_to_fix(qmath_log2_q64(m, e));
}

/* ------------------------------------------------------------------ */
/* Square roots                                                        */
/* ------------------------------------------------------------------ */

/* round(sqrt(v)) for a 128-bit v */
static u64 qmath_isqrt128(unsigned __int128 v)
{
	unsigned __int128 res = 0, bit = (unsigned __int128)1 << 126;

	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= res + bit) {
			v -= res + bit;
			res = (res >> 1) + bit;
		} else {
			res >>= 1;
		}
		bit >>= 2;
	}
	/* v is now the remainder v - res^2; round half up */
	if (v > res)
		res++;
	return (u64)res;
}

qfix qmath_sqrt(qfix x)
{
	if (x <= 0)
		return 0;
	return (qfix)qmath_isqrt128((unsigned __int128)x << QFIX_SHIFT);
}

qprob qmath_sqrt_prob(qprob p)
{
	return qmath_isqrt128((unsigned __int128)p << QPROB_SHIFT);
}

/* ------------------------------------------------------------------ */
/* PRNG and samplers                                                   */
/* ------------------------------------------------------------------ */

static inline u64 qmath_rotl(u64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void qmath_rng_seed(struct qmath_rng *rng, u64 seed)
{
	int i;

	/* splitmix64 never yields four zero words in a row */
	for (i = 0; i < 4; i++) {
		u64 z = (seed += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		rng->s[i] = z ^ (z >> 31);
	}
}

u64 qmath_rng_u64(struct qmath_rng *rng)
{
	u64 *s = rng->s;
	u64 r = qmath_rotl(s[1] * 5, 7) * 9;
	u64 t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = qmath_rotl(s[3], 45);
	return r;
}

/*
 * -ln(1 - p) = p (1 + p/2 + p^2/3 + ...) for p < 1/16, with p normalised to
 * a 64-bit mantissa so that the result keeps 62 significant bits however
 * small p is: returns B with -ln(1 - p) = B * 2^-(*e).
 */
static u64 qmath_neg_log1m_small(qprob p, int *e)
{
	int lz = __builtin_clzll(p);
	u64 m = p << lz, t = p << 2, pw = t, g = 0;
	u32 n;

	/* g = sum_{n >= 1} p^n / (n + 1) in Q0.64, terms shrink 16-fold */
	for (n = 2; pw; n++) {
		g += pw / n;
		pw = qmath_mulhi(pw, t);
	}
	*e = QPROB_SHIFT + lz - 1;
	return (m >> 1) + (qmath_mulhi(m, g) >> 1);
}

u64 qmath_rng_geometric(struct qmath_rng *rng, qprob p)
{
	unsigned __int128 a, b;
	u64 r, q, m, n;
	int e;

	if (p >= QPROB_ONE)
		return 1;
	if (!p)
		return QMATH_U64_MAX;

	/* a = -ln U, U = (r + 1) / 2^64 in (0, 1]; a < 44.4, in Q64.64 */
	r = qmath_rng_u64(rng);
	if (r == QMATH_U64_MAX)
		return 1;
	m = qmath_normalise(r + 1, 64, &e);
	a = (unsigned __int128)-qmath_ln_q64(m, e);

	if (p < (QPROB_ONE >> 4) && p >= (1ULL << 6)) {
		/* N - 1 = floor(a 2^-64 / (B 2^-e)) = floor(a 2^(e-64) / B) */
		m = qmath_neg_log1m_small(p, &e);
		n = qmath_div128_sat(a << (e - 64), m);
	} else {
		/* b = -ln(1 - p), 1 - p exact in Q2.62 */
		q = QPROB_ONE - p;
		m = qmath_normalise(q, QPROB_SHIFT, &e);
		b = (unsigned __int128)-qmath_ln_q64(m, e);
		if (!b)
			return QMATH_U64_MAX;
		if (b >> 64)	/* p > 1 - 1/e: both below 2^70 */
			n = (u64)(a >> 8) / (u64)(b >> 8);
		else
			n = qmath_div128_sat(a, (u64)b);
	}
	return n >= QMATH_U64_MAX - 1 ? QMATH_U64_MAX : n + 1;
}
