// SPDX-License-Identifier: GPL-2.0
/*
 * qnetctl node: this netns's node address, its parameters (the node's own
 * Bell-state measurement, gates and readout), its seed and node totals.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>

#include "qnetctl.h"

/* Node parameters (QNET_NODE_A_*), as link.c's table of link parameters. */
static const struct {
	const char	*keyword;	/* command line and text output */
	const char	*json;		/* JSON key: the unit is in the name */
	uint16_t	attr;
} qn_node_params[] = {
	{ "bsm-eff", "bsm_eff_ppm", QNET_NODE_A_BSM_EFF_PPM },
	{ "gate-err", "gate_err_ppm", QNET_NODE_A_GATE_ERR_PPM },
	{ "readout-err", "readout_err_ppm", QNET_NODE_A_READOUT_ERR_PPM },
};

static const enum mnl_attr_data_type node_params_policy[QNET_NODE_A_MAX + 1] = {
	[QNET_NODE_A_BSM_EFF_PPM]	= MNL_TYPE_U32,
	[QNET_NODE_A_GATE_ERR_PPM]	= MNL_TYPE_U32,
	[QNET_NODE_A_READOUT_ERR_PPM]	= MNL_TYPE_U32,
};

static int node_help(struct qn *q)
{
	printf("Usage: %s node show\n"
	       "       %s node set [ addr ADDR ] [ bsm-eff PROB ] [ gate-err PROB ]\n"
	       "                   [ readout-err PROB ] [ seed N ]\n"
	       "where  ADDR := { a decimal number | a dotted quad }, not 0\n"
	       "       PROB := { 0..1 | N%% }\n"
	       "bsm-eff: Bell-state measurement success (default 1); gate-err: two-qubit\n"
	       "gate depolarising (0); readout-err: bit misread, at most 0.5 (0);\n"
	       "seed: of the node's swap, purification and measurement outcomes\n"
	       "(random; shown to CAP_NET_ADMIN only).\n"
	       "With -s, show adds the node's counters.\n",
	       q->prog, q->prog);
	return 0;
}

int qn_node_params_print(const struct nlattr *nest)
{
	const struct nlattr *tb[QNET_NODE_A_MAX + 1] = {};
	char fmt[32];
	size_t i;

	if (qn_parse_nested(nest, node_params_policy, QNET_NODE_A_MAX, tb))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(qn_node_params); i++) {
		if (!tb[qn_node_params[i].attr])
			continue;
		snprintf(fmt, sizeof(fmt), " %s %%s", qn_node_params[i].keyword);
		print_unit(qn_node_params[i].json, fmt, QN_UNIT_PROB,
			   mnl_attr_get_u32(tb[qn_node_params[i].attr]));
	}
	return 0;
}

static int node_print(struct qn *q, const struct nlattr **tb)
{
	print_u64(PRINT_ANY, "addr", "addr %" PRIu64,
		  tb[QNET_A_NODE_ADDR] ? mnl_attr_get_u32(tb[QNET_A_NODE_ADDR]) : 0);
	if (tb[QNET_A_NODE_PARAMS] &&
	    qn_node_params_print(tb[QNET_A_NODE_PARAMS]))
		return -EINVAL;
	if (tb[QNET_A_NODE_SEED])
		print_u64(PRINT_ANY, "seed", " seed %" PRIu64,
			  mnl_attr_get_u64(tb[QNET_A_NODE_SEED]));
	if (q->stats && tb[QNET_A_NODE_STATS]) {
		print_nl(4);
		if (qn_stats_print(tb[QNET_A_NODE_STATS], 4))
			return -EINVAL;
		if (tb[QNET_A_NET_STATS] &&
		    qn_net_stats_print(tb[QNET_A_NET_STATS], 4))
			return -EINVAL;
	}
	return 0;
}

static const struct qn_show node_show_table = {
	.cmd	= QNET_CMD_NODE_GET,
	.print	= node_print,
};

static int node_show(struct qn *q)
{
	return qn_show(q, &node_show_table);
}

static int node_set(struct qn *q)
{
	uint64_t val[ARRAY_SIZE(qn_node_params)];
	bool set[ARRAY_SIZE(qn_node_params)] = {};
	bool have_addr = false, have_params = false, have_seed = false;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	const char *arg;
	struct qn_sock *s;
	uint64_t seed;
	uint32_t addr;
	size_t i;
	int err;

	while (!qn_no_arg(q)) {
		if (qn_arg_is(q, "addr")) {
			arg = qn_arg_value(q, "addr");
			if (!arg)
				return -EINVAL;
			err = qn_get_addr(arg, &addr);
			if (err)
				return err;
			have_addr = true;
			continue;
		}
		if (qn_arg_is(q, "seed")) {
			arg = qn_arg_value(q, "seed");
			if (!arg)
				return -EINVAL;
			err = qn_get_unit(arg, QN_UNIT_COUNT, UINT64_MAX, &seed);
			if (err)
				return err;
			have_seed = true;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(qn_node_params); i++)
			if (!strcmp(qn_argv(q), qn_node_params[i].keyword))
				break;
		if (i == ARRAY_SIZE(qn_node_params))
			return qn_err("unknown node parameter \"%s\"", qn_argv(q));
		qn_arg_inc(q);
		if (set[i])
			return qn_err("duplicate node parameter \"%s\"",
				      qn_node_params[i].keyword);
		arg = qn_arg_value(q, qn_node_params[i].keyword);
		if (!arg)
			return -EINVAL;
		/* the kernel checks each one's range and names it */
		err = qn_get_unit(arg, QN_UNIT_PROB, UINT32_MAX, &val[i]);
		if (err)
			return err;
		set[i] = true;
		have_params = true;
	}
	if (!have_addr && !have_params && !have_seed)
		return qn_err("nothing to set, try \"%s node help\"", q->prog);
	s = qn_genl(q);
	if (!s)
		return -ENOENT;
	nlh = qn_genl_prepare(s, QNET_CMD_NODE_SET, 0);
	if (have_addr)
		mnl_attr_put_u32(nlh, QNET_A_NODE_ADDR, addr);
	if (have_params) {
		nest = mnl_attr_nest_start(nlh, QNET_A_NODE_PARAMS);
		for (i = 0; i < ARRAY_SIZE(qn_node_params); i++)
			if (set[i])
				mnl_attr_put_u32(nlh, qn_node_params[i].attr,
						 (uint32_t)val[i]);
		mnl_attr_nest_end(nlh, nest);
	}
	if (have_seed)
		mnl_attr_put_u64(nlh, QNET_A_NODE_SEED, seed);
	return qn_request(s, nlh, NULL, NULL);
}

int cmd_node(struct qn *q)
{
	static const struct qn_cmd cmds[] = {
		{ NULL,		node_show },
		{ "show",	node_show },
		{ "list",	node_show },
		{ "set",	node_set },
		{ "help",	node_help },
		{ NULL,		NULL },
	};

	return qn_exec_cmd(q, cmds, "node");
}
