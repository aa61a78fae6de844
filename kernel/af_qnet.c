// SPDX-License-Identifier: GPL-2.0
/*
 * AF_QNET: the socket family of qnet, and the module's life cycle.
 *
 * Implementation notes
 *
 * - The family number is a module parameter (see include/uapi/linux/qnet.h
 *   for why the default is 18). It is read-only once loaded and visible in
 *   /sys/module/qnet/parameters/family.
 * - Each socket pins the module: proto_ops.owner makes __sock_create()
 *   take a reference that sock_release() drops, and proto.owner does the
 *   same for the struct sock. rmmod therefore fails with EBUSY while any
 *   AF_QNET socket is open.
 * - Init order: per-netns state, the qlink device and link layer, the
 *   route table's netdevice notifier, the genetlink family, then the
 *   proto, then the family, so that no socket can be created before the
 *   state it uses exists. Exit runs in the reverse order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <net/sock.h>

#include "qnet.h"
#include "qnet_netlink.h"
#include "qlink.h"

static int family = AF_QNET_DEFAULT;
module_param(family, int, 0444);
MODULE_PARM_DESC(family, "socket family number of AF_QNET (below AF_MAX)");

static struct proto qnet_proto = {
	.name		= "QNET",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct qnet_sock),
};

static int qnet_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;

	lock_sock(sk);
	sock_orphan(sk);
	release_sock(sk);

	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

/* .family is filled in at init from the "family" parameter. */
static struct proto_ops qnet_seqpacket_ops __ro_after_init = {
	.owner		= THIS_MODULE,
	.release	= qnet_release,
	.bind		= sock_no_bind,
	.connect	= sock_no_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= sock_no_getname,
	.poll		= datagram_poll,
	.ioctl		= sock_no_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= sock_no_shutdown,
	.sendmsg	= sock_no_sendmsg,
	.recvmsg	= sock_no_recvmsg,
	.mmap		= sock_no_mmap,
};

static int qnet_create(struct net *net, struct socket *sock, int protocol,
		       int kern)
{
	struct sock *sk;

	if (sock->type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	if (protocol)
		return -EPROTONOSUPPORT;

	sk = sk_alloc(net, family, GFP_KERNEL, &qnet_proto, kern);
	if (!sk)
		return -ENOMEM;

	sock->ops = &qnet_seqpacket_ops;
	sock->state = SS_UNCONNECTED;
	sock_init_data(sock, sk);
	return 0;
}

static struct net_proto_family qnet_family_ops __ro_after_init = {
	.create	= qnet_create,
	.owner	= THIS_MODULE,
};

static int __init qnet_init(void)
{
	int err;

	if (family <= AF_UNSPEC || family >= AF_MAX) {
		pr_err("family=%d is outside 1..%d\n", family, AF_MAX - 1);
		return -EINVAL;
	}
	qnet_seqpacket_ops.family = family;
	qnet_family_ops.family = family;

	err = qnet_netns_init();
	if (err)
		return err;

	err = qlink_init();
	if (err)
		goto err_netns;

	err = qnet_route_init();
	if (err)
		goto err_qlink;

	err = qnet_nl_init();
	if (err)
		goto err_route;

	err = proto_register(&qnet_proto, 1);
	if (err)
		goto err_nl;

	err = sock_register(&qnet_family_ops);
	if (err) {
		if (err == -EEXIST)
			pr_err("socket family %d is already registered by another module; load qnet with family=<free slot below %d>\n",
			       family, AF_MAX);
		goto err_proto;
	}

	pr_info("AF_QNET registered as socket family %d\n", family);
	return 0;

err_proto:
	proto_unregister(&qnet_proto);
err_nl:
	qnet_nl_exit();
err_route:
	qnet_route_exit();
err_qlink:
	qlink_exit();
err_netns:
	qnet_netns_exit();
	return err;
}

static void __exit qnet_exit(void)
{
	sock_unregister(family);
	proto_unregister(&qnet_proto);
	qnet_nl_exit();
	qnet_route_exit();
	qlink_exit();
	qnet_netns_exit();
}

module_init(qnet_init);
module_exit(qnet_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("qnet: a network stack for quantum links");
MODULE_AUTHOR("qnet developers");
MODULE_ALIAS_NETPROTO(AF_QNET_DEFAULT);
