/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libqnet: the application and control API of qnet.
 *
 * Sockets: thin helpers over socket(AF_QNET, SOCK_SEQPACKET, 0) that find
 * the family number the module registered and fill the uapi structures.
 * Control: links, routes, node address and counters over the "qnet"
 * generic netlink family, built on libnl-genl-3.
 *
 * Every function that can fail returns a negative errno (and sets errno
 * to its absolute value); pointers are NULL on failure with errno set.
 * After a failed control call, qnet_ctl_error() gives the kernel's extack
 * message, if it sent one.
 *
 * pkg-config --cflags --libs libqnet
 */
#ifndef _QNET_LIBQNET_H
#define _QNET_LIBQNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/qnet.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBQNET_VERSION_MAJOR	2
#define LIBQNET_VERSION_MINOR	0

/* ---- sockets ---- */

/* The address family qnet registered (QNET_FAMILY_SYSFS), or -errno. */
int qnet_family(void);

/* A new AF_QNET SOCK_SEQPACKET socket (close-on-exec), or -errno. */
int qnet_socket(void);

/* A socket bound to @port (0: ephemeral) and listening, or -errno. */
int qnet_listen(uint16_t port, int backlog);

/* accept(2) on a listening socket; the peer's address if @peer. */
int qnet_accept(int lfd, struct sockaddr_qnet *peer);

/*
 * A socket connected to (@node, @port), or -errno (-ECONNREFUSED,
 * -EHOSTUNREACH, -ETIMEDOUT as connect(2) gives them).
 */
int qnet_connect(uint32_t node, uint16_t port);

/*
 * Defaults for a request of @num_pairs: no minimum fidelity, no deadline,
 * priority 0, measured at once in Z.
 */
void qnet_request_init(struct qnet_request *req, uint32_t num_pairs);

/* send(2) of one request on a connected socket: 0 or -errno. */
int qnet_request(int fd, const struct qnet_request *req);

/*
 * Receive up to @max pair records, waiting at most @timeout_ms for the
 * first (-1: forever, 0: not at all); returns how many were read (each
 * one a whole struct qnet_pair), -EAGAIN on timeout, 0 on end of stream,
 * or -errno. A record with a non-zero error field (a positive errno)
 * is returned like any other.
 */
ssize_t qnet_recv_pairs(int fd, struct qnet_pair *pairs, size_t max,
			int timeout_ms);

/* Measure kept qubit @qubit in @basis (QNET_BASIS_Z/X/Y). */
int qnet_measure(int fd, uint32_t qubit, uint8_t basis, uint8_t *outcome,
		 uint64_t *time_ns);

/* Release kept qubit @qubit without measuring it. */
int qnet_release(int fd, uint32_t qubit);

/* The socket's counters (QNET_SO_STATS). */
int qnet_sock_stats(int fd, struct qnet_sock_stats *st);

/* "phi+", "psi+", "psi-", "phi-", or "?" */
const char *qnet_bell_name(uint8_t bell);

/* ---- control: generic netlink through libnl-genl-3 ---- */

/*
 * Every control object is opaque: the library allocates it, the caller
 * reads it with accessors and frees it with its _free function. Link
 * parameters and counters are read by their uapi attribute type
 * (QNET_LINK_A_*, QNET_STATS_A_*), so a parameter or counter added to
 * the kernel needs no new symbol and changes no structure here.
 */
struct qnet_ctl;
struct qnet_link_params;
struct qnet_stats;
struct qnet_link_info;
struct qnet_link_list;
struct qnet_route;
struct qnet_route_list;

/*
 * A control handle for the node of network namespace @netns (a name under
 * /run/netns, as `ip netns` makes them), or of the caller's namespace if
 * @netns is NULL.
 */
struct qnet_ctl *qnet_ctl_open(const char *netns);
void qnet_ctl_close(struct qnet_ctl *ctl);

/* The extack message of the last failed call, or "" if none. */
const char *qnet_ctl_error(const struct qnet_ctl *ctl);

/*
 * Link parameters: a set of (QNET_LINK_A_* type, value) with each
 * parameter present or not. One from qnet_link_params_alloc() starts
 * empty; qnet_ctl_link_set() sends the present ones.
 */
struct qnet_link_params *qnet_link_params_alloc(void);
void qnet_link_params_free(struct qnet_link_params *p);
/* -EINVAL: @attr is no parameter libqnet knows; -ERANGE: @val too wide. */
int qnet_link_params_set(struct qnet_link_params *p, unsigned int attr,
			 uint64_t val);
/* 0 and *@val, or -ENOENT (and *@val = 0) if @attr is absent. */
int qnet_link_params_get(const struct qnet_link_params *p, unsigned int attr,
			 uint64_t *val);

/*
 * Counters, by QNET_STATS_A_* type: 0 and *@val, or -ENOENT (and
 * *@val = 0) if the kernel did not report it. Any u8/u32/u64 the kernel
 * sends is kept, including types newer than this library.
 */
void qnet_stats_free(struct qnet_stats *st);
int qnet_stats_get(const struct qnet_stats *st, unsigned int attr,
		   uint64_t *val);
/* Pairs discarded for @cause (enum qnet_expire_cause), as above. */
int qnet_stats_get_discards(const struct qnet_stats *st, unsigned int cause,
			    uint64_t *val);

/* One qlink end; its params and stats belong to it (do not free them). */
void qnet_link_info_free(struct qnet_link_info *li);
const char *qnet_link_info_get_ifname(const struct qnet_link_info *li);
int qnet_link_info_get_ifindex(const struct qnet_link_info *li);
uint32_t qnet_link_info_get_peer_node(const struct qnet_link_info *li);
bool qnet_link_info_get_oper_up(const struct qnet_link_info *li);
const struct qnet_link_params *
qnet_link_info_get_params(const struct qnet_link_info *li);
const struct qnet_stats *
qnet_link_info_get_stats(const struct qnet_link_info *li);

/* A list of qlink ends; its entries belong to it. */
void qnet_link_list_free(struct qnet_link_list *l);
size_t qnet_link_list_count(const struct qnet_link_list *l);
/* Entry @i, or NULL (errno EINVAL) if @i >= count. */
const struct qnet_link_info *
qnet_link_list_get(const struct qnet_link_list *l, size_t i);

/*
 * One route: to every node in [dst, dst_last] (dst_last == dst: one node;
 * 0 .. UINT32_MAX: the default route). Traffic takes the narrowest range
 * that holds its destination, then the lowest metric.
 */
uint32_t qnet_route_get_dst(const struct qnet_route *r);
uint32_t qnet_route_get_dst_last(const struct qnet_route *r);
int qnet_route_get_ifindex(const struct qnet_route *r);
const char *qnet_route_get_ifname(const struct qnet_route *r);
uint32_t qnet_route_get_metric(const struct qnet_route *r);

void qnet_route_list_free(struct qnet_route_list *l);
size_t qnet_route_list_count(const struct qnet_route_list *l);
const struct qnet_route *
qnet_route_list_get(const struct qnet_route_list *l, size_t i);

int qnet_ctl_node_get(struct qnet_ctl *ctl, uint32_t *addr);
int qnet_ctl_node_set(struct qnet_ctl *ctl, uint32_t addr);

/* *@info is new: qnet_link_info_free() it. */
int qnet_ctl_link_get(struct qnet_ctl *ctl, const char *ifname,
		      struct qnet_link_info **info);
/* Every qlink of the node in ifindex order: qnet_link_list_free() it. */
int qnet_ctl_link_list(struct qnet_ctl *ctl, struct qnet_link_list **links);
/* Sets the parameters present in @p; all or nothing. */
int qnet_ctl_link_set(struct qnet_ctl *ctl, const char *ifname,
		      const struct qnet_link_params *p);

int qnet_ctl_route_add(struct qnet_ctl *ctl, uint32_t dst, const char *ifname,
		       uint32_t metric);
int qnet_ctl_route_del(struct qnet_ctl *ctl, uint32_t dst);

/* qnet_ctl_route_add_range() @flags: replace the route with the same
 * range and metric (or add it), as ip route replace. */
#define QNET_CTL_ROUTE_REPLACE	0x1

int qnet_ctl_route_add_range(struct qnet_ctl *ctl, uint32_t dst,
			     uint32_t dst_last, const char *ifname,
			     uint32_t metric, unsigned int flags);
/* @ifname NULL: any device; @metric < 0: the lowest. */
int qnet_ctl_route_del_range(struct qnet_ctl *ctl, uint32_t dst,
			     uint32_t dst_last, const char *ifname,
			     int64_t metric);
/* The route traffic to @dst takes (ip route get): qnet_route_free() it. */
int qnet_ctl_route_get(struct qnet_ctl *ctl, uint32_t dst,
		       struct qnet_route **route);
void qnet_route_free(struct qnet_route *r);
/* Every route of the node in destination order: qnet_route_list_free(). */
int qnet_ctl_route_list(struct qnet_ctl *ctl, struct qnet_route_list **routes);

/*
 * A link's counters, or the node's totals if @ifname is NULL: *@st is
 * new, qnet_stats_free() it.
 */
int qnet_ctl_stats_get(struct qnet_ctl *ctl, const char *ifname,
		       struct qnet_stats **st);

/*
 * The node's own network-layer counters (QNET_A_NET_STATS), each event
 * once: DELIVERED, DELIVERED_FID_SUM_PPM, MEAN_DELIVERED_FID_PPM,
 * SWAPS_*, PURIFY_* and the discards; no link-layer counter.
 */
int qnet_ctl_net_stats_get(struct qnet_ctl *ctl, struct qnet_stats **st);

#ifdef __cplusplus
}
#endif

#endif /* _QNET_LIBQNET_H */
