// SPDX-License-Identifier: GPL-2.0
/*
 * qlink: the link-layer emulation behind a pair of qlink devices.
 *
 * Implementation notes
 *
 * Objects
 * - struct qlink (link.h) is the link: parameters, the physics model they
 *   imply (qlinkmodel.h), the PRNG, the emulated clock, the generation work
 *   item and timer, and both ends' memories and counters. Both devices
 *   point at it (struct qlink_dev.link).
 * - struct qlink_pair is a heralded pair, shared by the memories that hold
 *   its halves. Its state is the heralded one and never changes; a reader
 *   decoheres a copy to the time it needs (lazy decoherence, no timers per
 *   qubit).
 * - End 0, the device the RTM_NEWLINK request named, generates: it draws
 *   the number of attempts to the next success (one geometric draw per
 *   herald), stores its half and sends QNET_MSG_HERALD to end 1, which
 *   stores its half when the message arrives. A pair whose herald is on
 *   the wire sits on qlink.inflight, where end 1 finds it by id. An end
 *   that discards a half for a reason of its own (memory full, cutoff, the
 *   network layer) tells the other end with QNET_MSG_EXPIRE. A link that
 *   goes down discards both ends at once and sends nothing: its classical
 *   channel is down too.
 *
 * Emulated time
 * - The link is a member of an emulation domain (engine.h): the nodes and
 *   links joined by qlinks share one clock and one event queue. Every
 *   happening of the link is an event of the domain, at a time computed
 *   from the model: the run of attempts that starts at run_ns succeeds at
 *   attempt N; the herald is known at end 0 at run_ns + (N - 1) period +
 *   herald_ns (gen_ev) and the next run starts at run_ns + N period
 *   (qlinkmodel.h). A link starts a run only when asked: an idle link's
 *   next run starts at the domain's clock when a request or a freed slot
 *   kicks it, never earlier.
 * - Frames are events too (device.c): a frame sent at t arrives at
 *   t + delay and is handled then, so end 1 stores a herald's half at the
 *   time its message arrives, and everything here takes its time from the
 *   domain's clock (qnet_domain_now()), which is the running event's.
 * - Pacing (time_scale) is the domain's: the engine runs events at the
 *   wall time their emulated time maps to.
 * - Messages do not cross: a frame that an end sends after another
 *   arrives after it. An expiry from end 0 can still overtake its herald
 *   (it is sent at once, the herald's half arrives a delay later); end 1
 *   then marks the pair on the inflight list (gone) and counts it
 *   heralded and expired when the herald arrives. A herald whose frame
 *   was dropped on the way (by a filter, or the link going down) is
 *   forgotten once its arrival time has passed.

 * Refcounts
 * - qlink.refcnt: one per device that got through ndo_init, one for
 *   newlink while it runs. The last put frees the link and every pair it
 *   still holds; its events are purged before that (detach).
 * - qlink_pair.refcnt: one per memory holding a half, one while on the
 *   inflight list, one per qlink_take() caller.
 *
 * Locking
 * - qlink.lock (spin_lock_bh: the rx handler runs in softirq) protects
 *   parameters, model, PRNG, memories, inflight list, generation state.
 *   Counters are per CPU and summed without it (struct
 *   qlink_pcpu_counters); only their reset base is under it. delay_ns and mem.used
 *   have lockless readers (READ_ONCE/WRITE_ONCE).
 * - Order: RTNL, then the domain's exec mutex (qnet_domain_enter()),
 *   then qlink.lock, then the domain's lock (scheduling an event).
 * - Nothing is sent, notified or called back under qlink.lock: events are
 *   queued on a local list (struct qlink_evq: the first few inline, the
 *   rest as skbs with struct qlink_ev in skb->cb) and flushed
 *   after the unlock, so the control plane's notifications, the network
 *   layer's callbacks
 *   and dev_queue_xmit() never run under it.
 * - Order: RTNL, then qlink.lock, then a device's txq lock (device.c);
 *   the txq lock is never held while taking qlink.lock.
 * - Teardown: ndo_stop (link down) and ndo_uninit (detach) run under RTNL
 *   in process context. Both clear a flag under qlink.lock that stops
 *   generation and purge the link's events (its herald and its frames in
 *   flight) from the domain, which waits for a running event to finish,
 *   so nothing of the link runs after. Devices are freed after an RCU
 *   grace period; the peer pointer is RCU (device.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/math64.h>
#include <linux/pkt_sched.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "link.h"
#include "msg.h"
#include "qnet.h"
#include "qnet_trace.h"

/* An event of one end, queued as an skb under qlink.lock, see qlink_ev. */
struct qlink_ev {
	struct net_device	*dev;
	struct sk_buff		*skb;	/* the wire message to send, or NULL */
	u64	id;
	u64	time_ns;
	u32	fidelity_ppm;
	u8	cmd;		/* QNET_CMD_PAIR_HERALDED or _EXPIRED */
	u8	bell;
	u8	cause;
};

/*
 * The events of one locked section, in order: the first few in @ev (a
 * herald, the expiry it causes: no allocation on the per-pair path), the
 * rest in skbs on @more (struct qlink_ev in skb->cb; the skb is the wire
 * message when there is one).
 */
#define QLINK_EVQ_INLINE	4

struct qlink_evq {
	unsigned int		n;
	struct qlink_ev		ev[QLINK_EVQ_INLINE];
	struct sk_buff_head	more;
};

static void qlink_evq_init(struct qlink_evq *evq)
{
	evq->n = 0;
	__skb_queue_head_init(&evq->more);
}

static inline struct qlink_ev *qlink_ev(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct qlink_ev) > sizeof(skb->cb));
	return (struct qlink_ev *)skb->cb;
}

static u64 qlink_add_sat(u64 a, u64 b)
{
	return a + b < a ? U64_MAX : a + b;
}

static u64 qlink_mul_sat(u64 a, u64 b)
{
	u64 r;

	return check_mul_overflow(a, b, &r) ? U64_MAX : r;
}

/* link.h: when an unused unpaced continuous link pauses */
unsigned int qlink_idle_replaced = 65536;
module_param_named(idle_replaced, qlink_idle_replaced, uint, 0644);
MODULE_PARM_DESC(idle_replaced,
		 "pairs an unpaced continuous link replaces unused in a row before it pauses");

/* ---- parameters and model ---- */

void qlink_params_default(struct qlink_params *p)
{
#define QLINK_PARAM_DEFAULT(_f, _a, _t, _min, _max, _def, _kw, _js, _u) \
	._f = (_def),
	*p = (struct qlink_params) { QLINK_PARAMS(QLINK_PARAM_DEFAULT) };
#undef QLINK_PARAM_DEFAULT
	/* the physics core's defaults are the same numbers */
	BUILD_BUG_ON(QSTATE_DEFAULT_ATTEN_MDB_KM != 200);
	BUILD_BUG_ON(QSTATE_DEFAULT_INDEX_MILLI != 1470);
	/* and the memory's array holds the most slots the table allows */
	BUILD_BUG_ON(QLINK_MAX_SLOTS != 64);
}

static void qlink_model_params(const struct qlink_params *p,
			       struct qstate_link_params *lp)
{
	qstate_link_params_init(lp);
	lp->scheme = p->scheme;
	lp->length_m = p->length_m;
	lp->atten_mdb_km = p->atten_mdb_km;
	lp->index_milli = p->index_milli;
	lp->attempt_rate_hz = p->attempt_rate_hz;
	lp->alpha = qprob_from_ppm(p->alpha_ppm);
	lp->det_eff = qprob_from_ppm(p->det_eff_ppm);
	lp->dark_rate_hz = p->dark_rate_hz;
	lp->visibility = qprob_from_ppm(p->visibility_ppm);
	lp->source_fid = qprob_from_ppm(p->source_fid_ppm);
}

/* ---- the table as data: ranges, attributes and where each field is ---- */

#define QLINK_PARAM_RANGE(_f, _a, _t, _min, _max, _def, _kw, _js, _u)	\
	struct netlink_range_validation qlink_range_##_f = {		\
		.min = (_min), .max = (_max),				\
	};
QLINK_PARAMS(QLINK_PARAM_RANGE)
#undef QLINK_PARAM_RANGE

static const struct qlink_param_desc {
	u16	attr[2];	/* by enum qlink_params_family */
	u16	off;
	u8	size;
	u64	min, max;
	const char *range;	/* extack: "qnet: <field> must be <min>..<max>" */
} qlink_param_descs[] = {
#define QLINK_PARAM_DESC(_f, _a, _t, _min, _max, _def, _kw, _js, _u)	\
	{ { QNET_LINK_A_##_a, QLINK_INFO_##_a },			\
	  offsetof(struct qlink_params, _f), sizeof(_t), (_min), (_max), \
	  KBUILD_MODNAME ": " #_f " must be " #_min ".." #_max },
	QLINK_PARAMS(QLINK_PARAM_DESC)
#undef QLINK_PARAM_DESC
};

int qlink_params_fill(struct sk_buff *skb, const struct qlink_params *p,
		      enum qlink_params_family fam, bool seed)
{
	static const u16 pad[] = { QNET_LINK_A_PAD, QLINK_INFO_PAD };
	const void *base = p;
	unsigned int i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(qlink_param_descs) && !err; i++) {
		const struct qlink_param_desc *d = &qlink_param_descs[i];
		const void *v = base + d->off;

		if (d->off == offsetof(struct qlink_params, seed) && !seed)
			continue;
		switch (d->size) {
		case sizeof(u8):
			err = nla_put_u8(skb, d->attr[fam], *(const u8 *)v);
			break;
		case sizeof(u32):
			err = nla_put_u32(skb, d->attr[fam], *(const u32 *)v);
			break;
		default:
			err = nla_put_u64_64bit(skb, d->attr[fam],
						*(const u64 *)v, pad[fam]);
			break;
		}
	}
	return err;
}

size_t qlink_params_size(void)
{
	size_t size = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(qlink_param_descs); i++)
		size += qlink_param_descs[i].size == sizeof(u64) ?
			nla_total_size_64bit(sizeof(u64)) :
			nla_total_size(qlink_param_descs[i].size);
	return size;
}

unsigned int qlink_params_overlay(struct qlink_params *p,
				  struct nlattr *const *tb,
				  enum qlink_params_family fam)
{
	unsigned int i, n = 0;
	void *base = p;

	for (i = 0; i < ARRAY_SIZE(qlink_param_descs); i++) {
		const struct qlink_param_desc *d = &qlink_param_descs[i];
		const struct nlattr *a = tb[d->attr[fam]];
		void *v = base + d->off;

		if (!a)
			continue;
		switch (d->size) {
		case sizeof(u8):
			*(u8 *)v = nla_get_u8(a);
			break;
		case sizeof(u32):
			*(u32 *)v = nla_get_u32(a);
			break;
		default:
			*(u64 *)v = nla_get_u64(a);
			break;
		}
		n++;
	}
	return n;
}

/*
 * Ranges of single parameters (the netlink policy checks the same ones;
 * these hold for any caller) and then those that depend on each other,
 * through the model they imply.
 */
static int qlink_params_check(const struct qlink_params *p,
			      struct qstate_link_model *m,
			      struct netlink_ext_ack *extack)
{
	struct qstate_link_params lp;

	const void *base = p;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(qlink_param_descs); i++) {
		const struct qlink_param_desc *d = &qlink_param_descs[i];
		const void *v = base + d->off;
		u64 x = d->size == sizeof(u8) ? *(const u8 *)v :
			d->size == sizeof(u32) ? *(const u32 *)v :
			*(const u64 *)v;

		if (x < d->min || x > d->max) {
			/* 6.1 has no NL_SET_ERR_MSG_FMT: the table's string */
			if (extack)
				extack->_msg = d->range;
			return -EINVAL;
		}
	}
	/*
	 * t2_ns is the total coherence time: relaxation alone limits it to
	 * 2 T1, and beyond that the memory channel is no channel at all.
	 */
	if (p->t1_ns && p->t2_ns > p->t1_ns && p->t2_ns - p->t1_ns > p->t1_ns) {
		NL_SET_ERR_MSG_MOD(extack,
				   "t2_ns must be at most 2 * t1_ns (the total coherence time cannot exceed twice the relaxation time)");
		return -EINVAL;
	}
	if (p->scheme == QNET_SCHEME_SINGLE_CLICK && !p->alpha_ppm) {
		NL_SET_ERR_MSG_MOD(extack,
				   "alpha_ppm must be above 0 for single-click");
		return -EINVAL;
	}

	qlink_model_params(p, &lp);
	if (!qstate_link_compute(&lp, m)) {
		NL_SET_ERR_MSG_MOD(extack, "parameters outside the link model");
		return -EINVAL;
	}
	/* the geometric sampler is documented down to p = 1e-9 */
	if (m->p_success < qprob_ratio(1, 1000000000)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "length_m: success probability per attempt below 1e-9 (shorten the link, lower atten_mdb_km or raise det_eff_ppm)");
		return -EINVAL;
	}
	return 0;
}

/* ---- pairs and memories ---- */

void qlink_pair_put(struct qlink_pair *pair)
{
	if (pair && refcount_dec_and_test(&pair->refcnt))
		kfree(pair);
}

u64 qlink_pair_id(const struct qlink_pair *pair)
{
	return pair->id;
}

u64 qlink_pair_time(const struct qlink_pair *pair)
{
	return pair->time_ns;
}

/**
 * qlink_pair_start() - when a qubit of a pair began to be stored
 * @pair: a pair the caller holds a reference to
 * @end: the link end (0, the generating end, or 1) that holds the qubit
 *
 * Return: the emission of the successful attempt, or for end 1 of a
 * direct-transmission link the photon's arrival: memory decoherence runs
 * from there, before the node hears the herald.
 */
u64 qlink_pair_start(const struct qlink_pair *pair, unsigned int end)
{
	return pair->start_ns[end & 1];
}

/**
 * qlink_pair_state() - a pair's state at emulated times
 * @pair: a pair the caller holds a reference to
 * @t0_ns: time of end 0's qubit
 * @t1_ns: time of end 1's qubit
 * @s: the Bell-diagonal state, each qubit decohered from when it began to
 *     be stored (qlink_pair_start()) to its time, with the T1 and T2 the
 *     link had at the herald; a time before the start means none
 */
void qlink_pair_state(const struct qlink_pair *pair, u64 t0_ns, u64 t1_ns,
		      struct qstate *s)
{
	u64 t[2] = { t0_ns, t1_ns };
	unsigned int i;

	*s = pair->state;
	for (i = 0; i < 2; i++)
		if (t[i] > pair->start_ns[i])
			qstate_decohere(s, t[i] - pair->start_ns[i],
					pair->t1_ns, pair->t2_ns);
}

/* The fidelity at @time_ns, both qubits in memory until then. */
static u32 qlink_pair_fid(const struct qlink_pair *pair, u64 time_ns)
{
	struct qstate s;

	qlink_pair_state(pair, time_ns, time_ns, &s);
	return qprob_to_ppm(qstate_fidelity(&s));
}

static int qlink_mem_find(const struct qlink_mem *m, u64 id)
{
	unsigned int i;

	for (i = 0; i < m->used; i++)
		if (m->pair[i]->id == id)
			return i;
	return -1;
}

static struct qlink_pair *qlink_mem_remove(struct qlink_mem *m,
					   unsigned int i)
{
	struct qlink_pair *pair = m->pair[i];

	memmove(&m->pair[i], &m->pair[i + 1],
		(m->used - i - 1) * sizeof(m->pair[0]));
	WRITE_ONCE(m->used, m->used - 1);
	return pair;
}

static void qlink_mem_store(struct qlink_mem *m, struct qlink_pair *pair)
{
	m->pair[m->used] = pair;
	WRITE_ONCE(m->used, m->used + 1);
}

static struct qlink_pair *qlink_inflight_find(struct qlink *link, u64 id)
{
	struct qlink_pair *pair;

	list_for_each_entry(pair, &link->inflight, inflight)
		if (pair->id == id)
			return pair;
	return NULL;
}

static void qlink_inflight_del(struct qlink *link, struct qlink_pair *pair)
{
	list_del(&pair->inflight);
	link->n_inflight--;
}

static struct qlink_pair *qlink_inflight_take(struct qlink *link, u64 id)
{
	struct qlink_pair *pair = qlink_inflight_find(link, id);

	if (pair)
		qlink_inflight_del(link, pair);
	return pair;
}

static void qlink_inflight_add(struct qlink *link, struct qlink_pair *pair,
			       u64 arrive_ns)
{
	refcount_inc(&pair->refcnt);
	pair->arrive_ns = arrive_ns;
	list_add_tail(&pair->inflight, &link->inflight);
	link->n_inflight++;
}

/*
 * Forget heralds that should have arrived before @now: their frame was
 * dropped on the way (events at one time run in the order they were
 * scheduled, and a herald's frame is scheduled before anything that
 * could see it missing).
 */
static void qlink_inflight_reap(struct qlink *link, u64 now)
{
	struct qlink_pair *pair, *tmp;

	list_for_each_entry_safe(pair, tmp, &link->inflight, inflight) {
		if (pair->arrive_ns >= now)
			return;
		qlink_inflight_del(link, pair);
		qlink_pair_put(pair);
	}
}

static void qlink_inflight_clear(struct qlink *link)
{
	struct qlink_pair *pair, *tmp;

	list_for_each_entry_safe(pair, tmp, &link->inflight, inflight) {
		list_del(&pair->inflight);
		qlink_pair_put(pair);
	}
	link->n_inflight = 0;
}

/* ---- frames: the one builder, for both layers (msg.h) ---- */

/* The peer's MAC address, or broadcast; caller holds rcu_read_lock(). */
static const u8 *qlink_peer_addr(const struct net_device *dev)
{
	struct net_device *peer = rcu_dereference(qlink_priv(dev)->peer);

	return peer ? peer->dev_addr : dev->broadcast;
}

struct sk_buff *qnet_msg_alloc(struct net_device *dev, u8 type, u64 time_ns,
			       size_t len, void **payload)
{
	int hlen = LL_RESERVED_SPACE(dev), tlen = dev->needed_tailroom;
	struct qnet_hdr *hdr;
	struct sk_buff *skb;
	int err;

	skb = alloc_skb(hlen + sizeof(*hdr) + len + tlen, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, hlen);
	skb_reset_network_header(skb);

	hdr = skb_put(skb, sizeof(*hdr));
	hdr->version = QNET_WIRE_VERSION;
	hdr->type = type;
	hdr->len = htons(len);
	hdr->src_node = htonl(READ_ONCE(qnet_pernet(dev_net(dev))->node_addr));
	hdr->time_ns = cpu_to_be64(time_ns);
	*payload = skb_put_zero(skb, len);

	skb->dev = dev;
	skb->protocol = htons(ETH_P_QNET);
	skb->priority = TC_PRIO_CONTROL;
	rcu_read_lock();
	err = dev_hard_header(skb, dev, ETH_P_QNET, qlink_peer_addr(dev),
			      NULL, skb->len);
	rcu_read_unlock();
	if (err < 0) {
		kfree_skb(skb);
		return NULL;
	}
	return skb;
}

void qnet_msg_xmit(struct sk_buff *skb)
{
	dev_queue_xmit(skb);
}

/* ---- events: queued under the lock, flushed after it ---- */

/* The control plane's notifications (qlink.h); RCU. */
static const struct qlink_notify_ops __rcu *qlink_notify;

/**
 * qlink_set_notify_ops() - the control plane hears of pairs and carriers
 * @ops: its callbacks, or NULL to stop; on return from NULL none runs
 */
void qlink_set_notify_ops(const struct qlink_notify_ops *ops)
{
	rcu_assign_pointer(qlink_notify, ops);
	if (!ops)
		synchronize_net();
}

/*
 * Queue an event of @end about @pair: a netlink notification and a
 * consumer callback, and with @msg a wire message dated @msg_ns to the
 * other end. Caller holds qlink.lock. Allocation failure loses the event
 * but not the state change that caused it (counted anyway).
 */
static void qlink_ev_add(struct qlink *link, struct qlink_evq *evq,
			 unsigned int end, u8 cmd, const struct qlink_pair *pair,
			 u64 time_ns, u32 fid, u8 cause, u8 msg, u64 msg_ns)
{
	struct net_device *dev = link->end[end].dev;
	struct sk_buff *skb = NULL, *carrier;
	struct qlink_ev *ev;

	if (!dev)
		return;
	if (msg) {
		struct qnet_msg_pair *m;

		skb = qnet_msg_alloc(dev, msg, msg_ns, sizeof(*m), (void **)&m);
		if (!skb)
			return;
		m->pair_id = cpu_to_be64(pair->id);
		m->bell_state = pair->state.bell;
		m->cause = cause;
		skb->dev = dev;
	}
	if (evq->n < QLINK_EVQ_INLINE && skb_queue_empty(&evq->more)) {
		ev = &evq->ev[evq->n++];
	} else {
		carrier = skb ?: alloc_skb(0, GFP_ATOMIC);
		if (!carrier)
			return;
		ev = qlink_ev(carrier);
		__skb_queue_tail(&evq->more, carrier);
	}
	ev->dev = dev;
	ev->skb = skb;
	ev->id = pair->id;
	ev->time_ns = time_ns;
	ev->fidelity_ppm = fid;
	ev->cmd = cmd;
	ev->bell = pair->state.bell;
	ev->cause = cause;
}

/*
 * Deliver queued events. The devices are alive: the callers are the work
 * item (cancelled before a device goes), the rx handler of the device
 * itself, RTNL holders and the consumer. @consumer: also call the
 * consumer's callbacks; not for what the consumer itself asked for
 * (qlink_take(), qlink_discard()), which may run under its own locks.
 */
static void qlink_ev_run(const struct qlink_ev *ev, bool consumer)
{
	const struct qlink_notify_ops *n;
	const struct qlink_consumer_ref *c;
	struct net_device *dev = ev->dev;

	rcu_read_lock();
	n = rcu_dereference(qlink_notify);
	if (n)
		n->pair(dev, ev->cmd, ev->id, ev->time_ns, ev->fidelity_ppm,
			ev->bell, ev->cause);

	c = consumer ? rcu_dereference(qlink_dev_end(dev)->consumer) : NULL;
	if (c && ev->cmd == QNET_CMD_PAIR_HERALDED && c->ops->herald)
		c->ops->herald(dev, c->priv, ev->id, ev->time_ns);
	else if (c && ev->cmd == QNET_CMD_PAIR_EXPIRED && c->ops->expire)
		c->ops->expire(dev, c->priv, ev->id, ev->time_ns, ev->cause);
	rcu_read_unlock();

	if (ev->skb) {
		memset(ev->skb->cb, 0, sizeof(ev->skb->cb));
		dev_queue_xmit(ev->skb);
	}
}

static void __qlink_ev_flush(struct qlink_evq *evq, bool consumer)
{
	struct sk_buff *skb;
	struct qlink_ev ev;
	unsigned int i;

	for (i = 0; i < evq->n; i++)
		qlink_ev_run(&evq->ev[i], consumer);
	evq->n = 0;
	while ((skb = __skb_dequeue(&evq->more))) {
		/* a copy: sending the skb clears its cb */
		ev = *qlink_ev(skb);
		qlink_ev_run(&ev, consumer);
		if (!ev.skb)
			consume_skb(skb);
	}
}

static void qlink_ev_flush(struct qlink_evq *evq)
{
	__qlink_ev_flush(evq, true);
}

/*
 * Discard the half in @slot of @end at @time_ns. @tell: send
 * QNET_MSG_EXPIRE to the other end (not when the other end told us).
 */
static void qlink_expire(struct qlink *link, unsigned int end,
			 unsigned int slot, u64 time_ns, u8 cause, bool tell,
			 struct qlink_evq *evq)
{
	struct qlink_end *e = &link->end[end];
	struct qlink_pair *pair = qlink_mem_remove(&e->mem, slot);

	qlink_cnt_add(e, QLINK_CNT_EXPIRED, 1);
	qlink_cnt_add(e, QLINK_CNT_DISCARDS + cause, 1);
	trace_qnet_expire(e->dev, end, pair->id, time_ns, cause,
			  qlink_pair_fid(pair, time_ns), tell);
	qlink_ev_add(link, evq, end, QNET_CMD_PAIR_EXPIRED, pair, time_ns,
		     qlink_pair_fid(pair, time_ns), cause,
		     tell ? QNET_MSG_EXPIRE : 0, time_ns);
	qlink_pair_put(pair);
}

/* Discard what @end holds beyond the cutoff at @time_ns. */
static void qlink_sweep(struct qlink *link, unsigned int end, u64 time_ns,
			struct qlink_evq *evq)
{
	struct qlink_mem *m = &link->end[end].mem;
	u64 cutoff = link->params.cutoff_ns;
	unsigned int i = 0;

	if (!cutoff)
		return;
	while (i < m->used) {
		const struct qlink_pair *pair = m->pair[i];

		if (time_ns > pair->time_ns &&
		    time_ns - pair->time_ns > cutoff)
			qlink_expire(link, end, i, time_ns, QNET_EXPIRE_CUTOFF,
				     true, evq);
		else
			i++;
	}
}

/* ---- generation ---- */

static bool qlink_gen_wanted(const struct qlink *link)
{
	if (!link->up || link->dead)
		return false;
	if (link->params.continuous)
		return link->demand || link->params.time_scale ||
		       link->unclaimed_run < READ_ONCE(qlink_idle_replaced);
	return link->demand &&
	       link->end[0].mem.used < link->params.mem_slots;
}

/* The link's clock: the domain's. */
static u64 qlink_now(struct qlink *link)
{
	return qnet_domain_now(&link->dm);
}

/*
 * Start the next run of attempts if generation is wanted and none is
 * under way: it starts at the end of the last run or at the domain's
 * clock, whichever is later (a link attempts only while asked), and its
 * herald is an event. Caller holds qlink.lock.
 */
static void qlink_gen_kick(struct qlink *link)
{
	const struct qstate_link_model *m = &link->model;
	u64 n, t_e, t_h;

	lockdep_assert_held(&link->lock);
	if (link->gen_scheduled || !qlink_gen_wanted(link))
		return;
	link->run_ns = max(link->run_ns, qlink_now(link));
	n = qstate_link_sample_attempts(m, &link->rng);
	t_e = qlink_add_sat(link->run_ns, qlink_mul_sat(n - 1, m->period_ns));
	t_h = qlink_add_sat(t_e, m->herald_ns);
	if (t_h == U64_MAX)
		return;		/* beyond the end of emulated time */
	link->run_attempts = n;
	link->gen_scheduled = true;
	qnet_event_schedule(&link->dm, &link->gen_ev, t_h);
}

/* Forget the run under way (parameters changed, link down). */
static void qlink_gen_stop(struct qlink *link)
{
	lockdep_assert_held(&link->lock);
	if (link->gen_scheduled)
		qnet_event_cancel(&link->dm, &link->gen_ev);
	link->gen_scheduled = false;
	link->run_attempts = 0;
}

/**
 * qlink_alloc_charged() - GFP_ATOMIC memory charged to @link's maker
 * @link: the link the memory is for
 * @size: bytes
 *
 * For what the link makes in the engine's worker or in softirq, where the
 * current task is nobody's. Any context.
 */
void *qlink_alloc_charged(struct qlink *link, size_t size)
{
	struct mem_cgroup *old = set_active_memcg(link->memcg);
	void *p = kmalloc(size, GFP_ATOMIC | __GFP_ACCOUNT);

	set_active_memcg(old);
	return p;
}

/*
 * The herald of the run under way: end 0 stores its half and sends
 * QNET_MSG_HERALD, dated when the signal left (t_e), to end 1.
 */
static void qlink_gen_run(struct qnet_event *ev)
{
	struct qlink *link = container_of(ev, struct qlink, gen_ev);
	const struct qstate_link_model *m = &link->model;
	struct qlink_end *a = &link->end[0];
	u64 t_h = ev->time_ns, t_e, n;
	struct qlink_pair *pair;
	struct qlink_evq evq;

	qlink_evq_init(&evq);
	pair = qlink_alloc_charged(link, sizeof(*pair));

	spin_lock(&link->lock);
	link->gen_scheduled = false;
	n = link->run_attempts;
	link->run_attempts = 0;
	if (!n || !qlink_gen_wanted(link) || !pair) {
		/* out of memory: the run is lost, the next one starts now */
		if (!pair && qlink_gen_wanted(link))
			link->run_ns = t_h;
		qlink_gen_kick(link);
		spin_unlock(&link->lock);
		kfree(pair);
		return;
	}
	t_e = t_h - m->herald_ns;
	link->run_ns = qlink_add_sat(t_e, m->period_ns);
	qlink_cnt_add(a, QLINK_CNT_ATTEMPTS, n);
	qlink_inflight_reap(link, t_h);

	qlink_sweep(link, 0, t_h, &evq);
	/* continuous mode keeps the freshest pairs */
	if (a->mem.used >= link->params.mem_slots) {
		qlink_expire(link, 0, 0, t_h, QNET_EXPIRE_REPLACED, true, &evq);
		if (link->unclaimed_run < U32_MAX)
			link->unclaimed_run++;
	}

	refcount_set(&pair->refcnt, 1);
	INIT_LIST_HEAD(&pair->inflight);
	pair->gone = false;
	pair->id = ++link->last_id;
	pair->time_ns = t_h;
	/* memories decohere from when they hold a qubit, not the herald */
	pair->start_ns[0] = qlink_add_sat(t_e, m->store_ns[0]);
	pair->start_ns[1] = qlink_add_sat(t_e, m->store_ns[1]);
	pair->t1_ns = link->params.t1_ns;
	pair->t2_ns = link->params.t2_ns;
	qstate_link_sample_state(m, &link->rng, &pair->state);
	pair->fidelity_ppm = qprob_to_ppm(qstate_fidelity(&pair->state));

	qlink_mem_store(&a->mem, pair);
	qlink_cnt_add(a, QLINK_CNT_HERALDED, 1);
	trace_qnet_herald(a->dev, 0, pair->id, t_h, pair->state.bell,
			  pair->fidelity_ppm, n);
	qlink_cnt_add(a, QLINK_CNT_FIDELITY_SUM_PPM, pair->fidelity_ppm);
	if (link->demand)
		link->demand--;

	qlink_inflight_add(link, pair, qlink_add_sat(t_e, link->delay_ns));
	qlink_ev_add(link, &evq, 0, QNET_CMD_PAIR_HERALDED, pair, t_h,
		     pair->fidelity_ppm, 0, QNET_MSG_HERALD, t_e);
	qlink_gen_kick(link);
	spin_unlock(&link->lock);

	qlink_ev_flush(&evq);
}

/* ---- the link object ---- */

static atomic64_t qlink_next_id = ATOMIC64_INIT(0);

struct qlink *qlink_link_alloc(void)
{
	struct qstate_link_params lp;
	unsigned int i, cpu;
	struct qlink *link;

	link = kzalloc(sizeof(*link), GFP_KERNEL_ACCOUNT);
	if (!link)
		return NULL;

	refcount_set(&link->refcnt, 1);
	link->id = atomic64_inc_return(&qlink_next_id);
	spin_lock_init(&link->lock);
	qlink_params_default(&link->params);
	link->params.seed = get_random_u64();
	qmath_rng_seed(&link->rng, link->params.seed);
	qlink_model_params(&link->params, &lp);
	link->end[0].cnt = alloc_percpu_gfp(struct qlink_pcpu_counters,
					    GFP_KERNEL_ACCOUNT);
	link->end[1].cnt = alloc_percpu_gfp(struct qlink_pcpu_counters,
					    GFP_KERNEL_ACCOUNT);
	if (!link->end[0].cnt || !link->end[1].cnt ||
	    WARN_ON(!qstate_link_compute(&lp, &link->model)) ||
	    qnet_dmember_init(&link->dm)) {
		free_percpu(link->end[0].cnt);
		free_percpu(link->end[1].cnt);
		kfree(link);
		return NULL;
	}
	/* newlink: the caller (RTNL, process context) makes the link */
	link->memcg = get_mem_cgroup_from_mm(current->mm);
	for (i = 0; i < 2; i++)
		for_each_possible_cpu(cpu)
			u64_stats_init(&per_cpu_ptr(link->end[i].cnt, cpu)->syncp);
	link->delay_ns = link->model.delay_ns;
	INIT_LIST_HEAD(&link->inflight);
	qnet_event_init(&link->gen_ev, qlink_gen_run, NULL, link);
	return link;
}

static void qlink_link_free(struct qlink *link)
{
	unsigned int i, j;

	/* both ends detached: no event of the link is queued or runs */
	for (i = 0; i < 2; i++) {
		struct qlink_mem *m = &link->end[i].mem;

		for (j = 0; j < m->used; j++)
			qlink_pair_put(m->pair[j]);
		kfree(rcu_dereference_protected(link->end[i].consumer, 1));
		free_percpu(link->end[i].cnt);
	}
	qlink_inflight_clear(link);
	qnet_dmember_release(&link->dm);
	mem_cgroup_put(link->memcg);
	kfree(link);
}

void qlink_link_put(struct qlink *link)
{
	if (link && refcount_dec_and_test(&link->refcnt))
		qlink_link_free(link);
}

void qlink_link_attach(struct qlink *link, unsigned int end,
		       struct net_device *dev)
{
	spin_lock_bh(&link->lock);
	link->end[end].dev = dev;
	spin_unlock_bh(&link->lock);
}

/*
 * @dev, an end of @link, was registered in a netns (created or moved
 * there; RTNL): the node and the link now share a clock.
 */
void qlink_link_moved(struct qlink *link, struct net_device *dev)
{
	qnet_dmember_join(&link->dm, qnet_net_dmember(dev_net(dev)));
}

/*
 * @end's device is being unregistered (ndo_uninit, RTNL). The other end
 * goes in the same batch (dellink), so the link is dead: stop generating
 * for good, forget the device and every event of the link.
 */
void qlink_link_detach(struct qlink *link, unsigned int end)
{
	spin_lock_bh(&link->lock);
	link->dead = true;
	link->end[end].dev = NULL;
	qlink_gen_stop(link);
	spin_unlock_bh(&link->lock);

	/* a transmit that did not see @dead has queued its frame by now */
	synchronize_net();
	qnet_domain_purge(&link->dm, link);
}

/*
 * Carrier of the pair changed (ndo_open/ndo_stop under RTNL). Down
 * discards both ends' qubits, the heralds on the wire and every frame in
 * flight, both ways.
 */
void qlink_link_set_up(struct qlink *link, bool up)
{
	const struct qlink_notify_ops *n;
	struct net_device *dev[2];
	struct qlink_evq evq;
	unsigned int i;

	ASSERT_RTNL();
	qlink_evq_init(&evq);

	spin_lock_bh(&link->lock);
	if (link->up == up || (up && link->dead)) {
		spin_unlock_bh(&link->lock);
		return;
	}
	link->up = up;
	if (up) {
		link->unclaimed_run = 0;
		qlink_gen_kick(link);
	} else {
		u64 now = qlink_now(link);

		for (i = 0; i < 2; i++)
			while (link->end[i].mem.used)
				qlink_expire(link, i, 0, now,
					     QNET_EXPIRE_LINK_DOWN, false, &evq);
		qlink_inflight_clear(link);
		/* the run in progress is abandoned; emulated time stays */
		qlink_gen_stop(link);
	}
	for (i = 0; i < 2; i++) {
		dev[i] = link->end[i].dev;
		if (dev[i])
			dev_hold(dev[i]);
	}
	spin_unlock_bh(&link->lock);

	if (!up)
		qnet_domain_purge(&link->dm, link);
	qlink_ev_flush(&evq);
	for (i = 0; i < 2; i++) {
		if (!dev[i])
			continue;
		rcu_read_lock();
		n = rcu_dereference(qlink_notify);
		if (n)
			n->link_state(dev[i], up);
		rcu_read_unlock();
		dev_put(dev[i]);
	}
}

/*
 * When a qnet frame sent on @link now, dated @sent_ns in its header,
 * reaches the other end: its date plus the fiber's delay, but never
 * before the domain's clock (a herald is dated when its signal left the
 * midpoint, before its end 0 knew). A frame without a date, or dated
 * more than QLINK_TX_AHEAD_NS after the clock, leaves now: the receiver
 * finds it dated after its arrival less the delay and drops it
 * (qlink_link_date_ok()), so no frame can move a domain's clock far.
 */
u64 qlink_link_arrival(struct qlink *link, const u64 *sent_ns)
{
	u64 now = qlink_now(link), delay = READ_ONCE(link->delay_ns);

	if (!sent_ns || (*sent_ns > now && *sent_ns - now > QLINK_TX_AHEAD_NS))
		return qlink_add_sat(now, delay);
	return max(qlink_add_sat(*sent_ns, delay), now);
}

/* Could a frame dated @sent_ns have arrived on @link by now? */
bool qlink_link_date_ok(struct qlink *link, u64 sent_ns)
{
	return qlink_add_sat(sent_ns, READ_ONCE(link->delay_ns)) <=
	       qlink_now(link);
}

/* The link's member of its domain, to schedule its frames. */
struct qnet_dmember *qlink_link_dmember(struct qlink *link)
{
	return &link->dm;
}

/*
 * A well-formed QNET_MSG_HERALD or QNET_MSG_EXPIRE arrived on @dev (wire.c
 * checked the format). Return: 0, -ENOENT for a pair this end cannot know
 * (never issued, or a herald that is not on the wire), -EINVAL if the
 * message contradicts the pair, -ENETDOWN if the link is down or going.
 */
int qlink_link_rx(struct net_device *dev, const struct qnet_hdr *hdr,
		  const struct qnet_msg_pair *msg)
{
	struct qlink_dev *qd = qlink_priv(dev);
	struct qlink *link = qd->link;
	unsigned int end = qd->end;
	struct qlink_end *e = &link->end[end];
	u64 id = be64_to_cpu(msg->pair_id);
	struct qlink_pair *pair;
	struct qlink_evq evq;
	int slot, ret = 0;
	u64 t;

	qlink_evq_init(&evq);
	spin_lock_bh(&link->lock);
	if (!e->dev || !link->up) {
		ret = -ENETDOWN;
		goto unlock;
	}
	/* the frame's arrival: the event that runs this */
	t = qlink_now(link);

	switch (hdr->type) {
	case QNET_MSG_HERALD:
		if (end != 1) {
			ret = -ENOENT;
			break;
		}
		pair = qlink_inflight_find(link, id);
		if (!pair) {
			ret = -ENOENT;
			break;
		}
		if (pair->state.bell != msg->bell_state) {
			ret = -EINVAL;
			break;
		}
		qlink_inflight_del(link, pair);

		qlink_sweep(link, end, t, &evq);
		if (!pair->gone && e->mem.used >= link->params.mem_slots)
			qlink_expire(link, end, 0, t, QNET_EXPIRE_REPLACED,
				     true, &evq);
		qlink_cnt_add(e, QLINK_CNT_HERALDED, 1);
		qlink_cnt_add(e, QLINK_CNT_FIDELITY_SUM_PPM, pair->fidelity_ppm);
		trace_qnet_herald(e->dev, end, pair->id, t, pair->state.bell,
				  pair->fidelity_ppm, 0);
		qlink_ev_add(link, &evq, end, QNET_CMD_PAIR_HERALDED, pair, t,
			     pair->fidelity_ppm, 0, 0, 0);
		if (pair->gone) {
			/* heralded, and already discarded at end 0 */
			qlink_cnt_add(e, QLINK_CNT_EXPIRED, 1);
			qlink_cnt_add(e, QLINK_CNT_DISCARDS + pair->gone_cause, 1);
			trace_qnet_expire(e->dev, end, pair->id, pair->gone_ns,
					  pair->gone_cause,
					  qlink_pair_fid(pair, pair->gone_ns),
					  false);
			qlink_ev_add(link, &evq, end, QNET_CMD_PAIR_EXPIRED,
				     pair, pair->gone_ns,
				     qlink_pair_fid(pair, pair->gone_ns),
				     pair->gone_cause, 0, 0);
			qlink_pair_put(pair);
		} else {
			/* the inflight reference becomes the memory's */
			qlink_mem_store(&e->mem, pair);
		}
		break;

	case QNET_MSG_EXPIRE:
		if (!id || id > link->last_id) {
			ret = -ENOENT;
			break;
		}
		slot = qlink_mem_find(&e->mem, id);
		if (slot >= 0) {
			qlink_expire(link, end, slot, t, msg->cause, false,
				     &evq);
		} else if (end == 1) {
			/*
			 * An expiry sent at once overtook the herald it is
			 * about: the herald will be counted and dropped at
			 * once when it arrives.
			 */
			pair = qlink_inflight_find(link, id);
			if (pair && !pair->gone) {
				pair->gone = true;
				pair->gone_cause = msg->cause;
				pair->gone_ns = t;
			}
		}
		qlink_sweep(link, end, t, &evq);
		/* a slot may have come free for on-demand generation */
		qlink_gen_kick(link);
		break;

	default:
		ret = -EINVAL;
		break;
	}
unlock:
	spin_unlock_bh(&link->lock);
	qlink_ev_flush(&evq);
	return ret;
}

/*
 * The herald of pair @id was dropped on its way (device.c could not
 * deliver it): end 1 will never store it.
 */
void qlink_link_lost(struct qlink *link, u64 id)
{
	spin_lock_bh(&link->lock);
	qlink_pair_put(qlink_inflight_take(link, id));
	spin_unlock_bh(&link->lock);
}

/* ---- qlink.h: parameters, counters ---- */

void qlink_get_params(struct net_device *dev, struct qlink_params *p)
{
	struct qlink *link = qlink_priv(dev)->link;

	spin_lock_bh(&link->lock);
	*p = link->params;
	spin_unlock_bh(&link->lock);
}

int qlink_set_params(struct net_device *dev, const struct qlink_params *p,
		     struct netlink_ext_ack *extack)
{
	struct qlink *link = qlink_priv(dev)->link;
	struct qstate_link_model m;
	struct qlink_evq evq;
	struct qlink_params old;
	unsigned int i;
	int err;

	ASSERT_RTNL();
	err = qlink_params_check(p, &m, extack);
	if (err)
		return err;
	if (p->continuous && qlink_priv(dev)->tun) {
		NL_SET_ERR_MSG(extack, "qlink: a tunnel generates no pairs yet");
		return -EOPNOTSUPP;
	}

	qlink_evq_init(&evq);
	/*
	 * No event of the domain runs while the parameters change: a herald
	 * the executor had already taken off the queue would otherwise move
	 * the clock to a run this change cancels.
	 */
	qnet_domain_enter(&link->dm);
	/* pacing is the domain's: a paced link paces what it connects */
	qnet_dmember_set_scale(&link->dm, p->time_scale);
	spin_lock_bh(&link->lock);
	old = link->params;
	link->params = *p;
	link->model = m;
	WRITE_ONCE(link->delay_ns, m.delay_ns);
	if (p->seed != old.seed)
		qmath_rng_seed(&link->rng, p->seed);
	/* the run in progress is redrawn under the new parameters */
	qlink_gen_stop(link);

	/* fewer slots: both ends drop their oldest, as configured */
	for (i = 0; i < 2; i++)
		while (link->end[i].mem.used > p->mem_slots)
			qlink_expire(link, i, 0, qlink_now(link),
				     QNET_EXPIRE_REPLACED, false, &evq);
	link->unclaimed_run = 0;
	qlink_gen_kick(link);
	spin_unlock_bh(&link->lock);

	qlink_ev_flush(&evq);
	qnet_domain_exit(&link->dm);
	return 0;
}

/* The sums of @e's per-CPU counters since the link was made. */
static void qlink_cnt_sum(struct qlink_end *e, u64 *sum)
{
	unsigned int cpu, i, start;

	memset(sum, 0, sizeof(u64) * __QLINK_CNT_MAX);
	for_each_possible_cpu(cpu) {
		const struct qlink_pcpu_counters *c = per_cpu_ptr(e->cnt, cpu);
		u64 v[__QLINK_CNT_MAX];

		do {
			start = u64_stats_fetch_begin(&c->syncp);
			for (i = 0; i < __QLINK_CNT_MAX; i++)
				v[i] = u64_stats_read(&c->c[i]);
		} while (u64_stats_fetch_retry(&c->syncp, start));
		for (i = 0; i < __QLINK_CNT_MAX; i++)
			sum[i] += v[i];
	}
}

void qlink_get_stats(struct net_device *dev, struct qlink_stats *s)
{
	struct qlink *link = qlink_priv(dev)->link;
	struct qlink_end *e = qlink_dev_end(dev);
	struct qnet_domain_stats ds;
	u64 c[__QLINK_CNT_MAX];
	unsigned int i;

	qlink_cnt_sum(e, c);
	spin_lock_bh(&link->lock);
	for (i = 0; i < __QLINK_CNT_MAX; i++)
		c[i] -= e->cnt_base[i];
	spin_unlock_bh(&link->lock);

	s->attempts = c[QLINK_CNT_ATTEMPTS];
	s->heralded = c[QLINK_CNT_HERALDED];
	s->delivered = c[QLINK_CNT_DELIVERED];
	s->expired = c[QLINK_CNT_EXPIRED];
	s->swaps_ok = c[QLINK_CNT_SWAPS_OK];
	s->swaps_failed = c[QLINK_CNT_SWAPS_FAILED];
	s->purify_ok = c[QLINK_CNT_PURIFY_OK];
	s->purify_failed = c[QLINK_CNT_PURIFY_FAILED];
	s->fidelity_sum_ppm = c[QLINK_CNT_FIDELITY_SUM_PPM];
	s->stored = READ_ONCE(e->mem.used);
	qnet_domain_get_stats(&link->dm, &ds);
	s->emu_time_ns = ds.now_ns;
	s->paced_late = ds.late;
	s->paced_lag_ns = ds.lag_ns;
	s->rx_packets = c[QLINK_CNT_RX_PACKETS];
	s->tx_packets = c[QLINK_CNT_TX_PACKETS];
	s->rx_dropped = c[QLINK_CNT_RX_DROPPED];
	s->tun_malformed = c[QLINK_CNT_TUN_MALFORMED];
	s->tun_unauth = c[QLINK_CNT_TUN_UNAUTH];
	s->tun_replay = c[QLINK_CNT_TUN_REPLAY];
	s->delivered_fid_sum_ppm = c[QLINK_CNT_DELIVERED_FID_SUM_PPM];
	for (i = 0; i < __QNET_EXPIRE_MAX; i++)
		s->discards[i] = c[QLINK_CNT_DISCARDS + i];
}

/*
 * Zero the counters: the per-CPU ones are only ever added to (by their
 * own CPU, without a lock), so a reset keeps their sums as the base that
 * reads subtract.
 */
void qlink_reset_stats(struct net_device *dev)
{
	struct qlink *link = qlink_priv(dev)->link;
	struct qlink_end *e = qlink_dev_end(dev);
	u64 c[__QLINK_CNT_MAX];

	qlink_cnt_sum(e, c);
	spin_lock_bh(&link->lock);
	memcpy(e->cnt_base, c, sizeof(c));
	spin_unlock_bh(&link->lock);
	qnet_domain_reset_stats(&link->dm);
}

u32 qlink_peer_node_addr(struct net_device *dev)
{
	struct net_device *peer;

	ASSERT_RTNL();
	peer = rtnl_dereference(qlink_priv(dev)->peer);
	if (!peer)
		return QNET_ADDR_ANY;
	return READ_ONCE(qnet_pernet(dev_net(peer))->node_addr);
}

void qlink_count_delivered(struct net_device *dev, u32 fidelity_ppm)
{
	struct qlink_end *e = qlink_dev_end(dev);

	qlink_cnt_add(e, QLINK_CNT_DELIVERED, 1);
	qlink_cnt_add(e, QLINK_CNT_DELIVERED_FID_SUM_PPM, fidelity_ppm);
}

void qlink_count_discard(struct net_device *dev, u8 cause)
{
	if (!WARN_ON_ONCE(cause >= __QNET_EXPIRE_MAX))
		qlink_cnt_add(qlink_dev_end(dev), QLINK_CNT_DISCARDS + cause, 1);
}

void qlink_count_swap(struct net_device *dev, bool ok)
{
	qlink_cnt_add(qlink_dev_end(dev),
		      ok ? QLINK_CNT_SWAPS_OK : QLINK_CNT_SWAPS_FAILED, 1);
}

void qlink_count_purify(struct net_device *dev, bool ok)
{
	qlink_cnt_add(qlink_dev_end(dev),
		      ok ? QLINK_CNT_PURIFY_OK : QLINK_CNT_PURIFY_FAILED, 1);
}

/* ---- qlink.h: on-demand interface ---- */

/**
 * qlink_set_consumer() - register the network layer's callbacks on an end
 * @dev: a qlink device
 * @c: callbacks, or NULL to unregister
 * @priv: passed back to them
 *
 * Caller must hold RTNL. On return no callback runs with the previous
 * registration any more.
 *
 * Return: 0 or -ENOMEM.
 */
int qlink_set_consumer(struct net_device *dev, const struct qlink_consumer *c,
		       void *priv)
{
	struct qlink_end *e = qlink_dev_end(dev);
	struct qlink_consumer_ref *ref = NULL, *old;

	ASSERT_RTNL();
	if (c) {
		ref = kzalloc(sizeof(*ref), GFP_KERNEL);
		if (!ref)
			return -ENOMEM;
		ref->ops = c;
		ref->priv = priv;
	}
	old = rtnl_dereference(e->consumer);
	rcu_assign_pointer(e->consumer, ref);
	if (old) {
		synchronize_net();
		kfree(old);
	}
	return 0;
}

/**
 * qlink_request() - ask a link for more pairs
 * @dev: either end of the link
 * @npairs: pairs wanted on top of those already requested
 *
 * End 0 generates them one after another while its memory has a free
 * slot; every herald reaches both ends' consumers. Continuous mode, when
 * on, generates anyway. Process or softirq context.
 *
 * Return: 0, or -ENETDOWN if the link is down.
 */
int qlink_request(struct net_device *dev, u32 npairs)
{
	struct qlink *link = qlink_priv(dev)->link;
	int err = 0;

	/* a pair split across hosts is not emulated yet (qlink.rst) */
	if (qlink_priv(dev)->tun)
		return -EOPNOTSUPP;
	spin_lock_bh(&link->lock);
	if (!link->up || link->dead) {
		err = -ENETDOWN;
	} else {
		link->demand = npairs > U32_MAX - link->demand ?
			       U32_MAX : link->demand + npairs;
		link->unclaimed_run = 0;
		qlink_gen_kick(link);
	}
	spin_unlock_bh(&link->lock);
	return err;
}

/**
 * qlink_take() - take this end's qubit of a pair out of the link's memory
 * @dev: the end
 * @id: the pair, as a herald callback named it
 *
 * The qubit leaves the link layer: it no longer counts as stored, expires
 * or gets replaced; the caller decoheres it with qlink_pair_state() and
 * drops it with qlink_pair_put(). A qubit past the cutoff at the link's
 * clock is discarded instead. Process or softirq context; the consumer's
 * callbacks are not called from here, so its locks may be held.
 *
 * Return: a reference to the pair, or NULL if this end does not hold it.
 */
struct qlink_pair *qlink_take(struct net_device *dev, u64 id)
{
	struct qlink_dev *qd = qlink_priv(dev);
	struct qlink *link = qd->link;
	struct qlink_mem *m = &link->end[qd->end].mem;
	struct qlink_pair *pair = NULL;
	struct qlink_evq evq;
	int slot;

	qlink_evq_init(&evq);
	spin_lock_bh(&link->lock);
	slot = qlink_mem_find(m, id);
	if (slot >= 0) {
		u64 cutoff = link->params.cutoff_ns, now = qlink_now(link);
		u64 age = now - min(now, m->pair[slot]->time_ns);

		if (cutoff && age > cutoff) {
			/* lazily: past the cutoff, it is gone */
			qlink_expire(link, qd->end, slot, now,
				     QNET_EXPIRE_CUTOFF, true, &evq);
		} else {
			pair = qlink_mem_remove(m, slot);
			link->unclaimed_run = 0;	/* someone takes them */
		}
		qlink_gen_kick(link);
	}
	spin_unlock_bh(&link->lock);
	__qlink_ev_flush(&evq, false);
	return pair;
}

/**
 * qlink_discard() - drop this end's qubit of a pair and tell the other end
 * @dev: the end
 * @id: the pair
 * @cause: enum qnet_expire_cause, e.g. QNET_EXPIRE_FIDELITY
 *
 * Counted as expired; the other end gets QNET_MSG_EXPIRE. Process or
 * softirq context; no consumer callback for it.
 *
 * Return: 0, or -ENOENT if this end does not hold the pair.
 */
int qlink_discard(struct net_device *dev, u64 id, u8 cause)
{
	struct qlink_dev *qd = qlink_priv(dev);
	struct qlink *link = qd->link;
	struct qlink_evq evq;
	int slot;

	qlink_evq_init(&evq);
	spin_lock_bh(&link->lock);
	slot = qlink_mem_find(&link->end[qd->end].mem, id);
	if (slot >= 0) {
		qlink_expire(link, qd->end, slot, qlink_now(link), cause,
			     true, &evq);
		qlink_gen_kick(link);
	}
	spin_unlock_bh(&link->lock);
	__qlink_ev_flush(&evq, false);
	return slot >= 0 ? 0 : -ENOENT;
}
