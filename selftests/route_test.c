// SPDX-License-Identifier: GPL-2.0
/*
 * Routes and node addresses across nodes: each node is a netns of its own
 * and sees only its own table, links show the node at their far end, and
 * a node that goes away takes the links to it, and the routes through
 * them, along.
 *
 *     node A (1)            node B (2)                 node C (3)
 *     +----------+          +--------------------+     +----------+
 *     |       ab |<=qlink=>| ba              bc |<==>| cb       |
 *     +----------+          +--------------------+     +----------+
 *
 *     A: 2 via ab, 3 via ab     B: 1 via ba, 3 via bc   C: 1, 2 via cb
 */
#include <sched.h>

#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_nl.h"

/* How a kselftest-harness test child reports SKIP to its parent. */
#define HARNESS_SKIP_EXIT	255

enum { A, B, C, NODES };

struct node {
	int		nsfd;	/* the node's netns */
	uint32_t	addr;
	struct qnet_nl	q;	/* genl, bound in the node's netns */
	struct qnet_nl	rt;	/* rtnetlink, likewise */
};

FIXTURE(chain) {
	struct node	n[NODES];
};

/* ifindex of @name in @n's netns. */
static uint32_t node_ifindex(struct node *n, const char *name)
{
	int here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	uint32_t ifindex = 0;

	if (here < 0)
		return 0;
	if (!setns(n->nsfd, CLONE_NEWNET))
		ifindex = if_nametoindex(name);
	if (setns(here, CLONE_NEWNET))
		ifindex = 0;
	close(here);
	return ifindex;
}

static int route_add(struct qnet_nl *q, uint32_t dst, uint32_t ifindex)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_ROUTE_ADD, 0);

	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, dst);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	return qnet_nl_do(q, nlh, NULL, NULL);
}

struct routes {
	int		n;
	uint32_t	dst[16];
	uint32_t	ifindex[16];
};

static int routes_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1];
	struct routes *r = data;

	if (qnet_nl_parse(nlh, tb, QNET_A_MAX) || !tb[QNET_A_ROUTE_DST] ||
	    !tb[QNET_A_IFINDEX] || r->n >= 16)
		return MNL_CB_ERROR;
	r->dst[r->n] = mnl_attr_get_u32(tb[QNET_A_ROUTE_DST]);
	r->ifindex[r->n] = mnl_attr_get_u32(tb[QNET_A_IFINDEX]);
	r->n++;
	return MNL_CB_OK;
}

static int routes_dump(struct qnet_nl *q, struct routes *r)
{
	char buf[256];

	memset(r, 0, sizeof(*r));
	return qnet_nl_do(q, qnet_nl_req(q, buf, QNET_CMD_ROUTE_GET,
					 NLM_F_DUMP), routes_cb, r);
}

static int peer_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1];

	if (qnet_nl_parse(nlh, tb, QNET_A_MAX) || !tb[QNET_A_PEER_NODE_ADDR])
		return MNL_CB_ERROR;
	*(int64_t *)data = mnl_attr_get_u32(tb[QNET_A_PEER_NODE_ADDR]);
	return MNL_CB_OK;
}

/* QNET_A_PEER_NODE_ADDR of link end @name of node @n, or -errno. */
static int64_t peer_addr(struct node *n, const char *name)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(&n->q, buf, QNET_CMD_LINK_GET, 0);
	int64_t addr = -1;
	int ret;

	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, node_ifindex(n, name));
	ret = qnet_nl_do(&n->q, nlh, peer_cb, &addr);
	return ret ? ret : addr;
}

FIXTURE_SETUP(chain)
{
	static const uint32_t addrs[NODES] = { 1, 2, 3 };
	int i, err;

	ASSERT_EQ(0, qnet_module_ensure());
	for (i = 0; i < NODES; i++) {
		struct node *n = &self->n[i];

		ASSERT_EQ(0, unshare(CLONE_NEWNET));
		n->nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, n->nsfd);
		ASSERT_EQ(0, qnet_nl_open(&n->q));
		ASSERT_EQ(0, qnet_nl_open_proto(&n->rt, NETLINK_ROUTE));
		n->addr = addrs[i];
		ASSERT_EQ(0, qnet_nl_node_set(&n->q, n->addr));
	}

	err = qnet_rtnl_qlink_add(&self->n[A].rt, "ab", "ba", self->n[B].nsfd);
	if (err == -EOPNOTSUPP)
		SKIP(_exit(HARNESS_SKIP_EXIT), "no \"qlink\" link type");
	ASSERT_EQ(0, err) TH_LOG("%s", self->n[A].rt.ext.msg);
	ASSERT_EQ(0, qnet_rtnl_qlink_add(&self->n[B].rt, "bc", "cb",
					 self->n[C].nsfd))
		TH_LOG("%s", self->n[B].rt.ext.msg);

	ASSERT_EQ(0, route_add(&self->n[A].q, 2, node_ifindex(&self->n[A], "ab")));
	ASSERT_EQ(0, route_add(&self->n[A].q, 3, node_ifindex(&self->n[A], "ab")));
	ASSERT_EQ(0, route_add(&self->n[B].q, 1, node_ifindex(&self->n[B], "ba")));
	ASSERT_EQ(0, route_add(&self->n[B].q, 3, node_ifindex(&self->n[B], "bc")));
	ASSERT_EQ(0, route_add(&self->n[C].q, 1, node_ifindex(&self->n[C], "cb")));
	ASSERT_EQ(0, route_add(&self->n[C].q, 2, node_ifindex(&self->n[C], "cb")));
}

FIXTURE_TEARDOWN(chain)
{
	int i;

	for (i = 0; i < NODES; i++) {
		qnet_nl_close(&self->n[i].q);
		qnet_nl_close(&self->n[i].rt);
		if (self->n[i].nsfd > 0)
			close(self->n[i].nsfd);
	}
}

TEST_F(chain, each_node_sees_its_own_table)
{
	static const uint32_t want[NODES][2] = { { 2, 3 }, { 1, 3 }, { 1, 2 } };
	static const char * const dev[NODES][2] = {
		{ "ab", "ab" }, { "ba", "bc" }, { "cb", "cb" },
	};
	struct routes r;
	int i, j;

	for (i = 0; i < NODES; i++) {
		ASSERT_EQ(0, routes_dump(&self->n[i].q, &r));
		ASSERT_EQ(2, r.n) TH_LOG("node %d", i);
		for (j = 0; j < 2; j++) {
			EXPECT_EQ(want[i][j], r.dst[j]);
			EXPECT_EQ(node_ifindex(&self->n[i], dev[i][j]),
				  r.ifindex[j]);
		}
		/* Node addresses are per netns too. */
		EXPECT_EQ(self->n[i].addr, qnet_nl_node_get(&self->n[i].q));
	}
}

TEST_F(chain, links_show_the_far_node)
{
	EXPECT_EQ(2, peer_addr(&self->n[A], "ab"));
	EXPECT_EQ(1, peer_addr(&self->n[B], "ba"));
	EXPECT_EQ(3, peer_addr(&self->n[B], "bc"));
	EXPECT_EQ(2, peer_addr(&self->n[C], "cb"));

	/* B renumbers: both neighbours see it at once. */
	ASSERT_EQ(0, qnet_nl_node_set(&self->n[B].q, 20));
	EXPECT_EQ(20, peer_addr(&self->n[A], "ab"));
	EXPECT_EQ(20, peer_addr(&self->n[C], "cb"));
}

/* The own-address rules hold per node. */
TEST_F(chain, own_address_is_per_node)
{
	char buf[256];
	struct nlmsghdr *nlh;

	/* A has a route to 3, so A may not become 3 (C is 3 all along). */
	EXPECT_EQ(-EEXIST, qnet_nl_node_set(&self->n[A].q, 3));
	EXPECT_EQ(1, qnet_nl_node_get(&self->n[A].q));
	/* A route to B's address is fine at A, not at B. */
	nlh = qnet_nl_req(&self->n[B].q, buf, QNET_CMD_ROUTE_ADD, 0);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, 2);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, node_ifindex(&self->n[B], "ba"));
	EXPECT_EQ(-EINVAL, qnet_nl_do(&self->n[B].q, nlh, NULL, NULL));
}

/*
 * B goes away: its netns takes ba and bc, their peers ab and cb go with
 * them, and A and C lose their routes through them.
 */
TEST_F_TIMEOUT(chain, dead_node_takes_routes_along, 60)
{
	struct routes ra, rc;
	int i;

	qnet_nl_close(&self->n[B].q);
	qnet_nl_close(&self->n[B].rt);
	close(self->n[B].nsfd);
	self->n[B].nsfd = -1;

	/* Netns clean-up is asynchronous. */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, routes_dump(&self->n[A].q, &ra));
		ASSERT_EQ(0, routes_dump(&self->n[C].q, &rc));
		if (!ra.n && !rc.n)
			break;
		usleep(100000);
	}
	EXPECT_EQ(0, ra.n);
	EXPECT_EQ(0, rc.n);
	EXPECT_EQ(0U, node_ifindex(&self->n[A], "ab"));
	EXPECT_EQ(0U, node_ifindex(&self->n[C], "cb"));
}

TEST_HARNESS_MAIN
