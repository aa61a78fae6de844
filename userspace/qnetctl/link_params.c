// SPDX-License-Identifier: GPL-2.0
/*
 * The link parameter table (link_params.h). The defaults are the
 * kernel's, kernel/link.c: qlink_params_default(); the model's selftest
 * (selftests/model_test.c) reads a fresh link's parameters from the
 * kernel and checks them against this column. The seed's default is
 * random in the kernel; 0 here.
 */
#include <stddef.h>
#include <string.h>

#include <linux/qnet.h>

#include "link_params.h"

const struct qn_link_param qn_link_params[QN_LINK_NPARAMS] = {
	[QN_LP_LENGTH] = { "length", "length_m", QNET_LINK_A_LENGTH_M,
			   QN_UNIT_LENGTH, 4, 25000 },
	[QN_LP_ATTEN] = { "atten", "atten_mdb_km", QNET_LINK_A_ATTEN_MDB_KM,
			  QN_UNIT_ATTEN, 4, 200 },
	[QN_LP_INDEX] = { "index", "index_milli", QNET_LINK_A_INDEX_MILLI,
			  QN_UNIT_INDEX, 4, 1470 },
	[QN_LP_RATE] = { "rate", "attempt_rate_hz", QNET_LINK_A_ATTEMPT_RATE_HZ,
			 QN_UNIT_FREQ, 4, 1000000 },
	[QN_LP_SCHEME] = { "scheme", "scheme", QNET_LINK_A_SCHEME,
			   QN_UNIT_SCHEME, 1, QNET_SCHEME_SINGLE_CLICK },
	[QN_LP_ALPHA] = { "alpha", "alpha_ppm", QNET_LINK_A_ALPHA_PPM,
			  QN_UNIT_PROB, 4, 50000 },
	[QN_LP_SOURCE_FID] = { "source-fidelity", "source_fidelity_ppm",
			       QNET_LINK_A_SOURCE_FID_PPM, QN_UNIT_PROB, 4,
			       970000 },
	[QN_LP_EFFICIENCY] = { "efficiency", "efficiency_ppm",
			       QNET_LINK_A_DET_EFF_PPM, QN_UNIT_PROB, 4,
			       800000 },
	[QN_LP_VISIBILITY] = { "visibility", "visibility_ppm",
			       QNET_LINK_A_VISIBILITY_PPM, QN_UNIT_PROB, 4,
			       900000 },
	[QN_LP_DARK] = { "dark", "dark_rate_hz", QNET_LINK_A_DARK_RATE_HZ,
			 QN_UNIT_FREQ, 4, 10 },
	[QN_LP_SLOTS] = { "slots", "slots", QNET_LINK_A_MEM_SLOTS,
			  QN_UNIT_COUNT, 4, 1 },
	[QN_LP_T1] = { "t1", "t1_ns", QNET_LINK_A_T1_NS, QN_UNIT_TIME, 8, 0 },
	[QN_LP_T2] = { "t2", "t2_ns", QNET_LINK_A_T2_NS, QN_UNIT_TIME, 8,
		       1000000000 },
	[QN_LP_CUTOFF] = { "cutoff", "cutoff_ns", QNET_LINK_A_CUTOFF_NS,
			   QN_UNIT_TIME, 8, 0 },
	[QN_LP_SEED] = { "seed", "seed", QNET_LINK_A_SEED, QN_UNIT_COUNT, 8,
			 0 },
	[QN_LP_TIME_SCALE] = { "time-scale", "time_scale_permille",
			       QNET_LINK_A_TIME_SCALE, QN_UNIT_SCALE, 4, 0 },
	[QN_LP_CONTINUOUS] = { "continuous", "continuous",
			       QNET_LINK_A_CONTINUOUS, QN_UNIT_ONOFF, 1, 0 },
};

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
