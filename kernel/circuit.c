// SPDX-License-Identifier: GPL-2.0
/*
 * The network layer: circuits from a connecting socket (the head) to an
 * accepting one (the tail) through repeaters, entanglement swapping as
 * soon as a repeater holds both halves (swap-asap), and delivery of
 * end-to-end pairs that meet a request's minimum fidelity.
 *
 * This file is its state machine: circuit objects and their lifetimes,
 * attempts (epochs), binding, swapping and delivery, and the module's
 * side of it (parameters, init, devices, namespaces). The control plane
 * that sets circuits up and hands them their messages is circuit_ctl.c;
 * purification of link pairs, circuit_purify.c; the /proc files,
 * circuit_proc.c. What they share is in circuit_net.h, with the locking
 * rules.
 *
 * Implementation notes
 *
 * Protocol (Documentation/network.rst has the message flow; CONNECT and
 * REQUEST are circuit_ctl.c's)
 * - On each link of the path the node at the link's generating end
 *   (qlink end 0) owns the binding: when one of its circuits has a free
 *   slot on that link it asks the link for a pair, takes the heralded
 *   pair and tells the other end with BIND. Exactly one node decides, so
 *   two circuits never claim the two halves of one pair.
 * - A repeater holding a qubit on each side swaps at once. The outcomes
 *   travel up in one TRACK message per attempt: the repeater next to
 *   the tail sends it when it has swapped, every other one adds its own
 *   outcome when it has both swapped and the TRACK from below, and
 *   passes it on. It carries two compositions: the outcomes with the
 *   Bell states of the swapping repeaters' links towards the tail (the
 *   head's frame) and towards the head (the tail's); an end that
 *   composes its own link's Bell state with its frame knows the
 *   end-to-end Bell state. It reaches the head when the last of the
 *   old per-repeater SWAP messages did: store and forward waits for
 *   nothing a direct message would not have.
 * - The head, once it holds its qubit and has the TRACK (one hop: at
 *   once), judges the pair at the time the tail will hear the verdict
 *   (the later of the two, so fidelity only falls between the judgement
 *   and either delivery), delivers and sends DELIVER with the tail's
 *   frame; the tail delivers when it has its qubit and the verdict.
 *   Per delivered pair that is h heralds, h BINDs, h - 1 TRACKs and h
 *   DELIVERs on an h-hop path (Documentation/network.rst).
 * - Anything lost (a failed swap, a qubit past its cutoff or too poor to
 *   reach the target) ends the attempt: DISCARD goes to both ends, every
 *   node on the way drops what it holds of that attempt (epoch) and
 *   generation starts again.
 *
 * Time
 * - Every event carries its emulated time: a herald's from the link
 *   layer, a message's as its send time plus the link's propagation
 *   delay. A node's clock is the latest event it has seen. Decoherence is
 *   computed from those times, never from a timer.
 *
 * Objects and references
 * - struct qnet_ent (circuit_types.h) is shared physics: one reference
 *   per holding qubit. The far qubit of a freshly bound pair waits in
 *   qnet_pending (an xarray by pair id, then link) until the node at the
 *   other end of the link takes it on BIND. Pair ids count per domain
 *   (qnet_domain_next_id()), in event order.
 * - A circuit holds references on its devices (tracked) and, at the
 *   ends, on its socket; the socket holds one on the circuit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/hash.h>
#include <linux/proc_fs.h>
#include <linux/random.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "circuit.h"
#include "circuit_net.h"
#include "circuit_types.h"
#include "msg.h"
#include "qlink_net.h"
#include "qnet.h"
#include "qnet_trace.h"

/*
 * Where a node's seed comes from when nobody set one (NODE_SET): 0, a
 * random one per node; otherwise one derived from this and the node's
 * address, so that a whole set of namespaces repeats its outcomes from one
 * number. Root only: with it every outcome of every node is predictable.
 */
static unsigned long seed;
module_param(seed, ulong, 0400);
MODULE_PARM_DESC(seed, "seed of every node's random outcomes (0: random per node)");

unsigned int qnet_circuit_net_id __read_mostly;
const struct qnet_sock_ops *qnet_sock_ops __read_mostly;

/**
 * qnet_circuit_set_sock_ops() - the socket layer registers its callbacks
 * @ops: the callbacks, or NULL when the socket layer goes (no socket
 *       exists then, so no circuit has one to call back)
 */
void qnet_circuit_set_sock_ops(const struct qnet_sock_ops *ops)
{
	WRITE_ONCE(qnet_sock_ops, ops);
}

DEFINE_SPINLOCK(qnet_ent_lock);
/*
 * Far halves of freshly bound pairs, by pair id, until the node at the
 * other end of the link hears of them (QNET_MSG_BIND) and takes them.
 */
DEFINE_XARRAY_FLAGS(qnet_pending, XA_FLAGS_LOCK_BH);

/*
 * Purification (circuit_purify.c, which sits above this file): called
 * through the table it sets at init, before any circuit exists.
 */
static const struct qnet_purify_ops *qnet_purify __read_mostly;

void qnet_circuit_set_purify_ops(const struct qnet_purify_ops *ops)
{
	qnet_purify = ops;
}

/* Count a frame rejected for @cause; the error its caller returns. */
int qnet_rx_drop(struct qnet_circuit_net *cn, unsigned int cause)
{
	cn->stats.rx_drops[cause]++;
	return -EPROTO;
}

/*
 * Stop @c's set-up events (circuit_ctl.c arms them), if one is queued.
 * Caller holds cn->lock.
 */
void __qnet_circuit_setup_cancel(struct qnet_circuit_net *cn,
				 struct qnet_circuit *c)
{
	lockdep_assert_held(&cn->lock);

	/* not queued: never armed, or running (it drops its reference) */
	if (c->setup_ev.run && qnet_event_cancel(cn->dm, &c->setup_ev))
		refcount_dec(&c->refcnt);	/* never the last: the table's */
}

/* The seed @cn's outcomes are drawn under. Caller holds cn->lock. */
static u64 __qnet_node_seed(const struct qnet_circuit_net *cn, struct net *net)
{
	siphash_key_t k = { { seed, 0x716e6574 } };

	if (cn->seed_set || !seed)
		return cn->seed;
	return siphash_1u64(READ_ONCE(qnet_pernet(net)->node_addr), &k);
}

/**
 * qnet_circuit_rng() - the generator of one draw of @c at this node
 * @cn: the node, locked
 * @c: the circuit the draw is for
 * @what: its purpose (enum qnet_draw)
 * @x: what tells apart draws of one purpose in one attempt (0 if none)
 * @rng: seeded here
 *
 * Each draw is keyed by what it is for under the node's seed, never taken
 * from a generator shared in arrival order: a circuit's outcomes do not
 * depend on what other circuits drew before it, and knowing circuit ids
 * and attempt numbers (which users see) tells nothing without the seed.
 */
void qnet_circuit_rng(struct qnet_circuit_net *cn,
		      const struct qnet_circuit *c, enum qnet_draw what,
		      u64 x, struct qmath_rng *rng)
{
	qnet_circuit_rng_at(cn, c, what, c->epoch, x, rng);
}

/* qnet_circuit_rng() for attempt @epoch, not necessarily @c's now. */
void qnet_circuit_rng_at(struct qnet_circuit_net *cn,
			 const struct qnet_circuit *c, enum qnet_draw what,
			 u32 epoch, u64 x, struct qmath_rng *rng)
{
	u64 s = __qnet_node_seed(cn, c->net);
	siphash_key_t k = { { s, ~s } };

	lockdep_assert_held(&cn->lock);
	qmath_rng_seed(rng, siphash_3u64((u64)c->head_node << 32 | c->id,
					 (u64)epoch << 8 | what, x, &k));
}

/**
 * qnet_circuit_pair_key() - the head's key for the streams of @c's pairs
 * @cn: the head's node, locked
 * @c: the circuit, its id set
 *
 * Drawn under the head's seed, so that it repeats with it and tells
 * nothing to whoever knows only ids; the tail learns it from CONNECT.
 *
 * Return: the key (c->pair_key).
 */
u64 qnet_circuit_pair_key(struct qnet_circuit_net *cn,
			  const struct qnet_circuit *c)
{
	u64 s = __qnet_node_seed(cn, c->net);
	siphash_key_t k = { { s, ~s } };

	lockdep_assert_held(&cn->lock);
	return siphash_2u64((u64)c->head_node << 32 | c->id, QNET_DRAW_PAIR,
			    &k);
}

/*
 * The stream both ends of @c draw the outcome of the pair delivered in
 * attempt @epoch from, measured in @basis: keyed by the head's pair key,
 * so the head and the tail seed it alike with nothing but what CONNECT
 * and their own attempt count tell them. One per basis: in different
 * bases the two ends' fair bits are independent.
 */
static void qnet_pair_rng(const struct qnet_circuit *c, u32 epoch, u8 basis,
			  struct qmath_rng *rng)
{
	siphash_key_t k = { { c->pair_key, ~c->pair_key } };

	qmath_rng_seed(rng, siphash_3u64((u64)c->head_node << 32 | c->id,
					 (u64)epoch << 8 | QNET_DRAW_PAIR,
					 basis, &k));
}

/* ---- deferred actions: run after the node's lock is dropped ---- */

struct qnet_act {
	struct sock	*sk;	/* a reference, dropped after the action */
	int		err;
	u8		kind;
};

static struct qnet_act *qnet_act(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct qnet_act) > sizeof_field(struct sk_buff, cb));
	return (struct qnet_act *)skb->cb;
}

void qnet_act_sock(struct sk_buff_head *acts, struct sock *sk, u8 kind,
		   int err)
{
	struct sk_buff *skb;

	if (!sk)
		return;
	skb = alloc_skb(0, GFP_ATOMIC);
	if (!skb)
		return;
	sock_hold(sk);
	qnet_act(skb)->sk = sk;
	qnet_act(skb)->err = err;
	qnet_act(skb)->kind = kind;
	__skb_queue_tail(acts, skb);
}

void qnet_acts_run(struct sk_buff_head *acts)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(acts))) {
		struct qnet_act *a = qnet_act(skb);
		struct sock *sk = a->sk;

		switch (a->kind) {
		case QNET_ACT_XMIT:
			qnet_msg_xmit(skb);
			continue;
		case QNET_ACT_CONNECTED:
			qnet_sock_ops->connected(sk, a->err);
			break;
		case QNET_ACT_DOWN:
			qnet_sock_ops->circuit_down(sk, a->err);
			break;
		}
		sock_put(sk);
		kfree_skb(skb);
	}
}

/* ---- messages ---- */

/*
 * A network-layer message of @type for circuit @c, leaving this node on
 * side @side at emulated @time_ns. Returns the payload to fill after the
 * struct qnet_msg_circuit, or NULL (no device on that side, no memory).
 */
void *qnet_circuit_msg(struct qnet_circuit *c, struct sk_buff_head *acts,
		       unsigned int side, u8 type, size_t len,
		       u64 time_ns)
{
	struct qnet_msg_circuit *mc;
	struct sk_buff *skb;

	if (!c->dev[side])
		return NULL;
	skb = qnet_msg_alloc(c->dev[side], type, time_ns, len, (void **)&mc);
	if (!skb)
		return NULL;
	mc->head_node = htonl(c->head_node);
	mc->circuit_id = htonl(c->id);
	mc->dir = side == QNET_DOWN ? QNET_DIR_DOWN : QNET_DIR_UP;
	qnet_act(skb)->kind = QNET_ACT_XMIT;
	qnet_act(skb)->sk = NULL;
	__skb_queue_tail(acts, skb);
	return mc;
}

/* DISCARD or DELIVER (struct qnet_msg_swap) of the attempt, out of @side. */
static void qnet_circuit_send_swap(struct qnet_circuit *c,
				   struct sk_buff_head *acts,
				   unsigned int side, u8 type, u64 time_ns,
				   u64 ent_id, u8 frame, u8 cause, int error)
{
	struct qnet_msg_swap *m;

	m = qnet_circuit_msg(c, acts, side, type, sizeof(*m), time_ns);
	if (!m)
		return;
	m->ent_id = cpu_to_be64(ent_id);
	m->request_id = cpu_to_be64(c->req.id);
	m->epoch = htonl(c->epoch);
	m->error = htonl(error);
	m->frame = frame;
	m->cause = cause;
}

/* ---- the node's hardware ---- */

void qnet_node_params_default(struct qnet_node_params *p)
{
	*p = (struct qnet_node_params) { .bsm_eff_ppm = 1000000 };
}

/* Any context; another node's too, under rcu_read_lock (circuit_purify.c). */
void qnet_node_get_params(struct net *net, struct qnet_node_params *p)
{
	const struct qnet_circuit_net *cn = qnet_cn(net);

	p->bsm_eff_ppm = READ_ONCE(cn->params.bsm_eff_ppm);
	p->gate_err_ppm = READ_ONCE(cn->params.gate_err_ppm);
	p->readout_err_ppm = READ_ONCE(cn->params.readout_err_ppm);
}

/* The seed the node's outcomes are drawn under (qnet_circuit_rng()). */
u64 qnet_node_get_seed(struct net *net)
{
	struct qnet_circuit_net *cn = qnet_cn(net);
	u64 s;

	spin_lock_bh(&cn->lock);
	s = __qnet_node_seed(cn, net);
	spin_unlock_bh(&cn->lock);
	return s;
}

void qnet_node_set_seed(struct net *net, u64 s)
{
	struct qnet_circuit_net *cn = qnet_cn(net);

	spin_lock_bh(&cn->lock);
	cn->seed = s;
	cn->seed_set = true;
	spin_unlock_bh(&cn->lock);
}

/* The netlink policy checks the same ranges; these hold for any caller. */
int qnet_node_set_params(struct net *net, const struct qnet_node_params *p,
			 struct netlink_ext_ack *extack)
{
	struct qnet_circuit_net *cn = qnet_cn(net);

	if (p->bsm_eff_ppm < 1 || p->bsm_eff_ppm > 1000000) {
		NL_SET_ERR_MSG_MOD(extack, "bsm_eff_ppm must be 1..1000000");
		return -EINVAL;
	}
	if (p->gate_err_ppm > 1000000) {
		NL_SET_ERR_MSG_MOD(extack, "gate_err_ppm must be 0..1000000");
		return -EINVAL;
	}
	/* beyond one half a readout is a relabelled better one */
	if (p->readout_err_ppm > 500000) {
		NL_SET_ERR_MSG_MOD(extack, "readout_err_ppm must be 0..500000");
		return -EINVAL;
	}
	spin_lock_bh(&cn->lock);
	WRITE_ONCE(cn->params.bsm_eff_ppm, p->bsm_eff_ppm);
	WRITE_ONCE(cn->params.gate_err_ppm, p->gate_err_ppm);
	WRITE_ONCE(cn->params.readout_err_ppm, p->readout_err_ppm);
	spin_unlock_bh(&cn->lock);
	return 0;
}

/* ---- entangled pairs ---- */

static void qnet_ent_put(struct qnet_ent *e)
{
	if (e && refcount_dec_and_test(&e->refcnt))
		kfree(e);
}

/* Decohere one qubit of @out from @from to @to, if later. */
static void qnet_qubit_decohere(struct qstate *out, u64 from, u64 to,
				u64 t1_ns, u64 t2_ns)
{
	if (to > from)
		qstate_decohere(out, to - from, t1_ns, t2_ns);
}

/*
 * The state of @e with the qubit of @q decohered up to @tq and the other
 * one up to @tother, each from its own @e->t0. Caller holds qnet_ent_lock.
 */
void __qnet_ent_state(const struct qnet_ent *e,
		      const struct qnet_qubit *q, u64 tq, u64 tother,
		      struct qstate *out)
{
	unsigned int i = e->holder[1] == q, j = !i;
	const struct qnet_qubit *o = e->holder[j];

	*out = e->state;
	qnet_qubit_decohere(out, e->t0[i], tq, q->t1_ns, q->t2_ns);
	if (o)
		qnet_qubit_decohere(out, e->t0[j], tother, o->t1_ns, o->t2_ns);
	else if (e->measured)
		/* the other half was measured: it decayed until then */
		qnet_qubit_decohere(out, e->t0[j], e->m_time, e->m_t1,
				    e->m_t2);
}

void qnet_qubit_free(struct qnet_qubit *q)
{
	struct qnet_ent *e;

	if (q->far)
		qnet_qubit_free(q->far);
	spin_lock_bh(&qnet_ent_lock);
	e = q->ent;
	if (e) {
		if (e->holder[0] == q)
			e->holder[0] = NULL;
		if (e->holder[1] == q)
			e->holder[1] = NULL;
	}
	q->ent = NULL;
	spin_unlock_bh(&qnet_ent_lock);
	qnet_ent_put(e);
	if (q->dev)
		dev_put(q->dev);
	kfree(q);
}

/*
 * Count a qubit of the link on @dev given up here for @cause, at the
 * node and on the link end. Caller holds cn->lock.
 */
void qnet_count_discard(struct qnet_circuit_net *cn,
			struct net_device *dev, u8 cause)
{
	lockdep_assert_held(&cn->lock);

	if (cause >= __QNET_EXPIRE_MAX)
		return;
	cn->stats.discards[cause]++;
	if (dev)
		qlink_count_discard(dev, cause);
	if (trace_qnet_discard_enabled())
		trace_qnet_discard(dev, cause, qnet_node_now(cn));
}

/*
 * Take link pair @id out of the link's memory at this end: the network
 * layer holds its qubit now (or has used it up). A herald that has not
 * arrived yet (frames overtake each other) is owed, and taken when it
 * comes. Caller holds cn->lock.
 */
void qnet_link_take(struct qnet_circuit_net *cn,
		    struct net_device *dev, u64 id)
{
	struct qlink_pair *pair = qlink_take(dev, id);

	lockdep_assert_held(&cn->lock);

	if (pair) {
		qlink_pair_put(pair);
	} else {
		unsigned int i = cn->owed_pos++ % QNET_OWED_MAX;

		cn->owed[i].dev = dev;
		cn->owed[i].id = id;
	}
}

/* Move @c's clock to @t if later; the time @c acts at. */
u64 qnet_circuit_clock(struct qnet_circuit *c, u64 t)
{
	if (t > c->clock_ns)
		c->clock_ns = t;
	return c->clock_ns;
}

/* ---- circuit table ---- */

struct hlist_head *qnet_circuit_bucket(struct qnet_circuit_net *cn,
				       u32 head, u32 id)
{
	return &cn->table[hash_32(head ^ (id * 0x9e3779b9U),
				  QNET_CIRCUIT_HASH_BITS)];
}

/* Caller holds cn->lock. */
struct qnet_circuit *__qnet_circuit_find(struct qnet_circuit_net *cn,
					 u32 head, u32 id)
{
	struct qnet_circuit *c;

	lockdep_assert_held(&cn->lock);

	hlist_for_each_entry(c, qnet_circuit_bucket(cn, head, id), hnode)
		if (c->head_node == head && c->id == id)
			return c;
	return NULL;
}

struct qnet_circuit *qnet_circuit_alloc(struct net *net, u8 role)
{
	struct qnet_circuit *c = kzalloc(sizeof(*c), GFP_ATOMIC | __GFP_ACCOUNT);

	if (!c)
		return NULL;
	refcount_set(&c->refcnt, 1);
	c->net = net;
	c->role = role;
	c->state = QNET_C_CONNECTING;
	INIT_LIST_HEAD(&c->kept);
	INIT_LIST_HEAD(&c->staged);
	INIT_LIST_HEAD(&c->deferred);
	qnet_purify->ready_init(qnet_cn(net), c);
	c->next_handle = 1;
	c->next_req_id = 1;
	return c;
}

void qnet_circuit_set_dev(struct qnet_circuit *c, unsigned int side,
			  struct net_device *dev)
{
	c->dev[side] = dev;
	netdev_hold(dev, &c->dev_tracker[side], GFP_ATOMIC);
}

struct qnet_circuit *qnet_circuit_get(struct qnet_circuit *c)
{
	refcount_inc(&c->refcnt);
	return c;
}

/*
 * qnet_pending holds far halves by pair id. Pair ids are per domain
 * (qnet_domain_next_id()), so halves of other domains may share one: each
 * index holds a chain (qnet_qubit.pnext), and a half is always looked up
 * by its id and its link (qlink_link_id(), never reused), so that a frame
 * may only name a half of the link it arrived on. Caller holds the
 * xarray's lock.
 */
static struct qnet_qubit *__qnet_pending_find(u64 ent_id, u64 link,
					      bool *foreign)
{
	struct qnet_qubit *q = xa_load(&qnet_pending, ent_id);

	if (foreign)
		*foreign = !!q;
	for (; q; q = q->pnext)
		if (q->link == link)
			break;
	if (foreign && q)
		*foreign = false;
	return q;
}

/* Take @q, found under @ent_id, out of qnet_pending. Its lock held. */
static void __qnet_pending_unlink(u64 ent_id, struct qnet_qubit *q)
{
	struct qnet_qubit *head = xa_load(&qnet_pending, ent_id), **pp;

	if (head == q) {
		if (q->pnext)
			/* replaces an entry: never allocates */
			__xa_store(&qnet_pending, ent_id, q->pnext, GFP_ATOMIC);
		else
			__xa_erase(&qnet_pending, ent_id);
	} else {
		for (pp = &head->pnext; *pp != q; pp = &(*pp)->pnext)
			;
		*pp = q->pnext;
	}
	q->pnext = NULL;
}

/* Put far half @q (q->link set) in qnet_pending under @ent_id. */
static int qnet_pending_add(u64 ent_id, struct qnet_qubit *q)
{
	struct qnet_qubit *head;
	int err;

	xa_lock_bh(&qnet_pending);
	head = xa_load(&qnet_pending, ent_id);
	q->pnext = head;
	err = xa_err(__xa_store(&qnet_pending, ent_id, q,
				GFP_ATOMIC | __GFP_ACCOUNT));
	if (err)
		q->pnext = NULL;
	xa_unlock_bh(&qnet_pending);
	return err;
}

/*
 * Far half @ent_id of link @link, which nobody will take from qnet_pending
 * any more: free it. Also called in process context (a socket's release
 * puts its circuit), where the lock must keep softirqs out: they take it
 * under cn->lock.
 */
void qnet_pending_free(u64 ent_id, u64 link)
{
	struct qnet_qubit *q;

	xa_lock_bh(&qnet_pending);
	q = __qnet_pending_find(ent_id, link, NULL);
	if (q)
		__qnet_pending_unlink(ent_id, q);
	xa_unlock_bh(&qnet_pending);
	if (q)
		qnet_qubit_free(q);
}

/*
 * A BIND that arrived on @dev names far half @ent_id but nothing will
 * take it (no such circuit here): free the half if it is this link's.
 * Return: -EPROTO (counted) if only another link's has that id, else 0.
 */
int qnet_pending_free_on(struct qnet_circuit_net *cn, struct net_device *dev,
			 u64 ent_id)
{
	struct qnet_qubit *q;
	bool foreign;

	xa_lock_bh(&qnet_pending);
	q = __qnet_pending_find(ent_id, qlink_link_id(dev), &foreign);
	if (foreign) {
		xa_unlock_bh(&qnet_pending);
		return qnet_rx_drop(cn, QNET_DROP_FOREIGN);
	}
	if (q)
		__qnet_pending_unlink(ent_id, q);
	xa_unlock_bh(&qnet_pending);
	if (q)
		qnet_qubit_free(q);
	return 0;
}

/*
 * A BIND for a later attempt that arrived on @dev is about to wait: it
 * may only wait for a half of its own link (the circuit frees that half
 * by id if the BIND never runs). Return: 0, or -EPROTO (counted) for a
 * half of another link only or -ENOENT for none.
 */
int qnet_pending_check(struct qnet_circuit_net *cn, struct net_device *dev,
		       u64 ent_id)
{
	struct qnet_qubit *q;
	bool foreign;
	int err = 0;

	xa_lock_bh(&qnet_pending);
	q = __qnet_pending_find(ent_id, qlink_link_id(dev), &foreign);
	if (foreign)
		err = qnet_rx_drop(cn, QNET_DROP_FOREIGN);
	else if (!q)
		err = -ENOENT;
	xa_unlock_bh(&qnet_pending);
	return err;
}

/*
 * Free the messages @c kept for a later attempt; returns how many. A
 * deferred BIND was checked to name a half of its own link
 * (qnet_pending_check()), and is freed by id and link: pair ids are
 * never reused within a domain, link ids never at all.
 */
static unsigned int qnet_circuit_free_deferred(struct qnet_circuit *c)
{
	struct qnet_deferred *d, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(d, tmp, &c->deferred, node) {
		/* a BIND that never ran: nobody else will take its far half */
		if (d->type == QNET_MSG_BIND) {
			const struct qnet_msg_bind *m = (const void *)d->payload;

			qnet_pending_free(be64_to_cpu(m->ent_id), d->link);
		}
		/* unlinked with its devices still held: none is NULL here */
		if (c->dev[d->side])
			(*qlink_deferred(c->dev[d->side]))--;
		list_del(&d->node);
		kfree(d);
		n++;
	}
	c->ndeferred = 0;
	return n;
}

void qnet_circuit_put(struct qnet_circuit *c)
{
	if (!c || !refcount_dec_and_test(&c->refcnt))
		return;
	qnet_circuit_free_deferred(c);
	kfree(c);
}

/* Drop the qubit held on side @side, if any, counted for @cause. */
static void __qnet_circuit_drop_side(struct qnet_circuit_net *cn,
				     struct qnet_circuit *c,
				     unsigned int side, u8 cause)
{
	struct qnet_qubit *q = c->slot[side];

	if (!q)
		return;
	qnet_count_discard(cn, q->dev ? q->dev : c->dev[side], cause);
	qnet_qubit_free(q);
	c->slot[side] = NULL;
}

/*
 * An atomic request's pairs wait here until the last one is made, then
 * go to the socket together, at the time of the last; or are given up,
 * counted for @cause, if the request ends first. Caller holds cn->lock.
 */
void __qnet_circuit_unstage(struct qnet_circuit_net *cn,
			    struct qnet_circuit *c, u8 cause)
{
	struct qnet_qubit *q, *tmp;

	lockdep_assert_held(&cn->lock);

	list_for_each_entry_safe(q, tmp, &c->staged, node) {
		list_del(&q->node);
		qnet_count_discard(cn, q->dev, cause);
		qnet_qubit_free(q);
	}
	c->nstaged = 0;
}

/*
 * Take @c out of its node and free what it holds; queue the socket's
 * notification with @err. The table's reference is dropped by the caller
 * through qnet_circuit_put(). Caller holds cn->lock.
 */
void __qnet_circuit_unlink(struct qnet_circuit_net *cn,
			   struct qnet_circuit *c,
			   struct sk_buff_head *acts, int err)
{
	struct qnet_qubit *q, *tmp;
	unsigned int side, i;

	lockdep_assert_held(&cn->lock);

	if (c->state == QNET_C_CLOSED)
		return;
	if (c->req.active && trace_qnet_request_end_enabled())
		trace_qnet_request_end(c, err, qnet_node_now(cn));
	if (c->sk)
		qnet_act_sock(acts, c->sk,
			      c->state == QNET_C_CONNECTING ?
			      QNET_ACT_CONNECTED : QNET_ACT_DOWN, err);
	c->state = QNET_C_CLOSED;
	hlist_del_init(&c->hnode);
	cn->count--;
	__qnet_circuit_setup_cancel(cn, c);
	/* nothing replays them now; they count against the node no more */
	cn->ndeferred -= qnet_circuit_free_deferred(c);
	for (side = QNET_UP; side <= QNET_DOWN; side++) {
		__qnet_circuit_drop_side(cn, c, side, err == -ENETDOWN ?
					 QNET_EXPIRE_LINK_DOWN :
					 QNET_CAUSE_NONE);
		for (i = 0; i < QNET_PURIFY_MAX_ROUNDS; i++) {
			q = c->purify[side][i];
			if (!q)
				continue;
			if (err == -ENETDOWN)
				qnet_count_discard(cn, q->dev,
						   QNET_EXPIRE_LINK_DOWN);
			qnet_qubit_free(q);
			c->purify[side][i] = NULL;
		}
		if (c->dev[side])
			netdev_put(c->dev[side], &c->dev_tracker[side]);
		c->dev[side] = NULL;
	}
	qnet_purify->ready_stop(cn, c, err == -ENETDOWN ?
				  QNET_EXPIRE_LINK_DOWN : QNET_CAUSE_NONE);
	list_for_each_entry_safe(q, tmp, &c->kept, node) {
		list_del(&q->node);
		qnet_qubit_free(q);
	}
	c->nkept = 0;
	__qnet_circuit_unstage(cn, c, err == -ENETDOWN ? QNET_EXPIRE_LINK_DOWN :
							 QNET_CAUSE_NONE);
	/*
	 * The far halves this node bound and announced wait in qnet_pending
	 * for their BIND to reach the other end of the link, which takes
	 * each (its circuit delivers it: it may be behind this node, and a
	 * CLOSE waits for it there) or frees it (its circuit is gone). Only
	 * a link that is down loses those BINDs: free them here then.
	 */
	for (i = 0; err == -ENETDOWN && i < QNET_PENDING_MAX; i++)
		if (c->pending[i])
			qnet_pending_free(c->pending[i], c->pending_link[i]);
	if (c->sk) {
		/* the socket's own reference on c is dropped by its close */
		sock_put(c->sk);
		c->sk = NULL;
	}
	qnet_circuit_put(c);	/* the table's */
}

/* Close @c here and tell the nodes on both sides. Caller holds cn->lock. */
void __qnet_circuit_close(struct qnet_circuit_net *cn,
			  struct qnet_circuit *c,
			  struct sk_buff_head *acts, int err,
			  int skip_side)
{
	unsigned int side;
	u64 now = qnet_node_now(cn);

	lockdep_assert_held(&cn->lock);

	for (side = QNET_UP; side <= QNET_DOWN; side++) {
		struct qnet_msg_answer *a;

		if ((int)side == skip_side)
			continue;
		a = qnet_circuit_msg(c, acts, side, QNET_MSG_CLOSE, sizeof(*a),
				     now);
		if (a) {
			a->error = htonl(-err);
			a->epoch = htonl(c->epoch);
		}
	}
	__qnet_circuit_unlink(cn, c, acts, err);
}

/* ---- generation ---- */

/* Does this node bind the pairs of the link on @side of @c? */
bool qnet_circuit_binds(const struct qnet_circuit *c, unsigned int side)
{
	return c->dev[side] && qlink_is_generator(c->dev[side]);
}

static bool qnet_circuit_busy(const struct qnet_circuit *c)
{
	return c->state == QNET_C_UP && c->req.active &&
	       c->req.delivered < c->req.num_pairs;
}

/*
 * Ask for a pair on each link this node binds where the circuit has room.
 * Caller holds cn->lock.
 */
void __qnet_circuit_want(struct qnet_circuit_net *cn,
			 struct qnet_circuit *c, u64 now)
{
	unsigned int side;

	lockdep_assert_held(&cn->lock);

	if (!qnet_circuit_busy(c))
		return;
	for (side = QNET_UP; side <= QNET_DOWN; side++) {
		/* one pair per link and attempt: a repeater swaps once */
		if (!qnet_circuit_binds(c, side) || c->wanting[side] ||
		    c->used[side])
			continue;
		if (qlink_request_at(c->dev[side], 1, now))
			continue;	/* link down: its notifier closes us */
		c->wanting[side] = true;
	}
}

/* ---- delivery ---- */

static void qnet_record_init(struct qnet_pair *rec, const struct qnet_circuit *c)
{
	memset(rec, 0, sizeof(*rec));
	rec->request_id = c->req.id;
	rec->hops = min_t(u16, c->hops, U8_MAX);
	rec->hops16 = c->hops;
}

/*
 * Measure @q now, at @t, in @basis, without looking at the other end:
 * from the stream the two ends share for the pair (its delivery's
 * attempt, q->epoch) a fair bit and, at the tail, the pair's correlation
 * in @basis with its error; then this qubit's storage since the pair's
 * state was last set, as a flip from this node's own stream
 * (qstate_measure_end(), Documentation/physics.rst). Neither end's
 * outcome depends on whether or when the other measured.
 */
static u8 qnet_qubit_measure(struct qnet_circuit_net *cn,
			     struct qnet_circuit *c, struct qnet_qubit *q,
			     u8 basis, u64 t)
{
	struct qmath_rng pair, own;
	struct qnet_ent *e;
	struct qstate s;
	qprob flip = 0;
	unsigned int i;

	lockdep_assert_held(&cn->lock);

	qnet_pair_rng(c, q->epoch, basis, &pair);
	qnet_circuit_rng_at(cn, c, QNET_DRAW_MEASURE, q->epoch, basis, &own);
	spin_lock_bh(&qnet_ent_lock);
	e = q->ent;
	i = e->holder[1] == q;
	/* as both ends know it: each qubit decohered to its own t0 */
	s = e->state;
	if (t > e->t0[i])
		flip = qstate_flip_prob(t - e->t0[i], q->t1_ns, q->t2_ns,
					basis);
	if (!e->measured) {
		/* for the other qubit's fidelity figure, not its outcome */
		e->measured = true;
		e->m_time = t;
		e->m_t1 = q->t1_ns;
		e->m_t2 = q->t2_ns;
	}
	spin_unlock_bh(&qnet_ent_lock);
	return qstate_measure_end(&s, basis, c->role == QNET_ROLE_TAIL,
				  &pair, flip, &own);
}

/*
 * Kept qubits an end of @c may hold: they stay in its memory, so no more
 * than the slots of the link they came from (the head's down, the tail's
 * up link).
 */
unsigned int qnet_circuit_kept_max(const struct qnet_circuit *c)
{
	struct net_device *dev = c->dev[c->role == QNET_ROLE_HEAD ?
					 QNET_DOWN : QNET_UP];

	return dev ? qlink_mem_slots(dev) : 0;
}

/*
 * Hand qubit @q (its end-to-end Bell state @bell, from the link on @dev)
 * to the socket at emulated @t: a record with its state there, measured
 * or kept. Caller holds cn->lock.
 */
static void __qnet_circuit_hand_over(struct qnet_circuit_net *cn,
				     struct qnet_circuit *c,
				     struct qnet_qubit *q,
				     struct net_device *dev, u8 bell, u64 t)
{
	struct qnet_pair rec;
	struct qnet_ent *e;
	struct qstate s;

	lockdep_assert_held(&cn->lock);

	qnet_record_init(&rec, c);
	if (c->req.type == QNET_REQ_KEEP &&
	    c->nkept >= qnet_circuit_kept_max(c)) {
		/*
		 * Every memory of this end holds a kept qubit already (the
		 * head refuses requests that would get here; the tail's
		 * application may hold on to what it has): no room.
		 */
		qnet_qubit_free(q);
		qnet_circuit_error_record(c, -ENOBUFS, t);
		return;
	}
	spin_lock_bh(&qnet_ent_lock);
	e = q->ent;
	__qnet_ent_state(e, q, t, t, &s);
	rec.pair_id = e->id;
	rec.create_ns = e->create_ns;
	rec.swaps = min_t(u16, e->swaps, U8_MAX);
	rec.purifications = min_t(u16, e->purifications, U8_MAX);
	rec.swaps16 = e->swaps;
	rec.purifications16 = e->purifications;
	spin_unlock_bh(&qnet_ent_lock);

	rec.bell_state = bell;
	rec.fidelity_ppm = qprob_to_ppm(s.c[bell]);
	rec.deliver_ns = t;

	/* before a measurement frees the qubit */
	qlink_count_delivered(dev, rec.fidelity_ppm);
	cn->stats.delivered++;
	cn->stats.delivered_fid_sum_ppm += rec.fidelity_ppm;
	if (c->req.type == QNET_REQ_MEASURE) {
		u8 basis = c->req.basis;

		if (basis == QNET_BASIS_RANDOM) {
			struct qmath_rng rng;

			qnet_circuit_rng(cn, c, QNET_DRAW_BASIS, 0, &rng);
			basis = qmath_rng_u64(&rng) % 3;
		}
		rec.basis = basis;
		rec.outcome = qnet_qubit_measure(cn, c, q, basis, t);
		qnet_qubit_free(q);
		q = NULL;
	} else {
		q->handle = c->next_handle++;
		if (!c->next_handle)
			c->next_handle = 1;
		rec.qubit = q->handle;
	}
	trace_qnet_deliver(c, &rec);
	/*
	 * Under the lock: records reach the socket in delivery order. A
	 * kept qubit whose record was dropped has no handle anyone knows:
	 * free it rather than hold it until the circuit closes.
	 */
	if ((!c->sk || qnet_sock_ops->deliver(c->sk, &rec)) && q) {
		qnet_qubit_free(q);
		return;
	}
	if (q) {
		list_add_tail(&q->node, &c->kept);
		c->nkept++;
	}
}

/*
 * Hand the qubit in the end's slot to the socket at emulated @t, or
 * stage it if the request is atomic. Caller holds cn->lock.
 */
static void __qnet_circuit_deliver(struct qnet_circuit_net *cn,
				   struct qnet_circuit *c, unsigned int side,
				   u64 t)
{
	struct qnet_qubit *q = c->slot[side], *tmp;
	u8 bell = qstate_bell_compose(q->bell, c->frame);

	lockdep_assert_held(&cn->lock);

	c->slot[side] = NULL;
	/* the pair's name at both ends: the attempt both deliver it in */
	q->epoch = c->epoch;
	if (!q->dev) {
		q->dev = c->dev[side];
		dev_hold(q->dev);
	}
	if (!(c->req.flags & QNET_REQ_F_ATOMIC)) {
		__qnet_circuit_hand_over(cn, c, q, q->dev, bell, t);
		return;
	}
	/* the attempt's frame goes with the next attempt: keep the result */
	q->bell = bell;
	list_add_tail(&q->node, &c->staged);
	if (++c->nstaged < c->req.num_pairs)
		return;
	list_for_each_entry_safe(q, tmp, &c->staged, node) {
		list_del(&q->node);
		__qnet_circuit_hand_over(cn, c, q, q->dev, q->bell, t);
	}
	c->nstaged = 0;
}

void qnet_circuit_error_record(struct qnet_circuit *c, int err, u64 t)
{
	struct qnet_pair rec;

	qnet_record_init(&rec, c);
	rec.error = -err;	/* records carry a positive errno */
	rec.deliver_ns = t;
	if (c->sk)
		qnet_sock_ops->deliver(c->sk, &rec);
}

/* ---- requests ---- */

/*
 * The deadline of a request issued at @start_ns with @max_time_ns: 0 (none)
 * for no limit, and for one past the end of emulated time (U64_MAX ns),
 * which no event can reach: wrapping around would put it in the past.
 */
static u64 qnet_req_deadline(u64 start_ns, u64 max_time_ns)
{
	u64 deadline;

	if (!max_time_ns || check_add_overflow(start_ns, max_time_ns, &deadline))
		return 0;
	return deadline;
}

void qnet_circuit_install_req(struct qnet_circuit *c,
			      const struct qnet_msg_request *m)
{
	struct qnet_req *r = &c->req;

	r->active = true;
	r->id = be64_to_cpu(m->request_id);
	r->start_ns = be64_to_cpu(m->start_ns);
	r->num_pairs = ntohl(m->num_pairs);
	r->delivered = 0;
	r->min_fid_ppm = ntohl(m->min_fidelity_ppm);
	r->priority = m->priority;
	r->type = m->type;
	r->basis = m->basis;
	r->flags = m->flags;
	r->deadline_ns = qnet_req_deadline(r->start_ns,
					   be64_to_cpu(m->max_time_ns));
	qnet_purify->plan(c);
	trace_qnet_request_start(c);
}

/*
 * Send the request at the front of the head's queue if none is active.
 * Caller holds cn->lock.
 */
void __qnet_circuit_next_request(struct qnet_circuit_net *cn,
				 struct qnet_circuit *c,
				 struct sk_buff_head *acts, u64 now)
{
	const struct qnet_request *r;
	struct qnet_msg_request *m;

	lockdep_assert_held(&cn->lock);

	if (c->req.active || !c->reqq_len || c->state != QNET_C_UP)
		return;
	r = &c->reqq[c->reqq_head];
	m = qnet_circuit_msg(c, acts, QNET_DOWN, QNET_MSG_REQUEST, sizeof(*m),
			     now);
	if (!m)
		return;	/* retried at the next request or delivery */
	m->request_id = cpu_to_be64(c->reqq_id[c->reqq_head]);
	m->start_ns = cpu_to_be64(now);
	m->max_time_ns = cpu_to_be64(r->max_time_ns);
	m->num_pairs = htonl(r->num_pairs);
	m->min_fidelity_ppm = htonl(r->min_fidelity_ppm);
	m->priority = r->priority;
	m->type = r->type;
	m->basis = r->basis;
	m->flags = r->flags;
	m->epoch = htonl(c->epoch);
	c->reqq_head = (c->reqq_head + 1) % QNET_REQQ_MAX;
	c->reqq_len--;
	qnet_circuit_install_req(c, m);
	__qnet_circuit_want(cn, c, now);
}

/* The active request is over (all pairs, or @err). Caller holds cn->lock. */
static void __qnet_circuit_req_done(struct qnet_circuit_net *cn,
				    struct qnet_circuit *c,
				    struct sk_buff_head *acts, int err, u64 now)
{
	lockdep_assert_held(&cn->lock);

	trace_qnet_request_end(c, err, now);
	if (err)
		__qnet_circuit_unstage(cn, c, err == -ETIMEDOUT ?
					      QNET_EXPIRE_DEADLINE :
					      QNET_CAUSE_NONE);
	if (err && c->sk)
		qnet_circuit_error_record(c, err, now);
	c->req.active = false;
	if (c->role == QNET_ROLE_HEAD)
		__qnet_circuit_next_request(cn, c, acts, now);
}

/*
 * Start a new attempt: drop what this node holds of the old one.
 * Caller holds cn->lock.
 */
void __qnet_circuit_new_epoch(struct qnet_circuit_net *cn,
			      struct qnet_circuit *c, u32 epoch,
			      u8 cause)
{
	lockdep_assert_held(&cn->lock);

	__qnet_circuit_drop_side(cn, c, QNET_UP, cause);
	__qnet_circuit_drop_side(cn, c, QNET_DOWN, cause);
	c->used[QNET_UP] = false;
	c->used[QNET_DOWN] = false;
	c->epoch = epoch;
	c->swapped = false;
	c->tracked = false;
	c->frame = QNET_BELL_PHI_PLUS;
	c->frame_tail = QNET_BELL_PHI_PLUS;
	c->verdict = false;
}

/* Give up the attempt here and tell both ends. Caller holds cn->lock. */
static void __qnet_circuit_discard(struct qnet_circuit_net *cn,
				   struct qnet_circuit *c,
				   struct sk_buff_head *acts, u8 cause, u64 now)
{
	unsigned int side;

	lockdep_assert_held(&cn->lock);

	for (side = QNET_UP; side <= QNET_DOWN; side++)
		qnet_circuit_send_swap(c, acts, side, QNET_MSG_DISCARD, now, 0,
				       0, cause, 0);
	__qnet_circuit_new_epoch(cn, c, c->epoch + 1, cause);
	__qnet_circuit_want(cn, c, now);
}

/*
 * Has the head heard of every swap of the attempt? Then its qubit is
 * entangled end to end: the TRACK leaves each repeater after its swap,
 * carrying those below it (checked on arrival), and an attempt with any
 * loss ends in a DISCARD instead.
 */
static bool qnet_circuit_complete(const struct qnet_circuit *c)
{
	return c->hops <= 1 || c->tracked;
}

static bool qnet_deadline_passed(const struct qnet_req *r, u64 t)
{
	return r->deadline_ns && t > r->deadline_ns;
}

/* Head: judge and deliver if the attempt is complete. */
static void __qnet_circuit_head_check(struct qnet_circuit_net *cn,
				      struct qnet_circuit *c,
				      struct sk_buff_head *acts, u64 now)
{
	struct qnet_qubit *q = c->slot[QNET_DOWN];
	u64 t_judge, ent_id;
	struct qstate s;
	u8 bell;
	int err = 0;

	if (!c->req.active)
		return;
	if (qnet_deadline_passed(&c->req, now)) {
		qnet_circuit_send_swap(c, acts, QNET_DOWN, QNET_MSG_DELIVER,
				       now, 0, 0, QNET_EXPIRE_DEADLINE,
				       ETIMEDOUT);
		__qnet_circuit_new_epoch(cn, c, c->epoch + 1,
					 QNET_EXPIRE_DEADLINE);
		__qnet_circuit_req_done(cn, c, acts, -ETIMEDOUT, now);
		return;
	}
	if (!q || !qnet_circuit_complete(c))
		return;

	/* judge at the time the tail hears the verdict: the later end */
	t_judge = now + c->path_delay_ns;
	spin_lock_bh(&qnet_ent_lock);
	__qnet_ent_state(q->ent, q, t_judge, t_judge, &s);
	ent_id = q->ent->id;
	spin_unlock_bh(&qnet_ent_lock);
	bell = qstate_bell_compose(q->bell, c->frame);
	if (bell != s.bell) {
		/*
		 * The frames composed do not name the pair's Bell state: a
		 * TRACK (or BIND) of this attempt was forged. The pair is
		 * no use to anyone who cannot tell its state: lose it.
		 */
		qnet_rx_drop(cn, QNET_DROP_BAD_FRAME);
		__qnet_circuit_discard(cn, c, acts, QNET_EXPIRE_SWAP_FAILED,
				       now);
		return;
	}
	if (qprob_to_ppm(s.c[bell]) < c->req.min_fid_ppm)
		err = EAGAIN;

	/* the tail's frame goes with the verdict: all the tail needs */
	qnet_circuit_send_swap(c, acts, QNET_DOWN, QNET_MSG_DELIVER, now,
			       ent_id, c->frame_tail,
			       err ? QNET_EXPIRE_FIDELITY : 0, err);
	if (err) {
		__qnet_circuit_new_epoch(cn, c, c->epoch + 1,
					 QNET_EXPIRE_FIDELITY);
		__qnet_circuit_want(cn, c, now);
		return;
	}
	__qnet_circuit_deliver(cn, c, QNET_DOWN, now);
	__qnet_circuit_new_epoch(cn, c, c->epoch + 1, QNET_CAUSE_NONE);
	if (++c->req.delivered >= c->req.num_pairs)
		__qnet_circuit_req_done(cn, c, acts, 0, now);
	else
		__qnet_circuit_want(cn, c, now);
}

/*
 * Tail: deliver once the qubit and the verdict are here. The verdict
 * left the head after every swap's outcome had reached it, and carries
 * the tail's frame.
 */
static void __qnet_circuit_tail_check(struct qnet_circuit_net *cn,
				      struct qnet_circuit *c,
				      struct sk_buff_head *acts, u64 now)
{
	struct qnet_qubit *q = c->slot[QNET_UP];
	u64 ent_id;
	u8 bell;

	if (!c->verdict || !q)
		return;
	spin_lock_bh(&qnet_ent_lock);
	ent_id = q->ent->id;
	bell = q->ent->state.bell;
	spin_unlock_bh(&qnet_ent_lock);
	if (ent_id != c->verdict_ent)
		return;
	if (qstate_bell_compose(q->bell, c->frame) != bell) {
		/*
		 * A forged TRACK, DELIVER or BIND (see the head's check):
		 * the head has delivered its half, this end cannot tell the
		 * pair's state. Lose it, say so, and count it as delivered so as
		 * to stay in step with the head.
		 */
		qnet_rx_drop(cn, QNET_DROP_BAD_FRAME);
		__qnet_circuit_new_epoch(cn, c, c->epoch + 1,
					 QNET_EXPIRE_SWAP_FAILED);
		if (c->req.flags & QNET_REQ_F_ATOMIC)
			__qnet_circuit_unstage(cn, c, QNET_EXPIRE_SWAP_FAILED);
		qnet_circuit_error_record(c, -EPROTO, max(now, c->verdict_ns));
		if (c->req.active && ++c->req.delivered >= c->req.num_pairs) {
			c->req.active = false;
			trace_qnet_request_end(c, 0, max(now, c->verdict_ns));
		}
		__qnet_circuit_want(cn, c, now);
		return;
	}
	__qnet_circuit_deliver(cn, c, QNET_UP, max(now, c->verdict_ns));
	__qnet_circuit_new_epoch(cn, c, c->epoch + 1, QNET_CAUSE_NONE);
	if (c->req.active && ++c->req.delivered >= c->req.num_pairs) {
		c->req.active = false;
		trace_qnet_request_end(c, 0, max(now, c->verdict_ns));
	}
	/*
	 * The tail binds its link when it is that link's generating end (a
	 * request made from the other end of the chain): the next attempt
	 * needs a pair from it as from any binding node.
	 */
	__qnet_circuit_want(cn, c, now);
}

/*
 * Is @q too old or too poor at @t for the request? The link's cutoff, or
 * a fidelity already below the target: swapping and waiting only lower
 * it further.
 */
static u8 qnet_qubit_unfit(const struct qnet_circuit *c, struct qnet_qubit *q,
			   u64 t)
{
	struct qstate s;

	if (q->cutoff_ns && t - q->herald_ns > q->cutoff_ns)
		return QNET_EXPIRE_CUTOFF;
	spin_lock_bh(&qnet_ent_lock);
	__qnet_ent_state(q->ent, q, t, t, &s);
	spin_unlock_bh(&qnet_ent_lock);
	if (qprob_to_ppm(qstate_fidelity(&s)) < c->req.min_fid_ppm)
		return QNET_EXPIRE_FIDELITY;
	return 0;
}

/*
 * Repeater: send the attempt's TRACK up once this node has swapped and,
 * unless it is the last repeater (next to the tail), has the TRACK from
 * below: those outcomes and its own. At @now, the circuit's clock: the
 * later of the two, so the head hears the last outcome exactly when a
 * message sent straight from its repeater would have reached it.
 */
void __qnet_circuit_track_up(struct qnet_circuit *c,
			     struct sk_buff_head *acts, u64 now)
{
	bool last = c->pos + 1U >= c->hops;
	struct qnet_msg_swap *m;
	u16 swaps = 1;
	u8 f = c->swap_frame, ft = c->swap_frame_tail;

	if (!c->swapped || (!last && !c->tracked))
		return;
	if (!last) {
		swaps += c->track_swaps;
		f = qstate_bell_compose(c->frame, f);
		ft = qstate_bell_compose(c->frame_tail, ft);
	}
	m = qnet_circuit_msg(c, acts, QNET_UP, QNET_MSG_TRACK, sizeof(*m), now);
	if (!m)
		return;
	m->ent_id = cpu_to_be64(c->swap_ent);
	m->request_id = cpu_to_be64(c->req.id);
	m->epoch = htonl(c->epoch);
	m->swaps = htons(swaps);
	m->frame = f;
	m->frame_tail = ft;
}

/* Repeater: swap the two qubits it holds. Caller holds cn->lock. */
static void __qnet_circuit_swap(struct qnet_circuit_net *cn,
				struct qnet_circuit *c,
				struct sk_buff_head *acts, u64 now)
{
	struct qnet_qubit *l = c->slot[QNET_UP], *r = c->slot[QNET_DOWN];
	/* this node's Bell-state measurement: its success, gate and readout */
	struct qstate_swap_params bsm = {
		.p_bsm = qprob_from_ppm(cn->params.bsm_eff_ppm),
		.gate_depol = qprob_from_ppm(cn->params.gate_err_ppm),
		.readout_err = qprob_from_ppm(cn->params.readout_err_ppm),
	};
	struct qnet_qubit *lfar, *rfar;
	struct qnet_ent *le, *re, *ne;
	struct qmath_rng rng;
	struct qstate ls, rs;
	u8 outcome, cause;
	u64 ne_id;
	bool ok;

	lockdep_assert_held(&cn->lock);

	cause = qnet_qubit_unfit(c, l, now);
	if (!cause)
		cause = qnet_qubit_unfit(c, r, now);
	if (cause) {
		__qnet_circuit_discard(cn, c, acts, cause, now);
		return;
	}

	ne = kzalloc(sizeof(*ne), GFP_ATOMIC | __GFP_ACCOUNT);
	if (!ne) {
		__qnet_circuit_discard(cn, c, acts, QNET_EXPIRE_SWAP_FAILED, now);
		return;
	}
	refcount_set(&ne->refcnt, 1);
	/*
	 * Once published to the far qubits, ne belongs to their nodes,
	 * which may free it on other CPUs: keep what we need of it here.
	 */
	ne_id = qnet_domain_next_id(cn->dm);
	ne->id = ne_id;
	ne->t0[0] = now;
	ne->t0[1] = now;

	qnet_circuit_rng(cn, c, QNET_DRAW_SWAP, 0, &rng);
	spin_lock_bh(&qnet_ent_lock);
	le = l->ent;
	re = r->ent;
	if (le == re) {
		/*
		 * Both halves of one pair (a path that loops through this
		 * node): swapping them entangles nothing, and moving both
		 * far references would drop le's twice. Lose the attempt.
		 */
		spin_unlock_bh(&qnet_ent_lock);
		kfree(ne);
		__qnet_circuit_discard(cn, c, acts, QNET_EXPIRE_SWAP_FAILED,
				       now);
		return;
	}
	lfar = le->holder[0] == l ? le->holder[1] : le->holder[0];
	rfar = re->holder[0] == r ? re->holder[1] : re->holder[0];
	__qnet_ent_state(le, l, now, now, &ls);
	__qnet_ent_state(re, r, now, now, &rs);
	ok = lfar && rfar &&
	     qstate_swap_sample(&ne->state, &ls, &rs, &bsm, &rng, &outcome);
	if (ok) {
		ne->create_ns = min(le->create_ns, re->create_ns);
		ne->swaps = le->swaps + re->swaps + 1;
		ne->purifications = le->purifications + re->purifications;
		ne->holder[0] = lfar;
		ne->holder[1] = rfar;
		refcount_set(&ne->refcnt, 2);	/* one per far qubit */
		lfar->ent = ne;
		rfar->ent = ne;
		/* the references the far qubits held move to ne */
		refcount_dec(&le->refcnt);
		refcount_dec(&re->refcnt);
	}
	trace_qnet_swap(c, now, le->id, re->id, ok, ne_id, &ne->state,
			ok ? outcome : 0);
	spin_unlock_bh(&qnet_ent_lock);

	qlink_count_swap(c->dev[QNET_UP], ok);
	qlink_count_swap(c->dev[QNET_DOWN], ok);
	if (ok)
		cn->stats.swaps_ok++;
	else
		cn->stats.swaps_failed++;
	if (!ok) {
		kfree(ne);
		__qnet_circuit_discard(cn, c, acts, QNET_EXPIRE_SWAP_FAILED,
				       now);
		return;
	}

	/*
	 * Our share of the frames: for the head the outcome with the Bell
	 * state of our down link, for the tail with that of our up link, so
	 * each end composes every link's Bell state and every outcome once.
	 * It goes up in the TRACK, now or when the TRACK from below comes.
	 */
	c->swapped = true;
	c->swap_ent = ne_id;
	c->swap_frame = qstate_bell_compose(outcome, r->bell);
	c->swap_frame_tail = qstate_bell_compose(outcome, l->bell);
	__qnet_circuit_track_up(c, acts, now);
	c->slot[QNET_UP] = NULL;
	c->slot[QNET_DOWN] = NULL;
	qnet_qubit_free(l);
	qnet_qubit_free(r);
	__qnet_circuit_want(cn, c, now);
}

/* Act on what the node now holds. Caller holds cn->lock. */
void __qnet_circuit_progress(struct qnet_circuit_net *cn,
			     struct qnet_circuit *c,
			     struct sk_buff_head *acts, u64 now)
{
	unsigned int side;

	lockdep_assert_held(&cn->lock);

	/*
	 * A purified qubit is usable once its node heard the outcome: its
	 * ready event (circuit_purify.c) comes back here then.
	 */
	for (side = QNET_UP; side <= QNET_DOWN; side++)
		if (c->slot[side] && c->slot[side]->ready_ns > now)
			return;

	switch (c->role) {
	case QNET_ROLE_MID:
		if (c->slot[QNET_UP] && c->slot[QNET_DOWN])
			__qnet_circuit_swap(cn, c, acts, now);
		break;
	case QNET_ROLE_HEAD:
		__qnet_circuit_head_check(cn, c, acts, now);
		break;
	case QNET_ROLE_TAIL:
		__qnet_circuit_tail_check(cn, c, acts, now);
		break;
	}
}

/*
 * Put a freshly bound qubit on @side of @c: the attempt's one pair on
 * that link. Caller holds cn->lock.
 */
static void __qnet_circuit_attach(struct qnet_circuit *c, unsigned int side,
				  struct qnet_qubit *q)
{
	if (c->used[side]) {
		/* the binding end sends one per attempt: a stale duplicate */
		qnet_qubit_free(q);
		return;
	}
	c->used[side] = true;
	c->slot[side] = q;
}

/*
 * A qubit of @pair from the link of @dev; held at this node (@here) or at
 * the far end of the link, which will take it from qnet_pending.
 */
static struct qnet_qubit *qnet_qubit_new(struct qnet_circuit *c,
					 struct net_device *dev,
					 struct qlink_pair *pair, u64 known,
					 bool here)
{
	struct qnet_qubit *q = kzalloc(sizeof(*q),
				       GFP_ATOMIC | __GFP_ACCOUNT);

	if (!q)
		return NULL;
	q->role = c->role;
	q->epoch = c->epoch;
	q->herald_ns = qlink_pair_time(pair);
	q->known_ns = known;
	qlink_pair_memory(pair, &q->t1_ns, &q->t2_ns);
	q->cutoff_ns = qlink_cutoff_ns(dev);
	q->link = qlink_link_id(dev);
	if (here) {
		q->dev = dev;
		dev_hold(dev);
	}
	INIT_LIST_HEAD(&q->node);
	return q;
}

/* ---- announcing a bound pair ---- */

/*
 * Announce pair @q (ours) and @qf (its far half) to the node at the other
 * end of the link on @side, in BIND at @t, and attach @q to the attempt.
 * Caller holds cn->lock.
 */
void __qnet_circuit_publish(struct qnet_circuit_net *cn,
			    struct qnet_circuit *c,
			    struct sk_buff_head *acts, unsigned int side,
			    struct qnet_qubit *q, struct qnet_qubit *qf,
			    u64 t)
{
	struct qnet_msg_bind *m;
	u64 ent_id;

	lockdep_assert_held(&cn->lock);

	q->far = NULL;
	/* once qf is in qnet_pending, its pair may change hands: keep its id */
	ent_id = q->ent->id;
	if (qnet_pending_add(ent_id, qf)) {
		qnet_qubit_free(qf);
		qnet_qubit_free(q);
		return;
	}
	c->pending_link[c->pending_pos % QNET_PENDING_MAX] = qf->link;
	c->pending[c->pending_pos++ % QNET_PENDING_MAX] = ent_id;

	m = qnet_circuit_msg(c, acts, side, QNET_MSG_BIND, sizeof(*m), t);
	if (m) {
		m->pair_id = cpu_to_be64(q->link_id);
		m->ent_id = cpu_to_be64(ent_id);
		m->epoch = htonl(c->epoch);
		m->bell_state = q->bell;
	}
	__qnet_circuit_attach(c, side, q);
	__qnet_circuit_progress(cn, c, acts, t);
}

/* ---- link layer callbacks ---- */

/*
 * A waiting circuit's priority on the link on @side: its request's,
 * raised one level for every QNET_AGE_PAIRS pairs the link gave to other
 * circuits while it waited, so that a stream of urgent requests delays a
 * lower one but cannot starve it.
 */
static unsigned int qnet_circuit_prio(const struct qnet_circuit *c,
				      unsigned int side)
{
	unsigned int raise = c->passed_over[side] / QNET_AGE_PAIRS;

	return c->req.priority > raise ? c->req.priority - raise : 0;
}

/*
 * Does @a (waiting on @as) get the next pair before @b (on @bs)? Higher
 * priority first; at equal priority the one passed over more often, then
 * the older request.
 */
static bool qnet_circuit_before(const struct qnet_circuit *a, unsigned int as,
				const struct qnet_circuit *b, unsigned int bs)
{
	unsigned int pa = qnet_circuit_prio(a, as), pb = qnet_circuit_prio(b, bs);

	if (pa != pb)
		return pa < pb;
	if (a->passed_over[as] != b->passed_over[bs])
		return a->passed_over[as] > b->passed_over[bs];
	return a->req.start_ns < b->req.start_ns;
}

/*
 * A herald at the binding end: give the pair to the circuit that has
 * waited longest at the highest priority. Caller holds cn->lock.
 */
static bool __qnet_circuit_bind(struct qnet_circuit_net *cn,
				struct net_device *dev, u64 id, u64 t,
				struct sk_buff_head *acts)
{
	struct qnet_circuit *c, *best = NULL;
	unsigned int i, side = 0, best_side = 0;
	struct qnet_qubit *q, *qf;
	struct qlink_pair *pair;
	struct qnet_ent *e;

	lockdep_assert_held(&cn->lock);

	for (i = 0; i < ARRAY_SIZE(cn->table); i++) {
		hlist_for_each_entry(c, &cn->table[i], hnode) {
			for (side = QNET_UP; side <= QNET_DOWN; side++) {
				if (c->dev[side] != dev || !c->wanting[side])
					continue;
				if (!best || qnet_circuit_before(c, side, best,
								 best_side)) {
					best = c;
					best_side = side;
				}
			}
		}
	}
	if (!best)
		return false;
	/* age the circuits that wait on while this one is served */
	for (i = 0; i < ARRAY_SIZE(cn->table); i++)
		hlist_for_each_entry(c, &cn->table[i], hnode)
			for (side = QNET_UP; side <= QNET_DOWN; side++)
				if (c->dev[side] == dev && c->wanting[side] &&
				    c->passed_over[side] < U16_MAX)
					c->passed_over[side]++;
	best->passed_over[best_side] = 0;

	pair = qlink_take(dev, id);
	if (!pair)
		return false;
	c = best;
	side = best_side;
	c->wanting[side] = false;
	t = qnet_circuit_clock(c, t);

	/*
	 * The pair exists at both ends from its herald on: make both
	 * qubits now, ours and the far one, which waits in qnet_pending for
	 * the other node to hear of it. Physics (a swap here) may use it
	 * before that node knows.
	 */
	e = kzalloc(sizeof(*e), GFP_ATOMIC | __GFP_ACCOUNT);
	q = e ? qnet_qubit_new(c, dev, pair, t, true) : NULL;
	qf = q ? qnet_qubit_new(c, dev, pair, t, false) : NULL;
	if (!qf) {
		if (q)
			qnet_qubit_free(q);
		kfree(e);
		qlink_pair_put(pair);
		return true;
	}
	refcount_set(&e->refcnt, 2);	/* one per qubit */
	e->id = qnet_domain_next_id(cn->dm);
	/* holder[0] is here, at end 0 (we bind), holder[1] at end 1 */
	e->t0[0] = qlink_pair_start(pair, 0);
	e->t0[1] = qlink_pair_start(pair, 1);
	e->create_ns = qlink_pair_time(pair);
	qlink_pair_state(pair, e->t0[0], e->t0[1], &e->state);
	qlink_pair_put(pair);
	q->bell = e->state.bell;
	qf->bell = e->state.bell;
	q->ent = e;
	qf->ent = e;
	e->holder[0] = q;
	e->holder[1] = qf;
	q->link_id = id;
	q->ready_ns = t;
	q->far = qf;
	qnet_purify->purify(cn, c, acts, side, q, t);
	__qnet_circuit_want(cn, c, t);
	return true;
}

static void qnet_circuit_take_owed(struct qnet_circuit_net *cn,
				   struct net_device *dev, u64 id)
{
	struct qlink_pair *pair = NULL;
	unsigned int i;

	spin_lock_bh(&cn->lock);
	for (i = 0; i < QNET_OWED_MAX; i++) {
		if (cn->owed[i].dev == dev && cn->owed[i].id == id) {
			cn->owed[i].dev = NULL;
			pair = qlink_take(dev, id);
			break;
		}
	}
	spin_unlock_bh(&cn->lock);
	if (pair)
		qlink_pair_put(pair);
}

static void qnet_circuit_herald(struct net_device *dev, void *priv, u64 id,
				u64 time_ns)
{
	struct qnet_circuit_net *cn = qnet_cn(dev_net(dev));
	struct sk_buff_head acts;
	struct mem_cgroup *old;
	bool used;

	if (!qlink_is_generator(dev)) {
		/* the other end binds; take it now if its BIND came first */
		qnet_circuit_take_owed(cn, dev, id);
		return;
	}
	__skb_queue_head_init(&acts);
	old = qnet_cn_charge(cn);
	spin_lock_bh(&cn->lock);
	used = __qnet_circuit_bind(cn, dev, id, time_ns, &acts);
	spin_unlock_bh(&cn->lock);
	qnet_acts_run(&acts);
	qnet_cn_uncharge(old);
	if (!used && !qlink_continuous(dev))
		qlink_discard(dev, id, QNET_EXPIRE_UNCLAIMED);
}

static void qnet_circuit_expire(struct net_device *dev, void *priv, u64 id,
				u64 time_ns, u8 cause)
{
	/*
	 * A half still in the link's memory: not ours yet. Halves we took
	 * are ours and expire through qnet_qubit_unfit().
	 */
}

static const struct qlink_consumer qnet_circuit_consumer = {
	.herald	= qnet_circuit_herald,
	.expire	= qnet_circuit_expire,
};

/* ---- BIND, from the wire through circuit_ctl.c ---- */

int qnet_circuit_rx_bind(struct qnet_circuit_net *cn,
			 struct qnet_circuit *c, unsigned int side,
			 struct net_device *dev,
			 const struct qnet_msg_bind *m, u64 t,
			 struct sk_buff_head *acts)
{
	u64 ent_id = be64_to_cpu(m->ent_id);
	u32 epoch = ntohl(m->epoch);
	struct qnet_qubit *q;
	bool foreign;

	/*
	 * The binding end states the Bell state it made the pair in, which
	 * the far half already has: one that says otherwise is not from it.
	 * Under the xarray's lock, so that nobody frees the half meanwhile;
	 * a rejected BIND leaves it for the true one.
	 */
	xa_lock_bh(&qnet_pending);
	q = __qnet_pending_find(ent_id, qlink_link_id(dev), &foreign);
	if (foreign) {
		/* another link's: not this frame's to take or to free */
		xa_unlock_bh(&qnet_pending);
		return qnet_rx_drop(cn, QNET_DROP_FOREIGN);
	}
	if (q && q->bell != m->bell_state) {
		xa_unlock_bh(&qnet_pending);
		return qnet_rx_drop(cn, QNET_DROP_BAD_BELL);
	}
	if (q)
		__qnet_pending_unlink(ent_id, q);
	xa_unlock_bh(&qnet_pending);

	/* out of the link layer's memory: the qubit is the network's now */
	qnet_link_take(cn, dev, be64_to_cpu(m->pair_id));
	if (!q)
		return -ENOENT;
	if (epoch != c->epoch) {
		/* an attempt this node has already given up */
		qnet_qubit_free(q);
		return 0;
	}
	q->role = c->role;
	q->epoch = epoch;
	q->known_ns = t;
	q->bell = m->bell_state;
	q->dev = dev;
	dev_hold(dev);
	__qnet_circuit_attach(c, side, q);
	__qnet_circuit_progress(cn, c, acts, t);
	return 0;
}

/* ---- the socket layer's side: kept qubits, accepted sockets ---- */

static struct qnet_qubit *__qnet_circuit_kept(struct qnet_circuit *c, u32 h)
{
	struct qnet_qubit *q;

	list_for_each_entry(q, &c->kept, node)
		if (q->handle == h)
			return q;
	return NULL;
}

int qnet_circuit_measure(struct qnet_circuit *c, u32 qubit, u8 basis,
			 u8 *outcome, u64 *time_ns)
{
	struct qnet_circuit_net *cn = qnet_cn(c->net);
	struct qnet_qubit *q;
	int err = 0;

	if (basis > QNET_BASIS_Y)
		return -EINVAL;
	/* measured now: at the node's clock as the call acts */
	qnet_domain_enter(cn->dm);
	spin_lock_bh(&cn->lock);
	q = __qnet_circuit_kept(c, qubit);
	if (q) {
		*time_ns = qnet_node_now(cn);
		*outcome = qnet_qubit_measure(cn, c, q, basis, *time_ns);
		list_del(&q->node);
		c->nkept--;
		qnet_qubit_free(q);
	} else {
		err = -ENOENT;
	}
	spin_unlock_bh(&cn->lock);
	qnet_domain_exit(cn->dm);
	return err;
}

int qnet_circuit_release(struct qnet_circuit *c, u32 qubit)
{
	struct qnet_circuit_net *cn = qnet_cn(c->net);
	struct qnet_qubit *q;
	int err = 0;

	spin_lock_bh(&cn->lock);
	q = __qnet_circuit_kept(c, qubit);
	if (q) {
		list_del(&q->node);
		c->nkept--;
		qnet_qubit_free(q);
	} else {
		err = -ENOENT;
	}
	spin_unlock_bh(&cn->lock);
	return err;
}

unsigned int qnet_circuit_qubits_held(struct qnet_circuit *c)
{
	return READ_ONCE(c->nkept);
}

/**
 * qnet_circuit_attach_sock() - give an accepted socket its circuit
 * @c: the circuit the socket layer's accept_child() was called with
 * @sk: the new socket
 *
 * Only from within the socket layer's accept_child(), under the node's
 * circuit lock: the circuit takes a reference on @sk.
 */
void qnet_circuit_attach_sock(struct qnet_circuit *c, struct sock *sk)
{
	sock_hold(sk);
	c->sk = sk;
}

/* ---- devices and namespaces ---- */

/* Close every circuit of @net that uses @dev (all of them if NULL). */
static void qnet_circuit_flush(struct net *net, struct net_device *dev,
			       int err)
{
	struct qnet_circuit_net *cn = qnet_cn(net);
	struct sk_buff_head acts;
	struct hlist_node *tmp;
	struct qnet_circuit *c;
	unsigned int i;

	__skb_queue_head_init(&acts);
	spin_lock_bh(&cn->lock);
	for (i = 0; i < ARRAY_SIZE(cn->table); i++) {
		hlist_for_each_entry_safe(c, tmp, &cn->table[i], hnode) {
			int skip = -1;

			if (dev && c->dev[QNET_UP] != dev &&
			    c->dev[QNET_DOWN] != dev)
				continue;
			/* nothing crosses a link that is down */
			if (dev)
				skip = c->dev[QNET_UP] == dev ? QNET_UP :
				       QNET_DOWN;
			__qnet_circuit_close(cn, c, &acts, err, skip);
		}
	}
	spin_unlock_bh(&cn->lock);
	qnet_acts_run(&acts);
}

static int qnet_circuit_netdev_event(struct notifier_block *nb,
				     unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (!qlink_dev_is_qlink(dev))
		return NOTIFY_DONE;
	switch (event) {
	case NETDEV_REGISTER:
		qlink_set_consumer(dev, &qnet_circuit_consumer, NULL);
		break;
	case NETDEV_CHANGE:
		/* the far end went down: the carrier goes with it */
		if (netif_carrier_ok(dev))
			break;
		fallthrough;
	case NETDEV_GOING_DOWN:
	case NETDEV_DOWN:
		qnet_circuit_flush(dev_net(dev), dev, -ENETDOWN);
		break;
	case NETDEV_UNREGISTER:
		qnet_circuit_flush(dev_net(dev), dev, -ENETDOWN);
		qlink_set_consumer(dev, NULL, NULL);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block qnet_circuit_notifier = {
	.notifier_call = qnet_circuit_netdev_event,
};

static int __net_init qnet_circuit_net_init(struct net *net)
{
	struct qnet_circuit_net *cn = qnet_cn(net);

	spin_lock_init(&cn->lock);
	qnet_node_params_default(&cn->params);
	cn->seed = get_random_u64();
	cn->dm = qnet_net_dmember(net);
	if (!proc_create_net_single("qnet_circuit", 0444, net->proc_net,
				    qnet_circuit_seq_show, NULL))
		return -ENOMEM;
	if (!proc_create_net_single("qnet_node", 0444, net->proc_net,
				    qnet_node_seq_show, NULL)) {
		remove_proc_entry("qnet_circuit", net->proc_net);
		return -ENOMEM;
	}
	/*
	 * Whoever makes the namespace (unshare(), clone()) runs this, or
	 * the loader of the module for namespaces that existed before it.
	 */
	cn->memcg = get_mem_cgroup_from_mm(current->mm);
	return 0;
}

static void __net_exit qnet_circuit_net_exit(struct net *net)
{
	struct qnet_circuit_net *cn = qnet_cn(net);

	remove_proc_entry("qnet_node", net->proc_net);
	remove_proc_entry("qnet_circuit", net->proc_net);
	qnet_circuit_flush(net, NULL, -ENETDOWN);
	spin_lock_bh(&cn->lock);
	cn->dying = true;
	spin_unlock_bh(&cn->lock);
	/* a ready event of a circuit just closed may still be running */
	qnet_purify->ready_purge(cn);
	mem_cgroup_put(cn->memcg);
	cn->memcg = NULL;
}

static struct pernet_operations qnet_circuit_net_ops = {
	.init	= qnet_circuit_net_init,
	.exit	= qnet_circuit_net_exit,
	.id	= &qnet_circuit_net_id,
	.size	= sizeof(struct qnet_circuit_net),
};

int qnet_circuit_core_init(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct qnet_msg_swap) > QNET_DEFER_LEN);
	BUILD_BUG_ON(sizeof(struct qnet_msg_answer) > QNET_DEFER_LEN);
	BUILD_BUG_ON(sizeof(struct qnet_msg_request) > QNET_DEFER_LEN);
	BUILD_BUG_ON(sizeof(struct qnet_msg_bind) > QNET_DEFER_LEN);

	err = register_pernet_subsys(&qnet_circuit_net_ops);
	if (err)
		return err;
	err = register_netdevice_notifier(&qnet_circuit_notifier);
	if (err) {
		unregister_pernet_subsys(&qnet_circuit_net_ops);
		return err;
	}
	return 0;
}

void qnet_circuit_core_exit(void)
{
	struct qnet_qubit *q;
	unsigned long id;

	unregister_netdevice_notifier(&qnet_circuit_notifier);
	/* closes what is left in every namespace, releasing its devices */
	unregister_pernet_subsys(&qnet_circuit_net_ops);
	xa_for_each(&qnet_pending, id, q) {
		xa_erase_bh(&qnet_pending, id);
		while (q) {
			struct qnet_qubit *next = q->pnext;

			qnet_qubit_free(q);
			q = next;
		}
	}
}
