/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The engine: emulation domains, their event queues and their one
 * emulated clock (Documentation/engine.rst).
 *
 * Everything emulated that happens in qnet happens as an event of a
 * domain, run in emulated-time order. The engine knows nothing of links,
 * frames or circuits: the layers above embed a struct qnet_event in their
 * objects (or allocate one), schedule it at the time the model gives, and
 * get called back with the domain's clock at that time.
 *
 * Membership: every object that has emulated behaviour (a qlink, a node)
 * owns a struct qnet_dmember. It starts in a domain of its own; joining
 * two members merges their domains for good. Networks with no qlink
 * between them are in different domains: their clocks and queues are
 * independent and they run in parallel.
 */
#ifndef _QNET_ENGINE_H
#define _QNET_ENGINE_H

#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/types.h>

struct net;
struct qnet_domain;

/*
 * An event. @run is called once, at @time_ns, from the domain's executor:
 * process context with bottom halves disabled and rcu_read_lock held, the
 * domain's clock at @time_ns, no other event of the domain running. It
 * may schedule events (including itself again). @drop, if set, is called
 * instead of @run when the event is purged (qnet_domain_purge()), to free
 * what the event holds; an event embedded in its owner leaves it NULL.
 */
struct qnet_event {
	struct rb_node	node;
	u64		time_ns;
	u64		seq;		/* scheduling order: the tie-break */
	void		(*run)(struct qnet_event *ev);
	void		(*drop)(struct qnet_event *ev);
	const void	*owner;		/* what qnet_domain_purge() matches */
	bool		queued;		/* under the domain's lock */
};

/* A member of a domain: embedded in a qlink or a node. */
struct qnet_dmember {
	struct qnet_domain	*dom;	/* current domain; see engine.c */
	struct list_head	node;	/* on the domain's member list */
	u32			scale;	/* its time_scale vote, 0 unpaced */
};

int qnet_dmember_init(struct qnet_dmember *m);
void qnet_dmember_release(struct qnet_dmember *m);
void qnet_dmember_join(struct qnet_dmember *a, struct qnet_dmember *b);
void qnet_dmember_set_scale(struct qnet_dmember *m, u32 scale);
bool qnet_dmember_same(struct qnet_dmember *a, struct qnet_dmember *b);

/* The node (network namespace) of @net as a domain member. */
struct qnet_dmember *qnet_net_dmember(const struct net *net);

static inline void qnet_event_init(struct qnet_event *ev,
				   void (*run)(struct qnet_event *ev),
				   void (*drop)(struct qnet_event *ev),
				   const void *owner)
{
	RB_CLEAR_NODE(&ev->node);
	ev->run = run;
	ev->drop = drop;
	ev->owner = owner;
	ev->queued = false;
}

/*
 * Schedule @ev at @time_ns (never before the domain's clock: an earlier
 * time is raised to it and counted as clamped). Any context. An event
 * already queued is moved. Returns the time it was scheduled at.
 */
u64 qnet_event_schedule(struct qnet_dmember *m, struct qnet_event *ev,
			u64 time_ns);
/* Take @ev off the queue if it is on it. Any context. */
bool qnet_event_cancel(struct qnet_dmember *m, struct qnet_event *ev);
/* Take every event of @owner off the queue, calling their @drop. */
void qnet_domain_purge(struct qnet_dmember *m, const void *owner);

/*
 * The domain's clock: the time of the event running, or of the last one
 * run, or what qnet_domain_enter() set. Any context.
 */
u64 qnet_domain_now(struct qnet_dmember *m);

/*
 * The next of the domain's ids (1, 2, ...): unique within the domain, and
 * drawn in its event order, so that activity elsewhere cannot shift them.
 * A merged domain goes on from the larger of the two. Any context.
 */
u64 qnet_domain_next_id(struct qnet_dmember *m);

/*
 * Act on the domain from outside an event (a system call, a
 * configuration change): wait until no event of the domain runs, stop
 * them from running, and return the time the caller acts at: the clock
 * of the last event run when unpaced; paced, the emulated time of the
 * wall clock, but never beyond the next queued event. Process context;
 * may sleep. qnet_domain_exit() lets events run again.
 */
u64 qnet_domain_enter(struct qnet_dmember *m);
void qnet_domain_exit(struct qnet_dmember *m);

/*
 * Work an event leaves for the end of the executor's pass, such as waking
 * a socket's readers once for every record the pass queued rather than
 * once per record. qnet_engine_defer() puts @d on the pass's list if the
 * caller runs inside an event (BHs off, as events run) and returns
 * false otherwise (a system call, a frame from outside the engine): the
 * caller then does the work at once. @run is called once, in process
 * context, after the pass's last event; the caller keeps what @d lives
 * in alive until then and does not defer @d again before it.
 */
struct qnet_pass_work {
	struct qnet_pass_work	*next;
	void			(*run)(struct qnet_pass_work *d);
};

bool qnet_engine_defer(struct qnet_pass_work *d);

struct qnet_domain_stats {
	u64	now_ns;
	u64	events;		/* events run */
	u64	late;		/* paced: events run over 1 ms late */
	u64	lag_ns;		/* paced: the most the clock has lagged */
	u64	clamped;	/* events asked for before the clock */
	u32	scale;
	u32	members;
};

void qnet_domain_get_stats(struct qnet_dmember *m,
			   struct qnet_domain_stats *s);
void qnet_domain_reset_stats(struct qnet_dmember *m);

int qnet_engine_init(void);
void qnet_engine_exit(void);

#endif /* _QNET_ENGINE_H */
