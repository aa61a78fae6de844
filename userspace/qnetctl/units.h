/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Physical quantities on the command line: parse what a person types
 * ("25km", "0.2dB/km", "1MHz", "90%", "10ms") into the integer units of
 * include/uapi/linux/qnet.h, and print those integers back in the largest
 * unit that represents them exactly, so that what `show` prints can be
 * pasted back into `set`.
 *
 * No floating point: decimals are parsed as a mantissa and a power of ten,
 * and a value that does not land on a whole base unit (0.1 m, 0.5 ns) is
 * rejected rather than rounded.
 */
#ifndef _QNETCTL_UNITS_H
#define _QNETCTL_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum qn_unit {
	QN_UNIT_LENGTH,		/* metres: 25km, 800m, 800 */
	QN_UNIT_ATTEN,		/* milli-dB/km: 0.2, 0.2dB/km, 200mdB/km */
	QN_UNIT_INDEX,		/* refractive index x1000: 1.47 */
	QN_UNIT_FREQ,		/* Hz: 1MHz, 10kHz, 50 */
	QN_UNIT_PROB,		/* ppm: 0.9, 90%, 900000ppm */
	QN_UNIT_TIME,		/* ns: 10ms, 1.5us, 0 or none = off */
	QN_UNIT_CLOCK,		/* ns, a point in time: 0 is "0ns" */
	QN_UNIT_SCALE,		/* per mille: 1, 0.01, 0 or unpaced */
	QN_UNIT_COUNT,		/* plain decimal integer */
	QN_UNIT_SCHEME,		/* enum qnet_scheme by name */
	QN_UNIT_ONOFF,		/* on | off */
	__QN_UNIT_MAX
};

/* What a value of this unit is called in an error message ("length"). */
const char *qn_unit_name(enum qn_unit unit);

/*
 * Parse @arg into @val, which must not exceed @max (the width of the
 * attribute it goes into). Returns 0, or -EINVAL for anything that is not
 * a well-formed value of @unit, -ERANGE when it is too large or too
 * precise to be represented. @val is untouched on error.
 */
int qn_unit_parse(enum qn_unit unit, const char *arg, uint64_t max,
		  uint64_t *val);

/* Print @val in human units into @buf; returns @buf. */
char *qn_unit_format(enum qn_unit unit, uint64_t val, char *buf, size_t len);

/* Longest string qn_unit_format() writes, with its NUL. */
#define QN_UNIT_BUFSZ	32

/* Node address: a decimal u32 or a dotted quad ("10.0.0.1"). */
int qn_addr_parse(const char *arg, uint32_t *addr);

/* Name of an enum qnet_scheme value, NULL if out of range. */
const char *qn_scheme_name(uint64_t scheme);

#endif /* _QNETCTL_UNITS_H */
