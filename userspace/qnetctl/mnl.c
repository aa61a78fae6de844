// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink helpers on libmnl; see mnl.h. The shape follows iproute2's
 * lib/mnl_utils.c (extack on, control-message callbacks) and wg's
 * restart of interrupted dumps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/qnet.h>

#include "mnl.h"

/* ---- attribute parsing ------------------------------------------------ */

struct qn_parse_ctx {
	const enum mnl_attr_data_type	*policy;
	unsigned int			max;
	const struct nlattr		**tb;
	int				bad;	/* type that failed, or -1 */
};

static int qn_attr_cb(const struct nlattr *attr, void *data)
{
	struct qn_parse_ctx *ctx = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > ctx->max)
		return MNL_CB_OK;	/* newer kernel, newer attribute */
	if (mnl_attr_validate(attr, ctx->policy[type]) < 0) {
		ctx->bad = type;
		return MNL_CB_ERROR;
	}
	ctx->tb[type] = attr;
	return MNL_CB_OK;
}

static int qn_parse_done(int ret, const struct qn_parse_ctx *ctx)
{
	if (ret >= 0)
		return 0;
	if (ctx->bad >= 0)
		fprintf(stderr, "Error: malformed attribute %d in the kernel's answer\n",
			ctx->bad);
	else
		fprintf(stderr, "Error: truncated attributes in the kernel's answer\n");
	return -EINVAL;
}

int qn_parse_attrs(const struct nlmsghdr *nlh, unsigned int offset,
		   const enum mnl_attr_data_type *policy, unsigned int max,
		   const struct nlattr **tb)
{
	struct qn_parse_ctx ctx = { policy, max, tb, -1 };

	return qn_parse_done(mnl_attr_parse(nlh, offset, qn_attr_cb, &ctx),
			     &ctx);
}

int qn_parse_nested(const struct nlattr *nest,
		    const enum mnl_attr_data_type *policy, unsigned int max,
		    const struct nlattr **tb)
{
	struct qn_parse_ctx ctx = { policy, max, tb, -1 };

	return qn_parse_done(mnl_attr_parse_nested(nest, qn_attr_cb, &ctx),
			     &ctx);
}

/* ---- sockets ---------------------------------------------------------- */

int qn_sock_open(struct qn_sock *s, int bus)
{
	int one = 1;

	s->nl = mnl_socket_open(bus);
	if (!s->nl) {
		fprintf(stderr, "Error: cannot open netlink socket: %s\n",
			strerror(errno));
		return -errno;
	}
	/* Both exist since 4.12; without them errors are just errnos. */
	mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "Error: cannot bind netlink socket: %s\n",
			strerror(errno));
		mnl_socket_close(s->nl);
		s->nl = NULL;
		return -errno;
	}
	s->seq = time(NULL);
	s->family = 0;
	s->events_group = 0;
	return 0;
}

void qn_sock_close(struct qn_sock *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
	s->nl = NULL;
}

struct nlmsghdr *qn_msg_prepare(struct qn_sock *s, uint16_t type,
				uint16_t flags, const void *hdr, size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(s->req);
	void *eh;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	eh = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	memcpy(eh, hdr, hdrlen);
	return nlh;
}

struct nlmsghdr *qn_genl_prepare(struct qn_sock *s, uint8_t cmd,
				 uint16_t flags)
{
	struct genlmsghdr genl = { .cmd = cmd, .version = QNET_GENL_VERSION };

	return qn_msg_prepare(s, s->family, flags, &genl, sizeof(genl));
}

/* ---- one request, its answers, its ACK -------------------------------- */

/* The answer to one request, kept until it is complete. */
struct qn_run {
	struct qn_sock	*s;
	char		*store;
	size_t		len, cap;
	bool		intr;		/* NLM_F_DUMP_INTR seen */
};

static int qn_run_keep(const struct nlmsghdr *nlh, void *data)
{
	struct qn_run *r = data;
	size_t need = NLMSG_ALIGN(nlh->nlmsg_len);
	char *p;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		r->intr = true;
	if (r->len + need > r->cap) {
		size_t cap = r->cap ? r->cap * 2 : QN_RECV_SIZE;

		while (cap < r->len + need)
			cap *= 2;
		p = realloc(r->store, cap);
		if (!p) {
			r->s->error = -ENOMEM;
			return MNL_CB_ERROR;
		}
		r->store = p;
		r->cap = cap;
	}
	memcpy(r->store + r->len, nlh, nlh->nlmsg_len);
	r->len += need;
	return MNL_CB_OK;
}

static const enum mnl_attr_data_type extack_policy[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG]		= MNL_TYPE_NUL_STRING,
	[NLMSGERR_ATTR_OFFS]		= MNL_TYPE_U32,
	[NLMSGERR_ATTR_MISS_TYPE]	= MNL_TYPE_U32,
	[NLMSGERR_ATTR_MISS_NEST]	= MNL_TYPE_U32,
};

/* The extack TLVs after @off bytes of an ERROR or DONE payload. */
static void qn_run_extack(struct qn_sock *s, const struct nlmsghdr *nlh,
			  size_t off)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};

	s->errmsg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    off > mnl_nlmsg_get_payload_len(nlh))
		return;
	if (qn_parse_attrs(nlh, off, extack_policy, NLMSGERR_ATTR_MAX, tb))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(s->errmsg, sizeof(s->errmsg), "%s",
			 mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
	else if (tb[NLMSGERR_ATTR_MISS_TYPE])
		snprintf(s->errmsg, sizeof(s->errmsg),
			 "required attribute %u is missing",
			 mnl_attr_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]));
}

static int qn_run_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct qn_run *r = data;
	size_t off = sizeof(*err);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		r->s->error = -EBADMSG;
		return MNL_CB_ERROR;
	}
	/* Without NLM_F_CAPPED our request is echoed before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	qn_run_extack(r->s, nlh, off);
	if (!err->error) {
		if (r->s->errmsg[0])
			fprintf(stderr, "Warning: %s\n", r->s->errmsg);
		return MNL_CB_STOP;	/* the ACK */
	}
	r->s->error = err->error < 0 ? err->error : -err->error;
	return MNL_CB_ERROR;
}

static int qn_run_done(const struct nlmsghdr *nlh, void *data)
{
	struct qn_run *r = data;
	int len;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		r->intr = true;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(len))
		return MNL_CB_STOP;
	memcpy(&len, mnl_nlmsg_get_payload(nlh), sizeof(len));
	if (len >= 0)
		return MNL_CB_STOP;
	qn_run_extack(r->s, nlh, sizeof(len));
	r->s->error = len;
	return MNL_CB_ERROR;
}

static int qn_run_noop(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static const mnl_cb_t qn_run_ctl[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP]	= qn_run_noop,
	[NLMSG_ERROR]	= qn_run_error,
	[NLMSG_DONE]	= qn_run_done,
	[NLMSG_OVERRUN]	= qn_run_noop,
};

/*
 * mnl_cb_run2() but for one thing: libmnl stops at the first message
 * flagged NLM_F_DUMP_INTR and returns EINTR, leaving the rest of the dump
 * queued on the socket. Here the flag is noted and the dump is read to
 * its end, so that it can be asked for again on a clean socket.
 */
static int qn_run_buf(struct qn_run *r, const void *buf, int len,
		      uint32_t seq, uint32_t portid)
{
	const struct nlmsghdr *nlh = buf;
	int ret = MNL_CB_OK;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (!mnl_nlmsg_portid_ok(nlh, portid) ||
		    !mnl_nlmsg_seq_ok(nlh, seq)) {
			r->s->error = -EPROTO;
			return MNL_CB_ERROR;
		}
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			r->intr = true;
		if (nlh->nlmsg_type >= NLMSG_MIN_TYPE)
			ret = qn_run_keep(nlh, r);
		else if (qn_run_ctl[nlh->nlmsg_type])
			ret = qn_run_ctl[nlh->nlmsg_type](nlh, r);
		if (ret <= MNL_CB_STOP)
			return ret;
	}
	return ret;
}

/* Send @nlh and read its whole answer into @r. */
static int qn_run_once(struct qn_sock *s, struct nlmsghdr *nlh,
		       struct qn_run *r)
{
	unsigned int portid = mnl_socket_get_portid(s->nl);
	ssize_t n;
	int ret;

	r->len = 0;
	r->intr = false;
	s->error = 0;
	s->errmsg[0] = '\0';
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++s->seq;
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return s->error = -errno;
	do {
		n = mnl_socket_recvfrom(s->nl, s->buf, sizeof(s->buf));
		if (n < 0)
			return s->error = -errno;
		ret = qn_run_buf(r, s->buf, n, nlh->nlmsg_seq, portid);
	} while (ret > 0);
	if (ret < 0 && !s->error)
		s->error = -EPROTO;
	return s->error;
}

void qn_report(const struct qn_sock *s)
{
	if (s->errmsg[0])
		fprintf(stderr, "Error: %s\n", s->errmsg);
	else if (s->error)
		fprintf(stderr, "Error: %s\n", strerror(-s->error));
}

/*
 * @dump: NLM_F_DUMP is set. It cannot be told from the flags alone: on a
 * "new" request the same bits mean NLM_F_EXCL and NLM_F_APPEND.
 */
static int qn_transact(struct qn_sock *s, struct nlmsghdr *nlh, bool dump,
		       bool quiet, mnl_cb_t cb, void *data)
{
	struct qn_run r = { .s = s };
	int tries = 0, err;

	for (;;) {
		err = qn_run_once(s, nlh, &r);
		if (err || !dump || !r.intr)
			break;
		/* The table changed while we read it: read it again. */
		if (++tries == QN_DUMP_RETRIES) {
			snprintf(s->errmsg, sizeof(s->errmsg),
				 "dump interrupted %d times in a row, giving up",
				 tries);
			err = s->error = -EAGAIN;
			break;
		}
	}
	if (err) {
		if (!quiet)
			qn_report(s);
		goto out;
	}
	/* Callbacks print their own errors. */
	if (cb && r.len && mnl_cb_run(r.store, r.len, 0, 0, cb, data) < 0)
		err = -EINVAL;
out:
	free(r.store);
	return err;
}

int qn_request(struct qn_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb,
	       void *data)
{
	return qn_transact(s, nlh, false, false, cb, data);
}

int qn_request_quiet(struct qn_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb,
		     void *data)
{
	return qn_transact(s, nlh, false, true, cb, data);
}

int qn_dump(struct qn_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	nlh->nlmsg_flags |= NLM_F_DUMP;
	return qn_transact(s, nlh, true, false, cb, data);
}

/* ---- generic netlink family ------------------------------------------- */

static const enum mnl_attr_data_type ctrl_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID]		= MNL_TYPE_U16,
	[CTRL_ATTR_FAMILY_NAME]		= MNL_TYPE_NUL_STRING,
	[CTRL_ATTR_VERSION]		= MNL_TYPE_U32,
	[CTRL_ATTR_HDRSIZE]		= MNL_TYPE_U32,
	[CTRL_ATTR_MAXATTR]		= MNL_TYPE_U32,
	[CTRL_ATTR_OPS]			= MNL_TYPE_NESTED,
	[CTRL_ATTR_MCAST_GROUPS]	= MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type mcgrp_policy[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
	[CTRL_ATTR_MCAST_GRP_NAME]	= MNL_TYPE_NUL_STRING,
	[CTRL_ATTR_MCAST_GRP_ID]	= MNL_TYPE_U32,
};

static int qn_family_groups(struct qn_sock *s, const struct nlattr *groups)
{
	const struct nlattr *grp;

	mnl_attr_for_each_nested(grp, groups) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = {};

		if (qn_parse_nested(grp, mcgrp_policy, CTRL_ATTR_MCAST_GRP_MAX, tb))
			return MNL_CB_ERROR;
		if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
			    QNET_GENL_MCGRP_EVENTS))
			s->events_group = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return MNL_CB_OK;
}

static int qn_family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = {};
	struct qn_sock *s = data;

	if (qn_parse_attrs(nlh, sizeof(struct genlmsghdr), ctrl_policy,
			   CTRL_ATTR_MAX, tb))
		return MNL_CB_ERROR;
	if (!tb[CTRL_ATTR_FAMILY_ID]) {
		fprintf(stderr, "Error: no family id in the kernel's answer\n");
		return MNL_CB_ERROR;
	}
	s->family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		return qn_family_groups(s, tb[CTRL_ATTR_MCAST_GROUPS]);
	return MNL_CB_OK;
}

int qn_genl_open(struct qn_sock *s, const char *family)
{
	struct genlmsghdr genl = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 };
	struct nlmsghdr *nlh;
	int err;

	err = qn_sock_open(s, NETLINK_GENERIC);
	if (err)
		return err;
	nlh = qn_msg_prepare(s, GENL_ID_CTRL, 0, &genl, sizeof(genl));
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	err = qn_request_quiet(s, nlh, qn_family_cb, s);
	if (err == -ENOENT)
		fprintf(stderr, "Error: no generic netlink family \"%s\"; is the %s module loaded?\n",
			family, family);
	else if (err && s->error)
		qn_report(s);
	if (!err && !s->family)
		err = -ENOENT;
	if (err)
		qn_sock_close(s);
	return err;
}

/* ---- notifications ---------------------------------------------------- */

int qn_sock_join_events(struct qn_sock *s)
{
	int grp = s->events_group;

	if (!grp) {
		fprintf(stderr, "Error: the kernel has no \"%s\" multicast group\n",
			QNET_GENL_MCGRP_EVENTS);
		return -ENOENT;
	}
	if (mnl_socket_setsockopt(s->nl, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0) {
		fprintf(stderr, "Error: cannot join the \"%s\" group: %s\n",
			QNET_GENL_MCGRP_EVENTS, strerror(errno));
		return -errno;
	}
	return 0;
}

int qn_sock_listen(struct qn_sock *s, mnl_cb_t cb, void *data)
{
	ssize_t n;
	int ret;

	for (;;) {
		n = mnl_socket_recvfrom(s->nl, s->buf, sizeof(s->buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* The socket overflowed; keep listening. */
				fprintf(stderr, "Warning: events were lost (receive buffer overrun)\n");
				continue;
			}
			fprintf(stderr, "Error: netlink receive: %s\n",
				strerror(errno));
			return -errno;
		}
		ret = mnl_cb_run(s->buf, n, 0, 0, cb, data);
		if (ret <= MNL_CB_STOP)
			return ret < 0 ? -EINVAL : 0;
	}
}
