// SPDX-License-Identifier: GPL-2.0
/*
 * The engine: emulation domains, each with one event queue and one
 * emulated clock (Documentation/engine.rst has the rules; this is how).
 *
 * Implementation notes
 *
 * Ordering
 * - A domain's queue is an rbtree ordered by (time_ns, seq). seq is the
 *   domain's count of schedulings: events are scheduled only by events
 *   (which run one at a time, in order) and by callers that entered the
 *   domain (qnet_domain_enter()), so seq, and with it the whole run, does
 *   not depend on CPUs, locks or wall time.
 * - The executor is the domain's work item. It pops the first event, sets
 *   the clock to its time and runs it with bottom halves disabled and
 *   rcu_read_lock held, the context the network stack's receive path
 *   expects, so events may hand frames to netif_receive_skb_core().
 *   After QNET_ENGINE_BATCH events it requeues itself, so that other
 *   domains, syscalls and the rest of the machine get the CPU.
 * - Two workqueues, both unbound: the high-priority one only for the
 *   pacing timer's wake-up of a paced domain at its next due event, so
 *   that it runs on time; every other run (new events, the rest of a
 *   batch, an unpaced domain, a paced one catching up) goes to the normal
 *   one. A domain with more work than the CPU can do at its pace (or an
 *   unpaced one) then competes with everything else at nice 0 instead
 *   of starving the machine at nice -20: three paced chains that a
 *   KASAN guest could not keep up with took both vCPUs from the test
 *   that drove them and from RCU's grace-period thread (issue 10).
 * - A pass (the events one run of the executor takes) ends by running
 *   the work its events deferred (qnet_engine_defer()): a socket that got
 *   many records in one pass is woken once. The list lives on the
 *   executor's stack and a per-CPU pointer names it while an event runs
 *   (BHs off, so the event stays on that CPU).
 * - An event is never scheduled before the clock: an earlier time is
 *   raised to it and counted (clamped), which the tests check stays 0.
 *
 * Pacing
 * - A domain with a time scale S (the largest of its members': a paced
 *   link paces every node it connects) runs an event at emulated t at the
 *   wall time wall0 + (t - emu0) S / 1000. The anchor (wall0, emu0) is set
 *   only when S changes, so a domain that falls behind catches up instead
 *   of drifting: over any interval the emulated clock keeps its rate
 *   whenever the machine keeps up. An event run more than QNET_LATE_NS
 *   of wall time after its due time counts as late, and the largest lag
 *   (in emulated ns) is kept: both are in every link's stats.
 *
 * Domains and members
 * - Every emulated object (a qlink, a node) owns a struct qnet_dmember on
 *   its domain's member list, holding a reference on the domain.
 *   qnet_dmember_join() merges two domains: the second's events, members
 *   and clock move to the first, and the second stays allocated, marked
 *   merged, with a reference the first holds, until the first is freed:
 *   a member that still read the old pointer finds it merged under its
 *   lock and reads again (qnet_domain_lock()).
 * - A merge takes both domains' exec mutexes, so no event of either runs
 *   and nobody is inside either; it is a configuration-time operation
 *   (a qlink end registered in a node) and never happens in an event.
 *
 * Locking
 * - domain.exec (mutex) is held by the executor while it runs events and
 *   by callers between qnet_domain_enter() and qnet_domain_exit(). Order:
 *   RTNL, then exec, then socket locks; nothing holding exec takes RTNL.
 * - domain.lock (spin_lock_bh) protects the queue, the clock, the
 *   counters and the members. Events are run without it.
 * - The executor and an entered caller set domain.running: schedulers do
 *   not queue the work then; whoever clears it kicks the queue.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "engine.h"
#include "qnet_trace.h"

/* Events run before the executor lets others have the CPU. */
#define QNET_ENGINE_BATCH	256
/* Paced: an event run this much wall time after its due time is late. */
#define QNET_LATE_NS		NSEC_PER_MSEC
/* The furthest ahead the pacing timer is armed; it re-arms when it fires. */
#define QNET_MAX_WAIT_NS	(3600ULL * NSEC_PER_SEC)

struct qnet_domain {
	refcount_t		ref;
	/* the queue, clock, counters and members (see the notes above) */
	spinlock_t		lock;
	struct rb_root_cached	queue;
	u64			now;
	u64			seq;
	u64			ids;	/* qnet_domain_next_id()'s last */
	bool			running;
	bool			dying;
	/* set once, when merged into another domain */
	struct qnet_domain	*merged;
	/* domains merged into this one, each with a reference */
	struct qnet_domain	*absorbed;
	struct qnet_domain	*next_absorbed;

	struct list_head	members;
	unsigned int		nmembers;

	/* pacing: emulated @emu0 is wall time @wall0; 0 is unpaced */
	u32			scale;
	u64			emu0;
	ktime_t			wall0;

	/* counters */
	u64			events;
	u64			late;
	u64			lag_ns;
	u64			clamped;

	/* held while events run or a caller is entered: one at a time */
	struct mutex		exec;
	struct work_struct	work;
	struct hrtimer		timer;
	struct work_struct	release;
};

/* catch-up and unpaced work; and on-time wake-ups (see the notes above) */
static struct workqueue_struct *qnet_engine_wq;
static struct workqueue_struct *qnet_engine_hi_wq;
/* The running pass's deferred work, while an event runs on this CPU. */
static DEFINE_PER_CPU(struct qnet_pass_work **, qnet_pass_deferred);
static unsigned int qnet_engine_net_id __read_mostly;

struct qnet_engine_net {
	struct qnet_dmember	node;
};

/* ---- the queue ---- */

static bool qnet_event_before(const struct qnet_event *a,
			      const struct qnet_event *b)
{
	if (a->time_ns != b->time_ns)
		return a->time_ns < b->time_ns;
	return a->seq < b->seq;
}

static void qnet_queue_add(struct qnet_domain *d, struct qnet_event *ev)
{
	struct rb_node **p = &d->queue.rb_root.rb_node, *parent = NULL;
	bool leftmost = true;

	lockdep_assert_held(&d->lock);
	ev->seq = ++d->seq;
	while (*p) {
		parent = *p;
		if (qnet_event_before(ev, rb_entry(parent, struct qnet_event,
						   node))) {
			p = &parent->rb_left;
		} else {
			p = &parent->rb_right;
			leftmost = false;
		}
	}
	rb_link_node(&ev->node, parent, p);
	rb_insert_color_cached(&ev->node, &d->queue, leftmost);
	ev->queued = true;
}

static void qnet_queue_del(struct qnet_domain *d, struct qnet_event *ev)
{
	lockdep_assert_held(&d->lock);
	rb_erase_cached(&ev->node, &d->queue);
	RB_CLEAR_NODE(&ev->node);
	ev->queued = false;
}

static struct qnet_event *qnet_queue_first(struct qnet_domain *d)
{
	struct rb_node *n = rb_first_cached(&d->queue);

	return n ? rb_entry(n, struct qnet_event, node) : NULL;
}

/* ---- pacing ---- */

static u64 qnet_emu_at(const struct qnet_domain *d, ktime_t wall)
{
	s64 dw = ktime_to_ns(ktime_sub(wall, d->wall0));

	if (dw <= 0)
		return d->emu0;
	/* 2^52 ns is 52 days; times 1000 stays inside u64 */
	dw = min_t(s64, dw, 1LL << 52);
	return d->emu0 + mul_u64_u32_div(dw, 1000, d->scale);
}

static ktime_t qnet_wall_at(const struct qnet_domain *d, u64 emu)
{
	u64 dt;

	if (emu <= d->emu0)
		return d->wall0;
	dt = min_t(u64, emu - d->emu0, 1ULL << 52);
	return ktime_add_ns(d->wall0, mul_u64_u32_div(dt, d->scale, 1000));
}

static void qnet_domain_rescale(struct qnet_domain *d)
{
	struct qnet_dmember *m;
	u32 scale = 0;

	lockdep_assert_held(&d->lock);
	list_for_each_entry(m, &d->members, node)
		scale = max(scale, m->scale);
	if (scale == d->scale)
		return;
	/* keep the clock continuous: it goes on from where it is */
	d->scale = scale;
	d->emu0 = d->now;
	d->wall0 = ktime_get();
}

/* Have the executor look at the queue. Caller holds the lock. */
static void qnet_domain_kick(struct qnet_domain *d)
{
	lockdep_assert_held(&d->lock);
	if (!d->running && !d->dying && !RB_EMPTY_ROOT(&d->queue.rb_root))
		queue_work(qnet_engine_wq, &d->work);
}

/* ---- the executor ---- */

bool qnet_engine_defer(struct qnet_pass_work *d)
{
	struct qnet_pass_work **list;

	/* Events run with BHs off; with them on, this is not in one. */
	if (!in_softirq())
		return false;
	list = this_cpu_read(qnet_pass_deferred);
	if (!list)
		return false;
	d->next = *list;
	*list = d;
	return true;
}

static void qnet_pass_flush(struct qnet_pass_work *list)
{
	while (list) {
		struct qnet_pass_work *d = list;

		list = d->next;
		d->next = NULL;
		d->run(d);
	}
}

static void qnet_domain_work(struct work_struct *work)
{
	struct qnet_domain *d = container_of(work, struct qnet_domain, work);
	unsigned int budget = QNET_ENGINE_BATCH;
	struct qnet_pass_work *deferred = NULL;
	struct qnet_event *ev;
	bool again = false;

	mutex_lock(&d->exec);
	spin_lock_bh(&d->lock);
	if (d->merged || d->dying)
		goto out;
	d->running = true;
	while ((ev = qnet_queue_first(d))) {
		if (!budget--) {
			again = true;
			break;
		}
		if (d->scale) {
			ktime_t due = qnet_wall_at(d, ev->time_ns);
			ktime_t wall = ktime_get();
			s64 late;

			if (ktime_after(due, wall)) {
				hrtimer_start(&d->timer,
					      ktime_before(due,
							   ktime_add_ns(wall, QNET_MAX_WAIT_NS)) ?
					      due : ktime_add_ns(wall, QNET_MAX_WAIT_NS),
					      HRTIMER_MODE_ABS);
				break;
			}
			late = ktime_to_ns(ktime_sub(wall, due));
			if (late > QNET_LATE_NS) {
				u64 lag = mul_u64_u32_div(late, 1000, d->scale);

				d->late++;
				d->lag_ns = max(d->lag_ns, lag);
			}
		}
		qnet_queue_del(d, ev);
		/* the queue's order never lets time go back; be sure */
		d->now = max(d->now, ev->time_ns);
		d->events++;
		trace_qnet_engine_event(d, ev);
		spin_unlock_bh(&d->lock);

		local_bh_disable();
		rcu_read_lock();
		this_cpu_write(qnet_pass_deferred, &deferred);
		ev->run(ev);
		this_cpu_write(qnet_pass_deferred, NULL);
		rcu_read_unlock();
		local_bh_enable();

		spin_lock_bh(&d->lock);
	}
	d->running = false;
out:
	spin_unlock_bh(&d->lock);
	qnet_pass_flush(deferred);
	mutex_unlock(&d->exec);
	if (again)
		queue_work(qnet_engine_wq, &d->work);
}

static enum hrtimer_restart qnet_domain_timer(struct hrtimer *timer)
{
	struct qnet_domain *d = container_of(timer, struct qnet_domain, timer);

	/* a paced event is due now: the one run that must be on time */
	queue_work(qnet_engine_hi_wq, &d->work);
	return HRTIMER_NORESTART;
}

/* ---- domains ---- */

static void qnet_domain_put(struct qnet_domain *d);

static void qnet_domain_release(struct work_struct *work)
{
	struct qnet_domain *d = container_of(work, struct qnet_domain,
					     release);
	struct qnet_domain *a, *next;
	struct qnet_event *ev;

	spin_lock_bh(&d->lock);
	d->dying = true;
	spin_unlock_bh(&d->lock);
	hrtimer_cancel(&d->timer);
	cancel_work_sync(&d->work);
	hrtimer_cancel(&d->timer);

	/* members purge their events before they leave: nothing is left */
	while ((ev = qnet_queue_first(d))) {
		WARN_ONCE(1, "qnet: event left in a freed domain\n");
		spin_lock_bh(&d->lock);
		qnet_queue_del(d, ev);
		spin_unlock_bh(&d->lock);
		if (ev->drop)
			ev->drop(ev);
	}
	for (a = d->absorbed; a; a = next) {
		next = a->next_absorbed;
		qnet_domain_put(a);
	}
	mutex_destroy(&d->exec);
	kfree(d);
}

static void qnet_domain_put(struct qnet_domain *d)
{
	/* the last put may come from any context: free from a work item */
	if (refcount_dec_and_test(&d->ref))
		queue_work(qnet_engine_wq, &d->release);
}

static struct qnet_domain *qnet_domain_alloc(void)
{
	struct qnet_domain *d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);

	if (!d)
		return NULL;
	refcount_set(&d->ref, 1);
	spin_lock_init(&d->lock);
	d->queue = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&d->members);
	mutex_init(&d->exec);
	INIT_WORK(&d->work, qnet_domain_work);
	INIT_WORK(&d->release, qnet_domain_release);
	hrtimer_init(&d->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	d->timer.function = qnet_domain_timer;
	d->wall0 = ktime_get();
	return d;
}

/* @m's current domain, locked. */
static struct qnet_domain *qnet_domain_lock(struct qnet_dmember *m)
	__acquires(domain_lock)
{
	struct qnet_domain *d;

	for (;;) {
		d = READ_ONCE(m->dom);
		spin_lock_bh(&d->lock);
		if (likely(!d->merged))
			return d;
		spin_unlock_bh(&d->lock);
	}
}

/**
 * qnet_dmember_init() - make @m the only member of a new domain
 * @m: the member, embedded in its owner
 *
 * Process context. Return: 0 or -ENOMEM.
 */
int qnet_dmember_init(struct qnet_dmember *m)
{
	struct qnet_domain *d = qnet_domain_alloc();

	if (!d)
		return -ENOMEM;
	m->dom = d;
	m->scale = 0;
	list_add_tail(&m->node, &d->members);
	d->nmembers = 1;
	return 0;
}

/**
 * qnet_dmember_release() - @m leaves its domain
 * @m: a member whose events are all purged or run
 */
void qnet_dmember_release(struct qnet_dmember *m)
{
	struct qnet_domain *d;

	if (!m->dom)
		return;
	d = qnet_domain_lock(m);
	list_del(&m->node);
	d->nmembers--;
	qnet_domain_rescale(d);
	spin_unlock_bh(&d->lock);
	m->dom = NULL;
	qnet_domain_put(d);
}

/* Lock two exec mutexes and spinlocks in address order. */
static void qnet_domain_lock_two(struct qnet_domain *a, struct qnet_domain *b)
	__acquires(domain_lock) __acquires(domain_lock)
{
	if (a > b)
		swap(a, b);
	mutex_lock(&a->exec);
	mutex_lock_nested(&b->exec, SINGLE_DEPTH_NESTING);
	spin_lock_bh(&a->lock);
	spin_lock_nested(&b->lock, SINGLE_DEPTH_NESTING);
}

static void qnet_domain_unlock_two(struct qnet_domain *a,
				   struct qnet_domain *b)
	__releases(domain_lock) __releases(domain_lock)
{
	if (a > b)
		swap(a, b);
	spin_unlock(&b->lock);
	spin_unlock_bh(&a->lock);
	mutex_unlock(&b->exec);
	mutex_unlock(&a->exec);
}

/**
 * qnet_dmember_join() - put @a and @b in one domain
 * @a: a member
 * @b: another; its domain is merged into @a's
 *
 * The merged domain's clock is the later of the two; events of the other
 * domain that were due earlier run at it (counted as clamped). Process
 * context, never inside an event or between qnet_domain_enter() and
 * qnet_domain_exit().
 */
void qnet_dmember_join(struct qnet_dmember *a, struct qnet_dmember *b)
{
	struct qnet_domain *da, *db;
	struct qnet_dmember *m;
	struct qnet_event *ev;
	unsigned int moved;

	might_sleep();
	for (;;) {
		da = READ_ONCE(a->dom);
		db = READ_ONCE(b->dom);
		if (da == db)
			return;
		qnet_domain_lock_two(da, db);
		if (!da->merged && !db->merged)
			break;
		qnet_domain_unlock_two(da, db);
	}

	da->now = max(da->now, db->now);
	da->ids = max(da->ids, db->ids);
	while ((ev = qnet_queue_first(db))) {
		qnet_queue_del(db, ev);
		if (ev->time_ns < da->now) {
			ev->time_ns = da->now;
			da->clamped++;
		}
		qnet_queue_add(da, ev);
	}
	list_for_each_entry(m, &db->members, node)
		WRITE_ONCE(m->dom, da);
	moved = db->nmembers;
	list_splice_tail_init(&db->members, &da->members);
	da->nmembers += moved;
	db->nmembers = 0;
	refcount_add(moved, &da->ref);
	da->events += db->events;
	da->late += db->late;
	da->lag_ns = max(da->lag_ns, db->lag_ns);
	da->clamped += db->clamped;

	/* db lives on, merged, until da goes: stale readers look at it */
	refcount_inc(&db->ref);
	db->merged = da;
	db->next_absorbed = da->absorbed;
	da->absorbed = db;
	qnet_domain_rescale(da);
	qnet_domain_unlock_two(da, db);

	/* the members' references: db keeps only the one da holds */
	while (moved--)
		WARN_ON(refcount_dec_and_test(&db->ref));
	hrtimer_try_to_cancel(&db->timer);

	spin_lock_bh(&da->lock);
	qnet_domain_kick(da);
	spin_unlock_bh(&da->lock);
}

/* Are @a and @b in one domain? */
bool qnet_dmember_same(struct qnet_dmember *a, struct qnet_dmember *b)
{
	struct qnet_domain *d = qnet_domain_lock(a);
	bool same = READ_ONCE(b->dom) == d;

	spin_unlock_bh(&d->lock);
	return same;
}

/**
 * qnet_dmember_set_scale() - @m's time scale (0: unpaced)
 * @m: a member
 * @scale: wall ns per 1000 emulated ns
 *
 * The domain runs at the largest of its members' scales. Any context.
 */
void qnet_dmember_set_scale(struct qnet_dmember *m, u32 scale)
{
	struct qnet_domain *d = qnet_domain_lock(m);

	m->scale = scale;
	qnet_domain_rescale(d);
	/* a pacing timer armed for the old scale: have it recomputed */
	qnet_domain_kick(d);
	spin_unlock_bh(&d->lock);
}

/* ---- events ---- */

u64 qnet_event_schedule(struct qnet_dmember *m, struct qnet_event *ev,
			u64 time_ns)
{
	struct qnet_domain *d = qnet_domain_lock(m);

	if (ev->queued)
		qnet_queue_del(d, ev);
	if (time_ns < d->now) {
		time_ns = d->now;
		d->clamped++;
	}
	ev->time_ns = time_ns;
	qnet_queue_add(d, ev);
	qnet_domain_kick(d);
	spin_unlock_bh(&d->lock);
	return time_ns;
}

bool qnet_event_cancel(struct qnet_dmember *m, struct qnet_event *ev)
{
	struct qnet_domain *d = qnet_domain_lock(m);
	bool was = ev->queued;

	if (was)
		qnet_queue_del(d, ev);
	spin_unlock_bh(&d->lock);
	return was;
}

/**
 * qnet_domain_purge() - forget every queued event of @owner
 * @m: a member of the domain
 * @owner: what the events name as their owner
 *
 * Waits for an event that runs now to finish, so that on return none of
 * @owner's events runs or will run. Process context; not inside an event
 * nor an entered section.
 */
void qnet_domain_purge(struct qnet_dmember *m, const void *owner)
{
	struct qnet_event *ev, *drop = NULL;
	struct qnet_domain *d;
	struct rb_node *n;

	qnet_domain_enter(m);
	d = qnet_domain_lock(m);
	for (n = rb_first_cached(&d->queue); n; ) {
		ev = rb_entry(n, struct qnet_event, node);
		n = rb_next(n);
		if (ev->owner != owner)
			continue;
		qnet_queue_del(d, ev);
		/* chain them through the cleared node to drop them unlocked */
		ev->node.rb_left = (struct rb_node *)drop;
		drop = ev;
	}
	spin_unlock_bh(&d->lock);
	while ((ev = drop)) {
		drop = (struct qnet_event *)ev->node.rb_left;
		RB_CLEAR_NODE(&ev->node);
		if (ev->drop)
			ev->drop(ev);
	}
	qnet_domain_exit(m);
}

/* ---- the clock ---- */

u64 qnet_domain_now(struct qnet_dmember *m)
{
	struct qnet_domain *d = qnet_domain_lock(m);
	u64 now = d->now;

	spin_unlock_bh(&d->lock);
	return now;
}

u64 qnet_domain_next_id(struct qnet_dmember *m)
{
	struct qnet_domain *d = qnet_domain_lock(m);
	u64 id = ++d->ids;

	spin_unlock_bh(&d->lock);
	return id;
}

u64 qnet_domain_enter(struct qnet_dmember *m)
{
	struct qnet_domain *d;
	u64 now;

	might_sleep();
	for (;;) {
		d = READ_ONCE(m->dom);
		mutex_lock(&d->exec);
		spin_lock_bh(&d->lock);
		if (likely(!d->merged))
			break;
		spin_unlock_bh(&d->lock);
		mutex_unlock(&d->exec);
	}
	d->running = true;
	if (d->scale) {
		struct qnet_event *first = qnet_queue_first(d);
		u64 t = qnet_emu_at(d, ktime_get());

		/* the wall clock's time, but nothing due before it skipped */
		if (first && first->time_ns < t)
			t = first->time_ns;
		d->now = max(d->now, t);
	}
	now = d->now;
	spin_unlock_bh(&d->lock);
	return now;
}

void qnet_domain_exit(struct qnet_dmember *m)
{
	/* no merge while entered: m->dom is the domain entered */
	struct qnet_domain *d = READ_ONCE(m->dom);

	spin_lock_bh(&d->lock);
	d->running = false;
	qnet_domain_kick(d);
	spin_unlock_bh(&d->lock);
	mutex_unlock(&d->exec);
}

void qnet_domain_get_stats(struct qnet_dmember *m,
			   struct qnet_domain_stats *s)
{
	struct qnet_domain *d = qnet_domain_lock(m);

	s->now_ns = d->now;
	s->events = d->events;
	s->late = d->late;
	s->lag_ns = d->lag_ns;
	s->clamped = d->clamped;
	s->scale = d->scale;
	s->members = d->nmembers;
	spin_unlock_bh(&d->lock);
}

void qnet_domain_reset_stats(struct qnet_dmember *m)
{
	struct qnet_domain *d = qnet_domain_lock(m);

	d->late = 0;
	d->lag_ns = 0;
	spin_unlock_bh(&d->lock);
}

/* ---- nodes ---- */

struct qnet_dmember *qnet_net_dmember(const struct net *net)
{
	struct qnet_engine_net *en = net_generic(net, qnet_engine_net_id);

	return &en->node;
}

static int __net_init qnet_engine_net_init(struct net *net)
{
	return qnet_dmember_init(qnet_net_dmember(net));
}

static void __net_exit qnet_engine_net_exit(struct net *net)
{
	qnet_dmember_release(qnet_net_dmember(net));
}

static struct pernet_operations qnet_engine_net_ops = {
	.init	= qnet_engine_net_init,
	.exit	= qnet_engine_net_exit,
	.id	= &qnet_engine_net_id,
	.size	= sizeof(struct qnet_engine_net),
};

int qnet_engine_init(void)
{
	int err;

	qnet_engine_wq = alloc_workqueue("qnet_engine", WQ_UNBOUND, 0);
	if (!qnet_engine_wq)
		return -ENOMEM;
	/* pacing wants its wake-ups on time: a high-priority pool */
	qnet_engine_hi_wq = alloc_workqueue("qnet_engine_hi",
					    WQ_UNBOUND | WQ_HIGHPRI, 0);
	if (!qnet_engine_hi_wq) {
		destroy_workqueue(qnet_engine_wq);
		return -ENOMEM;
	}
	err = register_pernet_subsys(&qnet_engine_net_ops);
	if (err) {
		destroy_workqueue(qnet_engine_hi_wq);
		destroy_workqueue(qnet_engine_wq);
	}
	return err;
}

void qnet_engine_exit(void)
{
	unregister_pernet_subsys(&qnet_engine_net_ops);
	/*
	 * Runs the release of every domain whose last member left, which
	 * cancels its timer and its work, wherever queued: then nothing
	 * queues on the high-priority one (an empty domain's run queues
	 * nothing either).
	 */
	destroy_workqueue(qnet_engine_wq);
	destroy_workqueue(qnet_engine_hi_wq);
}
