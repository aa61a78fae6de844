// SPDX-License-Identifier: GPL-2.0
/*
 * qnetctl stats: a link's counters or the node's totals; and the counter
 * printer that `link show -s` and `node show -s` use too.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <linux/genetlink.h>

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

static int stats_help(struct qn *q)
{
	printf("Usage: %s stats show [ dev NAME ]\n"
	       "       %s stats reset [ dev NAME ]\n"
	       "Without dev, the node's totals.\n",
	       q->prog, q->prog);
	return 0;
}

/* [ dev NAME ]: the link's ifindex, or 0 for the node. */
static int stats_parse(struct qn *q, uint32_t *ifindex, const char **name)
{
	*ifindex = 0;
	*name = NULL;
	while (!qn_no_arg(q)) {
		if (qn_arg_is(q, "dev")) {
			*name = qn_arg_value(q, "dev");
			if (!*name || qn_get_ifindex(*name, ifindex))
				return -EINVAL;
		} else {
			return qn_err("unknown argument \"%s\", try \"%s stats help\"",
				      qn_argv(q), q->prog);
		}
	}
	return 0;
}

static int stats_show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1] = {};
	const struct nlattr *nest;
	(void)data;

	if (qn_parse_attrs(nlh, sizeof(struct genlmsghdr), qnet_attr_policy,
			   QNET_A_MAX, tb))
		return MNL_CB_ERROR;
	open_json_object(NULL);
	if (tb[QNET_A_IFNAME]) {
		print_string(PRINT_ANY, "ifname", "%s:",
			     mnl_attr_get_str(tb[QNET_A_IFNAME]));
		nest = tb[QNET_A_LINK_STATS];
	} else {
		print_string(PRINT_FP, NULL, "%s:", "node");
		nest = tb[QNET_A_NODE_STATS];
		/* what the node's swap and purification counts depend on */
		if (tb[QNET_A_NODE_PARAMS] &&
		    qn_node_params_print(tb[QNET_A_NODE_PARAMS]))
			return MNL_CB_ERROR;
	}
	if (tb[QNET_A_IFINDEX])
		print_u64(PRINT_JSON, "ifindex", NULL,
			  mnl_attr_get_u32(tb[QNET_A_IFINDEX]));
	print_nl(4);
	if (nest && qn_stats_print(nest, 4))
		return MNL_CB_ERROR;
	if (tb[QNET_A_NET_STATS] && qn_net_stats_print(tb[QNET_A_NET_STATS], 4))
		return MNL_CB_ERROR;
	print_nl(0);
	close_json_object();
	return MNL_CB_OK;
}

static int stats_do(struct qn *q, uint8_t cmd)
{
	struct nlmsghdr *nlh;
	const char *name;
	struct qn_sock *s;
	uint32_t ifindex;
	int err;

	err = stats_parse(q, &ifindex, &name);
	if (err)
		return err;
	s = qn_genl(q);
	if (!s)
		return -ENOENT;
	nlh = qn_genl_prepare(s, cmd, 0);
	if (ifindex)
		mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	if (cmd == QNET_CMD_STATS_RESET)
		return qn_request(s, nlh, NULL, NULL);
	print_start(stdout, q->json, q->pretty);
	err = qn_request(s, nlh, stats_show_cb, q);
	print_end();
	return err;
}

static int stats_show(struct qn *q)
{
	return stats_do(q, QNET_CMD_STATS_GET);
}

static int stats_reset(struct qn *q)
{
	return stats_do(q, QNET_CMD_STATS_RESET);
}

int cmd_stats(struct qn *q)
{
	static const struct qn_cmd cmds[] = {
		{ NULL,		stats_show },
		{ "show",	stats_show },
		{ "list",	stats_show },
		{ "reset",	stats_reset },
		{ "help",	stats_help },
		{ NULL,		NULL },
	};

	return qn_exec_cmd(q, cmds, "stats");
}
