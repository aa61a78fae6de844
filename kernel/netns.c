// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state. A node of the quantum network is a netns;
 * everything a node owns hangs off its struct qnet_net.
 */
#include <linux/module.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "qnet.h"

unsigned int qnet_net_id __read_mostly;

static int __net_init qnet_net_init(struct net *net)
{
	struct qnet_net *qn = qnet_pernet(net);

	qn->net = net;
	qn->node_addr = QNET_ADDR_ANY;
	qnet_route_net_init(&qn->routes);
	return qnet_sock_net_init(net);
}

static void __net_exit qnet_net_exit(struct net *net)
{
	qnet_sock_net_exit(net);
	qnet_route_net_exit(&qnet_pernet(net)->routes);
}

static struct pernet_operations qnet_net_ops = {
	.init	= qnet_net_init,
	.exit	= qnet_net_exit,
	.id	= &qnet_net_id,
	.size	= sizeof(struct qnet_net),
};

int qnet_netns_init(void)
{
	return register_pernet_subsys(&qnet_net_ops);
}

void qnet_netns_exit(void)
{
	unregister_pernet_subsys(&qnet_net_ops);
}
