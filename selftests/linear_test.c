// SPDX-License-Identifier: GPL-2.0
/*
 * The network layer's cost is linear in hops (Documentation/network.rst,
 * "Frames per pair"): a request of n pairs over an h-hop circuit sends
 * exactly h REQUEST frames and, per pair, h heralds, h BINDs, h - 1
 * TRACKs and h DELIVERs, 4h - 1 frames, on links that lose nothing. The
 * frames are counted as the kernel counts them, in every qlink's
 * tx_packets (/proc/net/dev of every node), not timed. And a circuit of
 * 256 hops delivers pairs, with 255 swaps each.
 *
 *   node 1 (head) --qr====ql-- node 2 -- ... -- node N
 *
 * Links: direct transmission, 2 km, no dark counts, no memory decay,
 * unpaced, no cutoff; requests with no minimum fidelity and no deadline,
 * and every node's Bell-state measurement perfect: no attempt is ever
 * lost, so every frame is one the formula counts.
 *
 * Built twice: linear_test, and with LIN_LONG linear_long_test, the
 * 256-hop circuit alone. That one's time goes to making 257 network
 * namespaces and 65,792 routes; its repeaters do what the 16-hop ones
 * do, so the debug suite leaves it out (selftests/Makefile DEBUG_SKIP).
 */
#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_sock.h"
#include "qnet_topo.h"
#include "qnet_nl.h"

#define LIN_PORT	11U

static const struct qnet_topo_param lin_link[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_DIRECT,	1 },
	{ QNET_LINK_A_LENGTH_M,		2000,			4 },
	{ QNET_LINK_A_SOURCE_FID_PPM,	950000,			4 },
	{ QNET_LINK_A_DET_EFF_PPM,	800000,			4 },
	{ QNET_LINK_A_DARK_RATE_HZ,	0,			4 },
	{ QNET_LINK_A_ATTEMPT_RATE_HZ,	1000000,		4 },
	{ QNET_LINK_A_T1_NS,		0,			8 },
	{ QNET_LINK_A_T2_NS,		0,			8 },
	{ QNET_LINK_A_TIME_SCALE,	0,			4 },
	{ QNET_LINK_A_SEED,		5,			8 },
	{ 0 }
};

/* Frames the qlinks of nodes 1 .. @n have sent, or -1. */
static long long lin_frames(struct qnet_topo *t, int n)
{
	unsigned long long v[10];
	char line[512], name[IFNAMSIZ + 1];
	long long sum = 0;
	FILE *f;
	int i;

	for (i = 1; i <= n; i++) {
		if (qnet_topo_enter(t, i))
			return -1;
		f = fopen("/proc/self/net/dev", "re");
		if (!f)
			return -1;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, " %16[^:]: %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
				   name, &v[0], &v[1], &v[2], &v[3], &v[4],
				   &v[5], &v[6], &v[7], &v[8], &v[9]) == 11 &&
			    name[0] == 'q')
				sum += v[9];
		fclose(f);
	}
	return sum;
}

/*
 * The tail, a child in node @node: accept, read @n records into @recs
 * (shared), say so on @done, and close only when @quit says so, so that
 * its CLOSE is not among the frames counted.
 */
static int lin_tail(struct qnet_topo *t, int family, int node, int ready,
		    int done, int quit, struct qnet_pair *recs, int n)
{
	struct sockaddr_qnet a = { .sq_family = family, .sq_port = LIN_PORT };
	int s, c, i;
	char b = 'd';

	if (qnet_topo_enter(t, node))
		return 1;
	s = socket(family, SOCK_SEQPACKET, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(s, 4) || write(ready, "r", 1) != 1)
		return 2;
	c = accept(s, NULL, NULL);
	if (c < 0 || set_timeo(c, SO_RCVTIMEO, 300000))
		return 3;
	for (i = 0; i < n; i++)
		if (recv(c, &recs[i], sizeof(recs[i]), 0) != sizeof(recs[i]))
			return 4;
	if (write(done, &b, 1) != 1 || read(quit, &b, 1) != 1)
		return 5;
	close(c);
	close(s);
	return 0;
}

struct lin_run {
	long long	frames;		/* sent while the request ran */
	int		head_ok, tail_ok;	/* records without error */
	int		same;		/* pairs with the same id and state */
	int		hops, swaps;	/* of the head's first record */
};

/*
 * One request of @n measured pairs from node 1 to node @node of @t (the
 * first @nodes nodes hold every link the circuit uses): the frames sent
 * from just before the request until the tail holds its last record.
 */
static int lin_request(struct qnet_topo *t, int family, int node, int n,
		       struct lin_run *r)
{
	struct sockaddr_qnet a = {
		.sq_family = family, .sq_port = LIN_PORT, .sq_node = node,
	};
	struct qnet_request req = {
		.num_pairs = n, .type = QNET_REQ_MEASURE,
		.basis = QNET_BASIS_Z,
	};
	int ready[2], done[2], quit[2], s = -1, i, status, err = -1;
	struct qnet_pair *tail, *head;
	long long before, settled;
	pid_t pid;
	char b;

	memset(r, 0, sizeof(*r));
	tail = mmap(NULL, n * sizeof(*tail), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	head = calloc(n, sizeof(*head));
	if (tail == MAP_FAILED || !head || pipe(ready) || pipe(done) ||
	    pipe(quit))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(lin_tail(t, family, node, ready[1], done[1], quit[0],
			       tail, n));
	if (read(ready[0], &b, 1) != 1 || qnet_topo_enter(t, 1))
		goto out;
	s = socket(family, SOCK_SEQPACKET, 0);
	if (s < 0 || set_timeo(s, SO_RCVTIMEO, 300000) ||
	    connect(s, (struct sockaddr *)&a, sizeof(a)))
		goto out;
	/*
	 * A CONNECT sent again (after 1 s without an answer: a slow guest)
	 * may still be on its way, to be answered by a node that is up
	 * already: wait until the set-up's frames have stopped.
	 */
	before = lin_frames(t, node);
	do {
		settled = before;
		usleep(300000);
		before = lin_frames(t, node);
	} while (before >= 0 && before != settled);
	if (before < 0 || qnet_topo_enter(t, 1) ||
	    send(s, &req, sizeof(req), 0) != sizeof(req))
		goto out;
	for (i = 0; i < n; i++) {
		if (recv(s, &head[i], sizeof(head[i]), 0) != sizeof(head[i]))
			goto out;
		r->head_ok += !head[i].error;
	}
	if (read(done[0], &b, 1) != 1)
		goto out;
	/* every frame of the request left before the tail's last record */
	r->frames = lin_frames(t, node) - before;
	r->hops = head[0].hops16;
	r->swaps = head[0].swaps16;
	for (i = 0; i < n; i++) {
		r->tail_ok += !tail[i].error;
		r->same += tail[i].pair_id == head[i].pair_id &&
			   tail[i].bell_state == head[i].bell_state;
	}
	err = 0;
out:
	if (write(quit[1], "q", 1) != 1)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (s >= 0)
		close(s);
	qnet_topo_enter(t, 0);
	munmap(tail, n * sizeof(*tail));
	free(head);
	close(ready[0]);
	close(ready[1]);
	close(done[0]);
	close(done[1]);
	close(quit[0]);
	close(quit[1]);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return err;
}

FIXTURE(lin) {
	struct qnet_topo topo;
	int family;
};

FIXTURE_SETUP(lin)
{
	ASSERT_EQ(0, qnet_module_ensure());
	self->family = qnet_family();
	ASSERT_LT(0, self->family);
}

FIXTURE_TEARDOWN(lin)
{
	qnet_topo_destroy(&self->topo);
}

#ifndef LIN_LONG
/*
 * 1, 2, 4, 8 and 16 hops on one chain of 17 nodes: each request runs from
 * node 1 to node h + 1, so only the links of its circuit carry frames.
 */
TEST_F_TIMEOUT(lin, frames_per_pair, 600)
{
	static const int hops[] = { 1, 2, 4, 8, 16 };
	const int n = 30;
	struct lin_run r;
	unsigned int i;

	ASSERT_EQ(0, qnet_topo_chain(&self->topo, 17, lin_link));
	for (i = 0; i < sizeof(hops) / sizeof(hops[0]); i++) {
		int h = hops[i];

		ASSERT_EQ(0, lin_request(&self->topo, self->family, h + 1, n,
					 &r));
		ksft_print_msg("%2d hops: %lld frames for %d pairs, %.2f per pair (4h - 1 = %d)\n",
			       h, r.frames, n, (double)(r.frames - h) / n,
			       4 * h - 1);
		fflush(stdout);
		EXPECT_EQ(n, r.head_ok);
		EXPECT_EQ(n, r.tail_ok);
		EXPECT_EQ(n, r.same);
		EXPECT_EQ(h, r.hops);
		EXPECT_EQ(h - 1, r.swaps);
		/* REQUEST once, then per pair: 4h - 1 */
		EXPECT_EQ((long long)h + (long long)n * (4 * h - 1), r.frames);
	}
}

#else
/* A circuit of 256 hops, 255 repeaters: its pairs arrive at both ends. */
TEST_F_TIMEOUT(lin, hops_256, 900)
{
	const int h = 256, n = 4;
	struct lin_run r;

	ASSERT_EQ(0, qnet_topo_chain(&self->topo, h + 1, lin_link));
	ASSERT_EQ(0, lin_request(&self->topo, self->family, h + 1, n, &r));
	ksft_print_msg("%d hops: %lld frames for %d pairs\n", h, r.frames, n);
	fflush(stdout);
	EXPECT_EQ(n, r.head_ok);
	EXPECT_EQ(n, r.tail_ok);
	EXPECT_EQ(n, r.same);
	EXPECT_EQ(h, r.hops);
	EXPECT_EQ(h - 1, r.swaps);
	EXPECT_EQ((long long)h + (long long)n * (4 * h - 1), r.frames);
}
#endif

#ifndef LIN_LONG
/* Lines of /proc/net/qnet_circuit in node @node beyond its header. */
static int lin_circuits(struct qnet_topo *t, int node)
{
	char line[512];
	int n = -1;
	FILE *f;

	if (qnet_topo_enter(t, node))
		return -1;
	f = fopen("/proc/self/net/qnet_circuit", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/*
 * A routing loop: nodes 1, 2 and 3 in a ring (a third link, 3's "qx" to
 * 1's "qy"), and every node routes address 9, which none has, onwards
 * round it. The CONNECT goes round once: back at the head it names a
 * circuit that is there already and is dropped, as is each one sent
 * again; connect() ends at its timeout, no CONNECT circles, and no node
 * keeps the circuit.
 */
TEST_F_TIMEOUT(lin, connect_loop_dies, 120)
{
	const int ring[] = { 1, 2, 3 };
	const char *out[] = { "qr", "qr", "qx" };
	struct qnet_nl rt, q;
	long long before, frames;
	unsigned int i;
	int fd, err;

	ASSERT_EQ(0, qnet_topo_chain(&self->topo, 3, lin_link));
	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 3));
	ASSERT_EQ(0, qnet_nl_open_proto(&rt, NETLINK_ROUTE));
	ASSERT_EQ(0, qnet_rtnl_qlink_add(&rt, "qx", "qy", self->topo.ns[0]));
	ASSERT_EQ(0, qnet_rtnl_link_up(&rt, "qx", true));
	qnet_nl_close(&rt);
	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 1));
	ASSERT_EQ(0, qnet_nl_open_proto(&rt, NETLINK_ROUTE));
	ASSERT_EQ(0, qnet_rtnl_link_up(&rt, "qy", true));
	qnet_nl_close(&rt);
	ASSERT_EQ(0, qnet_topo_wait_running("qy"));
	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 3));
	ASSERT_EQ(0, qnet_topo_wait_running("qx"));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, qnet_topo_enter(&self->topo, ring[i]));
		ASSERT_EQ(0, qnet_nl_open(&q));
		ASSERT_EQ(0, qnet_topo_route_add(&q, 9, out[i]));
		qnet_nl_close(&q);
	}

	before = lin_frames(&self->topo, 3);
	ASSERT_LE(0, before);
	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 1));
	fd = qsocket(self->family);
	ASSERT_LE(0, fd);
	err = qconnect(fd, self->family, 9, LIN_PORT) ? errno : 0;
	close(fd);
	/* the CLOSE of the head's give-up goes round too: let it */
	usleep(300000);
	frames = lin_frames(&self->topo, 3) - before;
	ksft_print_msg("connect into a loop: %s, %lld frames\n",
		       strerror(err), frames);
	fflush(stdout);
	EXPECT_EQ(ETIMEDOUT, err);
	/*
	 * The first CONNECT and the three sent again (1, 3 and 7 s on), each
	 * once round the ring (3 links); the CLOSE each of the two repeaters
	 * sends on when its set-up timeout ends its copy of the circuit
	 * (Documentation/security.rst), once per CONNECT, dropped by the
	 * next node, which has ended its copy too or never had it; and the
	 * CLOSE of the head's give-up at most once round.
	 */
	EXPECT_LE(3, frames);
	EXPECT_GE(4 * 3 + 4 * 2 + 3, frames);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, lin_circuits(&self->topo, ring[i]));
}
#endif

TEST_HARNESS_MAIN
