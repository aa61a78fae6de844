// SPDX-License-Identifier: GPL-2.0
/*
 * model_test.c - run qnet-model and check the figures it prints against
 * the formulas, evaluated here in double precision, to 1e-6 (relative for
 * rates, absolute otherwise; the tolerance is in each row).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

/* run ./qnet-model -j ARGS; value of the first "key": in its output */
static int model_value(const char *args, const char *key, double *val)
{
	char cmd[1024], buf[65536], pat[128], *p;
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "./qnet-model -j %s", args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	if (pclose(f))
		return -1;
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(buf, pat);
	if (!p)
		return -1;
	*val = strtod(p + strlen(pat), NULL);
	return 0;
}

static double h2(double q)
{
	return q <= 0 || q >= 1 ? 0 : -q * log2(q) - (1 - q) * log2(1 - q);
}

/* the link model's single-click formula (Documentation/physics.rst) */
static double single_click(double a, double eta, double q, double v,
			   double *fid)
{
	double d0 = 2 * q * (1 - q), miss2 = (1 - eta) * (1 - eta);
	double gen = 2 * a * (1 - a) * eta * (1 - q);
	double psi = 2 * a * (1 - a) * (1 - eta) * d0;
	double phi = (1 - a) * (1 - a) * d0 +
		     a * a * ((1 - miss2) * (1 - q) + miss2 * d0);
	double p = gen + psi + phi;

	*fid = (gen * (1 + sqrt(v)) / 2 + psi / 2) / p;
	return p;
}

TEST(model_matches_formulas)
{
	/* 25 km single-click link of the usage example */
	const double sc_eta = 0.9 * pow(10, -0.25), sc_q = -expm1(-1e-7);
	double sc_f, sc_p = single_click(0.05, sc_eta, sc_q, 1, &sc_f);
	/* direct 50 km: eta 0.1, round trip 2 x 245170 ns */
	const double d_rate = 0.1 / 490340e-9;
	/* Werner F = 0.9 over two links: w' = w^2 */
	const double w = (4 * 0.9 - 1) / 3, f2 = (3 * w * w + 1) / 4;
	const double q2 = 2 * (1 - f2) / 3;
	/*
	 * 100 ms on both qubits with T1 = 1 s and no pure dephasing: each
	 * qubit gets X, Y with (1 - e)/4 and Z with (1 + e - 2 sqrt e)/4,
	 * e = e^-0.1; Phi+ survives when both get the same Pauli.
	 */
	const double e1 = exp(-0.1), px = (1 - e1) / 4;
	const double pz = (1 + e1 - 2 * sqrt(e1)) / 4, pi = 1 - 2 * px - pz;
	const double fdec = pi * pi + 2 * px * px + pz * pz;
	/* double-click: p = (eta_s eta_d eta_half)^2 / 2 */
	const double dc_eta = 0.5 * 0.9 * pow(10, -0.5);
	static const char sc[] = "link length 25km atten 0.2dB/km scheme single-click alpha 0.05 rate 1MHz eff 0.9 dark 10Hz window 10ns";
	static const char dl[] = "link length 50km atten 0.2dB/km scheme direct";
	static const char wn[] = "link length 10km scheme direct fsrc 0.9";
	const struct {
		const char *args, *key;
		double want, tol;
		int rel;
	} kv[] = {
		{ dl, "transmittance", 0.1, 1e-9, 0 },
		{ dl, "p_attempt", 0.1, 1e-9, 0 },
		{ dl, "attempt_period_ns", 490340, 0, 0 },
		{ dl, "pair_rate_hz", d_rate, 1e-6, 1 },
		{ dl, "plob_repeaterless_bits_per_use", -log2(0.9), 1e-6, 0 },
		/* direct: one segment, the whole fiber */
		{ dl, "plob_segments_bits_per_use", -log2(0.9), 1e-6, 0 },
		/* 25 km with a station: 10^-0.5 in all, each half 10^-0.25 */
		{ sc, "plob_repeaterless_bits_per_use",
		  -log2(1 - pow(10, -0.5)), 1e-6, 0 },
		{ sc, "plob_segments_bits_per_use",
		  -log2(1 - pow(10, -0.25)), 1e-6, 0 },
		{ dl, "fidelity_herald", 1, 1e-9, 0 },
		{ sc, "p_dark", sc_q, 1e-9, 0 },
		{ sc, "p_attempt", sc_p, 1e-6, 0 },
		{ sc, "fidelity_herald", sc_f, 1e-6, 0 },
		{ "link length 50km scheme double-click eff 0.9 emit 0.5",
		  "p_attempt", dc_eta * dc_eta / 2, 1e-9, 0 },
		{ "link length 50km scheme double-click vis 0.9",
		  "fidelity_herald", 0.95, 1e-9, 0 },
		{ wn, "fidelity_herald", 0.9, 1e-9, 0 },
		{ wn, "qber_z", 2 * 0.1 / 3, 1e-9, 0 },
		{ wn, "secret_fraction", 1 - 2 * h2(0.2 / 3), 1e-6, 0 },
		{ "link length 10km scheme direct fsrc 0.9 hops 2",
		  "fidelity_e2e", f2, 1e-9, 0 },
		{ "link length 10km scheme direct fsrc 0.9 hops 2",
		  "secret_fraction", 1 - 2 * h2(q2), 1e-6, 0 },
		{ "link length 10km scheme direct fsrc 0.9 purify 1",
		  "fidelity", 730 / 788.0, 1e-9, 0 },
		{ "link length 10km scheme direct fsrc 0.9 purify 1",
		  "purify_success", 788 / 900.0, 1e-9, 0 },
		{ "link length 10km scheme direct fsrc 0.9 purify 1 proto bbpssw",
		  "fidelity", 730 / 788.0, 1e-9, 0 },
		{ "link length 10km scheme direct t1 1s wait 100ms",
		  "fidelity_wait", fdec, 1e-9, 0 },
		/* two identical links: E[max] = 1.5 / rate */
		{ "link length 50km scheme direct hops 2",
		  "rate_e2e_hz", d_rate / 1.5, 1e-6, 1 },
		{ "link length 50km scheme direct hops 2 bsm 0.5",
		  "rate_e2e_hz", 0.5 * d_rate / 1.5, 1e-6, 1 },
		/* PLOB of 100 km of fiber, and of its 50 km links */
		{ "link length 50km scheme direct hops 2",
		  "plob_path_repeaterless_bits_per_use", -log2(1 - 0.01), 1e-6,
		  0 },
		{ "link length 50km scheme direct hops 2",
		  "plob_path_segments_bits_per_use", -log2(0.9), 1e-6, 0 },
		/* the same with midpoint stations: four 25 km segments */
		{ "link length 50km scheme double-click hops 2",
		  "plob_path_repeaterless_bits_per_use", -log2(1 - 0.01), 1e-6,
		  0 },
		{ "link length 50km scheme double-click hops 2",
		  "plob_path_segments_bits_per_use", -log2(1 - pow(10, -0.5)),
		  1e-6, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		double got = NAN, err;

		ASSERT_EQ(0, model_value(kv[i].args, kv[i].key, &got))
			TH_LOG("qnet-model -j %s: no \"%s\"", kv[i].args,
			       kv[i].key);
		err = fabs(got - kv[i].want);
		if (kv[i].rel)
			err /= fabs(kv[i].want);
		EXPECT_TRUE(err <= kv[i].tol)
			TH_LOG("%s: %s = %.12g, want %.12g (%s err %.3g > %g)",
			       kv[i].args, kv[i].key, got, kv[i].want,
			       kv[i].rel ? "rel" : "abs", err, kv[i].tol);
	}
}

/* --help succeeds; nonsense fails with a message */
TEST(model_cli)
{
	EXPECT_EQ(0, system("./qnet-model --help >/dev/null"));
	EXPECT_NE(0, system("./qnet-model link length 5furlongs 2>/dev/null"));
	EXPECT_NE(0, system("./qnet-model link scheme telepathy 2>/dev/null"));
	EXPECT_NE(0, system("./qnet-model frobnicate 1 2>/dev/null"));
	EXPECT_EQ(0, system("./qnet-model link length 25km alpha 5% hops 3 purify 2 >/dev/null"));
}

/*
 * -p is -j indented: the same document, from its first byte (no blank
 * line before it), 4 spaces a level, one newline at the end.
 */
TEST(model_pretty_is_json_indented)
{
	const char *const cmds[] = {
		"./qnet-model -p link length 2km",
		"./qnet-model predict -p length 2km scheme direct",
	};
	char buf[8192];
	size_t i, n;
	FILE *f;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		f = popen(cmds[i], "r");
		ASSERT_NE(NULL, f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		EXPECT_EQ(0, pclose(f));
		ASSERT_LT(2U, n);
		EXPECT_EQ('{', buf[0]) TH_LOG("%s: starts \"%.8s\"", cmds[i], buf);
		EXPECT_EQ(0, strncmp(buf, "{\n    \"links\": [\n        {\n", 26))
			TH_LOG("%s: \"%.40s\"", cmds[i], buf);
		EXPECT_EQ(0, strcmp(buf + n - 3, "\n}\n"));
	}
}

/*
 * predict, one link: the closed forms (Documentation/model.rst): the
 * n-th pair at (n / p - 1) periods + the herald delay on average; with
 * no memory decay the head's fidelity is the heralded one, in ppm as the
 * records have it; with T2 both qubits have decayed since the emission,
 * a herald delay before the head delivers, and the tail's a delay more.
 */
TEST(predict_one_link_closed_form)
{
	const char *args = "predict -n 200 t2 100ms";
	double p, period, herald, rate, fid, fh, tail;

	ASSERT_EQ(0, model_value(args, "p_attempt", &p));
	ASSERT_EQ(0, model_value(args, "attempt_period_ns", &period));
	ASSERT_EQ(0, model_value(args, "herald_delay_ns", &herald));
	ASSERT_EQ(0, model_value(args, "rate_hz", &rate));
	ASSERT_EQ(0, model_value(args, "fidelity", &fid));
	ASSERT_EQ(0, model_value(args, "fidelity_herald", &fh));
	ASSERT_EQ(0, model_value(args, "fidelity_tail", &tail));
	EXPECT_LT(fabs(rate / (200 / ((200 / p - 1) * period + herald) * 1e9) -
		       1), 1e-9);
	EXPECT_LT(fid, fh);
	/* the tail's qubit waited one delay more */
	EXPECT_LT(tail, fid);

	args = "predict -n 200 t2 0";
	ASSERT_EQ(0, model_value(args, "fidelity", &fid));
	ASSERT_EQ(0, model_value(args, "fidelity_herald", &fh));
	ASSERT_EQ(0, model_value(args, "fidelity_tail", &tail));
	EXPECT_LT(fabs(fid - round(fh * 1e6) / 1e6), 1e-9);
	EXPECT_LT(fabs(tail - fid), 1e-9);
}

/*
 * The Monte Carlo replays the protocol; where the closed form exists it
 * must agree with it: the rate within 4 of its standard errors, the
 * fidelities exactly (every pair waits the same).
 */
TEST(predict_monte_carlo_meets_closed_form)
{
	static const char *const links[] = {
		"t2 100ms", "scheme double-click length 10km t2 10ms",
		"scheme direct length 2km source-fidelity 95%",
	};
	char exact[256], mc[256];
	double r_e, r_m, se, f_e, f_m, t_e, t_m;
	size_t i;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(exact, sizeof(exact), "predict -n 100 %s", links[i]);
		snprintf(mc, sizeof(mc), "predict -n 100 -r 400 -s 3 -m %s",
			 links[i]);
		ASSERT_EQ(0, model_value(exact, "rate_hz", &r_e));
		ASSERT_EQ(0, model_value(mc, "rate_hz", &r_m));
		ASSERT_EQ(0, model_value(mc, "rate_se_hz", &se));
		ASSERT_EQ(0, model_value(exact, "fidelity", &f_e));
		ASSERT_EQ(0, model_value(mc, "fidelity", &f_m));
		ASSERT_EQ(0, model_value(exact, "fidelity_tail", &t_e));
		ASSERT_EQ(0, model_value(mc, "fidelity_tail", &t_m));
		EXPECT_GT(se, 0);
		EXPECT_LE(fabs(r_e - r_m), 4 * se) {
			TH_LOG("%s: exact %g, Monte Carlo %g +- %g", links[i],
			       r_e, r_m, se);
		}
		EXPECT_LT(fabs(f_e - f_m), 1e-9);
		EXPECT_LT(fabs(t_e - t_m), 1e-9);
	}
}

/*
 * A chain without memory decay delivers one fidelity, whatever the
 * waits; a chain is slower than one of its links; the same seed repeats.
 */
TEST(predict_chain)
{
	double f, sd, r1, r3, a, b;

	ASSERT_EQ(0, model_value("predict -n 50 t2 0 hops 3", "fidelity", &f));
	ASSERT_EQ(0, model_value("predict -n 50 t2 0 hops 3", "fidelity_sd",
				 &sd));
	EXPECT_EQ(0, sd);
	ASSERT_EQ(0, model_value("predict -n 50", "rate_hz", &r1));
	ASSERT_EQ(0, model_value("predict -n 50 hops 3", "rate_hz", &r3));
	EXPECT_LT(r3, r1);
	ASSERT_EQ(0, model_value("predict -n 50 -s 9 hops 2 t2 10ms",
				 "fidelity", &a));
	ASSERT_EQ(0, model_value("predict -n 50 -s 9 hops 2 t2 10ms",
				 "fidelity", &b));
	EXPECT_EQ(a, b);
}

/* predict takes qnetctl link's words and units, and refuses the rest. */
TEST(predict_cli)
{
	double v;

	EXPECT_EQ(0, model_value("predict -n 10 length 25km atten 0.2dB/km rate 1MHz efficiency 90% dark 10Hz t2 100ms cutoff 5ms slots 2 seed 7 time-scale 0",
				 "efficiency_ppm", &v));
	EXPECT_EQ(900000, v);
	EXPECT_NE(0, model_value("predict eff 0.9 2>/dev/null", "rate_hz", &v));
	EXPECT_NE(0, model_value("predict continuous on 2>/dev/null", "rate_hz",
				 &v));
	EXPECT_NE(0, model_value("predict link link link hops 2 2>/dev/null",
				 "rate_hz", &v));
	EXPECT_NE(0, model_value("predict scheme single-click alpha 0 2>/dev/null",
				 "rate_hz", &v));
	/* one link of 0.9 can never give 0.99: said, not looped on */
	EXPECT_NE(0, model_value("predict min-fidelity 0.99 2>/dev/null",
				 "rate_hz", &v));
	EXPECT_NE(0, model_value("predict hops 2 min-fidelity 0.99 2>/dev/null",
				 "rate_hz", &v));
}

TEST_HARNESS_MAIN
