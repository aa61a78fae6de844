/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qmodel.h - expected figures of a qnet path, computed with the kernel's
 * own physics core (kernel/qmath.c, qstate.c, qlinkmodel.c): per link the
 * success probability per attempt, attempt period, pair rate, heralded
 * fidelity and fidelity after storage; for the path the end-to-end
 * fidelity after entanglement swapping and optional purification, the
 * QBER, the BBM92 secret fraction and key rate, and the PLOB bounds.
 *
 * No parsing and no printing here: qnet-model (model.c) and, later,
 * `qnetctl model` call qmodel_compute() and present the result.
 */
#ifndef _QNET_QMODEL_H
#define _QNET_QMODEL_H

#include "qlinkmodel.h"

#define QMODEL_MAX_LINKS	64

/**
 * struct qmodel_link - one link of the path and the memories at its ends
 * @p: physical parameters
 * @t1_ns: depolarising time of the memories (0: none)
 * @t2_ns: dephasing time of the memories (0: none)
 * @wait_ns: how long each qubit of a heralded pair is stored before it
 *           is used (swapped, purified or measured)
 */
struct qmodel_link {
	struct qstate_link_params p;
	u64 t1_ns;
	u64 t2_ns;
	u64 wait_ns;
};

/**
 * struct qmodel_path - a chain of links with swap-asap repeaters
 * @link: the links, end to end
 * @nlinks: number of links (1 .. QMODEL_MAX_LINKS)
 * @swap: Bell-state measurement at each repeater
 * @purify: protocol and noise of each purification round
 * @purify_rounds: recurrence rounds on the end-to-end pairs (0: none)
 */
struct qmodel_path {
	struct qmodel_link link[QMODEL_MAX_LINKS];
	unsigned int nlinks;
	struct qstate_swap_params swap;
	struct qstate_purify_params purify;
	unsigned int purify_rounds;
};

/**
 * struct qmodel_link_result - figures of one link
 * @m: the link model (p_success, period, heralded state, ...)
 * @transmittance: 10^(-atten L / 10) over the whole link length
 * @pair_rate: heralded pairs per second (qfix Hz)
 * @stored: the heralded state after @wait_ns on both qubits
 * @plob: repeaterless (PLOB) bound of the link's whole fiber with nothing
 *        in between, -log2(1 - transmittance) bits per use
 * @plob_segment: the bound with the link's midpoint station, if any, as a
 *                relay: that of each half, -log2(1 - sqrt(transmittance))
 *                (Pirandola 2019); @plob for direct transmission
 */
struct qmodel_link_result {
	struct qstate_link_model m;
	qprob transmittance;
	qfix pair_rate;
	struct qstate stored;
	qfix plob;
	qfix plob_segment;
};

/**
 * struct qmodel_result - figures of the path
 * @link: per link
 * @length_m: total length
 * @e2e: end-to-end state after the swaps (the stored state for one link)
 * @e2e_rate_hz: end-to-end pairs per second (estimate, see qmodel.c)
 * @purify_success: product of the rounds' success probabilities
 * @final: state after the purification rounds (= @e2e without them)
 * @final_rate_hz: pairs per second after purification
 * @qber_z: QBER of @final in Z
 * @qber_x: QBER of @final in X
 * @secret_fraction: BBM92 asymptotic secret fraction 1 - h(Qx) - h(Qz)
 * @key_rate_bps: @final_rate_hz * max(0, @secret_fraction)
 * @plob_direct: repeaterless (PLOB) bound of one fiber over the whole path
 *               (bits/use)
 * @plob_direct_bps: @plob_direct at the first link's attempt rate
 * @plob_chain: bound of the chain with every node and midpoint station a
 *              relay: the smallest segment bound (bits/use)
 * @plob_chain_bps: the smallest segment bound times its link's attempt
 *                  rate
 */
struct qmodel_result {
	struct qmodel_link_result link[QMODEL_MAX_LINKS];
	u64 length_m;
	struct qstate e2e;
	double e2e_rate_hz;
	qprob purify_success;
	struct qstate final;
	double final_rate_hz;
	qprob qber_z;
	qprob qber_x;
	qfix secret_fraction;
	double key_rate_bps;
	qfix plob_direct;
	double plob_direct_bps;
	qfix plob_chain;
	double plob_chain_bps;
};

/* defaults: one link as qstate_link_params_init(), ideal repeaters */
void qmodel_path_init(struct qmodel_path *path);

/* evaluate; returns 0 or -EINVAL with a reason in @err (may be NULL) */
int qmodel_compute(const struct qmodel_path *path, struct qmodel_result *res,
		   const char **err);

/* qfix / qprob to double, for presentation only */
double qmodel_fix(qfix x);
double qmodel_prob(qprob p);

/*
 * The command line tool (model.c): parse @argv ("link length 25km ...",
 * -j, -p), print the figures; argv[0] names the tool in messages.
 * Returns the exit status.
 */
int qmodel_main(int argc, char **argv);

/*
 * `qnet-model predict ...` (predict.c): @argv after the word "predict";
 * @prog names the tool, @json and @pretty are the flags seen before it.
 * Returns the exit status.
 */
int qmodel_predict_main(int argc, char **argv, const char *prog, int json,
			int pretty);

#endif /* _QNET_QMODEL_H */
