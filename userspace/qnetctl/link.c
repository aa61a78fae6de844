// SPDX-License-Identifier: GPL-2.0
/*
 * qnetctl link: create and delete qlink pairs (rtnetlink, like veth) and
 * read and set their physical parameters (generic netlink).
 *
 * One table, qn_link_params (link_params.c), names every parameter once:
 * its keyword on the command line and in text output, its JSON key, its
 * attribute, its unit and the kernel's default. Parsing `set` and
 * printing `show` both walk it, so what show prints can be pasted back
 * into set; `qnet-model predict` takes the same table.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "qnetctl.h"
#include "link_params.h"

#define QLINK_KIND	"qlink"

/* Link parameters parsed from the command line, not yet sent. */
struct qn_link_req {
	uint64_t	val[QN_LINK_NPARAMS];
	bool		set[QN_LINK_NPARAMS];
	unsigned int	count;
};

static const enum mnl_attr_data_type link_params_policy[QNET_LINK_A_MAX + 1] = {
	[QNET_LINK_A_LENGTH_M]		= MNL_TYPE_U32,
	[QNET_LINK_A_ATTEN_MDB_KM]	= MNL_TYPE_U32,
	[QNET_LINK_A_INDEX_MILLI]	= MNL_TYPE_U32,
	[QNET_LINK_A_ATTEMPT_RATE_HZ]	= MNL_TYPE_U32,
	[QNET_LINK_A_SCHEME]		= MNL_TYPE_U8,
	[QNET_LINK_A_ALPHA_PPM]		= MNL_TYPE_U32,
	[QNET_LINK_A_SOURCE_FID_PPM]	= MNL_TYPE_U32,
	[QNET_LINK_A_DET_EFF_PPM]	= MNL_TYPE_U32,
	[QNET_LINK_A_DARK_RATE_HZ]	= MNL_TYPE_U32,
	[QNET_LINK_A_VISIBILITY_PPM]	= MNL_TYPE_U32,
	[QNET_LINK_A_MEM_SLOTS]		= MNL_TYPE_U32,
	[QNET_LINK_A_T1_NS]		= MNL_TYPE_U64,
	[QNET_LINK_A_T2_NS]		= MNL_TYPE_U64,
	[QNET_LINK_A_CUTOFF_NS]		= MNL_TYPE_U64,
	[QNET_LINK_A_SEED]		= MNL_TYPE_U64,
	[QNET_LINK_A_TIME_SCALE]	= MNL_TYPE_U32,
	[QNET_LINK_A_CONTINUOUS]	= MNL_TYPE_U8,
};

static int link_help(struct qn *q)
{
	printf("Usage: %s link add NAME [ peer PEERNAME ] [ netns NSNAME ]\n"
	       "                [ peer-netns NSNAME ] [ LINK_PARAMS ]\n"
	       "       %s link add NAME remote ADDR [ local ADDR ] [ port PORT ]\n"
	       "                key KEY [ netns NSNAME ] [ LINK_PARAMS ]\n"
	       "       %s link del NAME\n"
	       "       %s link set NAME LINK_PARAMS\n"
	       "       %s link show [ NAME ]\n"
	       "where  LINK_PARAMS := [ length LEN ] [ atten ATTEN ] [ index N ] [ rate FREQ ]\n"
	       "                      [ scheme { single-click | double-click | direct } ]\n"
	       "                      [ alpha PROB ] [ source-fidelity PROB ] [ efficiency PROB ]\n"
	       "                      [ visibility PROB ] [ dark FREQ ] [ slots N ]\n"
	       "                      [ t1 TIME ] [ t2 TIME ] [ cutoff TIME ] [ seed N ]\n"
	       "                      [ time-scale SCALE ] [ continuous { on | off } ]\n"
	       "       LEN   := NUMBER[ m | km ]           (default m)\n"
	       "       ATTEN := NUMBER[ dB/km | mdB/km ]   (default dB/km)\n"
	       "       FREQ  := NUMBER[ Hz | kHz | MHz | GHz ] (default Hz)\n"
	       "       PROB  := { 0..1 | N%% }\n"
	       "       TIME  := { NUMBER{ ns | us | ms | s } | 0 | none }\n"
	       "       SCALE := { wall seconds per emulated second, e.g. 1 or 0.01 | 0 | unpaced }\n"
	       "With -s, show adds the link's counters.\n",
	       q->prog, q->prog, q->prog, q->prog, q->prog);
	return 0;
}

/* Parse one "KEYWORD VALUE" of LINK_PARAMS into @req. */
static int link_param_parse(struct qn *q, struct qn_link_req *req)
{
	const struct qn_link_param *p = qn_link_param_find(qn_argv(q));
	const char *arg;
	size_t i;

	if (!p)
		return qn_err("unknown link parameter \"%s\"", qn_argv(q));
	qn_arg_inc(q);
	i = p - qn_link_params;
	if (req->set[i])
		return qn_err("duplicate link parameter \"%s\"", p->keyword);
	arg = qn_arg_value(q, p->keyword);
	if (!arg)
		return -EINVAL;
	if (qn_get_unit(arg, p->unit, qn_link_param_max(p), &req->val[i]))
		return -EINVAL;
	req->set[i] = true;
	req->count++;
	return 0;
}

static void link_params_put(struct nlmsghdr *nlh, const struct qn_link_req *req)
{
	struct nlattr *nest;
	size_t i;

	nest = mnl_attr_nest_start(nlh, QNET_A_LINK_PARAMS);
	for (i = 0; i < QN_LINK_NPARAMS; i++) {
		const struct qn_link_param *p = &qn_link_params[i];

		if (!req->set[i])
			continue;
		if (p->width == 1)
			mnl_attr_put_u8(nlh, p->attr, req->val[i]);
		else if (p->width == 4)
			mnl_attr_put_u32(nlh, p->attr, req->val[i]);
		else
			mnl_attr_put_u64(nlh, p->attr, req->val[i]);
	}
	mnl_attr_nest_end(nlh, nest);
}

/* QNET_CMD_LINK_SET on @s, a socket in the netns of @ifindex. */
static int link_params_apply(struct qn_sock *s, uint32_t ifindex,
			     const struct qn_link_req *req)
{
	struct nlmsghdr *nlh;

	nlh = qn_genl_prepare(s, QNET_CMD_LINK_SET, 0);
	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	link_params_put(nlh, req);
	return qn_request(s, nlh, NULL, NULL);
}

/* ---- show ------------------------------------------------------------- */

static uint64_t link_attr_get(const struct nlattr *attr)
{
	switch (mnl_attr_get_payload_len(attr)) {
	case 1:
		return mnl_attr_get_u8(attr);
	case 4:
		return mnl_attr_get_u32(attr);
	default:
		return mnl_attr_get_u64(attr);
	}
}

static int link_params_print(const struct nlattr *nest)
{
	const struct nlattr *tb[QNET_LINK_A_MAX + 1] = {};
	bool first = true;
	char fmt[32];
	size_t i;

	if (qn_parse_nested(nest, link_params_policy, QNET_LINK_A_MAX, tb))
		return -EINVAL;
	for (i = 0; i < QN_LINK_NPARAMS; i++) {
		const struct qn_link_param *p = &qn_link_params[i];

		if (!tb[p->attr])
			continue;
		snprintf(fmt, sizeof(fmt), "%s%s %%s", first ? "" : " ",
			 p->keyword);
		print_unit(p->json, fmt, p->unit, link_attr_get(tb[p->attr]));
		first = false;
	}
	return 0;
}

static int link_print(struct qn *q, const struct nlattr **tb)
{
	if (tb[QNET_A_IFINDEX])
		print_u64(PRINT_ANY, "ifindex", "%" PRIu64 ": ",
			  mnl_attr_get_u32(tb[QNET_A_IFINDEX]));
	if (tb[QNET_A_IFNAME])
		print_string(PRINT_ANY, "ifname", "%s:",
			     mnl_attr_get_str(tb[QNET_A_IFNAME]));
	if (tb[QNET_A_PEER_NODE_ADDR])
		print_u64(PRINT_ANY, "peer_node", " peer-node %" PRIu64,
			  mnl_attr_get_u32(tb[QNET_A_PEER_NODE_ADDR]));
	if (tb[QNET_A_OPER_UP]) {
		bool up = mnl_attr_get_u8(tb[QNET_A_OPER_UP]);

		print_string(PRINT_FP, NULL, " state %s", up ? "UP" : "DOWN");
		print_on_off(PRINT_JSON, "oper_up", NULL, up);
	}
	if (tb[QNET_A_LINK_PARAMS]) {
		print_nl(4);
		if (link_params_print(tb[QNET_A_LINK_PARAMS]))
			return -EINVAL;
	}
	if (q->stats && tb[QNET_A_LINK_STATS]) {
		print_nl(4);
		if (qn_stats_print(tb[QNET_A_LINK_STATS], 4))
			return -EINVAL;
	}
	return 0;
}

/* [ [ dev ] NAME ]: one qlink, or all of them */
static int link_show_parse(struct qn *q, struct qn_show_key *key)
{
	const char *name;

	if (qn_no_arg(q))
		return 0;
	qn_arg_is(q, "dev");	/* "dev NAME" as in ip */
	name = qn_arg_value(q, "dev");
	if (!name || qn_get_ifindex(name, &key->val))
		return -EINVAL;
	key->attr = QNET_A_IFINDEX;
	return 0;
}

static const struct qn_show link_show_table = {
	.cmd	= QNET_CMD_LINK_GET,
	.list	= true,
	.parse	= link_show_parse,
	.print	= link_print,
};

static int link_show(struct qn *q)
{
	return qn_show(q, &link_show_table);
}

/* ---- set -------------------------------------------------------------- */

static int link_set(struct qn *q)
{
	struct qn_link_req req = {};
	const char *name;
	struct qn_sock *s;
	uint32_t ifindex;
	int err;

	name = qn_arg_value(q, "link set");
	if (!name || qn_get_ifindex(name, &ifindex))
		return -EINVAL;
	while (!qn_no_arg(q)) {
		err = link_param_parse(q, &req);
		if (err)
			return err;
	}
	if (!req.count)
		return qn_err("nothing to set, try \"%s link help\"", q->prog);
	s = qn_genl(q);
	if (!s)
		return -ENOENT;
	return link_params_apply(s, ifindex, &req);
}

/* ---- add and del ------------------------------------------------------ */

struct qn_link_add {
	const char		*name;
	const char		*peer;
	const char		*netns;
	const char		*peer_netns;
	/* a tunnel qlink (Documentation/qlink.rst, "Tunnel qlinks") */
	const char		*remote;
	const char		*local;
	const char		*port;
	const char		*key;
	struct qn_link_req	params;
};

static int link_name_check(const char *name)
{
	if (!*name || strlen(name) >= IFNAMSIZ || strchr(name, '/') ||
	    strpbrk(name, " \t\n:"))
		return qn_err("\"%s\" is not a valid device name", name);
	return 0;
}

static int link_add_parse(struct qn *q, struct qn_link_add *a)
{
	const char **slot;
	const char *kw;
	int err;

	a->name = qn_arg_value(q, "link add");
	if (!a->name || link_name_check(a->name))
		return -EINVAL;
	while (!qn_no_arg(q)) {
		kw = qn_argv(q);
		if (!strcmp(kw, "peer"))
			slot = &a->peer;
		else if (!strcmp(kw, "netns"))
			slot = &a->netns;
		else if (!strcmp(kw, "peer-netns"))
			slot = &a->peer_netns;
		else if (!strcmp(kw, "remote"))
			slot = &a->remote;
		else if (!strcmp(kw, "local"))
			slot = &a->local;
		else if (!strcmp(kw, "port"))
			slot = &a->port;
		else if (!strcmp(kw, "key"))
			slot = &a->key;
		else
			slot = NULL;
		if (!slot) {
			err = link_param_parse(q, &a->params);
			if (err)
				return err;
			continue;
		}
		qn_arg_inc(q);
		if (*slot)
			return qn_err("duplicate \"%s\"", kw);
		*slot = qn_arg_value(q, kw);
		if (!*slot)
			return -EINVAL;
	}
	if (a->peer && link_name_check(a->peer))
		return -EINVAL;
	if ((a->local || a->port || a->key) && !a->remote)
		return qn_err("local, port and key are a tunnel's: give remote");
	if (a->remote && (a->peer || a->peer_netns))
		return qn_err("a tunnel (remote) has no peer");
	if (a->remote && !a->key)
		return qn_err("a tunnel needs a key");
	return 0;
}

/* A tunnel's endpoints and key, in IFLA_INFO_DATA. */
static int link_put_tunnel(struct nlmsghdr *nlh, const struct qn_link_add *a)
{
	uint8_t key[QLINK_TUN_KEY_LEN];
	struct in_addr addr;
	unsigned long port;
	unsigned int i;
	char *end;

	if (inet_pton(AF_INET, a->remote, &addr) != 1)
		return qn_err("remote \"%s\" is not an IPv4 address", a->remote);
	mnl_attr_put(nlh, QLINK_INFO_REMOTE, sizeof(addr), &addr);
	if (a->local) {
		if (inet_pton(AF_INET, a->local, &addr) != 1)
			return qn_err("local \"%s\" is not an IPv4 address",
				      a->local);
		mnl_attr_put(nlh, QLINK_INFO_LOCAL, sizeof(addr), &addr);
	}
	if (a->port) {
		errno = 0;
		port = strtoul(a->port, &end, 10);
		if (errno || *end || !*a->port || !port || port > 65535)
			return qn_err("port \"%s\" is not a UDP port", a->port);
		mnl_attr_put_u16(nlh, QLINK_INFO_PORT, port);
	}
	if (strlen(a->key) != 2 * sizeof(key))
		return qn_err("the key is %zu hex digits", 2 * sizeof(key));
	for (i = 0; i < sizeof(key); i++) {
		if (!isxdigit((unsigned char)a->key[2 * i]) ||
		    !isxdigit((unsigned char)a->key[2 * i + 1]) ||
		    sscanf(a->key + 2 * i, "%2hhx", &key[i]) != 1)
			return qn_err("the key is %zu hex digits",
				      2 * sizeof(key));
	}
	mnl_attr_put(nlh, QLINK_INFO_KEY, sizeof(key), key);
	memset(key, 0, sizeof(key));
	return 0;
}

/* RTM_NEWLINK of kind "qlink", with the peer's name and netns (veth-style). */
static int link_newlink(struct qn_sock *rt, const struct qn_link_add *a,
			int peer_nsfd)
{
	struct ifinfomsg ifm = { .ifi_family = AF_UNSPEC };
	struct nlattr *linkinfo, *data, *peer;
	struct nlmsghdr *nlh;

	nlh = qn_msg_prepare(rt, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
			     &ifm, sizeof(ifm));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, a->name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, QLINK_KIND);
	if (a->remote) {
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		if (link_put_tunnel(nlh, a))
			return -EINVAL;
		mnl_attr_nest_end(nlh, data);
	} else if (a->peer || peer_nsfd >= 0) {
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		peer = mnl_attr_nest_start(nlh, QLINK_INFO_PEER);
		/* The peer's own struct ifinfomsg, then its attributes. */
		mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
		if (a->peer)
			mnl_attr_put_strz(nlh, IFLA_IFNAME, a->peer);
		if (peer_nsfd >= 0)
			mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, peer_nsfd);
		mnl_attr_nest_end(nlh, peer);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, linkinfo);
	return qn_request(rt, nlh, NULL, NULL);
}

static int link_dellink(struct qn_sock *rt, uint32_t ifindex)
{
	struct ifinfomsg ifm = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = ifindex,
	};

	return qn_request(rt, qn_msg_prepare(rt, RTM_DELLINK, 0, &ifm,
					     sizeof(ifm)), NULL, NULL);
}

/*
 * Create the pair from inside the netns that gets NAME, then apply the
 * parameters there. If the kernel refuses the parameters the pair is
 * deleted again, so `link add` either does everything or nothing.
 */
static int link_add_here(const struct qn_link_add *a, int peer_nsfd)
{
	struct qn_sock *rt = NULL, *gs = NULL;
	uint32_t ifindex = 0;
	int err = -ENOMEM;

	rt = calloc(1, sizeof(*rt));
	gs = calloc(1, sizeof(*gs));
	if (!rt || !gs)
		goto out;
	/* Resolve the family first: no half-made link if qnet is missing. */
	if (a->params.count) {
		err = qn_genl_open(gs, QNET_GENL_NAME);
		if (err)
			goto out;
	}
	err = qn_sock_open(rt, NETLINK_ROUTE);
	if (err)
		goto out;
	err = link_newlink(rt, a, peer_nsfd);
	if (err || !a->params.count)
		goto out;
	err = qn_get_ifindex(a->name, &ifindex);
	if (!err)
		err = link_params_apply(gs, ifindex, &a->params);
	if (err && ifindex)
		link_dellink(rt, ifindex);
out:
	if (rt)
		qn_sock_close(rt);
	if (gs)
		qn_sock_close(gs);
	free(rt);
	free(gs);
	return err;
}

static int link_add(struct qn *q)
{
	struct qn_link_add a = {};
	int orig = -1, nsfd = -1, peer_nsfd = -1, err;

	err = link_add_parse(q, &a);
	if (err)
		return err;
	err = -EINVAL;
	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0) {
		qn_err("cannot open /proc/self/ns/net: %s", strerror(errno));
		goto out;
	}
	if (a.netns) {
		nsfd = qn_netns_open(a.netns);
		if (nsfd < 0)
			goto out;
	}
	if (a.peer_netns) {
		peer_nsfd = qn_netns_open(a.peer_netns);
		if (peer_nsfd < 0)
			goto out;
	} else if (a.netns) {
		peer_nsfd = orig;	/* NAME moves away, the peer stays here */
	}
	if (nsfd >= 0 && qn_netns_enter(nsfd, a.netns))
		goto out;
	err = link_add_here(&a, peer_nsfd);
	/* Back home: a -batch file goes on in the netns it started in. */
	if (nsfd >= 0 && setns(orig, CLONE_NEWNET) < 0) {
		qn_err("cannot return to the original network namespace: %s",
		       strerror(errno));
		err = -errno;
	}
out:
	if (peer_nsfd >= 0 && peer_nsfd != orig)
		close(peer_nsfd);
	if (nsfd >= 0)
		close(nsfd);
	if (orig >= 0)
		close(orig);
	return err;
}

static int link_del(struct qn *q)
{
	struct qn_sock *s, *rt;
	struct nlmsghdr *nlh;
	const char *name;
	uint32_t ifindex;
	int err;

	name = qn_arg_value(q, "link del");
	if (!name || qn_get_ifindex(name, &ifindex))
		return -EINVAL;
	/* Only ever delete a qlink: the kernel says if this is not one. */
	err = qn_genl_begin(q, QNET_CMD_LINK_GET, QNET_A_IFINDEX, ifindex, &s,
			    &nlh);
	if (!err)
		err = qn_request(s, nlh, NULL, NULL);
	if (err)
		return err;
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return -ENOMEM;
	err = qn_sock_open(rt, NETLINK_ROUTE);
	if (!err) {
		err = link_dellink(rt, ifindex);
		qn_sock_close(rt);
	}
	free(rt);
	return err;
}

int cmd_link(struct qn *q)
{
	static const struct qn_cmd cmds[] = {
		{ NULL,		link_show },
		{ "show",	link_show },
		{ "list",	link_show },
		{ "add",	link_add },
		{ "delete",	link_del },
		{ "set",	link_set },
		{ "help",	link_help },
		{ NULL,		NULL },
	};

	return qn_exec_cmd(q, cmds, "link");
}
