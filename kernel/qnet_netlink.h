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

#endif /* _QNET_NETLINK_H */
