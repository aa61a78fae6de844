// SPDX-License-Identifier: GPL-2.0
/*
 * The qlink net device: a pair of Ethernet devices, one per node, that is
 * the classical channel of a quantum link.
 *
 * It behaves like veth: frames sent on one end are received on the other,
 * unchanged. The one difference is that qnet control frames (ETH_P_QNET)
 * travel at the speed of light in fiber, in emulated time: each becomes an
 * event of the link's emulation domain (engine.h) at its send time plus
 * the propagation delay, and the engine hands it to the other end's
 * receive path (netif_receive_skb_core(), so taps such as tcpdump see it)
 * when it runs that event, in emulated-time order with everything else
 * of the domain, at the wall time pacing says. Everything else, IP
 * included, is delivered at once.
 *
 * Lifetime (see also the notes at the top of link.c):
 * - newlink creates the peer first, then the requested device, like veth.
 *   Both point at one struct qlink. Each device takes its reference in
 *   ndo_init and drops it in priv_destructor, the pair of callbacks the
 *   core runs for every device that got through ndo_init, whatever path
 *   register_netdevice or unregistration then takes.
 * - dellink unregisters both ends; ndo_uninit detaches the end from the
 *   link and stops every timer and work item that could still use it.
 * - The peer pointer is RCU for the data path and RTNL for writers, and a
 *   device is freed only after a grace period (netdev_run_todo), as in
 *   veth.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/inetdevice.h>
#include <net/rtnetlink.h>
#include <net/sch_generic.h>

#include "link.h"
#include "qnet_trace.h"

#define QLINK_KIND		"qlink"

/* A qnet frame in flight: an event at its arrival at @peer. */
struct qlink_frame {
	struct qnet_event	ev;
	struct sk_buff		*skb;
	struct net_device	*peer;		/* a reference */
	netdevice_tracker	tracker;
	struct qlink		*link;		/* alive while queued */
	u64			herald_id;	/* a QNET_MSG_HERALD's pair */
};

/*
 * The frame the engine is handing to the receive path on this CPU: wire.c
 * takes qnet frames only from there (a frame that reached a qlink's
 * receive path any other way did not cross the fiber).
 */
DEFINE_PER_CPU(const struct sk_buff *, qlink_rx_frame);

static struct rtnl_link_ops qlink_link_ops;
static const struct net_device_ops qlink_netdev_ops;

bool qlink_dev_is_qlink(const struct net_device *dev)
{
	return dev->netdev_ops == &qlink_netdev_ops;
}

bool qlink_dev_is_tunnel(const struct net_device *dev)
{
	return qlink_dev_is_qlink(dev) && qlink_priv(dev)->tun;
}

/* Hand @skb to @peer's receive path. Caller holds rcu_read_lock. */
static bool qlink_forward(struct net_device *dev, struct net_device *peer,
			  struct sk_buff *skb)
{
	unsigned int len = skb->len;

	if (likely(__dev_forward_skb(peer, skb) == NET_RX_SUCCESS &&
		   __netif_rx(skb) == NET_RX_SUCCESS)) {
		dev_sw_netstats_tx_add(dev, 1, len);
		dev_sw_netstats_rx_add(peer, len);
		return true;
	}
	dev_core_stats_tx_dropped_inc(dev);
	return false;
}

/*
 * The pair a QNET_MSG_HERALD frame announces, or 0: the link must learn
 * of a herald that never reached the other end.
 */
static u64 qlink_herald_id(const struct sk_buff *skb)
{
	struct {
		struct qnet_hdr		hdr;
		struct qnet_msg_pair	msg;
	} _m;
	const typeof(_m) *m;

	m = skb_header_pointer(skb, ETH_HLEN, sizeof(_m), &_m);
	if (!m || m->hdr.type != QNET_MSG_HERALD)
		return 0;
	return be64_to_cpu(m->msg.pair_id);
}

static void qlink_frame_free(struct qlink_frame *f)
{
	netdev_put(f->peer, &f->tracker);
	kfree(f);
}

/* Purged with its link (down, deleted): lost in flight. */
static void qlink_frame_drop(struct qnet_event *ev)
{
	struct qlink_frame *f = container_of(ev, struct qlink_frame, ev);

	kfree_skb(f->skb);
	qlink_frame_free(f);
}

/* The frame arrives: the engine's context (BH off, RCU), in order. */
static void qlink_frame_arrive(struct qnet_event *ev)
{
	struct qlink_frame *f = container_of(ev, struct qlink_frame, ev);
	struct net_device *peer = f->peer;
	struct sk_buff *skb = f->skb;
	unsigned int len = skb->len;

	if (__dev_forward_skb(peer, skb) == NET_RX_SUCCESS) {
		dev_sw_netstats_rx_add(peer, len);
		/* eth_type_trans() pulled the Ethernet header */
		trace_qnet_frame_recv(peer, skb, 0, ev->time_ns);
		this_cpu_write(qlink_rx_frame, skb);
		netif_receive_skb_core(skb);
		this_cpu_write(qlink_rx_frame, NULL);
	} else if (f->herald_id) {
		/* __dev_forward_skb() freed it: the peer is down */
		qlink_link_lost(f->link, f->herald_id);
	}
	qlink_frame_free(f);
}

/*
 * A frame for @peer's receive path, not yet queued: charged to the link's
 * maker (qlink_alloc_charged()), holding @peer. NULL if out of memory.
 */
static struct qlink_frame *qlink_frame_new(struct qlink *link,
					   struct sk_buff *skb,
					   struct net_device *peer,
					   u64 herald_id)
{
	struct qlink_frame *f = qlink_alloc_charged(link, sizeof(*f));

	if (!f)
		return NULL;
	qnet_event_init(&f->ev, qlink_frame_arrive, qlink_frame_drop, link);
	f->skb = skb;
	f->peer = peer;
	netdev_hold(peer, &f->tracker, GFP_ATOMIC);
	f->link = link;
	f->herald_id = herald_id;
	return f;
}

/*
 * Put a qnet frame on the fiber: an event at its arrival. Caller holds
 * rcu_read_lock; @link is alive and not dead (qlink_link_detach() waits
 * for a grace period before it purges the link's frames).
 */
static void qlink_xmit_qnet(struct qlink_dev *qd, struct net_device *peer,
			    struct sk_buff *skb)
{
	struct net_device *dev = qd->dev;
	struct qnet_hdr _hdr;
	const struct qnet_hdr *hdr;
	u64 herald_id = qlink_herald_id(skb);
	struct qlink_frame *f;
	u64 sent, arrive;

	hdr = skb_header_pointer(skb, ETH_HLEN, sizeof(_hdr), &_hdr);
	if (hdr)
		sent = be64_to_cpu(hdr->time_ns);
	arrive = qlink_link_arrival(qd->link, hdr ? &sent : NULL);
	f = qlink_frame_new(qd->link, skb, peer, herald_id);
	if (!f) {
		dev_core_stats_tx_dropped_inc(dev);
		kfree_skb(skb);
		if (herald_id)
			qlink_link_lost(qd->link, herald_id);
		return;
	}
	qlink_cnt_add(qlink_dev_end(dev), QLINK_CNT_TX_PACKETS, 1);
	dev_sw_netstats_tx_add(dev, 1, skb->len);
	/* before it is queued: the frame may arrive at once, elsewhere */
	trace_qnet_frame_send(dev, skb, ETH_HLEN, arrive);
	qnet_event_schedule(qlink_link_dmember(qd->link), &f->ev, arrive);
}

/*
 * A frame that came out of @dev's tunnel (tunnel.c), authenticated, with
 * skb->data at its Ethernet header: into @dev's receive path as if a local
 * peer had sent it. A qnet frame arrives through the link's domain, a
 * fiber delay after the domain's clock now (the hosts share no clock yet);
 * anything else at once. Softirq, under rcu_read_lock.
 */
void qlink_dev_tunnel_rx(struct net_device *dev, struct sk_buff *skb)
{
	struct qlink_dev *qd = qlink_priv(dev);
	struct qlink_frame *f;
	unsigned int len = skb->len;

	if (unlikely(!qd->link || READ_ONCE(qd->link->dead)))
		goto drop;
	/* rx_packets is wire.c's: the qnet messages it accepts */
	if (((struct ethhdr *)skb->data)->h_proto != htons(ETH_P_QNET)) {
		if (__dev_forward_skb(dev, skb) == NET_RX_SUCCESS &&
		    __netif_rx(skb) == NET_RX_SUCCESS)
			dev_sw_netstats_rx_add(dev, len);
		else
			dev_core_stats_rx_dropped_inc(dev);
		return;
	}
	/* its pair is on the other host: nothing to learn if it is lost */
	f = qlink_frame_new(qd->link, skb, dev, 0);
	if (!f)
		goto drop;
	qnet_event_schedule(qlink_link_dmember(qd->link), &f->ev,
			    qlink_link_arrival(qd->link, NULL));
	return;
drop:
	dev_core_stats_rx_dropped_inc(dev);
	kfree_skb(skb);
}

static netdev_tx_t qlink_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct qlink_dev *qd = qlink_priv(dev);
	struct net_device *peer;

	if (qd->tun) {
		if (unlikely(READ_ONCE(qd->link->dead))) {
			dev_core_stats_tx_dropped_inc(dev);
			kfree_skb(skb);
			return NETDEV_TX_OK;
		}
		return qlink_tunnel_xmit(dev, skb);
	}
	rcu_read_lock();
	peer = rcu_dereference(qd->peer);
	if (unlikely(!peer || !pskb_may_pull(skb, ETH_HLEN) ||
		     READ_ONCE(qd->link->dead))) {
		dev_core_stats_tx_dropped_inc(dev);
		kfree_skb(skb);
		goto out;
	}
	skb_tx_timestamp(skb);

	if (((struct ethhdr *)skb->data)->h_proto == htons(ETH_P_QNET))
		qlink_xmit_qnet(qd, peer, skb);
	else
		qlink_forward(dev, peer, skb);
out:
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

static int qlink_dev_init(struct net_device *dev)
{
	struct qlink_dev *qd = qlink_priv(dev);

	/* dropped by qlink_dev_free(), which runs iff this succeeded */
	refcount_inc(&qd->link->refcnt);
	qlink_link_attach(qd->link, qd->end, dev);
	return 0;
}

static void qlink_dev_uninit(struct net_device *dev)
{
	struct qlink_dev *qd = qlink_priv(dev);

	/* first: no datagram comes in for a detached end */
	qlink_tunnel_destroy(dev);
	qlink_link_detach(qd->link, qd->end);
}

static void qlink_dev_free(struct net_device *dev)
{
	struct qlink_dev *qd = qlink_priv(dev);

	qlink_link_put(qd->link);
	qd->link = NULL;
}

static int qlink_open(struct net_device *dev)
{
	struct qlink_dev *qd = qlink_priv(dev);
	struct net_device *peer = rtnl_dereference(qd->peer);

	/*
	 * A tunnel's carrier is its socket's: there is no far device here
	 * to ask. Its link never goes "up": it generates no pairs (yet).
	 */
	if (qd->tun) {
		netif_carrier_on(dev);
		return 0;
	}
	if (!peer)
		return -ENOTCONN;

	if (peer->flags & IFF_UP) {
		netif_carrier_on(dev);
		netif_carrier_on(peer);
		/*
		 * The core activates @dev's queueing discipline when this
		 * returns; @peer's would wait for linkwatch, and until then
		 * drop what the network layer sends. Set-up is timed in
		 * emulated time (circuit_ctl.c), where such a wall-clock
		 * window cannot be waited out: no window, then.
		 */
		dev_activate(peer);
		qlink_link_set_up(qd->link, true);
	}
	return 0;
}

static int qlink_stop(struct net_device *dev)
{
	struct qlink_dev *qd = qlink_priv(dev);
	struct net_device *peer = rtnl_dereference(qd->peer);

	netif_carrier_off(dev);
	if (qd->tun)
		return 0;
	if (peer)
		netif_carrier_off(peer);
	/* also loses the frames in flight, both ways */
	qlink_link_set_up(qd->link, false);
	return 0;
}

static int qlink_get_iflink(const struct net_device *dev)
{
	struct qlink_dev *qd = qlink_priv(dev);
	struct net_device *peer;
	int iflink;

	rcu_read_lock();
	peer = rcu_dereference(qd->peer);
	iflink = peer ? peer->ifindex : 0;
	rcu_read_unlock();

	return iflink;
}

static const struct net_device_ops qlink_netdev_ops = {
	.ndo_init		= qlink_dev_init,
	.ndo_uninit		= qlink_dev_uninit,
	.ndo_open		= qlink_open,
	.ndo_stop		= qlink_stop,
	.ndo_start_xmit		= qlink_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_get_iflink		= qlink_get_iflink,
	.ndo_features_check	= passthru_features_check,
};

static void qlink_get_drvinfo(struct net_device *dev,
			      struct ethtool_drvinfo *info)
{
	strscpy(info->driver, QLINK_KIND, sizeof(info->driver));
}

static const struct ethtool_ops qlink_ethtool_ops = {
	.get_drvinfo	= qlink_get_drvinfo,
	.get_link	= ethtool_op_get_link,
};

/* What veth offers, minus VLAN and encapsulation offloads it doesn't need. */
#define QLINK_FEATURES (NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HW_CSUM | \
			NETIF_F_RXCSUM | NETIF_F_HIGHDMA | NETIF_F_GSO_SOFTWARE)

static void qlink_setup(struct net_device *dev)
{
	struct qlink_dev *qd = qlink_priv(dev);

	ether_setup(dev);

	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;

	dev->netdev_ops = &qlink_netdev_ops;
	dev->ethtool_ops = &qlink_ethtool_ops;
	dev->features |= NETIF_F_LLTX | QLINK_FEATURES;
	dev->hw_features = QLINK_FEATURES;
	dev->vlan_features = QLINK_FEATURES;
	dev->needs_free_netdev = true;
	dev->priv_destructor = qlink_dev_free;
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	dev->max_mtu = ETH_MAX_MTU;
	dev->sysfs_groups[0] = &qlink_sysfs_group;

	qd->dev = dev;
}

/*
 * IFLA_INFO_DATA: the peer, and every link parameter with the type and
 * range of qlink_params.h (as the genetlink family's QNET_LINK_A_*); what
 * depends on several of them is checked by qlink_set_params().
 */
static const struct nla_policy qlink_policy[QLINK_INFO_MAX + 1] = {
	[QLINK_INFO_PEER]	= { .len = sizeof(struct ifinfomsg) },
	QLINK_PARAMS(QLINK_POLICY_RTNL)
	[QLINK_INFO_REMOTE]	= NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[QLINK_INFO_LOCAL]	= NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[QLINK_INFO_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[QLINK_INFO_KEY]	= NLA_POLICY_EXACT_LEN(QLINK_TUN_KEY_LEN),
};

/* The attributes only a tunnel's RTM_NEWLINK takes. */
static const int qlink_tunnel_attrs[] = {
	QLINK_INFO_REMOTE, QLINK_INFO_LOCAL, QLINK_INFO_PORT, QLINK_INFO_KEY,
};

/*
 * Apply the parameters in @data to @dev's link, as QNET_CMD_LINK_SET
 * does: all or nothing, through qlink_set_params(). Caller holds RTNL.
 */
static int qlink_info_set(struct net_device *dev, struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	struct qlink_params p;

	if (!data)
		return 0;
	qlink_get_params(dev, &p);
	if (!qlink_params_overlay(&p, data, QLINK_PARAMS_RTNL))
		return 0;
	return qlink_set_params(dev, &p, extack);
}

static size_t qlink_get_size(const struct net_device *dev)
{
	return qlink_params_size() + QLINK_TUNNEL_FILL_SIZE;
}

/*
 * Every parameter of @dev's link but its seed. RTNL held, as for any
 * fill_info. A link dump or RTM_NEWLINK event goes to any user of the
 * namespace, and the seed predicts the link's every outcome: it is shown
 * only by the genetlink family, to CAP_NET_ADMIN (LINK_GET).
 */
static int qlink_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	struct qlink_dev *qd = qlink_priv(dev);
	struct qlink_params p;

	if (!qd->link)
		return 0;
	/* the accessor takes no const; it only reads */
	qlink_get_params((struct net_device *)dev, &p);
	if (qlink_params_fill(skb, &p, QLINK_PARAMS_RTNL, false))
		return -EMSGSIZE;
	/* the key is never shown, to anyone */
	return qlink_tunnel_fill(skb, dev);
}

/* ip link set DEV type qlink PARAMS: the peer is fixed at creation. */
static int qlink_changelink(struct net_device *dev, struct nlattr *tb[],
			    struct nlattr *data[],
			    struct netlink_ext_ack *extack)
{
	unsigned int i;

	if (data && data[QLINK_INFO_PEER]) {
		NL_SET_ERR_MSG_ATTR(extack, data[QLINK_INFO_PEER],
				    "qlink: the peer cannot be changed");
		return -EOPNOTSUPP;
	}
	for (i = 0; data && i < ARRAY_SIZE(qlink_tunnel_attrs); i++) {
		if (data[qlink_tunnel_attrs[i]]) {
			NL_SET_ERR_MSG_ATTR(extack, data[qlink_tunnel_attrs[i]],
					    "qlink: a tunnel's endpoints and key are fixed at creation");
			return -EOPNOTSUPP;
		}
	}
	return qlink_info_set(dev, data, extack);
}

static int qlink_validate(struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
					    "qlink: address must be 6 bytes");
			return -EINVAL;
		}
		if (!is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS]))) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
					    "qlink: invalid unicast address");
			return -EADDRNOTAVAIL;
		}
	}
	if (tb[IFLA_MTU]) {
		u32 mtu = nla_get_u32(tb[IFLA_MTU]);

		if (mtu < ETH_MIN_MTU || mtu > ETH_MAX_MTU) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_MTU],
					    "qlink: MTU out of range");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * A tunnel qlink (QLINK_INFO_REMOTE): one device, end 0 of its link, and
 * a UDP socket in its netns instead of a peer device (tunnel.c).
 */
static int qlink_newlink_tunnel(struct net_device *dev, struct nlattr *tb[],
				struct nlattr *data[],
				struct netlink_ext_ack *extack)
{
	struct qlink_dev *qd = qlink_priv(dev);
	struct qlink_tunnel_cfg cfg = {};
	struct qlink *link;
	int err;

	if (data[QLINK_INFO_PEER]) {
		NL_SET_ERR_MSG_ATTR(extack, data[QLINK_INFO_PEER],
				    "qlink: a tunnel has no peer device");
		return -EINVAL;
	}
	if (data[QLINK_INFO_CONTINUOUS] &&
	    nla_get_u8(data[QLINK_INFO_CONTINUOUS])) {
		NL_SET_ERR_MSG_ATTR(extack, data[QLINK_INFO_CONTINUOUS],
				    "qlink: a tunnel generates no pairs yet");
		return -EOPNOTSUPP;
	}
	if (!data[QLINK_INFO_KEY]) {
		NL_SET_ERR_MSG_ATTR(extack, data[QLINK_INFO_REMOTE],
				    "qlink: a tunnel needs a key");
		return -EINVAL;
	}
	cfg.remote = nla_get_in_addr(data[QLINK_INFO_REMOTE]);
	if (ipv4_is_zeronet(cfg.remote) || ipv4_is_multicast(cfg.remote) ||
	    ipv4_is_lbcast(cfg.remote)) {
		NL_SET_ERR_MSG_ATTR(extack, data[QLINK_INFO_REMOTE],
				    "qlink: the remote must be a unicast address");
		return -EINVAL;
	}
	if (data[QLINK_INFO_LOCAL])
		cfg.local = nla_get_in_addr(data[QLINK_INFO_LOCAL]);
	cfg.port = data[QLINK_INFO_PORT] ?
		   nla_get_u16(data[QLINK_INFO_PORT]) : QLINK_TUN_PORT;
	nla_memcpy(cfg.key, data[QLINK_INFO_KEY], sizeof(cfg.key));

	link = qlink_link_alloc();
	if (!link) {
		memzero_explicit(&cfg, sizeof(cfg));
		return -ENOMEM;
	}
	qd->link = link;
	qd->end = 0;
	err = qlink_info_set(dev, data, extack);
	if (!err)
		err = qlink_tunnel_create(dev, &cfg, extack);
	memzero_explicit(&cfg, sizeof(cfg));
	if (err)
		goto out;

	/*
	 * No offloads: tunnel.c sends each frame whole, checksummed, in
	 * one datagram. The default MTU leaves room for the encapsulation
	 * on a 1500-byte underlay.
	 */
	dev->features &= ~(NETIF_F_GSO_SOFTWARE | NETIF_F_HW_CSUM |
			   NETIF_F_SG | NETIF_F_FRAGLIST);
	dev->hw_features = 0;
	dev->vlan_features = 0;
	if (!tb[IFLA_MTU])
		dev->mtu = ETH_DATA_LEN - QLINK_TUN_ENCAP_LEN;
	if (!tb[IFLA_ADDRESS])
		eth_hw_addr_random(dev);
	if (tb[IFLA_IFNAME])
		nla_strscpy(dev->name, tb[IFLA_IFNAME], IFNAMSIZ);
	else
		snprintf(dev->name, IFNAMSIZ, QLINK_KIND "%%d");

	err = register_netdevice(dev);
	if (err)
		/* a failure after ndo_init ran ndo_uninit; else: */
		qlink_tunnel_destroy(dev);
	else
		netif_carrier_off(dev);
out:
	qlink_link_put(link);
	return err;
}

/*
 * Create the peer as veth does: from QLINK_INFO_PEER if given (its own
 * ifinfomsg, name and netns), else with a generated name in the netns the
 * request named for the device itself.
 */
static int qlink_newlink(struct net *src_net, struct net_device *dev,
			 struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack)
{
	struct nlattr *peer_tb[IFLA_MAX + 1], **tbp = tb;
	unsigned char name_assign_type = NET_NAME_ENUM;
	struct qlink_dev *qd = qlink_priv(dev), *pqd;
	struct ifinfomsg *ifmp = NULL;
	char ifname[IFNAMSIZ];
	struct net_device *peer;
	struct qlink *link;
	struct net *net;
	unsigned int i;
	int err;

	if (data && data[QLINK_INFO_REMOTE])
		return qlink_newlink_tunnel(dev, tb, data, extack);
	for (i = 0; data && i < ARRAY_SIZE(qlink_tunnel_attrs); i++) {
		if (data[qlink_tunnel_attrs[i]]) {
			NL_SET_ERR_MSG_ATTR(extack, data[qlink_tunnel_attrs[i]],
					    "qlink: only a tunnel (remote ADDR) takes this");
			return -EINVAL;
		}
	}

	if (data && data[QLINK_INFO_PEER]) {
		struct nlattr *nla_peer = data[QLINK_INFO_PEER];

		ifmp = nla_data(nla_peer);
		err = rtnl_nla_parse_ifinfomsg(peer_tb, nla_peer, extack);
		if (err < 0)
			return err;
		err = qlink_validate(peer_tb, NULL, extack);
		if (err < 0)
			return err;
		tbp = peer_tb;
	}

	if (ifmp && tbp[IFLA_IFNAME]) {
		nla_strscpy(ifname, tbp[IFLA_IFNAME], IFNAMSIZ);
		name_assign_type = NET_NAME_USER;
	} else {
		snprintf(ifname, IFNAMSIZ, QLINK_KIND "%%d");
	}

	net = rtnl_link_get_net(src_net, tbp);
	if (IS_ERR(net))
		return PTR_ERR(net);
	/*
	 * rtnetlink checked CAP_NET_ADMIN for the device's own netns only;
	 * the peer may be going elsewhere.
	 */
	if (!net_eq(net, src_net) && !ns_capable(net->user_ns, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG_MOD(extack, "no CAP_NET_ADMIN in the peer's netns");
		put_net(net);
		return -EPERM;
	}

	link = qlink_link_alloc();
	if (!link) {
		put_net(net);
		return -ENOMEM;
	}
	/* parameters first: bad ones fail the request before any device */
	qd->link = link;
	err = qlink_info_set(dev, data, extack);
	if (err < 0) {
		put_net(net);
		goto out;
	}

	peer = rtnl_create_link(net, ifname, name_assign_type, &qlink_link_ops,
				tbp, extack);
	if (IS_ERR(peer)) {
		put_net(net);
		err = PTR_ERR(peer);
		goto out;
	}
	if (!ifmp || !tbp[IFLA_ADDRESS])
		eth_hw_addr_random(peer);
	if (ifmp && dev->ifindex != 0)
		peer->ifindex = ifmp->ifi_index;

	pqd = qlink_priv(peer);
	pqd->link = link;
	pqd->end = 1;

	err = register_netdevice(peer);
	put_net(net);
	if (err < 0) {
		free_netdev(peer);
		goto out;
	}
	netif_carrier_off(peer);

	err = rtnl_configure_link(peer, ifmp, 0, NULL);
	if (err < 0)
		goto err_unregister_peer;

	if (!tb[IFLA_ADDRESS])
		eth_hw_addr_random(dev);
	if (tb[IFLA_IFNAME])
		nla_strscpy(dev->name, tb[IFLA_IFNAME], IFNAMSIZ);
	else
		snprintf(dev->name, IFNAMSIZ, QLINK_KIND "%%d");

	qd->link = link;
	qd->end = 0;
	err = register_netdevice(dev);
	if (err < 0)
		goto err_unregister_peer;
	netif_carrier_off(dev);

	rcu_assign_pointer(qd->peer, peer);
	rcu_assign_pointer(pqd->peer, dev);
	err = 0;
	goto out;

err_unregister_peer:
	/* the caller frees dev; it never got through ndo_init or did and
	 * was unregistered again by register_netdevice itself
	 */
	unregister_netdevice(peer);
out:
	qlink_link_put(link);
	return err;
}

static void qlink_dellink(struct net_device *dev, struct list_head *head)
{
	struct qlink_dev *qd = qlink_priv(dev);
	struct net_device *peer = rtnl_dereference(qd->peer);

	/*
	 * dellink runs from default_device_exit_batch() before a
	 * synchronize_rcu(); neither device is freed before a grace period.
	 */
	RCU_INIT_POINTER(qd->peer, NULL);
	unregister_netdevice_queue(dev, head);

	if (peer) {
		RCU_INIT_POINTER(qlink_priv(peer)->peer, NULL);
		unregister_netdevice_queue(peer, head);
	}
}

static struct net *qlink_get_link_net(const struct net_device *dev)
{
	struct qlink_dev *qd = qlink_priv(dev);
	struct net_device *peer = rtnl_dereference(qd->peer);

	return peer ? dev_net(peer) : dev_net(dev);
}

static struct rtnl_link_ops qlink_link_ops = {
	.kind		= QLINK_KIND,
	.priv_size	= sizeof(struct qlink_dev),
	.setup		= qlink_setup,
	.validate	= qlink_validate,
	.newlink	= qlink_newlink,
	.changelink	= qlink_changelink,
	.dellink	= qlink_dellink,
	.get_size	= qlink_get_size,
	.fill_info	= qlink_fill_info,
	.policy		= qlink_policy,
	.maxtype	= QLINK_INFO_MAX,
	.get_link_net	= qlink_get_link_net,
};

/*
 * An end registered in a netns, when created or moved there: its node
 * joins the link's emulation domain.
 */
static int qlink_netdev_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event == NETDEV_REGISTER && qlink_dev_is_qlink(dev))
		qlink_link_moved(qlink_priv(dev)->link, dev);
	return NOTIFY_DONE;
}

static struct notifier_block qlink_netdev_nb = {
	.notifier_call = qlink_netdev_event,
};

int qlink_dev_register(void)
{
	int err = register_netdevice_notifier(&qlink_netdev_nb);

	if (err)
		return err;
	err = rtnl_link_register(&qlink_link_ops);
	if (err)
		unregister_netdevice_notifier(&qlink_netdev_nb);
	return err;
}

/* Deletes every qlink in every netns, like any rtnl_link_ops owner. */
void qlink_dev_unregister(void)
{
	rtnl_link_unregister(&qlink_link_ops);
	unregister_netdevice_notifier(&qlink_netdev_nb);
}

MODULE_ALIAS_RTNL_LINK(QLINK_KIND);
