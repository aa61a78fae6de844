// SPDX-License-Identifier: GPL-2.0
/*
 * The shared netlink helper layer on libmnl; see qnl.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "qnl.h"

void qnl_extack_clear(struct qnl_extack *ext)
{
	ext->msg[0] = '\0';
	ext->bad_off = -1;
	ext->miss_type = -1;
	ext->miss_nest = -1;
}

struct mnl_socket *qnl_socket_open(int bus)
{
	struct mnl_socket *nl = mnl_socket_open(bus);
	int one = 1, err;

	if (!nl)
		return NULL;
	if (mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one)) < 0 ||
	    mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one)) < 0 ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	return nl;
}

struct nlmsghdr *qnl_msg_put(void *buf, uint16_t type, uint16_t flags,
			     const void *hdr, size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	if (hdrlen)
		memcpy(mnl_nlmsg_put_extra_header(nlh, hdrlen), hdr, hdrlen);
	return nlh;
}

struct nlmsghdr *qnl_genl_put(void *buf, uint16_t family, uint8_t cmd,
			      uint8_t version, uint16_t flags)
{
	struct genlmsghdr genl = { .cmd = cmd, .version = version };

	return qnl_msg_put(buf, family, flags, &genl, sizeof(genl));
}

/* ---- attributes --------------------------------------------------------- */

struct qnl_parse_ctx {
	const enum mnl_attr_data_type	*policy;
	unsigned int			max;
	const struct nlattr		**tb;
	int				bad;
};

static int qnl_attr_cb(const struct nlattr *attr, void *data)
{
	struct qnl_parse_ctx *ctx = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > ctx->max)
		return MNL_CB_OK;	/* newer kernel, newer attribute */
	if (ctx->policy && mnl_attr_validate(attr, ctx->policy[type]) < 0) {
		ctx->bad = type;
		return MNL_CB_ERROR;
	}
	ctx->tb[type] = attr;
	return MNL_CB_OK;
}

static int qnl_parse_end(int ret, const struct qnl_parse_ctx *ctx, int *bad)
{
	if (ret >= 0)
		return 0;
	if (bad)
		*bad = ctx->bad;
	return -EINVAL;
}

int qnl_parse(const struct nlmsghdr *nlh, unsigned int offset,
	      const enum mnl_attr_data_type *policy, unsigned int max,
	      const struct nlattr **tb, int *bad)
{
	struct qnl_parse_ctx ctx = { policy, max, tb, -1 };

	memset(tb, 0, sizeof(*tb) * (max + 1));
	return qnl_parse_end(mnl_attr_parse(nlh, offset, qnl_attr_cb, &ctx),
			     &ctx, bad);
}

int qnl_parse_nested(const struct nlattr *nest,
		     const enum mnl_attr_data_type *policy, unsigned int max,
		     const struct nlattr **tb, int *bad)
{
	struct qnl_parse_ctx ctx = { policy, max, tb, -1 };

	memset(tb, 0, sizeof(*tb) * (max + 1));
	return qnl_parse_end(mnl_attr_parse_nested(nest, qnl_attr_cb, &ctx),
			     &ctx, bad);
}

/* ---- errors and their extack -------------------------------------------- */

static const enum mnl_attr_data_type qnl_extack_policy[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG]		= MNL_TYPE_NUL_STRING,
	[NLMSGERR_ATTR_OFFS]		= MNL_TYPE_U32,
	[NLMSGERR_ATTR_MISS_TYPE]	= MNL_TYPE_U32,
	[NLMSGERR_ATTR_MISS_NEST]	= MNL_TYPE_U32,
};

/* The extack TLVs after @off bytes of @nlh's payload, one by one. */
static void qnl_extack_read(const struct nlmsghdr *nlh, size_t off,
			    struct qnl_extack *ext)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    off > mnl_nlmsg_get_payload_len(nlh))
		return;
	/* a malformed TLV is skipped, not the others */
	mnl_attr_for_each(attr, nlh, off) {
		uint16_t type = mnl_attr_get_type(attr);

		if (type > NLMSGERR_ATTR_MAX || !qnl_extack_policy[type] ||
		    mnl_attr_validate(attr, qnl_extack_policy[type]) < 0)
			continue;
		switch (type) {
		case NLMSGERR_ATTR_MSG:
			snprintf(ext->msg, sizeof(ext->msg), "%s",
				 mnl_attr_get_str(attr));
			break;
		case NLMSGERR_ATTR_OFFS:
			ext->bad_off = mnl_attr_get_u32(attr);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			ext->miss_type = mnl_attr_get_u32(attr);
			break;
		case NLMSGERR_ATTR_MISS_NEST:
			ext->miss_nest = mnl_attr_get_u32(attr);
			break;
		}
	}
}

int qnl_parse_error(const struct nlmsghdr *nlh, struct qnl_extack *ext)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*err);

	qnl_extack_clear(ext);
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
		return -EBADMSG;
	/* without NLM_F_CAPPED the request is echoed before the TLVs */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	qnl_extack_read(nlh, off, ext);
	return err->error <= 0 ? err->error : -err->error;
}

int qnl_parse_done(const struct nlmsghdr *nlh, struct qnl_extack *ext)
{
	int err;

	qnl_extack_clear(ext);
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(err))
		return 0;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	qnl_extack_read(nlh, sizeof(err), ext);
	return err < 0 ? err : 0;
}

/* ---- generic netlink families ------------------------------------------- */

static const enum mnl_attr_data_type qnl_ctrl_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID]		= MNL_TYPE_U16,
	[CTRL_ATTR_FAMILY_NAME]		= MNL_TYPE_NUL_STRING,
	[CTRL_ATTR_VERSION]		= MNL_TYPE_U32,
	[CTRL_ATTR_HDRSIZE]		= MNL_TYPE_U32,
	[CTRL_ATTR_MAXATTR]		= MNL_TYPE_U32,
	[CTRL_ATTR_OPS]			= MNL_TYPE_NESTED,
	[CTRL_ATTR_MCAST_GROUPS]	= MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type qnl_mcgrp_policy[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
	[CTRL_ATTR_MCAST_GRP_NAME]	= MNL_TYPE_NUL_STRING,
	[CTRL_ATTR_MCAST_GRP_ID]	= MNL_TYPE_U32,
};

struct nlmsghdr *qnl_family_req(void *buf, const char *name)
{
	struct nlmsghdr *nlh = qnl_genl_put(buf, GENL_ID_CTRL,
					    CTRL_CMD_GETFAMILY, 1,
					    NLM_F_REQUEST);

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	return nlh;
}

int qnl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct qnl_family *f = data;
	const struct nlattr *grp;

	if (qnl_parse(nlh, sizeof(struct genlmsghdr), qnl_ctrl_policy,
		      CTRL_ATTR_MAX, tb, NULL))
		return MNL_CB_ERROR;
	if (tb[CTRL_ATTR_FAMILY_ID])
		f->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS] || !f->mcgrp)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *g[CTRL_ATTR_MCAST_GRP_MAX + 1];

		if (qnl_parse_nested(grp, qnl_mcgrp_policy,
				     CTRL_ATTR_MCAST_GRP_MAX, g, NULL) ||
		    !g[CTRL_ATTR_MCAST_GRP_NAME] || !g[CTRL_ATTR_MCAST_GRP_ID])
			continue;
		if (!strcmp(mnl_attr_get_str(g[CTRL_ATTR_MCAST_GRP_NAME]),
			    f->mcgrp))
			f->mcgrp_id = mnl_attr_get_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return MNL_CB_OK;
}
