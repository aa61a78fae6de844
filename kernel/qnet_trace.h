/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qnet's trace events (TRACE_SYSTEM qnet): /sys/kernel/tracing/events/qnet/.
 * Documentation/tracing.rst lists them with their fields and shows perf and
 * trace-cmd recipes.
 *
 * Every event carries the emulated time (ns) it happened at in its
 * domain: the time of the engine event that runs it, or the later time a
 * node acts at (a purified qubit it may use only once it knows). Nodes are
 * named by their qnet address, link ends by ifindex (in their netns).
 *
 * This header is read several times (TRACE_HEADER_MULTI_READ). Only
 * kernel/trace.c defines CREATE_TRACE_POINTS; it includes the types the
 * TP_fast_assign() bodies look into, which only it compiles. Everyone else
 * gets the trace_*() calls, static-key no-ops while an event is disabled:
 * callers pass what they already hold, and nothing is computed for an
 * event that is off.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM qnet

#if !defined(_QNET_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _QNET_TRACE_H

#include <linux/tracepoint.h>
#include <linux/types.h>
#include <linux/qnet.h>

struct net_device;
struct qnet_circuit;
struct qnet_event;
struct qnet_pair;
struct qstate;
struct sk_buff;

/*
 * Names for __print_symbolic(): the uapi's enums, as short words. The
 * format files carry the enums' values (TRACE_DEFINE_ENUM), so that perf
 * and trace-cmd, which read them, print the names too.
 */
TRACE_DEFINE_ENUM(QNET_MSG_HERALD);
TRACE_DEFINE_ENUM(QNET_MSG_EXPIRE);
TRACE_DEFINE_ENUM(QNET_MSG_CONNECT);
TRACE_DEFINE_ENUM(QNET_MSG_ACCEPT);
TRACE_DEFINE_ENUM(QNET_MSG_REFUSE);
TRACE_DEFINE_ENUM(QNET_MSG_CLOSE);
TRACE_DEFINE_ENUM(QNET_MSG_REQUEST);
TRACE_DEFINE_ENUM(QNET_MSG_BIND);
TRACE_DEFINE_ENUM(QNET_MSG_TRACK);
TRACE_DEFINE_ENUM(QNET_MSG_DISCARD);
TRACE_DEFINE_ENUM(QNET_MSG_DELIVER);
TRACE_DEFINE_ENUM(QNET_MSG_PURIFY);
TRACE_DEFINE_ENUM(QNET_EXPIRE_CUTOFF);
TRACE_DEFINE_ENUM(QNET_EXPIRE_REPLACED);
TRACE_DEFINE_ENUM(QNET_EXPIRE_LINK_DOWN);
TRACE_DEFINE_ENUM(QNET_EXPIRE_FIDELITY);
TRACE_DEFINE_ENUM(QNET_EXPIRE_UNCLAIMED);
TRACE_DEFINE_ENUM(QNET_EXPIRE_DEADLINE);
TRACE_DEFINE_ENUM(QNET_EXPIRE_SWAP_FAILED);
TRACE_DEFINE_ENUM(QNET_EXPIRE_PURIFY_FAILED);
TRACE_DEFINE_ENUM(QNET_BELL_PHI_PLUS);
TRACE_DEFINE_ENUM(QNET_BELL_PSI_PLUS);
TRACE_DEFINE_ENUM(QNET_BELL_PSI_MINUS);
TRACE_DEFINE_ENUM(QNET_BELL_PHI_MINUS);

#define qnet_show_msg_type(type)					\
	__print_symbolic(type,						\
		{ QNET_MSG_HERALD,	"HERALD" },			\
		{ QNET_MSG_EXPIRE,	"EXPIRE" },			\
		{ QNET_MSG_CONNECT,	"CONNECT" },			\
		{ QNET_MSG_ACCEPT,	"ACCEPT" },			\
		{ QNET_MSG_REFUSE,	"REFUSE" },			\
		{ QNET_MSG_CLOSE,	"CLOSE" },			\
		{ QNET_MSG_REQUEST,	"REQUEST" },			\
		{ QNET_MSG_BIND,	"BIND" },			\
		{ QNET_MSG_TRACK,	"TRACK" },			\
		{ QNET_MSG_DISCARD,	"DISCARD" },			\
		{ QNET_MSG_DELIVER,	"DELIVER" },			\
		{ QNET_MSG_PURIFY,	"PURIFY" })

#define qnet_show_cause(cause)						\
	__print_symbolic(cause,						\
		{ QNET_EXPIRE_CUTOFF,		"cutoff" },		\
		{ QNET_EXPIRE_REPLACED,		"replaced" },		\
		{ QNET_EXPIRE_LINK_DOWN,	"link_down" },		\
		{ QNET_EXPIRE_FIDELITY,		"fidelity" },		\
		{ QNET_EXPIRE_UNCLAIMED,	"unclaimed" },		\
		{ QNET_EXPIRE_DEADLINE,		"deadline" },		\
		{ QNET_EXPIRE_SWAP_FAILED,	"swap_failed" },	\
		{ QNET_EXPIRE_PURIFY_FAILED,	"purify_failed" },	\
		{ 0xff,				"none" })

#define qnet_show_bell(bell)						\
	__print_symbolic(bell,						\
		{ QNET_BELL_PHI_PLUS,	"PHI+" },			\
		{ QNET_BELL_PSI_PLUS,	"PSI+" },			\
		{ QNET_BELL_PSI_MINUS,	"PSI-" },			\
		{ QNET_BELL_PHI_MINUS,	"PHI-" })

#define qnet_show_role(role)						\
	__print_symbolic(role, { 0, "head" }, { 1, "mid" }, { 2, "tail" })

/* ---- the engine ---- */

/*
 * The engine runs an event of a domain: its time, its place in the
 * domain's order (seq) and the function that runs it.
 */
TRACE_EVENT(qnet_engine_event,

	TP_PROTO(const void *dom, const struct qnet_event *ev),

	TP_ARGS(dom, ev),

	TP_STRUCT__entry(
		__field(const void *,	dom)
		__field(u64,		time_ns)
		__field(u64,		seq)
		__field(void *,		run)
	),

	TP_fast_assign(
		__entry->dom = dom;
		__entry->time_ns = ev->time_ns;
		__entry->seq = ev->seq;
		__entry->run = (void *)ev->run;
	),

	TP_printk("dom=%p t=%llu seq=%llu run=%ps",
		  __entry->dom, __entry->time_ns, __entry->seq, __entry->run)
);

/* ---- the link layer ---- */

/*
 * A pair is heralded at one end of a link: end 0 when its run of
 * attempts succeeds (after @attempts attempts), end 1 when the herald
 * frame arrives (@attempts 0). One event per end per pair, as the ends'
 * "heralded" counters count them.
 */
TRACE_EVENT(qnet_herald,

	TP_PROTO(const struct net_device *dev, unsigned int end, u64 pair_id,
		 u64 time_ns, u8 bell, u32 fidelity_ppm, u64 attempts),

	TP_ARGS(dev, end, pair_id, time_ns, bell, fidelity_ppm, attempts),

	TP_STRUCT__entry(
		__field(u64,	time_ns)
		__field(u64,	pair_id)
		__field(u64,	attempts)
		__field(int,	ifindex)
		__field(u32,	node)
		__field(u32,	fidelity_ppm)
		__field(u8,	end)
		__field(u8,	bell)
	),

	TP_fast_assign(
		__entry->time_ns = time_ns;
		__entry->pair_id = pair_id;
		__entry->attempts = attempts;
		__entry->ifindex = qnet_trace_ifindex(dev);
		__entry->node = qnet_trace_dev_node(dev);
		__entry->fidelity_ppm = fidelity_ppm;
		__entry->end = end;
		__entry->bell = bell;
	),

	TP_printk("t=%llu node=%u ifindex=%d end=%u pair=%llu bell=%s fid_ppm=%u attempts=%llu",
		  __entry->time_ns, __entry->node, __entry->ifindex,
		  __entry->end, __entry->pair_id, qnet_show_bell(__entry->bell),
		  __entry->fidelity_ppm, __entry->attempts)
);

/*
 * A link end discards its half of a pair from its memory, for @cause;
 * @told: it sends QNET_MSG_EXPIRE to the other end. One event per
 * expiry the end's "expired" counter counts.
 */
TRACE_EVENT(qnet_expire,

	TP_PROTO(const struct net_device *dev, unsigned int end, u64 pair_id,
		 u64 time_ns, u8 cause, u32 fidelity_ppm, bool told),

	TP_ARGS(dev, end, pair_id, time_ns, cause, fidelity_ppm, told),

	TP_STRUCT__entry(
		__field(u64,	time_ns)
		__field(u64,	pair_id)
		__field(int,	ifindex)
		__field(u32,	node)
		__field(u32,	fidelity_ppm)
		__field(u8,	end)
		__field(u8,	cause)
		__field(bool,	told)
	),

	TP_fast_assign(
		__entry->time_ns = time_ns;
		__entry->pair_id = pair_id;
		__entry->ifindex = qnet_trace_ifindex(dev);
		__entry->node = qnet_trace_dev_node(dev);
		__entry->fidelity_ppm = fidelity_ppm;
		__entry->end = end;
		__entry->cause = cause;
		__entry->told = told;
	),

	TP_printk("t=%llu node=%u ifindex=%d end=%u pair=%llu cause=%s fid_ppm=%u told=%d",
		  __entry->time_ns, __entry->node, __entry->ifindex,
		  __entry->end, __entry->pair_id,
		  qnet_show_cause(__entry->cause), __entry->fidelity_ppm,
		  __entry->told)
);

/*
 * A qnet frame on a qlink. Sent: scheduled at its arrival (@arrive_ns),
 * from the end @dev. Received: its arrival event hands it to the receive
 * path of @dev, the other end. @sent is the date in its header, type and
 * source node are the header's; @circuit_id and @head_node name the
 * circuit of a network-layer message, @pair_id the pair of a herald or
 * an expiry.
 */
DECLARE_EVENT_CLASS(qnet_frame,

	TP_PROTO(const struct net_device *dev, const struct sk_buff *skb,
		 unsigned int off, u64 arrive_ns),

	TP_ARGS(dev, skb, off, arrive_ns),

	TP_STRUCT__entry(
		__field(u64,	sent_ns)
		__field(u64,	arrive_ns)
		__field(u64,	pair_id)
		__field(int,	ifindex)
		__field(u32,	src_node)
		__field(u32,	head_node)
		__field(u32,	circuit_id)
		__field(u16,	len)
		__field(u8,	type)
	),

	TP_fast_assign(
		struct qnet_trace_frame f;

		qnet_trace_frame_parse(skb, off, &f);
		__entry->sent_ns = f.sent_ns;
		__entry->arrive_ns = arrive_ns;
		__entry->pair_id = f.pair_id;
		__entry->ifindex = qnet_trace_ifindex(dev);
		__entry->src_node = f.src_node;
		__entry->head_node = f.head_node;
		__entry->circuit_id = f.circuit_id;
		__entry->len = f.len;
		__entry->type = f.type;
	),

	TP_printk("ifindex=%d type=%s src=%u sent=%llu arrive=%llu circuit=%u:%u pair=%llu len=%u",
		  __entry->ifindex, qnet_show_msg_type(__entry->type),
		  __entry->src_node, __entry->sent_ns, __entry->arrive_ns,
		  __entry->head_node, __entry->circuit_id, __entry->pair_id,
		  __entry->len)
);

DEFINE_EVENT(qnet_frame, qnet_frame_send,
	TP_PROTO(const struct net_device *dev, const struct sk_buff *skb,
		 unsigned int off, u64 arrive_ns),
	TP_ARGS(dev, skb, off, arrive_ns)
);

DEFINE_EVENT(qnet_frame, qnet_frame_recv,
	TP_PROTO(const struct net_device *dev, const struct sk_buff *skb,
		 unsigned int off, u64 arrive_ns),
	TP_ARGS(dev, skb, off, arrive_ns)
);

/* ---- the network layer ---- */

/*
 * A node gives up a qubit it held for a circuit (taken out of the link
 * layer, or waiting for a purification partner), for @cause: one event
 * per discard the node's "discards" counters count.
 */
TRACE_EVENT(qnet_discard,

	TP_PROTO(const struct net_device *dev, u8 cause, u64 time_ns),

	TP_ARGS(dev, cause, time_ns),

	TP_STRUCT__entry(
		__field(u64,	time_ns)
		__field(int,	ifindex)
		__field(u32,	node)
		__field(u8,	cause)
	),

	TP_fast_assign(
		__entry->time_ns = time_ns;
		__entry->ifindex = qnet_trace_ifindex(dev);
		__entry->node = qnet_trace_dev_node(dev);
		__entry->cause = cause;
	),

	TP_printk("t=%llu node=%u ifindex=%d cause=%s",
		  __entry->time_ns, __entry->node, __entry->ifindex,
		  qnet_show_cause(__entry->cause))
);

/*
 * A repeater's Bell-state measurement on its two qubits of circuit @c,
 * pairs @left and @right, at @time_ns. On success the new pair @ne (its
 * id, Bell state and fidelity as made) and the outcome.
 */
TRACE_EVENT(qnet_swap,

	TP_PROTO(const struct qnet_circuit *c, u64 time_ns, u64 left,
		 u64 right, bool ok, u64 new_id, const struct qstate *s,
		 u8 outcome),

	TP_ARGS(c, time_ns, left, right, ok, new_id, s, outcome),

	TP_STRUCT__entry(
		__field(u64,	time_ns)
		__field(u64,	left)
		__field(u64,	right)
		__field(u64,	pair_id)
		__field(u32,	node)
		__field(u32,	head_node)
		__field(u32,	circuit_id)
		__field(u32,	epoch)
		__field(u32,	fidelity_ppm)
		__field(bool,	ok)
		__field(u8,	bell)
		__field(u8,	outcome)
	),

	TP_fast_assign(
		qnet_trace_circuit(c, &__entry->node, &__entry->head_node,
				   &__entry->circuit_id, &__entry->epoch);
		__entry->time_ns = time_ns;
		__entry->left = left;
		__entry->right = right;
		__entry->ok = ok;
		__entry->pair_id = ok ? new_id : 0;
		__entry->bell = ok ? qnet_trace_bell(s) : 0;
		__entry->fidelity_ppm = ok ? qnet_trace_fid(s) : 0;
		__entry->outcome = ok ? outcome : 0;
	),

	TP_printk("t=%llu node=%u circuit=%u:%u epoch=%u left=%llu right=%llu ok=%d pair=%llu bell=%s fid_ppm=%u outcome=%u",
		  __entry->time_ns, __entry->node, __entry->head_node,
		  __entry->circuit_id, __entry->epoch, __entry->left,
		  __entry->right, __entry->ok, __entry->pair_id,
		  qnet_show_bell(__entry->bell), __entry->fidelity_ppm,
		  __entry->outcome)
);

/*
 * A purification round at a link's binding end: link pairs @kept and
 * @measured of circuit @c on the link of @dev, the round they make
 * (@round, 1 and up), at @time_ns; on success the kept pair's state after
 * it (@s).
 */
TRACE_EVENT(qnet_purify,

	TP_PROTO(const struct qnet_circuit *c, const struct net_device *dev,
		 u64 time_ns, u8 round, bool ok, u64 kept, u64 measured,
		 const struct qstate *s),

	TP_ARGS(c, dev, time_ns, round, ok, kept, measured, s),

	TP_STRUCT__entry(
		__field(u64,	time_ns)
		__field(u64,	kept)
		__field(u64,	measured)
		__field(int,	ifindex)
		__field(u32,	node)
		__field(u32,	head_node)
		__field(u32,	circuit_id)
		__field(u32,	epoch)
		__field(u32,	fidelity_ppm)
		__field(u8,	round)
		__field(bool,	ok)
		__field(u8,	bell)
	),

	TP_fast_assign(
		qnet_trace_circuit(c, &__entry->node, &__entry->head_node,
				   &__entry->circuit_id, &__entry->epoch);
		__entry->time_ns = time_ns;
		__entry->kept = kept;
		__entry->measured = measured;
		__entry->ifindex = qnet_trace_ifindex(dev);
		__entry->round = round;
		__entry->ok = ok;
		__entry->bell = ok ? qnet_trace_bell(s) : 0;
		__entry->fidelity_ppm = ok ? qnet_trace_fid(s) : 0;
	),

	TP_printk("t=%llu node=%u ifindex=%d circuit=%u:%u epoch=%u round=%u kept=%llu measured=%llu ok=%d bell=%s fid_ppm=%u",
		  __entry->time_ns, __entry->node, __entry->ifindex,
		  __entry->head_node, __entry->circuit_id, __entry->epoch,
		  __entry->round, __entry->kept, __entry->measured,
		  __entry->ok, qnet_show_bell(__entry->bell),
		  __entry->fidelity_ppm)
);

/*
 * An end of circuit @c hands an end-to-end pair to its socket: the
 * record @rec as the socket gets it (pair id, Bell state, fidelity,
 * time). One event per record a recv() returns that is not an error.
 */
TRACE_EVENT(qnet_deliver,

	TP_PROTO(const struct qnet_circuit *c, const struct qnet_pair *rec),

	TP_ARGS(c, rec),

	TP_STRUCT__entry(
		__field(u64,	time_ns)
		__field(u64,	create_ns)
		__field(u64,	pair_id)
		__field(u64,	request_id)
		__field(u32,	node)
		__field(u32,	head_node)
		__field(u32,	circuit_id)
		__field(u32,	epoch)
		__field(u32,	fidelity_ppm)
		__field(u8,	role)
		__field(u8,	bell)
		__field(u8,	swaps)
		__field(u8,	purifications)
	),

	TP_fast_assign(
		qnet_trace_circuit(c, &__entry->node, &__entry->head_node,
				   &__entry->circuit_id, &__entry->epoch);
		__entry->time_ns = rec->deliver_ns;
		__entry->create_ns = rec->create_ns;
		__entry->pair_id = rec->pair_id;
		__entry->request_id = rec->request_id;
		__entry->fidelity_ppm = rec->fidelity_ppm;
		__entry->role = qnet_trace_role(c);
		__entry->bell = rec->bell_state;
		__entry->swaps = rec->swaps;
		__entry->purifications = rec->purifications;
	),

	TP_printk("t=%llu node=%u role=%s circuit=%u:%u epoch=%u req=%llu pair=%llu bell=%s fid_ppm=%u created=%llu swaps=%u purifications=%u",
		  __entry->time_ns, __entry->node,
		  qnet_show_role(__entry->role), __entry->head_node,
		  __entry->circuit_id, __entry->epoch, __entry->request_id,
		  __entry->pair_id, qnet_show_bell(__entry->bell),
		  __entry->fidelity_ppm, __entry->create_ns, __entry->swaps,
		  __entry->purifications)
);

/*
 * A node of circuit @c installs its request (the head when it sends it,
 * the others when REQUEST arrives), at the later of the request's start
 * and the circuit's clock.
 */
TRACE_EVENT(qnet_request_start,

	TP_PROTO(const struct qnet_circuit *c),

	TP_ARGS(c),

	TP_STRUCT__entry(
		__field(u64,	time_ns)
		__field(u64,	start_ns)
		__field(u64,	deadline_ns)
		__field(u64,	request_id)
		__field(u32,	node)
		__field(u32,	head_node)
		__field(u32,	circuit_id)
		__field(u32,	epoch)
		__field(u32,	num_pairs)
		__field(u32,	min_fidelity_ppm)
		__field(u8,	role)
		__field(u8,	type)
		__field(u8,	flags)
	),

	TP_fast_assign(
		qnet_trace_circuit(c, &__entry->node, &__entry->head_node,
				   &__entry->circuit_id, &__entry->epoch);
		qnet_trace_request(c, &__entry->request_id,
				   &__entry->start_ns, &__entry->deadline_ns,
				   &__entry->num_pairs,
				   &__entry->min_fidelity_ppm, &__entry->type,
				   &__entry->flags);
		__entry->time_ns = qnet_trace_circuit_clock(c);
		__entry->role = qnet_trace_role(c);
	),

	TP_printk("t=%llu node=%u role=%s circuit=%u:%u epoch=%u req=%llu start=%llu pairs=%u min_fid_ppm=%u type=%u flags=%#x deadline=%llu",
		  __entry->time_ns, __entry->node,
		  qnet_show_role(__entry->role), __entry->head_node,
		  __entry->circuit_id, __entry->epoch, __entry->request_id,
		  __entry->start_ns, __entry->num_pairs,
		  __entry->min_fidelity_ppm, __entry->type, __entry->flags,
		  __entry->deadline_ns)
);

/*
 * A node of circuit @c is done with its request at @time_ns: every pair
 * delivered (@err 0) or not (-ETIMEDOUT past its deadline, or the
 * circuit closed under it).
 */
TRACE_EVENT(qnet_request_end,

	TP_PROTO(const struct qnet_circuit *c, int err, u64 time_ns),

	TP_ARGS(c, err, time_ns),

	TP_STRUCT__entry(
		__field(u64,	time_ns)
		__field(u64,	request_id)
		__field(u32,	node)
		__field(u32,	head_node)
		__field(u32,	circuit_id)
		__field(u32,	epoch)
		__field(u32,	delivered)
		__field(u32,	num_pairs)
		__field(int,	err)
		__field(u8,	role)
	),

	TP_fast_assign(
		u64 start, deadline;
		u32 min_fid;
		u8 type, flags;

		qnet_trace_circuit(c, &__entry->node, &__entry->head_node,
				   &__entry->circuit_id, &__entry->epoch);
		qnet_trace_request(c, &__entry->request_id, &start,
				   &deadline, &__entry->num_pairs, &min_fid,
				   &type, &flags);
		__entry->delivered = qnet_trace_delivered(c);
		__entry->time_ns = time_ns;
		__entry->err = err;
		__entry->role = qnet_trace_role(c);
	),

	TP_printk("t=%llu node=%u role=%s circuit=%u:%u epoch=%u req=%llu delivered=%u/%u err=%d",
		  __entry->time_ns, __entry->node,
		  qnet_show_role(__entry->role), __entry->head_node,
		  __entry->circuit_id, __entry->epoch, __entry->request_id,
		  __entry->delivered, __entry->num_pairs, __entry->err)
);

#endif /* _QNET_TRACE_H */

/* This part must be outside the multi-read protection. */
#undef TRACE_INCLUDE_PATH
#undef TRACE_INCLUDE_FILE
/* kernel/Kbuild puts this directory on trace.o's include path */
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE qnet_trace
#include <trace/define_trace.h>
