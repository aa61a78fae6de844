// SPDX-License-Identifier: GPL-2.0
/*
 * qnetctl: the qnet CLI, in the style of iproute2's rdma tool.
 *
 *	qnetctl [ OPTIONS ] OBJECT { COMMAND | help }
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "qnetctl.h"

#ifndef QNETCTL_VERSION
#define QNETCTL_VERSION "unknown"
#endif

#define MAX_BATCH_ARGS	512

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"Usage: %s [ OPTIONS ] OBJECT { COMMAND | help }\n"
		"       %s [ OPTIONS ] -b[atch] FILE\n"
		"where  OBJECT := { node | link | route | stats | monitor | model }\n"
		"       OPTIONS := { -j[son] | -p[retty] | -s[tatistics] |\n"
		"                    -n[etns] NAME | -V[ersion] | -h[elp] }\n",
		prog, prog);
}

static int cmd_help(struct qn *q)
{
	usage(stdout, q->prog);
	return 0;
}

static int qn_run_cmd(struct qn *q)
{
	static const struct qn_cmd objects[] = {
		{ NULL,		cmd_help },
		{ "node",	cmd_node },
		{ "link",	cmd_link },
		{ "route",	cmd_route },
		{ "stats",	cmd_stats },
		{ "monitor",	cmd_monitor },
		{ "model",	cmd_model },
		{ "help",	cmd_help },
		{ NULL,		NULL },
	};

	return qn_exec_cmd(q, objects, NULL);
}

static bool qn_opt(const char *arg, const char *opt);
static int qn_enter_netns(const char *name);

/*
 * A batch line "-n NAME COMMAND...": COMMAND in netns NAME, then back in
 * @home, so that one qnetctl configures a whole network (qnet-topo); every
 * exec costs under TCG. The genetlink socket belongs to the netns it was
 * opened in: it is reopened after each switch.
 */
static int qn_batch_netns(struct qn *q, int home, const char *name)
{
	int err;

	if (q->genl_open) {
		qn_sock_close(&q->genl);
		q->genl_open = false;
	}
	err = qn_enter_netns(name);
	if (!err)
		err = qn_run_cmd(q);
	if (q->genl_open) {
		qn_sock_close(&q->genl);
		q->genl_open = false;
	}
	if (qn_netns_enter(home, "of the batch"))
		err = err ?: -EINVAL;
	return err;
}

/* Like ip -batch: one command per line, stop at the first failure. */
static int qn_batch(struct qn *q, const char *name)
{
	char *line = NULL, *argv[MAX_BATCH_ARGS];
	int lineno = 0, argc, err = 0, home = -1;
	size_t cap = 0;
	FILE *f;

	f = strcmp(name, "-") ? fopen(name, "r") : stdin;
	if (!f)
		return qn_err("cannot open batch file \"%s\": %s", name,
			      strerror(errno));
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		argc = qn_split_line(line, argv, MAX_BATCH_ARGS);
		if (argc == 0)
			continue;
		if (argc == QN_SPLIT_UNTERMINATED) {
			err = qn_err("unterminated quote");
		} else if (argc == QN_SPLIT_TOO_MANY) {
			err = qn_err("more than %d words", MAX_BATCH_ARGS);
		} else if (argc >= 2 && qn_opt(argv[0], "-netns")) {
			if (home < 0)
				home = open("/proc/self/ns/net",
					    O_RDONLY | O_CLOEXEC);
			if (home < 0) {
				err = qn_err("cannot open this netns: %s",
					     strerror(errno));
			} else {
				q->argc = argc - 2;
				q->argv = argv + 2;
				err = qn_batch_netns(q, home, argv[1]);
			}
		} else {
			q->argc = argc;
			q->argv = argv;
			err = qn_run_cmd(q);
		}
		fflush(stdout);
		if (err) {
			fprintf(stderr, "Command failed %s:%d\n", name, lineno);
			break;
		}
	}
	free(line);
	if (home >= 0)
		close(home);
	if (f != stdin)
		fclose(f);
	return err;
}

/* "-j" and "-json" and "--json" all match "-json", as in ip. */
static bool qn_opt(const char *arg, const char *opt)
{
	size_t len;

	if (arg[0] == '-' && arg[1] == '-')
		arg++;
	len = strlen(arg);
	return len > 1 && !strncmp(arg, opt, len);
}

/* What the options say to do besides running a command. */
struct qn_opts {
	const char	*batch;
	const char	*netns;
	bool		done;		/* -V or -h: nothing more to do */
};

/* Consume the options in q->argc/q->argv; prints the error. */
static int qn_parse_opts(struct qn *q, struct qn_opts *o)
{
	for (; !qn_no_arg(q) && qn_argv(q)[0] == '-'; qn_arg_inc(q)) {
		const char *opt = qn_argv(q);

		if (qn_opt(opt, "-json")) {
			q->json = true;
		} else if (qn_opt(opt, "-pretty")) {
			q->pretty = true;
		} else if (qn_opt(opt, "-statistics")) {
			q->stats = true;
		} else if (qn_opt(opt, "-netns") || qn_opt(opt, "-batch")) {
			if (q->argc < 2)
				return qn_err("option \"%s\" needs an argument",
					      opt);
			qn_arg_inc(q);
			if (qn_opt(opt, "-netns"))
				o->netns = qn_argv(q);
			else
				o->batch = qn_argv(q);
		} else if (qn_opt(opt, "-Version")) {
			printf("%s utility, qnet %s (genetlink version %d)\n",
			       q->prog, QNETCTL_VERSION, QNET_GENL_VERSION);
			o->done = true;
			return 0;
		} else if (qn_opt(opt, "-help")) {
			usage(stdout, q->prog);
			o->done = true;
			return 0;
		} else {
			return qn_err("option \"%s\" is unknown, try \"%s -help\"",
				      opt, q->prog);
		}
	}
	if (o->batch && !qn_no_arg(q))
		return qn_err("-batch takes no command on the command line");
	return 0;
}

/* -n NAME: everything after this happens in that netns. */
static int qn_enter_netns(const char *name)
{
	int fd, err;

	fd = qn_netns_open(name);
	if (fd < 0)
		return -EINVAL;
	err = qn_netns_enter(fd, name);
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	struct qn_opts o = {};
	struct qn *q;
	int err;

	/* Large sockets inside: keep them off the stack. */
	q = calloc(1, sizeof(*q));
	if (!q) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	q->prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	q->argc = argc - 1;
	q->argv = argv + 1;

	err = qn_parse_opts(q, &o);
	if (err || o.done)
		goto out;
	if (o.netns) {
		err = qn_enter_netns(o.netns);
		if (err)
			goto out;
	}
	if (o.batch)
		err = qn_batch(q, o.batch);
	else
		err = qn_run_cmd(q);
out:
	if (q->genl_open)
		qn_sock_close(&q->genl);
	free(q);
	return err ? 1 : 0;
}
