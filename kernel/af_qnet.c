// SPDX-License-Identifier: GPL-2.0
/*
 * AF_QNET: the socket family of qnet, and the module's life cycle.
 *
 * Implementation notes
 *
 * - The family number is a module parameter (see include/uapi/linux/qnet.h
 *   for why the default is 18). It is read-only once loaded and visible in
 *   /sys/module/qnet/parameters/family.
 * - Each socket pins the module: proto_ops.owner (sock.c) makes
 *   __sock_create() take a reference that sock_release() drops, and
 *   proto.owner does the same for the struct sock. rmmod therefore fails
 *   with EBUSY while any AF_QNET socket is open.
 * - Init order: per-netns state, the qlink device and link layer, the
 *   route table's netdevice notifier, the genetlink family, the network
 *   layer (circuit.c), then the sockets (sock.c: the proto, then the
 *   family), so that no socket can be created before the state it uses
 *   exists. Exit runs in the reverse order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <net/sock.h>

#include "qnet.h"
#include "circuit.h"
#include "qnet_netlink.h"
#include "engine.h"
#include "qlink.h"

static int family = AF_QNET_DEFAULT;
module_param(family, int, 0444);
MODULE_PARM_DESC(family, "socket family number of AF_QNET (below AF_MAX)");

static int __init qnet_init(void)
{
	int err;

	if (family <= AF_UNSPEC || family >= AF_MAX) {
		pr_err("family=%d is outside 1..%d\n", family, AF_MAX - 1);
		return -EINVAL;
	}
	err = qnet_engine_init();
	if (err)
		return err;

	err = qnet_netns_init();
	if (err)
		goto err_engine;

	err = qlink_init();
	if (err)
		goto err_netns;

	err = qnet_route_init();
	if (err)
		goto err_qlink;

	err = qnet_nl_init();
	if (err)
		goto err_route;

	err = qnet_circuit_init();
	if (err)
		goto err_nl;

	err = qnet_sock_init(family);
	if (err)
		goto err_circuit;

	pr_info("AF_QNET registered as socket family %d\n", family);
	return 0;

err_circuit:
	qnet_circuit_exit();
err_nl:
	qnet_nl_exit();
err_route:
	qnet_route_exit();
err_qlink:
	qlink_exit();
err_netns:
	qnet_netns_exit();
err_engine:
	qnet_engine_exit();
	return err;
}

static void __exit qnet_exit(void)
{
	qnet_sock_exit();
	qnet_circuit_exit();
	qnet_nl_exit();
	qnet_route_exit();
	qlink_exit();
	qnet_netns_exit();
	qnet_engine_exit();
}

module_init(qnet_init);
module_exit(qnet_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("qnet: a network stack for quantum links");
MODULE_AUTHOR("qnet developers");
MODULE_ALIAS_NETPROTO(AF_QNET_DEFAULT);
