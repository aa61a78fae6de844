// SPDX-License-Identifier: GPL-2.0
/*
 * AF_QNET SOCK_SEQPACKET sockets: bind/listen/accept/connect, one request
 * per sendmsg(), one pair record per recvmsg(), and /proc/net/qnet.
 *
 * Implementation notes
 *
 * - Two kinds of sockets: those made by socket(2), and accepted ones
 *   ("children"), made by qnet_sock_accept_child() when a CONNECT reaches
 *   a listener. A child shares its listener's port but does not own it:
 *   the port is free again once the listener is closed.
 *
 * - Tables. One per netns (struct qnet_sock_table in struct qnet_net):
 *   every socket of the netns, hashed by local port, unbound ones under
 *   port 0. Everyone takes table->lock with BHs off, because children are
 *   added from softirq: writers (create, bind, accept_child, release),
 *   qnet_sock_lookup_listener() and /proc/net/qnet. Each entry in the
 *   hash holds a reference on its socket. The lookup is not RCU on
 *   purpose: it runs once per incoming CONNECT, and RCU readers would
 *   need SOCK_RCU_FREE, which keeps the module pinned for a grace period
 *   after the last close(), so that rmmod right after close() fails.
 *
 * - States. sk_state uses the TCP constants, as vsock and unix do:
 *     TCP_CLOSE        unconnected; a failed connect; or the circuit is
 *                      down (then sk_shutdown is SHUTDOWN_MASK)
 *     TCP_LISTEN       listening
 *     TCP_SYN_SENT     connect() in progress
 *     TCP_ESTABLISHED  connected (both a connect()ed and an accepted socket)
 *   sock->state (SS_*) is what process context last saw; it catches up
 *   with sk_state at the next connect(), as for TCP.
 *
 * - The network layer (kernel/circuit.h) answers from softirq or process
 *   context with no lock of its own held. Its callbacks never sleep and
 *   never take lock_sock(): they change sk_state, sk_err and sk_shutdown
 *   and the accept queue under the per-socket spinlock qnet_sock.lock,
 *   and wake sleepers with sk_state_change()/sk_data_ready(). Records go
 *   to sk_receive_queue with sock_queue_rcv_skb(), charged to SO_RCVBUF
 *   (a record that does not fit is dropped and counted in sk_drops).
 *   sk_data_ready is qnet_sock_data_ready(): records queued by one pass
 *   of the engine are announced once, when the pass ends.
 *
 * - Refcounts. A connected or connecting socket holds one reference on
 *   its circuit (qnet_sock.circuit): from qnet_circuit_connect(), or, for
 *   a child, the one the network layer took before calling
 *   qnet_sock_accept_child(). It gives it up in process context only,
 *   with qnet_circuit_close() (which drops it), exactly once: at close(),
 *   or when a connect fails, times out or is interrupted. The circuit
 *   holds a reference on the socket until it detaches (circuit.h). A
 *   listener holds one reference on each child in its accept queue;
 *   accept() hands it to the new struct socket.
 *
 * - Connecting is the network layer's, in emulated time: it sends CONNECT
 *   again while unanswered and gives up with ETIMEDOUT (circuit_ctl.c);
 *   the socket only waits for the answer, bounded in wall time by
 *   SO_SNDTIMEO and signals as any socket's connect() is.
 *
 * - Lock order:
 *     lock_sock(listener) -> lock_sock(child)    (closing a listener)
 *     lock_sock(sk) -> table->lock -> qnet_sock.lock
 *     network layer's node lock -> table->lock -> listener's qnet_sock.lock
 *       (qnet_sock_lookup_listener() and qnet_sock_accept_child())
 *   The other callbacks run with no network-layer lock held and take one
 *   qnet_sock.lock. qnet_circuit_qubits_held() is called under both
 *   spinlocks (for /proc) and must not sleep nor lock; every other
 *   qnet_circuit_*() call is made in process context under lock_sock()
 *   and none of the spinlocks.
 *
 * - qnet_sock.circuit is set and cleared under lock_sock() and
 *   qnet_sock.lock (a child's before it is visible), so holding either
 *   keeps it valid.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/hash.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/termios.h>
#include <linux/sockios.h>
#include <linux/security.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "qnet.h"
#include "circuit.h"
#include "qlink.h"

static int qnet_family __read_mostly;

static struct proto qnet_proto = {
	.name		= "QNET",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct qnet_sock),
};

static struct qnet_sock_table *qnet_sock_table(const struct net *net)
{
	return &qnet_pernet(net)->socks;
}

static struct hlist_head *qnet_sock_bucket(struct qnet_sock_table *t,
					   u16 port)
{
	return &t->hash[hash_32(port, QNET_SOCK_HASH_BITS)];
}

static void qnet_sock_hash(struct sock *sk)
{
	struct qnet_sock_table *t = qnet_sock_table(sock_net(sk));

	spin_lock_bh(&t->lock);
	sk_add_node(sk, qnet_sock_bucket(t, qnet_sk(sk)->port));
	spin_unlock_bh(&t->lock);
}

static void qnet_sock_unhash(struct sock *sk)
{
	struct qnet_sock_table *t = qnet_sock_table(sock_net(sk));

	spin_lock_bh(&t->lock);
	sk_del_node_init(sk);
	spin_unlock_bh(&t->lock);
}

/* Caller must hold t->lock. Children do not own their port. */
static bool __qnet_port_in_use(struct qnet_sock_table *t, u16 port)
{
	struct sock *sk;

	lockdep_assert_held(&t->lock);
	sk_for_each(sk, qnet_sock_bucket(t, port)) {
		struct qnet_sock *qs = qnet_sk(sk);

		if (qs->port == port && !qs->child)
			return true;
	}
	return false;
}

/*
 * Give @sk port @port (0: an ephemeral one) and move it to that bucket.
 * Caller holds lock_sock(sk); @sk is unbound.
 */
static int qnet_sock_bind_port(struct sock *sk, u16 port, u32 node)
{
	struct qnet_sock_table *t = qnet_sock_table(sock_net(sk));
	struct qnet_sock *qs = qnet_sk(sk);
	int err = 0;

	spin_lock_bh(&t->lock);
	if (!port) {
		u32 range = U16_MAX - QNET_EPHEMERAL_MIN + 1;
		u32 off = get_random_u32_below(range);
		u32 i;

		for (i = 0; i < range; i++) {
			u16 p = QNET_EPHEMERAL_MIN + (off + i) % range;

			if (!__qnet_port_in_use(t, p)) {
				port = p;
				break;
			}
		}
		if (!port)
			err = -EADDRINUSE;
	} else if (__qnet_port_in_use(t, port)) {
		err = -EADDRINUSE;
	}
	if (!err) {
		/* Still hashed: the entry keeps its reference. */
		__sk_del_node_init(sk);
		spin_lock(&qs->lock);
		qs->port = port;
		qs->local_node = node;
		spin_unlock(&qs->lock);
		__sk_add_node(sk, qnet_sock_bucket(t, port));
	}
	spin_unlock_bh(&t->lock);
	return err;
}

/* Give up the circuit, if any. Caller holds lock_sock(sk) (or is the
 * only user of a child that never reached accept()).
 */
static void qnet_sock_drop_circuit(struct sock *sk)
{
	struct qnet_sock *qs = qnet_sk(sk);
	struct qnet_circuit *c;

	spin_lock_bh(&qs->lock);
	c = qs->circuit;
	qs->circuit = NULL;
	spin_unlock_bh(&qs->lock);
	/* Drops the socket's reference on @c too. */
	if (c)
		qnet_circuit_close(c);
}

static void qnet_sock_fill_addr(struct sockaddr_qnet *sq, u32 node, u16 port)
{
	memset(sq, 0, sizeof(*sq));
	sq->sq_family = qnet_family;
	sq->sq_node = node;
	sq->sq_port = port;
}

/* EINVAL for a short address or a nonzero sq_zero, EAFNOSUPPORT for
 * another family, as inet does.
 */
static int qnet_sock_check_addr(const struct sockaddr *addr, int len)
{
	const struct sockaddr_qnet *sq = (const struct sockaddr_qnet *)addr;

	if (len < (int)sizeof(*sq))
		return -EINVAL;
	if (sq->sq_family != qnet_family)
		return -EAFNOSUPPORT;
	if (memchr_inv(sq->sq_zero, 0, sizeof(sq->sq_zero)))
		return -EINVAL;
	return 0;
}

/* --- callbacks from the network layer (circuit.h), any context --- */

static struct sock *qnet_sock_lookup_listener(struct net *net, u16 port)
{
	struct qnet_sock_table *t = qnet_sock_table(net);
	struct sock *sk, *found = NULL;

	spin_lock_bh(&t->lock);
	sk_for_each(sk, qnet_sock_bucket(t, port)) {
		struct qnet_sock *qs = qnet_sk(sk);

		if (qs->port == port && !qs->child &&
		    READ_ONCE(sk->sk_state) == TCP_LISTEN) {
			sock_hold(sk);
			found = sk;
			break;
		}
	}
	spin_unlock_bh(&t->lock);
	return found;
}

static void qnet_sock_destruct(struct sock *sk)
{
	struct qnet_sock *qs = qnet_sk(sk);

	skb_queue_purge(&sk->sk_receive_queue);
	WARN_ON_ONCE(qs->circuit);
	WARN_ON_ONCE(!list_empty(&qs->accept_queue));
}

/*
 * Wake up to @n readers (each takes a record: exclusive waiters, as in
 * skb_recv_datagram()) and every poller, once: sock_def_readable() for a
 * batch.
 */
static void qnet_sock_wake(struct sock *sk, unsigned int n)
{
	struct socket_wq *wq;

	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		__wake_up(&wq->wait, TASK_INTERRUPTIBLE, n,
			  poll_to_key(EPOLLIN | EPOLLPRI | EPOLLRDNORM |
				      EPOLLRDBAND));
	sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
	rcu_read_unlock();
}

/* The engine pass that queued records on the socket has ended. */
static void qnet_sock_wake_run(struct qnet_pass_work *d)
{
	struct qnet_sock *qs = container_of(d, struct qnet_sock, wake);
	struct sock *sk = &qs->sk;
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&sk->sk_receive_queue.lock, flags);
	n = qs->wake_n;
	qs->wake_n = 0;
	spin_unlock_irqrestore(&sk->sk_receive_queue.lock, flags);
	qnet_sock_wake(sk, n);
	sock_put(sk);
}

/*
 * sk_data_ready: inside an engine event, count the record and leave the
 * wake-up to the end of the pass, so that a reader blocked in recvmmsg()
 * or poll() wakes once for the records of a pass, not once each; outside
 * one, wake at once.
 */
static void qnet_sock_data_ready(struct sock *sk)
{
	struct qnet_sock *qs = qnet_sk(sk);
	unsigned long flags;
	bool deferred = true;

	spin_lock_irqsave(&sk->sk_receive_queue.lock, flags);
	if (qs->wake_n) {
		qs->wake_n++;
	} else if (qnet_engine_defer(&qs->wake)) {
		sock_hold(sk);
		qs->wake_n = 1;
	} else {
		deferred = false;
	}
	spin_unlock_irqrestore(&sk->sk_receive_queue.lock, flags);
	if (!deferred)
		qnet_sock_wake(sk, 1);
}

/* What socket() and accept_child() share. */
static void qnet_sock_init_common(struct sock *sk)
{
	struct qnet_sock *qs = qnet_sk(sk);

	sk->sk_destruct = qnet_sock_destruct;
	sk->sk_protocol = 0;
	spin_lock_init(&qs->lock);
	INIT_LIST_HEAD(&qs->accept_queue);
	INIT_LIST_HEAD(&qs->accept_node);
	u64_stats_init(&qs->syncp);
	qs->wake.run = qnet_sock_wake_run;
	sk->sk_data_ready = qnet_sock_data_ready;
}

/*
 * May one more child that came over the link @ifindex wait in @listener's
 * accept queue? Those of one link take at most half the backlog, rounded
 * up (Documentation/security.rst): whoever can write frames on one link
 * can forge CONNECTs as fast as it likes (a SYN flood), and would
 * otherwise keep every other link's connections out. The queue is at
 * most the backlog long (somaxconn). Caller holds the listener's lock.
 */
static bool qnet_sock_link_share_ok(struct sock *listener, int ifindex)
{
	struct qnet_sock *lqs = qnet_sk(listener);
	u32 share = DIV_ROUND_UP(READ_ONCE(listener->sk_max_ack_backlog), 2);
	struct qnet_sock *qs;
	u32 n = 0;

	lockdep_assert_held(&lqs->lock);

	list_for_each_entry(qs, &lqs->accept_queue, accept_node)
		if (qs->link_ifindex == ifindex && ++n >= share)
			return false;
	return true;
}

/*
 * Has the node a running qlink other than @ifindex? Only then is there
 * anyone for a link's share of the backlog to keep room for: on a node
 * with one link every CONNECT, forged or not, comes over it.
 */
static bool qnet_sock_other_links(struct net *net, int ifindex)
{
	struct net_device *dev;
	bool other = false;

	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (dev->ifindex != ifindex && qlink_dev_is_qlink(dev) &&
		    netif_running(dev)) {
			other = true;
			break;
		}
	}
	rcu_read_unlock();
	return other;
}

/*
 * Runs under the network layer's node lock (circuit.h): no sleeping and no
 * qnet_circuit_*() call but qnet_circuit_attach_sock().
 */
static int qnet_sock_accept_child(struct sock *listener,
				  struct qnet_circuit *c,
				  u32 peer_node, u16 peer_port, int ifindex)
{
	struct qnet_sock *lqs = qnet_sk(listener);
	struct qnet_sock *qs;
	struct sock *sk;
	int err = -ECONNREFUSED;
	bool shared;

	if (READ_ONCE(listener->sk_state) != TCP_LISTEN ||
	    sk_acceptq_is_full(listener))
		return -ECONNREFUSED;

	/*
	 * Softirq: nobody's task. The proto's slab is SLAB_ACCOUNT and the
	 * network layer has made the node's memory cgroup the active one
	 * (circuit_ctl.c), so the socket is charged there.
	 */
	sk = sk_alloc(sock_net(listener), qnet_family, GFP_ATOMIC,
		      &qnet_proto, 0);
	if (!sk)
		return -ENOMEM;
	sock_init_data(NULL, sk);
	/* what an LSM knows of the listener goes to the child, as for TCP */
	security_sk_clone(listener, sk);
	qnet_sock_init_common(sk);
	sk->sk_type = listener->sk_type;
	sk->sk_rcvbuf = READ_ONCE(listener->sk_rcvbuf);
	sk->sk_sndbuf = READ_ONCE(listener->sk_sndbuf);
	sk->sk_rcvtimeo = READ_ONCE(listener->sk_rcvtimeo);
	sk->sk_sndtimeo = READ_ONCE(listener->sk_sndtimeo);
	sk->sk_state = TCP_ESTABLISHED;

	qs = qnet_sk(sk);
	qs->child = true;
	qs->port = lqs->port;
	qs->local_node = qnet_pernet(sock_net(sk))->node_addr;
	qs->peer_node = peer_node;
	qs->peer_port = peer_port;
	qs->link_ifindex = ifindex;
	/* Ours only if queued below; the caller keeps it otherwise. */
	qs->circuit = c;

	qnet_sock_hash(sk);

	shared = qnet_sock_other_links(sock_net(listener), ifindex);
	spin_lock_bh(&lqs->lock);
	if (listener->sk_state == TCP_LISTEN && !sk_acceptq_is_full(listener) &&
	    shared && !qnet_sock_link_share_ok(listener, ifindex)) {
		err = -EDQUOT;
	} else if (listener->sk_state == TCP_LISTEN &&
		   !sk_acceptq_is_full(listener)) {
		/* The initial reference is the accept queue's. */
		list_add_tail(&qs->accept_node, &lqs->accept_queue);
		sk_acceptq_added(listener);
		/* The child keeps the reference on @c the caller took for
		 * it; the circuit takes one on the child.
		 */
		qnet_circuit_attach_sock(c, sk);
		err = 0;
	}
	spin_unlock_bh(&lqs->lock);

	if (err) {
		/* Never seen by anyone; the caller refuses the circuit. */
		qnet_sock_unhash(sk);
		qs->circuit = NULL;
		sock_orphan(sk);
		sock_put(sk);
		return err;
	}
	listener->sk_data_ready(listener);
	return 0;
}

static void qnet_sock_connected(struct sock *sk, int err)
{
	struct qnet_sock *qs = qnet_sk(sk);
	bool changed = false;

	spin_lock_bh(&qs->lock);
	if (sk->sk_state == TCP_SYN_SENT) {
		if (err) {
			sk->sk_err = -err;
			sk->sk_state = TCP_CLOSE;
		} else {
			sk->sk_state = TCP_ESTABLISHED;
		}
		changed = true;
	}
	spin_unlock_bh(&qs->lock);

	/* Else the connect was given up: a signal, SO_SNDTIMEO or close(). */
	if (changed)
		sk->sk_state_change(sk);
}

static int qnet_sock_deliver(struct sock *sk, const struct qnet_pair *rec)
{
	struct qnet_sock *qs = qnet_sk(sk);
	struct sk_buff *skb;
	int err;

	u64_stats_update_begin(&qs->syncp);
	u64_stats_inc(rec->error ? &qs->errors : &qs->pairs_delivered);
	u64_stats_update_end(&qs->syncp);

	if (sock_flag(sk, SOCK_DEAD))
		return -EPIPE;
	skb = alloc_skb(sizeof(*rec), GFP_ATOMIC);
	if (!skb) {
		atomic_inc(&sk->sk_drops);
		return -ENOMEM;
	}
	skb_put_data(skb, rec, sizeof(*rec));
	/* Charges SO_RCVBUF (counting sk_drops when full), wakes readers. */
	err = sock_queue_rcv_skb(sk, skb);
	if (err)
		kfree_skb(skb);
	return err;
}

static void qnet_sock_circuit_down(struct sock *sk, int err)
{
	struct qnet_sock *qs = qnet_sk(sk);
	bool changed = true;

	spin_lock_bh(&qs->lock);
	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		/* Died before the answer: as a failed connect. */
		sk->sk_err = err ? -err : ECONNREFUSED;
		sk->sk_state = TCP_CLOSE;
		break;
	case TCP_ESTABLISHED:
		/* Readers see @err once (sock_error()), then the records
		 * still queued, then EOF; writers get EPIPE. ECONNRESET is
		 * the peer's close(): the orderly end of a seqpacket
		 * connection, so EOF without an error, as for unix sockets.
		 */
		if (err && err != -ECONNRESET)
			sk->sk_err = -err;
		WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
		sk->sk_state = TCP_CLOSE;
		break;
	default:
		changed = false;
	}
	spin_unlock_bh(&qs->lock);

	if (changed)
		sk->sk_state_change(sk);
}

/* --- proto_ops --- */

/* Close and free every child still waiting for accept(). */
static void qnet_sock_flush_accept_queue(struct sock *listener)
{
	struct qnet_sock *lqs = qnet_sk(listener);
	struct qnet_sock *qs, *tmp;
	LIST_HEAD(queue);

	spin_lock_bh(&lqs->lock);
	list_splice_init(&lqs->accept_queue, &queue);
	WRITE_ONCE(listener->sk_ack_backlog, 0);
	spin_unlock_bh(&lqs->lock);

	list_for_each_entry_safe(qs, tmp, &queue, accept_node) {
		struct sock *sk = &qs->sk;

		list_del_init(&qs->accept_node);
		lock_sock_nested(sk, SINGLE_DEPTH_NESTING);
		qnet_sock_drop_circuit(sk);
		qnet_sock_unhash(sk);
		sock_orphan(sk);
		skb_queue_purge(&sk->sk_receive_queue);
		release_sock(sk);
		sock_put(sk);
	}
}

static int qnet_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct qnet_sock *qs;

	if (!sk)
		return 0;
	qs = qnet_sk(sk);

	lock_sock(sk);

	spin_lock_bh(&qs->lock);
	sk->sk_state = TCP_CLOSE;
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	spin_unlock_bh(&qs->lock);

	qnet_sock_flush_accept_queue(sk);
	qnet_sock_unhash(sk);
	qnet_sock_drop_circuit(sk);

	sock_orphan(sk);
	skb_queue_purge(&sk->sk_receive_queue);
	release_sock(sk);

	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static int qnet_bind(struct socket *sock, struct sockaddr *addr, int len)
{
	const struct sockaddr_qnet *sq = (const struct sockaddr_qnet *)addr;
	struct sock *sk = sock->sk;
	u32 node_addr;
	int err;

	err = qnet_sock_check_addr(addr, len);
	if (err)
		return err;

	lock_sock(sk);
	if (qnet_sk(sk)->port) {
		err = -EINVAL;
		goto out;
	}
	node_addr = READ_ONCE(qnet_pernet(sock_net(sk))->node_addr);
	if (sq->sq_node != QNET_ADDR_ANY && sq->sq_node != node_addr) {
		err = -EADDRNOTAVAIL;
		goto out;
	}
	err = qnet_sock_bind_port(sk, sq->sq_port, sq->sq_node);
out:
	release_sock(sk);
	return err;
}

/* Caller holds lock_sock(sk). */
static int qnet_sock_autobind(struct sock *sk)
{
	if (qnet_sk(sk)->port)
		return 0;
	return qnet_sock_bind_port(sk, 0, QNET_ADDR_ANY);
}

static void qnet_sock_set_state(struct sock *sk, int state)
{
	struct qnet_sock *qs = qnet_sk(sk);

	spin_lock_bh(&qs->lock);
	sk->sk_state = state;
	spin_unlock_bh(&qs->lock);
}

static int qnet_connect(struct socket *sock, struct sockaddr *addr, int len,
			int flags)
{
	const struct sockaddr_qnet *sq = (const struct sockaddr_qnet *)addr;
	struct sock *sk = sock->sk;
	struct qnet_sock *qs = qnet_sk(sk);
	struct qnet_circuit *c;
	DEFINE_WAIT(wait);
	long timeo;
	int err;

	err = qnet_sock_check_addr(addr, len);
	if (err)
		return err;

	lock_sock(sk);
	switch (sock->state) {
	case SS_CONNECTED:
	case SS_DISCONNECTING:
		err = -EISCONN;
		goto out;
	case SS_CONNECTING:
		/* An earlier non-blocking connect: wait for it, or report
		 * what became of it.
		 */
		err = -EALREADY;
		if (sk->sk_state == TCP_SYN_SENT && (flags & O_NONBLOCK))
			goto out;
		break;
	default:
		if (sk->sk_state != TCP_CLOSE || qs->peer_port) {
			/* listening, or connected once (circuit now down) */
			err = sk->sk_state == TCP_LISTEN ? -EINVAL : -EISCONN;
			goto out;
		}
		if (sq->sq_node == QNET_ADDR_ANY || !sq->sq_port) {
			err = -EINVAL;
			goto out;
		}
		err = qnet_sock_autobind(sk);
		if (err)
			goto out;
		/* Before the call: the answer may come from inside it. */
		qnet_sock_set_state(sk, TCP_SYN_SENT);
		WRITE_ONCE(sk->sk_err, 0);
		err = qnet_circuit_connect(sk, qs->port, sq->sq_node,
					   sq->sq_port, &c);
		if (err) {
			qnet_sock_set_state(sk, TCP_CLOSE);
			goto out;
		}
		spin_lock_bh(&qs->lock);
		qs->circuit = c;
		qs->head = true;
		qs->peer_node = sq->sq_node;
		qs->peer_port = sq->sq_port;
		if (qs->local_node == QNET_ADDR_ANY)
			qs->local_node =
				READ_ONCE(qnet_pernet(sock_net(sk))->node_addr);
		spin_unlock_bh(&qs->lock);
		sock->state = SS_CONNECTING;
		err = -EINPROGRESS;
		if (flags & O_NONBLOCK)
			goto out;
	}

	/* until the network answers, or gives up in emulated time */
	timeo = sk->sk_sndtimeo;
	while (sk->sk_state == TCP_SYN_SENT) {
		prepare_to_wait(sk_sleep(sk), &wait, TASK_INTERRUPTIBLE);
		if (sk->sk_state != TCP_SYN_SENT)
			break;
		if (signal_pending(current) || !timeo) {
			finish_wait(sk_sleep(sk), &wait);
			err = timeo ? sock_intr_errno(timeo) : -ETIMEDOUT;
			goto abandon;
		}
		release_sock(sk);
		timeo = schedule_timeout(timeo);
		lock_sock(sk);
	}
	finish_wait(sk_sleep(sk), &wait);

	if (sk->sk_state == TCP_ESTABLISHED) {
		sock->state = SS_CONNECTED;
		err = 0;
		goto out;
	}
	/* Refused, unreachable or timed out (in emulated time). */
	err = sock_error(sk) ? : -ECONNABORTED;
	goto reset;

abandon:
	spin_lock_bh(&qs->lock);
	if (sk->sk_state == TCP_ESTABLISHED) {
		/* Made it while we were giving up. */
		spin_unlock_bh(&qs->lock);
		sock->state = SS_CONNECTED;
		err = 0;
		goto out;
	}
	sk->sk_state = TCP_CLOSE;
	spin_unlock_bh(&qs->lock);
reset:
	qnet_sock_drop_circuit(sk);
	spin_lock_bh(&qs->lock);
	qs->head = false;
	qs->peer_node = QNET_ADDR_ANY;
	qs->peer_port = 0;
	spin_unlock_bh(&qs->lock);
	/* A connection that came up and went down before we looked. */
	WRITE_ONCE(sk->sk_shutdown, 0);
	skb_queue_purge(&sk->sk_receive_queue);
	sock->state = SS_UNCONNECTED;
out:
	release_sock(sk);
	return err;
}

/*
 * An unbound socket is bound to an ephemeral port first, as TCP does;
 * getsockname() tells which.
 */
static int qnet_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED || qnet_sk(sk)->peer_port ||
	    (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN)) {
		err = -EINVAL;
		goto out;
	}
	err = qnet_sock_autobind(sk);
	if (err)
		goto out;
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	qnet_sock_set_state(sk, TCP_LISTEN);
out:
	release_sock(sk);
	return err;
}

static struct sock *qnet_sock_dequeue_child(struct sock *listener)
{
	struct qnet_sock *lqs = qnet_sk(listener);
	struct qnet_sock *qs;

	spin_lock_bh(&lqs->lock);
	qs = list_first_entry_or_null(&lqs->accept_queue, struct qnet_sock,
				      accept_node);
	if (qs) {
		list_del_init(&qs->accept_node);
		sk_acceptq_removed(listener);
	}
	spin_unlock_bh(&lqs->lock);
	return qs ? &qs->sk : NULL;
}

static int qnet_accept(struct socket *sock, struct socket *newsock, int flags,
		       bool kern)
{
	struct sock *sk = sock->sk;
	struct sock *child = NULL;
	DEFINE_WAIT(wait);
	long timeo;
	int err = 0;

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
	for (;;) {
		prepare_to_wait_exclusive(sk_sleep(sk), &wait,
					  TASK_INTERRUPTIBLE);
		if (sk->sk_state != TCP_LISTEN) {
			err = -EINVAL;
			break;
		}
		child = qnet_sock_dequeue_child(sk);
		if (child)
			break;
		if (!timeo) {
			err = -EAGAIN;
			break;
		}
		if (signal_pending(current)) {
			err = sock_intr_errno(timeo);
			break;
		}
		release_sock(sk);
		timeo = schedule_timeout(timeo);
		lock_sock(sk);
	}
	finish_wait(sk_sleep(sk), &wait);
	release_sock(sk);
	if (err)
		return err;

	/* The accept queue's reference becomes the new socket's. */
	lock_sock(child);
	sock_graft(child, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(child);
	return 0;
}

static int qnet_getname(struct socket *sock, struct sockaddr *addr, int peer)
{
	struct sockaddr_qnet *sq = (struct sockaddr_qnet *)addr;
	struct sock *sk = sock->sk;
	struct qnet_sock *qs = qnet_sk(sk);

	lock_sock(sk);
	if (peer) {
		/*
		 * accept() asks with peer == 2 and fails with ECONNABORTED,
		 * losing the connection, if this fails: a child whose peer
		 * closed while it was queued keeps its peer's address, as
		 * TCP's does (Documentation/sockets.rst, "accept()").
		 */
		if (sk->sk_state != TCP_ESTABLISHED &&
		    (peer != 2 || qs->peer_node == QNET_ADDR_ANY)) {
			release_sock(sk);
			return -ENOTCONN;
		}
		qnet_sock_fill_addr(sq, qs->peer_node, qs->peer_port);
	} else {
		qnet_sock_fill_addr(sq, qs->local_node, qs->port);
	}
	release_sock(sk);
	return sizeof(*sq);
}

static __poll_t qnet_poll(struct file *file, struct socket *sock,
			  poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	u8 shutdown;
	int state;

	sock_poll_wait(file, sock, wait);

	state = READ_ONCE(sk->sk_state);
	if (state == TCP_LISTEN)
		return READ_ONCE(sk->sk_ack_backlog) ?
			EPOLLIN | EPOLLRDNORM : 0;

	if (READ_ONCE(sk->sk_err))
		mask |= EPOLLERR;
	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (!skb_queue_empty_lockless(&sk->sk_receive_queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	/* sendmsg() never waits: writable unless still connecting. */
	if (state != TCP_SYN_SENT)
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static int qnet_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct sk_buff *skb;
	int amount = 0;

	switch (cmd) {
	case SIOCOUTQ:
		return put_user(0, (int __user *)arg);
	case SIOCINQ:
		/* Size of the next record, as for unix datagrams. */
		spin_lock_bh(&sk->sk_receive_queue.lock);
		skb = skb_peek(&sk->sk_receive_queue);
		if (skb)
			amount = skb->len;
		spin_unlock_bh(&sk->sk_receive_queue.lock);
		return put_user(amount, (int __user *)arg);
	default:
		return -ENOIOCTLCMD;
	}
}

static int qnet_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	struct qnet_sock *qs = qnet_sk(sk);
	int err = 0;

	/* SHUT_RD, SHUT_WR, SHUT_RDWR -> RCV_SHUTDOWN, SEND_, both. */
	how++;
	if (how & ~SHUTDOWN_MASK || !how)
		return -EINVAL;

	lock_sock(sk);
	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		break;
	case TCP_LISTEN:
		/* As TCP: SHUT_RD stops listening; accept() gets EINVAL. */
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		if (how & RCV_SHUTDOWN) {
			spin_lock_bh(&qs->lock);
			sk->sk_state = TCP_CLOSE;
			spin_unlock_bh(&qs->lock);
			qnet_sock_flush_accept_queue(sk);
		}
		break;
	default:
		err = -ENOTCONN;
	}
	release_sock(sk);
	if (!err)
		sk->sk_state_change(sk);
	return err;
}

static int qnet_setsockopt(struct socket *sock, int level, int optname,
			   sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct qnet_sock *qs = qnet_sk(sk);
	u32 qubit;
	int err;

	if (level != SOL_QNET)
		return -ENOPROTOOPT;

	switch (optname) {
	case QNET_SO_RELEASE:
		if (optlen < sizeof(qubit))
			return -EINVAL;
		if (copy_from_sockptr(&qubit, optval, sizeof(qubit)))
			return -EFAULT;
		lock_sock(sk);
		err = qs->circuit ? qnet_circuit_release(qs->circuit, qubit) :
				    -ENOTCONN;
		release_sock(sk);
		return err;
	default:
		return -ENOPROTOOPT;
	}
}

static int qnet_get_stats(struct sock *sk, char __user *optval,
			  int __user *optlen, int len)
{
	struct qnet_sock *qs = qnet_sk(sk);
	struct qnet_sock_stats st = {};
	unsigned int start;

	if (len < (int)sizeof(st))
		return -EINVAL;
	lock_sock(sk);
	st.requests = qs->requests;
	do {
		start = u64_stats_fetch_begin(&qs->syncp);
		st.pairs_delivered = u64_stats_read(&qs->pairs_delivered);
		st.errors = u64_stats_read(&qs->errors);
	} while (u64_stats_fetch_retry(&qs->syncp, start));
	if (qs->circuit)
		st.qubits_held = qnet_circuit_qubits_held(qs->circuit);
	release_sock(sk);

	len = sizeof(st);
	if (copy_to_user(optval, &st, len) || put_user(len, optlen))
		return -EFAULT;
	return 0;
}

static int qnet_get_measure(struct sock *sk, char __user *optval,
			    int __user *optlen, int len)
{
	struct qnet_sock *qs = qnet_sk(sk);
	struct qnet_measure m;
	int err;

	if (len < (int)sizeof(m))
		return -EINVAL;
	if (copy_from_user(&m, optval, sizeof(m)))
		return -EFAULT;
	if (m.basis > QNET_BASIS_Y)
		return -EINVAL;

	lock_sock(sk);
	err = qs->circuit ? qnet_circuit_measure(qs->circuit, m.qubit, m.basis,
						 &m.outcome, &m.time_ns) :
			    -ENOTCONN;
	release_sock(sk);
	if (err)
		return err;

	len = sizeof(m);
	if (copy_to_user(optval, &m, len) || put_user(len, optlen))
		return -EFAULT;
	return 0;
}

static int qnet_getsockopt(struct socket *sock, int level, int optname,
			   char __user *optval, int __user *optlen)
{
	int len;

	if (level != SOL_QNET)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;

	switch (optname) {
	case QNET_SO_STATS:
		return qnet_get_stats(sock->sk, optval, optlen, len);
	case QNET_SO_MEASURE:
		return qnet_get_measure(sock->sk, optval, optlen, len);
	default:
		return -ENOPROTOOPT;
	}
}

/*
 * One struct qnet_request per message. The message is checked before the
 * socket's state: a malformed request is EINVAL whatever the state.
 * msg_name is ignored, as on a connected TCP or unix seqpacket socket.
 */
static int qnet_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct qnet_sock *qs = qnet_sk(sk);
	struct qnet_request req;
	u64 req_id;
	int err;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (len != sizeof(req))
		return -EINVAL;
	if (!copy_from_iter_full(&req, sizeof(req), &msg->msg_iter))
		return -EFAULT;
	if (!qnet_request_valid(&req))
		return -EINVAL;

	lock_sock(sk);
	if (sk->sk_shutdown & SEND_SHUTDOWN) {
		/* shut down, or the circuit went down: the pending error
		 * first, then EPIPE and SIGPIPE
		 */
		err = sk_stream_error(sk, msg->msg_flags, -EPIPE);
		goto out;
	}
	if (sk->sk_state != TCP_ESTABLISHED || !qs->circuit) {
		err = -ENOTCONN;
		goto out;
	}
	if (!qs->head) {
		/* Only the connecting end asks for pairs, in this version. */
		err = -EOPNOTSUPP;
		goto out;
	}
	err = qnet_circuit_request(qs->circuit, &req, &req_id);
	if (err == -ENOTCONN)
		/* Down, and the callback is on its way. */
		err = sk_stream_error(sk, msg->msg_flags, -EPIPE);
	if (!err) {
		qs->requests++;
		err = len;
	}
out:
	release_sock(sk);
	return err;
}

/*
 * One record per call. A short buffer gets the start of the record and
 * MSG_TRUNC, and the rest is lost, as for any seqpacket socket; with
 * MSG_TRUNC in @flags the record's full size is returned.
 */
static int qnet_recvmsg(struct socket *sock, struct msghdr *msg, size_t size,
			int flags)
{
	DECLARE_SOCKADDR(struct sockaddr_qnet *, sq, msg->msg_name);
	struct sock *sk = sock->sk;
	struct qnet_sock *qs = qnet_sk(sk);
	struct sk_buff *skb;
	size_t copied;
	int err;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	/* Connected, or was (then the queue drains, and EOF follows). */
	if (READ_ONCE(sk->sk_state) != TCP_ESTABLISHED &&
	    !(READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN))
		return -ENOTCONN;

	skb = skb_recv_datagram(sk, flags, &err);
	if (!skb) {
		/* End of file, also for a non-blocking call, as unix does */
		if (err == -EAGAIN && (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN))
			err = 0;
		return err;
	}

	copied = skb->len;
	if (copied > size) {
		copied = size;
		msg->msg_flags |= MSG_TRUNC;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (err)
		goto out;

	if (sq) {
		qnet_sock_fill_addr(sq, READ_ONCE(qs->peer_node),
				    READ_ONCE(qs->peer_port));
		msg->msg_namelen = sizeof(*sq);
	}
	sock_recv_cmsgs(msg, sk, skb);
	err = (flags & MSG_TRUNC) ? skb->len : copied;
out:
	skb_free_datagram(sk, skb);
	return err;
}

/* .family is filled in by qnet_sock_init(). */
static struct proto_ops qnet_seqpacket_ops __ro_after_init = {
	.owner		= THIS_MODULE,
	.release	= qnet_release,
	.bind		= qnet_bind,
	.connect	= qnet_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= qnet_accept,
	.getname	= qnet_getname,
	.poll		= qnet_poll,
	.ioctl		= qnet_ioctl,
	.gettstamp	= sock_gettstamp,
	.listen		= qnet_listen,
	.shutdown	= qnet_shutdown,
	.setsockopt	= qnet_setsockopt,
	.getsockopt	= qnet_getsockopt,
	.sendmsg	= qnet_sendmsg,
	.recvmsg	= qnet_recvmsg,
	.mmap		= sock_no_mmap,
};

static int qnet_create(struct net *net, struct socket *sock, int protocol,
		       int kern)
{
	struct sock *sk;

	if (sock->type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	if (protocol)
		return -EPROTONOSUPPORT;

	sk = sk_alloc(net, qnet_family, GFP_KERNEL, &qnet_proto, kern);
	if (!sk)
		return -ENOMEM;

	sock->ops = &qnet_seqpacket_ops;
	sock->state = SS_UNCONNECTED;
	sock_init_data(sock, sk);
	qnet_sock_init_common(sk);
	qnet_sock_hash(sk);
	return 0;
}

static struct net_proto_family qnet_family_ops __ro_after_init = {
	.create	= qnet_create,
	.owner	= THIS_MODULE,
};

/* --- /proc/net/qnet --- */

static const char *qnet_sock_state_name(const struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_LISTEN:
		return "LISTEN";
	case TCP_SYN_SENT:
		return "CONNECTING";
	case TCP_ESTABLISHED:
		return "CONNECTED";
	default:
		/* a connection whose circuit went down */
		if (qnet_sk(sk)->peer_port && (sk->sk_shutdown & RCV_SHUTDOWN))
			return "DISCONNECTED";
		return "UNCONNECTED";
	}
}

static struct sock *qnet_seq_idx(struct qnet_sock_table *t, loff_t pos)
{
	struct sock *sk;
	int i;

	for (i = 0; i < ARRAY_SIZE(t->hash); i++)
		sk_for_each(sk, &t->hash[i])
			if (!pos--)
				return sk;
	return NULL;
}

static void *qnet_seq_start(struct seq_file *seq, loff_t *pos)
	__acquires(&t->lock)
{
	struct qnet_sock_table *t = qnet_sock_table(seq_file_net(seq));

	spin_lock_bh(&t->lock);
	return *pos ? qnet_seq_idx(t, *pos - 1) : SEQ_START_TOKEN;
}

static void *qnet_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct qnet_sock_table *t = qnet_sock_table(seq_file_net(seq));
	struct sock *sk = v;
	int i;

	++*pos;
	if (v == SEQ_START_TOKEN)
		return qnet_seq_idx(t, 0);
	if (sk->sk_node.next)
		return sk_entry(sk->sk_node.next);
	for (i = hash_32(qnet_sk(sk)->port, QNET_SOCK_HASH_BITS) + 1;
	     i < ARRAY_SIZE(t->hash); i++)
		if (!hlist_empty(&t->hash[i]))
			return sk_head(&t->hash[i]);
	return NULL;
}

static void qnet_seq_stop(struct seq_file *seq, void *v)
	__releases(&t->lock)
{
	struct qnet_sock_table *t = qnet_sock_table(seq_file_net(seq));

	spin_unlock_bh(&t->lock);
}

static int qnet_seq_show(struct seq_file *seq, void *v)
{
	struct sock *sk = v;
	struct qnet_sock *qs;
	unsigned int queued, qubits = 0;

	if (v == SEQ_START_TOKEN) {
		seq_puts(seq, "Inode      State        Local            Peer             Records  Qubits  Drops\n");
		return 0;
	}

	qs = qnet_sk(sk);
	spin_lock(&qs->lock);
	if (qs->circuit)
		qubits = qnet_circuit_qubits_held(qs->circuit);
	queued = sk->sk_state == TCP_LISTEN ? READ_ONCE(sk->sk_ack_backlog) :
		 skb_queue_len_lockless(&sk->sk_receive_queue);
	seq_printf(seq, "%-10lu %-12s %10u:%-5u %10u:%-5u %7u %7u %6u\n",
		   sock_i_ino(sk), qnet_sock_state_name(sk),
		   qs->local_node, qs->port, qs->peer_node, qs->peer_port,
		   queued, qubits, atomic_read(&sk->sk_drops));
	spin_unlock(&qs->lock);
	return 0;
}

static const struct seq_operations qnet_seq_ops = {
	.start	= qnet_seq_start,
	.next	= qnet_seq_next,
	.stop	= qnet_seq_stop,
	.show	= qnet_seq_show,
};

/* --- life cycle --- */

int qnet_sock_net_init(struct net *net)
{
	struct qnet_sock_table *t = qnet_sock_table(net);
	int i;

	spin_lock_init(&t->lock);
	for (i = 0; i < ARRAY_SIZE(t->hash); i++)
		INIT_HLIST_HEAD(&t->hash[i]);

	if (!proc_create_net("qnet", 0444, net->proc_net, &qnet_seq_ops,
			     sizeof(struct seq_net_private)))
		return -ENOMEM;
	return 0;
}

void qnet_sock_net_exit(struct net *net)
{
	struct qnet_sock_table *t = qnet_sock_table(net);
	int i;

	remove_proc_entry("qnet", net->proc_net);
	/* Every socket holds a reference on its netns. */
	for (i = 0; i < ARRAY_SIZE(t->hash); i++)
		WARN_ON_ONCE(!hlist_empty(&t->hash[i]));
}

/* What the network layer calls back (circuit.h). */
static const struct qnet_sock_ops qnet_sock_circuit_ops = {
	.lookup_listener	= qnet_sock_lookup_listener,
	.accept_child		= qnet_sock_accept_child,
	.connected		= qnet_sock_connected,
	.deliver		= qnet_sock_deliver,
	.circuit_down		= qnet_sock_circuit_down,
};

int qnet_sock_init(int family)
{
	int err;

	qnet_family = family;
	qnet_seqpacket_ops.family = family;
	qnet_family_ops.family = family;

	qnet_circuit_set_sock_ops(&qnet_sock_circuit_ops);
	err = proto_register(&qnet_proto, 1);
	if (err)
		goto err_ops;

	err = sock_register(&qnet_family_ops);
	if (err) {
		if (err == -EEXIST)
			pr_err("socket family %d is already registered by another module; load qnet with family=<free slot below %d>\n",
			       family, AF_MAX);
		proto_unregister(&qnet_proto);
		goto err_ops;
	}
	return 0;

err_ops:
	qnet_circuit_set_sock_ops(NULL);
	return err;
}

void qnet_sock_exit(void)
{
	sock_unregister(qnet_family);
	proto_unregister(&qnet_proto);
	qnet_circuit_set_sock_ops(NULL);
}
