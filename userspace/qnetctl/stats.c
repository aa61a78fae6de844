// SPDX-License-Identifier: GPL-2.0
/*
 * qnetctl stats: a link's counters or the node's totals (the counters
 * are printed by counters.c, as for `link show -s` and `node show -s`).
 */
#include <errno.h>
#include <stdio.h>

#include <linux/genetlink.h>

#include "qnetctl.h"

static int stats_help(struct qn *q)
{
	printf("Usage: %s stats show [ dev NAME ]\n"
	       "       %s stats reset [ dev NAME ]\n"
	       "Without dev, the node's totals.\n",
	       q->prog, q->prog);
	return 0;
}

/* [ dev NAME ]: the link's ifindex, or 0 for the node. */
static int stats_parse(struct qn *q, struct qn_show_key *key)
{
	const char *name;

	while (!qn_no_arg(q)) {
		if (qn_arg_is(q, "dev")) {
			name = qn_arg_value(q, "dev");
			if (!name || qn_get_ifindex(name, &key->val))
				return -EINVAL;
			key->attr = QNET_A_IFINDEX;
		} else {
			return qn_err("unknown argument \"%s\", try \"%s stats help\"",
				      qn_argv(q), q->prog);
		}
	}
	return 0;
}

static int stats_print(struct qn *q, const struct nlattr **tb)
{
	const struct nlattr *nest;
	(void)q;

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
			return -EINVAL;
	}
	if (tb[QNET_A_IFINDEX])
		print_u64(PRINT_JSON, "ifindex", NULL,
			  mnl_attr_get_u32(tb[QNET_A_IFINDEX]));
	print_nl(4);
	if (nest && qn_stats_print(nest, 4))
		return -EINVAL;
	if (tb[QNET_A_NET_STATS] && qn_net_stats_print(tb[QNET_A_NET_STATS], 4))
		return -EINVAL;
	return 0;
}

static const struct qn_show stats_show_table = {
	.cmd	= QNET_CMD_STATS_GET,
	.parse	= stats_parse,
	.print	= stats_print,
};

static int stats_show(struct qn *q)
{
	return qn_show(q, &stats_show_table);
}

static int stats_reset(struct qn *q)
{
	struct qn_show_key key = {};
	struct nlmsghdr *nlh;
	struct qn_sock *s;
	int err;

	err = stats_parse(q, &key);
	if (!err)
		err = qn_genl_begin(q, QNET_CMD_STATS_RESET, key.attr, key.val,
				    &s, &nlh);
	return err ?: qn_request(s, nlh, NULL, NULL);
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
