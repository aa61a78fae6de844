// SPDX-License-Identifier: GPL-2.0
/*
 * The arithmetic of BBM92 post-processing: Toeplitz hashing, the shared
 * pseudo-randomness of the shuffles, and the finite-key length
 * (Documentation/qkd.rst, "The key length").
 */
#include <math.h>
#include <string.h>

#include "libqkd.h"

uint64_t qkd_rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

size_t qkd_rng_below(uint64_t *s, size_t n)
{
	return (size_t)(((unsigned __int128)qkd_rng_next(s) * n) >> 64);
}

/*
 * y_i = sum_j s[i - j + n - 1] x_j = sum_m s[i + m] xr_m with xr the bits
 * of x reversed (xr_m = x_{n-1-m}): row i is the seed window s[i .. i+n-1]
 * against xr, a word at a time.
 */
void qkd_toeplitz(const uint64_t *s, const uint64_t *x, size_t n,
		  uint64_t *y, size_t l)
{
	size_t nw = (n + 63) / 64, i, m, q;
	uint64_t xr[nw ? nw : 1], acc;
	unsigned int r;

	memset(xr, 0, sizeof(xr));
	for (m = 0; m < n; m++)
		xr[m / 64] |= (uint64_t)qkd_bit(x, n - 1 - m) << (m % 64);
	memset(y, 0, (l + 63) / 64 * 8);
	for (i = 0; i < l; i++) {
		q = i / 64;
		r = i % 64;
		acc = 0;
		for (m = 0; m < nw; m++) {
			uint64_t w = s[q + m] >> r;

			if (r)
				w |= s[q + m + 1] << (64 - r);
			acc ^= w & xr[m];
		}
		y[i / 64] |= (uint64_t)__builtin_parityll(acc) << (i % 64);
	}
}

double qkd_h2(double p)
{
	if (p <= 0)
		return 0;
	if (p >= 0.5)
		return 1;
	return -p * log2(p) - (1 - p) * log2(1 - p);
}

const char *qkd_abort_str(enum qkd_abort a)
{
	switch (a) {
	case QKD_OK:
		return "key made";
	case QKD_ABORT_QBER:
		return "aborted: QBER above the threshold";
	case QKD_ABORT_SHORT:
		return "aborted: block too short to leave a secret key";
	case QKD_ABORT_EC:
		return "aborted: error correction did not converge";
	default:
		return "aborted: classical channel failed";
	}
}

/*
 * The statistical margin of Tomamichel et al. (2012), Eq. (3), with
 * ln(2 / eps) where eps is the share of eps_sec one estimate gets:
 * mu = sqrt((n + k) / (n k) * (k + 1) / k * ln(2 / eps)).
 */
static double margin(size_t n, size_t k, double eps)
{
	double dn = n, dk = k;

	if (!n)
		return 0;
	if (!k)
		return 1;
	return sqrt((dn + dk) / (dn * dk) * (dk + 1) / dk * log(2 / eps));
}

enum qkd_abort qkd_key_length(const struct qkd_len_in *in,
			      struct qkd_len_out *out)
{
	/* one fixed-tolerance protocol per pair of tolerances */
	const double M = (double)QKD_QTOL_N * QKD_QTOL_N;
	double eps = in->eps_sec / M, l;
	int b;

	memset(out, 0, sizeof(*out));
	for (b = 0; b < 2; b++) {
		out->qber[b] = in->k[b] ? (double)in->err[b] / in->k[b] : 0;
		l = ceil(out->qber[b] / QKD_QTOL_STEP - 1e-9) * QKD_QTOL_STEP;
		out->qtol[b] = l > 0 ? l : 0;	/* not -0 */
	}
	for (b = 0; b < 2; b++) {
		/* the key bits of basis b, tested by the other basis */
		out->mu[b] = margin(in->n[b], in->k[!b], eps / 2);
		out->e_ph[b] = fmin(0.5, out->qtol[!b] + out->mu[b]);
		out->entropy += in->n[b] * (1 - qkd_h2(out->e_ph[b]));
	}
	out->pa_cost = log2(2 * M * M / (in->eps_sec * in->eps_sec * in->eps_cor));
	l = floor(out->entropy - (double)in->leak - out->pa_cost);
	out->length = l > 0 ? (long)l : (l < -1e18 ? -1000000000000000000L : (long)l);
	for (b = 0; b < 2; b++)
		if (out->qber[b] > in->qber_max)
			return QKD_ABORT_QBER;
	return out->length > 0 ? QKD_OK : QKD_ABORT_SHORT;
}
