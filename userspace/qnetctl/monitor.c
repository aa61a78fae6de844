// SPDX-License-Identifier: GPL-2.0
/*
 * qnetctl monitor: print the "events" multicast group as it happens, one
 * line (or one JSON object) per event, flushed at once so that a pipe
 * sees each event when it happens.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>

#include <linux/genetlink.h>

#include "qnetctl.h"

static const char *const qn_bell_names[] = {
	[QNET_BELL_PHI_PLUS]	= "phi+",
	[QNET_BELL_PSI_PLUS]	= "psi+",
	[QNET_BELL_PSI_MINUS]	= "psi-",
	[QNET_BELL_PHI_MINUS]	= "phi-",
};

static const char *const qn_expire_names[] = {
	[QNET_EXPIRE_CUTOFF]	= "cutoff",
	[QNET_EXPIRE_REPLACED]	= "replaced",
	[QNET_EXPIRE_LINK_DOWN]	= "link-down",
	[QNET_EXPIRE_FIDELITY]	= "fidelity",
	[QNET_EXPIRE_UNCLAIMED]	= "unclaimed",
	[QNET_EXPIRE_DEADLINE]	= "deadline",
	[QNET_EXPIRE_SWAP_FAILED] = "swap-failed",
};

static const char *const qn_event_names[QNET_CMD_MAX + 1] = {
	[QNET_CMD_PAIR_HERALDED]	= "heralded",
	[QNET_CMD_PAIR_EXPIRED]		= "expired",
	[QNET_CMD_LINK_STATE]		= "link-state",
};

static int monitor_help(struct qn *q)
{
	printf("Usage: %s monitor\n"
	       "Print qnet events (heralded and expired pairs, link state) as they\n"
	       "happen; with -j, one JSON object per line.\n",
	       q->prog);
	return 0;
}

static void print_name(const char *key, const char *fmt,
		       const char *const *names, size_t n, unsigned int v)
{
	char num[16];

	if (v < n && names[v]) {
		print_string(PRINT_ANY, key, fmt, names[v]);
		return;
	}
	snprintf(num, sizeof(num), "%u", v);
	print_string(PRINT_ANY, key, fmt, num);
}

static void monitor_print_dev(const struct nlattr **tb)
{
	char ifname[IF_NAMESIZE];
	const char *dev = NULL;

	if (tb[QNET_A_IFNAME])
		dev = mnl_attr_get_str(tb[QNET_A_IFNAME]);
	else if (tb[QNET_A_IFINDEX])
		dev = if_indextoname(mnl_attr_get_u32(tb[QNET_A_IFINDEX]),
				     ifname);
	if (tb[QNET_A_IFINDEX])
		print_u64(PRINT_JSON, "ifindex", NULL,
			  mnl_attr_get_u32(tb[QNET_A_IFINDEX]));
	if (dev)
		print_string(PRINT_ANY, "ifname", " dev %s", dev);
}

static void monitor_print_pair(const struct nlattr **tb)
{
	if (tb[QNET_A_PAIR_ID])
		print_u64(PRINT_ANY, "pair_id", " pair %" PRIu64,
			  mnl_attr_get_u64(tb[QNET_A_PAIR_ID]));
	if (tb[QNET_A_TIME_NS])
		print_unit("time_ns", " time %s", QN_UNIT_CLOCK,
			   mnl_attr_get_u64(tb[QNET_A_TIME_NS]));
	if (tb[QNET_A_FIDELITY_PPM])
		print_unit("fidelity_ppm", " fidelity %s", QN_UNIT_PROB,
			   mnl_attr_get_u32(tb[QNET_A_FIDELITY_PPM]));
	if (tb[QNET_A_BELL_STATE])
		print_name("bell_state", " bell %s", qn_bell_names,
			   ARRAY_SIZE(qn_bell_names),
			   mnl_attr_get_u8(tb[QNET_A_BELL_STATE]));
	if (tb[QNET_A_EXPIRE_CAUSE])
		print_name("cause", " cause %s", qn_expire_names,
			   ARRAY_SIZE(qn_expire_names),
			   mnl_attr_get_u8(tb[QNET_A_EXPIRE_CAUSE]));
}

static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[QNET_A_MAX + 1] = {};
	struct qn *q = data;

	if (qn_parse_attrs(nlh, sizeof(*genl), qnet_attr_policy, QNET_A_MAX,
			   tb))
		return MNL_CB_OK;	/* skip it, keep listening */
	print_start(stdout, q->json, q->pretty);
	open_json_object(NULL);
	print_name("event", "%s", qn_event_names, ARRAY_SIZE(qn_event_names),
		   genl->cmd);
	monitor_print_dev(tb);
	if (tb[QNET_A_OPER_UP]) {
		bool up = mnl_attr_get_u8(tb[QNET_A_OPER_UP]);

		print_string(PRINT_FP, NULL, " state %s", up ? "UP" : "DOWN");
		print_on_off(PRINT_JSON, "oper_up", NULL, up);
	}
	monitor_print_pair(tb);
	close_json_object();
	print_nl(0);
	print_end();
	return MNL_CB_OK;
}

static int monitor_run(struct qn *q)
{
	struct qn_sock *s;
	int err;

	err = qn_arg_end(q);
	if (err)
		return err;
	s = qn_genl(q);
	if (!s)
		return -ENOENT;
	err = qn_sock_join_events(s);
	if (err)
		return err;
	return qn_sock_listen(s, monitor_cb, q);
}

int cmd_monitor(struct qn *q)
{
	static const struct qn_cmd cmds[] = {
		{ NULL,		monitor_run },
		{ "help",	monitor_help },
		{ NULL,		NULL },
	};

	return qn_exec_cmd(q, cmds, "monitor");
}
