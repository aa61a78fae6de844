// SPDX-License-Identifier: GPL-2.0
/*
 * libqnet's control API (userspace/libqnet/ctl.c) against the module:
 * every call, its exact results, its errors with the kernel's extack.
 *
 * The test process sits in a netns of its own ("home") and drives two
 * named namespaces, as `ip netns add` makes them, through handles from
 * qnet_ctl_open(name):
 *
 *     netns A (node 1)                           netns B (node 2)
 *   +-------------------------+               +-------------------+
 *   |                     qa0 o+=============+o qa1               |
 *   |  qx0 o+=====+o qx1      |    qlink      |                   |
 *   +-------------------------+               +-------------------+
 *
 * None of these devices exists in "home", so a name that resolves proves
 * the handle looks it up in its node's netns.
 *
 * The qlinks are made with the rtnetlink helpers of qnet_nl.h (libmnl):
 * libqnet has no call for that. Linked with libqnet.a (see the Makefile).
 */
#include <sched.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
/* qnet_util.h has a static qnet_family(); libqnet exports one too */
#define qnet_family qnet_util_family
#include "qnet_util.h"
#undef qnet_family
#include "qnet_nl.h"
#include "qnet_topo.h"
#include "qnet/libqnet.h"

/* How a kselftest-harness test child reports SKIP to its parent. */
#define HARNESS_SKIP_EXIT	255

FIXTURE(lib) {
	char		a[64], b[64];	/* netns names */
	int		afd, bfd;	/* their fds */
	struct qnet_ctl	*ca, *cb;	/* handles on A and B */
};

static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ret = system(cmd);
	if (ret == -1 || !WIFEXITED(ret))
		return -1;
	return WEXITSTATUS(ret);
}

static int open_ns(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/*
 * In netns @nsfd: create qlink @name with @peer in @peer_nsfd (-1: the
 * same netns), and bring @name up if @up. Back to the caller's netns.
 */
static int qlink_in(int nsfd, const char *name, const char *peer,
		    int peer_nsfd, bool up)
{
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	struct qnet_nl rt;
	int err;

	if (home < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET)) {
		close(home);
		return -errno;
	}
	err = qnet_nl_open_proto(&rt, NETLINK_ROUTE);
	if (!err) {
		err = qnet_rtnl_qlink_add(&rt, name, peer, peer_nsfd);
		if (!err && up)
			err = qnet_rtnl_link_up(&rt, name, true);
		qnet_nl_close(&rt);
	}
	if (setns(home, CLONE_NEWNET) && !err)
		err = -errno;
	close(home);
	return err;
}

static int link_up_in(int nsfd, const char *name, bool up)
{
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	struct qnet_nl rt;
	int err;

	if (home < 0 || setns(nsfd, CLONE_NEWNET))
		return -errno;
	err = qnet_nl_open_proto(&rt, NETLINK_ROUTE);
	if (!err) {
		err = qnet_rtnl_link_up(&rt, name, up);
		qnet_nl_close(&rt);
	}
	if (setns(home, CLONE_NEWNET) && !err)
		err = -errno;
	close(home);
	return err;
}

/*
 * Wait until @name in netns @nsfd can send: up, carrier, and its qdisc
 * attached (qnet_topo_wait_running()); frames sent before are dropped.
 */
static int wait_sendable(int nsfd, const char *name)
{
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int err;

	if (home < 0 || setns(nsfd, CLONE_NEWNET))
		return -errno;
	err = qnet_topo_wait_running(name);
	if (setns(home, CLONE_NEWNET) && !err)
		err = -errno;
	close(home);
	return err;
}

FIXTURE_SETUP(lib)
{
	int err;

	self->afd = self->bfd = -1;
	ASSERT_EQ(0, qnet_module_ensure());
	/* our own mounts (ip netns add) and netns, gone with this process */
	ASSERT_EQ(0, unshare(CLONE_NEWNS | CLONE_NEWNET));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	snprintf(self->a, sizeof(self->a), "libqnet-a-%d", getpid());
	snprintf(self->b, sizeof(self->b), "libqnet-b-%d", getpid());
	ASSERT_EQ(0, run("ip netns add %s && ip netns add %s", self->a,
			 self->b));
	self->afd = open_ns(self->a);
	self->bfd = open_ns(self->b);
	ASSERT_LE(0, self->afd);
	ASSERT_LE(0, self->bfd);

	err = qlink_in(self->afd, "qa0", "qa1", self->bfd, false);
	if (err == -EOPNOTSUPP)
		SKIP(_exit(HARNESS_SKIP_EXIT), "no \"qlink\" link type");
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, qlink_in(self->afd, "qx0", "qx1", -1, false));

	self->ca = qnet_ctl_open(self->a);
	ASSERT_NE(NULL, self->ca) TH_LOG("qnet_ctl_open(%s): %m", self->a);
	self->cb = qnet_ctl_open(self->b);
	ASSERT_NE(NULL, self->cb) TH_LOG("qnet_ctl_open(%s): %m", self->b);
}

FIXTURE_TEARDOWN(lib)
{
	qnet_ctl_close(self->ca);
	qnet_ctl_close(self->cb);
	if (self->afd >= 0)
		close(self->afd);
	if (self->bfd >= 0)
		close(self->bfd);
	run("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null",
	    self->a, self->b);
}

/*
 * ---- libqnet 2's objects as plain structures, for comparisons ----
 *
 * The library's objects are opaque (read with accessors, by attribute
 * type). The tests compare whole sets of values, so each object read is
 * copied, through every accessor, into one of these test-local
 * structures, the fields of the uapi's attributes.
 */
struct tparams {
	uint32_t length_m, atten_mdb_km, index_milli, attempt_rate_hz;
	uint8_t scheme;
	uint32_t alpha_ppm, source_fid_ppm, det_eff_ppm, dark_rate_hz;
	uint32_t visibility_ppm, mem_slots;
	uint64_t t1_ns, t2_ns, cutoff_ns, seed;
	uint32_t time_scale;
	uint8_t continuous;
};

struct tstats {
	uint64_t attempts, heralded, delivered, expired;
	uint64_t swaps_ok, swaps_failed, purify_ok, purify_failed;
	uint64_t fidelity_sum_ppm;
	uint32_t mean_fidelity_ppm;
	uint64_t stored, emu_time_ns, rx_packets, tx_packets, rx_dropped;
	uint64_t delivered_fid_sum_ppm;
	uint32_t mean_delivered_fid_ppm;
	uint64_t discards[QNET_DISCARDS_A_MAX];
};

struct tlink {
	char ifname[IF_NAMESIZE];
	int ifindex;
	uint32_t peer_node;
	bool oper_up;
	struct tparams params;
	struct tstats stats;
};

struct troute {
	uint32_t dst, dst_last;
	int ifindex;
	char ifname[IF_NAMESIZE];
	uint32_t metric;
};

/* For t_link_set(): which fields of struct tparams to set. */
#define QNET_LP_LENGTH		(1ULL << QNET_LINK_A_LENGTH_M)
#define QNET_LP_ATTEN		(1ULL << QNET_LINK_A_ATTEN_MDB_KM)
#define QNET_LP_INDEX		(1ULL << QNET_LINK_A_INDEX_MILLI)
#define QNET_LP_RATE		(1ULL << QNET_LINK_A_ATTEMPT_RATE_HZ)
#define QNET_LP_SCHEME		(1ULL << QNET_LINK_A_SCHEME)
#define QNET_LP_ALPHA		(1ULL << QNET_LINK_A_ALPHA_PPM)
#define QNET_LP_SOURCE_FID	(1ULL << QNET_LINK_A_SOURCE_FID_PPM)
#define QNET_LP_DET_EFF		(1ULL << QNET_LINK_A_DET_EFF_PPM)
#define QNET_LP_DARK_RATE	(1ULL << QNET_LINK_A_DARK_RATE_HZ)
#define QNET_LP_VISIBILITY	(1ULL << QNET_LINK_A_VISIBILITY_PPM)
#define QNET_LP_MEM_SLOTS	(1ULL << QNET_LINK_A_MEM_SLOTS)
#define QNET_LP_T1		(1ULL << QNET_LINK_A_T1_NS)
#define QNET_LP_T2		(1ULL << QNET_LINK_A_T2_NS)
#define QNET_LP_CUTOFF		(1ULL << QNET_LINK_A_CUTOFF_NS)
#define QNET_LP_SEED		(1ULL << QNET_LINK_A_SEED)
#define QNET_LP_TIME_SCALE	(1ULL << QNET_LINK_A_TIME_SCALE)
#define QNET_LP_CONTINUOUS	(1ULL << QNET_LINK_A_CONTINUOUS)

static const struct {
	uint16_t attr, off, size;
} tparam_fields[] = {
#define P(a, f) { a, offsetof(struct tparams, f), \
		  sizeof(((struct tparams *)0)->f) }
	P(QNET_LINK_A_LENGTH_M, length_m),
	P(QNET_LINK_A_ATTEN_MDB_KM, atten_mdb_km),
	P(QNET_LINK_A_INDEX_MILLI, index_milli),
	P(QNET_LINK_A_ATTEMPT_RATE_HZ, attempt_rate_hz),
	P(QNET_LINK_A_SCHEME, scheme),
	P(QNET_LINK_A_ALPHA_PPM, alpha_ppm),
	P(QNET_LINK_A_SOURCE_FID_PPM, source_fid_ppm),
	P(QNET_LINK_A_DET_EFF_PPM, det_eff_ppm),
	P(QNET_LINK_A_DARK_RATE_HZ, dark_rate_hz),
	P(QNET_LINK_A_VISIBILITY_PPM, visibility_ppm),
	P(QNET_LINK_A_MEM_SLOTS, mem_slots),
	P(QNET_LINK_A_T1_NS, t1_ns),
	P(QNET_LINK_A_T2_NS, t2_ns),
	P(QNET_LINK_A_CUTOFF_NS, cutoff_ns),
	P(QNET_LINK_A_SEED, seed),
	P(QNET_LINK_A_TIME_SCALE, time_scale),
	P(QNET_LINK_A_CONTINUOUS, continuous),
#undef P
};

static const struct {
	uint16_t attr, off, size;
} tstat_fields[] = {
#define S(a, f) { a, offsetof(struct tstats, f), \
		  sizeof(((struct tstats *)0)->f) }
	S(QNET_STATS_A_ATTEMPTS, attempts),
	S(QNET_STATS_A_HERALDED, heralded),
	S(QNET_STATS_A_DELIVERED, delivered),
	S(QNET_STATS_A_EXPIRED, expired),
	S(QNET_STATS_A_SWAPS_OK, swaps_ok),
	S(QNET_STATS_A_SWAPS_FAILED, swaps_failed),
	S(QNET_STATS_A_PURIFY_OK, purify_ok),
	S(QNET_STATS_A_PURIFY_FAILED, purify_failed),
	S(QNET_STATS_A_FIDELITY_SUM_PPM, fidelity_sum_ppm),
	S(QNET_STATS_A_MEAN_FIDELITY_PPM, mean_fidelity_ppm),
	S(QNET_STATS_A_STORED, stored),
	S(QNET_STATS_A_EMU_TIME_NS, emu_time_ns),
	S(QNET_STATS_A_RX_PACKETS, rx_packets),
	S(QNET_STATS_A_TX_PACKETS, tx_packets),
	S(QNET_STATS_A_RX_DROPPED, rx_dropped),
	S(QNET_STATS_A_DELIVERED_FID_SUM_PPM, delivered_fid_sum_ppm),
	S(QNET_STATS_A_MEAN_DELIVERED_FID_PPM, mean_delivered_fid_ppm),
#undef S
};

static void tput(void *base, uint16_t off, uint16_t size, uint64_t v)
{
	char *f = (char *)base + off;

	switch (size) {
	case 1: *(uint8_t *)f = v; break;
	case 4: *(uint32_t *)f = v; break;
	case 8: *(uint64_t *)f = v; break;
	}
}

static uint64_t tget(const void *base, uint16_t off, uint16_t size)
{
	const char *f = (const char *)base + off;

	switch (size) {
	case 1: return *(const uint8_t *)f;
	case 4: return *(const uint32_t *)f;
	default: return *(const uint64_t *)f;
	}
}

/* Absent values read 0 (qnet_*_get() sets *val to 0 with -ENOENT). */
static void tparams_from(struct tparams *t, const struct qnet_link_params *p)
{
	uint64_t v;
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < sizeof(tparam_fields) / sizeof(tparam_fields[0]); i++) {
		qnet_link_params_get(p, tparam_fields[i].attr, &v);
		tput(t, tparam_fields[i].off, tparam_fields[i].size, v);
	}
}

static void tstats_from(struct tstats *t, const struct qnet_stats *st)
{
	uint64_t v;
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < sizeof(tstat_fields) / sizeof(tstat_fields[0]); i++) {
		qnet_stats_get(st, tstat_fields[i].attr, &v);
		tput(t, tstat_fields[i].off, tstat_fields[i].size, v);
	}
	for (i = 0; i < QNET_DISCARDS_A_MAX; i++)
		qnet_stats_get_discards(st, i, &t->discards[i]);
}

static void tlink_from(struct tlink *t, const struct qnet_link_info *li)
{
	snprintf(t->ifname, sizeof(t->ifname), "%s",
		 qnet_link_info_get_ifname(li));
	t->ifindex = qnet_link_info_get_ifindex(li);
	t->peer_node = qnet_link_info_get_peer_node(li);
	t->oper_up = qnet_link_info_get_oper_up(li);
	tparams_from(&t->params, qnet_link_info_get_params(li));
	tstats_from(&t->stats, qnet_link_info_get_stats(li));
}

static int t_link_get(struct qnet_ctl *ctl, const char *ifname,
		      struct tlink *t)
{
	struct qnet_link_info *li = NULL;
	int err = qnet_ctl_link_get(ctl, ifname, &li);

	if (!err)
		tlink_from(t, li);
	qnet_link_info_free(li);
	return err;
}

/* *@l is malloc()ed: free() it. */
static int t_link_list(struct qnet_ctl *ctl, struct tlink **l, size_t *n)
{
	struct qnet_link_list *list = NULL;
	size_t i;
	int err;

	err = qnet_ctl_link_list(ctl, &list);
	if (err)
		return err;
	*n = qnet_link_list_count(list);
	*l = calloc(*n + 1, sizeof(**l));
	for (i = 0; *l && i < *n; i++)
		tlink_from(&(*l)[i], qnet_link_list_get(list, i));
	qnet_link_list_free(list);
	return *l ? 0 : -ENOMEM;
}

/* The fields of @t whose QNET_LP_* bit is in @mask. */
static int t_link_set(struct qnet_ctl *ctl, const char *ifname,
		      const struct tparams *t, uint64_t mask)
{
	struct qnet_link_params *p = qnet_link_params_alloc();
	size_t i;
	int err = 0;

	if (!p)
		return -ENOMEM;
	for (i = 0; !err && i < sizeof(tparam_fields) / sizeof(tparam_fields[0]); i++)
		if (mask & (1ULL << tparam_fields[i].attr))
			err = qnet_link_params_set(p, tparam_fields[i].attr,
						   tget(t, tparam_fields[i].off,
							tparam_fields[i].size));
	if (!err)
		err = qnet_ctl_link_set(ctl, ifname, p);
	qnet_link_params_free(p);
	return err;
}

static int t_route_list(struct qnet_ctl *ctl, struct troute **r, size_t *n)
{
	struct qnet_route_list *list = NULL;
	size_t i;
	int err;

	err = qnet_ctl_route_list(ctl, &list);
	if (err)
		return err;
	*n = qnet_route_list_count(list);
	*r = calloc(*n + 1, sizeof(**r));
	for (i = 0; *r && i < *n; i++) {
		const struct qnet_route *e = qnet_route_list_get(list, i);

		(*r)[i].dst = qnet_route_get_dst(e);
		(*r)[i].dst_last = qnet_route_get_dst_last(e);
		(*r)[i].ifindex = qnet_route_get_ifindex(e);
		snprintf((*r)[i].ifname, sizeof((*r)[i].ifname), "%s",
			 qnet_route_get_ifname(e));
		(*r)[i].metric = qnet_route_get_metric(e);
	}
	qnet_route_list_free(list);
	return *r ? 0 : -ENOMEM;
}

static int t_route_get(struct qnet_ctl *ctl, uint32_t dst, struct troute *t)
{
	struct qnet_route *e = NULL;
	int err = qnet_ctl_route_get(ctl, dst, &e);

	if (err)
		return err;
	t->dst = qnet_route_get_dst(e);
	t->dst_last = qnet_route_get_dst_last(e);
	t->ifindex = qnet_route_get_ifindex(e);
	snprintf(t->ifname, sizeof(t->ifname), "%s", qnet_route_get_ifname(e));
	t->metric = qnet_route_get_metric(e);
	qnet_route_free(e);
	return 0;
}

static int t_stats_get(struct qnet_ctl *ctl, const char *ifname,
		       struct tstats *t)
{
	struct qnet_stats *st = NULL;
	int err = qnet_ctl_stats_get(ctl, ifname, &st);

	if (!err)
		tstats_from(t, st);
	qnet_stats_free(st);
	return err;
}

static int t_net_stats_get(struct qnet_ctl *ctl, struct tstats *t)
{
	struct qnet_stats *st = NULL;
	int err = qnet_ctl_net_stats_get(ctl, &st);

	if (!err)
		tstats_from(t, st);
	qnet_stats_free(st);
	return err;
}

/* Expect call result @ret to be -@e, errno @e, and error message @msg. */
#define EXPECT_CTL_ERR(ctl, ret, e, msg) do {				\
	EXPECT_EQ(-(e), (ret));						\
	EXPECT_EQ((e), errno);						\
	EXPECT_STREQ((msg), qnet_ctl_error(ctl));			\
} while (0)

static void expect_params_eq(struct __test_metadata *_metadata,
			     const struct tparams *x,
			     const struct tparams *y)
{
	EXPECT_EQ(x->length_m, y->length_m);
	EXPECT_EQ(x->atten_mdb_km, y->atten_mdb_km);
	EXPECT_EQ(x->index_milli, y->index_milli);
	EXPECT_EQ(x->attempt_rate_hz, y->attempt_rate_hz);
	EXPECT_EQ(x->scheme, y->scheme);
	EXPECT_EQ(x->alpha_ppm, y->alpha_ppm);
	EXPECT_EQ(x->source_fid_ppm, y->source_fid_ppm);
	EXPECT_EQ(x->det_eff_ppm, y->det_eff_ppm);
	EXPECT_EQ(x->dark_rate_hz, y->dark_rate_hz);
	EXPECT_EQ(x->visibility_ppm, y->visibility_ppm);
	EXPECT_EQ(x->mem_slots, y->mem_slots);
	EXPECT_EQ(x->t1_ns, y->t1_ns);
	EXPECT_EQ(x->t2_ns, y->t2_ns);
	EXPECT_EQ(x->cutoff_ns, y->cutoff_ns);
	EXPECT_EQ(x->seed, y->seed);
	EXPECT_EQ(x->time_scale, y->time_scale);
	EXPECT_EQ(x->continuous, y->continuous);
}

static void expect_stats_eq(struct __test_metadata *_metadata,
			    const struct tstats *x,
			    const struct tstats *y)
{
	EXPECT_EQ(x->attempts, y->attempts);
	EXPECT_EQ(x->heralded, y->heralded);
	EXPECT_EQ(x->delivered, y->delivered);
	EXPECT_EQ(x->expired, y->expired);
	EXPECT_EQ(x->swaps_ok, y->swaps_ok);
	EXPECT_EQ(x->swaps_failed, y->swaps_failed);
	EXPECT_EQ(x->purify_ok, y->purify_ok);
	EXPECT_EQ(x->purify_failed, y->purify_failed);
	EXPECT_EQ(x->fidelity_sum_ppm, y->fidelity_sum_ppm);
	EXPECT_EQ(x->mean_fidelity_ppm, y->mean_fidelity_ppm);
	EXPECT_EQ(x->stored, y->stored);
	EXPECT_EQ(x->emu_time_ns, y->emu_time_ns);
	EXPECT_EQ(x->rx_packets, y->rx_packets);
	EXPECT_EQ(x->tx_packets, y->tx_packets);
	EXPECT_EQ(x->rx_dropped, y->rx_dropped);
}

/* The defaults of a new link (qlink_params_default() in kernel/link.c). */
static const struct tparams defaults = {
	.length_m = 25000, .atten_mdb_km = 200, .index_milli = 1470,
	.attempt_rate_hz = 1000000, .scheme = QNET_SCHEME_SINGLE_CLICK,
	.alpha_ppm = 50000, .source_fid_ppm = 970000, .det_eff_ppm = 800000,
	.dark_rate_hz = 10, .visibility_ppm = 900000, .mem_slots = 1,
	.t1_ns = 0, .t2_ns = 1000000000, .cutoff_ns = 0,
	.time_scale = 0, .continuous = 0,
};

/* @p has the defaults; the seed of a new link is random. */
static void expect_defaults(struct __test_metadata *_metadata,
			    const struct tparams *p)
{
	struct tparams d = defaults;

	d.seed = p->seed;
	expect_params_eq(_metadata, &d, p);
}

/* ---- open ---- */

TEST_F(lib, open_missing_netns_is_enoent)
{
	struct qnet_ctl *c;

	errno = 0;
	c = qnet_ctl_open("libqnet-no-such-netns");
	EXPECT_EQ(NULL, c);
	EXPECT_EQ(ENOENT, errno);

	c = qnet_ctl_open("../a");
	EXPECT_EQ(NULL, c);
	EXPECT_EQ(EINVAL, errno);
	c = qnet_ctl_open("");
	EXPECT_EQ(NULL, c);
	EXPECT_EQ(EINVAL, errno);

	EXPECT_STREQ("", qnet_ctl_error(NULL));
	EXPECT_STREQ("", qnet_ctl_error(self->ca));
}

TEST_F(lib, open_named_netns_stays_there)
{
	struct qnet_ctl *here;
	uint32_t addr = 77;

	/* we are still in "home": none of A's devices here */
	EXPECT_EQ(0U, if_nametoindex("qa0"));

	ASSERT_EQ(0, qnet_ctl_node_set(self->ca, 1));
	here = qnet_ctl_open(NULL);
	ASSERT_NE(NULL, here);
	ASSERT_EQ(0, qnet_ctl_node_get(here, &addr));
	EXPECT_EQ(0U, addr);
	ASSERT_EQ(0, qnet_ctl_node_get(self->ca, &addr));
	EXPECT_EQ(1U, addr);
	ASSERT_EQ(0, qnet_ctl_node_get(self->cb, &addr));
	EXPECT_EQ(0U, addr);

	/* home has no qlink at all */
	struct tlink *links = (void *)1;
	size_t n = 99;

	ASSERT_EQ(0, t_link_list(here, &links, &n));
	EXPECT_EQ(0U, n);
	free(links);
	struct tlink li;

	EXPECT_CTL_ERR(here, t_link_get(here, "qa0", &li), ENODEV,
		       "libqnet: no device qa0 in this node");
	EXPECT_CTL_ERR(here, qnet_ctl_link_get(here, "qa0", NULL), EINVAL,
		       "libqnet: invalid argument");
	qnet_ctl_close(here);
}

/* ---- node ---- */

TEST_F(lib, node_set_get)
{
	uint32_t addr = 123;

	ASSERT_EQ(0, qnet_ctl_node_get(self->ca, &addr));
	EXPECT_EQ(0U, addr);

	ASSERT_EQ(0, qnet_ctl_node_set(self->ca, 42));
	ASSERT_EQ(0, qnet_ctl_node_get(self->ca, &addr));
	EXPECT_EQ(42U, addr);

	ASSERT_EQ(0, qnet_ctl_node_set(self->ca, 0xffffffffU));
	ASSERT_EQ(0, qnet_ctl_node_get(self->ca, &addr));
	EXPECT_EQ(0xffffffffU, addr);

	EXPECT_CTL_ERR(self->ca, qnet_ctl_node_set(self->ca, 0), EINVAL,
		       "qnet: node address 0 is reserved (any): QNET_A_NODE_ADDR");
	ASSERT_EQ(0, qnet_ctl_node_get(self->ca, &addr));
	EXPECT_EQ(0xffffffffU, addr);
	/* a call that works clears the message */
	EXPECT_STREQ("", qnet_ctl_error(self->ca));

	/* B is another node */
	ASSERT_EQ(0, qnet_ctl_node_get(self->cb, &addr));
	EXPECT_EQ(0U, addr);
}

/* ---- links ---- */

TEST_F(lib, link_list_and_get)
{
	struct tlink *l = NULL, one;
	int qa0, qx0, qx1, home;
	size_t n = 0, i;

	ASSERT_EQ(0, qnet_ctl_node_set(self->ca, 1));
	ASSERT_EQ(0, qnet_ctl_node_set(self->cb, 2));

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_EQ(0, setns(self->afd, CLONE_NEWNET));
	qa0 = if_nametoindex("qa0");
	qx0 = if_nametoindex("qx0");
	qx1 = if_nametoindex("qx1");
	ASSERT_EQ(0, setns(home, CLONE_NEWNET));
	close(home);
	ASSERT_LT(0, qa0);
	ASSERT_LT(0, qx0);
	ASSERT_LT(0, qx1);

	ASSERT_EQ(0, t_link_list(self->ca, &l, &n));
	ASSERT_EQ(3U, n);
	/* ifindex order (a peer is registered before the device asked for) */
	EXPECT_EQ(qa0, l[0].ifindex);
	EXPECT_STREQ("qa0", l[0].ifname);
	EXPECT_EQ(qx1, l[1].ifindex);
	EXPECT_STREQ("qx1", l[1].ifname);
	EXPECT_EQ(qx0, l[2].ifindex);
	EXPECT_STREQ("qx0", l[2].ifname);
	EXPECT_LT(qa0, qx1);
	EXPECT_LT(qx1, qx0);
	/* qa0 ends in B, node 2; qx0 and qx1 in A, node 1 */
	EXPECT_EQ(2U, l[0].peer_node);
	EXPECT_EQ(1U, l[1].peer_node);
	EXPECT_EQ(1U, l[2].peer_node);
	for (i = 0; i < n; i++) {
		EXPECT_FALSE(l[i].oper_up);
		expect_defaults(_metadata, &l[i].params);
		EXPECT_EQ(0U, l[i].stats.attempts);
		EXPECT_EQ(0U, l[i].stats.heralded);

		ASSERT_EQ(0, t_link_get(self->ca, l[i].ifname, &one));
		EXPECT_EQ(l[i].ifindex, one.ifindex);
		EXPECT_STREQ(l[i].ifname, one.ifname);
		EXPECT_EQ(l[i].peer_node, one.peer_node);
		EXPECT_EQ(l[i].oper_up, one.oper_up);
		expect_params_eq(_metadata, &l[i].params, &one.params);
		expect_stats_eq(_metadata, &l[i].stats, &one.stats);
	}
	free(l);

	/* B sees its one end */
	ASSERT_EQ(0, t_link_list(self->cb, &l, &n));
	ASSERT_EQ(1U, n);
	EXPECT_STREQ("qa1", l[0].ifname);
	EXPECT_EQ(1U, l[0].peer_node);
	free(l);

	/* up on both ends: carrier */
	ASSERT_EQ(0, link_up_in(self->afd, "qa0", true));
	ASSERT_EQ(0, link_up_in(self->bfd, "qa1", true));
	ASSERT_EQ(0, wait_sendable(self->afd, "qa0"));
	ASSERT_EQ(0, wait_sendable(self->bfd, "qa1"));
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, t_link_get(self->ca, "qa0", &one));
		if (one.oper_up)
			break;
		usleep(10000);
	}
	EXPECT_TRUE(one.oper_up);
}

TEST_F(lib, link_get_errors)
{
	struct tlink li;

	EXPECT_CTL_ERR(self->ca, t_link_get(self->ca, "nope0", &li),
		       ENODEV, "libqnet: no device nope0 in this node");
	EXPECT_CTL_ERR(self->ca, t_link_get(self->ca, "lo", &li),
		       EOPNOTSUPP, "qnet: not a qlink device: QNET_A_IFINDEX");
	/* qa1 is in B, not in A */
	EXPECT_CTL_ERR(self->ca, t_link_get(self->ca, "qa1", &li),
		       ENODEV, "libqnet: no device qa1 in this node");
	EXPECT_CTL_ERR(self->ca, t_link_get(self->ca, NULL, &li),
		       EINVAL, "libqnet: bad device name");
}

TEST_F(lib, link_set_round_trips)
{
	const struct tparams p = {
		.length_m = 2500, .atten_mdb_km = 250, .index_milli = 1500,
		.attempt_rate_hz = 2000000,
		.scheme = QNET_SCHEME_DOUBLE_CLICK, .alpha_ppm = 70000,
		.source_fid_ppm = 990000, .det_eff_ppm = 850000,
		.dark_rate_hz = 25, .visibility_ppm = 970000,
		.mem_slots = 12, .t1_ns = 5000000000ULL,
		.t2_ns = 7000000000ULL, .cutoff_ns = 123456789012ULL,
		.seed = 0x0123456789abcdefULL, .time_scale = 1000,
		.continuous = 0,
	};
	const uint64_t all = QNET_LP_LENGTH | QNET_LP_ATTEN | QNET_LP_INDEX |
		QNET_LP_RATE | QNET_LP_SCHEME | QNET_LP_ALPHA |
		QNET_LP_SOURCE_FID | QNET_LP_DET_EFF | QNET_LP_DARK_RATE |
		QNET_LP_VISIBILITY | QNET_LP_MEM_SLOTS | QNET_LP_T1 |
		QNET_LP_T2 | QNET_LP_CUTOFF | QNET_LP_SEED |
		QNET_LP_TIME_SCALE | QNET_LP_CONTINUOUS;
	struct tparams q;
	struct tlink li;

	ASSERT_EQ(0, t_link_set(self->ca, "qa0", &p, all));
	ASSERT_EQ(0, t_link_get(self->ca, "qa0", &li));
	expect_params_eq(_metadata, &p, &li.params);
	/* the parameters belong to the link: the far end, in B, has them */
	ASSERT_EQ(0, t_link_get(self->cb, "qa1", &li));
	expect_params_eq(_metadata, &p, &li.params);
	/* other links keep theirs */
	ASSERT_EQ(0, t_link_get(self->ca, "qx0", &li));
	expect_defaults(_metadata, &li.params);

	/* only what the mask says: the rest of @q is ignored */
	memset(&q, 0xff, sizeof(q));
	q.length_m = 3000;
	q.seed = 7;
	ASSERT_EQ(0, t_link_set(self->cb, "qa1", &q,
				       QNET_LP_LENGTH | QNET_LP_SEED));
	ASSERT_EQ(0, t_link_get(self->ca, "qa0", &li));
	q = p;
	q.length_m = 3000;
	q.seed = 7;
	expect_params_eq(_metadata, &q, &li.params);

	/* the extremes of the ranges */
	q.length_m = 1;
	q.atten_mdb_km = 0;
	q.index_milli = 10000;
	q.attempt_rate_hz = 1000000000;
	q.scheme = QNET_SCHEME_DIRECT;
	q.alpha_ppm = 1000000;
	q.source_fid_ppm = 250000;
	q.det_eff_ppm = 1000000;
	q.dark_rate_hz = 0;
	q.visibility_ppm = 0;
	q.mem_slots = 64;
	q.t1_ns = UINT64_MAX;
	q.t2_ns = 0;
	q.cutoff_ns = 1;
	q.seed = UINT64_MAX;
	q.time_scale = UINT32_MAX;
	q.continuous = 0;
	ASSERT_EQ(0, t_link_set(self->ca, "qx1", &q, all))
		TH_LOG("%s", qnet_ctl_error(self->ca));
	ASSERT_EQ(0, t_link_get(self->ca, "qx0", &li));
	expect_params_eq(_metadata, &q, &li.params);
}

TEST_F(lib, link_set_bad_values)
{
	struct tparams p = defaults;
	struct tlink before, after;

	ASSERT_EQ(0, t_link_get(self->ca, "qa0", &before));

	/* out of the policy's range: ERANGE, the attribute named */
	p.mem_slots = 65;
	EXPECT_CTL_ERR(self->ca, t_link_set(self->ca, "qa0", &p,
						   QNET_LP_MEM_SLOTS),
		       ERANGE,
		       "integer out of range: QNET_LINK_A_MEM_SLOTS (valid: 1..64)");
	p.length_m = 0;
	EXPECT_CTL_ERR(self->ca, t_link_set(self->ca, "qa0", &p,
						   QNET_LP_LENGTH),
		       ERANGE,
		       "integer out of range: QNET_LINK_A_LENGTH_M (valid: 1..1000000)");
	p.scheme = QNET_SCHEME_MAX + 1;
	EXPECT_CTL_ERR(self->ca, t_link_set(self->ca, "qa0", &p,
						   QNET_LP_SCHEME),
		       ERANGE,
		       "integer out of range: QNET_LINK_A_SCHEME (valid: 0..2)");
	p.source_fid_ppm = 249999;
	EXPECT_CTL_ERR(self->ca, t_link_set(self->ca, "qa0", &p,
						   QNET_LP_SOURCE_FID |
						   QNET_LP_DARK_RATE),
		       ERANGE,
		       "integer out of range: QNET_LINK_A_SOURCE_FID_PPM (valid: 250000..1000000)");
	EXPECT_NE(NULL, strstr(qnet_ctl_error(self->ca), "SOURCE_FID"));

	/* valid one by one, refused together by the link: EINVAL */
	p = defaults;
	p.alpha_ppm = 0;
	EXPECT_CTL_ERR(self->ca, t_link_set(self->ca, "qa0", &p,
						   QNET_LP_ALPHA),
		       EINVAL,
		       "qnet: alpha_ppm must be above 0 for single-click");
	p.scheme = QNET_SCHEME_DOUBLE_CLICK;
	p.length_m = 1000000;
	EXPECT_EQ(-EINVAL, t_link_set(self->ca, "qa0", &p,
					     QNET_LP_SCHEME | QNET_LP_LENGTH));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NE(NULL, strstr(qnet_ctl_error(self->ca), "length_m"))
		TH_LOG("\"%s\"", qnet_ctl_error(self->ca));

	/* no parameter at all: the kernel wants the nest */
	EXPECT_CTL_ERR(self->ca, t_link_set(self->ca, "qa0", &p, 0),
		       EINVAL, "qnet: missing attribute QNET_A_LINK_PARAMS");
	/* no such parameter, or a value wider than the attribute */
	EXPECT_EQ(-EINVAL, t_link_set(self->ca, "qa0", &p, 1ULL << 40));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, t_link_set(self->ca, "qa0", &p,
				      1ULL << QNET_LINK_A_PAD));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_CTL_ERR(self->ca, t_link_set(self->ca, "lo", &p,
						   QNET_LP_LENGTH),
		       EOPNOTSUPP, "qnet: not a qlink device: QNET_A_IFINDEX");

	/* nothing changed */
	ASSERT_EQ(0, t_link_get(self->ca, "qa0", &after));
	expect_params_eq(_metadata, &before.params, &after.params);
}

/* ---- the objects: values by attribute type ---- */

TEST_F(lib, objects_by_attribute_type)
{
	struct qnet_link_params *p = qnet_link_params_alloc();
	struct qnet_link_info *li = NULL;
	struct qnet_link_list *l = NULL;
	struct qnet_route_list *rl = NULL;
	struct qnet_stats *st = NULL;
	struct tlink qa0, qx0;
	uint64_t v = 99;

	ASSERT_NE(NULL, p);
	/* a new set is empty: absent reads -ENOENT and 0 */
	EXPECT_EQ(-ENOENT, qnet_link_params_get(p, QNET_LINK_A_SEED, &v));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0U, v);
	/* only parameters libqnet knows, at their width */
	EXPECT_EQ(-EINVAL, qnet_link_params_set(p, QNET_LINK_A_PAD, 1));
	EXPECT_EQ(-EINVAL, qnet_link_params_set(p, QNET_LINK_A_MAX + 1, 1));
	EXPECT_EQ(-ERANGE, qnet_link_params_set(p, QNET_LINK_A_SCHEME, 256));
	EXPECT_EQ(-ERANGE, qnet_link_params_set(p, QNET_LINK_A_MEM_SLOTS,
						1ULL << 32));
	EXPECT_EQ(0, qnet_link_params_set(p, QNET_LINK_A_SEED, UINT64_MAX));
	EXPECT_EQ(0, qnet_link_params_set(p, QNET_LINK_A_MEM_SLOTS, 9));
	EXPECT_EQ(0, qnet_link_params_set(p, QNET_LINK_A_MEM_SLOTS, 10));
	EXPECT_EQ(0, qnet_link_params_get(p, QNET_LINK_A_MEM_SLOTS, &v));
	EXPECT_EQ(10U, v);
	EXPECT_EQ(0, qnet_link_params_get(p, QNET_LINK_A_SEED, &v));
	EXPECT_EQ(UINT64_MAX, v);
	EXPECT_EQ(-EINVAL, qnet_link_params_get(p, QNET_LINK_A_SEED, NULL));
	ASSERT_EQ(0, qnet_ctl_link_set(self->ca, "qa0", p));
	qnet_link_params_free(p);

	/* what LINK_GET read goes back as it is: qa0's set on qx0's link */
	ASSERT_EQ(0, qnet_ctl_link_get(self->ca, "qa0", &li));
	ASSERT_EQ(0, qnet_link_params_get(qnet_link_info_get_params(li),
					  QNET_LINK_A_MEM_SLOTS, &v));
	EXPECT_EQ(10U, v);
	ASSERT_EQ(0, qnet_ctl_link_set(self->ca, "qx1",
				       qnet_link_info_get_params(li)))
		TH_LOG("%s", qnet_ctl_error(self->ca));
	qnet_link_info_free(li);
	ASSERT_EQ(0, t_link_get(self->ca, "qa0", &qa0));
	ASSERT_EQ(0, t_link_get(self->ca, "qx0", &qx0));
	EXPECT_EQ(0, memcmp(&qa0.params, &qx0.params, sizeof(qa0.params)));
	EXPECT_EQ(UINT64_MAX, qx0.params.seed);

	/*
	 * A counter libqnet has no name for (the domain's pacing, newer
	 * than 1.1) is read by its type like any other; a type the kernel
	 * did not send is -ENOENT.
	 */
	ASSERT_EQ(0, qnet_ctl_stats_get(self->ca, "qa0", &st));
	EXPECT_EQ(0, qnet_stats_get(st, QNET_STATS_A_PACED_LATE, &v));
	EXPECT_EQ(0, qnet_stats_get(st, QNET_STATS_A_ATTEMPTS, &v));
	EXPECT_EQ(0U, v);
	EXPECT_EQ(-ENOENT, qnet_stats_get(st, QNET_STATS_A_PAD, &v));
	EXPECT_EQ(-ENOENT, qnet_stats_get(st, 1000, &v));
	EXPECT_EQ(0U, v);
	EXPECT_EQ(0, qnet_stats_get_discards(st, QNET_EXPIRE_CUTOFF, &v));
	EXPECT_EQ(-ENOENT, qnet_stats_get_discards(st, QNET_DISCARDS_A_MAX, &v));
	EXPECT_EQ(-EINVAL, qnet_stats_get(NULL, QNET_STATS_A_ATTEMPTS, &v));
	qnet_stats_free(st);

	/* lists: past the end is NULL with EINVAL */
	ASSERT_EQ(0, qnet_ctl_link_list(self->ca, &l));
	ASSERT_EQ(3U, qnet_link_list_count(l));
	EXPECT_NE(NULL, qnet_link_list_get(l, 2));
	errno = 0;
	EXPECT_EQ(NULL, qnet_link_list_get(l, 3));
	EXPECT_EQ(EINVAL, errno);
	qnet_link_list_free(l);
	ASSERT_EQ(0, qnet_ctl_route_list(self->ca, &rl));
	EXPECT_EQ(0U, qnet_route_list_count(rl));
	EXPECT_EQ(NULL, qnet_route_list_get(rl, 0));
	qnet_route_list_free(rl);

	/* NULL objects: freeing is a no-op, reading is empty */
	qnet_link_info_free(NULL);
	qnet_link_list_free(NULL);
	qnet_route_list_free(NULL);
	qnet_stats_free(NULL);
	qnet_link_params_free(NULL);
	EXPECT_STREQ("", qnet_link_info_get_ifname(NULL));
	EXPECT_EQ(0U, qnet_link_list_count(NULL));
}

/* ---- routes ---- */

TEST_F(lib, routes_add_del_list)
{
	struct troute *r = NULL;
	struct tlink qa0, qx0;
	size_t n = 99;

	ASSERT_EQ(0, qnet_ctl_node_set(self->ca, 1));
	ASSERT_EQ(0, t_link_get(self->ca, "qa0", &qa0));
	ASSERT_EQ(0, t_link_get(self->ca, "qx0", &qx0));

	ASSERT_EQ(0, t_route_list(self->ca, &r, &n));
	EXPECT_EQ(0U, n);
	free(r);

	ASSERT_EQ(0, qnet_ctl_route_add(self->ca, 5, "qx0", 0));
	ASSERT_EQ(0, qnet_ctl_route_add(self->ca, 2, "qa0", 7));
	ASSERT_EQ(0, qnet_ctl_route_add(self->ca, 0xfffffffeU, "qa0",
					0xffffffffU));
	ASSERT_EQ(0, t_route_list(self->ca, &r, &n));
	ASSERT_EQ(3U, n);
	/* destination order */
	EXPECT_EQ(2U, r[0].dst);
	EXPECT_EQ(qa0.ifindex, r[0].ifindex);
	EXPECT_STREQ("qa0", r[0].ifname);
	EXPECT_EQ(7U, r[0].metric);
	EXPECT_EQ(5U, r[1].dst);
	EXPECT_EQ(qx0.ifindex, r[1].ifindex);
	EXPECT_STREQ("qx0", r[1].ifname);
	EXPECT_EQ(0U, r[1].metric);
	EXPECT_EQ(0xfffffffeU, r[2].dst);
	EXPECT_EQ(qa0.ifindex, r[2].ifindex);
	EXPECT_EQ(0xffffffffU, r[2].metric);
	free(r);

	/* the same destination and metric (another metric is another route) */
	EXPECT_CTL_ERR(self->ca, qnet_ctl_route_add(self->ca, 2, "qx0", 7),
		       EEXIST,
		       "qnet: a route to this destination exists: QNET_A_ROUTE_DST");
	EXPECT_CTL_ERR(self->ca, qnet_ctl_route_add(self->ca, 1, "qx0", 0),
		       EINVAL,
		       "qnet: route to this node's own address: QNET_A_ROUTE_DST");
	EXPECT_CTL_ERR(self->ca, qnet_ctl_route_add(self->ca, 0, "qx0", 0),
		       EINVAL,
		       "qnet: route destination 0 is reserved (any): QNET_A_ROUTE_DST");
	EXPECT_CTL_ERR(self->ca, qnet_ctl_route_add(self->ca, 9, "lo", 0),
		       EOPNOTSUPP, "qnet: not a qlink device: QNET_A_IFINDEX");
	EXPECT_CTL_ERR(self->ca, qnet_ctl_route_add(self->ca, 9, "nope0", 0),
		       ENODEV, "libqnet: no device nope0 in this node");
	EXPECT_CTL_ERR(self->ca, qnet_ctl_node_set(self->ca, 5), EEXIST,
		       "qnet: a route points at this address; delete it first: QNET_A_NODE_ADDR");

	/* B's table is its own */
	ASSERT_EQ(0, t_route_list(self->cb, &r, &n));
	EXPECT_EQ(0U, n);
	free(r);

	ASSERT_EQ(0, qnet_ctl_route_del(self->ca, 2));
	EXPECT_CTL_ERR(self->ca, qnet_ctl_route_del(self->ca, 2), ENOENT,
		       "qnet: no route to this destination: QNET_A_ROUTE_DST");
	ASSERT_EQ(0, t_route_list(self->ca, &r, &n));
	ASSERT_EQ(2U, n);
	EXPECT_EQ(5U, r[0].dst);
	EXPECT_EQ(0xfffffffeU, r[1].dst);
	free(r);

	/* a route through a deleted device goes with it */
	ASSERT_EQ(0, run("ip -n %s link del qx0", self->a));
	ASSERT_EQ(0, t_route_list(self->ca, &r, &n));
	ASSERT_EQ(1U, n);
	EXPECT_EQ(0xfffffffeU, r[0].dst);
	free(r);
}

/* A default route, a range, metrics, replace, lookup. */
TEST_F(lib, route_ranges)
{
	struct troute *r = NULL, g;
	struct tlink qa0, qx0;
	size_t n = 99;

	ASSERT_EQ(0, qnet_ctl_node_set(self->ca, 1));
	ASSERT_EQ(0, t_link_get(self->ca, "qa0", &qa0));
	ASSERT_EQ(0, t_link_get(self->ca, "qx0", &qx0));

	ASSERT_EQ(0, qnet_ctl_route_add_range(self->ca, 0, UINT32_MAX, "qa0",
					      10, 0));
	ASSERT_EQ(0, qnet_ctl_route_add_range(self->ca, 0, UINT32_MAX, "qx0",
					      20, 0));
	ASSERT_EQ(0, qnet_ctl_route_add_range(self->ca, 8, 15, "qx0", 30, 0));
	ASSERT_EQ(0, t_route_list(self->ca, &r, &n));
	ASSERT_EQ(3U, n);
	EXPECT_EQ(0U, r[0].dst);
	EXPECT_EQ(UINT32_MAX, r[0].dst_last);
	EXPECT_EQ(10U, r[0].metric);
	EXPECT_STREQ("qa0", r[0].ifname);
	EXPECT_EQ(20U, r[1].metric);
	EXPECT_EQ(8U, r[2].dst);
	EXPECT_EQ(15U, r[2].dst_last);
	EXPECT_EQ(qx0.ifindex, r[2].ifindex);
	free(r);

	/* the narrowest range, then the lowest metric */
	ASSERT_EQ(0, t_route_get(self->ca, 9, &g));
	EXPECT_EQ(8U, g.dst);
	EXPECT_EQ(qx0.ifindex, g.ifindex);
	ASSERT_EQ(0, t_route_get(self->ca, 99, &g));
	EXPECT_EQ(0U, g.dst);
	EXPECT_EQ(10U, g.metric);
	EXPECT_EQ(qa0.ifindex, g.ifindex);

	EXPECT_CTL_ERR(self->ca,
		       qnet_ctl_route_add_range(self->ca, 8, 15, "qa0", 30, 0),
		       EEXIST,
		       "qnet: a route to this destination exists: QNET_A_ROUTE_DST");
	ASSERT_EQ(0, qnet_ctl_route_add_range(self->ca, 8, 15, "qa0", 30,
					      QNET_CTL_ROUTE_REPLACE));
	ASSERT_EQ(0, t_route_get(self->ca, 9, &g));
	EXPECT_EQ(qa0.ifindex, g.ifindex);
	EXPECT_CTL_ERR(self->ca,
		       qnet_ctl_route_add_range(self->ca, 9, 8, "qa0", 0, 0),
		       EINVAL, "libqnet: invalid argument");

	/* del: the lowest metric without one */
	ASSERT_EQ(0, qnet_ctl_route_del_range(self->ca, 0, UINT32_MAX, NULL,
					      -1));
	ASSERT_EQ(0, t_route_get(self->ca, 99, &g));
	EXPECT_EQ(20U, g.metric);
	EXPECT_CTL_ERR(self->ca,
		       qnet_ctl_route_del_range(self->ca, 8, 15, "qx0", -1),
		       ENOENT,
		       "qnet: the route to this destination uses another device: QNET_A_ROUTE_DST");
	ASSERT_EQ(0, qnet_ctl_route_del_range(self->ca, 8, 15, "qa0", 30));
	ASSERT_EQ(0, qnet_ctl_route_del_range(self->ca, 0, UINT32_MAX, "qx0",
					      20));
	EXPECT_CTL_ERR(self->ca, t_route_get(self->ca, 99, &g), ENOENT,
		       "qnet: no route to this destination: QNET_A_ROUTE_DST");
}

TEST_F(lib, many_routes_dump_in_parts)
{
	struct troute *r = NULL;
	size_t n = 0, i;

	ASSERT_EQ(0, qnet_ctl_node_set(self->ca, 1));
	for (i = 0; i < 600; i++)
		ASSERT_EQ(0, qnet_ctl_route_add(self->ca, 1000 + i,
						i % 2 ? "qa0" : "qx0", i));
	ASSERT_EQ(0, t_route_list(self->ca, &r, &n));
	ASSERT_EQ(600U, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(1000 + i, r[i].dst);
		EXPECT_EQ(i, r[i].metric);
		EXPECT_STREQ(i % 2 ? "qa0" : "qx0", r[i].ifname);
	}
	free(r);
}

/* ---- counters ---- */

static void stats_add(struct tstats *sum, const struct tstats *s)
{
	sum->attempts += s->attempts;
	sum->heralded += s->heralded;
	sum->delivered += s->delivered;
	sum->expired += s->expired;
	sum->swaps_ok += s->swaps_ok;
	sum->swaps_failed += s->swaps_failed;
	sum->purify_ok += s->purify_ok;
	sum->purify_failed += s->purify_failed;
	sum->fidelity_sum_ppm += s->fidelity_sum_ppm;
	sum->stored += s->stored;
	sum->emu_time_ns += s->emu_time_ns;
	sum->rx_packets += s->rx_packets;
	sum->tx_packets += s->tx_packets;
	sum->rx_dropped += s->rx_dropped;
}

TEST_F(lib, stats_of_links_and_node)
{
	struct tparams p = defaults;
	struct tstats a, a2, b, sum, node;
	struct tlink *l, li;
	size_t n, i;
	int tries;

	/* nothing has run yet */
	ASSERT_EQ(0, t_stats_get(self->ca, NULL, &node));
	EXPECT_EQ(0U, node.attempts);
	EXPECT_EQ(0U, node.heralded);
	EXPECT_EQ(0U, node.mean_fidelity_ppm);

	/* a short link, run unpaced until it heralded some pairs */
	p.length_m = 1000;
	p.mem_slots = 4;
	p.seed = 42;
	ASSERT_EQ(0, t_link_set(self->ca, "qa0", &p,
				       QNET_LP_LENGTH | QNET_LP_MEM_SLOTS |
				       QNET_LP_SEED));
	ASSERT_EQ(0, link_up_in(self->afd, "qa0", true));
	ASSERT_EQ(0, link_up_in(self->bfd, "qa1", true));
	ASSERT_EQ(0, wait_sendable(self->afd, "qa0"));
	ASSERT_EQ(0, wait_sendable(self->bfd, "qa1"));
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, t_link_get(self->ca, "qa0", &li));
		if (li.oper_up)
			break;
		usleep(10000);
	}
	ASSERT_TRUE(li.oper_up);
	p.continuous = 1;
	ASSERT_EQ(0, t_link_set(self->ca, "qa0", &p,
				       QNET_LP_CONTINUOUS));
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(0, t_stats_get(self->ca, "qa0", &a));
		if (a.heralded >= 100)
			break;
		usleep(20000);
	}
	ASSERT_LE(100U, a.heralded);
	p.continuous = 0;
	ASSERT_EQ(0, t_link_set(self->ca, "qa0", &p,
				       QNET_LP_CONTINUOUS));

	/* settle: both ends agree and nothing moves between two reads */
	for (tries = 0; tries < 300; tries++) {
		usleep(20000);
		ASSERT_EQ(0, t_stats_get(self->ca, "qa0", &a));
		ASSERT_EQ(0, t_stats_get(self->cb, "qa1", &b));
		usleep(20000);
		ASSERT_EQ(0, t_stats_get(self->ca, "qa0", &a2));
		if (a.heralded == b.heralded && a.stored == b.stored &&
		    !memcmp(&a, &a2, sizeof(a)))
			break;
	}
	TH_LOG("qa0: %llu attempts, %llu heralded, %llu expired, %llu stored, mean fidelity %u ppm",
	       (unsigned long long)a.attempts,
	       (unsigned long long)a.heralded,
	       (unsigned long long)a.expired, (unsigned long long)a.stored,
	       a.mean_fidelity_ppm);
	EXPECT_EQ(a.heralded, b.heralded);
	EXPECT_EQ(a.stored, b.stored);
	EXPECT_LE(a.heralded, a.attempts);
	EXPECT_EQ(0U, b.attempts);
	EXPECT_EQ(a.heralded - a.stored, a.expired);
	EXPECT_EQ(a.fidelity_sum_ppm / a.heralded, a.mean_fidelity_ppm);
	EXPECT_EQ(a.fidelity_sum_ppm, b.fidelity_sum_ppm);
	EXPECT_EQ(a.tx_packets, b.rx_packets);

	/* LINK_GET carries the same counters */
	ASSERT_EQ(0, t_link_get(self->ca, "qa0", &li));
	expect_stats_eq(_metadata, &a, &li.stats);

	/* the node's totals are the sum over its link ends */
	ASSERT_EQ(0, t_link_list(self->ca, &l, &n));
	ASSERT_EQ(3U, n);
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < n; i++)
		stats_add(&sum, &l[i].stats);
	free(l);
	sum.mean_fidelity_ppm = sum.fidelity_sum_ppm / sum.heralded;
	/* the clock is not a sum: every link's is the domain's */
	sum.emu_time_ns = a.emu_time_ns;
	ASSERT_EQ(0, t_stats_get(self->ca, NULL, &node));
	expect_stats_eq(_metadata, &sum, &node);
	expect_stats_eq(_metadata, &a, &node);	/* qx0, qx1 never ran */

	ASSERT_EQ(0, t_stats_get(self->cb, NULL, &node));
	expect_stats_eq(_metadata, &b, &node);

	/* an idle link: nothing counted, its node's domain's clock */
	memset(&sum, 0, sizeof(sum));
	sum.emu_time_ns = a.emu_time_ns;
	ASSERT_EQ(0, t_stats_get(self->ca, "qx1", &a));
	expect_stats_eq(_metadata, &sum, &a);

	EXPECT_CTL_ERR(self->ca, t_stats_get(self->ca, "lo", &a),
		       EOPNOTSUPP, "qnet: not a qlink device: QNET_A_IFINDEX");
	EXPECT_CTL_ERR(self->ca, t_stats_get(self->ca, "nope0", &a),
		       ENODEV, "libqnet: no device nope0 in this node");
}

/* ---- delivered pairs: delivered fidelity, discards, the node's counters ---- */

#define DELIV_PORT	7
#define DELIV_PAIRS	20

/*
 * In netns @nsfd: listen on DELIV_PORT, say so on @ready, accept, read
 * @n records and write their fidelities' sum (u64) and the number with
 * an error (u64) to @out. Runs in a child process.
 */
static int deliv_tail(int nsfd, int family, int n, int ready, int out)
{
	struct sockaddr_qnet a = { .sq_family = family,
				   .sq_port = DELIV_PORT };
	struct timeval tv = { .tv_sec = 60 };
	uint64_t res[2] = { 0, 0 };
	struct qnet_pair p;
	int s, c, i;

	if (setns(nsfd, CLONE_NEWNET))
		return 1;
	s = socket(family, SOCK_SEQPACKET, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(s, 4))
		return 2;
	if (write(ready, "r", 1) != 1)
		return 3;
	c = accept(s, NULL, NULL);
	if (c < 0)
		return 4;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (i = 0; i < n; i++) {
		if (recv(c, &p, sizeof(p), 0) != sizeof(p))
			return 5;
		if (p.error)
			res[1]++;
		else
			res[0] += p.fidelity_ppm;
	}
	if (write(out, res, sizeof(res)) != sizeof(res))
		return 6;
	close(c);
	close(s);
	return 0;
}

/* Every discard the network layer counts is also counted by a link end. */
static void expect_discards_le(struct __test_metadata *_metadata,
			       const struct tstats *net,
			       const struct tstats *links)
{
	int i;

	for (i = 0; i < QNET_DISCARDS_A_MAX; i++)
		EXPECT_LE(net->discards[i], links->discards[i])
			TH_LOG("cause %d", i);
}

TEST_F(lib, delivered_fidelity_discards_net_stats)
{
	struct tparams p = defaults;
	struct tstats na, nb, la, lb, tot;
	struct qnet_stats *raw = NULL;
	struct tlink li;
	struct qnet_request req = {
		.num_pairs = DELIV_PAIRS,
		.type = QNET_REQ_MEASURE,
		.basis = QNET_BASIS_Z,
	};
	struct sockaddr_qnet b_addr;
	struct timeval tv = { .tv_sec = 60 };
	uint64_t head_sum = 0, tail_res[2];
	int family, ready[2], out[2], s, i, status;
	struct qnet_pair rec;
	uint64_t disc = 0;
	pid_t pid;
	char c;

	family = qnet_util_family();
	ASSERT_LT(0, family);

	/* nothing yet: the 1.1 fields read 0 too */
	ASSERT_EQ(0, t_net_stats_get(self->ca, &na));
	EXPECT_EQ(0U, na.delivered);
	EXPECT_EQ(0U, na.delivered_fid_sum_ppm);
	EXPECT_EQ(0U, na.mean_delivered_fid_ppm);
	for (i = 0; i < QNET_DISCARDS_A_MAX; i++)
		EXPECT_EQ(0U, na.discards[i]);
	EXPECT_CTL_ERR(self->ca, qnet_ctl_net_stats_get(self->ca, NULL),
		       EINVAL, "libqnet: invalid argument");
	EXPECT_EQ(-EINVAL, qnet_ctl_net_stats_get(NULL, &raw));
	EXPECT_EQ(NULL, raw);

	/* node 1 (A) --qa0==qa1-- node 2 (B): direct, 2 km, ideal memories */
	ASSERT_EQ(0, qnet_ctl_node_set(self->ca, 1));
	ASSERT_EQ(0, qnet_ctl_node_set(self->cb, 2));
	ASSERT_EQ(0, qnet_ctl_route_add(self->ca, 2, "qa0", 0));
	ASSERT_EQ(0, qnet_ctl_route_add(self->cb, 1, "qa1", 0));
	p.scheme = QNET_SCHEME_DIRECT;
	p.length_m = 2000;
	p.source_fid_ppm = 950000;
	p.dark_rate_hz = 0;
	p.visibility_ppm = 1000000;
	p.t1_ns = p.t2_ns = 0;
	p.seed = 42;
	ASSERT_EQ(0, t_link_set(self->ca, "qa0", &p,
				       QNET_LP_SCHEME | QNET_LP_LENGTH |
				       QNET_LP_SOURCE_FID | QNET_LP_DARK_RATE |
				       QNET_LP_VISIBILITY | QNET_LP_T1 |
				       QNET_LP_T2 | QNET_LP_SEED))
		TH_LOG("%s", qnet_ctl_error(self->ca));
	ASSERT_EQ(0, link_up_in(self->afd, "qa0", true));
	ASSERT_EQ(0, link_up_in(self->bfd, "qa1", true));
	ASSERT_EQ(0, wait_sendable(self->afd, "qa0"));
	ASSERT_EQ(0, wait_sendable(self->bfd, "qa1"));
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, t_link_get(self->ca, "qa0", &li));
		if (li.oper_up)
			break;
		usleep(10000);
	}
	ASSERT_TRUE(li.oper_up);
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, t_link_get(self->cb, "qa1", &li));
		if (li.oper_up)
			break;
		usleep(10000);
	}
	ASSERT_TRUE(li.oper_up);
	usleep(20000);	/* linkwatch attaches the qdisc after the carrier */

	/* raw AF_QNET sockets: the tail in B, the head here in A */
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(out));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(deliv_tail(self->bfd, family, DELIV_PAIRS + 1, ready[1],
				 out[1]));
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, setns(self->afd, CLONE_NEWNET));
	s = socket(family, SOCK_SEQPACKET, 0);
	ASSERT_LE(0, s);
	memset(&b_addr, 0, sizeof(b_addr));
	b_addr.sq_family = family;
	b_addr.sq_port = DELIV_PORT;
	b_addr.sq_node = 2;
	ASSERT_EQ(0, connect(s, (struct sockaddr *)&b_addr, sizeof(b_addr)))
		TH_LOG("connect: %m");
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	ASSERT_EQ((ssize_t)sizeof(req), send(s, &req, sizeof(req), 0));
	for (i = 0; i < DELIV_PAIRS; i++) {
		ASSERT_EQ((ssize_t)sizeof(rec), recv(s, &rec, sizeof(rec), 0))
			TH_LOG("pair %d: %m", i);
		ASSERT_EQ(0, rec.error);
		head_sum += rec.fidelity_ppm;
	}

	/*
	 * A request nothing can meet: above the source's fidelity, with no
	 * purification (one memory slot). Every pair is discarded for its
	 * fidelity until the deadline (emulated) ends it.
	 */
	req.num_pairs = 1;
	req.min_fidelity_ppm = 990000;
	req.max_time_ns = 2000000;
	ASSERT_EQ((ssize_t)sizeof(req), send(s, &req, sizeof(req), 0));
	ASSERT_EQ((ssize_t)sizeof(rec), recv(s, &rec, sizeof(rec), 0));
	EXPECT_EQ(ETIMEDOUT, rec.error);

	ASSERT_EQ((ssize_t)sizeof(tail_res), read(out[0], tail_res,
						  sizeof(tail_res)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(1U, tail_res[1]);
	close(s);

	/* the node's own counters: each end delivered every pair once */
	ASSERT_EQ(0, t_net_stats_get(self->ca, &na));
	ASSERT_EQ(0, t_net_stats_get(self->cb, &nb));
	TH_LOG("head: %llu delivered, mean F %u ppm; tail: mean F %u ppm",
	       (unsigned long long)na.delivered, na.mean_delivered_fid_ppm,
	       nb.mean_delivered_fid_ppm);
	EXPECT_EQ((uint64_t)DELIV_PAIRS, na.delivered);
	EXPECT_EQ((uint64_t)DELIV_PAIRS, nb.delivered);
	EXPECT_EQ(head_sum, na.delivered_fid_sum_ppm);
	EXPECT_EQ(tail_res[0], nb.delivered_fid_sum_ppm);
	EXPECT_EQ(head_sum / DELIV_PAIRS, na.mean_delivered_fid_ppm);
	EXPECT_EQ(tail_res[0] / DELIV_PAIRS, nb.mean_delivered_fid_ppm);
	/* no decoherence: 0.95 from the source, to the ppm */
	EXPECT_GE(1, abs((int)na.mean_delivered_fid_ppm - 950000));
	/* no swaps on one link; the link-layer counters are not in it */
	EXPECT_EQ(0U, na.swaps_ok);
	EXPECT_EQ(0U, na.attempts);
	EXPECT_EQ(0U, na.heralded);
	/* the hopeless request's pairs, discarded for their fidelity */
	disc = na.discards[QNET_EXPIRE_FIDELITY] +
	       nb.discards[QNET_EXPIRE_FIDELITY];
	TH_LOG("fidelity discards: %llu at the head, %llu at the tail",
	       (unsigned long long)na.discards[QNET_EXPIRE_FIDELITY],
	       (unsigned long long)nb.discards[QNET_EXPIRE_FIDELITY]);
	EXPECT_LT(0U, disc);

	/* the link ends count the same deliveries, and every discard */
	ASSERT_EQ(0, t_stats_get(self->ca, "qa0", &la));
	ASSERT_EQ(0, t_stats_get(self->cb, "qa1", &lb));
	EXPECT_EQ(na.delivered, la.delivered);
	EXPECT_EQ(na.delivered_fid_sum_ppm, la.delivered_fid_sum_ppm);
	EXPECT_EQ(na.mean_delivered_fid_ppm, la.mean_delivered_fid_ppm);
	EXPECT_EQ(nb.delivered_fid_sum_ppm, lb.delivered_fid_sum_ppm);
	expect_discards_le(_metadata, &na, &la);
	expect_discards_le(_metadata, &nb, &lb);
	/* LINK_GET carries them too */
	ASSERT_EQ(0, t_link_get(self->ca, "qa0", &li));
	EXPECT_EQ(la.delivered_fid_sum_ppm, li.stats.delivered_fid_sum_ppm);
	EXPECT_EQ(la.mean_delivered_fid_ppm, li.stats.mean_delivered_fid_ppm);
	/* and the node's totals over its link ends (qx0, qx1 idle) */
	ASSERT_EQ(0, t_stats_get(self->ca, NULL, &tot));
	EXPECT_EQ(la.delivered, tot.delivered);
	EXPECT_EQ(la.delivered_fid_sum_ppm, tot.delivered_fid_sum_ppm);
	EXPECT_EQ(la.mean_delivered_fid_ppm, tot.mean_delivered_fid_ppm);
	for (i = 0; i < QNET_DISCARDS_A_MAX; i++)
		EXPECT_EQ(la.discards[i], tot.discards[i]);
}

TEST_HARNESS_MAIN
