// SPDX-License-Identifier: GPL-2.0
/*
 * qnetctl node: this netns's node address and node totals.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <linux/genetlink.h>

#include "qnetctl.h"

static int node_help(struct qn *q)
{
	printf("Usage: %s node show\n"
	       "       %s node set addr ADDR\n"
	       "where  ADDR := { a decimal number | a dotted quad }, not 0\n"
	       "With -s, show adds the node's counters.\n",
	       q->prog, q->prog);
	return 0;
}

static int node_show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1] = {};
	struct qn *q = data;

	if (qn_parse_attrs(nlh, sizeof(struct genlmsghdr), qnet_attr_policy,
			   QNET_A_MAX, tb))
		return MNL_CB_ERROR;
	open_json_object(NULL);
	print_u64(PRINT_ANY, "addr", "addr %" PRIu64,
		  tb[QNET_A_NODE_ADDR] ? mnl_attr_get_u32(tb[QNET_A_NODE_ADDR]) : 0);
	if (q->stats && tb[QNET_A_NODE_STATS]) {
		print_nl(4);
		if (qn_stats_print(tb[QNET_A_NODE_STATS], 4))
			return MNL_CB_ERROR;
		if (tb[QNET_A_NET_STATS] &&
		    qn_net_stats_print(tb[QNET_A_NET_STATS], 4))
			return MNL_CB_ERROR;
	}
	print_nl(0);
	close_json_object();
	return MNL_CB_OK;
}

static int node_show(struct qn *q)
{
	struct qn_sock *s;
	int err;

	err = qn_arg_end(q);
	if (err)
		return err;
	s = qn_genl(q);
	if (!s)
		return -ENOENT;
	print_start(stdout, q->json, q->pretty);
	err = qn_request(s, qn_genl_prepare(s, QNET_CMD_NODE_GET, 0),
			 node_show_cb, q);
	print_end();
	return err;
}

static int node_set(struct qn *q)
{
	struct nlmsghdr *nlh;
	const char *arg;
	struct qn_sock *s;
	uint32_t addr;
	bool have_addr = false;
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
		} else {
			return qn_err("unknown node parameter \"%s\"", qn_argv(q));
		}
	}
	if (!have_addr)
		return qn_err("nothing to set, try \"%s node help\"", q->prog);
	s = qn_genl(q);
	if (!s)
		return -ENOENT;
	nlh = qn_genl_prepare(s, QNET_CMD_NODE_SET, 0);
	mnl_attr_put_u32(nlh, QNET_A_NODE_ADDR, addr);
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
