// SPDX-License-Identifier: GPL-2.0
/*
 * qnet-bench: how fast qnet delivers entangled pairs, and at what CPU
 * cost, as ratios against a baseline measured in the same run
 * (Documentation/testing.rst, "Benchmarks"). Runs as root in the test VM
 * (tools/bench.sh), loads $QNET_KO if qnet is not loaded yet, and prints a
 * table (or JSON, -j). Every process runs on one CPU (-c); links are
 * unpaced (time_scale 0).
 *
 *  a) baseline: 56-byte UDP datagrams echoed over loopback, one at a time:
 *     round trips per second, the latency of each, and the CPU time per
 *     round trip;
 *  b) AF_QNET over 1 and 4 hops (the direct 2 km link of
 *     selftests/chain_test.c), requests of 1 pair (many, one after the
 *     other) and of 1000 pairs: delivered pairs per second through the
 *     socket API and CPU time per delivered pair, as a ratio to the CPU
 *     time of a UDP round trip;
 *  c) the same 1-hop, 1000-pair request over a link whose success
 *     probability per attempt is 1e-1 and then about 1e-6 (detector
 *     efficiency 109648 ppm and 1 ppm): CPU per pair for each;
 *  d) the standard chain: 2, 3, 5, 9, 17, 33 and 65 nodes on default
 *     single-click links (25 km, 0.2 dB/km, midpoint station, one memory
 *     per end; swap-asap is what the kernel does; no purification), one
 *     request of as many pairs as fit in 10 emulated seconds
 *     (max_time_ns): delivered pairs, mean fidelity, wall seconds, pairs
 *     per wall second, emulated seconds per wall second and the peak of
 *     the memory in use (/proc/meminfo, sampled every 100 ms). Every row
 *     re-seeds the links and starts when the chain has nothing left to
 *     run, so its pairs and fidelity are the same, to the digit, in every
 *     run of the benchmark (Documentation/engine.rst);
 *  g) the big requests of b) again, both ends reading with recvmmsg()
 *     (up to -m records per call, MSG_WAITFORONE): records per call and
 *     CPU per pair, against the recv() rows of b);
 *  e) the 3-node standard chain paced at time_scale 1000 (real time):
 *     emulated seconds per wall second of a request ended by its deadline
 *     (1.00 when pacing keeps its word), and how many events ran late.
 *
 * CPU time is the non-idle time of every CPU from /proc/stat (user, nice,
 * system, irq, softirq), before and after: the kernel's work in softirq
 * and workqueues counts, wherever it runs; so does anything else the VM
 * does meanwhile (little: it runs nothing else).
 *
 * The chain is built once, as long as the longest row needs, like
 * selftests/qnet_topo.h builds its chains (node i is netns i, address i,
 * "qr" towards i + 1, "ql" towards i - 1, a route per destination): a row
 * of N nodes connects node 1 to node N, so the links past node N stay idle
 * (links only attempt for a circuit: none is continuous). Nothing here is
 * a test: it asserts nothing about speed, it reports.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "json_writer.h"
#include "qnet_util.h"
#include "qnet_nl.h"

#define BENCH_PORT	7
#define UDP_MSG		56
#define MAX_ROWS	32

struct lparam {
	uint16_t	attr;
	uint64_t	val;
	int		len;
};

#define NPARAMS(a)	((int)(sizeof(a) / sizeof((a)[0])))

/* The link of b) and c): as selftests/chain_test.c. */
#define BENCH_LEN_M	2000
#define BENCH_DET_EFF	800000
static const struct lparam bench_link[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_DIRECT,	1 },
	{ QNET_LINK_A_LENGTH_M,		BENCH_LEN_M,		4 },
	{ QNET_LINK_A_ATTEN_MDB_KM,	200,			4 },
	{ QNET_LINK_A_SOURCE_FID_PPM,	950000,			4 },
	{ QNET_LINK_A_DET_EFF_PPM,	BENCH_DET_EFF,		4 },
	{ QNET_LINK_A_DARK_RATE_HZ,	0,			4 },
	{ QNET_LINK_A_VISIBILITY_PPM,	1000000,		4 },
	{ QNET_LINK_A_ATTEMPT_RATE_HZ,	1000000,		4 },
	{ QNET_LINK_A_MEM_SLOTS,	1,			4 },
	{ QNET_LINK_A_T1_NS,		0,			8 },
	{ QNET_LINK_A_T2_NS,		0,			8 },
	{ QNET_LINK_A_TIME_SCALE,	0,			4 },
	{ QNET_LINK_A_SEED,		42,			8 },
};

/* c): detector efficiencies for p = 1e-1 and about 1e-6 on that link */
#define P1_DET_EFF	109648	/* 0.109648 * 0.912011 = 0.1000 */
#define P6_DET_EFF	1	/* the least: 1e-6 * 0.912011 = 9.1e-7 */

/*
 * d): the standard chain's link, which is kernel/link.c's default link
 * (qlink_params_default()) but for a fixed seed: single-click, 25 km,
 * 200 mdB/km, alpha 0.05, detector efficiency 0.8, 10 Hz dark counts,
 * visibility 0.9, one memory slot, T2 1 s, no T1, no cutoff, 1 MHz.
 * Every parameter is set, since the chain was built with bench_link.
 */
#define STD_LEN_M	25000
static const struct lparam std_link[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_SINGLE_CLICK, 1 },
	{ QNET_LINK_A_LENGTH_M,		STD_LEN_M,		4 },
	{ QNET_LINK_A_ATTEN_MDB_KM,	200,			4 },
	{ QNET_LINK_A_INDEX_MILLI,	1470,			4 },
	{ QNET_LINK_A_ATTEMPT_RATE_HZ,	1000000,		4 },
	{ QNET_LINK_A_ALPHA_PPM,	50000,			4 },
	{ QNET_LINK_A_SOURCE_FID_PPM,	970000,			4 },
	{ QNET_LINK_A_DET_EFF_PPM,	800000,			4 },
	{ QNET_LINK_A_DARK_RATE_HZ,	10,			4 },
	{ QNET_LINK_A_VISIBILITY_PPM,	900000,			4 },
	{ QNET_LINK_A_MEM_SLOTS,	1,			4 },
	{ QNET_LINK_A_T1_NS,		0,			8 },
	{ QNET_LINK_A_T2_NS,		1000000000ULL,		8 },
	{ QNET_LINK_A_CUTOFF_NS,	0,			8 },
	{ QNET_LINK_A_TIME_SCALE,	0,			4 },
	{ QNET_LINK_A_SEED,		42,			8 },
};

static int opt_udp = 20000;	/* UDP round trips */
static int opt_big = 1000;	/* pairs in a big request (b, c) */
static int opt_small = 200;	/* one-pair requests per row (b) */
static int opt_batch = 64;	/* records per recvmmsg() call (g) */
static int opt_pbig = 1000;	/* pairs in the requests of c) */
static double opt_emu_s = 10;	/* emulated seconds per row of d) */
static double opt_paced_s = 3;	/* emulated (= wall) seconds of e) */
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

/* ---- CPU time and memory ---- */

/* Non-idle CPU time of all CPUs so far, in seconds (/proc/stat). */
static double cpu_busy_s(void)
{
	unsigned long long v[7] = { 0 };
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		die("/proc/stat", errno);
	/* cpu  user nice system idle iowait irq softirq ... */
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6]) != 7)
		die("/proc/stat", EINVAL);
	fclose(f);
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6]) /
	       sysconf(_SC_CLK_TCK);
}

struct memsample {
	long	used_kb;	/* MemTotal - MemAvailable */
	long	slab_kb;
};

static void mem_read(struct memsample *m)
{
	long total = 0, avail = 0, slab = 0, v;
	char line[128], key[64];
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		die("/proc/meminfo", errno);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^:]: %ld", key, &v) != 2)
			continue;
		if (!strcmp(key, "MemTotal"))
			total = v;
		else if (!strcmp(key, "MemAvailable"))
			avail = v;
		else if (!strcmp(key, "Slab"))
			slab = v;
	}
	fclose(f);
	m->used_kb = total - avail;
	m->slab_kb = slab;
}

/* A thread that samples /proc/meminfo every 100 ms and keeps the peak. */
struct memwatch {
	pthread_t		thread;
	volatile int		stop;
	struct memsample	base, peak;
};

static void *memwatch_fn(void *arg)
{
	struct memwatch *w = arg;
	struct memsample m;

	while (!w->stop) {
		mem_read(&m);
		if (m.used_kb > w->peak.used_kb)
			w->peak.used_kb = m.used_kb;
		if (m.slab_kb > w->peak.slab_kb)
			w->peak.slab_kb = m.slab_kb;
		usleep(100000);
	}
	return NULL;
}

static void memwatch_start(struct memwatch *w)
{
	w->stop = 0;
	mem_read(&w->base);
	w->peak = w->base;
	if (pthread_create(&w->thread, NULL, memwatch_fn, w))
		die("pthread_create", EAGAIN);
}

static void memwatch_stop(struct memwatch *w)
{
	struct memsample m;

	w->stop = 1;
	pthread_join(w->thread, NULL);
	mem_read(&m);
	if (m.used_kb > w->peak.used_kb)
		w->peak.used_kb = m.used_kb;
	if (m.slab_kb > w->peak.slab_kb)
		w->peak.slab_kb = m.slab_kb;
}

/* ---- a) UDP over loopback ---- */

struct udp_result {
	int		n;
	double		secs, msgs_per_s;
	double		cpu_s;		/* non-idle CPU time of the n round trips */
	struct lat	lat;
};

static void bench_udp(struct udp_result *r)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	char buf[UDP_MSG] = { 0 };
	double *lat, t0, t, c0;
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
	c0 = cpu_busy_s();
	t0 = now();
	for (i = 0; i < opt_udp; i++) {
		t = now();
		if (send(cli, buf, UDP_MSG, 0) != UDP_MSG ||
		    recv(cli, buf, sizeof(buf), 0) != UDP_MSG)
			die("udp echo", errno);
		lat[i] = now() - t;
	}
	r->secs = now() - t0;
	r->cpu_s = cpu_busy_s() - c0;
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

/* Set @n parameters of the link "qr" of the node the caller is in. */
static void link_set(const struct lparam *p, int n)
{
	struct qnet_nl q;
	int k, err;

	err = qnet_nl_open(&q);
	for (k = 0; !err && k < n; k++)
		err = qnet_nl_link_set_one(&q, if_nametoindex("qr"), p[k].attr,
					   p[k].val, p[k].len);
	qnet_nl_close(&q);
	if (err)
		die("link set", err);
}

/* Link node @i to node @i + 1 (the caller is in node i). */
static void chain_link(struct chain *c, int i)
{
	struct qnet_nl rt;
	int err;

	err = qnet_nl_open_proto(&rt, NETLINK_ROUTE);
	if (!err)
		err = qnet_rtnl_qlink_add(&rt, "qr", "ql", c->ns[i]);
	qnet_nl_close(&rt);
	if (err)
		die("qlink add", err);
	link_up("qr");
	link_set(bench_link, NPARAMS(bench_link));
}

/* A counter of node 1's "qr" (its domain's, for the clock and pacing). */
static uint64_t chain_stat(struct chain *c, int attr)
{
	struct qnet_nl_stats st;
	struct qnet_nl q;
	int err;

	enter(c, 1);
	err = qnet_nl_open(&q);
	if (!err) {
		err = qnet_nl_link_stats(&q, if_nametoindex("qr"), &st);
		qnet_nl_close(&q);
	}
	enter(c, 0);
	if (err)
		die("link stats", err);
	return st.v[attr];
}

static uint64_t chain_clock(struct chain *c)
{
	return chain_stat(c, QNET_STATS_A_EMU_TIME_NS);
}

/*
 * Wait until the chain's domain runs nothing (its clock still for
 * 100 ms of wall time): what the last row left behind is done, and a
 * request starts where the network stopped, in every run alike.
 */
static void chain_settle(struct chain *c)
{
	uint64_t t = chain_clock(c), t2;
	int i;

	for (i = 0; i < 600; i++) {
		usleep(100000);
		t2 = chain_clock(c);
		if (t2 == t)
			return;
		t = t2;
	}
	fprintf(stderr, "qnet-bench: the chain did not settle in 60 s\n");
}

/* Set parameters of the links from node @from to node @to (< @to). */
static void chain_set(struct chain *c, int from, int to,
		      const struct lparam *p, int n)
{
	int i;

	for (i = from; i < to; i++) {
		enter(c, i);
		link_set(p, n);
	}
	enter(c, 0);
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
	/* the node's outcomes too, or a row is not the same run to run */
	if (!err)
		err = qnet_nl_node_seed_set(&q, 42 + i);
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

/*
 * No IPv6 on the devices made from now on in this netns: its router
 * solicitations and MLD reports would cross the qlinks and count as
 * frames of a request (selftests/qnet_topo.h does the same).
 */
static void no_ipv6(void)
{
	int fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6",
		      O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			perror("disable_ipv6");
		close(fd);
	}
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
		no_ipv6();
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

/* ---- b), c), d) AF_QNET between node 1 and node N ---- */

struct qspec {
	int		nodes;
	int		pairs;		/* per request */
	int		reqs;		/* requests, one after the other */
	uint64_t	max_time_ns;	/* emulated deadline of each; 0: none */
	bool		mem;		/* sample the memory in use */
	int		batch;		/* recvmmsg() up to this many; 0: recv() */
};

struct qrun {
	struct qspec	s;
	int		err;		/* connect() errno, 0 if it worked */
	double		connect_ms;
	int		ok, errors;	/* records at the head */
	int		timeouts;	/* ETIMEDOUT records at the head */
	int		tail_ok, tail_errors;	/* records at the tail */
	double		wall_s, wall_pairs_per_s;
	double		emu_s, emu_pairs_per_s;
	double		cpu_s;		/* non-idle CPU time, all CPUs */
	double		mean_fid;	/* mean fidelity_ppm / 1e6 of head's ok */
	long long	frames;		/* sent by the row's qlinks, all kinds */
	long		calls, tail_calls;	/* receive calls at each end */
	struct lat	lat;		/* of one request, send to last record */
	struct memsample mem_base, mem_peak;
};

struct tail_report {
	int	ok, errors;
	long	calls;		/* receive calls */
	double	end;		/* CLOCK_MONOTONIC when the last request ended */
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

#define MAX_BATCH	256

/*
 * Read up to @want records of one request into @p: one recv(), or with
 * @batch one recvmmsg() of up to @batch that waits for the first
 * (MSG_WAITFORONE) and takes what else is queued. Returns how many, or
 * -1 with errno set.
 */
static int recv_records(int fd, struct qnet_pair *p, int batch, int want)
{
	struct mmsghdr mm[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	int i, n;

	if (!batch)
		return recv(fd, p, sizeof(*p), 0) == sizeof(*p) ? 1 : -1;
	n = want < batch ? want : batch;
	for (i = 0; i < n; i++) {
		iov[i] = (struct iovec){ &p[i], sizeof(p[i]) };
		mm[i] = (struct mmsghdr){
			.msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 },
		};
	}
	n = recvmmsg(fd, mm, n, MSG_WAITFORONE, NULL);
	for (i = 0; i < n; i++)
		if (mm[i].msg_len != sizeof(*p)) {
			errno = EMSGSIZE;
			return -1;
		}
	return n > 0 ? n : -1;
}

/*
 * The tail, in its own process in node @sp->nodes: listen, say so on
 * @ready, accept, read the records of @sp->reqs requests (each ends after
 * @sp->pairs pairs or at an error record), report on @out.
 */
static void tail(struct chain *c, int family, const struct qspec *sp,
		 int ready, int out)
{
	struct sockaddr_qnet a = qaddr(family, QNET_ADDR_ANY);
	struct tail_report r = { 0 };
	struct qnet_pair p[MAX_BATCH];
	int s, fd, k, got, i, n;

	enter(c, sp->nodes);
	s = socket(family, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4))
		_exit(2);
	/*
	 * The accepted socket inherits the listener's SO_RCVBUF, and records
	 * queue on it from the CONNECT on: an unpaced request can be over
	 * before a loaded guest schedules accept(), and its last record
	 * (the deadline's) must not be the one that did not fit.
	 */
	set_bufs(s);
	if (write(ready, "r", 1) != 1)
		_exit(3);
	fd = accept(s, NULL, NULL);
	if (fd < 0)
		_exit(4);
	set_bufs(fd);
	for (k = 0; k < sp->reqs && !r.status; k++) {
		for (got = 0; got < sp->pairs; ) {
			n = recv_records(fd, p, sp->batch, sp->pairs - got);
			if (n < 0) {
				r.status = 5;
				break;
			}
			r.calls++;
			for (i = 0; i < n && !p[i].error; i++)
				;
			r.ok += i;
			got += i;
			if (i < n) {	/* an error record ends the request */
				r.errors++;
				break;
			}
		}
	}
	r.end = now();
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(6);
	close(fd);
	close(s);
	_exit(0);
}

/*
 * Frames the qlinks of nodes 1..@nodes have sent: heralds, expiries and
 * every network-layer message, each counted once per link it crossed.
 * /proc/self/net/dev shows the netns the process is in; ends in node 0.
 */
static long long chain_frames(struct chain *c, int nodes)
{
	unsigned long long rx_b, rx_p, v[6], tx_p;
	long long sum = 0;
	char line[512], name[IFNAMSIZ + 1];
	FILE *f;
	int i;

	for (i = 1; i <= nodes; i++) {
		enter(c, i);
		f = fopen("/proc/self/net/dev", "re");
		if (!f)
			die("/proc/self/net/dev", errno);
		while (fgets(line, sizeof(line), f)) {
			/* name: rx bytes packets errs drop fifo frame compressed
			 * multicast, then tx bytes packets ...
			 */
			if (sscanf(line, " %16[^:]: %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
				   name, &rx_b, &rx_p, &v[0], &v[1], &v[2],
				   &v[3], &v[4], &v[5], &tx_p, &tx_p) != 11)
				continue;
			if (name[0] == 'q')
				sum += tx_p;
		}
		fclose(f);
	}
	enter(c, 0);
	return sum;
}

static void bench_qnet(struct chain *c, int family, const struct qspec *sp,
		       struct qrun *r)
{
	struct sockaddr_qnet a = qaddr(family, sp->nodes);
	struct qnet_request req = {
		.num_pairs = sp->pairs,
		.type = QNET_REQ_MEASURE,
		.basis = QNET_BASIS_Z,
		.max_time_ns = sp->max_time_ns,
	};
	struct tail_report tr = { .status = 1 };
	int ready[2], out[2], s, k, got, status;
	uint64_t first_create = UINT64_MAX, last_deliver = 0;
	double t0, t_start, t_head_end, c0, fid_sum = 0, *lv;
	struct memwatch mw;
	struct qnet_pair p[MAX_BATCH];
	int i, n;
	pid_t pid;
	char b;

	memset(r, 0, sizeof(*r));
	r->s = *sp;
	if (pipe(ready) || pipe(out))
		die("pipe", errno);
	if (sp->mem)
		memwatch_start(&mw);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (!pid) {
		close(ready[0]);
		close(out[0]);
		tail(c, family, sp, ready[1], out[1]);
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
		if (sp->mem)
			memwatch_stop(&mw);
		goto out;
	}
	r->connect_ms = (now() - t0) * 1e3;

	lv = calloc(sp->reqs, sizeof(*lv));
	if (!lv)
		die("calloc", ENOMEM);
	r->frames = -chain_frames(c, sp->nodes);
	enter(c, 1);
	c0 = cpu_busy_s();
	t_start = now();
	for (k = 0; k < sp->reqs; k++) {
		t0 = now();
		if (send(s, &req, sizeof(req), 0) != sizeof(req))
			die("send request", errno);
		for (got = 0; got < sp->pairs; ) {
			n = recv_records(s, p, sp->batch, sp->pairs - got);
			if (n < 0)
				die("recv pair", errno);
			r->calls++;
			for (i = 0; i < n && !p[i].error; i++) {
				r->ok++;
				got++;
				fid_sum += p[i].fidelity_ppm;
				if (p[i].create_ns < first_create)
					first_create = p[i].create_ns;
				if (p[i].deliver_ns > last_deliver)
					last_deliver = p[i].deliver_ns;
			}
			if (i < n) {	/* an error record ends the request */
				r->errors++;
				if (p[i].error == ETIMEDOUT)
					r->timeouts++;
				break;
			}
		}
		lv[k] = now() - t0;
	}
	t_head_end = now();

	if (read(out[0], &tr, sizeof(tr)) != sizeof(tr))
		tr.status = 7;
	waitpid(pid, &status, 0);
	r->cpu_s = cpu_busy_s() - c0;
	r->frames += chain_frames(c, sp->nodes);
	if (sp->mem)
		memwatch_stop(&mw);
	if (tr.status || !WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "qnet-bench: %d nodes: the tail failed (step %d, status %#x)\n",
			sp->nodes, tr.status, status);
	r->tail_ok = tr.ok;
	r->tail_errors = tr.errors;
	r->tail_calls = tr.calls;
	/* end to end: until both ends hold every record of every request */
	r->wall_s = (tr.end > t_head_end ? tr.end : t_head_end) - t_start;
	lat_summary(lv, sp->reqs, &r->lat);
	free(lv);
	close(s);

	r->wall_pairs_per_s = r->ok / r->wall_s;
	if (r->ok && last_deliver > first_create) {
		r->emu_s = (last_deliver - first_create) * 1e-9;
		r->emu_pairs_per_s = r->ok / r->emu_s;
	}
	r->mean_fid = r->ok ? fid_sum / r->ok / 1e6 : 0;
out:
	if (sp->mem) {
		r->mem_base = mw.base;
		r->mem_peak = mw.peak;
	}
	close(ready[0]);
	close(out[0]);
	enter(c, 0);
}

/* Did the run deliver what it asked, at both ends? */
static bool qrun_ok(const struct qrun *r)
{
	if (r->err)
		return false;
	if (r->s.max_time_ns)	/* one request, ended by its deadline */
		return r->errors == 1 && r->timeouts == 1 &&
		       r->tail_errors == 1 && r->tail_ok == r->ok;
	return !r->errors && !r->tail_errors &&
	       r->ok == r->s.pairs * r->s.reqs && r->tail_ok == r->ok;
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

/* A row's CPU per pair: the CPU time of all runs over all their pairs. */
struct qrow {
	struct qrun	q;		/* the run with the median rate */
	int		runs;
	double		cpu_s;		/* summed over the runs */
	long		pairs;		/* delivered, summed over the runs */
	double		cpu_us_per_pair;
	bool		ok;		/* every run */
};

/* Frames sent on the row's links per delivered pair (median run). */
static double frames_per_pair(const struct qrow *r)
{
	return r->q.ok ? (double)r->q.frames / r->q.ok : 0;
}

static void qnet_median(struct chain *c, int family, const struct qspec *sp,
			int repeat, struct qrow *row)
{
	struct qrun r[9];
	int i, j, n = repeat;

	memset(row, 0, sizeof(*row));
	row->ok = true;
	for (i = 0; i < n; i++) {
		bench_qnet(c, family, sp, &r[i]);
		if (r[i].err) {		/* refused: nothing to repeat */
			row->q = r[i];
			row->ok = false;
			return;
		}
		row->runs++;
		row->cpu_s += r[i].cpu_s;
		row->pairs += r[i].ok;
		row->ok &= qrun_ok(&r[i]);
	}
	if (row->pairs)
		row->cpu_us_per_pair = row->cpu_s / row->pairs * 1e6;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 &&
		     r[j].wall_pairs_per_s < r[j - 1].wall_pairs_per_s; j--) {
			struct qrun t = r[j];

			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	row->q = r[n / 2];
}

/* ---- output ---- */

/* f): hops of the linearity line, on the chain of b) */
#define NLIN	5
static const int lin_hops[NLIN] = { 1, 2, 4, 8, 16 };

struct results {
	struct udp_result	u, u2;
	struct qrow		b[4];	/* 1 hop x 1, 1 hop x big, 4 hops x 1, 4 x big */
	struct qrow		c[2];	/* p = 1e-1, p ~ 1e-6 */
	double			p[2];
	struct qrow		d[MAX_ROWS];
	int			nd;
	struct qrow		e;	/* paced */
	struct qrow		f[NLIN];	/* the linearity line */
	struct qrow		g[2];	/* recvmmsg: 1 and 4 hops, big */
	bool			has_e;
	uint64_t		e_late, e_lag_ns;
	int			built;
	double			build_s;
};

/* p per attempt of the direct link of b) with detector efficiency @eff */
static double direct_p(int eff_ppm)
{
	return eff_ppm / 1e6 * pow(10, -0.2 * BENCH_LEN_M / 1000.0 / 10);
}

static double udp_cpu_us(const struct udp_result *u)
{
	return u->cpu_s / u->n * 1e6;
}

static const char *row_result(const struct qrow *r)
{
	if (r->q.err)
		return strerrorname_np(r->q.err) ?: "?";
	return r->ok ? "ok" : "ERRORS";
}

/*
 * Frames per pair the protocol costs on @h hops for a request of @n pairs
 * that loses no attempt: 4h - 1 per pair (h heralds, BINDs and DELIVERs,
 * h - 1 TRACKs; Documentation/network.rst, "Frames per pair"), and for
 * the request h REQUEST frames and the h of the tail's CLOSE, which
 * bench_qnet() counts too (it reads the counters once the tail is gone).
 */
static double lin_frames_expected(int h, int n)
{
	return 4.0 * h - 1 + 2.0 * h / n;
}

static const char *met(bool ok)
{
	return ok ? "met" : "missed";
}

static void print_lin(const struct results *R, double ucpu)
{
	const struct qrow *one = &R->f[0];
	int i;

	printf("f) the linearity line: one request of %d pairs over 1, 2, 4, 8 and 16 hops, links of b)\n",
	       opt_big);
	printf("%5s %7s %12s %12s %11s %12s %9s  %s\n", "hops", "pairs",
	       "frames/pair", "protocol", "CPU us/pair", "CPU/pair/udp",
	       "CPU/1 hop", "result");
	for (i = 0; i < NLIN; i++) {
		const struct qrow *r = &R->f[i];

		printf("%5d %7d %12.3f %12.3f %11.1f %12.3f %9.2f  %s\n",
		       lin_hops[i], r->q.ok, frames_per_pair(r),
		       lin_frames_expected(lin_hops[i], opt_big),
		       r->cpu_us_per_pair, r->cpu_us_per_pair / ucpu,
		       r->cpu_us_per_pair / one->cpu_us_per_pair,
		       row_result(r));
	}
	for (i = 0; i < NLIN; i++) {
		int h = lin_hops[i];
		double fp = frames_per_pair(&R->f[i]);

		printf("   %2d hops: frames/pair %.3f, the protocol's 4h - 1 + 2h/n %.3f: %s; the issue's 2h + 2 = %d: %s\n",
		       h, fp, lin_frames_expected(h, opt_big),
		       /* exact: within half a frame of the request's count */
		       met(fabs(fp - lin_frames_expected(h, opt_big)) * opt_big < 0.5),
		       2 * h + 2, met(fp <= 2 * h + 2));
	}
	printf("   CPU per pair / UDP round trip: 1 hop %.3f (target at most 0.2: %s), 4 hops %.3f (target at most 1: %s)\n",
	       one->cpu_us_per_pair / ucpu,
	       met(one->cpu_us_per_pair / ucpu <= 0.2),
	       R->f[2].cpu_us_per_pair / ucpu,
	       met(R->f[2].cpu_us_per_pair / ucpu <= 1));
	printf("   CPU per pair, 4 hops / 1 hop: %.2f (target at most 4.5: %s)\n\n",
	       R->f[2].cpu_us_per_pair / one->cpu_us_per_pair,
	       met(R->f[2].cpu_us_per_pair / one->cpu_us_per_pair <= 4.5));
}

static double per_call(long records, long calls)
{
	return calls ? (double)records / calls : 0;
}

static void print_mmsg(const struct results *R, double ucpu)
{
	static const char *const name[2] = { "1 hop", "4 hops" };
	int i;

	printf("g) recvmmsg: one request of %d pairs, both ends reading up to %d records per call\n"
	       "   (MSG_WAITFORONE: wait for one, take what is queued), links of b)\n",
	       opt_big, opt_batch);
	printf("%5s %7s %13s %13s %11s %12s %11s  %s\n", "hops", "pairs",
	       "head rec/call", "tail rec/call", "CPU us/pair", "CPU/pair/udp",
	       "/recv() row", "result");
	for (i = 0; i < 2; i++) {
		const struct qrow *r = &R->g[i];
		const struct qrow *b = &R->b[i ? 3 : 1];

		printf("%5d %7d %13.2f %13.2f %11.1f %12.3f %11.2f  %s\n",
		       r->q.s.nodes - 1, r->q.ok,
		       per_call(r->q.ok + r->q.errors, r->q.calls),
		       per_call(r->q.tail_ok + r->q.tail_errors,
				r->q.tail_calls),
		       r->cpu_us_per_pair, r->cpu_us_per_pair / ucpu,
		       r->cpu_us_per_pair / b->cpu_us_per_pair, row_result(r));
	}
	for (i = 0; i < 2; i++)
		printf("   CPU per pair / UDP round trip, %s: recvmmsg %.3f, recv %.3f (target at most %s: %s, %s)\n",
		       name[i], R->g[i].cpu_us_per_pair / ucpu,
		       R->b[i ? 3 : 1].cpu_us_per_pair / ucpu, i ? "1" : "0.2",
		       met(R->g[i].cpu_us_per_pair / ucpu <= (i ? 1 : 0.2)),
		       met(R->b[i ? 3 : 1].cpu_us_per_pair / ucpu <=
			   (i ? 1 : 0.2)));
	printf("\n");
}

static void print_table(const struct results *R)
{
	const struct udp_result *u = &R->u;
	double ucpu = udp_cpu_us(u);
	bool rt = true;
	int i;

	printf("qnet-bench: AF_QNET pairs vs UDP round trips over loopback, unpaced links\n\n");
	printf("wall rates: the run with the median rate of %d; CPU: non-idle time of all CPUs\n"
	       "(/proc/stat user+nice+system+irq+softirq) summed over those runs; ",
	       opt_repeat);
	if (opt_cpu < 0)
		printf("processes not pinned\n\n");
	else
		printf("every process on CPU %d\n\n", opt_cpu);

	printf("a) UDP baseline: %d round trips of %d bytes over lo\n", u->n,
	       UDP_MSG);
	printf("   %.0f round trips/s, latency mean %.1f us, p50 %.1f us, p99 %.1f us\n",
	       u->msgs_per_s, u->lat.mean_us, u->lat.p50_us, u->lat.p99_us);
	printf("   CPU %.1f us per round trip\n", ucpu);
	printf("   (again at the end: %.0f round trips/s, CPU %.1f us per round trip; the ratios use the first)\n\n",
	       R->u2.msgs_per_s, udp_cpu_us(&R->u2));

	printf("b) pairs through the socket API: direct %d m links (p = %.3f), QNET_REQ_MEASURE\n",
	       BENCH_LEN_M, direct_p(BENCH_DET_EFF));
	printf("%5s %8s %9s %7s %10s %12s %11s %12s %12s %9s  %s\n", "hops",
	       "req size", "requests", "pairs", "wall p/s", "req mean ms",
	       "CPU us/pair", "CPU/pair/udp", "frames/pair", "mean F",
	       "result");
	for (i = 0; i < 4; i++) {
		const struct qrow *r = &R->b[i];

		printf("%5d %8d %9d %7d %10.1f %12.2f %11.1f %12.3f %12.2f %9.6f  %s\n",
		       r->q.s.nodes - 1, r->q.s.pairs, r->q.s.reqs, r->q.ok,
		       r->q.wall_pairs_per_s, r->q.lat.mean_us / 1e3,
		       r->cpu_us_per_pair, r->cpu_us_per_pair / ucpu,
		       frames_per_pair(r),
		       r->q.mean_fid, row_result(r));
	}
	printf("   CPU per pair, %d-pair requests / UDP round trip: 1 hop %.3f, 4 hops %.3f (target: at most 1)\n",
	       opt_big, R->b[1].cpu_us_per_pair / ucpu,
	       R->b[3].cpu_us_per_pair / ucpu);
	printf("   CPU per pair, 4 hops / 1 hop: 1-pair requests %.2f, %d-pair requests %.2f (linear in hops: 4)\n",
	       R->b[2].cpu_us_per_pair / R->b[0].cpu_us_per_pair, opt_big,
	       R->b[3].cpu_us_per_pair / R->b[1].cpu_us_per_pair);
	printf("   frames per pair, 4 hops / 1 hop: 1-pair requests %.2f, %d-pair requests %.2f\n\n",
	       frames_per_pair(&R->b[2]) / frames_per_pair(&R->b[0]), opt_big,
	       frames_per_pair(&R->b[3]) / frames_per_pair(&R->b[1]));

	print_lin(R, ucpu);
	print_mmsg(R, ucpu);

	printf("c) success probability: 1 hop, direct %d m, one request of %d pairs, detector efficiency %d vs %d ppm\n",
	       BENCH_LEN_M, opt_pbig, P1_DET_EFF, P6_DET_EFF);
	printf("%11s %8s %10s %10s %11s %12s  %s\n", "p/attempt", "pairs",
	       "wall p/s", "emu s", "CPU us/pair", "CPU/pair/udp", "result");
	for (i = 0; i < 2; i++) {
		const struct qrow *r = &R->c[i];

		printf("%11.3e %8d %10.1f %10.3f %11.1f %12.3f  %s\n", R->p[i],
		       r->q.ok, r->q.wall_pairs_per_s, r->q.emu_s,
		       r->cpu_us_per_pair, r->cpu_us_per_pair / ucpu,
		       row_result(r));
	}
	printf("   CPU per pair, p = %.1e / p = %.1e: %.2f (target: 1)\n\n",
	       R->p[1], R->p[0],
	       R->c[1].cpu_us_per_pair / R->c[0].cpu_us_per_pair);

	printf("d) standard chain: node 1 to node N of a %d-node chain (built in %.1f s); default links\n"
	       "   (single-click, %d m, 0.2 dB/km, midpoint station, 1 memory per end, link seed 42, node i seed 42+i), swap-asap,\n"
	       "   no purification, one request ended by its %.0f s emulated deadline; one run per row\n",
	       R->built, R->build_s, STD_LEN_M, opt_emu_s);
	printf("%6s %5s %7s %9s %8s %10s %10s %10s %10s  %s\n", "nodes", "hops",
	       "pairs", "mean F", "wall s", "pairs/w-s", "emu s/w-s",
	       "peak MB", "slab MB", "result");
	for (i = 0; i < R->nd; i++) {
		const struct qrow *r = &R->d[i];
		const struct qrun *q = &r->q;

		if (q->err) {
			printf("%6d %5d %7s %9s %8s %10s %10s %10s %10s  %s\n",
			       q->s.nodes, q->s.nodes - 1, "-", "-", "-", "-",
			       "-", "-", "-", row_result(r));
			rt = false;
			continue;
		}
		if (opt_emu_s / q->wall_s < 1)
			rt = false;
		printf("%6d %5d %7d %9.6f %8.2f %10.1f %10.2f %10.2f %10.2f  %s\n",
		       q->s.nodes, q->s.nodes - 1, q->ok, q->mean_fid,
		       q->wall_s, q->ok / q->wall_s, opt_emu_s / q->wall_s,
		       (q->mem_peak.used_kb - q->mem_base.used_kb) / 1024.0,
		       (q->mem_peak.slab_kb - q->mem_base.slab_kb) / 1024.0,
		       row_result(r));
	}
	printf("   faster than real time at every length: %s\n",
	       rt ? "yes" : "NO");
	if (!R->has_e)
		return;
	printf("\ne) paced: the 3-node standard chain at time_scale 1000 (real time), one request\n"
	       "   ended by its %.0f s emulated deadline\n", opt_paced_s);
	printf("%7s %9s %8s %10s %12s %12s  %s\n", "pairs", "mean F",
	       "wall s", "emu s/w-s", "late events", "largest lag", "result");
	printf("%7d %9.6f %8.2f %10.3f %12llu %9.3f ms  %s\n", R->e.q.ok,
	       R->e.q.mean_fid, R->e.q.wall_s, opt_paced_s / R->e.q.wall_s,
	       (unsigned long long)R->e_late, R->e_lag_ns / 1e6,
	       row_result(&R->e));
}

/* The -j document, through the tools' one JSON writer (json_writer.h). */
static struct json_writer jw;

static void jnum(const char *name, const char *fmt, double v)
{
	jsonw_name(&jw, name);
	jsonw_float_fmt(&jw, fmt, v);
}

static void jint(const char *name, long long v)
{
	jsonw_name(&jw, name);
	jsonw_s64(&jw, v);
}

static void ju64(const char *name, unsigned long long v)
{
	jsonw_name(&jw, name);
	jsonw_u64(&jw, v);
}

static void jstr(const char *name, const char *v)
{
	jsonw_name(&jw, name);
	jsonw_string(&jw, v);
}

static void jobj(const char *name)
{
	if (name)
		jsonw_name(&jw, name);
	jsonw_start_object(&jw);
}

static void jarr(const char *name)
{
	jsonw_name(&jw, name);
	jsonw_start_array(&jw);
}

static void json_lat(const char *name, const struct lat *l)
{
	jobj(name);
	jnum("mean_us", "%.3f", l->mean_us);
	jnum("p50_us", "%.3f", l->p50_us);
	jnum("p99_us", "%.3f", l->p99_us);
	jsonw_end_object(&jw);
}

static void json_udp(const char *name, const struct udp_result *u)
{
	jobj(name);
	jint("round_trips", u->n);
	jint("bytes", UDP_MSG);
	jnum("msgs_per_s", "%.3f", u->msgs_per_s);
	jnum("cpu_us_per_round_trip", "%.3f", udp_cpu_us(u));
	json_lat("latency", &u->lat);
	jsonw_end_object(&jw);
}

static void json_row(const char *name, const struct qrow *r, double ucpu)
{
	const struct qrun *q = &r->q;

	jobj(name);
	jint("nodes", q->s.nodes);
	jint("hops", q->s.nodes - 1);
	jint("request_pairs", q->s.pairs);
	jint("requests", q->s.reqs);
	ju64("max_time_ns", q->s.max_time_ns);
	jnum("connect_ms", "%.3f", q->connect_ms);
	jstr("result", row_result(r));
	if (q->err) {
		jsonw_end_object(&jw);
		return;
	}
	jint("delivered", q->ok);
	jint("errors", q->errors);
	jint("tail_delivered", q->tail_ok);
	jnum("wall_s", "%.6f", q->wall_s);
	jnum("wall_pairs_per_s", "%.3f", q->wall_pairs_per_s);
	jnum("emu_s", "%.9f", q->emu_s);
	jnum("emu_pairs_per_s", "%.3f", q->emu_pairs_per_s);
	jnum("mean_fidelity", "%.6f", q->mean_fid);
	jint("runs", r->runs);
	jnum("cpu_s", "%.3f", r->cpu_s);
	jnum("cpu_us_per_pair", "%.3f", r->cpu_us_per_pair);
	jnum("cpu_per_pair_to_udp", "%.4f", r->cpu_us_per_pair / ucpu);
	jint("frames", q->frames);
	jint("recv_batch", q->s.batch);
	jint("head_recv_calls", q->calls);
	jint("tail_recv_calls", q->tail_calls);
	json_lat("request_latency", &q->lat);
	if (q->s.mem) {
		jnum("emu_s_per_wall_s", "%.4f", opt_emu_s / q->wall_s);
		jint("peak_used_kb", q->mem_peak.used_kb - q->mem_base.used_kb);
		jint("peak_slab_kb", q->mem_peak.slab_kb - q->mem_base.slab_kb);
	}
	jsonw_end_object(&jw);
}

static void print_json(const struct results *R)
{
	double ucpu = udp_cpu_us(&R->u);
	struct utsname un;
	int i;

	uname(&un);
	jsonw_init(&jw, stdout, false);
	jobj(NULL);
	jstr("kernel", un.release);
	jstr("machine", un.machine);
	jint("cpus", sysconf(_SC_NPROCESSORS_ONLN));
	jint("pinned_cpu", opt_cpu);
	jint("repeat", opt_repeat);
	json_udp("udp", &R->u);
	json_udp("udp_again", &R->u2);
	jarr("unpaced");
	for (i = 0; i < 4; i++)
		json_row(NULL, &R->b[i], ucpu);
	jsonw_end_array(&jw);
	jobj("big_cpu_per_pair_to_udp");
	jnum("hops_1", "%.4f", R->b[1].cpu_us_per_pair / ucpu);
	jnum("hops_4", "%.4f", R->b[3].cpu_us_per_pair / ucpu);
	jsonw_end_object(&jw);
	jobj("cpu_per_pair_4_hops_to_1");
	jnum("request_1", "%.4f",
	     R->b[2].cpu_us_per_pair / R->b[0].cpu_us_per_pair);
	jnum("request_big", "%.4f",
	     R->b[3].cpu_us_per_pair / R->b[1].cpu_us_per_pair);
	jsonw_end_object(&jw);
	jarr("linearity");
	for (i = 0; i < NLIN; i++) {
		jobj(NULL);
		jnum("frames_per_pair", "%.4f", frames_per_pair(&R->f[i]));
		jnum("protocol_frames_per_pair", "%.4f",
		     lin_frames_expected(lin_hops[i], opt_big));
		jint("issue_target_frames_per_pair", 2 * lin_hops[i] + 2);
		jnum("cpu_to_1_hop", "%.4f",
		     R->f[i].cpu_us_per_pair / R->f[0].cpu_us_per_pair);
		json_row("run", &R->f[i], ucpu);
		jsonw_end_object(&jw);
	}
	jsonw_end_array(&jw);
	jarr("recvmmsg");
	for (i = 0; i < 2; i++) {
		jobj(NULL);
		jnum("head_records_per_call", "%.3f",
		     per_call(R->g[i].q.ok + R->g[i].q.errors, R->g[i].q.calls));
		jnum("tail_records_per_call", "%.3f",
		     per_call(R->g[i].q.tail_ok + R->g[i].q.tail_errors,
			      R->g[i].q.tail_calls));
		jnum("cpu_to_recv_row", "%.4f", R->g[i].cpu_us_per_pair /
		     R->b[i ? 3 : 1].cpu_us_per_pair);
		json_row("run", &R->g[i], ucpu);
		jsonw_end_object(&jw);
	}
	jsonw_end_array(&jw);
	jarr("probability");
	for (i = 0; i < 2; i++) {
		jobj(NULL);
		jnum("p", "%.6e", R->p[i]);
		jint("det_eff_ppm", i ? P6_DET_EFF : P1_DET_EFF);
		json_row("run", &R->c[i], ucpu);
		jsonw_end_object(&jw);
	}
	jsonw_end_array(&jw);
	jnum("cpu_per_pair_p_low_to_high", "%.4f",
	     R->c[1].cpu_us_per_pair / R->c[0].cpu_us_per_pair);
	jint("chain_nodes_built", R->built);
	jnum("chain_build_s", "%.3f", R->build_s);
	jnum("emu_s", "%.3f", opt_emu_s);
	jarr("chains");
	for (i = 0; i < R->nd; i++)
		json_row(NULL, &R->d[i], ucpu);
	jsonw_end_array(&jw);
	if (R->has_e) {
		jobj("paced");
		jint("time_scale", 1000);
		jnum("emu_s", "%.3f", opt_paced_s);
		jnum("emu_s_per_wall_s", "%.4f", opt_paced_s / R->e.q.wall_s);
		ju64("late", R->e_late);
		ju64("largest_lag_ns", R->e_lag_ns);
		json_row("run", &R->e, ucpu);
		jsonw_end_object(&jw);
	}
	jsonw_end_object(&jw);
	putchar('\n');
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: qnet-bench [-j] [-u N] [-b N] [-s N] [-m N] [-P N] [-t SECS] [-p SECS] [-n N,N,...] [-c CPU] [-r N]\n"
		"\n"
		"Runs as root where qnet can be loaded (the test VM: tools/bench.sh).\n"
		"  -u N   UDP round trips of the baseline (default %d)\n"
		"  -b N   pairs of the big request of b) (default %d)\n"
		"  -s N   one-pair requests per row of b) (default %d)\n"
		"  -m N   records per recvmmsg() call in g), 1..256 (default %d)\n"
		"  -P N   pairs of the requests of c), p = 1e-1 and 1e-6 (default %d)\n"
		"  -t S   emulated seconds per row of d) (default %g)\n"
		"  -p S   emulated (= wall) seconds of the paced row e); 0: none (default %g)\n"
		"  -n L   chain lengths of d) in nodes, comma-separated (default 2,3,5,9,17,33,65)\n"
		"  -c N   run every process on CPU N (default 0); -1: anywhere\n"
		"  -r N   runs of each measurement of a) to c), 1..9 (default %d)\n"
		"  -j     JSON instead of the table\n",
		opt_udp, opt_big, opt_small, opt_batch, opt_pbig, opt_emu_s, opt_paced_s,
		opt_repeat);
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
	static struct results R;
	struct qspec sp = { 0 };
	struct chain c;
	int opt, i, family, err, max = 17;
	double t0;
	char *tok;

	while ((opt = getopt(argc, argv, "ju:b:s:m:P:t:p:n:c:r:h")) != -1) {
		switch (opt) {
		case 'j': opt_json = 1; break;
		case 'u': opt_udp = pos(optarg); break;
		case 'b': opt_big = pos(optarg); break;
		case 's': opt_small = pos(optarg); break;
		case 'm': opt_batch = pos(optarg); break;
		case 'P': opt_pbig = pos(optarg); break;
		case 't': opt_emu_s = atof(optarg); break;
		case 'p': opt_paced_s = atof(optarg); break;
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
	if (optind != argc || !nrows || opt_repeat > 9 || opt_batch > MAX_BATCH || opt_emu_s <= 0 ||
	    opt_emu_s > 1000 || opt_paced_s < 0 || opt_paced_s > 600) {
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

	fprintf(stderr, "qnet-bench: a) UDP baseline, %d round trips\n", opt_udp);
	udp_median(&R.u);

	fprintf(stderr, "qnet-bench: building a %d-node chain\n", max);
	t0 = now();
	chain_build(&c, max);
	R.build_s = now() - t0;
	R.built = max;

	/* b) warm up, then 1 and 4 hops, requests of 1 and of opt_big */
	sp = (struct qspec){ .nodes = 2, .pairs = 20, .reqs = 1 };
	bench_qnet(&c, family, &sp, &R.b[0].q);
	for (i = 0; i < 4; i++) {
		sp = (struct qspec){
			.nodes = i < 2 ? 2 : 5,
			.pairs = i & 1 ? opt_big : 1,
			.reqs = i & 1 ? 1 : opt_small,
		};
		fprintf(stderr, "qnet-bench: b) %d hops, %d requests of %d\n",
			sp.nodes - 1, sp.reqs, sp.pairs);
		qnet_median(&c, family, &sp, opt_repeat, &R.b[i]);
	}

	/* f) the linearity line, on b)'s links before c) changes one */
	for (i = 0; i < NLIN; i++) {
		sp = (struct qspec){
			.nodes = lin_hops[i] + 1, .pairs = opt_big, .reqs = 1,
		};
		fprintf(stderr, "qnet-bench: f) %d hops, a request of %d\n",
			lin_hops[i], opt_big);
		qnet_median(&c, family, &sp, opt_repeat, &R.f[i]);
	}

	/* g) b)'s big requests again, read with recvmmsg() */
	for (i = 0; i < 2; i++) {
		sp = (struct qspec){
			.nodes = i ? 5 : 2, .pairs = opt_big, .reqs = 1,
			.batch = opt_batch,
		};
		fprintf(stderr, "qnet-bench: g) %d hops, a request of %d, recvmmsg of %d\n",
			sp.nodes - 1, opt_big, opt_batch);
		qnet_median(&c, family, &sp, opt_repeat, &R.g[i]);
	}

	/* c) 1 hop at p = 1e-1 and about 1e-6 */
	for (i = 0; i < 2; i++) {
		struct lparam eff = { QNET_LINK_A_DET_EFF_PPM,
				      i ? P6_DET_EFF : P1_DET_EFF, 4 };

		R.p[i] = direct_p(eff.val);
		fprintf(stderr, "qnet-bench: c) p = %.3e, %d pairs\n", R.p[i],
			opt_pbig);
		chain_set(&c, 1, 2, &eff, 1);
		sp = (struct qspec){ .nodes = 2, .pairs = opt_pbig, .reqs = 1 };
		qnet_median(&c, family, &sp, opt_repeat, &R.c[i]);
	}

	/* d) the standard chain, every row from the same seeds */
	for (i = 0; i < nrows; i++) {
		chain_set(&c, 1, max, std_link, NPARAMS(std_link));
		chain_settle(&c);
		sp = (struct qspec){
			.nodes = rows_n[i],
			.pairs = 1000000,	/* the most a request may ask */
			.reqs = 1,
			.max_time_ns = (uint64_t)(opt_emu_s * 1e9),
			.mem = true,
		};
		fprintf(stderr, "qnet-bench: d) %d nodes, %g emulated s\n",
			sp.nodes, opt_emu_s);
		qnet_median(&c, family, &sp, 1, &R.d[i]);
	}
	R.nd = nrows;

	/* e) paced: the 3-node chain in real time (the domain is paced) */
	if (opt_paced_s > 0) {
		struct lparam paced = { QNET_LINK_A_TIME_SCALE, 1000, 4 };

		chain_set(&c, 1, max, std_link, NPARAMS(std_link));
		chain_settle(&c);
		chain_set(&c, 1, 2, &paced, 1);
		sp = (struct qspec){
			.nodes = 3,
			.pairs = 1000000,
			.reqs = 1,
			.max_time_ns = (uint64_t)(opt_paced_s * 1e9),
		};
		fprintf(stderr, "qnet-bench: e) 3 nodes paced, %g emulated s\n",
			opt_paced_s);
		qnet_median(&c, family, &sp, 1, &R.e);
		R.e_late = chain_stat(&c, QNET_STATS_A_PACED_LATE);
		R.e_lag_ns = chain_stat(&c, QNET_STATS_A_PACED_LAG_NS);
		R.has_e = true;
	}
	chain_destroy(&c);

	/* the same baseline again: how much the machine moved meanwhile */
	fprintf(stderr, "qnet-bench: UDP baseline again\n");
	udp_median(&R.u2);

	if (opt_json)
		print_json(&R);
	else
		print_table(&R);
	return 0;
}
