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

struct netlink_ext_ack;

/*
 * Link parameters, in the units of include/uapi/linux/qnet.h. They belong
 * to the link, not to one end: setting them on either end changes both.
 */
struct qlink_params {
	u32	length_m;
	u32	atten_mdb_km;
	u32	index_milli;
	u32	attempt_rate_hz;
	u8	scheme;			/* enum qnet_scheme */
	bool	continuous;
	u32	alpha_ppm;
	u32	source_fid_ppm;
	u32	det_eff_ppm;
	u32	dark_rate_hz;
	u32	visibility_ppm;
	u32	mem_slots;
	u64	t1_ns;
	u64	t2_ns;
	u64	cutoff_ns;
	u64	seed;
	u32	time_scale;
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
};

/* Module init/exit of the link code: rtnl_link_ops, packet handler. */
int qlink_init(void);
void qlink_exit(void);

/* Defaults that model a realistic 1550 nm fiber link. */
void qlink_params_default(struct qlink_params *p);

bool qlink_dev_is_qlink(const struct net_device *dev);

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

#endif /* _QNET_QLINK_H */
