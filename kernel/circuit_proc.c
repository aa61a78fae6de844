// SPDX-License-Identifier: GPL-2.0
/*
 * What a node shows of its network layer: /proc/net/qnet_circuit (the
 * circuits through it, one a line), /proc/net/qnet_node and the counters
 * behind it, which netlink reads too (QNET_A_NET_STATS). Apart from
 * circuit.c because none of it takes part in the protocol: it only reads
 * the node's state, under its lock. circuit.c creates the files with each
 * namespace (qnet_circuit_net_init()).
 */
#include <linux/math64.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <linux/spinlock.h>

#include "circuit.h"
#include "circuit_net.h"
#include "circuit_types.h"

/*
 * /proc/net/qnet_circuit: the circuits through this node, one a line, so
 * that tests and people can see that nothing is left behind.
 */
int qnet_circuit_seq_show(struct seq_file *seq, void *v)
{
	static const char * const roles[] = { "head", "mid", "tail" };
	static const char * const states[] = { "connecting", "up", "closed" };
	struct qnet_circuit_net *cn = qnet_cn(seq_file_single_net(seq));
	struct qnet_circuit *c;
	unsigned int i;

	seq_puts(seq, "Head     Id       Role State      Hops Epoch    Up Down Kept Request          Delivered\n");
	spin_lock_bh(&cn->lock);
	for (i = 0; i < ARRAY_SIZE(cn->table); i++) {
		hlist_for_each_entry(c, &cn->table[i], hnode)
			seq_printf(seq, "%08x %08x %-4s %-10s %4u %8u %2u %4u %4u %016llx %9u\n",
				   c->head_node, c->id, roles[c->role],
				   states[c->state], c->hops, c->epoch,
				   !!c->slot[QNET_UP], !!c->slot[QNET_DOWN],
				   c->nkept, c->req.active ? c->req.id : 0,
				   c->req.delivered);
	}
	spin_unlock_bh(&cn->lock);
	return 0;
}

void qnet_circuit_get_stats(struct net *net, struct qnet_net_stats *s)
{
	struct qnet_circuit_net *cn = qnet_cn(net);

	spin_lock_bh(&cn->lock);
	*s = cn->stats;
	spin_unlock_bh(&cn->lock);
}

void qnet_circuit_reset_stats(struct net *net)
{
	struct qnet_circuit_net *cn = qnet_cn(net);

	spin_lock_bh(&cn->lock);
	memset(&cn->stats, 0, sizeof(cn->stats));
	spin_unlock_bh(&cn->lock);
}

/*
 * /proc/net/qnet_node: the node's network-layer counters (the same as
 * netlink's QNET_A_NET_STATS), "name value" a line, as /proc/net/snmp
 * gives a namespace's protocol counters: a node is a namespace, and
 * sysfs has no object for one.
 */
int qnet_node_seq_show(struct seq_file *seq, void *v)
{
	static const char * const causes[__QNET_EXPIRE_MAX] = {
		[QNET_EXPIRE_CUTOFF]		= "cutoff",
		[QNET_EXPIRE_REPLACED]		= "replaced",
		[QNET_EXPIRE_LINK_DOWN]		= "link_down",
		[QNET_EXPIRE_FIDELITY]		= "fidelity",
		[QNET_EXPIRE_UNCLAIMED]		= "unclaimed",
		[QNET_EXPIRE_DEADLINE]		= "deadline",
		[QNET_EXPIRE_SWAP_FAILED]	= "swap_failed",
		[QNET_EXPIRE_PURIFY_FAILED]	= "purify_failed",
	};
	static const char * const drops[__QNET_DROP_MAX] = {
		[QNET_DROP_MALFORMED]		= "malformed",
		[QNET_DROP_UNKNOWN]		= "unknown",
		[QNET_DROP_PROTOCOL]		= "protocol",
		[QNET_DROP_BAD_ERRNO]		= "bad_errno",
		[QNET_DROP_BAD_BELL]		= "bad_bell",
		[QNET_DROP_BAD_FRAME]		= "bad_frame",
		[QNET_DROP_BAD_REQUEST]		= "bad_request",
		[QNET_DROP_BAD_CAUSE]		= "bad_cause",
		[QNET_DROP_FOREIGN]		= "foreign",
		[QNET_DROP_LIMIT]		= "limit",
	};
	struct qnet_net_stats s;
	unsigned int i;

	qnet_circuit_get_stats(seq_file_single_net(seq), &s);
	seq_printf(seq, "delivered %llu\n", s.delivered);
	seq_printf(seq, "delivered_fid_sum_ppm %llu\n",
		   s.delivered_fid_sum_ppm);
	seq_printf(seq, "mean_delivered_fid_ppm %llu\n",
		   s.delivered ? div64_u64(s.delivered_fid_sum_ppm,
					   s.delivered) : 0);
	seq_printf(seq, "swaps_ok %llu\n", s.swaps_ok);
	seq_printf(seq, "swaps_failed %llu\n", s.swaps_failed);
	seq_printf(seq, "purify_ok %llu\n", s.purify_ok);
	seq_printf(seq, "purify_failed %llu\n", s.purify_failed);
	for (i = 0; i < __QNET_EXPIRE_MAX; i++)
		seq_printf(seq, "discards_%s %llu\n", causes[i],
			   s.discards[i]);
	for (i = 0; i < __QNET_DROP_MAX; i++)
		seq_printf(seq, "rx_drops_%s %llu\n", drops[i], s.rx_drops[i]);
	return 0;
}
