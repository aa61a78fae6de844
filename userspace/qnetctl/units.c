// SPDX-License-Identifier: GPL-2.0
/*
 * Units: parse and print the physical quantities of qnet's link
 * parameters. See units.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <linux/qnet.h>

#include "units.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* A suffix and the power of ten it scales the typed number by. */
struct qn_suffix {
	const char	*name;
	int		exp;
};

struct qn_unit_desc {
	const char		*name;
	/* Accepted suffixes; "" is a bare number. Matched ignoring case. */
	const struct qn_suffix	*parse;
	/* Printed suffixes, largest first; the last one is the fallback. */
	const struct qn_suffix	*print;
	/* A word that means 0 ("none"), printed for 0; NULL if none. */
	const char		*zero;
	/* Largest value that makes sense whatever the attribute width. */
	uint64_t		limit;
};

static const struct qn_suffix length_parse[] = {
	{ "", 0 }, { "m", 0 }, { "km", 3 }, { NULL, 0 },
};
static const struct qn_suffix length_print[] = {
	{ "km", 3 }, { "m", 0 }, { NULL, 0 },
};
static const struct qn_suffix atten_parse[] = {
	{ "", 3 }, { "dB/km", 3 }, { "mdB/km", 0 }, { NULL, 0 },
};
static const struct qn_suffix atten_print[] = {
	{ "dB/km", 3 }, { NULL, 0 },
};
static const struct qn_suffix milli_parse[] = {
	{ "", 3 }, { NULL, 0 },
};
static const struct qn_suffix milli_print[] = {
	{ "", 3 }, { NULL, 0 },
};
static const struct qn_suffix freq_parse[] = {
	{ "", 0 }, { "Hz", 0 }, { "kHz", 3 }, { "MHz", 6 }, { "GHz", 9 },
	{ NULL, 0 },
};
static const struct qn_suffix freq_print[] = {
	{ "GHz", 9 }, { "MHz", 6 }, { "kHz", 3 }, { "Hz", 0 }, { NULL, 0 },
};
static const struct qn_suffix prob_parse[] = {
	{ "", 6 }, { "%", 4 }, { "ppm", 0 }, { NULL, 0 },
};
static const struct qn_suffix prob_print[] = {
	{ "%", 4 }, { NULL, 0 },
};
/* No bare number: "10" could mean any of them. 0 is handled as a word. */
static const struct qn_suffix time_parse[] = {
	{ "ns", 0 }, { "nsec", 0 }, { "us", 3 }, { "usec", 3 },
	{ "ms", 6 }, { "msec", 6 }, { "s", 9 }, { "sec", 9 }, { NULL, 0 },
};
static const struct qn_suffix time_print[] = {
	{ "s", 9 }, { "ms", 6 }, { "us", 3 }, { "ns", 0 }, { NULL, 0 },
};
static const struct qn_suffix count_parse[] = {
	{ "", 0 }, { NULL, 0 },
};
static const struct qn_suffix count_print[] = {
	{ "", 0 }, { NULL, 0 },
};

static const struct qn_unit_desc qn_units[__QN_UNIT_MAX] = {
	[QN_UNIT_LENGTH] = { "length", length_parse, length_print, NULL, UINT64_MAX },
	[QN_UNIT_ATTEN]	 = { "attenuation", atten_parse, atten_print, NULL, UINT64_MAX },
	[QN_UNIT_INDEX]	 = { "refractive index", milli_parse, milli_print, NULL, UINT64_MAX },
	[QN_UNIT_FREQ]	 = { "frequency", freq_parse, freq_print, NULL, UINT64_MAX },
	[QN_UNIT_PROB]	 = { "probability", prob_parse, prob_print, NULL, 1000000 },
	[QN_UNIT_TIME]	 = { "time", time_parse, time_print, "none", UINT64_MAX },
	[QN_UNIT_CLOCK]	 = { "time", time_parse, time_print, NULL, UINT64_MAX },
	[QN_UNIT_SCALE]	 = { "time scale", milli_parse, milli_print, "unpaced", UINT64_MAX },
	[QN_UNIT_COUNT]	 = { "number", count_parse, count_print, NULL, UINT64_MAX },
	[QN_UNIT_SCHEME] = { "scheme", NULL, NULL, NULL, QNET_SCHEME_MAX },
	[QN_UNIT_ONOFF]	 = { "on/off value", NULL, NULL, NULL, 1 },
};

static const char *const qn_schemes[] = {
	[QNET_SCHEME_SINGLE_CLICK]	= "single-click",
	[QNET_SCHEME_DOUBLE_CLICK]	= "double-click",
	[QNET_SCHEME_DIRECT]		= "direct",
};

static const char *const qn_onoff[] = { "off", "on" };

const char *qn_unit_name(enum qn_unit unit)
{
	return unit < __QN_UNIT_MAX ? qn_units[unit].name : "value";
}

const char *qn_scheme_name(uint64_t scheme)
{
	return scheme < ARRAY_SIZE(qn_schemes) ? qn_schemes[scheme] : NULL;
}

static uint64_t pow10u(int exp)
{
	uint64_t p = 1;

	while (exp-- > 0)
		p *= 10;
	return p;
}

static bool push_digit(uint64_t *m, unsigned int digit)
{
	return __builtin_mul_overflow(*m, 10, m) ||
	       __builtin_add_overflow(*m, (uint64_t)digit, m);
}

/*
 * "123.4500" -> mantissa 12345, 2 fractional digits: trailing zeros of the
 * fraction are dropped so that "1.50km" is as exact as "1.5km". Returns
 * the first character after the number, NULL if there is no number.
 */
static const char *parse_decimal(const char *s, uint64_t *mant, int *frac,
				 bool *overflow)
{
	int f = 0, zeros = 0;
	uint64_t m = 0;

	*overflow = false;
	if (*s < '0' || *s > '9')
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++)
		*overflow |= push_digit(&m, *s - '0');
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return NULL;
		/* Zeros count only once a non-zero digit follows them. */
		for (; *s >= '0' && *s <= '9'; s++) {
			if (*s == '0') {
				zeros++;
				continue;
			}
			for (; zeros; zeros--, f++)
				*overflow |= push_digit(&m, 0);
			*overflow |= push_digit(&m, *s - '0');
			f++;
		}
	}
	*mant = m;
	*frac = f;
	return s;
}

static const struct qn_suffix *find_suffix(const struct qn_suffix *tab,
					   const char *s)
{
	for (; tab->name; tab++)
		if (!strcasecmp(tab->name, s))
			return tab;
	return NULL;
}

static int parse_words(const char *const *words, size_t n, const char *arg,
		       uint64_t *val)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (words[i] && !strcmp(words[i], arg)) {
			*val = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_number(const struct qn_unit_desc *d, const char *arg,
			uint64_t *val)
{
	const struct qn_suffix *suf;
	const char *end;
	uint64_t mant;
	bool overflow;
	int frac;

	if (d->zero && (!strcmp(arg, d->zero) || !strcmp(arg, "0"))) {
		*val = 0;
		return 0;
	}
	end = parse_decimal(arg, &mant, &frac, &overflow);
	if (!end)
		return -EINVAL;
	suf = find_suffix(d->parse, end);
	if (!suf)
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	/* Not a whole number of base units, e.g. 0.5 ns. */
	if (frac > suf->exp)
		return -ERANGE;
	if (suf->exp - frac > 19 ||
	    __builtin_mul_overflow(mant, pow10u(suf->exp - frac), val))
		return -ERANGE;
	return 0;
}

int qn_unit_parse(enum qn_unit unit, const char *arg, uint64_t max,
		  uint64_t *val)
{
	const struct qn_unit_desc *d;
	uint64_t v;
	int err;

	if (unit >= __QN_UNIT_MAX || !arg)
		return -EINVAL;
	d = &qn_units[unit];
	if (unit == QN_UNIT_SCHEME)
		err = parse_words(qn_schemes, ARRAY_SIZE(qn_schemes), arg, &v);
	else if (unit == QN_UNIT_ONOFF)
		err = parse_words(qn_onoff, ARRAY_SIZE(qn_onoff), arg, &v);
	else
		err = parse_number(d, arg, &v);
	if (err)
		return err;
	if (v > max || v > d->limit)
		return -ERANGE;
	*val = v;
	return 0;
}

/* @val / 10^exp, with as many decimals as it takes and no more. */
static void format_scaled(uint64_t val, int exp, const char *suffix,
			  char *buf, size_t len)
{
	uint64_t p = pow10u(exp), ip = val / p, fp = val % p;
	int digits = exp;

	if (!fp) {
		snprintf(buf, len, "%llu%s", (unsigned long long)ip, suffix);
		return;
	}
	while (fp % 10 == 0) {
		fp /= 10;
		digits--;
	}
	snprintf(buf, len, "%llu.%0*llu%s", (unsigned long long)ip, digits,
		 (unsigned long long)fp, suffix);
}

char *qn_unit_format(enum qn_unit unit, uint64_t val, char *buf, size_t len)
{
	const struct qn_unit_desc *d;
	const struct qn_suffix *s;
	const char *word = NULL;

	if (unit >= __QN_UNIT_MAX) {
		snprintf(buf, len, "%llu", (unsigned long long)val);
		return buf;
	}
	d = &qn_units[unit];
	if (unit == QN_UNIT_SCHEME)
		word = qn_scheme_name(val);
	else if (unit == QN_UNIT_ONOFF)
		word = val ? "on" : "off";
	else if (!val && d->zero)
		word = d->zero;
	if (word) {
		snprintf(buf, len, "%s", word);
		return buf;
	}
	if (!d->print) {	/* an enum value this tool does not know */
		snprintf(buf, len, "%llu", (unsigned long long)val);
		return buf;
	}
	for (s = d->print; s[1].name; s++)
		if (val >= pow10u(s->exp))
			break;
	format_scaled(val, s->exp, s->name, buf, len);
	return buf;
}

static int parse_u32_dec(const char *s, const char **end, uint32_t max,
			 uint32_t *val)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -ERANGE;
	}
	*end = s;
	*val = v;
	return 0;
}

int qn_addr_parse(const char *arg, uint32_t *addr)
{
	uint32_t a = 0, part;
	const char *s = arg;
	int i, err;

	if (!strchr(arg, '.')) {
		err = parse_u32_dec(s, &s, UINT32_MAX, &part);
		if (err || *s)
			return err ? err : -EINVAL;
		*addr = part;
		return 0;
	}
	for (i = 0; i < 4; i++) {
		err = parse_u32_dec(s, &s, 255, &part);
		if (err)
			return err;
		a = a << 8 | part;
		if (i < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	*addr = a;
	return 0;
}
