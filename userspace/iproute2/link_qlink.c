// SPDX-License-Identifier: GPL-2.0
/*
 * link_qlink.so: the "qlink" kind for iproute2's `ip link`.
 *
 *   ip link add ql0 type qlink [ peer PEER_OPTIONS ] [ LINK_PARAMS ]
 *   ip link add ql0 type qlink remote ADDR [ local ADDR ] [ port N ]
 *                              key HEX [ LINK_PARAMS ]    # a tunnel
 *   ip link set ql0 type qlink LINK_PARAMS
 *   ip -d link show ql0          # prints LINK_PARAMS; -j for JSON
 *
 * LINK_PARAMS are qnetctl's (userspace/qnetctl/qnetctl.8): the same
 * keywords, the same units, parsed and printed by the same code
 * (userspace/qnetctl/units.c), so that what `ip -d link show` prints can
 * be pasted back into `ip link set` or `qnetctl link set`. They travel as
 * IFLA_INFO_DATA attributes QLINK_INFO_* (include/uapi/linux/qnet.h),
 * whose values are those of the genetlink family's QNET_LINK_A_*; JSON
 * keys are qnetctl's.
 *
 * PEER_OPTIONS are ip-link's own (name, netns, address, mtu, ...), as for
 * veth; they end at the first LINK_PARAMS keyword, so `index` and `rate`
 * after `peer` are the link's refractive index and attempt rate.
 *
 * Built against the ABI of Debian's iproute2 6.1 (iproute2.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <linux/qnet.h>

#include "iproute2.h"
#include "qlink_params.h"
#include "units.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
/* addattr*()'s limit: the message ip builds is a struct iplink_req */
#define QL_MAXLEN	((int)sizeof(struct iplink_req))

struct ql_param {
	const char	*keyword;	/* qnetctl's keyword */
	const char	*json;		/* qnetctl's JSON key */
	uint16_t	attr;		/* QLINK_INFO_* */
	enum qn_unit	unit;
	uint8_t		width;		/* bytes: 1, 4 or 8 */
};

#define QL_WIDTH_u8	1
#define QL_WIDTH_u32	4
#define QL_WIDTH_u64	8

#define QL_PARAM(_f, _a, _t, _min, _max, _def, _kw, _js, _u)		\
	{ _kw, _js, QLINK_INFO_##_a, QN_UNIT_##_u, QL_WIDTH_##_t },

/* qnetctl's, from the one table of link parameters (kernel/qlink_params.h) */
static const struct ql_param ql_params[] = {
	QLINK_PARAMS(QL_PARAM)
};

static void ql_usage(FILE *f)
{
	fprintf(f,
		"Usage: ip link add NAME type qlink [ peer PEER_OPTIONS ] [ LINK_PARAMS ]\n"
		"       ip link add NAME type qlink remote ADDR [ local ADDR ] [ port PORT ]\n"
		"                                   key KEY [ LINK_PARAMS ]\n"
		"       ip link set NAME type qlink LINK_PARAMS\n"
		"\n"
		"PEER_OPTIONS := ip link options of the peer (name, netns, address, ...),\n"
		"                up to the first LINK_PARAMS keyword\n"
		"ADDR := IPv4 address of the tunnel's peer host / of this host\n"
		"PORT := UDP port, both ends (default %u)\n"
		"KEY  := 64 hex digits, the same at both ends (never shown)\n"
		"LINK_PARAMS := [ length LEN ] [ atten ATTEN ] [ index N ] [ rate FREQ ]\n"
		"               [ scheme { single-click | double-click | direct } ]\n"
		"               [ alpha PROB ] [ source-fidelity PROB ] [ efficiency PROB ]\n"
		"               [ visibility PROB ] [ dark FREQ ] [ slots N ]\n"
		"               [ t1 TIME ] [ t2 TIME ] [ cutoff TIME ] [ seed N ]\n"
		"               [ time-scale SCALE ] [ continuous { on | off } ]\n"
		"LEN   := NUMBER[ m | km ]           (default m)\n"
		"ATTEN := NUMBER[ dB/km | mdB/km ]   (default dB/km)\n"
		"FREQ  := NUMBER[ Hz | kHz | MHz | GHz ] (default Hz)\n"
		"PROB  := { 0..1 | N%% }\n"
		"TIME  := { NUMBER{ ns | us | ms | s } | 0 | none }\n"
		"SCALE := { wall seconds per emulated second | 0 | unpaced }\n"
		"See qnetctl(8) for what each parameter means.\n",
		QLINK_TUN_PORT);
}

static const struct ql_param *ql_param_find(const char *keyword)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ql_params); i++)
		if (!strcmp(ql_params[i].keyword, keyword))
			return &ql_params[i];
	return NULL;
}

static uint64_t ql_width_max(uint8_t width)
{
	return width == 8 ? UINT64_MAX : (1ULL << (8 * width)) - 1;
}

/*
 * "peer PEER_OPTIONS": QLINK_INFO_PEER, a struct ifinfomsg and the peer's
 * IFLA_* attributes, parsed by ip itself as veth's plugin does. @argc
 * counts the options only. Returns 0 or -1.
 */
static int ql_parse_peer(int argc, char **argv, struct nlmsghdr *n)
{
	struct ifinfomsg *ifm = NLMSG_DATA(n), *peer_ifm;
	unsigned int flags = ifm->ifi_flags, change = ifm->ifi_change;
	int index = ifm->ifi_index, err;
	struct rtattr *data;
	char *type = NULL;

	/* iplink_parse() writes the peer's flags into the main header */
	ifm->ifi_flags = 0;
	ifm->ifi_change = 0;
	ifm->ifi_index = 0;

	data = addattr_nest(n, QL_MAXLEN, QLINK_INFO_PEER);
	n->nlmsg_len += sizeof(struct ifinfomsg);
	err = iplink_parse(argc, argv, (struct iplink_req *)n, &type);
	if (err < 0)
		return -1;
	if (type)
		duparg("type", argv[err - 1]);
	if (err != argc) {
		fprintf(stderr, "qlink: garbage in peer options: \"%s\"\n",
			argv[err]);
		return -1;
	}

	peer_ifm = RTA_DATA(data);
	peer_ifm->ifi_index = ifm->ifi_index;
	peer_ifm->ifi_flags = ifm->ifi_flags;
	peer_ifm->ifi_change = ifm->ifi_change;
	ifm->ifi_flags = flags;
	ifm->ifi_change = change;
	ifm->ifi_index = index;
	addattr_nest_end(n, data);
	return 0;
}

/* A tunnel's keyword and its value: 0, or -1 if @kw is not one. */
static int ql_parse_tunnel(const char *kw, const char *arg,
			   struct nlmsghdr *n)
{
	uint8_t key[QLINK_TUN_KEY_LEN];
	struct in_addr a;
	unsigned int i, port;
	char c;

	if (!strcmp(kw, "remote") || !strcmp(kw, "local")) {
		if (inet_pton(AF_INET, arg, &a) != 1)
			invarg("not an IPv4 address", arg);
		addattr_l(n, QL_MAXLEN, kw[0] == 'r' ? QLINK_INFO_REMOTE :
			  QLINK_INFO_LOCAL, &a, sizeof(a));
		return 0;
	}
	if (!strcmp(kw, "port")) {
		if (sscanf(arg, "%u%c", &port, &c) != 1 || !port ||
		    port > 65535)
			invarg("not a UDP port", arg);
		addattr16(n, QL_MAXLEN, QLINK_INFO_PORT, port);
		return 0;
	}
	if (!strcmp(kw, "key")) {
		if (strlen(arg) != 2 * sizeof(key))
			invarg("the key is 64 hex digits", "(not shown)");
		for (i = 0; i < sizeof(key); i++) {
			if (sscanf(arg + 2 * i, "%2hhx", &key[i]) != 1 ||
			    !strchr("0123456789abcdefABCDEF", arg[2 * i]) ||
			    !strchr("0123456789abcdefABCDEF", arg[2 * i + 1]))
				invarg("the key is 64 hex digits", "(not shown)");
		}
		addattr_l(n, QL_MAXLEN, QLINK_INFO_KEY, key, sizeof(key));
		memset(key, 0, sizeof(key));
		return 0;
	}
	return -1;
}

static bool ql_is_tunnel_kw(const char *kw)
{
	return !strcmp(kw, "remote") || !strcmp(kw, "local") ||
	       !strcmp(kw, "port") || !strcmp(kw, "key");
}

static int ql_parse_opt(struct link_util *lu, int argc, char **argv,
			struct nlmsghdr *n)
{
	bool set[ARRAY_SIZE(ql_params)] = { false };
	const struct ql_param *p;
	bool peer = false;
	uint64_t val;
	int i, j;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "peer")) {
			if (peer)
				duparg("peer", argv[i]);
			peer = true;
			for (j = i + 1; j < argc && !ql_param_find(argv[j]); j++)
				;
			if (ql_parse_peer(j - i - 1, argv + i + 1, n))
				return -1;
			i = j - 1;
			continue;
		}
		if (!strcmp(argv[i], "help")) {
			ql_usage(stderr);
			return -1;
		}
		if (ql_is_tunnel_kw(argv[i])) {
			if (i + 1 >= argc)
				incomplete_command();
			ql_parse_tunnel(argv[i], argv[i + 1], n);
			i++;
			continue;
		}
		p = ql_param_find(argv[i]);
		if (!p) {
			fprintf(stderr, "qlink: unknown parameter \"%s\"\n",
				argv[i]);
			ql_usage(stderr);
			return -1;
		}
		if (i + 1 >= argc)
			incomplete_command();
		if (set[p - ql_params])
			duparg(p->keyword, argv[i + 1]);
		set[p - ql_params] = true;
		i++;
		if (qn_unit_parse(p->unit, argv[i], ql_width_max(p->width),
				  &val)) {
			char msg[64];

			snprintf(msg, sizeof(msg), "not a valid %s for \"%s\"",
				 qn_unit_name(p->unit), p->keyword);
			invarg(msg, argv[i]);
		}
		if (p->width == 1)
			addattr8(n, QL_MAXLEN, p->attr, val);
		else if (p->width == 4)
			addattr32(n, QL_MAXLEN, p->attr, val);
		else
			addattr64(n, QL_MAXLEN, p->attr, val);
	}
	return 0;
}

static uint64_t ql_attr_get(const struct rtattr *rta)
{
	switch (RTA_PAYLOAD(rta)) {
	case 1:
		return *(const uint8_t *)RTA_DATA(rta);
	case 4:
		return *(const uint32_t *)RTA_DATA(rta);
	case 8:
		return *(const uint64_t *)RTA_DATA(rta);
	default:
		return 0;
	}
}

/*
 * `ip -d link show`: "length 25km atten 0.2dB/km ..." as qnetctl prints
 * them, or in JSON qnetctl's keys with the kernel's integers (scheme by
 * name, continuous as a boolean).
 */
static void ql_print_opt(struct link_util *lu, FILE *f, struct rtattr *tb[])
{
	char buf[QN_UNIT_BUFSZ], fmt[40];
	const char *name;
	uint64_t val;
	size_t i;

	if (!tb)
		return;
	/* a tunnel's endpoints first; its key is never sent back */
	for (i = 0; i < 2; i++) {
		int attr = i ? QLINK_INFO_LOCAL : QLINK_INFO_REMOTE;
		const char *kw = i ? "local" : "remote";

		if (!tb[attr] || RTA_PAYLOAD(tb[attr]) != 4)
			continue;
		inet_ntop(AF_INET, RTA_DATA(tb[attr]), buf, sizeof(buf));
		snprintf(fmt, sizeof(fmt), "%s %%s ", kw);
		print_color_string(PRINT_ANY, COLOR_NONE, kw, fmt, buf);
	}
	if (tb[QLINK_INFO_PORT] && RTA_PAYLOAD(tb[QLINK_INFO_PORT]) == 2)
		print_color_u64(PRINT_ANY, COLOR_NONE, "port", "port %llu ",
				*(const uint16_t *)RTA_DATA(tb[QLINK_INFO_PORT]));
	for (i = 0; i < ARRAY_SIZE(ql_params); i++) {
		const struct ql_param *p = &ql_params[i];

		if (!tb[p->attr] || RTA_PAYLOAD(tb[p->attr]) != p->width)
			continue;
		val = ql_attr_get(tb[p->attr]);
		if (!is_json_context()) {
			snprintf(fmt, sizeof(fmt), "%s %%s ", p->keyword);
			print_color_string(PRINT_FP, COLOR_NONE, NULL, fmt,
					   qn_unit_format(p->unit, val, buf,
							  sizeof(buf)));
			continue;
		}
		name = p->unit == QN_UNIT_SCHEME ? qn_scheme_name(val) : NULL;
		if (name)
			print_color_string(PRINT_JSON, COLOR_NONE, p->json,
					   NULL, name);
		else if (p->unit == QN_UNIT_ONOFF)
			print_color_bool(PRINT_JSON, COLOR_NONE, p->json,
					 NULL, val);
		else
			print_color_u64(PRINT_JSON, COLOR_NONE, p->json, NULL,
					val);
	}
}

static void ql_print_help(struct link_util *lu, int argc, char **argv,
			  FILE *f)
{
	ql_usage(f);
}

/* The one symbol ip looks up: "<kind>_link_util". */
__attribute__((visibility("default")))
struct link_util qlink_link_util = {
	.id		= "qlink",
	.maxattr	= QLINK_INFO_MAX,
	.parse_opt	= ql_parse_opt,
	.print_opt	= ql_print_opt,
	.print_help	= ql_print_help,
};
