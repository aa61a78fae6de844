// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "qnet": node, link, route and statistics
 * configuration, and the "events" multicast group.
 *
 * Implementation notes
 *
 * - The family is documented by Documentation/netlink/specs/qnet.yaml and
 *   Documentation/netlink.rst; keep the three in step (tools/check-ynl-spec.py
 *   checks the spec against the uapi header).
 * - 6.1 has no split ops (struct genl_split_ops arrived in 6.2), so the do
 *   and dump of one command share a struct genl_ops and its policy. Every
 *   op has its own policy (genl_ops.policy/maxattr) and the core validates
 *   it strictly: unknown or unlisted attributes, bad lengths, nests without
 *   NLA_F_NESTED and out-of-range values never reach a handler. With
 *   resv_start_op 0 the core also rejects a non-zero genlmsghdr.reserved
 *   and nlmsg_flags other than REQUEST, ACK, ECHO and DUMP.
 * - Every policy is sized QNET_A_MAX + 1 so that a handler may look at any
 *   info->attrs[QNET_A_*] slot; attributes an op does not take are simply
 *   absent from its policy and rejected as unsupported.
 * - parallel_ops: there is no genl_mutex around our handlers. Ops that
 *   touch links take RTNL in pre_doit and drop it in post_doit (the qlink
 *   accessors need it); route ops lock the route table in route.c. Lock
 *   order: RTNL, then a netns's route table lock.
 * - Changes need CAP_NET_ADMIN in the user namespace that owns the netns
 *   (GENL_UNS_ADMIN_PERM), so the root of a container configures its own
 *   node and nobody else's.
 * - Dumps resume from a typed cursor in cb->ctx that holds the last id
 *   sent (ifindex, destination address), never a position, so entries
 *   added or removed between two parts neither repeat nor hide others.
 *   cb->seq carries a generation (dev_base_seq for links, the route
 *   table's for routes) and genl_dump_check_consistent() sets
 *   NLM_F_DUMP_INTR when it moved during the dump.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math64.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "circuit.h"
#include "engine.h"
#include "qnet.h"
#include "qlink.h"
#include "qnet_netlink.h"
#include "route.h"

/* genl_ops.internal_flags: what pre_doit prepares for the handler. */
#define QNET_NL_F_RTNL		BIT(0)	/* hold RTNL around the handler */
#define QNET_NL_F_LINK		BIT(1)	/* QNET_A_IFINDEX names a qlink: user_ptr[0] */
#define QNET_NL_F_LINK_OPT	BIT(2)	/* same, but QNET_A_IFINDEX is optional */

enum qnet_nl_mcgrp {
	QNET_NL_MCGRP_EVENTS,
};

static struct genl_family qnet_nl_family;

/* Set while the family is registered; read by notifiers from any context. */
static bool qnet_nl_registered;

/* NL_SET_ERR_MSG_MOD plus the offending attribute (6.1 has no _ATTR_MOD). */
#define QNET_NL_ERR_ATTR(extack, attr, msg) \
	NL_SET_ERR_MSG_ATTR((extack), (attr), KBUILD_MODNAME ": " msg)

/*
 * GENL_REQ_ATTR_CHECK() reports the missing attribute's type in the ack
 * (NLMSGERR_ATTR_MISS_TYPE); add a message naming it for humans.
 */
#define QNET_NL_REQUIRE(info, attr) ({					\
	struct genl_info *__qi = (info);				\
	bool __missing = GENL_REQ_ATTR_CHECK(__qi, (attr));		\
									\
	if (__missing)							\
		NL_SET_ERR_MSG_MOD(__qi->extack,			\
				   "missing attribute " #attr);		\
	__missing;							\
})

/*
 * Policies. Ranges wider than the s16 of NLA_POLICY_RANGE() go through
 * NLA_POLICY_FULL_RANGE(), whose 6.1 form takes a non-const pointer.
 */
static struct netlink_range_validation qnet_nl_range_ppm = {
	.min = 0, .max = 1000000,
};

static struct netlink_range_validation qnet_nl_range_ppm_nonzero = {
	.min = 1, .max = 1000000,
};

static struct netlink_range_validation qnet_nl_range_half_ppm = {
	.min = 0, .max = 500000,
};

/* Every link parameter with its range: qlink_params.h. */
static const struct nla_policy qnet_nl_link_params_policy[QNET_LINK_A_MAX + 1] = {
	QLINK_PARAMS(QLINK_POLICY_GENL)
};

static const struct nla_policy qnet_nl_node_params_policy[QNET_NODE_A_MAX + 1] = {
	[QNET_NODE_A_BSM_EFF_PPM] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &qnet_nl_range_ppm_nonzero),
	[QNET_NODE_A_GATE_ERR_PPM] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &qnet_nl_range_ppm),
	[QNET_NODE_A_READOUT_ERR_PPM] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &qnet_nl_range_half_ppm),
};

static const struct nla_policy qnet_nl_node_set_policy[QNET_A_MAX + 1] = {
	[QNET_A_NODE_ADDR] = { .type = NLA_U32 },
	[QNET_A_NODE_PARAMS] = NLA_POLICY_NESTED(qnet_nl_node_params_policy),
	[QNET_A_NODE_SEED] = { .type = NLA_U64 },
};

/* LINK_GET, STATS_GET, STATS_RESET: a link, or none for dumps and totals. */
static const struct nla_policy qnet_nl_ifindex_policy[QNET_A_MAX + 1] = {
	[QNET_A_IFINDEX] = { .type = NLA_U32 },
};

static const struct nla_policy qnet_nl_link_set_policy[QNET_A_MAX + 1] = {
	[QNET_A_IFINDEX] = { .type = NLA_U32 },
	[QNET_A_LINK_PARAMS] = NLA_POLICY_NESTED(qnet_nl_link_params_policy),
};

static const struct nla_policy qnet_nl_route_get_policy[QNET_A_MAX + 1] = {
	[QNET_A_ROUTE_DST] = { .type = NLA_U32 },
};

static const struct nla_policy qnet_nl_route_add_policy[QNET_A_MAX + 1] = {
	[QNET_A_ROUTE_DST] = { .type = NLA_U32 },
	[QNET_A_ROUTE_DST_LAST] = { .type = NLA_U32 },
	[QNET_A_IFINDEX] = { .type = NLA_U32 },
	[QNET_A_ROUTE_METRIC] = { .type = NLA_U32 },
	[QNET_A_ROUTE_REPLACE] = { .type = NLA_FLAG },
	[QNET_A_ROUTE_APPEND] = { .type = NLA_FLAG },
};

/*
 * ROUTE_DEL: the route to [DST, DST_LAST]; QNET_A_ROUTE_METRIC and
 * QNET_A_IFINDEX, if present, must be the route's.
 */
static const struct nla_policy qnet_nl_route_del_policy[QNET_A_MAX + 1] = {
	[QNET_A_ROUTE_DST] = { .type = NLA_U32 },
	[QNET_A_ROUTE_DST_LAST] = { .type = NLA_U32 },
	[QNET_A_IFINDEX] = { .type = NLA_U32 },
	[QNET_A_ROUTE_METRIC] = { .type = NLA_U32 },
};

/* NODE_GET takes no attributes. */
static const struct nla_policy qnet_nl_empty_policy[QNET_A_MAX + 1] = {
};

/*
 * The link's parameters; its seed only if @seed. The seed makes every
 * outcome of the link predictable, so only those who may set it see it.
 */
static int qnet_nl_put_params(struct sk_buff *skb,
			      const struct qlink_params *p, bool seed)
{
	struct nlattr *nest;
	int err;

	nest = nla_nest_start(skb, QNET_A_LINK_PARAMS);
	if (!nest)
		return -EMSGSIZE;
	err = qlink_params_fill(skb, p, QLINK_PARAMS_GENL, seed);
	if (err) {
		nla_nest_cancel(skb, nest);
		return err;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The u64 counters of struct qlink_stats, in attribute order. */
static const struct {
	u16	attr;
	u16	off;
} qnet_nl_stats[] = {
	{ QNET_STATS_A_ATTEMPTS, offsetof(struct qlink_stats, attempts) },
	{ QNET_STATS_A_HERALDED, offsetof(struct qlink_stats, heralded) },
	{ QNET_STATS_A_DELIVERED, offsetof(struct qlink_stats, delivered) },
	{ QNET_STATS_A_EXPIRED, offsetof(struct qlink_stats, expired) },
	{ QNET_STATS_A_SWAPS_OK, offsetof(struct qlink_stats, swaps_ok) },
	{ QNET_STATS_A_SWAPS_FAILED,
	  offsetof(struct qlink_stats, swaps_failed) },
	{ QNET_STATS_A_PURIFY_OK, offsetof(struct qlink_stats, purify_ok) },
	{ QNET_STATS_A_PURIFY_FAILED,
	  offsetof(struct qlink_stats, purify_failed) },
	{ QNET_STATS_A_FIDELITY_SUM_PPM,
	  offsetof(struct qlink_stats, fidelity_sum_ppm) },
	{ QNET_STATS_A_STORED, offsetof(struct qlink_stats, stored) },
	{ QNET_STATS_A_EMU_TIME_NS, offsetof(struct qlink_stats, emu_time_ns) },
	{ QNET_STATS_A_RX_PACKETS, offsetof(struct qlink_stats, rx_packets) },
	{ QNET_STATS_A_TX_PACKETS, offsetof(struct qlink_stats, tx_packets) },
	{ QNET_STATS_A_RX_DROPPED, offsetof(struct qlink_stats, rx_dropped) },
	{ QNET_STATS_A_DELIVERED_FID_SUM_PPM,
	  offsetof(struct qlink_stats, delivered_fid_sum_ppm) },
	{ QNET_STATS_A_PACED_LATE, offsetof(struct qlink_stats, paced_late) },
	{ QNET_STATS_A_PACED_LAG_NS,
	  offsetof(struct qlink_stats, paced_lag_ns) },
	{ QNET_STATS_A_TUN_MALFORMED,
	  offsetof(struct qlink_stats, tun_malformed) },
	{ QNET_STATS_A_TUN_UNAUTH, offsetof(struct qlink_stats, tun_unauth) },
	{ QNET_STATS_A_TUN_REPLAY, offsetof(struct qlink_stats, tun_replay) },
};

/* QNET_STATS_A_DISCARDS: one u64 per cause (enum qnet_discards_attr). */
static int qnet_nl_put_discards(struct sk_buff *skb,
				const u64 discards[__QNET_EXPIRE_MAX])
{
	struct nlattr *nest;
	int i;

	BUILD_BUG_ON((int)QNET_DISCARDS_A_MAX != (int)__QNET_EXPIRE_MAX);
	nest = nla_nest_start(skb, QNET_STATS_A_DISCARDS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < __QNET_EXPIRE_MAX; i++) {
		if (nla_put_u64_64bit(skb, i + 1, discards[i], 0)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static u32 qnet_nl_mean(u64 sum, u64 n)
{
	return n ? div64_u64(sum, n) : 0;
}

static int qnet_nl_put_stats(struct sk_buff *skb, int attrtype,
			     const struct qlink_stats *s)
{
	const void *base = s;
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, attrtype);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(qnet_nl_stats); i++) {
		u64 v = *(const u64 *)(base + qnet_nl_stats[i].off);

		if (nla_put_u64_64bit(skb, qnet_nl_stats[i].attr, v,
				      QNET_STATS_A_PAD))
			goto cancel;
	}
	if (nla_put_u32(skb, QNET_STATS_A_MEAN_FIDELITY_PPM,
			qnet_nl_mean(s->fidelity_sum_ppm, s->heralded)) ||
	    nla_put_u32(skb, QNET_STATS_A_MEAN_DELIVERED_FID_PPM,
			qnet_nl_mean(s->delivered_fid_sum_ppm, s->delivered)) ||
	    qnet_nl_put_discards(skb, s->discards))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static void qnet_nl_stats_add(struct qlink_stats *sum,
			      const struct qlink_stats *s)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(qnet_nl_stats); i++) {
		u64 *d = (void *)sum + qnet_nl_stats[i].off;

		*d += *(const u64 *)((const void *)s + qnet_nl_stats[i].off);
	}
	for (i = 0; i < __QNET_EXPIRE_MAX; i++)
		sum->discards[i] += s->discards[i];
}

/* QNET_STATS_A_RX_DROPS: one u64 per cause (enum qnet_rx_drops_attr). */
static int qnet_nl_put_rx_drops(struct sk_buff *skb,
				const u64 drops[QNET_RX_DROPS_A_MAX])
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, QNET_STATS_A_RX_DROPS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < QNET_RX_DROPS_A_MAX; i++) {
		if (nla_put_u64_64bit(skb, i + 1, drops[i], 0)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * QNET_A_NET_STATS: what the node's network layer did itself, each event
 * counted once (a swap here uses a qubit of two links, and each of the
 * two links counts it).
 */
static int qnet_nl_put_net_stats(struct sk_buff *skb, struct net *net)
{
	struct qnet_net_stats s;
	struct nlattr *nest;

	qnet_circuit_get_stats(net, &s);
	nest = nla_nest_start(skb, QNET_A_NET_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, QNET_STATS_A_DELIVERED, s.delivered,
			      QNET_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, QNET_STATS_A_DELIVERED_FID_SUM_PPM,
			      s.delivered_fid_sum_ppm, QNET_STATS_A_PAD) ||
	    nla_put_u32(skb, QNET_STATS_A_MEAN_DELIVERED_FID_PPM,
			qnet_nl_mean(s.delivered_fid_sum_ppm, s.delivered)) ||
	    nla_put_u64_64bit(skb, QNET_STATS_A_SWAPS_OK, s.swaps_ok,
			      QNET_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, QNET_STATS_A_SWAPS_FAILED, s.swaps_failed,
			      QNET_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, QNET_STATS_A_PURIFY_OK, s.purify_ok,
			      QNET_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, QNET_STATS_A_PURIFY_FAILED,
			      s.purify_failed, QNET_STATS_A_PAD) ||
	    qnet_nl_put_discards(skb, s.discards) ||
	    qnet_nl_put_rx_drops(skb, s.rx_drops)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Node totals: the sum over every qlink end in @net, but the clock and
 * the pacing counters, which are the node's emulation domain's.
 */
static void qnet_nl_node_stats(struct net *net, struct qlink_stats *sum)
{
	struct qnet_domain_stats ds;
	struct qlink_stats s;
	struct net_device *dev;

	ASSERT_RTNL();
	memset(sum, 0, sizeof(*sum));
	for_each_netdev(net, dev) {
		if (!qlink_dev_is_qlink(dev))
			continue;
		qlink_get_stats(dev, &s);
		qnet_nl_stats_add(sum, &s);
	}
	qnet_domain_get_stats(qnet_net_dmember(net), &ds);
	sum->emu_time_ns = ds.now_ns;
	sum->paced_late = ds.late;
	sum->paced_lag_ns = ds.lag_ns;
}

/*
 * Resolve QNET_A_IFINDEX to a qlink in the request's netns.
 * Caller must hold RTNL; the device stays valid until it drops it.
 */
static struct net_device *qnet_nl_get_link(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[QNET_A_IFINDEX];
	struct net_device *dev;

	ASSERT_RTNL();
	if (QNET_NL_REQUIRE(info, QNET_A_IFINDEX))
		return ERR_PTR(-EINVAL);

	dev = __dev_get_by_index(genl_info_net(info), nla_get_u32(attr));
	if (!dev) {
		QNET_NL_ERR_ATTR(info->extack, attr,
				 "no device with this ifindex in this netns");
		return ERR_PTR(-ENODEV);
	}
	if (!qlink_dev_is_qlink(dev)) {
		QNET_NL_ERR_ATTR(info->extack, attr, "not a qlink device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return dev;
}

static int qnet_nl_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			    struct genl_info *info)
{
	struct net_device *dev;

	if (!(ops->internal_flags & QNET_NL_F_RTNL))
		return 0;

	rtnl_lock();
	if ((ops->internal_flags & QNET_NL_F_LINK) ||
	    ((ops->internal_flags & QNET_NL_F_LINK_OPT) &&
	     info->attrs[QNET_A_IFINDEX])) {
		dev = qnet_nl_get_link(info);
		if (IS_ERR(dev)) {
			rtnl_unlock();
			return PTR_ERR(dev);
		}
		info->user_ptr[0] = dev;
	}
	return 0;
}

static void qnet_nl_post_doit(const struct genl_ops *ops,
			      struct sk_buff *skb, struct genl_info *info)
{
	if (ops->internal_flags & QNET_NL_F_RTNL)
		rtnl_unlock();
}

/*
 * May the sender of @req see the seeds of links and of the node in @net?
 * Only with CAP_NET_ADMIN over the namespace, as it needs to set them: a
 * link's seed predicts its heralds and Bell states, the node's its swap,
 * purification and measurement outcomes.
 */
static bool qnet_nl_may_see_seed(const struct sk_buff *req, struct net *net)
{
	return netlink_ns_capable(req, net->user_ns, CAP_NET_ADMIN);
}

/* ---- node ---- */

/* QNET_A_NODE_PARAMS: the node's hardware. */
static int qnet_nl_put_node_params(struct sk_buff *skb, struct net *net)
{
	struct qnet_node_params p;
	struct nlattr *nest;

	qnet_node_get_params(net, &p);
	nest = nla_nest_start(skb, QNET_A_NODE_PARAMS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, QNET_NODE_A_BSM_EFF_PPM, p.bsm_eff_ppm) ||
	    nla_put_u32(skb, QNET_NODE_A_GATE_ERR_PPM, p.gate_err_ppm) ||
	    nla_put_u32(skb, QNET_NODE_A_READOUT_ERR_PPM, p.readout_err_ppm)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int qnet_nl_node_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct qlink_stats sum;
	struct sk_buff *msg;
	void *hdr;

	qnet_nl_node_stats(net, &sum);

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &qnet_nl_family, 0,
				QNET_CMD_NODE_GET);
	if (!hdr)
		goto nospace;
	if (nla_put_u32(msg, QNET_A_NODE_ADDR,
			READ_ONCE(qnet_pernet(net)->node_addr)) ||
	    qnet_nl_put_stats(msg, QNET_A_NODE_STATS, &sum) ||
	    qnet_nl_put_net_stats(msg, net) ||
	    qnet_nl_put_node_params(msg, net) ||
	    (qnet_nl_may_see_seed(skb, net) &&
	     nla_put_u64_64bit(msg, QNET_A_NODE_SEED, qnet_node_get_seed(net),
			       QNET_A_PAD)))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * NODE_SET: the address, the parameters, or both. The policy has checked
 * every parameter's range, so once the address is set the parameters
 * cannot fail: a refused request changes nothing.
 */
static int qnet_nl_node_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[QNET_A_NODE_ADDR];
	struct nlattr *nest = info->attrs[QNET_A_NODE_PARAMS];
	struct nlattr *tb[QNET_NODE_A_MAX + 1];
	struct net *net = genl_info_net(info);
	struct qnet_node_params p;
	int err;

	/* with none, the address is what is missing */
	if (!nest && !info->attrs[QNET_A_NODE_SEED] &&
	    QNET_NL_REQUIRE(info, QNET_A_NODE_ADDR))
		return -EINVAL;
	qnet_node_get_params(net, &p);
	if (nest) {
		err = nla_parse_nested(tb, QNET_NODE_A_MAX, nest,
				       qnet_nl_node_params_policy,
				       info->extack);
		if (err)
			return err;
		if (tb[QNET_NODE_A_BSM_EFF_PPM])
			p.bsm_eff_ppm = nla_get_u32(tb[QNET_NODE_A_BSM_EFF_PPM]);
		if (tb[QNET_NODE_A_GATE_ERR_PPM])
			p.gate_err_ppm =
				nla_get_u32(tb[QNET_NODE_A_GATE_ERR_PPM]);
		if (tb[QNET_NODE_A_READOUT_ERR_PPM])
			p.readout_err_ppm =
				nla_get_u32(tb[QNET_NODE_A_READOUT_ERR_PPM]);
	}
	if (attr) {
		err = qnet_node_addr_set(net, nla_get_u32(attr), info->extack);
		if (err) {
			NL_SET_BAD_ATTR(info->extack, attr);
			return err;
		}
	}
	/* a seed cannot be refused: set after whatever could fail */
	if (nest) {
		err = qnet_node_set_params(net, &p, info->extack);
		if (err) {
			NL_SET_BAD_ATTR(info->extack, nest);
			return err;
		}
	}
	if (info->attrs[QNET_A_NODE_SEED])
		qnet_node_set_seed(net,
				   nla_get_u64(info->attrs[QNET_A_NODE_SEED]));
	return 0;
}

/*
 * Without split ops a dump shares its command's policy with the do, so
 * attributes only the do takes would get past the core: reject them here.
 * The error reaches userspace in NLMSG_DONE, with its extack.
 */
static int qnet_nl_dump_check_attrs(struct netlink_callback *cb)
{
	struct nlattr **attrs = genl_dumpit_info(cb)->attrs;
	int i;

	for (i = 1; attrs && i <= QNET_A_MAX; i++) {
		if (attrs[i]) {
			QNET_NL_ERR_ATTR(cb->extack, attrs[i],
					 "attribute not supported in a dump");
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- links ---- */

/*
 * One link as a LINK_GET reply or dump entry, its seed only if @seed.
 * Caller must hold RTNL. @cb is the dump's callback, NULL for a do.
 */
static int qnet_nl_fill_link(struct sk_buff *skb, struct net_device *dev,
			     u32 portid, u32 seq, int flags,
			     struct netlink_callback *cb, bool seed)
{
	struct qlink_params p;
	struct qlink_stats s;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &qnet_nl_family, flags,
			  QNET_CMD_LINK_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	qlink_get_params(dev, &p);
	qlink_get_stats(dev, &s);
	if (nla_put_u32(skb, QNET_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, QNET_A_IFNAME, dev->name) ||
	    nla_put_u8(skb, QNET_A_OPER_UP,
		       netif_running(dev) && netif_carrier_ok(dev)) ||
	    nla_put_u32(skb, QNET_A_PEER_NODE_ADDR,
			qlink_peer_node_addr(dev)) ||
	    qnet_nl_put_params(skb, &p, seed) ||
	    qnet_nl_put_stats(skb, QNET_A_LINK_STATS, &s)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int qnet_nl_link_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev = info->user_ptr[0];
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = qnet_nl_fill_link(msg, dev, info->snd_portid, info->snd_seq, 0,
				NULL, qnet_nl_may_see_seed(skb, dev_net(dev)));
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* cb->ctx of a link dump: the last ifindex sent. */
struct qnet_nl_link_dump_ctx {
	int	ifindex;
};

/* How many links one pass over the device list collects. */
#define QNET_NL_LINK_BATCH	16

/*
 * The device list is not sorted by ifindex, so each pass over it collects
 * the next QNET_NL_LINK_BATCH qlinks above the cursor in ifindex order
 * (insertion into a small sorted array), then sends them. A dump of n
 * links costs n / QNET_NL_LINK_BATCH list walks.
 */
static int qnet_nl_link_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct qnet_nl_link_dump_ctx *ctx = (void *)cb->ctx;
	struct net *net = sock_net(skb->sk);
	struct net_device *batch[QNET_NL_LINK_BATCH];
	struct net_device *dev;
	int n, i, err = 0;
	bool seed;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	/* cb->skb is the request: its sender's credentials */
	seed = qnet_nl_may_see_seed(cb->skb, net);

	if (!ctx->ifindex) {
		err = qnet_nl_dump_check_attrs(cb);
		if (err)
			return err;
	}

	rtnl_lock();
	cb->seq = net->dev_base_seq;
	do {
		n = 0;
		for_each_netdev(net, dev) {
			if (dev->ifindex <= ctx->ifindex ||
			    !qlink_dev_is_qlink(dev))
				continue;
			if (n == QNET_NL_LINK_BATCH &&
			    dev->ifindex > batch[n - 1]->ifindex)
				continue;
			i = n < QNET_NL_LINK_BATCH ? n++ : n - 1;
			for (; i > 0 && batch[i - 1]->ifindex > dev->ifindex;
			     i--)
				batch[i] = batch[i - 1];
			batch[i] = dev;
		}
		for (i = 0; i < n; i++) {
			err = qnet_nl_fill_link(skb, batch[i],
						NETLINK_CB(cb->skb).portid,
						cb->nlh->nlmsg_seq,
						NLM_F_MULTI, cb, seed);
			if (err)
				break;
			ctx->ifindex = batch[i]->ifindex;
		}
	} while (!err && n == QNET_NL_LINK_BATCH);
	rtnl_unlock();

	/* A full skb ends this part; the next one resumes at the cursor. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static int qnet_nl_link_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[QNET_LINK_A_MAX + 1];
	struct net_device *dev = info->user_ptr[0];
	struct qlink_params p;
	int err;

	if (QNET_NL_REQUIRE(info, QNET_A_LINK_PARAMS))
		return -EINVAL;
	err = nla_parse_nested(tb, QNET_LINK_A_MAX,
			       info->attrs[QNET_A_LINK_PARAMS],
			       qnet_nl_link_params_policy, info->extack);
	if (err)
		return err;

	/* Read, overlay, validate as a whole: bad input changes nothing. */
	qlink_get_params(dev, &p);
	qlink_params_overlay(&p, tb, QLINK_PARAMS_GENL);
	return qlink_set_params(dev, &p, info->extack);
}

/* ---- statistics ---- */

/*
 * STATS_GET: one link's counters (QNET_A_IFINDEX) or the node's totals.
 * Runs under RTNL; pre_doit resolved the optional link.
 */
static int qnet_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev = info->user_ptr[0];
	struct net *net = genl_info_net(info);
	struct qlink_stats s;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (dev)
		qlink_get_stats(dev, &s);
	else
		qnet_nl_node_stats(net, &s);

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &qnet_nl_family, 0,
				QNET_CMD_STATS_GET);
	if (!hdr)
		goto nospace;
	if (dev)
		err = nla_put_u32(msg, QNET_A_IFINDEX, dev->ifindex) ||
		      nla_put_string(msg, QNET_A_IFNAME, dev->name) ||
		      qnet_nl_put_stats(msg, QNET_A_LINK_STATS, &s);
	else
		err = nla_put_u32(msg, QNET_A_NODE_ADDR,
				  READ_ONCE(qnet_pernet(net)->node_addr)) ||
		      qnet_nl_put_stats(msg, QNET_A_NODE_STATS, &s) ||
		      qnet_nl_put_net_stats(msg, net) ||
		      qnet_nl_put_node_params(msg, net);
	if (err)
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* STATS_RESET: one link's counters, or those of every qlink in the netns. */
static int qnet_nl_stats_reset_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct net_device *dev = info->user_ptr[0];

	if (dev) {
		qlink_reset_stats(dev);
		return 0;
	}
	qnet_circuit_reset_stats(genl_info_net(info));
	for_each_netdev(genl_info_net(info), dev)
		if (qlink_dev_is_qlink(dev))
			qlink_reset_stats(dev);
	return 0;
}

/* ---- routes ---- */

/* Caller must hold rcu_read_lock (or the table lock). */
static int qnet_nl_fill_route(struct sk_buff *skb, const struct qnet_route *r,
			      u32 portid, u32 seq, int flags,
			      struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &qnet_nl_family, flags,
			  QNET_CMD_ROUTE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, QNET_A_ROUTE_DST, r->dst) ||
	    nla_put_u32(skb, QNET_A_ROUTE_DST_LAST, r->dst_last) ||
	    nla_put_u32(skb, QNET_A_IFINDEX, r->dev->ifindex) ||
	    nla_put_string(skb, QNET_A_IFNAME, r->dev->name) ||
	    nla_put_u32(skb, QNET_A_ROUTE_METRIC, r->metric)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Do: the route that traffic to QNET_A_ROUTE_DST takes (ip route get). */
static int qnet_nl_route_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[QNET_A_ROUTE_DST];
	const struct qnet_route *r;
	struct sk_buff *msg;
	int err;

	if (QNET_NL_REQUIRE(info, QNET_A_ROUTE_DST))
		return -EINVAL;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rcu_read_lock();
	r = qnet_route_find_rcu(genl_info_net(info), nla_get_u32(attr));
	if (r)
		err = qnet_nl_fill_route(msg, r, info->snd_portid,
					 info->snd_seq, 0, NULL);
	rcu_read_unlock();

	if (!r) {
		QNET_NL_ERR_ATTR(info->extack, attr,
				 "no route to this destination");
		err = -ENOENT;
	}
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* cb->ctx of a route dump: the key of the last route sent. */
struct qnet_nl_route_dump_ctx {
	u32	dst;
	u32	dst_last;
	u32	metric;
	bool	started;
	bool	sent;		/* the key above is valid */
};

static bool qnet_nl_route_after(const struct qnet_route *r,
				const struct qnet_nl_route_dump_ctx *ctx)
{
	if (!ctx->sent)
		return true;
	if (r->dst != ctx->dst)
		return r->dst > ctx->dst;
	if (r->dst_last != ctx->dst_last)
		return r->dst_last > ctx->dst_last;
	return r->metric > ctx->metric;
}

static int qnet_nl_route_get_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct qnet_nl_route_dump_ctx *ctx = (void *)cb->ctx;
	struct net *net = sock_net(skb->sk);
	struct qnet_route_table *t = &qnet_pernet(net)->routes;
	struct qnet_route *r;
	int err = 0;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));

	if (!ctx->started) {
		err = qnet_nl_dump_check_attrs(cb);
		if (err)
			return err;
		ctx->started = true;
	}

	/* Read before the walk: a change during it shows in the next part. */
	cb->seq = qnet_route_gen(net);

	/*
	 * The list is in key order: skip what was sent. A part re-walks the
	 * routes before its cursor, which for a table of thousands of routes
	 * is thousands of compares per part, against the copying it does.
	 */
	rcu_read_lock();
	list_for_each_entry_rcu(r, &t->all, list) {
		if (!qnet_nl_route_after(r, ctx))
			continue;
		err = qnet_nl_fill_route(skb, r, NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		if (err)
			break;
		ctx->dst = r->dst;
		ctx->dst_last = r->dst_last;
		ctx->metric = r->metric;
		ctx->sent = true;
	}
	rcu_read_unlock();

	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static int qnet_nl_route_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[QNET_A_ROUTE_DST];
	struct nlattr *last = info->attrs[QNET_A_ROUTE_DST_LAST];
	struct nlattr *metric = info->attrs[QNET_A_ROUTE_METRIC];
	enum qnet_route_how how = QNET_ROUTE_ADD;
	struct nlattr *replace;
	u32 dst, m = 0;
	int err;

	if (QNET_NL_REQUIRE(info, QNET_A_ROUTE_DST))
		return -EINVAL;
	dst = nla_get_u32(attr);
	if (last && nla_get_u32(last) < dst) {
		QNET_NL_ERR_ATTR(info->extack, last,
				 "route range ends before it starts");
		return -EINVAL;
	}
	replace = info->attrs[QNET_A_ROUTE_REPLACE];
	/*
	 * ip route append's NLM_F_APPEND, as a flag attribute: genetlink
	 * refuses the modifier bits of nlmsg_flags on a strictly validated
	 * operation (as it does NLM_F_REPLACE, hence QNET_A_ROUTE_REPLACE).
	 */
	if (info->attrs[QNET_A_ROUTE_APPEND]) {
		if (replace) {
			QNET_NL_ERR_ATTR(info->extack, replace,
					 "a route is either replaced or appended");
			return -EINVAL;
		}
		how = QNET_ROUTE_APPEND;
	} else if (replace) {
		how = QNET_ROUTE_REPLACE;
	}
	if (metric)
		m = nla_get_u32(metric);
	err = qnet_route_add(genl_info_net(info), dst,
			     last ? nla_get_u32(last) : dst, info->user_ptr[0],
			     metric ? &m : NULL, how, info->extack);
	if (err)
		NL_SET_BAD_ATTR(info->extack, attr);
	return err;
}

static int qnet_nl_route_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[QNET_A_ROUTE_DST];
	struct nlattr *last = info->attrs[QNET_A_ROUTE_DST_LAST];
	struct nlattr *metric = info->attrs[QNET_A_ROUTE_METRIC];
	u32 dst, m;
	int err;

	if (QNET_NL_REQUIRE(info, QNET_A_ROUTE_DST))
		return -EINVAL;
	dst = nla_get_u32(attr);
	if (last && nla_get_u32(last) < dst) {
		QNET_NL_ERR_ATTR(info->extack, last,
				 "route range ends before it starts");
		return -EINVAL;
	}
	if (metric)
		m = nla_get_u32(metric);
	err = qnet_route_del(genl_info_net(info), dst,
			     last ? nla_get_u32(last) : dst, metric ? &m : NULL,
			     info->user_ptr[0], info->extack);
	/* -ESRCH: the range has routes, none with that metric. */
	if (err == -ESRCH) {
		NL_SET_BAD_ATTR(info->extack, metric);
		return -ENOENT;
	}
	if (err)
		NL_SET_BAD_ATTR(info->extack, attr);
	return err;
}

/* ---- operations ---- */

static const struct genl_ops qnet_nl_ops[] = {
	{
		.cmd		= QNET_CMD_NODE_GET,
		.doit		= qnet_nl_node_get_doit,
		.policy		= qnet_nl_empty_policy,
		.maxattr	= QNET_A_MAX,
		.internal_flags	= QNET_NL_F_RTNL,
	},
	{
		.cmd		= QNET_CMD_NODE_SET,
		.doit		= qnet_nl_node_set_doit,
		.policy		= qnet_nl_node_set_policy,
		.maxattr	= QNET_A_MAX,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= QNET_CMD_LINK_GET,
		.doit		= qnet_nl_link_get_doit,
		.dumpit		= qnet_nl_link_get_dumpit,
		.policy		= qnet_nl_ifindex_policy,
		.maxattr	= QNET_A_MAX,
		.internal_flags	= QNET_NL_F_RTNL | QNET_NL_F_LINK,
	},
	{
		.cmd		= QNET_CMD_LINK_SET,
		.doit		= qnet_nl_link_set_doit,
		.policy		= qnet_nl_link_set_policy,
		.maxattr	= QNET_A_MAX,
		.flags		= GENL_UNS_ADMIN_PERM,
		.internal_flags	= QNET_NL_F_RTNL | QNET_NL_F_LINK,
	},
	{
		.cmd		= QNET_CMD_ROUTE_GET,
		.doit		= qnet_nl_route_get_doit,
		.dumpit		= qnet_nl_route_get_dumpit,
		.policy		= qnet_nl_route_get_policy,
		.maxattr	= QNET_A_MAX,
	},
	{
		.cmd		= QNET_CMD_ROUTE_ADD,
		.doit		= qnet_nl_route_add_doit,
		.policy		= qnet_nl_route_add_policy,
		.maxattr	= QNET_A_MAX,
		.flags		= GENL_UNS_ADMIN_PERM,
		/* RTNL from the device lookup to the insertion: see route.c */
		.internal_flags	= QNET_NL_F_RTNL | QNET_NL_F_LINK,
	},
	{
		.cmd		= QNET_CMD_ROUTE_DEL,
		.doit		= qnet_nl_route_del_doit,
		.policy		= qnet_nl_route_del_policy,
		.maxattr	= QNET_A_MAX,
		.flags		= GENL_UNS_ADMIN_PERM,
		.internal_flags	= QNET_NL_F_RTNL | QNET_NL_F_LINK_OPT,
	},
	{
		.cmd		= QNET_CMD_STATS_GET,
		.doit		= qnet_nl_stats_get_doit,
		.policy		= qnet_nl_ifindex_policy,
		.maxattr	= QNET_A_MAX,
		.internal_flags	= QNET_NL_F_RTNL | QNET_NL_F_LINK_OPT,
	},
	{
		.cmd		= QNET_CMD_STATS_RESET,
		.doit		= qnet_nl_stats_reset_doit,
		.policy		= qnet_nl_ifindex_policy,
		.maxattr	= QNET_A_MAX,
		.flags		= GENL_UNS_ADMIN_PERM,
		.internal_flags	= QNET_NL_F_RTNL | QNET_NL_F_LINK_OPT,
	},
};

static const struct genl_multicast_group qnet_nl_mcgrps[] = {
	[QNET_NL_MCGRP_EVENTS] = { .name = QNET_GENL_MCGRP_EVENTS },
};

static struct genl_family qnet_nl_family __ro_after_init = {
	.name		= QNET_GENL_NAME,
	.version	= QNET_GENL_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.pre_doit	= qnet_nl_pre_doit,
	.post_doit	= qnet_nl_post_doit,
	.ops		= qnet_nl_ops,
	.n_ops		= ARRAY_SIZE(qnet_nl_ops),
	.mcgrps		= qnet_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(qnet_nl_mcgrps),
};

/* ---- events ---- */

/*
 * Allocate an event for @dev's netns, or NULL when nobody listens there.
 * Caller must hold rcu_read_lock (keeps the family registered).
 */
static struct sk_buff *qnet_nl_event_new(struct net_device *dev, u8 cmd,
					 void **hdr)
{
	struct sk_buff *msg;

	if (!READ_ONCE(qnet_nl_registered) ||
	    !genl_has_listeners(&qnet_nl_family, dev_net(dev),
				QNET_NL_MCGRP_EVENTS))
		return NULL;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &qnet_nl_family, 0, cmd);
	if (!*hdr ||
	    nla_put_u32(msg, QNET_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(msg, QNET_A_IFNAME, dev->name) ||
	    nla_put_u32(msg, QNET_A_NODE_ADDR,
			READ_ONCE(qnet_pernet(dev_net(dev))->node_addr))) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static void qnet_nl_event_send(struct net_device *dev, struct sk_buff *msg,
			       void *hdr)
{
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&qnet_nl_family, dev_net(dev), msg, 0,
				QNET_NL_MCGRP_EVENTS, GFP_ATOMIC);
}

static void qnet_nl_notify_pair(struct net_device *dev, u8 cmd, u64 pair_id,
				u64 time_ns, u32 fidelity_ppm, u8 bell_state,
				u8 expire_cause)
{
	struct sk_buff *msg;
	void *hdr;

	if (WARN_ON_ONCE(cmd != QNET_CMD_PAIR_HERALDED &&
			 cmd != QNET_CMD_PAIR_EXPIRED))
		return;

	rcu_read_lock();
	msg = qnet_nl_event_new(dev, cmd, &hdr);
	if (!msg)
		goto out;
	if (nla_put_u64_64bit(msg, QNET_A_PAIR_ID, pair_id, QNET_A_PAD) ||
	    nla_put_u64_64bit(msg, QNET_A_TIME_NS, time_ns, QNET_A_PAD) ||
	    nla_put_u32(msg, QNET_A_FIDELITY_PPM, fidelity_ppm) ||
	    nla_put_u8(msg, QNET_A_BELL_STATE, bell_state) ||
	    (cmd == QNET_CMD_PAIR_EXPIRED &&
	     nla_put_u8(msg, QNET_A_EXPIRE_CAUSE, expire_cause))) {
		nlmsg_free(msg);
		goto out;
	}
	qnet_nl_event_send(dev, msg, hdr);
out:
	rcu_read_unlock();
}

static void qnet_nl_notify_link_state(struct net_device *dev, bool up)
{
	struct sk_buff *msg;
	void *hdr;

	rcu_read_lock();
	msg = qnet_nl_event_new(dev, QNET_CMD_LINK_STATE, &hdr);
	if (!msg)
		goto out;
	if (nla_put_u8(msg, QNET_A_OPER_UP, up)) {
		nlmsg_free(msg);
		goto out;
	}
	qnet_nl_event_send(dev, msg, hdr);
out:
	rcu_read_unlock();
}

/* What the link layer tells the "events" group (qlink.h). */
static const struct qlink_notify_ops qnet_nl_notify_ops = {
	.pair		= qnet_nl_notify_pair,
	.link_state	= qnet_nl_notify_link_state,
};

int __init qnet_nl_init(void)
{
	int err;

	err = genl_register_family(&qnet_nl_family);
	if (err)
		return err;
	WRITE_ONCE(qnet_nl_registered, true);
	qlink_set_notify_ops(&qnet_nl_notify_ops);
	return 0;
}

void qnet_nl_exit(void)
{
	/* Let notifiers that saw the family registered finish first. */
	qlink_set_notify_ops(NULL);
	WRITE_ONCE(qnet_nl_registered, false);
	synchronize_rcu();
	genl_unregister_family(&qnet_nl_family);
}
