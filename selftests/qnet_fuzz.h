/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the fuzzers (fuzz_wire.c, fuzz_genl.c): the size and seed
 * knobs, and a small seeded PRNG (xorshift64*) so a run can be repeated
 * exactly from the seed it prints.
 */
#ifndef _QNET_SELFTEST_FUZZ_H
#define _QNET_SELFTEST_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t fuzz_state;

static inline uint64_t fuzz_rand(void)
{
	uint64_t x = fuzz_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	fuzz_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, n), n > 0 (the bias of the modulo is irrelevant here). */
static inline uint32_t fuzz_below(uint32_t n)
{
	return (uint32_t)((fuzz_rand() >> 32) % n);
}

static inline int fuzz_chance(unsigned int percent)
{
	return fuzz_below(100) < percent;
}

/* An unsigned number from the environment, or @def. */
static inline unsigned long long fuzz_env(const char *name,
					  unsigned long long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

/* $QNET_FUZZ_SEED, else one from the clock; printed so a run repeats. */
static inline uint64_t fuzz_seed(void)
{
	struct timespec ts;
	uint64_t seed;

	clock_gettime(CLOCK_REALTIME, &ts);
	seed = fuzz_env("QNET_FUZZ_SEED",
			(uint64_t)ts.tv_sec * 1000000007ULL + ts.tv_nsec);
	if (!seed)
		seed = 1;
	fuzz_state = seed;
	printf("# QNET_FUZZ_SEED=%llu\n", (unsigned long long)seed);
	fflush(stdout);
	return seed;
}

#endif /* _QNET_SELFTEST_FUZZ_H */
