// SPDX-License-Identifier: GPL-2.0
/*
 * Per-netns route table and the node address.
 *
 * Implementation notes
 *
 * - A node has at most one route per destination; the table is an
 *   xarray indexed by destination address. Lookups (the network layer's,
 *   per request) are an RCU xa_load(); dumps walk it in address order,
 *   which is also their resume cursor.
 * - Writers hold qnet_route_table.lock (a mutex: insertion allocates).
 *   The same lock covers qnet_net.node_addr, so that no route can point at
 *   the node's own address, whatever order the two are configured in.
 * - Lock order: RTNL, then the table lock. Adding a route holds RTNL from
 *   the device lookup to the insertion, and the NETDEV_UNREGISTER notifier
 *   runs under RTNL, so a route is never added to a device whose
 *   notifier has already run.
 * - A route holds a tracked reference on its device. NETDEV_UNREGISTER
 *   (device deleted, or moved to another netns: the core sends it in the
 *   old netns) removes the device's routes and drops the references;
 *   unregister_netdevice_notifier() replays it for every device at module
 *   exit, so nothing is left holding a device then. Routes are freed
 *   after an RCU grace period; the reference is dropped at removal,
 *   which is safe because unregistration waits a grace period
 *   (synchronize_net()) after the notifiers before it waits for the
 *   references to drain.
 * - Every change bumps the table's generation (never 0, since
 *   nl_dump_check_consistent() ignores a zero previous sequence).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "qnet.h"
#include "qlink.h"
#include "route.h"

static struct qnet_route_table *qnet_route_table(struct net *net)
{
	return &qnet_pernet(net)->routes;
}

static void qnet_route_gen_bump(struct qnet_route_table *t)
	__must_hold(&t->lock)
{
	lockdep_assert_held(&t->lock);
	WRITE_ONCE(t->gen, t->gen + 1 ?: 1);
}

u32 qnet_route_gen(struct net *net)
{
	return READ_ONCE(qnet_route_table(net)->gen);
}

/* Remove @r from @t and free it once readers are done. */
static void qnet_route_remove(struct qnet_route_table *t,
			      struct qnet_route *r)
	__must_hold(&t->lock)
{
	lockdep_assert_held(&t->lock);
	xa_erase(&t->routes, r->dst);
	netdev_put(r->dev, &r->dev_tracker);
	kfree_rcu(r, rcu);
}

struct qnet_route *qnet_route_find_rcu(struct net *net, u32 dst)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "route table read outside RCU");
	return xa_load(&qnet_route_table(net)->routes, dst);
}

struct net_device *qnet_route_lookup(struct net *net, u32 dst)
{
	struct net_device *dev = NULL;
	struct qnet_route *r;

	rcu_read_lock();
	r = qnet_route_find_rcu(net, dst);
	if (r) {
		dev = r->dev;
		dev_hold(dev);
	}
	rcu_read_unlock();
	return dev;
}

int qnet_route_add(struct net *net, u32 dst, struct net_device *dev,
		   u32 metric, struct netlink_ext_ack *extack)
{
	struct qnet_route_table *t = qnet_route_table(net);
	struct qnet_route *r;
	int err;

	ASSERT_RTNL();
	if (dst == QNET_ADDR_ANY) {
		NL_SET_ERR_MSG_MOD(extack, "route destination 0 is reserved (any)");
		return -EINVAL;
	}
	if (!net_eq(dev_net(dev), net) || dev->reg_state != NETREG_REGISTERED) {
		NL_SET_ERR_MSG_MOD(extack, "device is not in this netns");
		return -ENODEV;
	}

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->dst = dst;
	r->metric = metric;
	r->dev = dev;

	mutex_lock(&t->lock);
	if (dst == qnet_pernet(net)->node_addr) {
		NL_SET_ERR_MSG_MOD(extack, "route to this node's own address");
		err = -EINVAL;
		goto err_unlock;
	}
	/* Publishes r to readers: take the device reference first. */
	netdev_hold(dev, &r->dev_tracker, GFP_KERNEL);
	err = xa_insert(&t->routes, dst, r, GFP_KERNEL);
	if (err) {
		netdev_put(dev, &r->dev_tracker);
		if (err == -EBUSY) {
			NL_SET_ERR_MSG_MOD(extack,
					   "a route to this destination exists");
			err = -EEXIST;
		}
		goto err_unlock;
	}
	qnet_route_gen_bump(t);
	mutex_unlock(&t->lock);
	return 0;

err_unlock:
	mutex_unlock(&t->lock);
	kfree(r);
	return err;
}

int qnet_route_del(struct net *net, u32 dst, const struct net_device *dev,
		   struct netlink_ext_ack *extack)
{
	struct qnet_route_table *t = qnet_route_table(net);
	struct qnet_route *r;
	int err = 0;

	mutex_lock(&t->lock);
	r = xa_load(&t->routes, dst);
	if (!r) {
		NL_SET_ERR_MSG_MOD(extack, "no route to this destination");
		err = -ENOENT;
	} else if (dev && r->dev != dev) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the route to this destination uses another device");
		err = -ENOENT;
	} else {
		qnet_route_remove(t, r);
		qnet_route_gen_bump(t);
	}
	mutex_unlock(&t->lock);
	return err;
}

int qnet_node_addr_set(struct net *net, u32 addr,
		       struct netlink_ext_ack *extack)
{
	struct qnet_route_table *t = qnet_route_table(net);
	int err = 0;

	if (addr == QNET_ADDR_ANY) {
		NL_SET_ERR_MSG_MOD(extack, "node address 0 is reserved (any)");
		return -EINVAL;
	}

	mutex_lock(&t->lock);
	if (xa_load(&t->routes, addr)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "a route points at this address; delete it first");
		err = -EEXIST;
	} else {
		WRITE_ONCE(qnet_pernet(net)->node_addr, addr);
	}
	mutex_unlock(&t->lock);
	return err;
}

/* Remove every route through @dev (or every route, @dev NULL). */
static void qnet_route_flush(struct qnet_route_table *t,
			     const struct net_device *dev)
{
	struct qnet_route *r;
	unsigned long dst;
	bool changed = false;

	mutex_lock(&t->lock);
	xa_for_each(&t->routes, dst, r) {
		if (dev && r->dev != dev)
			continue;
		qnet_route_remove(t, r);
		changed = true;
	}
	if (changed)
		qnet_route_gen_bump(t);
	mutex_unlock(&t->lock);
}

static int qnet_route_netdev_event(struct notifier_block *nb,
				   unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	/* Routes only ever point at qlinks, so others cannot be in one. */
	if (event != NETDEV_UNREGISTER || !qlink_dev_is_qlink(dev))
		return NOTIFY_DONE;

	qnet_route_flush(qnet_route_table(dev_net(dev)), dev);
	return NOTIFY_DONE;
}

static struct notifier_block qnet_route_netdev_nb = {
	.notifier_call = qnet_route_netdev_event,
};

void qnet_route_net_init(struct qnet_route_table *t)
{
	xa_init(&t->routes);
	mutex_init(&t->lock);
	t->gen = 1;
}

/*
 * Devices are gone by now (pernet device exits run before subsys ones),
 * and with them their routes; flush whatever is left all the same.
 */
void qnet_route_net_exit(struct qnet_route_table *t)
{
	qnet_route_flush(t, NULL);
	xa_destroy(&t->routes);
	mutex_destroy(&t->lock);
}

int __init qnet_route_init(void)
{
	return register_netdevice_notifier(&qnet_route_netdev_nb);
}

void qnet_route_exit(void)
{
	/* Replays NETDEV_UNREGISTER for every device: drops all routes. */
	unregister_netdevice_notifier(&qnet_route_netdev_nb);
}
