// SPDX-License-Identifier: GPL-2.0
/*
 * qstate.c - Bell-diagonal states: decoherence, swapping, purification,
 * measurement and QKD figures. See qstate.h and Documentation/physics.rst.
 *
 * Sums of products are accumulated exactly in 128 bits and rounded once;
 * qstate_fix() then restores the exact normalisation.
 */

#include "qstate.h"

/* the (x, z) bits of a Pauli, I X Y Z = 0..3, and back */
static inline int qstate_xbit(int p)
{
	return (p ^ (p >> 1)) & 1;
}

static inline int qstate_zbit(int p)
{
	return (p >> 1) & 1;
}

static inline int qstate_pauli(int x, int z)
{
	return ((z << 1) | x) ^ z;
}

/* make the four coefficients sum to exactly QPROB_ONE */
static void qstate_fix(struct qstate *s)
{
	qprob sum = 0;
	int i, big = 0;

	for (i = 0; i < QSTATE_NR_BELL; i++) {
		if (s->c[i] > QPROB_ONE)
			s->c[i] = QPROB_ONE;
		sum += s->c[i];
		if (s->c[i] > s->c[big])
			big = i;
	}
	/* the largest is at least a quarter: the residual cannot underflow */
	s->c[big] += QPROB_ONE - sum;
	s->bell &= 3;
}

/* round a 128-bit sum of products of two qprob values */
static qprob qstate_round2(unsigned __int128 acc)
{
	acc = (acc + (QPROB_ONE >> 1)) >> QPROB_SHIFT;
	return acc >> 64 ? QPROB_MAX : (qprob)acc;
}

void qstate_init_werner(struct qstate *s, qprob f, u8 bell)
{
	qprob rest;
	int i;

	if (f > QPROB_ONE)
		f = QPROB_ONE;
	rest = qprob_ratio(QPROB_ONE - f, 3ULL << QPROB_SHIFT);
	for (i = 0; i < QSTATE_NR_BELL; i++)
		s->c[i] = rest;
	s->bell = bell & 3;
	s->c[s->bell] = f;
	qstate_fix(s);
}

bool qstate_init(struct qstate *s, const qprob w[QSTATE_NR_BELL], u8 bell)
{
	qprob sum = 0;
	int i;

	for (i = 0; i < QSTATE_NR_BELL; i++)
		sum += w[i];
	if (!sum) {
		qstate_init_werner(s, QPROB_ONE / 4, bell);
		return false;
	}
	for (i = 0; i < QSTATE_NR_BELL; i++)
		s->c[i] = qprob_div(w[i], sum);
	s->bell = bell & 3;
	qstate_fix(s);
	return true;
}

qfix qstate_werner_param(const struct qstate *s)
{
	return (4 * qprob_to_fix(qstate_fidelity(s)) - QFIX_ONE) / 3;
}

void qstate_twirl(struct qstate *s)
{
	qstate_init_werner(s, qstate_fidelity(s), s->bell);
}

void qstate_apply_pauli(struct qstate *s, u8 p)
{
	struct qstate t = *s;
	int k;

	for (k = 0; k < QSTATE_NR_BELL; k++)
		s->c[qstate_bell_compose(k, p)] = t.c[k];
	s->bell = qstate_bell_compose(t.bell, p);
}

/* out[k] = sum_p w[p] c[k o p], exact accumulation */
static void qstate_convolve(qprob out[QSTATE_NR_BELL],
			    const qprob c[QSTATE_NR_BELL],
			    const qprob w[QSTATE_NR_BELL])
{
	int k, p;

	for (k = 0; k < QSTATE_NR_BELL; k++) {
		unsigned __int128 acc = 0;

		for (p = 0; p < QSTATE_NR_BELL; p++)
			acc += (unsigned __int128)w[p] *
			       c[qstate_bell_compose(k, p)];
		out[k] = qstate_round2(acc);
	}
}

void qstate_pauli_channel(struct qstate *s, const qprob w[QSTATE_NR_BELL])
{
	qprob c[QSTATE_NR_BELL];
	int i;

	qstate_convolve(c, s->c, w);
	for (i = 0; i < QSTATE_NR_BELL; i++)
		s->c[i] = c[i];
	qstate_fix(s);
}

void qstate_depolarise(struct qstate *s, qprob lambda)
{
	qprob w[QSTATE_NR_BELL];

	if (lambda > QPROB_ONE)
		lambda = QPROB_ONE;
	w[1] = (QPROB_ONE - lambda) / 4;
	w[2] = w[1];
	w[3] = w[1];
	w[0] = QPROB_ONE - 3 * w[1];
	qstate_pauli_channel(s, w);
}

void qstate_dephase(struct qstate *s, qprob lambda)
{
	qprob w[QSTATE_NR_BELL] = { 0 };

	if (lambda > QPROB_ONE)
		lambda = QPROB_ONE;
	w[QSTATE_PHI_MINUS] = (QPROB_ONE - lambda) / 2;
	w[QSTATE_PHI_PLUS] = QPROB_ONE - w[QSTATE_PHI_MINUS];
	qstate_pauli_channel(s, w);
}

/* exp(-dt / tau) as a probability; exponents past 64 give 0 */
static qprob qstate_decay(u64 dt_ns, u64 tau_ns)
{
	if (!dt_ns)
		return QPROB_ONE;
	if (dt_ns / tau_ns >= 64)
		return 0;
	return qmath_exp_neg_ratio(dt_ns, tau_ns);
}

/*
 * The Pauli transfer factors of a memory qubit stored for dt: lz =
 * e^(-dt/T1) on Z, lxy = e^(-dt/T2) on X and Y (with no T2, the
 * e^(-dt/2T1) that T1 alone leaves).
 */
static void qstate_transfer(u64 dt_ns, u64 t1_ns, u64 t2_ns, qprob *lz,
			    qprob *lxy)
{
	qprob cap;

	*lz = QPROB_ONE;
	*lxy = QPROB_ONE;
	if (!dt_ns || (!t1_ns && !t2_ns))
		return;
	if (t1_ns)
		*lz = qstate_decay(dt_ns, t1_ns);
	if (t2_ns)
		*lxy = qstate_decay(dt_ns, t2_ns);
	else if (t1_ns <= QMATH_U64_MAX / 2)
		*lxy = qstate_decay(dt_ns, 2 * t1_ns);
	else
		*lxy = qstate_decay(dt_ns / 2, t1_ns);
	/*
	 * T2 > 2 T1 has no physical channel (the link layer refuses it);
	 * cap the coherence so that pZ cannot go negative. With T2 <= 2 T1,
	 * lxy <= sqrt(lz) <= (1 + lz)/2 and the cap never bites.
	 */
	cap = (QPROB_ONE + *lz) / 2;
	if (*lxy > cap)
		*lxy = cap;
}

/*
 * A memory qubit stored for dt: the Pauli twirl of amplitude damping with
 * time T1 and pure dephasing that brings the total coherence time to T2.
 * The Pauli transfer factors multiply over time, so the channel is given
 * by them (qstate_transfer()). Then
 *
 *	pX = pY = (1 - lz)/4,  pZ = (1 + lz - 2 lxy)/4,  pI = the rest.
 */
void qstate_decohere(struct qstate *s, u64 dt_ns, u64 t1_ns, u64 t2_ns)
{
	qprob w[QSTATE_NR_BELL], lz, lxy;

	if (!dt_ns || (!t1_ns && !t2_ns))
		return;
	qstate_transfer(dt_ns, t1_ns, t2_ns, &lz, &lxy);
	w[QSTATE_PSI_PLUS] = (QPROB_ONE - lz) / 4;		/* X */
	w[QSTATE_PSI_MINUS] = w[QSTATE_PSI_PLUS];		/* Y */
	w[QSTATE_PHI_MINUS] = (QPROB_ONE + lz - 2 * lxy) / 4;	/* Z */
	w[QSTATE_PHI_PLUS] = QPROB_ONE - 2 * w[QSTATE_PSI_PLUS] -
			     w[QSTATE_PHI_MINUS];
	qstate_pauli_channel(s, w);
}

/*
 * The Paulis that anticommute with the measured one flip the outcome: X
 * and Y in Z (pX + pY = (1 - lz)/2), Y and Z in X and X and Z in Y
 * (pY + pZ = pX + pZ = (1 - lxy)/2).
 */
qprob qstate_flip_prob(u64 dt_ns, u64 t1_ns, u64 t2_ns, u8 basis)
{
	qprob lz, lxy;

	qstate_transfer(dt_ns, t1_ns, t2_ns, &lz, &lxy);
	return (QPROB_ONE - (basis == QSTATE_BASIS_Z ? lz : lxy)) / 2;
}

/* readout: each of the two measured bits flips with probability e */
static void qstate_readout_weights(qprob w[QSTATE_NR_BELL], qprob e)
{
	qprob ok = qprob_compl(e);

	w[QSTATE_PSI_PLUS] = qprob_mul(e, ok);		/* x bit wrong */
	w[QSTATE_PHI_MINUS] = w[QSTATE_PSI_PLUS];	/* z bit wrong */
	w[QSTATE_PSI_MINUS] = qprob_mul(e, e);		/* both */
	w[QSTATE_PHI_PLUS] = QPROB_ONE - 2 * w[QSTATE_PSI_PLUS] -
			     w[QSTATE_PSI_MINUS];
}

void qstate_swap(struct qstate *out, const struct qstate *a,
		 const struct qstate *b, u8 outcome,
		 const struct qstate_swap_params *prm)
{
	qprob w[QSTATE_NR_BELL];
	struct qstate t;
	int k;

	/* result label i o j o outcome; b->c as the weights of a's frame */
	for (k = 0; k < QSTATE_NR_BELL; k++)
		w[k] = b->c[qstate_bell_compose(k, outcome)];
	qstate_convolve(t.c, a->c, w);
	t.bell = qstate_bell_compose(qstate_bell_compose(a->bell, b->bell),
				     outcome);
	qstate_fix(&t);

	if (prm && prm->gate_depol)
		qstate_depolarise(&t, qprob_compl(prm->gate_depol));
	if (prm && prm->readout_err) {
		qstate_readout_weights(w, prm->readout_err);
		qstate_pauli_channel(&t, w);
	}
	*out = t;
}

bool qstate_swap_sample(struct qstate *out, const struct qstate *a,
			const struct qstate *b,
			const struct qstate_swap_params *prm,
			struct qmath_rng *rng, u8 *outcome)
{
	u64 r = qmath_rng_u64(rng);
	u8 m = r & 3;

	/* the top 62 bits decide success, the bottom two the outcome */
	if (prm && (r >> (64 - QPROB_SHIFT)) >= prm->p_bsm)
		return false;
	if (outcome)
		*outcome = m;
	qstate_swap(out, a, b, m, prm);
	return true;
}

/*
 * Bilateral CNOT from pair 1 (kept, control) to pair 2 (measured, target),
 * on Pauli error distributions e1, e2 relative to the nominal state: the X
 * bit of the measured pair's error becomes x1 ^ x2 (parity checked), the
 * kept pair's error becomes (x1, z1 ^ z2). Accepted: even parity, except
 * that the check errs with probability @flip. Returns the acceptance
 * probability; @acc gets the unnormalised accepted errors.
 */
static qprob qstate_bicnot(qprob acc[QSTATE_NR_BELL],
			   const qprob e1[QSTATE_NR_BELL],
			   const qprob e2[QSTATE_NR_BELL], qprob flip)
{
	unsigned __int128 even[QSTATE_NR_BELL] = { 0 };
	unsigned __int128 odd[QSTATE_NR_BELL] = { 0 };
	qprob keep = qprob_compl(flip), sum = 0;
	int i, j, k;

	for (i = 0; i < QSTATE_NR_BELL; i++) {
		for (j = 0; j < QSTATE_NR_BELL; j++) {
			unsigned __int128 pr = (unsigned __int128)e1[i] * e2[j];

			k = qstate_pauli(qstate_xbit(i),
					 qstate_zbit(i) ^ qstate_zbit(j));
			if (qstate_xbit(i) == qstate_xbit(j))
				even[k] += pr;
			else
				odd[k] += pr;
		}
	}
	for (k = 0; k < QSTATE_NR_BELL; k++) {
		qprob ev = qstate_round2(even[k]), od = qstate_round2(odd[k]);

		acc[k] = flip ? qprob_mul(keep, ev) + qprob_mul(flip, od) : ev;
		sum += acc[k];
	}
	return sum;
}

/* errors of @s relative to its nominal state */
static void qstate_errors(qprob e[QSTATE_NR_BELL], const struct qstate *s)
{
	int k;

	for (k = 0; k < QSTATE_NR_BELL; k++)
		e[k] = s->c[qstate_bell_compose(k, s->bell)];
}

/* node B's figure of a struct qstate_purify_params */
static qprob qstate_node_b(qprob b, qprob a)
{
	return b > QPROB_ONE ? a : b;
}

qprob qstate_purify(struct qstate *out, const struct qstate *a,
		    const struct qstate *b,
		    const struct qstate_purify_params *prm)
{
	qprob e1[QSTATE_NR_BELL], e2[QSTATE_NR_BELL], acc[QSTATE_NR_BELL];
	qprob ea = 0, eb = 0, keep = QPROB_ONE, flip, succ, t;
	u8 bell = a->bell & 3;
	int k;

	qstate_errors(e1, a);
	qstate_errors(e2, b);
	if (prm) {
		ea = prm->readout_err;
		eb = qstate_node_b(prm->readout_err_b, ea);
		/* both gates must spare the inputs: (1 - g_A)(1 - g_B) */
		keep = qprob_mul(qprob_compl(prm->gate_depol),
				 qprob_compl(qstate_node_b(prm->gate_depol_b,
							   prm->gate_depol)));
	}
	/* exactly one of the two parity bits misread */
	flip = qprob_mul(ea, qprob_compl(eb)) + qprob_mul(eb, qprob_compl(ea));

	if (prm && prm->proto == QSTATE_PURIFY_BBPSSW) {
		/* twirl the inputs: Werner errors (F, (1-F)/3 x 3) */
		for (k = 1; k < QSTATE_NR_BELL; k++) {
			e1[k] = qprob_ratio(QPROB_ONE - e1[0],
					    3ULL << QPROB_SHIFT);
			e2[k] = qprob_ratio(QPROB_ONE - e2[0],
					    3ULL << QPROB_SHIFT);
		}
	} else {
		/*
		 * DEJMPS rotations (Rx(pi/2) at one end, Rx(-pi/2) at the
		 * other) exchange the Psi- and Phi- error components.
		 */
		t = e1[QSTATE_PSI_MINUS];
		e1[QSTATE_PSI_MINUS] = e1[QSTATE_PHI_MINUS];
		e1[QSTATE_PHI_MINUS] = t;
		t = e2[QSTATE_PSI_MINUS];
		e2[QSTATE_PSI_MINUS] = e2[QSTATE_PHI_MINUS];
		e2[QSTATE_PHI_MINUS] = t;
	}

	succ = qstate_bicnot(acc, e1, e2, flip);
	if (keep < QPROB_ONE) {
		/*
		 * A depolarised gate leaves both pairs maximally mixed (I/16):
		 * they pass the check with 1/2 and leave the kept pair at I/4,
		 * whatever the rotations and readout did.
		 */
		t = qprob_compl(keep);
		succ = 0;
		for (k = 0; k < QSTATE_NR_BELL; k++) {
			acc[k] = qprob_mul(keep, acc[k]) + t / 8;
			succ += acc[k];
		}
	}
	/* back to absolute labels in the frame of the kept pair */
	for (k = 0; k < QSTATE_NR_BELL; k++)
		e1[qstate_bell_compose(k, bell)] = acc[k];
	qstate_init(out, e1, bell);
	if (prm && prm->proto == QSTATE_PURIFY_BBPSSW)
		qstate_twirl(out);
	return succ;
}

bool qstate_purify_sample(struct qstate *out, const struct qstate *a,
			  const struct qstate *b,
			  const struct qstate_purify_params *prm,
			  struct qmath_rng *rng)
{
	struct qstate t;
	qprob p = qstate_purify(&t, a, b, prm);

	if (!qmath_rng_bernoulli(rng, p))
		return false;
	*out = t;
	return true;
}

bool qstate_bell_anticorrelated(u8 bell, u8 basis)
{
	/* Z: x bit set; X: z bit set; Y: x ^ z ^ 1 */
	switch (basis) {
	case QSTATE_BASIS_X:
		return qstate_zbit(bell & 3);
	case QSTATE_BASIS_Y:
		return !(qstate_xbit(bell & 3) ^ qstate_zbit(bell & 3));
	default:
		return qstate_xbit(bell & 3);
	}
}

qprob qstate_disagree_prob(const struct qstate *s, u8 basis)
{
	qprob sum = 0;
	int k;

	for (k = 0; k < QSTATE_NR_BELL; k++)
		if (qstate_bell_anticorrelated(k, basis))
			sum += s->c[k];
	return sum;
}

qprob qstate_qber(const struct qstate *s, u8 basis)
{
	qprob d = qstate_disagree_prob(s, basis);

	return qstate_bell_anticorrelated(s->bell, basis) ? qprob_compl(d) : d;
}

u8 qstate_measure_end(const struct qstate *s, u8 basis, bool second,
		      struct qmath_rng *pair, qprob flip,
		      struct qmath_rng *own)
{
	/* both ends draw r and e from @pair alike, whichever they use */
	u8 out = qmath_rng_u64(pair) >> 63;
	u8 err = qmath_rng_bernoulli(pair, qstate_qber(s, basis));

	if (second)
		out ^= qstate_bell_anticorrelated(s->bell, basis) ^ err;
	/* no draw where nothing can flip: exact where the model is */
	if (flip)
		out ^= qmath_rng_bernoulli(own, flip);
	return out;
}

void qstate_measure(const struct qstate *s, u8 basis_a, u8 basis_b,
		    struct qmath_rng *rng, u8 *out_a, u8 *out_b)
{
	struct qmath_rng pa, pb;

	/*
	 * One stream per basis, as two ends that key it by the pair and
	 * the basis have: in equal bases both read the same one.
	 */
	qmath_rng_seed(&pa, qmath_rng_u64(rng));
	pb = pa;
	if (basis_a != basis_b)
		qmath_rng_seed(&pb, qmath_rng_u64(rng));
	*out_a = qstate_measure_end(s, basis_a, false, &pa, 0, &pa);
	*out_b = qstate_measure_end(s, basis_b, true, &pb, 0, &pb);
}

/* -p log2 p in qfix, 0 at p = 0 */
static qfix qstate_plogp(qprob p)
{
	__int128 r;

	if (!p || p >= QPROB_ONE)
		return 0;
	r = (__int128)p * -qmath_log2_prob(p);
	return (qfix)((r + ((__int128)1 << (QPROB_SHIFT - 1))) >> QPROB_SHIFT);
}

qfix qstate_binary_entropy(qprob q)
{
	if (q >= QPROB_ONE)
		return 0;
	return qstate_plogp(q) + qstate_plogp(QPROB_ONE - q);
}

qfix qstate_bbm92_fraction(qprob qber_x, qprob qber_z)
{
	return QFIX_ONE - qstate_binary_entropy(qber_x) -
	       qstate_binary_entropy(qber_z);
}

qfix qstate_plob(qprob eta)
{
	if (eta >= QPROB_ONE)
		return QFIX_MAX;
	return -qmath_log2_prob(QPROB_ONE - eta);
}
