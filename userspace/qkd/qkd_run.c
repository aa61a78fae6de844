// SPDX-License-Identifier: GPL-2.0
/*
 * One round of BBM92 post-processing, both ends in lockstep over the
 * authenticated classical channel (Alice speaks first in every step):
 *
 *  1. sift: exchange (pair_id, basis, Bell state), keep the pairs measured
 *     in the same basis, Z or X; Bob flips his bit where the pair's Bell
 *     state is anticorrelated in that basis;
 *  2. estimate: Alice sends a fresh random seed choosing the test sample
 *     (each sifted bit with probability r->sample), both disclose their
 *     sample bits and count the errors per basis; abort above the QBER
 *     threshold, or when even a leak-free correction would leave no key;
 *  3. correct: binary parity search over shuffled blocks (Cascade's
 *     BINARY without backtracking), every parity Alice discloses counted
 *     in r->leaked; after each pass Alice sends a 64-bit Toeplitz hash
 *     of her key with a fresh random seed and Bob says whether his agrees
 *     (64 more bits leaked each time);
 *  4. the key length from the finite-key formula (qkd_key_length) with
 *     the exact leak; abort if nothing is left;
 *  5. amplify: Alice sends a fresh random Toeplitz seed of n + l - 1 bits,
 *     both hash their n corrected bits to l.
 *
 * The randomness Alice sends (sample, shuffles, hash and Toeplitz seeds)
 * is drawn after the pairs were measured and is public: the analysis
 * needs it uniform and independent of the measurements, not secret.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <linux/qnet.h>

#include "libqkd.h"

#define MAX_PASSES 24

static int default_random(void *buf, size_t len, void *arg)
{
	uint8_t *p = buf;
	ssize_t n;

	(void)arg;
	while (len) {
		n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

void qkd_run_init(struct qkd_run *r, struct qkd_chan *c, int bob)
{
	memset(r, 0, sizeof(*r));
	r->chan = c;
	r->bob = bob;
	r->sample = 0.25;
	r->eps_sec = QKD_EPS_SEC;
	r->eps_cor = QKD_EPS_COR;
	r->qber_max = QKD_QBER_MAX;
	r->random = default_random;
}

void qkd_run_free(struct qkd_run *r)
{
	free(r->sbit);
	free(r->sbasis);
	free(r->kbit);
	free(r->kbasis);
	free(r->key);
	r->sbit = r->sbasis = r->kbit = r->kbasis = r->key = NULL;
}

int qkd_anticorrelated(uint8_t bell, uint8_t basis)
{
	int x = (bell ^ (bell >> 1)) & 1, z = (bell >> 1) & 1;

	switch (basis) {
	case QNET_BASIS_X:
		return z;
	case QNET_BASIS_Y:
		return !(x ^ z);
	default:
		return x;
	}
}

/* Alice draws and sends @n random words, Bob receives them. */
static int shared_random(struct qkd_run *r, uint64_t *v, size_t n)
{
	if (r->bob)
		return qkd_chan_recv_u64s(r->chan, v, n);
	if (r->random(v, n * 8, r->random_arg))
		return -1;
	return qkd_chan_send_u64s(r->chan, v, n);
}

static int cmp_rec(const void *a, const void *b)
{
	const struct qkd_rec *x = a, *y = b;

	return x->pair_id < y->pair_id ? -1 : x->pair_id > y->pair_id;
}

static int sift(struct qkd_run *r, struct qkd_rec *recs, size_t nrecs)
{
	uint64_t n_other, mycount = nrecs, *mine, *other = NULL;
	size_t i, j, k;
	int err = -1;

	qsort(recs, nrecs, sizeof(*recs), cmp_rec);
	r->nrecs = nrecs;
	mine = calloc(nrecs * 2 + 1, sizeof(*mine));
	r->sbit = malloc(nrecs + 1);
	r->sbasis = malloc(nrecs + 1);
	if (!mine || !r->sbit || !r->sbasis)
		goto out;
	for (i = 0; i < nrecs; i++) {
		mine[2 * i] = recs[i].pair_id;
		mine[2 * i + 1] = recs[i].basis | (recs[i].bell << 8);
	}
	if (!r->bob && (qkd_chan_send_u64s(r->chan, &mycount, 1) ||
			qkd_chan_send_u64s(r->chan, mine, 2 * nrecs)))
		goto out;
	if (qkd_chan_recv_u64s(r->chan, &n_other, 1) || n_other > 1000000)
		goto out;
	other = calloc(n_other * 2 + 1, sizeof(*other));
	if (!other || qkd_chan_recv_u64s(r->chan, other, 2 * n_other))
		goto out;
	if (r->bob && (qkd_chan_send_u64s(r->chan, &mycount, 1) ||
		       qkd_chan_send_u64s(r->chan, mine, 2 * nrecs)))
		goto out;
	/* both lists are sorted by pair_id */
	for (i = 0, j = 0; i < nrecs && j < n_other;) {
		const struct qkd_rec *q = &recs[i];
		uint8_t ob = other[2 * j + 1] & 0xff, obell = other[2 * j + 1] >> 8;

		if (q->pair_id < other[2 * j]) {
			i++;
			continue;
		}
		if (q->pair_id > other[2 * j]) {
			j++;
			continue;
		}
		if (q->basis == ob && obell != q->bell) {
			r->bell_mismatch++;	/* never expected */
		} else if (q->basis == ob && q->basis == QNET_BASIS_Y) {
			r->same_y++;
		} else if (q->basis == ob && q->basis <= QNET_BASIS_X) {
			k = r->nsift++;
			r->sbasis[k] = q->basis == QNET_BASIS_X;
			r->sbit[k] = q->outcome & 1;
			if (r->bob)
				r->sbit[k] ^= qkd_anticorrelated(q->bell, q->basis);
			r->nsift_b[r->sbasis[k]]++;
		}
		i++;
		j++;
	}
	err = 0;
out:
	free(other);
	free(mine);
	return err;
}

static int estimate(struct qkd_run *r)
{
	uint8_t *in = calloc(r->nsift + 1, 1), *mine = calloc(r->nsift + 1, 1);
	uint8_t *other = calloc(r->nsift + 1, 1);
	uint64_t s;
	size_t i, ns = 0;
	int err = -1;

	r->kbit = malloc(r->nsift + 1);
	r->kbasis = malloc(r->nsift + 1);
	if (!in || !mine || !other || !r->kbit || !r->kbasis)
		goto out;
	if (shared_random(r, &s, 1))
		goto out;
	for (i = 0; i < r->nsift; i++) {
		in[i] = qkd_rng_next(&s) < (uint64_t)(r->sample * 18446744073709551615.0);
		if (in[i]) {
			mine[ns++] = r->sbit[i];
		} else {
			r->kbasis[r->nkey] = r->sbasis[i];
			r->nkey_b[r->sbasis[i]]++;
			r->kbit[r->nkey++] = r->sbit[i];
		}
	}
	if (r->bob) {
		if (qkd_chan_recv(r->chan, other, ns) || qkd_chan_send(r->chan, mine, ns))
			goto out;
	} else {
		if (qkd_chan_send(r->chan, mine, ns) || qkd_chan_recv(r->chan, other, ns))
			goto out;
	}
	for (i = 0, ns = 0; i < r->nsift; i++) {
		if (!in[i])
			continue;
		r->nsample_b[r->sbasis[i]]++;
		r->err_sample_b[r->sbasis[i]] += mine[ns] != (other[ns] & 1);
		ns++;
	}
	err = 0;
out:
	free(in);
	free(mine);
	free(other);
	return err;
}

static void length(struct qkd_run *r)
{
	struct qkd_len_in in = {
		.n = { r->nkey_b[0], r->nkey_b[1] },
		.k = { r->nsample_b[0], r->nsample_b[1] },
		.err = { r->err_sample_b[0], r->err_sample_b[1] },
		.leak = r->leaked,
		.eps_sec = r->eps_sec, .eps_cor = r->eps_cor,
		.qber_max = r->qber_max,
	};

	r->abort = qkd_key_length(&in, &r->len);
}

/*
 * One pass of error correction. The key is permuted (identity on pass 0,
 * a shuffle from the shared seed after) and cut into blocks of @bs bits.
 * Alice sends every block's parity; for each block whose parity differs,
 * Bob bisects: each round he sends the ranges (first halves of the
 * intervals still searched), Alice answers their parities, and Bob keeps
 * the half that holds an odd number of errors, until one bit is left,
 * which he flips. Every parity Alice sends is counted in r->leaked.
 */
static int ec_pass(struct qkd_run *r, uint64_t seed, size_t bs, size_t *perm)
{
	size_t n = r->nkey, nb = (n + bs - 1) / bs, i, j, nact = 0;
	uint64_t s = seed, *lo, *hi, *msg, k;
	uint8_t *par, *ap = NULL;
	int err = -1;

	for (i = 0; i < n; i++)
		perm[i] = i;
	if (seed)
		for (i = n - 1; i > 0; i--) {
			size_t t = perm[i];

			j = qkd_rng_below(&s, i + 1);
			perm[i] = perm[j];
			perm[j] = t;
		}
	par = calloc(nb + 1, 1);
	ap = calloc(nb + 1, 1);
	lo = calloc(nb + 1, sizeof(*lo));
	hi = calloc(nb + 1, sizeof(*hi));
	msg = calloc(2 * nb + 2, sizeof(*msg));
	if (!par || !ap || !lo || !hi || !msg)
		goto out;
	for (i = 0; i < n; i++)
		par[i / bs] ^= r->kbit[perm[i]];
	if (!r->bob) {
		if (qkd_chan_send(r->chan, par, nb))
			goto out;
	} else {
		if (qkd_chan_recv(r->chan, ap, nb))
			goto out;
		for (i = 0; i < nb; i++)
			if ((ap[i] & 1) != par[i]) {
				lo[nact] = i * bs;
				hi[nact] = (i + 1) * bs < n ? (i + 1) * bs : n;
				nact++;
			}
	}
	r->leaked += nb;

	/* bisection rounds: Bob sends k ranges (k = 0 ends), Alice k parities */
	for (;;) {
		if (r->bob) {
			size_t m = 0;

			for (i = 0; i < nact; i++) {
				if (hi[i] - lo[i] == 1) {
					r->kbit[perm[lo[i]]] ^= 1;
					r->corrected_b[r->kbasis[perm[lo[i]]]]++;
					continue;
				}
				lo[m] = lo[i];
				hi[m] = hi[i];
				m++;
			}
			nact = m;
			for (i = 0; i < nact; i++) {
				msg[2 * i] = lo[i];
				msg[2 * i + 1] = lo[i] + (hi[i] - lo[i]) / 2;
			}
			k = nact;
			if (qkd_chan_send_u64s(r->chan, &k, 1) ||
			    qkd_chan_send_u64s(r->chan, msg, 2 * nact))
				goto out;
			if (!nact)
				break;
			if (qkd_chan_recv(r->chan, par, nact))
				goto out;
			for (i = 0; i < nact; i++) {
				uint8_t p = 0;

				for (j = msg[2 * i]; j < msg[2 * i + 1]; j++)
					p ^= r->kbit[perm[j]];
				if (p != (par[i] & 1))
					hi[i] = msg[2 * i + 1];
				else
					lo[i] = msg[2 * i + 1];
			}
		} else {
			if (qkd_chan_recv_u64s(r->chan, &k, 1) || k > nb)
				goto out;
			if (!k)
				break;
			if (qkd_chan_recv_u64s(r->chan, msg, 2 * k))
				goto out;
			for (i = 0; i < k; i++) {
				par[i] = 0;
				if (msg[2 * i + 1] > n || msg[2 * i] > msg[2 * i + 1])
					goto out;
				for (j = msg[2 * i]; j < msg[2 * i + 1]; j++)
					par[i] ^= r->kbit[perm[j]];
			}
			if (qkd_chan_send(r->chan, par, k))
				goto out;
			nact = k;
		}
		r->leaked += nact;
	}
	err = 0;
out:
	free(par);
	free(ap);
	free(lo);
	free(hi);
	free(msg);
	return err;
}

static uint64_t *pack(const uint8_t *b, size_t n)
{
	uint64_t *w = calloc(n / 64 + 2, 8);
	size_t i;

	if (w)
		for (i = 0; i < n; i++)
			w[i / 64] |= (uint64_t)(b[i] & 1) << (i % 64);
	return w;
}

/* Alice sends a fresh Toeplitz seed and her hash, Bob says if his agrees. */
static int verify(struct qkd_run *r, int *ok)
{
	size_t sw = (r->nkey + QKD_HASH_BITS - 1) / 64 + 2;
	uint64_t *seed = calloc(sw, 8), *x = pack(r->kbit, r->nkey), h, other, v;
	int err = -1;

	if (!seed || !x || shared_random(r, seed, sw))
		goto out;
	qkd_toeplitz(seed, x, r->nkey, &h, QKD_HASH_BITS);
	if (!r->bob) {
		if (qkd_chan_send_u64s(r->chan, &h, 1) ||
		    qkd_chan_recv_u64s(r->chan, &v, 1))
			goto out;
		*ok = v == 1;
	} else {
		if (qkd_chan_recv_u64s(r->chan, &other, 1))
			goto out;
		*ok = other == h;
		v = *ok;
		if (qkd_chan_send_u64s(r->chan, &v, 1))
			goto out;
	}
	r->leaked += QKD_HASH_BITS;
	err = 0;
out:
	free(seed);
	free(x);
	return err;
}

static int reconcile(struct qkd_run *r)
{
	double q = r->len.qber[0] > r->len.qber[1] ? r->len.qber[0] : r->len.qber[1];
	size_t bs, *perm = calloc(r->nkey + 1, sizeof(*perm));
	uint64_t seed;
	int pass, ok = 0;

	if (!perm)
		return -1;
	/* Cascade's first block size, 0.73/Q, at least 4 bits */
	q = q < 0.005 ? 0.005 : q;
	bs = (size_t)(0.73 / q);
	if (bs < 4)
		bs = 4;
	for (pass = 0; pass < MAX_PASSES && !ok; pass++) {
		/* blocks double for three passes; at least four blocks, so
		 * that the shuffles split pairs of errors
		 */
		size_t b = bs << (pass < 3 ? pass : 3), bmax = r->nkey / 4;

		if (b > bmax)
			b = bmax > 4 ? bmax : 4;
		seed = 0;
		if (pass && shared_random(r, &seed, 1))
			goto fail;
		seed |= !!pass;		/* 0 means no shuffle */
		if (r->nkey && ec_pass(r, seed, b, perm))
			goto fail;
		r->passes = pass + 1;
		if (verify(r, &ok))
			goto fail;
	}
	r->reconciled = ok;
	free(perm);
	return 0;
fail:
	free(perm);
	return -1;
}

static int amplify(struct qkd_run *r)
{
	size_t l = r->len.length, sw = (r->nkey + l - 1) / 64 + 2, i;
	uint64_t *seed = calloc(sw, 8), *x = pack(r->kbit, r->nkey);
	uint64_t *y = calloc(l / 64 + 1, 8);
	int err = -1;

	r->key = calloc(l / 8 + 1, 1);
	if (!seed || !x || !y || !r->key || shared_random(r, seed, sw))
		goto out;
	qkd_toeplitz(seed, x, r->nkey, y, l);
	for (i = 0; i < l; i++)
		r->key[i / 8] |= qkd_bit(y, i) << (7 - i % 8);
	r->key_bits = l;
	err = 0;
out:
	free(seed);
	free(x);
	free(y);
	return err;
}

int qkd_run(struct qkd_run *r, struct qkd_rec *recs, size_t n)
{
	r->abort = QKD_ABORT_IO;
	if (sift(r, recs, n) || estimate(r))
		return -1;
	/* before correcting: abort if even a free correction leaves nothing */
	length(r);
	if (r->abort != QKD_OK)
		return 0;
	if (reconcile(r)) {
		r->abort = QKD_ABORT_IO;
		return -1;
	}
	if (!r->reconciled) {
		r->abort = QKD_ABORT_EC;
		return 0;
	}
	length(r);
	if (r->abort != QKD_OK)
		return 0;
	if (amplify(r)) {
		r->abort = QKD_ABORT_IO;
		return -1;
	}
	return 0;
}
