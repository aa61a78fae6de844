/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between the qlink device and link-layer emulation
 * (device.c, link*.c, sysfs.c) and the rest of qnet (netlink.c, route.c,
 * later the network layer). Nothing outside the link code looks inside a
 * qlink; everything goes through these functions.
 */
#ifndef _QNET_QLINK_H
#define _QNET_QLINK_H

#include <linux/netdevice.h>
#include <linux/qnet.h>

#include "qlink_params.h"

struct netlink_ext_ack;

/*
 * Link parameters, in the units of include/uapi/linux/qnet.h. They belong
 * to the link, not to one end: setting them on either end changes both.
 */
/* Every parameter of qlink_params.h, as its table says. */
#define QLINK_PARAM_MEMBER(_f, _a, _t, _min, _max, _def, _kw, _js, _u) \
	_t _f;

struct qlink_params {
	QLINK_PARAMS(QLINK_PARAM_MEMBER)
};

/* A snapshot of one link end's counters (enum qnet_stats_attr). */
struct qlink_stats {
	u64	attempts;
	u64	heralded;
	u64	delivered;
	u64	expired;
	u64	swaps_ok;
	u64	swaps_failed;
	u64	purify_ok;
	u64	purify_failed;
	u64	fidelity_sum_ppm;
	u64	stored;
	u64	emu_time_ns;
	u64	rx_packets;
	u64	tx_packets;
	u64	rx_dropped;
	u64	delivered_fid_sum_ppm;
	/* pairs given up here, by either layer, by enum qnet_expire_cause */
	u64	discards[__QNET_EXPIRE_MAX];
	/* the link's emulation domain: pacing that did not keep up */
	u64	paced_late;
	u64	paced_lag_ns;
	/* a tunnel qlink's datagrams dropped, by cause (tunnel.c) */
	u64	tun_malformed;
	u64	tun_unauth;
	u64	tun_replay;
};

/* Module init/exit of the link code: rtnl_link_ops, packet handler. */
int qlink_init(void);
void qlink_exit(void);

/* Defaults that model a realistic 1550 nm fiber link. */
void qlink_params_default(struct qlink_params *p);

/*
 * The parameters as netlink attributes, by qlink_params.h's table: the
 * genetlink family's (QNET_LINK_A_*, nested by the caller) or rtnetlink's
 * (QLINK_INFO_*, in IFLA_INFO_DATA).
 */
enum qlink_params_family {
	QLINK_PARAMS_GENL,
	QLINK_PARAMS_RTNL,
};

/* Put every parameter of @p, the seed only if @seed; -EMSGSIZE if full. */
int qlink_params_fill(struct sk_buff *skb, const struct qlink_params *p,
		      enum qlink_params_family fam, bool seed);
/* The room qlink_params_fill() needs at most. */
size_t qlink_params_size(void);
/*
 * Overlay the attributes present in @tb (validated by the family's policy)
 * onto @p; how many there were.
 */
unsigned int qlink_params_overlay(struct qlink_params *p,
				  struct nlattr *const *tb,
				  enum qlink_params_family fam);

bool qlink_dev_is_qlink(const struct net_device *dev);
/* A tunnel qlink (tunnel.c): frames to another host, no pairs yet. */
bool qlink_dev_is_tunnel(const struct net_device *dev);

/*
 * The accessors below take a device for which qlink_dev_is_qlink() is
 * true. Caller must hold RTNL.
 */
void qlink_get_params(struct net_device *dev, struct qlink_params *p);

/*
 * Validate @p as a whole (ranges that depend on each other, such as a
 * success probability per attempt below 1e-9) and apply it to both ends.
 * On error nothing changes and @extack names the offending attribute.
 */
int qlink_set_params(struct net_device *dev, const struct qlink_params *p,
		     struct netlink_ext_ack *extack);

void qlink_get_stats(struct net_device *dev, struct qlink_stats *s);
void qlink_reset_stats(struct net_device *dev);

/* Node address at the far end, QNET_ADDR_ANY if unset or no peer. */
u32 qlink_peer_node_addr(struct net_device *dev);

/*
 * Counters that the network layer bumps on a link end: a pair it handed
 * to an application (with its fidelity), a swap or a purification that
 * used the end's qubit, a qubit of the link it gave up. Any context.
 */
void qlink_count_delivered(struct net_device *dev, u32 fidelity_ppm);
void qlink_count_discard(struct net_device *dev, u8 cause);
void qlink_count_swap(struct net_device *dev, bool ok);
void qlink_count_purify(struct net_device *dev, bool ok);

/*
 * On-demand generation, for the network layer (Documentation/qlink.rst,
 * "On-demand interface").
 *
 * A heralded pair is a struct qlink_pair shared by the two ends; each end
 * keeps its half in the link's memory until it is taken, discarded or
 * expires. The consumer registered on an end hears of every half stored
 * and every half lost there. The callbacks run in process or softirq
 * context with no qlink lock held and must not sleep; the pair id is all
 * they get, qlink_take() turns it into a reference. What the consumer
 * does itself (qlink_take(), qlink_discard()) is not called back, so it
 * may call those under its own locks.
 */
struct qlink_pair;
struct qstate;

struct qlink_consumer {
	/* this end stored its half of pair @id at emulated @time_ns */
	void (*herald)(struct net_device *dev, void *priv, u64 id,
		       u64 time_ns);
	/* this end lost its half of pair @id (enum qnet_expire_cause) */
	void (*expire)(struct net_device *dev, void *priv, u64 id,
		       u64 time_ns, u8 cause);
};

int qlink_set_consumer(struct net_device *dev, const struct qlink_consumer *c,
		       void *priv);
int qlink_request(struct net_device *dev, u32 npairs);
struct qlink_pair *qlink_take(struct net_device *dev, u64 id);
int qlink_discard(struct net_device *dev, u64 id, u8 cause);

/*
 * Network-layer messages (qnet_hdr.type 16 and up) received on any qlink
 * go to @rcv in softirq context, under rcu_read_lock, with skb->data at
 * struct qnet_hdr, the version checked and the skb trimmed to the header
 * plus hdr->len. It returns 0 having consumed the skb, or -errno for a
 * malformed message, which is then counted in rx_dropped and freed.
 * Registered once from the network layer's init, NULL from its exit.
 */
struct qlink_net_ops {
	int (*rcv)(struct net_device *dev, struct sk_buff *skb);
};

void qlink_set_net_ops(const struct qlink_net_ops *ops);

/*
 * What the control plane (netlink.c) hears of a link, for its event
 * group: a pair heralded or expired at an end (@cmd QNET_CMD_PAIR_*),
 * the link's carrier. Any context, no qlink lock held; must not sleep.
 * Registered once from the control plane's init, NULL from its exit.
 */
struct qlink_notify_ops {
	void (*pair)(struct net_device *dev, u8 cmd, u64 pair_id,
		     u64 time_ns, u32 fidelity_ppm, u8 bell_state,
		     u8 expire_cause);
	void (*link_state)(struct net_device *dev, bool up);
};

void qlink_set_notify_ops(const struct qlink_notify_ops *ops);

void qlink_pair_put(struct qlink_pair *pair);
u64 qlink_pair_id(const struct qlink_pair *pair);
u64 qlink_pair_time(const struct qlink_pair *pair);
u64 qlink_pair_start(const struct qlink_pair *pair, unsigned int end);
void qlink_pair_state(const struct qlink_pair *pair, u64 t0_ns, u64 t1_ns,
		      struct qstate *s);

#endif /* _QNET_QLINK_H */
