/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The link parameters, named once: the keyword `qnetctl link` and
 * `qnet-model predict` take on the command line and print, the JSON key,
 * the netlink attribute, the unit, the width on the wire and the kernel's
 * default. qnetctl's link.c and the model's predict.c both walk this
 * table, so the model cannot drift from the CLI's grammar.
 */
#ifndef _QNETCTL_LINK_PARAMS_H
#define _QNETCTL_LINK_PARAMS_H

#include <stdint.h>

#include "units.h"

struct qn_link_param {
	const char	*keyword;	/* command line and text output */
	const char	*json;		/* JSON key: the unit is in the name */
	uint16_t	attr;		/* QNET_LINK_A_* */
	enum qn_unit	unit;
	uint8_t		width;		/* bytes on the wire: 1, 4 or 8 */
	uint64_t	def;		/* the kernel's default */
};

/* Indexes into qn_link_params[], in its order. */
enum qn_link_param_idx {
	QN_LP_LENGTH,
	QN_LP_ATTEN,
	QN_LP_INDEX,
	QN_LP_RATE,
	QN_LP_SCHEME,
	QN_LP_ALPHA,
	QN_LP_SOURCE_FID,
	QN_LP_EFFICIENCY,
	QN_LP_VISIBILITY,
	QN_LP_DARK,
	QN_LP_SLOTS,
	QN_LP_T1,
	QN_LP_T2,
	QN_LP_CUTOFF,
	QN_LP_SEED,
	QN_LP_TIME_SCALE,
	QN_LP_CONTINUOUS,
	QN_LINK_NPARAMS
};

extern const struct qn_link_param qn_link_params[QN_LINK_NPARAMS];

/* The parameter called @keyword, or NULL. */
const struct qn_link_param *qn_link_param_find(const char *keyword);

/* The largest value the parameter's attribute can carry. */
uint64_t qn_link_param_max(const struct qn_link_param *p);

#endif /* _QNETCTL_LINK_PARAMS_H */
