// SPDX-License-Identifier: GPL-2.0
/*
 * qnet's trace events: the one file that defines CREATE_TRACE_POINTS for
 * qnet_trace.h (Documentation/tracing.rst).
 *
 * A file of its own rather than one of the layers' (engine.c, say): the
 * events' TP_fast_assign() bodies look into the objects of every layer
 * (a frame's header, a circuit, a pair's state), so the file that
 * expands them must see all those types, which no layer sees, and the
 * engine should not. The helpers below are what those bodies call; they
 * run only while an event is enabled, in the caller's context (any, BH
 * possibly disabled, the caller's locks held) and take no lock.
 */
#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "qnet.h"
#include "circuit_types.h"
#include "engine.h"
#include "qstate.h"

static int qnet_trace_ifindex(const struct net_device *dev)
{
	return dev ? dev->ifindex : 0;
}

/* The qnet address of @dev's node (netns), 0 if none. */
static u32 qnet_trace_dev_node(const struct net_device *dev)
{
	return dev ? READ_ONCE(qnet_pernet(dev_net(dev))->node_addr) : 0;
}

/* What the frame events record of a qnet frame. */
struct qnet_trace_frame {
	u64	sent_ns;
	u64	pair_id;
	u32	src_node;
	u32	head_node;
	u32	circuit_id;
	u16	len;
	u8	type;
};

/* The qnet header at @off in @skb's data and what its message names. */
static void qnet_trace_frame_parse(const struct sk_buff *skb,
				   unsigned int off, struct qnet_trace_frame *f)
{
	union {
		struct qnet_msg_pair	pair;
		struct qnet_msg_circuit	circuit;
	} _m;
	const struct qnet_hdr *hdr;
	struct qnet_hdr _hdr;
	const void *m;

	memset(f, 0, sizeof(*f));
	/* skb_header_pointer() takes no const skb; it only reads */
	hdr = skb_header_pointer((struct sk_buff *)skb, off, sizeof(_hdr),
				 &_hdr);
	if (!hdr)
		return;
	f->sent_ns = be64_to_cpu(hdr->time_ns);
	f->src_node = ntohl(hdr->src_node);
	f->len = ntohs(hdr->len);
	f->type = hdr->type;
	off += sizeof(*hdr);
	if (hdr->type == QNET_MSG_HERALD || hdr->type == QNET_MSG_EXPIRE) {
		m = skb_header_pointer((struct sk_buff *)skb, off,
				       sizeof(_m.pair), &_m.pair);
		if (m) {
			const struct qnet_msg_pair *mp = m;

			f->pair_id = be64_to_cpu(mp->pair_id);
		}
	} else {
		m = skb_header_pointer((struct sk_buff *)skb, off,
				       sizeof(_m.circuit), &_m.circuit);
		if (m) {
			const struct qnet_msg_circuit *mc = m;

			f->head_node = ntohl(mc->head_node);
			f->circuit_id = ntohl(mc->circuit_id);
		}
	}
}

/* A circuit as its events name it: node, head:id, current attempt. */
static void qnet_trace_circuit(const struct qnet_circuit *c, u32 *node,
			       u32 *head, u32 *id, u32 *epoch)
{
	*node = READ_ONCE(qnet_pernet(c->net)->node_addr);
	*head = c->head_node;
	*id = c->id;
	*epoch = c->epoch;
}

static u8 qnet_trace_role(const struct qnet_circuit *c)
{
	return c->role;
}

static u64 qnet_trace_circuit_clock(const struct qnet_circuit *c)
{
	return max(c->clock_ns, c->req.start_ns);
}

static u32 qnet_trace_delivered(const struct qnet_circuit *c)
{
	return c->req.delivered;
}

static void qnet_trace_request(const struct qnet_circuit *c, u64 *id,
			       u64 *start, u64 *deadline, u32 *num_pairs,
			       u32 *min_fid, u8 *type, u8 *flags)
{
	const struct qnet_req *r = &c->req;

	*id = r->id;
	*start = r->start_ns;
	*deadline = r->deadline_ns;
	*num_pairs = r->num_pairs;
	*min_fid = r->min_fid_ppm;
	*type = r->type;
	*flags = r->flags;
}

static u8 qnet_trace_bell(const struct qstate *s)
{
	return s->bell;
}

static u32 qnet_trace_fid(const struct qstate *s)
{
	return qprob_to_ppm(qstate_fidelity(s));
}

#define CREATE_TRACE_POINTS
#include "qnet_trace.h"
