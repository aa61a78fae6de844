// SPDX-License-Identifier: GPL-2.0
/*
 * qping: ping for entanglement. One end listens (-l), the other connects
 * to NODE and asks for COUNT pairs, measured at once in Z; both print a
 * line per pair and ping-style statistics: pairs per emulated second,
 * latency from the first herald to delivery, and the delivered fidelity
 * min/avg/max/mdev. (An error rate needs both ends' outcomes; that is
 * what a QKD application exchanges classically, not qping.)
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/qnet.h>

static const char *bell_names[] = { "phi+", "psi+", "psi-", "phi-" };

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: qping [-c COUNT] [-F MIN_FIDELITY] [-p PORT] [-q] NODE\n"
		"       qping -l [-c COUNT] [-p PORT] [-q]\n"
		"\n"
		"Ask the quantum network for COUNT entangled pairs with NODE\n"
		"(a qnet node address) and report them like ping does.\n"
		"\n"
		"  -c COUNT          pairs to ask for (default 10)\n"
		"  -F MIN_FIDELITY   minimum fidelity, 0..1 (default 0)\n"
		"  -p PORT           port (default 7)\n"
		"  -l                listen: accept one connection, print its pairs\n"
		"  -q                quiet: statistics only\n"
		"  -h                this help\n");
}

static int qnet_family(void)
{
	FILE *f = fopen(QNET_FAMILY_SYSFS, "re");
	int family = -1;

	if (!f) {
		fprintf(stderr, "qping: qnet is not loaded (%s: %s)\n",
			QNET_FAMILY_SYSFS, strerror(errno));
		return -1;
	}
	if (fscanf(f, "%d", &family) != 1)
		family = -1;
	fclose(f);
	return family;
}

struct stats {
	unsigned int n;
	double fmin, fmax, fsum, fsq;
	uint64_t t_first, t_last, lat_sum;
};

static void account(struct stats *st, const struct qnet_pair *p, int quiet)
{
	double f = p->fidelity_ppm / 1e6;
	uint64_t lat = p->deliver_ns - p->create_ns;

	if (!st->n || f < st->fmin)
		st->fmin = f;
	if (!st->n || f > st->fmax)
		st->fmax = f;
	if (!st->n)
		st->t_first = p->deliver_ns;
	st->t_last = p->deliver_ns;
	st->fsum += f;
	st->fsq += f * f;
	st->lat_sum += lat;
	st->n++;
	if (!quiet)
		printf("pair %llu: %s F=%.6f hops=%u swaps=%u latency=%.3f ms outcome=%u t=%.6f s\n",
		       (unsigned long long)p->pair_id,
		       bell_names[p->bell_state & 3], f, p->hops, p->swaps,
		       lat / 1e6, p->outcome, p->deliver_ns / 1e9);
}

static void summary(const struct stats *st, unsigned int asked)
{
	double avg = st->n ? st->fsum / st->n : 0;
	double mdev = st->n ? sqrt(fmax(st->fsq / st->n - avg * avg, 0)) : 0;
	double span = (st->t_last - st->t_first) / 1e9;

	printf("--- qping statistics ---\n");
	printf("%u pairs asked, %u delivered", asked, st->n);
	if (st->n > 1 && span > 0)
		printf(", %.1f pairs/s (emulated)", (st->n - 1) / span);
	printf("\n");
	if (st->n)
		printf("fidelity min/avg/max/mdev = %.6f/%.6f/%.6f/%.6f, latency avg %.3f ms\n",
		       st->fmin, avg, st->fmax, mdev,
		       st->lat_sum / 1e6 / st->n);
}

static int recv_pairs(int fd, unsigned int count, int quiet, struct stats *st)
{
	struct qnet_pair p;
	ssize_t n;

	while (st->n < count) {
		n = recv(fd, &p, sizeof(p), 0);
		if (n < 0) {
			fprintf(stderr, "qping: recv: %s\n", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		if (p.error) {
			fprintf(stderr, "qping: request ended: %s\n",
				strerror(p.error));
			return -1;
		}
		account(st, &p, quiet);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_qnet a = { 0 };
	struct qnet_request req = {
		.num_pairs = 10,
		.type = QNET_REQ_MEASURE,
		.basis = QNET_BASIS_Z,
	};
	struct stats st = { 0 };
	int c, fd, s, listen_mode = 0, quiet = 0, family, err;
	unsigned int port = 7;
	double fmin;

	while ((c = getopt(argc, argv, "c:F:p:lqh")) != -1) {
		switch (c) {
		case 'c':
			req.num_pairs = strtoul(optarg, NULL, 0);
			if (!req.num_pairs || req.num_pairs > 1000000) {
				fprintf(stderr, "qping: -c takes 1..1000000\n");
				return 2;
			}
			break;
		case 'F':
			fmin = strtod(optarg, NULL);
			if (fmin < 0 || fmin > 1) {
				fprintf(stderr, "qping: -F takes 0..1\n");
				return 2;
			}
			req.min_fidelity_ppm = (uint32_t)(fmin * 1e6 + 0.5);
			break;
		case 'p':
			port = strtoul(optarg, NULL, 0);
			if (!port || port > 65535) {
				fprintf(stderr, "qping: -p takes 1..65535\n");
				return 2;
			}
			break;
		case 'l':
			listen_mode = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (listen_mode == (optind < argc)) {
		usage(stderr);
		return 2;
	}
	family = qnet_family();
	if (family < 0)
		return 1;

	a.sq_family = family;
	a.sq_port = port;
	fd = socket(family, SOCK_SEQPACKET, 0);
	if (fd < 0) {
		perror("qping: socket");
		return 1;
	}
	if (listen_mode) {
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
		    listen(fd, 1)) {
			perror("qping: bind/listen");
			return 1;
		}
		s = accept(fd, NULL, NULL);
		if (s < 0) {
			perror("qping: accept");
			return 1;
		}
	} else {
		a.sq_node = strtoul(argv[optind], NULL, 0);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
			fprintf(stderr, "qping: connect to node %u port %u: %s\n",
				a.sq_node, port, strerror(errno));
			return 1;
		}
		if (send(fd, &req, sizeof(req), 0) != sizeof(req)) {
			perror("qping: send");
			return 1;
		}
		s = fd;
		printf("QPING node %u port %u: %u pairs, minimum fidelity %.6f\n",
		       a.sq_node, port, req.num_pairs,
		       req.min_fidelity_ppm / 1e6);
	}
	err = recv_pairs(s, req.num_pairs, quiet, &st);
	summary(&st, req.num_pairs);
	return err ? 1 : 0;
}
