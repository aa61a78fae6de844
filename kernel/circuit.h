/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between the socket layer (af_qnet.c, sock*.c) and the
 * network layer (circuit*.c: connection set-up, per-request circuits,
 * swapping, delivery; circuit_net.h says which file holds what). See
 * Documentation/network.rst.
 *
 * Lifetimes: a connected socket holds a reference on its circuit; an
 * attached circuit holds a reference on its socket (sock_hold) until
 * qnet_circuit_close() or the socket layer's circuit_down() detaches them.
 *
 * Context: the socket layer's callbacks (struct qnet_sock_ops) are called
 * by the network layer from process context or the engine's, with no
 * network-layer lock held unless noted; they must not sleep.
 */
#ifndef _QNET_CIRCUIT_H
#define _QNET_CIRCUIT_H

#include <net/sock.h>
#include <linux/qnet.h>

struct qnet_circuit;

/* --- network layer, called by the socket layer (process context) --- */

int qnet_circuit_init(void);
void qnet_circuit_exit(void);

/*
 * Start a connection from @sk (bound to @src_port) to @dst_node:@dst_port.
 * Sends QNET_MSG_CONNECT along the route; the outcome arrives later through
 * the socket layer's connected(). Returns 0 or: -EADDRNOTAVAIL (this node has no
 * address), -EHOSTUNREACH (no route), -ENOMEM. On success *@cp holds a
 * reference for the socket.
 */
int qnet_circuit_connect(struct sock *sk, u16 src_port, u32 dst_node,
			 u16 dst_port, struct qnet_circuit **cp);

/*
 * Queue a request on an established circuit (head end only). The pairs
 * come back through the socket layer's deliver() at both ends. *@req_id is the id
 * both ends' records carry. -ENOTCONN if the circuit is down.
 */
int qnet_circuit_request(struct qnet_circuit *c, const struct qnet_request *req,
			 u64 *req_id);

/*
 * Detach the socket, tell the far end, free what the circuit holds, and
 * drop the socket's reference on @c: the socket must not use @c after.
 */
void qnet_circuit_close(struct qnet_circuit *c);
struct qnet_circuit *qnet_circuit_get(struct qnet_circuit *c);
void qnet_circuit_put(struct qnet_circuit *c);

/* Kept qubits (QNET_REQ_KEEP): measure once, or release. -ENOENT if the
 * handle is unknown to this end of the circuit.
 */
int qnet_circuit_measure(struct qnet_circuit *c, u32 qubit, u8 basis,
			 u8 *outcome, u64 *time_ns);
int qnet_circuit_release(struct qnet_circuit *c, u32 qubit);
unsigned int qnet_circuit_qubits_held(struct qnet_circuit *c);
void qnet_circuit_attach_sock(struct qnet_circuit *c, struct sock *sk);

/*
 * A node's network-layer counters (netlink QNET_A_NET_STATS and
 * /proc/net/qnet_node): each event once, at the node where it happened.
 */
struct qnet_net_stats {
	u64	delivered;		/* end-to-end pairs given to sockets */
	u64	delivered_fid_sum_ppm;
	u64	swaps_ok;
	u64	swaps_failed;
	u64	purify_ok;		/* purification rounds, either end */
	u64	purify_failed;
	u64	discards[__QNET_EXPIRE_MAX];	/* qubits given up, by cause */
	u64	rx_drops[QNET_RX_DROPS_A_MAX];	/* frames rejected, by cause */
};

/*
 * Why the network layer rejected a frame: QNET_RX_DROPS_A_* - 1, the
 * index into qnet_net_stats.rx_drops.
 */
enum qnet_drop_cause {
	QNET_DROP_MALFORMED = QNET_RX_DROPS_A_MALFORMED - 1,
	QNET_DROP_UNKNOWN = QNET_RX_DROPS_A_UNKNOWN - 1,
	QNET_DROP_PROTOCOL = QNET_RX_DROPS_A_PROTOCOL - 1,
	QNET_DROP_BAD_ERRNO = QNET_RX_DROPS_A_BAD_ERRNO - 1,
	QNET_DROP_BAD_BELL = QNET_RX_DROPS_A_BAD_BELL - 1,
	QNET_DROP_BAD_FRAME = QNET_RX_DROPS_A_BAD_FRAME - 1,
	QNET_DROP_BAD_REQUEST = QNET_RX_DROPS_A_BAD_REQUEST - 1,
	QNET_DROP_BAD_CAUSE = QNET_RX_DROPS_A_BAD_CAUSE - 1,
	QNET_DROP_FOREIGN = QNET_RX_DROPS_A_FOREIGN - 1,
	QNET_DROP_LIMIT = QNET_RX_DROPS_A_LIMIT - 1,
	__QNET_DROP_MAX = QNET_RX_DROPS_A_MAX,
};

/*
 * Is @req a request this node may carry out? The one check for a request
 * from a socket (sendmsg()) and one from the wire (QNET_MSG_REQUEST).
 */
bool qnet_request_valid(const struct qnet_request *req);

/*
 * A node's own hardware, as it swaps and purifies (QNET_A_NODE_PARAMS):
 * Bell-state measurement success, two-qubit gate depolarising, readout
 * error, in ppm. qnet_node_params_default() is perfect.
 */
struct qnet_node_params {
	u32	bsm_eff_ppm;
	u32	gate_err_ppm;
	u32	readout_err_ppm;
};

void qnet_node_params_default(struct qnet_node_params *p);
void qnet_node_get_params(struct net *net, struct qnet_node_params *p);
/* -EINVAL (with @extack naming the field) if out of range; then no change */
int qnet_node_set_params(struct net *net, const struct qnet_node_params *p,
			 struct netlink_ext_ack *extack);

/*
 * The seed of a node's random outcomes: set by NODE_SET, else derived from
 * the module parameter seed and the node's address, else random per node.
 */
u64 qnet_node_get_seed(struct net *net);
void qnet_node_set_seed(struct net *net, u64 seed);

void qnet_circuit_get_stats(struct net *net, struct qnet_net_stats *s);
void qnet_circuit_reset_stats(struct net *net);

/* A network-layer message arrived on a qlink (wire.c; softirq). */
struct qnet_hdr;
int qnet_circuit_rx(struct net_device *dev, const struct qnet_hdr *hdr,
		    const void *payload, size_t len);

/*
 * --- the socket layer's side, called by the network layer ---
 *
 * The socket layer registers these with qnet_circuit_set_sock_ops() from
 * its init (before any socket exists) and clears them at its exit, as an
 * af_vsock transport registers with the core: the network layer never
 * calls into sock.c by name, so calls only go down. Any context; the
 * network layer holds no lock of its own across them except where noted.
 */
struct qnet_sock_ops {
	/* A listening socket bound to @port in @net, with a reference. */
	struct sock *(*lookup_listener)(struct net *net, u16 port);
	/*
	 * A CONNECT reached @listener: create the accepted socket
	 * (GFP_ATOMIC: this runs under the node's circuit lock, so it must
	 * not sleep nor call any qnet_circuit_*() function but
	 * qnet_circuit_attach_sock()), let it keep the reference on @c that
	 * the caller took for it, call qnet_circuit_attach_sock(@c, newsk)
	 * and queue it for accept(). -ECONNREFUSED if the backlog is full
	 * or the listener is closing, -EDQUOT if children that came over
	 * the link @ifindex already hold their share of it; the caller then
	 * drops the reference.
	 */
	int (*accept_child)(struct sock *listener, struct qnet_circuit *c,
			    u32 peer_node, u16 peer_port, int ifindex);
	/* The answer to qnet_circuit_connect(): 0, -ECONNREFUSED, ... */
	void (*connected)(struct sock *sk, int err);
	/*
	 * Queue one record for recv(); wakes readers and pollers. Return:
	 * 0, or -errno if the record was dropped (socket closing, SO_RCVBUF
	 * full, no memory): a qubit it names is then nobody's.
	 */
	int (*deliver)(struct sock *sk, const struct qnet_pair *rec);
	/*
	 * The circuit died under the socket: link down, peer closed, netns
	 * gone. Pending and future calls fail with @err.
	 */
	void (*circuit_down)(struct sock *sk, int err);
};

void qnet_circuit_set_sock_ops(const struct qnet_sock_ops *ops);

#endif /* _QNET_CIRCUIT_H */
