// SPDX-License-Identifier: GPL-2.0
/*
 * qnetctl route: this node's routes, destination nodes -> qlink.
 *
 * A route covers a range of node addresses. On the command line it is
 * written as iproute2 writes prefixes, plus ranges: "default" (every
 * address), ADDR (one node), ADDR/LEN (the 2^(32-LEN) addresses from
 * ADDR, which must be aligned) or ADDR-ADDR. The kernel only knows
 * ranges; show prints a range in the first of those forms that fits.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

#include "qnetctl.h"

static int route_help(struct qn *q)
{
	printf("Usage: %s route { add | replace | append } ROUTE dev NAME [ metric N ]\n"
	       "       %s route del ROUTE [ dev NAME ] [ metric N ]\n"
	       "       %s route show [ ADDR ]\n"
	       "       %s route get ADDR\n"
	       "where  ROUTE := { default | ADDR | ADDR/LEN | ADDR-ADDR }\n"
	       "       ADDR := node address { a decimal number | a dotted quad }\n",
	       q->prog, q->prog, q->prog, q->prog);
	return 0;
}

/* "default", ADDR, ADDR/LEN or ADDR-ADDR -> [*first, *last]. */
static int route_get_range(const char *arg, uint32_t *first, uint32_t *last)
{
	char buf[64], *sep, *end;
	unsigned long len;
	uint64_t size;

	if (!strcmp(arg, "default") || !strcmp(arg, "all")) {
		*first = 0;
		*last = UINT32_MAX;
		return 0;
	}
	if (strlen(arg) >= sizeof(buf))
		return qn_err("argument \"%s\" is not a valid route", arg);
	strcpy(buf, arg);
	sep = strpbrk(buf, "/-");
	if (!sep)
		return qn_get_addr(buf, first) ?: (*last = *first, 0);
	if (*sep == '-') {
		*sep = '\0';
		if (qn_get_addr(buf, first) || qn_get_addr(sep + 1, last))
			return -EINVAL;
		if (*last < *first)
			return qn_err("route range \"%s\" ends before it starts",
				      arg);
		return 0;
	}
	*sep = '\0';
	errno = 0;
	len = strtoul(sep + 1, &end, 10);
	if (errno || end == sep + 1 || *end || len > 32)
		return qn_err("argument \"%s\" is not a valid prefix", arg);
	if (qn_get_addr(buf, first))
		return -EINVAL;
	size = 1ULL << (32 - len);
	if (*first & (size - 1))
		return qn_err("prefix \"%s\": address not aligned to /%lu",
			      arg, len);
	*last = *first + (size - 1);
	return 0;
}

/* The text form of [first, last], as route_get_range() reads it. */
static void route_format(char *buf, size_t size, uint32_t first,
			 uint32_t last)
{
	uint64_t n = (uint64_t)last - first + 1;

	if (first == 0 && last == UINT32_MAX)
		snprintf(buf, size, "default");
	else if (n == 1)
		snprintf(buf, size, "%" PRIu32, first);
	else if (!(n & (n - 1)) && !(first & (n - 1)))
		snprintf(buf, size, "%" PRIu32 "/%d", first,
			 32 - __builtin_ctzll(n));
	else
		snprintf(buf, size, "%" PRIu32 "-%" PRIu32, first, last);
}

static int route_show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1] = {};
	char ifname[IF_NAMESIZE], to[32];
	const char *dev = NULL;
	uint32_t ifindex, dst = 0, last;
	(void)data;

	if (qn_parse_attrs(nlh, sizeof(struct genlmsghdr), qnet_attr_policy,
			   QNET_A_MAX, tb))
		return MNL_CB_ERROR;
	open_json_object(NULL);
	if (tb[QNET_A_ROUTE_DST]) {
		dst = mnl_attr_get_u32(tb[QNET_A_ROUTE_DST]);
		last = tb[QNET_A_ROUTE_DST_LAST] ?
			mnl_attr_get_u32(tb[QNET_A_ROUTE_DST_LAST]) : dst;
		route_format(to, sizeof(to), dst, last);
		print_string(PRINT_FP, NULL, "%s", to);
		print_u64(PRINT_JSON, "dst", NULL, dst);
		print_u64(PRINT_JSON, "dst_last", NULL, last);
		print_string(PRINT_JSON, "to", NULL, to);
	}
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
	print_nl(0);
	close_json_object();
	return MNL_CB_OK;
}

/* show [ADDR], get ADDR: every route, or the one traffic to ADDR takes. */
static int route_show_or_get(struct qn *q, bool get)
{
	const char *arg = NULL;
	struct nlmsghdr *nlh;
	struct qn_sock *s;
	uint32_t dst = 0;
	int err;

	if (get || !qn_no_arg(q)) {
		arg = qn_arg_value(q, get ? "route get" : "route show");
		if (!arg || qn_get_addr(arg, &dst))
			return -EINVAL;
	}
	err = qn_arg_end(q);
	if (err)
		return err;
	s = qn_genl(q);
	if (!s)
		return -ENOENT;
	nlh = qn_genl_prepare(s, QNET_CMD_ROUTE_GET, 0);
	print_start(stdout, q->json, q->pretty);
	open_json_array(NULL);
	if (arg) {
		mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, dst);
		err = qn_request(s, nlh, route_show_cb, q);
	} else {
		err = qn_dump(s, nlh, route_show_cb, q);
	}
	close_json_array();
	print_end();
	return err;
}

static int route_show(struct qn *q)
{
	return route_show_or_get(q, false);
}

static int route_get(struct qn *q)
{
	return route_show_or_get(q, true);
}

enum route_how { ROUTE_ADD, ROUTE_REPLACE, ROUTE_APPEND };

/*
 * add, replace, append, del: ROUTE, then dev and metric in any order.
 * append is ip route append (QNET_A_ROUTE_APPEND): a route added after
 * the others to the same ROUTE, never replacing one; without a metric,
 * the kernel gives it one more than the largest of theirs.
 */
static int route_change(struct qn *q, uint8_t cmd, enum route_how how)
{
	static const char *const name[] = {
		[ROUTE_ADD] = "route add",
		[ROUTE_REPLACE] = "route replace",
		[ROUTE_APPEND] = "route append",
	};
	const char *what = cmd == QNET_CMD_ROUTE_DEL ? "route del" : name[how];
	uint32_t dst, last, ifindex = 0;
	bool have_metric = false;
	struct nlmsghdr *nlh;
	uint64_t metric = 0;
	struct qn_sock *s;
	const char *arg;

	arg = qn_arg_value(q, what);
	if (!arg || route_get_range(arg, &dst, &last))
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
	if (!ifindex && cmd == QNET_CMD_ROUTE_ADD)
		return qn_err("%s needs \"dev NAME\"", what);
	s = qn_genl(q);
	if (!s)
		return -ENOENT;
	nlh = qn_genl_prepare(s, cmd, 0);
	mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST, dst);
	if (last != dst)
		mnl_attr_put_u32(nlh, QNET_A_ROUTE_DST_LAST, last);
	if (ifindex)
		mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	if (have_metric)
		mnl_attr_put_u32(nlh, QNET_A_ROUTE_METRIC, metric);
	if (how == ROUTE_REPLACE)
		mnl_attr_put(nlh, QNET_A_ROUTE_REPLACE, 0, NULL);
	if (how == ROUTE_APPEND)
		mnl_attr_put(nlh, QNET_A_ROUTE_APPEND, 0, NULL);
	return qn_request(s, nlh, NULL, NULL);
}

static int route_add(struct qn *q)
{
	return route_change(q, QNET_CMD_ROUTE_ADD, ROUTE_ADD);
}

static int route_replace(struct qn *q)
{
	return route_change(q, QNET_CMD_ROUTE_ADD, ROUTE_REPLACE);
}

static int route_append(struct qn *q)
{
	return route_change(q, QNET_CMD_ROUTE_ADD, ROUTE_APPEND);
}

static int route_del(struct qn *q)
{
	return route_change(q, QNET_CMD_ROUTE_DEL, ROUTE_ADD);
}

int cmd_route(struct qn *q)
{
	static const struct qn_cmd cmds[] = {
		{ NULL,		route_show },
		{ "show",	route_show },
		{ "list",	route_show },
		{ "get",	route_get },
		{ "add",	route_add },
		{ "replace",	route_replace },
		{ "append",	route_append },
		{ "delete",	route_del },
		{ "help",	route_help },
		{ NULL,		NULL },
	};

	return qn_exec_cmd(q, cmds, "route");
}
