// SPDX-License-Identifier: GPL-2.0
/*
 * The network layer's control plane. Every network-layer message from a
 * qlink enters here (qnet_circuit_rx()), is checked and goes to the
 * circuit it names; circuits are set up here (CONNECT, ACCEPT, REFUSE,
 * and CONNECT again while unanswered), closed (CLOSE) and given their
 * requests (REQUEST).
 *
 * Apart from circuit.c because this is where messages are parsed and
 * circuits installed, while circuit.c is the state machine the messages
 * drive: BIND goes on to circuit.c and PURIFY to circuit_purify.c; TRACK,
 * DISCARD and DELIVER update the attempt here (__qnet_circuit_rx_one())
 * and circuit.c acts on it (__qnet_circuit_progress() and friends).
 *
 * Protocol (Documentation/network.rst has the message flow)
 * - CONNECT is routed hop by hop to the destination node and installs a
 *   circuit at every node (struct qnet_circuit, keyed by head node and
 *   circuit number); ACCEPT or REFUSE come back along the installed path.
 * - REQUEST travels head to tail; every node learns the request.
 * - A message of a later attempt than the node's waits (struct
 *   qnet_deferred) until the message that ends the node's attempt has
 *   arrived: two messages on one link may swap places.
 *
 * Locking: circuit_net.h.
 */
#include <linux/netdevice.h>
#include <linux/overflow.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <net/sock.h>

#include "circuit.h"
#include "circuit_net.h"
#include "circuit_types.h"
#include "qlink_net.h"
#include "qnet.h"
#include "qnet_trace.h"
#include "route.h"

/*
 * Bounds on what frames from a link can make a node hold
 * (Documentation/security.rst). Anyone with CAP_NET_ADMIN in a user
 * namespace of its own can make qlinks and write any frame on them; what
 * it makes lives in its own namespace and is charged to its memory cgroup,
 * and these keep one namespace's share bounded too.
 */
static unsigned int max_circuits = 4096;
module_param(max_circuits, uint, 0644);
MODULE_PARM_DESC(max_circuits, "circuits a node (namespace) holds at most");

static unsigned int max_deferred = 16384;
module_param(max_deferred, uint, 0644);
MODULE_PARM_DESC(max_deferred,
		 "messages for later attempts a node holds at most, all circuits");

static unsigned int max_deferred_link = 4096;
module_param(max_deferred_link, uint, 0644);
MODULE_PARM_DESC(max_deferred_link,
		 "messages for later attempts a node holds at most from one link");

static unsigned int setup_timeout_ms = 1000;
module_param(setup_timeout_ms, uint, 0644);
MODULE_PARM_DESC(setup_timeout_ms,
		 "emulated ms a repeater waits for the answer to a CONNECT");

/* Bounds of struct qnet_request's fields (include/uapi/linux/qnet.h). */
#define QNET_REQ_MAX_PAIRS	1000000
#define QNET_PPM_MAX		1000000
#define QNET_PRIO_MAX		7

bool qnet_request_valid(const struct qnet_request *req)
{
	return req->num_pairs && req->num_pairs <= QNET_REQ_MAX_PAIRS &&
	       req->min_fidelity_ppm <= QNET_PPM_MAX &&
	       req->priority <= QNET_PRIO_MAX &&
	       req->type <= QNET_REQ_MEASURE &&
	       req->basis <= QNET_BASIS_RANDOM &&
	       !(req->flags & ~(QNET_REQ_F_ATOMIC | QNET_REQ_F_BBPSSW)) &&
	       (!(req->flags & QNET_REQ_F_ATOMIC) ||
		req->num_pairs <= QNET_REQ_ATOMIC_MAX) &&
	       !req->reserved;
}

/* ---- messages from the wire ---- */

/* Forward a message that travels through this node. */
static void qnet_circuit_forward(struct qnet_circuit *c,
				 struct sk_buff_head *acts, unsigned int side,
				 u8 type, const void *payload, size_t len,
				 u64 t)
{
	void *m = qnet_circuit_msg(c, acts, side, type, len, t);

	if (m)
		memcpy(m + sizeof(struct qnet_msg_circuit),
		       payload + sizeof(struct qnet_msg_circuit),
		       len - sizeof(struct qnet_msg_circuit));
}

/*
 * The head's deadline ended the request this node serves (a DELIVER with
 * ETIMEDOUT): its staged pairs go, the tail gets its error record.
 * Caller holds cn->lock.
 */
static void __qnet_circuit_deadline_end(struct qnet_circuit_net *cn,
					struct qnet_circuit *c, u64 t)
{
	lockdep_assert_held(&cn->lock);

	__qnet_circuit_unstage(cn, c, QNET_EXPIRE_DEADLINE);
	if (c->role == QNET_ROLE_TAIL)
		qnet_circuit_error_record(c, -ETIMEDOUT, t);
	trace_qnet_request_end(c, -ETIMEDOUT, t);
	c->req.active = false;
}

/*
 * One message of an existing circuit, arriving on @side of it at @t.
 * Caller holds cn->lock.
 */
static int __qnet_circuit_rx_one(struct qnet_circuit_net *cn,
				 struct qnet_circuit *c, unsigned int side,
				 struct net_device *dev, u8 type,
				 const void *payload, size_t len, u64 t,
				 struct sk_buff_head *acts)
{
	unsigned int out = side == QNET_UP ? QNET_DOWN : QNET_UP;
	const struct qnet_msg_answer *a = payload;
	const struct qnet_msg_swap *s = payload;

	lockdep_assert_held(&cn->lock);

	t = qnet_circuit_clock(c, t);

	switch (type) {
	case QNET_MSG_ACCEPT:
		if (side != QNET_DOWN || len != sizeof(*a))
			return -EINVAL;
		if (c->state == QNET_C_UP)
			return 0;	/* a CONNECT sent again was answered twice */
		if (c->state != QNET_C_CONNECTING)
			return -EINVAL;
		/*
		 * The path goes on past this node, so it has more links than
		 * lie between the head and here: with fewer, a repeater
		 * would take itself for the last one and send TRACK early.
		 */
		if (ntohs(a->hops) <= c->pos)
			return -EINVAL;
		c->state = QNET_C_UP;
		__qnet_circuit_setup_cancel(cn, c);
		c->hops = ntohs(a->hops);
		c->path_delay_ns = be64_to_cpu(a->delay_ns);
		if (c->role == QNET_ROLE_HEAD)
			qnet_act_sock(acts, c->sk, QNET_ACT_CONNECTED, 0);
		else
			qnet_circuit_forward(c, acts, out, type, payload, len,
					     t);
		return 0;
	case QNET_MSG_REFUSE:
	case QNET_MSG_CLOSE:
		if (len != sizeof(*a))
			return -EINVAL;
		if (type == QNET_MSG_REFUSE && side != QNET_DOWN)
			return -EINVAL;
		__qnet_circuit_close(cn, c, acts, -(int)ntohl(a->error),
				     side);
		return 0;
	case QNET_MSG_REQUEST:
		if (side != QNET_UP || len != sizeof(struct qnet_msg_request))
			return -EINVAL;
		if (c->state != QNET_C_UP)
			return 0;
		qnet_circuit_install_req(c, payload);
		qnet_circuit_forward(c, acts, out, type, payload, len, t);
		__qnet_circuit_want(cn, c, t);
		return 0;
	case QNET_MSG_BIND:
		if (len != sizeof(struct qnet_msg_bind))
			return -EINVAL;
		return qnet_circuit_rx_bind(cn, c, side, dev, payload, t, acts);
	case QNET_MSG_PURIFY:
		if (len != sizeof(struct qnet_msg_purify))
			return -EINVAL;
		return qnet_circuit_rx_purify(cn, c, side, dev, payload);
	case QNET_MSG_TRACK:
	case QNET_MSG_DISCARD:
	case QNET_MSG_DELIVER:
		if (len != sizeof(*s))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}

	/* TRACK, DISCARD, DELIVER: about attempt @epoch */
	if (ntohl(s->epoch) < c->epoch) {
		/*
		 * A TRACK of an attempt this node has left is no news to the
		 * nodes above: the DISCARD or DELIVER that ended it here
		 * reached or passed them too.
		 */
		if (type == QNET_MSG_TRACK)
			return 0;
		/* stale for this node, maybe not for the ones behind it */
		qnet_circuit_forward(c, acts, out, type, payload, len, t);
		/*
		 * A deadline's DELIVER ends the request, not only its
		 * attempt: a node that a DISCARD of the same attempt moved on
		 * before the DELIVER came must end the request all the same,
		 * or its tail never hears of the deadline.
		 */
		if (type == QNET_MSG_DELIVER && side == QNET_UP &&
		    ntohl(s->error) == ETIMEDOUT && c->req.active &&
		    be64_to_cpu(s->request_id) == c->req.id) {
			/* the head is at this attempt too: drop, not advance */
			__qnet_circuit_new_epoch(cn, c, c->epoch,
						 QNET_EXPIRE_DEADLINE);
			__qnet_circuit_deadline_end(cn, c, t);
		}
		return 0;
	}

	switch (type) {
	case QNET_MSG_TRACK:
		/*
		 * It comes up from the tail's side, and carries exactly the
		 * repeaters below this node: any other count cannot be true,
		 * nor can a second TRACK of the attempt, and either would
		 * make the frames wrong or the attempt never complete.
		 */
		if (side != QNET_DOWN || c->role == QNET_ROLE_TAIL)
			return -EINVAL;
		if (c->tracked || ntohs(s->swaps) + c->pos + 1U != c->hops)
			return qnet_rx_drop(cn, QNET_DROP_BAD_FRAME);
		c->tracked = true;
		c->track_swaps = ntohs(s->swaps);
		c->frame = s->frame;
		c->frame_tail = s->frame_tail;
		if (c->role == QNET_ROLE_MID) {
			__qnet_circuit_track_up(c, acts, t);
			return 0;
		}
		break;
	case QNET_MSG_DISCARD:
		qnet_circuit_forward(c, acts, out, type, payload, len, t);
		__qnet_circuit_new_epoch(cn, c, c->epoch + 1, s->cause);
		__qnet_circuit_want(cn, c, t);
		break;
	case QNET_MSG_DELIVER:
		if (side != QNET_UP)
			return -EINVAL;
		qnet_circuit_forward(c, acts, out, type, payload, len, t);
		if (ntohl(s->error) == ETIMEDOUT) {
			__qnet_circuit_new_epoch(cn, c, c->epoch + 1,
						 QNET_EXPIRE_DEADLINE);
			__qnet_circuit_deadline_end(cn, c, t);
			return 0;
		}
		if (ntohl(s->error)) {
			__qnet_circuit_new_epoch(cn, c, c->epoch + 1,
						 s->cause);
			__qnet_circuit_want(cn, c, t);
			return 0;
		}
		if (c->role == QNET_ROLE_MID) {
			/* the head counts; repeaters follow it */
			if (c->req.active &&
			    ++c->req.delivered >= c->req.num_pairs) {
				c->req.active = false;
				trace_qnet_request_end(c, 0, t);
			}
			__qnet_circuit_new_epoch(cn, c, c->epoch + 1,
						 QNET_CAUSE_NONE);
			__qnet_circuit_want(cn, c, t);
			return 0;
		}
		c->verdict = true;
		c->verdict_ent = be64_to_cpu(s->ent_id);
		c->verdict_ns = t;
		c->frame = s->frame;
		break;
	}
	__qnet_circuit_progress(cn, c, acts, t);
	return 0;
}

/* The attempt a message is about; 0 for those that carry none. */
static u32 qnet_msg_epoch(u8 type, const void *payload)
{
	switch (type) {
	case QNET_MSG_BIND:
		return ntohl(((const struct qnet_msg_bind *)payload)->epoch);
	case QNET_MSG_TRACK:
	case QNET_MSG_DISCARD:
	case QNET_MSG_DELIVER:
		return ntohl(((const struct qnet_msg_swap *)payload)->epoch);
	case QNET_MSG_REQUEST:
		return ntohl(((const struct qnet_msg_request *)payload)->epoch);
	case QNET_MSG_CLOSE:
		/*
		 * Frames can overtake each other (two CPUs): a CLOSE sent
		 * after the DELIVER of the sender's last pair must not tear
		 * the circuit down before that pair is delivered here.
		 */
		return ntohl(((const struct qnet_msg_answer *)payload)->epoch);
	}
	return 0;
}

/*
 * Must a message about attempt @epoch wait at this node? One of a later
 * attempt than the node's waits for the message that ends the node's
 * attempt: REQUEST too, so a node installs a request only once it has
 * finished the previous one. And an attempt's message that reaches a
 * repeater or the tail before its REQUEST (the head binds as soon as it
 * has sent REQUEST) waits for the REQUEST.
 */
static bool qnet_msg_waits(const struct qnet_circuit *c, u8 type, u32 epoch)
{
	switch (type) {
	case QNET_MSG_BIND:
	case QNET_MSG_TRACK:
	case QNET_MSG_DISCARD:
	case QNET_MSG_DELIVER:
		if (epoch == c->epoch && c->role != QNET_ROLE_HEAD &&
		    !c->req.active)
			return true;
		break;
	}
	return epoch > c->epoch;
}

/*
 * Messages of an existing circuit. One that must wait (above) is kept in
 * arrival order; whatever moves the node on replays the waiting ones.
 * Caller holds cn->lock.
 */
static int __qnet_circuit_rx(struct qnet_circuit_net *cn,
			     struct qnet_circuit *c, unsigned int side,
			     struct net_device *dev, u8 type,
			     const void *payload, size_t len, u64 t,
			     struct sk_buff_head *acts)
{
	u32 epoch = qnet_msg_epoch(type, payload);
	struct qnet_deferred *d;
	bool again;
	int err;

	lockdep_assert_held(&cn->lock);

	if (qnet_msg_waits(c, type, epoch)) {
		if (len > QNET_DEFER_LEN)
			return -EINVAL;
		if (type == QNET_MSG_BIND) {
			/* qnet_circuit_put() frees it by id if it never runs */
			const struct qnet_msg_bind *b = payload;

			err = qnet_pending_check(cn, dev,
						 be64_to_cpu(b->ent_id));
			if (err)
				return err;
		}
		if (c->ndeferred >= QNET_DEFER_MAX ||
		    cn->ndeferred >= READ_ONCE(max_deferred) ||
		    *qlink_deferred(dev) >= READ_ONCE(max_deferred_link)) {
			/* losing it would wedge the circuit: end it instead */
			qnet_rx_drop(cn, QNET_DROP_LIMIT);
			__qnet_circuit_close(cn, c, acts, -ENOBUFS, -1);
			return 0;
		}
		d = kmalloc(sizeof(*d), GFP_ATOMIC | __GFP_ACCOUNT);
		if (!d) {
			__qnet_circuit_close(cn, c, acts, -ENOBUFS, -1);
			return 0;
		}
		list_add_tail(&d->node, &c->deferred);
		c->ndeferred++;
		cn->ndeferred++;
		(*qlink_deferred(dev))++;
		d->type = type;
		d->side = side;
		d->len = len;
		d->epoch = epoch;
		d->time_ns = t;
		d->link = qlink_link_id(dev);
		memcpy(d->payload, payload, len);
		return 0;
	}
	/* the message may close @c: keep it until the replay is done */
	refcount_inc(&c->refcnt);
	err = __qnet_circuit_rx_one(cn, c, side, dev, type, payload, len, t,
				    acts);

	/* replay, in arrival order, what the node's attempt caught up with */
	do {
		again = false;
		list_for_each_entry(d, &c->deferred, node) {
			if (c->state != QNET_C_UP)
				break;
			if (qnet_msg_waits(c, d->type, d->epoch))
				continue;
			list_del(&d->node);
			c->ndeferred--;
			cn->ndeferred--;
			if (c->dev[d->side])
				(*qlink_deferred(c->dev[d->side]))--;
			__qnet_circuit_rx_one(cn, c, d->side, c->dev[d->side],
					      d->type, d->payload, d->len,
					      max(d->time_ns, t), acts);
			kfree(d);
			again = true;
			break;
		}
	} while (again);
	qnet_circuit_put(c);
	return err;
}

/*
 * A CONNECT for a circuit this node already has: the head sent it again
 * because it heard nothing. Pass it on if this node is still waiting for
 * the answer too, or answer again if it has one (ACCEPT was lost behind
 * it). Caller holds cn->lock.
 */
static int __qnet_circuit_connect_again(struct qnet_circuit_net *cn,
					struct qnet_circuit *c,
					struct net_device *dev,
					const struct qnet_msg_connect *m,
					u64 t, struct sk_buff_head *acts)
{
	struct qnet_msg_answer *a;
	void *f;

	lockdep_assert_held(&cn->lock);

	if (c->dev[QNET_UP] != dev || c->role == QNET_ROLE_HEAD)
		return -EEXIST;
	if (c->state == QNET_C_CONNECTING) {
		/*
		 * The head's CONNECT again has crossed the same links as
		 * the first (c->hops until ACCEPT); one that has crossed
		 * more came round a loop of routes, or was forged so:
		 * passing it on again would send it round for ever.
		 */
		if (ntohs(m->hops) != c->hops)
			return -ELOOP;
		if (c->role != QNET_ROLE_MID)
			return 0;
		f = qnet_circuit_msg(c, acts, QNET_DOWN, QNET_MSG_CONNECT,
				     sizeof(*m), t);
		if (f) {
			struct qnet_msg_connect *fc = f;

			memcpy(f + sizeof(fc->c), (const void *)m + sizeof(m->c),
			       sizeof(*m) - sizeof(m->c));
			fc->hops = htons(c->hops + 1);
			fc->delay_ns = cpu_to_be64(c->path_delay_ns +
					qlink_delay_ns(c->dev[QNET_DOWN]));
		}
		return 0;
	}
	if (c->state != QNET_C_UP)
		return 0;
	/* up here: hops and delay are the whole path's since ACCEPT */
	a = qnet_circuit_msg(c, acts, QNET_UP, QNET_MSG_ACCEPT, sizeof(*a), t);
	if (a) {
		a->hops = htons(c->hops);
		a->delay_ns = cpu_to_be64(c->path_delay_ns);
	}
	return 0;
}

/*
 * A repeater's CONNECT went unanswered for setup_timeout_ms of emulated
 * time: free the circuit here and send CLOSE (ETIMEDOUT) on towards the
 * tail, whose nodes hold the rest of the stuck set-up. An event of the
 * node's domain: in an unpaced domain it runs as soon as nothing earlier
 * is queued, that is as soon as no answer can still be on its way.
 *
 * Nothing goes back towards the head: it sends CONNECT again on its own
 * schedule (qnet_circuit_head_setup_run(), a link may come back up
 * meanwhile), which installs the circuit here again, and fails connect()
 * with ETIMEDOUT when its own set-up timeout passes.
 */
static void qnet_circuit_setup_expired(struct qnet_event *ev)
{
	struct qnet_circuit *c = container_of(ev, struct qnet_circuit,
					      setup_ev);
	struct qnet_circuit_net *cn = qnet_cn(c->net);
	struct sk_buff_head acts;

	__skb_queue_head_init(&acts);
	spin_lock_bh(&cn->lock);
	if (c->state == QNET_C_CONNECTING)
		__qnet_circuit_close(cn, c, &acts, -ETIMEDOUT, QNET_UP);
	spin_unlock_bh(&cn->lock);
	qnet_acts_run(&acts);
	qnet_circuit_put(c);	/* the event's */
}

/* Start @c's set-up timeout at @t; it holds a reference while queued. */
static void __qnet_circuit_setup_arm(struct qnet_circuit_net *cn,
				     struct qnet_circuit *c, u64 t)
{
	u64 at = t + (u64)READ_ONCE(setup_timeout_ms) * NSEC_PER_MSEC;

	lockdep_assert_held(&cn->lock);

	if (at < t)
		at = U64_MAX;
	qnet_event_init(&c->setup_ev, qnet_circuit_setup_expired, NULL, c);
	refcount_inc(&c->refcnt);
	qnet_event_schedule(cn->dm, &c->setup_ev, at);
}

/* CONNECT at this node: answer as the tail, or install and route on. */
static int qnet_circuit_rx_connect(struct qnet_circuit_net *cn,
				   struct net_device *dev,
				   const struct qnet_msg_connect *m, u64 t,
				   struct sk_buff_head *acts)
{
	struct net *net = dev_net(dev);
	u32 head = ntohl(m->c.head_node), id = ntohl(m->c.circuit_id);
	u32 dst = ntohl(m->dst_node);
	struct qnet_circuit *c;
	struct net_device *out = NULL;
	struct sock *lsk;
	int err = 0;

	if (m->c.dir != QNET_DIR_DOWN || !head || !dst)
		return -EINVAL;
	c = __qnet_circuit_find(cn, head, id);
	if (c)
		return __qnet_circuit_connect_again(cn, c, dev, m, t, acts);

	c = qnet_circuit_alloc(net, QNET_ROLE_MID);
	if (!c)
		return -ENOMEM;
	c->head_node = head;
	c->id = id;
	/* links crossed and their delay, up to and including @dev's */
	c->hops = ntohs(m->hops);
	c->pos = c->hops;
	c->path_delay_ns = be64_to_cpu(m->delay_ns);
	qnet_circuit_set_dev(c, QNET_UP, dev);
	hlist_add_head(&c->hnode, qnet_circuit_bucket(cn, head, id));
	cn->count++;
	if (cn->count > READ_ONCE(max_circuits)) {
		/* refused like any CONNECT, so the head hears why */
		qnet_rx_drop(cn, QNET_DROP_LIMIT);
		err = -ENOBUFS;
		goto refuse;
	}

	/*
	 * A pair split across hosts is not emulated yet (qlink.rst, tunnel
	 * qlinks): refuse at set-up rather than wait for pairs that never come.
	 */
	if (qlink_dev_is_tunnel(dev)) {
		err = -EOPNOTSUPP;
		goto refuse;
	}

	if (dst == READ_ONCE(qnet_pernet(net)->node_addr)) {
		struct qnet_msg_answer *a;

		c->role = QNET_ROLE_TAIL;
		c->pair_key = be64_to_cpu(m->pair_key);
		c->peer_node = head;
		c->peer_port = ntohs(m->src_port);
		c->local_port = ntohs(m->dst_port);
		lsk = qnet_sock_ops ?
		      qnet_sock_ops->lookup_listener(net, c->local_port) :
		      NULL;
		if (!lsk) {
			err = -ECONNREFUSED;
			goto refuse;
		}
		/* the socket's reference on c, and ours on the socket */
		refcount_inc(&c->refcnt);
		err = qnet_sock_ops->accept_child(lsk, c, head, c->peer_port,
						  dev->ifindex);
		sock_put(lsk);
		if (err == -EDQUOT) {
			/* this link's share of the backlog: a full queue to it */
			qnet_rx_drop(cn, QNET_DROP_LIMIT);
			err = -ECONNREFUSED;
		}
		if (err) {
			refcount_dec(&c->refcnt);
			goto refuse;
		}
		c->state = QNET_C_UP;
		a = qnet_circuit_msg(c, acts, QNET_UP, QNET_MSG_ACCEPT,
				     sizeof(*a), t);
		if (a) {
			a->hops = htons(c->hops);
			a->delay_ns = cpu_to_be64(c->path_delay_ns);
		}
		return 0;
	}

	/* what keeps a CONNECT from circling a routing loop for ever */
	if (c->hops + 1 > QNET_MAX_HOPS) {
		err = -EHOSTUNREACH;
		goto refuse;
	}
	out = qnet_route_lookup(net, dst);
	if (!out || out == dev || !qlink_dev_is_qlink(out)) {
		err = -EHOSTUNREACH;
		goto refuse;
	}
	if (qlink_dev_is_tunnel(out)) {
		err = -EOPNOTSUPP;
		goto refuse;
	}
	qnet_circuit_set_dev(c, QNET_DOWN, out);
	dev_put(out);
	{
		struct qnet_msg_connect *f;

		f = qnet_circuit_msg(c, acts, QNET_DOWN, QNET_MSG_CONNECT,
				     sizeof(*f), t);
		if (f) {
			memcpy((void *)f + sizeof(f->c), (void *)m + sizeof(m->c),
			       sizeof(*f) - sizeof(f->c));
			f->hops = htons(c->hops + 1);
			f->delay_ns = cpu_to_be64(c->path_delay_ns +
						  qlink_delay_ns(out));
		}
	}
	__qnet_circuit_setup_arm(cn, c, t);
	return 0;

refuse:
	if (out)
		dev_put(out);
	{
		struct qnet_msg_answer *a;

		a = qnet_circuit_msg(c, acts, QNET_UP, QNET_MSG_REFUSE,
				     sizeof(*a), t);
		if (a)
			a->error = htonl(-err);
	}
	c->sk = NULL;
	__qnet_circuit_unlink(cn, c, acts, err);
	return 0;
}

static const size_t qnet_msg_len[] = {
	[QNET_MSG_CONNECT]	= sizeof(struct qnet_msg_connect),
	[QNET_MSG_ACCEPT]	= sizeof(struct qnet_msg_answer),
	[QNET_MSG_REFUSE]	= sizeof(struct qnet_msg_answer),
	[QNET_MSG_CLOSE]	= sizeof(struct qnet_msg_answer),
	[QNET_MSG_REQUEST]	= sizeof(struct qnet_msg_request),
	[QNET_MSG_BIND]		= sizeof(struct qnet_msg_bind),
	[QNET_MSG_TRACK]	= sizeof(struct qnet_msg_swap),
	[QNET_MSG_DISCARD]	= sizeof(struct qnet_msg_swap),
	[QNET_MSG_DELIVER]	= sizeof(struct qnet_msg_swap),
	[QNET_MSG_PURIFY]	= sizeof(struct qnet_msg_purify),
};

/*
 * An errno carried on the wire: 1 .. MAX_ERRNO, or also 0 where @zero_ok.
 * It ends up in sk_err or a record's error, where anything else would
 * make a system call return a positive number or a bogus error.
 */
static bool qnet_wire_errno_ok(__be32 v, bool zero_ok)
{
	u32 e = ntohl(v);

	return e ? e <= MAX_ERRNO : zero_ok;
}

/*
 * The checks a message passes before it touches any state: every field
 * that indexes something or is handed on (errnos, Bell states, Pauli
 * frames, causes, a request's fields) in its range. The wire is untrusted
 * (Documentation/network.rst, "Security"): whoever holds CAP_NET_RAW over
 * a qlink's namespace can write any frame on it. @len is already the
 * type's. Return: a cause of enum qnet_drop_cause, or -1 if it passes.
 */
static int qnet_msg_check(u8 type, const void *payload)
{
	const struct qnet_msg_request *rq = payload;
	const struct qnet_msg_connect *cm = payload;
	const struct qnet_msg_answer *a = payload;
	const struct qnet_msg_swap *s = payload;
	const struct qnet_msg_bind *b = payload;
	struct qnet_request req;

	switch (type) {
	case QNET_MSG_CONNECT:
		/* the links crossed, the one to here included */
		if (!cm->hops || ntohs(cm->hops) > QNET_MAX_HOPS)
			return QNET_DROP_MALFORMED;
		break;
	case QNET_MSG_ACCEPT:
		if (!a->hops || ntohs(a->hops) > QNET_MAX_HOPS)
			return QNET_DROP_MALFORMED;
		break;
	case QNET_MSG_REFUSE:
	case QNET_MSG_CLOSE:
		if (!qnet_wire_errno_ok(a->error, false))
			return QNET_DROP_BAD_ERRNO;
		break;
	case QNET_MSG_REQUEST:
		req = (struct qnet_request){
			.num_pairs = ntohl(rq->num_pairs),
			.min_fidelity_ppm = ntohl(rq->min_fidelity_ppm),
			.max_time_ns = be64_to_cpu(rq->max_time_ns),
			.priority = rq->priority,
			.type = rq->type,
			.basis = rq->basis,
			.flags = rq->flags,
		};
		if (!qnet_request_valid(&req))
			return QNET_DROP_BAD_REQUEST;
		break;
	case QNET_MSG_BIND:
		/* it indexes the Bell coefficients of the pair's state */
		if (b->bell_state > QNET_BELL_PHI_MINUS)
			return QNET_DROP_BAD_BELL;
		break;
	case QNET_MSG_TRACK:
		/*
		 * Up only, from at least one repeater of a path of at most
		 * QNET_MAX_HOPS links; the frames index Bell states.
		 */
		if (s->c.dir != QNET_DIR_UP)
			return QNET_DROP_MALFORMED;
		if (!s->swaps || ntohs(s->swaps) >= QNET_MAX_HOPS ||
		    s->frame > QNET_BELL_PHI_MINUS ||
		    s->frame_tail > QNET_BELL_PHI_MINUS)
			return QNET_DROP_BAD_FRAME;
		break;
	case QNET_MSG_DELIVER:
		if (!qnet_wire_errno_ok(s->error, true))
			return QNET_DROP_BAD_ERRNO;
		if (s->frame > QNET_BELL_PHI_MINUS)
			return QNET_DROP_BAD_FRAME;
		fallthrough;
	case QNET_MSG_DISCARD:
		if (s->cause >= __QNET_EXPIRE_MAX)
			return QNET_DROP_BAD_CAUSE;
		break;
	}
	return -1;
}

/*
 * A rejected frame whose handler did not count it: by what @err says.
 * -EPROTO was counted where it was found; a node going away or out of
 * memory rejected nothing.
 */
static void qnet_rx_count(struct qnet_circuit_net *cn, int err)
{
	switch (err) {
	case 0:
	case -EPROTO:
	case -ENETDOWN:
	case -ENOMEM:
		return;
	case -ENOENT:
		qnet_rx_drop(cn, QNET_DROP_UNKNOWN);
		return;
	default:
		qnet_rx_drop(cn, QNET_DROP_PROTOCOL);
	}
}

/**
 * qnet_circuit_rx() - a network-layer message arrived on a qlink
 * @dev: the qlink it arrived on
 * @hdr: its qnet header, already checked for version
 * @payload: the bytes after the header
 * @len: their number (ntohs(hdr->len))
 *
 * Softirq context.
 *
 * Return: 0, or -errno if the message is malformed or names a circuit
 * this node does not know (the caller counts and drops it).
 */
int qnet_circuit_rx(struct net_device *dev, const struct qnet_hdr *hdr,
		    const void *payload, size_t len)
{
	struct qnet_circuit_net *cn = qnet_cn(dev_net(dev));
	const struct qnet_msg_circuit *mc = payload;
	struct sk_buff_head acts;
	struct mem_cgroup *memcg;
	struct qnet_circuit *c;
	u8 type = hdr->type;
	unsigned int side;
	int err, drop;
	u64 t;

	if (type >= ARRAY_SIZE(qnet_msg_len) || !qnet_msg_len[type] ||
	    len != qnet_msg_len[type] || mc->dir > QNET_DIR_UP)
		drop = QNET_DROP_MALFORMED;
	else
		drop = qnet_msg_check(type, payload);

	/* it arrives now: this runs as the event of its arrival */
	t = qnet_node_now(cn);
	__skb_queue_head_init(&acts);
	memcg = qnet_cn_charge(cn);
	spin_lock_bh(&cn->lock);
	if (cn->dying) {
		err = -ENETDOWN;
		goto out;
	}
	if (drop >= 0) {
		err = qnet_rx_drop(cn, drop);
		goto out;
	}
	if (type == QNET_MSG_CONNECT) {
		err = qnet_circuit_rx_connect(cn, dev, payload, t, &acts);
		goto out;
	}
	c = __qnet_circuit_find(cn, ntohl(mc->head_node),
				ntohl(mc->circuit_id));
	if (!c) {
		err = -ENOENT;
		if (type == QNET_MSG_BIND) {
			const struct qnet_msg_bind *b = payload;

			if (qnet_pending_free_on(cn, dev, be64_to_cpu(b->ent_id)))
				err = -EPROTO;
		}
		goto out;
	}
	/* a message travelling down arrived from our up side */
	side = mc->dir == QNET_DIR_DOWN ? QNET_UP : QNET_DOWN;
	if (c->dev[side] != dev) {
		err = -EINVAL;
		goto out;
	}
	err = __qnet_circuit_rx(cn, c, side, dev, type, payload, len, t, &acts);
out:
	qnet_rx_count(cn, err);
	spin_unlock_bh(&cn->lock);
	qnet_acts_run(&acts);
	qnet_cn_uncharge(memcg);
	return err;
}

/* Frames of type 16 and up, from the qlink wire handler (softirq). */
static int qnet_circuit_rcv(struct net_device *dev, struct sk_buff *skb)
{
	const struct qnet_hdr *hdr;
	int err;

	if (skb_linearize(skb))
		return -ENOMEM;
	hdr = (const struct qnet_hdr *)skb->data;
	err = qnet_circuit_rx(dev, hdr, skb->data + sizeof(*hdr),
			      ntohs(hdr->len));
	if (!err)
		consume_skb(skb);
	return err;
}

static const struct qlink_net_ops qnet_circuit_net_rx = {
	.rcv	= qnet_circuit_rcv,
};

/* ---- the socket layer's side ---- */

/* The head's CONNECT, first or again. Caller holds cn->lock. */
static void __qnet_circuit_send_connect(struct qnet_circuit_net *cn,
					struct qnet_circuit *c,
					struct sk_buff_head *acts)
{
	struct qnet_msg_connect *m;

	lockdep_assert_held(&cn->lock);

	m = qnet_circuit_msg(c, acts, QNET_DOWN, QNET_MSG_CONNECT, sizeof(*m),
			     qnet_node_now(cn));
	if (!m)
		return;
	m->dst_node = htonl(c->peer_node);
	m->src_port = htons(c->local_port);
	m->dst_port = htons(c->peer_port);
	m->hops = htons(1);
	m->delay_ns = cpu_to_be64(qlink_delay_ns(c->dev[QNET_DOWN]));
	m->pair_key = cpu_to_be64(c->pair_key);
}

/*
 * The head's set-up, in emulated time (Documentation/sockets.rst): CONNECT
 * again after 1 s, then 2 s and 4 s more, like a SYN, and the connect
 * fails with ETIMEDOUT 10 s after the first CONNECT left. Events of the
 * node's domain, so that the outcome of a set-up and the time its request
 * starts depend on the emulated network only, not on how long a wall
 * second is under load. An unpaced domain with nothing else queued runs
 * them at once: a CONNECT lost there is lost for good (nothing of the
 * emulation can bring it back meanwhile) and connect() fails promptly.
 */
#define QNET_CONNECT_RTO_NS		NSEC_PER_SEC
#define QNET_CONNECT_TIMEOUT_NS		(10 * NSEC_PER_SEC)

static void qnet_circuit_head_setup_run(struct qnet_event *ev)
{
	struct qnet_circuit *c = container_of(ev, struct qnet_circuit,
					      setup_ev);
	struct qnet_circuit_net *cn = qnet_cn(c->net);
	struct sk_buff_head acts;
	u64 now;

	__skb_queue_head_init(&acts);
	spin_lock_bh(&cn->lock);
	now = qnet_node_now(cn);
	if (c->state != QNET_C_CONNECTING) {
		/* answered or closed as this ran: nothing to do */
	} else if (now < c->setup_deadline_ns) {
		__qnet_circuit_send_connect(cn, c, &acts);
		c->setup_rto_ns *= 2;
		refcount_inc(&c->refcnt);	/* the event's, again */
		qnet_event_schedule(cn->dm, &c->setup_ev,
				    min(now + c->setup_rto_ns,
					c->setup_deadline_ns));
	} else {
		/* CLOSE goes down: the nodes that hold the set-up free it */
		__qnet_circuit_close(cn, c, &acts, -ETIMEDOUT, QNET_UP);
	}
	spin_unlock_bh(&cn->lock);
	qnet_acts_run(&acts);
	qnet_circuit_put(c);	/* the event's */
}

/* Start the head's set-up events at @t. Caller holds cn->lock. */
static void __qnet_circuit_head_setup_arm(struct qnet_circuit_net *cn,
					  struct qnet_circuit *c, u64 t)
{
	lockdep_assert_held(&cn->lock);

	c->setup_rto_ns = QNET_CONNECT_RTO_NS;
	if (check_add_overflow(t, (u64)QNET_CONNECT_TIMEOUT_NS,
			       &c->setup_deadline_ns))
		c->setup_deadline_ns = U64_MAX;
	qnet_event_init(&c->setup_ev, qnet_circuit_head_setup_run, NULL, c);
	refcount_inc(&c->refcnt);
	qnet_event_schedule(cn->dm, &c->setup_ev,
			    min(t + c->setup_rto_ns, c->setup_deadline_ns));
}

int qnet_circuit_connect(struct sock *sk, u16 src_port, u32 dst_node,
			 u16 dst_port, struct qnet_circuit **cp)
{
	struct net *net = sock_net(sk);
	struct qnet_circuit_net *cn = qnet_cn(net);
	u32 self = READ_ONCE(qnet_pernet(net)->node_addr);
	struct sk_buff_head acts;
	struct net_device *dev;
	struct qnet_circuit *c;

	if (self == QNET_ADDR_ANY)
		return -EADDRNOTAVAIL;
	if (dst_node == self || dst_node == QNET_ADDR_ANY)
		return -EHOSTUNREACH;
	/* racy, as a bound on what a user's sockets hold may be */
	if (READ_ONCE(cn->count) >= READ_ONCE(max_circuits))
		return -ENOBUFS;
	dev = qnet_route_lookup(net, dst_node);
	if (!dev)
		return -EHOSTUNREACH;
	if (!qlink_dev_is_qlink(dev) || !netif_running(dev)) {
		dev_put(dev);
		return -EHOSTUNREACH;
	}
	if (qlink_dev_is_tunnel(dev)) {
		/* no pairs over a tunnel yet (qlink.rst) */
		dev_put(dev);
		return -EOPNOTSUPP;
	}
	c = qnet_circuit_alloc(net, QNET_ROLE_HEAD);
	if (!c) {
		dev_put(dev);
		return -ENOMEM;
	}
	c->head_node = self;
	c->peer_node = dst_node;
	c->peer_port = dst_port;
	c->local_port = src_port;
	c->hops = 1;
	qnet_circuit_set_dev(c, QNET_DOWN, dev);
	dev_put(dev);
	sock_hold(sk);
	c->sk = sk;
	refcount_inc(&c->refcnt);	/* the socket's */

	__skb_queue_head_init(&acts);
	/* the CONNECT leaves at the node's clock as the call acts */
	qnet_domain_enter(cn->dm);
	spin_lock_bh(&cn->lock);
	do {
		c->id = ++cn->next_id;
	} while (!c->id || __qnet_circuit_find(cn, self, c->id));
	c->pair_key = qnet_circuit_pair_key(cn, c);
	hlist_add_head(&c->hnode, qnet_circuit_bucket(cn, self, c->id));
	cn->count++;
	__qnet_circuit_send_connect(cn, c, &acts);
	__qnet_circuit_head_setup_arm(cn, c, qnet_node_now(cn));
	spin_unlock_bh(&cn->lock);
	qnet_acts_run(&acts);
	qnet_domain_exit(cn->dm);
	*cp = c;
	return 0;
}

/*
 * Kept qubits the head will hold with @req: those held now, staged or
 * still to come of the active request, and of the queued ones. Caller
 * holds cn->lock.
 */
static u64 __qnet_circuit_keep_demand(const struct qnet_circuit *c,
				      const struct qnet_request *req)
{
	u64 n = c->nkept + c->nstaged;
	unsigned int i;

	if (c->req.active && c->req.type == QNET_REQ_KEEP &&
	    c->req.delivered < c->req.num_pairs)
		n += c->req.num_pairs - c->req.delivered;
	for (i = 0; i < c->reqq_len; i++) {
		const struct qnet_request *r =
			&c->reqq[(c->reqq_head + i) % QNET_REQQ_MAX];

		if (r->type == QNET_REQ_KEEP)
			n += r->num_pairs;
	}
	if (req->type == QNET_REQ_KEEP)
		n += req->num_pairs;
	return n;
}

int qnet_circuit_request(struct qnet_circuit *c, const struct qnet_request *req,
			 u64 *req_id)
{
	struct qnet_circuit_net *cn = qnet_cn(c->net);
	struct sk_buff_head acts;
	unsigned int tail;
	int err = 0;

	__skb_queue_head_init(&acts);
	/* the request starts at the node's clock as the call acts */
	qnet_domain_enter(cn->dm);
	spin_lock_bh(&cn->lock);
	if (c->state != QNET_C_UP) {
		err = -ENOTCONN;
	} else if (c->role != QNET_ROLE_HEAD) {
		err = -EOPNOTSUPP;
	} else if (c->reqq_len >= QNET_REQQ_MAX) {
		err = -ENOBUFS;
	} else if (req->type == QNET_REQ_KEEP &&
		   __qnet_circuit_keep_demand(c, req) > qnet_circuit_kept_max(c)) {
		/* kept qubits stay in this end's memory: no room for them */
		err = -ENOBUFS;
	} else {
		tail = (c->reqq_head + c->reqq_len) % QNET_REQQ_MAX;
		c->reqq[tail] = *req;
		c->reqq_id[tail] = c->next_req_id++;
		*req_id = c->reqq_id[tail];
		c->reqq_len++;
		__qnet_circuit_next_request(cn, c, &acts, qnet_node_now(cn));
	}
	spin_unlock_bh(&cn->lock);
	qnet_acts_run(&acts);
	qnet_domain_exit(cn->dm);
	return err;
}

void qnet_circuit_close(struct qnet_circuit *c)
{
	struct qnet_circuit_net *cn = qnet_cn(c->net);
	struct sk_buff_head acts;

	__skb_queue_head_init(&acts);
	qnet_domain_enter(cn->dm);
	spin_lock_bh(&cn->lock);
	if (c->sk) {
		/* the socket is going: no callbacks to it any more */
		sock_put(c->sk);
		c->sk = NULL;
	}
	if (c->state != QNET_C_CLOSED)
		__qnet_circuit_close(cn, c, &acts, -ECONNRESET, -1);
	spin_unlock_bh(&cn->lock);
	qnet_acts_run(&acts);
	qnet_domain_exit(cn->dm);
	qnet_circuit_put(c);
}

/*
 * The network layer's init, from the top of it down: the state below
 * (circuit.c), purification's ops (circuit_purify.c), then the frames'
 * way in, last, so that nothing arrives before the rest is ready.
 */
int qnet_circuit_init(void)
{
	int err;

	err = qnet_circuit_core_init();
	if (err)
		return err;
	qnet_circuit_purify_init();
	qlink_set_net_ops(&qnet_circuit_net_rx);
	return 0;
}

void qnet_circuit_exit(void)
{
	qlink_set_net_ops(NULL);
	qnet_circuit_core_exit();
}
