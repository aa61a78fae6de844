/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qmath.h - fixed-point arithmetic, elementary functions, PRNG and samplers
 * for the qnet physics core.
 *
 * Pure C: no floating point, no kernel or libc dependency beyond qtypes.h.
 * The same file builds into qnet.ko and into the userspace unit tests
 * (userspace/physics), which compare every function here with double
 * precision. x86_64 only: 64-bit by 64-bit divisions use the C operator and
 * 64x64->128 products use unsigned __int128, as the kernel itself does on
 * that architecture; 128-by-64 division is done here (qmath_div128()), never
 * through libgcc.
 *
 * Two representations:
 *
 * qfix - signed Q32.32 in an s64: value = raw / 2^32. Range about
 *        [-2^31, 2^31), resolution 2^-32 (2.3e-10). Used for quantities that
 *        may be negative or larger than a few units: logarithms, exponents,
 *        entropies, secret fractions, rates in Hz.
 *
 * qprob - unsigned Q2.62 in a u64: value = raw / 2^62, QPROB_ONE = 2^62.
 *         Range [0, 4), resolution 2^-62 (2.2e-19). Used for everything
 *         that is a probability: Bell-diagonal coefficients, fidelities,
 *         transmittances, efficiencies, success probabilities. The 62
 *         fractional bits keep small probabilities precise in relative
 *         terms (p = 1e-9 is held to 2e-10 relative), which a Q32.32 value
 *         could not (1e-9 would be 4 ulp). The two spare integer bits give
 *         headroom for intermediate sums such as 2 * alpha * eta.
 *
 * Rounding: conversions and products round to nearest unless a comment says
 * otherwise. Out-of-range results saturate (documented per function).
 */
#ifndef _QNET_QMATH_H
#define _QNET_QMATH_H

#include "qtypes.h"

typedef s64 qfix;
typedef u64 qprob;

#define QFIX_SHIFT	32
#define QFIX_ONE	((qfix)1 << QFIX_SHIFT)
#define QFIX_MAX	((qfix)0x7fffffffffffffffLL)
#define QFIX_MIN	(-QFIX_MAX - 1)

#define QPROB_SHIFT	62
#define QPROB_ONE	((qprob)1 << QPROB_SHIFT)
#define QPROB_HALF	(QPROB_ONE >> 1)
#define QPROB_MAX	(~(qprob)0)

#define QMATH_U64_MAX	(~(u64)0)

/* ------------------------------------------------------------------ */
/* 128-bit helpers                                                     */
/* ------------------------------------------------------------------ */

/**
 * qmath_div128() - divide a 128-bit number by a 64-bit one
 * @hi: high 64 bits of the dividend
 * @lo: low 64 bits of the dividend
 * @d: divisor, not zero
 *
 * Return: floor((@hi * 2^64 + @lo) / @d), or QMATH_U64_MAX if the quotient
 * does not fit in 64 bits (that is, if @hi >= @d) or @d is zero.
 */
u64 qmath_div128(u64 hi, u64 lo, u64 d);

/**
 * qmath_mul_div() - a * b / c without intermediate overflow, rounded
 * @a: first factor
 * @b: second factor
 * @c: divisor, not zero
 *
 * Return: round(@a * @b / @c), QMATH_U64_MAX if it does not fit.
 */
u64 qmath_mul_div(u64 a, u64 b, u64 c);

/* ------------------------------------------------------------------ */
/* Conversions and arithmetic                                          */
/* ------------------------------------------------------------------ */

/**
 * qfix_from_int() - integer to qfix
 * @n: integer in [-2^31, 2^31)
 *
 * Return: @n as Q32.32.
 */
static inline qfix qfix_from_int(s32 n)
{
	return (qfix)n * QFIX_ONE;
}

/**
 * qfix_mul() - product of two qfix values
 * @a: factor
 * @b: factor
 *
 * Return: @a * @b rounded to nearest, saturated to [QFIX_MIN, QFIX_MAX].
 */
qfix qfix_mul(qfix a, qfix b);

/**
 * qfix_div() - quotient of two qfix values
 * @a: dividend
 * @b: divisor; zero gives QFIX_MAX or QFIX_MIN by the sign of @a
 *
 * Return: @a / @b rounded to nearest, saturated.
 */
qfix qfix_div(qfix a, qfix b);

/**
 * qfix_ratio() - quotient of two unsigned integers as qfix
 * @num: numerator
 * @den: denominator, not zero (zero gives QFIX_MAX)
 *
 * Return: @num / @den rounded to nearest, saturated to QFIX_MAX. Used for
 * unit conversions such as elapsed time over a decay time.
 */
qfix qfix_ratio(u64 num, u64 den);

/**
 * qprob_ratio() - quotient of two unsigned integers as qprob
 * @num: numerator
 * @den: denominator, not zero (zero gives QPROB_MAX)
 *
 * Return: @num / @den rounded to nearest, saturated to QPROB_MAX.
 */
qprob qprob_ratio(u64 num, u64 den);

/**
 * qprob_mul() - product of two qprob values
 * @a: factor
 * @b: factor
 *
 * Return: @a * @b rounded to nearest, saturated to QPROB_MAX.
 */
static inline qprob qprob_mul(qprob a, qprob b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	r = (r + (QPROB_ONE >> 1)) >> QPROB_SHIFT;
	return r >> 64 ? QPROB_MAX : (qprob)r;
}

/**
 * qprob_div() - quotient of two qprob values
 * @a: dividend
 * @b: divisor; zero gives QPROB_MAX
 *
 * Return: @a / @b rounded to nearest, saturated to QPROB_MAX.
 */
qprob qprob_div(qprob a, qprob b);

/**
 * qprob_compl() - complement 1 - p of a probability
 * @p: probability; values above one give zero
 *
 * Return: QPROB_ONE - @p, clamped at zero. Exact.
 */
static inline qprob qprob_compl(qprob p)
{
	return p >= QPROB_ONE ? 0 : QPROB_ONE - p;
}

/**
 * qprob_from_ppm() - parts per million to qprob
 * @ppm: value in millionths (1000000 is one); may exceed one million
 *
 * Return: @ppm / 10^6 rounded to nearest.
 */
static inline qprob qprob_from_ppm(u32 ppm)
{
	return qprob_ratio(ppm, 1000000);
}

/**
 * qprob_to_ppm() - qprob to parts per million
 * @p: probability
 *
 * Return: @p * 10^6 rounded to nearest, as the netlink API carries it.
 */
static inline u32 qprob_to_ppm(qprob p)
{
	unsigned __int128 r = (unsigned __int128)p * 1000000;

	return (u32)((r + (QPROB_ONE >> 1)) >> QPROB_SHIFT);
}

/**
 * qprob_to_fix() - qprob to qfix
 * @p: probability
 *
 * Return: @p in Q32.32, rounded to nearest.
 */
static inline qfix qprob_to_fix(qprob p)
{
	return (qfix)((p >> (QPROB_SHIFT - QFIX_SHIFT)) +
		      ((p >> (QPROB_SHIFT - QFIX_SHIFT - 1)) & 1));
}

/**
 * qfix_to_prob() - qfix to qprob
 * @x: value; negative values give zero, values of 4 or more QPROB_MAX
 *
 * Return: @x in Q2.62 (exact inside the range).
 */
static inline qprob qfix_to_prob(qfix x)
{
	if (x <= 0)
		return 0;
	if (x >= 4 * QFIX_ONE)
		return QPROB_MAX;
	return (qprob)x << (QPROB_SHIFT - QFIX_SHIFT);
}

/**
 * qmath_mul_u64_prob() - scale an integer by a probability
 * @x: integer (a count, a time in ns, a rate in Hz)
 * @p: factor
 *
 * Return: @x * @p rounded to nearest, saturated to QMATH_U64_MAX.
 */
static inline u64 qmath_mul_u64_prob(u64 x, qprob p)
{
	unsigned __int128 r = (unsigned __int128)x * p;

	r = (r + (QPROB_ONE >> 1)) >> QPROB_SHIFT;
	return r >> 64 ? QMATH_U64_MAX : (u64)r;
}

/* ------------------------------------------------------------------ */
/* Elementary functions                                                */
/*                                                                     */
/* Each is computed with a 64-bit mantissa internally (relative error  */
/* below 1e-17 before the final rounding) and rounded once to its      */
/* output format. The documented ranges are where the unit tests bound */
/* the absolute error by 1e-6 against double precision; in practice    */
/* the error is the output rounding (about 1.2e-10 for qfix).          */
/* ------------------------------------------------------------------ */

/**
 * qmath_exp() - natural exponential, qfix result
 * @x: exponent, documented range [-30, 21]
 *
 * Return: e^@x. Saturates to QFIX_MAX above about 21.48; underflows to 0
 * below about -22.9 (e^x < 2^-33).
 */
qfix qmath_exp(qfix x);

/**
 * qmath_exp_prob() - natural exponential as a probability
 * @x: exponent, documented range [-45, 1]
 *
 * Return: e^@x in Q2.62, saturated to QPROB_MAX at x >= ln 4. This is the
 * variant for decay factors (e^(-t/T)) and anything else that must keep
 * relative precision when small.
 */
qprob qmath_exp_prob(qfix x);

/**
 * qmath_pow10() - power of ten, qfix result
 * @x: exponent, documented range [-10, 9]
 *
 * Return: 10^@x, saturated to QFIX_MAX above log10(2^31) = 9.33.
 */
qfix qmath_pow10(qfix x);

/**
 * qmath_pow10_prob() - power of ten as a probability
 * @x: exponent, documented range [-19, 0.6]
 *
 * Return: 10^@x in Q2.62, saturated at x >= log10(4). Fiber transmittance
 * 10^(-dB/10) is computed with it.
 */
qprob qmath_pow10_prob(qfix x);

/**
 * qmath_exp_neg_ratio() - e^(-num/den) with an exact rational exponent
 * @num: numerator, below 2^62 (for example an elapsed time in ns)
 * @den: denominator, not zero (zero gives 0; for example a decay time)
 *
 * The exponent is not rounded to Q32.32 first, so the result keeps its
 * 62-bit relative precision: decay factors, dark-count probabilities.
 *
 * Return: e^(-@num/@den) in Q2.62.
 */
qprob qmath_exp_neg_ratio(u64 num, u64 den);

/**
 * qmath_pow10_neg_ratio() - 10^(-num/den) with an exact rational exponent
 * @num: numerator, below 2^62 (for example milli-dB/km times m)
 * @den: denominator, not zero (zero gives 0)
 *
 * Return: 10^(-@num/@den) in Q2.62; fiber transmittance uses it.
 */
qprob qmath_pow10_neg_ratio(u64 num, u64 den);

/**
 * qmath_ln() - natural logarithm of a qfix
 * @x: argument, documented range [2^-32, 2^31), i.e. every positive qfix
 *
 * Return: ln(@x); QFIX_MIN for @x <= 0.
 */
qfix qmath_ln(qfix x);

/**
 * qmath_ln_prob() - natural logarithm of a probability
 * @p: argument, documented range [2^-62, 4), every positive qprob
 *
 * Return: ln(@p); QFIX_MIN for @p == 0.
 */
qfix qmath_ln_prob(qprob p);

/**
 * qmath_log2() - base-2 logarithm of a qfix
 * @x: argument, every positive qfix
 *
 * Return: log2(@x); QFIX_MIN for @x <= 0.
 */
qfix qmath_log2(qfix x);

/**
 * qmath_log2_prob() - base-2 logarithm of a probability
 * @p: argument, every positive qprob
 *
 * Return: log2(@p); QFIX_MIN for @p == 0.
 */
qfix qmath_log2_prob(qprob p);

/**
 * qmath_sqrt() - square root of a qfix
 * @x: argument, every non-negative qfix
 *
 * Return: sqrt(@x) correctly rounded; 0 for @x <= 0.
 */
qfix qmath_sqrt(qfix x);

/**
 * qmath_sqrt_prob() - square root of a probability
 * @p: argument, every qprob
 *
 * Return: sqrt(@p) in Q2.62, correctly rounded.
 */
qprob qmath_sqrt_prob(qprob p);

/* ------------------------------------------------------------------ */
/* Pseudo-random numbers                                               */
/* ------------------------------------------------------------------ */

/**
 * struct qmath_rng - per-instance PRNG state (xoshiro256**)
 * @s: the 256-bit state; never all zero after qmath_rng_seed()
 *
 * Each link (or netns) owns one, so that a seed reproduces its outcomes
 * whatever else runs. Not thread safe: the owner serialises access.
 */
struct qmath_rng {
	u64 s[4];
};

/**
 * qmath_rng_seed() - seed a generator
 * @rng: generator
 * @seed: any 64-bit value; the state is expanded with splitmix64
 */
void qmath_rng_seed(struct qmath_rng *rng, u64 seed);

/**
 * qmath_rng_u64() - next 64 random bits
 * @rng: generator
 *
 * Return: a uniformly distributed u64.
 */
u64 qmath_rng_u64(struct qmath_rng *rng);

/**
 * qmath_rng_prob() - uniform probability in [0, 1)
 * @rng: generator
 *
 * Return: a uniform multiple of 2^-62 in [0, QPROB_ONE).
 */
static inline qprob qmath_rng_prob(struct qmath_rng *rng)
{
	return qmath_rng_u64(rng) >> (64 - QPROB_SHIFT);
}

/**
 * qmath_rng_bernoulli() - biased coin
 * @rng: generator
 * @p: probability of true; >= QPROB_ONE is always true
 *
 * Return: true with probability exactly @p (to 2^-62). One draw.
 */
static inline bool qmath_rng_bernoulli(struct qmath_rng *rng, qprob p)
{
	return qmath_rng_prob(rng) < p;
}

/**
 * qmath_rng_geometric() - number of attempts up to and including the first
 * success of independent attempts that each succeed with probability @p
 * @rng: generator
 * @p: success probability per attempt; documented range [1e-9, 1]
 *
 * Inversion with one draw: N = 1 + floor(ln U / ln(1 - p)) with U uniform
 * in (0, 1] on a 2^-64 grid, so P(N > k) = (1 - p)^k up to 2^-64. Both
 * logarithms keep about 62 significant bits (for small p, -ln(1 - p) is
 * evaluated on p's normalised mantissa), so N equals the exact inversion
 * of the same U except where the ratio is within about 1e-9 of an integer.
 * The cost does not depend on @p.
 *
 * Return: N >= 1; QMATH_U64_MAX if @p is zero (never) or N overflows.
 */
u64 qmath_rng_geometric(struct qmath_rng *rng, qprob p);

#endif /* _QNET_QMATH_H */
