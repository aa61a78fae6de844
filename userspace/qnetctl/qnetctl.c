// SPDX-License-Identifier: GPL-2.0
/*
 * qnetctl: the qnet CLI, in the style of iproute2's rdma tool.
 *
 *	qnetctl [ OPTIONS ] OBJECT { COMMAND | help }
 */
#include <errno.h>
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
		"where  OBJECT := { node | link | route | stats | monitor }\n"
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
		{ "help",	cmd_help },
		{ NULL,		NULL },
	};

	return qn_exec_cmd(q, objects, NULL);
}

/* Like ip -batch: one command per line, stop at the first failure. */
static int qn_batch(struct qn *q, const char *name)
{
	char *line = NULL, *argv[MAX_BATCH_ARGS];
	int lineno = 0, argc, err = 0;
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

int main(int argc, char **argv)
{
	const char *batch = NULL, *netns = NULL;
	struct qn *q;
	int err, fd;

	/* Large sockets inside: keep them off the stack. */
	q = calloc(1, sizeof(*q));
	if (!q) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	q->prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	for (argc--, argv++; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
		const char *opt = argv[0];

		if (qn_opt(opt, "-json")) {
			q->json = true;
		} else if (qn_opt(opt, "-pretty")) {
			q->pretty = true;
		} else if (qn_opt(opt, "-statistics")) {
			q->stats = true;
		} else if (qn_opt(opt, "-netns") || qn_opt(opt, "-batch")) {
			if (argc < 2) {
				qn_err("option \"%s\" needs an argument", opt);
				return 1;
			}
			if (qn_opt(opt, "-netns"))
				netns = argv[1];
			else
				batch = argv[1];
			argc--;
			argv++;
		} else if (qn_opt(opt, "-Version")) {
			printf("%s utility, qnet %s (genetlink version %d)\n",
			       q->prog, QNETCTL_VERSION, QNET_GENL_VERSION);
			return 0;
		} else if (qn_opt(opt, "-help")) {
			usage(stdout, q->prog);
			return 0;
		} else {
			qn_err("option \"%s\" is unknown, try \"%s -help\"",
			       opt, q->prog);
			return 1;
		}
	}

	if (netns) {
		fd = qn_netns_open(netns);
		if (fd < 0)
			return 1;
		err = qn_netns_enter(fd, netns);
		close(fd);
		if (err)
			return 1;
	}

	if (batch) {
		if (argc > 0) {
			qn_err("-batch takes no command line command");
			return 1;
		}
		err = qn_batch(q, batch);
	} else {
		q->argc = argc;
		q->argv = argv;
		err = qn_run_cmd(q);
	}

	if (q->genl_open)
		qn_sock_close(&q->genl);
	free(q);
	return err ? 1 : 0;
}
