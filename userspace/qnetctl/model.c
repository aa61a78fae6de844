// SPDX-License-Identifier: GPL-2.0
/*
 * qnetctl model: what the physics model expects of links and chains, by
 * the same code as qnet-model (userspace/model), which computes with the
 * kernel's own fixed-point core. Needs no kernel and no netlink.
 */
#include <errno.h>

#include "qnetctl.h"
#include "qmodel.h"

#define MODEL_MAX_ARGS	256

int cmd_model(struct qn *q)
{
	char *argv[MODEL_MAX_ARGS];
	int argc = 0, i;

	argv[argc++] = "qnetctl model";
	if (q->json)
		argv[argc++] = "-j";
	if (q->json && q->pretty)
		argv[argc++] = "-p";
	if (q->argc >= MODEL_MAX_ARGS - argc)
		return qn_err("too many arguments for model");
	for (i = 0; i < q->argc; i++)
		argv[argc++] = q->argv[i];
	argv[argc] = NULL;
	q->argc = 0;
	return qmodel_main(argc, argv) ? -EINVAL : 0;
}
