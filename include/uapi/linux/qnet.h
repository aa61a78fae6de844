/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * qnet: a network stack for quantum links.
 *
 * This header is the whole contract between the qnet module and userspace:
 * the socket family, its addresses, the request and pair records, the
 * generic netlink family and the on-wire header of the classical control
 * plane.
 */
#ifndef _UAPI_LINUX_QNET_H
#define _UAPI_LINUX_QNET_H

#include <linux/types.h>
#include <linux/socket.h>

/*
 * AF_QNET is out of tree, so it has to borrow a slot below AF_MAX (46 on
 * 6.1): sock_register() rejects anything >= NPROTO. Slot 18 is AF_ASH,
 * which <linux/socket.h> has reserved since 2.2 but which no mainline
 * kernel has ever registered a socket family for, so no distribution
 * module can be sitting in it. The module parameter "family" moves qnet to
 * another slot; userspace reads the number in use from
 * /sys/module/qnet/parameters/family (libqnet does this for you).
 */
#define AF_QNET_DEFAULT		18
#ifndef AF_QNET
#define AF_QNET			AF_QNET_DEFAULT
#endif
#define PF_QNET			AF_QNET

#define QNET_FAMILY_SYSFS	"/sys/module/qnet/parameters/family"

/* Node addresses are 32 bits; 0 is "any" and is never a node's address. */
#define QNET_ADDR_ANY		0U

struct sockaddr_qnet {
	__kernel_sa_family_t	sq_family;	/* AF_QNET */
	__u16			sq_port;	/* host byte order */
	__u32			sq_node;	/* node address, host order */
	__u8			sq_zero[8];	/* must be zero */
};

/* Ports: 1 .. 65535; 0 in bind() asks for an ephemeral port. */
#define QNET_PORT_ANY		0
#define QNET_EPHEMERAL_MIN	32768

/* Socket options, level SOL_QNET (any unused level number works for a
 * family of our own; this one is clear of the in-tree SOL_* values).
 */
#define SOL_QNET		300

enum {
	QNET_SO_STATS = 1,	/* get: struct qnet_sock_stats */
	QNET_SO_MEASURE,	/* get: struct qnet_measure in/out */
	QNET_SO_RELEASE,	/* set: __u32 qubit handle */
};

enum qnet_basis {
	QNET_BASIS_Z,
	QNET_BASIS_X,
	QNET_BASIS_Y,
	QNET_BASIS_RANDOM,	/* requests only: a random basis per pair */
};

enum qnet_req_type {
	QNET_REQ_KEEP,		/* deliver a qubit handle */
	QNET_REQ_MEASURE,	/* measure at once, deliver the outcome */
};

/*
 * All pairs present at once, or none: each end holds the request's pairs
 * until the last is made and hands them over together (records with the
 * same deliver_ns, fidelity at that time); a request that ends early
 * hands over none. At most QNET_REQ_ATOMIC_MAX pairs, the most memory
 * qubits a link end has.
 */
#define QNET_REQ_F_ATOMIC	0x1
#define QNET_REQ_ATOMIC_MAX	64
/*
 * Purify with BBPSSW instead of DEJMPS when the minimum fidelity needs
 * link-level purification (Documentation/network.rst, "Purification").
 */
#define QNET_REQ_F_BBPSSW	0x2

/*
 * A request for entangled pairs, written with send() on a connected
 * socket; the fields are the QuTech link-layer protocol's (Dahlberg et
 * al., SIGCOMM 2019).
 */
struct qnet_request {
	__u32	num_pairs;		/* 1 .. 1000000 */
	__u32	min_fidelity_ppm;	/* 0 .. 1000000 */
	__u64	max_time_ns;		/* emulated; 0 = no deadline */
	__u8	priority;		/* 0 (highest) .. 7 */
	__u8	type;			/* enum qnet_req_type */
	__u8	basis;			/* enum qnet_basis, QNET_REQ_MEASURE */
	__u8	flags;			/* QNET_REQ_F_* */
	__u32	reserved;		/* must be zero */
};

/*
 * One record per delivered pair (or one error record), read with recv()
 * on both ends, the same pair_id at both.
 */
struct qnet_pair {
	__u64	pair_id;
	__u64	request_id;
	__u64	create_ns;		/* emulated: first herald of the pair */
	__u64	deliver_ns;		/* emulated: delivery at this end */
	__u32	fidelity_ppm;		/* w.r.t. bell_state, at deliver_ns */
	__u32	qubit;			/* QNET_REQ_KEEP: handle, else 0 */
	__s32	error;			/* 0, or an errno (ETIMEDOUT, ...) */
	__u8	bell_state;		/* enum qnet_bell_state */
	__u8	hops;			/* saturate at 255: see hops16 */
	__u8	swaps;
	__u8	purifications;
	__u8	basis;			/* QNET_REQ_MEASURE */
	__u8	outcome;		/* QNET_REQ_MEASURE: 0 or 1 */
	/*
	 * The same counts in full: a circuit has up to 1024 hops
	 * (QNET_MAX_HOPS), more than the u8 fields above can say.
	 */
	__u16	hops16;
	__u16	swaps16;
	__u16	purifications16;
};

/* QNET_SO_MEASURE: in qubit and basis, out outcome and time. */
struct qnet_measure {
	__u32	qubit;
	__u8	basis;			/* QNET_BASIS_Z/X/Y */
	__u8	outcome;
	__u8	pad[2];
	__u64	time_ns;
};

struct qnet_sock_stats {
	__u64	requests;
	__u64	pairs_delivered;
	__u64	errors;
	__u64	qubits_held;
};

/*
 * Generic netlink family "qnet".
 *
 * Every attribute is documented in Documentation/netlink/specs/qnet.yaml.
 * Quantities are physical and integer: lengths in metres, attenuation in
 * milli-dB per km, rates in Hz, times in nanoseconds of emulated time,
 * probabilities, efficiencies and fidelities in parts per million (ppm).
 */
#define QNET_GENL_NAME		"qnet"
#define QNET_GENL_VERSION	1
#define QNET_GENL_MCGRP_EVENTS	"events"

enum qnet_cmd {
	QNET_CMD_UNSPEC,
	QNET_CMD_NODE_GET,	/* do: node address and node totals */
	QNET_CMD_NODE_SET,	/* do: QNET_A_NODE_ADDR and/or _PARAMS */
	QNET_CMD_LINK_GET,	/* do (QNET_A_IFINDEX) and dump */
	QNET_CMD_LINK_SET,	/* do: QNET_A_IFINDEX + QNET_A_LINK_PARAMS */
	QNET_CMD_ROUTE_GET,	/* do (QNET_A_ROUTE_DST) and dump */
	QNET_CMD_ROUTE_ADD,
	QNET_CMD_ROUTE_DEL,
	QNET_CMD_STATS_GET,	/* do: link (QNET_A_IFINDEX) or node totals */
	QNET_CMD_STATS_RESET,	/* do: zero a link's or the node's counters */

	/* notifications on the "events" group */
	QNET_CMD_PAIR_HERALDED,
	QNET_CMD_PAIR_EXPIRED,
	QNET_CMD_LINK_STATE,

	__QNET_CMD_MAX,
	QNET_CMD_MAX = __QNET_CMD_MAX - 1
};

enum qnet_attr {
	QNET_A_UNSPEC,
	QNET_A_PAD,
	QNET_A_IFINDEX,		/* u32: a qlink device in this netns */
	QNET_A_IFNAME,		/* string, output only */
	QNET_A_NODE_ADDR,	/* u32: this node's address (not 0) */
	QNET_A_PEER_NODE_ADDR,	/* u32, output: node at the link's far end */
	QNET_A_LINK_PARAMS,	/* nest: enum qnet_link_attr */
	QNET_A_LINK_STATS,	/* nest: enum qnet_stats_attr */
	QNET_A_NODE_STATS,	/* nest: enum qnet_stats_attr, node totals */
	QNET_A_ROUTE_DST,	/* u32: destination node address */
	QNET_A_ROUTE_METRIC,	/* u32 */
	QNET_A_OPER_UP,		/* u8, output: link carrier and admin up */
	QNET_A_PAIR_ID,		/* u64, events */
	QNET_A_TIME_NS,		/* u64: emulated time of the event */
	QNET_A_FIDELITY_PPM,	/* u32, events */
	QNET_A_BELL_STATE,	/* u8: enum qnet_bell_state, events */
	QNET_A_EXPIRE_CAUSE,	/* u8: enum qnet_expire_cause, events */
	QNET_A_NET_STATS,	/* nest: enum qnet_stats_attr, network layer */
	QNET_A_NODE_PARAMS,	/* nest: enum qnet_node_attr */
	QNET_A_NODE_SEED,	/* u64: the node's outcomes' seed (admin only) */
	QNET_A_ROUTE_DST_LAST,	/* u32: last address of a route's range */
	QNET_A_ROUTE_REPLACE,	/* flag: ROUTE_ADD replaces the same route */
	QNET_A_ROUTE_APPEND,	/* flag: ROUTE_ADD after the range's others */

	__QNET_A_MAX,
	QNET_A_MAX = __QNET_A_MAX - 1
};

enum qnet_scheme {
	QNET_SCHEME_SINGLE_CLICK,	/* midpoint station, one photon */
	QNET_SCHEME_DOUBLE_CLICK,	/* midpoint station, Barrett-Kok */
	QNET_SCHEME_DIRECT,		/* source at one end, direct transmission */
	__QNET_SCHEME_MAX,
	QNET_SCHEME_MAX = __QNET_SCHEME_MAX - 1
};

enum qnet_bell_state {
	QNET_BELL_PHI_PLUS,
	QNET_BELL_PSI_PLUS,
	QNET_BELL_PSI_MINUS,
	QNET_BELL_PHI_MINUS,
};

enum qnet_expire_cause {
	QNET_EXPIRE_CUTOFF,	/* older than the link's cutoff */
	QNET_EXPIRE_REPLACED,	/* memory full, a fresher pair took the slot */
	QNET_EXPIRE_LINK_DOWN,	/* link went down or was deleted */
	QNET_EXPIRE_FIDELITY,	/* below a request's minimum fidelity */
	QNET_EXPIRE_UNCLAIMED,	/* heralded, but no circuit wanted it */
	QNET_EXPIRE_DEADLINE,	/* a request's deadline passed */
	QNET_EXPIRE_SWAP_FAILED, /* a Bell-state measurement failed */
	QNET_EXPIRE_PURIFY_FAILED, /* a purification round failed */
	__QNET_EXPIRE_MAX,
};

/* Link parameters, all readable, all settable unless marked. */
enum qnet_link_attr {
	QNET_LINK_A_UNSPEC,
	QNET_LINK_A_PAD,
	QNET_LINK_A_LENGTH_M,		/* u32, 1 .. 1000000 m */
	QNET_LINK_A_ATTEN_MDB_KM,	/* u32, 0 .. 10000 (default 200) */
	QNET_LINK_A_INDEX_MILLI,	/* u32, refractive index x1000 (1470) */
	QNET_LINK_A_ATTEMPT_RATE_HZ,	/* u32, 1 .. 1000000000 */
	QNET_LINK_A_SCHEME,		/* u8, enum qnet_scheme */
	QNET_LINK_A_ALPHA_PPM,		/* u32, single-click bright-state alpha */
	QNET_LINK_A_SOURCE_FID_PPM,	/* u32, 250000 .. 1000000 */
	QNET_LINK_A_DET_EFF_PPM,	/* u32, 1 .. 1000000 */
	QNET_LINK_A_DARK_RATE_HZ,	/* u32, dark counts per second */
	QNET_LINK_A_VISIBILITY_PPM,	/* u32, HOM visibility */
	QNET_LINK_A_MEM_SLOTS,		/* u32, 1 .. 64 qubits at each end */
	QNET_LINK_A_T1_NS,		/* u64, 0 = no depolarising decay */
	QNET_LINK_A_T2_NS,		/* u64, 0 = no dephasing */
	QNET_LINK_A_CUTOFF_NS,		/* u64, 0 = keep forever */
	QNET_LINK_A_SEED,		/* u64, PRNG seed */
	QNET_LINK_A_TIME_SCALE,		/* u32, wall ns per 1000 emulated ns; 0 = unpaced */
	QNET_LINK_A_CONTINUOUS,		/* u8, 1 = keep the memories filled */

	__QNET_LINK_A_MAX,
	QNET_LINK_A_MAX = __QNET_LINK_A_MAX - 1
};

/*
 * Node parameters: the node's own hardware, used when it swaps and
 * purifies. All readable, all settable; the defaults are perfect.
 */
enum qnet_node_attr {
	QNET_NODE_A_UNSPEC,
	QNET_NODE_A_BSM_EFF_PPM,	/* u32, 1 .. 10^6: BSM success (10^6) */
	QNET_NODE_A_GATE_ERR_PPM,	/* u32, 0 .. 10^6: two-qubit depolarising (0) */
	QNET_NODE_A_READOUT_ERR_PPM,	/* u32, 0 .. 500000: bit flip per readout (0) */

	__QNET_NODE_A_MAX,
	QNET_NODE_A_MAX = __QNET_NODE_A_MAX - 1
};

/* Counters, u64 unless marked; the same numbers as sysfs. */
enum qnet_stats_attr {
	QNET_STATS_A_UNSPEC,
	QNET_STATS_A_PAD,
	QNET_STATS_A_ATTEMPTS,
	QNET_STATS_A_HERALDED,
	QNET_STATS_A_DELIVERED,
	QNET_STATS_A_EXPIRED,
	QNET_STATS_A_SWAPS_OK,
	QNET_STATS_A_SWAPS_FAILED,
	QNET_STATS_A_PURIFY_OK,
	QNET_STATS_A_PURIFY_FAILED,
	QNET_STATS_A_FIDELITY_SUM_PPM,	/* sum over heralded pairs */
	QNET_STATS_A_MEAN_FIDELITY_PPM,	/* u32: sum / heralded, 0 if none */
	QNET_STATS_A_STORED,		/* qubits in memory now */
	QNET_STATS_A_EMU_TIME_NS,	/* the link's domain's emulated clock */
	QNET_STATS_A_RX_PACKETS,
	QNET_STATS_A_TX_PACKETS,
	QNET_STATS_A_RX_DROPPED,	/* malformed or unexpected qnet packets */
	QNET_STATS_A_DELIVERED_FID_SUM_PPM, /* sum over delivered pairs */
	QNET_STATS_A_MEAN_DELIVERED_FID_PPM, /* u32: that / delivered */
	QNET_STATS_A_DISCARDS,		/* nest: u64 per cause, type cause + 1 */
	QNET_STATS_A_RX_DROPS,		/* nest: enum qnet_rx_drops_attr, node only */
	QNET_STATS_A_PACED_LATE,	/* domain: events run over 1 ms late */
	QNET_STATS_A_PACED_LAG_NS,	/* domain: the clock's largest lag */
	/* a tunnel qlink's datagrams dropped (Documentation/qlink.rst) */
	QNET_STATS_A_TUN_MALFORMED,	/* short, bad version or type */
	QNET_STATS_A_TUN_UNAUTH,	/* MAC does not verify */
	QNET_STATS_A_TUN_REPLAY,	/* sequence number seen or too old */

	__QNET_STATS_A_MAX,
	QNET_STATS_A_MAX = __QNET_STATS_A_MAX - 1
};

/* QNET_STATS_A_DISCARDS: u64 counters, one per enum qnet_expire_cause + 1. */
enum qnet_discards_attr {
	QNET_DISCARDS_A_UNSPEC,
	QNET_DISCARDS_A_CUTOFF,
	QNET_DISCARDS_A_REPLACED,
	QNET_DISCARDS_A_LINK_DOWN,
	QNET_DISCARDS_A_FIDELITY,
	QNET_DISCARDS_A_UNCLAIMED,
	QNET_DISCARDS_A_DEADLINE,
	QNET_DISCARDS_A_SWAP_FAILED,
	QNET_DISCARDS_A_PURIFY_FAILED,

	__QNET_DISCARDS_A_MAX,
	QNET_DISCARDS_A_MAX = __QNET_DISCARDS_A_MAX - 1
};

/*
 * QNET_STATS_A_RX_DROPS, in QNET_A_NET_STATS: network-layer frames the
 * node rejected, one u64 counter per cause (Documentation/network.rst,
 * "Security"). Each such frame is also counted in the receiving link's
 * QNET_STATS_A_RX_DROPPED.
 */
enum qnet_rx_drops_attr {
	QNET_RX_DROPS_A_UNSPEC,
	QNET_RX_DROPS_A_MALFORMED,	/* length, type, direction, hop count */
	QNET_RX_DROPS_A_UNKNOWN,	/* no such circuit or pair, wrong link */
	QNET_RX_DROPS_A_PROTOCOL,	/* unexpected in the circuit's state */
	QNET_RX_DROPS_A_BAD_ERRNO,	/* REFUSE, CLOSE, DELIVER: not an errno */
	QNET_RX_DROPS_A_BAD_BELL,	/* BIND: not the pair's Bell state */
	QNET_RX_DROPS_A_BAD_FRAME,	/* SWAP: bad outcome or frame, extra */
	QNET_RX_DROPS_A_BAD_REQUEST,	/* REQUEST: a field out of range */
	QNET_RX_DROPS_A_BAD_CAUSE,	/* DISCARD, DELIVER, PURIFY: bad cause */
	QNET_RX_DROPS_A_FOREIGN,	/* BIND: a pair of another link */
	QNET_RX_DROPS_A_LIMIT,		/* over a bound: circuits, deferred, backlog share */

	__QNET_RX_DROPS_A_MAX,
	QNET_RX_DROPS_A_MAX = __QNET_RX_DROPS_A_MAX - 1
};

/*
 * rtnetlink: IFLA_INFO_DATA of kind "qlink", as veth's. QLINK_INFO_PEER
 * carries a struct ifinfomsg followed by the peer's IFLA_* attributes
 * (IFLA_IFNAME, IFLA_NET_NS_FD or IFLA_NET_NS_PID, ...); RTM_NEWLINK
 * only.
 *
 * The link's parameters follow, each the same type, unit and range as
 * the enum qnet_link_attr attribute of the same name: RTM_NEWLINK sets
 * those given (the rest keep qlink's defaults), RTM_NEWLINK on an
 * existing link (ip link set ... type qlink) changes those given, and
 * RTM_GETLINK reports them all. `ip -d link show` prints them with the
 * iproute2 plugin link_qlink.so (userspace/iproute2/).
 */
enum {
	QLINK_INFO_UNSPEC,
	QLINK_INFO_PEER,
	QLINK_INFO_PAD,
	QLINK_INFO_LENGTH_M,		/* u32 */
	QLINK_INFO_ATTEN_MDB_KM,	/* u32 */
	QLINK_INFO_INDEX_MILLI,		/* u32 */
	QLINK_INFO_ATTEMPT_RATE_HZ,	/* u32 */
	QLINK_INFO_SCHEME,		/* u8, enum qnet_scheme */
	QLINK_INFO_ALPHA_PPM,		/* u32 */
	QLINK_INFO_SOURCE_FID_PPM,	/* u32 */
	QLINK_INFO_DET_EFF_PPM,		/* u32 */
	QLINK_INFO_DARK_RATE_HZ,	/* u32 */
	QLINK_INFO_VISIBILITY_PPM,	/* u32 */
	QLINK_INFO_MEM_SLOTS,		/* u32 */
	QLINK_INFO_T1_NS,		/* u64 */
	QLINK_INFO_T2_NS,		/* u64 */
	QLINK_INFO_CUTOFF_NS,		/* u64 */
	QLINK_INFO_SEED,		/* u64 */
	QLINK_INFO_TIME_SCALE,		/* u32 */
	QLINK_INFO_CONTINUOUS,		/* u8, 0 or 1 */
	/*
	 * A tunnel qlink (one device; its classical channel is UDP to a
	 * peer host): RTM_NEWLINK only, instead of QLINK_INFO_PEER.
	 */
	QLINK_INFO_REMOTE,		/* in_addr, the peer host (IPv4) */
	QLINK_INFO_LOCAL,		/* in_addr, optional source address */
	QLINK_INFO_PORT,		/* u16, UDP port, both ends */
	QLINK_INFO_KEY,			/* 32 bytes, write-only */
	__QLINK_INFO_MAX,
	QLINK_INFO_MAX = __QLINK_INFO_MAX - 1
};

/*
 * The classical control plane: every message between nodes is an
 * Ethernet frame of type ETH_P_QNET (IEEE 802 local experimental
 * ethertype 1) over a qlink, with this header in network byte order.
 */
#define ETH_P_QNET		0x88B5
#define QNET_WIRE_VERSION	2

/* Links a circuit's path may have; a CONNECT beyond it is refused. */
#define QNET_MAX_HOPS		1024

/* A tunnel qlink's default UDP port (QLINK_INFO_PORT). */
#define QLINK_TUN_PORT		7415
#define QLINK_TUN_KEY_LEN	32

enum qnet_msg_type {
	QNET_MSG_HERALD = 1,	/* a pair was heralded on this link */
	QNET_MSG_EXPIRE,	/* the sender discarded its half of a pair */

	/* network layer: struct qnet_msg_circuit first, then per type */
	QNET_MSG_CONNECT = 16,	/* set up a circuit towards a node and port */
	QNET_MSG_ACCEPT,	/* the circuit is up (tail to head) */
	QNET_MSG_REFUSE,	/* no listener, no route, ... (tail to head) */
	QNET_MSG_CLOSE,		/* tear the circuit down, either way */
	QNET_MSG_REQUEST,	/* a request, head to tail */
	QNET_MSG_BIND,		/* this link pair belongs to this circuit */
	QNET_MSG_TRACK,		/* swap outcomes gathered, tail to head */
	QNET_MSG_DISCARD,	/* pairs were lost: cutoff, failed swap, ... */
	QNET_MSG_DELIVER,	/* an end delivered, or gave up on, a pair */
	QNET_MSG_PURIFY,	/* link pairs used in a purification round */
	__QNET_MSG_MAX,
};

struct qnet_hdr {
	__u8	version;	/* QNET_WIRE_VERSION */
	__u8	type;		/* enum qnet_msg_type */
	__be16	len;		/* bytes after this header */
	__be32	src_node;	/* sender's node address */
	__be64	time_ns;	/* emulated time the message was sent */
};

/*
 * Network-layer messages: a circuit is named by the node that opened it
 * (the head) and a number the head chose. Every network-layer message
 * starts with struct qnet_msg_circuit; @dir says which way it travels.
 */
enum qnet_msg_dir {
	QNET_DIR_DOWN,		/* head towards tail */
	QNET_DIR_UP,		/* tail towards head */
};

struct qnet_msg_circuit {
	__be32	head_node;
	__be32	circuit_id;
	__u8	dir;		/* enum qnet_msg_dir */
	__u8	pad[3];
};

/* QNET_MSG_CONNECT: head to tail, routed hop by hop. */
struct qnet_msg_connect {
	struct qnet_msg_circuit	c;
	__be32	dst_node;
	__be16	src_port;
	__be16	dst_port;
	__be16	hops;		/* links crossed so far, 1 .. 1024 */
	__u8	pad[6];
	__be64	delay_ns;	/* propagation delay accumulated so far */
	__be64	pair_key;	/* the head's key of the streams both ends
				 * draw end-to-end pairs' outcomes from
				 * (Documentation/physics.rst, "Measurement")
				 */
};

/* QNET_MSG_ACCEPT, QNET_MSG_REFUSE, QNET_MSG_CLOSE. */
struct qnet_msg_answer {
	struct qnet_msg_circuit	c;
	__be32	error;		/* positive errno; 0 for ACCEPT */
	__be16	hops;		/* ACCEPT: links on the path, 1 .. 1024 */
	__u8	pad[2];
	__be64	delay_ns;	/* ACCEPT: one-way delay head to tail */
	__be32	epoch;		/* CLOSE: the sender's attempt; a node still
				 * on an earlier one closes once it has
				 * caught up, so no message sent before the
				 * CLOSE is lost behind it
				 */
	__u8	pad2[4];
};

/* QNET_MSG_REQUEST: head to tail; every node on the path installs it. */
struct qnet_msg_request {
	struct qnet_msg_circuit	c;
	__be64	request_id;
	__be64	start_ns;	/* emulated time the head issued it */
	__be64	max_time_ns;
	__be32	num_pairs;
	__be32	min_fidelity_ppm;
	__u8	priority;
	__u8	type;
	__u8	basis;
	__u8	flags;
	__be32	epoch;		/* the head's attempt when it sent this, the
				 * request's first: a node still in an
				 * earlier one installs it after catching up
				 */
};

/*
 * QNET_MSG_BIND: the link pair @pair_id serves this circuit in attempt
 * @epoch; the receiving end attaches its half to pair @ent_id.
 */
struct qnet_msg_bind {
	struct qnet_msg_circuit	c;
	__be64	pair_id;	/* the link layer's pair id on this link */
	__be64	ent_id;
	__be32	epoch;
	__u8	bell_state;	/* nominal Bell state of the link pair */
	__u8	pad[3];
};

/*
 * QNET_MSG_TRACK: the swap outcomes of an attempt, gathered on the way
 * from the last repeater (next to the tail) to the head. Each repeater,
 * once it has swapped and has the TRACK from below (the last one: at
 * once), adds its own outcome and sends it up: @swaps counts the
 * repeaters it carries, so a repeater with r repeaters below it expects
 * exactly r. @frame is every outcome composed with the Bell state of the
 * swapping repeater's link towards the tail, for the head; @frame_tail
 * with that of its link towards the head, for the tail (the head passes
 * it on in DELIVER). An end composing its own link's Bell state with its
 * frame knows the Bell state of the end-to-end pair @ent_id (the pair
 * the sender's swap made).
 * QNET_MSG_DISCARD: attempt @epoch lost a pair (enum qnet_expire_cause
 * in @cause); travels to both ends, and every node on the way drops what
 * it holds of that attempt.
 * QNET_MSG_DELIVER: the head's verdict on end-to-end pair @ent_id, head
 * to tail: @error 0 (deliver, with the tail's @frame), or why not.
 */
struct qnet_msg_swap {
	struct qnet_msg_circuit	c;
	__be64	ent_id;		/* pair made (TRACK), or delivered */
	__be64	request_id;
	__be32	epoch;		/* the circuit's attempt number */
	__be32	error;		/* DELIVER: positive errno or 0 */
	__be16	swaps;		/* TRACK: repeaters, 1 .. 1023 */
	__u8	frame;		/* TRACK: the head's; DELIVER: the tail's */
	__u8	frame_tail;	/* TRACK: the tail's */
	__u8	cause;		/* DISCARD, DELIVER: enum qnet_expire_cause */
	__u8	pad[3];
};

/*
 * QNET_MSG_PURIFY: the binding end of a link ran purification round
 * @round (1 = on fresh pairs) of protocol @proto on link pairs @kept_id
 * and @measured_id (the link layer's ids) for this circuit; the measured
 * pair is gone and, unless @ok, so is the kept one. Round 0 drops
 * @kept_id alone, for @cause (a pair that waited past the cutoff). Every
 * link pair the binding end takes is named to the other end once: here
 * when it is used up, or in the BIND of the pair that is finally used.
 */
struct qnet_msg_purify {
	struct qnet_msg_circuit	c;
	__be64	kept_id;
	__be64	measured_id;
	__u8	ok;
	__u8	round;
	__u8	proto;		/* 0 DEJMPS, 1 BBPSSW */
	__u8	cause;		/* round 0: enum qnet_expire_cause */
	__u8	pad[4];
};

/* QNET_MSG_HERALD and QNET_MSG_EXPIRE payload. */
struct qnet_msg_pair {
	__be64	pair_id;
	__u8	bell_state;	/* enum qnet_bell_state */
	__u8	cause;		/* QNET_MSG_EXPIRE: enum qnet_expire_cause */
	__u8	pad[6];
};

#endif /* _UAPI_LINUX_QNET_H */
