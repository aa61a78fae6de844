/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qsim.h - predict what the emulator delivers for one request over a
 * chain: pairs per emulated second and mean delivered fidelity, under
 * the network layer's swap-asap protocol with its classical messages,
 * memory waits, cutoffs, minimum fidelity and link purification.
 *
 * Exact closed forms where they exist (one link, no purification);
 * otherwise a seeded Monte Carlo that replays the kernel's protocol in
 * emulated time on the kernel's own physics core (kernel/q*.c). No
 * parsing and no printing here: predict.c is the command line.
 * Documentation/model.rst says what is modelled and how it is tested.
 */
#ifndef _QNET_QSIM_H
#define _QNET_QSIM_H

#include <linux/qnet.h>

#include "qlink_params.h"
#include "qlinkmodel.h"
#include "qstate.h"

#define QSIM_MAX_LINKS		64
#define QSIM_MAX_ROUNDS		3	/* QNET_PURIFY_MAX_ROUNDS */

/*
 * One link, in the kernel's units and with its meaning (struct
 * qlink_params, Documentation/qlink.rst "Parameters").
 */
#define QSIM_LINK_MEMBER(_f, _a, _t, _min, _max, _def, _kw, _js, _u) \
	_t _f;

/* A link, with every parameter the kernel's has (qlink_params.h). */
struct qsim_link {
	QLINK_PARAMS(QSIM_LINK_MEMBER)
};

/*
 * The request, as struct qnet_request says it (a measuring request: each
 * end's qubit stops decohering at its delivery), and how to predict it.
 * @num_pairs: pairs the request asks for
 * @min_fid_ppm: minimum fidelity (0: any)
 * @bbpssw: QNET_REQ_F_BBPSSW (else DEJMPS)
 * @runs: Monte Carlo: independent repetitions of the request, each from
 *        idle links at time 0
 * @seed: Monte Carlo: seed of every generator
 * @monte_carlo: simulate even where a closed form exists
 */
struct qsim_request {
	u32 num_pairs;
	u32 min_fid_ppm;
	bool bbpssw;
	u32 runs;
	u64 seed;
	bool monte_carlo;
};

/**
 * struct qsim_result - the prediction
 * @exact: closed forms (standard errors 0), else Monte Carlo
 * @rounds: purification rounds each link's binding end plans
 * @pairs: pairs delivered at the head over all runs
 * @time_ns: mean emulated time from the request to the head's last
 *           delivery (to the request's num_pairs-th pair)
 * @time_sd_ns: its standard deviation over runs
 * @rate_hz: pairs per emulated second, num_pairs / @time_ns
 * @rate_se_hz: standard error of @rate_hz
 * @fid: mean fidelity of the head's records (as delivered: at the head's
 *       delivery time, ppm-rounded as the records are)
 * @fid_sd: standard deviation of one record's fidelity
 * @fid_se: standard error of @fid
 * @fid_tail: mean fidelity of the tail's records, @fid_tail_se its error
 * @latency_ns: mean time from a pair's creation (first herald) to the
 *              head's delivery
 * @rejected: attempts the head rejected (below the minimum at the tail)
 * @discarded: attempts a repeater gave up (cutoff, fidelity, swap failed)
 * @purify_ok: purification rounds that succeeded
 * @purify_failed: and failed
 * @events: Monte Carlo events run
 */
struct qsim_result {
	bool exact;
	u8 rounds[QSIM_MAX_LINKS];
	u64 pairs;
	double time_ns, time_sd_ns;
	double rate_hz, rate_se_hz;
	double fid, fid_sd, fid_se;
	double fid_tail, fid_tail_se;
	double latency_ns;
	u64 rejected, discarded;
	u64 purify_ok, purify_failed;
	u64 events;
};

/* the kernel's defaults (kernel/link.c: qlink_params_default()) */
void qsim_link_default(struct qsim_link *l);

/* the physics core's view of @l, as kernel/link.c qlink_model_params() */
void qsim_link_model_params(const struct qsim_link *l,
			    struct qstate_link_params *lp);

/*
 * Predict @req over the chain @links[0 .. @nlinks - 1] (link 0 at the
 * head). Returns 0, or -EINVAL with a reason in @err: parameters the
 * kernel would refuse, or a request that can never be met.
 */
int qsim_predict(const struct qsim_link *links, unsigned int nlinks,
		 const struct qsim_request *req, struct qsim_result *res,
		 const char **err);

#endif /* _QNET_QSIM_H */
