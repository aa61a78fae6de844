// SPDX-License-Identifier: GPL-2.0
/*
 * qnetctl route: this node's routes, destination node -> qlink.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>

#include <linux/genetlink.h>

#include "qnetctl.h"

static int route_help(struct qn *q)
{
	printf("Usage: %s route add DST dev NAME [ metric N ]\n"
	       "       %s route del DST\n"
	       "       %s route show [ DST ]\n"
	       "where  DST := node address { a decimal number | a dotted quad }\n",
	       q->prog, q->prog, q->prog);
	return 0;
}

static int route_print(struct qn *q, const struct nlattr **tb)
{
	char ifname[IF_NAMESIZE];
	const char *dev = NULL;
	uint32_t ifindex;
	(void)q;

	if (tb[QNET_A_ROUTE_DST])
		print_u64(PRINT_ANY, "dst", "%" PRIu64,
			  mnl_attr_get_u32(tb[QNET_A_ROUTE_DST]));
	if (tb[QNET_A_IFNAME]) {
		dev = mnl_attr_get_str(tb[QNET_A_IFNAME]);
	} else if (tb[QNET_A_IFINDEX]) {
		ifindex = mnl_attr_get_u32(tb[QNET_A_IFINDEX]);
		dev = if_indextoname(ifindex, ifname);
	}
	if (dev)
		print_string(PRINT_ANY, "dev", " dev %s", dev);
	if (tb[QNET_A_IFINDEX])
		print_u64(PRINT_JSON, "ifindex", NULL,
			  mnl_attr_get_u32(tb[QNET_A_IFINDEX]));
	if (tb[QNET_A_ROUTE_METRIC])
		print_u64(PRINT_ANY, "metric", " metric %" PRIu64,
			  mnl_attr_get_u32(tb[QNET_A_ROUTE_METRIC]));
	return 0;
}

/* [ DST ]: one route, or all of them */
static int route_show_parse(struct qn *q, struct qn_show_key *key)
{
	const char *arg;

	if (qn_no_arg(q))
		return 0;
	arg = qn_arg_value(q, "route show");
	if (qn_get_addr(arg, &key->val))
		return -EINVAL;
	key->attr = QNET_A_ROUTE_DST;
	return 0;
}

static const struct qn_show route_show_table = {
	.cmd	= QNET_CMD_ROUTE_GET,
	.list	= true,
	.parse	= route_show_parse,
	.print	= route_print,
};

static int route_show(struct qn *q)
{
	return qn_show(q, &route_show_table);
}

static int route_add(struct qn *q)
{
	uint64_t metric = 0;
	bool have_metric = false;
	uint32_t dst, ifindex = 0;
	struct nlmsghdr *nlh;
	const char *arg;
	struct qn_sock *s;

	arg = qn_arg_value(q, "route add");
	if (!arg || qn_get_addr(arg, &dst))
		return -EINVAL;
	while (!qn_no_arg(q)) {
		if (qn_arg_is(q, "dev")) {
			arg = qn_arg_value(q, "dev");
			if (!arg || qn_get_ifindex(arg, &ifindex))
				return -EINVAL;
		} else if (qn_arg_is(q, "metric")) {
			arg = qn_arg_value(q, "metric");
			if (!arg || qn_get_unit(arg, QN_UNIT_COUNT, UINT32_MAX,
						&metric))
				return -EINVAL;
			have_metric = true;
		} else {
			return qn_err("unknown route parameter \"%s\"",
				      qn_argv(q));
		}
	}
	if (!ifindex)
		return qn_err("route add needs \"dev NAME\"");
	s = qn_genl(q);
	if (!s)
		return -ENOENT;
	nlh = qn_genl_prepare(s, QNET_CMD_ROUTE_ADD, 0);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, dst);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	if (have_metric)
		mnl_attr_put_u32(nlh, QNET_A_ROUTE_METRIC, metric);
	return qn_request(s, nlh, NULL, NULL);
}

static int route_del(struct qn *q)
{
	struct nlmsghdr *nlh;
	const char *arg;
	struct qn_sock *s;
	uint32_t dst;
	int err;

	arg = qn_arg_value(q, "route del");
	if (!arg || qn_get_addr(arg, &dst))
		return -EINVAL;
	err = qn_genl_begin(q, QNET_CMD_ROUTE_DEL, QNET_A_ROUTE_DST, dst, &s,
			    &nlh);
	return err ?: qn_request(s, nlh, NULL, NULL);
}

int cmd_route(struct qn *q)
{
	static const struct qn_cmd cmds[] = {
		{ NULL,		route_show },
		{ "show",	route_show },
		{ "list",	route_show },
		{ "add",	route_add },
		{ "delete",	route_del },
		{ "help",	route_help },
		{ NULL,		NULL },
	};

	return qn_exec_cmd(q, cmds, "route");
}
