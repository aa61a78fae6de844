// SPDX-License-Identifier: GPL-2.0
/*
 * qkd: BBM92 entanglement-based quantum key distribution over qnet.
 *
 *   qkd -l -K PSKFILE [-p PORT] [-C CHANNEL] [-o KEYFILE] [-j]   (Bob)
 *   qkd -K PSKFILE [-n PAIRS] [-F MINFID] [-p PORT] [-C CHANNEL]
 *       [-o KEYFILE] [-s SAMPLE] [-e ETA] [-R USES_PER_S] [-j] NODE (Alice)
 *
 * Alice connects an AF_QNET socket to Bob's node and asks for PAIRS pairs
 * measured at once in a random basis at each end (QNET_REQ_MEASURE,
 * QNET_BASIS_RANDOM: Z, X or Y, independently at each end). Both ends get
 * one record per pair, with the same pair_id, Bell state and their own
 * basis and outcome. Over a classical channel authenticated with the
 * pre-shared key in PSKFILE (HMAC-SHA256 on every message) they then run
 * libqkd's BBM92 post-processing (userspace/qkd/qkd_run.c): sifting, the
 * Bell-frame correction, QBER estimation on a random test sample,
 * error correction by binary parity search verified by a 64-bit Toeplitz
 * hash, and privacy amplification by Toeplitz hashing to the finite-key
 * length (Documentation/qkd.rst: the formula, eps_sec = 1e-10,
 * eps_cor = 1e-15). Both write the final key to KEYFILE; the run aborts,
 * with no key file, when the QBER is above 11% in either basis or the
 * block is too short to leave a key.
 *
 * The summary also prints the asymptotic BBM92 fraction
 * 1 - h(Q_X) - h(Q_Z) for comparison, and rates per emulated second,
 * with the PLOB bound -log2(1 - eta) of a repeaterless channel of the
 * path's transmittance eta (-e) at -R channel uses per second.
 *
 * The classical channel (-C) is a stream socket: "unix:PATH" (default
 * unix:/run/qnet-qkd-PORT.sock: a filesystem path, so it joins network
 * namespaces of one machine, as the emulated nodes are), or
 * "tcp:HOST:PORT" (Alice) / "tcp:[ADDR:]PORT" (Bob) over IPv4 or IPv6,
 * e.g. over a veth pair between the nodes' namespaces.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <qnet/libqnet.h>
#include "json_writer.h"
#include "libqkd.h"

#define QKD_MAGIC	0x514b4432u	/* "QKD2" */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: qkd -l -K PSKFILE [-p PORT] [-C CHANNEL] [-o KEYFILE] [-t SECS] [-j]\n"
"       qkd -K PSKFILE [-n PAIRS] [-F MINFID] [-p PORT] [-C CHANNEL]\n"
"           [-o KEYFILE] [-s SAMPLE] [-e ETA] [-R USES_PER_S] [-t SECS] [-j] NODE\n"
"\n"
"BBM92 quantum key distribution with the qnet node NODE: entangled pairs\n"
"measured at once in random bases at both ends, bases compared over a\n"
"classical channel authenticated with a pre-shared key, sifted (same\n"
"basis, Z or X), Bell-frame corrected, a random sample disclosed to\n"
"estimate the QBER in X and Z, the rest error corrected (binary parity\n"
"search, verified with a 64-bit Toeplitz hash) and privacy amplified\n"
"(Toeplitz hashing) to the finite-key length for eps_sec = 1e-10 and\n"
"eps_cor = 1e-15; both ends write that key to KEYFILE. Aborts with no key\n"
"when the QBER is above 0.11 or the block is too short to leave a key.\n"
"\n"
"  -l              listen (Bob): serve one run, then exit\n"
"  -K PSKFILE      the pre-shared key authenticating the classical channel\n"
"                  (16 to 64 bytes, raw or hex); required\n"
"  -n PAIRS        pairs to ask for (default 1000)\n"
"  -F MINFID       minimum fidelity of each pair, 0..1 (default 0)\n"
"  -p PORT         qnet port (default 9)\n"
"  -C CHANNEL      classical channel: unix:PATH, or tcp:HOST:PORT (Alice)\n"
"                  and tcp:[ADDR:]PORT (Bob); default unix:/run/qnet-qkd-PORT.sock\n"
"  -o KEYFILE      write the final key there (bits packed MSB first, the\n"
"                  last byte padded with zeros)\n"
"  -s SAMPLE       fraction of sifted bits disclosed for the QBER (default 0.25)\n"
"  -e ETA          the path's transmittance, for the PLOB bound\n"
"  -R USES_PER_S   channel uses per second, for the PLOB bound in bits/s\n"
"                  (default 1000000, qlink's default attempt rate)\n"
"  -t SECS         give up waiting for pairs after SECS without one\n"
"                  (default 30) and go on with those received\n"
"  -j              print the summary as JSON\n"
"  -h, --help      this help\n"
"\n"
"Rates are per emulated second: bits over the span from the first herald\n"
"to the last delivery. Exit status 0 when a key was made, 1 if the run\n"
"failed or aborted (the reason is on stderr), 2 on bad usage.\n");
}

static int write_key(const char *path, const uint8_t *key, size_t bits)
{
	size_t len = (bits + 7) / 8;
	FILE *f = fopen(path, "we");
	int err = 0;

	if (!f || fwrite(key, 1, len, f) != len)
		err = -1;
	if (f && fclose(f))
		err = -1;
	if (err)
		fprintf(stderr, "qkd: %s: %s\n", path, strerror(errno));
	return err;
}

static double ratio(size_t a, size_t b)
{
	return b ? (double)a / b : 0;
}

/* One member of the summary's JSON object (json_writer.h). */
static void jnum(struct json_writer *jw, const char *name, const char *fmt,
		 double v)
{
	jsonw_name(jw, name);
	jsonw_float_fmt(jw, fmt, v);
}

static void ju64(struct json_writer *jw, const char *name, uint64_t v)
{
	jsonw_name(jw, name);
	jsonw_u64(jw, v);
}

static void jstr(struct json_writer *jw, const char *name, const char *s)
{
	jsonw_name(jw, name);
	jsonw_string(jw, s);
}

static void summary(const struct qkd_run *r, const struct qkd_collect *c,
		    int json, double eta, double uses)
{
	double qz = ratio(r->err_sample_b[0], r->nsample_b[0]);
	double qx = ratio(r->err_sample_b[1], r->nsample_b[1]);
	double frac = fmax(0, 1 - qkd_h2(qx) - qkd_h2(qz));
	double span = (c->t_last - c->t_first) / 1e9;
	double sift_rate = span > 0 ? r->nsift / span : 0;
	double skr = span > 0 ? r->key_bits / span : 0;
	double plob = eta > 0 && eta < 1 ? -log2(1 - eta) : -1;
	double fmean = c->nrecs ? c->fsum / c->nrecs : 0;
	size_t ctot = r->corrected_b[0] + r->corrected_b[1];
	const struct qkd_len_out *L = &r->len;

	if (json) {
		struct json_writer jw;

		jsonw_init(&jw, stdout, false);
		jsonw_start_object(&jw);
		jstr(&jw, "role", r->bob ? "bob" : "alice");
		ju64(&jw, "pairs", c->nrecs);
		jnum(&jw, "mean_fidelity", "%.6f", fmean);
		jnum(&jw, "span_s", "%.9f", span);
		ju64(&jw, "sifted", r->nsift);
		ju64(&jw, "sifted_z", r->nsift_b[0]);
		ju64(&jw, "sifted_x", r->nsift_b[1]);
		ju64(&jw, "same_basis_y", r->same_y);
		ju64(&jw, "bell_mismatch", r->bell_mismatch);
		ju64(&jw, "sample_z", r->nsample_b[0]);
		ju64(&jw, "sample_x", r->nsample_b[1]);
		ju64(&jw, "errors_z", r->err_sample_b[0]);
		ju64(&jw, "errors_x", r->err_sample_b[1]);
		jnum(&jw, "qber_z", "%.6f", qz);
		jnum(&jw, "qber_x", "%.6f", qx);
		ju64(&jw, "key_bits", r->nkey);
		ju64(&jw, "key_z", r->nkey_b[0]);
		ju64(&jw, "key_x", r->nkey_b[1]);
		ju64(&jw, "corrected", ctot);
		ju64(&jw, "corrected_z", r->corrected_b[0]);
		ju64(&jw, "corrected_x", r->corrected_b[1]);
		ju64(&jw, "ec_leaked_bits", r->leaked);
		jsonw_name(&jw, "ec_passes");
		jsonw_s64(&jw, r->passes);
		jsonw_name(&jw, "reconciled");
		jsonw_bool(&jw, r->reconciled);
		jnum(&jw, "qtol_z", "%.3f", L->qtol[0]);
		jnum(&jw, "qtol_x", "%.3f", L->qtol[1]);
		jnum(&jw, "mu_z", "%.6f", L->mu[0]);
		jnum(&jw, "mu_x", "%.6f", L->mu[1]);
		jnum(&jw, "e_ph_z", "%.6f", L->e_ph[0]);
		jnum(&jw, "e_ph_x", "%.6f", L->e_ph[1]);
		jnum(&jw, "entropy_bits", "%.3f", L->entropy);
		jnum(&jw, "pa_cost_bits", "%.3f", L->pa_cost);
		jnum(&jw, "eps_sec", "%g", r->eps_sec);
		jnum(&jw, "eps_cor", "%g", r->eps_cor);
		ju64(&jw, "final_key_bits", r->key_bits);
		jstr(&jw, "result", r->abort == QKD_OK ? "key" :
		     r->abort == QKD_ABORT_QBER ? "abort_qber" :
		     r->abort == QKD_ABORT_SHORT ? "abort_short" :
		     r->abort == QKD_ABORT_EC ? "abort_ec" : "abort_io");
		jnum(&jw, "secret_fraction", "%.6f", frac);
		jnum(&jw, "sifted_rate_bps", "%.3f", sift_rate);
		jnum(&jw, "secret_key_rate_bps", "%.3f", skr);
		ju64(&jw, "classical_bytes_tx", r->chan->bytes_tx);
		ju64(&jw, "classical_bytes_rx", r->chan->bytes_rx);
		if (plob >= 0) {
			jnum(&jw, "eta", "%.9g", eta);
			jnum(&jw, "plob_bits_per_use", "%.6f", plob);
			jnum(&jw, "uses_per_s", "%.0f", uses);
			jnum(&jw, "plob_bps", "%.3f", plob * uses);
		}
		jsonw_end_object(&jw);
		putchar('\n');
		return;
	}
	printf("--- qkd (%s) ---\n", r->bob ? "bob" : "alice");
	printf("pairs %zu, mean fidelity %.6f, over %.6f s emulated\n",
	       c->nrecs, fmean, span);
	printf("sifted %zu bits (Z %zu, X %zu; %zu same-basis Y dropped)\n",
	       r->nsift, r->nsift_b[0], r->nsift_b[1], r->same_y);
	printf("test sample: Z %zu/%zu errors, X %zu/%zu errors: QBER Z %.4f, X %.4f\n",
	       r->err_sample_b[0], r->nsample_b[0], r->err_sample_b[1],
	       r->nsample_b[1], qz, qx);
	printf("phase error bounds: Z key %.4f = %.3f + mu %.4f, X key %.4f = %.3f + mu %.4f\n",
	       L->e_ph[0], L->qtol[1], L->mu[0], L->e_ph[1], L->qtol[0], L->mu[1]);
	if (r->passes)
		printf("key %zu bits, %zu corrected (Z %zu, X %zu) in %d passes, %llu bits leaked, %s\n",
		       r->nkey, ctot, r->corrected_b[0], r->corrected_b[1],
		       r->passes, (unsigned long long)r->leaked,
		       r->reconciled ? "hashes agree" : "RECONCILIATION FAILED");
	printf("final key: %zu bits = floor(%.1f - %llu leaked - %.1f), eps_sec %g, eps_cor %g: %s\n",
	       r->key_bits, L->entropy, (unsigned long long)r->leaked, L->pa_cost,
	       r->eps_sec, r->eps_cor, qkd_abort_str(r->abort));
	printf("asymptotic fraction 1-h(Qx)-h(Qz) = %.4f, finite-key %.4f of the key bits\n",
	       frac, ratio(r->key_bits, r->nkey));
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
	struct qkd_run r;
	struct qkd_chan chan;
	struct qkd_collect col;
	struct qkd_rec *recs;
	struct qnet_request req;
	uint32_t npairs = 1000;
	double sample = 0.25;
	int server = 0, qfd = -1, cfd = -1, idle_ms = 30000;
	uint8_t psk[QKD_PSK_MAX];
	size_t psklen = 0;
	const char *pskfile = NULL;
	unsigned long port = 9, node = 0, v;
	double eta = -1, uses = 1e6, fmin = 0;
	const char *keyfile = NULL, *chan_spec = NULL;
	char defchan[64], *end;
	uint64_t hello[3];
	int c, json = 0, lfd, clfd;

	while ((c = getopt_long(argc, argv, "lK:n:F:p:C:o:s:e:R:t:jh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'l':
			server = 1;
			break;
		case 'K':
			pskfile = optarg;
			break;
		case 'n':
			v = strtoul(optarg, &end, 0);
			if (*end || !v || v > 1000000)
				goto bad;
			npairs = v;
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
			chan_spec = optarg;
			break;
		case 'o':
			keyfile = optarg;
			break;
		case 's':
			sample = strtod(optarg, &end);
			if (*end || !(sample > 0 && sample < 1))
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
			idle_ms = v * 1000;
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
	if (server == (optind < argc) || optind + 1 < argc) {
		usage(stderr);
		return 2;
	}
	if (!pskfile) {
		fprintf(stderr, "qkd: -K PSKFILE is required: the classical channel is authenticated\n");
		return 2;
	}
	if (qkd_psk_load(pskfile, psk, &psklen)) {
		fprintf(stderr, "qkd: %s: %s (16 to 64 bytes, raw or hex)\n", pskfile,
			strerror(errno));
		return 2;
	}
	if (!server) {
		node = strtoul(argv[optind], &end, 0);
		if (*end || !node || node > UINT32_MAX) {
			fprintf(stderr, "qkd: bad node address '%s'\n", argv[optind]);
			return 2;
		}
	}
	if (!chan_spec) {
		snprintf(defchan, sizeof(defchan), "unix:/run/qnet-qkd-%lu.sock", port);
		chan_spec = defchan;
	}

	if (server) {
		lfd = qnet_listen(port, 1);
		if (lfd < 0) {
			fprintf(stderr, "qkd: listen on port %lu: %s\n", port,
				strerror(-lfd));
			return 1;
		}
		clfd = qkd_chan_open(chan_spec, 1, 0);
		if (clfd < 0)
			return 1;
		qfd = qnet_accept(lfd, NULL);
		if (qfd < 0) {
			fprintf(stderr, "qkd: accept: %s\n", strerror(-qfd));
			return 1;
		}
		cfd = accept4(clfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0) {
			perror("qkd: accept (classical)");
			return 1;
		}
		close(lfd);
		close(clfd);
		if (!strncmp(chan_spec, "unix:", 5))
			unlink(chan_spec + 5);
		if (qkd_chan_init(&chan, cfd, 0, psk, psklen)) {
			fprintf(stderr, "qkd: classical channel: %s\n",
				errno == EACCES ? "the peer does not hold the pre-shared key" :
				strerror(errno));
			return 1;
		}
		if (qkd_chan_recv_u64s(&chan, hello, 3) || hello[0] != QKD_MAGIC) {
			fprintf(stderr, "qkd: bad hello on the classical channel\n");
			return 1;
		}
		npairs = hello[1];
		sample = hello[2] / 1e9;
		if (!npairs || npairs > 1000000 || !(sample > 0 && sample < 1))
			return 1;
		qkd_rcvbuf_for(qfd, npairs);
	} else {
		int tries;

		/* Bob may not be listening yet: retry for 10 s */
		for (tries = 0; tries < 100; tries++) {
			qfd = qnet_connect(node, port);
			if (qfd != -ECONNREFUSED)
				break;
			usleep(100000);
		}
		if (qfd < 0) {
			fprintf(stderr, "qkd: connect to node %lu port %lu: %s\n",
				node, port, strerror(-qfd));
			return 1;
		}
		cfd = qkd_chan_open(chan_spec, 0, 10000);
		if (cfd < 0)
			return 1;
		if (qkd_chan_init(&chan, cfd, 1, psk, psklen)) {
			fprintf(stderr, "qkd: classical channel: %s\n",
				errno == EACCES ? "the peer does not hold the pre-shared key" :
				strerror(errno));
			return 1;
		}
		hello[0] = QKD_MAGIC;
		hello[1] = npairs;
		hello[2] = (uint64_t)(sample * 1e9 + 0.5);
		sample = hello[2] / 1e9;
		if (qkd_chan_send_u64s(&chan, hello, 3)) {
			perror("qkd: classical channel");
			return 1;
		}
		qkd_rcvbuf_for(qfd, npairs);
		qnet_request_init(&req, npairs);
		req.basis = QNET_BASIS_RANDOM;
		req.min_fidelity_ppm = (uint32_t)(fmin * 1e6 + 0.5);
		c = qnet_request(qfd, &req);
		if (c) {
			fprintf(stderr, "qkd: request: %s\n", strerror(-c));
			return 1;
		}
	}

	recs = calloc(npairs, sizeof(*recs));
	if (!recs)
		return 1;
	c = qkd_collect(qfd, recs, npairs, idle_ms, &col);
	if (c) {
		fprintf(stderr, "qkd: recv: %s\n", strerror(-c));
		return 1;
	}
	if (col.error)
		fprintf(stderr, "qkd: request ended after %zu pairs: %s\n",
			col.nrecs, strerror(col.error));
	if (col.idle)
		fprintf(stderr, "qkd: no pair for %d ms, going on with %zu of %u (dropped for SO_RCVBUF? see /proc/net/qnet)\n",
			idle_ms, col.nrecs, npairs);
	close(qfd);
	qkd_run_init(&r, &chan, server);
	r.sample = sample;
	if (qkd_run(&r, recs, col.nrecs)) {
		fprintf(stderr, "qkd: classical channel: %s\n", strerror(errno));
		return 1;
	}
	close(cfd);
	if (r.abort == QKD_ABORT_QBER)
		fprintf(stderr, "qkd: %s: Z %.4f, X %.4f, threshold %.2f; no key\n",
			qkd_abort_str(r.abort), r.len.qber[0], r.len.qber[1],
			r.qber_max);
	else if (r.abort != QKD_OK)
		fprintf(stderr, "qkd: %s (%zu key bits give %ld); no key\n",
			qkd_abort_str(r.abort), r.nkey, r.len.length);
	if (keyfile && r.abort == QKD_OK && write_key(keyfile, r.key, r.key_bits))
		return 1;
	summary(&r, &col, json, eta, uses);
	return r.abort == QKD_OK && col.nrecs == npairs ? 0 : 1;
bad:
	fprintf(stderr, "qkd: bad value for -%c: '%s'\n", c, optarg);
	usage(stderr);
	return 2;
}
