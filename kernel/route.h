/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-netns route table: destination node addresses -> outgoing qlink,
 * and the node's own address, which routes to one node must not name.
 */
#ifndef _QNET_ROUTE_H
#define _QNET_ROUTE_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>

struct net;
struct netlink_ext_ack;

/*
 * One route: to every node address in [dst, dst_last] (one node when the
 * two are equal; the default route is [0, U32_MAX]). A route is named by
 * (dst, dst_last, metric): a table holds at most one route per key.
 *
 * Readers find it under rcu_read_lock() and may read every field there;
 * @dev stays valid (the route holds a reference) until an RCU grace
 * period after the route leaves the table.
 */
struct qnet_route {
	u32			dst;		/* first address */
	u32			dst_last;	/* last address, >= dst */
	u32			metric;
	struct net_device	*dev;	/* next hop: a qlink in the same netns */
	netdevice_tracker	dev_tracker;
	struct list_head	list;	/* qnet_route_table.all */
	struct list_head	match;	/* qnet_route_table.ranges, ranges only */
	struct rcu_head		rcu;
};

static inline bool qnet_route_is_range(const struct qnet_route *r)
{
	return r->dst != r->dst_last;
}

/* Lives in struct qnet_net, one per netns. */
struct qnet_route_table {
	/*
	 * Every route in key order, (dst, dst_last, metric): dumps walk it.
	 * RCU readers, written under @lock, as are the two below.
	 */
	struct list_head	all;
	/* dst -> the preferred route to exactly dst (lowest metric) */
	struct xarray		exact;
	/* routes to ranges, in order of preference: see qnet_route_lookup() */
	struct list_head	ranges;
	/* serialises writers and changes of qnet_net.node_addr */
	struct mutex		lock;
	/* bumped on every change, never 0: the dump consistency check */
	u32			gen;
	u32			count;	/* routes in @all */
};

int qnet_route_init(void);
void qnet_route_exit(void);

void qnet_route_net_init(struct qnet_route_table *t);
void qnet_route_net_exit(struct qnet_route_table *t);

/*
 * Next hop to node @dst, or NULL: returns the device of the route that
 * qnet_route_find_rcu() picks, with a reference held, which the caller
 * releases with dev_put(). The device may already be on its way out (not
 * running, or unregistering); sending on it then fails like on any downed
 * device. Any context.
 */
struct net_device *qnet_route_lookup(struct net *net, u32 dst);

/*
 * The route traffic to @dst takes: among the routes whose range holds
 * @dst, the narrowest range (a route to @dst alone first, the default
 * route last), then the lowest metric, then the lowest first address.
 * Caller must hold rcu_read_lock(); the result is valid until it drops it.
 */
struct qnet_route *qnet_route_find_rcu(struct net *net, u32 dst);

/* Current generation, for cb->seq of a dump. */
u32 qnet_route_gen(struct net *net);

/*
 * Changes. They return 0 or -errno with an extack message; the caller
 * points the extack at the attribute. qnet_route_add() needs RTNL so that
 * @dev cannot slip past the NETDEV_UNREGISTER notifier that removes its
 * routes. @how says what to do about other routes to the same range:
 *   QNET_ROUTE_ADD      -EEXIST if one has @metric;
 *   QNET_ROUTE_REPLACE  the one with @metric gets @dev (and the route is
 *                       added if there is none);
 *   QNET_ROUTE_APPEND   as add, but with no @metric (NULL) the new route
 *                       comes after them all: its metric is one more than
 *                       the largest of theirs (0 if there are none).
 * A NULL @metric is 0 otherwise.
 */
enum qnet_route_how {
	QNET_ROUTE_ADD,
	QNET_ROUTE_REPLACE,
	QNET_ROUTE_APPEND,
};

int qnet_route_add(struct net *net, u32 dst, u32 dst_last,
		   struct net_device *dev, const u32 *metric,
		   enum qnet_route_how how, struct netlink_ext_ack *extack);

/*
 * Delete the route to [dst, dst_last] with @metric (any metric if NULL:
 * the lowest) through @dev (any device if NULL). -ENOENT if there is
 * none, -ESRCH if there are routes to the range but none with @metric.
 */
int qnet_route_del(struct net *net, u32 dst, u32 dst_last,
		   const u32 *metric, const struct net_device *dev,
		   struct netlink_ext_ack *extack);
int qnet_node_addr_set(struct net *net, u32 addr,
		       struct netlink_ext_ack *extack);

#endif /* _QNET_ROUTE_H */
