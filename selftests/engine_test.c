// SPDX-License-Identifier: GPL-2.0
/*
 * The engine (Documentation/engine.rst): one causal, deterministic
 * emulated clock per emulation domain.
 *
 *   node 1 (head) --25 km-- node 2 --25 km-- node 3 (tail)
 *
 * single-click links with memories of T2 100 ms (the demo's chain),
 * unpaced, every link seeded. The same requests on a fresh chain must
 * give bit-identical records at both ends every time: emulated times,
 * fidelities, Bell states, outcomes, pair ids relative to the first. The
 * records are reduced to one FNV-1a digest per run and compared, and the
 * first pair id too (ids count per domain, from 1):
 *
 * - three runs in a row, the third with a CPU hog on every CPU;
 * - two disjoint chains (separate domains) run at the same time give the
 *   digests and ids each gives alone;
 * - a chain idle for a while gets pairs created after its request, never
 *   before (the link starts attempting when asked).
 * - paced in real time, where a request starts at the wall clock's
 *   emulated time, the records relative to the first pair's creation.
 *
 * With QNET_ENGINE_DIGESTS set to a file name, the determinism test
 * appends its digest there: tools/check.sh runs it once more in a guest
 * with one CPU and compares the two (Documentation/testing.rst).
 *
 * Pacing: a link paced at time_scale 1000 (real time) advances its
 * domain's clock by the wall time elapsed, within 1 %, over 10 s; the
 * guest keeps up (a few hundred events per second, even the debug
 * kernel), and the lag counters say how late events ran.
 */
#include <signal.h>
#include <time.h>

#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_chain.h"

#define ENGINE_PORT	9
#define ENGINE_PAIRS	150

static const struct qnet_topo_param engine_link[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_SINGLE_CLICK, 1 },
	{ QNET_LINK_A_LENGTH_M,		25000,			4 },
	{ QNET_LINK_A_T2_NS,		100000000,		8 },
	{ QNET_LINK_A_TIME_SCALE,	0,			4 },
	{ QNET_LINK_A_SEED,		7,			8 },
	{ 0 }
};

/* The same, paced in real time. */
static const struct qnet_topo_param engine_link_paced[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_SINGLE_CLICK, 1 },
	{ QNET_LINK_A_LENGTH_M,		25000,			4 },
	{ QNET_LINK_A_T2_NS,		100000000,		8 },
	{ QNET_LINK_A_TIME_SCALE,	1000,			4 },
	{ QNET_LINK_A_SEED,		7,			8 },
	{ 0 }
};

/* FNV-1a, 64 bits, over @len bytes. */
static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV(h, v)	((h) = fnv((h), &(v), sizeof(v)))

/*
 * Every field of every record that the physics and the clock decide;
 * pair and request ids relative to the first record's when @ids, times
 * relative to the first record's creation when @rel (a paced request
 * starts at the wall clock's emulated time, which no run repeats).
 */
static uint64_t digest(const struct qnet_pair *r, int n, bool ids, bool rel)
{
	uint64_t h = 0xcbf29ce484222325ULL, v, t0 = rel ? r[0].create_ns : 0;
	int i;

	for (i = 0; i < n; i++) {
		if (ids) {
			v = r[i].pair_id - r[0].pair_id;
			FNV(h, v);
			v = r[i].request_id - r[0].request_id;
			FNV(h, v);
		}
		v = r[i].create_ns - t0;
		FNV(h, v);
		v = r[i].deliver_ns - t0;
		FNV(h, v);
		FNV(h, r[i].fidelity_ppm);
		FNV(h, r[i].qubit);
		FNV(h, r[i].error);
		FNV(h, r[i].bell_state);
		FNV(h, r[i].hops);
		FNV(h, r[i].swaps);
		FNV(h, r[i].purifications);
		FNV(h, r[i].basis);
		FNV(h, r[i].outcome);
	}
	return h;
}

struct run {
	uint64_t head, tail;		/* digests */
	uint64_t first_create, last_deliver;
	/* the first record's pair id: pair ids count per domain, from 1 */
	uint64_t first_id;
	bool same_ids;			/* head and tail agree on every id */
};

/*
 * One request on a fresh chain of @nodes with links @link; what its
 * records say (digests with times relative to the first pair if paced).
 */
static int run_chain_on(struct qnet_topo *t, int nodes,
			const struct qnet_topo_param *link,
			struct qnet_pair *tail, const struct qnet_request *req,
			bool ids, struct run *out, char *why, size_t len)
{
	static struct qnet_pair head[ENGINE_PAIRS];
	int family = qnet_family(), err, i;
	bool rel = link != engine_link;

	err = qnet_topo_chain(t, nodes, link);
	if (err)
		return snprintf(why, len, "chain: %s", strerror(-err)), -1;
	err = qnet_chain_request(t, family, ENGINE_PORT, req, head, tail,
				 req->num_pairs, why, len);
	qnet_topo_destroy(t);
	if (err)
		return err;
	out->head = digest(head, req->num_pairs, ids, rel);
	out->tail = digest(tail, req->num_pairs, ids, rel);
	out->same_ids = true;
	out->first_id = head[0].pair_id;
	out->first_create = UINT64_MAX;
	out->last_deliver = 0;
	for (i = 0; i < (int)req->num_pairs; i++) {
		if (head[i].pair_id != tail[i].pair_id ||
		    head[i].create_ns != tail[i].create_ns)
			out->same_ids = false;
		if (head[i].create_ns < out->first_create)
			out->first_create = head[i].create_ns;
		if (head[i].deliver_ns > out->last_deliver)
			out->last_deliver = head[i].deliver_ns;
	}
	return 0;
}

static int run_chain(struct qnet_topo *t, int nodes, struct qnet_pair *tail,
		     const struct qnet_request *req, bool ids, struct run *out,
		     char *why, size_t len)
{
	return run_chain_on(t, nodes, engine_link, tail, req, ids, out, why,
			    len);
}

/* A busy loop on every CPU until killed. */
static void hog_start(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (!pids[i]) {
			volatile unsigned long x = 0;

			for (;;)
				x++;
		}
	}
}

static void hog_stop(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
	}
}

static const struct qnet_request engine_req = {
	.num_pairs = ENGINE_PAIRS,
	.type = QNET_REQ_MEASURE,
	.basis = QNET_BASIS_Z,
};

FIXTURE(engine) {
	struct qnet_topo a, b;
	struct qnet_pair *tail_a, *tail_b;
};

FIXTURE_SETUP(engine)
{
	ASSERT_EQ(0, qnet_module_ensure());
	ASSERT_LT(0, qnet_family());
	self->tail_a = qnet_chain_shared(ENGINE_PAIRS);
	self->tail_b = qnet_chain_shared(ENGINE_PAIRS);
	ASSERT_NE(NULL, self->tail_a);
	ASSERT_NE(NULL, self->tail_b);
}

FIXTURE_TEARDOWN(engine)
{
	munmap(self->tail_a, ENGINE_PAIRS * sizeof(struct qnet_pair));
	munmap(self->tail_b, ENGINE_PAIRS * sizeof(struct qnet_pair));
}

TEST_F_TIMEOUT(engine, same_records_every_run, 300)
{
	const char *file = getenv("QNET_ENGINE_DIGESTS");
	struct run r[3];
	pid_t hog[4] = {};
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), i;
	char why[128];

	if (ncpu > 4)
		ncpu = 4;
	for (i = 0; i < 3; i++) {
		if (i == 2)
			hog_start(hog, ncpu);
		ASSERT_EQ(0, run_chain(&self->a, 3, self->tail_a, &engine_req,
				       true, &r[i], why, sizeof(why)))
			TH_LOG("run %d: %s", i, why);
		TH_LOG("run %d%s: head %016llx tail %016llx, pairs created from %llu ns, last delivered at %llu ns",
		       i, i == 2 ? " (CPU hog)" : "",
		       (unsigned long long)r[i].head,
		       (unsigned long long)r[i].tail,
		       (unsigned long long)r[i].first_create,
		       (unsigned long long)r[i].last_deliver);
		EXPECT_TRUE(r[i].same_ids);
	}
	hog_stop(hog, ncpu);
	for (i = 1; i < 3; i++) {
		EXPECT_EQ(r[0].head, r[i].head);
		EXPECT_EQ(r[0].tail, r[i].tail);
		/* a fresh network's pair ids repeat too, not only relative */
		EXPECT_EQ(r[0].first_id, r[i].first_id);
	}
	if (file) {
		FILE *f = fopen(file, "a");

		ASSERT_NE(NULL, f);
		fprintf(f, "%016llx %016llx\n", (unsigned long long)r[0].head,
			(unsigned long long)r[0].tail);
		fclose(f);
	}
}

/*
 * The node seeds drive the outcomes (Bell states of swaps, measurement
 * outcomes), and a node nobody seeded draws a random seed of its own:
 * same link seeds, node seeds set alike give the same records; other node
 * seeds, or none, give other outcomes. 150 Z outcomes at each end agree
 * by chance with probability about 2^-150.
 */
TEST_F_TIMEOUT(engine, node_seeds_drive_outcomes, 300)
{
	struct run same, other, rnd1, rnd2, base;
	char why[128];

	ASSERT_EQ(0, run_chain(&self->a, 3, self->tail_a, &engine_req, true,
			       &base, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, run_chain(&self->a, 3, self->tail_a, &engine_req, true,
			       &same, why, sizeof(why))) TH_LOG("%s", why);
	self->a.seed_base = 1000;
	ASSERT_EQ(0, run_chain(&self->a, 3, self->tail_a, &engine_req, true,
			       &other, why, sizeof(why))) TH_LOG("%s", why);
	self->a.unseeded = true;
	ASSERT_EQ(0, run_chain(&self->a, 3, self->tail_a, &engine_req, true,
			       &rnd1, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, run_chain(&self->a, 3, self->tail_a, &engine_req, true,
			       &rnd2, why, sizeof(why))) TH_LOG("%s", why);
	TH_LOG("tail digests: seeds 1.. %016llx, %016llx; seeds 1001.. %016llx; random %016llx, %016llx",
	       (unsigned long long)base.tail, (unsigned long long)same.tail,
	       (unsigned long long)other.tail, (unsigned long long)rnd1.tail,
	       (unsigned long long)rnd2.tail);
	EXPECT_EQ(base.head, same.head);
	EXPECT_EQ(base.tail, same.tail);
	EXPECT_NE(base.tail, other.tail);
	EXPECT_NE(rnd1.tail, rnd2.tail);
	EXPECT_NE(base.tail, rnd1.tail);
	/* the links alone decide when pairs are made: the same times */
	EXPECT_EQ(base.first_create, other.first_create);
	EXPECT_EQ(base.last_deliver, other.last_deliver);
}

/*
 * Two chains with no qlink between them, each alone and both at once:
 * the same records, ids included.
 */
TEST_F_TIMEOUT(engine, disjoint_domains_do_not_interact, 300)
{
	struct run alone_a, alone_b, *both;
	char why[128];
	pid_t pid;
	int status;

	ASSERT_EQ(0, run_chain(&self->a, 3, self->tail_a, &engine_req, true,
			       &alone_a, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, run_chain(&self->b, 2, self->tail_b, &engine_req, true,
			       &alone_b, why, sizeof(why))) TH_LOG("%s", why);

	/* both at once: chain b's run in a child, its result shared */
	both = mmap(NULL, 2 * sizeof(*both), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, both);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(run_chain(&self->b, 2, self->tail_b, &engine_req, true,
				&both[1], why, sizeof(why)) ? 1 : 0);
	ASSERT_EQ(0, run_chain(&self->a, 3, self->tail_a, &engine_req, true,
			       &both[0], why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));

	TH_LOG("3 nodes: alone %016llx, beside a 2-node chain %016llx",
	       (unsigned long long)alone_a.head,
	       (unsigned long long)both[0].head);
	EXPECT_EQ(alone_a.head, both[0].head);
	EXPECT_EQ(alone_a.tail, both[0].tail);
	EXPECT_EQ(alone_b.head, both[1].head);
	EXPECT_EQ(alone_b.tail, both[1].tail);
	/*
	 * Pair ids count per domain (Documentation/sockets.rst): the
	 * other chain's pairs do not shift them, relative (the digests
	 * above) or absolute.
	 */
	EXPECT_EQ(alone_a.first_id, both[0].first_id);
	EXPECT_EQ(alone_b.first_id, both[1].first_id);
	munmap(both, 2 * sizeof(*both));
}

/*
 * Paced in real time: a request starts when the call is made, at the
 * wall clock's emulated time, so only what follows is reproducible: the
 * records relative to the first pair's creation, run after run.
 */
TEST_F_TIMEOUT(engine, paced_records_repeat_relative_to_their_start, 300)
{
	struct qnet_request req = engine_req;
	struct run r[2];
	char why[128];
	int i;

	req.num_pairs = 60;
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, run_chain_on(&self->a, 3, engine_link_paced,
					  self->tail_a, &req, true, &r[i], why,
					  sizeof(why)))
			TH_LOG("paced run %d: %s", i, why);
		TH_LOG("paced run %d: head %016llx tail %016llx, pairs created from %llu ns",
		       i, (unsigned long long)r[i].head,
		       (unsigned long long)r[i].tail,
		       (unsigned long long)r[i].first_create);
		EXPECT_TRUE(r[i].same_ids);
	}
	EXPECT_EQ(r[0].head, r[1].head);
	EXPECT_EQ(r[0].tail, r[1].tail);
}

/*
 * Two requests on one chain, the second after the first's records are
 * in: its pairs are all created after the first's last delivery at the
 * head (the head sent it later), whatever the links did meanwhile.
 */
TEST_F_TIMEOUT(engine, pairs_are_not_dated_before_their_request, 300)
{
	static struct qnet_pair first[ENGINE_PAIRS], second[ENGINE_PAIRS];
	struct qnet_request req = engine_req;
	struct sockaddr_qnet sa = { .sq_port = ENGINE_PORT, .sq_node = 3 };
	int family = qnet_family(), s, l, c, i;
	uint64_t last = 0;

	req.num_pairs = 40;
	sa.sq_family = family;
	ASSERT_EQ(0, qnet_topo_chain(&self->a, 3, engine_link));

	ASSERT_EQ(0, qnet_topo_enter(&self->a, 3));
	l = socket(family, SOCK_SEQPACKET, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(l, 1));
	ASSERT_EQ(0, qnet_topo_enter(&self->a, 1));
	s = socket(family, SOCK_SEQPACKET, 0);
	ASSERT_LE(0, s);
	qnet_chain_rcvbuf(s, ENGINE_PAIRS);
	ASSERT_EQ(0, connect(s, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, qnet_topo_enter(&self->a, 3));
	c = accept(l, NULL, NULL);
	ASSERT_LE(0, c);
	qnet_chain_rcvbuf(c, ENGINE_PAIRS);

	ASSERT_EQ((ssize_t)sizeof(req), send(s, &req, sizeof(req), 0));
	for (i = 0; i < (int)req.num_pairs; i++) {
		ASSERT_EQ((ssize_t)sizeof(first[i]),
			  recv(s, &first[i], sizeof(first[i]), 0));
		last = first[i].deliver_ns > last ? first[i].deliver_ns : last;
	}
	/* idle a while in wall time: an unpaced domain does nothing */
	usleep(300000);
	ASSERT_EQ((ssize_t)sizeof(req), send(s, &req, sizeof(req), 0));
	for (i = 0; i < (int)req.num_pairs; i++) {
		ASSERT_EQ((ssize_t)sizeof(second[i]),
			  recv(s, &second[i], sizeof(second[i]), 0));
		EXPECT_LE(last, second[i].create_ns)
			TH_LOG("pair %d of the second request created at %llu ns, before %llu ns",
			       i, (unsigned long long)second[i].create_ns,
			       (unsigned long long)last);
	}
	/* the tail got both requests' records, in order */
	for (i = 0; i < 2 * (int)req.num_pairs; i++) {
		struct qnet_pair rec;

		ASSERT_EQ((ssize_t)sizeof(rec), recv(c, &rec, sizeof(rec), 0));
		EXPECT_EQ(i < (int)req.num_pairs ? first[i].pair_id :
			  second[i - req.num_pairs].pair_id, rec.pair_id);
	}
	close(c);
	close(s);
	close(l);
	qnet_topo_destroy(&self->a);
}

/* A counter of qr in the current netns, over genetlink. */
static int64_t stat_of(struct qnet_nl *q, int attr)
{
	struct qnet_nl_stats st;

	if (qnet_nl_link_stats(q, if_nametoindex("qr"), &st) || !st.has[attr])
		return -1;
	return st.v[attr];
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

TEST_F_TIMEOUT(engine, paced_clock_keeps_its_rate, 120)
{
	static const struct qnet_topo_param paced[] = {
		{ QNET_LINK_A_SCHEME,	QNET_SCHEME_SINGLE_CLICK, 1 },
		{ QNET_LINK_A_LENGTH_M,	25000,			4 },
		{ QNET_LINK_A_SEED,	7,			8 },
		{ QNET_LINK_A_TIME_SCALE, 1000,			4 },
		/*
		 * 2 kHz: a herald every 11 ms or so, four events each (the
		 * herald, its frame, two expiries of the pairs it replaces),
		 * which even the KASAN/lockdep guest keeps up with; the
		 * clock read is at most a gap behind, 0.2 % of the window
		 */
		{ QNET_LINK_A_ATTEMPT_RATE_HZ, 2000,		4 },
		{ QNET_LINK_A_CONTINUOUS, 1,			1 },
		{ 0 }
	};
	int64_t w0, w1, e0, e1, late;
	double rate;
	struct qnet_nl q;

	ASSERT_EQ(0, qnet_topo_chain(&self->a, 2, paced));
	ASSERT_EQ(0, qnet_topo_enter(&self->a, 1));
	ASSERT_EQ(0, qnet_nl_open(&q));
	/* settle, then sample the clock 10 s of wall time apart */
	usleep(500000);
	e0 = stat_of(&q, QNET_STATS_A_EMU_TIME_NS);
	w0 = wall_ns();
	usleep(10000000);
	e1 = stat_of(&q, QNET_STATS_A_EMU_TIME_NS);
	w1 = wall_ns();
	late = stat_of(&q, QNET_STATS_A_PACED_LATE);
	rate = (double)(e1 - e0) / (double)(w1 - w0);
	TH_LOG("paced at 1000: %.4f emulated s per wall s over %.2f s (clock %lld ns); %lld events late, largest lag %lld ns",
	       rate, (w1 - w0) / 1e9, (long long)e1, (long long)late,
	       (long long)stat_of(&q, QNET_STATS_A_PACED_LAG_NS));
	EXPECT_LT(0.99, rate);
	EXPECT_GT(1.01, rate);

	/* and it stops: continuous off, the clock stays put */
	ASSERT_EQ(0, qnet_nl_link_set_one(&q, if_nametoindex("qr"),
					  QNET_LINK_A_CONTINUOUS, 0, 1));
	usleep(200000);
	e0 = stat_of(&q, QNET_STATS_A_EMU_TIME_NS);
	usleep(300000);
	EXPECT_EQ(e0, stat_of(&q, QNET_STATS_A_EMU_TIME_NS));
	qnet_nl_close(&q);
	qnet_topo_destroy(&self->a);
}

TEST_HARNESS_MAIN
