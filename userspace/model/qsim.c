// SPDX-License-Identifier: GPL-2.0
/*
 * qsim.c - what the emulator delivers for one request over a chain.
 *
 * The Monte Carlo replays the kernel's protocol in emulated time, event
 * by event, as kernel/engine.c runs it: every happening is an event at a
 * time computed from the model, run in (time, sequence) order. What it
 * replays, and where the kernel does it:
 *
 * - links (kernel/link.c qlink_gen_kick, qlink_gen_run): a link attempts
 *   only while its binding end wants a pair; a run of attempts starts at
 *   the later of the end of the previous run and the time it is asked,
 *   draws N attempts (qstate_link_sample_attempts) and heralds at end 0
 *   at run + (N - 1) period + herald delay; the next run may start at
 *   the end of this one's last attempt. End 0 takes the pair out of the
 *   link's memory at once (binding), so the memory never blocks;
 * - binding and purification (kernel/circuit.c __qnet_circuit_bind,
 *   circuit_purify.c __qnet_purify_from, qnet_circuit_ready_run): node k
 *   binds link k; its planned recurrence rounds run there; a survivor is
 *   usable a round trip later, when a READY event brings the outcome
 *   (it then enters its next round, or its slot becomes usable); the
 *   pair is announced with BIND after its last round, which reaches node
 *   k + 1 a link delay later;
 * - swap-asap (__qnet_circuit_swap): a repeater holding a qubit on both
 *   sides checks both (cutoff, minimum fidelity), swaps with
 *   qstate_swap_sample(); a failure or an unfit qubit sends DISCARD both
 *   ways and restarts the attempt. The outcomes go up in one TRACK
 *   (__qnet_circuit_track_up): the repeater next to the tail sends it
 *   when it has swapped, each other one when it has swapped and has the
 *   TRACK from below;
 * - delivery (__qnet_circuit_head_check, _tail_check): the head, once it
 *   holds its qubit and has the TRACK, judges the pair at its time
 *   plus the path's delay, delivers (or rejects) and sends DELIVER down;
 *   repeaters start the next attempt when DELIVER passes them; the tail
 *   delivers at the verdict's arrival. Each end measures at its delivery,
 *   so its qubit decoheres until then and no longer;
 * - messages (kernel/circuit_ctl.c): every frame takes its link's delay,
 *   is forwarded hop by hop, and is handled by the attempt (epoch) rules:
 *   stale ones are passed on, later ones wait for the node to catch up.
 *
 * The physics is the kernel's own: qstate_decohere(), qstate_swap_sample(),
 * qstate_purify_sample(), qstate_link_sample_*() from kernel/q*.c. The
 * draws are the model's (other seeds, other order), so the model agrees
 * with the emulator in distribution, not draw by draw.
 *
 * Exact closed forms replace the simulation for one link without
 * purification: every pair is delivered at its herald (fidelity the
 * heralded one at the head, one qubit decohered for the link's delay at
 * the tail), and the time to n pairs is (A - 1) period + herald delay
 * with A the total attempts, E[A] = n / p.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qsim.h"

#define QSIM_UP		0
#define QSIM_DOWN	1

/* A run that delivers nothing for this many events is hopeless. */
#define QSIM_STALL_EVENTS	2000000ULL

void qsim_link_default(struct qsim_link *l)
{
#define QSIM_LINK_DEFAULT(_f, _a, _t, _min, _max, _def, _kw, _js, _u)	\
	._f = (_def),
	*l = (struct qsim_link) { QLINK_PARAMS(QSIM_LINK_DEFAULT) };
#undef QSIM_LINK_DEFAULT
}

void qsim_link_model_params(const struct qsim_link *l,
			    struct qstate_link_params *lp)
{
	qstate_link_params_init(lp);
	lp->scheme = l->scheme;
	lp->length_m = l->length_m;
	lp->atten_mdb_km = l->atten_mdb_km;
	lp->index_milli = l->index_milli;
	lp->attempt_rate_hz = l->attempt_rate_hz;
	lp->alpha = qprob_from_ppm(l->alpha_ppm);
	lp->det_eff = qprob_from_ppm(l->det_eff_ppm);
	lp->dark_rate_hz = l->dark_rate_hz;
	lp->visibility = qprob_from_ppm(l->visibility_ppm);
	lp->source_fid = qprob_from_ppm(l->source_fid_ppm);
}

/*
 * The time from which the qubit at @end of a heralded pair decoheres: THE
 * one place the model decides it, as kernel/link.c qlink_pair_start()
 * does: each memory holds its qubit from the emission t_e, a direct
 * link's receiver from the photon's arrival (store_ns). The pair's
 * record and its cutoff age count from the herald instead.
 */
static u64 qsim_pair_start(const struct qstate_link_model *m, u64 t_e,
			   unsigned int end)
{
	return t_e + m->store_ns[end];
}

/* ---- objects, as kernel/circuit_types.h ---- */

struct qsim_qubit;

struct qsim_ent {
	struct qstate state;
	u64 t0[2];		/* when each holder's qubit began to decay */
	u64 id;
	u64 create_ns;
	struct qsim_qubit *holder[2];
	unsigned int refs;
	bool measured;
	u64 m_time, m_t1, m_t2;
};

struct qsim_qubit {
	struct qsim_ent *e;
	struct qsim_qubit *far;	/* the far half, while only here */
	u64 herald_ns, ready_ns;
	u64 t1_ns, t2_ns, cutoff_ns;
};

enum qsim_ev_kind { QSIM_EV_HERALD, QSIM_EV_MSG, QSIM_EV_READY };
enum qsim_msg {
	QSIM_REQUEST, QSIM_BIND, QSIM_TRACK, QSIM_DISCARD, QSIM_DELIVER
};

struct qsim_ev {
	u64 t, seq;
	u8 kind, type;
	u8 side;		/* the side of @node it arrives on */
	unsigned int node;	/* or the link, for a herald */
	u32 epoch;
	int err;
	u64 ent_id;
	struct qsim_qubit *q;	/* BIND: the far half; READY: the survivor */
	u8 round;		/* READY: rounds @q survived */
};

struct qsim_lnk {
	struct qstate_link_model m;
	struct qmath_rng rng;
	const struct qsim_link *p;
	u64 run_ns, run_attempts;
	bool scheduled;
	u32 demand;
};

struct qsim_node {
	u8 role;		/* 0 head, 1 repeater, 2 tail */
	u32 epoch;
	struct qsim_qubit *slot[2];
	bool used[2], wanting[2];
	bool swapped, tracked;	/* this attempt's swap, TRACK from below */
	bool verdict;
	u64 verdict_ns, verdict_ent;
	u64 clock;
	struct qsim_qubit *purify[QSIM_MAX_ROUNDS];
	bool active;
	u32 delivered;
	struct qmath_rng rng;
	struct qsim_ev *deferred;
	unsigned int ndeferred, cap_deferred;
};

enum { QSIM_HEAD, QSIM_MID, QSIM_TAIL };

struct qsim {
	const struct qsim_request *req;
	unsigned int nlinks;
	struct qsim_lnk lnk[QSIM_MAX_LINKS];
	struct qsim_node node[QSIM_MAX_LINKS + 1];
	u8 rounds[QSIM_MAX_LINKS];
	u64 path_delay;
	struct qsim_ev *heap;
	unsigned int nheap, cap_heap;
	u64 seq, now, events, next_ent_id;
	bool oom;

	/* this run */
	u32 head_done, tail_done;
	u64 t_last;
	u64 stall_mark;

	/* over all runs */
	/* Welford: means and sums of squared deviations */
	double fmean, fm2, tfmean, tfm2, tmean, tm2, lat_sum;
	u64 nfid, ntail, runs;
	u64 rejected, discarded, purify_ok, purify_failed;
};

/* ---- the event queue: a binary heap on (time, sequence) ---- */

static bool qsim_ev_before(const struct qsim_ev *a, const struct qsim_ev *b)
{
	return a->t != b->t ? a->t < b->t : a->seq < b->seq;
}

static void qsim_schedule(struct qsim *s, struct qsim_ev ev)
{
	unsigned int i;

	if (s->nheap == s->cap_heap) {
		unsigned int cap = s->cap_heap ? 2 * s->cap_heap : 64;
		struct qsim_ev *h = realloc(s->heap, cap * sizeof(*h));

		if (!h) {
			s->oom = true;
			return;
		}
		s->heap = h;
		s->cap_heap = cap;
	}
	ev.seq = s->seq++;
	i = s->nheap++;
	while (i && qsim_ev_before(&ev, &s->heap[(i - 1) / 2])) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = ev;
}

static struct qsim_ev qsim_pop(struct qsim *s)
{
	struct qsim_ev top = s->heap[0], last = s->heap[--s->nheap];
	unsigned int i = 0, c;

	while ((c = 2 * i + 1) < s->nheap) {
		if (c + 1 < s->nheap &&
		    qsim_ev_before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!qsim_ev_before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->nheap)
		s->heap[i] = last;
	return top;
}

/* ---- pairs and qubits (kernel/circuit.c) ---- */

static void qsim_qubit_free(struct qsim_qubit *q)
{
	struct qsim_ent *e;

	if (!q)
		return;
	qsim_qubit_free(q->far);
	e = q->e;
	if (e) {
		if (e->holder[0] == q)
			e->holder[0] = NULL;
		if (e->holder[1] == q)
			e->holder[1] = NULL;
		if (!--e->refs)
			free(e);
	}
	free(q);
}

static struct qsim_qubit *qsim_other(const struct qsim_ent *e,
				     const struct qsim_qubit *q)
{
	return e->holder[0] == q ? e->holder[1] : e->holder[0];
}

/* __qnet_ent_state(): @q decohered up to @tq, the other qubit to @to */
static void qsim_ent_state(const struct qsim_ent *e,
			   const struct qsim_qubit *q, u64 tq, u64 to,
			   struct qstate *out)
{
	const struct qsim_qubit *o = qsim_other(e, q);
	unsigned int i = e->holder[1] == q, j = !i;

	*out = e->state;
	if (tq > e->t0[i])
		qstate_decohere(out, tq - e->t0[i], q->t1_ns, q->t2_ns);
	if (o) {
		if (to > e->t0[j])
			qstate_decohere(out, to - e->t0[j], o->t1_ns, o->t2_ns);
	} else if (e->measured && e->m_time > e->t0[j]) {
		qstate_decohere(out, e->m_time - e->t0[j], e->m_t1, e->m_t2);
	}
}

/* Add @x, the @n-th sample, to a running mean and squared deviations. */
static void qsim_welford(double *mean, double *m2, u64 n, double x)
{
	double d = x - *mean;

	*mean += d / n;
	*m2 += d * (x - *mean);
}

static u32 qsim_fid_ppm(const struct qstate *s)
{
	return qprob_to_ppm(qstate_fidelity(s));
}

/* ---- messages ---- */

/* A message from node @k on @side at @t; the link's delay to arrive. */
static void qsim_send(struct qsim *s, unsigned int k, unsigned int side,
		      u8 type, u64 t, u32 epoch, int err, u64 ent_id,
		      struct qsim_qubit *q)
{
	unsigned int link;

	if ((side == QSIM_UP && k == 0) ||
	    (side == QSIM_DOWN && k == s->nlinks)) {
		qsim_qubit_free(q);	/* the side has no link */
		return;
	}
	link = side == QSIM_UP ? k - 1 : k;
	qsim_schedule(s, (struct qsim_ev) {
		.t = t + s->lnk[link].m.delay_ns,
		.kind = QSIM_EV_MSG,
		.type = type,
		.side = side == QSIM_UP ? QSIM_DOWN : QSIM_UP,
		.node = side == QSIM_UP ? k - 1 : k + 1,
		.epoch = epoch,
		.err = err,
		.ent_id = ent_id,
		.q = q,
	});
}

/* ---- links (kernel/link.c, link_net.c) ---- */

static void qsim_link_kick(struct qsim *s, unsigned int i)
{
	struct qsim_lnk *l = &s->lnk[i];
	u64 n, t_e;

	if (l->scheduled || !l->demand)
		return;
	if (l->run_ns < s->now)
		l->run_ns = s->now;
	n = qstate_link_sample_attempts(&l->m, &l->rng);
	t_e = l->run_ns + (n - 1) * l->m.period_ns;
	l->run_attempts = n;
	l->scheduled = true;
	qsim_schedule(s, (struct qsim_ev) {
		.t = t_e + l->m.herald_ns,
		.kind = QSIM_EV_HERALD,
		.node = i,
	});
}

/* qlink_request_at(): one more pair, attempts from @not_before on */
static void qsim_link_request_at(struct qsim *s, unsigned int i,
				 u64 not_before)
{
	struct qsim_lnk *l = &s->lnk[i];

	if (!l->scheduled && l->run_ns < not_before)
		l->run_ns = not_before;
	l->demand++;
	qsim_link_kick(s, i);
}

/* ---- the circuit at each node (kernel/circuit.c) ---- */

static u64 qsim_clock(struct qsim_node *c, u64 t)
{
	if (t > c->clock)
		c->clock = t;
	return c->clock;
}

static bool qsim_busy(const struct qsim *s, const struct qsim_node *c)
{
	return c->active && c->delivered < s->req->num_pairs;
}

/* __qnet_circuit_want(): node k binds link k (its down side) */
static void qsim_want(struct qsim *s, unsigned int k, u64 now)
{
	struct qsim_node *c = &s->node[k];

	if (!qsim_busy(s, c) || k == s->nlinks ||
	    c->wanting[QSIM_DOWN] || c->used[QSIM_DOWN])
		return;
	qsim_link_request_at(s, k, now);
	c->wanting[QSIM_DOWN] = true;
}

static void qsim_new_epoch(struct qsim_node *c)
{
	unsigned int side;

	for (side = QSIM_UP; side <= QSIM_DOWN; side++) {
		qsim_qubit_free(c->slot[side]);
		c->slot[side] = NULL;
		c->used[side] = false;
	}
	c->epoch++;
	c->swapped = false;
	c->tracked = false;
	c->verdict = false;
}

static void qsim_discard(struct qsim *s, unsigned int k, u64 now)
{
	struct qsim_node *c = &s->node[k];

	s->discarded++;
	qsim_send(s, k, QSIM_UP, QSIM_DISCARD, now, c->epoch, 0, 0, NULL);
	qsim_send(s, k, QSIM_DOWN, QSIM_DISCARD, now, c->epoch, 0, 0, NULL);
	qsim_new_epoch(c);
	qsim_want(s, k, now);
}

/*
 * __qnet_circuit_hand_over() for a measuring request: the record's
 * fidelity at @t, then the qubit is measured (the first measurement of
 * the pair stops its decay) and freed. Returns the record's fidelity.
 */
static double qsim_hand_over(struct qsim_qubit *q, u64 t)
{
	struct qsim_ent *e = q->e;
	struct qstate st;

	qsim_ent_state(e, q, t, t, &st);
	if (!e->measured) {
		e->measured = true;
		e->m_time = t;
		e->m_t1 = q->t1_ns;
		e->m_t2 = q->t2_ns;
	}
	qsim_qubit_free(q);
	return qprob_to_ppm(st.c[e->state.bell]) / 1e6;
}

static void qsim_head_check(struct qsim *s, u64 now)
{
	struct qsim_node *c = &s->node[0];
	struct qsim_qubit *q = c->slot[QSIM_DOWN];
	u64 t_judge, create;
	struct qstate st;
	double f;
	int err;

	if (!c->active || !q || (s->nlinks > 1 && !c->tracked))
		return;
	/* judged at the time the tail hears the verdict */
	t_judge = now + s->path_delay;
	qsim_ent_state(q->e, q, t_judge, t_judge, &st);
	err = qsim_fid_ppm(&st) < s->req->min_fid_ppm;
	qsim_send(s, 0, QSIM_DOWN, QSIM_DELIVER, now, c->epoch, err, q->e->id,
		  NULL);
	if (err) {
		s->rejected++;
		qsim_new_epoch(c);
		qsim_want(s, 0, now);
		return;
	}
	c->slot[QSIM_DOWN] = NULL;
	create = q->e->create_ns;
	f = qsim_hand_over(q, now);
	s->nfid++;
	qsim_welford(&s->fmean, &s->fm2, s->nfid, f);
	s->lat_sum += (double)(now - create);
	s->head_done++;
	s->t_last = now;
	s->stall_mark = s->events;
	qsim_new_epoch(c);
	if (++c->delivered >= s->req->num_pairs)
		c->active = false;
	else
		qsim_want(s, 0, now);
}

static void qsim_tail_check(struct qsim *s, u64 now)
{
	struct qsim_node *c = &s->node[s->nlinks];
	struct qsim_qubit *q = c->slot[QSIM_UP];
	double f;
	u64 t;

	if (!c->verdict || !q || q->e->id != c->verdict_ent)
		return;
	t = now > c->verdict_ns ? now : c->verdict_ns;
	c->slot[QSIM_UP] = NULL;
	s->ntail++;
	s->tail_done++;
	f = qsim_hand_over(q, t);
	qsim_welford(&s->tfmean, &s->tfm2, s->ntail, f);
	qsim_new_epoch(c);
	if (c->active && ++c->delivered >= s->req->num_pairs)
		c->active = false;
}

/* qnet_qubit_unfit(): past the cutoff, or already below the minimum */
static bool qsim_unfit(const struct qsim *s, const struct qsim_qubit *q,
		       u64 t)
{
	struct qstate st;

	if (q->cutoff_ns && t - q->herald_ns > q->cutoff_ns)
		return true;
	qsim_ent_state(q->e, q, t, t, &st);
	return qsim_fid_ppm(&st) < s->req->min_fid_ppm;
}

/* __qnet_circuit_track_up() at repeater @k */
static void qsim_track_up(struct qsim *s, unsigned int k, u64 now)
{
	struct qsim_node *c = &s->node[k];

	if (!c->swapped || (k + 1 < s->nlinks && !c->tracked))
		return;
	qsim_send(s, k, QSIM_UP, QSIM_TRACK, now, c->epoch, 0, 0, NULL);
}

/* __qnet_circuit_swap() at repeater @k */
static void qsim_swap(struct qsim *s, unsigned int k, u64 now)
{
	struct qsim_node *c = &s->node[k];
	struct qsim_qubit *l = c->slot[QSIM_UP], *r = c->slot[QSIM_DOWN];
	struct qsim_qubit *lfar, *rfar;
	struct qsim_ent *le = l->e, *re = r->e, *ne;
	struct qstate ls, rs, out;
	u8 outcome;

	if (qsim_unfit(s, l, now) || qsim_unfit(s, r, now)) {
		qsim_discard(s, k, now);
		return;
	}
	lfar = qsim_other(le, l);
	rfar = qsim_other(re, r);
	qsim_ent_state(le, l, now, now, &ls);
	qsim_ent_state(re, r, now, now, &rs);
	/* the kernel's BSM: perfect (kernel/circuit.c passes NULL) */
	ne = lfar && rfar ? calloc(1, sizeof(*ne)) : NULL;
	if (!ne || !qstate_swap_sample(&out, &ls, &rs, NULL, &c->rng,
				       &outcome)) {
		free(ne);
		qsim_discard(s, k, now);
		return;
	}
	ne->state = out;
	ne->t0[0] = now;
	ne->t0[1] = now;
	ne->id = ++s->next_ent_id;
	ne->create_ns = le->create_ns < re->create_ns ? le->create_ns :
							re->create_ns;
	ne->holder[0] = lfar;
	ne->holder[1] = rfar;
	ne->refs = 2;
	lfar->e = ne;
	rfar->e = ne;
	le->refs--;
	re->refs--;
	c->swapped = true;
	qsim_track_up(s, k, now);
	c->slot[QSIM_UP] = NULL;
	c->slot[QSIM_DOWN] = NULL;
	qsim_qubit_free(l);
	qsim_qubit_free(r);
	qsim_want(s, k, now);
}

/* __qnet_circuit_progress() */
static void qsim_progress(struct qsim *s, unsigned int k, u64 now)
{
	struct qsim_node *c = &s->node[k];
	unsigned int side;

	/* a purified qubit is usable once its node heard the outcome: its
	 * READY event comes back here then */
	for (side = QSIM_UP; side <= QSIM_DOWN; side++)
		if (c->slot[side] && c->slot[side]->ready_ns > now)
			return;
	switch (c->role) {
	case QSIM_MID:
		if (c->slot[QSIM_UP] && c->slot[QSIM_DOWN])
			qsim_swap(s, k, now);
		break;
	case QSIM_HEAD:
		qsim_head_check(s, now);
		break;
	case QSIM_TAIL:
		qsim_tail_check(s, now);
		break;
	}
}

static void qsim_attach(struct qsim_node *c, unsigned int side,
			struct qsim_qubit *q)
{
	if (c->used[side]) {
		qsim_qubit_free(q);
		return;
	}
	c->used[side] = true;
	c->slot[side] = q;
}

/* __qnet_circuit_publish(): BIND to node k + 1, attach here */
static void qsim_publish(struct qsim *s, unsigned int k, struct qsim_qubit *q,
			 u64 t)
{
	struct qsim_node *c = &s->node[k];
	struct qsim_qubit *qf = q->far;

	q->far = NULL;
	qsim_send(s, k, QSIM_DOWN, QSIM_BIND, t, c->epoch, 0, q->e->id, qf);
	qsim_attach(c, QSIM_DOWN, q);
	qsim_progress(s, k, t);
}

static bool qsim_purify_pairs(struct qsim *s, struct qsim_node *c,
			      struct qsim_qubit *a, struct qsim_qubit *b,
			      u64 t)
{
	struct qstate_purify_params prm = {
		.proto = s->req->bbpssw ? QSTATE_PURIFY_BBPSSW :
					  QSTATE_PURIFY_DEJMPS,
	};
	struct qstate sa, sb, out;

	qsim_ent_state(a->e, a, t, t, &sa);
	qsim_ent_state(b->e, b, t, t, &sb);
	if (!qstate_purify_sample(&out, &sa, &sb, &prm, &c->rng))
		return false;
	a->e->state = out;
	a->e->t0[0] = t;
	a->e->t0[1] = t;
	if (b->e->create_ns < a->e->create_ns)
		a->e->create_ns = b->e->create_ns;
	return true;
}

/*
 * The round's outcome reaches node @k at @t (kernel/circuit_purify.c
 * qnet_circuit_ready_run): a survivor of @round rounds (@q) goes on to
 * its next round, or (@q NULL) a purified qubit in a slot is usable.
 */
static void qsim_ready(struct qsim *s, unsigned int k, u64 t,
		       struct qsim_qubit *q, u8 round)
{
	qsim_schedule(s, (struct qsim_ev) {
		.t = t, .kind = QSIM_EV_READY, .node = k, .q = q,
		.round = round,
	});
}

/*
 * __qnet_purify_from(): pair @q of link k, with @round rounds and usable
 * now (@t), through its next rounds; a survivor enters the next round a
 * round trip later (its READY event), the last one is published at once
 * and usable here a round trip later.
 */
static void qsim_purify_from(struct qsim *s, unsigned int k,
			     struct qsim_qubit *q, unsigned int round, u64 t)
{
	struct qsim_node *c = &s->node[k];
	u64 rtt = 2 * s->lnk[k].m.delay_ns;
	struct qsim_qubit *held;

	while (round < s->rounds[k]) {
		held = c->purify[round];
		c->purify[round] = q;
		if (!held)
			return;
		c->purify[round] = NULL;
		if (held->cutoff_ns && t - held->herald_ns > held->cutoff_ns) {
			/* waited too long for a partner: q takes its place */
			qsim_qubit_free(held);
			c->purify[round] = q;
			return;
		}
		if (!qsim_purify_pairs(s, c, held, q, t)) {
			s->purify_failed++;
			qsim_qubit_free(q);
			qsim_qubit_free(held);
			return;
		}
		s->purify_ok++;
		qsim_qubit_free(q);
		q = held;
		q->ready_ns = t + rtt;
		round++;
		if (round < s->rounds[k]) {
			qsim_ready(s, k, q->ready_ns, q, round);
			return;
		}
	}
	if (q->ready_ns > t)
		qsim_ready(s, k, q->ready_ns, NULL, 0);
	qsim_publish(s, k, q, t);
}

/* __qnet_circuit_purify(): a fresh pair @q of link k, heralded at @t */
static void qsim_purify(struct qsim *s, unsigned int k, struct qsim_qubit *q,
			u64 t)
{
	q->ready_ns = t;
	qsim_purify_from(s, k, q, 0, t);
}

/* A herald of link @i at end 0 (node i), which binds it. */
static void qsim_herald(struct qsim *s, unsigned int i, u64 t_h)
{
	struct qsim_lnk *l = &s->lnk[i];
	struct qsim_node *c = &s->node[i];
	struct qsim_qubit *q, *qf;
	struct qsim_ent *e;
	struct qstate st;
	u64 t_e, t;

	/* qlink_gen_run() */
	l->scheduled = false;
	t_e = t_h - l->m.herald_ns;
	l->run_ns = t_e + l->m.period_ns;
	l->run_attempts = 0;
	if (l->demand)
		l->demand--;
	qstate_link_sample_state(&l->m, &l->rng, &st);
	qsim_link_kick(s, i);

	/* __qnet_circuit_bind() */
	if (!c->wanting[QSIM_DOWN])
		return;		/* unclaimed: discarded */
	c->wanting[QSIM_DOWN] = false;
	t = qsim_clock(c, t_h);
	e = calloc(1, sizeof(*e));
	q = calloc(1, sizeof(*q));
	qf = calloc(1, sizeof(*qf));
	if (!e || !q || !qf) {
		free(e);
		free(q);
		free(qf);
		s->oom = true;
		return;
	}
	e->id = ++s->next_ent_id;
	/* holder 0 is this end (end 0 binds), holder 1 the far one */
	e->t0[0] = qsim_pair_start(&l->m, t_e, 0);
	e->t0[1] = qsim_pair_start(&l->m, t_e, 1);
	/* the record's creation is the herald, as kernel/circuit.c has it */
	e->create_ns = t_h;
	/* qlink_pair_state() at the pair's own time: both qubits, dt 0 */
	e->state = st;
	qstate_decohere(&e->state, 0, l->p->t1_ns, l->p->t2_ns);
	qstate_decohere(&e->state, 0, l->p->t1_ns, l->p->t2_ns);
	e->refs = 2;
	e->holder[0] = q;
	e->holder[1] = qf;
	q->e = qf->e = e;
	/* cutoffs count from the herald (Documentation/qlink.rst) */
	q->herald_ns = qf->herald_ns = t_h;
	q->t1_ns = qf->t1_ns = l->p->t1_ns;
	q->t2_ns = qf->t2_ns = l->p->t2_ns;
	q->cutoff_ns = qf->cutoff_ns = l->p->cutoff_ns;
	q->ready_ns = t;
	q->far = qf;
	qsim_purify(s, i, q, t);
	qsim_want(s, i, t);
}

/* ---- messages at a node (kernel/circuit_ctl.c) ---- */

static bool qsim_waits(const struct qsim_node *c, const struct qsim_ev *ev)
{
	if (ev->type != QSIM_REQUEST && ev->epoch == c->epoch &&
	    c->role != QSIM_HEAD && !c->active)
		return true;
	return ev->epoch > c->epoch;
}

static void qsim_forward(struct qsim *s, unsigned int k,
			 const struct qsim_ev *ev, u64 t)
{
	qsim_send(s, k, ev->side == QSIM_UP ? QSIM_DOWN : QSIM_UP, ev->type,
		  t, ev->epoch, ev->err, ev->ent_id, NULL);
}

static void qsim_rx_one(struct qsim *s, unsigned int k,
			const struct qsim_ev *ev, u64 t)
{
	struct qsim_node *c = &s->node[k];

	t = qsim_clock(c, t);
	switch (ev->type) {
	case QSIM_REQUEST:
		c->active = true;
		c->delivered = 0;
		qsim_forward(s, k, ev, t);
		qsim_want(s, k, t);
		return;
	case QSIM_BIND:
		if (ev->epoch != c->epoch) {
			qsim_qubit_free(ev->q);
			return;
		}
		qsim_attach(c, ev->side, ev->q);
		qsim_progress(s, k, t);
		return;
	}

	/* TRACK, DISCARD, DELIVER; a stale TRACK is no news above */
	if (ev->epoch < c->epoch) {
		if (ev->type != QSIM_TRACK)
			qsim_forward(s, k, ev, t);
		return;
	}
	switch (ev->type) {
	case QSIM_TRACK:
		if (c->tracked)
			return;
		c->tracked = true;
		if (c->role == QSIM_MID) {
			qsim_track_up(s, k, t);
			return;
		}
		break;
	case QSIM_DISCARD:
		qsim_forward(s, k, ev, t);
		qsim_new_epoch(c);
		qsim_want(s, k, t);
		break;
	case QSIM_DELIVER:
		qsim_forward(s, k, ev, t);
		if (ev->err) {
			qsim_new_epoch(c);
			qsim_want(s, k, t);
			return;
		}
		if (c->role == QSIM_MID) {
			if (c->active &&
			    ++c->delivered >= s->req->num_pairs)
				c->active = false;
			qsim_new_epoch(c);
			qsim_want(s, k, t);
			return;
		}
		c->verdict = true;
		c->verdict_ent = ev->ent_id;
		c->verdict_ns = t;
		break;
	}
	qsim_progress(s, k, t);
}

/* __qnet_circuit_rx(): wait, or act and replay what caught up */
static void qsim_rx(struct qsim *s, const struct qsim_ev *ev)
{
	struct qsim_node *c = &s->node[ev->node];
	unsigned int i;
	bool again;

	if (qsim_waits(c, ev)) {
		if (c->ndeferred == c->cap_deferred) {
			unsigned int cap = c->cap_deferred ?
					   2 * c->cap_deferred : 8;
			struct qsim_ev *d = realloc(c->deferred,
						    cap * sizeof(*d));

			if (!d) {
				s->oom = true;
				return;
			}
			c->deferred = d;
			c->cap_deferred = cap;
		}
		c->deferred[c->ndeferred++] = *ev;
		return;
	}
	qsim_rx_one(s, ev->node, ev, ev->t);
	do {
		again = false;
		for (i = 0; i < c->ndeferred; i++) {
			struct qsim_ev d = c->deferred[i];

			if (qsim_waits(c, &d))
				continue;
			memmove(&c->deferred[i], &c->deferred[i + 1],
				(c->ndeferred - i - 1) * sizeof(d));
			c->ndeferred--;
			qsim_rx_one(s, ev->node, &d, d.t > ev->t ? d.t : ev->t);
			again = true;
			break;
		}
	} while (again);
}

/* ---- one request, from idle links at time 0 ---- */

static void qsim_reset(struct qsim *s)
{
	unsigned int k, i;

	for (k = 0; k <= s->nlinks; k++) {
		struct qsim_node *c = &s->node[k];

		qsim_qubit_free(c->slot[QSIM_UP]);
		qsim_qubit_free(c->slot[QSIM_DOWN]);
		for (i = 0; i < QSIM_MAX_ROUNDS; i++)
			qsim_qubit_free(c->purify[i]);
		for (i = 0; i < c->ndeferred; i++)
			qsim_qubit_free(c->deferred[i].q);
		c->ndeferred = 0;
		memset(c->slot, 0, sizeof(c->slot));
		memset(c->purify, 0, sizeof(c->purify));
		memset(c->used, 0, sizeof(c->used));
		memset(c->wanting, 0, sizeof(c->wanting));
		c->epoch = 0;
		c->swapped = false;
		c->tracked = false;
		c->verdict = false;
		c->clock = 0;
		c->active = false;
		c->delivered = 0;
	}
	for (i = 0; i < s->nheap; i++)
		qsim_qubit_free(s->heap[i].q);
	s->nheap = 0;
	for (i = 0; i < s->nlinks; i++) {
		s->lnk[i].run_ns = 0;
		s->lnk[i].run_attempts = 0;
		s->lnk[i].scheduled = false;
		s->lnk[i].demand = 0;
	}
	s->now = 0;
	s->head_done = s->tail_done = 0;
	s->t_last = 0;
	s->stall_mark = s->events;
}

static int qsim_run(struct qsim *s, const char **err)
{
	struct qsim_node *head = &s->node[0];
	struct qsim_ev ev;

	qsim_reset(s);
	/* __qnet_circuit_next_request() at the head, at time 0 */
	head->active = true;
	qsim_send(s, 0, QSIM_DOWN, QSIM_REQUEST, 0, head->epoch, 0, 0, NULL);
	qsim_want(s, 0, 0);

	while (s->tail_done < s->req->num_pairs) {
		if (s->oom) {
			*err = "out of memory";
			return -ENOMEM;
		}
		if (!s->nheap || s->events - s->stall_mark > QSIM_STALL_EVENTS) {
			*err = "no pair reaches the minimum fidelity";
			return -EINVAL;
		}
		ev = qsim_pop(s);
		s->now = ev.t;
		s->events++;
		if (ev.kind == QSIM_EV_HERALD) {
			qsim_herald(s, ev.node, ev.t);
		} else if (ev.kind == QSIM_EV_READY) {
			qsim_clock(&s->node[ev.node], ev.t);
			if (ev.q)
				qsim_purify_from(s, ev.node, ev.q, ev.round,
						 ev.t);
			qsim_progress(s, ev.node, ev.t);
		} else {
			qsim_rx(s, &ev);
		}
	}
	s->runs++;
	qsim_welford(&s->tmean, &s->tm2, s->runs, (double)s->t_last);
	return 0;
}

/* ---- purification plan (kernel/circuit_purify.c) ---- */

/* qnet_link_target_ppm() */
static u32 qsim_link_target_ppm(u32 fid_ppm, unsigned int hops)
{
	u64 w_ppm, wl_ppm;
	qfix ln_w;

	if (fid_ppm <= 250000 || hops <= 1)
		return fid_ppm;
	w_ppm = (4ULL * fid_ppm - 1000000) / 3;
	ln_w = qmath_ln_prob(qprob_from_ppm((u32)w_ppm));
	wl_ppm = qprob_to_ppm(qmath_exp_prob(ln_w / (s64)hops));
	return (u32)((3 * wl_ppm + 1000000) / 4);
}

/* qnet_purify_plan() */
static u8 qsim_plan(const struct qsim_request *req,
		    const struct qstate_link_model *m, u32 slots,
		    unsigned int hops)
{
	struct qstate_purify_params prm = {
		.proto = req->bbpssw ? QSTATE_PURIFY_BBPSSW :
				       QSTATE_PURIFY_DEJMPS,
	};
	struct qstate st = m->state, next;
	u32 target;
	u8 n = 0;

	if (!req->min_fid_ppm)
		return 0;
	target = qsim_link_target_ppm(req->min_fid_ppm, hops ? hops : 1);
	while (n < QSIM_MAX_ROUNDS && n + 1U < slots &&
	       qsim_fid_ppm(&st) < target) {
		qstate_purify(&next, &st, &st, &prm);
		if (qstate_fidelity(&next) <= qstate_fidelity(&st))
			break;
		st = next;
		n++;
	}
	return n;
}

/* ---- closed forms: one link, no purification ---- */

static int qsim_exact(const struct qsim *s, struct qsim_result *res,
		      const char **err)
{
	const struct qsim_lnk *l = &s->lnk[0];
	const struct qsim_request *req = s->req;
	struct qstate herald = l->m.state, verdict, tail;
	double p = (double)l->m.p_success / (double)QPROB_ONE, n;
	u64 t1 = l->p->t1_ns, t2 = l->p->t2_ns, d = l->m.delay_ns;
	/*
	 * Each memory holds its qubit from the emission (a direct link's
	 * receiver from the photon's arrival: store_ns), so at the herald
	 * the head's (end 0's) qubit is a0 old and the tail's a1.
	 */
	u64 a0 = l->m.herald_ns - l->m.store_ns[0];
	u64 a1 = l->m.herald_ns - l->m.store_ns[1];

	/* the head delivers at the herald, measuring its qubit there */
	qstate_decohere(&herald, a0, t1, t2);
	qstate_decohere(&herald, a1, t1, t2);
	/* judged with both qubits a delay older, as the tail hears it */
	verdict = l->m.state;
	qstate_decohere(&verdict, a0 + d, t1, t2);
	qstate_decohere(&verdict, a1 + d, t1, t2);
	if (qsim_fid_ppm(&verdict) < req->min_fid_ppm) {
		*err = "no pair reaches the minimum fidelity";
		return -EINVAL;
	}
	/* the tail's qubit waited a delay more; the head's was measured */
	tail = l->m.state;
	qstate_decohere(&tail, a0, t1, t2);
	qstate_decohere(&tail, a1 + d, t1, t2);

	n = req->num_pairs;
	res->exact = true;
	res->pairs = req->num_pairs;
	/* t_n = (A - 1) period + herald delay, A ~ NegBin(n, p) */
	res->time_ns = (n / p - 1) * l->m.period_ns + l->m.herald_ns;
	res->time_sd_ns = sqrt(n * (1 - p)) / p * l->m.period_ns;
	res->rate_hz = n / res->time_ns * 1e9;
	res->fid = qprob_to_ppm(herald.c[herald.bell]) / 1e6;
	res->fid_tail = qprob_to_ppm(tail.c[tail.bell]) / 1e6;
	res->latency_ns = 0;
	return 0;
}

/* ---- the prediction ---- */

static u64 qsim_seed(u64 seed, u64 what)
{
	return seed ^ (0x9e3779b97f4a7c15ULL * (what + 1));
}

int qsim_predict(const struct qsim_link *links, unsigned int nlinks,
		 const struct qsim_request *req, struct qsim_result *res,
		 const char **err)
{
	struct qstate_link_params lp;
	const char *dummy;
	struct qsim *s;
	unsigned int i, r;
	double runs, mean_t, nf;
	int ret = 0;

	if (!err)
		err = &dummy;
	memset(res, 0, sizeof(*res));
	if (!nlinks || nlinks > QSIM_MAX_LINKS) {
		*err = "number of links out of range";
		return -EINVAL;
	}
	if (!req->num_pairs || !req->runs || req->min_fid_ppm > 1000000) {
		*err = "request out of range";
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = "out of memory";
		return -ENOMEM;
	}
	s->req = req;
	s->nlinks = nlinks;
	for (i = 0; i < nlinks; i++) {
		struct qsim_lnk *l = &s->lnk[i];

		if (links[i].mem_slots < 1 || links[i].mem_slots > 64 ||
		    (links[i].scheme == QSTATE_SINGLE_CLICK &&
		     !links[i].alpha_ppm)) {
			*err = "link parameters the kernel refuses (slots 1..64, alpha above 0 for single-click)";
			ret = -EINVAL;
			goto out;
		}
		qsim_link_model_params(&links[i], &lp);
		if (!qstate_link_compute(&lp, &l->m) ||
		    l->m.p_success < qprob_ratio(1, 1000000000)) {
			*err = "link outside the model (success probability per attempt below 1e-9)";
			ret = -EINVAL;
			goto out;
		}
		l->p = &links[i];
		qmath_rng_seed(&l->rng, qsim_seed(req->seed, i));
		s->path_delay += l->m.delay_ns;
		s->rounds[i] = qsim_plan(req, &l->m, links[i].mem_slots, nlinks);
		res->rounds[i] = s->rounds[i];
	}
	for (i = 0; i <= nlinks; i++) {
		s->node[i].role = i == 0 ? QSIM_HEAD :
				  i == nlinks ? QSIM_TAIL : QSIM_MID;
		qmath_rng_seed(&s->node[i].rng, qsim_seed(req->seed, 1000 + i));
	}

	if (nlinks == 1 && !s->rounds[0] && !req->monte_carlo) {
		ret = qsim_exact(s, res, err);
		goto out;
	}

	for (r = 0; r < req->runs; r++) {
		ret = qsim_run(s, err);
		if (ret)
			goto out;
	}
	runs = req->runs;
	mean_t = s->tmean;
	nf = (double)s->nfid;
	res->pairs = s->nfid;
	res->time_ns = mean_t;
	res->time_sd_ns = runs > 1 ? sqrt(s->tm2 / (runs - 1)) : 0;
	res->rate_hz = req->num_pairs / mean_t * 1e9;
	/*
	 * The rate's error from the spread of the runs' times (delta
	 * method); with one run, the Poisson error of its count.
	 */
	res->rate_se_hz = runs > 1 ?
			  res->rate_hz * res->time_sd_ns / sqrt(runs) / mean_t :
			  res->rate_hz / sqrt(req->num_pairs);
	res->fid = s->fmean;
	res->fid_sd = nf > 1 ? sqrt(s->fm2 / (nf - 1)) : 0;
	res->fid_se = res->fid_sd / sqrt(nf);
	res->fid_tail = s->tfmean;
	res->fid_tail_se = s->ntail > 1 ?
		sqrt(s->tfm2 / (s->ntail - 1) / s->ntail) : 0;
	res->latency_ns = s->lat_sum / nf;
	res->rejected = s->rejected;
	res->discarded = s->discarded;
	res->purify_ok = s->purify_ok;
	res->purify_failed = s->purify_failed;
	res->events = s->events;
out:
	qsim_reset(s);
	for (i = 0; i <= nlinks; i++)
		free(s->node[i].deferred);
	free(s->heap);
	free(s);
	return ret;
}
