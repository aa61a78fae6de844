// SPDX-License-Identifier: GPL-2.0
/*
 * The link parameter table (link_params.h), expanded from the kernel's
 * (kernel/qlink_params.h): keywords, JSON keys, attributes, units, widths
 * and defaults are written there once. The model's selftest
 * (selftests/model_test.c) still reads a fresh link's parameters from the
 * kernel and checks them against this column. The seed's default is
 * random in the kernel; 0 here.
 */
#include <stddef.h>
#include <string.h>

#include <linux/qnet.h>

#include "link_params.h"
#include "qlink_params.h"

/* bytes on the wire of each field type */
#define QN_WIDTH_u8	1
#define QN_WIDTH_u32	4
#define QN_WIDTH_u64	8

#define QN_LINK_PARAM(_f, _a, _t, _min, _max, _def, _kw, _js, _u)	\
	{ _kw, _js, QNET_LINK_A_##_a, QN_UNIT_##_u, QN_WIDTH_##_t, _def },

/* In the table's order, which enum qn_link_param_idx follows. */
const struct qn_link_param qn_link_params[QN_LINK_NPARAMS] = {
	QLINK_PARAMS(QN_LINK_PARAM)
};

#define QN_LINK_PARAM_COUNT(_f, _a, _t, _min, _max, _def, _kw, _js, _u) + 1
_Static_assert(0 QLINK_PARAMS(QN_LINK_PARAM_COUNT) == QN_LINK_NPARAMS,
	       "enum qn_link_param_idx has a row per link parameter");

const struct qn_link_param *qn_link_param_find(const char *keyword)
{
	size_t i;

	for (i = 0; i < QN_LINK_NPARAMS; i++)
		if (!strcmp(qn_link_params[i].keyword, keyword))
			return &qn_link_params[i];
	return NULL;
}

uint64_t qn_link_param_max(const struct qn_link_param *p)
{
	return p->width == 8 ? UINT64_MAX : (1ULL << (8 * p->width)) - 1;
}
