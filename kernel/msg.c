// SPDX-License-Identifier: GPL-2.0
/*
 * qnet control-plane messages: one builder for the link layer's heralds
 * and the network layer's circuit messages alike.
 */
#include <linux/etherdevice.h>
#include <linux/pkt_sched.h>

#include "msg.h"
#include "qlink_net.h"
#include "qnet.h"

struct sk_buff *qnet_msg_alloc(struct net_device *dev, u8 type, u64 time_ns,
			       size_t len, void **payload)
{
	int hlen = LL_RESERVED_SPACE(dev), tlen = dev->needed_tailroom;
	struct qnet_hdr *hdr;
	struct sk_buff *skb;
	int err;

	skb = alloc_skb(hlen + sizeof(*hdr) + len + tlen, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, hlen);
	skb_reset_network_header(skb);

	hdr = skb_put(skb, sizeof(*hdr));
	hdr->version = QNET_WIRE_VERSION;
	hdr->type = type;
	hdr->len = htons(len);
	hdr->src_node = htonl(READ_ONCE(qnet_pernet(dev_net(dev))->node_addr));
	hdr->time_ns = cpu_to_be64(time_ns);
	*payload = skb_put_zero(skb, len);

	skb->dev = dev;
	skb->protocol = htons(ETH_P_QNET);
	skb->priority = TC_PRIO_CONTROL;
	rcu_read_lock();
	err = dev_hard_header(skb, dev, ETH_P_QNET, qlink_peer_addr_rcu(dev),
			      NULL, skb->len);
	rcu_read_unlock();
	if (err < 0) {
		kfree_skb(skb);
		return NULL;
	}
	return skb;
}

void qnet_msg_xmit(struct sk_buff *skb)
{
	dev_queue_xmit(skb);
}
