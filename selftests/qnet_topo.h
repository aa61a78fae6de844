/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A chain of qnet nodes for the selftests, one network namespace per node:
 *
 *   node 1 --qr====ql-- node 2 --qr====ql-- ... -- node N
 *
 * Node i has address i. In every node "qr" is the link to the right (its
 * generating end, since the pair is created from the left node) and "ql"
 * the link to the left. Routes send every address above a node's own to
 * qr and every one below to ql. The namespaces are kept as open fds, never
 * mounted, so nothing survives the test process.
 */
#ifndef _QNET_SELFTEST_TOPO_H
#define _QNET_SELFTEST_TOPO_H

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>

#include "qnet_nl.h"

#define QNET_TOPO_MAX	257	/* linear_test: 256 hops */

struct qnet_topo {
	int	n;
	int	ns[QNET_TOPO_MAX];	/* netns fds, node i at ns[i - 1] */
	int	home;			/* the netns we started in */
	/*
	 * Node i's seed is seed_base + i (its outcomes repeat from run to
	 * run), or, with @unseeded, the random one the kernel gave it.
	 */
	uint64_t seed_base;
	bool	unseeded;
};

/* Enter node @i's netns (1-based; 0 is the starting netns). */
static inline int qnet_topo_enter(struct qnet_topo *t, int i)
{
	return setns(i ? t->ns[i - 1] : t->home, CLONE_NEWNET) ? -errno : 0;
}

static inline int qnet_topo_route_add(struct qnet_nl *q, uint32_t dst,
				      const char *dev)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_ROUTE_ADD, 0);

	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, dst);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, if_nametoindex(dev));
	return qnet_nl_do(q, nlh, NULL, NULL);
}

/* Configure node @i (the caller is in its netns): address and routes. */
static inline int qnet_topo_node(struct qnet_topo *t, int i)
{
	struct qnet_nl q;
	int j, err;

	err = qnet_nl_open(&q);
	if (err)
		return err;
	err = qnet_nl_node_set(&q, i);
	if (!err && !t->unseeded)
		err = qnet_nl_node_seed_set(&q, t->seed_base + i);
	for (j = 1; !err && j <= t->n; j++) {
		if (j != i)
			err = qnet_topo_route_add(&q, j, j > i ? "qr" : "ql");
	}
	qnet_nl_close(&q);
	return err;
}

/*
 * Link parameters for every link, applied from the left node to its
 * "qr": pairs of (attribute, value, length in bytes), ended by attr 0.
 */
struct qnet_topo_param {
	uint16_t	attr;
	uint64_t	val;
	int		len;
};

static inline int qnet_topo_link(struct qnet_topo *t, int i,
				 const struct qnet_topo_param *p)
{
	struct qnet_nl rt, q;
	int err;

	err = qnet_nl_open_proto(&rt, NETLINK_ROUTE);
	if (err)
		return err;
	err = qnet_rtnl_qlink_add(&rt, "qr", "ql", t->ns[i]);
	if (!err)
		err = qnet_rtnl_link_up(&rt, "qr", true);
	qnet_nl_close(&rt);
	if (err)
		return err;

	err = qnet_nl_open(&q);
	if (err)
		return err;
	for (; !err && p && p->attr; p++)
		err = qnet_nl_link_set_one(&q, if_nametoindex("qr"), p->attr,
					   p->val, p->len);
	qnet_nl_close(&q);
	if (err)
		return err;

	/* the right end, in node i + 1 */
	err = qnet_topo_enter(t, i + 1);
	if (err)
		return err;
	err = qnet_nl_open_proto(&rt, NETLINK_ROUTE);
	if (!err) {
		err = qnet_rtnl_link_up(&rt, "ql", true);
		qnet_nl_close(&rt);
	}
	return err;
}

static inline int qnet_topo_qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
		if (mnl_attr_get_type(a) == IFLA_QDISC)
			snprintf(data, IFNAMSIZ, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

/*
 * Wait until @dev in the current netns can send: operationally up, and
 * with its queueing discipline attached. The kernel's linkwatch turns the
 * carrier on and then attaches the qdisc (dev_activate()) up to a second
 * after `ip link set up`; until then the device has "noop", which drops
 * every frame, as on any Linux device, so a test must not send before.
 */
static inline int qnet_topo_wait_running(const char *dev)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], qdisc[IFNAMSIZ];
	struct ifreq ifr = { 0 };
	int fd, i, err = -ETIMEDOUT;
	struct qnet_nl rt;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strncpy(ifr.ifr_name, dev, IFNAMSIZ - 1);
	for (i = 0; i < 500; i++) {
		if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
			err = -errno;
			break;
		}
		if (ifr.ifr_flags & IFF_RUNNING) {
			err = 0;
			break;
		}
		usleep(10000);
	}
	close(fd);
	if (err)
		return err;

	err = qnet_nl_open_proto(&rt, NETLINK_ROUTE);
	if (err)
		return err;
	err = -ETIMEDOUT;
	for (i = 0; i < 500; i++) {
		strcpy(qdisc, "noop");
		if (qnet_nl_do(&rt, qnet_rtnl_req(&rt, buf, RTM_GETLINK, 0, dev),
			       qnet_topo_qdisc_cb, qdisc))
			break;
		if (strcmp(qdisc, "noop")) {
			err = 0;
			break;
		}
		usleep(10000);
	}
	qnet_nl_close(&rt);
	return err;
}

/*
 * No IPv6 on the devices made from now on in this netns: its router
 * solicitations and MLD reports would cross the qlinks too, and tests
 * that count the frames a request costs count qnet's alone. Without
 * IPv6 in the kernel there is nothing to turn off.
 */
static inline void qnet_topo_no_ipv6(void)
{
	int fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6",
		      O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			perror("disable_ipv6");
		close(fd);
	}
}

/* Build a chain of @n nodes whose links all get @params. */
static inline int qnet_topo_chain(struct qnet_topo *t, int n,
				  const struct qnet_topo_param *params)
{
	uint64_t seed_base = t->seed_base;
	bool unseeded = t->unseeded;
	int i, err;

	memset(t, 0, sizeof(*t));
	t->seed_base = seed_base;	/* the caller's choice of seeds */
	t->unseeded = unseeded;
	t->home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (t->home < 0 || n > QNET_TOPO_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (unshare(CLONE_NEWNET))
			return -errno;
		t->ns[i] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (t->ns[i] < 0)
			return -errno;
		t->n = i + 1;
		qnet_topo_no_ipv6();
	}
	for (i = 1; i <= n; i++) {
		err = qnet_topo_enter(t, i);
		if (!err && i < n)
			err = qnet_topo_link(t, i, params);
		if (!err)
			err = qnet_topo_enter(t, i);
		if (!err)
			err = qnet_topo_node(t, i);
		if (err)
			return err;
	}
	for (i = 1; i <= n; i++) {
		err = qnet_topo_enter(t, i);
		if (!err && i < n)
			err = qnet_topo_wait_running("qr");
		if (!err && i > 1)
			err = qnet_topo_wait_running("ql");
		if (err)
			return err;
	}
	return qnet_topo_enter(t, 0);
}

/* Drop every namespace: the devices, routes and circuits go with them. */
static inline void qnet_topo_destroy(struct qnet_topo *t)
{
	int i;

	qnet_topo_enter(t, 0);
	for (i = 0; i < t->n; i++)
		close(t->ns[i]);
	if (t->home >= 0)
		close(t->home);
	t->n = 0;
}

#endif /* _QNET_SELFTEST_TOPO_H */
