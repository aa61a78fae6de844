/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qstate.h - Bell-diagonal two-qubit states and the operations qnet applies
 * to them: memory decoherence, entanglement swapping, purification,
 * measurement, and the QKD figures derived from a state.
 *
 * Pure C on top of qmath.h (no floating point, no kernel or libc headers),
 * built into qnet.ko and into the userspace tests. Formulas and sources are
 * in Documentation/physics.rst.
 *
 * Conventions
 *
 * A Bell state b is (I x P_b)|Phi+> for the Pauli P_b on the second qubit:
 *
 *	QSTATE_PHI_PLUS  = I	QSTATE_PSI_PLUS  = X
 *	QSTATE_PSI_MINUS = Y	QSTATE_PHI_MINUS = Z
 *
 * (the numbering of enum qnet_bell_state in the uapi). Composing two Pauli
 * frames is qstate_bell_compose(); it is an XOR on the (x, z) bits.
 *
 * A state holds the four probabilities of the Bell basis and a nominal Bell
 * state: the state the pair is declared to be in (what the heralding
 * detector or the Bell-state measurement outcome says). The fidelity is the
 * coefficient of the nominal state. Normalisation is exact: every function
 * that writes a state rounds each coefficient to nearest and adds the
 * residual (a few units of 2^-62, either sign) to the largest coefficient,
 * so the four always sum to exactly QPROB_ONE.
 */
#ifndef _QNET_QSTATE_H
#define _QNET_QSTATE_H

#include "qmath.h"

enum qstate_bell {
	QSTATE_PHI_PLUS,
	QSTATE_PSI_PLUS,
	QSTATE_PSI_MINUS,
	QSTATE_PHI_MINUS,
	QSTATE_NR_BELL,
};

enum qstate_basis {
	QSTATE_BASIS_Z,
	QSTATE_BASIS_X,
	QSTATE_BASIS_Y,
	QSTATE_NR_BASIS,
};

/**
 * struct qstate - a Bell-diagonal two-qubit state
 * @c: probabilities of Phi+, Psi+, Psi-, Phi- (enum qstate_bell order);
 *     they sum to exactly QPROB_ONE
 * @bell: nominal Bell state (enum qstate_bell)
 */
struct qstate {
	qprob c[QSTATE_NR_BELL];
	u8 bell;
};

/**
 * qstate_bell_compose() - Bell label after applying a Pauli frame
 * @a: Bell state (its Pauli P_a)
 * @b: Bell state (its Pauli P_b)
 *
 * Return: the Bell state of P_a P_b (up to phase), i.e. (I x P_b) applied
 * to the Bell state @a. Commutative, and its own inverse: compose(a, a) is
 * Phi+.
 */
static inline u8 qstate_bell_compose(u8 a, u8 b)
{
	/* Gray code maps I, X, Y, Z = 0..3 to (x | z << 1) and back */
	u8 g = (a ^ (a >> 1)) ^ (b ^ (b >> 1));

	return (g ^ (g >> 1)) & 3;
}

/**
 * qstate_init_werner() - a Werner state
 * @s: state to write
 * @f: fidelity in [0, 1] (clamped)
 * @bell: nominal Bell state
 *
 * Coefficient @f on @bell and (1 - @f)/3 on each other Bell state.
 */
void qstate_init_werner(struct qstate *s, qprob f, u8 bell);

/**
 * qstate_init() - a Bell-diagonal state from any non-negative weights
 * @s: state to write
 * @w: weights of Phi+, Psi+, Psi-, Phi- (each below 1, not all zero);
 *     scaled by their sum
 * @bell: nominal Bell state
 *
 * Return: false (and @s maximally mixed) if every weight is zero.
 */
bool qstate_init(struct qstate *s, const qprob w[QSTATE_NR_BELL], u8 bell);

/**
 * qstate_fidelity() - fidelity with the nominal Bell state
 * @s: state
 *
 * Return: the coefficient of @s->bell.
 */
static inline qprob qstate_fidelity(const struct qstate *s)
{
	return s->c[s->bell & 3];
}

/**
 * qstate_werner_param() - Werner parameter w = (4F - 1)/3 of a state
 * @s: state
 *
 * Return: (4F - 1)/3 in qfix (negative below F = 1/4).
 */
qfix qstate_werner_param(const struct qstate *s);

/**
 * qstate_twirl() - depolarise to the Werner state of the same fidelity
 * @s: state, changed in place
 */
void qstate_twirl(struct qstate *s);

/**
 * qstate_apply_pauli() - apply a Pauli to the second qubit
 * @s: state, changed in place
 * @p: the Pauli, as the Bell state it maps Phi+ to
 *
 * A physical correction: the coefficients and the nominal state move
 * together, so the fidelity is unchanged. Used to turn a heralded Psi- into
 * Psi+, or a swapped pair into Phi+.
 */
void qstate_apply_pauli(struct qstate *s, u8 p);

/**
 * qstate_pauli_channel() - apply a Pauli channel to one qubit
 * @s: state, changed in place
 * @w: probabilities of I, X, Y, Z on the qubit (enum qstate_bell order);
 *     they should sum to one
 *
 * c'[k] = sum_p w[p] c[k o p]; every Pauli channel keeps a state
 * Bell-diagonal. Depolarising, dephasing and readout errors are cases of it.
 */
void qstate_pauli_channel(struct qstate *s, const qprob w[QSTATE_NR_BELL]);

/**
 * qstate_depolarise() - depolarising channel on one qubit (or on the pair)
 * @s: state, changed in place
 * @lambda: survival factor in [0, 1]: c' = lambda c + (1 - lambda)/4
 */
void qstate_depolarise(struct qstate *s, qprob lambda);

/**
 * qstate_dephase() - dephasing channel on one qubit
 * @s: state, changed in place
 * @lambda: coherence factor in [0, 1]; a Z error with prob (1 - lambda)/2
 */
void qstate_dephase(struct qstate *s, qprob lambda);

/**
 * qstate_decohere() - memory decoherence of one qubit over elapsed time
 * @s: state, changed in place
 * @dt_ns: emulated time since this qubit was last updated (ns)
 * @t1_ns: relaxation time T1 (ns); 0 means none
 * @t2_ns: total coherence time T2 (ns), at most 2 T1 when both are set;
 *         0 means no dephasing beyond what T1 implies (T2 = 2 T1)
 *
 * The Pauli twirl of amplitude damping (pX = pY = (1 - e^(-dt/T1))/4,
 * pZ = (1 + e^(-dt/T1) - 2 e^(-dt/2T1))/4) followed by pure dephasing with
 * 1/Tphi = 1/T2 - 1/(2 T1): one Pauli channel with transfer factors
 * e^(-dt/T1) on Z and e^(-dt/T2) on X and Y. A Pauli channel keeps the
 * pair Bell-diagonal. Lazy decoherence calls this once per qubit with the
 * time since the pair was last touched; the factors multiply over time,
 * so calling it once for 2t or twice for t gives the same state up to
 * rounding. The two ends of a pair are two calls, each with its memory's
 * own T1, T2.
 */
void qstate_decohere(struct qstate *s, u64 dt_ns, u64 t1_ns, u64 t2_ns);

/**
 * struct qstate_swap_params - imperfections of a Bell-state measurement
 * @p_bsm: probability that the BSM succeeds (1 for a deterministic gate
 *         BSM, 1/2 for linear optics)
 * @gate_depol: depolarising probability of the two-qubit gate: the output
 *              becomes (1 - g) rho + g I/4
 * @readout_err: probability that each of the two measured bits is flipped
 */
struct qstate_swap_params {
	qprob p_bsm;
	qprob gate_depol;
	qprob readout_err;
};

/**
 * qstate_swap() - entanglement swapping of two Bell-diagonal pairs
 * @out: resulting pair between the outer ends (may alias an input)
 * @a: pair between nodes A and B
 * @b: pair between nodes B and C
 * @outcome: Bell-state measurement outcome at B (enum qstate_bell)
 * @prm: imperfections, NULL for a perfect BSM
 *
 * c'[k] = sum over i o j = k o outcome of a->c[i] b->c[j]; nominal state
 * a->bell o b->bell o outcome (Bell-frame tracking). Werner inputs give a
 * Werner output with w' = w1 w2. Gate depolarising and readout errors are
 * then applied. The caller decides success (see qstate_swap_sample()).
 */
void qstate_swap(struct qstate *out, const struct qstate *a,
		 const struct qstate *b, u8 outcome,
		 const struct qstate_swap_params *prm);

/**
 * qstate_swap_sample() - swap with sampled success and outcome
 * @out: resulting pair on success
 * @a: pair between nodes A and B
 * @b: pair between nodes B and C
 * @prm: imperfections, NULL for perfect
 * @rng: generator
 * @outcome: if not NULL, the sampled BSM outcome (uniform: both measured
 *           qubits of Bell-diagonal pairs are maximally mixed)
 *
 * Return: true with probability @prm->p_bsm; @out is written only then.
 */
bool qstate_swap_sample(struct qstate *out, const struct qstate *a,
			const struct qstate *b,
			const struct qstate_swap_params *prm,
			struct qmath_rng *rng, u8 *outcome);

enum qstate_purify_proto {
	QSTATE_PURIFY_DEJMPS,
	QSTATE_PURIFY_BBPSSW,
};

/**
 * struct qstate_purify_params - a purification step between nodes A and B
 * @proto: DEJMPS (Deutsch et al. 1996) or BBPSSW (Bennett et al. 1996)
 * @gate_depol: two-qubit depolarising probability g of node A's CNOT: its
 *              two qubits (one of each pair) become (1 - g) rho + g I/4
 * @readout_err: probability that node A's measured bit is flipped
 * @gate_depol_b: the same for node B; %QSTATE_PURIFY_SAME (or any value
 *                above one) means node A's
 * @readout_err_b: the same for node B; %QSTATE_PURIFY_SAME means node A's
 *
 * With both gates the inputs become (1 - G) rho1 x rho2 + G I/16, G = 1 -
 * (1 - g_A)(1 - g_B); the parity check errs with e_A (1 - e_B) + e_B (1 -
 * e_A), 2e(1 - e) for equal nodes.
 */
struct qstate_purify_params {
	u8 proto;
	qprob gate_depol;
	qprob readout_err;
	qprob gate_depol_b;
	qprob readout_err_b;
};

/* qstate_purify_params: node B's figure is node A's */
#define QSTATE_PURIFY_SAME	QMATH_U64_MAX

/**
 * qstate_purify() - one recurrence purification step on two pairs
 * @out: kept pair on success (nominal state that of @a)
 * @a: pair that is kept
 * @b: pair that is measured
 * @prm: protocol and imperfections, NULL for ideal DEJMPS
 *
 * DEJMPS on (A, B, C, D) = (Phi+, Psi-, Psi+, Phi-) relative to the nominal
 * state: N = (A + B)^2 + (C + D)^2, A' = (A^2 + B^2)/N, B' = 2CD/N,
 * C' = (C^2 + D^2)/N, D' = 2AB/N. BBPSSW twirls both inputs to Werner form
 * first and its output too: F' = (F^2 + ((1-F)/3)^2) / N with
 * N = F^2 + 2F(1-F)/3 + 5((1-F)/3)^2. Gate noise G (see struct
 * qstate_purify_params) mixes in maximally mixed inputs, which pass with
 * probability 1/2 and leave the kept pair maximally mixed: unnormalised
 * outputs c' -> (1 - G) c' + G/8, N -> (1 - G) N + G/2.
 *
 * Return: the success probability N (with readout errors, the probability
 * that the parity check passes); @out is the state given success.
 */
qprob qstate_purify(struct qstate *out, const struct qstate *a,
		    const struct qstate *b,
		    const struct qstate_purify_params *prm);

/**
 * qstate_purify_sample() - purification with sampled success
 * @out: kept pair on success
 * @a: pair that is kept
 * @b: pair that is measured
 * @prm: protocol and imperfections
 * @rng: generator
 *
 * Return: true on success (probability qstate_purify()); @out written only
 * then. Both inputs are consumed either way.
 */
bool qstate_purify_sample(struct qstate *out, const struct qstate *a,
			  const struct qstate *b,
			  const struct qstate_purify_params *prm,
			  struct qmath_rng *rng);

/**
 * qstate_bell_anticorrelated() - ideal correlation of a Bell state
 * @bell: Bell state
 * @basis: both qubits measured in this basis
 *
 * Return: true if @bell gives opposite outcome bits in @basis (Psi+ and
 * Psi- in Z; Psi- and Phi- in X; Phi+ and Psi- in Y).
 */
bool qstate_bell_anticorrelated(u8 bell, u8 basis);

/**
 * qstate_disagree_prob() - probability that the two raw outcomes differ
 * @s: state
 * @basis: both qubits measured in this basis
 *
 * Return: sum of the coefficients of the Bell states that are
 * anticorrelated in @basis.
 */
qprob qstate_disagree_prob(const struct qstate *s, u8 basis);

/**
 * qstate_qber() - quantum bit error rate of a state in a basis
 * @s: state
 * @basis: both qubits measured in this basis
 *
 * Return: probability that the outcomes differ from what the nominal Bell
 * state predicts; 2(1 - F)/3 in every basis for a Werner state.
 */
qprob qstate_qber(const struct qstate *s, u8 basis);

/**
 * qstate_flip_prob() - chance that storage flips a Pauli measurement
 * @dt_ns: time the qubit was stored, as for qstate_decohere()
 * @t1_ns: its memory's T1 (0: none)
 * @t2_ns: its memory's T2 (0: T2 = 2 T1)
 * @basis: the basis it is then measured in (enum qstate_basis)
 *
 * The qstate_decohere() channel is a Pauli channel on one qubit; the
 * Paulis that anticommute with the measured one flip the outcome, so its
 * effect on a measurement is a local coin: (1 - e^(-dt/T1))/2 in Z,
 * (1 - e^(-dt/T2))/2 in X and Y.
 *
 * Return: the flip probability.
 */
qprob qstate_flip_prob(u64 dt_ns, u64 t1_ns, u64 t2_ns, u8 basis);

/**
 * qstate_measure_end() - one end's outcome, drawn without the other's
 * @s: the pair's state, each qubit decohered to a time both ends know
 *     (the same @s at both ends)
 * @basis: basis this end measures in (enum qstate_basis)
 * @second: false at the first end of the pair, true at the second (a
 *          fixed role, not an order in time)
 * @pair: a stream both ends seed alike, keyed by the pair and @basis
 * @flip: qstate_flip_prob() of this end's qubit since @s's time
 * @own: this end's own stream, for the flip (unused if @flip is 0)
 *
 * From @pair: a fair bit r and e ~ Bernoulli(qstate_qber(@s, @basis)).
 * The first end reads r, the second r ^ anticorrelated(@s->bell, @basis)
 * ^ e; each then flips with @flip. In equal bases the outcomes differ
 * with qstate_disagree_prob() of @s with both flips applied; in different
 * bases the two r come from different streams and the outcomes are
 * independent fair bits: the joint distribution of qstate_measure() on
 * the decohered state (Documentation/physics.rst, "Measurement"), with
 * neither end knowing whether or when the other measured.
 *
 * Return: the outcome bit.
 */
u8 qstate_measure_end(const struct qstate *s, u8 basis, bool second,
		      struct qmath_rng *pair, qprob flip,
		      struct qmath_rng *own);

/**
 * qstate_measure() - measure both qubits, sampling the outcomes
 * @s: state (already decohered to each qubit's measurement time)
 * @basis_a: basis of the first qubit (enum qstate_basis)
 * @basis_b: basis of the second qubit
 * @rng: generator (seeds the per-basis streams of qstate_measure_end())
 * @out_a: outcome bit of the first qubit
 * @out_b: outcome bit of the second qubit
 *
 * Each marginal is uniform (Bell-diagonal states have maximally mixed
 * qubits); in equal bases the outcomes differ with qstate_disagree_prob(),
 * in different bases they are independent. Because a channel on one qubit
 * commutes with a measurement of the other, decohering each qubit up to its
 * own measurement time and then calling this is exact.
 */
void qstate_measure(const struct qstate *s, u8 basis_a, u8 basis_b,
		    struct qmath_rng *rng, u8 *out_a, u8 *out_b);

/**
 * qstate_binary_entropy() - h(q) = -q log2 q - (1 - q) log2(1 - q)
 * @q: probability in [0, 1]
 *
 * Return: h(@q) in bits (qfix), 0 at the ends.
 */
qfix qstate_binary_entropy(qprob q);

/**
 * qstate_bbm92_fraction() - asymptotic BBM92 secret fraction
 * @qber_x: error rate in the X basis
 * @qber_z: error rate in the Z basis
 *
 * Return: 1 - h(@qber_x) - h(@qber_z) (qfix, may be negative: no key);
 * 1 - 2h(Q) when both are Q.
 */
qfix qstate_bbm92_fraction(qprob qber_x, qprob qber_z);

/**
 * qstate_plob() - PLOB bound of a pure-loss channel
 * @eta: transmittance in [0, 1]
 *
 * Return: -log2(1 - @eta), secret bits per channel use (qfix); QFIX_MAX
 * at @eta >= 1.
 */
qfix qstate_plob(qprob eta);

#endif /* _QNET_QSTATE_H */
