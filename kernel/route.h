/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-netns route table: destination node -> outgoing qlink, and the
 * node's own address, which routes must not point at.
 */
#ifndef _QNET_ROUTE_H
#define _QNET_ROUTE_H

#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>

struct net;
struct netlink_ext_ack;

/*
 * One route. Readers find it under rcu_read_lock() and may read every
 * field there; @dev stays valid (the route holds a reference) until an
 * RCU grace period after the route leaves the table.
 */
struct qnet_route {
	u32			dst;	/* destination node address, not 0 */
	u32			metric;
	struct net_device	*dev;	/* next hop: a qlink in the same netns */
	netdevice_tracker	dev_tracker;
	struct rcu_head		rcu;
};

/* Lives in struct qnet_net, one per netns. */
struct qnet_route_table {
	/* dst -> struct qnet_route: RCU readers, written under @lock */
	struct xarray		routes;
	/* serialises writers and changes of qnet_net.node_addr */
	struct mutex		lock;
	/* bumped on every change, never 0: the dump consistency check */
	u32			gen;
};

int qnet_route_init(void);
void qnet_route_exit(void);

void qnet_route_net_init(struct qnet_route_table *t);
void qnet_route_net_exit(struct qnet_route_table *t);

/*
 * Route to node @dst, or NULL: returns the next-hop device with a
 * reference held, which the caller releases with dev_put(). The device
 * may already be on its way out (not running, or unregistering); sending
 * on it then fails like on any downed device. Any context.
 */
struct net_device *qnet_route_lookup(struct net *net, u32 dst);

/* Caller must hold rcu_read_lock(); the result is valid until it drops it. */
struct qnet_route *qnet_route_find_rcu(struct net *net, u32 dst);

/* Current generation, for cb->seq of a dump. */
u32 qnet_route_gen(struct net *net);

/*
 * Changes. They return 0 or -errno with an extack message; the caller
 * points the extack at the attribute. qnet_route_add() needs RTNL so that
 * @dev cannot slip past the NETDEV_UNREGISTER notifier that removes its
 * routes.
 */
int qnet_route_add(struct net *net, u32 dst, struct net_device *dev,
		   u32 metric, struct netlink_ext_ack *extack);
int qnet_route_del(struct net *net, u32 dst, const struct net_device *dev,
		   struct netlink_ext_ack *extack);
int qnet_node_addr_set(struct net *net, u32 addr,
		       struct netlink_ext_ack *extack);

#endif /* _QNET_ROUTE_H */
