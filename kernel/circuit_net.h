/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the network layer share with each other and with no
 * one else (the rest of qnet goes through circuit.h): a node's state, the
 * locks, and the functions one of them calls in another.
 *
 *   circuit.c         the state machine: circuit objects and lifetimes,
 *                     attempts (epochs), binding, swapping, delivery;
 *                     init, devices, namespaces
 *   circuit_ctl.c     the control plane: messages from the wire, set-up
 *                     and teardown of circuits, requests
 *   circuit_purify.c  purification of link pairs at a link's binding end
 *   circuit_proc.c    /proc/net/qnet_circuit, /proc/net/qnet_node and the
 *                     node's counters
 *
 * Locking
 * - qnet_circuit_net.lock (spin_lock_bh: messages arrive in softirq)
 *   protects a node's circuits and everything in them. qnet_ent_lock,
 *   global, protects the holder pointers and measurement records of all
 *   pairs; it nests inside a node's lock and never the other way round.
 * - Nothing is sent and no socket changes state under either lock: both
 *   are queued on a local list of actions (struct qnet_act in skb->cb)
 *   and run after the unlock. Records are the exception: they are queued
 *   on the socket under the node's lock (qnet_sock_ops->deliver() takes only
 *   the receive queue's own lock and wakes readers), because two CPUs
 *   running their action lists after the unlock could hand a socket two
 *   pairs in the other order than they were delivered.
 */
#ifndef _QNET_CIRCUIT_NET_H
#define _QNET_CIRCUIT_NET_H

#include <linux/memcontrol.h>
#include <linux/netdevice.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "circuit.h"
#include "circuit_types.h"
#include "engine.h"
#include "qlink.h"
#include "qmath.h"

#define QNET_CIRCUIT_HASH_BITS	6
#define QNET_OWED_MAX		32

/* Per-netns (per node) state of the network layer. */
struct qnet_circuit_net {
	spinlock_t		lock;		/* everything below, all circuits */
	struct hlist_head	table[1 << QNET_CIRCUIT_HASH_BITS];
	unsigned int		count;
	unsigned int		ndeferred;	/* messages waiting, all circuits */
	u32			next_id;
	struct qnet_dmember	*dm;		/* the node's domain */
	/* the seed its outcomes are keyed under (qnet_circuit_rng()) */
	u64			seed;
	bool			seed_set;	/* by NODE_SET, not the default */
	/*
	 * The memory cgroup of the task that made the namespace (a
	 * reference): what frames make here is charged to it
	 * (qnet_cn_charge()), as nobody's task runs in softirq.
	 */
	struct mem_cgroup	*memcg;
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
	/* the node's hardware: written under @lock, read with READ_ONCE */
	struct qnet_node_params	params;
};

/* A drop that is not a loss (the attempt ended with a delivery). */
#define QNET_CAUSE_NONE		0xff

extern unsigned int qnet_circuit_net_id;

/* The socket layer's callbacks (circuit.h); set while sockets exist. */
extern const struct qnet_sock_ops *qnet_sock_ops;

static inline struct qnet_circuit_net *qnet_cn(const struct net *net)
{
	return net_generic(net, qnet_circuit_net_id);
}

/*
 * Charge the __GFP_ACCOUNT allocations from here to qnet_cn_uncharge()
 * to the node's memory cgroup: frames arriving (softirq) and events
 * (the engine's worker) act for the namespace's owner. Returns what to
 * restore.
 */
static inline struct mem_cgroup *qnet_cn_charge(struct qnet_circuit_net *cn)
{
	return set_active_memcg(cn->memcg);
}

static inline void qnet_cn_uncharge(struct mem_cgroup *old)
{
	set_active_memcg(old);
}

/* Holder pointers and measurement records of every pair (see above). */
extern spinlock_t qnet_ent_lock;

/*
 * Far halves of freshly bound pairs, by pair id, until the node at the
 * other end of the link hears of them (QNET_MSG_BIND) and takes them.
 */
extern struct xarray qnet_pending;

/*
 * Functions one file calls in another, by the file that has them. Unless
 * its comment says otherwise, one that takes a node (@cn) is called with
 * the node's lock held.
 */

/* ---- circuit.c ---- */

/* What a random draw of a circuit at a node is for. */
enum qnet_draw {
	QNET_DRAW_SWAP,		/* the Bell-state measurement of a swap */
	QNET_DRAW_BASIS,	/* QNET_BASIS_RANDOM: the basis chosen */
	QNET_DRAW_MEASURE,	/* the outcome of measuring a delivered qubit */
	QNET_DRAW_PURIFY,	/* a purification round's parities */
	QNET_DRAW_PAIR,		/* c->pair_key: the head's, for both ends */
};

/* Seed @rng for the draw @what (@x tells apart several) of @c's attempt. */
void qnet_circuit_rng(struct qnet_circuit_net *cn,
		      const struct qnet_circuit *c, enum qnet_draw what,
		      u64 x, struct qmath_rng *rng);
void qnet_circuit_rng_at(struct qnet_circuit_net *cn,
			 const struct qnet_circuit *c, enum qnet_draw what,
			 u32 epoch, u64 x, struct qmath_rng *rng);
u64 qnet_circuit_pair_key(struct qnet_circuit_net *cn,
			  const struct qnet_circuit *c);

/* Deferred actions, queued under the node's lock (struct qnet_act). */
enum qnet_act_kind {
	QNET_ACT_XMIT,		/* the skb is a message for skb->dev */
	QNET_ACT_CONNECTED,	/* qnet_sock_ops->connected(sk, err) */
	QNET_ACT_DOWN,		/* qnet_sock_ops->circuit_down(sk, err) */
};

/* Queue a qnet_sock_*() call of @kind for @sk, run after the unlock. */
void qnet_act_sock(struct sk_buff_head *acts, struct sock *sk, u8 kind,
		   int err);

/* Run the queued actions, after the node's lock is dropped. */
void qnet_acts_run(struct sk_buff_head *acts);

/* A message for @c out of @side, queued: its payload to fill, or NULL. */
void *qnet_circuit_msg(struct qnet_circuit *c, struct sk_buff_head *acts,
		       unsigned int side, u8 type, size_t len,
		       u64 time_ns);

/* @e, @q's qubit decohered to @tq, the other to @tother; qnet_ent_lock. */
void __qnet_ent_state(const struct qnet_ent *e,
		      const struct qnet_qubit *q, u64 tq, u64 tother,
		      struct qstate *out);

void qnet_qubit_free(struct qnet_qubit *q);
/* Far half @ent_id of link @link, which nobody will take: free it. */
void qnet_pending_free(u64 ent_id, u64 link);
/* The same for a half a BIND from @dev names, if it is that link's. */
int qnet_pending_free_on(struct qnet_circuit_net *cn, struct net_device *dev,
			 u64 ent_id);
/* May a BIND from @dev wait for half @ent_id? 0, -EPROTO, -ENOENT. */
int qnet_pending_check(struct qnet_circuit_net *cn, struct net_device *dev,
		       u64 ent_id);

/* Count a qubit of @dev's link given up here for @cause. */
void qnet_count_discard(struct qnet_circuit_net *cn,
			struct net_device *dev, u8 cause);

/* Take link pair @id out of @dev's memory at this end, or owe it. */
void qnet_link_take(struct qnet_circuit_net *cn,
		    struct net_device *dev, u64 id);

/* Move @c's clock to @t if later; the time @c acts at. */
u64 qnet_circuit_clock(struct qnet_circuit *c, u64 t);

/*
 * The node's clock: its emulation domain's (engine.h), the time of the
 * event running or, in a system call, the time the call acts at.
 */
static inline u64 qnet_node_now(struct qnet_circuit_net *cn)
{
	return qnet_domain_now(cn->dm);
}

/* The circuit table: @head:@id's bucket, and the circuit or NULL. */
struct hlist_head *qnet_circuit_bucket(struct qnet_circuit_net *cn,
				       u32 head, u32 id);
struct qnet_circuit *__qnet_circuit_find(struct qnet_circuit_net *cn,
					 u32 head, u32 id);

/* A new circuit of @role with one reference, in no table yet. */
struct qnet_circuit *qnet_circuit_alloc(struct net *net, u8 role);

/* Give @c its device on @side, with a tracked reference. */
void qnet_circuit_set_dev(struct qnet_circuit *c, unsigned int side,
			  struct net_device *dev);

/* Give up an atomic request's staged pairs, counted for @cause. */
void __qnet_circuit_unstage(struct qnet_circuit_net *cn,
			    struct qnet_circuit *c, u8 cause);

/* Take @c out of its node and free what it holds; tell its socket. */
void __qnet_circuit_unlink(struct qnet_circuit_net *cn,
			   struct qnet_circuit *c,
			   struct sk_buff_head *acts, int err);

/* Unlink @c and send CLOSE on each side but @skip_side (-1: none). */
void __qnet_circuit_close(struct qnet_circuit_net *cn,
			  struct qnet_circuit *c,
			  struct sk_buff_head *acts, int err,
			  int skip_side);

/* Does this node bind the pairs of the link on @side of @c? */
bool qnet_circuit_binds(const struct qnet_circuit *c, unsigned int side);

/* Ask for a pair on each link this node binds where @c has room. */
void __qnet_circuit_want(struct qnet_circuit_net *cn,
			 struct qnet_circuit *c, u64 now);

/* Kept qubits an end of @c may hold: its link's memory slots. */
unsigned int qnet_circuit_kept_max(const struct qnet_circuit *c);

/* Give @c's socket a record that carries @err (under cn->lock). */
void qnet_circuit_error_record(struct qnet_circuit *c, int err, u64 t);

/* Start attempt @epoch: drop what this node holds of the old one. */
void __qnet_circuit_new_epoch(struct qnet_circuit_net *cn,
			      struct qnet_circuit *c, u32 epoch,
			      u8 cause);

/* Repeater: send TRACK up if it has swapped and has the one from below. */
void __qnet_circuit_track_up(struct qnet_circuit *c,
			     struct sk_buff_head *acts, u64 now);

/* Act on what the node now holds: swap, or judge and deliver. */
void __qnet_circuit_progress(struct qnet_circuit_net *cn,
			     struct qnet_circuit *c,
			     struct sk_buff_head *acts, u64 now);

/* Announce @q (far half @qf) in BIND at @t; attach it to the attempt. */
void __qnet_circuit_publish(struct qnet_circuit_net *cn,
			    struct qnet_circuit *c,
			    struct sk_buff_head *acts, unsigned int side,
			    struct qnet_qubit *q, struct qnet_qubit *qf,
			    u64 t);

/* BIND: take the far half of a pair the binding end took for @c. */
int qnet_circuit_rx_bind(struct qnet_circuit_net *cn,
			 struct qnet_circuit *c, unsigned int side,
			 struct net_device *dev,
			 const struct qnet_msg_bind *m, u64 t,
			 struct sk_buff_head *acts);

/*
 * Purification (circuit_purify.c), as circuit.c calls it: through this
 * table, which circuit_purify.c sets at init, so that calls only go down
 * (circuit_ctl.c -> circuit_purify.c -> circuit.c).
 */
struct qnet_purify_ops {
	/* A fresh link pair enters purification; published when done. */
	void (*purify)(struct qnet_circuit_net *cn, struct qnet_circuit *c,
		       struct sk_buff_head *acts, unsigned int side,
		       struct qnet_qubit *q, u64 t);
	/* A request became active here: plan the links this node binds. */
	void (*plan)(struct qnet_circuit *c);
	/* @c's ready event (a round's outcome heard), at its creation. */
	void (*ready_init)(struct qnet_circuit_net *cn, struct qnet_circuit *c);
	/* @c closes: free what still ripens (counted for @cause), cancel. */
	void (*ready_stop)(struct qnet_circuit_net *cn, struct qnet_circuit *c,
			   u8 cause);
	/* The node goes: no ready event of its circuits runs after this. */
	void (*ready_purge)(struct qnet_circuit_net *cn);
};

/* circuit.c: the table circuit.c calls; set once, before any circuit. */
void qnet_circuit_set_purify_ops(const struct qnet_purify_ops *ops);

/* ---- circuit_purify.c ---- */

/* Set the purification ops (the network layer's init). */
void qnet_circuit_purify_init(void);

/* PURIFY: take out the link pairs a round at the binding end used. */
int qnet_circuit_rx_purify(struct qnet_circuit_net *cn,
			   struct qnet_circuit *c, unsigned int side,
			   struct net_device *dev,
			   const struct qnet_msg_purify *m);

/* ---- circuit.c, called by circuit_ctl.c ---- */

/* Head: send the request at the front of the queue if none is active. */
void __qnet_circuit_next_request(struct qnet_circuit_net *cn,
				 struct qnet_circuit *c,
				 struct sk_buff_head *acts, u64 now);

/* Install the request REQUEST message @m carries, and plan for it. */
void qnet_circuit_install_req(struct qnet_circuit *c,
			      const struct qnet_msg_request *m);

/* Stop @c's set-up events, if one is queued (as @c leaves its node). */
void __qnet_circuit_setup_cancel(struct qnet_circuit_net *cn,
				 struct qnet_circuit *c);

/* Count a frame rejected for @cause (enum qnet_drop_cause): -EPROTO. */
int qnet_rx_drop(struct qnet_circuit_net *cn, unsigned int cause);

/* The module's network-layer state below the control plane. */
int qnet_circuit_core_init(void);
void qnet_circuit_core_exit(void);

/* ---- circuit_proc.c ---- */

/* The show functions of /proc/net/qnet_circuit and /proc/net/qnet_node. */
int qnet_circuit_seq_show(struct seq_file *seq, void *v);
int qnet_node_seq_show(struct seq_file *seq, void *v);

#endif /* _QNET_CIRCUIT_NET_H */
