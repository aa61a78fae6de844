// SPDX-License-Identifier: GPL-2.0
/*
 * Request deadlines over a long chain: every request ends at both ends
 * with an ETIMEDOUT record, after the same pairs.
 *
 * The head's deadline sends a DELIVER with ETIMEDOUT down the path. A
 * repeater's memory may end the same attempt at the same time with a
 * DISCARD, which moves the nodes it reaches first on to the next attempt;
 * the DELIVER is stale for them when it comes, but it still ends the
 * request. Before that was so, the tail of a 64-hop standard chain never
 * heard of a deadline (tools/bench.sh, 10 emulated s) and waited for ever.
 * Seeds are fixed, so a run of this test is the same run every time.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_sock.h"
#include "qnet_topo.h"
#include "qnet_nl.h"

#define DL_PORT		7
#define DL_REQS		24

/* The benchmark's standard chain link (tools/bench/qnet-bench.c, d)). */
static const struct qnet_topo_param std_link[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_SINGLE_CLICK, 1 },
	{ QNET_LINK_A_LENGTH_M,		25000,			4 },
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
	{ 0 }
};

/* What one end read of each request: pairs, then the error that ended it. */
struct dl_end {
	int	pairs[DL_REQS];
	int	error[DL_REQS];
};

/* Read records of one request until its error record; 0, or -errno. */
static int dl_read(int fd, int *pairs, int *error)
{
	struct qnet_pair rec;
	ssize_t n;

	*pairs = 0;
	for (;;) {
		n = recv(fd, &rec, sizeof(rec), 0);
		if (n != sizeof(rec))
			return n < 0 ? -errno : -EPIPE;
		if (rec.error) {
			*error = rec.error;
			return 0;
		}
		(*pairs)++;
	}
}

FIXTURE(deadline) {
	struct qnet_topo topo;
	struct dl_end *tail;	/* shared with the tail's process */
	pid_t pid;
	int family;
};

FIXTURE_VARIANT(deadline) {
	int nodes;
	uint64_t max_time_ns;
};

FIXTURE_VARIANT_ADD(deadline, hops_16) { .nodes = 17, .max_time_ns = 200000000 };
FIXTURE_VARIANT_ADD(deadline, hops_64) { .nodes = 65, .max_time_ns = 400000000 };

FIXTURE_SETUP(deadline)
{
	ASSERT_EQ(0, qnet_module_ensure());
	self->family = qnet_family();
	ASSERT_LT(0, self->family);
	self->pid = -1;
	memset(&self->topo, 0, sizeof(self->topo));
	self->topo.seed_base = 1000;
	ASSERT_EQ(0, qnet_topo_chain(&self->topo, variant->nodes, std_link));
	self->tail = mmap(NULL, sizeof(*self->tail), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->tail);
}

FIXTURE_TEARDOWN(deadline)
{
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	munmap(self->tail, sizeof(*self->tail));
	qnet_topo_destroy(&self->topo);
}

/*
 * DL_REQS requests, one after another on one circuit, each for more pairs
 * than its deadline allows: the head and the tail each get an ETIMEDOUT
 * record after the same number of pairs, for every request. The tail
 * waits at most 30 wall seconds for a record (unpaced, a request takes
 * well under one).
 */
TEST_F_TIMEOUT(deadline, every_request_ends_at_both_ends, 600)
{
	struct qnet_request req = {
		.num_pairs = 1000000, .type = QNET_REQ_MEASURE,
		.max_time_ns = variant->max_time_ns,
	};
	struct timeval tv = { .tv_sec = 30 };
	int l, s, c, i, status, error, total = 0;
	int head_pairs[DL_REQS];

	ASSERT_EQ(0, qnet_topo_enter(&self->topo, variant->nodes));
	l = qsocket(self->family);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, qbind(l, self->family, 0, DL_PORT));
	ASSERT_EQ(0, listen(l, 4));
	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (!self->pid) {
		c = accept(l, NULL, NULL);
		if (c < 0 ||
		    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
			_exit(1);
		for (i = 0; i < DL_REQS; i++) {
			self->tail->error[i] = -1;
			if (dl_read(c, &self->tail->pairs[i],
				    &self->tail->error[i]))
				_exit(2);
		}
		_exit(0);
	}
	close(l);

	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 1));
	s = qsocket(self->family);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, qconnect(s, self->family, variant->nodes, DL_PORT));
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	for (i = 0; i < DL_REQS; i++) {
		ASSERT_EQ((ssize_t)sizeof(req), send(s, &req, sizeof(req), 0));
		ASSERT_EQ(0, dl_read(s, &head_pairs[i], &error))
			TH_LOG("request %d", i);
		EXPECT_EQ(ETIMEDOUT, error) TH_LOG("request %d", i);
		total += head_pairs[i];
	}
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, 0));
	self->pid = -1;
	close(s);
	qnet_topo_enter(&self->topo, 0);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("the tail missed a request's end (exit 2: no record in 30 s)");
	for (i = 0; i < DL_REQS; i++) {
		EXPECT_EQ(ETIMEDOUT, self->tail->error[i]) TH_LOG("request %d", i);
		EXPECT_EQ(head_pairs[i], self->tail->pairs[i])
			TH_LOG("request %d", i);
	}
	printf("# %d hops: %d requests, %d pairs\n", variant->nodes - 1,
	       DL_REQS, total);
}

TEST_HARNESS_MAIN
