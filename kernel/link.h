/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside a qlink: the objects shared by device.c, link.c, wire.c and
 * sysfs.c. Nothing outside those files includes this header; the rest of
 * qnet goes through qlink.h. The lifetimes and the lock order are described
 * in the "Implementation notes" at the top of link.c.
 */
#ifndef _QNET_LINK_H
#define _QNET_LINK_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/memcontrol.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/netlink.h>

#include "engine.h"
#include "qlink.h"
#include "qlinkmodel.h"

/* Memory slots per end; QNET_LINK_A_MEM_SLOTS is 1 .. this. */
#define QLINK_MAX_SLOTS		64

/*
 * A heralded pair. One reference per memory that holds a half, one while
 * its herald is on the wire (on qlink.inflight), one per qlink_take()r.
 * The state is the heralded one, as it was when the qubits came to be:
 * end i's qubit has been in its memory since @start_ns[i] (the emission
 * of the successful attempt; for direct transmission end 1's since the
 * photon arrived). Readers decohere a copy to the time they need
 * (qlink_pair_state()), so the object never changes after it is
 * published. @time_ns is the herald at end 0, which cutoffs count from.
 */
struct qlink_pair {
	refcount_t		refcnt;
	u64			id;
	u64			time_ns;
	u64			start_ns[2];
	/* memory decay times when heralded */
	u64			t1_ns;
	u64			t2_ns;
	u32			fidelity_ppm;
	struct qstate		state;
	/* on qlink.inflight while its herald travels; under qlink.lock */
	struct list_head	inflight;
	u64			arrive_ns;	/* when the herald reaches end 1 */
	/* end 0's expiry overtook the herald: end 1 drops it on arrival */
	bool			gone;
	u8			gone_cause;
	u64			gone_ns;
};

/* Qubits stored at one end, oldest first. */
struct qlink_mem {
	unsigned int		used;
	struct qlink_pair	*pair[QLINK_MAX_SLOTS];
};

/*
 * Counters of one link end, one set per CPU: they are bumped on the
 * per-pair path from both nodes' contexts (frames, heralds, deliveries),
 * where a shared atomic would bounce between CPUs. Summed on read
 * (qlink_get_stats()), as struct qlink_stats.
 */
enum qlink_cnt {
	QLINK_CNT_ATTEMPTS,
	QLINK_CNT_HERALDED,
	QLINK_CNT_DELIVERED,
	QLINK_CNT_EXPIRED,
	QLINK_CNT_SWAPS_OK,
	QLINK_CNT_SWAPS_FAILED,
	QLINK_CNT_PURIFY_OK,
	QLINK_CNT_PURIFY_FAILED,
	QLINK_CNT_FIDELITY_SUM_PPM,
	QLINK_CNT_DELIVERED_FID_SUM_PPM,
	QLINK_CNT_RX_PACKETS,
	QLINK_CNT_TX_PACKETS,
	QLINK_CNT_RX_DROPPED,
	/* tunnel.c: datagrams dropped, by cause */
	QLINK_CNT_TUN_MALFORMED,
	QLINK_CNT_TUN_UNAUTH,
	QLINK_CNT_TUN_REPLAY,
	QLINK_CNT_DISCARDS,	/* one per cause, __QNET_EXPIRE_MAX of them */
	__QLINK_CNT_MAX = QLINK_CNT_DISCARDS + __QNET_EXPIRE_MAX,
};

struct qlink_pcpu_counters {
	struct u64_stats_sync	syncp;
	u64_stats_t		c[__QLINK_CNT_MAX];
};

struct qlink_consumer_ref {
	const struct qlink_consumer	*ops;
	void				*priv;
	struct rcu_head			rcu;
};

/* One end of a link: the device and what sits behind it. */
struct qlink_end {
	/* NULL once the device is being unregistered; under qlink.lock */
	struct net_device		*dev;
	struct qlink_mem		mem;
	struct qlink_pcpu_counters __percpu *cnt;
	/* the sums at the last reset, subtracted on read; under qlink.lock */
	u64				cnt_base[__QLINK_CNT_MAX];
	/* the network layer's callbacks; RTNL for writers */
	struct qlink_consumer_ref __rcu	*consumer;
	/*
	 * Messages that came over this end and wait for a later attempt
	 * (circuit_ctl.c): the network layer's, under its node's lock.
	 */
	unsigned int			ndeferred;
};

/*
 * The link: shared by the two ends, reached from either device's private
 * area, freed when the second device is freed.
 */
struct qlink {
	refcount_t			refcnt;
	/* protects everything below that is neither atomic nor noted */
	spinlock_t			lock;
	struct qlink_params		params;
	struct qstate_link_model	model;
	struct qmath_rng		rng;
	struct qlink_end		end[2];

	/* a copy of model.delay_ns for the data path (READ_ONCE) */
	u64				delay_ns;
	/*
	 * Names this link among all links ever made (never reused): what
	 * the network layer checks a frame's objects against, so that no
	 * frame reaches state made for another link (qlink_link_id()).
	 */
	u64				id;
	/*
	 * The memory cgroup of whoever made the link (a reference): its
	 * heralded pairs and its frames in flight are charged to it, made
	 * as they are in the engine's worker or in softirq, where no task
	 * of the user runs (Documentation/security.rst).
	 */
	struct mem_cgroup		*memcg;

	bool				up;	/* both ends up */
	bool				dead;	/* an end is unregistering */
	u32				demand;	/* on-demand pairs wanted */
	/*
	 * Continuous and unpaced: pairs replaced in a row with none taken.
	 * At qlink_idle_replaced generation pauses (qlink_gen_wanted())
	 * until a pair is taken or asked for, or the parameters change.
	 */
	u32				unclaimed_run;

	/*
	 * Generation, an event of the link's domain (engine.h). The run of
	 * attempts that started at @run_ns succeeds after @run_attempts
	 * attempts; @gen_ev is scheduled for its herald while @gen_scheduled.
	 */
	struct qnet_dmember		dm;
	struct qnet_event		gen_ev;
	bool				gen_scheduled;
	u64				run_ns;
	u64				run_attempts;
	u64				last_id;

	/* pairs whose herald is on the wire to end 1, oldest first */
	struct list_head		inflight;
	unsigned int			n_inflight;
};

/*
 * Private area of a qlink net_device. @peer is the other end's device as
 * veth has it: RCU for the data path, RTNL for writers.
 */
struct qlink_dev {
	struct net_device __rcu	*peer;
	struct net_device	*dev;
	struct qlink		*link;
	/* 0 for the generating end (the device named in the request), 1 */
	unsigned int		end;
	/* a tunnel qlink's UDP channel (tunnel.c), else NULL; no peer */
	struct qlink_tunnel	*tun;
};

static inline struct qlink_dev *qlink_priv(const struct net_device *dev)
{
	return netdev_priv(dev);
}

static inline struct qlink_end *qlink_dev_end(const struct net_device *dev)
{
	struct qlink_dev *qd = qlink_priv(dev);

	return &qd->link->end[qd->end];
}

/* device.c: the net_device pair */
DECLARE_PER_CPU(const struct sk_buff *, qlink_rx_frame);
int qlink_dev_register(void);
void qlink_dev_unregister(void);

/* link.c: the link object */
struct qlink *qlink_link_alloc(void);
void qlink_link_put(struct qlink *link);
void *qlink_alloc_charged(struct qlink *link, size_t size);
void qlink_link_attach(struct qlink *link, unsigned int end,
		       struct net_device *dev);
void qlink_link_detach(struct qlink *link, unsigned int end);
void qlink_link_set_up(struct qlink *link, bool up);
void qlink_link_moved(struct qlink *link, struct net_device *dev);
/*
 * A frame may be dated at most this far after the domain's clock (a node
 * acting on what it will know by then, e.g. a purification outcome).
 */
#define QLINK_TX_AHEAD_NS	NSEC_PER_SEC

/*
 * An unpaced continuous link nobody takes pairs from would otherwise run
 * its domain's worker flat out for ever: it pauses after this many pairs
 * replaced unused in a row (module parameter idle_replaced, default
 * 65536: a few seconds of a CPU).
 */
extern unsigned int qlink_idle_replaced;
u64 qlink_link_arrival(struct qlink *link, const u64 *sent_ns);
bool qlink_link_date_ok(struct qlink *link, u64 sent_ns);
struct qnet_dmember *qlink_link_dmember(struct qlink *link);
int qlink_link_rx(struct net_device *dev, const struct qnet_hdr *hdr,
		  const struct qnet_msg_pair *msg);
void qlink_link_lost(struct qlink *link, u64 id);

/* device.c: a frame that came out of the tunnel, for @dev's receive path */
void qlink_dev_tunnel_rx(struct net_device *dev, struct sk_buff *skb);

/*
 * tunnel.c: a qlink whose classical channel is UDP to another host.
 * Without CONFIG_NET_UDP_TUNNEL and CONFIG_CRYPTO (Kbuild) a tunnel cannot
 * be made.
 */
struct qlink_tunnel;
struct qlink_tunnel_cfg {
	__be32	remote;
	__be32	local;
	u16	port;
	u8	key[QLINK_TUN_KEY_LEN];
};

#if IS_ENABLED(CONFIG_NET_UDP_TUNNEL) && IS_ENABLED(CONFIG_CRYPTO)
int qlink_tunnel_create(struct net_device *dev,
			const struct qlink_tunnel_cfg *cfg,
			struct netlink_ext_ack *extack);
void qlink_tunnel_destroy(struct net_device *dev);
netdev_tx_t qlink_tunnel_xmit(struct net_device *dev, struct sk_buff *skb);
int qlink_tunnel_fill(struct sk_buff *skb, const struct net_device *dev);
#else
static inline int qlink_tunnel_create(struct net_device *dev,
				      const struct qlink_tunnel_cfg *cfg,
				      struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack, "qlink: kernel built without UDP tunnels");
	return -EOPNOTSUPP;
}

static inline void qlink_tunnel_destroy(struct net_device *dev) { }

static inline netdev_tx_t qlink_tunnel_xmit(struct net_device *dev,
					    struct sk_buff *skb)
{
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static inline int qlink_tunnel_fill(struct sk_buff *skb,
				    const struct net_device *dev)
{
	return 0;
}
#endif
/* A tunnel's bytes around a frame: IPv4, UDP, its header, Ethernet. */
#define QLINK_TUN_ENCAP_LEN	(20 + 8 + 32 + ETH_HLEN)
#define QLINK_TUNNEL_FILL_SIZE	(2 * nla_total_size(4) + nla_total_size(2))

/* wire.c: the ETH_P_QNET packet handler */
int qlink_wire_init(void);
void qlink_wire_exit(void);

/* sysfs.c: the "qnet" attribute group of every qlink device */
extern const struct attribute_group qlink_sysfs_group;

/* Add @n to counter @i of end @e; any context. */
static inline void qlink_cnt_add(struct qlink_end *e, enum qlink_cnt i, u64 n)
{
	struct qlink_pcpu_counters *c = get_cpu_ptr(e->cnt);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&c->syncp);
	u64_stats_add(&c->c[i], n);
	u64_stats_update_end_irqrestore(&c->syncp, flags);
	put_cpu_ptr(e->cnt);
}

#endif /* _QNET_LINK_H */
