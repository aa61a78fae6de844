/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libqkd: BBM92 post-processing shared by the qkd example and the key
 * manager qnet-kmd. Documentation/qkd.rst has the protocol, the security
 * model and the key length formula with its references.
 *
 *   qkd_chan_*     the classical channel, authenticated with a pre-shared
 *                  key (HMAC-SHA256 from GnuTLS over every message)
 *   qkd_toeplitz   Toeplitz hashing (verification and privacy amplification)
 *   qkd_key_length the finite-key length from the estimates and the leak
 *   qkd_run        one BBM92 round: sift, estimate, correct, verify, amplify
 *   qkd_collect    the records of one AF_QNET request (qkd_qnet.c, libqnet)
 */
#ifndef _QNET_LIBQKD_H
#define _QNET_LIBQKD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- authenticated classical channel ---- */

#define QKD_PSK_MIN	16	/* bytes of pre-shared key, at least */
#define QKD_PSK_MAX	64
#define QKD_TAG_LEN	32	/* HMAC-SHA256 */
#define QKD_MSG_MAX	(64u << 20)

struct qkd_chan {
	int fd;
	int client;			/* 1: the side that connected */
	uint8_t key[QKD_TAG_LEN];	/* session key, from the PSK and nonces */
	uint64_t seq_tx, seq_rx;
	uint64_t bytes_tx, bytes_rx;	/* payload bytes, for the summary */
};

/* Read a PSK file: hex (64 to 128 digits, whitespace ignored) or raw bytes. */
int qkd_psk_load(const char *path, uint8_t *psk, size_t *len);
/*
 * Open "unix:PATH" or "tcp:HOST:PORT" (client) / "tcp:[ADDR:]PORT"
 * (server). A server gets a listening fd, a client a connected one
 * (retrying for @retry_ms while the server is not there yet).
 */
int qkd_chan_open(const char *spec, int server, int retry_ms);
/*
 * Authenticate @fd with the PSK: both ends send a fresh 16-byte nonce;
 * every later message carries HMAC-SHA256(K, dir | seq | len | payload)
 * with K = HMAC-SHA256(PSK, "qnet-qkd session" | nonce_c | nonce_s).
 * Returns 0, or -1 (errno EACCES when the peer does not hold the PSK).
 */
int qkd_chan_init(struct qkd_chan *c, int fd, int client, const uint8_t *psk,
		  size_t psklen);
/* One message of exactly @len bytes (0: nothing is sent or read). */
int qkd_chan_send(struct qkd_chan *c, const void *buf, size_t len);
int qkd_chan_recv(struct qkd_chan *c, void *buf, size_t len);
int qkd_chan_send_u64s(struct qkd_chan *c, const uint64_t *v, size_t n);
int qkd_chan_recv_u64s(struct qkd_chan *c, uint64_t *v, size_t n);
/* a message of any length up to @max; returns its length or -1 */
ssize_t qkd_chan_recv_any(struct qkd_chan *c, void *buf, size_t max);

/* ---- bits: packed, bit i in word i / 64 at position i % 64 ---- */

static inline int qkd_bit(const uint64_t *w, size_t i)
{
	return (w[i / 64] >> (i % 64)) & 1;
}

/*
 * y = T x over GF(2): T is the l x n Toeplitz matrix of the n + l - 1 seed
 * bits s, T[i][j] = s[i - j + n - 1] (first row s[n-1] ... s[0], first
 * column s[n-1] ... s[n+l-2]). @s must have (n + l - 1) / 64 + 2 words
 * (the last ones may hold anything), @y gets (l + 63) / 64 words (its
 * unused high bits zero).
 */
void qkd_toeplitz(const uint64_t *s, const uint64_t *x, size_t n,
		  uint64_t *y, size_t l);

/* splitmix64: the shared pseudo-randomness of the shuffles, from a seed */
uint64_t qkd_rng_next(uint64_t *s);
size_t qkd_rng_below(uint64_t *s, size_t n);

/* ---- the finite-key length ---- */

#define QKD_EPS_SEC	1e-10	/* secrecy */
#define QKD_EPS_COR	1e-15	/* correctness */
#define QKD_QBER_MAX	0.11	/* abort above this QBER in either basis */
#define QKD_QTOL_STEP	0.005	/* tolerances are multiples of this ... */
#define QKD_QTOL_N	23	/* ... from 0 to QKD_QBER_MAX: 23 of them */
#define QKD_HASH_BITS	64	/* a verification hash; 2^-64 collisions */

double qkd_h2(double p);	/* binary entropy, h(p) = 1 for p >= 1/2 */

struct qkd_len_in {
	/* index 0: Z, 1: X */
	size_t n[2];		/* key bits measured in that basis */
	size_t k[2];		/* test (disclosed) bits in that basis */
	size_t err[2];		/* errors among the test bits */
	uint64_t leak;		/* bits of the key disclosed by EC, hashes included */
	double eps_sec, eps_cor, qber_max;
};

struct qkd_len_out {
	double qber[2];		/* err / k */
	double qtol[2];		/* the tolerance each estimate ran with */
	double mu[2];		/* the statistical margin of the key bits of basis b */
	double e_ph[2];		/* phase error bound of the key bits of basis b */
	double entropy;		/* sum n_b (1 - h(e_ph_b)) */
	double pa_cost;		/* log2(2 M^2 / (eps_sec^2 eps_cor)) */
	long length;		/* final key bits (may be <= 0) */
};

enum qkd_abort {
	QKD_OK = 0,
	QKD_ABORT_QBER,		/* QBER above the threshold */
	QKD_ABORT_SHORT,	/* nothing left after the finite-key terms */
	QKD_ABORT_EC,		/* error correction did not converge */
	QKD_ABORT_IO,		/* classical channel failed */
};

const char *qkd_abort_str(enum qkd_abort a);
/* Fill @out; returns QKD_OK, QKD_ABORT_QBER or QKD_ABORT_SHORT. */
enum qkd_abort qkd_key_length(const struct qkd_len_in *in,
			      struct qkd_len_out *out);

/* ---- one round of BBM92 ---- */

struct qkd_rec {
	uint64_t pair_id;
	uint8_t basis;		/* QNET_BASIS_Z/X/Y */
	uint8_t outcome;
	uint8_t bell;		/* QNET_BELL_* */
	uint32_t fid_ppm;
};

struct qkd_run {
	/* in */
	struct qkd_chan *chan;
	int bob;		/* 1 at the end that corrects its bits */
	double sample;		/* fraction of sifted bits disclosed */
	double eps_sec, eps_cor, qber_max;
	/* the randomness Alice draws and sends; default getrandom() */
	int (*random)(void *buf, size_t len, void *arg);
	void *random_arg;

	/* out: sifting */
	size_t nrecs, nsift, nsift_b[2], same_y, bell_mismatch;
	/* estimation */
	size_t nsample_b[2], err_sample_b[2];
	/* error correction */
	size_t nkey, nkey_b[2], corrected_b[2];
	uint64_t leaked;
	int passes, reconciled;
	/* the key length and the key */
	struct qkd_len_out len;
	enum qkd_abort abort;
	uint8_t *key;		/* length.length bits, packed MSB first */
	size_t key_bits;

	/* internal */
	uint8_t *sbit, *sbasis, *kbit, *kbasis;
};

/*
 * Run BBM92 post-processing on this end's records (sorted in place):
 * both ends call it at once with their own records. Returns 0 when the
 * round ended (r->abort says whether with a key; r->key holds it), -1
 * when the channel failed (r->abort = QKD_ABORT_IO).
 */
int qkd_run(struct qkd_run *r, struct qkd_rec *recs, size_t n);
void qkd_run_free(struct qkd_run *r);
/* the defaults above: sample 0.25, QKD_EPS_*, QKD_QBER_MAX, getrandom */
void qkd_run_init(struct qkd_run *r, struct qkd_chan *c, int bob);

/* ---- the records of one AF_QNET request (qkd_qnet.c, on libqnet) ---- */

struct qkd_collect {
	size_t nrecs;
	uint64_t t_first, t_last;	/* emulated span of the records */
	double fsum;			/* sum of the fidelities */
	int error;			/* errno of a record that ended it */
	int idle;			/* 1 if it stopped waiting */
};

/*
 * Room in SO_RCVBUF for @npairs records (each costs about 768 bytes,
 * Documentation/sockets.rst).
 */
void qkd_rcvbuf_for(int fd, uint32_t npairs);
/*
 * Read up to @npairs records into @recs (room for @npairs), giving up
 * after @idle_ms without one. Returns 0 (c says how many and why it
 * stopped), or -errno when recv failed.
 */
int qkd_collect(int fd, struct qkd_rec *recs, uint32_t npairs, int idle_ms,
		struct qkd_collect *c);

/* 1 if Bob flips his outcome for a pair in that Bell state and basis */
int qkd_anticorrelated(uint8_t bell, uint8_t basis);

#endif
