/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink family "qnet": control plane and event notifications.
 */
#ifndef _QNET_NETLINK_H
#define _QNET_NETLINK_H

#include <linux/netdevice.h>
#include <linux/qnet.h>

int qnet_nl_init(void);
void qnet_nl_exit(void);

/*
 * Events for the "events" multicast group. Cheap when nobody listens;
 * callable from any context (atomic allocation).
 */
void qnet_nl_notify_pair(struct net_device *dev, u8 cmd, u64 pair_id,
			 u64 time_ns, u32 fidelity_ppm, u8 bell_state,
			 u8 expire_cause);
void qnet_nl_notify_link_state(struct net_device *dev, bool up);

#endif /* _QNET_NETLINK_H */
