// SPDX-License-Identifier: GPL-2.0
/*
 * qkd: BBM92 entanglement-based quantum key distribution over qnet.
 *
 *   qkd -l [-p PORT] [-C CHANNEL] [-o KEYFILE] [-j]           (Bob)
 *   qkd [-n PAIRS] [-F MINFID] [-p PORT] [-C CHANNEL] [-o KEYFILE]
 *       [-s SAMPLE] [-e ETA] [-R USES_PER_S] [-j] NODE          (Alice)
 *
 * Alice connects an AF_QNET socket to Bob's node and asks for PAIRS pairs
 * measured at once in a random basis at each end (QNET_REQ_MEASURE,
 * QNET_BASIS_RANDOM: Z, X or Y, independently at each end). Both ends get
 * one record per pair, with the same pair_id, Bell state and their own
 * basis and outcome. Over a classical channel (below) they then:
 *
 *  1. exchange (pair_id, basis, Bell state) and sift: keep the pairs
 *     measured in the same basis, Z or X (same-basis Y pairs are counted
 *     and dropped: the BBM92 rate below uses the X and Z error rates);
 *  2. Bob flips his bit where the pair's Bell state is anticorrelated in
 *     that basis (Psi+/Psi- in Z, Psi-/Phi- in X: the table in
 *     Documentation/physics.rst, qstate_bell_anticorrelated() in
 *     kernel/qstate.c), so that equal bits are the ideal outcome;
 *  3. disclose a random sample of the sifted bits (each with probability
 *     SAMPLE, from a seed Alice sends) and estimate the QBER per basis;
 *  4. correct Bob's remaining bits to Alice's with interactive binary
 *     parity search (the BINARY step of Cascade, without its
 *     backtracking) over passes of shuffled blocks, until a 64-bit
 *     hash of the keys agrees; the parities disclosed are counted;
 *  5. both write the corrected, undisclosed sifted bits to KEYFILE.
 *
 * No privacy amplification is done: the key file is the error-corrected
 * sifted key, not a secret key. The secret fraction printed is the
 * asymptotic BBM92 bound r = 1 - h(Q_X) - h(Q_Z) (clipped at 0), and the
 * secret key rate r times the sifted rate per emulated second, compared
 * with the PLOB bound -log2(1 - eta) of a repeaterless channel of the
 * path's transmittance eta (-e), in bits per channel use and per second
 * at -R channel uses per second.
 *
 * The classical channel (-C) is a stream socket: "unix:PATH" (default
 * unix:/run/qnet-qkd-PORT.sock: a filesystem path, so it joins network
 * namespaces of one machine, as the emulated nodes are), or
 * "tcp:HOST:PORT" (Alice) / "tcp:[ADDR:]PORT" (Bob) over IPv4 or IPv6,
 * e.g. over a veth pair between the nodes' namespaces.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <qnet/libqnet.h>

#define QKD_MAGIC	0x514b4431u	/* "QKD1" */
#define QKD_MAX_PASSES	24

static void usage(FILE *f)
{
	fprintf(f,
"Usage: qkd -l [-p PORT] [-C CHANNEL] [-o KEYFILE] [-t SECS] [-j]\n"
"       qkd [-n PAIRS] [-F MINFID] [-p PORT] [-C CHANNEL] [-o KEYFILE]\n"
"           [-s SAMPLE] [-e ETA] [-R USES_PER_S] [-t SECS] [-j] NODE\n"
"\n"
"BBM92 quantum key distribution with the qnet node NODE: entangled pairs\n"
"measured at once in random bases at both ends, bases compared over a\n"
"classical channel, sifted (same basis, Z or X), Bell-frame corrected, a\n"
"random sample disclosed to estimate the QBER in X and Z, the rest error\n"
"corrected (binary parity search, verified with a 64-bit hash) and written\n"
"to KEYFILE by both ends. NO PRIVACY AMPLIFICATION is done: the key file is\n"
"the reconciled sifted key; the secret fraction printed, 1 - h(Qx) - h(Qz)\n"
"(asymptotic, clipped at 0), says how much of it privacy amplification\n"
"would keep.\n"
"\n"
"  -l              listen (Bob): serve one run, then exit\n"
"  -n PAIRS        pairs to ask for (default 1000)\n"
"  -F MINFID       minimum fidelity of each pair, 0..1 (default 0)\n"
"  -p PORT         qnet port (default 9)\n"
"  -C CHANNEL      classical channel: unix:PATH, or tcp:HOST:PORT (Alice)\n"
"                  and tcp:[ADDR:]PORT (Bob); default unix:/run/qnet-qkd-PORT.sock\n"
"  -o KEYFILE      write the key there (bits packed MSB first, the last\n"
"                  byte padded with zeros)\n"
"  -s SAMPLE       fraction of sifted bits disclosed for the QBER (default 0.25)\n"
"  -e ETA          the path's transmittance, for the PLOB bound\n"
"  -R USES_PER_S   channel uses per second, for the PLOB bound in bits/s\n"
"                  (default 1000000, qlink's default attempt rate)\n"
"  -t SECS         give up waiting for pairs after SECS without one\n"
"                  (default 30) and go on with those received\n"
"  -j              print the summary as JSON\n"
"  -h, --help      this help\n"
"\n"
"Rates are per emulated second: sifted bits over the span from the first\n"
"herald to the last delivery. Exit status 0 on success, 1 if the run\n"
"failed (too few pairs, reconciliation failed), 2 on bad usage.\n");
}

/* ---- classical channel: whole buffers over a stream socket ---- */

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = ECONNRESET;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int put_u64s(int fd, const uint64_t *v, size_t n)
{
	uint64_t b[64];
	size_t i, k;

	while (n) {
		k = n < 64 ? n : 64;
		for (i = 0; i < k; i++)
			b[i] = htobe64(v[i]);
		if (write_all(fd, b, k * 8))
			return -1;
		v += k;
		n -= k;
	}
	return 0;
}

static int get_u64s(int fd, uint64_t *v, size_t n)
{
	size_t i;

	if (read_all(fd, v, n * 8))
		return -1;
	for (i = 0; i < n; i++)
		v[i] = be64toh(v[i]);
	return 0;
}

static int put_u64(int fd, uint64_t v)
{
	return put_u64s(fd, &v, 1);
}

static int get_u64(int fd, uint64_t *v)
{
	return get_u64s(fd, v, 1);
}

/* Bits as bytes of 0/1 (a key is at most a million bits). */
static int put_bits(int fd, const uint8_t *b, size_t n)
{
	return write_all(fd, b, n);
}

static int get_bits(int fd, uint8_t *b, size_t n)
{
	return read_all(fd, b, n);
}

/*
 * Open the classical channel: listen/accept (Bob) or connect (Alice,
 * retrying for 10 s while Bob is not there yet). Returns a connected fd.
 */
static int chan_open(const char *spec, int server)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *r;
	char host[256], *port;
	int fd = -1, lfd, one = 1, tries;

	if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un un = { .sun_family = AF_UNIX };

		if (strlen(spec + 5) >= sizeof(un.sun_path)) {
			fprintf(stderr, "qkd: %s: path too long\n", spec);
			return -1;
		}
		strcpy(un.sun_path, spec + 5);
		if (server) {
			lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			unlink(un.sun_path);
			if (lfd < 0 || bind(lfd, (struct sockaddr *)&un, sizeof(un)) ||
			    listen(lfd, 1)) {
				fprintf(stderr, "qkd: %s: %s\n", spec, strerror(errno));
				return -1;
			}
			return lfd;
		}
		for (tries = 0; tries < 100; tries++) {
			fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd < 0)
				break;
			if (!connect(fd, (struct sockaddr *)&un, sizeof(un)))
				return fd;
			close(fd);
			fd = -1;
			if (errno != ENOENT && errno != ECONNREFUSED)
				break;
			usleep(100000);
		}
		fprintf(stderr, "qkd: %s: %s\n", spec, strerror(errno));
		return -1;
	}
	if (strncmp(spec, "tcp:", 4) || strlen(spec + 4) >= sizeof(host)) {
		fprintf(stderr, "qkd: classical channel '%s': unix:PATH or tcp:HOST:PORT\n",
			spec);
		return -1;
	}
	strcpy(host, spec + 4);
	port = strrchr(host, ':');
	if (port) {
		*port++ = '\0';
	} else if (server) {
		port = host;
	} else {
		fprintf(stderr, "qkd: %s: no port\n", spec);
		return -1;
	}
	/* [v6addr]:port */
	if (host[0] == '[' && port != host && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	if (server)
		hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(port == host ? NULL : host, port, &hints, &ai)) {
		fprintf(stderr, "qkd: %s: cannot resolve\n", spec);
		return -1;
	}
	for (tries = 0; fd < 0 && tries < 100; tries++) {
		for (r = ai; r; r = r->ai_next) {
			fd = socket(r->ai_family, r->ai_socktype | SOCK_CLOEXEC,
				    r->ai_protocol);
			if (fd < 0)
				continue;
			if (server) {
				setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
					   sizeof(one));
				if (!bind(fd, r->ai_addr, r->ai_addrlen) &&
				    !listen(fd, 1))
					break;
			} else if (!connect(fd, r->ai_addr, r->ai_addrlen)) {
				break;
			}
			close(fd);
			fd = -1;
		}
		if (fd < 0 && (server || (errno != ECONNREFUSED &&
					  errno != ENETUNREACH &&
					  errno != EHOSTUNREACH)))
			break;
		if (fd < 0)
			usleep(100000);
	}
	freeaddrinfo(ai);
	if (fd < 0)
		fprintf(stderr, "qkd: %s: %s\n", spec, strerror(errno));
	else if (!server)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* ---- randomness shared through a seed: splitmix64 ---- */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n) */
static size_t rng_below(uint64_t *s, size_t n)
{
	return (size_t)(((unsigned __int128)rng_next(s) * n) >> 64);
}

/* A keyed polynomial hash of a bit string, mod 2^61 - 1. */
static uint64_t key_hash(const uint8_t *b, size_t n, uint64_t seed)
{
	const uint64_t p = (1ULL << 61) - 1;
	uint64_t s = seed, x = rng_next(&s) % p, h = rng_next(&s) % p;
	size_t i;

	if (!x)
		x = 1;
	for (i = 0; i < n; i++)
		h = (uint64_t)(((unsigned __int128)h * x + b[i] + 1) % p);
	return h ^ ((uint64_t)n << 61);
}

/* ---- the protocol ---- */

struct rec {
	uint64_t pair_id;
	uint8_t basis, outcome, bell;
	uint32_t fid_ppm;
};

struct run {
	int server;
	int qfd, cfd;
	uint32_t npairs;
	double sample;
	int idle_ms;
	uint64_t seed;
	struct rec *recs;
	size_t nrecs;
	uint64_t t_first, t_last;	/* emulated span of the records */
	double fsum;

	/* sifted */
	size_t nsift, nsift_b[2], same_y, bell_mismatch;
	uint8_t *sbit, *sbasis;		/* per sifted bit: bit, 0 = Z, 1 = X */
	/* sample */
	size_t nsample_b[2], err_sample_b[2];
	/* key */
	uint8_t *key, *kbasis;
	size_t nkey, corrected_b[2], nkey_b[2];
	uint64_t leaked;
	int passes;
	int reconciled;
};

static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return x->pair_id < y->pair_id ? -1 : x->pair_id > y->pair_id;
}

static int anticorrelated(uint8_t bell, uint8_t basis)
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

/*
 * Records that do not fit in SO_RCVBUF are dropped (each costs about
 * 768 bytes: Documentation/sockets.rst), and unpaced links deliver
 * faster than a busy reader may read: room for every pair asked for.
 */
static void rcvbuf_for(int fd, uint32_t npairs)
{
	int size = npairs > 200000 ? 256 << 20 : (int)npairs * 1024 + 65536;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

/* Read the records of this end: npairs, or fewer if an error ends it. */
static int collect(struct run *r)
{
	struct qnet_pair p[64];
	ssize_t n, i;

	r->recs = calloc(r->npairs, sizeof(*r->recs));
	if (!r->recs)
		return -1;
	while (r->nrecs < r->npairs) {
		n = qnet_recv_pairs(r->qfd, p, 64, r->idle_ms);
		if (n == -EAGAIN) {
			fprintf(stderr, "qkd: no pair for %d ms, going on with %zu of %u (dropped for SO_RCVBUF? see /proc/net/qnet)\n",
				r->idle_ms, r->nrecs, r->npairs);
			break;
		}
		if (n < 0) {
			fprintf(stderr, "qkd: recv: %s\n", strerror(-n));
			return -1;
		}
		if (!n)
			break;
		for (i = 0; i < n && r->nrecs < r->npairs; i++) {
			struct rec *q = &r->recs[r->nrecs];

			if (p[i].error) {
				fprintf(stderr, "qkd: request ended after %zu pairs: %s\n",
					r->nrecs, strerror(p[i].error));
				return 0;
			}
			q->pair_id = p[i].pair_id;
			q->basis = p[i].basis;
			q->outcome = p[i].outcome & 1;
			q->bell = p[i].bell_state & 3;
			q->fid_ppm = p[i].fidelity_ppm;
			if (!r->nrecs || p[i].create_ns < r->t_first)
				r->t_first = p[i].create_ns;
			if (p[i].deliver_ns > r->t_last)
				r->t_last = p[i].deliver_ns;
			r->fsum += p[i].fidelity_ppm / 1e6;
			r->nrecs++;
		}
	}
	return 0;
}

/*
 * Exchange (pair_id, basis, bell) lists, Alice's first, and sift: keep
 * pairs in both lists with the same basis Z or X, in pair_id order.
 */
static int sift(struct run *r)
{
	uint64_t n_other, *mine, *other;
	size_t i, j, k;
	int err = -1;

	qsort(r->recs, r->nrecs, sizeof(*r->recs), cmp_rec);
	mine = calloc(r->nrecs * 2 + 1, sizeof(*mine));
	if (!mine)
		return -1;
	for (i = 0; i < r->nrecs; i++) {
		mine[2 * i] = r->recs[i].pair_id;
		mine[2 * i + 1] = r->recs[i].basis | (r->recs[i].bell << 8);
	}
	if (!r->server && (put_u64(r->cfd, r->nrecs) ||
			   put_u64s(r->cfd, mine, 2 * r->nrecs)))
		goto out;
	if (get_u64(r->cfd, &n_other) || n_other > 1000000)
		goto out;
	other = calloc(n_other * 2 + 1, sizeof(*other));
	if (!other)
		goto out;
	if (get_u64s(r->cfd, other, 2 * n_other))
		goto out_other;
	if (r->server && (put_u64(r->cfd, r->nrecs) ||
			  put_u64s(r->cfd, mine, 2 * r->nrecs)))
		goto out_other;

	r->sbit = malloc(r->nrecs + 1);
	r->sbasis = malloc(r->nrecs + 1);
	if (!r->sbit || !r->sbasis)
		goto out_other;
	/* the lists are sorted by pair_id (the other end sorted its own) */
	for (i = 0, j = 0; i < r->nrecs && j < n_other;) {
		const struct rec *q = &r->recs[i];
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
		} else if (q->basis == ob) {
			k = r->nsift++;
			r->sbasis[k] = q->basis == QNET_BASIS_X;
			r->sbit[k] = q->outcome;
			if (r->server)
				r->sbit[k] ^= anticorrelated(q->bell, q->basis);
			r->nsift_b[r->sbasis[k]]++;
		}
		i++;
		j++;
	}
	err = 0;
out_other:
	free(other);
out:
	free(mine);
	return err;
}

/*
 * Disclose the sample (each sifted bit with probability r->sample, drawn
 * from the shared seed): Alice sends her sample bits, Bob answers with
 * his; both count the errors per basis. The rest is the raw key.
 */
static int disclose(struct run *r)
{
	uint8_t *in = calloc(r->nsift + 1, 1), *mine = calloc(r->nsift + 1, 1);
	uint8_t *other = calloc(r->nsift + 1, 1);
	uint64_t s = r->seed ^ 0x5a4d504cULL;
	size_t i, ns = 0;
	int err = -1;

	r->key = malloc(r->nsift + 1);
	r->kbasis = malloc(r->nsift + 1);
	if (!in || !mine || !other || !r->key || !r->kbasis)
		goto out;
	for (i = 0; i < r->nsift; i++) {
		in[i] = rng_next(&s) < (uint64_t)(r->sample * 18446744073709551615.0);
		if (in[i]) {
			mine[ns++] = r->sbit[i];
		} else {
			r->kbasis[r->nkey] = r->sbasis[i];
			r->nkey_b[r->sbasis[i]]++;
			r->key[r->nkey++] = r->sbit[i];
		}
	}
	if (r->server) {
		if (get_bits(r->cfd, other, ns) || put_bits(r->cfd, mine, ns))
			goto out;
	} else {
		if (put_bits(r->cfd, mine, ns) || get_bits(r->cfd, other, ns))
			goto out;
	}
	for (i = 0, ns = 0; i < r->nsift; i++) {
		if (!in[i])
			continue;
		r->nsample_b[r->sbasis[i]]++;
		r->err_sample_b[r->sbasis[i]] += mine[ns] != other[ns];
		ns++;
	}
	err = 0;
out:
	free(in);
	free(mine);
	free(other);
	return err;
}

/*
 * One pass of error correction. The key is permuted (identity on pass 0,
 * a shuffle from the shared seed after) and cut into blocks of @bs bits.
 * Alice sends every block's parity; for each block whose parity differs,
 * Bob bisects: each round he sends the ranges (first halves of the
 * intervals still searched), Alice answers their parities, and Bob keeps
 * the half that holds an odd number of errors, until one bit is left,
 * which he flips. Both count the parities disclosed.
 */
static int ec_pass(struct run *r, int pass, size_t bs, size_t *perm)
{
	size_t n = r->nkey, nb = (n + bs - 1) / bs, i, j, nact = 0;
	uint64_t s = r->seed + 0x1000 * (pass + 1), *lo, *hi, *msg;
	uint8_t *par;
	int err = -1;

	for (i = 0; i < n; i++)
		perm[i] = i;
	if (pass)
		for (i = n - 1; i > 0; i--) {
			j = rng_below(&s, i + 1);
			size_t t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
	par = calloc(nb + 1, 1);
	lo = calloc(nb + 1, sizeof(*lo));
	hi = calloc(nb + 1, sizeof(*hi));
	msg = calloc(2 * nb + 2, sizeof(*msg));
	if (!par || !lo || !hi || !msg)
		goto out;
	for (i = 0; i < n; i++)
		par[i / bs] ^= r->key[perm[i]];
	if (!r->server) {
		if (put_bits(r->cfd, par, nb))
			goto out;
	} else {
		uint8_t *ap = calloc(nb + 1, 1);

		if (!ap || get_bits(r->cfd, ap, nb)) {
			free(ap);
			goto out;
		}
		for (i = 0; i < nb; i++)
			if (ap[i] != par[i]) {
				lo[nact] = i * bs;
				hi[nact] = (i + 1) * bs < n ? (i + 1) * bs : n;
				nact++;
			}
		free(ap);
	}
	r->leaked += nb;

	/* bisection rounds: Bob sends k ranges (k = 0 ends), Alice k parities */
	for (;;) {
		uint64_t k;

		if (r->server) {
			size_t m = 0;

			for (i = 0; i < nact; i++) {
				if (hi[i] - lo[i] == 1) {
					r->key[perm[lo[i]]] ^= 1;
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
			if (put_u64(r->cfd, nact) || put_u64s(r->cfd, msg, 2 * nact))
				goto out;
			if (!nact)
				break;
			if (get_bits(r->cfd, par, nact))
				goto out;
			for (i = 0; i < nact; i++) {
				uint8_t p = 0;

				for (j = msg[2 * i]; j < msg[2 * i + 1]; j++)
					p ^= r->key[perm[j]];
				if (p != par[i])
					hi[i] = msg[2 * i + 1];
				else
					lo[i] = msg[2 * i + 1];
			}
			r->leaked += nact;
		} else {
			if (get_u64(r->cfd, &k) || k > nb)
				goto out;
			if (!k)
				break;
			if (get_u64s(r->cfd, msg, 2 * k))
				goto out;
			for (i = 0; i < k; i++) {
				par[i] = 0;
				if (msg[2 * i + 1] > n || msg[2 * i] > msg[2 * i + 1])
					goto out;
				for (j = msg[2 * i]; j < msg[2 * i + 1]; j++)
					par[i] ^= r->key[perm[j]];
			}
			if (put_bits(r->cfd, par, k))
				goto out;
			r->leaked += k;
		}
	}
	err = 0;
out:
	free(par);
	free(lo);
	free(hi);
	free(msg);
	return err;
}

/* Passes until the keys' hashes agree (Alice sends hers, Bob says). */
static int reconcile(struct run *r)
{
	size_t nerr = r->err_sample_b[0] + r->err_sample_b[1];
	size_t nsam = r->nsample_b[0] + r->nsample_b[1];
	double q = nsam ? (double)nerr / nsam : 0.05;
	size_t bs, *perm = calloc(r->nkey + 1, sizeof(*perm));
	uint64_t h, other, ok;
	int pass;

	if (!perm)
		return -1;
	/* Cascade's first block size, 0.73/Q, at least 4 bits */
	q = q < 0.01 ? 0.01 : q;
	bs = (size_t)(0.73 / q);
	if (bs < 4)
		bs = 4;
	for (pass = 0; pass < QKD_MAX_PASSES; pass++) {
		/* blocks double for three passes; at least four blocks, so
		 * that the shuffles split pairs of errors
		 */
		size_t b = bs << (pass < 3 ? pass : 3), bmax = r->nkey / 4;

		if (b > bmax)
			b = bmax > 4 ? bmax : 4;
		if (r->nkey && ec_pass(r, pass, b, perm))
			goto fail;
		r->passes = pass + 1;
		h = key_hash(r->key, r->nkey, r->seed + pass);
		r->leaked += 64;
		if (!r->server) {
			if (put_u64(r->cfd, h) || get_u64(r->cfd, &ok))
				goto fail;
		} else {
			if (get_u64(r->cfd, &other))
				goto fail;
			ok = other == h;
			if (put_u64(r->cfd, ok))
				goto fail;
		}
		if (ok) {
			r->reconciled = 1;
			break;
		}
	}
	free(perm);
	return 0;
fail:
	free(perm);
	return -1;
}

static int write_key(const char *path, const uint8_t *key, size_t n)
{
	uint8_t *buf = calloc(n / 8 + 2, 1);
	size_t i, len = (n + 7) / 8;
	FILE *f;
	int err = 0;

	if (!buf)
		return -1;
	for (i = 0; i < n; i++)
		buf[i / 8] |= key[i] << (7 - i % 8);
	f = fopen(path, "we");
	if (!f || fwrite(buf, 1, len, f) != len)
		err = -1;
	if (f && fclose(f))
		err = -1;
	if (err)
		fprintf(stderr, "qkd: %s: %s\n", path, strerror(errno));
	free(buf);
	return err;
}

static double h2(double q)
{
	if (q <= 0 || q >= 1)
		return 0;
	return -q * log2(q) - (1 - q) * log2(1 - q);
}

static double ratio(size_t a, size_t b)
{
	return b ? (double)a / b : 0;
}

static void summary(const struct run *r, int json, double eta, double uses)
{
	double qz = ratio(r->err_sample_b[0], r->nsample_b[0]);
	double qx = ratio(r->err_sample_b[1], r->nsample_b[1]);
	double frac = fmax(0, 1 - h2(qx) - h2(qz));
	double span = (r->t_last - r->t_first) / 1e9;
	double sift_rate = span > 0 ? r->nsift / span : 0;
	double skr = frac * sift_rate;
	double plob = eta > 0 && eta < 1 ? -log2(1 - eta) : -1;
	double fmean = r->nrecs ? r->fsum / r->nrecs : 0;
	size_t ctot = r->corrected_b[0] + r->corrected_b[1];

	if (json) {
		printf("{\"role\":\"%s\",\"pairs\":%zu,\"mean_fidelity\":%.6f,"
		       "\"span_s\":%.9f,\"sifted\":%zu,\"sifted_z\":%zu,\"sifted_x\":%zu,"
		       "\"same_basis_y\":%zu,\"bell_mismatch\":%zu,"
		       "\"sample_z\":%zu,\"sample_x\":%zu,\"errors_z\":%zu,\"errors_x\":%zu,"
		       "\"qber_z\":%.6f,\"qber_x\":%.6f,\"key_bits\":%zu,\"key_z\":%zu,\"key_x\":%zu,"
		       "\"corrected\":%zu,\"corrected_z\":%zu,\"corrected_x\":%zu,"
		       "\"ec_leaked_bits\":%llu,\"ec_passes\":%d,\"reconciled\":%s,"
		       "\"secret_fraction\":%.6f,\"sifted_rate_bps\":%.3f,"
		       "\"secret_key_rate_bps\":%.3f",
		       r->server ? "bob" : "alice", r->nrecs, fmean, span,
		       r->nsift, r->nsift_b[0], r->nsift_b[1], r->same_y,
		       r->bell_mismatch, r->nsample_b[0], r->nsample_b[1],
		       r->err_sample_b[0], r->err_sample_b[1], qz, qx,
		       r->nkey, r->nkey_b[0], r->nkey_b[1], ctot,
		       r->corrected_b[0], r->corrected_b[1],
		       (unsigned long long)r->leaked, r->passes,
		       r->reconciled ? "true" : "false", frac, sift_rate, skr);
		if (plob >= 0)
			printf(",\"eta\":%.9g,\"plob_bits_per_use\":%.6f,"
			       "\"uses_per_s\":%.0f,\"plob_bps\":%.3f",
			       eta, plob, uses, plob * uses);
		printf("}\n");
		return;
	}
	printf("--- qkd (%s) ---\n", r->server ? "bob" : "alice");
	printf("pairs %zu, mean fidelity %.6f, over %.6f s emulated\n",
	       r->nrecs, fmean, span);
	printf("sifted %zu bits (Z %zu, X %zu; %zu same-basis Y dropped)\n",
	       r->nsift, r->nsift_b[0], r->nsift_b[1], r->same_y);
	printf("sample: Z %zu/%zu errors, X %zu/%zu errors: QBER Z %.4f, X %.4f\n",
	       r->err_sample_b[0], r->nsample_b[0], r->err_sample_b[1],
	       r->nsample_b[1], qz, qx);
	printf("key %zu bits, %zu corrected (Z %zu, X %zu) in %d passes, %llu bits disclosed, %s\n",
	       r->nkey, ctot, r->corrected_b[0], r->corrected_b[1], r->passes,
	       (unsigned long long)r->leaked,
	       r->reconciled ? "keys agree" : "RECONCILIATION FAILED");
	printf("secret fraction 1-h(Qx)-h(Qz) = %.4f (asymptotic; no privacy amplification done)\n",
	       frac);
	printf("sifted rate %.1f bits/s, secret key rate %.1f bits/s (emulated)\n",
	       sift_rate, skr);
	if (plob >= 0)
		printf("PLOB bound at eta %.6g: %.6f bits/use, %.1f bits/s at %.0f uses/s\n",
		       eta, plob, plob * uses, uses);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct run r = { .npairs = 1000, .sample = 0.25, .qfd = -1, .cfd = -1,
			.idle_ms = 30000 };
	struct qnet_request req;
	unsigned long port = 9, node = 0, v;
	double eta = -1, uses = 1e6, fmin = 0;
	const char *keyfile = NULL, *chan = NULL;
	char defchan[64], *end;
	uint64_t hello[5];
	int c, json = 0, lfd, clfd;

	while ((c = getopt_long(argc, argv, "ln:F:p:C:o:s:e:R:t:jh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'l':
			r.server = 1;
			break;
		case 'n':
			v = strtoul(optarg, &end, 0);
			if (*end || !v || v > 1000000)
				goto bad;
			r.npairs = v;
			break;
		case 'F':
			fmin = strtod(optarg, &end);
			if (*end || !(fmin >= 0 && fmin <= 1))
				goto bad;
			break;
		case 'p':
			port = strtoul(optarg, &end, 0);
			if (*end || !port || port > 65535)
				goto bad;
			break;
		case 'C':
			chan = optarg;
			break;
		case 'o':
			keyfile = optarg;
			break;
		case 's':
			r.sample = strtod(optarg, &end);
			if (*end || !(r.sample >= 0 && r.sample < 1))
				goto bad;
			break;
		case 'e':
			eta = strtod(optarg, &end);
			if (*end || !(eta > 0 && eta < 1))
				goto bad;
			break;
		case 'R':
			uses = strtod(optarg, &end);
			if (*end || !(uses > 0) || isinf(uses))
				goto bad;
			break;
		case 't':
			v = strtoul(optarg, &end, 0);
			if (*end || !v || v > 3600)
				goto bad;
			r.idle_ms = v * 1000;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (r.server == (optind < argc) || optind + 1 < argc) {
		usage(stderr);
		return 2;
	}
	if (!r.server) {
		node = strtoul(argv[optind], &end, 0);
		if (*end || !node || node > UINT32_MAX) {
			fprintf(stderr, "qkd: bad node address '%s'\n", argv[optind]);
			return 2;
		}
	}
	if (!chan) {
		snprintf(defchan, sizeof(defchan), "unix:/run/qnet-qkd-%lu.sock", port);
		chan = defchan;
	}

	if (r.server) {
		lfd = qnet_listen(port, 1);
		if (lfd < 0) {
			fprintf(stderr, "qkd: listen on port %lu: %s\n", port,
				strerror(-lfd));
			return 1;
		}
		clfd = chan_open(chan, 1);
		if (clfd < 0)
			return 1;
		r.qfd = qnet_accept(lfd, NULL);
		if (r.qfd < 0) {
			fprintf(stderr, "qkd: accept: %s\n", strerror(-r.qfd));
			return 1;
		}
		r.cfd = accept4(clfd, NULL, NULL, SOCK_CLOEXEC);
		if (r.cfd < 0) {
			perror("qkd: accept (classical)");
			return 1;
		}
		close(lfd);
		close(clfd);
		if (!strncmp(chan, "unix:", 5))
			unlink(chan + 5);
		if (get_u64s(r.cfd, hello, 5) || hello[0] != QKD_MAGIC) {
			fprintf(stderr, "qkd: bad hello on the classical channel\n");
			return 1;
		}
		r.npairs = hello[1];
		r.sample = hello[2] / 1e9;
		r.seed = hello[3];
		if (!r.npairs || r.npairs > 1000000 || r.sample >= 1)
			return 1;
		rcvbuf_for(r.qfd, r.npairs);
	} else {
		int tries;

		/* Bob may not be listening yet: retry for 10 s */
		for (tries = 0; tries < 100; tries++) {
			r.qfd = qnet_connect(node, port);
			if (r.qfd != -ECONNREFUSED)
				break;
			usleep(100000);
		}
		if (r.qfd < 0) {
			fprintf(stderr, "qkd: connect to node %lu port %lu: %s\n",
				node, port, strerror(-r.qfd));
			return 1;
		}
		r.cfd = chan_open(chan, 0);
		if (r.cfd < 0)
			return 1;
		if (getrandom(&r.seed, sizeof(r.seed), 0) != sizeof(r.seed)) {
			perror("qkd: getrandom");
			return 1;
		}
		hello[0] = QKD_MAGIC;
		hello[1] = r.npairs;
		hello[2] = (uint64_t)(r.sample * 1e9 + 0.5);
		hello[3] = r.seed;
		hello[4] = 0;
		r.sample = hello[2] / 1e9;
		if (put_u64s(r.cfd, hello, 5)) {
			perror("qkd: classical channel");
			return 1;
		}
		rcvbuf_for(r.qfd, r.npairs);
		qnet_request_init(&req, r.npairs);
		req.basis = QNET_BASIS_RANDOM;
		req.min_fidelity_ppm = (uint32_t)(fmin * 1e6 + 0.5);
		c = qnet_request(r.qfd, &req);
		if (c) {
			fprintf(stderr, "qkd: request: %s\n", strerror(-c));
			return 1;
		}
	}

	if (collect(&r))
		return 1;
	if (sift(&r) || disclose(&r) || reconcile(&r)) {
		fprintf(stderr, "qkd: classical channel: %s\n", strerror(errno));
		return 1;
	}
	close(r.qfd);
	close(r.cfd);
	if (keyfile && r.reconciled && write_key(keyfile, r.key, r.nkey))
		return 1;
	summary(&r, json, eta, uses);
	return r.reconciled && r.nrecs == r.npairs ? 0 : 1;
bad:
	fprintf(stderr, "qkd: bad value for -%c: '%s'\n", c, optarg);
	usage(stderr);
	return 2;
}
