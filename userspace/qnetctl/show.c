// SPDX-License-Identifier: GPL-2.0
/*
 * qnetctl's one show path: `node show`, `link show`, `route show` and
 * `stats show` are the same body, "parse the key, open the family, get
 * or dump, print each answer", driven by the object's struct qn_show
 * (what to ask, how to read its key, how to print one answer).
 */
#include <errno.h>
#include <stdio.h>

#include <linux/genetlink.h>

#include "qnetctl.h"

struct qn_show_ctx {
	struct qn		*q;
	const struct qn_show	*sh;
};

/* One answer: an object of the JSON array, or the document; a text line. */
static int qn_show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1] = {};
	const struct qn_show_ctx *c = data;

	if (qn_parse_attrs(nlh, sizeof(struct genlmsghdr), qnet_attr_policy,
			   QNET_A_MAX, tb))
		return MNL_CB_ERROR;
	open_json_object(NULL);
	if (c->sh->print(c->q, tb))
		return MNL_CB_ERROR;
	print_nl(0);
	close_json_object();
	return MNL_CB_OK;
}

int qn_show(struct qn *q, const struct qn_show *sh)
{
	struct qn_show_key key = {};
	struct qn_show_ctx c = { .q = q, .sh = sh };
	struct nlmsghdr *nlh;
	struct qn_sock *s;
	int err;

	if (sh->parse) {
		err = sh->parse(q, &key);
		if (err)
			return err;
	}
	err = qn_genl_begin(q, sh->cmd, key.attr, key.val, &s, &nlh);
	if (err)
		return err;
	print_start(stdout, q->json, q->pretty);
	if (sh->list)
		open_json_array(NULL);
	/* a table without a key is dumped; one entry, or a node, is a get */
	if (sh->list && !key.attr)
		err = qn_dump(s, nlh, qn_show_cb, &c);
	else
		err = qn_request(s, nlh, qn_show_cb, &c);
	if (sh->list)
		close_json_array();
	print_end();
	return err;
}
