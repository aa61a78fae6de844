// SPDX-License-Identifier: GPL-2.0
/*
 * qmodel.c - expected figures of a qnet path from the kernel's physics
 * core. Every physical quantity comes from kernel/q*.c in fixed point;
 * double appears only where independent links are combined into an
 * end-to-end rate, a queueing estimate that the kernel never needs.
 *
 * Assumptions (Documentation/physics.rst, "The model tool"):
 * - each link's pair is stored for its wait time on both qubits, then
 *   swapped (swap-asap, left to right; the result does not depend on the
 *   order for Bell-diagonal states);
 * - the time until every link of the chain holds a pair is the maximum of
 *   independent exponential times with the links' pair rates (exact for
 *   one link, the usual continuous approximation for several); a failed
 *   swap restarts the whole chain, so the end-to-end rate is
 *   p_bsm^(N-1) / E[max];
 * - a purification round uses two end-to-end pairs and keeps one with its
 *   success probability: rate' = rate * P / 2 (no storage between rounds).
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "qmodel.h"

double qmodel_fix(qfix x)
{
	return (double)x / 4294967296.0;
}

double qmodel_prob(qprob p)
{
	return (double)p / 4611686018427387904.0;
}

void qmodel_path_init(struct qmodel_path *path)
{
	memset(path, 0, sizeof(*path));
	qstate_link_params_init(&path->link[0].p);
	path->nlinks = 1;
	path->swap.p_bsm = QPROB_ONE;
	path->purify.proto = QSTATE_PURIFY_DEJMPS;
	/* the same gate and readout at both nodes of a link */
	path->purify.gate_depol_b = QSTATE_PURIFY_SAME;
	path->purify.readout_err_b = QSTATE_PURIFY_SAME;
}

/* E[max_i T_i] for independent T_i ~ Exp(rate_i): integral of the tail */
static double expected_max(const double *rate, unsigned int n)
{
	const int steps = 20000;	/* Simpson; error far below 1e-9 */
	double lo = rate[0], t_end, h, sum = 0;
	unsigned int i;
	int k;

	for (i = 1; i < n; i++)
		lo = fmin(lo, rate[i]);
	t_end = (45 + log(n)) / lo;
	h = t_end / steps;
	for (k = 0; k <= steps; k++) {
		double t = k * h, all = 1;

		for (i = 0; i < n; i++)
			all *= -expm1(-rate[i] * t);
		sum += (k == 0 || k == steps ? 1 : k & 1 ? 4 : 2) * (1 - all);
	}
	return sum * h / 3;
}

int qmodel_compute(const struct qmodel_path *path, struct qmodel_result *res,
		   const char **err)
{
	double rate[QMODEL_MAX_LINKS], chain_bps = INFINITY;
	qprob eta_all = QPROB_ONE;
	unsigned int i, r;
	const char *dummy;

	if (!err)
		err = &dummy;
	memset(res, 0, sizeof(*res));
	if (!path->nlinks || path->nlinks > QMODEL_MAX_LINKS) {
		*err = "number of links out of range";
		return -EINVAL;
	}

	res->plob_chain = QFIX_MAX;
	for (i = 0; i < path->nlinks; i++) {
		const struct qmodel_link *l = &path->link[i];
		struct qmodel_link_result *lr = &res->link[i];
		double bps;

		if (!qstate_link_compute(&l->p, &lr->m)) {
			*err = "link parameters out of range";
			return -EINVAL;
		}
		lr->transmittance = qstate_fiber_transmittance(l->p.length_m,
							       l->p.atten_mdb_km);
		lr->pair_rate = qstate_link_pair_rate(&lr->m);
		lr->stored = lr->m.state;
		qstate_decohere(&lr->stored, l->wait_ns, l->t1_ns, l->t2_ns);
		qstate_decohere(&lr->stored, l->wait_ns, l->t1_ns, l->t2_ns);
		lr->plob = qstate_plob(lr->transmittance);
		/* a photon crosses eta_fiber: half the link at a station */
		lr->plob_segment = qstate_plob(lr->m.eta_fiber);

		res->length_m += l->p.length_m;
		eta_all = qprob_mul(eta_all, lr->transmittance);
		rate[i] = qmodel_fix(lr->pair_rate);
		if (lr->plob_segment < res->plob_chain)
			res->plob_chain = lr->plob_segment;
		bps = qmodel_fix(lr->plob_segment) * l->p.attempt_rate_hz;
		chain_bps = fmin(chain_bps, bps);

		/* swap outcome Phi+: any outcome gives the same fidelity */
		if (i == 0)
			res->e2e = lr->stored;
		else
			qstate_swap(&res->e2e, &res->e2e, &lr->stored,
				    QSTATE_PHI_PLUS, &path->swap);
	}

	for (i = 0; i < path->nlinks && rate[i] > 0; i++)
		;
	if (i < path->nlinks)
		res->e2e_rate_hz = 0;
	else if (path->nlinks == 1)
		res->e2e_rate_hz = rate[0];
	else
		res->e2e_rate_hz = pow(qmodel_prob(path->swap.p_bsm),
				       path->nlinks - 1) /
				   expected_max(rate, path->nlinks);

	res->final = res->e2e;
	res->final_rate_hz = res->e2e_rate_hz;
	res->purify_success = QPROB_ONE;
	for (r = 0; r < path->purify_rounds; r++) {
		struct qstate t;
		qprob p = qstate_purify(&t, &res->final, &res->final,
					&path->purify);

		res->final = t;
		res->purify_success = qprob_mul(res->purify_success, p);
		res->final_rate_hz *= qmodel_prob(p) / 2;
	}

	res->qber_z = qstate_qber(&res->final, QSTATE_BASIS_Z);
	res->qber_x = qstate_qber(&res->final, QSTATE_BASIS_X);
	res->secret_fraction = qstate_bbm92_fraction(res->qber_x, res->qber_z);
	res->key_rate_bps = res->final_rate_hz *
			    fmax(0, qmodel_fix(res->secret_fraction));
	res->plob_direct = qstate_plob(eta_all);
	res->plob_direct_bps = qmodel_fix(res->plob_direct) *
			       path->link[0].p.attempt_rate_hz;
	res->plob_chain_bps = chain_bps;
	return 0;
}
