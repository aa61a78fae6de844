// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libqnet, the control half: the "qnet" generic netlink family over
 * libnl-genl-3 (Documentation/netlink.rst is the family, this file only
 * builds requests and reads answers with libnl's nlmsg_* and nla_*).
 *
 * One request at a time per handle: a call sends one message and reads
 * until its ack (a do) or its NLMSG_DONE (a dump). Replies go through
 * NL_CB_VALID, errors through the NL_CB_ERR callback (nl_cb_err), which
 * also reads the extended ack: the socket has NETLINK_EXT_ACK and
 * NETLINK_CAP_ACK on, so the TLVs follow struct nlmsgerr directly. A
 * failed dump reports its error in the NLMSG_DONE that ends it
 * (NL_CB_FINISH). The message of the last failure is kept in the handle;
 * when the kernel points at an attribute (NLMSGERR_ATTR_OFFS), its name
 * is found in the request we sent and added to the message, so that
 * "integer out of range" says which integer.
 *
 * Names and indexes: a handle keeps a datagram socket created in the
 * node's netns next to its netlink socket, and resolves device names with
 * SIOCGIFINDEX on it (what if_nametoindex() does, but in the node's netns
 * rather than the caller's, with no setns() per call).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "qnet/libqnet.h"
#include "internal.h"
#include "qlink_params.h"

#define LIBQNET_API	__attribute__((visibility("default")))

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

/* How often a dump interrupted by a concurrent change is restarted. */
#define CTL_DUMP_RETRIES	10

struct qnet_ctl {
	struct nl_sock	*sk;
	int		family;		/* genl id of "qnet" */
	int		ifsock;		/* AF_UNIX datagram socket in the netns */
	char		err[512];	/* qnet_ctl_error() */
};

/* ---- attribute names, for error messages ---- */

#define NAME(x) [x] = #x

static const char *const ctl_attr_names[QNET_A_MAX + 1] = {
	NAME(QNET_A_PAD), NAME(QNET_A_IFINDEX), NAME(QNET_A_IFNAME),
	NAME(QNET_A_NODE_ADDR), NAME(QNET_A_PEER_NODE_ADDR),
	NAME(QNET_A_LINK_PARAMS), NAME(QNET_A_LINK_STATS),
	NAME(QNET_A_NODE_STATS), NAME(QNET_A_ROUTE_DST),
	NAME(QNET_A_ROUTE_METRIC), NAME(QNET_A_OPER_UP), NAME(QNET_A_PAIR_ID),
	NAME(QNET_A_TIME_NS), NAME(QNET_A_FIDELITY_PPM),
	NAME(QNET_A_BELL_STATE), NAME(QNET_A_EXPIRE_CAUSE),
	NAME(QNET_A_NET_STATS), NAME(QNET_A_NODE_PARAMS),
	NAME(QNET_A_NODE_SEED),
};

#define CTL_PARAM_NAME(_f, _a, _t, _min, _max, _def, _kw, _js, _u)	\
	NAME(QNET_LINK_A_##_a),

static const char *const ctl_link_attr_names[QNET_LINK_A_MAX + 1] = {
	NAME(QNET_LINK_A_PAD),
	QLINK_PARAMS(CTL_PARAM_NAME)
};

#undef NAME

/*
 * ---- link parameters and counters: values by attribute type ----
 *
 * The objects keep what the kernel sent as (type, value) pairs rather than
 * in named fields: a parameter or counter the kernel adds is kept and read
 * by its uapi type, with no new field, accessor or symbol here. Only
 * writing needs to know an attribute: its width, from ctl_param_width.
 */

/* Types past this are ignored (a guard against absurd allocations). */
#define CTL_VALS_MAX_TYPE	1024

struct ctl_vals {
	uint64_t	*v;
	uint8_t		*width;		/* bytes on the wire; 0: absent */
	unsigned int	n;		/* v[] and width[] cover types 0..n-1 */
};

struct qnet_link_params {
	struct ctl_vals	vals;
};

struct qnet_stats {
	struct ctl_vals	vals;
	struct ctl_vals	discards;	/* by QNET_DISCARDS_A_* (cause + 1) */
};

struct qnet_link_info {
	char			ifname[IF_NAMESIZE];
	int			ifindex;
	uint32_t		peer_node;
	bool			oper_up;
	struct qnet_link_params	params;
	struct qnet_stats	stats;
};

struct qnet_link_list {
	struct qnet_link_info	*v;
	size_t			n, cap;
};

struct qnet_route {
	uint32_t	dst, dst_last;	/* the range it covers */
	int		ifindex;
	char		ifname[IF_NAMESIZE];
	uint32_t	metric;
};

struct qnet_route_list {
	struct qnet_route	*v;
	size_t			n, cap;
};

/*
 * The width of every link parameter libqnet can send (0: none such), from
 * the one table of link parameters (kernel/qlink_params.h).
 */
#define CTL_WIDTH_u8	1
#define CTL_WIDTH_u32	4
#define CTL_WIDTH_u64	8
#define CTL_PARAM_WIDTH(_f, _a, _t, _min, _max, _def, _kw, _js, _u)	\
	[QNET_LINK_A_##_a] = CTL_WIDTH_##_t,

static const uint8_t ctl_param_width[QNET_LINK_A_MAX + 1] = {
	QLINK_PARAMS(CTL_PARAM_WIDTH)
};

static void ctl_vals_release(struct ctl_vals *t)
{
	free(t->v);
	free(t->width);
	memset(t, 0, sizeof(*t));
}

static int ctl_vals_put(struct ctl_vals *t, unsigned int type, uint64_t v,
			uint8_t width)
{
	if (type >= t->n) {
		unsigned int n = type + 1;
		uint64_t *nv = realloc(t->v, n * sizeof(*nv));
		uint8_t *nw;

		if (!nv)
			return -ENOMEM;
		t->v = nv;
		nw = realloc(t->width, n);
		if (!nw)
			return -ENOMEM;
		t->width = nw;
		memset(t->v + t->n, 0, (n - t->n) * sizeof(*nv));
		memset(t->width + t->n, 0, n - t->n);
		t->n = n;
	}
	t->v[type] = v;
	t->width[type] = width;
	return 0;
}

static int ctl_vals_get(const struct ctl_vals *t, unsigned int type,
			uint64_t *val)
{
	if (!val)
		return qnet_fail(EINVAL);
	*val = 0;
	if (type >= t->n || !t->width[type])
		return qnet_fail(ENOENT);
	*val = t->v[type];
	return 0;
}

/*
 * Every integer attribute of @nest into @t; @sub, if not NULL, gets the
 * integers of nested attribute @subtype. Other nests and attributes of
 * other sizes (pads) are skipped.
 */
static int ctl_vals_parse(struct ctl_vals *t, struct nlattr *nest,
			  struct ctl_vals *sub, int subtype)
{
	struct nlattr *a;
	int rem, err;

	nla_for_each_nested(a, nest, rem) {
		int type = nla_type(a);
		uint64_t v;

		if (sub && type == subtype) {
			err = ctl_vals_parse(sub, a, NULL, 0);
			if (err)
				return err;
			continue;
		}
		if (type >= CTL_VALS_MAX_TYPE || (a->nla_type & NLA_F_NESTED))
			continue;
		switch (nla_len(a)) {
		case 1:
			v = nla_get_u8(a);
			break;
		case 2:
			v = nla_get_u16(a);
			break;
		case 4:
			v = nla_get_u32(a);
			break;
		case 8:
			v = nla_get_u64(a);
			break;
		default:
			continue;
		}
		err = ctl_vals_put(t, type, v, nla_len(a));
		if (err)
			return err;
	}
	return 0;
}

/* What we read; libnl checks the lengths (unknown, newer ones are skipped). */
static struct nla_policy ctl_policy[QNET_A_MAX + 1] = {
	[QNET_A_IFINDEX]	= { .type = NLA_U32 },
	[QNET_A_IFNAME]		= { .type = NLA_STRING },
	[QNET_A_NODE_ADDR]	= { .type = NLA_U32 },
	[QNET_A_PEER_NODE_ADDR]	= { .type = NLA_U32 },
	[QNET_A_LINK_PARAMS]	= { .type = NLA_NESTED },
	[QNET_A_LINK_STATS]	= { .type = NLA_NESTED },
	[QNET_A_NODE_STATS]	= { .type = NLA_NESTED },
	[QNET_A_NET_STATS]	= { .type = NLA_NESTED },
	[QNET_A_ROUTE_DST]	= { .type = NLA_U32 },
	[QNET_A_ROUTE_METRIC]	= { .type = NLA_U32 },
	[QNET_A_OPER_UP]	= { .type = NLA_U8 },
};

/* ---- errors ---- */

static int ctl_fail(int err)
{
	errno = -err;
	return err;
}

/* A call with a NULL or otherwise unusable argument. */
static int ctl_einval(struct qnet_ctl *ctl)
{
	if (ctl)
		snprintf(ctl->err, sizeof(ctl->err), "libqnet: invalid argument");
	return ctl_fail(-EINVAL);
}

static void ctl_set_error(struct qnet_ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctl->err, sizeof(ctl->err), fmt, ap);
	va_end(ap);
}

/* A libnl error code (negative NLE_*) as a negative errno. */
static int ctl_nlerr(int nlerr)
{
	switch (-nlerr) {
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_INTR:		return -EINTR;
	case NLE_PERM:		return -EPERM;
	case NLE_NOACCESS:	return -EACCES;
	case NLE_NODEV:		return -ENODEV;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_INVAL:		return -EINVAL;
	case NLE_RANGE:		return -ERANGE;
	case NLE_MSGSIZE:	return -EMSGSIZE;
	case NLE_MSG_TRUNC:	return -EMSGSIZE;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
	case NLE_BAD_SOCK:	return -EBADF;
	case NLE_DUMP_INTR:	return -EINTR;
	default:		return -EIO;
	}
}

/* The name of the attribute at byte @off of request @req, or NULL. */
static const char *ctl_attr_at(struct nl_msg *req, uint32_t off)
{
	struct nlmsghdr *nlh = nlmsg_hdr(req);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *a, *n;
	int rem, nrem;

	nla_for_each_attr(a, genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0),
			  rem) {
		uint32_t aoff = (char *)a - (char *)nlh;
		int type = nla_type(a);

		if (off == aoff)
			return type <= QNET_A_MAX ? ctl_attr_names[type] : NULL;
		if (type != QNET_A_LINK_PARAMS || off < aoff ||
		    off >= aoff + nla_len(a) + NLA_HDRLEN)
			continue;
		nla_for_each_nested(n, a, nrem) {
			int ntype = nla_type(n);

			if ((char *)n - (char *)nlh == off)
				return ntype <= QNET_LINK_A_MAX ?
					ctl_link_attr_names[ntype] : NULL;
		}
	}
	return NULL;
}

/*
 * Extended ack TLVs (enum nlmsgerr_attrs) in @attrs/@len into ctl->err,
 * for a failure of request @req.
 */
static void ctl_extack(struct qnet_ctl *ctl, struct nl_msg *req,
		       struct nlattr *attrs, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlattr *pol[NL_POLICY_TYPE_ATTR_MAX + 1];
	const char *name = NULL;
	size_t n;

	ctl->err[0] = '\0';
	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, NULL))
		return;

	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(ctl->err, sizeof(ctl->err), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS] && nla_len(tb[NLMSGERR_ATTR_OFFS]) == 4)
		name = ctl_attr_at(req, nla_get_u32(tb[NLMSGERR_ATTR_OFFS]));
	if (!name && tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) == 4 &&
	    !tb[NLMSGERR_ATTR_MISS_NEST]) {
		uint32_t t = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);

		name = t <= QNET_A_MAX ? ctl_attr_names[t] : NULL;
	}
	/* the kernel's message may name it already ("missing attribute X") */
	if (!name || strstr(ctl->err, name))
		return;

	n = strlen(ctl->err);
	snprintf(ctl->err + n, sizeof(ctl->err) - n, "%s%s", n ? ": " : "",
		 name);
	/* a policy rejection may come with the policy: show the range */
	if (tb[NLMSGERR_ATTR_POLICY] &&
	    !nla_parse_nested(pol, NL_POLICY_TYPE_ATTR_MAX,
			      tb[NLMSGERR_ATTR_POLICY], NULL) &&
	    pol[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] &&
	    pol[NL_POLICY_TYPE_ATTR_MAX_VALUE_U] &&
	    nla_len(pol[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]) == 8 &&
	    nla_len(pol[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]) == 8) {
		n = strlen(ctl->err);
		snprintf(ctl->err + n, sizeof(ctl->err) - n,
			 " (valid: %llu..%llu)",
			 (unsigned long long)nla_get_u64(pol[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]),
			 (unsigned long long)nla_get_u64(pol[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]));
	}
}

/* ---- one request, its answers ---- */

typedef int (*ctl_parse_t)(struct nlattr **tb, void *arg);

struct ctl_req {
	struct qnet_ctl	*ctl;
	struct nl_msg	*msg;
	ctl_parse_t	parse;
	void		*arg;
	int		err;		/* first error: -errno */
	bool		done;
	bool		intr;		/* a dump part had NLM_F_DUMP_INTR */
};

static int ctl_valid_cb(struct nl_msg *msg, void *data)
{
	struct ctl_req *r = data;
	struct nlattr *tb[QNET_A_MAX + 1];
	int err;

	if (r->err || !r->parse)
		return NL_SKIP;
	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, QNET_A_MAX, ctl_policy);
	if (err) {
		r->err = -EBADMSG;
		ctl_set_error(r->ctl, "libqnet: malformed reply from the kernel");
		return NL_SKIP;
	}
	err = r->parse(tb, r->arg);
	if (err)
		r->err = err;
	/* keep reading to the end of the answer in any case */
	return NL_SKIP;
}

static int ctl_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *data)
{
	struct ctl_req *r = data;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	int hdrlen = sizeof(*e);

	(void)nla;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hdrlen += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (!r->err) {
		r->err = e->error < 0 ? e->error : -EIO;
		if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
			ctl_extack(r->ctl, r->msg, nlmsg_attrdata(nlh, hdrlen),
				   nlmsg_attrlen(nlh, hdrlen));
	}
	r->done = true;
	return NL_STOP;
}

static int ctl_ack_cb(struct nl_msg *msg, void *data)
{
	struct ctl_req *r = data;

	(void)msg;
	r->done = true;
	return NL_STOP;
}

/* NLMSG_DONE: the end of a dump, with the dump's error if it failed. */
static int ctl_finish_cb(struct nl_msg *msg, void *data)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct ctl_req *r = data;
	int err = 0;

	if (nlmsg_datalen(nlh) >= (int)sizeof(int))
		memcpy(&err, nlmsg_data(nlh), sizeof(int));
	if (err < 0 && !r->err) {
		r->err = err;
		if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
			ctl_extack(r->ctl, r->msg,
				   nlmsg_attrdata(nlh, sizeof(int)),
				   nlmsg_attrlen(nlh, sizeof(int)));
	}
	r->done = true;
	return NL_STOP;
}

static int ctl_intr_cb(struct nl_msg *msg, void *data)
{
	struct ctl_req *r = data;

	(void)msg;
	r->intr = true;
	return NL_OK;
}

static struct nl_msg *ctl_msg(struct qnet_ctl *ctl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctl->family, 0,
			 flags, cmd, QNET_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/*
 * Send @msg (freed here) and read its answer: every reply or dump entry
 * goes to @parse, parsed by ctl_policy. Returns 0 or -errno (errno set);
 * a dump whose table changed under it returns -EINTR.
 */
static int ctl_exchange(struct qnet_ctl *ctl, struct nl_msg *msg,
			ctl_parse_t parse, void *arg)
{
	struct ctl_req r = { .ctl = ctl, .msg = msg, .parse = parse,
			     .arg = arg };
	struct nl_cb *cb;
	int ret;

	ctl->err[0] = '\0';
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return ctl_fail(-ENOMEM);
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, ctl_valid_cb, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ctl_ack_cb, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, ctl_finish_cb, &r);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, ctl_intr_cb, &r);
	nl_cb_err(cb, NL_CB_CUSTOM, ctl_err_cb, &r);

	ret = nl_send_auto(ctl->sk, msg);
	if (ret < 0) {
		r.err = ctl_nlerr(ret);
		ctl_set_error(ctl, "libqnet: send: %s", nl_geterror(ret));
		r.done = true;
	}
	while (!r.done) {
		ret = nl_recvmsgs(ctl->sk, cb);
		if (ret < 0 && !r.done) {
			r.err = r.err ?: ctl_nlerr(ret);
			if (!ctl->err[0])
				ctl_set_error(ctl, "libqnet: receive: %s",
					      nl_geterror(ret));
			break;
		}
	}
	nl_cb_put(cb);
	nlmsg_free(msg);
	if (!r.err && r.intr)
		r.err = -EINTR;
	return r.err ? ctl_fail(r.err) : 0;
}

/* A dump of @cmd; @reset empties the caller's result before each try. */
static int ctl_dump(struct qnet_ctl *ctl, uint8_t cmd, ctl_parse_t parse,
		    void *arg, void (*reset)(void *arg))
{
	struct nl_msg *msg;
	int i, err = -EINTR;

	for (i = 0; i < CTL_DUMP_RETRIES && err == -EINTR; i++) {
		reset(arg);
		msg = ctl_msg(ctl, cmd, NLM_F_DUMP);
		if (!msg)
			return ctl_fail(-ENOMEM);
		err = ctl_exchange(ctl, msg, parse, arg);
	}
	if (err == -EINTR)
		ctl_set_error(ctl, "libqnet: the table kept changing during the dump");
	return err ? ctl_fail(err) : 0;
}

/* @ifname's index in the node's netns, or -errno. */
static int ctl_ifindex(struct qnet_ctl *ctl, const char *ifname)
{
	struct ifreq ifr;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ) {
		ctl_set_error(ctl, "libqnet: bad device name");
		return ctl_fail(-EINVAL);
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(ctl->ifsock, SIOCGIFINDEX, &ifr) < 0) {
		int err = -errno;

		ctl_set_error(ctl, "libqnet: no device %s in this node", ifname);
		return ctl_fail(err);
	}
	return ifr.ifr_ifindex;
}

/* ---- open, close ---- */

static int ctl_sockets(struct qnet_ctl *ctl)
{
	int one = 1, ret;

	ctl->ifsock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ctl->ifsock < 0)
		return -errno;
	ctl->sk = nl_socket_alloc();
	if (!ctl->sk)
		return -ENOMEM;
	ret = genl_connect(ctl->sk);
	if (ret < 0)
		return ctl_nlerr(ret);
	if (setsockopt(nl_socket_get_fd(ctl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		       &one, sizeof(one)) < 0 ||
	    setsockopt(nl_socket_get_fd(ctl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		       &one, sizeof(one)) < 0)
		return -errno;
	ret = genl_ctrl_resolve(ctl->sk, QNET_GENL_NAME);
	if (ret < 0)	/* module not loaded */
		return ret == -NLE_OBJ_NOTFOUND ? -ENOENT : ctl_nlerr(ret);
	ctl->family = ret;
	return 0;
}

LIBQNET_API void qnet_ctl_close(struct qnet_ctl *ctl)
{
	int saved = errno;

	if (!ctl)
		return;
	if (ctl->sk)
		nl_socket_free(ctl->sk);
	if (ctl->ifsock >= 0)
		close(ctl->ifsock);
	free(ctl);
	errno = saved;
}

LIBQNET_API struct qnet_ctl *qnet_ctl_open(const char *netns)
{
	struct qnet_ctl *ctl;
	int nsfd = -1, home = -1, err = 0;
	char path[256];

	if (netns && (!*netns || strchr(netns, '/') || !strcmp(netns, ".") ||
		      !strcmp(netns, "..") || strlen(netns) > 200)) {
		errno = EINVAL;
		return NULL;
	}
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return NULL;
	ctl->ifsock = -1;

	if (netns) {
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0) {
			err = -errno;
			goto out;
		}
		/* setns() changes the calling thread only */
		home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (home < 0) {
			err = -errno;
			goto out;
		}
		if (setns(nsfd, CLONE_NEWNET)) {
			err = -errno;
			goto out;
		}
	}

	/* sockets belong to the netns they are created in, for good */
	err = ctl_sockets(ctl);

	if (netns && setns(home, CLONE_NEWNET) && !err)
		err = -errno;
out:
	if (nsfd >= 0)
		close(nsfd);
	if (home >= 0)
		close(home);
	if (err) {
		qnet_ctl_close(ctl);
		errno = -err;
		return NULL;
	}
	return ctl;
}

LIBQNET_API const char *qnet_ctl_error(const struct qnet_ctl *ctl)
{
	return ctl ? ctl->err : "";
}

/* ---- node ---- */

static int ctl_parse_node_addr(struct nlattr **tb, void *arg)
{
	if (!tb[QNET_A_NODE_ADDR])
		return -EBADMSG;
	*(uint32_t *)arg = nla_get_u32(tb[QNET_A_NODE_ADDR]);
	return 0;
}

LIBQNET_API int qnet_ctl_node_get(struct qnet_ctl *ctl, uint32_t *addr)
{
	struct nl_msg *msg;
	uint32_t a = 0;
	int err;

	if (!ctl || !addr)
		return ctl_einval(ctl);
	msg = ctl_msg(ctl, QNET_CMD_NODE_GET, 0);
	if (!msg)
		return ctl_fail(-ENOMEM);
	err = ctl_exchange(ctl, msg, ctl_parse_node_addr, &a);
	if (!err)
		*addr = a;
	return err;
}

LIBQNET_API int qnet_ctl_node_set(struct qnet_ctl *ctl, uint32_t addr)
{
	struct nl_msg *msg;

	if (!ctl)
		return ctl_einval(ctl);
	msg = ctl_msg(ctl, QNET_CMD_NODE_SET, 0);
	if (!msg || nla_put_u32(msg, QNET_A_NODE_ADDR, addr)) {
		nlmsg_free(msg);
		return ctl_fail(-ENOMEM);
	}
	return ctl_exchange(ctl, msg, NULL, NULL);
}

/* ---- link parameters, counters: the objects ---- */

LIBQNET_API struct qnet_link_params *qnet_link_params_alloc(void)
{
	return calloc(1, sizeof(struct qnet_link_params));
}

LIBQNET_API void qnet_link_params_free(struct qnet_link_params *p)
{
	if (!p)
		return;
	ctl_vals_release(&p->vals);
	free(p);
}

LIBQNET_API int qnet_link_params_set(struct qnet_link_params *p,
				     unsigned int attr, uint64_t val)
{
	uint8_t width;

	if (!p || attr > QNET_LINK_A_MAX || !ctl_param_width[attr])
		return qnet_fail(EINVAL);
	width = ctl_param_width[attr];
	if (width < 8 && val >> (8 * width))
		return qnet_fail(ERANGE);
	return ctl_vals_put(&p->vals, attr, val, width) ?
		qnet_fail(ENOMEM) : 0;
}

LIBQNET_API int qnet_link_params_get(const struct qnet_link_params *p,
				     unsigned int attr, uint64_t *val)
{
	if (!p)
		return qnet_fail(EINVAL);
	return ctl_vals_get(&p->vals, attr, val);
}

static void ctl_stats_release(struct qnet_stats *st)
{
	ctl_vals_release(&st->vals);
	ctl_vals_release(&st->discards);
}

LIBQNET_API void qnet_stats_free(struct qnet_stats *st)
{
	if (!st)
		return;
	ctl_stats_release(st);
	free(st);
}

LIBQNET_API int qnet_stats_get(const struct qnet_stats *st, unsigned int attr,
			       uint64_t *val)
{
	if (!st)
		return qnet_fail(EINVAL);
	return ctl_vals_get(&st->vals, attr, val);
}

LIBQNET_API int qnet_stats_get_discards(const struct qnet_stats *st,
					unsigned int cause, uint64_t *val)
{
	/* QNET_DISCARDS_A_* is the cause + 1 */
	if (!st || cause >= CTL_VALS_MAX_TYPE)
		return qnet_fail(EINVAL);
	return ctl_vals_get(&st->discards, cause + 1, val);
}

/* ---- counters ---- */

static int ctl_parse_stats(struct nlattr *nest, struct qnet_stats *st)
{
	int err;

	ctl_stats_release(st);
	if (!nest)
		return 0;
	err = ctl_vals_parse(&st->vals, nest, &st->discards,
			     QNET_STATS_A_DISCARDS);
	return err;
}

static int ctl_parse_stats_reply(struct nlattr **tb, void *arg)
{
	struct nlattr *nest = tb[QNET_A_LINK_STATS] ?: tb[QNET_A_NODE_STATS];

	if (!nest)
		return -EBADMSG;
	return ctl_parse_stats(nest, arg);
}

static int ctl_parse_net_stats_reply(struct nlattr **tb, void *arg)
{
	if (!tb[QNET_A_NET_STATS])
		return -EBADMSG;
	return ctl_parse_stats(tb[QNET_A_NET_STATS], arg);
}

/* STATS_GET, for @ifname or (NULL) the node, read by @parse into *@st. */
static int ctl_stats_get(struct qnet_ctl *ctl, const char *ifname,
			 ctl_parse_t parse, struct qnet_stats **st)
{
	struct qnet_stats *s;
	struct nl_msg *msg;
	int ifindex = 0, err;

	if (!ctl || !st)
		return ctl_einval(ctl);
	if (ifname) {
		ifindex = ctl_ifindex(ctl, ifname);
		if (ifindex < 0)
			return ifindex;
	}
	msg = ctl_msg(ctl, QNET_CMD_STATS_GET, 0);
	if (!msg || (ifname && nla_put_u32(msg, QNET_A_IFINDEX, ifindex))) {
		nlmsg_free(msg);
		return ctl_fail(-ENOMEM);
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		nlmsg_free(msg);
		return ctl_fail(-ENOMEM);
	}
	err = ctl_exchange(ctl, msg, parse, s);
	if (err) {
		qnet_stats_free(s);
		return err;
	}
	*st = s;
	return 0;
}

LIBQNET_API int qnet_ctl_stats_get(struct qnet_ctl *ctl, const char *ifname,
				   struct qnet_stats **st)
{
	return ctl_stats_get(ctl, ifname, ctl_parse_stats_reply, st);
}

LIBQNET_API int qnet_ctl_net_stats_get(struct qnet_ctl *ctl,
				       struct qnet_stats **st)
{
	/* STATS_GET without a device: the node's totals and QNET_A_NET_STATS */
	return ctl_stats_get(ctl, NULL, ctl_parse_net_stats_reply, st);
}

/* ---- links ---- */

static void ctl_link_release(struct qnet_link_info *li)
{
	ctl_vals_release(&li->params.vals);
	ctl_stats_release(&li->stats);
}

LIBQNET_API void qnet_link_info_free(struct qnet_link_info *li)
{
	if (!li)
		return;
	ctl_link_release(li);
	free(li);
}

LIBQNET_API const char *qnet_link_info_get_ifname(const struct qnet_link_info *li)
{
	return li ? li->ifname : "";
}

LIBQNET_API int qnet_link_info_get_ifindex(const struct qnet_link_info *li)
{
	return li ? li->ifindex : 0;
}

LIBQNET_API uint32_t qnet_link_info_get_peer_node(const struct qnet_link_info *li)
{
	return li ? li->peer_node : 0;
}

LIBQNET_API bool qnet_link_info_get_oper_up(const struct qnet_link_info *li)
{
	return li && li->oper_up;
}

LIBQNET_API const struct qnet_link_params *
qnet_link_info_get_params(const struct qnet_link_info *li)
{
	return li ? &li->params : NULL;
}

LIBQNET_API const struct qnet_stats *
qnet_link_info_get_stats(const struct qnet_link_info *li)
{
	return li ? &li->stats : NULL;
}

static int ctl_parse_link(struct nlattr **tb, struct qnet_link_info *li)
{
	int err;

	if (!tb[QNET_A_IFINDEX] || !tb[QNET_A_LINK_PARAMS])
		return -EBADMSG;
	li->ifindex = nla_get_u32(tb[QNET_A_IFINDEX]);
	if (tb[QNET_A_IFNAME])
		nla_strlcpy(li->ifname, tb[QNET_A_IFNAME], sizeof(li->ifname));
	if (tb[QNET_A_PEER_NODE_ADDR])
		li->peer_node = nla_get_u32(tb[QNET_A_PEER_NODE_ADDR]);
	if (tb[QNET_A_OPER_UP])
		li->oper_up = nla_get_u8(tb[QNET_A_OPER_UP]);
	err = ctl_vals_parse(&li->params.vals, tb[QNET_A_LINK_PARAMS], NULL, 0);
	if (err)
		return err;
	return ctl_parse_stats(tb[QNET_A_LINK_STATS], &li->stats);
}

static int ctl_parse_link_one(struct nlattr **tb, void *arg)
{
	struct qnet_link_info *li = arg;

	/* a do has one answer; free what a stray second one would leak */
	ctl_link_release(li);
	memset(li, 0, sizeof(*li));
	return ctl_parse_link(tb, li);
}

LIBQNET_API int qnet_ctl_link_get(struct qnet_ctl *ctl, const char *ifname,
				  struct qnet_link_info **info)
{
	struct qnet_link_info *li;
	struct nl_msg *msg;
	int ifindex, err;

	if (!ctl || !info)
		return ctl_einval(ctl);
	ifindex = ctl_ifindex(ctl, ifname);
	if (ifindex < 0)
		return ifindex;
	msg = ctl_msg(ctl, QNET_CMD_LINK_GET, 0);
	li = calloc(1, sizeof(*li));
	if (!msg || !li || nla_put_u32(msg, QNET_A_IFINDEX, ifindex)) {
		nlmsg_free(msg);
		free(li);
		return ctl_fail(-ENOMEM);
	}
	err = ctl_exchange(ctl, msg, ctl_parse_link_one, li);
	if (err) {
		qnet_link_info_free(li);
		return err;
	}
	*info = li;
	return 0;
}

/* A new zeroed entry at the end of array *@v of @n of @cap, or NULL. */
static void *ctl_array_add(void **v, size_t *n, size_t *cap, size_t size)
{
	void *e;

	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 8;

		e = realloc(*v, c * size);
		if (!e)
			return NULL;
		*v = e;
		*cap = c;
	}
	e = (char *)*v + (*n)++ * size;
	memset(e, 0, size);
	return e;
}

static void ctl_link_list_reset(void *arg)
{
	struct qnet_link_list *l = arg;
	size_t i;

	for (i = 0; i < l->n; i++)
		ctl_link_release(&l->v[i]);
	l->n = 0;
}

LIBQNET_API void qnet_link_list_free(struct qnet_link_list *l)
{
	if (!l)
		return;
	ctl_link_list_reset(l);
	free(l->v);
	free(l);
}

LIBQNET_API size_t qnet_link_list_count(const struct qnet_link_list *l)
{
	return l ? l->n : 0;
}

LIBQNET_API const struct qnet_link_info *
qnet_link_list_get(const struct qnet_link_list *l, size_t i)
{
	if (!l || i >= l->n) {
		errno = EINVAL;
		return NULL;
	}
	return &l->v[i];
}

static int ctl_parse_link_entry(struct nlattr **tb, void *arg)
{
	struct qnet_link_list *l = arg;
	struct qnet_link_info *li;

	li = ctl_array_add((void **)&l->v, &l->n, &l->cap, sizeof(*li));
	return li ? ctl_parse_link(tb, li) : -ENOMEM;
}

LIBQNET_API int qnet_ctl_link_list(struct qnet_ctl *ctl,
				   struct qnet_link_list **links)
{
	struct qnet_link_list *l;
	int err;

	if (!ctl || !links)
		return ctl_einval(ctl);
	l = calloc(1, sizeof(*l));
	if (!l)
		return ctl_fail(-ENOMEM);
	err = ctl_dump(ctl, QNET_CMD_LINK_GET, ctl_parse_link_entry, l,
		       ctl_link_list_reset);
	if (err) {
		qnet_link_list_free(l);
		return err;
	}
	*links = l;
	return 0;
}

LIBQNET_API int qnet_ctl_link_set(struct qnet_ctl *ctl, const char *ifname,
				  const struct qnet_link_params *p)
{
	const struct ctl_vals *t;
	struct nl_msg *msg;
	struct nlattr *nest;
	int ifindex, err = 0;
	unsigned int i;

	if (!ctl || !p)
		return ctl_einval(ctl);
	ifindex = ctl_ifindex(ctl, ifname);
	if (ifindex < 0)
		return ifindex;
	msg = ctl_msg(ctl, QNET_CMD_LINK_SET, 0);
	if (!msg)
		return ctl_fail(-ENOMEM);
	/* the kernel wants NLA_F_NESTED on every nest */
	if (nla_put_u32(msg, QNET_A_IFINDEX, ifindex) ||
	    !(nest = nla_nest_start(msg, QNET_A_LINK_PARAMS | NLA_F_NESTED)))
		err = -ENOMEM;
	/*
	 * Every present parameter at the width it was set or read with (one
	 * read from a newer kernel goes back as that kernel sent it).
	 */
	t = &p->vals;
	for (i = 0; !err && i < t->n; i++) {
		switch (t->width[i]) {
		case 1:
			err = nla_put_u8(msg, i, t->v[i]);
			break;
		case 2:
			err = nla_put_u16(msg, i, t->v[i]);
			break;
		case 4:
			err = nla_put_u32(msg, i, t->v[i]);
			break;
		case 8:
			err = nla_put_u64(msg, i, t->v[i]);
			break;
		}
	}
	if (!err)
		err = nla_nest_end(msg, nest);
	if (err) {
		nlmsg_free(msg);
		return ctl_fail(-ENOMEM);
	}
	return ctl_exchange(ctl, msg, NULL, NULL);
}

/* ---- routes ---- */

LIBQNET_API int qnet_ctl_route_add(struct qnet_ctl *ctl, uint32_t dst,
				   const char *ifname, uint32_t metric)
{
	struct nl_msg *msg;
	int ifindex;

	if (!ctl)
		return ctl_einval(ctl);
	ifindex = ctl_ifindex(ctl, ifname);
	if (ifindex < 0)
		return ifindex;
	msg = ctl_msg(ctl, QNET_CMD_ROUTE_ADD, 0);
	if (!msg || nla_put_u32(msg, QNET_A_ROUTE_DST, dst) ||
	    nla_put_u32(msg, QNET_A_IFINDEX, ifindex) ||
	    nla_put_u32(msg, QNET_A_ROUTE_METRIC, metric)) {
		nlmsg_free(msg);
		return ctl_fail(-ENOMEM);
	}
	return ctl_exchange(ctl, msg, NULL, NULL);
}

LIBQNET_API int qnet_ctl_route_del(struct qnet_ctl *ctl, uint32_t dst)
{
	struct nl_msg *msg;

	if (!ctl)
		return ctl_einval(ctl);
	msg = ctl_msg(ctl, QNET_CMD_ROUTE_DEL, 0);
	if (!msg || nla_put_u32(msg, QNET_A_ROUTE_DST, dst)) {
		nlmsg_free(msg);
		return ctl_fail(-ENOMEM);
	}
	return ctl_exchange(ctl, msg, NULL, NULL);
}

LIBQNET_API uint32_t qnet_route_get_dst(const struct qnet_route *r)
{
	return r ? r->dst : 0;
}

LIBQNET_API int qnet_route_get_ifindex(const struct qnet_route *r)
{
	return r ? r->ifindex : 0;
}

LIBQNET_API const char *qnet_route_get_ifname(const struct qnet_route *r)
{
	return r ? r->ifname : "";
}

LIBQNET_API uint32_t qnet_route_get_metric(const struct qnet_route *r)
{
	return r ? r->metric : 0;
}

LIBQNET_API void qnet_route_list_free(struct qnet_route_list *l)
{
	if (!l)
		return;
	free(l->v);
	free(l);
}

LIBQNET_API size_t qnet_route_list_count(const struct qnet_route_list *l)
{
	return l ? l->n : 0;
}

LIBQNET_API const struct qnet_route *
qnet_route_list_get(const struct qnet_route_list *l, size_t i)
{
	if (!l || i >= l->n) {
		errno = EINVAL;
		return NULL;
	}
	return &l->v[i];
}

static void ctl_route_list_reset(void *arg)
{
	((struct qnet_route_list *)arg)->n = 0;
}

static int ctl_parse_route(struct nlattr **tb, struct qnet_route *r)
{
	if (!tb[QNET_A_ROUTE_DST] || !tb[QNET_A_IFINDEX])
		return -EBADMSG;
	memset(r, 0, sizeof(*r));
	r->dst = nla_get_u32(tb[QNET_A_ROUTE_DST]);
	r->dst_last = tb[QNET_A_ROUTE_DST_LAST] ?
		      nla_get_u32(tb[QNET_A_ROUTE_DST_LAST]) : r->dst;
	r->ifindex = nla_get_u32(tb[QNET_A_IFINDEX]);
	if (tb[QNET_A_IFNAME])
		nla_strlcpy(r->ifname, tb[QNET_A_IFNAME], sizeof(r->ifname));
	if (tb[QNET_A_ROUTE_METRIC])
		r->metric = nla_get_u32(tb[QNET_A_ROUTE_METRIC]);
	return 0;
}

static int ctl_parse_route_entry(struct nlattr **tb, void *arg)
{
	struct qnet_route_list *l = arg;
	struct qnet_route *r;

	if (!tb[QNET_A_ROUTE_DST] || !tb[QNET_A_IFINDEX])
		return -EBADMSG;
	r = ctl_array_add((void **)&l->v, &l->n, &l->cap, sizeof(*r));
	if (!r)
		return -ENOMEM;
	return ctl_parse_route(tb, r);
}

/* ---- routes to ranges of nodes: the default route, replace, lookup ---- */

LIBQNET_API int qnet_ctl_route_add_range(struct qnet_ctl *ctl, uint32_t dst,
					 uint32_t dst_last, const char *ifname,
					 uint32_t metric, unsigned int flags)
{
	struct nl_msg *msg;
	int ifindex;

	if (!ctl || dst_last < dst || (flags & ~QNET_CTL_ROUTE_REPLACE))
		return ctl_einval(ctl);
	ifindex = ctl_ifindex(ctl, ifname);
	if (ifindex < 0)
		return ifindex;
	msg = ctl_msg(ctl, QNET_CMD_ROUTE_ADD, 0);
	if (!msg || nla_put_u32(msg, QNET_A_ROUTE_DST, dst) ||
	    (dst_last != dst &&
	     nla_put_u32(msg, QNET_A_ROUTE_DST_LAST, dst_last)) ||
	    nla_put_u32(msg, QNET_A_IFINDEX, ifindex) ||
	    nla_put_u32(msg, QNET_A_ROUTE_METRIC, metric) ||
	    ((flags & QNET_CTL_ROUTE_REPLACE) &&
	     nla_put_flag(msg, QNET_A_ROUTE_REPLACE))) {
		nlmsg_free(msg);
		return ctl_fail(-ENOMEM);
	}
	return ctl_exchange(ctl, msg, NULL, NULL);
}

LIBQNET_API int qnet_ctl_route_del_range(struct qnet_ctl *ctl, uint32_t dst,
					 uint32_t dst_last, const char *ifname,
					 int64_t metric)
{
	struct nl_msg *msg;
	int ifindex = 0;

	if (!ctl || dst_last < dst || metric > UINT32_MAX)
		return ctl_einval(ctl);
	if (ifname) {
		ifindex = ctl_ifindex(ctl, ifname);
		if (ifindex < 0)
			return ifindex;
	}
	msg = ctl_msg(ctl, QNET_CMD_ROUTE_DEL, 0);
	if (!msg || nla_put_u32(msg, QNET_A_ROUTE_DST, dst) ||
	    (dst_last != dst &&
	     nla_put_u32(msg, QNET_A_ROUTE_DST_LAST, dst_last)) ||
	    (ifindex && nla_put_u32(msg, QNET_A_IFINDEX, ifindex)) ||
	    (metric >= 0 &&
	     nla_put_u32(msg, QNET_A_ROUTE_METRIC, (uint32_t)metric))) {
		nlmsg_free(msg);
		return ctl_fail(-ENOMEM);
	}
	return ctl_exchange(ctl, msg, NULL, NULL);
}

static int ctl_parse_route_one(struct nlattr **tb, void *arg)
{
	return ctl_parse_route(tb, arg);
}

LIBQNET_API int qnet_ctl_route_get(struct qnet_ctl *ctl, uint32_t dst,
				   struct qnet_route **route)
{
	struct qnet_route *r;
	struct nl_msg *msg;
	int err;

	if (!ctl || !route)
		return ctl_einval(ctl);
	r = calloc(1, sizeof(*r));
	msg = r ? ctl_msg(ctl, QNET_CMD_ROUTE_GET, 0) : NULL;
	if (!msg || nla_put_u32(msg, QNET_A_ROUTE_DST, dst)) {
		nlmsg_free(msg);
		free(r);
		return ctl_fail(-ENOMEM);
	}
	err = ctl_exchange(ctl, msg, ctl_parse_route_one, r);
	if (err) {
		free(r);
		return err;
	}
	*route = r;
	return 0;
}

LIBQNET_API void qnet_route_free(struct qnet_route *r)
{
	free(r);
}

LIBQNET_API uint32_t qnet_route_get_dst_last(const struct qnet_route *r)
{
	return r->dst_last;
}

LIBQNET_API int qnet_ctl_route_list(struct qnet_ctl *ctl,
				    struct qnet_route_list **routes)
{
	struct qnet_route_list *l;
	int err;

	if (!ctl || !routes)
		return ctl_einval(ctl);
	l = calloc(1, sizeof(*l));
	if (!l)
		return ctl_fail(-ENOMEM);
	err = ctl_dump(ctl, QNET_CMD_ROUTE_GET, ctl_parse_route_entry, l,
		       ctl_route_list_reset);
	if (err) {
		qnet_route_list_free(l);
		return err;
	}
	*routes = l;
	return 0;
}
