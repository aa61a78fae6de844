// SPDX-License-Identifier: GPL-2.0
/*
 * qping: ping for entanglement, on libqnet. One end listens (-l), the
 * other connects to NODE and asks for COUNT pairs, measured at once in Z;
 * both print a line per pair and ping-style statistics: pairs per
 * emulated second, latency from the first herald to delivery, and the
 * delivered fidelity min/avg/max/mdev. (An error rate needs both ends'
 * outcomes; that is what a QKD application exchanges classically: see
 * qkd.)
 *
 * Without -i the COUNT pairs are one request; with -i INTERVAL they are
 * COUNT requests of one pair each, INTERVAL wall-clock seconds apart, as
 * ping sends its echo requests. -w DEADLINE stops after that many
 * wall-clock seconds whatever was received. Neither touches the emulated
 * deadline of the requests (max_time_ns stays 0).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <qnet/libqnet.h>

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: qping [-c COUNT] [-i INTERVAL] [-w DEADLINE] [-F MIN_FIDELITY]\n"
		"             [-p PORT] [-q] NODE\n"
		"       qping -l [-c COUNT] [-w DEADLINE] [-p PORT] [-q]\n"
		"\n"
		"Ask the quantum network for COUNT entangled pairs with NODE\n"
		"(a qnet node address), measured at once in Z at both ends, and\n"
		"report them like ping does.\n"
		"\n"
		"  -c COUNT          pairs to ask for (default 10)\n"
		"  -i INTERVAL       one request of one pair every INTERVAL seconds\n"
		"                    (wall clock; default: all COUNT pairs in one request)\n"
		"  -w DEADLINE       stop after DEADLINE seconds (wall clock)\n"
		"  -F MIN_FIDELITY   minimum fidelity, 0..1 (default 0)\n"
		"  -p PORT           port (default 7)\n"
		"  -l                listen: accept one connection, print its pairs\n"
		"  -q                quiet: statistics only\n"
		"  -h, --help        this help\n"
		"\n"
		"Exit status: 0 if COUNT pairs arrived, 1 if fewer (deadline, end of\n"
		"stream, an error record), 2 on bad usage or a failed call.\n");
}

struct stats {
	unsigned int n, sent;
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
		       qnet_bell_name(p->bell_state), f, p->hops, p->swaps,
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
	fflush(stdout);
}

/*
 * Records that do not fit in SO_RCVBUF are dropped (about 768 bytes
 * each: Documentation/sockets.rst): room for @count at once.
 */
static void rcvbuf_for(int fd, unsigned long count)
{
	int size = count > 200000 ? 256 << 20 : (int)count * 1024 + 65536;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* milliseconds until @t (rounded up), 0 if past, -1 if @t is infinite */
static int ms_until(double t)
{
	double d;

	if (isinf(t))
		return -1;
	d = t - now_s();
	return d <= 0 ? 0 : (int)ceil(d * 1000);
}

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/*
 * Receive until @count pairs arrived, the deadline passed or the stream
 * ended; on the connecting end (@req) with an interval, send one request
 * of one pair every @interval seconds until @count were sent.
 * Returns 0 if @count arrived, 1 if fewer, 2 on a failed call.
 */
static int run(int fd, const struct qnet_request *req, unsigned int count,
	       double interval, double deadline, int quiet, struct stats *st)
{
	double next_send = now_s();
	struct qnet_pair p[32];
	ssize_t n, i;
	int tmo, t2, err;

	while (st->n < count && !interrupted) {
		if (req && interval >= 0 && st->sent < count &&
		    now_s() >= next_send) {
			err = qnet_request(fd, req);
			if (err == -ENOBUFS) {
				next_send = now_s() + 0.01;	/* queue full */
			} else if (err) {
				fprintf(stderr, "qping: request: %s\n",
					strerror(-err));
				return 2;
			} else {
				st->sent++;
				next_send += interval;
			}
			continue;
		}
		tmo = ms_until(deadline);
		if (req && interval >= 0 && st->sent < count) {
			t2 = ms_until(next_send);
			if (tmo < 0 || t2 < tmo)
				tmo = t2;
		}
		if (!tmo && ms_until(deadline) == 0)
			return 1;
		n = qnet_recv_pairs(fd, p, sizeof(p) / sizeof(p[0]), tmo);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "qping: recv: %s\n", strerror(-n));
			return 2;
		}
		if (n == 0)
			return 1;	/* end of stream */
		for (i = 0; i < n && st->n < count; i++) {
			if (p[i].error) {
				fprintf(stderr, "qping: request ended: %s\n",
					strerror(p[i].error));
				return 1;
			}
			account(st, &p[i], quiet);
		}
	}
	return st->n < count;
}

static int parse_double(const char *s, double lo, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= lo) || isinf(v))
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct qnet_request req;
	struct stats st = { 0 };
	unsigned long count = 10, port = 7, node;
	double interval = -1, deadline = INFINITY, wsecs, fmin;
	int c, lfd, fd, listen_mode = 0, quiet = 0, ret;
	char *end;

	qnet_request_init(&req, 1);
	while ((c = getopt_long(argc, argv, "c:i:w:F:p:lqh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			count = strtoul(optarg, &end, 0);
			if (*end || !count || count > 1000000) {
				fprintf(stderr, "qping: -c takes 1..1000000\n");
				return 2;
			}
			break;
		case 'i':
			if (parse_double(optarg, 0, &interval)) {
				fprintf(stderr, "qping: -i takes seconds >= 0\n");
				return 2;
			}
			break;
		case 'w':
			if (parse_double(optarg, 0, &wsecs)) {
				fprintf(stderr, "qping: -w takes seconds >= 0\n");
				return 2;
			}
			deadline = now_s() + wsecs;
			break;
		case 'F':
			if (parse_double(optarg, 0, &fmin) || fmin > 1) {
				fprintf(stderr, "qping: -F takes 0..1\n");
				return 2;
			}
			req.min_fidelity_ppm = (uint32_t)(fmin * 1e6 + 0.5);
			break;
		case 'p':
			port = strtoul(optarg, &end, 0);
			if (*end || !port || port > 65535) {
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
	if (listen_mode == (optind < argc) || optind + 1 < argc ||
	    (listen_mode && interval >= 0)) {
		usage(stderr);
		return 2;
	}
	signal(SIGINT, on_sigint);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (listen_mode) {
		lfd = qnet_listen(port, 1);
		if (lfd < 0) {
			fprintf(stderr, "qping: listen on port %lu: %s\n",
				port, strerror(-lfd));
			return 2;
		}
		fd = qnet_accept(lfd, NULL);
		if (fd < 0) {
			fprintf(stderr, "qping: accept: %s\n", strerror(-fd));
			return 2;
		}
		close(lfd);
		rcvbuf_for(fd, count);
		ret = run(fd, NULL, count, -1, deadline, quiet, &st);
	} else {
		node = strtoul(argv[optind], &end, 0);
		if (*end || !node || node > UINT32_MAX) {
			fprintf(stderr, "qping: bad node address '%s'\n",
				argv[optind]);
			return 2;
		}
		fd = qnet_connect(node, port);
		if (fd < 0) {
			fprintf(stderr, "qping: connect to node %lu port %lu: %s\n",
				node, port, strerror(-fd));
			return 2;
		}
		rcvbuf_for(fd, count);
		printf("QPING node %lu port %lu: %lu pairs, minimum fidelity %.6f",
		       node, port, count, req.min_fidelity_ppm / 1e6);
		if (interval >= 0)
			printf(", one every %g s", interval);
		printf("\n");
		if (interval < 0) {
			req.num_pairs = count;
			ret = qnet_request(fd, &req);
			if (ret) {
				fprintf(stderr, "qping: request: %s\n",
					strerror(-ret));
				return 2;
			}
			st.sent = count;
		}
		ret = run(fd, &req, count, interval, deadline, quiet, &st);
	}
	summary(&st, count);
	close(fd);
	return ret;
}
