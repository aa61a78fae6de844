/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the network layer share with each other and with no
 * one else (the rest of qnet goes through circuit.h): a node's state, the
 * locks, and the functions one of them calls in another.
 *
 *   circuit.c         everything else: circuits, messages, binding,
 *                     swapping, delivery, init, devices, namespaces
 *   circuit_proc.c    /proc/net/qnet_circuit, /proc/net/qnet_node and the
 *                     node's counters
 *
 * Locking
 * - qnet_circuit_net.lock (spin_lock_bh: messages arrive in softirq)
 *   protects a node's circuits and everything in them. qnet_ent_lock,
 *   global, protects the holder pointers and measurement records of all
 *   pairs; it nests inside a node's lock and never the other way round.
 * - Nothing is sent and no socket is called under either lock: both are
 *   queued on a local list of actions (struct qnet_act in skb->cb) and
 *   run after the unlock.
 */
#ifndef _QNET_CIRCUIT_NET_H
#define _QNET_CIRCUIT_NET_H

#include <linux/netdevice.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "circuit.h"
#include "circuit_types.h"
#include "qlink.h"
#include "qmath.h"

#define QNET_CIRCUIT_HASH_BITS	6
#define QNET_OWED_MAX		32

/* Per-netns (per node) state of the network layer. */
struct qnet_circuit_net {
	spinlock_t		lock;		/* everything below, all circuits */
	struct hlist_head	table[1 << QNET_CIRCUIT_HASH_BITS];
	unsigned int		count;
	u32			next_id;
	u64			clock_ns;	/* latest event seen */
	struct qmath_rng	rng;		/* measurements, swaps */
	bool			rng_seeded;
	u32			rng_addr;	/* node address it was seeded for */
	bool			dying;
	/*
	 * Link pairs a BIND gave us before their herald reached our end
	 * (frames can overtake each other): taken out of the link's memory
	 * when the herald arrives, so the link does not count them stored.
	 */
	struct {
		struct net_device	*dev;	/* no reference: compared only */
		u64			id;
	} owed[QNET_OWED_MAX];
	unsigned int		owed_pos;
	struct qnet_net_stats	stats;
};

extern unsigned int qnet_circuit_net_id;

static inline struct qnet_circuit_net *qnet_cn(const struct net *net)
{
	return net_generic(net, qnet_circuit_net_id);
}

/* ---- circuit_proc.c ---- */

/* The show functions of /proc/net/qnet_circuit and /proc/net/qnet_node. */
int qnet_circuit_seq_show(struct seq_file *seq, void *v);
int qnet_node_seq_show(struct seq_file *seq, void *v);

#endif /* _QNET_CIRCUIT_NET_H */
