/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qnetctl: configure qnet nodes, links and routes over generic netlink.
 *
 * One file per object (node.c, link.c, route.c, stats.c, monitor.c), each
 * with a table of { command, handler } whose first entry is what a bare
 * object does, and for `show` a struct qn_show that show.c's one show
 * path runs; counters.c prints counters for all of them; utils.c walks
 * argv; mnl.c talks netlink; json_print.c is the one print path for
 * text and JSON; units.c parses and prints physical quantities.
 */
#ifndef _QNETCTL_H
#define _QNETCTL_H

#include <stdbool.h>
#include <stdint.h>

#include <libmnl/libmnl.h>
#include <linux/qnet.h>

#include "json_print.h"
#include "mnl.h"
#include "units.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct qn {
	const char	*prog;		/* argv[0] without the directory */
	int		argc;
	char		**argv;
	bool		json;
	bool		pretty;
	bool		stats;
	struct qn_sock	genl;		/* opened on first use */
	bool		genl_open;
};

struct qn_cmd {
	const char	*name;		/* NULL for the default of a bare object */
	int		(*func)(struct qn *q);
};

/* argv walking, like rdma's rd_argv helpers */
bool qn_no_arg(const struct qn *q);
const char *qn_argv(const struct qn *q);
void qn_arg_inc(struct qn *q);
/* True, and consumes it, if the next word is exactly @word. */
bool qn_arg_is(struct qn *q, const char *word);
/* The value after a keyword, consumed; NULL after printing an error. */
const char *qn_arg_value(struct qn *q, const char *keyword);
/* Error unless every word was used. */
int qn_arg_end(struct qn *q);

/*
 * Run the entry of @cmds whose name starts with the next word (iproute2
 * accepts "sh" for "show"), or the first entry when there is none.
 * @object names the table in the error ("link").
 */
int qn_exec_cmd(struct qn *q, const struct qn_cmd *cmds, const char *object);

/* Print "Error: ..." on stderr; returns -EINVAL for `return qn_err(...)`. */
int qn_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* `Error: argument "X" is not a valid length`. */
int qn_err_arg(const char *arg, enum qn_unit unit);

/* Parse a unit-bearing value, printing the error. */
int qn_get_unit(const char *arg, enum qn_unit unit, uint64_t max,
		uint64_t *val);
int qn_get_addr(const char *arg, uint32_t *addr);
/* ifindex of @name in the current netns; prints the error. */
int qn_get_ifindex(const char *name, uint32_t *ifindex);

/* The generic netlink socket of family "qnet", opened on first use. */
struct qn_sock *qn_genl(struct qn *q);
/*
 * What every command does once its words are read: check that none is
 * left, open the socket and start a request for @cmd, with u32 @attr =
 * @val unless @attr is 0. 0, or an error already printed.
 */
int qn_genl_begin(struct qn *q, uint8_t cmd, uint16_t attr, uint32_t val,
		  struct qn_sock **s, struct nlmsghdr **nlh);

/* Network namespaces by name, as `ip netns` names them. */
int qn_netns_open(const char *name);	/* fd or -1 after printing why */
int qn_netns_enter(int fd, const char *name);

/* Objects */
int cmd_node(struct qn *q);
int cmd_link(struct qn *q);
int cmd_route(struct qn *q);
int cmd_stats(struct qn *q);
int cmd_monitor(struct qn *q);
int cmd_model(struct qn *q);

/*
 * `OBJECT show` (show.c): parse the key, get it, or dump the table
 * without one, and print each answer with @print, which gets the
 * message's attributes (by qnet_attr_policy) inside a JSON object.
 */
struct qn_show_key {
	uint16_t	attr;		/* 0: no key, the whole table */
	uint32_t	val;
};

struct qn_show {
	uint8_t		cmd;		/* QNET_CMD_*_GET */
	bool		list;		/* a JSON array of entries, dumped */
	/* NULL: the object takes no argument */
	int		(*parse)(struct qn *q, struct qn_show_key *key);
	int		(*print)(struct qn *q, const struct nlattr **tb);
};

int qn_show(struct qn *q, const struct qn_show *sh);

/* Counters (counters.c): a QNET_A_LINK_STATS or QNET_A_NODE_STATS nest. */
int qn_stats_print(const struct nlattr *nest, int indent);
int qn_stats_print_as(const char *key, const struct nlattr *nest, int indent);
/* The node's network-layer counters, QNET_A_NET_STATS. */
int qn_net_stats_print(const struct nlattr *nest, int indent);
/* QNET_A_NODE_PARAMS as " bsm-eff 1 gate-err 0 readout-err 0" (node.c) */
int qn_node_params_print(const struct nlattr *nest);

/* Policy of the top-level attributes, for qn_parse_attrs(). */
extern const enum mnl_attr_data_type qnet_attr_policy[QNET_A_MAX + 1];

#endif /* _QNETCTL_H */
