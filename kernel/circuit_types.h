/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network layer's objects: circuits, the qubits a node holds for them,
 * and the entangled pairs those qubits belong to. Private to circuit*.c;
 * the rest of qnet goes through circuit.h.
 */
#ifndef _QNET_CIRCUIT_TYPES_H
#define _QNET_CIRCUIT_TYPES_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>

#include "engine.h"
#include "qstate.h"

/*
 * Links on a circuit's path: QNET_MAX_HOPS (uapi), CONNECT beyond it is
 * refused. No frame carries per-hop data, so nothing grows with it.
 */
/*
 * Messages of a later attempt than a node's, held until the message that
 * ends the node's attempt arrives: a qlink hands frames to the peer's
 * per-CPU backlog, so two messages on one link may swap places.
 */
/*
 * Up to QNET_DEFER_MAX per circuit: a binding end with unpaced links can
 * run many attempts ahead of a node whose CPU the host stalled, so the
 * bound is generous; the entries are allocated only while they wait.
 */
#define QNET_DEFER_MAX		1024
#define QNET_DEFER_LEN		56	/* the largest epoch-carrying message */

struct qnet_deferred {
	struct list_head	node;
	u8			type;
	u8			side;
	u8			len;
	u32			epoch;
	u64			time_ns;
	u64			link;	/* qlink_link_id() it came on */
	u8			payload[QNET_DEFER_LEN];
};

/* Far halves a node remembers having bound, to free them on close. */
#define QNET_PENDING_MAX	8
/*
 * Purification rounds one link may run for one circuit (recurrence: a
 * pair of round n is made of 2^n link pairs, and the binding end holds
 * at most one pair per round while it waits for the next).
 */
#define QNET_PURIFY_MAX_ROUNDS	3

/*
 * Pairs a link may give to other circuits while one waits before that
 * one's priority rises a level (0 is the highest): a priority-7 request
 * waits at most 7 * QNET_AGE_PAIRS pairs, then competes as priority 0.
 */
#define QNET_AGE_PAIRS		4

/* Requests queued behind the active one on a head. */
#define QNET_REQQ_MAX		64

enum qnet_role {
	QNET_ROLE_HEAD,		/* the connecting socket's node */
	QNET_ROLE_MID,		/* a repeater */
	QNET_ROLE_TAIL,		/* the accepting socket's node */
};

/* Sides of a node on a circuit: towards the head and towards the tail. */
enum qnet_side {
	QNET_UP,
	QNET_DOWN,
};

enum qnet_cstate {
	QNET_C_CONNECTING,
	QNET_C_UP,
	QNET_C_CLOSED,
};

struct qnet_qubit;

/*
 * An entangled pair between two qubits somewhere in the network: the
 * physics, shared by the two nodes that hold its qubits. @state is the
 * state with the qubit of holder[i] decohered up to @t0[i] (for a fresh
 * link pair, when its memory began to hold it: qlink_pair_start()); each
 * holder decoheres a copy further with its own memory's T1/T2. The index
 * stays with the qubit after it is measured or freed (holder[i] NULL).
 * A swap or purification
 * replaces the pair under qnet_ent_lock by making a new one and pointing
 * the far qubits at it; a pair is never changed in place after that.
 */
struct qnet_ent {
	refcount_t		refcnt;
	u64			id;
	struct qstate		state;
	u64			t0[2];
	u64			create_ns;	/* first herald it is made of */
	struct qnet_qubit	*holder[2];	/* qnet_ent_lock */
	u16			swaps;
	u16			purifications;
	/*
	 * When one qubit was measured, for the other's fidelity figure
	 * (__qnet_ent_state()); never for an outcome: each end draws its
	 * own (qnet_qubit_measure()).
	 */
	bool			measured;
	u64			m_time;
	u64			m_t1;		/* the measured qubit's memory */
	u64			m_t2;
};

/*
 * A qubit held by the network layer at one node, for one circuit. It
 * leaves the link layer when bound (qlink_take) and lives in a circuit's
 * slot or, once delivered with QNET_REQ_KEEP, on the circuit's kept list
 * under a handle.
 */
struct qnet_qubit {
	struct qnet_ent		*ent;		/* qnet_ent_lock, a reference */
	u8			role;		/* enum qnet_role of its node */
	u8			bell;		/* its link pair's Bell state */
	/* attempt it was bound in; from delivery, the one it was delivered in */
	u32			epoch;
	u32			handle;		/* QNET_REQ_KEEP: for the app */
	u64			t1_ns;		/* its memory */
	u64			t2_ns;
	u64			cutoff_ns;
	u64			herald_ns;	/* its link pair's herald */
	u64			known_ns;	/* when its node learned of it */
	/* binding end: when its node knows the last purification worked */
	u64			ready_ns;
	/* binding end, on the circuit's ripening list: rounds survived */
	u8			round;
	u8			side;
	u64			link_id;	/* the link layer's pair id */
	/* qlink_link_id() of its link: a BIND from any other is foreign */
	u64			link;
	/* binding end, while purifying: the far half, not yet published */
	struct qnet_qubit	*far;
	struct net_device	*dev;		/* the link it came from */
	struct list_head	node;		/* kept list */
	/* in qnet_pending: the next far half under the same pair id */
	struct qnet_qubit	*pnext;
};

/* A request as every node on the circuit knows it. */
struct qnet_req {
	bool			active;
	u64			id;
	u64			start_ns;
	u64			deadline_ns;	/* 0: none */
	u32			num_pairs;
	u32			delivered;
	u32			min_fid_ppm;
	u8			priority;
	u8			type;
	u8			basis;
	u8			flags;
};

/*
 * Per-node state of one circuit. Everything below is under the node's
 * qnet_net.circuit_lock, except @refcnt.
 */
struct qnet_circuit {
	refcount_t		refcnt;
	struct hlist_node	hnode;
	struct net		*net;
	u32			head_node;
	u32			id;
	u8			role;
	u8			state;
	u16			hops;
	u16			pos;		/* links between head and here */
	u64			path_delay_ns;

	/* [QNET_UP] towards the head, [QNET_DOWN] towards the tail */
	struct net_device	*dev[2];
	netdevice_tracker	dev_tracker[2];
	struct qnet_qubit	*slot[2];
	bool			used[2];	/* bound in this attempt */
	bool			wanting[2];	/* asked the link for one */
	/*
	 * Links this node binds: purification rounds the request needs on
	 * each, and the pairs waiting for a partner, by rounds survived.
	 */
	u16			passed_over[2];	/* pairs gone to others */
	u8			purify_rounds[2];
	struct qnet_qubit	*purify[2][QNET_PURIFY_MAX_ROUNDS];
	/*
	 * Survivors of a round whose outcome this node has not heard yet
	 * (their ready_ns is ahead), and the event that runs when the
	 * earliest of them, or a slot's purified qubit, becomes usable.
	 * The event holds a reference on the circuit while armed.
	 */
	struct list_head	ripening;
	struct qnet_event	ready_ev;
	bool			ready_armed;

	/* ends: the socket (a reference) and the far end's address */
	struct sock		*sk;
	u16			local_port;
	u32			peer_node;
	u16			peer_port;
	/*
	 * Ends: the key of the streams both ends draw their pairs' outcomes
	 * from, made by the head and carried to the tail in CONNECT.
	 */
	u64			pair_key;

	/*
	 * The latest emulated time of any event of this circuit here: the
	 * circuit acts at it, never before what it has already seen (events
	 * are handled in arrival order, not in timestamp order).
	 */
	u64			clock_ns;

	/* attempts: an epoch ends with a delivery or a discard */
	u32			epoch;
	struct list_head	deferred;	/* in arrival order */
	unsigned int		ndeferred;
	/*
	 * The attempt's swap outcomes (QNET_MSG_TRACK). Repeater: its own
	 * swap's share once it has swapped (@swapped), and the TRACK from
	 * below once it has come (@tracked); it sends TRACK up when it has
	 * both. Head: @tracked and @frame from the TRACK. Tail: @frame from
	 * DELIVER.
	 */
	bool			swapped;
	bool			tracked;
	u16			track_swaps;	/* in the TRACK from below */
	u8			frame;		/* the head's, or the end's own */
	u8			frame_tail;
	u8			swap_frame;	/* repeater: its share, head's */
	u8			swap_frame_tail;	/* and tail's */
	u64			swap_ent;	/* the pair its swap made */
	bool			verdict;	/* tail: DELIVER received */
	int			verdict_err;
	u64			verdict_ent;
	u64			verdict_ns;

	struct qnet_req		req;
	struct qnet_request	reqq[QNET_REQQ_MAX];	/* head only */
	u64			reqq_id[QNET_REQQ_MAX];
	unsigned int		reqq_head, reqq_len;
	u64			next_req_id;

	struct list_head	kept;
	unsigned int		nkept;
	/* an atomic request's pairs, until the last one is made */
	struct list_head	staged;
	unsigned int		nstaged;
	u32			next_handle;

	/* far halves this node bound, until the other node takes them */
	u64			pending[QNET_PENDING_MAX];
	u64			pending_link[QNET_PENDING_MAX];
	unsigned int		pending_pos;

	/*
	 * Set-up in emulated time (circuit_ctl.c): an event of the node's
	 * domain while the CONNECT sent or passed on is unanswered, holding
	 * a reference on the circuit while queued. At a repeater, its
	 * timeout; at the head, CONNECT again after setup_rto_ns, doubling,
	 * and the connect timeout at setup_deadline_ns.
	 */
	struct qnet_event	setup_ev;
	u64			setup_rto_ns;
	u64			setup_deadline_ns;
};

#endif /* _QNET_CIRCUIT_TYPES_H */
