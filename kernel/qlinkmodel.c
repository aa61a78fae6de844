// SPDX-License-Identifier: GPL-2.0
/*
 * qlinkmodel.c - heralded link model: fiber, detectors, heralding schemes.
 * See qlinkmodel.h and Documentation/physics.rst.
 *
 * Notation below: eta is the detection probability of one emitted photon,
 * q the dark-count probability of one detector in one window, and
 * P1(n) the probability that exactly one of the two detectors behind the
 * station's beam splitter clicks when n photons arrive (bunched into one
 * output port, detectors not photon-number resolving):
 *
 *	P1(0) = 2 q (1 - q)
 *	P1(n) = (1 - (1 - eta)^n) (1 - q) + (1 - eta)^n P1(0)
 */

#include "qlinkmodel.h"

void qstate_link_params_init(struct qstate_link_params *p)
{
	p->scheme = QSTATE_SINGLE_CLICK;
	p->length_m = 1000;
	p->atten_mdb_km = QSTATE_DEFAULT_ATTEN_MDB_KM;
	p->index_milli = QSTATE_DEFAULT_INDEX_MILLI;
	p->attempt_rate_hz = 1000000;
	p->alpha = QPROB_ONE / 10;
	p->emit_eff = QPROB_ONE;
	p->det_eff = QPROB_ONE;
	p->dark_rate_hz = 0;
	p->window_ns = QSTATE_DEFAULT_WINDOW_NS;
	p->visibility = QPROB_ONE;
	p->source_fid = QPROB_ONE;
}

/* 10^(-atten * length / (10^7 * div)) */
static qprob qstate_fiber_eta(u32 length_m, u32 atten_mdb_km, u32 div)
{
	u64 db = (u64)length_m * atten_mdb_km;	/* milli-dB * m */

	if (db / (10000000ULL * div) >= 40)
		return 0;	/* below 1e-40: zero in Q2.62 */
	return qmath_pow10_neg_ratio(db, 10000000ULL * div);
}

qprob qstate_fiber_transmittance(u32 length_m, u32 atten_mdb_km)
{
	return qstate_fiber_eta(length_m, atten_mdb_km, 1);
}

u64 qstate_fiber_delay_ns(u32 length_m, u32 index_milli)
{
	if (!index_milli)
		index_milli = QSTATE_DEFAULT_INDEX_MILLI;
	/* L n / c in ns = length_m * index_milli * 10^6 / c */
	return qmath_mul_div((u64)length_m * index_milli, 1000000ULL,
			     QSTATE_C_M_PER_S);
}

qprob qstate_dark_prob(u32 rate_hz, u32 window_ns)
{
	u64 x = (u64)rate_hz * window_ns;	/* Hz * ns = 1e-9 */

	if (!x)
		return 0;
	return qprob_compl(qmath_exp_neg_ratio(x, 1000000000ULL));
}

u64 qstate_attempt_period_ns(u32 attempt_rate_hz, u64 herald_ns)
{
	u64 t;

	if (!attempt_rate_hz)
		return QMATH_U64_MAX;
	t = (1000000000ULL + attempt_rate_hz / 2) / attempt_rate_hz;
	return t > herald_ns ? t : herald_ns;
}

/* P1(n) for n = 1, 2 photons arriving, see the head of the file */
static qprob qstate_one_click(qprob eta, qprob q, int n)
{
	qprob miss = qprob_compl(eta), p0, nq = qprob_compl(q);

	if (n == 2)
		miss = qprob_mul(miss, miss);
	p0 = 2 * qprob_mul(q, nq);
	return qprob_mul(qprob_compl(miss), nq) + qprob_mul(miss, p0);
}

/*
 * Heralded weights for nominal Psi+: genuine heralds with coherence cv give
 * Psi+ (1 + cv)/2 and Psi- (1 - cv)/2, partly dark heralds the Psi mixture,
 * and wrong-parity heralds (|00>, |11>) the Phi mixture.
 */
static void qstate_psi_weights(qprob w[QSTATE_NR_BELL], qprob genuine,
			       qprob cv, qprob psi_mix, qprob phi_mix)
{
	qprob half = qprob_mul(genuine, cv) / 2;

	w[QSTATE_PSI_PLUS] = genuine / 2 + half + psi_mix / 2;
	w[QSTATE_PSI_MINUS] = genuine - genuine / 2 - half + psi_mix / 2;
	w[QSTATE_PHI_PLUS] = phi_mix / 2;
	w[QSTATE_PHI_MINUS] = phi_mix - phi_mix / 2;
}

static void qstate_single_click(const struct qstate_link_params *p,
				struct qstate_link_model *m)
{
	qprob w[QSTATE_NR_BELL];
	qprob a = p->alpha, na = qprob_compl(p->alpha);
	qprob q = m->p_dark, nq = qprob_compl(q), d0 = 2 * qprob_mul(q, nq);
	qprob one = 2 * qprob_mul(a, na);	/* exactly one node emits */
	qprob genuine, psi_mix, phi_mix;

	genuine = qprob_mul(one, qprob_mul(m->eta, nq));
	psi_mix = qprob_mul(one, qprob_mul(qprob_compl(m->eta), d0));
	phi_mix = qprob_mul(qprob_mul(na, na), d0) +
		  qprob_mul(qprob_mul(a, a), qstate_one_click(m->eta, q, 2));
	m->p_success = genuine + psi_mix + phi_mix;
	m->p_genuine = genuine;
	/* single-photon interference: coherence is the overlap sqrt(V) */
	qstate_psi_weights(w, genuine, qmath_sqrt_prob(p->visibility),
			   psi_mix, phi_mix);
	qstate_init(&m->state, w, QSTATE_PSI_PLUS);
}

static void qstate_double_click(const struct qstate_link_params *p,
				struct qstate_link_model *m)
{
	qprob w[QSTATE_NR_BELL];
	qprob q = m->p_dark, nq = qprob_compl(q), d0 = 2 * qprob_mul(q, nq);
	qprob real = qprob_mul(m->eta, nq);	/* photon seen, no dark */
	qprob p1 = qstate_one_click(m->eta, q, 1);
	qprob genuine, psi_mix, phi_mix;

	/* |01>,|10> (prob 1/2): one photon per round */
	genuine = qprob_mul(real, real) / 2;
	psi_mix = (qprob_mul(p1, p1) - qprob_mul(real, real)) / 2;
	/* |00>,|11> (prob 1/2): two photons in one round, none in the other */
	phi_mix = qprob_mul(qstate_one_click(m->eta, q, 2), d0) / 2;
	m->p_success = genuine + psi_mix + phi_mix;
	m->p_genuine = genuine;
	/* two-photon interference: coherence is V */
	qstate_psi_weights(w, genuine, p->visibility, psi_mix, phi_mix);
	qstate_init(&m->state, w, QSTATE_PSI_PLUS);
}

static void qstate_direct(const struct qstate_link_params *p,
			  struct qstate_link_model *m)
{
	qprob w[QSTATE_NR_BELL];
	struct qstate src;
	qprob genuine = m->eta;
	qprob dark = qprob_mul(qprob_compl(m->eta), m->p_dark);
	int k;

	/*
	 * A photon detected (a dark count then changes nothing), or a dark
	 * count while the photon was lost: the memory is paired with nothing.
	 */
	qstate_init_werner(&src, p->source_fid, QSTATE_PHI_PLUS);
	for (k = 0; k < QSTATE_NR_BELL; k++)
		w[k] = qprob_mul(genuine, src.c[k]) + dark / 4;
	m->p_success = genuine + dark;
	m->p_genuine = genuine;
	qstate_init(&m->state, w, QSTATE_PHI_PLUS);
}

bool qstate_link_compute(const struct qstate_link_params *p,
			 struct qstate_link_model *m)
{
	u32 div = p->scheme == QSTATE_DIRECT ? 1 : 2;

	if (p->scheme >= QSTATE_NR_SCHEME || !p->attempt_rate_hz ||
	    p->alpha > QPROB_ONE || p->emit_eff > QPROB_ONE ||
	    p->det_eff > QPROB_ONE || p->visibility > QPROB_ONE ||
	    p->source_fid > QPROB_ONE)
		return false;

	m->eta_fiber = qstate_fiber_eta(p->length_m, p->atten_mdb_km, div);
	m->eta = qprob_mul(qprob_mul(p->emit_eff, m->eta_fiber), p->det_eff);
	m->p_dark = qstate_dark_prob(p->dark_rate_hz, p->window_ns);
	m->delay_ns = qstate_fiber_delay_ns(p->length_m, p->index_milli);
	/*
	 * Midpoint: photon to the station and its answer back; direct: the
	 * photon to the far node and the acknowledgment back.
	 */
	m->herald_ns = p->scheme == QSTATE_DIRECT ? 2 * m->delay_ns :
		       m->delay_ns;
	m->period_ns = qstate_attempt_period_ns(p->attempt_rate_hz,
						m->herald_ns);
	/*
	 * A memory holds its qubit from when the qubit exists: both nodes
	 * emit at once in the midpoint schemes; with direct transmission the
	 * receiver's qubit is the photon, stored when it arrives.
	 */
	m->store_ns[0] = 0;
	m->store_ns[1] = p->scheme == QSTATE_DIRECT ? m->delay_ns : 0;

	switch (p->scheme) {
	case QSTATE_SINGLE_CLICK:
		qstate_single_click(p, m);
		break;
	case QSTATE_DOUBLE_CLICK:
		qstate_double_click(p, m);
		break;
	default:
		qstate_direct(p, m);
		break;
	}
	return true;
}

qfix qstate_link_pair_rate(const struct qstate_link_model *m)
{
	/* p * 10^9 in Q32.32 units, then per period */
	unsigned __int128 n = (unsigned __int128)m->p_success * 1000000000ULL;
	u64 r;

	n >>= QPROB_SHIFT - QFIX_SHIFT;
	r = qmath_div128((u64)(n >> 64), (u64)n, m->period_ns);
	return r > (u64)QFIX_MAX ? QFIX_MAX : (qfix)r;
}

void qstate_link_sample_state(const struct qstate_link_model *m,
			      struct qmath_rng *rng, struct qstate *s)
{
	*s = m->state;
	if (m->state.bell != QSTATE_PHI_PLUS && (qmath_rng_u64(rng) >> 63))
		qstate_apply_pauli(s, QSTATE_PHI_MINUS);
}
