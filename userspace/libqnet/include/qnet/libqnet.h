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
#include <net/if.h>

#include <linux/qnet.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBQNET_VERSION_MAJOR	1
#define LIBQNET_VERSION_MINOR	2

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

struct qnet_ctl;

/*
 * A control handle for the node of network namespace @netns (a name under
 * /run/netns, as `ip netns` makes them), or of the caller's namespace if
 * @netns is NULL.
 */
struct qnet_ctl *qnet_ctl_open(const char *netns);
void qnet_ctl_close(struct qnet_ctl *ctl);

/* The extack message of the last failed call, or "" if none. */
const char *qnet_ctl_error(const struct qnet_ctl *ctl);

/* Link parameters: the QNET_LINK_A_* quantities, in their units. */
struct qnet_link_params {
	uint32_t length_m;
	uint32_t atten_mdb_km;
	uint32_t index_milli;
	uint32_t attempt_rate_hz;
	uint8_t scheme;			/* enum qnet_scheme */
	uint32_t alpha_ppm;
	uint32_t source_fid_ppm;
	uint32_t det_eff_ppm;
	uint32_t dark_rate_hz;
	uint32_t visibility_ppm;
	uint32_t mem_slots;
	uint64_t t1_ns;
	uint64_t t2_ns;
	uint64_t cutoff_ns;
	uint64_t seed;
	uint32_t time_scale;
	uint8_t continuous;
};

/* For qnet_ctl_link_set(): which fields of struct qnet_link_params to set. */
#define QNET_LP_LENGTH		(1ULL << QNET_LINK_A_LENGTH_M)
#define QNET_LP_ATTEN		(1ULL << QNET_LINK_A_ATTEN_MDB_KM)
#define QNET_LP_INDEX		(1ULL << QNET_LINK_A_INDEX_MILLI)
#define QNET_LP_RATE		(1ULL << QNET_LINK_A_ATTEMPT_RATE_HZ)
#define QNET_LP_SCHEME		(1ULL << QNET_LINK_A_SCHEME)
#define QNET_LP_ALPHA		(1ULL << QNET_LINK_A_ALPHA_PPM)
#define QNET_LP_SOURCE_FID	(1ULL << QNET_LINK_A_SOURCE_FID_PPM)
#define QNET_LP_DET_EFF		(1ULL << QNET_LINK_A_DET_EFF_PPM)
#define QNET_LP_DARK_RATE	(1ULL << QNET_LINK_A_DARK_RATE_HZ)
#define QNET_LP_VISIBILITY	(1ULL << QNET_LINK_A_VISIBILITY_PPM)
#define QNET_LP_MEM_SLOTS	(1ULL << QNET_LINK_A_MEM_SLOTS)
#define QNET_LP_T1		(1ULL << QNET_LINK_A_T1_NS)
#define QNET_LP_T2		(1ULL << QNET_LINK_A_T2_NS)
#define QNET_LP_CUTOFF		(1ULL << QNET_LINK_A_CUTOFF_NS)
#define QNET_LP_SEED		(1ULL << QNET_LINK_A_SEED)
#define QNET_LP_TIME_SCALE	(1ULL << QNET_LINK_A_TIME_SCALE)
#define QNET_LP_CONTINUOUS	(1ULL << QNET_LINK_A_CONTINUOUS)

/*
 * Counters: the QNET_STATS_A_* values; absent ones read 0. Fields added
 * after 1.0 are at the end (the structure only grows).
 */
struct qnet_stats {
	uint64_t attempts;
	uint64_t heralded;
	uint64_t delivered;
	uint64_t expired;
	uint64_t swaps_ok;
	uint64_t swaps_failed;
	uint64_t purify_ok;
	uint64_t purify_failed;
	uint64_t fidelity_sum_ppm;
	uint32_t mean_fidelity_ppm;
	uint64_t stored;
	uint64_t emu_time_ns;
	uint64_t rx_packets;
	uint64_t tx_packets;
	uint64_t rx_dropped;
	/* since 1.1 */
	uint64_t delivered_fid_sum_ppm;	/* sum over delivered pairs */
	uint32_t mean_delivered_fid_ppm;	/* that / delivered, 0 if none */
	/* pairs discarded, by cause: index enum qnet_expire_cause
	 * (QNET_DISCARDS_A_* - 1)
	 */
	uint64_t discards[QNET_DISCARDS_A_MAX];
};

struct qnet_link_info {
	char ifname[IF_NAMESIZE];
	int ifindex;
	uint32_t peer_node;
	bool oper_up;
	struct qnet_link_params params;
	struct qnet_stats stats;
};

struct qnet_route {
	uint32_t dst;
	int ifindex;
	char ifname[IF_NAMESIZE];
	uint32_t metric;
};

int qnet_ctl_node_get(struct qnet_ctl *ctl, uint32_t *addr);
int qnet_ctl_node_set(struct qnet_ctl *ctl, uint32_t addr);

int qnet_ctl_link_get(struct qnet_ctl *ctl, const char *ifname,
		      struct qnet_link_info *info);
/* Every qlink of the node; *@links is malloc'ed, free() it. */
int qnet_ctl_link_list(struct qnet_ctl *ctl, struct qnet_link_info **links,
		       size_t *n);
int qnet_ctl_link_set(struct qnet_ctl *ctl, const char *ifname,
		      const struct qnet_link_params *p, uint64_t mask);

int qnet_ctl_route_add(struct qnet_ctl *ctl, uint32_t dst, const char *ifname,
		       uint32_t metric);
int qnet_ctl_route_del(struct qnet_ctl *ctl, uint32_t dst);
/*
 * Every route of the node; *@routes is malloc'ed, free() it. A route to
 * a range of nodes shows as its first address: see
 * qnet_ctl_route_list_range().
 */
int qnet_ctl_route_list(struct qnet_ctl *ctl, struct qnet_route **routes,
			size_t *n);

/*
 * Since 1.2: routes to ranges of nodes [dst, dst_last] (one node when the
 * two are equal, every address for the default route: 0, UINT32_MAX).
 * Traffic takes the narrowest range that holds its destination, then the
 * lowest metric (Documentation/network.rst, "Routing").
 */
struct qnet_route_range {
	uint32_t dst;
	uint32_t dst_last;
	int ifindex;
	char ifname[IF_NAMESIZE];
	uint32_t metric;
};

#define QNET_CTL_ROUTE_DEFAULT_LAST	UINT32_MAX
/* qnet_ctl_route_add_range() @flags: replace the route with the same
 * range and metric (or add it), as ip route replace. */
#define QNET_CTL_ROUTE_REPLACE		0x1

int qnet_ctl_route_add_range(struct qnet_ctl *ctl, uint32_t dst,
			     uint32_t dst_last, const char *ifname,
			     uint32_t metric, unsigned int flags);
/* @ifname NULL: any device; @metric negative: the lowest. */
int qnet_ctl_route_del_range(struct qnet_ctl *ctl, uint32_t dst,
			     uint32_t dst_last, const char *ifname,
			     int64_t metric);
/* The route traffic to node @dst takes (ENOENT if none). */
int qnet_ctl_route_get(struct qnet_ctl *ctl, uint32_t dst,
		       struct qnet_route_range *r);
/* Every route, in (dst, dst_last, metric) order; free() *@routes. */
int qnet_ctl_route_list_range(struct qnet_ctl *ctl,
			      struct qnet_route_range **routes, size_t *n);

/* A link's counters, or the node's totals if @ifname is NULL. */
int qnet_ctl_stats_get(struct qnet_ctl *ctl, const char *ifname,
		       struct qnet_stats *st);

/*
 * Since 1.1: the node's own network-layer counters (QNET_A_NET_STATS),
 * each event once: delivered, delivered_fid_sum_ppm,
 * mean_delivered_fid_ppm, swaps_*, purify_*, discards[]; the other
 * fields read 0.
 */
int qnet_ctl_net_stats_get(struct qnet_ctl *ctl, struct qnet_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* _QNET_LIBQNET_H */
