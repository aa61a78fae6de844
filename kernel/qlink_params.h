/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every link parameter, defined once. The kernel's two netlink policies
 * (genetlink QNET_LINK_A_* in netlink.c, rtnetlink QLINK_INFO_* in
 * device.c), their fill and overlay tables, the sysfs files (sysfs.c), the
 * defaults and range checks (link.c), qnetctl's keywords and JSON keys
 * (userspace/qnetctl/link_params.c, which the model and qnet-topo share)
 * and tools/check-ynl-spec.py all expand this one table.
 *
 * X(field, ATTR, type, min, max, def, keyword, json, unit)
 *   field    member of struct qlink_params and the sysfs file's name
 *   ATTR     QNET_LINK_A_<ATTR> and QLINK_INFO_<ATTR>
 *   type     u8, u32 or u64 (the attribute's and the member's)
 *   min/max  the range a value must be in; both policies check it
 *            (ERANGE, the attribute named) and so does qlink_params_check()
 *            for any other caller
 *   def      a new link's value (the seed's is random, not this)
 *   keyword  qnetctl's, ip's and qnet-topo's word for it
 *   json     qnetctl's JSON key (the unit in the name)
 *   unit     how qnetctl parses and prints it (QN_UNIT_<unit>)
 *
 * Literal numbers and uapi enums only: userspace includes this too.
 * Ranges that depend on other parameters (t2 <= 2 t1, single-click needs
 * alpha > 0, a success probability the sampler supports) are in
 * qlink_params_check().
 */
#ifndef _QLINK_PARAMS_H
#define _QLINK_PARAMS_H

#define QLINK_PARAMS(X)							\
	X(length_m, LENGTH_M, u32, 1, 1000000, 25000,			\
	  "length", "length_m", LENGTH)					\
	X(atten_mdb_km, ATTEN_MDB_KM, u32, 0, 10000, 200,		\
	  "atten", "atten_mdb_km", ATTEN)				\
	X(index_milli, INDEX_MILLI, u32, 1000, 10000, 1470,		\
	  "index", "index_milli", INDEX)				\
	X(attempt_rate_hz, ATTEMPT_RATE_HZ, u32, 1, 1000000000, 1000000, \
	  "rate", "attempt_rate_hz", FREQ)				\
	X(scheme, SCHEME, u8, 0, QNET_SCHEME_MAX, QNET_SCHEME_SINGLE_CLICK, \
	  "scheme", "scheme", SCHEME)					\
	X(alpha_ppm, ALPHA_PPM, u32, 0, 1000000, 50000,			\
	  "alpha", "alpha_ppm", PROB)					\
	X(source_fid_ppm, SOURCE_FID_PPM, u32, 250000, 1000000, 970000, \
	  "source-fidelity", "source_fidelity_ppm", PROB)		\
	X(det_eff_ppm, DET_EFF_PPM, u32, 1, 1000000, 800000,		\
	  "efficiency", "efficiency_ppm", PROB)				\
	X(visibility_ppm, VISIBILITY_PPM, u32, 0, 1000000, 900000,	\
	  "visibility", "visibility_ppm", PROB)				\
	X(dark_rate_hz, DARK_RATE_HZ, u32, 0, 100000000, 10,		\
	  "dark", "dark_rate_hz", FREQ)					\
	X(mem_slots, MEM_SLOTS, u32, 1, 64, 1,				\
	  "slots", "slots", COUNT)					\
	X(t1_ns, T1_NS, u64, 0, 0xffffffffffffffffULL, 0,		\
	  "t1", "t1_ns", TIME)						\
	X(t2_ns, T2_NS, u64, 0, 0xffffffffffffffffULL, 1000000000,	\
	  "t2", "t2_ns", TIME)						\
	X(cutoff_ns, CUTOFF_NS, u64, 0, 0xffffffffffffffffULL, 0,	\
	  "cutoff", "cutoff_ns", TIME)					\
	X(seed, SEED, u64, 0, 0xffffffffffffffffULL, 0,			\
	  "seed", "seed", COUNT)					\
	X(time_scale, TIME_SCALE, u32, 0, 0xffffffff, 0,		\
	  "time-scale", "time_scale_permille", SCALE)			\
	X(continuous, CONTINUOUS, u8, 0, 1, 0,				\
	  "continuous", "continuous", ONOFF)

#ifdef __KERNEL__
#include <net/netlink.h>

/* The attribute type of each field type. */
#define QLINK_NLA_u8	NLA_U8
#define QLINK_NLA_u32	NLA_U32
#define QLINK_NLA_u64	NLA_U64

/* Each parameter's range, for both policies (defined in link.c). */
#define QLINK_PARAM_RANGE_DECL(_f, _a, _t, _min, _max, _def, _kw, _js, _u) \
	extern struct netlink_range_validation qlink_range_##_f;
QLINK_PARAMS(QLINK_PARAM_RANGE_DECL)
#undef QLINK_PARAM_RANGE_DECL

/*
 * Policy entries: QLINK_PARAMS(QLINK_POLICY_GENL) inside a policy indexed
 * by QNET_LINK_A_*, QLINK_PARAMS(QLINK_POLICY_RTNL) by QLINK_INFO_*.
 * (6.1's NLA_POLICY_FULL_RANGE() takes a non-const pointer.)
 */
#define QLINK_POLICY_GENL(_f, _a, _t, _min, _max, _def, _kw, _js, _u)	\
	[QNET_LINK_A_##_a] =						\
		NLA_POLICY_FULL_RANGE(QLINK_NLA_##_t, &qlink_range_##_f),
#define QLINK_POLICY_RTNL(_f, _a, _t, _min, _max, _def, _kw, _js, _u)	\
	[QLINK_INFO_##_a] =						\
		NLA_POLICY_FULL_RANGE(QLINK_NLA_##_t, &qlink_range_##_f),
#endif /* __KERNEL__ */

#endif /* _QLINK_PARAMS_H */
