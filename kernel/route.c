// SPDX-License-Identifier: GPL-2.0
/*
 * Per-netns route table and the node address.
 *
 * Implementation notes
 *
 * - A route covers a range of destination addresses [dst, dst_last]: one
 *   node, a prefix (qnetctl turns ADDR/LEN into its range) or everything
 *   (the default route, [0, U32_MAX]). Ranges may overlap; the narrowest
 *   range holding a destination wins, so a range inside another is an
 *   exception to it, and for prefixes this is the longest match. Among
 *   routes to the same range the lowest metric wins. A chain needs two
 *   routes per node (a default one way, the range of the nodes behind it
 *   the other), a grid four.
 * - Three views of the same routes, all changed under the table lock and
 *   read under RCU:
 *     all     every route, sorted by its key (dst, dst_last, metric); the
 *             key is unique, and dumps resume from it;
 *     exact   xarray, dst -> the lowest-metric route to dst alone: the
 *             common lookup is one xa_load();
 *     ranges  the other routes, sorted by preference: width, metric, dst.
 *             A lookup that misses in exact takes the first range holding
 *             the destination. A table has a handful of ranges (a default
 *             and its exceptions); thousands of them make lookups linear,
 *             which costs once per circuit set-up, not per pair.
 * - Writers hold qnet_route_table.lock (a mutex: insertion allocates).
 *   The same lock covers qnet_net.node_addr, so that no route to one node
 *   can name the node's own address, whatever order the two are
 *   configured in. Ranges may hold the node's address (a default route
 *   does): a frame for this node never looks up a route.
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

/* Key order of qnet_route_table.all: <0 if @a sorts before (dst, last, metric). */
static int qnet_route_key_cmp(const struct qnet_route *a, u32 dst, u32 last,
			      u32 metric)
{
	if (a->dst != dst)
		return a->dst < dst ? -1 : 1;
	if (a->dst_last != last)
		return a->dst_last < last ? -1 : 1;
	if (a->metric != metric)
		return a->metric < metric ? -1 : 1;
	return 0;
}

/* Preference order of qnet_route_table.ranges: does @a go before @b? */
static bool qnet_route_prefer(const struct qnet_route *a,
			      const struct qnet_route *b)
{
	u32 wa = a->dst_last - a->dst, wb = b->dst_last - b->dst;

	if (wa != wb)
		return wa < wb;
	if (a->metric != b->metric)
		return a->metric < b->metric;
	return a->dst < b->dst;
}

/*
 * The preferred route to exactly @dst other than @skip, or NULL. The
 * routes with one key prefix are adjacent in key order, lowest metric
 * first.
 */
static struct qnet_route *qnet_route_best_exact(struct qnet_route_table *t,
						u32 dst,
						const struct qnet_route *skip)
	__must_hold(&t->lock)
{
	struct qnet_route *r;

	lockdep_assert_held(&t->lock);
	list_for_each_entry(r, &t->all, list) {
		if (r->dst > dst)
			break;
		if (r->dst == dst && r->dst_last == dst && r != skip)
			return r;
	}
	return NULL;
}

/* First route of @t with a key after (dst, last, metric), or the head. */
static struct list_head *qnet_route_key_pos(struct qnet_route_table *t,
					    u32 dst, u32 last, u32 metric)
	__must_hold(&t->lock)
{
	struct qnet_route *r;

	list_for_each_entry(r, &t->all, list)
		if (qnet_route_key_cmp(r, dst, last, metric) > 0)
			return &r->list;
	return &t->all;
}

/* Put @r, a new range, into t->ranges in preference order. */
static void qnet_route_link_range(struct qnet_route_table *t,
				  struct qnet_route *r)
	__must_hold(&t->lock)
{
	struct qnet_route *pos;

	list_for_each_entry(pos, &t->ranges, match)
		if (qnet_route_prefer(r, pos))
			break;
	/* Before @pos, or at the tail if none is preferred less. */
	list_add_tail_rcu(&r->match, &pos->match);
}

/* Remove @r from @t and free it once readers are done. */
static void qnet_route_remove(struct qnet_route_table *t,
			      struct qnet_route *r)
	__must_hold(&t->lock)
{
	lockdep_assert_held(&t->lock);
	if (qnet_route_is_range(r)) {
		list_del_rcu(&r->match);
	} else if (xa_load(&t->exact, r->dst) == r) {
		struct qnet_route *next = qnet_route_best_exact(t, r->dst, r);

		/* Replacing a present entry allocates nothing. */
		if (next)
			xa_store(&t->exact, r->dst, next, GFP_KERNEL);
		else
			xa_erase(&t->exact, r->dst);
	}
	list_del_rcu(&r->list);
	t->count--;
	netdev_put(r->dev, &r->dev_tracker);
	kfree_rcu(r, rcu);
}

struct qnet_route *qnet_route_find_rcu(struct net *net, u32 dst)
{
	struct qnet_route_table *t = qnet_route_table(net);
	struct qnet_route *r;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "route table read outside RCU");
	r = xa_load(&t->exact, dst);
	if (r)
		return r;
	list_for_each_entry_rcu(r, &t->ranges, match)
		if (r->dst <= dst && dst <= r->dst_last)
			return r;
	return NULL;
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

int qnet_route_add(struct net *net, u32 dst, u32 dst_last,
		   struct net_device *dev, const u32 *metric_attr,
		   enum qnet_route_how how, struct netlink_ext_ack *extack)
{
	struct qnet_route_table *t = qnet_route_table(net);
	struct qnet_route *r, *old = NULL, *best;
	u32 metric = metric_attr ? *metric_attr : 0;
	struct list_head *pos;
	int err;

	ASSERT_RTNL();
	if (dst > dst_last) {
		NL_SET_ERR_MSG_MOD(extack, "route range ends before it starts");
		return -EINVAL;
	}
	if (dst == dst_last && dst == QNET_ADDR_ANY) {
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
	r->dst_last = dst_last;
	r->dev = dev;

	mutex_lock(&t->lock);
	if (!qnet_route_is_range(r) && dst == qnet_pernet(net)->node_addr) {
		NL_SET_ERR_MSG_MOD(extack, "route to this node's own address");
		err = -EINVAL;
		goto err_unlock;
	}
	if (how == QNET_ROUTE_APPEND && !metric_attr) {
		/* after the last route to the range: the key order's end */
		pos = qnet_route_key_pos(t, dst, dst_last, U32_MAX);
		if (pos->prev != &t->all) {
			best = list_entry(pos->prev, struct qnet_route, list);
			if (best->dst == dst && best->dst_last == dst_last) {
				if (best->metric == U32_MAX) {
					NL_SET_ERR_MSG_MOD(extack,
							   "no metric left after the last route to this destination");
					err = -ERANGE;
					goto err_unlock;
				}
				metric = best->metric + 1;
			}
		}
	}
	r->metric = metric;
	pos = qnet_route_key_pos(t, dst, dst_last, metric);
	if (pos->prev != &t->all) {
		old = list_entry(pos->prev, struct qnet_route, list);
		if (qnet_route_key_cmp(old, dst, dst_last, metric))
			old = NULL;
	}
	if (old && how != QNET_ROUTE_REPLACE) {
		NL_SET_ERR_MSG_MOD(extack, "a route to this destination exists");
		err = -EEXIST;
		goto err_unlock;
	}

	/* What follows publishes r to readers: take the reference first. */
	netdev_hold(dev, &r->dev_tracker, GFP_KERNEL);
	/*
	 * A new route to one node that beats the present one (or is the
	 * first) goes into the xarray first: inserting there may fail.
	 */
	if (!old && !qnet_route_is_range(r)) {
		best = xa_load(&t->exact, dst);
		if (!best) {
			err = xa_insert(&t->exact, dst, r, GFP_KERNEL);
			if (err) {
				netdev_put(dev, &r->dev_tracker);
				goto err_unlock;
			}
		} else if (metric < best->metric) {
			xa_store(&t->exact, dst, r, GFP_KERNEL);
		}
	}

	if (old) {
		list_replace_rcu(&old->list, &r->list);
		if (qnet_route_is_range(r))
			list_replace_rcu(&old->match, &r->match);
		else if (xa_load(&t->exact, dst) == old)
			xa_store(&t->exact, dst, r, GFP_KERNEL);
		netdev_put(old->dev, &old->dev_tracker);
		kfree_rcu(old, rcu);
	} else {
		list_add_tail_rcu(&r->list, pos);
		if (qnet_route_is_range(r))
			qnet_route_link_range(t, r);
		t->count++;
	}
	qnet_route_gen_bump(t);
	mutex_unlock(&t->lock);
	return 0;

err_unlock:
	mutex_unlock(&t->lock);
	kfree(r);
	return err;
}

int qnet_route_del(struct net *net, u32 dst, u32 dst_last,
		   const u32 *metric, const struct net_device *dev,
		   struct netlink_ext_ack *extack)
{
	struct qnet_route_table *t = qnet_route_table(net);
	struct qnet_route *r, *found = NULL;
	bool range_seen = false, other_dev = false;

	mutex_lock(&t->lock);
	list_for_each_entry(r, &t->all, list) {
		if (r->dst > dst)
			break;
		if (r->dst != dst || r->dst_last != dst_last)
			continue;
		range_seen = true;
		if (metric && r->metric != *metric)
			continue;
		if (dev && r->dev != dev) {
			other_dev = true;
			continue;
		}
		/* Lowest metric first: the first match is the one. */
		found = r;
		break;
	}
	if (found) {
		qnet_route_remove(t, found);
		qnet_route_gen_bump(t);
	} else if (other_dev) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the route to this destination uses another device");
	} else if (range_seen) {
		NL_SET_ERR_MSG_MOD(extack,
				   "no route to this destination with this metric");
	} else {
		NL_SET_ERR_MSG_MOD(extack, "no route to this destination");
	}
	mutex_unlock(&t->lock);
	if (found)
		return 0;
	return range_seen && !other_dev ? -ESRCH : -ENOENT;
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
	if (xa_load(&t->exact, addr)) {
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
	struct qnet_route *r, *tmp;
	bool changed = false;

	mutex_lock(&t->lock);
	list_for_each_entry_safe(r, tmp, &t->all, list) {
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
	INIT_LIST_HEAD(&t->all);
	xa_init(&t->exact);
	INIT_LIST_HEAD(&t->ranges);
	mutex_init(&t->lock);
	t->gen = 1;
	t->count = 0;
}

/*
 * Devices are gone by now (pernet device exits run before subsys ones),
 * and with them their routes; flush whatever is left all the same.
 */
void qnet_route_net_exit(struct qnet_route_table *t)
{
	qnet_route_flush(t, NULL);
	WARN_ON_ONCE(!list_empty(&t->all));
	xa_destroy(&t->exact);
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
