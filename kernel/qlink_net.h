/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the network layer asks of a qlink besides qlink.h's on-demand
 * interface (link_net.c).
 */
#ifndef _QNET_QLINK_NET_H
#define _QNET_QLINK_NET_H

#include "qlink.h"

bool qlink_is_generator(const struct net_device *dev);
bool qlink_continuous(const struct net_device *dev);
u64 qlink_delay_ns(const struct net_device *dev);
u64 qlink_link_id(const struct net_device *dev);
u64 qlink_cutoff_ns(const struct net_device *dev);
void qlink_pair_memory(const struct qlink_pair *pair, u64 *t1_ns, u64 *t2_ns);
int qlink_request_at(struct net_device *dev, u32 npairs, u64 not_before_ns);
struct net *qlink_peer_net_rcu(const struct net_device *dev);
void qlink_model_state(struct net_device *dev, struct qstate *s);
u32 qlink_mem_slots(const struct net_device *dev);
unsigned int *qlink_deferred(struct net_device *dev);

#endif /* _QNET_QLINK_NET_H */
