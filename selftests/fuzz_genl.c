// SPDX-License-Identifier: GPL-2.0
/*
 * A structure-aware fuzzer of the "qnet" genetlink family (issue 10). For
 * every command of Documentation/netlink/specs/qnet.yaml (and the event
 * commands, which take no request, and numbers past the last) it builds a
 * valid request, as a tree of attributes, and mutates it: attribute types
 * exchanged or unknown, lengths truncated and extended, values at and
 * beyond the bounds of their policy, nests flattened, invented and nested
 * deep, required attributes removed, attributes repeated, flags and the
 * genetlink header changed, bytes flipped. QNET_FUZZ_MSGS messages (default
 * 20000; QNET_FUZZ_SEED repeats a run) go to node 1 of a two-node chain.
 *
 * Every answer must be an ack or a clean error: an errno in 1..4095, and
 * an extack (message, offset or missing attribute) with EINVAL and ERANGE,
 * the errors of a bad attribute. State must not change when a message is
 * rejected: the node, its links' parameters and its routes are dumped
 * before and after each batch of messages and compared, for every batch
 * in which no state-changing command succeeded.
 */
#include <net/if.h>
#include <sched.h>

#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_sock.h"
#include "qnet_topo.h"
#include "qnet_fuzz.h"

#define NATTR		32
#define VAL_MAX		24
#define BATCH		16
#define CMD_LAST	(__QNET_CMD_MAX + 2)	/* and two past it */

static const struct qnet_topo_param genl_link[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_DIRECT,	1 },
	{ QNET_LINK_A_LENGTH_M,		2000,			4 },
	{ QNET_LINK_A_TIME_SCALE,	0,			4 },
	{ QNET_LINK_A_SEED,		7,			8 },
	{ 0 }
};

struct fattr {
	uint16_t	type;		/* with NLA_F_* flags as sent */
	uint16_t	len;		/* payload bytes; a nest's is computed */
	int8_t		parent;		/* -1: top level */
	bool		nest;
	uint8_t		wrap;		/* extra nests around it */
	uint8_t		val[VAL_MAX];
};

struct fmsg {
	uint8_t		cmd, version;
	uint16_t	flags;
	uint16_t	reserved;
	int		n;
	struct fattr	a[NATTR];
	unsigned int	garbage;	/* bytes after the attributes */
};

/* Link parameters with a value their policy accepts, and their size. */
static const struct { uint16_t type; uint8_t size; uint64_t ok; } link_ok[] = {
	{ QNET_LINK_A_LENGTH_M, 4, 2000 },
	{ QNET_LINK_A_ATTEN_MDB_KM, 4, 200 },
	{ QNET_LINK_A_INDEX_MILLI, 4, 1470 },
	{ QNET_LINK_A_ATTEMPT_RATE_HZ, 4, 1000000 },
	{ QNET_LINK_A_SCHEME, 1, QNET_SCHEME_DIRECT },
	{ QNET_LINK_A_ALPHA_PPM, 4, 100000 },
	{ QNET_LINK_A_SOURCE_FID_PPM, 4, 950000 },
	{ QNET_LINK_A_DET_EFF_PPM, 4, 900000 },
	{ QNET_LINK_A_DARK_RATE_HZ, 4, 0 },
	{ QNET_LINK_A_VISIBILITY_PPM, 4, 1000000 },
	{ QNET_LINK_A_MEM_SLOTS, 4, 4 },
	{ QNET_LINK_A_T1_NS, 8, 0 },
	{ QNET_LINK_A_T2_NS, 8, 0 },
	{ QNET_LINK_A_CUTOFF_NS, 8, 0 },
	{ QNET_LINK_A_SEED, 8, 7 },
	{ QNET_LINK_A_TIME_SCALE, 4, 0 },
	{ QNET_LINK_A_CONTINUOUS, 1, 0 },
};
#define NLINK_OK (sizeof(link_ok) / sizeof(link_ok[0]))

static const struct { uint16_t type; uint64_t ok; } node_ok[] = {
	{ QNET_NODE_A_BSM_EFF_PPM, 1000000 },
	{ QNET_NODE_A_GATE_ERR_PPM, 0 },
	{ QNET_NODE_A_READOUT_ERR_PPM, 0 },
};

static int put(struct fmsg *m, uint16_t type, int parent, unsigned int size,
	       uint64_t v)
{
	struct fattr *a;

	if (m->n >= NATTR)
		return -1;
	a = &m->a[m->n];
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->len = size;
	a->parent = parent;
	memcpy(a->val, &v, size);	/* host order, as the kernel reads */
	return m->n++;
}

static int put_nest(struct fmsg *m, uint16_t type)
{
	int i = put(m, type | NLA_F_NESTED, -1, 0, 0);

	if (i >= 0)
		m->a[i].nest = true;
	return i;
}

/* Destinations the routes may take: few, so the table stays small. */
static uint32_t some_dst(void)
{
	static const uint32_t d[] = { 2, 3, 4, 5, 9, 1000 };

	return d[fuzz_below(sizeof(d) / sizeof(d[0]))];
}

/* A valid request for @cmd in node 1 (@ifindex its qlink "qr"). */
static void build(struct fmsg *m, uint8_t cmd, uint32_t ifindex)
{
	unsigned int i, k;
	int nest;

	memset(m, 0, sizeof(*m));
	m->cmd = cmd;
	m->version = QNET_GENL_VERSION;
	switch (cmd) {
	case QNET_CMD_NODE_SET:
		if (fuzz_chance(60))
			put(m, QNET_A_NODE_ADDR, -1, 4, 1);
		if (!m->n || fuzz_chance(60)) {
			nest = put_nest(m, QNET_A_NODE_PARAMS);
			for (i = 0; i < 3; i++)
				if (fuzz_chance(60))
					put(m, node_ok[i].type, nest, 4,
					    node_ok[i].ok);
		}
		break;
	case QNET_CMD_LINK_GET:
	case QNET_CMD_STATS_GET:
		if (fuzz_chance(30)) {
			m->flags = cmd == QNET_CMD_LINK_GET ? NLM_F_DUMP : 0;
			break;
		}
		__attribute__((fallthrough));
	case QNET_CMD_STATS_RESET:
		put(m, QNET_A_IFINDEX, -1, 4, ifindex);
		break;
	case QNET_CMD_LINK_SET:
		put(m, QNET_A_IFINDEX, -1, 4, ifindex);
		nest = put_nest(m, QNET_A_LINK_PARAMS);
		for (k = 1 + fuzz_below(4); k; k--) {
			i = fuzz_below(NLINK_OK);
			put(m, link_ok[i].type, nest, link_ok[i].size,
			    link_ok[i].ok);
		}
		break;
	case QNET_CMD_ROUTE_GET:
		if (fuzz_chance(40))
			m->flags = NLM_F_DUMP;
		else
			put(m, QNET_A_ROUTE_DST, -1, 4, some_dst());
		break;
	case QNET_CMD_ROUTE_ADD:
		put(m, QNET_A_ROUTE_DST, -1, 4, some_dst());
		put(m, QNET_A_IFINDEX, -1, 4, ifindex);
		if (fuzz_chance(50))
			put(m, QNET_A_ROUTE_METRIC, -1, 4, fuzz_below(10));
		break;
	case QNET_CMD_ROUTE_DEL:
		put(m, QNET_A_ROUTE_DST, -1, 4, some_dst());
		if (fuzz_chance(50))
			put(m, QNET_A_IFINDEX, -1, 4, ifindex);
		break;
	case QNET_CMD_PAIR_HERALDED:
	case QNET_CMD_PAIR_EXPIRED:
	case QNET_CMD_LINK_STATE:
		/* events: what the kernel would send, sent to it */
		put(m, QNET_A_IFINDEX, -1, 4, ifindex);
		put(m, QNET_A_PAIR_ID, -1, 8, 1);
		put(m, QNET_A_BELL_STATE, -1, 1, 0);
		break;
	default:	/* NODE_GET, UNSPEC and past the end: no attributes */
		break;
	}
}

static uint64_t edge_val(unsigned int size)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 63, 64, 65, 127, 128, 255, 256, 999, 1000,
		10000, 10001, 249999, 250000, 500000, 500001, 999999, 1000000,
		1000001, 1000000000, 1000000001, 0x7fffffff, 0x80000000,
		0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
		0xffffffffffffffffULL,
	};
	uint64_t x = v[fuzz_below(sizeof(v) / sizeof(v[0]))];

	if (size < 8)
		x &= (1ULL << (8 * size)) - 1;
	return x;
}

enum { X_TYPE, X_LEN, X_VALUE, X_NEST, X_MISSING, X_DUP, X_UNKNOWN,
       X_HDR, X_FLAGS, X_BYTES, X__MAX };
static const char *const x_name[X__MAX] = {
	"type", "length", "value", "nesting", "missing", "duplicate",
	"unknown-attr", "genl-header", "nl-flags", "random-bytes",
};

/* Drop attribute @i and its children (the message misses it). */
static void remove_attr(struct fmsg *m, int i)
{
	int map[NATTR], j, k = 0;

	for (j = 0; j < m->n; j++) {
		if (j == i || m->a[j].parent == i) {
			map[j] = -1;
			continue;
		}
		map[j] = k;
		m->a[k++] = m->a[j];
	}
	for (j = 0; j < k; j++)
		if (m->a[j].parent >= 0)
			m->a[j].parent = map[m->a[j].parent];
	m->n = k;
}

static unsigned int mutate(struct fmsg *m)
{
	unsigned int r = fuzz_below(100), k;
	struct fattr *a = m->n ? &m->a[fuzz_below(m->n)] : NULL;
	int i;

	if (!a && r < 70)
		r = 70 + fuzz_below(30);
	if (r < 12) {
		switch (fuzz_below(5)) {
		case 0: a->type = 0; break;
		case 1: a->type = (a->type & ~NLA_TYPE_MASK) |
				  (QNET_A_MAX + 1 + fuzz_below(4)); break;
		case 2: a->type ^= NLA_F_NESTED; break;
		case 3: a->type |= NLA_F_NET_BYTEORDER; break;
		default: a->type = (a->type & ~NLA_TYPE_MASK) |
				   (1 + fuzz_below(QNET_A_MAX)); break;
		}
		return X_TYPE;
	}
	if (r < 24) {
		static const uint16_t lens[] = { 0, 1, 2, 3, 5, 7, 8, 9, 16,
						 VAL_MAX };

		a->len = lens[fuzz_below(sizeof(lens) / sizeof(lens[0]))];
		for (k = 0; k < VAL_MAX; k++)
			if (fuzz_chance(30))
				a->val[k] = fuzz_rand();
		if (a->nest && fuzz_chance(50))
			a->nest = false;
		return X_LEN;
	}
	if (r < 44) {
		uint64_t v = edge_val(a->len >= 8 ? 8 : a->len ?: 1);

		memcpy(a->val, &v, a->len > 8 ? 8 : a->len);
		return X_VALUE;
	}
	if (r < 54) {
		switch (fuzz_below(3)) {
		case 0:		/* a nest flattened, or a value made a nest */
			a->nest = !a->nest;
			if (!a->nest)
				a->len = 4;
			break;
		case 1:		/* nested deep */
			a->wrap = 1 + fuzz_below(fuzz_chance(20) ? 40 : 4);
			break;
		default:	/* a child of another attribute */
			i = fuzz_below(m->n);
			if (&m->a[i] != a && m->a[i].parent < 0) {
				m->a[i].nest = true;
				m->a[i].type |= NLA_F_NESTED;
				a->parent = i;
			}
			break;
		}
		return X_NEST;
	}
	if (r < 64) {
		remove_attr(m, a - m->a);
		return X_MISSING;
	}
	if (r < 70) {
		if (m->n < NATTR && !a->nest)
			m->a[m->n++] = *a;
		return X_DUP;
	}
	if (r < 78) {
		i = fuzz_below(m->n + 1) - 1;	/* top level, or in a nest */
		put(m, fuzz_chance(50) ? QNET_A_MAX + 1 + fuzz_below(100) :
					 fuzz_below(NLA_TYPE_MASK + 1),
		    i >= 0 && m->a[i].nest ? i : -1, 1 + fuzz_below(8),
		    fuzz_rand());
		return X_UNKNOWN;
	}
	if (r < 86) {
		switch (fuzz_below(4)) {
		case 0: m->cmd = fuzz_below(CMD_LAST + 1); break;
		case 1: m->cmd = fuzz_below(256); break;
		case 2: m->version = fuzz_below(256); break;
		default: m->reserved = fuzz_rand(); break;
		}
		return X_HDR;
	}
	if (r < 92) {
		m->flags ^= fuzz_chance(50) ? NLM_F_DUMP :
			    (1U << fuzz_below(16)) & ~(NLM_F_REQUEST | NLM_F_ACK);
		return X_FLAGS;
	}
	m->garbage = fuzz_chance(50) ? 1 + fuzz_below(3) : 0;
	return X_BYTES;
}

/* Serialize attribute @i (and its children) at the tail of @nlh. */
static void emit(struct nlmsghdr *nlh, const struct fmsg *m, int i)
{
	const struct fattr *a = &m->a[i];
	struct nlattr *w[48], *nest;
	int j, k;

	for (k = 0; k < a->wrap; k++)
		w[k] = mnl_attr_nest_start(nlh, a->type & NLA_TYPE_MASK);
	if (a->nest) {
		nest = mnl_attr_nest_start(nlh, a->type & NLA_TYPE_MASK);
		nest->nla_type = a->type | NLA_F_NESTED;
		for (j = 0; j < m->n; j++)
			if (m->a[j].parent == i && j != i)
				emit(nlh, m, j);
		mnl_attr_nest_end(nlh, nest);
	} else {
		mnl_attr_put(nlh, a->type, a->len, a->val);
	}
	for (k = a->wrap - 1; k >= 0; k--)
		mnl_attr_nest_end(nlh, w[k]);
}

static struct nlmsghdr *serialize(struct qnet_nl *q, void *buf,
				  const struct fmsg *m, bool flip)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	unsigned int k, len;
	uint8_t *p;
	int i;

	nlh->nlmsg_type = q->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | m->flags;
	nlh->nlmsg_seq = ++q->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = m->cmd;
	g->version = m->version;
	g->reserved = m->reserved;
	for (i = 0; i < m->n; i++)
		if (m->a[i].parent < 0)
			emit(nlh, m, i);
	if (m->garbage) {
		p = (uint8_t *)nlh + nlh->nlmsg_len;
		for (k = 0; k < m->garbage; k++)
			p[k] = fuzz_rand();
		nlh->nlmsg_len += m->garbage;
	}
	len = nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(*g);
	if (flip && len) {
		p = (uint8_t *)nlh + NLMSG_HDRLEN + sizeof(*g);
		for (k = 1 + fuzz_below(3); k; k--)
			p[fuzz_below(len)] ^= 1 << fuzz_below(8);
	}
	return nlh;
}

/*
 * The node's configuration, as dumps show it with the counters left out
 * (they move by themselves): node address and parameters, every link's
 * parameters and state, every route.
 */
struct snap {
	char	buf[16384];
	size_t	len;
};

static int snap_cb(const struct nlmsghdr *nlh, void *data)
{
	struct snap *s = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		uint16_t t = mnl_attr_get_type(a);

		if (t == QNET_A_LINK_STATS || t == QNET_A_NODE_STATS ||
		    t == QNET_A_NET_STATS)
			continue;
		if (s->len + a->nla_len > sizeof(s->buf))
			return MNL_CB_ERROR;
		memcpy(s->buf + s->len, a, a->nla_len);
		s->len += a->nla_len;
	}
	return MNL_CB_OK;
}

static int snapshot(struct qnet_nl *q, struct snap *s)
{
	static const struct { uint8_t cmd; uint16_t flags; } d[] = {
		{ QNET_CMD_NODE_GET, 0 },
		{ QNET_CMD_LINK_GET, NLM_F_DUMP },
		{ QNET_CMD_ROUTE_GET, NLM_F_DUMP },
	};
	char buf[256];
	unsigned int i;
	int err;

	s->len = 0;
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		err = qnet_nl_do(q, qnet_nl_req(q, buf, d[i].cmd, d[i].flags),
				 snap_cb, s);
		if (err)
			return err;
	}
	return 0;
}

static bool changes_state(uint8_t cmd)
{
	return cmd == QNET_CMD_NODE_SET || cmd == QNET_CMD_LINK_SET ||
	       cmd == QNET_CMD_ROUTE_ADD || cmd == QNET_CMD_ROUTE_DEL;
}

static const char *cmd_name(unsigned int cmd)
{
	static const char *const n[] = {
		"UNSPEC", "NODE_GET", "NODE_SET", "LINK_GET", "LINK_SET",
		"ROUTE_GET", "ROUTE_ADD", "ROUTE_DEL", "STATS_GET",
		"STATS_RESET", "PAIR_HERALDED", "PAIR_EXPIRED", "LINK_STATE",
		"past-the-end",
	};

	return n[cmd < sizeof(n) / sizeof(n[0]) ? cmd : sizeof(n) / sizeof(n[0]) - 1];
}

FIXTURE(fuzz) {
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, genl, 86400)
{
	unsigned long long msgs = fuzz_env("QNET_FUZZ_MSGS",
					   fuzz_env("QNET_FUZZ_FRAMES", 20000));
	unsigned long long i, acked = 0, bad_errno = 0, no_extack = 0;
	unsigned long long xcount[X__MAX] = { 0 }, errs[4096] = { 0 };
	unsigned long long percmd[CMD_LAST + 1][2] = { { 0 } };
	unsigned long long batches = 0, compared = 0, changed = 0;
	static char buf[QNET_NL_BUFSZ];
	bool state_moved = false;
	struct snap before, after;
	struct qnet_topo topo = {};
	uint32_t ifindex;
	struct qnet_nl q;
	struct fmsg m;
	unsigned int k;
	double t0, dt;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fuzz_seed();
	ASSERT_EQ(0, qnet_module_ensure());
	ASSERT_EQ(0, qnet_topo_chain(&topo, 2, genl_link));
	ASSERT_EQ(0, qnet_topo_enter(&topo, 1));
	ifindex = if_nametoindex("qr");
	ASSERT_LT(0U, ifindex);
	ASSERT_EQ(0, qnet_nl_open(&q));
	q.rcvbuf = QNET_NL_BUFSZ;
	ASSERT_EQ(0, snapshot(&q, &before));

	t0 = now_s();
	for (i = 0; i < msgs; i++) {
		uint8_t cmd = fuzz_below(CMD_LAST + 1);
		bool flip = false;

		build(&m, cmd, ifindex);
		/* most mutated, once or more; some left valid */
		if (fuzz_chance(changes_state(cmd) ? 97 : 85)) {
			for (k = 1 + fuzz_below(3); k; k--) {
				unsigned int x = mutate(&m);

				xcount[x]++;
				flip |= x == X_BYTES;
			}
		}
		err = qnet_nl_do(&q, serialize(&q, buf, &m, flip), NULL, NULL);
		ASSERT_NE(-EAGAIN, err) TH_LOG("no answer to %s", cmd_name(cmd));
		if (err > 0 || err < -4095) {
			bad_errno++;
			TH_LOG("%s: answer %d", cmd_name(cmd), err);
		} else {
			errs[-err]++;
		}
		percmd[m.cmd < __QNET_CMD_MAX ? m.cmd : CMD_LAST][!err]++;
		if (!err) {
			acked++;
			if (changes_state(m.cmd))
				state_moved = true;
		} else if ((err == -EINVAL || err == -ERANGE) &&
			   !q.ext.msg[0] && q.ext.bad_off < 0 &&
			   q.ext.miss_type < 0) {
			if (no_extack++ < 10)
				TH_LOG("%s (cmd %u, %d attrs): %s without extack",
				       cmd_name(m.cmd), m.cmd, m.n, strerror(-err));
		}

		if ((i + 1) % BATCH)
			continue;
		batches++;
		ASSERT_EQ(0, snapshot(&q, &after));
		if (!state_moved) {
			compared++;
			if (after.len != before.len ||
			    memcmp(after.buf, before.buf, after.len)) {
				if (changed++ < 5)
					TH_LOG("batch %llu: rejected messages changed the configuration",
					       batches);
			}
		}
		before = after;
		state_moved = false;
	}
	dt = now_s() - t0;

	printf("# %llu messages in %.1f s (%.0f/s): %llu acked, %llu errors\n",
	       msgs, dt, msgs / dt, acked, msgs - acked);
	printf("# per command (rejected/acked):");
	for (k = 0; k <= CMD_LAST; k++)
		if (k < __QNET_CMD_MAX || k == CMD_LAST)
			printf(" %s %llu/%llu", cmd_name(k), percmd[k][0],
			       percmd[k][1]);
	printf("\n# errnos:");
	for (k = 1; k < 4096; k++)
		if (errs[k])
			printf(" %s %llu", strerrorname_np(k) ?: "?", errs[k]);
	printf("\n# mutations:");
	for (k = 0; k < X__MAX; k++)
		printf(" %s %llu", x_name[k], xcount[k]);
	printf("\n# state compared over %llu of %llu batches of %d\n",
	       compared, batches, BATCH);
	EXPECT_EQ(0ULL, bad_errno);
	EXPECT_EQ(0ULL, no_extack);
	EXPECT_EQ(0ULL, changed);
	EXPECT_LT(0ULL, compared);

	/* the family still answers, and the module unloads */
	qnet_nl_close(&q);
	ASSERT_EQ(0, qnet_nl_open(&q));
	EXPECT_EQ(0, snapshot(&q, &after));
	qnet_nl_close(&q);
	qnet_topo_destroy(&topo);
	for (k = 0, err = -EBUSY; k < 600 && err; k++) {
		err = qnet_module_unload();
		if (err)
			usleep(100000);
	}
	ASSERT_EQ(0, err) TH_LOG("delete_module: %s", strerror(-err));
}

TEST_HARNESS_MAIN
