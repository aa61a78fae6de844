// SPDX-License-Identifier: GPL-2.0
/*
 * The model predicts the emulator: `qnet-model predict` (and `qnetctl
 * model predict`) against requests run on chains of qnet nodes.
 *
 *   node 1 (head: connect) --qr====ql-- ... --qr====ql-- node N (tail)
 *
 * For each case: build the chain with the case's link parameters (every
 * link the same, seeded, unpaced), run one request of n measured pairs,
 * read both ends' records, then run the model on the same parameters
 * (same keywords as `qnetctl link`, same request) and compare:
 *
 * - pairs per emulated second, n / (head's last delivery - request
 *   start), the start read from the domain's clock between connect() and
 *   send();
 * - the mean fidelity of the head's records and of the tail's.
 *
 * The bound: |emulator - model| <= 3 sigma, with sigma^2 the emulator
 * sample's variance plus the model's own Monte Carlo variance: for the
 * rate the spread of one run's rate, which the model predicts
 * (rate * time_sd / time, the delta method on the time to n pairs): not
 * the Poisson error of the emulator's own count, which is too small
 * when attempts are rejected (each delivery then costs a geometric
 * number of attempts) and smallest on exactly the runs that came out
 * slow; for a mean fidelity the per-pair standard
 * deviation / sqrt(n); plus 1e-6 for the records' ppm rounding (with no
 * memory decay every pair has one fidelity, which must then agree to
 * the ppm). The runs are deterministic (fixed seeds everywhere), so the
 * test gives the same numbers every time.
 *
 * Every link gets a seed of its own (links that share one draw the same
 * attempts and herald in lockstep: see FIXTURE_SETUP).
 *
 * And the model's link defaults are the kernel's: a link created with no
 * parameters shows (qnetctl -j link show) what `qnet-model predict -j`
 * assumes.
 *
 * MODEL_CASE=<variant> runs one case, MODEL_SEED=<n> seeds its links
 * otherwise, MODEL_DUMP=1 also prints each link's and node's counters and
 * the first records' times.
 *
 * The cases cover 1, 2 and 4 hops, single-click and double-click, T2 off
 * and 100 ms, and one request that makes every link purify once. In a
 * TCG guest the whole file takes about a minute.
 */
#include <math.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_chain.h"

#define MODEL_PORT	11
#define MODEL_MAX_PAIRS	500
#define MODEL_Z		3.0
/* the records' fidelity is in ppm */
#define MODEL_PPM_FLOOR	1e-6

FIXTURE(model) {
	struct qnet_topo topo;
	struct qnet_pair *tail_recs;	/* shared with the tail's process */
	int family;
};

FIXTURE_VARIANT(model) {
	const char *name;
	int nodes;
	uint8_t scheme;
	uint32_t length_m;
	uint64_t t2_ns;
	uint32_t slots;
	uint32_t min_fid_ppm;
	int pairs;
	uint64_t seed;
	bool qnetctl;		/* `qnetctl model predict`, not qnet-model */
};

/* 1 hop, single-click, no memory decay: closed forms, exact fidelity */
FIXTURE_VARIANT_ADD(model, hop1_single_t2off) {
	.name = "hop1_single_t2off",
	.nodes = 2, .scheme = QNET_SCHEME_SINGLE_CLICK, .length_m = 25000,
	.t2_ns = 0, .slots = 1, .pairs = 500, .seed = 11, .qnetctl = true,
};
FIXTURE_VARIANT_ADD(model, hop1_double_t2_100ms) {
	.name = "hop1_double_t2_100ms",
	.nodes = 2, .scheme = QNET_SCHEME_DOUBLE_CLICK, .length_m = 25000,
	.t2_ns = 100000000, .slots = 1, .pairs = 500, .seed = 12,
};
FIXTURE_VARIANT_ADD(model, hop2_single_t2_100ms) {
	.name = "hop2_single_t2_100ms",
	.nodes = 3, .scheme = QNET_SCHEME_SINGLE_CLICK, .length_m = 25000,
	.t2_ns = 100000000, .slots = 1, .pairs = 400, .seed = 13,
};
FIXTURE_VARIANT_ADD(model, hop2_double_t2off) {
	.name = "hop2_double_t2off",
	.nodes = 3, .scheme = QNET_SCHEME_DOUBLE_CLICK, .length_m = 25000,
	.t2_ns = 0, .slots = 1, .pairs = 400, .seed = 14,
};
FIXTURE_VARIANT_ADD(model, hop4_single_t2_100ms) {
	.name = "hop4_single_t2_100ms",
	.nodes = 5, .scheme = QNET_SCHEME_SINGLE_CLICK, .length_m = 25000,
	.t2_ns = 100000000, .slots = 1, .pairs = 300, .seed = 15,
};
FIXTURE_VARIANT_ADD(model, hop4_double_t2_100ms) {
	.name = "hop4_double_t2_100ms",
	.nodes = 5, .scheme = QNET_SCHEME_DOUBLE_CLICK, .length_m = 25000,
	.t2_ns = 100000000, .slots = 1, .pairs = 300, .seed = 16,
};
/*
 * Minimum fidelity 0.9 over 2 links: the per-link target (0.948) is
 * above the heralded 0.936, so each binding end plans one DEJMPS round
 * (two slots allow one); some attempts are still rejected.
 */
FIXTURE_VARIANT_ADD(model, hop2_single_purify1) {
	.name = "hop2_single_purify1",
	.nodes = 3, .scheme = QNET_SCHEME_SINGLE_CLICK, .length_m = 25000,
	.t2_ns = 100000000, .slots = 2, .min_fid_ppm = 900000, .pairs = 200,
	.seed = 17,
};

FIXTURE_SETUP(model)
{
	const struct qnet_topo_param params[] = {
		{ QNET_LINK_A_SCHEME,		variant->scheme,	1 },
		{ QNET_LINK_A_LENGTH_M,		variant->length_m,	4 },
		{ QNET_LINK_A_T2_NS,		variant->t2_ns,		8 },
		{ QNET_LINK_A_MEM_SLOTS,	variant->slots,		4 },
		{ QNET_LINK_A_TIME_SCALE,	0,			4 },
		{ 0 }
	};
	uint64_t seed = getenv("MODEL_SEED") ?
			strtoull(getenv("MODEL_SEED"), NULL, 0) : variant->seed;
	struct qnet_nl q;
	int i;

	ASSERT_EQ(0, qnet_module_ensure());
	self->family = qnet_family();
	ASSERT_LT(0, self->family);
	ASSERT_EQ(0, qnet_topo_chain(&self->topo, variant->nodes, params));
	/*
	 * A seed of its own for every link: links with one seed draw the
	 * same attempts, herald in lockstep and never wait for each other,
	 * which is not the independent links the model (and physics) has.
	 */
	for (i = 1; i < variant->nodes; i++) {
		ASSERT_EQ(0, qnet_topo_enter(&self->topo, i));
		ASSERT_EQ(0, qnet_nl_open(&q));
		ASSERT_EQ(0, qnet_nl_link_set_one(&q, if_nametoindex("qr"),
						  QNET_LINK_A_SEED,
						  seed * 1000 + i, 8));
		qnet_nl_close(&q);
	}
	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 0));
	self->tail_recs = qnet_chain_shared(MODEL_MAX_PAIRS);
	ASSERT_NE(NULL, self->tail_recs);
}

FIXTURE_TEARDOWN(model)
{
	munmap(self->tail_recs, MODEL_MAX_PAIRS * sizeof(struct qnet_pair));
	qnet_topo_destroy(&self->topo);
}

/* The emulated clock of the domain of the current netns's "qr". */
static int emu_now(uint64_t *now)
{
	struct qnet_nl_stats st;
	struct qnet_nl q;
	int err;

	err = qnet_nl_open(&q);
	if (err)
		return err;
	err = qnet_nl_link_stats(&q, if_nametoindex("qr"), &st);
	qnet_nl_close(&q);
	if (!err && !st.has[QNET_STATS_A_EMU_TIME_NS])
		err = -ENODATA;
	if (!err)
		*now = st.v[QNET_STATS_A_EMU_TIME_NS];
	return err;
}

/*
 * qnet_chain_request(), and the domain's clock when the request is
 * sent: connect() is answered by the last event, so the clock read
 * between connect() and send() is the request's start.
 */
static int model_request(struct qnet_topo *t, int family,
			 const struct qnet_request *req,
			 struct qnet_pair *head, struct qnet_pair *tail,
			 int n, uint64_t *start, char *why, size_t len)
{
	struct sockaddr_qnet a = {
		.sq_family = family, .sq_port = MODEL_PORT, .sq_node = t->n,
	};
	struct timeval tv = { .tv_sec = 60 };
	int ready[2], s = -1, i = -1, status;
	char byte;
	pid_t pid;

	if (pipe(ready))
		return snprintf(why, len, "pipe: %s", strerror(errno)), -1;
	pid = fork();
	if (pid < 0)
		return snprintf(why, len, "fork: %s", strerror(errno)), -1;
	if (!pid)
		_exit(qnet_chain_tail(t, family, MODEL_PORT, ready[1], tail, n));
	close(ready[1]);
	if (read(ready[0], &byte, 1) != 1) {
		close(ready[0]);
		waitpid(pid, &status, 0);
		return snprintf(why, len, "tail: exit %d before listening",
				WEXITSTATUS(status)), -1;
	}
	close(ready[0]);

	if (qnet_topo_enter(t, 1) ||
	    (s = socket(family, SOCK_SEQPACKET, 0)) < 0 ||
	    (qnet_chain_rcvbuf(s, n), 0) ||
	    connect(s, (struct sockaddr *)&a, sizeof(a)) ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    emu_now(start) ||
	    send(s, req, sizeof(*req), 0) != sizeof(*req)) {
		snprintf(why, len, "head: connect, clock or send: %s",
			 strerror(errno));
	} else {
		for (i = 0; i < n; i++) {
			ssize_t got = recv(s, &head[i], sizeof(head[i]), 0);

			if (got != sizeof(head[i])) {
				snprintf(why, len, "head: pair %d: %s", i,
					 got < 0 ? strerror(errno) :
						   "end of stream");
				break;
			}
		}
	}
	if (i < n)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (s >= 0)
		close(s);
	qnet_topo_enter(t, 0);
	if (i < n)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return snprintf(why, len, "tail: exit %d (step that failed)",
				WEXITSTATUS(status)), -1;
	return 0;
}

/* The raw JSON value after "@key": at or after @from; 0 or -1. */
static int json_raw(const char *json, const char *from, const char *key,
		    char *out, size_t len)
{
	char pat[64];
	const char *p = from ? strstr(json, from) : json;
	size_t n;

	if (!p)
		return -1;
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(p, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	n = strcspn(p, ",}\n");
	if (n >= len)
		return -1;
	memcpy(out, p, n);
	out[n] = 0;
	return 0;
}

static int json_num(const char *json, const char *from, const char *key,
		    double *v)
{
	char buf[64], *end;

	if (json_raw(json, from, key, buf, sizeof(buf)))
		return -1;
	*v = strtod(buf, &end);
	return end == buf ? -1 : 0;
}

/* Run @cmd, its stdout into @buf. 0 if it exits 0. */
static int run_cmd(const char *cmd, char *buf, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	return pclose(f) ? -1 : 0;
}

static const char *tool_path(const char *rel, char *buf, size_t len)
{
	const char *top = getenv("QNET_TOP");

	snprintf(buf, len, "%s/%s", top ? top : "..", rel);
	return buf;
}

struct model_stat {
	double mean, sd;
};

static struct model_stat fid_stat(const struct qnet_pair *r, int n)
{
	struct model_stat st = { 0, 0 };
	double sq = 0;
	int i;

	for (i = 0; i < n; i++)
		st.mean += r[i].fidelity_ppm / 1e6;
	st.mean /= n;
	for (i = 0; i < n; i++)
		sq += pow(r[i].fidelity_ppm / 1e6 - st.mean, 2);
	st.sd = n > 1 ? sqrt(sq / (n - 1)) : 0;
	return st;
}

TEST_F_TIMEOUT(model, emulator_within_3_sigma, 120)
{
	struct qnet_request req = {
		.num_pairs = variant->pairs,
		.min_fidelity_ppm = variant->min_fid_ppm,
		.type = QNET_REQ_MEASURE,
		.basis = QNET_BASIS_Z,
	};
	static struct qnet_pair head[MODEL_MAX_PAIRS];
	static char out[16384];
	char cmd[1024], tool[512], t2[32], why[128];
	double m_rate, m_rate_se, m_fid, m_fid_se, m_tail, m_tail_se;
	double m_time, m_time_sd;
	double e_rate, s_rate, s_fid, s_tail;
	struct model_stat e_fid, e_tail;
	int n = variant->pairs, i;
	uint64_t start = 0;

	if (getenv("MODEL_CASE") && strcmp(getenv("MODEL_CASE"), variant->name))
		SKIP(return, "MODEL_CASE=%s", getenv("MODEL_CASE"));
	ASSERT_LE(n, MODEL_MAX_PAIRS);
	ASSERT_EQ(0, model_request(&self->topo, self->family, &req, head,
				   self->tail_recs, n, &start, why,
				   sizeof(why))) {
		TH_LOG("%s", why);
	}
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, head[i].error);
		ASSERT_EQ(0, self->tail_recs[i].error);
		ASSERT_EQ(head[i].pair_id, self->tail_recs[i].pair_id);
	}
	ASSERT_LT(start, head[n - 1].deliver_ns);
	e_rate = n / ((head[n - 1].deliver_ns - start) / 1e9);
	if (getenv("MODEL_DUMP")) {
		for (i = 1; i < variant->nodes; i++) {
			struct qnet_nl_stats st;
			struct qnet_nl q;

			qnet_topo_enter(&self->topo, i);
			if (qnet_nl_open(&q))
				continue;
			if (!qnet_nl_link_stats(&q, if_nametoindex("qr"), &st))
				printf("# link %d attempts %llu heralded %llu expired %llu swaps %llu\n",
				       i, (unsigned long long)st.v[QNET_STATS_A_ATTEMPTS],
				       (unsigned long long)st.v[QNET_STATS_A_HERALDED],
				       (unsigned long long)st.v[QNET_STATS_A_EXPIRED],
				       (unsigned long long)st.v[QNET_STATS_A_SWAPS_OK]);
			qnet_nl_close(&q);
		}
		for (i = 1; i <= variant->nodes; i++) {
			char line[128];
			FILE *f;

			qnet_topo_enter(&self->topo, i);
			f = fopen("/proc/net/qnet_node", "re");
			while (f && fgets(line, sizeof(line), f))
				if (!strstr(line, " 0\n"))
					printf("# node %d %s", i, line);
			if (f)
				fclose(f);
		}
		qnet_topo_enter(&self->topo, 0);
	}
	if (getenv("MODEL_DUMP"))
		for (i = 0; i < n && i < 12; i++)
			printf("# pair %d create %llu head %llu tail %llu fid %u swaps %u\n",
			       i, (unsigned long long)(head[i].create_ns - start),
			       (unsigned long long)(head[i].deliver_ns - start),
			       (unsigned long long)(self->tail_recs[i].deliver_ns - start),
			       head[i].fidelity_ppm, head[i].swaps);
	e_fid = fid_stat(head, n);
	e_tail = fid_stat(self->tail_recs, n);

	/* the model, on the same parameters, in qnetctl link's words */
	if (variant->t2_ns)
		snprintf(t2, sizeof(t2), "%lluns",
			 (unsigned long long)variant->t2_ns);
	else
		snprintf(t2, sizeof(t2), "0");
	snprintf(cmd, sizeof(cmd),
		 "%s predict -n %d -s 1 scheme %s length %u t2 %s slots %u seed %llu time-scale 0 hops %d min-fidelity %uppm",
		 variant->qnetctl ?
		 tool_path("userspace/qnetctl/qnetctl -j model", tool,
			   sizeof(tool)) :
		 tool_path("userspace/model/qnet-model -j", tool, sizeof(tool)),
		 n, variant->scheme == QNET_SCHEME_DOUBLE_CLICK ?
		 "double-click" : "single-click",
		 variant->length_m, t2, variant->slots,
		 (unsigned long long)variant->seed, variant->nodes - 1,
		 variant->min_fid_ppm);
	ASSERT_EQ(0, run_cmd(cmd, out, sizeof(out))) {
		TH_LOG("%s: failed", cmd);
	}
	ASSERT_EQ(0, json_num(out, "\"prediction\"", "rate_hz", &m_rate));
	ASSERT_EQ(0, json_num(out, "\"prediction\"", "rate_se_hz",
			      &m_rate_se));
	ASSERT_EQ(0, json_num(out, "\"prediction\"", "time_ns", &m_time));
	ASSERT_EQ(0, json_num(out, "\"prediction\"", "time_sd_ns",
			      &m_time_sd));
	ASSERT_LT(0, m_time);
	ASSERT_EQ(0, json_num(out, "\"prediction\"", "fidelity", &m_fid));
	ASSERT_EQ(0, json_num(out, "\"prediction\"", "fidelity_se", &m_fid_se));
	ASSERT_EQ(0, json_num(out, "\"prediction\"", "fidelity_tail", &m_tail));
	ASSERT_EQ(0, json_num(out, "\"prediction\"", "fidelity_tail_se",
			      &m_tail_se));

	/* one run's rate spreads as the model's time to n pairs does */
	s_rate = sqrt(pow(m_rate * m_time_sd / m_time, 2) +
		      pow(m_rate_se, 2));
	s_fid = sqrt(pow(e_fid.sd / sqrt(n), 2) + pow(m_fid_se, 2)) +
		MODEL_PPM_FLOOR;
	s_tail = sqrt(pow(e_tail.sd / sqrt(n), 2) + pow(m_tail_se, 2)) +
		 MODEL_PPM_FLOOR;
	/* what the report shows: emulator, model, difference in sigmas */
	printf("# %-21s rate %9.3f model %9.3f /s (%+.2f sd)  fid %.6f model %.6f (%+.2f sd)  tail %.6f model %.6f (%+.2f sd)\n",
	       variant->name,
	       e_rate, m_rate, (e_rate - m_rate) / s_rate,
	       e_fid.mean, m_fid, (e_fid.mean - m_fid) / s_fid,
	       e_tail.mean, m_tail, (e_tail.mean - m_tail) / s_tail);
	fflush(stdout);
	EXPECT_LE(fabs(e_rate - m_rate), MODEL_Z * s_rate);
	EXPECT_LE(fabs(e_fid.mean - m_fid), MODEL_Z * s_fid);
	EXPECT_LE(fabs(e_tail.mean - m_tail), MODEL_Z * s_tail);
}

/*
 * A link with no parameters set has the kernel's defaults, and the
 * model's are the same: every physical parameter qnetctl shows.
 */
TEST(model_defaults_are_the_kernels)
{
	static const char *const keys[] = {
		"length_m", "atten_mdb_km", "index_milli", "attempt_rate_hz",
		"scheme", "alpha_ppm", "source_fidelity_ppm", "efficiency_ppm",
		"visibility_ppm", "dark_rate_hz", "slots", "t1_ns", "t2_ns",
		"cutoff_ns",
	};
	static char kern[8192], model[8192];
	char cmd[512], tool[256], a[64], b[64];
	struct qnet_topo t = {};
	size_t i;

	ASSERT_EQ(0, qnet_module_ensure());
	ASSERT_EQ(0, qnet_topo_chain(&t, 2, NULL));
	ASSERT_EQ(0, qnet_topo_enter(&t, 1));
	snprintf(cmd, sizeof(cmd), "%s -j link show qr",
		 tool_path("userspace/qnetctl/qnetctl", tool, sizeof(tool)));
	ASSERT_EQ(0, run_cmd(cmd, kern, sizeof(kern)));
	qnet_topo_destroy(&t);
	snprintf(cmd, sizeof(cmd), "%s predict -j -n 1",
		 tool_path("userspace/model/qnet-model", tool, sizeof(tool)));
	ASSERT_EQ(0, run_cmd(cmd, model, sizeof(model)));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		ASSERT_EQ(0, json_raw(kern, NULL, keys[i], a, sizeof(a))) {
			TH_LOG("qnetctl shows no %s: %s", keys[i], kern);
		}
		ASSERT_EQ(0, json_raw(model, NULL, keys[i], b, sizeof(b)));
		EXPECT_STREQ(a, b) {
			TH_LOG("%s: kernel %s, model %s", keys[i], a, b);
		}
	}
}

TEST_HARNESS_MAIN
