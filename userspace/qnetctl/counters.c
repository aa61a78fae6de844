// SPDX-License-Identifier: GPL-2.0
/*
 * qnetctl's counter printer: a QNET_A_LINK_STATS, QNET_A_NODE_STATS or
 * QNET_A_NET_STATS nest, as `stats show`, `link show -s` and `node show
 * -s` print it. Below all three objects' files, which call it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "qnetctl.h"

static const enum mnl_attr_data_type stats_policy[QNET_STATS_A_MAX + 1] = {
	[QNET_STATS_A_ATTEMPTS]		 = MNL_TYPE_U64,
	[QNET_STATS_A_HERALDED]		 = MNL_TYPE_U64,
	[QNET_STATS_A_DELIVERED]	 = MNL_TYPE_U64,
	[QNET_STATS_A_EXPIRED]		 = MNL_TYPE_U64,
	[QNET_STATS_A_SWAPS_OK]		 = MNL_TYPE_U64,
	[QNET_STATS_A_SWAPS_FAILED]	 = MNL_TYPE_U64,
	[QNET_STATS_A_PURIFY_OK]	 = MNL_TYPE_U64,
	[QNET_STATS_A_PURIFY_FAILED]	 = MNL_TYPE_U64,
	[QNET_STATS_A_FIDELITY_SUM_PPM]	 = MNL_TYPE_U64,
	[QNET_STATS_A_MEAN_FIDELITY_PPM] = MNL_TYPE_U32,
	[QNET_STATS_A_STORED]		 = MNL_TYPE_U64,
	[QNET_STATS_A_EMU_TIME_NS]	 = MNL_TYPE_U64,
	[QNET_STATS_A_RX_PACKETS]	 = MNL_TYPE_U64,
	[QNET_STATS_A_TX_PACKETS]	 = MNL_TYPE_U64,
	[QNET_STATS_A_RX_DROPPED]	 = MNL_TYPE_U64,
	[QNET_STATS_A_DELIVERED_FID_SUM_PPM]	= MNL_TYPE_U64,
	[QNET_STATS_A_MEAN_DELIVERED_FID_PPM]	= MNL_TYPE_U32,
	[QNET_STATS_A_DISCARDS]		 = MNL_TYPE_NESTED,
	[QNET_STATS_A_PACED_LATE]	 = MNL_TYPE_U64,
	[QNET_STATS_A_PACED_LAG_NS]	 = MNL_TYPE_U64,
	[QNET_STATS_A_TUN_MALFORMED]	 = MNL_TYPE_U64,
	[QNET_STATS_A_TUN_UNAUTH]	 = MNL_TYPE_U64,
	[QNET_STATS_A_TUN_REPLAY]	 = MNL_TYPE_U64,
	[QNET_STATS_A_RX_DROPS]		 = MNL_TYPE_NESTED,
};

/* QNET_STATS_A_RX_DROPS, by enum qnet_rx_drops_attr: JSON keys and labels */
static const char *const rx_drop_names[QNET_RX_DROPS_A_MAX + 1] = {
	[QNET_RX_DROPS_A_MALFORMED]	= "malformed",
	[QNET_RX_DROPS_A_UNKNOWN]	= "unknown",
	[QNET_RX_DROPS_A_PROTOCOL]	= "protocol",
	[QNET_RX_DROPS_A_BAD_ERRNO]	= "bad_errno",
	[QNET_RX_DROPS_A_BAD_BELL]	= "bad_bell",
	[QNET_RX_DROPS_A_BAD_FRAME]	= "bad_frame",
	[QNET_RX_DROPS_A_BAD_REQUEST]	= "bad_request",
	[QNET_RX_DROPS_A_BAD_CAUSE]	= "bad_cause",
	[QNET_RX_DROPS_A_FOREIGN]	= "foreign",
	[QNET_RX_DROPS_A_LIMIT]		= "limit",
};

/* QNET_STATS_A_DISCARDS, by enum qnet_discards_attr: JSON keys and labels */
static const char *const discard_names[QNET_DISCARDS_A_MAX + 1] = {
	[QNET_DISCARDS_A_CUTOFF]	= "cutoff",
	[QNET_DISCARDS_A_REPLACED]	= "replaced",
	[QNET_DISCARDS_A_LINK_DOWN]	= "link_down",
	[QNET_DISCARDS_A_FIDELITY]	= "fidelity",
	[QNET_DISCARDS_A_UNCLAIMED]	= "unclaimed",
	[QNET_DISCARDS_A_DEADLINE]	= "deadline",
	[QNET_DISCARDS_A_SWAP_FAILED]	= "swap_failed",
	[QNET_DISCARDS_A_PURIFY_FAILED]	= "purify_failed",
};

/* One counter: its attribute, names and how it is printed. */
struct qn_counter {
	uint16_t	attr;
	const char	*json;		/* JSON key */
	const char	*text;		/* text label, NULL: JSON only */
	enum qn_unit	unit;
	bool		nl;		/* start a new text line before it */
};

static const struct qn_counter qn_counters[] = {
	{ QNET_STATS_A_ATTEMPTS, "attempts", "attempts", QN_UNIT_COUNT, false },
	{ QNET_STATS_A_HERALDED, "heralded", "heralded", QN_UNIT_COUNT, false },
	{ QNET_STATS_A_DELIVERED, "delivered", "delivered", QN_UNIT_COUNT, false },
	{ QNET_STATS_A_MEAN_DELIVERED_FID_PPM, "mean_delivered_fid_ppm",
	  "delivered-fidelity", QN_UNIT_PROB, false },
	{ QNET_STATS_A_DELIVERED_FID_SUM_PPM, "delivered_fid_sum_ppm", NULL,
	  QN_UNIT_COUNT, false },
	{ QNET_STATS_A_EXPIRED, "expired", "expired", QN_UNIT_COUNT, false },
	{ QNET_STATS_A_STORED, "stored", "stored", QN_UNIT_COUNT, false },
	{ QNET_STATS_A_MEAN_FIDELITY_PPM, "mean_fidelity_ppm", "mean-fidelity",
	  QN_UNIT_PROB, false },
	{ QNET_STATS_A_FIDELITY_SUM_PPM, "fidelity_sum_ppm", NULL, QN_UNIT_COUNT, false },
	{ QNET_STATS_A_SWAPS_OK, "swaps_ok", "swaps", QN_UNIT_COUNT, true },
	{ QNET_STATS_A_SWAPS_FAILED, "swaps_failed", "swaps-failed", QN_UNIT_COUNT, false },
	{ QNET_STATS_A_PURIFY_OK, "purify_ok", "purify", QN_UNIT_COUNT, false },
	{ QNET_STATS_A_PURIFY_FAILED, "purify_failed", "purify-failed",
	  QN_UNIT_COUNT, false },
	{ QNET_STATS_A_RX_PACKETS, "rx_packets", "rx", QN_UNIT_COUNT, true },
	{ QNET_STATS_A_TX_PACKETS, "tx_packets", "tx", QN_UNIT_COUNT, false },
	{ QNET_STATS_A_RX_DROPPED, "rx_dropped", "rx-dropped", QN_UNIT_COUNT, false },
	{ QNET_STATS_A_EMU_TIME_NS, "emu_time_ns", "emu-time", QN_UNIT_CLOCK, false },
	{ QNET_STATS_A_PACED_LATE, "paced_late", "paced-late", QN_UNIT_COUNT, false },
	{ QNET_STATS_A_PACED_LAG_NS, "paced_lag_ns", "paced-lag", QN_UNIT_CLOCK, false },
	{ QNET_STATS_A_TUN_MALFORMED, "tun_malformed", "tun-malformed", QN_UNIT_COUNT, false },
	{ QNET_STATS_A_TUN_UNAUTH, "tun_unauth", "tun-unauth", QN_UNIT_COUNT, false },
	{ QNET_STATS_A_TUN_REPLAY, "tun_replay", "tun-replay", QN_UNIT_COUNT, false },
};

static uint64_t qn_attr_get_uint(const struct nlattr *attr)
{
	return mnl_attr_get_payload_len(attr) == sizeof(uint64_t) ?
		mnl_attr_get_u64(attr) : mnl_attr_get_u32(attr);
}

/* Room for either nest of per-cause counters. */
#define QN_CAUSES_MAX	16

/*
 * A nest of per-cause u64 counters as @key: a JSON object of every cause;
 * in text a line of the causes that are not zero ("@key none" if all are).
 */
static int qn_causes_print(const struct nlattr *nest, int indent,
			   const char *key, const char *const *names, int max)
{
	const struct nlattr *tb[QN_CAUSES_MAX + 1] = {};
	enum mnl_attr_data_type policy[QN_CAUSES_MAX + 1] = {};
	bool any = false;
	char fmt[48];
	int i;

	if (max > QN_CAUSES_MAX)
		return -EINVAL;
	for (i = 1; i <= max; i++)
		policy[i] = MNL_TYPE_U64;
	if (qn_parse_nested(nest, policy, max, tb))
		return -EINVAL;
	print_nl(indent);
	print_string(PRINT_FP, NULL, "%s", key);
	open_json_object(key);
	for (i = 1; i <= max; i++) {
		uint64_t v = tb[i] ? mnl_attr_get_u64(tb[i]) : 0;

		if (!v) {
			print_u64(PRINT_JSON, names[i], NULL, v);
			continue;
		}
		snprintf(fmt, sizeof(fmt), " %s %%" PRIu64, names[i]);
		print_u64(PRINT_ANY, names[i], fmt, v);
		any = true;
	}
	if (!any)
		print_string(PRINT_FP, NULL, " %s", "none");
	close_json_object();
	return 0;
}

/* "discards": qubits given up, by cause. */
static int qn_discards_print(const struct nlattr *nest, int indent)
{
	return qn_causes_print(nest, indent, "discards", discard_names,
			       QNET_DISCARDS_A_MAX);
}

/* "rx_drops": frames the node's network layer rejected, by cause. */
static int qn_rx_drops_print(const struct nlattr *nest, int indent)
{
	return qn_causes_print(nest, indent, "rx_drops", rx_drop_names,
			       QNET_RX_DROPS_A_MAX);
}

/* As a @key object in JSON; as indented lines in text. */
int qn_stats_print_as(const char *key, const struct nlattr *nest, int indent)
{
	const struct nlattr *tb[QNET_STATS_A_MAX + 1] = {};
	bool line_started = false;
	char fmt[64];
	size_t i;

	if (qn_parse_nested(nest, stats_policy, QNET_STATS_A_MAX, tb))
		return -EINVAL;
	open_json_object(key);
	for (i = 0; i < ARRAY_SIZE(qn_counters); i++) {
		const struct qn_counter *c = &qn_counters[i];

		if (!tb[c->attr])
			continue;
		if (!c->text) {
			print_u64(PRINT_JSON, c->json, NULL,
				  qn_attr_get_uint(tb[c->attr]));
			continue;
		}
		if (c->nl && line_started)
			print_nl(indent);
		snprintf(fmt, sizeof(fmt), "%s%s %%s",
			 line_started && !c->nl ? " " : "", c->text);
		print_unit(c->json, fmt, c->unit, qn_attr_get_uint(tb[c->attr]));
		line_started = true;
	}
	if (tb[QNET_STATS_A_DISCARDS] &&
	    qn_discards_print(tb[QNET_STATS_A_DISCARDS], indent))
		return -EINVAL;
	if (tb[QNET_STATS_A_RX_DROPS] &&
	    qn_rx_drops_print(tb[QNET_STATS_A_RX_DROPS], indent))
		return -EINVAL;
	close_json_object();
	return 0;
}

int qn_stats_print(const struct nlattr *nest, int indent)
{
	return qn_stats_print_as("stats", nest, indent);
}

/*
 * QNET_A_NET_STATS: the node's own network-layer counters, as "network"
 * (text: after a "network:" label).
 */
int qn_net_stats_print(const struct nlattr *nest, int indent)
{
	print_nl(indent);
	print_string(PRINT_FP, NULL, "%s", "network:");
	print_nl(indent + 4);
	return qn_stats_print_as("network", nest, indent + 4);
}
