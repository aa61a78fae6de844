// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/class/net/<qlink>/qnet/: a read-only mirror of the link's
 * parameters and of this end's counters, one value per file, named as the
 * netlink attributes (QNET_LINK_A_LENGTH_M is length_m, QNET_STATS_A_RX_DROPPED
 * is rx_dropped) and read through the same accessors as netlink, so the
 * two always agree.
 *
 * The group hangs off dev->sysfs_groups[0] from setup on; kernfs drains
 * readers before the device (and with it the link reference) goes away.
 */
#include <linux/device.h>
#include <linux/math64.h>
#include <linux/netdevice.h>
#include <linux/sysfs.h>

#include "link.h"
#include "qlink_params.h"

/*
 * The attribute is spelled out rather than DEVICE_ATTR_RO() so that each
 * macro names its argument once (checkpatch: no argument reuse).
 */
/*
 * One file per link parameter (qlink_params.h). The seed predicts every
 * outcome of the link: readable by the owner of the namespace's root only
 * (sysfs files of a device belong to it), as netlink shows it only to
 * CAP_NET_ADMIN over the namespace.
 */
#define QLINK_PARAM_MODE(_f)						\
	(offsetof(struct qlink_params, _f) ==				\
	 offsetof(struct qlink_params, seed) ? 0400 : 0444)

#define QLINK_PARAM_ATTR(_f, _a, _t, _min, _max, _def, _kw, _js, _u)	\
static ssize_t qlink_show_##_f(struct device *d,			\
			       struct device_attribute *attr, char *buf) \
{									\
	struct qlink_params p;						\
									\
	qlink_get_params(to_net_dev(d), &p);				\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)p._f);	\
}									\
static struct device_attribute dev_attr_##_f = {			\
	.attr = { .name = #_f, .mode = QLINK_PARAM_MODE(_f) },		\
	.show = qlink_show_##_f,					\
};

#define QLINK_PARAM_ATTR_PTR(_f, _a, _t, _min, _max, _def, _kw, _js, _u) \
	&dev_attr_##_f.attr,

#define QLINK_STATS_ATTR(_name)						\
static ssize_t qlink_show_##_name(struct device *d,			\
				  struct device_attribute *attr,	\
				  char *buf)				\
{									\
	struct qlink_stats s;						\
									\
	qlink_get_stats(to_net_dev(d), &s);				\
	return sysfs_emit(buf, "%llu\n", s._name);			\
}									\
static struct device_attribute dev_attr_##_name = {			\
	.attr = { .name = #_name, .mode = 0444 },			\
	.show = qlink_show_##_name,					\
}

/* discards_<cause>: the pairs this end gave up for one expire cause */
#define QLINK_DISCARD_ATTR(_name, _cause)				\
static ssize_t qlink_show_discards_##_name(struct device *d,		\
					   struct device_attribute *attr, \
					   char *buf)			\
{									\
	struct qlink_stats s;						\
									\
	qlink_get_stats(to_net_dev(d), &s);				\
	return sysfs_emit(buf, "%llu\n", s.discards[_cause]);		\
}									\
static struct device_attribute dev_attr_discards_##_name = {		\
	.attr = { .name = "discards_" #_name, .mode = 0444 },		\
	.show = qlink_show_discards_##_name,				\
}

QLINK_PARAMS(QLINK_PARAM_ATTR)

QLINK_STATS_ATTR(attempts);
QLINK_STATS_ATTR(heralded);
QLINK_STATS_ATTR(delivered);
QLINK_STATS_ATTR(expired);
QLINK_STATS_ATTR(swaps_ok);
QLINK_STATS_ATTR(swaps_failed);
QLINK_STATS_ATTR(purify_ok);
QLINK_STATS_ATTR(purify_failed);
QLINK_STATS_ATTR(fidelity_sum_ppm);
QLINK_STATS_ATTR(stored);
QLINK_STATS_ATTR(emu_time_ns);
QLINK_STATS_ATTR(rx_packets);
QLINK_STATS_ATTR(tx_packets);
QLINK_STATS_ATTR(rx_dropped);
QLINK_STATS_ATTR(delivered_fid_sum_ppm);
QLINK_STATS_ATTR(paced_late);
QLINK_STATS_ATTR(paced_lag_ns);
QLINK_STATS_ATTR(tun_malformed);
QLINK_STATS_ATTR(tun_unauth);
QLINK_STATS_ATTR(tun_replay);

QLINK_DISCARD_ATTR(cutoff, QNET_EXPIRE_CUTOFF);
QLINK_DISCARD_ATTR(replaced, QNET_EXPIRE_REPLACED);
QLINK_DISCARD_ATTR(link_down, QNET_EXPIRE_LINK_DOWN);
QLINK_DISCARD_ATTR(fidelity, QNET_EXPIRE_FIDELITY);
QLINK_DISCARD_ATTR(unclaimed, QNET_EXPIRE_UNCLAIMED);
QLINK_DISCARD_ATTR(deadline, QNET_EXPIRE_DEADLINE);
QLINK_DISCARD_ATTR(swap_failed, QNET_EXPIRE_SWAP_FAILED);
QLINK_DISCARD_ATTR(purify_failed, QNET_EXPIRE_PURIFY_FAILED);

/* As QNET_STATS_A_MEAN_FIDELITY_PPM: sum / heralded, 0 if none. */
static ssize_t mean_fidelity_ppm_show(struct device *d,
				      struct device_attribute *attr, char *buf)
{
	struct qlink_stats s;

	qlink_get_stats(to_net_dev(d), &s);
	return sysfs_emit(buf, "%llu\n", s.heralded ?
			  div64_u64(s.fidelity_sum_ppm, s.heralded) : 0);
}
static DEVICE_ATTR_RO(mean_fidelity_ppm);

/* As QNET_STATS_A_MEAN_DELIVERED_FID_PPM: sum / delivered, 0 if none. */
static ssize_t mean_delivered_fid_ppm_show(struct device *d,
					   struct device_attribute *attr,
					   char *buf)
{
	struct qlink_stats s;

	qlink_get_stats(to_net_dev(d), &s);
	return sysfs_emit(buf, "%llu\n", s.delivered ?
			  div64_u64(s.delivered_fid_sum_ppm, s.delivered) : 0);
}
static DEVICE_ATTR_RO(mean_delivered_fid_ppm);

static struct attribute *qlink_sysfs_attrs[] = {
	QLINK_PARAMS(QLINK_PARAM_ATTR_PTR)
	&dev_attr_attempts.attr,
	&dev_attr_heralded.attr,
	&dev_attr_delivered.attr,
	&dev_attr_expired.attr,
	&dev_attr_swaps_ok.attr,
	&dev_attr_swaps_failed.attr,
	&dev_attr_purify_ok.attr,
	&dev_attr_purify_failed.attr,
	&dev_attr_fidelity_sum_ppm.attr,
	&dev_attr_mean_fidelity_ppm.attr,
	&dev_attr_stored.attr,
	&dev_attr_emu_time_ns.attr,
	&dev_attr_rx_packets.attr,
	&dev_attr_tx_packets.attr,
	&dev_attr_rx_dropped.attr,
	&dev_attr_delivered_fid_sum_ppm.attr,
	&dev_attr_paced_late.attr,
	&dev_attr_paced_lag_ns.attr,
	&dev_attr_tun_malformed.attr,
	&dev_attr_tun_unauth.attr,
	&dev_attr_tun_replay.attr,
	&dev_attr_mean_delivered_fid_ppm.attr,
	&dev_attr_discards_cutoff.attr,
	&dev_attr_discards_replaced.attr,
	&dev_attr_discards_link_down.attr,
	&dev_attr_discards_fidelity.attr,
	&dev_attr_discards_unclaimed.attr,
	&dev_attr_discards_deadline.attr,
	&dev_attr_discards_swap_failed.attr,
	&dev_attr_discards_purify_failed.attr,
	NULL,
};

const struct attribute_group qlink_sysfs_group = {
	.name	= "qnet",
	.attrs	= qlink_sysfs_attrs,
};
