// SPDX-License-Identifier: GPL-2.0
/*
 * qnetctl helpers: walking argv, error messages, values with units,
 * device and namespace names.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qnetctl.h"

#define NETNS_RUN_DIR	"/run/netns"

const enum mnl_attr_data_type qnet_attr_policy[QNET_A_MAX + 1] = {
	[QNET_A_IFINDEX]	= MNL_TYPE_U32,
	[QNET_A_IFNAME]		= MNL_TYPE_NUL_STRING,
	[QNET_A_NODE_ADDR]	= MNL_TYPE_U32,
	[QNET_A_PEER_NODE_ADDR]	= MNL_TYPE_U32,
	[QNET_A_LINK_PARAMS]	= MNL_TYPE_NESTED,
	[QNET_A_LINK_STATS]	= MNL_TYPE_NESTED,
	[QNET_A_NODE_STATS]	= MNL_TYPE_NESTED,
	[QNET_A_ROUTE_DST]	= MNL_TYPE_U32,
	[QNET_A_ROUTE_METRIC]	= MNL_TYPE_U32,
	[QNET_A_OPER_UP]	= MNL_TYPE_U8,
	[QNET_A_PAIR_ID]	= MNL_TYPE_U64,
	[QNET_A_TIME_NS]	= MNL_TYPE_U64,
	[QNET_A_FIDELITY_PPM]	= MNL_TYPE_U32,
	[QNET_A_BELL_STATE]	= MNL_TYPE_U8,
	[QNET_A_EXPIRE_CAUSE]	= MNL_TYPE_U8,
	[QNET_A_NET_STATS]	= MNL_TYPE_NESTED,
	[QNET_A_NODE_PARAMS]	= MNL_TYPE_NESTED,
	[QNET_A_NODE_SEED]	= MNL_TYPE_U64,
	[QNET_A_ROUTE_DST_LAST]	= MNL_TYPE_U32,
	[QNET_A_ROUTE_REPLACE]	= MNL_TYPE_FLAG,
	[QNET_A_ROUTE_APPEND]	= MNL_TYPE_FLAG,
};

bool qn_no_arg(const struct qn *q)
{
	return q->argc <= 0;
}

const char *qn_argv(const struct qn *q)
{
	return qn_no_arg(q) ? NULL : q->argv[0];
}

void qn_arg_inc(struct qn *q)
{
	if (qn_no_arg(q))
		return;
	q->argc--;
	q->argv++;
}

bool qn_arg_is(struct qn *q, const char *word)
{
	if (qn_no_arg(q) || strcmp(qn_argv(q), word))
		return false;
	qn_arg_inc(q);
	return true;
}

const char *qn_arg_value(struct qn *q, const char *keyword)
{
	const char *v;

	if (qn_no_arg(q)) {
		qn_err("\"%s\" needs an argument", keyword);
		return NULL;
	}
	v = qn_argv(q);
	qn_arg_inc(q);
	return v;
}

int qn_arg_end(struct qn *q)
{
	if (qn_no_arg(q))
		return 0;
	return qn_err("unexpected argument \"%s\"", qn_argv(q));
}

/* "sh" matches "show": @prefix is a non-empty prefix of @word. */
static bool qn_matches(const char *prefix, const char *word)
{
	size_t len = strlen(prefix);

	return len && !strncmp(prefix, word, len);
}

int qn_exec_cmd(struct qn *q, const struct qn_cmd *cmds, const char *object)
{
	const struct qn_cmd *c;

	if (qn_no_arg(q))
		return cmds->func(q);
	for (c = cmds + 1; c->name; c++) {
		if (qn_matches(qn_argv(q), c->name)) {
			qn_arg_inc(q);
			return c->func(q);
		}
	}
	if (object)
		return qn_err("unknown command \"%s\", try \"%s %s help\"",
			      qn_argv(q), q->prog, object);
	return qn_err("unknown object \"%s\", try \"%s help\"", qn_argv(q),
		      q->prog);
}

int qn_err(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

int qn_err_arg(const char *arg, enum qn_unit unit)
{
	return qn_err("argument \"%s\" is not a valid %s", arg,
		      qn_unit_name(unit));
}

int qn_get_unit(const char *arg, enum qn_unit unit, uint64_t max,
		uint64_t *val)
{
	if (qn_unit_parse(unit, arg, max, val))
		return qn_err_arg(arg, unit);
	return 0;
}

int qn_get_addr(const char *arg, uint32_t *addr)
{
	if (qn_addr_parse(arg, addr))
		return qn_err("argument \"%s\" is not a valid node address", arg);
	return 0;
}

int qn_get_ifindex(const char *name, uint32_t *ifindex)
{
	unsigned int idx;

	if (strlen(name) >= IFNAMSIZ)
		return qn_err("\"%s\" is not a valid device name", name);
	idx = if_nametoindex(name);
	if (!idx)
		return qn_err("cannot find device \"%s\"", name);
	*ifindex = idx;
	return 0;
}

struct qn_sock *qn_genl(struct qn *q)
{
	if (!q->genl_open) {
		if (qn_genl_open(&q->genl, QNET_GENL_NAME))
			return NULL;
		q->genl_open = true;
	}
	return &q->genl;
}

int qn_genl_begin(struct qn *q, uint8_t cmd, uint16_t attr, uint32_t val,
		  struct qn_sock **s, struct nlmsghdr **nlh)
{
	int err = qn_arg_end(q);

	if (err)
		return err;
	*s = qn_genl(q);
	if (!*s)
		return -ENOENT;
	*nlh = qn_genl_prepare(*s, cmd, 0);
	if (attr)
		mnl_attr_put_u32(*nlh, attr, val);
	return 0;
}

int qn_netns_open(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, "..")) {
		qn_err("\"%s\" is not a valid network namespace name", name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		qn_err("cannot open network namespace \"%s\": %s", name,
		       strerror(errno));
	return fd;
}

int qn_netns_enter(int fd, const char *name)
{
	if (setns(fd, CLONE_NEWNET) < 0)
		return qn_err("cannot enter network namespace \"%s\": %s",
			      name, strerror(errno));
	return 0;
}
