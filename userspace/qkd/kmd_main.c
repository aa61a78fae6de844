// SPDX-License-Identifier: GPL-2.0
/*
 * qnet-kmd: an ETSI GS QKD 014 key manager fed by BBM92 over AF_QNET.
 *
 * Two of them, one per node, make keys together: the one started with
 * --role alice connects the classical channel and asks for the pairs,
 * the --role bob one listens. Over the authenticated channel (libqkd,
 * the pre-shared key of --psk) they run rounds:
 *
 *   SYNC     alice: the last round committed here; bob settles its store
 *            to it (rounds above it are dropped, those up to it made
 *            usable) and says how many keys its SAE has left
 *   STATUS   alice asks how many keys bob's SAE has left (when idle:
 *            both ends full, or --rounds committed)
 *   ROUND    alice: round, pairs, sample; alice requests the pairs, both
 *            collect their records and run qkd_run(); with a key, alice
 *            cuts it into --key-size keys, gives each a random UUID and
 *            an owner (the SAE end that has fewer keys, up to
 *            --max-keys each), logs them pending and sends COMMIT;
 *            bob logs them committed and answers ACK; alice logs the
 *            round committed and usable and sends DONE; bob makes it
 *            usable.
 *
 * So alice commits only rounds bob has committed, and bob hands out only
 * rounds alice has committed: after a crash at any point the SYNC of the
 * next session brings both to the same set of rounds, and no key one end
 * has handed out is missing at the other (kmd_store.c logs it first).
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <linux/qnet.h>
#include <qnet/libqnet.h>

#include "kmd.h"
#include "libqkd.h"

#define KMD_MAGIC	0x4b4d4431u	/* "KMD1" */
enum { MSG_SYNC = 1, MSG_STATUS, MSG_ROUND, MSG_COMMIT, MSG_ACK, MSG_DONE };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: qnet-kmd --role alice|bob --kme-id ID --peer-kme-id ID --sae ID\n"
"                --peer-sae ID --cert FILE --key FILE --ca FILE --psk FILE\n"
"                --channel SPEC --state FILE [--node ADDR] [--port PORT]\n"
"                [--listen ADDR:PORT] [--pairs N] [--sample F]\n"
"                [--key-size BITS] [--max-keys N] [--max-per-request N]\n"
"                [--rounds N] [-v]\n"
"\n"
"A key manager (KME) serving ETSI GS QKD 014 (REST over HTTPS with client\n"
"certificates) to the SAE of this qnet node, with keys made by BBM92 with\n"
"the qnet-kmd of the peer node. See qnet-kmd(8).\n");
}

static int rnd(void *buf, size_t len)
{
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

/* ---- one round ---- */

/*
 * Cut the key into keys and give them owners (alice), send them with
 * COMMIT, or receive them (bob); both log them.
 */
static int commit_round(struct kmd *k, struct qkd_chan *c, uint64_t round,
			const struct qkd_run *r, uint64_t bob_has)
{
	size_t kb = k->store.key_bytes, n = r->key_bits / 8 / kb, i, mine;
	uint8_t *ids = malloc(16 * n + 1), ack[1];
	char *owners = malloc(n + 1);
	uint64_t hdr[3];
	int err = -1;

	if (!ids || !owners)
		goto out;
	if (k->role == 'A') {
		pthread_mutex_lock(&k->store.lock);
		mine = kmd_store_count(&k->store, 'A');
		pthread_mutex_unlock(&k->store.lock);
		if (rnd(ids, 16 * n))
			goto out;
		for (i = 0; i < n; i++) {
			ids[16 * i + 6] = (ids[16 * i + 6] & 0x0f) | 0x40;
			ids[16 * i + 8] = (ids[16 * i + 8] & 0x3f) | 0x80;
			if (mine <= bob_has && mine < k->max_keys) {
				owners[i] = 'A';
				mine++;
			} else if (bob_has < k->max_keys) {
				owners[i] = 'B';
				bob_has++;
			} else {
				owners[i] = 'X';	/* both full: dropped */
			}
		}
		hdr[0] = MSG_COMMIT;
		hdr[1] = round;
		hdr[2] = n;
		if (kmd_store_add(&k->store, round, ids, owners, r->key, n, 0) ||
		    qkd_chan_send_u64s(c, hdr, 3) || qkd_chan_send(c, ids, 16 * n) ||
		    qkd_chan_send(c, owners, n) || qkd_chan_recv(c, ack, 1) ||
		    ack[0] != MSG_ACK || kmd_store_commit(&k->store, round) ||
		    kmd_store_settle(&k->store, round))
			goto out;
		ack[0] = MSG_DONE;
		if (qkd_chan_send(c, ack, 1))
			goto out;
	} else {
		if (qkd_chan_recv_u64s(c, hdr, 3) || hdr[0] != MSG_COMMIT ||
		    hdr[1] != round || hdr[2] != n || qkd_chan_recv(c, ids, 16 * n) ||
		    qkd_chan_recv(c, owners, n))
			goto out;
		if (kmd_store_add(&k->store, round, ids, owners, r->key, n, 1))
			goto out;
		ack[0] = MSG_ACK;
		if (qkd_chan_send(c, ack, 1) || qkd_chan_recv(c, ack, 1) ||
		    ack[0] != MSG_DONE || kmd_store_settle(&k->store, round))
			goto out;
	}
	err = 0;
out:
	free(ids);
	free(owners);
	return err;
}

static int run_round(struct kmd *k, struct qkd_chan *c, int qlfd,
		     uint64_t round, uint64_t bob_has)
{
	struct qkd_rec *recs = calloc(k->pairs, sizeof(*recs));
	struct qnet_request req;
	struct qkd_collect col;
	struct qkd_run r;
	int qfd = -1, err = -1, tries;

	if (!recs)
		return -1;
	if (k->role == 'A') {
		for (tries = 0; tries < 100; tries++) {
			qfd = qnet_connect(k->node, k->port);
			if (qfd != -ECONNREFUSED)
				break;
			usleep(100000);
		}
		if (qfd < 0) {
			kmd_log("connect to node %u port %u: %s", k->node, k->port,
				strerror(-qfd));
			goto out;
		}
		qkd_rcvbuf_for(qfd, k->pairs);
		qnet_request_init(&req, k->pairs);
		req.basis = QNET_BASIS_RANDOM;
		if (qnet_request(qfd, &req))
			goto out;
	} else {
		qfd = qnet_accept(qlfd, NULL);
		if (qfd < 0) {
			kmd_log("qnet accept: %s", strerror(-qfd));
			goto out;
		}
		qkd_rcvbuf_for(qfd, k->pairs);
	}
	if (qkd_collect(qfd, recs, k->pairs, 30000, &col))
		goto out;
	close(qfd);
	qfd = -1;
	qkd_run_init(&r, c, k->role == 'B');
	r.sample = k->sample;
	if (qkd_run(&r, recs, col.nrecs)) {
		qkd_run_free(&r);
		goto out;
	}
	pthread_mutex_lock(&k->store.lock);
	k->rounds++;
	if (r.abort == QKD_OK) {
		k->rounds_key++;
		k->bits += r.key_bits;
	} else {
		k->rounds_abort++;
	}
	pthread_mutex_unlock(&k->store.lock);
	kmd_log("round %llu: %zu pairs, %zu sifted, QBER Z %.4f X %.4f, leak %llu, %s, %zu bits",
		(unsigned long long)round, col.nrecs, r.nsift, r.len.qber[0],
		r.len.qber[1], (unsigned long long)r.leaked,
		qkd_abort_str(r.abort), r.key_bits);
	err = 0;
	if (r.abort == QKD_OK && r.key_bits >= 8 * k->store.key_bytes)
		err = commit_round(k, c, round, &r, bob_has);
	qkd_run_free(&r);
out:
	if (qfd >= 0)
		close(qfd);
	free(recs);
	return err;
}

/* ---- a session: the classical channel up, rounds until it fails ---- */

static int store_full(struct kmd *k, uint64_t bob_has)
{
	size_t mine;

	if (k->max_rounds && k->store.committed >= k->max_rounds)
		return 1;
	pthread_mutex_lock(&k->store.lock);
	mine = kmd_store_count(&k->store, 'A');
	pthread_mutex_unlock(&k->store.lock);
	return mine >= k->max_keys && bob_has >= k->max_keys;
}

static void session(struct kmd *k, struct qkd_chan *c, int qlfd)
{
	uint64_t m[4], round, bob_has;
	size_t n;


	if (k->role == 'A') {
		m[0] = MSG_SYNC;
		m[1] = k->store.committed;
		if (qkd_chan_send_u64s(c, m, 2) || qkd_chan_recv_u64s(c, m, 1))
			return;
		bob_has = m[0];
		if (kmd_store_settle(&k->store, k->store.committed))
			return;
		round = k->store.committed;
		kmd_log("session up: %llu rounds committed, %zu keys here, %llu at bob",
			(unsigned long long)round, kmd_store_count(&k->store, 'A'),
			(unsigned long long)bob_has);
		while (!stop) {
			if (store_full(k, bob_has)) {
				usleep(300000);
				m[0] = MSG_STATUS;
				if (qkd_chan_send_u64s(c, m, 1) ||
				    qkd_chan_recv_u64s(c, &bob_has, 1))
					return;
				continue;
			}
			m[0] = MSG_ROUND;
			m[1] = ++round;
			m[2] = k->pairs;
			m[3] = (uint64_t)(k->sample * 1e9 + 0.5);
			if (qkd_chan_send_u64s(c, m, 4) ||
			    qkd_chan_recv_u64s(c, &bob_has, 1) ||
			    run_round(k, c, qlfd, round, bob_has))
				return;
		}
		return;
	}
	/* bob: answer alice */
	while (!stop) {
		uint64_t round = 0;
		ssize_t len = qkd_chan_recv_any(c, m, sizeof(m));

		if (len < 8)
			return;
		for (n = 0; n < (size_t)len / 8; n++)
			m[n] = be64toh(m[n]);
		if (m[0] == MSG_SYNC && len == 16) {
			if (kmd_store_settle(&k->store, m[1]))
				return;
			kmd_log("session up: %llu rounds committed", (unsigned long long)m[1]);
		} else if (m[0] == MSG_ROUND && len == 32) {
			if (m[2] != k->pairs)
				kmd_log("alice asks for %llu pairs a round", (unsigned long long)m[2]);
			round = m[1];
			k->pairs = m[2];
			k->sample = m[3] / 1e9;
		} else if (m[0] != MSG_STATUS || len != 8) {
			kmd_log("unexpected message %llu from alice", (unsigned long long)m[0]);
			return;
		}
		pthread_mutex_lock(&k->store.lock);
		m[1] = kmd_store_count(&k->store, 'B');
		pthread_mutex_unlock(&k->store.lock);
		if (qkd_chan_send_u64s(c, &m[1], 1))
			return;
		if (m[0] == MSG_ROUND && run_round(k, c, qlfd, round, 0))
			return;
	}
}

static void *engine(void *arg)
{
	struct kmd *k = arg;
	struct qkd_chan c;
	int lfd = -1, qlfd = -1, fd;

	if (k->role == 'B') {
		qlfd = qnet_listen(k->port, 4);
		if (qlfd < 0) {
			kmd_log("qnet listen on port %u: %s", k->port, strerror(-qlfd));
			stop = 1;
			return NULL;
		}
		lfd = qkd_chan_open(k->chan_spec, 1, 0);
		if (lfd < 0) {
			stop = 1;
			return NULL;
		}
	}
	while (!stop) {
		if (k->role == 'A')
			fd = qkd_chan_open(k->chan_spec, 0, 2000);
		else
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			sleep(1);
			continue;
		}
		if (qkd_chan_init(&c, fd, k->role == 'A', k->psk, k->psklen)) {
			kmd_log("classical channel: %s", errno == EACCES ?
				"the peer does not hold the pre-shared key" : strerror(errno));
		} else {
			session(k, &c, qlfd);
			if (!stop)
				kmd_log("session ended: %s", strerror(errno));
		}
		close(fd);
		if (!stop)
			sleep(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	enum { O_ROLE = 256, O_KME, O_PKME, O_SAE, O_PSAE, O_CERT, O_KEY, O_CA,
	       O_PSK, O_CHAN, O_STATE, O_NODE, O_PORT, O_LISTEN, O_PAIRS,
	       O_SAMPLE, O_KSIZE, O_MAXK, O_MAXR, O_ROUNDS };
	static const struct option opts[] = {
		{ "role", required_argument, NULL, O_ROLE },
		{ "kme-id", required_argument, NULL, O_KME },
		{ "peer-kme-id", required_argument, NULL, O_PKME },
		{ "sae", required_argument, NULL, O_SAE },
		{ "peer-sae", required_argument, NULL, O_PSAE },
		{ "cert", required_argument, NULL, O_CERT },
		{ "key", required_argument, NULL, O_KEY },
		{ "ca", required_argument, NULL, O_CA },
		{ "psk", required_argument, NULL, O_PSK },
		{ "channel", required_argument, NULL, O_CHAN },
		{ "state", required_argument, NULL, O_STATE },
		{ "node", required_argument, NULL, O_NODE },
		{ "port", required_argument, NULL, O_PORT },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "pairs", required_argument, NULL, O_PAIRS },
		{ "sample", required_argument, NULL, O_SAMPLE },
		{ "key-size", required_argument, NULL, O_KSIZE },
		{ "max-keys", required_argument, NULL, O_MAXK },
		{ "max-per-request", required_argument, NULL, O_MAXR },
		{ "rounds", required_argument, NULL, O_ROUNDS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct kmd k = { .port = 10, .pairs = 100000, .sample = 0.3,
			 .key_size = 256, .max_keys = 1000, .max_per_request = 128,
			 .listen = "127.0.0.1:8443" };
	const char *psk = NULL, *bad = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long v;
	pthread_t t;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case O_ROLE:
			if (!strcmp(optarg, "alice"))
				k.role = 'A';
			else if (!strcmp(optarg, "bob"))
				k.role = 'B';
			else
				bad = "--role";
			break;
		case O_KME:
		case O_PKME:
		case O_SAE:
		case O_PSAE:
			if (strlen(optarg) >= KMD_ID_MAX || !*optarg || strchr(optarg, '/')) {
				bad = "an ID (1 to 63 characters, no '/')";
				break;
			}
			strcpy(c == O_KME ? k.kme_id : c == O_PKME ? k.peer_kme_id :
			       c == O_SAE ? k.sae_id : k.peer_sae_id, optarg);
			break;
		case O_CERT:
			k.cert = optarg;
			break;
		case O_KEY:
			k.key = optarg;
			break;
		case O_CA:
			k.ca = optarg;
			break;
		case O_PSK:
			psk = optarg;
			break;
		case O_CHAN:
			k.chan_spec = optarg;
			break;
		case O_STATE:
			k.state = optarg;
			break;
		case O_LISTEN:
			k.listen = optarg;
			break;
		case O_SAMPLE:
			k.sample = strtod(optarg, &end);
			if (*end || !(k.sample > 0 && k.sample < 1))
				bad = "--sample";
			break;
		default:
			if (c == 'v') {
				k.verbose = 1;
				break;
			}
			if (c == 'h') {
				usage(stdout);
				return 0;
			}
			if (c < O_NODE) {
				usage(stderr);
				return 2;
			}
			v = strtoul(optarg, &end, 0);
			if (*end || !v) {
				bad = opts[c - O_ROLE].name;
				break;
			}
			if (c == O_NODE)
				k.node = v;
			else if (c == O_PORT && v < 65536)
				k.port = v;
			else if (c == O_PAIRS && v <= 1000000)
				k.pairs = v;
			else if (c == O_KSIZE && v % 8 == 0 && v <= 8192)
				k.key_size = v;
			else if (c == O_MAXK)
				k.max_keys = v;
			else if (c == O_MAXR)
				k.max_per_request = v;
			else if (c == O_ROUNDS)
				k.max_rounds = v;
			else
				bad = opts[c - O_ROLE].name;
		}
		if (bad) {
			fprintf(stderr, "qnet-kmd: bad value for %s: '%s'\n", bad, optarg);
			return 2;
		}
	}
	if (!k.role || !*k.kme_id || !*k.peer_kme_id || !*k.sae_id ||
	    !*k.peer_sae_id || !k.cert || !k.key || !k.ca || !psk ||
	    !k.chan_spec || !k.state || (k.role == 'A' && !k.node) || optind < argc) {
		usage(stderr);
		return 2;
	}
	if (qkd_psk_load(psk, k.psk, &k.psklen)) {
		fprintf(stderr, "qnet-kmd: %s: %s (16 to 64 bytes, raw or hex)\n", psk,
			strerror(errno));
		return 2;
	}
	if (kmd_store_open(&k.store, k.state, k.role, k.key_size / 8)) {
		fprintf(stderr, "qnet-kmd: %s: %s\n", k.state, strerror(errno));
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (kmd_http_start(&k))
		return 1;
	kmd_log("%s (%s) serving %s on https://%s, %zu keys of %u bits stored for it",
		k.kme_id, k.role == 'A' ? "alice" : "bob", k.sae_id, k.listen,
		kmd_store_count(&k.store, k.role), k.key_size);
	if (pthread_create(&t, NULL, engine, &k))
		return 1;
	pthread_detach(t);
	while (!stop)
		pause();
	kmd_http_stop();
	kmd_log("stopped");
	return 0;
}
