/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qlinkmodel.h - physical model of one heralded quantum link: fiber loss
 * and delay, detectors, and the three heralding schemes (single-click,
 * double-click / Barrett-Kok, direct transmission). Gives the link layer
 * the success probability per attempt, the attempt period and the heralded
 * Bell-diagonal state; samples attempts and heralded states with the
 * link's PRNG.
 *
 * Pure C on top of qmath.h and qstate.h. Formulas, assumptions and
 * sources: Documentation/physics.rst.
 *
 * Units: lengths in m, attenuation in milli-dB/km, refractive index in
 * thousandths, rates in Hz, times in ns of emulated time, probabilities and
 * efficiencies as qprob (convert the netlink ppm values with
 * qprob_from_ppm()).
 */
#ifndef _QNET_QLINKMODEL_H
#define _QNET_QLINKMODEL_H

#include "qstate.h"

#define QSTATE_C_M_PER_S		299792458ULL
#define QSTATE_DEFAULT_ATTEN_MDB_KM	200
#define QSTATE_DEFAULT_INDEX_MILLI	1470
#define QSTATE_DEFAULT_WINDOW_NS	10

/* heralding schemes, numbered as enum qnet_scheme in the uapi */
enum qstate_scheme {
	QSTATE_SINGLE_CLICK,
	QSTATE_DOUBLE_CLICK,
	QSTATE_DIRECT,
	QSTATE_NR_SCHEME,
};

/**
 * struct qstate_link_params - physical parameters of a link
 * @scheme: enum qstate_scheme
 * @length_m: fiber length between the two nodes (m); the midpoint schemes
 *            put the station at half of it
 * @atten_mdb_km: fiber attenuation (milli-dB per km; 200 = 0.2 dB/km)
 * @index_milli: refractive index in thousandths (1470 = 1.47)
 * @attempt_rate_hz: maximum attempt rate of the sources (Hz), not zero
 * @alpha: single-click bright-state population (probability that a node
 *         emits a photon in an attempt)
 * @emit_eff: probability that an emitted photon enters the fiber
 *            (collection and frequency conversion)
 * @det_eff: detector efficiency
 * @dark_rate_hz: dark-count rate of each detector (Hz)
 * @window_ns: detection window per attempt and detector (ns)
 * @visibility: two-photon (Hong-Ou-Mandel) visibility V = |<a|b>|^2 of the
 *              photons from the two nodes
 * @source_fid: direct scheme: Werner fidelity of the state the source
 *              makes between its memory and the photon
 */
struct qstate_link_params {
	u8 scheme;
	u32 length_m;
	u32 atten_mdb_km;
	u32 index_milli;
	u32 attempt_rate_hz;
	qprob alpha;
	qprob emit_eff;
	qprob det_eff;
	u32 dark_rate_hz;
	u32 window_ns;
	qprob visibility;
	qprob source_fid;
};

/**
 * struct qstate_link_model - what a link's parameters imply
 * @eta_fiber: transmittance of the fiber a photon crosses (half the link
 *             for the midpoint schemes, all of it for direct)
 * @eta: total detection probability of an emitted photon:
 *       emit_eff * eta_fiber * det_eff
 * @p_dark: probability of a dark count in one detector in one window
 * @p_success: probability that an attempt heralds a pair
 * @p_genuine: probability per attempt of an ideal herald (one photon per
 *             click, no dark count); the rest of @p_success are false or
 *             partly false heralds
 * @delay_ns: one-way propagation delay over the whole link
 * @herald_ns: time from an attempt until both nodes know its outcome
 * @period_ns: attempt period: max(1/attempt rate, @herald_ns), since a node
 *             must learn an outcome before reusing its memory qubit
 * @store_ns: for each end (0: the one that heralds first, or the source of
 *            direct transmission; 1: the other), the time from the
 *            emission of the successful attempt until its memory holds
 *            its qubit, which then decoheres: 0 for both with a midpoint
 *            station, @delay_ns at the receiving end 1 for direct
 * @state: heralded state, nominal Psi+ (midpoint schemes; the other
 *         detector pattern heralds Psi-, see qstate_link_sample_state())
 *         or Phi+ (direct)
 */
struct qstate_link_model {
	qprob eta_fiber;
	qprob eta;
	qprob p_dark;
	qprob p_success;
	qprob p_genuine;
	u64 delay_ns;
	u64 herald_ns;
	u64 period_ns;
	u64 store_ns[2];
	struct qstate state;
};

/**
 * qstate_link_params_init() - default parameters
 * @p: parameters to fill
 *
 * Single-click, 1 km, 0.2 dB/km, n = 1.47, 1 MHz, alpha 0.1, perfect
 * emission and detection, no dark counts, 10 ns window, V = 1, source
 * fidelity 1.
 */
void qstate_link_params_init(struct qstate_link_params *p);

/**
 * qstate_fiber_transmittance() - fiber transmittance
 * @length_m: length (m)
 * @atten_mdb_km: attenuation (milli-dB/km)
 *
 * Return: eta = 10^(-atten * length / 10) with atten in dB/km and length in
 * km, i.e. 10^(-atten_mdb_km * length_m / 10^7). 50 km at 200 gives 0.1.
 */
qprob qstate_fiber_transmittance(u32 length_m, u32 atten_mdb_km);

/**
 * qstate_fiber_delay_ns() - propagation delay through fiber
 * @length_m: length (m)
 * @index_milli: refractive index in thousandths; 0 means 1.47
 *
 * Return: length * n / c in ns, rounded (about 4.9 us per km).
 */
u64 qstate_fiber_delay_ns(u32 length_m, u32 index_milli);

/**
 * qstate_dark_prob() - dark-count probability in a detection window
 * @rate_hz: dark-count rate (Hz)
 * @window_ns: window (ns)
 *
 * Return: 1 - exp(-rate * window) (Poisson: at least one dark count).
 */
qprob qstate_dark_prob(u32 rate_hz, u32 window_ns);

/**
 * qstate_attempt_period_ns() - attempt period
 * @attempt_rate_hz: source repetition rate (Hz), not zero
 * @herald_ns: heralding round trip (ns)
 *
 * Return: max(round(10^9 / rate), @herald_ns).
 */
u64 qstate_attempt_period_ns(u32 attempt_rate_hz, u64 herald_ns);

/**
 * qstate_link_compute() - evaluate the model of a link
 * @p: parameters
 * @m: result
 *
 * Return: false if @p is out of range (unknown scheme, zero attempt rate,
 * a probability above one); @m is then not meaningful.
 */
bool qstate_link_compute(const struct qstate_link_params *p,
			 struct qstate_link_model *m);

/**
 * qstate_link_pair_rate() - heralded pairs per second
 * @m: model
 *
 * Return: p_success / period in Hz (qfix).
 */
qfix qstate_link_pair_rate(const struct qstate_link_model *m);

/**
 * qstate_link_sample_attempts() - attempts up to the next herald
 * @m: model
 * @rng: the link's generator
 *
 * One geometric draw. The herald of the N-th attempt of a run that starts
 * at t0 is known at both nodes at t0 + (N - 1) * period + herald_ns.
 *
 * Return: N >= 1; QMATH_U64_MAX if the link can never succeed.
 */
static inline u64 qstate_link_sample_attempts(const struct qstate_link_model *m,
					      struct qmath_rng *rng)
{
	return qmath_rng_geometric(rng, m->p_success);
}

/**
 * qstate_link_sample_state() - the state of one heralded pair
 * @m: model
 * @rng: the link's generator
 * @s: state to write
 *
 * For the midpoint schemes, which detector pattern fired is a fair coin:
 * nominal Psi+ or Psi- (the model's state with a Z frame change). Direct
 * transmission gives the model's state (nominal Phi+) without a draw.
 */
void qstate_link_sample_state(const struct qstate_link_model *m,
			      struct qmath_rng *rng, struct qstate *s);

#endif /* _QNET_QLINKMODEL_H */
