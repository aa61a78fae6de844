// SPDX-License-Identifier: GPL-2.0
/*
 * Purification of link pairs, run by a link's binding end for the
 * circuits it binds (Documentation/network.rst, "Purification"). When a
 * request becomes active, each binding end plans how many recurrence
 * rounds its link needs; then every fresh link pair waits for a partner
 * of its round, two are purified into one of the next round, and the
 * pair that has all its rounds is published with BIND like an unpurified
 * one. PURIFY tells the other end of the link which of its link pairs a
 * round used up. The binding end hears a round's outcome a round trip
 * after it: an event then (the circuit's ready event) lets the survivor
 * go on; nothing acts ahead of the engine's clock.
 *
 * Apart from circuit.c because an attempt only meets its result: it gets
 * its link pairs through __qnet_circuit_publish() either way (with no
 * rounds planned a pair goes straight through), and uses a purified one
 * from its ready event on (__qnet_circuit_progress() waits for it).
 * Above circuit.c: circuit.c reaches this file only through the ops
 * table (struct qnet_purify_ops) set here at init; calls go down.
 * Locking: circuit_net.h.
 */
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>

#include "circuit.h"
#include "circuit_net.h"
#include "circuit_types.h"
#include "qlink_net.h"
#include "qnet_trace.h"
#include "qmath.h"
#include "qstate.h"

/* The purification protocol the active request asked for. */
static u8 qnet_circuit_purify_proto(const struct qnet_circuit *c)
{
	return c->req.flags & QNET_REQ_F_BBPSSW ? QSTATE_PURIFY_BBPSSW :
						  QSTATE_PURIFY_DEJMPS;
}

static void qnet_circuit_send_purify(struct qnet_circuit *c,
				     struct sk_buff_head *acts,
				     unsigned int side, u64 t, u64 kept_id,
				     u64 measured_id, u8 round, bool ok,
				     u8 cause)
{
	struct qnet_msg_purify *m;

	m = qnet_circuit_msg(c, acts, side, QNET_MSG_PURIFY, sizeof(*m), t);
	if (!m)
		return;
	m->kept_id = cpu_to_be64(kept_id);
	m->measured_id = cpu_to_be64(measured_id);
	m->ok = ok;
	m->round = round;
	m->proto = qnet_circuit_purify_proto(c);
	m->cause = cause;
}

/*
 * The gate and readout errors of a round on the link of @dev: this node's
 * and the far node's. The round's physics is computed here for both ends,
 * as the pair's state is; the far node's hardware is part of it, like the
 * far memory's T1/T2, and is read through the link (with no peer, both
 * ends are taken as alike).
 */
static void qnet_purify_noise(struct qnet_circuit_net *cn,
			      struct net_device *dev,
			      struct qstate_purify_params *prm)
{
	struct qnet_node_params far;
	struct net *peer;

	prm->gate_depol = qprob_from_ppm(READ_ONCE(cn->params.gate_err_ppm));
	prm->readout_err =
		qprob_from_ppm(READ_ONCE(cn->params.readout_err_ppm));
	prm->gate_depol_b = QSTATE_PURIFY_SAME;
	prm->readout_err_b = QSTATE_PURIFY_SAME;
	rcu_read_lock();
	peer = dev ? qlink_peer_net_rcu(dev) : NULL;
	if (peer) {
		qnet_node_get_params(peer, &far);
		prm->gate_depol_b = qprob_from_ppm(far.gate_err_ppm);
		prm->readout_err_b = qprob_from_ppm(far.readout_err_ppm);
	}
	rcu_read_unlock();
}

/*
 * One purification round on two pairs of the link on @side, neither yet
 * announced, both held here with their far halves: keep @a, measure @b,
 * at @t. The pairs belong to this node alone until published, so @a's
 * pair is updated in place. Caller holds cn->lock.
 */
static bool qnet_purify_pairs(struct qnet_circuit_net *cn,
			      struct qnet_circuit *c, struct qnet_qubit *a,
			      struct qnet_qubit *b, u64 t)
{
	struct qstate_purify_params prm = {
		.proto = qnet_circuit_purify_proto(c),
	};
	struct qnet_ent *ea, *eb;
	struct qstate sa, sb, out;
	struct qmath_rng rng;
	bool ok;

	lockdep_assert_held(&cn->lock);

	qnet_purify_noise(cn, a->dev, &prm);
	/* @b is used up by this round: its link and pair name the draw */
	qnet_circuit_rng(cn, c, QNET_DRAW_PURIFY,
			 (u64)(b->dev == c->dev[QNET_DOWN]) << 63 | b->link_id,
			 &rng);
	spin_lock_bh(&qnet_ent_lock);
	ea = a->ent;
	eb = b->ent;
	__qnet_ent_state(ea, a, t, t, &sa);
	__qnet_ent_state(eb, b, t, t, &sb);
	ok = qstate_purify_sample(&out, &sa, &sb, &prm, &rng);
	if (ok) {
		ea->state = out;
		ea->t0[0] = t;
		ea->t0[1] = t;
		ea->create_ns = min(ea->create_ns, eb->create_ns);
		ea->purifications += eb->purifications + 1;
	}
	spin_unlock_bh(&qnet_ent_lock);
	return ok;
}

/* ---- the round's outcome, an event at the binding end ---- */

/*
 * Have @c's ready event run at @at, or earlier if it is armed for
 * later. Armed, the event holds a reference on @c. Caller holds cn->lock.
 */
static void __qnet_circuit_arm(struct qnet_circuit_net *cn,
			       struct qnet_circuit *c, u64 at)
{
	lockdep_assert_held(&cn->lock);

	if (c->ready_armed) {
		if (c->ready_ev.time_ns <= at)
			return;
		/*
		 * Not queued: it is about to run, and re-arms itself from
		 * what is still ripening when it does.
		 */
		if (!qnet_event_cancel(cn->dm, &c->ready_ev))
			return;
	} else {
		qnet_circuit_get(c);
		c->ready_armed = true;
	}
	qnet_event_schedule(cn->dm, &c->ready_ev, at);
}

/*
 * The earliest time after @now something of @c becomes usable here: a
 * survivor that may enter its next round, or a purified qubit in a slot.
 * 0 if none. Caller holds cn->lock.
 */
static u64 qnet_circuit_next_ready(const struct qnet_circuit *c, u64 now)
{
	const struct qnet_qubit *q;
	unsigned int side;
	u64 next = 0;

	list_for_each_entry(q, &c->ripening, node)
		if (!next || q->ready_ns < next)
			next = q->ready_ns;
	for (side = QNET_UP; side <= QNET_DOWN; side++) {
		q = c->slot[side];
		if (q && q->ready_ns > now && (!next || q->ready_ns < next))
			next = q->ready_ns;
	}
	return next;
}

static void __qnet_purify_from(struct qnet_circuit_net *cn,
			       struct qnet_circuit *c,
			       struct sk_buff_head *acts, unsigned int side,
			       struct qnet_qubit *q, unsigned int round, u64 t);

/*
 * The outcome of a round reaches the binding end, a round trip after the
 * round: its survivor goes on to its next round, or the purified qubit
 * in a slot becomes usable (a swap, a delivery).
 */
static void qnet_circuit_ready_run(struct qnet_event *ev)
{
	struct qnet_circuit *c = container_of(ev, struct qnet_circuit,
					      ready_ev);
	struct qnet_circuit_net *cn = qnet_cn(c->net);
	struct qnet_qubit *q, *tmp;
	struct sk_buff_head acts;
	u64 now = ev->time_ns, next;

	__skb_queue_head_init(&acts);
	spin_lock_bh(&cn->lock);
	c->ready_armed = false;
	if (c->state != QNET_C_CLOSED) {
		now = qnet_circuit_clock(c, now);
		/* what ripens now goes on; new survivors ripen later */
		list_for_each_entry_safe(q, tmp, &c->ripening, node) {
			if (q->ready_ns > now)
				continue;
			list_del_init(&q->node);
			__qnet_purify_from(cn, c, &acts, q->side, q, q->round,
					   now);
			/* closed meanwhile: the list (and tmp) is gone */
			if (c->state == QNET_C_CLOSED)
				break;
		}
		if (c->state != QNET_C_CLOSED &&
		    (c->slot[QNET_UP] || c->slot[QNET_DOWN]))
			__qnet_circuit_progress(cn, c, &acts, now);
		next = c->state == QNET_C_CLOSED ? 0 :
		       qnet_circuit_next_ready(c, now);
		if (next)
			__qnet_circuit_arm(cn, c, next);
	}
	spin_unlock_bh(&cn->lock);
	qnet_acts_run(&acts);
	qnet_circuit_put(c);	/* the armed event's */
}

/* Purged with the node (qnet_circuit_ready_stop()): give back its ref. */
static void qnet_circuit_ready_drop(struct qnet_event *ev)
{
	struct qnet_circuit *c = container_of(ev, struct qnet_circuit,
					      ready_ev);

	c->ready_armed = false;
	qnet_circuit_put(c);
}

static void qnet_circuit_ready_init(struct qnet_circuit_net *cn,
				    struct qnet_circuit *c)
{
	INIT_LIST_HEAD(&c->ripening);
	qnet_event_init(&c->ready_ev, qnet_circuit_ready_run,
			qnet_circuit_ready_drop, cn);
}

/*
 * @c is closing: free its survivors still ripening, counted for @cause,
 * and take its event off the queue. An event that already left the
 * queue finds @c closed and only drops its reference. Caller holds
 * cn->lock.
 */
static void __qnet_circuit_ready_stop(struct qnet_circuit_net *cn,
				      struct qnet_circuit *c, u8 cause)
{
	struct qnet_qubit *q, *tmp;

	lockdep_assert_held(&cn->lock);

	list_for_each_entry_safe(q, tmp, &c->ripening, node) {
		list_del_init(&q->node);
		if (cause != QNET_CAUSE_NONE)
			qnet_count_discard(cn, q->dev, cause);
		qnet_qubit_free(q);
	}
	if (c->ready_armed && qnet_event_cancel(cn->dm, &c->ready_ev)) {
		c->ready_armed = false;
		qnet_circuit_put(c);	/* not the last: the caller has one */
	}
}

/*
 * The node is going away: wait for a ready event that runs now and drop
 * any still queued (its circuits are closed, so none should be).
 * Process context, outside any event.
 */
static void qnet_circuit_ready_purge(struct qnet_circuit_net *cn)
{
	qnet_domain_purge(cn->dm, cn);
}

/*
 * Pair @q (with its far half in q->far) on @side, having survived
 * @round rounds and usable here from now (@t, the event's time), enters
 * its next round: it waits for a partner of the same round, or is
 * purified with the one waiting. A survivor is usable only once this
 * node has heard the round's outcome, a round trip later: it enters its
 * next round then, from its ready event; or, after its last round, it
 * is announced at once (the far end knows the outcome when the round's
 * PURIFY reaches it, with the BIND) and attached to the attempt, usable
 * here from its ready event on. Caller holds cn->lock.
 */
static void __qnet_purify_from(struct qnet_circuit_net *cn,
			       struct qnet_circuit *c,
			       struct sk_buff_head *acts, unsigned int side,
			       struct qnet_qubit *q, unsigned int round, u64 t)
{
	u64 rtt = 2 * qlink_delay_ns(c->dev[side]);
	struct qnet_qubit *held;
	bool ok;

	lockdep_assert_held(&cn->lock);

	while (round < c->purify_rounds[side]) {
		held = c->purify[side][round];
		c->purify[side][round] = q;
		if (!held)
			return;
		c->purify[side][round] = NULL;
		if (held->cutoff_ns && t - held->herald_ns > held->cutoff_ns) {
			/* waited too long for a partner: q takes its place */
			qnet_circuit_send_purify(c, acts, side, t,
						 held->link_id, 0, 0, false,
						 QNET_EXPIRE_CUTOFF);
			qnet_count_discard(cn, held->dev, QNET_EXPIRE_CUTOFF);
			qnet_qubit_free(held);
			c->purify[side][round] = q;
			return;
		}
		ok = qnet_purify_pairs(cn, c, held, q, t);
		trace_qnet_purify(c, c->dev[side], t, round + 1, ok,
				  held->link_id, q->link_id, &held->ent->state);
		qnet_circuit_send_purify(c, acts, side, t, held->link_id,
					 q->link_id, round + 1, ok, 0);
		qlink_count_purify(c->dev[side], ok);
		qnet_qubit_free(q);
		if (!ok) {
			cn->stats.purify_failed++;
			qnet_count_discard(cn, c->dev[side],
					   QNET_EXPIRE_PURIFY_FAILED);
			qnet_count_discard(cn, c->dev[side],
					   QNET_EXPIRE_PURIFY_FAILED);
			qnet_qubit_free(held);
			return;
		}
		cn->stats.purify_ok++;
		q = held;
		q->ready_ns = t + rtt;
		round++;
		if (round < c->purify_rounds[side]) {
			q->round = round;
			q->side = side;
			list_add_tail(&q->node, &c->ripening);
			__qnet_circuit_arm(cn, c, q->ready_ns);
			return;
		}
	}
	if (q->ready_ns > t)
		__qnet_circuit_arm(cn, c, q->ready_ns);
	__qnet_circuit_publish(cn, c, acts, side, q, q->far, t);
}

/*
 * A fresh pair @q (with its far half in q->far) on @side, heralded now
 * (@t), enters purification; it is published when it has the rounds the
 * request needs (at once if none). Each round costs a round trip on the
 * link: the two ends exchange their parity outcomes. Caller holds
 * cn->lock.
 */
static void __qnet_circuit_purify(struct qnet_circuit_net *cn,
				  struct qnet_circuit *c,
				  struct sk_buff_head *acts, unsigned int side,
				  struct qnet_qubit *q, u64 t)
{
	q->ready_ns = t;
	__qnet_purify_from(cn, c, acts, side, q, 0, t);
}

/*
 * The fidelity each of @hops links must give for the end-to-end pair to
 * reach @fid_ppm, were links Werner pairs and swaps perfect: Werner
 * parameters w = (4F - 1) / 3 multiply under swapping, so each link
 * needs w^(1/hops). Decoherence and imperfect links make the real need
 * higher; the head's verdict is what decides delivery.
 */
static u32 qnet_link_target_ppm(u32 fid_ppm, unsigned int hops)
{
	u64 w_ppm, wl_ppm;
	qfix ln_w;

	if (fid_ppm <= 250000 || hops <= 1)
		return fid_ppm;
	w_ppm = div_u64(4ULL * fid_ppm - 1000000, 3);
	ln_w = qmath_ln_prob(qprob_from_ppm(w_ppm));
	wl_ppm = qprob_to_ppm(qmath_exp_prob(div_s64(ln_w, hops)));
	return div_u64(3 * wl_ppm + 1000000, 4);
}

/*
 * Rounds of purification the active request needs on the link this node
 * binds on @side: as few as bring the link's heralded state to the
 * per-link target, no more than its memories can hold (a round more
 * needs a qubit more at each end) and none that stop helping.
 */
static u8 qnet_purify_plan(const struct qnet_circuit *c, unsigned int side)
{
	struct qstate_purify_params prm = {
		.proto = qnet_circuit_purify_proto(c),
	};
	struct net_device *dev = c->dev[side];
	struct qstate s, next;
	u32 target, slots;
	u8 n = 0;

	if (!dev || !c->req.min_fid_ppm)
		return 0;
	target = qnet_link_target_ppm(c->req.min_fid_ppm, max_t(u16, c->hops, 1));
	slots = qlink_mem_slots(dev);
	qlink_model_state(dev, &s);
	while (n < QNET_PURIFY_MAX_ROUNDS && n + 1U < slots &&
	       qprob_to_ppm(qstate_fidelity(&s)) < target) {
		qstate_purify(&next, &s, &s, &prm);
		if (qstate_fidelity(&next) <= qstate_fidelity(&s))
			break;
		s = next;
		n++;
	}
	return n;
}

/* A request became active here: plan the links this node binds. */
static void qnet_circuit_plan(struct qnet_circuit *c)
{
	unsigned int side;

	for (side = QNET_UP; side <= QNET_DOWN; side++)
		c->purify_rounds[side] = qnet_circuit_binds(c, side) ?
					 qnet_purify_plan(c, side) : 0;
}

static const struct qnet_purify_ops qnet_purify_ops = {
	.purify		= __qnet_circuit_purify,
	.plan		= qnet_circuit_plan,
	.ready_init	= qnet_circuit_ready_init,
	.ready_stop	= __qnet_circuit_ready_stop,
	.ready_purge	= qnet_circuit_ready_purge,
};

/* Called by the network layer's init (circuit_ctl.c) before any circuit. */
void qnet_circuit_purify_init(void)
{
	qnet_circuit_set_purify_ops(&qnet_purify_ops);
}

/* ---- at the other end of the link ---- */

/*
 * The binding end of the link on @side used link pairs in a purification
 * round: take them out of this end's memory as the message names them.
 */
int qnet_circuit_rx_purify(struct qnet_circuit_net *cn,
			   struct qnet_circuit *c, unsigned int side,
			   struct net_device *dev,
			   const struct qnet_msg_purify *m)
{
	if (qnet_circuit_binds(c, side))
		return -EINVAL;		/* we bind this link, not the sender */
	if (!m->round) {
		if (m->cause >= __QNET_EXPIRE_MAX)
			return qnet_rx_drop(cn, QNET_DROP_BAD_CAUSE);
		qnet_link_take(cn, dev, be64_to_cpu(m->kept_id));
		qnet_count_discard(cn, dev, m->cause);
		return 0;
	}
	qnet_link_take(cn, dev, be64_to_cpu(m->measured_id));
	qlink_count_purify(dev, m->ok);
	if (m->ok) {
		cn->stats.purify_ok++;
		return 0;
	}
	qnet_link_take(cn, dev, be64_to_cpu(m->kept_id));
	cn->stats.purify_failed++;
	qnet_count_discard(cn, dev, QNET_EXPIRE_PURIFY_FAILED);
	qnet_count_discard(cn, dev, QNET_EXPIRE_PURIFY_FAILED);
	return 0;
}
