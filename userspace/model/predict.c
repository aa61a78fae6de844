// SPDX-License-Identifier: GPL-2.0
/*
 * qnet-model predict (and `qnetctl model predict`): pairs per emulated
 * second and mean delivered fidelity of one request over a chain, as the
 * emulator delivers them (qsim.c).
 *
 *   qnet-model predict [-j] [-p] [-n PAIRS] [-r RUNS] [-s SEED] [-m] \
 *	[LINK_PARAMS] [link LINK_PARAMS]... [hops N] \
 *	[min-fidelity PROB] [proto dejmps|bbpssw]
 *
 * LINK_PARAMS are `qnetctl link set`'s, with its keywords, units and the
 * kernel's defaults: one table (userspace/qnetctl/link_params.c) serves
 * both.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/qnet.h>

#include "link_params.h"
#include "qmodel.h"
#include "qmodel_out.h"
#include "qsim.h"

/* Enough pairs over all runs for a Monte Carlo error well below a test's. */
#define PREDICT_PAIRS_TOTAL	20000

static const char *prog;

static void predict_usage(FILE *f)
{
	fprintf(f,
"Usage: %s predict [-j] [-p] [-n PAIRS] [-r RUNS] [-s SEED] [-m]\n"
"           [LINK_PARAMS] [link LINK_PARAMS]... [hops N]\n"
"           [min-fidelity PROB] [proto { dejmps | bbpssw }]\n"
"\n"
"Predict the pairs per emulated second and the mean delivered fidelity of\n"
"one request over a chain of links under the network layer's swap-asap\n"
"protocol, with its classical messages, memory waits, cutoffs, minimum\n"
"fidelity and link purification: exactly for one link without\n"
"purification, otherwise by a seeded Monte Carlo replay of the protocol\n"
"on the kernel's own physics code.\n"
"\n"
"  -n PAIRS       pairs the request asks for (default 100)\n"
"  -r RUNS        Monte Carlo repetitions of the request (default: %d\n"
"                 pairs in all)\n"
"  -s SEED        Monte Carlo seed (default 1)\n"
"  -m             Monte Carlo even where a closed form exists\n"
"  -j, -p         JSON, indented JSON\n"
"\n"
"LINK_PARAMS := as `qnetctl link set`, with the kernel's defaults:\n"
"    [ length LEN ] [ atten ATTEN ] [ index N ] [ rate FREQ ]\n"
"    [ scheme { single-click | double-click | direct } ] [ alpha PROB ]\n"
"    [ source-fidelity PROB ] [ efficiency PROB ] [ visibility PROB ]\n"
"    [ dark FREQ ] [ slots N ] [ t1 TIME ] [ t2 TIME ] [ cutoff TIME ]\n"
"    [ seed N ] [ time-scale SCALE ] (no effect on emulated time)\n"
"Parameters before the first 'link' are the first link's; each 'link'\n"
"starts from the defaults; 'hops N' repeats the last link up to N links.\n"
"min-fidelity and proto are the request's (struct qnet_request: minimum\n"
"fidelity, QNET_REQ_F_BBPSSW); purification rounds are planned as the\n"
"kernel plans them. The request measures its pairs at both ends.\n",
		prog, PREDICT_PAIRS_TOTAL);
}

static int perr(const char *fmt, const char *a)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	return 1;
}

/* Set parameter @p of @l to @v (kernel units, already range-checked). */
static void link_set(struct qsim_link *l, const struct qn_link_param *p,
		     uint64_t v)
{
	switch (p - qn_link_params) {
	case QN_LP_LENGTH:	l->length_m = v; break;
	case QN_LP_ATTEN:	l->atten_mdb_km = v; break;
	case QN_LP_INDEX:	l->index_milli = v; break;
	case QN_LP_RATE:	l->attempt_rate_hz = v; break;
	case QN_LP_SCHEME:	l->scheme = v; break;
	case QN_LP_ALPHA:	l->alpha_ppm = v; break;
	case QN_LP_SOURCE_FID:	l->source_fid_ppm = v; break;
	case QN_LP_EFFICIENCY:	l->det_eff_ppm = v; break;
	case QN_LP_VISIBILITY:	l->visibility_ppm = v; break;
	case QN_LP_DARK:	l->dark_rate_hz = v; break;
	case QN_LP_SLOTS:	l->mem_slots = v; break;
	case QN_LP_T1:		l->t1_ns = v; break;
	case QN_LP_T2:		l->t2_ns = v; break;
	case QN_LP_CUTOFF:	l->cutoff_ns = v; break;
	default:		break;	/* seed, time-scale: no effect */
	}
}

static uint64_t link_get(const struct qsim_link *l, unsigned int i)
{
	switch (i) {
	case QN_LP_LENGTH:	return l->length_m;
	case QN_LP_ATTEN:	return l->atten_mdb_km;
	case QN_LP_INDEX:	return l->index_milli;
	case QN_LP_RATE:	return l->attempt_rate_hz;
	case QN_LP_SCHEME:	return l->scheme;
	case QN_LP_ALPHA:	return l->alpha_ppm;
	case QN_LP_SOURCE_FID:	return l->source_fid_ppm;
	case QN_LP_EFFICIENCY:	return l->det_eff_ppm;
	case QN_LP_VISIBILITY:	return l->visibility_ppm;
	case QN_LP_DARK:	return l->dark_rate_hz;
	case QN_LP_SLOTS:	return l->mem_slots;
	case QN_LP_T1:		return l->t1_ns;
	case QN_LP_T2:		return l->t2_ns;
	case QN_LP_CUTOFF:	return l->cutoff_ns;
	}
	return 0;
}

/* The kernel's defaults, from the table qnetctl link uses too. */
static void link_default(struct qsim_link *l)
{
	unsigned int i;

	qsim_link_default(l);
	for (i = 0; i < QN_LINK_NPARAMS; i++)
		link_set(l, &qn_link_params[i], qn_link_params[i].def);
}

static int parse_count(const char *key, const char *arg, uint64_t max,
		       uint64_t *v)
{
	if (qn_unit_parse(QN_UNIT_COUNT, arg, max, v))
		return perr("invalid count \"%s\"", arg) ? -EINVAL : 0;
	(void)key;
	return 0;
}

static void print_links(const struct qsim_link *links, unsigned int n,
			const struct qsim_result *res)
{
	char buf[QN_UNIT_BUFSZ], title[512];
	unsigned int i, j;

	qmo_open("links", '[', NULL);
	for (i = 0; i < n; i++) {
		struct qstate_link_params lp;
		struct qstate_link_model m;
		size_t len;

		len = snprintf(title, sizeof(title), "link %u:", i + 1);
		for (j = 0; j <= QN_LP_CUTOFF && len < sizeof(title); j++)
			len += snprintf(title + len, sizeof(title) - len,
					" %s %s", qn_link_params[j].keyword,
					qn_unit_format(qn_link_params[j].unit,
						       link_get(&links[i], j),
						       buf, sizeof(buf)));
		qmo_open(NULL, '{', "%s", title);
		if (qmo_json()) {
			for (j = 0; j <= QN_LP_CUTOFF; j++) {
				const struct qn_link_param *p = &qn_link_params[j];

				if (p->unit == QN_UNIT_SCHEME)
					qmo_str(p->json,
						qn_scheme_name(links[i].scheme));
				else
					qmo_u64(p->json, link_get(&links[i], j),
						NULL);
			}
		}
		qsim_link_model_params(&links[i], &lp);
		qstate_link_compute(&lp, &m);
		qmo_num("p_attempt", qmodel_prob(m.p_success), NULL);
		qmo_u64("attempt_period_ns", m.period_ns, "ns");
		qmo_u64("herald_delay_ns", m.herald_ns, "ns");
		qmo_u64("delay_ns", m.delay_ns, "ns");
		qmo_num("fidelity_herald", qmodel_prob(qstate_fidelity(&m.state)),
			NULL);
		qmo_u64("purify_rounds", res->rounds[i], NULL);
		qmo_close('}');
	}
	qmo_close(']');
}

int qmodel_predict_main(int argc, char **argv, const char *name, int json,
			int pretty)
{
	static struct qsim_link links[QSIM_MAX_LINKS];
	struct qsim_request req = { .num_pairs = 100, .seed = 1 };
	unsigned int nlinks = 1, hops = 0;
	bool runs_set = false, started = false;
	struct qsim_result res;
	const char *err;
	uint64_t v;
	int i, ret;

	prog = name;
	link_default(&links[0]);
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
		const struct qn_link_param *p;

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			json = 1;
			continue;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			json = pretty = 1;
			continue;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help") ||
			   !strcmp(a, "help")) {
			predict_usage(stdout);
			return 0;
		} else if (!strcmp(a, "-m") || !strcmp(a, "--monte-carlo")) {
			req.monte_carlo = true;
			continue;
		} else if (!strcmp(a, "link")) {
			/* the first 'link' begins the first link */
			if (started && nlinks == QSIM_MAX_LINKS)
				return perr("at most %s links", "64");
			if (started)
				link_default(&links[nlinks++]);
			started = true;
			continue;
		}
		if (!arg)
			return perr("\"%s\" needs a value", a);
		i++;
		if (!strcmp(a, "-n")) {
			if (parse_count(a, arg, 1000000, &v) || !v)
				return perr("invalid number of pairs \"%s\"", arg);
			req.num_pairs = v;
		} else if (!strcmp(a, "-r")) {
			if (parse_count(a, arg, 100000000, &v) || !v)
				return perr("invalid number of runs \"%s\"", arg);
			req.runs = v;
			runs_set = true;
		} else if (!strcmp(a, "-s")) {
			if (parse_count(a, arg, UINT64_MAX, &req.seed))
				return 1;
		} else if (!strcmp(a, "hops")) {
			if (parse_count(a, arg, QSIM_MAX_LINKS, &v) || !v)
				return perr("invalid hops \"%s\"", arg);
			hops = v;
		} else if (!strcmp(a, "min-fidelity")) {
			if (qn_unit_parse(QN_UNIT_PROB, arg, 1000000, &v))
				return perr("invalid min-fidelity \"%s\"", arg);
			req.min_fid_ppm = v;
		} else if (!strcmp(a, "proto")) {
			if (!strcmp(arg, "bbpssw"))
				req.bbpssw = true;
			else if (strcmp(arg, "dejmps"))
				return perr("invalid proto \"%s\"", arg);
		} else if ((p = qn_link_param_find(a))) {
			if (qn_unit_parse(p->unit, arg, qn_link_param_max(p), &v))
				return perr("invalid value \"%s\"", arg);
			if (p == &qn_link_params[QN_LP_CONTINUOUS] && v)
				return perr("%s: continuous mode is not modelled",
					    "continuous");
			link_set(&links[nlinks - 1], p, v);
			started = true;
		} else {
			fprintf(stderr, "%s: unknown option \"%s\"; try \"%s predict help\"\n",
				prog, a, prog);
			return 1;
		}
	}
	if (hops && nlinks > hops) {
		fprintf(stderr, "%s: %u links given but hops %u\n", prog,
			nlinks, hops);
		return 1;
	}
	while (nlinks < hops) {
		links[nlinks] = links[nlinks - 1];
		nlinks++;
	}
	if (!runs_set)
		req.runs = (PREDICT_PAIRS_TOTAL + req.num_pairs - 1) /
			   req.num_pairs;

	ret = qsim_predict(links, nlinks, &req, &res, &err);
	if (ret) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}

	qmo_begin(json, pretty);
	if (qmo_json())
		qmo_open(NULL, '{', NULL);
	print_links(links, nlinks, &res);
	qmo_open("request", '{', "request: %u pairs, min-fidelity %g, proto %s",
		 req.num_pairs, req.min_fid_ppm / 1e6,
		 req.bbpssw ? "bbpssw" : "dejmps");
	qmo_u64("pairs", req.num_pairs, NULL);
	qmo_u64("min_fidelity_ppm", req.min_fid_ppm, "ppm");
	qmo_str("proto", req.bbpssw ? "bbpssw" : "dejmps");
	qmo_close('}');
	qmo_open("prediction", '{', "prediction: %u link%s, swap-asap, %s",
		 nlinks, nlinks == 1 ? "" : "s",
		 res.exact ? "exact" : "Monte Carlo");
	qmo_str("method", res.exact ? "exact" : "monte-carlo");
	if (!res.exact) {
		qmo_u64("runs", req.runs, NULL);
		qmo_u64("seed", req.seed, NULL);
		qmo_u64("pairs_simulated", res.pairs, NULL);
	}
	qmo_num("rate_hz", res.rate_hz, "pairs/s");
	qmo_num("rate_se_hz", res.rate_se_hz, "pairs/s");
	qmo_num("time_ns", res.time_ns, "ns");
	qmo_num("time_sd_ns", res.time_sd_ns, "ns");
	qmo_num("fidelity", res.fid, NULL);
	qmo_num("fidelity_se", res.fid_se, NULL);
	qmo_num("fidelity_sd", res.fid_sd, NULL);
	qmo_num("fidelity_tail", res.fid_tail, NULL);
	qmo_num("fidelity_tail_se", res.fid_tail_se, NULL);
	qmo_num("latency_ns", res.latency_ns, "ns");
	if (!res.exact) {
		qmo_u64("rejected", res.rejected, NULL);
		qmo_u64("discarded", res.discarded, NULL);
		qmo_u64("purify_ok", res.purify_ok, NULL);
		qmo_u64("purify_failed", res.purify_failed, NULL);
		qmo_u64("events", res.events, NULL);
	}
	qmo_close('}');
	if (qmo_json()) {
		qmo_close('}');
		putchar('\n');
	}
	return 0;
}
