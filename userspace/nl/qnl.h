/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qnl: the netlink helper layer on libmnl that qnetctl
 * (userspace/qnetctl/mnl.c) and the selftests (selftests/qnet_nl.h)
 * share: sockets with extended and capped acks, request headers, error
 * and done messages with their extack, generic netlink family
 * resolution, attributes into a table checked against a policy.
 *
 * Nothing here prints or keeps state: each caller keeps its own
 * exchange loop (qnetctl reads a whole answer before its callbacks run,
 * restarts interrupted dumps and prints errors; the tests count the
 * parts of an answer, choose their receive size and see every flag) on
 * these pieces. libqnet talks netlink through libnl-genl instead (it is
 * the library applications link).
 */
#ifndef _QNET_QNL_H
#define _QNET_QNL_H

#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/* What an error or done message's extack said. */
struct qnl_extack {
	char	msg[256];	/* NLMSGERR_ATTR_MSG, "" if none */
	int	bad_off;	/* NLMSGERR_ATTR_OFFS, -1 if none */
	int	miss_type;	/* NLMSGERR_ATTR_MISS_TYPE, -1 if none */
	int	miss_nest;	/* NLMSGERR_ATTR_MISS_NEST, -1 if none */
};

void qnl_extack_clear(struct qnl_extack *ext);

/*
 * A netlink socket on @bus (NETLINK_GENERIC, NETLINK_ROUTE), bound, with
 * NETLINK_EXT_ACK and NETLINK_CAP_ACK on (an error then echoes only the
 * request's header, and OFFS counts from its start). NULL, errno set.
 */
struct mnl_socket *qnl_socket_open(int bus);

/* A request in @buf: header of @type and @flags, then @hdrlen of @hdr. */
struct nlmsghdr *qnl_msg_put(void *buf, uint16_t type, uint16_t flags,
			     const void *hdr, size_t hdrlen);
/* A generic netlink request for @cmd of @family. */
struct nlmsghdr *qnl_genl_put(void *buf, uint16_t family, uint8_t cmd,
			      uint8_t version, uint16_t flags);

/*
 * NLMSG_ERROR @nlh: 0 for an ack, else the negative errno; its extack
 * TLVs (after the echoed request unless capped) into @ext, cleared
 * first. -EBADMSG if the message is truncated.
 */
int qnl_parse_error(const struct nlmsghdr *nlh, struct qnl_extack *ext);
/* NLMSG_DONE that ends a dump: 0, or the dump's negative errno; @ext. */
int qnl_parse_done(const struct nlmsghdr *nlh, struct qnl_extack *ext);

/*
 * The attributes of @nlh after @offset bytes of payload (or of @nest)
 * into @tb[0..max], zeroed first, each checked against @policy (NULL: no
 * check). Attributes above @max (a newer kernel) are skipped. 0, or
 * -EINVAL with *@bad the type that failed (-1: truncated) if @bad.
 */
int qnl_parse(const struct nlmsghdr *nlh, unsigned int offset,
	      const enum mnl_attr_data_type *policy, unsigned int max,
	      const struct nlattr **tb, int *bad);
int qnl_parse_nested(const struct nlattr *nest,
		     const enum mnl_attr_data_type *policy, unsigned int max,
		     const struct nlattr **tb, int *bad);

/*
 * Generic netlink family resolution: qnl_family_req() puts the
 * CTRL_CMD_GETFAMILY request for @name in @buf; qnl_family_cb() reads
 * its answer into a struct qnl_family: the id (0 if none) and the id of
 * multicast group @mcgrp (0 if none).
 */
struct qnl_family {
	const char	*mcgrp;
	uint16_t	id;
	uint32_t	mcgrp_id;
};

struct nlmsghdr *qnl_family_req(void *buf, const char *name);
int qnl_family_cb(const struct nlmsghdr *nlh, void *data);

#endif /* _QNET_QNL_H */
