/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink on libmnl: sockets with NETLINK_EXT_ACK and NETLINK_CAP_ACK on,
 * generic netlink family resolution, requests that wait for the kernel's
 * ACK and print its extack message on error ("Error: <msg>"), and dumps
 * that start over when the kernel flags them NLM_F_DUMP_INTR.
 *
 * Every answer is read in full before the callback sees any of it, so a
 * callback may send another request on the same socket, and a dump that
 * has to be restarted never prints half a table twice.
 */
#ifndef _QNETCTL_MNL_H
#define _QNETCTL_MNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#define QN_REQ_SIZE	8192
#define QN_RECV_SIZE	32768	/* libmnl's MNL_SOCKET_DUMP_SIZE, newer than Debian 12's */
#define QN_ERRMSG_SIZE	256
/* A dump that keeps changing under us this often is given up on. */
#define QN_DUMP_RETRIES	16

struct qn_sock {
	struct mnl_socket	*nl;
	uint16_t		family;		/* generic netlink family id */
	uint32_t		events_group;	/* "events" multicast id, 0 if none */
	uint32_t		seq;
	/* The kernel's answer to the last failed request. */
	int			error;		/* negative errno */
	char			errmsg[QN_ERRMSG_SIZE];	/* extack, "" if none */
	char			req[QN_REQ_SIZE] __attribute__((aligned(8)));
	char			buf[QN_RECV_SIZE] __attribute__((aligned(8)));
};

/* Open a netlink socket on @bus (NETLINK_ROUTE, ...); prints the error. */
int qn_sock_open(struct qn_sock *s, int bus);
/*
 * Open a generic netlink socket and resolve @family; prints the error,
 * naming the module to load when the family does not exist.
 */
int qn_genl_open(struct qn_sock *s, const char *family);
void qn_sock_close(struct qn_sock *s);

/* Start a request in s->req: header, then @hdrlen bytes of @hdr. */
struct nlmsghdr *qn_msg_prepare(struct qn_sock *s, uint16_t type,
				uint16_t flags, const void *hdr, size_t hdrlen);
/* Start a generic netlink request for @cmd of the resolved family. */
struct nlmsghdr *qn_genl_prepare(struct qn_sock *s, uint8_t cmd,
				 uint16_t flags);

/*
 * Send @nlh (NLM_F_ACK is added) and run @cb (may be NULL) on each answer.
 * Returns 0, or a negative errno after printing "Error: ..." on stderr:
 * the kernel's extack message when it gave one, strerror otherwise.
 */
int qn_request(struct qn_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb,
	       void *data);
/* The same without printing: the caller looks at s->error, s->errmsg. */
int qn_request_quiet(struct qn_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb,
		     void *data);
/* Print s->error and s->errmsg the way qn_request() does. */
void qn_report(const struct qn_sock *s);

/* NLM_F_DUMP request: as qn_request(), restarted on NLM_F_DUMP_INTR. */
int qn_dump(struct qn_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* Join the family's "events" group; then qn_sock_listen(). */
int qn_sock_join_events(struct qn_sock *s);
/* Run @cb on every notification until it returns MNL_CB_STOP or error. */
int qn_sock_listen(struct qn_sock *s, mnl_cb_t cb, void *data);

/*
 * Fill @tb[0..max] from the attributes of @nlh after @offset bytes of
 * payload (or inside @nest), checking each against @policy. Attributes
 * above @max (a newer kernel) are skipped. Returns 0, or -EINVAL after
 * printing which attribute was malformed.
 */
int qn_parse_attrs(const struct nlmsghdr *nlh, unsigned int offset,
		   const enum mnl_attr_data_type *policy, unsigned int max,
		   const struct nlattr **tb);
int qn_parse_nested(const struct nlattr *nest,
		    const enum mnl_attr_data_type *policy, unsigned int max,
		    const struct nlattr **tb);

#endif /* _QNETCTL_MNL_H */
