// SPDX-License-Identifier: GPL-2.0
/*
 * A tunnel qlink: one qlink device whose classical channel is a UDP
 * tunnel to the same kind of device on another host (or netns), instead
 * of a local peer device. Documentation/qlink.rst, "Tunnel qlinks".
 *
 * Every frame the device transmits goes to the peer in one UDP datagram:
 *
 *   struct qlink_tun_hdr (32 bytes) | the Ethernet frame
 *
 * authenticated with a keyed BLAKE2s-128 MAC over the header's first 16
 * bytes, the IPv4 address it is sent to and the frame, and numbered by a
 * 64-bit sequence number that the receiver checks against a window of the
 * last QLINK_TUN_WINDOW numbers.
 * A datagram that passes enters the device's receive path as a frame from
 * a local peer would (device.c, qlink_dev_tunnel_rx()). One that does not
 * is dropped and counted by cause in the link end's counters.
 *
 * Lifetime: the socket is created in the device's netns by newlink and
 * released by ndo_uninit (qlink_tunnel_destroy()), which runs on device
 * deletion and on netns exit alike; a tunnel device cannot change netns
 * (NETIF_F_NETNS_LOCAL), so the socket's netns outlives it. The receive
 * callback finds the tunnel through sk_user_data (RCU); the tunnel is
 * freed after a grace period.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/blake2s.h>
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "link.h"

#define QLINK_TUN_VERSION	1
#define QLINK_TUN_TYPE_FRAME	1
#define QLINK_TUN_MAC_LEN	BLAKE2S_128_HASH_SIZE
/* sequence numbers a receiver accepts below the highest it has seen */
#define QLINK_TUN_WINDOW	64

/* The datagram's header, network byte order. */
struct qlink_tun_hdr {
	u8	version;	/* QLINK_TUN_VERSION */
	u8	type;		/* QLINK_TUN_TYPE_FRAME */
	__be16	reserved;	/* 0 */
	__be32	reserved2;	/* 0 */
	__be64	seq;		/* > 0, increasing per sender */
	/* BLAKE2s-128(key, the 16 bytes above || destination || frame) */
	u8	mac[QLINK_TUN_MAC_LEN];
} __packed;

#define QLINK_TUN_MAC_OFF	offsetof(struct qlink_tun_hdr, mac)

struct qlink_tunnel {
	struct net_device	*dev;
	/* RTNL for writers; NULL once the device is uninitialised */
	struct socket __rcu	*sock;
	__be32			remote;
	__be32			local;
	__be16			port;
	u8			key[QLINK_TUN_KEY_LEN];
	atomic64_t		tx_seq;
	/* the receive window: the highest number accepted, and a bit per
	 * number below it (bit i: rx_max - i was accepted)
	 */
	spinlock_t		rx_lock;
	u64			rx_max;
	u64			rx_seen;
	struct rcu_head		rcu;
};

/*
 * The MAC covers the address the datagram is sent to (the sender's
 * remote, the receiver's destination address): both ends share the key,
 * and a datagram reflected back to its sender must not verify there.
 */
static void qlink_tun_mac(const struct qlink_tunnel *t, __be32 daddr,
			  const struct qlink_tun_hdr *hdr, const u8 *frame,
			  unsigned int len, u8 out[QLINK_TUN_MAC_LEN])
{
	struct blake2s_state st;

	blake2s_init_key(&st, QLINK_TUN_MAC_LEN, t->key, sizeof(t->key));
	blake2s_update(&st, (const u8 *)hdr, QLINK_TUN_MAC_OFF);
	blake2s_update(&st, (const u8 *)&daddr, sizeof(daddr));
	blake2s_update(&st, frame, len);
	blake2s_final(&st, out);
}

/* Accept @seq once, and not if older than the window. */
static bool qlink_tun_replay_ok(struct qlink_tunnel *t, u64 seq)
{
	bool ok = true;
	u64 d;

	spin_lock_bh(&t->rx_lock);
	if (seq > t->rx_max) {
		d = seq - t->rx_max;
		t->rx_seen = d >= QLINK_TUN_WINDOW ? 0 : t->rx_seen << d;
		t->rx_seen |= 1;
		t->rx_max = seq;
	} else {
		d = t->rx_max - seq;
		if (d >= QLINK_TUN_WINDOW || (t->rx_seen & BIT_ULL(d)))
			ok = false;
		else
			t->rx_seen |= BIT_ULL(d);
	}
	spin_unlock_bh(&t->rx_lock);
	return ok;
}

/*
 * A datagram to the tunnel's port: the UDP layer's encap_rcv, in softirq
 * under rcu_read_lock, the UDP checksum checked, skb->data at the UDP
 * header. Always consumes the skb (0).
 */
static int qlink_tun_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct qlink_tunnel *t = rcu_dereference_sk_user_data(sk);
	u8 mac[QLINK_TUN_MAC_LEN];
	struct qlink_end *e;
	struct qlink_tun_hdr *hdr;
	struct net_device *dev;
	u64 seq;

	if (!t)
		goto free;
	dev = t->dev;
	e = qlink_dev_end(dev);

	if (skb->len < sizeof(struct udphdr) + sizeof(*hdr) + ETH_HLEN ||
	    skb_linearize(skb))
		goto malformed;
	__skb_pull(skb, sizeof(struct udphdr));
	hdr = (struct qlink_tun_hdr *)skb->data;
	seq = be64_to_cpu(hdr->seq);
	if (hdr->version != QLINK_TUN_VERSION ||
	    hdr->type != QLINK_TUN_TYPE_FRAME || hdr->reserved ||
	    hdr->reserved2 || !seq)
		goto malformed;

	qlink_tun_mac(t, ip_hdr(skb)->daddr, hdr, skb->data + sizeof(*hdr),
		      skb->len - sizeof(*hdr), mac);
	if (crypto_memneq(mac, hdr->mac, sizeof(mac))) {
		qlink_cnt_add(e, QLINK_CNT_TUN_UNAUTH, 1);
		goto drop;
	}
	/* only an authentic number may move the window */
	if (!qlink_tun_replay_ok(t, seq)) {
		qlink_cnt_add(e, QLINK_CNT_TUN_REPLAY, 1);
		goto drop;
	}

	__skb_pull(skb, sizeof(*hdr));
	skb_reset_mac_header(skb);
	/* the outer checksum state says nothing of the frame */
	skb->ip_summed = CHECKSUM_NONE;
	qlink_dev_tunnel_rx(dev, skb);
	return 0;

malformed:
	qlink_cnt_add(e, QLINK_CNT_TUN_MALFORMED, 1);
drop:
	dev_core_stats_rx_dropped_inc(dev);
free:
	kfree_skb(skb);
	return 0;
}

/*
 * ndo_start_xmit of a tunnel qlink: @skb, an Ethernet frame, to the peer
 * host. Every failure drops it and counts it in the device's tx_dropped.
 */
netdev_tx_t qlink_tunnel_xmit(struct net_device *dev, struct sk_buff *skb)
{
	struct qlink_tunnel *t = qlink_priv(dev)->tun;
	struct net *net = dev_net(dev);
	struct qlink_tun_hdr *hdr;
	unsigned int len, room;
	struct socket *sock;
	bool qnet;
	struct flowi4 fl4;
	struct rtable *rt;

	rcu_read_lock();
	sock = rcu_dereference(t->sock);
	if (unlikely(!sock || skb_linearize(skb) ||
		     (skb->ip_summed == CHECKSUM_PARTIAL &&
		      skb_checksum_help(skb))))
		goto drop;

	memset(&fl4, 0, sizeof(fl4));
	fl4.flowi4_proto = IPPROTO_UDP;
	fl4.daddr = t->remote;
	fl4.saddr = t->local;
	fl4.fl4_dport = t->port;
	fl4.fl4_sport = t->port;
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt)) {
		DEV_STATS_INC(dev, tx_carrier_errors);
		goto drop;
	}
	if (unlikely(rt->dst.dev == dev)) {
		/* routed into itself: would loop for ever */
		net_warn_ratelimited("%s: tunnel routed over itself\n",
				     dev->name);
		ip_rt_put(rt);
		goto drop;
	}

	len = skb->len;
	qnet = ((struct ethhdr *)skb->data)->h_proto == htons(ETH_P_QNET);
	room = LL_RESERVED_SPACE(rt->dst.dev) + rt->dst.header_len +
	       sizeof(struct iphdr) + sizeof(struct udphdr) + sizeof(*hdr);
	if (skb_cow_head(skb, room)) {
		ip_rt_put(rt);
		goto drop;
	}
	hdr = skb_push(skb, sizeof(*hdr));
	memset(hdr, 0, QLINK_TUN_MAC_OFF);
	hdr->version = QLINK_TUN_VERSION;
	hdr->type = QLINK_TUN_TYPE_FRAME;
	hdr->seq = cpu_to_be64(atomic64_inc_return(&t->tx_seq));
	qlink_tun_mac(t, t->remote, hdr, skb->data + sizeof(*hdr), len,
		      hdr->mac);

	skb_tx_timestamp(skb);
	udp_tunnel_xmit_skb(rt, sock->sk, skb, fl4.saddr, fl4.daddr, 0,
			    ip4_dst_hoplimit(&rt->dst), 0, t->port, t->port,
			    false, false);
	/*
	 * iptunnel_xmit() counted it in skb->dev's (our) tstats, or as a
	 * tx error or drop. The link's tx_packets counts qnet frames, as
	 * on a local qlink.
	 */
	if (qnet)
		qlink_cnt_add(qlink_dev_end(dev), QLINK_CNT_TX_PACKETS, 1);
	rcu_read_unlock();
	return NETDEV_TX_OK;

drop:
	rcu_read_unlock();
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

/*
 * Open the tunnel's socket in @dev's netns and attach it. newlink, RTNL
 * held, before register_netdevice(). The port is bound on the local
 * address (any if none): a second tunnel on the same port and address
 * fails with -EADDRINUSE.
 */
int qlink_tunnel_create(struct net_device *dev,
			const struct qlink_tunnel_cfg *cfg,
			struct netlink_ext_ack *extack)
{
	struct udp_tunnel_sock_cfg tcfg = {};
	struct udp_port_cfg ucfg = {};
	struct qlink_tunnel *t;
	struct socket *sock;
	int err;

	BUILD_BUG_ON(sizeof(struct iphdr) + sizeof(struct udphdr) +
		     sizeof(struct qlink_tun_hdr) + ETH_HLEN !=
		     QLINK_TUN_ENCAP_LEN);
	ASSERT_RTNL();
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->dev = dev;
	t->remote = cfg->remote;
	t->local = cfg->local;
	t->port = htons(cfg->port);
	memcpy(t->key, cfg->key, sizeof(t->key));
	spin_lock_init(&t->rx_lock);
	/*
	 * The numbers start at the wall clock in ns: a device made again
	 * with the same key goes on above what the peer has seen (a
	 * restart from 1 would be taken for a replay).
	 */
	atomic64_set(&t->tx_seq, ktime_get_real_ns());

	ucfg.family = AF_INET;
	ucfg.local_ip.s_addr = cfg->local;
	ucfg.local_udp_port = t->port;
	err = udp_sock_create(dev_net(dev), &ucfg, &sock);
	if (err) {
		NL_SET_ERR_MSG(extack, "qlink: cannot bind the tunnel's UDP port");
		kfree_sensitive(t);
		return err;
	}
	tcfg.sk_user_data = t;
	tcfg.encap_type = 1;
	tcfg.encap_rcv = qlink_tun_rcv;
	setup_udp_tunnel_sock(dev_net(dev), sock, &tcfg);
	rcu_assign_pointer(t->sock, sock);

	qlink_priv(dev)->tun = t;
	/* the socket lives in this netns: the device must stay in it */
	dev->features |= NETIF_F_NETNS_LOCAL;
	dev->needed_headroom = LL_MAX_HEADER + QLINK_TUN_ENCAP_LEN;
	return 0;
}

/*
 * Release the socket (no datagram reaches the tunnel after it) and free
 * the tunnel after a grace period. ndo_uninit or a failed newlink, RTNL.
 */
void qlink_tunnel_destroy(struct net_device *dev)
{
	struct qlink_dev *qd = qlink_priv(dev);
	struct qlink_tunnel *t = qd->tun;
	struct socket *sock;

	ASSERT_RTNL();
	if (!t)
		return;
	sock = rtnl_dereference(t->sock);
	RCU_INIT_POINTER(t->sock, NULL);
	/* clears sk_user_data, then releases: RCU readers see either */
	if (sock)
		udp_tunnel_sock_release(sock);
	qd->tun = NULL;
	memzero_explicit(t->key, sizeof(t->key));
	kfree_rcu(t, rcu);
}

/* The tunnel's addresses and port (never its key), for fill_info. */
int qlink_tunnel_fill(struct sk_buff *skb, const struct net_device *dev)
{
	const struct qlink_tunnel *t = qlink_priv(dev)->tun;

	if (!t)
		return 0;
	if (nla_put_in_addr(skb, QLINK_INFO_REMOTE, t->remote) ||
	    (t->local && nla_put_in_addr(skb, QLINK_INFO_LOCAL, t->local)) ||
	    nla_put_u16(skb, QLINK_INFO_PORT, ntohs(t->port)))
		return -EMSGSIZE;
	return 0;
}
