// SPDX-License-Identifier: GPL-2.0
/*
 * qnet-bench: how fast qnet delivers entangled pairs, as ratios against a
 * baseline measured in the same run (Documentation/testing.rst,
 * "Benchmarks"). Runs as root in the test VM (tools/bench.sh), loads
 * $QNET_KO if qnet is not loaded yet, and prints a table (or JSON, -j).
 *
 *  a) baseline: 56-byte UDP datagrams echoed over loopback, one at a time:
 *     round trips per second and the latency of each;
 *  b) AF_QNET over two nodes (one unpaced link: direct scheme, 2 km, no
 *     dark counts, no decoherence): pairs per second delivered end to end
 *     for one QNET_REQ_MEASURE request, and the wall-clock latency of a
 *     one-pair request (send on the head to the record at the head);
 *  c) chains: the same request between node 1 and node N of a chain of
 *     netns nodes, for every N asked (default 2 3 5 9 17 33 65): wall and
 *     emulated pairs per second and the mean delivered fidelity. A path
 *     longer than the kernel's 32 hops (QNET_MAX_HOPS) must be refused
 *     with EHOSTUNREACH; that is a row too.
 *
 * The chain is built once, as long as the longest row needs, like
 * selftests/qnet_topo.h builds its chains (node i is netns i, address i,
 * "qr" towards i + 1, "ql" towards i - 1, a route per destination): row N
 * connects node 1 to node N, so the links past node N stay idle (links
 * only attempt for a circuit: none is continuous). Nothing here is a
 * test: it asserts nothing about speed, it reports.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "qnet_util.h"
#include "qnet_nl.h"

#define BENCH_PORT	7
#define UDP_MSG		56
#define MAX_ROWS	32

/* The link of section b and c: as selftests/chain_test.c. */
static const struct {
	uint16_t	attr;
	uint64_t	val;
	int		len;
} link_params[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_DIRECT,	1 },
	{ QNET_LINK_A_LENGTH_M,		2000,			4 },
	{ QNET_LINK_A_SOURCE_FID_PPM,	950000,			4 },
	{ QNET_LINK_A_DET_EFF_PPM,	800000,			4 },
	{ QNET_LINK_A_DARK_RATE_HZ,	0,			4 },
	{ QNET_LINK_A_VISIBILITY_PPM,	1000000,		4 },
	{ QNET_LINK_A_ATTEMPT_RATE_HZ,	1000000,		4 },
	{ QNET_LINK_A_T1_NS,		0,			8 },
	{ QNET_LINK_A_T2_NS,		0,			8 },
	{ QNET_LINK_A_TIME_SCALE,	0,			4 },
	{ QNET_LINK_A_SEED,		42,			8 },
};

static int opt_udp = 20000;	/* UDP round trips */
static int opt_pairs = 2000;	/* pairs over one link; N nodes: / (N - 1) */
static int opt_min_pairs = 20;
static int opt_lat = 200;	/* one-pair requests for the latency */
static int opt_cpu;		/* pin everything to it; -1: don't */
static int opt_repeat = 3;	/* runs of each measurement; the median is kept */
static int opt_json;
static int rows_n[MAX_ROWS] = { 2, 3, 5, 9, 17, 33, 65 };
static int nrows = 7;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "qnet-bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct lat {
	double	mean_us, p50_us, p99_us;
};

static void lat_summary(double *v, int n, struct lat *l)
{
	double sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += v[i];
	qsort(v, n, sizeof(*v), cmp_double);
	l->mean_us = sum / n * 1e6;
	l->p50_us = v[n / 2] * 1e6;
	l->p99_us = v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] * 1e6;
}

/* ---- a) UDP over loopback ---- */

struct udp_result {
	int		n;
	double		secs, msgs_per_s;
	struct lat	lat;
};

static void bench_udp(struct udp_result *r)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	char buf[UDP_MSG] = { 0 };
	double *lat, t0, t;
	int srv, cli, i;
	pid_t pid;

	srv = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cli = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (srv < 0 || cli < 0)
		die("udp socket", errno);
	if (bind(srv, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(srv, (struct sockaddr *)&a, &alen))
		die("udp bind", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (!pid) {
		struct sockaddr_in from;
		socklen_t fl;
		ssize_t len;

		close(cli);
		for (;;) {
			fl = sizeof(from);
			len = recvfrom(srv, buf, sizeof(buf), 0,
				       (struct sockaddr *)&from, &fl);
			if (len <= 0)
				_exit(len < 0);
			if (len == 1)	/* the end */
				_exit(0);
			sendto(srv, buf, len, 0, (struct sockaddr *)&from, fl);
		}
	}
	close(srv);
	if (connect(cli, (struct sockaddr *)&a, sizeof(a)))
		die("udp connect", errno);
	lat = calloc(opt_udp, sizeof(*lat));
	if (!lat)
		die("calloc", ENOMEM);
	/* a few to warm up */
	for (i = 0; i < 100; i++)
		if (send(cli, buf, UDP_MSG, 0) != UDP_MSG ||
		    recv(cli, buf, sizeof(buf), 0) != UDP_MSG)
			die("udp echo", errno);
	t0 = now();
	for (i = 0; i < opt_udp; i++) {
		t = now();
		if (send(cli, buf, UDP_MSG, 0) != UDP_MSG ||
		    recv(cli, buf, sizeof(buf), 0) != UDP_MSG)
			die("udp echo", errno);
		lat[i] = now() - t;
	}
	r->secs = now() - t0;
	send(cli, buf, 1, 0);
	waitpid(pid, NULL, 0);
	close(cli);
	r->n = opt_udp;
	r->msgs_per_s = opt_udp / r->secs;
	lat_summary(lat, opt_udp, &r->lat);
	free(lat);
}

/* ---- the chain ---- */

struct chain {
	int	n;
	int	*ns;	/* node i at ns[i - 1] */
	int	home;
};

static void enter(struct chain *c, int i)
{
	if (setns(i ? c->ns[i - 1] : c->home, CLONE_NEWNET))
		die("setns", errno);
}

static void link_up(const char *dev)
{
	struct qnet_nl rt;
	int err;

	err = qnet_nl_open_proto(&rt, NETLINK_ROUTE);
	if (!err)
		err = qnet_rtnl_link_up(&rt, dev, true);
	qnet_nl_close(&rt);
	if (err)
		die(dev, err);
}

static bool running(const char *dev)
{
	struct ifreq ifr = { 0 };
	bool up;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket", errno);
	strncpy(ifr.ifr_name, dev, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		die(dev, errno);
	up = ifr.ifr_flags & IFF_RUNNING;
	close(fd);
	return up;
}

/* Link node @i to node @i + 1 (the caller is in node i). */
static void chain_link(struct chain *c, int i)
{
	struct qnet_nl rt, q;
	size_t k;
	int err;

	err = qnet_nl_open_proto(&rt, NETLINK_ROUTE);
	if (!err)
		err = qnet_rtnl_qlink_add(&rt, "qr", "ql", c->ns[i]);
	qnet_nl_close(&rt);
	if (err)
		die("qlink add", err);
	link_up("qr");
	err = qnet_nl_open(&q);
	for (k = 0; !err && k < sizeof(link_params) / sizeof(link_params[0]); k++)
		err = qnet_nl_link_set_one(&q, if_nametoindex("qr"),
					   link_params[k].attr,
					   link_params[k].val,
					   link_params[k].len);
	qnet_nl_close(&q);
	if (err)
		die("link set", err);
}

/* Node @i (the caller is in it): address and a route per destination. */
static void chain_node(struct chain *c, int i)
{
	char buf[256];
	struct qnet_nl q;
	int j, err;

	err = qnet_nl_open(&q);
	if (!err)
		err = qnet_nl_node_set(&q, i);
	for (j = 1; !err && j <= c->n; j++) {
		struct nlmsghdr *nlh;

		if (j == i)
			continue;
		nlh = qnet_nl_req(&q, buf, QNET_CMD_ROUTE_ADD, 0);
		mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, j);
		mnl_attr_put_u32(nlh, QNET_A_IFINDEX,
				 if_nametoindex(j > i ? "qr" : "ql"));
		err = qnet_nl_do(&q, nlh, NULL, NULL);
	}
	qnet_nl_close(&q);
	if (err)
		die("node set / route add", err);
}

static void chain_build(struct chain *c, int n)
{
	int i, tries;
	bool all;

	c->n = n;
	c->ns = calloc(n, sizeof(int));
	c->home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (!c->ns || c->home < 0)
		die("chain", errno ? errno : ENOMEM);
	for (i = 0; i < n; i++) {
		if (unshare(CLONE_NEWNET))
			die("unshare", errno);
		c->ns[i] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (c->ns[i] < 0)
			die("open netns", errno);
	}
	for (i = 1; i <= n; i++) {
		enter(c, i);
		if (i > 1)
			link_up("ql");
		if (i < n)
			chain_link(c, i);
		chain_node(c, i);
	}
	/*
	 * linkwatch turns the carriers on up to a second after `ip link
	 * set up`; frames sent before are dropped (qnet_topo_wait_running())
	 */
	for (tries = 0; tries < 1000; tries++) {
		all = true;
		for (i = 1; i <= n && all; i++) {
			enter(c, i);
			all = (i == n || running("qr")) &&
			      (i == 1 || running("ql"));
		}
		if (all)
			break;
		usleep(10000);
	}
	if (!all)
		die("links never came up", ETIMEDOUT);
	usleep(20000);
	enter(c, 0);
}

static void chain_destroy(struct chain *c)
{
	int i;

	enter(c, 0);
	for (i = 0; i < c->n; i++)
		close(c->ns[i]);
	close(c->home);
	free(c->ns);
}

/* ---- b), c) AF_QNET between node 1 and node N ---- */

struct qrun {
	int		nodes;
	int		pairs;		/* asked in the throughput request */
	int		err;		/* connect() errno, 0 if it worked */
	double		connect_ms;
	int		ok, errors;	/* records at the head */
	int		tail_ok;	/* records at the tail */
	double		wall_s, wall_pairs_per_s;
	double		emu_s, emu_pairs_per_s;
	double		mean_fid;	/* mean fidelity_ppm / 1e6 of head's ok */
	int		lat_n;
	struct lat	lat;
};

struct tail_report {
	int	ok, errors;
	double	end;		/* CLOCK_MONOTONIC when the throughput run ended */
	int	status;		/* 0, or the step that failed */
};

static struct sockaddr_qnet qaddr(int family, uint32_t node)
{
	struct sockaddr_qnet a = {
		.sq_family = family,
		.sq_port = BENCH_PORT,
		.sq_node = node,
	};

	return a;
}

static void set_bufs(int s)
{
	int rcvbuf = 16 << 20;
	struct timeval tv = { .tv_sec = 120 };

	/* root in the VM: FORCE goes past net.core.rmem_max */
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/*
 * The tail, in its own process in node @n: listen, say so on @ready,
 * accept, read @pairs records (then @lat more), report on @out.
 */
static void tail(struct chain *c, int family, int n, int pairs, int lat,
		 int ready, int out)
{
	struct sockaddr_qnet a = qaddr(family, QNET_ADDR_ANY);
	struct tail_report r = { 0 };
	struct qnet_pair p;
	int s, fd, i;

	enter(c, n);
	s = socket(family, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4))
		_exit(2);
	if (write(ready, "r", 1) != 1)
		_exit(3);
	fd = accept(s, NULL, NULL);
	if (fd < 0)
		_exit(4);
	set_bufs(fd);
	for (i = 0; i < pairs + lat; i++) {
		if (recv(fd, &p, sizeof(p), 0) != sizeof(p)) {
			r.status = 5;
			break;
		}
		if (p.error)
			r.errors++;
		else
			r.ok++;
		if (i == pairs - 1)
			r.end = now();
	}
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(6);
	close(fd);
	close(s);
	_exit(0);
}

static void bench_qnet(struct chain *c, int family, int n, int pairs,
		       int lat, struct qrun *r)
{
	struct sockaddr_qnet a = qaddr(family, n);
	struct qnet_request req = {
		.num_pairs = pairs,
		.type = QNET_REQ_MEASURE,
		.basis = QNET_BASIS_Z,
	};
	struct qnet_pair *recs;
	struct tail_report tr = { .status = 1 };
	int ready[2], out[2], s, i, status;
	uint64_t first_create = UINT64_MAX, last_deliver = 0;
	double t0, t_start, t_head_end, fid_sum = 0, *lv;
	pid_t pid;
	char b;

	memset(r, 0, sizeof(*r));
	r->nodes = n;
	r->pairs = pairs;
	if (pipe(ready) || pipe(out))
		die("pipe", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (!pid) {
		close(ready[0]);
		close(out[0]);
		tail(c, family, n, pairs, lat, ready[1], out[1]);
	}
	close(ready[1]);
	close(out[1]);
	if (read(ready[0], &b, 1) != 1)
		die("tail did not start", EIO);

	enter(c, 1);
	s = socket(family, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("AF_QNET socket", errno);
	set_bufs(s);
	t0 = now();
	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		r->err = errno;
		r->connect_ms = (now() - t0) * 1e3;
		close(s);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		goto out;
	}
	r->connect_ms = (now() - t0) * 1e3;

	/* throughput: one request of @pairs */
	recs = calloc(pairs, sizeof(*recs));
	if (!recs)
		die("calloc", ENOMEM);
	t_start = now();
	if (send(s, &req, sizeof(req), 0) != sizeof(req))
		die("send request", errno);
	for (i = 0; i < pairs; i++) {
		if (recv(s, &recs[i], sizeof(recs[i]), 0) != sizeof(recs[i]))
			die("recv pair", errno);
		if (recs[i].error) {
			r->errors++;
			continue;
		}
		r->ok++;
		fid_sum += recs[i].fidelity_ppm;
		if (recs[i].create_ns < first_create)
			first_create = recs[i].create_ns;
		if (recs[i].deliver_ns > last_deliver)
			last_deliver = recs[i].deliver_ns;
	}
	t_head_end = now();

	/* latency: one-pair requests, one after the other */
	lv = calloc(lat ? lat : 1, sizeof(*lv));
	if (!lv)
		die("calloc", ENOMEM);
	req.num_pairs = 1;
	for (i = 0; i < lat; i++) {
		struct qnet_pair p;

		t0 = now();
		if (send(s, &req, sizeof(req), 0) != sizeof(req) ||
		    recv(s, &p, sizeof(p), 0) != sizeof(p))
			die("latency request", errno);
		lv[i] = now() - t0;
	}
	if (lat) {
		r->lat_n = lat;
		lat_summary(lv, lat, &r->lat);
	}
	free(lv);

	if (read(out[0], &tr, sizeof(tr)) != sizeof(tr))
		tr.status = 7;
	waitpid(pid, &status, 0);
	if (tr.status || !WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "qnet-bench: %d nodes: the tail failed (step %d, status %#x)\n",
			n, tr.status, status);
	r->tail_ok = tr.ok;
	/* end to end: until both ends hold every record of the request */
	r->wall_s = (tr.end > t_head_end ? tr.end : t_head_end) - t_start;
	close(s);
	free(recs);

	r->wall_pairs_per_s = r->ok / r->wall_s;
	if (r->ok && last_deliver > first_create) {
		r->emu_s = (last_deliver - first_create) * 1e-9;
		r->emu_pairs_per_s = r->ok / r->emu_s;
	}
	r->mean_fid = r->ok ? fid_sum / r->ok / 1e6 : 0;
out:
	close(ready[0]);
	close(out[0]);
	enter(c, 0);
}

/* ---- repeats: keep the run with the median rate ---- */

static void udp_median(struct udp_result *u)
{
	struct udp_result r[9];
	int i, j, n = opt_repeat;

	for (i = 0; i < n; i++)
		bench_udp(&r[i]);
	for (i = 1; i < n; i++)	/* insertion sort by rate */
		for (j = i; j > 0 && r[j].msgs_per_s < r[j - 1].msgs_per_s; j--) {
			struct udp_result t = r[j];

			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	*u = r[n / 2];
}

static void qnet_median(struct chain *c, int family, int nodes, int pairs,
			int lat, struct qrun *q)
{
	struct qrun r[9];
	int i, j, n = opt_repeat;

	for (i = 0; i < n; i++) {
		bench_qnet(c, family, nodes, pairs, lat, &r[i]);
		if (r[i].err) {		/* refused: nothing to repeat */
			*q = r[i];
			return;
		}
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 &&
		     r[j].wall_pairs_per_s < r[j - 1].wall_pairs_per_s; j--) {
			struct qrun t = r[j];

			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	*q = r[n / 2];
}

/* ---- output ---- */

static int pairs_for(int nodes)
{
	int p = opt_pairs / (nodes > 1 ? nodes - 1 : 1);

	return p < opt_min_pairs ? opt_min_pairs : p;
}

static void print_table(const struct udp_result *u,
			const struct udp_result *u2, const struct qrun *q2,
			const struct qrun *rows, int n, double build_s,
			int built)
{
	int i;

	printf("qnet-bench: UDP over loopback vs AF_QNET (unpaced links: direct, 2 km, no dark counts, no decoherence)\n\n");
	printf("every figure: the run with the median rate of %d; ", opt_repeat);
	if (opt_cpu < 0)
		printf("processes not pinned\n\n");
	else
		printf("every process on CPU %d\n\n", opt_cpu);
	printf("a) UDP baseline: %d round trips of %d bytes over lo\n", u->n,
	       UDP_MSG);
	printf("   %.0f msgs/s (round trips), latency mean %.1f us, p50 %.1f us, p99 %.1f us\n",
	       u->msgs_per_s, u->lat.mean_us, u->lat.p50_us, u->lat.p99_us);
	printf("   (again at the end: %.0f msgs/s, mean %.1f us; the ratios use the first)\n\n",
	       u2->msgs_per_s, u2->lat.mean_us);

	printf("b) AF_QNET, 2 nodes: one QNET_REQ_MEASURE request of %d pairs, %d one-pair requests\n",
	       q2->pairs, q2->lat_n);
	printf("   %.1f pairs/s end to end (wall), %.0f pairs/s emulated, mean fidelity %.6f\n",
	       q2->wall_pairs_per_s, q2->emu_pairs_per_s, q2->mean_fid);
	printf("   latency of a one-pair request: mean %.1f us, p50 %.1f us, p99 %.1f us\n",
	       q2->lat.mean_us, q2->lat.p50_us, q2->lat.p99_us);
	printf("   qnet pairs/s / udp msgs/s = %.4f\n",
	       q2->wall_pairs_per_s / u->msgs_per_s);
	printf("   qnet latency / udp latency = %.1f (mean), %.1f (p50)\n\n",
	       q2->lat.mean_us / u->lat.mean_us, q2->lat.p50_us / u->lat.p50_us);

	printf("c) chains: node 1 to node N of a %d-node chain (built in %.1f s); pairs per row %d/(N-1), at least %d\n",
	       built, build_s, opt_pairs, opt_min_pairs);
	printf("%6s %5s %6s %10s %12s %10s %9s %9s %11s  %s\n", "nodes", "hops",
	       "pairs", "wall p/s", "emu p/s", "mean F", "vs 2node", "vs udp",
	       "connect ms", "result");
	for (i = 0; i < n; i++) {
		const struct qrun *r = &rows[i];

		if (r->err) {
			printf("%6d %5d %6s %10s %12s %10s %9s %9s %11.1f  %s\n",
			       r->nodes, r->nodes - 1, "-", "-", "-", "-", "-",
			       "-", r->connect_ms, strerrorname_np(r->err) ?: "?");
			continue;
		}
		printf("%6d %5d %6d %10.1f %12.0f %10.6f %9.4f %9.6f %11.1f  %s\n",
		       r->nodes, r->nodes - 1, r->ok, r->wall_pairs_per_s,
		       r->emu_pairs_per_s, r->mean_fid,
		       r->wall_pairs_per_s / q2->wall_pairs_per_s,
		       r->wall_pairs_per_s / u->msgs_per_s, r->connect_ms,
		       r->errors || r->tail_ok != r->pairs ? "ERRORS" : "ok");
	}
}

static void json_lat(const char *name, const struct lat *l)
{
	printf("\"%s\":{\"mean_us\":%.3f,\"p50_us\":%.3f,\"p99_us\":%.3f}",
	       name, l->mean_us, l->p50_us, l->p99_us);
}

static void print_json(const struct udp_result *u,
		       const struct udp_result *u2, const struct qrun *q2,
		       const struct qrun *rows, int n, double build_s,
		       int built)
{
	struct utsname un;
	int i;

	uname(&un);
	printf("{\"kernel\":\"%s\",\"machine\":\"%s\",\"cpus\":%ld,\"pinned_cpu\":%d,\"repeat\":%d,",
	       un.release, un.machine, sysconf(_SC_NPROCESSORS_ONLN), opt_cpu,
	       opt_repeat);
	printf("\"udp\":{\"round_trips\":%d,\"bytes\":%d,\"msgs_per_s\":%.3f,",
	       u->n, UDP_MSG, u->msgs_per_s);
	json_lat("latency", &u->lat);
	printf(",\"again_msgs_per_s\":%.3f,", u2->msgs_per_s);
	json_lat("again_latency", &u2->lat);
	printf("},\"qnet_2node\":{\"pairs\":%d,\"delivered\":%d,\"errors\":%d,"
	       "\"wall_pairs_per_s\":%.3f,\"emu_pairs_per_s\":%.3f,"
	       "\"mean_fidelity\":%.6f,\"latency_requests\":%d,",
	       q2->pairs, q2->ok, q2->errors, q2->wall_pairs_per_s,
	       q2->emu_pairs_per_s, q2->mean_fid, q2->lat_n);
	json_lat("latency", &q2->lat);
	printf(",\"ratio_pairs_per_s_to_udp_msgs_per_s\":%.6f,"
	       "\"ratio_latency_to_udp\":%.3f},",
	       q2->wall_pairs_per_s / u->msgs_per_s,
	       q2->lat.mean_us / u->lat.mean_us);
	printf("\"chain_nodes_built\":%d,\"chain_build_s\":%.3f,\"chains\":[",
	       built, build_s);
	for (i = 0; i < n; i++) {
		const struct qrun *r = &rows[i];

		printf("%s{\"nodes\":%d,\"hops\":%d,\"connect_ms\":%.3f,",
		       i ? "," : "", r->nodes, r->nodes - 1, r->connect_ms);
		if (r->err) {
			printf("\"error\":\"%s\"}", strerrorname_np(r->err) ?: "?");
			continue;
		}
		printf("\"pairs\":%d,\"delivered\":%d,\"errors\":%d,\"tail_delivered\":%d,"
		       "\"wall_s\":%.6f,\"wall_pairs_per_s\":%.3f,"
		       "\"emu_s\":%.9f,\"emu_pairs_per_s\":%.3f,"
		       "\"mean_fidelity\":%.6f,\"ratio_to_2node\":%.6f,"
		       "\"ratio_to_udp\":%.8f}",
		       r->pairs, r->ok, r->errors, r->tail_ok, r->wall_s,
		       r->wall_pairs_per_s, r->emu_s, r->emu_pairs_per_s,
		       r->mean_fid, r->wall_pairs_per_s / q2->wall_pairs_per_s,
		       r->wall_pairs_per_s / u->msgs_per_s);
	}
	printf("]}\n");
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: qnet-bench [-j] [-u N] [-p N] [-m N] [-l N] [-n N,N,...] [-c CPU] [-r N]\n"
		"\n"
		"Runs as root where qnet can be loaded (the test VM: tools/bench.sh).\n"
		"  -u N   UDP round trips of the baseline (default %d)\n"
		"  -p P   pairs asked over one link; a row of n nodes asks\n"
		"         P/(n - 1), at least -m (default %d)\n"
		"  -m N   the least pairs a row asks (default %d)\n"
		"  -l N   one-pair requests timed for the 2-node latency (default %d)\n"
		"  -n L   chain lengths in nodes, comma-separated (default 2,3,5,9,17,33,65)\n"
		"  -c N   run every process on CPU N (default 0); -1: anywhere\n"
		"  -r N   runs of each measurement, 1..9; the median is kept (default %d)\n"
		"  -j     JSON instead of the table\n",
		opt_udp, opt_pairs, opt_min_pairs, opt_lat, opt_repeat);
}

static int pos(const char *s)
{
	int v = atoi(s);

	if (v <= 0) {
		usage(stderr);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct qrun rows[MAX_ROWS], q2;
	struct udp_result u, u2;
	struct chain c;
	int opt, i, family, err, max = 2;
	double t0, build_s;
	char *tok;

	while ((opt = getopt(argc, argv, "ju:p:m:l:n:c:r:h")) != -1) {
		switch (opt) {
		case 'j': opt_json = 1; break;
		case 'u': opt_udp = pos(optarg); break;
		case 'p': opt_pairs = pos(optarg); break;
		case 'm': opt_min_pairs = pos(optarg); break;
		case 'l': opt_lat = atoi(optarg); break;
		case 'c': opt_cpu = atoi(optarg); break;
		case 'r': opt_repeat = pos(optarg); break;
		case 'n':
			nrows = 0;
			for (tok = strtok(optarg, ","); tok && nrows < MAX_ROWS;
			     tok = strtok(NULL, ","))
				rows_n[nrows++] = pos(tok);
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !nrows || opt_lat < 0 || opt_repeat > 9) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < nrows; i++) {
		if (rows_n[i] < 2) {
			usage(stderr);
			return 2;
		}
		if (rows_n[i] > max)
			max = rows_n[i];
	}
	signal(SIGPIPE, SIG_IGN);
	if (opt_cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(opt_cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity", errno);
	}

	err = qnet_module_ensure();
	if (err)
		die(qnet_ko_path(), err);
	family = qnet_family();
	if (family < 0)
		die("family", family);

	fprintf(stderr, "qnet-bench: UDP baseline, %d round trips\n", opt_udp);
	udp_median(&u);

	fprintf(stderr, "qnet-bench: building a %d-node chain\n", max);
	t0 = now();
	chain_build(&c, max);
	build_s = now() - t0;

	fprintf(stderr, "qnet-bench: 2 nodes, warm-up, then %d pairs and %d one-pair requests\n",
		opt_pairs, opt_lat);
	bench_qnet(&c, family, 2, opt_min_pairs, 0, &q2);
	qnet_median(&c, family, 2, opt_pairs, opt_lat, &q2);
	if (q2.err)
		die("2-node connect", q2.err);

	for (i = 0; i < nrows; i++) {
		fprintf(stderr, "qnet-bench: %d nodes, %d pairs\n", rows_n[i],
			pairs_for(rows_n[i]));
		qnet_median(&c, family, rows_n[i], pairs_for(rows_n[i]), 0,
			    &rows[i]);
	}
	chain_destroy(&c);

	/* the same baseline again: how much the machine moved meanwhile */
	fprintf(stderr, "qnet-bench: UDP baseline again\n");
	udp_median(&u2);

	if (opt_json)
		print_json(&u, &u2, &q2, rows, nrows, build_s, max);
	else
		print_table(&u, &u2, &q2, rows, nrows, build_s, max);
	return 0;
}
