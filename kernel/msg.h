/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building and sending qnet control-plane messages: an Ethernet frame of
 * type ETH_P_QNET with struct qnet_hdr and a payload, to a qlink's peer.
 * The one frame builder, the link layer's (link.c), for its own heralds
 * and expiries and for the network layer's messages alike.
 */
#ifndef _QNET_MSG_H
#define _QNET_MSG_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>

/*
 * A message of @type leaving @dev at emulated @time_ns with @len bytes of
 * payload, zeroed; *@payload points at them. Any context (GFP_ATOMIC).
 * Returns NULL when out of memory or when the link layer header cannot be
 * built.
 */
struct sk_buff *qnet_msg_alloc(struct net_device *dev, u8 type, u64 time_ns,
			       size_t len, void **payload);

/* Send a message from qnet_msg_alloc(); consumes @skb. */
void qnet_msg_xmit(struct sk_buff *skb);

#endif /* _QNET_MSG_H */
