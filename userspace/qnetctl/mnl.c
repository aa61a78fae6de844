// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink helpers on libmnl; see mnl.h. The shape follows iproute2's
 * lib/mnl_utils.c (extack on, control-message callbacks) and wg's
 * restart of interrupted dumps. Sockets, headers, errors, attributes
 * and family resolution are the shared layer's (userspace/nl/qnl.h, the
 * selftests' too); this file is qnetctl's exchange and its messages.
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
#include "qnl.h"

/* ---- attribute parsing ------------------------------------------------ */

static int qn_parse_done(int ret, int bad)
{
	if (!ret)
		return 0;
	if (bad >= 0)
		fprintf(stderr, "Error: malformed attribute %d in the kernel's answer\n",
			bad);
	else
		fprintf(stderr, "Error: truncated attributes in the kernel's answer\n");
	return -EINVAL;
}

int qn_parse_attrs(const struct nlmsghdr *nlh, unsigned int offset,
		   const enum mnl_attr_data_type *policy, unsigned int max,
		   const struct nlattr **tb)
{
	int bad = -1;

	return qn_parse_done(qnl_parse(nlh, offset, policy, max, tb, &bad),
			     bad);
}

int qn_parse_nested(const struct nlattr *nest,
		    const enum mnl_attr_data_type *policy, unsigned int max,
		    const struct nlattr **tb)
{
	int bad = -1;

	return qn_parse_done(qnl_parse_nested(nest, policy, max, tb, &bad),
			     bad);
}

/* ---- sockets ---------------------------------------------------------- */

int qn_sock_open(struct qn_sock *s, int bus)
{
	s->nl = qnl_socket_open(bus);
	if (!s->nl) {
		fprintf(stderr, "Error: cannot open netlink socket: %s\n",
			strerror(errno));
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
	return qnl_msg_put(s->req, type, NLM_F_REQUEST | flags, hdr, hdrlen);
}

struct nlmsghdr *qn_genl_prepare(struct qn_sock *s, uint8_t cmd,
				 uint16_t flags)
{
	return qnl_genl_put(s->req, s->family, cmd, QNET_GENL_VERSION,
			    NLM_F_REQUEST | flags);
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

/* The message of an extack, as qn_report() prints it. */
static void qn_run_extack(struct qn_sock *s, const struct qnl_extack *ext)
{
	s->errmsg[0] = '\0';
	if (ext->msg[0])
		snprintf(s->errmsg, sizeof(s->errmsg), "%s", ext->msg);
	else if (ext->miss_type >= 0)
		snprintf(s->errmsg, sizeof(s->errmsg),
			 "required attribute %d is missing", ext->miss_type);
}

static int qn_run_error(const struct nlmsghdr *nlh, void *data)
{
	struct qn_run *r = data;
	struct qnl_extack ext;
	int err;

	err = qnl_parse_error(nlh, &ext);
	if (err == -EBADMSG && mnl_nlmsg_get_payload_len(nlh) <
			       sizeof(struct nlmsgerr)) {
		r->s->error = err;
		return MNL_CB_ERROR;
	}
	qn_run_extack(r->s, &ext);
	if (!err) {
		if (r->s->errmsg[0])
			fprintf(stderr, "Warning: %s\n", r->s->errmsg);
		return MNL_CB_STOP;	/* the ACK */
	}
	r->s->error = err;
	return MNL_CB_ERROR;
}

static int qn_run_done(const struct nlmsghdr *nlh, void *data)
{
	struct qn_run *r = data;
	struct qnl_extack ext;
	int err;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		r->intr = true;
	err = qnl_parse_done(nlh, &ext);
	if (!err)
		return MNL_CB_STOP;
	qn_run_extack(r->s, &ext);
	r->s->error = err;
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

int qn_genl_open(struct qn_sock *s, const char *family)
{
	struct qnl_family f = { .mcgrp = QNET_GENL_MCGRP_EVENTS };
	int err;

	err = qn_sock_open(s, NETLINK_GENERIC);
	if (err)
		return err;
	err = qn_request_quiet(s, qnl_family_req(s->req, family),
			       qnl_family_cb, &f);
	if (err == -ENOENT)
		fprintf(stderr, "Error: no generic netlink family \"%s\"; is the %s module loaded?\n",
			family, family);
	else if (err && s->error)
		qn_report(s);
	s->family = f.id;
	s->events_group = f.mcgrp_id;
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
