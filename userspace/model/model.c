// SPDX-License-Identifier: GPL-2.0
/*
 * qnet-model - print what qnet's physics model expects of a link or a
 * chain of links, computed by the kernel's own fixed-point core.
 *
 *   qnet-model [-j] [-p] link length 25km atten 0.2dB/km \
 *	scheme single-click alpha 0.05 rate 1MHz eff 0.9 dark 10Hz \
 *	t1 1s t2 100ms wait 10ms [hops 4] [purify 1]
 *
 * This file only parses and prints; the figures come from qmodel.c, which
 * a later `qnetctl model` calls the same way.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmodel.h"
#include "qmodel_out.h"
#include "units.h"

/* "qnet-model", or "qnetctl model" when qnetctl runs the same code */
static const char *prog = "qnet-model";

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [-j] [-p] [LINK]... [PATH OPTIONS]\n"
"\n"
"Print the expected per-attempt success probability, attempt period, pair\n"
"rate, heralded fidelity, fidelity after storage, end-to-end fidelity over\n"
"a chain with swapping and purification, QBER, BBM92 secret key rate and\n"
"PLOB bounds, from the same fixed-point code as the qnet kernel module.\n"
"\n"
"  -j, --json     JSON output\n"
"  -p, --pretty   indented JSON\n"
"  -h, --help     this text\n"
"\n"
"LINK := link [length LEN] [atten ATT] [index N] [scheme SCHEME]\n"
"             [rate FREQ] [alpha P] [eff P] [emit P] [dark FREQ]\n"
"             [window TIME] [vis P] [fsrc P] [t1 TIME] [t2 TIME]\n"
"             [wait TIME]\n"
"  length   fiber length between the nodes (25km, 800m; default 1km)\n"
"  atten    attenuation (0.2dB/km, 200mdB/km; default 0.2dB/km)\n"
"  index    refractive index (default 1.47)\n"
"  scheme   single-click | double-click | direct (default single-click)\n"
"  rate     attempt rate (1MHz; default 1MHz)\n"
"  alpha    single-click bright-state population (default 0.1)\n"
"  eff      detector efficiency (0.9, 90%%; default 1)\n"
"  emit     photon emission/collection efficiency (default 1)\n"
"  dark     dark-count rate per detector (10Hz; default 0)\n"
"  window   detection window (10ns; default 10ns)\n"
"  vis      two-photon visibility (default 1)\n"
"  fsrc     direct scheme: source fidelity (default 1)\n"
"  t1, t2   memory relaxation and total coherence times, t2 <= 2 t1\n"
"           (1s, 100ms; none)\n"
"  wait     storage time of each pair before use (10ms; default 0)\n"
"Options before the first 'link' apply to an implicit first link.\n"
"\n"
"PATH OPTIONS:\n"
"  hops N        repeat the last link until the path has N links\n"
"  purify N      recurrence purification rounds on end-to-end pairs\n"
"  proto NAME    dejmps | bbpssw (default dejmps)\n"
"  bsm P         Bell-state measurement success probability (default 1)\n"
"  gate P        two-qubit gate depolarising probability (default 0)\n"
"  readout P     readout error probability per bit (default 0)\n"
"\n"
"Units: m km, dB/km mdB/km, Hz kHz MHz GHz, ns us ms s, %% ppm.\n"
"See Documentation/physics.rst for the models and their sources.\n",
		prog);
}

static const char *const bell_names[] = { "phi+", "psi+", "psi-", "phi-" };
static const char *const scheme_names[] = {
	"single-click", "double-click", "direct"
};

static void print_result(const struct qmodel_path *path,
			 const struct qmodel_result *res)
{
	unsigned int i;

	if (qmo_json())
		qmo_open(NULL, '{', NULL);
	qmo_open("links", '[', NULL);
	for (i = 0; i < path->nlinks; i++) {
		const struct qmodel_link *l = &path->link[i];
		const struct qmodel_link_result *lr = &res->link[i];

		qmo_open(NULL, '{', "link %u: %s, %u m, %g dB/km", i + 1,
			 scheme_names[l->p.scheme], l->p.length_m,
			 l->p.atten_mdb_km / 1000.0);
		qmo_str("scheme", scheme_names[l->p.scheme]);
		qmo_u64("length_m", l->p.length_m, "m");
		qmo_u64("atten_mdb_km", l->p.atten_mdb_km, "mdB/km");
		qmo_num("transmittance", qmodel_prob(lr->transmittance), NULL);
		qmo_num("eta", qmodel_prob(lr->m.eta), NULL);
		qmo_num("p_dark", qmodel_prob(lr->m.p_dark), NULL);
		qmo_num("p_attempt", qmodel_prob(lr->m.p_success), NULL);
		qmo_u64("attempt_period_ns", lr->m.period_ns, "ns");
		qmo_u64("herald_delay_ns", lr->m.herald_ns, "ns");
		qmo_num("pair_rate_hz", qmodel_fix(lr->pair_rate), "Hz");
		qmo_str("bell_state", bell_names[lr->m.state.bell]);
		qmo_num("fidelity_herald",
			  qmodel_prob(qstate_fidelity(&lr->m.state)), NULL);
		qmo_u64("wait_ns", l->wait_ns, "ns");
		qmo_num("fidelity_wait",
			  qmodel_prob(qstate_fidelity(&lr->stored)), NULL);
		qmo_num("plob_repeaterless_bits_per_use",
			  qmodel_fix(lr->plob), "bit");
		qmo_num("plob_segments_bits_per_use",
			  qmodel_fix(lr->plob_segment), "bit");
		qmo_close('}');
	}
	qmo_close(']');

	qmo_open("path", '{', "path: %u link%s, %llu m, swap-asap",
		 path->nlinks, path->nlinks == 1 ? "" : "s",
		 (unsigned long long)res->length_m);
	qmo_u64("links", path->nlinks, NULL);
	qmo_u64("length_m", res->length_m, "m");
	qmo_num("fidelity_e2e", qmodel_prob(qstate_fidelity(&res->e2e)),
		  NULL);
	qmo_num("rate_e2e_hz", res->e2e_rate_hz, "Hz");
	qmo_u64("purify_rounds", path->purify_rounds, NULL);
	if (path->purify_rounds) {
		qmo_str("purify_protocol",
			  path->purify.proto == QSTATE_PURIFY_BBPSSW ?
			  "bbpssw" : "dejmps");
		qmo_num("purify_success", qmodel_prob(res->purify_success),
			  NULL);
	}
	qmo_str("bell_state", bell_names[res->final.bell]);
	qmo_num("fidelity", qmodel_prob(qstate_fidelity(&res->final)),
		  NULL);
	qmo_num("rate_hz", res->final_rate_hz, "Hz");
	qmo_num("qber_z", qmodel_prob(res->qber_z), NULL);
	qmo_num("qber_x", qmodel_prob(res->qber_x), NULL);
	qmo_num("secret_fraction", qmodel_fix(res->secret_fraction), NULL);
	qmo_num("key_rate_bps", res->key_rate_bps, "bit/s");
	/* one fiber over the path, and the chain of relays (segments) */
	qmo_num("plob_path_repeaterless_bits_per_use",
		  qmodel_fix(res->plob_direct), "bit");
	qmo_num("plob_path_repeaterless_bps", res->plob_direct_bps, "bit/s");
	qmo_num("plob_path_segments_bits_per_use",
		  qmodel_fix(res->plob_chain), "bit");
	qmo_num("plob_path_segments_bps", res->plob_chain_bps, "bit/s");
	qmo_close('}');
	if (qmo_json()) {
		qmo_close('}');
		putchar('\n');
	}
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */
/* ------------------------------------------------------------------ */

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "%s: invalid %s \"%s\"\n", prog, what, arg);
	return -EINVAL;
}

static int parse_unit(enum qn_unit unit, const char *key, const char *arg,
		      uint64_t max, uint64_t *val)
{
	if (qn_unit_parse(unit, arg, max, val))
		return bad(key, arg);
	return 0;
}

static int parse_prob(const char *key, const char *arg, qprob *p)
{
	uint64_t ppm;

	if (parse_unit(QN_UNIT_PROB, key, arg, 1000000, &ppm))
		return -EINVAL;
	*p = qprob_from_ppm((u32)ppm);
	return 0;
}

/* one "key value" of a link; 1 if @key is not a link option */
static int parse_link_opt(struct qmodel_link *l, const char *key,
			  const char *arg)
{
	uint64_t v;

	if (!strcmp(key, "length")) {
		if (parse_unit(QN_UNIT_LENGTH, key, arg, UINT32_MAX, &v))
			return -EINVAL;
		l->p.length_m = (u32)v;
	} else if (!strcmp(key, "atten")) {
		if (parse_unit(QN_UNIT_ATTEN, key, arg, UINT32_MAX, &v))
			return -EINVAL;
		l->p.atten_mdb_km = (u32)v;
	} else if (!strcmp(key, "index")) {
		if (parse_unit(QN_UNIT_INDEX, key, arg, UINT32_MAX, &v))
			return -EINVAL;
		l->p.index_milli = (u32)v;
	} else if (!strcmp(key, "rate")) {
		if (parse_unit(QN_UNIT_FREQ, key, arg, UINT32_MAX, &v) || !v)
			return bad(key, arg);
		l->p.attempt_rate_hz = (u32)v;
	} else if (!strcmp(key, "dark")) {
		if (parse_unit(QN_UNIT_FREQ, key, arg, UINT32_MAX, &v))
			return -EINVAL;
		l->p.dark_rate_hz = (u32)v;
	} else if (!strcmp(key, "window")) {
		if (parse_unit(QN_UNIT_TIME, key, arg, UINT32_MAX, &v))
			return -EINVAL;
		l->p.window_ns = (u32)v;
	} else if (!strcmp(key, "scheme")) {
		for (v = 0; v < QSTATE_NR_SCHEME; v++)
			if (!strcmp(arg, scheme_names[v]))
				break;
		if (v == QSTATE_NR_SCHEME)
			return bad(key, arg);
		l->p.scheme = (u8)v;
	} else if (!strcmp(key, "alpha")) {
		return parse_prob(key, arg, &l->p.alpha);
	} else if (!strcmp(key, "eff")) {
		return parse_prob(key, arg, &l->p.det_eff);
	} else if (!strcmp(key, "emit")) {
		return parse_prob(key, arg, &l->p.emit_eff);
	} else if (!strcmp(key, "vis")) {
		return parse_prob(key, arg, &l->p.visibility);
	} else if (!strcmp(key, "fsrc")) {
		return parse_prob(key, arg, &l->p.source_fid);
	} else if (!strcmp(key, "t1")) {
		return parse_unit(QN_UNIT_TIME, key, arg, UINT64_MAX, &l->t1_ns);
	} else if (!strcmp(key, "t2")) {
		return parse_unit(QN_UNIT_TIME, key, arg, UINT64_MAX, &l->t2_ns);
	} else if (!strcmp(key, "wait")) {
		return parse_unit(QN_UNIT_TIME, key, arg, UINT64_MAX,
				  &l->wait_ns);
	} else {
		return 1;
	}
	return 0;
}

static int parse_path_opt(struct qmodel_path *path, unsigned int *hops,
			  const char *key, const char *arg)
{
	uint64_t v;

	if (!strcmp(key, "hops")) {
		if (parse_unit(QN_UNIT_COUNT, key, arg, QMODEL_MAX_LINKS, &v) ||
		    !v)
			return bad(key, arg);
		*hops = (unsigned int)v;
	} else if (!strcmp(key, "purify")) {
		if (parse_unit(QN_UNIT_COUNT, key, arg, 20, &v))
			return -EINVAL;
		path->purify_rounds = (unsigned int)v;
	} else if (!strcmp(key, "proto")) {
		if (!strcmp(arg, "dejmps"))
			path->purify.proto = QSTATE_PURIFY_DEJMPS;
		else if (!strcmp(arg, "bbpssw"))
			path->purify.proto = QSTATE_PURIFY_BBPSSW;
		else
			return bad(key, arg);
	} else if (!strcmp(key, "bsm")) {
		return parse_prob(key, arg, &path->swap.p_bsm);
	} else if (!strcmp(key, "gate")) {
		if (parse_prob(key, arg, &path->swap.gate_depol))
			return -EINVAL;
		path->purify.gate_depol = path->swap.gate_depol;
	} else if (!strcmp(key, "readout")) {
		if (parse_prob(key, arg, &path->swap.readout_err))
			return -EINVAL;
		path->purify.readout_err = path->swap.readout_err;
	} else {
		fprintf(stderr, "%s: unknown option \"%s\"; try --help\n", prog,
			key);
		return -EINVAL;
	}
	return 0;
}

/* The whole command line tool; argv[0] names it in messages. */
int qmodel_main(int argc, char **argv)
{
	static struct qmodel_path path;
	static struct qmodel_result res;
	unsigned int hops = 0, nlinks = 0;
	const char *err;
	int i, r, json = 0, pretty = 0;

	prog = argv[0];
	qmodel_path_init(&path);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			json = pretty = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help") ||
			   !strcmp(a, "help")) {
			usage(stdout);
			return 0;
		} else if ((!strcmp(a, "predict") || !strcmp(a, "chain")) &&
			   !nlinks) {
			/* the request's prediction: its own grammar */
			return qmodel_predict_main(argc - i - 1, argv + i + 1,
						   prog, json, pretty);
		} else if (!strcmp(a, "link")) {
			if (nlinks == QMODEL_MAX_LINKS) {
				fprintf(stderr, "%s: at most %d links\n", prog,
					QMODEL_MAX_LINKS);
				return 1;
			}
			/* a new link starts from the defaults */
			if (nlinks++) {
				memset(&path.link[nlinks - 1], 0,
				       sizeof(path.link[0]));
				qstate_link_params_init(&path.link[nlinks - 1].p);
			}
		} else if (a[0] == '-') {
			fprintf(stderr, "%s: unknown flag \"%s\"; try --help\n", prog,
				a);
			return 1;
		} else {
			if (i + 1 >= argc) {
				fprintf(stderr, "%s: \"%s\" needs a value\n", prog,
					a);
				return 1;
			}
			r = parse_link_opt(&path.link[nlinks ? nlinks - 1 : 0],
					   a, argv[i + 1]);
			if (r == 0 && !nlinks)
				nlinks = 1;	/* implicit first link */
			if (r > 0)
				r = parse_path_opt(&path, &hops, a, argv[i + 1]);
			if (r < 0)
				return 1;
			i++;
		}
	}
	path.nlinks = nlinks ? nlinks : 1;
	while (hops && path.nlinks < hops) {
		path.link[path.nlinks] = path.link[path.nlinks - 1];
		path.nlinks++;
	}
	if (hops && path.nlinks > hops) {
		fprintf(stderr, "%s: %u links given but hops %u\n", prog,
			path.nlinks, hops);
		return 1;
	}
	if (qmodel_compute(&path, &res, &err)) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	qmo_begin(json, pretty);
	print_result(&path, &res);
	return 0;
}
