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
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "qnet/libqnet.h"

#define LIBQNET_API	__attribute__((visibility("default")))

/*
 * Version @ver of exported function @name (libqnet.map names @name in
 * that node); "@@" marks the version new programs bind.
 */
#define LIBQNET_SYMVER(name, ver)	__attribute__((symver(name ver)))

/*
 * 1.1 appended counters to struct qnet_stats, which struct qnet_link_info
 * ends with. Programs built against 1.0 pass the shorter structures and
 * bind the functions that fill them at version LIBQNET_1.0: those write
 * only the 1.0 part (a prefix of the 1.1 structure).
 */
#define CTL_STATS_1_0_SIZE	offsetof(struct qnet_stats, delivered_fid_sum_ppm)
#define CTL_LINK_INFO_1_0_SIZE	(offsetof(struct qnet_link_info, stats) + \
				 CTL_STATS_1_0_SIZE)

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
	NAME(QNET_A_ROUTE_DST_LAST), NAME(QNET_A_ROUTE_REPLACE),
};

static const char *const ctl_link_attr_names[QNET_LINK_A_MAX + 1] = {
	NAME(QNET_LINK_A_PAD), NAME(QNET_LINK_A_LENGTH_M),
	NAME(QNET_LINK_A_ATTEN_MDB_KM), NAME(QNET_LINK_A_INDEX_MILLI),
	NAME(QNET_LINK_A_ATTEMPT_RATE_HZ), NAME(QNET_LINK_A_SCHEME),
	NAME(QNET_LINK_A_ALPHA_PPM), NAME(QNET_LINK_A_SOURCE_FID_PPM),
	NAME(QNET_LINK_A_DET_EFF_PPM), NAME(QNET_LINK_A_DARK_RATE_HZ),
	NAME(QNET_LINK_A_VISIBILITY_PPM), NAME(QNET_LINK_A_MEM_SLOTS),
	NAME(QNET_LINK_A_T1_NS), NAME(QNET_LINK_A_T2_NS),
	NAME(QNET_LINK_A_CUTOFF_NS), NAME(QNET_LINK_A_SEED),
	NAME(QNET_LINK_A_TIME_SCALE), NAME(QNET_LINK_A_CONTINUOUS),
};

#undef NAME

/* ---- link parameters <-> struct qnet_link_params ---- */

static const struct {
	uint16_t	attr;
	uint16_t	off;
	uint8_t		size;
} ctl_params[] = {
#define P(a, f) { a, offsetof(struct qnet_link_params, f), \
		  sizeof(((struct qnet_link_params *)0)->f) }
	P(QNET_LINK_A_LENGTH_M, length_m),
	P(QNET_LINK_A_ATTEN_MDB_KM, atten_mdb_km),
	P(QNET_LINK_A_INDEX_MILLI, index_milli),
	P(QNET_LINK_A_ATTEMPT_RATE_HZ, attempt_rate_hz),
	P(QNET_LINK_A_SCHEME, scheme),
	P(QNET_LINK_A_ALPHA_PPM, alpha_ppm),
	P(QNET_LINK_A_SOURCE_FID_PPM, source_fid_ppm),
	P(QNET_LINK_A_DET_EFF_PPM, det_eff_ppm),
	P(QNET_LINK_A_DARK_RATE_HZ, dark_rate_hz),
	P(QNET_LINK_A_VISIBILITY_PPM, visibility_ppm),
	P(QNET_LINK_A_MEM_SLOTS, mem_slots),
	P(QNET_LINK_A_T1_NS, t1_ns),
	P(QNET_LINK_A_T2_NS, t2_ns),
	P(QNET_LINK_A_CUTOFF_NS, cutoff_ns),
	P(QNET_LINK_A_SEED, seed),
	P(QNET_LINK_A_TIME_SCALE, time_scale),
	P(QNET_LINK_A_CONTINUOUS, continuous),
#undef P
};

/* Counters: every one u64 but the mean fidelities (and the nest). */
static const struct {
	uint16_t	attr;
	uint16_t	off;
} ctl_stats[] = {
#define S(a, f) { a, offsetof(struct qnet_stats, f) }
	S(QNET_STATS_A_ATTEMPTS, attempts),
	S(QNET_STATS_A_HERALDED, heralded),
	S(QNET_STATS_A_DELIVERED, delivered),
	S(QNET_STATS_A_EXPIRED, expired),
	S(QNET_STATS_A_SWAPS_OK, swaps_ok),
	S(QNET_STATS_A_SWAPS_FAILED, swaps_failed),
	S(QNET_STATS_A_PURIFY_OK, purify_ok),
	S(QNET_STATS_A_PURIFY_FAILED, purify_failed),
	S(QNET_STATS_A_FIDELITY_SUM_PPM, fidelity_sum_ppm),
	S(QNET_STATS_A_STORED, stored),
	S(QNET_STATS_A_EMU_TIME_NS, emu_time_ns),
	S(QNET_STATS_A_RX_PACKETS, rx_packets),
	S(QNET_STATS_A_TX_PACKETS, tx_packets),
	S(QNET_STATS_A_RX_DROPPED, rx_dropped),
	S(QNET_STATS_A_DELIVERED_FID_SUM_PPM, delivered_fid_sum_ppm),
#undef S
};

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
	[QNET_A_ROUTE_DST_LAST]	= { .type = NLA_U32 },
	[QNET_A_OPER_UP]	= { .type = NLA_U8 },
};

static struct nla_policy ctl_link_policy[QNET_LINK_A_MAX + 1];
static struct nla_policy ctl_stats_policy[QNET_STATS_A_MAX + 1];
static struct nla_policy ctl_discards_policy[QNET_DISCARDS_A_MAX + 1];

static void __attribute__((constructor)) ctl_policies_init(void)
{
	size_t i;

	for (i = 0; i < sizeof(ctl_params) / sizeof(ctl_params[0]); i++)
		ctl_link_policy[ctl_params[i].attr].type =
			ctl_params[i].size == 1 ? NLA_U8 :
			ctl_params[i].size == 4 ? NLA_U32 : NLA_U64;
	for (i = 0; i < sizeof(ctl_stats) / sizeof(ctl_stats[0]); i++)
		ctl_stats_policy[ctl_stats[i].attr].type = NLA_U64;
	ctl_stats_policy[QNET_STATS_A_MEAN_FIDELITY_PPM].type = NLA_U32;
	ctl_stats_policy[QNET_STATS_A_MEAN_DELIVERED_FID_PPM].type = NLA_U32;
	ctl_stats_policy[QNET_STATS_A_DISCARDS].type = NLA_NESTED;
	for (i = 1; i <= QNET_DISCARDS_A_MAX; i++)
		ctl_discards_policy[i].type = NLA_U64;
}

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

/* ---- counters ---- */

static int ctl_parse_stats(struct nlattr *nest, struct qnet_stats *st)
{
	struct nlattr *tb[QNET_STATS_A_MAX + 1];
	size_t i;

	memset(st, 0, sizeof(*st));
	if (!nest)
		return 0;
	if (nla_parse_nested(tb, QNET_STATS_A_MAX, nest, ctl_stats_policy))
		return -EBADMSG;
	for (i = 0; i < sizeof(ctl_stats) / sizeof(ctl_stats[0]); i++) {
		if (tb[ctl_stats[i].attr])
			*(uint64_t *)((char *)st + ctl_stats[i].off) =
				nla_get_u64(tb[ctl_stats[i].attr]);
	}
	if (tb[QNET_STATS_A_MEAN_FIDELITY_PPM])
		st->mean_fidelity_ppm =
			nla_get_u32(tb[QNET_STATS_A_MEAN_FIDELITY_PPM]);
	if (tb[QNET_STATS_A_MEAN_DELIVERED_FID_PPM])
		st->mean_delivered_fid_ppm =
			nla_get_u32(tb[QNET_STATS_A_MEAN_DELIVERED_FID_PPM]);
	if (tb[QNET_STATS_A_DISCARDS]) {
		struct nlattr *dtb[QNET_DISCARDS_A_MAX + 1];

		/* one u64 per cause, type cause + 1; newer causes skipped */
		if (nla_parse_nested(dtb, QNET_DISCARDS_A_MAX,
				     tb[QNET_STATS_A_DISCARDS],
				     ctl_discards_policy))
			return -EBADMSG;
		for (i = 1; i <= QNET_DISCARDS_A_MAX; i++)
			if (dtb[i])
				st->discards[i - 1] = nla_get_u64(dtb[i]);
	}
	return 0;
}

static int ctl_parse_stats_reply(struct nlattr **tb, void *arg)
{
	struct nlattr *nest = tb[QNET_A_LINK_STATS] ?: tb[QNET_A_NODE_STATS];

	if (!nest)
		return -EBADMSG;
	return ctl_parse_stats(nest, arg);
}

LIBQNET_API LIBQNET_SYMVER("qnet_ctl_stats_get", "@@LIBQNET_1.1")
int qnet_ctl_stats_get_1_1(struct qnet_ctl *ctl, const char *ifname,
			   struct qnet_stats *st)
{
	struct qnet_stats s;
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
	err = ctl_exchange(ctl, msg, ctl_parse_stats_reply, &s);
	if (!err)
		*st = s;
	return err;
}

static int ctl_parse_net_stats_reply(struct nlattr **tb, void *arg)
{
	if (!tb[QNET_A_NET_STATS])
		return -EBADMSG;
	return ctl_parse_stats(tb[QNET_A_NET_STATS], arg);
}

LIBQNET_API int qnet_ctl_net_stats_get(struct qnet_ctl *ctl,
				       struct qnet_stats *st)
{
	struct qnet_stats s;
	struct nl_msg *msg;
	int err;

	if (!ctl || !st)
		return ctl_einval(ctl);
	/* STATS_GET without a device: the node's totals and QNET_A_NET_STATS */
	msg = ctl_msg(ctl, QNET_CMD_STATS_GET, 0);
	if (!msg)
		return ctl_fail(-ENOMEM);
	err = ctl_exchange(ctl, msg, ctl_parse_net_stats_reply, &s);
	if (!err)
		*st = s;
	return err;
}

/* ---- links ---- */

static int ctl_parse_params(struct nlattr *nest, struct qnet_link_params *p)
{
	struct nlattr *tb[QNET_LINK_A_MAX + 1];
	size_t i;

	memset(p, 0, sizeof(*p));
	if (nla_parse_nested(tb, QNET_LINK_A_MAX, nest, ctl_link_policy))
		return -EBADMSG;
	for (i = 0; i < sizeof(ctl_params) / sizeof(ctl_params[0]); i++) {
		struct nlattr *a = tb[ctl_params[i].attr];
		void *v = (char *)p + ctl_params[i].off;

		if (!a)
			continue;
		switch (ctl_params[i].size) {
		case 1:
			*(uint8_t *)v = nla_get_u8(a);
			break;
		case 4:
			*(uint32_t *)v = nla_get_u32(a);
			break;
		case 8:
			*(uint64_t *)v = nla_get_u64(a);
			break;
		}
	}
	return 0;
}

static int ctl_parse_link(struct nlattr **tb, struct qnet_link_info *li)
{
	memset(li, 0, sizeof(*li));
	if (!tb[QNET_A_IFINDEX] || !tb[QNET_A_LINK_PARAMS])
		return -EBADMSG;
	li->ifindex = nla_get_u32(tb[QNET_A_IFINDEX]);
	if (tb[QNET_A_IFNAME])
		nla_strlcpy(li->ifname, tb[QNET_A_IFNAME], sizeof(li->ifname));
	if (tb[QNET_A_PEER_NODE_ADDR])
		li->peer_node = nla_get_u32(tb[QNET_A_PEER_NODE_ADDR]);
	if (tb[QNET_A_OPER_UP])
		li->oper_up = nla_get_u8(tb[QNET_A_OPER_UP]);
	if (ctl_parse_params(tb[QNET_A_LINK_PARAMS], &li->params))
		return -EBADMSG;
	return ctl_parse_stats(tb[QNET_A_LINK_STATS], &li->stats);
}

static int ctl_parse_link_one(struct nlattr **tb, void *arg)
{
	return ctl_parse_link(tb, arg);
}

LIBQNET_API LIBQNET_SYMVER("qnet_ctl_link_get", "@@LIBQNET_1.1")
int qnet_ctl_link_get_1_1(struct qnet_ctl *ctl, const char *ifname,
			  struct qnet_link_info *info)
{
	struct qnet_link_info li;
	struct nl_msg *msg;
	int ifindex, err;

	if (!ctl || !info)
		return ctl_einval(ctl);
	ifindex = ctl_ifindex(ctl, ifname);
	if (ifindex < 0)
		return ifindex;
	msg = ctl_msg(ctl, QNET_CMD_LINK_GET, 0);
	if (!msg || nla_put_u32(msg, QNET_A_IFINDEX, ifindex)) {
		nlmsg_free(msg);
		return ctl_fail(-ENOMEM);
	}
	err = ctl_exchange(ctl, msg, ctl_parse_link_one, &li);
	if (!err)
		*info = li;
	return err;
}

struct ctl_array {
	void	*v;
	size_t	n, cap, size;
};

static void *ctl_array_add(struct ctl_array *a)
{
	void *v;

	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 8;

		v = realloc(a->v, cap * a->size);
		if (!v)
			return NULL;
		a->v = v;
		a->cap = cap;
	}
	v = (char *)a->v + a->n++ * a->size;
	memset(v, 0, a->size);
	return v;
}

static void ctl_array_reset(void *arg)
{
	((struct ctl_array *)arg)->n = 0;
}

static int ctl_parse_link_entry(struct nlattr **tb, void *arg)
{
	struct qnet_link_info *li = ctl_array_add(arg);

	return li ? ctl_parse_link(tb, li) : -ENOMEM;
}

LIBQNET_API LIBQNET_SYMVER("qnet_ctl_link_list", "@@LIBQNET_1.1")
int qnet_ctl_link_list_1_1(struct qnet_ctl *ctl, struct qnet_link_info **links,
			   size_t *n)
{
	struct ctl_array a = { .size = sizeof(**links) };
	int err;

	if (!ctl || !links || !n)
		return ctl_einval(ctl);
	err = ctl_dump(ctl, QNET_CMD_LINK_GET, ctl_parse_link_entry, &a,
		       ctl_array_reset);
	if (err) {
		free(a.v);
		return err;
	}
	*links = a.v;
	*n = a.n;
	return 0;
}

#define CTL_LP_ALL	((1ULL << (QNET_LINK_A_MAX + 1)) - (1ULL << QNET_LINK_A_LENGTH_M))

LIBQNET_API int qnet_ctl_link_set(struct qnet_ctl *ctl, const char *ifname,
				  const struct qnet_link_params *p,
				  uint64_t mask)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	int ifindex, err = 0;
	size_t i;

	if (!ctl || !p)
		return ctl_einval(ctl);
	if (mask & ~CTL_LP_ALL) {
		ctl_set_error(ctl, "libqnet: unknown bits in the parameter mask");
		return ctl_fail(-EINVAL);
	}
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
	for (i = 0; !err && i < sizeof(ctl_params) / sizeof(ctl_params[0]);
	     i++) {
		const void *v = (const char *)p + ctl_params[i].off;
		uint16_t attr = ctl_params[i].attr;

		if (!(mask & (1ULL << attr)))
			continue;
		switch (ctl_params[i].size) {
		case 1:
			err = nla_put_u8(msg, attr, *(const uint8_t *)v);
			break;
		case 4:
			err = nla_put_u32(msg, attr, *(const uint32_t *)v);
			break;
		case 8:
			err = nla_put_u64(msg, attr, *(const uint64_t *)v);
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

static int ctl_parse_route_entry(struct nlattr **tb, void *arg)
{
	struct qnet_route *r;

	if (!tb[QNET_A_ROUTE_DST] || !tb[QNET_A_IFINDEX])
		return -EBADMSG;
	r = ctl_array_add(arg);
	if (!r)
		return -ENOMEM;
	r->dst = nla_get_u32(tb[QNET_A_ROUTE_DST]);
	r->ifindex = nla_get_u32(tb[QNET_A_IFINDEX]);
	if (tb[QNET_A_IFNAME])
		nla_strlcpy(r->ifname, tb[QNET_A_IFNAME], sizeof(r->ifname));
	if (tb[QNET_A_ROUTE_METRIC])
		r->metric = nla_get_u32(tb[QNET_A_ROUTE_METRIC]);
	return 0;
}

LIBQNET_API int qnet_ctl_route_list(struct qnet_ctl *ctl,
				    struct qnet_route **routes, size_t *n)
{
	struct ctl_array a = { .size = sizeof(**routes) };
	int err;

	if (!ctl || !routes || !n)
		return ctl_einval(ctl);
	err = ctl_dump(ctl, QNET_CMD_ROUTE_GET, ctl_parse_route_entry, &a,
		       ctl_array_reset);
	if (err) {
		free(a.v);
		return err;
	}
	*routes = a.v;
	*n = a.n;
	return 0;
}

/* ---- routes to ranges (1.2) ---- */

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

static int ctl_parse_route_range(struct nlattr **tb,
				 struct qnet_route_range *r)
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

static int ctl_parse_route_range_one(struct nlattr **tb, void *arg)
{
	return ctl_parse_route_range(tb, arg);
}

static int ctl_parse_route_range_entry(struct nlattr **tb, void *arg)
{
	struct qnet_route_range *r = ctl_array_add(arg);

	return r ? ctl_parse_route_range(tb, r) : -ENOMEM;
}

LIBQNET_API int qnet_ctl_route_get(struct qnet_ctl *ctl, uint32_t dst,
				   struct qnet_route_range *r)
{
	struct nl_msg *msg;

	if (!ctl || !r)
		return ctl_einval(ctl);
	msg = ctl_msg(ctl, QNET_CMD_ROUTE_GET, 0);
	if (!msg || nla_put_u32(msg, QNET_A_ROUTE_DST, dst)) {
		nlmsg_free(msg);
		return ctl_fail(-ENOMEM);
	}
	return ctl_exchange(ctl, msg, ctl_parse_route_range_one, r);
}

LIBQNET_API int qnet_ctl_route_list_range(struct qnet_ctl *ctl,
					  struct qnet_route_range **routes,
					  size_t *n)
{
	struct ctl_array a = { .size = sizeof(**routes) };
	int err;

	if (!ctl || !routes || !n)
		return ctl_einval(ctl);
	err = ctl_dump(ctl, QNET_CMD_ROUTE_GET, ctl_parse_route_range_entry,
		       &a, ctl_array_reset);
	if (err) {
		free(a.v);
		return err;
	}
	*routes = a.v;
	*n = a.n;
	return 0;
}

/* ---- LIBQNET_1.0: the counters without the 1.1 fields ---- */

int qnet_ctl_stats_get_1_1(struct qnet_ctl *ctl, const char *ifname,
			   struct qnet_stats *st);
int qnet_ctl_link_get_1_1(struct qnet_ctl *ctl, const char *ifname,
			  struct qnet_link_info *info);
int qnet_ctl_link_list_1_1(struct qnet_ctl *ctl, struct qnet_link_info **links,
			   size_t *n);

LIBQNET_API LIBQNET_SYMVER("qnet_ctl_stats_get", "@LIBQNET_1.0")
int qnet_ctl_stats_get_1_0(struct qnet_ctl *ctl, const char *ifname,
			   void *st)
{
	struct qnet_stats s;
	int err;

	if (!st)
		return ctl_einval(ctl);
	err = qnet_ctl_stats_get_1_1(ctl, ifname, &s);
	if (!err)
		memcpy(st, &s, CTL_STATS_1_0_SIZE);
	return err;
}

LIBQNET_API LIBQNET_SYMVER("qnet_ctl_link_get", "@LIBQNET_1.0")
int qnet_ctl_link_get_1_0(struct qnet_ctl *ctl, const char *ifname,
			  void *info)
{
	struct qnet_link_info li;
	int err;

	if (!info)
		return ctl_einval(ctl);
	err = qnet_ctl_link_get_1_1(ctl, ifname, &li);
	if (!err)
		memcpy(info, &li, CTL_LINK_INFO_1_0_SIZE);
	return err;
}

LIBQNET_API LIBQNET_SYMVER("qnet_ctl_link_list", "@LIBQNET_1.0")
int qnet_ctl_link_list_1_0(struct qnet_ctl *ctl, void **links, size_t *n)
{
	struct qnet_link_info *l;
	size_t i;
	int err;

	if (!links)
		return ctl_einval(ctl);
	err = qnet_ctl_link_list_1_1(ctl, &l, n);
	if (err)
		return err;
	/* pack the entries to the 1.0 stride, in place: each moves down */
	for (i = 0; i < *n; i++)
		memmove((char *)l + i * CTL_LINK_INFO_1_0_SIZE, &l[i],
			CTL_LINK_INFO_1_0_SIZE);
	*links = l;
	return 0;
}
