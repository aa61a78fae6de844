// SPDX-License-Identifier: GPL-2.0
/*
 * The qlink facts the network layer needs besides the on-demand interface
 * in link.c: which end binds pairs, the link's delay and cutoff, a pair's
 * memory, and generation that starts no earlier than a given time.
 */
#include <linux/spinlock.h>

#include "link.h"
#include "qlink_net.h"

/**
 * qlink_is_generator() - does this end generate the link's pairs?
 * @dev: a qlink device
 *
 * End 0 draws the attempts and heralds first; the network layer lets it
 * decide which circuit each pair serves. Any context.
 */
bool qlink_is_generator(const struct net_device *dev)
{
	return qlink_priv(dev)->end == 0;
}

/* Is continuous mode on? Any context. */
bool qlink_continuous(const struct net_device *dev)
{
	return READ_ONCE(qlink_priv(dev)->link->params.continuous);
}

/*
 * The link's identity, the same at both ends and never given to another
 * link: objects that frames name (far halves waiting for their BIND) are
 * tagged with it and found only from the link they belong to. Any context.
 */
u64 qlink_link_id(const struct net_device *dev)
{
	return qlink_priv(dev)->link->id;
}

/*
 * The count of messages that came over @dev's end and wait at its node
 * for a later attempt: the network layer keeps it, under the node's lock
 * (a qlink end is in one namespace), to bound them per link.
 */
unsigned int *qlink_deferred(struct net_device *dev)
{
	return &qlink_dev_end(dev)->ndeferred;
}

/* One-way propagation delay of the link (ns of emulated time). */
u64 qlink_delay_ns(const struct net_device *dev)
{
	return READ_ONCE(qlink_priv(dev)->link->delay_ns);
}

/* The link's cutoff (ns), 0 for none. */
u64 qlink_cutoff_ns(const struct net_device *dev)
{
	return READ_ONCE(qlink_priv(dev)->link->params.cutoff_ns);
}

/* The memory T1 and T2 (ns) the pair's qubits decay with. */
void qlink_pair_memory(const struct qlink_pair *pair, u64 *t1_ns, u64 *t2_ns)
{
	*t1_ns = pair->t1_ns;
	*t2_ns = pair->t2_ns;
}

/**
 * qlink_request_at() - qlink_request(), not starting before a given time
 * @dev: either end of the link
 * @npairs: pairs wanted on top of those already requested
 * @not_before_ns: emulated time from which attempts may start
 *
 * An idle link starts attempting at the domain's clock anyway; this is
 * for a caller that acts at a later time than the clock (a circuit
 * waiting for what it will know then). Process or softirq context.
 *
 * Return: 0, or -ENETDOWN.
 */
int qlink_request_at(struct net_device *dev, u32 npairs, u64 not_before_ns)
{
	struct qlink *link = qlink_priv(dev)->link;

	spin_lock_bh(&link->lock);
	if (!link->gen_scheduled && link->run_ns < not_before_ns)
		link->run_ns = not_before_ns;
	spin_unlock_bh(&link->lock);
	return qlink_request(dev, npairs);
}

/*
 * The network namespace (node) of the far end, or NULL; caller holds
 * rcu_read_lock(). Its per-netns data outlives the peer device: a netns
 * frees it only after unregistering its devices, which clears the peer
 * pointer and waits for a grace period.
 */
struct net *qlink_peer_net_rcu(const struct net_device *dev)
{
	struct net_device *peer = rcu_dereference(qlink_priv(dev)->peer);

	return peer ? dev_net(peer) : NULL;
}

/*
 * The state a herald on the link gives, before any waiting (its nominal
 * Bell state is one of those the scheme heralds). Process or softirq.
 */
void qlink_model_state(struct net_device *dev, struct qstate *s)
{
	struct qlink *link = qlink_priv(dev)->link;

	spin_lock_bh(&link->lock);
	*s = link->model.state;
	spin_unlock_bh(&link->lock);
}

/* Memory qubits at each end of the link. Any context. */
u32 qlink_mem_slots(const struct net_device *dev)
{
	return READ_ONCE(qlink_priv(dev)->link->params.mem_slots);
}
