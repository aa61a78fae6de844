// SPDX-License-Identifier: GPL-2.0
/*
 * The qnet control plane on a qlink: ETH_P_QNET frames carrying struct
 * qnet_hdr and a message (include/uapi/linux/qnet.h).
 *
 * Received frames are checked here, completely, before link.c sees them.
 * A frame is dropped and counted in the end's rx_dropped (and the device's
 * rx_dropped) when it is:
 *   - shorter than struct qnet_hdr, or than the header plus its len;
 *   - of another version than QNET_WIRE_VERSION;
 *   - of an unknown type;
 *   - of a len other than its type's payload (struct qnet_msg_pair), or
 *     followed by more bytes, except padding up to the minimal Ethernet
 *     frame (ETH_ZLEN);
 *   - carrying a Bell state or an expiry cause out of range, a cause in a
 *     herald, or non-zero pad bytes;
 *   - about a pair the end cannot know: an id the link never issued, a
 *     herald that is not on the wire to this end, or one that contradicts
 *     the pair.
 * Types 16 and up are the network layer's (qlink_set_net_ops()): the header
 * is checked here, the payload there, and a frame either rejects is
 * counted the same way; without a network layer they are of unknown type.
 * Frames on a link that is down are dropped without counting: they were
 * lost in flight, not malformed. A qnet frame that reached a qlink's
 * receive path other than from the engine (device.c), e.g. redirected
 * there by tc, did not cross the fiber, and one dated later than its
 * arrival less the fiber's delay was not sent when it says: both are
 * dropped and counted. Frames addressed to another host are none
 * of our business (PACKET_OTHERHOST), as for IP.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/pkt_sched.h>
#include <linux/skbuff.h>

#include "link.h"
#include "qnet.h"

/* Message types from here up belong to the network layer. */
#define QLINK_MSG_NET_FIRST	16

static const struct qlink_net_ops __rcu *qlink_net_ops;

/* Check everything but the pair id. Return: 0 or -EINVAL. */
static int qlink_wire_check(const struct sk_buff *skb, struct qnet_hdr *hdr,
			    struct qnet_msg_pair *msg)
{
	const unsigned int hlen = sizeof(*hdr), mlen = sizeof(*msg);
	static const u8 zero[sizeof(msg->pad)];

	if (skb_copy_bits(skb, 0, hdr, hlen))
		return -EINVAL;
	if (hdr->version != QNET_WIRE_VERSION)
		return -EINVAL;
	if (hdr->type != QNET_MSG_HERALD && hdr->type != QNET_MSG_EXPIRE)
		return -EINVAL;
	if (ntohs(hdr->len) != mlen)
		return -EINVAL;
	if (skb->len < hlen + mlen)
		return -EINVAL;
	if (skb->len > hlen + mlen && skb->len + ETH_HLEN != ETH_ZLEN)
		return -EINVAL;
	if (skb_copy_bits(skb, hlen, msg, mlen))
		return -EINVAL;
	if (msg->bell_state > QNET_BELL_PHI_MINUS)
		return -EINVAL;
	if (hdr->type == QNET_MSG_HERALD ? msg->cause != 0 :
	    msg->cause >= __QNET_EXPIRE_MAX)
		return -EINVAL;
	if (memcmp(msg->pad, zero, sizeof(zero)))
		return -EINVAL;
	return 0;
}

/*
 * A network-layer message (type QLINK_MSG_NET_FIRST and up): the header's
 * version and len must hold; the payload is the network layer's to check.
 */
static int qlink_wire_net(struct sk_buff *skb, struct net_device *dev)
{
	const struct qlink_net_ops *ops;
	struct qnet_hdr hdr;
	unsigned int len;
	int err;

	if (skb_copy_bits(skb, 0, &hdr, sizeof(hdr)) ||
	    hdr.version != QNET_WIRE_VERSION || hdr.type >= __QNET_MSG_MAX)
		return -EINVAL;
	len = sizeof(hdr) + ntohs(hdr.len);
	if (skb->len < len ||
	    (skb->len > len && skb->len + ETH_HLEN != ETH_ZLEN))
		return -EINVAL;

	rcu_read_lock();
	ops = rcu_dereference(qlink_net_ops);
	if (ops) {
		if (pskb_trim_rcsum(skb, len))
			err = -ENOMEM;
		else
			err = ops->rcv(dev, skb);
	} else {
		err = -EINVAL;
	}
	rcu_read_unlock();
	return err;
}

static int qlink_wire_rcv(struct sk_buff *skb, struct net_device *dev,
			  struct packet_type *pt, struct net_device *orig_dev)
{
	struct qnet_msg_pair msg;
	struct qnet_hdr hdr;
	struct qlink_end *e;
	__be64 date;
	u8 type;
	int err;

	/* ETH_P_QNET on anything else is not ours to judge */
	if (!qlink_dev_is_qlink(dev) || skb->pkt_type == PACKET_OTHERHOST)
		goto drop;
	e = qlink_dev_end(dev);
	if (this_cpu_read(qlink_rx_frame) != skb ||
	    (!skb_copy_bits(skb, offsetof(struct qnet_hdr, time_ns), &date,
			    sizeof(date)) &&
	     !qlink_link_date_ok(qlink_priv(dev)->link, be64_to_cpu(date)))) {
		err = -EINVAL;
		goto count;
	}

	if (skb_copy_bits(skb, offsetof(struct qnet_hdr, type), &type, 1) ||
	    type < QLINK_MSG_NET_FIRST) {
		err = qlink_wire_check(skb, &hdr, &msg);
		if (!err)
			err = qlink_link_rx(dev, &hdr, &msg);
	} else {
		/* the network layer gets a private skb and owns it after 0 */
		skb = skb_share_check(skb, GFP_ATOMIC);
		if (!skb)
			return NET_RX_DROP;
		err = qlink_wire_net(skb, dev);
		if (!err) {
			qlink_cnt_add(e, QLINK_CNT_RX_PACKETS, 1);
			return NET_RX_SUCCESS;
		}
	}
	if (err == -ENETDOWN)
		goto drop;
count:
	if (err) {
		qlink_cnt_add(e, QLINK_CNT_RX_DROPPED, 1);
		dev_core_stats_rx_dropped_inc(dev);
		goto drop;
	}
	qlink_cnt_add(e, QLINK_CNT_RX_PACKETS, 1);
	consume_skb(skb);
	return NET_RX_SUCCESS;

drop:
	kfree_skb(skb);
	return NET_RX_DROP;
}

/**
 * qlink_set_net_ops() - hand network-layer messages to @ops->rcv
 * @ops: the network layer's receive side, or NULL to stop
 *
 * See qlink.h. On return from a call with NULL no handler runs any more.
 */
void qlink_set_net_ops(const struct qlink_net_ops *ops)
{
	rcu_assign_pointer(qlink_net_ops, ops);
	if (!ops)
		synchronize_net();
}

static struct packet_type qlink_packet_type __read_mostly = {
	.type	= cpu_to_be16(ETH_P_QNET),
	.func	= qlink_wire_rcv,
};

int qlink_wire_init(void)
{
	dev_add_pack(&qlink_packet_type);
	return 0;
}

void qlink_wire_exit(void)
{
	/* waits for handlers in flight (synchronize_net) */
	dev_remove_pack(&qlink_packet_type);
}
