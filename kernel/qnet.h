/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qnet internal interfaces shared between the module's files.
 */
#ifndef _QNET_QNET_H
#define _QNET_QNET_H

#include <net/sock.h>
#include <net/netns/generic.h>
#include <linux/qnet.h>

#include "route.h"
#include "sock.h"

/* Per network namespace (per node) state. */
struct qnet_net {
	struct net	*net;
	/*
	 * Node address of this netns; QNET_ADDR_ANY until configured.
	 * Written under routes.lock, read with READ_ONCE().
	 */
	u32		node_addr;
	struct qnet_route_table	routes;
	struct qnet_sock_table	socks;
};

extern unsigned int qnet_net_id;

static inline struct qnet_net *qnet_pernet(const struct net *net)
{
	return net_generic(net, qnet_net_id);
}

int qnet_netns_init(void);
void qnet_netns_exit(void);

#endif /* _QNET_QNET_H */
