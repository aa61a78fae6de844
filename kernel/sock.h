/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AF_QNET sockets (sock.c): the socket structure, the per-netns socket
 * table, and the hooks the module's life cycle calls. The interface to
 * the network layer is kernel/circuit.h.
 */
#ifndef _QNET_SOCK_H
#define _QNET_SOCK_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <net/sock.h>

#include "engine.h"

struct qnet_circuit;

#define QNET_SOCK_HASH_BITS	8

/*
 * Every AF_QNET socket of one netns, hashed by local port (unbound
 * sockets have port 0). Lives in struct qnet_net.
 */
struct qnet_sock_table {
	/* everything below; BHs off (children are added from softirq) */
	spinlock_t		lock;
	/* sk_node of struct qnet_sock, each entry holding a reference */
	struct hlist_head	hash[1 << QNET_SOCK_HASH_BITS];
};

/* AF_QNET socket: struct sock first, reached with qnet_sk(). */
struct qnet_sock {
	struct sock		sk;

	/*
	 * Written in process context under lock_sock() and @lock, so that
	 * either lock is enough to read them.
	 */
	u32			local_node;	/* bound node, or QNET_ADDR_ANY */
	u32			peer_node;
	u16			port;		/* local port, 0 if unbound */
	u16			peer_port;
	bool			head;		/* connect()ed: may send requests */
	bool			child;		/* accepted: shares the port */
	/* reference for the socket (circuit.h); set and cleared as above */
	struct qnet_circuit	*circuit;

	/*
	 * Taken by the callbacks from the network layer (softirq or
	 * process context) for sk_state, sk_err and the accept queue.
	 * Nests inside lock_sock() and the table lock.
	 */
	spinlock_t		lock;

	/* listener: accepted sockets waiting for accept(), each held */
	struct list_head	accept_queue;
	/* child: entry in its listener's accept_queue */
	struct list_head	accept_node;
	/* child: the qlink its CONNECT came over (the per-link share) */
	int			link_ifindex;

	/*
	 * Records queued by the running engine pass and not yet announced:
	 * the pass wakes up to that many readers once, at its end
	 * (qnet_sock_data_ready()). Under sk_receive_queue.lock; @wake is
	 * on the pass's list, holding a reference, while @wake_n > 0.
	 */
	struct qnet_pass_work	wake;
	unsigned int		wake_n;

	/* QNET_SO_STATS */
	u64			requests;	/* under lock_sock() */
	/*
	 * Written once per record by deliver(), which the network layer
	 * calls under the circuit's node lock (one writer at a time): no
	 * atomics on the per-pair path; read with @syncp.
	 */
	struct u64_stats_sync	syncp;
	u64_stats_t		pairs_delivered;
	u64_stats_t		errors;
};

static inline struct qnet_sock *qnet_sk(const struct sock *sk)
{
	return container_of(sk, struct qnet_sock, sk);
}

int qnet_sock_init(int family);
void qnet_sock_exit(void);

/* Per-netns table and /proc/net/qnet; called by netns.c. */
int qnet_sock_net_init(struct net *net);
void qnet_sock_net_exit(struct net *net);

#endif /* _QNET_SOCK_H */
