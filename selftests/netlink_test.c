// SPDX-License-Identifier: GPL-2.0
/*
 * The "qnet" generic netlink family: node, link, route and statistics
 * commands, their errors and extack messages, permissions, dumps that span
 * many parts, and a fuzzer.
 *
 * Every test runs in a netns of its own (one node) and builds what it
 * needs there:
 *
 *     netns "node" (address set by the test)
 *     +-------------------------------------+
 *     |  qa0 <====qlink====> qa1            |
 *     |  qb0 <====qlink====> qb1   ...      |
 *     +-------------------------------------+
 *
 * Both ends of a link stay in the same netns unless a test moves one:
 * the control plane only cares that the devices are qlinks.
 */
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_nl.h"

/* The extack messages this family sends, as userspace sees them. */
#define MSG_MISSING(attr)	"qnet: missing attribute " #attr
#define MSG_NO_DEV		"qnet: no device with this ifindex in this netns"
#define MSG_NOT_QLINK		"qnet: not a qlink device"
#define MSG_ADDR_ZERO		"qnet: node address 0 is reserved (any)"
#define MSG_ADDR_ROUTED		"qnet: a route points at this address; delete it first"
#define MSG_DST_ZERO		"qnet: route destination 0 is reserved (any)"
#define MSG_DST_SELF		"qnet: route to this node's own address"
#define MSG_ROUTE_EXISTS	"qnet: a route to this destination exists"
#define MSG_NO_ROUTE		"qnet: no route to this destination"
#define MSG_APPEND_REPLACE	"qnet: a route is either replaced or appended"
#define MSG_NO_METRIC_LEFT	"qnet: no metric left after the last route to this destination"
#define MSG_ROUTE_OTHER_DEV	"qnet: the route to this destination uses another device"
#define MSG_DUMP_ATTR		"qnet: attribute not supported in a dump"
#define MSG_RANGE_BACKWARDS	"qnet: route range ends before it starts"
#define MSG_NO_METRIC		"qnet: no route to this destination with this metric"
/* ... and those of the netlink core's policy validation. */
#define MSG_RANGE		"integer out of range"
#define MSG_UNSUPPORTED		"Unsupported attribute"
#define MSG_UNKNOWN		"Unknown attribute type"
#define MSG_BAD_LEN		"invalid attribute length"
#define MSG_NESTED_MISSING	"NLA_F_NESTED is missing"

#define NROUTES			1000U

FIXTURE(nl) {
	struct qnet_nl q;	/* genl, "qnet" */
	struct qnet_nl rt;	/* rtnetlink, for qlink devices */
};

FIXTURE_SETUP(nl)
{
	ASSERT_EQ(0, qnet_module_ensure());
	/* One netns per test: a test is a node of its own. */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, qnet_nl_open(&self->q));
	ASSERT_EQ(0, qnet_nl_open_proto(&self->rt, NETLINK_ROUTE));
}

FIXTURE_TEARDOWN(nl)
{
	qnet_nl_close(&self->q);
	qnet_nl_close(&self->rt);
}

/* How a kselftest-harness test child reports SKIP to its parent. */
#define HARNESS_SKIP_EXIT	255

/*
 * Create the qlink pair @name <-> @peer; returns @name's ifindex. Skips
 * the test when the module has no qlink device type.
 */
static uint32_t qlink_add(struct __test_metadata *_metadata,
			  struct qnet_nl *rt, const char *name,
			  const char *peer)
{
	int err = qnet_rtnl_qlink_add(rt, name, peer, -1);

	if (err == -EOPNOTSUPP)
		SKIP(_exit(HARNESS_SKIP_EXIT), "no \"qlink\" link type: %s",
		     rt->ext.msg);
	ASSERT_EQ(0, err) TH_LOG("qlink %s: %s", name, rt->ext.msg);
	return if_nametoindex(name);
}

#define QLINK_ADD(name, peer) qlink_add(_metadata, &self->rt, (name), (peer))

#define EXPECT_NL_ERR(_q, _ret, _errno, _msg) do {			\
	EXPECT_EQ(-(_errno), (_ret));					\
	EXPECT_STREQ((_msg), (_q)->ext.msg);				\
} while (0)

/* Offset of @attr in the request @nlh, as NLMSGERR_ATTR_OFFS counts. */
static int attr_off(const struct nlmsghdr *nlh, const struct nlattr *attr)
{
	return (const char *)attr - (const char *)nlh;
}

/*
 * A copy of the (last) reply and its top-level attributes: the receive
 * buffer is reused for the ack that follows a reply.
 */
struct reply {
	const struct nlattr	*tb[QNET_A_MAX + 1];
	int			n;
	char			buf[QNET_NL_RCVBUF];
};

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply *r = data;

	if (nlh->nlmsg_len > sizeof(r->buf))
		return MNL_CB_ERROR;
	memcpy(r->buf, nlh, nlh->nlmsg_len);
	r->n++;
	return qnet_nl_parse((struct nlmsghdr *)r->buf, r->tb, QNET_A_MAX) ?
		MNL_CB_ERROR : MNL_CB_OK;
}

/* ---- link attributes ---- */

struct link_info {
	uint32_t	ifindex;
	char		name[IFNAMSIZ];
	int		oper_up;
	int64_t		peer_addr;
	bool		has_params, has_stats;
	uint64_t	param[QNET_LINK_A_MAX + 1];
	bool		param_present[QNET_LINK_A_MAX + 1];
	uint64_t	stat[QNET_STATS_A_MAX + 1];
};

static uint64_t attr_uint(const struct nlattr *a)
{
	switch (mnl_attr_get_payload_len(a)) {
	case 1:
		return mnl_attr_get_u8(a);
	case 2:
		return mnl_attr_get_u16(a);
	case 4:
		return mnl_attr_get_u32(a);
	case 8:
		return mnl_attr_get_u64(a);
	}
	return UINT64_MAX;
}

static int link_info_parse(const struct nlmsghdr *nlh, struct link_info *li)
{
	const struct nlattr *tb[QNET_A_MAX + 1];
	const struct nlattr *p[QNET_LINK_A_MAX + 1];
	const struct nlattr *st[QNET_STATS_A_MAX + 1];
	int i;

	memset(li, 0, sizeof(*li));
	if (qnet_nl_parse(nlh, tb, QNET_A_MAX) || !tb[QNET_A_IFINDEX])
		return -1;
	li->ifindex = mnl_attr_get_u32(tb[QNET_A_IFINDEX]);
	if (tb[QNET_A_IFNAME])
		snprintf(li->name, sizeof(li->name), "%s",
			 mnl_attr_get_str(tb[QNET_A_IFNAME]));
	li->oper_up = tb[QNET_A_OPER_UP] ?
		mnl_attr_get_u8(tb[QNET_A_OPER_UP]) : -1;
	li->peer_addr = tb[QNET_A_PEER_NODE_ADDR] ?
		(int64_t)mnl_attr_get_u32(tb[QNET_A_PEER_NODE_ADDR]) : -1;
	if (tb[QNET_A_LINK_PARAMS]) {
		li->has_params = true;
		if (qnet_nl_parse_nested(tb[QNET_A_LINK_PARAMS], p,
					 QNET_LINK_A_MAX))
			return -1;
		for (i = 1; i <= QNET_LINK_A_MAX; i++) {
			if (!p[i] || i == QNET_LINK_A_PAD)
				continue;
			li->param[i] = attr_uint(p[i]);
			li->param_present[i] = true;
		}
	}
	if (tb[QNET_A_LINK_STATS]) {
		li->has_stats = true;
		if (qnet_nl_parse_nested(tb[QNET_A_LINK_STATS], st,
					 QNET_STATS_A_MAX))
			return -1;
		for (i = 1; i <= QNET_STATS_A_MAX; i++)
			if (st[i] && i != QNET_STATS_A_PAD)
				li->stat[i] = attr_uint(st[i]);
	}
	return 0;
}

static int link_info_cb(const struct nlmsghdr *nlh, void *data)
{
	return link_info_parse(nlh, data) ? MNL_CB_ERROR : MNL_CB_OK;
}

static int link_get(struct qnet_nl *q, uint32_t ifindex, struct link_info *li)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_LINK_GET, 0);

	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	memset(li, 0, sizeof(*li));
	return qnet_nl_do(q, nlh, link_info_cb, li);
}

/*
 * Every settable parameter with its attribute size and a valid value that
 * differs from the defaults, plus values the policy rejects (ERANGE).
 */
struct param_case {
	const char	*name;
	uint16_t	attr;
	int		len;
	uint64_t	good;
	uint64_t	bad;	/* out of the policy range, if has_bad */
	bool		has_bad;
};

static const struct param_case params[] = {
	{ "length_m", QNET_LINK_A_LENGTH_M, 4, 2500, 1000001, true },
	{ "atten", QNET_LINK_A_ATTEN_MDB_KM, 4, 250, 10001, true },
	{ "index", QNET_LINK_A_INDEX_MILLI, 4, 1500, 999, true },
	{ "rate", QNET_LINK_A_ATTEMPT_RATE_HZ, 4, 2000000, 1000000001, true },
	{ "scheme", QNET_LINK_A_SCHEME, 1, QNET_SCHEME_DOUBLE_CLICK,
	  QNET_SCHEME_MAX + 1, true },
	{ "alpha", QNET_LINK_A_ALPHA_PPM, 4, 120000, 1000001, true },
	{ "source_fid", QNET_LINK_A_SOURCE_FID_PPM, 4, 970000, 249999, true },
	{ "det_eff", QNET_LINK_A_DET_EFF_PPM, 4, 700000, 0, true },
	{ "dark_rate", QNET_LINK_A_DARK_RATE_HZ, 4, 25, 0, false },
	{ "visibility", QNET_LINK_A_VISIBILITY_PPM, 4, 930000, 1000001, true },
	{ "mem_slots", QNET_LINK_A_MEM_SLOTS, 4, 8, 65, true },
	{ "t1", QNET_LINK_A_T1_NS, 8, 3000000000ULL, 0, false },
	{ "t2", QNET_LINK_A_T2_NS, 8, 1500000000ULL, 0, false },
	{ "cutoff", QNET_LINK_A_CUTOFF_NS, 8, 700000000ULL, 0, false },
	{ "seed", QNET_LINK_A_SEED, 8, 0x123456789abcdefULL, 0, false },
	{ "time_scale", QNET_LINK_A_TIME_SCALE, 4, 2000, 0, false },
	{ "continuous", QNET_LINK_A_CONTINUOUS, 1, 1, 2, true },
};

/* ---- routes ---- */

static int route_add(struct qnet_nl *q, uint32_t dst, uint32_t ifindex,
		     uint32_t metric)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_ROUTE_ADD, 0);

	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, dst);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_METRIC, metric);
	return qnet_nl_do(q, nlh, NULL, NULL);
}

static int route_del(struct qnet_nl *q, uint32_t dst, uint32_t ifindex)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_ROUTE_DEL, 0);

	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, dst);
	if (ifindex)
		mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	return qnet_nl_do(q, nlh, NULL, NULL);
}

struct route_seen {
	uint32_t	n;		/* messages */
	uint32_t	max;		/* seen[] covers 0..max */
	uint8_t		*seen;		/* times each dst was dumped */
	uint32_t	last_dst;
	uint64_t	last_key;	/* dst << 32 | dst_last */
	uint32_t	last_metric;
	bool		unordered;
	uint32_t	bad;		/* malformed */
	uint32_t	beyond;		/* dst beyond max (in dsts[] only) */
	uint32_t	ndsts;		/* every dst, in dump order */
	uint32_t	dsts[4096];
	uint32_t	lasts[4096];	/* their QNET_A_ROUTE_DST_LAST */
	uint32_t	metrics[4096];
	uint32_t	ifindex[NROUTES + 2];
	uint32_t	metric[NROUTES + 2];
	/* called after the first message, if set */
	void		(*hook)(struct route_seen *rs);
	void		*hook_data;
};

static int route_seen_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1];
	struct route_seen *rs = data;
	uint32_t dst, metric;
	uint64_t key;

	if (qnet_nl_parse(nlh, tb, QNET_A_MAX) || !tb[QNET_A_ROUTE_DST] ||
	    !tb[QNET_A_IFINDEX] || !tb[QNET_A_ROUTE_METRIC] ||
	    !tb[QNET_A_IFNAME] || qnet_nl_cmd(nlh) != QNET_CMD_ROUTE_GET) {
		rs->bad++;
		return MNL_CB_OK;
	}
	dst = mnl_attr_get_u32(tb[QNET_A_ROUTE_DST]);
	/* Key order: (dst, dst_last, metric), each key once. */
	key = (uint64_t)dst << 32;
	if (tb[QNET_A_ROUTE_DST_LAST])
		key |= mnl_attr_get_u32(tb[QNET_A_ROUTE_DST_LAST]);
	else
		rs->bad++;
	metric = mnl_attr_get_u32(tb[QNET_A_ROUTE_METRIC]);
	if (rs->n && (key < rs->last_key ||
		      (key == rs->last_key && metric <= rs->last_metric)))
		rs->unordered = true;
	rs->last_dst = dst;
	rs->last_key = key;
	rs->last_metric = metric;
	if (rs->ndsts < ARRAY_SIZE(rs->dsts)) {
		rs->lasts[rs->ndsts] = (uint32_t)key;
		rs->metrics[rs->ndsts] = metric;
		rs->dsts[rs->ndsts++] = dst;
	}
	if (dst > rs->max) {
		rs->beyond++;
	} else {
		rs->seen[dst]++;
		if (dst < NROUTES + 2) {
			rs->ifindex[dst] = mnl_attr_get_u32(tb[QNET_A_IFINDEX]);
			rs->metric[dst] =
				mnl_attr_get_u32(tb[QNET_A_ROUTE_METRIC]);
		}
	}
	if (!rs->n++ && rs->hook)
		rs->hook(rs);
	return MNL_CB_OK;
}

static int route_dump(struct qnet_nl *q, struct route_seen *rs)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_ROUTE_GET,
					   NLM_F_DUMP);

	memset(rs->seen, 0, rs->max + 1);
	rs->n = 0;
	rs->bad = 0;
	rs->beyond = 0;
	rs->ndsts = 0;
	rs->unordered = false;
	return qnet_nl_do(q, nlh, route_seen_cb, rs);
}

static struct route_seen *route_seen_new(uint32_t max)
{
	struct route_seen *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return NULL;
	rs->max = max;
	rs->seen = calloc(max + 1, 1);
	if (!rs->seen) {
		free(rs);
		return NULL;
	}
	return rs;
}

static void route_seen_free(struct route_seen *rs)
{
	free(rs->seen);
	free(rs);
}

/* ---- node ---- */

TEST_F(nl, node_set_get)
{
	EXPECT_EQ(QNET_ADDR_ANY, qnet_nl_node_get(&self->q));
	ASSERT_EQ(0, qnet_nl_node_set(&self->q, 7));
	EXPECT_EQ(7, qnet_nl_node_get(&self->q));
	ASSERT_EQ(0, qnet_nl_node_set(&self->q, 0xfffffffe));
	EXPECT_EQ(0xfffffffe, qnet_nl_node_get(&self->q));
	ASSERT_EQ(0, qnet_nl_node_set(&self->q, 7));
}

/* QNET_STATS_A_DISCARDS: a u64 for every cause, all zero. */
static void expect_zero_discards(struct __test_metadata *_metadata,
				 const struct nlattr *nest)
{
	const struct nlattr *d[QNET_DISCARDS_A_MAX + 1];
	int i;

	ASSERT_NE(NULL, nest);
	ASSERT_EQ(0, qnet_nl_parse_nested(nest, d, QNET_DISCARDS_A_MAX));
	for (i = 1; i <= QNET_DISCARDS_A_MAX; i++) {
		ASSERT_NE(NULL, d[i]) TH_LOG("discards attribute %d missing", i);
		EXPECT_EQ(8, mnl_attr_get_payload_len(d[i]));
		EXPECT_EQ(0U, attr_uint(d[i]));
	}
}

TEST_F(nl, node_get_has_totals)
{
	const struct nlattr *st[QNET_STATS_A_MAX + 1];
	const struct nlattr *d[QNET_RX_DROPS_A_MAX + 1];
	struct reply r = { 0 };
	char buf[256];
	struct nlmsghdr *nlh;
	int i;

	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_NODE_GET, 0);
	ASSERT_EQ(0, qnet_nl_do(&self->q, nlh, reply_cb, &r));
	ASSERT_EQ(1, r.n);
	ASSERT_NE(NULL, r.tb[QNET_A_NODE_ADDR]);
	ASSERT_NE(NULL, r.tb[QNET_A_NODE_STATS]);
	ASSERT_EQ(0, qnet_nl_parse_nested(r.tb[QNET_A_NODE_STATS], st,
					  QNET_STATS_A_MAX));
	for (i = QNET_STATS_A_ATTEMPTS; i <= QNET_STATS_A_MAX; i++) {
		/* the network layer's rejected frames: a node counter only */
		if (i == QNET_STATS_A_RX_DROPS) {
			EXPECT_EQ(NULL, st[i]);
			continue;
		}
		ASSERT_NE(NULL, st[i]) TH_LOG("stats attribute %d missing", i);
		if (i == QNET_STATS_A_DISCARDS)
			continue;	/* a nest, below */
		/* A node without links has nothing to count. */
		EXPECT_EQ(0U, attr_uint(st[i])) TH_LOG("stats attribute %d", i);
	}
	expect_zero_discards(_metadata, st[QNET_STATS_A_DISCARDS]);

	/* nor has its network layer: every counter of it, and only those */
	ASSERT_NE(NULL, r.tb[QNET_A_NET_STATS]);
	ASSERT_EQ(0, qnet_nl_parse_nested(r.tb[QNET_A_NET_STATS], st,
					  QNET_STATS_A_MAX));
	for (i = QNET_STATS_A_ATTEMPTS; i <= QNET_STATS_A_MAX; i++) {
		bool net = i == QNET_STATS_A_DELIVERED ||
			   i == QNET_STATS_A_DELIVERED_FID_SUM_PPM ||
			   i == QNET_STATS_A_MEAN_DELIVERED_FID_PPM ||
			   i == QNET_STATS_A_SWAPS_OK ||
			   i == QNET_STATS_A_SWAPS_FAILED ||
			   i == QNET_STATS_A_PURIFY_OK ||
			   i == QNET_STATS_A_PURIFY_FAILED ||
			   i == QNET_STATS_A_DISCARDS ||
			   i == QNET_STATS_A_RX_DROPS;

		EXPECT_EQ(net, st[i] != NULL) TH_LOG("net stats attribute %d", i);
		if (st[i] && i != QNET_STATS_A_DISCARDS &&
		    i != QNET_STATS_A_RX_DROPS)
			EXPECT_EQ(0U, attr_uint(st[i]));
	}
	expect_zero_discards(_metadata, st[QNET_STATS_A_DISCARDS]);
	/* and no frame rejected: one zero u64 per cause */
	ASSERT_NE(NULL, st[QNET_STATS_A_RX_DROPS]);
	ASSERT_EQ(0, qnet_nl_parse_nested(st[QNET_STATS_A_RX_DROPS], d,
					  QNET_RX_DROPS_A_MAX));
	for (i = 1; i <= QNET_RX_DROPS_A_MAX; i++) {
		ASSERT_NE(NULL, d[i]) TH_LOG("rx_drops %d missing", i);
		EXPECT_EQ(0U, attr_uint(d[i]));
	}
}

TEST_F(nl, node_set_bad_input)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct nlattr *a;
	int ret;

	ASSERT_EQ(0, qnet_nl_node_set(&self->q, 21));

	/* Address 0 is "any". */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_NODE_SET, 0);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_A_NODE_ADDR, 0);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_ADDR_ZERO);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	/* Missing address: the ack names the attribute. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_NODE_SET, 0);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_MISSING(QNET_A_NODE_ADDR));
	EXPECT_EQ(QNET_A_NODE_ADDR, self->q.ext.miss_type);

	/* An attribute NODE_SET does not take. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_NODE_SET, 0);
	mnl_attr_put_u32(nlh, QNET_A_NODE_ADDR, 5);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_METRIC, 5);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_UNSUPPORTED);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	/* An attribute beyond QNET_A_MAX. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_NODE_SET, 0);
	mnl_attr_put_u32(nlh, QNET_A_NODE_ADDR, 5);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_A_MAX + 1, 5);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_UNKNOWN);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	/* A u16 where a u32 belongs. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_NODE_SET, 0);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u16(nlh, QNET_A_NODE_ADDR, 5);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_BAD_LEN);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	/* Reserved header bits. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_NODE_SET, NLM_F_REPLACE);
	mnl_attr_put_u32(nlh, QNET_A_NODE_ADDR, 5);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_EQ(-EINVAL, ret);

	/* An unknown command. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_MAX + 1, 0);
	EXPECT_EQ(-EOPNOTSUPP, qnet_nl_do(&self->q, nlh, NULL, NULL));

	/* Events are not requests. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_STATE, 0);
	EXPECT_EQ(-EOPNOTSUPP, qnet_nl_do(&self->q, nlh, NULL, NULL));

	/* Nothing changed. */
	EXPECT_EQ(21, qnet_nl_node_get(&self->q));
}

/*
 * Node parameters: perfect by default; NODE_SET changes those given and
 * keeps the others, alone or with the address; out of range is ERANGE
 * pointing at the attribute, and changes nothing (not the address riding
 * along either).
 */
TEST_F(nl, node_params_set_get)
{
	uint64_t p[QNET_NODE_A_MAX + 1], want[QNET_NODE_A_MAX + 1];
	static const struct {
		uint16_t attr;
		uint64_t bad;
	} bad[] = {
		{ QNET_NODE_A_BSM_EFF_PPM, 0 },
		{ QNET_NODE_A_BSM_EFF_PPM, 1000001 },
		{ QNET_NODE_A_GATE_ERR_PPM, 1000001 },
		{ QNET_NODE_A_READOUT_ERR_PPM, 500001 },
	};
	char buf[256];
	struct nlmsghdr *nlh;
	struct nlattr *nest, *a;
	unsigned int i;
	int ret;

	ASSERT_EQ(0, qnet_nl_node_params_get(&self->q, p));
	EXPECT_EQ(1000000U, p[QNET_NODE_A_BSM_EFF_PPM]);
	EXPECT_EQ(0U, p[QNET_NODE_A_GATE_ERR_PPM]);
	EXPECT_EQ(0U, p[QNET_NODE_A_READOUT_ERR_PPM]);

	want[QNET_NODE_A_BSM_EFF_PPM] = 500000;
	want[QNET_NODE_A_GATE_ERR_PPM] = 1000000;
	want[QNET_NODE_A_READOUT_ERR_PPM] = 500000;
	ASSERT_EQ(0, qnet_nl_node_params_set(&self->q, want));
	ASSERT_EQ(0, qnet_nl_node_params_get(&self->q, p));
	EXPECT_EQ(0, memcmp(want + 1, p + 1, QNET_NODE_A_MAX * sizeof(p[0])));

	/* one at a time keeps the others */
	p[QNET_NODE_A_BSM_EFF_PPM] = UINT64_MAX;
	p[QNET_NODE_A_GATE_ERR_PPM] = 1234;
	p[QNET_NODE_A_READOUT_ERR_PPM] = UINT64_MAX;
	ASSERT_EQ(0, qnet_nl_node_params_set(&self->q, p));
	want[QNET_NODE_A_GATE_ERR_PPM] = 1234;
	ASSERT_EQ(0, qnet_nl_node_params_get(&self->q, p));
	EXPECT_EQ(0, memcmp(want + 1, p + 1, QNET_NODE_A_MAX * sizeof(p[0])));

	/* address and parameters together */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_NODE_SET, 0);
	mnl_attr_put_u32(nlh, QNET_A_NODE_ADDR, 31);
	nest = mnl_attr_nest_start(nlh, QNET_A_NODE_PARAMS);
	mnl_attr_put_u32(nlh, QNET_NODE_A_READOUT_ERR_PPM, 7);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, qnet_nl_do(&self->q, nlh, NULL, NULL));
	want[QNET_NODE_A_READOUT_ERR_PPM] = 7;
	EXPECT_EQ(31, qnet_nl_node_get(&self->q));

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		nlh = qnet_nl_req(&self->q, buf, QNET_CMD_NODE_SET, 0);
		mnl_attr_put_u32(nlh, QNET_A_NODE_ADDR, 32);
		nest = mnl_attr_nest_start(nlh, QNET_A_NODE_PARAMS);
		mnl_attr_put_u32(nlh, QNET_NODE_A_GATE_ERR_PPM, 99);
		a = mnl_nlmsg_get_payload_tail(nlh);
		mnl_attr_put_u32(nlh, bad[i].attr, (uint32_t)bad[i].bad);
		mnl_attr_nest_end(nlh, nest);
		ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
		EXPECT_NL_ERR(&self->q, ret, ERANGE, MSG_RANGE);
		EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off)
			TH_LOG("attribute %u = %llu", bad[i].attr,
			       (unsigned long long)bad[i].bad);
	}
	/* an attribute beyond the set, and a u16 for a u32 */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_NODE_SET, 0);
	nest = mnl_attr_nest_start(nlh, QNET_A_NODE_PARAMS);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_NODE_A_MAX + 1, 1);
	mnl_attr_nest_end(nlh, nest);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_UNKNOWN);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_NODE_SET, 0);
	nest = mnl_attr_nest_start(nlh, QNET_A_NODE_PARAMS);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u16(nlh, QNET_NODE_A_GATE_ERR_PPM, 1);
	mnl_attr_nest_end(nlh, nest);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_BAD_LEN);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	/* nothing changed */
	EXPECT_EQ(31, qnet_nl_node_get(&self->q));
	ASSERT_EQ(0, qnet_nl_node_params_get(&self->q, p));
	EXPECT_EQ(0, memcmp(want + 1, p + 1, QNET_NODE_A_MAX * sizeof(p[0])));
}

TEST_F(nl, node_get_takes_no_attributes)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct nlattr *a;
	int ret;

	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_NODE_GET, 0);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, 1);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_UNSUPPORTED);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);
}

/* ---- links ---- */

TEST_F(nl, link_get)
{
	struct link_info li;
	uint32_t ifa, ifb;
	int i;

	ifa = QLINK_ADD("qa0", "qa1");
	ifb = if_nametoindex("qa1");
	ASSERT_NE(0U, ifb);
	ASSERT_EQ(0, qnet_nl_node_set(&self->q, 3));

	ASSERT_EQ(0, link_get(&self->q, ifa, &li));
	EXPECT_EQ(ifa, li.ifindex);
	EXPECT_STREQ("qa0", li.name);
	EXPECT_EQ(0, li.oper_up);
	/* The far end is in this netns: its node address is ours. */
	EXPECT_EQ(3, li.peer_addr);
	EXPECT_TRUE(li.has_params);
	EXPECT_TRUE(li.has_stats);
	for (i = 0; i < (int)ARRAY_SIZE(params); i++)
		EXPECT_TRUE(li.param_present[params[i].attr])
			TH_LOG("link attribute %d missing", params[i].attr);

	ASSERT_EQ(0, link_get(&self->q, ifb, &li));
	EXPECT_STREQ("qa1", li.name);

	/* Both ends up: the link is up. */
	ASSERT_EQ(0, qnet_rtnl_link_up(&self->rt, "qa0", true));
	ASSERT_EQ(0, qnet_rtnl_link_up(&self->rt, "qa1", true));
	ASSERT_EQ(0, link_get(&self->q, ifa, &li));
	EXPECT_EQ(1, li.oper_up);
}

TEST_F(nl, link_set_every_parameter)
{
	struct link_info before, after, peer;
	uint32_t ifa, ifb;
	int i, j, ret;

	ifa = QLINK_ADD("qa0", "qa1");
	ifb = if_nametoindex("qa1");

	for (i = 0; i < (int)ARRAY_SIZE(params); i++) {
		const struct param_case *pc = &params[i];

		ASSERT_EQ(0, link_get(&self->q, ifa, &before));
		ret = qnet_nl_link_set_one(&self->q, ifa, pc->attr, pc->good,
					   pc->len);
		ASSERT_EQ(0, ret) TH_LOG("%s = %llu: %s", pc->name,
					 (unsigned long long)pc->good,
					 self->q.ext.msg);
		ASSERT_EQ(0, link_get(&self->q, ifa, &after));
		EXPECT_EQ(pc->good, after.param[pc->attr])
			TH_LOG("%s", pc->name);
		/* Nothing else moved. */
		for (j = 1; j <= QNET_LINK_A_MAX; j++)
			if (j != pc->attr)
				EXPECT_EQ(before.param[j], after.param[j])
					TH_LOG("%s moved %d", pc->name, j);
		/* Parameters belong to the link: the other end agrees. */
		ASSERT_EQ(0, link_get(&self->q, ifb, &peer));
		EXPECT_EQ(pc->good, peer.param[pc->attr])
			TH_LOG("%s on the peer", pc->name);
	}
}

TEST_F(nl, link_set_several_at_once)
{
	char buf[512];
	struct link_info li;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint32_t ifa;

	ifa = QLINK_ADD("qa0", "qa1");
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_SET, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
	mnl_attr_put_u32(nlh, QNET_LINK_A_LENGTH_M, 1234);
	mnl_attr_put_u32(nlh, QNET_LINK_A_MEM_SLOTS, 3);
	mnl_attr_put_u64(nlh, QNET_LINK_A_SEED, 99);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, qnet_nl_do(&self->q, nlh, NULL, NULL))
		TH_LOG("%s", self->q.ext.msg);
	ASSERT_EQ(0, link_get(&self->q, ifa, &li));
	EXPECT_EQ(1234U, li.param[QNET_LINK_A_LENGTH_M]);
	EXPECT_EQ(3U, li.param[QNET_LINK_A_MEM_SLOTS]);
	EXPECT_EQ(99U, li.param[QNET_LINK_A_SEED]);
}

TEST_F(nl, link_set_bad_input)
{
	struct link_info before, after;
	char buf[512];
	struct nlmsghdr *nlh;
	struct nlattr *nest, *a;
	uint32_t ifa;
	int i, ret;

	ifa = QLINK_ADD("qa0", "qa1");
	ASSERT_EQ(0, link_get(&self->q, ifa, &before));

	/* Out of each policy range: ERANGE, pointing into the nest. */
	for (i = 0; i < (int)ARRAY_SIZE(params); i++) {
		const struct param_case *pc = &params[i];

		if (!pc->has_bad)
			continue;
		nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_SET, 0);
		mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
		nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
		/* A good value first: one bad one spoils the lot. */
		mnl_attr_put_u32(nlh, QNET_LINK_A_DARK_RATE_HZ, 77);
		a = mnl_nlmsg_get_payload_tail(nlh);
		if (pc->len == 1)
			mnl_attr_put_u8(nlh, pc->attr, pc->bad);
		else if (pc->len == 4)
			mnl_attr_put_u32(nlh, pc->attr, pc->bad);
		else
			mnl_attr_put_u64(nlh, pc->attr, pc->bad);
		mnl_attr_nest_end(nlh, nest);
		ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
		EXPECT_EQ(-ERANGE, ret) TH_LOG("%s = %llu", pc->name,
					       (unsigned long long)pc->bad);
		EXPECT_STREQ(MSG_RANGE, self->q.ext.msg);
		EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off)
			TH_LOG("%s", pc->name);
	}

	/* No such device. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_SET, 0);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, 99999);
	nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
	mnl_attr_put_u32(nlh, QNET_LINK_A_LENGTH_M, 10);
	mnl_attr_nest_end(nlh, nest);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, ENODEV, MSG_NO_DEV);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	/* A device that is not a qlink (lo). */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_SET, 0);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, if_nametoindex("lo"));
	nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
	mnl_attr_put_u32(nlh, QNET_LINK_A_LENGTH_M, 10);
	mnl_attr_nest_end(nlh, nest);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EOPNOTSUPP, MSG_NOT_QLINK);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	/* Missing ifindex, missing parameters. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_SET, 0);
	nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
	mnl_attr_put_u32(nlh, QNET_LINK_A_LENGTH_M, 10);
	mnl_attr_nest_end(nlh, nest);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_MISSING(QNET_A_IFINDEX));
	EXPECT_EQ(QNET_A_IFINDEX, self->q.ext.miss_type);

	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_SET, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL,
		      MSG_MISSING(QNET_A_LINK_PARAMS));
	EXPECT_EQ(QNET_A_LINK_PARAMS, self->q.ext.miss_type);

	/* A nest without NLA_F_NESTED. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_SET, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	a = mnl_nlmsg_get_payload_tail(nlh);
	nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
	mnl_attr_put_u32(nlh, QNET_LINK_A_LENGTH_M, 10);
	mnl_attr_nest_end(nlh, nest);
	nest->nla_type &= ~NLA_F_NESTED;
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_NESTED_MISSING);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	/* An unknown attribute inside the nest, and a bad length. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_SET, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
	mnl_attr_put_u32(nlh, QNET_LINK_A_LENGTH_M, 10);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_LINK_A_MAX + 1, 10);
	mnl_attr_nest_end(nlh, nest);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_UNKNOWN);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_SET, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_LINK_A_T1_NS, 10);
	mnl_attr_nest_end(nlh, nest);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_BAD_LEN);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	/* The pad attribute is output only. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_SET, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, QNET_LINK_A_PAD, 0, NULL);
	mnl_attr_nest_end(nlh, nest);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_UNSUPPORTED);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	/* None of it changed anything. */
	ASSERT_EQ(0, link_get(&self->q, ifa, &after));
	EXPECT_EQ(0, memcmp(before.param, after.param, sizeof(before.param)));
}

/*
 * Values inside every policy range that the link code rejects as a whole
 * (single-click heralding needs a bright-state alpha above 0): the link's
 * error comes back, and nothing changes, not even the seed riding along.
 */
TEST_F(nl, link_set_rejected_by_link_changes_nothing)
{
	struct link_info before, after;
	char buf[512];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint32_t ifa;
	int ret;

	ifa = QLINK_ADD("qa0", "qa1");
	ASSERT_EQ(0, link_get(&self->q, ifa, &before));

	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_SET, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
	mnl_attr_put_u64(nlh, QNET_LINK_A_SEED, before.param[QNET_LINK_A_SEED] + 1);
	mnl_attr_put_u8(nlh, QNET_LINK_A_SCHEME, QNET_SCHEME_SINGLE_CLICK);
	mnl_attr_put_u32(nlh, QNET_LINK_A_ALPHA_PPM, 0);
	mnl_attr_nest_end(nlh, nest);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_NE(NULL, strstr(self->q.ext.msg, "alpha"))
		TH_LOG("link code says: %s", self->q.ext.msg);
	ASSERT_EQ(0, link_get(&self->q, ifa, &after));
	EXPECT_EQ(0, memcmp(before.param, after.param, sizeof(before.param)));
}

/*
 * T2 is the total coherence time: at most 2 T1 when both are set (the
 * memory channel of Documentation/physics.rst needs it). One nanosecond
 * more is refused with a message naming t2_ns, and changes nothing;
 * exactly 2 T1, or either one unset, is fine.
 */
static int set_t1_t2(struct qnet_nl *q, uint32_t ifindex, uint64_t t1,
		     uint64_t t2)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_LINK_SET, 0);
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
	mnl_attr_put_u64(nlh, QNET_LINK_A_T1_NS, t1);
	mnl_attr_put_u64(nlh, QNET_LINK_A_T2_NS, t2);
	mnl_attr_nest_end(nlh, nest);
	return qnet_nl_do(q, nlh, NULL, NULL);
}

TEST_F(nl, link_t2_at_most_twice_t1)
{
	struct link_info before, after;
	uint32_t ifa;

	ifa = QLINK_ADD("qa0", "qa1");
	ASSERT_EQ(0, set_t1_t2(&self->q, ifa, 1000000, 2000000));
	ASSERT_EQ(0, link_get(&self->q, ifa, &before));
	EXPECT_EQ(1000000ULL, before.param[QNET_LINK_A_T1_NS]);
	EXPECT_EQ(2000000ULL, before.param[QNET_LINK_A_T2_NS]);

	EXPECT_EQ(-EINVAL, set_t1_t2(&self->q, ifa, 1000000, 2000001));
	EXPECT_NE(NULL, strstr(self->q.ext.msg, "t2_ns"))
		TH_LOG("link code says: %s", self->q.ext.msg);
	EXPECT_EQ(-EINVAL, set_t1_t2(&self->q, ifa, UINT64_MAX / 4,
				     UINT64_MAX / 2 + 2));
	ASSERT_EQ(0, link_get(&self->q, ifa, &after));
	EXPECT_EQ(0, memcmp(before.param, after.param, sizeof(before.param)));

	EXPECT_EQ(0, set_t1_t2(&self->q, ifa, 0, 5000000));
	EXPECT_EQ(0, set_t1_t2(&self->q, ifa, 5000000, 0));
	/* near the top of the range, where 2 * t1 would overflow */
	EXPECT_EQ(0, set_t1_t2(&self->q, ifa, UINT64_MAX / 2 + 1,
			       UINT64_MAX - 1));
}

TEST_F(nl, link_get_bad_input)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct nlattr *a;
	struct link_info li;
	int ret;

	ret = link_get(&self->q, 99999, &li);
	EXPECT_NL_ERR(&self->q, ret, ENODEV, MSG_NO_DEV);
	ret = link_get(&self->q, if_nametoindex("lo"), &li);
	EXPECT_NL_ERR(&self->q, ret, EOPNOTSUPP, MSG_NOT_QLINK);

	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_GET, 0);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_MISSING(QNET_A_IFINDEX));
	EXPECT_EQ(QNET_A_IFINDEX, self->q.ext.miss_type);

	/* A dump takes no filter. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_GET, NLM_F_DUMP);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, 1);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_DUMP_ATTR);
	(void)a;
}

struct link_seen {
	int		n;
	uint32_t	ifindex[256];
	char		name[256][IFNAMSIZ];
};

static int link_seen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_seen *ls = data;
	struct link_info li;

	if (link_info_parse(nlh, &li) || !li.has_params || !li.has_stats ||
	    ls->n >= 256)
		return MNL_CB_ERROR;
	ls->ifindex[ls->n] = li.ifindex;
	memcpy(ls->name[ls->n], li.name, IFNAMSIZ);
	ls->n++;
	return MNL_CB_OK;
}

TEST_F(nl, link_dump_many_parts)
{
	static const int npairs = 24;
	struct link_seen ls = { 0 };
	char buf[256], a[IFNAMSIZ], b[IFNAMSIZ];
	struct nlmsghdr *nlh;
	int i, j;

	for (i = 0; i < npairs; i++) {
		snprintf(a, sizeof(a), "ql%da", i);
		snprintf(b, sizeof(b), "ql%db", i);
		QLINK_ADD(a, b);
	}
	/* Delete a few so that ifindexes have holes. */
	ASSERT_EQ(0, qnet_rtnl_link_del(&self->rt, "ql3a"));
	ASSERT_EQ(0, qnet_rtnl_link_del(&self->rt, "ql10b"));

	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_LINK_GET, NLM_F_DUMP);
	ASSERT_EQ(0, qnet_nl_do(&self->q, nlh, link_seen_cb, &ls))
		TH_LOG("%s", self->q.ext.msg);
	/* Several parts (QNET_NL_RCVBUF bytes each). */
	EXPECT_LT(1, self->q.parts);
	EXPECT_FALSE(self->q.dump_intr);
	ASSERT_EQ(2 * (npairs - 2), ls.n);
	/* In ifindex order, each once, lo left out. */
	for (i = 1; i < ls.n; i++)
		EXPECT_LT(ls.ifindex[i - 1], ls.ifindex[i]);
	for (i = 0; i < npairs; i++) {
		int found = 0;

		if (i == 3 || i == 10)
			continue;
		snprintf(a, sizeof(a), "ql%da", i);
		for (j = 0; j < ls.n; j++)
			found += !strcmp(ls.name[j], a);
		EXPECT_EQ(1, found) TH_LOG("%s", a);
	}
}

/* ---- statistics ---- */

TEST_F(nl, stats_get_and_reset)
{
	struct reply r = { 0 };
	char buf[256];
	struct nlmsghdr *nlh;
	uint32_t ifa;
	int ret;

	ifa = QLINK_ADD("qa0", "qa1");

	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_STATS_GET, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	ASSERT_EQ(0, qnet_nl_do(&self->q, nlh, reply_cb, &r));
	ASSERT_NE(NULL, r.tb[QNET_A_IFINDEX]);
	EXPECT_EQ(ifa, mnl_attr_get_u32(r.tb[QNET_A_IFINDEX]));
	EXPECT_NE(NULL, r.tb[QNET_A_LINK_STATS]);
	EXPECT_EQ(NULL, r.tb[QNET_A_NODE_STATS]);

	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_STATS_GET, 0);
	ASSERT_EQ(0, qnet_nl_do(&self->q, nlh, reply_cb, &r));
	EXPECT_NE(NULL, r.tb[QNET_A_NODE_STATS]);
	EXPECT_EQ(NULL, r.tb[QNET_A_LINK_STATS]);

	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_STATS_RESET, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	EXPECT_EQ(0, qnet_nl_do(&self->q, nlh, NULL, NULL));
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_STATS_RESET, 0);
	EXPECT_EQ(0, qnet_nl_do(&self->q, nlh, NULL, NULL));

	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_STATS_GET, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, if_nametoindex("lo"));
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EOPNOTSUPP, MSG_NOT_QLINK);
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_STATS_RESET, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, 99999);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, ENODEV, MSG_NO_DEV);
}

static int node_seed_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1];

	if (qnet_nl_parse(nlh, tb, QNET_A_MAX) || !tb[QNET_A_NODE_SEED])
		return MNL_CB_ERROR;
	*(uint64_t *)data = mnl_attr_get_u64(tb[QNET_A_NODE_SEED]);
	return MNL_CB_OK;
}

static int node_seed_get(struct qnet_nl *q, uint64_t *seed)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_NODE_GET, 0);

	return qnet_nl_do(q, nlh, node_seed_cb, seed);
}

/*
 * A node's seed: random from the start (two namespaces' differ), set
 * alone or with the address, shown as set; a bad attribute beside it
 * changes nothing.
 */
TEST_F(nl, node_seed)
{
	struct nlattr *nest;
	struct qnet_nl q2;
	uint64_t a, b;
	char buf[256];
	struct nlmsghdr *nlh;

	ASSERT_EQ(0, node_seed_get(&self->q, &a));
	ASSERT_EQ(0, qnet_nl_node_seed_set(&self->q, 0x1234567890abcdefULL));
	ASSERT_EQ(0, node_seed_get(&self->q, &b));
	EXPECT_EQ(0x1234567890abcdefULL, b);

	/* refused beside a bad address or a bad parameter: no change */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_NODE_SET, 0);
	mnl_attr_put_u32(nlh, QNET_A_NODE_ADDR, 0);
	mnl_attr_put_u64(nlh, QNET_A_NODE_SEED, 5);
	EXPECT_EQ(-EINVAL, qnet_nl_do(&self->q, nlh, NULL, NULL));
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_NODE_SET, 0);
	mnl_attr_put_u64(nlh, QNET_A_NODE_SEED, 6);
	nest = mnl_attr_nest_start(nlh, QNET_A_NODE_PARAMS);
	mnl_attr_put_u32(nlh, QNET_NODE_A_BSM_EFF_PPM, 0);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-ERANGE, qnet_nl_do(&self->q, nlh, NULL, NULL));
	ASSERT_EQ(0, node_seed_get(&self->q, &b));
	EXPECT_EQ(0x1234567890abcdefULL, b);

	/* a fresh namespace has a random seed of its own */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, qnet_nl_open(&q2));
	ASSERT_EQ(0, node_seed_get(&q2, &b));
	qnet_nl_close(&q2);
	EXPECT_NE(a, b);
}

/* ---- permissions ---- */

/* Every change, as one request each; reads are in read_ok(). */
static int try_changes(struct qnet_nl *q, uint32_t ifindex, int *eperm)
{
	char buf[512];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int n = 0;

	*eperm = 0;
	n++;
	*eperm += qnet_nl_node_set(q, 9) == -EPERM;
	n++;
	*eperm += route_add(q, 100, ifindex, 1) == -EPERM;
	n++;
	*eperm += route_del(q, 100, 0) == -EPERM;
	n++;
	nlh = qnet_nl_req(q, buf, QNET_CMD_LINK_SET, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
	mnl_attr_put_u32(nlh, QNET_LINK_A_LENGTH_M, 10);
	mnl_attr_nest_end(nlh, nest);
	*eperm += qnet_nl_do(q, nlh, NULL, NULL) == -EPERM;
	n++;
	nlh = qnet_nl_req(q, buf, QNET_CMD_STATS_RESET, 0);
	*eperm += qnet_nl_do(q, nlh, NULL, NULL) == -EPERM;
	return n;
}

static bool reads_ok(struct qnet_nl *q, uint32_t ifindex)
{
	struct link_info li;
	char buf[256];
	struct nlmsghdr *nlh;

	if (qnet_nl_node_get(q) < 0 || link_get(q, ifindex, &li))
		return false;
	nlh = qnet_nl_req(q, buf, QNET_CMD_ROUTE_GET, NLM_F_DUMP);
	if (qnet_nl_do(q, nlh, NULL, NULL))
		return false;
	nlh = qnet_nl_req(q, buf, QNET_CMD_STATS_GET, 0);
	return qnet_nl_do(q, nlh, NULL, NULL) == 0;
}

/*
 * Child process exit codes: 0 as expected, 1 a change was not refused
 * with EPERM, 2 a read failed, 3 set-up failed.
 */
static int unpriv_child(uint32_t ifindex, bool userns)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { 0 };
	struct qnet_nl q;
	int n, eperm;

	if (userns) {
		/* Root of a new user namespace: no power over our netns. */
		if (unshare(CLONE_NEWUSER))
			return 3;
	} else {
		/* Same user namespace, CAP_NET_ADMIN dropped. */
		if (syscall(SYS_capget, &hdr, data))
			return 3;
		data[CAP_NET_ADMIN / 32].effective &=
			~(1U << (CAP_NET_ADMIN % 32));
		data[CAP_NET_ADMIN / 32].permitted &=
			~(1U << (CAP_NET_ADMIN % 32));
		if (syscall(SYS_capset, &hdr, data))
			return 3;
	}
	if (qnet_nl_open(&q))
		return 3;
	n = try_changes(&q, ifindex, &eperm);
	if (eperm != n)
		return 1;
	return reads_ok(&q, ifindex) ? 0 : 2;
}

static int run_child(int (*fn)(uint32_t, bool), uint32_t ifindex, bool arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(ifindex, arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(nl, changes_need_cap_net_admin)
{
	uint32_t ifa = QLINK_ADD("qa0", "qa1");

	ASSERT_EQ(0, qnet_nl_node_set(&self->q, 4));
	EXPECT_EQ(0, run_child(unpriv_child, ifa, false));
	EXPECT_EQ(0, run_child(unpriv_child, ifa, true));
	/* Nothing changed. */
	EXPECT_EQ(4, qnet_nl_node_get(&self->q));
}

/*
 * The check is CAP_NET_ADMIN in the user namespace that owns the netns
 * (GENL_UNS_ADMIN_PERM): the root of a container configures its node.
 */
static int userns_owner_child(uint32_t unused, bool unused2)
{
	struct qnet_nl q;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return 3;
	if (qnet_nl_open(&q))
		return 3;
	if (qnet_nl_node_set(&q, 77))
		return 1;
	return qnet_nl_node_get(&q) == 77 ? 0 : 2;
}

TEST_F(nl, userns_root_configures_own_netns)
{
	EXPECT_EQ(0, run_child(userns_owner_child, 0, false));
}

/* ---- routes ---- */

TEST_F(nl, route_add_get_del)
{
	struct reply r = { 0 };
	char buf[256];
	struct nlmsghdr *nlh;
	uint32_t ifa;

	ifa = QLINK_ADD("qa0", "qa1");
	ASSERT_EQ(0, qnet_nl_node_set(&self->q, 1));
	ASSERT_EQ(0, route_add(&self->q, 42, ifa, 7))
		TH_LOG("%s", self->q.ext.msg);

	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_GET, 0);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 42);
	ASSERT_EQ(0, qnet_nl_do(&self->q, nlh, reply_cb, &r));
	ASSERT_NE(NULL, r.tb[QNET_A_ROUTE_DST]);
	ASSERT_NE(NULL, r.tb[QNET_A_IFINDEX]);
	ASSERT_NE(NULL, r.tb[QNET_A_IFNAME]);
	ASSERT_NE(NULL, r.tb[QNET_A_ROUTE_METRIC]);
	EXPECT_EQ(42U, mnl_attr_get_u32(r.tb[QNET_A_ROUTE_DST]));
	EXPECT_EQ(ifa, mnl_attr_get_u32(r.tb[QNET_A_IFINDEX]));
	EXPECT_STREQ("qa0", mnl_attr_get_str(r.tb[QNET_A_IFNAME]));
	EXPECT_EQ(7U, mnl_attr_get_u32(r.tb[QNET_A_ROUTE_METRIC]));

	/* Metric defaults to 0. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_ADD, 0);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 43);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	ASSERT_EQ(0, qnet_nl_do(&self->q, nlh, NULL, NULL));
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_GET, 0);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 43);
	ASSERT_EQ(0, qnet_nl_do(&self->q, nlh, reply_cb, &r));
	ASSERT_NE(NULL, r.tb[QNET_A_ROUTE_METRIC]);
	EXPECT_EQ(0U, mnl_attr_get_u32(r.tb[QNET_A_ROUTE_METRIC]));

	EXPECT_EQ(0, route_del(&self->q, 42, ifa));
	EXPECT_EQ(0, route_del(&self->q, 43, 0));
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_GET, 0);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 42);
	EXPECT_NL_ERR(&self->q, qnet_nl_do(&self->q, nlh, NULL, NULL),
		      ENOENT, MSG_NO_ROUTE);
}

TEST_F(nl, route_bad_input)
{
	struct route_seen *rs = route_seen_new(1000);
	char buf[256];
	struct nlmsghdr *nlh;
	struct nlattr *a;
	uint32_t ifa, ifb;
	int ret;

	ASSERT_NE(NULL, rs);
	ifa = QLINK_ADD("qa0", "qa1");
	ifb = QLINK_ADD("qb0", "qb1");
	ASSERT_EQ(0, qnet_nl_node_set(&self->q, 5));
	ASSERT_EQ(0, route_add(&self->q, 6, ifa, 1));

	/* To ourselves. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_ADD, 0);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 5);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_DST_SELF);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	/* To "any". */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_ADD, 0);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_DST_ZERO);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	/* Twice with the same metric, even through another device. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_ADD, 0);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 6);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifb);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_METRIC, 1);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EEXIST, MSG_ROUTE_EXISTS);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	/* Through a missing device, through lo. */
	ret = route_add(&self->q, 8, 99999, 1);
	EXPECT_NL_ERR(&self->q, ret, ENODEV, MSG_NO_DEV);
	ret = route_add(&self->q, 8, if_nametoindex("lo"), 1);
	EXPECT_NL_ERR(&self->q, ret, EOPNOTSUPP, MSG_NOT_QLINK);

	/* Missing attributes. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_ADD, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_MISSING(QNET_A_ROUTE_DST));
	EXPECT_EQ(QNET_A_ROUTE_DST, self->q.ext.miss_type);
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_ADD, 0);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 9);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_MISSING(QNET_A_IFINDEX));
	EXPECT_EQ(QNET_A_IFINDEX, self->q.ext.miss_type);
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_DEL, 0);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_MISSING(QNET_A_ROUTE_DST));
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_GET, 0);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_MISSING(QNET_A_ROUTE_DST));

	/* Deleting what is not there, or through the wrong device. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_DEL, 0);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 77);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, ENOENT, MSG_NO_ROUTE);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);
	ret = route_del(&self->q, 6, ifb);
	EXPECT_NL_ERR(&self->q, ret, ENOENT, MSG_ROUTE_OTHER_DEV);

	/* The node cannot take an address a route points at. */
	ret = qnet_nl_node_set(&self->q, 6);
	EXPECT_NL_ERR(&self->q, ret, EEXIST, MSG_ADDR_ROUTED);
	EXPECT_EQ(5, qnet_nl_node_get(&self->q));

	/* A dump takes no filter. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_GET, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 6);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_DUMP_ATTR);

	/* Still exactly the one route, through qa0. */
	ASSERT_EQ(0, route_dump(&self->q, rs));
	EXPECT_EQ(1U, rs->n);
	EXPECT_EQ(1, rs->seen[6]);
	EXPECT_EQ(ifa, rs->ifindex[6]);
	EXPECT_EQ(0U, rs->bad);
	route_seen_free(rs);
}

/* ---- default routes, ranges and metrics ---- */

#define ALL	UINT32_MAX	/* last address of the default route */

/* ROUTE_ADD of [first, last] (one node if equal); @replace sets the flag. */
static int route_add_range(struct qnet_nl *q, uint32_t first, uint32_t last,
			   uint32_t ifindex, uint32_t metric, bool replace)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_ROUTE_ADD, 0);

	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, first);
	if (last != first)
		mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST_LAST, last);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_METRIC, metric);
	if (replace)
		mnl_attr_put(nlh, QNET_A_ROUTE_REPLACE, 0, NULL);
	return qnet_nl_do(q, nlh, NULL, NULL);
}

/* ROUTE_DEL of [first, last]; @metric < 0: any. */
static int route_del_range(struct qnet_nl *q, uint32_t first, uint32_t last,
			   int64_t metric)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_ROUTE_DEL, 0);

	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, first);
	if (last != first)
		mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST_LAST, last);
	if (metric >= 0)
		mnl_attr_put_u32(nlh, QNET_A_ROUTE_METRIC, metric);
	return qnet_nl_do(q, nlh, NULL, NULL);
}

struct route_key {
	uint32_t	first, last, ifindex, metric;
};

/* ROUTE_GET do: the route traffic to @dst takes, or -errno. */
static int route_lookup(struct qnet_nl *q, uint32_t dst, struct route_key *k)
{
	struct reply *r = calloc(1, sizeof(*r));
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_ROUTE_GET, 0);
	int ret;

	if (!r)
		return -ENOMEM;
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, dst);
	ret = qnet_nl_do(q, nlh, reply_cb, r);
	if (!ret && (!r->tb[QNET_A_ROUTE_DST] || !r->tb[QNET_A_ROUTE_DST_LAST] ||
		     !r->tb[QNET_A_IFINDEX] || !r->tb[QNET_A_ROUTE_METRIC]))
		ret = -EBADMSG;
	if (!ret) {
		k->first = mnl_attr_get_u32(r->tb[QNET_A_ROUTE_DST]);
		k->last = mnl_attr_get_u32(r->tb[QNET_A_ROUTE_DST_LAST]);
		k->ifindex = mnl_attr_get_u32(r->tb[QNET_A_IFINDEX]);
		k->metric = mnl_attr_get_u32(r->tb[QNET_A_ROUTE_METRIC]);
	}
	free(r);
	return ret;
}

/* Which route each destination takes: one table, one loop. */
struct route_case {
	uint32_t	dst;
	uint32_t	first, last, metric;
	int		dev;		/* index into the test's devices */
	const char	*why;
};

static void check_lookups(struct __test_metadata *_metadata,
			  struct qnet_nl *q, const uint32_t *devs,
			  const struct route_case *c, size_t n)
{
	struct route_key k;
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&k, 0, sizeof(k));
		EXPECT_EQ(0, route_lookup(q, c[i].dst, &k))
			TH_LOG("dst %u: %s", c[i].dst, q->ext.msg);
		EXPECT_EQ(c[i].first, k.first) TH_LOG("dst %u: %s", c[i].dst, c[i].why);
		EXPECT_EQ(c[i].last, k.last) TH_LOG("dst %u: %s", c[i].dst, c[i].why);
		EXPECT_EQ(c[i].metric, k.metric) TH_LOG("dst %u: %s", c[i].dst, c[i].why);
		EXPECT_EQ(devs[c[i].dev], k.ifindex) TH_LOG("dst %u: %s", c[i].dst, c[i].why);
	}
}

TEST_F(nl, route_default_ranges_metrics)
{
	enum { QA, QB, QC };
	static const struct route_case before[] = {
		{ 1, 0, ALL, 5, QB, "default: the lower of two metrics" },
		{ 9, 0, ALL, 5, QB, "this node's address is in the default" },
		{ ALL, 0, ALL, 5, QB, "the last address is in the default" },
		{ 17, 16, 31, 100, QC, "a narrower range beats a lower metric" },
		{ 20, 20, 20, 7, QB, "one node beats any range; lower metric" },
		{ 120, 100, 199, 0, QA, "the range holding it" },
		{ 150, 150, 159, 0, QB, "the narrower of two nested ranges" },
		{ 307, 300, 309, 1, QA, "same width and metric: lower first address" },
		{ 312, 305, 314, 1, QB, "only 305-314 holds it" },
	};
	static const struct route_case after[] = {
		{ 1, 0, ALL, 10, QA, "default m5 deleted: m10 is left" },
		{ 20, 20, 20, 50, QA, "route m7 deleted: m50 is left" },
		{ 17, 0, ALL, 10, QA, "16/28 deleted: the default" },
		{ 150, 150, 159, 0, QC, "replaced: same range and metric, new device" },
	};
	/* The dump's order: (first, last, metric). */
	static const uint32_t order[] = { 0, 0, 16, 20, 20, 100, 150, 300, 305 };
	struct route_seen *rs = route_seen_new(1000);
	uint32_t devs[3];
	struct route_key k;
	uint32_t i;

	ASSERT_NE(NULL, rs);
	devs[QA] = QLINK_ADD("qa0", "qa1");
	devs[QB] = QLINK_ADD("qb0", "qb1");
	devs[QC] = QLINK_ADD("qc0", "qc1");
	ASSERT_EQ(0, qnet_nl_node_set(&self->q, 9));

	/* No route at all: no default either. */
	EXPECT_NL_ERR(&self->q, route_lookup(&self->q, 1, &k), ENOENT,
		      MSG_NO_ROUTE);

	ASSERT_EQ(0, route_add_range(&self->q, 0, ALL, devs[QA], 10, false));
	ASSERT_EQ(0, route_add_range(&self->q, 0, ALL, devs[QB], 5, false))
		TH_LOG("%s", self->q.ext.msg);
	ASSERT_EQ(0, route_add_range(&self->q, 16, 31, devs[QC], 100, false));
	ASSERT_EQ(0, route_add_range(&self->q, 20, 20, devs[QA], 50, false));
	ASSERT_EQ(0, route_add_range(&self->q, 20, 20, devs[QB], 7, false));
	ASSERT_EQ(0, route_add_range(&self->q, 100, 199, devs[QA], 0, false));
	ASSERT_EQ(0, route_add_range(&self->q, 150, 159, devs[QB], 0, false));
	ASSERT_EQ(0, route_add_range(&self->q, 300, 309, devs[QA], 1, false));
	ASSERT_EQ(0, route_add_range(&self->q, 305, 314, devs[QB], 1, false));
	check_lookups(_metadata, &self->q, devs, before, ARRAY_SIZE(before));

	/* The dump: every route once, in (first, last, metric) order. */
	ASSERT_EQ(0, route_dump(&self->q, rs));
	EXPECT_EQ(9U, rs->n);
	EXPECT_EQ(0U, rs->bad);
	for (i = 0; i < ARRAY_SIZE(order) && i < rs->ndsts; i++)
		EXPECT_EQ(order[i], rs->dsts[i]) TH_LOG("entry %u", i);

	/* The same range and metric again: EEXIST, unless replacing. */
	EXPECT_NL_ERR(&self->q,
		      route_add_range(&self->q, 150, 159, devs[QC], 0, false),
		      EEXIST, MSG_ROUTE_EXISTS);
	EXPECT_EQ(0, route_add_range(&self->q, 150, 159, devs[QC], 0, true));
	/* Replace adds when there is nothing to replace, as ip route does. */
	EXPECT_EQ(0, route_add_range(&self->q, 400, 400, devs[QC], 3, true));
	EXPECT_EQ(0, route_lookup(&self->q, 400, &k));
	EXPECT_EQ(devs[QC], k.ifindex);

	/* Without a metric, del takes the lowest; with one, that one. */
	EXPECT_EQ(0, route_del_range(&self->q, 0, ALL, -1));
	EXPECT_EQ(0, route_del_range(&self->q, 20, 20, 7));
	EXPECT_EQ(0, route_del_range(&self->q, 16, 31, -1));
	check_lookups(_metadata, &self->q, devs, after, ARRAY_SIZE(after));

	/* The exact route left goes with its device; then the default. */
	ASSERT_EQ(0, qnet_rtnl_link_del(&self->rt, "qa0"));
	EXPECT_NL_ERR(&self->q, route_lookup(&self->q, 20, &k), ENOENT,
		      MSG_NO_ROUTE);
	EXPECT_NL_ERR(&self->q, route_lookup(&self->q, 1, &k), ENOENT,
		      MSG_NO_ROUTE);
	EXPECT_EQ(0, route_lookup(&self->q, 155, &k));
	EXPECT_EQ(devs[QC], k.ifindex);
	route_seen_free(rs);
}

/*
 * ROUTE_ADD with QNET_A_ROUTE_APPEND (ip route append); @metric < 0: none, the
 * kernel picks one after the range's others. @replace sets the flag.
 */
static int route_append_range(struct qnet_nl *q, uint32_t first,
			      uint32_t last, uint32_t ifindex, int64_t metric,
			      bool replace)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_ROUTE_ADD, 0);

	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, first);
	if (last != first)
		mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST_LAST, last);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	if (metric >= 0)
		mnl_attr_put_u32(nlh, QNET_A_ROUTE_METRIC, metric);
	mnl_attr_put(nlh, QNET_A_ROUTE_APPEND, 0, NULL);
	if (replace)
		mnl_attr_put(nlh, QNET_A_ROUTE_REPLACE, 0, NULL);
	return qnet_nl_do(q, nlh, NULL, NULL);
}

TEST_F(nl, route_append)
{
	enum { QA, QB, QC };
	static const struct route_case before[] = {
		{ 1, 0, ALL, 0, QA, "the first default appended gets metric 0" },
		{ 20, 20, 20, 0, QC, "one node: the first appended" },
		{ 150, 100, 199, 2, QA, "an appended route does not serve first" },
	};
	static const struct route_case after[] = {
		{ 1, 0, ALL, 1, QB, "metric 0 deleted: the appended one" },
		{ 20, 20, 20, 5, QA, "metric 0 deleted: the explicit metric 5" },
		{ 150, 100, 199, 3, QB, "metric 2 deleted: the one appended after it" },
	};
	struct route_seen *rs = route_seen_new(1000);
	uint32_t devs[3];
	struct route_key k;

	ASSERT_NE(NULL, rs);
	devs[QA] = QLINK_ADD("qa0", "qa1");
	devs[QB] = QLINK_ADD("qb0", "qb1");
	devs[QC] = QLINK_ADD("qc0", "qc1");
	ASSERT_EQ(0, qnet_nl_node_set(&self->q, 9));

	/* no metric: after the others to the same range, 0 if none */
	ASSERT_EQ(0, route_append_range(&self->q, 0, ALL, devs[QA], -1, false))
		TH_LOG("%s", self->q.ext.msg);
	ASSERT_EQ(0, route_append_range(&self->q, 0, ALL, devs[QB], -1, false));
	ASSERT_EQ(0, route_append_range(&self->q, 20, 20, devs[QC], -1, false));
	/* a metric given: that one (as add) */
	ASSERT_EQ(0, route_append_range(&self->q, 20, 20, devs[QA], 5, false));
	ASSERT_EQ(0, route_append_range(&self->q, 20, 20, devs[QB], -1, false));
	ASSERT_EQ(0, route_add_range(&self->q, 100, 199, devs[QA], 2, false));
	ASSERT_EQ(0, route_append_range(&self->q, 100, 199, devs[QB], -1, false));
	check_lookups(_metadata, &self->q, devs, before, ARRAY_SIZE(before));
	/* the metrics given: 0, 1 (default); 0, 5, 6 (20); 2, 3 (100-199) */
	ASSERT_EQ(0, route_del_range(&self->q, 20, 20, 6));
	EXPECT_EQ(0, route_del_range(&self->q, 0, ALL, 1));
	ASSERT_EQ(0, route_append_range(&self->q, 0, ALL, devs[QB], -1, false));

	/* append never replaces: an explicit metric taken is EEXIST */
	EXPECT_NL_ERR(&self->q,
		      route_append_range(&self->q, 20, 20, devs[QB], 5, false),
		      EEXIST, MSG_ROUTE_EXISTS);
	/* append and replace at once: EINVAL, nothing added */
	EXPECT_NL_ERR(&self->q,
		      route_append_range(&self->q, 20, 20, devs[QB], -1, true),
		      EINVAL, MSG_APPEND_REPLACE);
	/* nothing after the largest metric */
	ASSERT_EQ(0, route_add_range(&self->q, 30, 30, devs[QA], UINT32_MAX,
				     false));
	EXPECT_NL_ERR(&self->q,
		      route_append_range(&self->q, 30, 30, devs[QB], -1, false),
		      ERANGE, MSG_NO_METRIC_LEFT);
	ASSERT_EQ(0, route_dump(&self->q, rs));
	EXPECT_EQ(7U, rs->n);
	EXPECT_EQ(0U, rs->bad);

	/* the first route to a range goes: the next in metric order serves */
	EXPECT_EQ(0, route_del_range(&self->q, 0, ALL, 0));
	EXPECT_EQ(0, route_del_range(&self->q, 20, 20, 0));
	EXPECT_EQ(0, route_del_range(&self->q, 100, 199, 2));
	check_lookups(_metadata, &self->q, devs, after, ARRAY_SIZE(after));
	EXPECT_EQ(0, route_lookup(&self->q, 30, &k));
	EXPECT_EQ(devs[QA], k.ifindex);
	route_seen_free(rs);
}

TEST_F(nl, route_range_bad_input)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct nlattr *a;
	uint32_t ifa;
	int ret;

	ifa = QLINK_ADD("qa0", "qa1");
	ASSERT_EQ(0, qnet_nl_node_set(&self->q, 5));

	/* A range that ends before it starts, in add and del. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_ADD, 0);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 10);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST_LAST, 9);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_RANGE_BACKWARDS);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_DEL, 0);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 10);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST_LAST, 9);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_RANGE_BACKWARDS);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);

	/* REPLACE is a flag: a payload is a bad length. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_ADD, 0);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 10);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifa);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_REPLACE, 1);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_EQ(-ERANGE, ret);
	/* ... and ROUTE_DEL does not take it. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_DEL, 0);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 10);
	mnl_attr_put(nlh, QNET_A_ROUTE_REPLACE, 0, NULL);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, EINVAL, MSG_UNSUPPORTED);

	/* Ranges may hold 0 and this node; one node may not be either. */
	EXPECT_EQ(0, route_add_range(&self->q, 0, 7, ifa, 0, false))
		TH_LOG("%s", self->q.ext.msg);
	EXPECT_NL_ERR(&self->q, route_add_range(&self->q, 5, 5, ifa, 1, false),
		      EINVAL, MSG_DST_SELF);
	/* The node may move into a range, not onto a route to one node. */
	EXPECT_EQ(0, qnet_nl_node_set(&self->q, 6));
	EXPECT_EQ(0, route_add_range(&self->q, 5, 5, ifa, 1, false));
	EXPECT_NL_ERR(&self->q, qnet_nl_node_set(&self->q, 5), EEXIST,
		      MSG_ADDR_ROUTED);

	/* Deleting a metric the range does not have names the metric. */
	nlh = qnet_nl_req(&self->q, buf, QNET_CMD_ROUTE_DEL, 0);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 0);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST_LAST, 7);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_METRIC, 4);
	ret = qnet_nl_do(&self->q, nlh, NULL, NULL);
	EXPECT_NL_ERR(&self->q, ret, ENOENT, MSG_NO_METRIC);
	EXPECT_EQ(attr_off(nlh, a), self->q.ext.bad_off);
	/* A range that is not a route's (0-6 is not 0-7). */
	EXPECT_NL_ERR(&self->q, route_del_range(&self->q, 0, 6, -1), ENOENT,
		      MSG_NO_ROUTE);
	EXPECT_EQ(0, route_del_range(&self->q, 0, 7, 0));
	EXPECT_EQ(0, route_del_range(&self->q, 5, 5, -1));
}

struct intr_hook {
	struct qnet_nl	*other;
	uint32_t	ifindex;
	int		err;
};

/* Between the first and the second recv() of the dump: change the table. */
static void add_route_hook(struct route_seen *rs)
{
	struct intr_hook *h = rs->hook_data;

	h->err = route_add(h->other, NROUTES + 1, h->ifindex, 1);
}

TEST_F_TIMEOUT(nl, thousand_routes, 300)
{
	struct route_seen *rs = route_seen_new(NROUTES + 1);
	uint32_t ifx[4], dst;
	struct intr_hook hook;
	struct qnet_nl other;
	unsigned int once = 0;
	int i;

	ASSERT_NE(NULL, rs);
	ifx[0] = QLINK_ADD("qa0", "qa1");
	ifx[1] = if_nametoindex("qa1");
	ifx[2] = QLINK_ADD("qb0", "qb1");
	ifx[3] = if_nametoindex("qb1");
	ASSERT_EQ(0, qnet_nl_node_set(&self->q, 1000000));

	/* In an order that is not the table's. */
	for (i = 0; i < (int)NROUTES; i++) {
		dst = 1 + (i * 7919) % NROUTES;
		ASSERT_EQ(0, route_add(&self->q, dst, ifx[dst % 4], dst * 3))
			TH_LOG("route %u: %s", dst, self->q.ext.msg);
	}

	/* Many parts (QNET_NL_RCVBUF bytes each); each route exactly once. */
	ASSERT_EQ(0, route_dump(&self->q, rs));
	EXPECT_LT(4, self->q.parts);
	EXPECT_FALSE(self->q.dump_intr);
	EXPECT_FALSE(rs->unordered);
	EXPECT_EQ(0U, rs->bad);
	EXPECT_EQ(NROUTES, rs->n);
	for (dst = 1; dst <= NROUTES; dst++) {
		once += rs->seen[dst] == 1;
		EXPECT_EQ(ifx[dst % 4], rs->ifindex[dst]);
		EXPECT_EQ(dst * 3, rs->metric[dst]);
	}
	EXPECT_EQ(NROUTES, once);

	/* A change between two parts: the dump says it was interrupted. */
	ASSERT_EQ(0, qnet_nl_open(&other));
	hook.other = &other;
	hook.ifindex = ifx[0];
	hook.err = -1;
	rs->hook = add_route_hook;
	rs->hook_data = &hook;
	ASSERT_EQ(0, route_dump(&self->q, rs));
	rs->hook = NULL;
	EXPECT_EQ(0, hook.err);
	EXPECT_TRUE(self->q.dump_intr);
	EXPECT_EQ(0U, rs->bad);

	/* And a retry is clean again, with the new route. */
	ASSERT_EQ(0, route_dump(&self->q, rs));
	EXPECT_FALSE(self->q.dump_intr);
	EXPECT_EQ(NROUTES + 1, rs->n);
	ASSERT_EQ(0, route_del(&other, NROUTES + 1, 0));
	qnet_nl_close(&other);

	for (dst = 1; dst <= NROUTES; dst++)
		ASSERT_EQ(0, route_del(&self->q, dst, dst % 2 ? 0 : ifx[dst % 4]))
			TH_LOG("route %u: %s", dst, self->q.ext.msg);
	ASSERT_EQ(0, route_dump(&self->q, rs));
	EXPECT_EQ(0U, rs->n);
	route_seen_free(rs);
}

/* Routes through a device go away with it, and when it leaves the netns. */
TEST_F_TIMEOUT(nl, device_removal_drops_routes, 120)
{
	struct route_seen *rs = route_seen_new(100);
	uint32_t ifa0, ifa1, ifb0, ifb1, dst;
	int here, other, i;

	ASSERT_NE(NULL, rs);
	ifa0 = QLINK_ADD("qa0", "qa1");
	ifa1 = if_nametoindex("qa1");
	ifb0 = QLINK_ADD("qb0", "qb1");
	ifb1 = if_nametoindex("qb1");
	ASSERT_EQ(0, qnet_nl_node_set(&self->q, 1));
	for (dst = 10; dst < 50; dst++) {
		uint32_t dev[] = { ifa0, ifa1, ifb0, ifb1 };

		ASSERT_EQ(0, route_add(&self->q, dst, dev[dst % 4], 1));
	}

	/* Deleting qa0 deletes the pair: 20 routes left, all via qb*. */
	ASSERT_EQ(0, qnet_rtnl_link_del(&self->rt, "qa0"));
	ASSERT_EQ(0, route_dump(&self->q, rs));
	EXPECT_EQ(20U, rs->n);
	for (dst = 10; dst < 50; dst++)
		EXPECT_EQ(dst % 4 >= 2, rs->seen[dst]) TH_LOG("dst %u", dst);

	/* Moving qb1 to another netns takes its routes off this node. */
	here = open("/proc/self/ns/net", O_RDONLY);
	ASSERT_LE(0, here);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	other = open("/proc/self/ns/net", O_RDONLY);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, setns(here, CLONE_NEWNET));
	ASSERT_EQ(0, qnet_rtnl_link_netns(&self->rt, "qb1", other))
		TH_LOG("%s", self->rt.ext.msg);
	ASSERT_EQ(0, route_dump(&self->q, rs));
	EXPECT_EQ(10U, rs->n);
	for (dst = 10; dst < 50; dst++)
		EXPECT_EQ(dst % 4 == 2, rs->seen[dst]) TH_LOG("dst %u", dst);

	/*
	 * The other netns dies with its end of qb, which takes qb0 along:
	 * the last routes go. Netns clean-up is asynchronous.
	 */
	close(other);
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, route_dump(&self->q, rs));
		if (!rs->n)
			break;
		usleep(100000);
	}
	EXPECT_EQ(0U, rs->n);
	EXPECT_EQ(0U, if_nametoindex("qb0"));
	close(here);
	route_seen_free(rs);
}

/* A node of its own that dies with a qlink and routes in it. */
static int dying_node_child(uint32_t unused, bool unused2)
{
	struct qnet_nl q, rt;
	uint32_t ifa;

	if (unshare(CLONE_NEWNET) || qnet_nl_open(&q) ||
	    qnet_nl_open_proto(&rt, NETLINK_ROUTE) ||
	    qnet_rtnl_qlink_add(&rt, "qd0", "qd1", -1))
		return 3;
	ifa = if_nametoindex("qd0");
	if (route_add(&q, 2, ifa, 1) ||
	    route_add(&q, 3, if_nametoindex("qd1"), 1))
		return 1;
	return 0;
}

/*
 * A netns that dies with routes frees them and the device references they
 * hold, and unloading the module with routes left drops them too. A leaked
 * reference would hang netns clean-up ("waiting for qd0 to become free"),
 * which the unload waits for, and time the test out.
 */
TEST_F_TIMEOUT(nl, netns_exit_and_unload_drop_routes, 120)
{
	uint32_t ifa;
	int i, ret;

	ifa = QLINK_ADD("qa0", "qa1");
	ASSERT_EQ(0, run_child(dying_node_child, 0, false));
	ASSERT_EQ(0, route_add(&self->q, 2, ifa, 1));
	ASSERT_EQ(0, route_add(&self->q, 3, if_nametoindex("qa1"), 1));

	qnet_nl_close(&self->q);
	qnet_nl_close(&self->rt);
	for (i = 0; i < 50; i++) {
		ret = qnet_module_unload();
		if (ret != -EAGAIN && ret != -EBUSY)
			break;
		usleep(100000);
	}
	ASSERT_EQ(0, ret) TH_LOG("unload: %s", strerror(-ret));
	EXPECT_EQ(0U, if_nametoindex("qa0"));

	/* Back, empty, and working. */
	ASSERT_EQ(0, qnet_module_ensure());
	ASSERT_EQ(0, qnet_nl_open(&self->q));
	ASSERT_EQ(0, qnet_nl_open_proto(&self->rt, NETLINK_ROUTE));
	EXPECT_EQ(0, qnet_nl_node_get(&self->q));
	ifa = QLINK_ADD("qa0", "qa1");
	EXPECT_EQ(0, route_add(&self->q, 2, ifa, 1));
}

/* ---- events ---- */

struct event_seen {
	int	link_state;
	int	up;
	uint32_t ifindex;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1];
	struct event_seen *ev = data;

	if (qnet_nl_cmd(nlh) != QNET_CMD_LINK_STATE ||
	    qnet_nl_parse(nlh, tb, QNET_A_MAX))
		return MNL_CB_OK;
	if (!tb[QNET_A_IFINDEX] || !tb[QNET_A_OPER_UP] || !tb[QNET_A_IFNAME])
		return MNL_CB_ERROR;
	ev->link_state++;
	ev->up = mnl_attr_get_u8(tb[QNET_A_OPER_UP]);
	ev->ifindex = mnl_attr_get_u32(tb[QNET_A_IFINDEX]);
	return MNL_CB_OK;
}

TEST_F(nl, link_state_events)
{
	struct event_seen ev = { 0 };
	struct qnet_nl mon;
	int i;

	QLINK_ADD("qa0", "qa1");
	ASSERT_EQ(0, qnet_nl_open(&mon));
	ASSERT_NE(0U, mon.mcgrp_events);
	ASSERT_EQ(0, qnet_nl_join_events(&mon));

	ASSERT_EQ(0, qnet_rtnl_link_up(&self->rt, "qa0", true));
	ASSERT_EQ(0, qnet_rtnl_link_up(&self->rt, "qa1", true));
	for (i = 0; i < 20 && !(ev.link_state && ev.up); i++)
		ASSERT_LE(0, qnet_nl_recv_events(&mon, 100, event_cb, &ev));
	if (!ev.link_state)
		SKIP(goto out, "the link code sends no LINK_STATE events yet");
	EXPECT_EQ(1, ev.up);

	/* Down: wait for a "down" (the "up" of the other end may be queued). */
	ASSERT_EQ(0, qnet_rtnl_link_up(&self->rt, "qa1", false));
	for (i = 0; i < 20 && ev.up; i++)
		ASSERT_LE(0, qnet_nl_recv_events(&mon, 100, event_cb, &ev));
	EXPECT_EQ(0, ev.up);
out:
	qnet_nl_close(&mon);
}

/* ---- fuzz ---- */

static uint64_t fuzz_state;

static uint32_t fuzz_rand(void)
{
	/* xorshift64*: fast, and the seed is printed for replay. */
	fuzz_state ^= fuzz_state >> 12;
	fuzz_state ^= fuzz_state << 25;
	fuzz_state ^= fuzz_state >> 27;
	return (fuzz_state * 0x2545F4914F6CDD1DULL) >> 32;
}

static uint64_t fuzz_value(void)
{
	static const uint64_t edge[] = {
		0, 1, 2, 63, 64, 65, 255, 256, 1000, 10000, 10001, 32767,
		32768, 65535, 250000, 999999, 1000000, 1000001, 1000000000,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		UINT64_MAX,
	};

	if (fuzz_rand() % 2)
		return edge[fuzz_rand() % ARRAY_SIZE(edge)];
	return ((uint64_t)fuzz_rand() << 32) | fuzz_rand();
}

/* A random attribute of @maxtype + 2 types; nests up to @depth deep. */
static void fuzz_attr(struct nlmsghdr *nlh, int maxtype, int depth)
{
	static const int lens[] = { 0, 1, 2, 3, 4, 4, 4, 8, 8, 5, 16, 33 };
	uint16_t type = fuzz_rand() % (maxtype + 3);
	unsigned char payload[40];
	uint64_t v = fuzz_value();
	struct nlattr *nest;
	int i, n, len;

	if (depth && fuzz_rand() % 4 == 0) {
		nest = mnl_attr_nest_start(nlh, type);
		if (fuzz_rand() % 5 == 0)
			nest->nla_type &= ~NLA_F_NESTED;
		n = fuzz_rand() % 6;
		for (i = 0; i < n; i++)
			fuzz_attr(nlh, QNET_LINK_A_MAX, depth - 1);
		mnl_attr_nest_end(nlh, nest);
		return;
	}
	len = lens[fuzz_rand() % ARRAY_SIZE(lens)];
	for (i = 0; i < len; i++)
		payload[i] = fuzz_rand();
	if (len == 4 || len == 8)
		memcpy(payload, &v, len);
	if (fuzz_rand() % 16 == 0)
		type |= NLA_F_NET_BYTEORDER;
	mnl_attr_put(nlh, type, len, payload);
}

/* A valid request of a random kind, to be mutated. */
static void fuzz_valid(struct qnet_nl *q, char *buf, uint32_t *ifx)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int i, n;

	switch (fuzz_rand() % 6) {
	case 0:
		nlh = qnet_nl_req(q, buf, QNET_CMD_LINK_SET, 0);
		mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifx[fuzz_rand() % 4]);
		nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
		n = 1 + fuzz_rand() % 5;
		for (i = 0; i < n; i++) {
			const struct param_case *pc =
				&params[fuzz_rand() % ARRAY_SIZE(params)];
			uint64_t v = fuzz_rand() % 2 ? pc->good : fuzz_value();

			if (pc->len == 1)
				mnl_attr_put_u8(nlh, pc->attr, v);
			else if (pc->len == 4)
				mnl_attr_put_u32(nlh, pc->attr, v);
			else
				mnl_attr_put_u64(nlh, pc->attr, v);
		}
		mnl_attr_nest_end(nlh, nest);
		break;
	case 1:
		nlh = qnet_nl_req(q, buf, QNET_CMD_ROUTE_ADD, 0);
		mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, fuzz_rand() % 64);
		mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifx[fuzz_rand() % 4]);
		if (fuzz_rand() % 2)
			mnl_attr_put_u32(nlh, QNET_A_ROUTE_METRIC, fuzz_rand());
		break;
	case 2:
		nlh = qnet_nl_req(q, buf, QNET_CMD_ROUTE_DEL, 0);
		mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, fuzz_rand() % 64);
		break;
	case 3:
		nlh = qnet_nl_req(q, buf, QNET_CMD_NODE_SET, 0);
		mnl_attr_put_u32(nlh, QNET_A_NODE_ADDR, fuzz_rand() % 64);
		break;
	case 4:
		nlh = qnet_nl_req(q, buf, QNET_CMD_LINK_GET,
				  fuzz_rand() % 2 ? NLM_F_DUMP : 0);
		if (!(nlh->nlmsg_flags & NLM_F_ROOT))
			mnl_attr_put_u32(nlh, QNET_A_IFINDEX,
					 ifx[fuzz_rand() % 4]);
		break;
	default:
		nlh = qnet_nl_req(q, buf, fuzz_rand() % 2 ?
				  QNET_CMD_STATS_GET : QNET_CMD_ROUTE_GET,
				  fuzz_rand() % 2 ? NLM_F_DUMP : 0);
		if (fuzz_rand() % 2)
			mnl_attr_put_u32(nlh, QNET_A_IFINDEX,
					 ifx[fuzz_rand() % 4]);
		break;
	}
}

/* Flip, overwrite or cut the bytes after the netlink header. */
static void fuzz_mutate(struct nlmsghdr *nlh)
{
	unsigned char *p = (unsigned char *)nlh;
	uint32_t len = nlh->nlmsg_len;
	int i, n = 1 + fuzz_rand() % 4;

	for (i = 0; i < n; i++) {
		uint32_t off = NLMSG_HDRLEN + fuzz_rand() % (len - NLMSG_HDRLEN);

		switch (fuzz_rand() % 4) {
		case 0:
			p[off] ^= 1 << (fuzz_rand() % 8);
			break;
		case 1:
			p[off] = fuzz_rand();
			break;
		case 2:
			/* A plausible attribute length at an attribute boundary. */
			if (len - off >= 2)
				memcpy(p + off, &(uint16_t){ fuzz_rand() % 40 }, 2);
			break;
		default:
			/* Truncate, keeping at least the netlink header. */
			nlh->nlmsg_len = NLMSG_HDRLEN +
				fuzz_rand() % (len - NLMSG_HDRLEN + 1);
			len = nlh->nlmsg_len;
			if (len <= NLMSG_HDRLEN)
				return;
			break;
		}
	}
}

TEST_F_TIMEOUT(nl, fuzz, 600)
{
	static const int rounds = 12000;
	struct route_seen *rs = route_seen_new(1u << 16);
	uint32_t ifx[4], i, node;
	int answered = 0, ok = 0, ret, n, j;
	int64_t addr;
	struct link_info li;
	char buf[4096];
	struct nlmsghdr *nlh;

	ASSERT_NE(NULL, rs);
	ifx[0] = QLINK_ADD("qa0", "qa1");
	ifx[1] = if_nametoindex("qa1");
	ifx[2] = QLINK_ADD("qb0", "qb1");
	ifx[3] = if_nametoindex("lo");

	fuzz_state = getenv("QNET_FUZZ_SEED") ?
		strtoull(getenv("QNET_FUZZ_SEED"), NULL, 0) :
		(uint64_t)time(NULL) * 2654435761u + getpid();
	if (!fuzz_state)
		fuzz_state = 1;
	TH_LOG("seed %llu (QNET_FUZZ_SEED replays it)",
	       (unsigned long long)fuzz_state);
	qnet_nl_set_timeout(&self->q, 10000);

	for (i = 0; i < (uint32_t)rounds; i++) {
		memset(buf, 0, sizeof(buf));
		if (fuzz_rand() % 2) {
			fuzz_valid(&self->q, buf, ifx);
			nlh = (struct nlmsghdr *)buf;
			if (fuzz_rand() % 4)
				fuzz_mutate(nlh);
		} else {
			uint16_t flags = 0;

			if (fuzz_rand() % 4 == 0)
				flags |= NLM_F_DUMP;
			if (fuzz_rand() % 16 == 0)
				flags |= 1 << (fuzz_rand() % 16);
			nlh = qnet_nl_req(&self->q, buf,
					  fuzz_rand() % (QNET_CMD_MAX + 3),
					  flags);
			if (fuzz_rand() % 16 == 0)
				((struct genlmsghdr *)
				 mnl_nlmsg_get_payload(nlh))->reserved =
					fuzz_rand();
			if (fuzz_rand() % 16 == 0)
				((struct genlmsghdr *)
				 mnl_nlmsg_get_payload(nlh))->version =
					fuzz_rand();
			n = fuzz_rand() % 7;
			for (j = 0; j < n; j++)
				fuzz_attr(nlh, QNET_A_MAX, 2);
		}
		/*
		 * Whatever it is, it must be a request asking for an ack so
		 * that every message gets an answer.
		 */
		nlh->nlmsg_type = self->q.family;
		nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = ++self->q.seq;
		ret = qnet_nl_send(&self->q, nlh, nlh->nlmsg_len);
		ASSERT_EQ(0, ret) TH_LOG("round %u: send %d", i, ret);
		ret = qnet_nl_recv(&self->q, nlh->nlmsg_seq, NULL, NULL);
		ASSERT_NE(-EAGAIN, ret) TH_LOG("round %u: no answer", i);
		ASSERT_GE(0, ret);
		answered++;
		ok += !ret;
	}
	TH_LOG("%d messages answered, %d accepted", answered, ok);
	EXPECT_EQ(rounds, answered);

	/*
	 * The family still answers, and what it says is consistent. The
	 * fuzzer may have set any address: a u32, negative as an int.
	 */
	addr = qnet_nl_node_get(&self->q);
	ASSERT_LE(0, addr);
	node = addr;
	ASSERT_EQ(0, route_dump(&self->q, rs));
	EXPECT_EQ(0U, rs->bad);
	EXPECT_FALSE(rs->unordered);
	ASSERT_EQ(rs->n, rs->ndsts);
	for (j = 0; j < (int)rs->ndsts; j++) {
		/*
		 * Sorted and unique (unordered is false); a range in order,
		 * a route to one node never to 0 or us.
		 */
		EXPECT_LE(rs->dsts[j], rs->lasts[j]);
		if (rs->dsts[j] != rs->lasts[j])
			continue;
		EXPECT_NE(0U, rs->dsts[j]);
		EXPECT_NE(node, rs->dsts[j]);
	}
	for (j = 0; j < 3; j++) {
		ASSERT_EQ(0, link_get(&self->q, ifx[j], &li));
		EXPECT_LE(1U, li.param[QNET_LINK_A_LENGTH_M]);
		EXPECT_GE(1000000U, li.param[QNET_LINK_A_LENGTH_M]);
		EXPECT_LE(1U, li.param[QNET_LINK_A_MEM_SLOTS]);
		EXPECT_GE(64U, li.param[QNET_LINK_A_MEM_SLOTS]);
		EXPECT_GE((uint64_t)QNET_SCHEME_MAX,
			  li.param[QNET_LINK_A_SCHEME]);
		EXPECT_GE(1000000U, li.param[QNET_LINK_A_SOURCE_FID_PPM]);
		EXPECT_LE(250000U, li.param[QNET_LINK_A_SOURCE_FID_PPM]);
	}
	for (j = 0; j < (int)rs->ndsts; j++)
		ASSERT_EQ(0, route_del_range(&self->q, rs->dsts[j],
					     rs->lasts[j], rs->metrics[j]));
	ASSERT_EQ(0, route_dump(&self->q, rs));
	EXPECT_EQ(0U, rs->n);
	ASSERT_EQ(0, qnet_nl_node_set(&self->q, 4242));
	EXPECT_EQ(4242, qnet_nl_node_get(&self->q));
	ASSERT_EQ(0, route_add(&self->q, 17, ifx[0], 3));
	ASSERT_EQ(0, qnet_nl_link_set_one(&self->q, ifx[0],
					  QNET_LINK_A_MEM_SLOTS, 5, 4));
	ASSERT_EQ(0, link_get(&self->q, ifx[1], &li));
	EXPECT_EQ(5U, li.param[QNET_LINK_A_MEM_SLOTS]);
	route_seen_free(rs);
}

TEST_HARNESS_MAIN
