/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink helpers for the qnet selftests, on libmnl and the
 * netlink helper layer qnetctl uses too (userspace/nl/qnl.h: sockets,
 * headers, acks and their extack, attributes, family resolution; link
 * with libqnl.a -lmnl, see the Makefile). What is here is the tests'
 * own exchange: every part of an answer counted, the receive size
 * chosen, every flag seen, nothing printed.
 *
 *	struct qnet_nl q;
 *	char buf[QNET_NL_BUFSZ];
 *	struct nlmsghdr *nlh;
 *
 *	qnet_nl_open(&q);			// resolves the "qnet" family
 *	nlh = qnet_nl_req(&q, buf, QNET_CMD_NODE_SET, 0);
 *	mnl_attr_put_u32(nlh, QNET_A_NODE_ADDR, 7);
 *	err = qnet_nl_do(&q, nlh, NULL, NULL);	// 0 or -errno from the ack
 *	// on error: q.ext.msg is the extack message ("" if none),
 *	// q.ext.bad_off the offset of the bad attribute in the request
 *	// (or -1), q.ext.miss_type the missing attribute (or -1)
 *
 * Replies and dump entries are passed to an mnl_cb_t; parse them with
 * qnet_nl_parse() and qnet_nl_parse_nested(). A dump is the same call
 * with NLM_F_DUMP in the flags of qnet_nl_req(); q.dump_intr tells whether
 * any part carried NLM_F_DUMP_INTR.
 *
 * The socket asks for extended acks with NETLINK_EXT_ACK and for capped
 * acks with NETLINK_CAP_ACK, so an error ack echoes only the request's
 * header and bad_off counts from the start of the request's nlmsghdr:
 * compare it with (char *)attr - (char *)nlh.
 */
#ifndef _QNET_SELFTEST_NL_H
#define _QNET_SELFTEST_NL_H

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/qnet.h>

#include "qnl.h"

/* Request buffer size, and the largest receive. */
#define QNET_NL_BUFSZ		32768
/*
 * Default receive size. The kernel sizes dump parts to the largest
 * receive a socket has done (up to 32 KiB) and a part that does not fit
 * a later, smaller receive is lost (ENOSPC): only ever raise q->rcvbuf.
 */
#define QNET_NL_RCVBUF		8192
/* Default receive timeout of every socket (see qnet_nl_set_timeout()). */
#define QNET_NL_TIMEOUT_MS	20000

/* The extack of the last ack (qnl.h): msg, bad_off, miss_type, miss_nest. */
#define qnet_nl_ext	qnl_extack

struct qnet_nl {
	struct mnl_socket	*sock;
	uint16_t		family;		/* genl family id of "qnet" */
	uint32_t		mcgrp_events;	/* id of the "events" group, 0 if none */
	uint32_t		portid;
	uint32_t		seq;
	size_t			rcvbuf;		/* recv() size, 0: QNET_NL_RCVBUF */
	bool			dump_intr;	/* last dump saw NLM_F_DUMP_INTR */
	int			parts;		/* recv() calls the last exchange took */
	struct qnet_nl_ext	ext;		/* extack of the last ack */
	char			rx[QNET_NL_BUFSZ];
};

/*
 * Put an nlmsghdr and a genlmsghdr for @cmd in @buf (QNET_NL_BUFSZ
 * bytes). NLM_F_REQUEST | NLM_F_ACK are always set; add NLM_F_DUMP for
 * a dump. The sequence number is fresh for each request.
 */
static inline struct nlmsghdr *qnet_nl_req_family(struct qnet_nl *q,
						  void *buf, uint16_t family,
						  uint8_t cmd, uint8_t version,
						  uint16_t flags)
{
	struct nlmsghdr *nlh = qnl_genl_put(buf, family, cmd, version,
					    NLM_F_REQUEST | NLM_F_ACK | flags);

	nlh->nlmsg_seq = ++q->seq;
	return nlh;
}

static inline struct nlmsghdr *qnet_nl_req(struct qnet_nl *q, void *buf,
					   uint8_t cmd, uint16_t flags)
{
	return qnet_nl_req_family(q, buf, q->family, cmd, QNET_GENL_VERSION,
				  flags);
}

/* Parse the attributes of a genetlink message into tb[0..max], unchecked. */
static inline int qnet_nl_parse(const struct nlmsghdr *nlh,
				const struct nlattr **tb, int max)
{
	return qnl_parse(nlh, sizeof(struct genlmsghdr), NULL, max, tb, NULL);
}

static inline int qnet_nl_parse_nested(const struct nlattr *nest,
				       const struct nlattr **tb, int max)
{
	return qnl_parse_nested(nest, NULL, max, tb, NULL);
}

static inline uint8_t qnet_nl_cmd(const struct nlmsghdr *nlh)
{
	return ((const struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd;
}

/* The error of an NLMSG_DONE that ends a failed dump, with its message. */
static inline int qnet_nl_parse_done(struct qnet_nl *q,
				     const struct nlmsghdr *nlh)
{
	struct qnl_extack ext;
	int err = qnl_parse_done(nlh, &ext);

	memcpy(q->ext.msg, ext.msg, sizeof(q->ext.msg));
	return err;
}

/*
 * Receive the answer to request @seq: data messages go to @cb (may be
 * NULL), until the ack, or the NLMSG_DONE that ends a dump (6.1 sends no
 * ack after it even with NLM_F_ACK). Returns 0, the negative errno of
 * the ack, a negative error from @cb (MNL_CB_ERROR becomes -EINVAL), or
 * -errno of recv(). Messages with another sequence number (late answers
 * to an earlier request) are skipped.
 */
static inline int qnet_nl_recv(struct qnet_nl *q, uint32_t seq,
			       mnl_cb_t cb, void *data)
{
	size_t len = q->rcvbuf ? q->rcvbuf : QNET_NL_RCVBUF;
	int ret;

	if (len > sizeof(q->rx))
		len = sizeof(q->rx);
	q->dump_intr = false;
	q->parts = 0;
	qnl_extack_clear(&q->ext);
	for (;;) {
		const struct nlmsghdr *nlh;
		int n;

		n = mnl_socket_recvfrom(q->sock, q->rx, len);
		if (n < 0)
			return -errno;
		q->parts++;
		nlh = (const struct nlmsghdr *)q->rx;
		for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				q->dump_intr = true;
			switch (nlh->nlmsg_type) {
			case NLMSG_ERROR:
				return qnl_parse_error(nlh, &q->ext);
			case NLMSG_DONE:
				/* 6.1 sends no ack after a dump's DONE. */
				return qnet_nl_parse_done(q, nlh);
			case NLMSG_NOOP:
				continue;
			}
			if (cb) {
				ret = cb(nlh, data);
				if (ret == MNL_CB_ERROR)
					return -EINVAL;
				if (ret < 0)
					return ret;
			}
		}
	}
}

static inline int qnet_nl_send(struct qnet_nl *q, const void *buf,
			       size_t len)
{
	if (mnl_socket_sendto(q->sock, buf, len) < 0)
		return -errno;
	return 0;
}

/* Send @nlh and wait for its answer (see qnet_nl_recv()). */
static inline int qnet_nl_do(struct qnet_nl *q, struct nlmsghdr *nlh,
			     mnl_cb_t cb, void *data)
{
	int ret = qnet_nl_send(q, nlh, nlh->nlmsg_len);

	return ret ? ret : qnet_nl_recv(q, nlh->nlmsg_seq, cb, data);
}

/*
 * A receive timeout, so that a missing answer fails a test (-EAGAIN)
 * instead of hanging it. 0 waits forever.
 */
static inline int qnet_nl_set_timeout(struct qnet_nl *q, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(mnl_socket_get_fd(q->sock), SOL_SOCKET, SO_RCVTIMEO,
		       &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

/*
 * Open a netlink socket of @proto in the caller's netns, with extended and
 * capped acks. qnet_nl_open() below is the usual entry point; this one
 * serves NETLINK_ROUTE for the qlink helpers at the end of this file.
 */
static inline int qnet_nl_open_proto(struct qnet_nl *q, int proto)
{
	memset(q, 0, sizeof(*q));
	q->seq = time(NULL);
	q->sock = qnl_socket_open(proto);
	if (!q->sock)
		return -errno;
	q->portid = mnl_socket_get_portid(q->sock);
	qnet_nl_set_timeout(q, QNET_NL_TIMEOUT_MS);
	return 0;
}

/*
 * Open a generic netlink socket in the caller's netns and resolve the
 * "qnet" family. Returns 0, -ENOENT if the module is not loaded (or the
 * family is not visible here), or another -errno.
 */
static inline int qnet_nl_open(struct qnet_nl *q)
{
	struct qnl_family f = { .mcgrp = QNET_GENL_MCGRP_EVENTS };
	struct nlmsghdr *nlh;
	char buf[256];
	int ret;

	ret = qnet_nl_open_proto(q, NETLINK_GENERIC);
	if (ret)
		return ret;

	nlh = qnl_family_req(buf, QNET_GENL_NAME);
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++q->seq;
	ret = qnet_nl_do(q, nlh, qnl_family_cb, &f);
	if (ret || !f.id) {
		mnl_socket_close(q->sock);
		q->sock = NULL;
		return ret ? ret : -ENOENT;
	}
	q->family = f.id;
	q->mcgrp_events = f.mcgrp_id;
	return 0;
}

static inline void qnet_nl_close(struct qnet_nl *q)
{
	if (q->sock)
		mnl_socket_close(q->sock);
	q->sock = NULL;
}

/* Join the "events" multicast group. */
static inline int qnet_nl_join_events(struct qnet_nl *q)
{
	int grp = q->mcgrp_events;

	if (!grp)
		return -ENOENT;
	if (mnl_socket_setsockopt(q->sock, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return -errno;
	return 0;
}

/*
 * Wait up to @timeout_ms for one datagram of events and pass each of its
 * messages to @cb. Returns the number of messages, 0 on timeout, -errno.
 */
static inline int qnet_nl_recv_events(struct qnet_nl *q, int timeout_ms,
				      mnl_cb_t cb, void *data)
{
	struct pollfd pfd = {
		.fd = mnl_socket_get_fd(q->sock),
		.events = POLLIN,
	};
	const struct nlmsghdr *nlh;
	int count = 0;
	int n;

	n = poll(&pfd, 1, timeout_ms);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	n = recv(pfd.fd, q->rx, sizeof(q->rx), MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	nlh = (const struct nlmsghdr *)q->rx;
	for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
		if (nlh->nlmsg_type != q->family)
			continue;
		count++;
		if (cb && cb(nlh, data) < 0)
			return -EINVAL;
	}
	return count;
}

/* Convenience wrappers for what most tests need. */

static inline int qnet_nl_node_set(struct qnet_nl *q, uint32_t addr)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_NODE_SET, 0);

	mnl_attr_put_u32(nlh, QNET_A_NODE_ADDR, addr);
	return qnet_nl_do(q, nlh, NULL, NULL);
}

/* NODE_SET with QNET_A_NODE_SEED: the seed of the node's outcomes. */
static inline int qnet_nl_node_seed_set(struct qnet_nl *q, uint64_t seed)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_NODE_SET, 0);

	mnl_attr_put_u64(nlh, QNET_A_NODE_SEED, seed);
	return qnet_nl_do(q, nlh, NULL, NULL);
}

/*
 * NODE_SET with QNET_A_NODE_PARAMS: the attributes of @params whose value
 * is not UINT64_MAX, put as u32 (a u64 value above that is sent as is to
 * test the policy).
 */
static inline int qnet_nl_node_params_set(struct qnet_nl *q,
					  const uint64_t params[QNET_NODE_A_MAX + 1])
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_NODE_SET, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, QNET_A_NODE_PARAMS);
	int i;

	for (i = 1; i <= QNET_NODE_A_MAX; i++)
		if (params[i] != UINT64_MAX)
			mnl_attr_put_u32(nlh, i, (uint32_t)params[i]);
	mnl_attr_nest_end(nlh, nest);
	return qnet_nl_do(q, nlh, NULL, NULL);
}

static inline int qnet_nl_node_params_cb(const struct nlmsghdr *nlh,
					 void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1];
	const struct nlattr *p[QNET_NODE_A_MAX + 1];
	uint64_t *out = data;
	int i;

	if (qnet_nl_parse(nlh, tb, QNET_A_MAX) || !tb[QNET_A_NODE_PARAMS] ||
	    qnet_nl_parse_nested(tb[QNET_A_NODE_PARAMS], p, QNET_NODE_A_MAX))
		return MNL_CB_ERROR;
	for (i = 1; i <= QNET_NODE_A_MAX; i++)
		out[i] = p[i] ? mnl_attr_get_u32(p[i]) : UINT64_MAX;
	return MNL_CB_OK;
}

/* The node's parameters, by QNET_NODE_A_* (UINT64_MAX: absent). */
static inline int qnet_nl_node_params_get(struct qnet_nl *q,
					  uint64_t params[QNET_NODE_A_MAX + 1])
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_NODE_GET, 0);

	return qnet_nl_do(q, nlh, qnet_nl_node_params_cb, params);
}

static inline int qnet_nl_node_get_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1];

	if (qnet_nl_parse(nlh, tb, QNET_A_MAX) || !tb[QNET_A_NODE_ADDR])
		return MNL_CB_ERROR;
	*(uint32_t *)data = mnl_attr_get_u32(tb[QNET_A_NODE_ADDR]);
	return MNL_CB_OK;
}

/* This netns's node address, or -errno. */
static inline int64_t qnet_nl_node_get(struct qnet_nl *q)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_NODE_GET, 0);
	uint32_t addr = 0;
	int ret = qnet_nl_do(q, nlh, qnet_nl_node_get_cb, &addr);

	return ret ? ret : (int64_t)addr;
}


/* A link's counters (QNET_CMD_STATS_GET), by enum qnet_stats_attr. */
struct qnet_nl_stats {
	uint64_t v[QNET_STATS_A_MAX + 1];
	bool has[QNET_STATS_A_MAX + 1];
};

static inline int qnet_nl_stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1] = { 0 };
	const struct nlattr *st[QNET_STATS_A_MAX + 1] = { 0 };
	struct qnet_nl_stats *s = data;
	int i;

	if (qnet_nl_parse(nlh, tb, QNET_A_MAX) || !tb[QNET_A_LINK_STATS] ||
	    qnet_nl_parse_nested(tb[QNET_A_LINK_STATS], st, QNET_STATS_A_MAX))
		return MNL_CB_ERROR;
	for (i = QNET_STATS_A_ATTEMPTS; i <= QNET_STATS_A_MAX; i++) {
		if (!st[i] || i == QNET_STATS_A_DISCARDS)
			continue;
		s->has[i] = true;
		s->v[i] = mnl_attr_get_payload_len(st[i]) == 4 ?
			  mnl_attr_get_u32(st[i]) : mnl_attr_get_u64(st[i]);
	}
	return MNL_CB_OK;
}

static inline int qnet_nl_link_stats(struct qnet_nl *q, uint32_t ifindex,
				     struct qnet_nl_stats *s)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_STATS_GET, 0);

	memset(s, 0, sizeof(*s));
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	return qnet_nl_do(q, nlh, qnet_nl_stats_cb, s);
}

/*
 * LINK_SET of one u32 or u64 link parameter (by @len, 1, 4 or 8 bytes)
 * on @ifindex.
 */
static inline int qnet_nl_link_set_one(struct qnet_nl *q, uint32_t ifindex,
				       uint16_t attr, uint64_t val, int len)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_LINK_SET, 0);
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
	if (len == 1)
		mnl_attr_put_u8(nlh, attr, val);
	else if (len == 4)
		mnl_attr_put_u32(nlh, attr, val);
	else
		mnl_attr_put_u64(nlh, attr, val);
	mnl_attr_nest_end(nlh, nest);
	return qnet_nl_do(q, nlh, NULL, NULL);
}

/*
 * rtnetlink helpers for qlink devices, on a socket from
 * qnet_nl_open_proto(q, NETLINK_ROUTE). All return 0 or -errno, with the
 * kernel's extack in q->ext.
 */

static inline struct nlmsghdr *qnet_rtnl_req(struct qnet_nl *q, void *buf,
					     uint16_t type, uint16_t flags,
					     const char *name)
{
	struct ifinfomsg ifm = { .ifi_family = AF_UNSPEC };
	struct nlmsghdr *nlh;

	nlh = qnl_msg_put(buf, type, NLM_F_REQUEST | NLM_F_ACK | flags, &ifm,
			  sizeof(ifm));
	nlh->nlmsg_seq = ++q->seq;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

/*
 * Create a qlink pair @name <-> @peer (both in the caller's netns, or the
 * peer in the netns of @peer_netns_fd if >= 0). -EOPNOTSUPP means the
 * kernel has no "qlink" link type (module without the device code).
 */
static inline int qnet_rtnl_qlink_add(struct qnet_nl *q, const char *name,
				      const char *peer, int peer_netns_fd)
{
	char buf[1024];
	struct nlmsghdr *nlh = qnet_rtnl_req(q, buf, RTM_NEWLINK,
					     NLM_F_CREATE | NLM_F_EXCL, name);
	struct nlattr *linkinfo, *data, *pnest;
	struct ifinfomsg *pifm;

	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "qlink");
	if (peer) {
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		pnest = mnl_attr_nest_start(nlh, QLINK_INFO_PEER);
		pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
		pifm->ifi_family = AF_UNSPEC;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
		if (peer_netns_fd >= 0)
			mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, peer_netns_fd);
		mnl_attr_nest_end(nlh, pnest);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, linkinfo);
	return qnet_nl_do(q, nlh, NULL, NULL);
}

static inline int qnet_rtnl_link_del(struct qnet_nl *q, const char *name)
{
	char buf[256];

	return qnet_nl_do(q, qnet_rtnl_req(q, buf, RTM_DELLINK, 0, name),
			  NULL, NULL);
}

/* Set IFF_UP on (@up) or off. */
static inline int qnet_rtnl_link_up(struct qnet_nl *q, const char *name,
				    bool up)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_rtnl_req(q, buf, RTM_NEWLINK, 0, name);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = up ? IFF_UP : 0;
	return qnet_nl_do(q, nlh, NULL, NULL);
}

/* Move device @name to the netns of @netns_fd. */
static inline int qnet_rtnl_link_netns(struct qnet_nl *q, const char *name,
				       int netns_fd)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_rtnl_req(q, buf, RTM_NEWLINK, 0, name);

	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, netns_fd);
	return qnet_nl_do(q, nlh, NULL, NULL);
}

#endif /* _QNET_SELFTEST_NL_H */
