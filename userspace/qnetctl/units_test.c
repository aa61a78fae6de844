// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for qnetctl's unit parsing and printing and its JSON
 * writer. Table-driven: each test is one table of inputs and expected
 * results and one loop over it. `make check` runs them and prints TAP.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "batch.h"
#include "json_print.h"
#include "json_writer.h"
#include "units.h"

#define U32	UINT32_MAX
#define U64	UINT64_MAX

static const struct parse_case {
	enum qn_unit	unit;
	const char	*arg;
	uint64_t	max;
	int		err;
	uint64_t	val;
} parse_cases[] = {
	/* length, metres */
	{ QN_UNIT_LENGTH, "25km",	U32, 0, 25000 },
	{ QN_UNIT_LENGTH, "25KM",	U32, 0, 25000 },
	{ QN_UNIT_LENGTH, "800",	U32, 0, 800 },
	{ QN_UNIT_LENGTH, "800m",	U32, 0, 800 },
	{ QN_UNIT_LENGTH, "2.5km",	U32, 0, 2500 },
	{ QN_UNIT_LENGTH, "1.50km",	U32, 0, 1500 },
	{ QN_UNIT_LENGTH, "0.001km",	U32, 0, 1 },
	{ QN_UNIT_LENGTH, "0.0001km",	U32, -ERANGE, 0 },	/* 0.1 m */
	{ QN_UNIT_LENGTH, "0.5m",	U32, -ERANGE, 0 },
	{ QN_UNIT_LENGTH, "1.000000000000000000000km", U32, 0, 1000 },
	{ QN_UNIT_LENGTH, "2x",		U32, -EINVAL, 0 },
	{ QN_UNIT_LENGTH, "km",		U32, -EINVAL, 0 },
	{ QN_UNIT_LENGTH, "",		U32, -EINVAL, 0 },
	{ QN_UNIT_LENGTH, "-1",		U32, -EINVAL, 0 },
	{ QN_UNIT_LENGTH, "+1",		U32, -EINVAL, 0 },
	{ QN_UNIT_LENGTH, " 1",		U32, -EINVAL, 0 },
	{ QN_UNIT_LENGTH, "1 km",	U32, -EINVAL, 0 },
	{ QN_UNIT_LENGTH, "1.",		U32, -EINVAL, 0 },
	{ QN_UNIT_LENGTH, ".5km",	U32, -EINVAL, 0 },
	{ QN_UNIT_LENGTH, "1.2.3",	U32, -EINVAL, 0 },
	{ QN_UNIT_LENGTH, "0x10",	U32, -EINVAL, 0 },
	{ QN_UNIT_LENGTH, "4294967295",	U32, 0, 4294967295ULL },
	{ QN_UNIT_LENGTH, "4294967296",	U32, -ERANGE, 0 },
	{ QN_UNIT_LENGTH, "4294968km",	U32, -ERANGE, 0 },
	{ QN_UNIT_LENGTH, "99999999999999999999", U64, -ERANGE, 0 },
	{ QN_UNIT_LENGTH, "99999999999999999999x", U64, -EINVAL, 0 },
	/* attenuation, milli-dB/km */
	{ QN_UNIT_ATTEN, "0.2",		U32, 0, 200 },
	{ QN_UNIT_ATTEN, "0.2dB/km",	U32, 0, 200 },
	{ QN_UNIT_ATTEN, "0.2db/km",	U32, 0, 200 },
	{ QN_UNIT_ATTEN, "200mdB/km",	U32, 0, 200 },
	{ QN_UNIT_ATTEN, "0",		U32, 0, 0 },
	{ QN_UNIT_ATTEN, "0.0001",	U32, -ERANGE, 0 },
	{ QN_UNIT_ATTEN, "0.2dB",	U32, -EINVAL, 0 },
	/* refractive index, x1000 */
	{ QN_UNIT_INDEX, "1.47",	U32, 0, 1470 },
	{ QN_UNIT_INDEX, "1",		U32, 0, 1000 },
	{ QN_UNIT_INDEX, "1.4682",	U32, -ERANGE, 0 },
	/* frequency, Hz */
	{ QN_UNIT_FREQ, "1MHz",		U32, 0, 1000000 },
	{ QN_UNIT_FREQ, "1mhz",		U32, 0, 1000000 },
	{ QN_UNIT_FREQ, "2.5kHz",	U32, 0, 2500 },
	{ QN_UNIT_FREQ, "1GHz",		U32, 0, 1000000000 },
	{ QN_UNIT_FREQ, "5GHz",		U32, -ERANGE, 0 },
	{ QN_UNIT_FREQ, "10",		U32, 0, 10 },
	{ QN_UNIT_FREQ, "10Hz",		U32, 0, 10 },
	{ QN_UNIT_FREQ, "0.5Hz",	U32, -ERANGE, 0 },
	{ QN_UNIT_FREQ, "10 Hz",	U32, -EINVAL, 0 },
	/* probability, ppm */
	{ QN_UNIT_PROB, "0.9",		U32, 0, 900000 },
	{ QN_UNIT_PROB, "90%",		U32, 0, 900000 },
	{ QN_UNIT_PROB, "98.5%",	U32, 0, 985000 },
	{ QN_UNIT_PROB, "1",		U32, 0, 1000000 },
	{ QN_UNIT_PROB, "100%",		U32, 0, 1000000 },
	{ QN_UNIT_PROB, "0",		U32, 0, 0 },
	{ QN_UNIT_PROB, "0.000001",	U32, 0, 1 },
	{ QN_UNIT_PROB, "0.0000001",	U32, -ERANGE, 0 },
	{ QN_UNIT_PROB, "250000ppm",	U32, 0, 250000 },
	{ QN_UNIT_PROB, "1.5",		U32, -ERANGE, 0 },
	{ QN_UNIT_PROB, "101%",		U32, -ERANGE, 0 },
	{ QN_UNIT_PROB, "90 %",		U32, -EINVAL, 0 },
	/* time, ns */
	{ QN_UNIT_TIME, "10ms",		U64, 0, 10000000 },
	{ QN_UNIT_TIME, "1.5us",	U64, 0, 1500 },
	{ QN_UNIT_TIME, "2s",		U64, 0, 2000000000 },
	{ QN_UNIT_TIME, "2sec",		U64, 0, 2000000000 },
	{ QN_UNIT_TIME, "7ns",		U64, 0, 7 },
	{ QN_UNIT_TIME, "0",		U64, 0, 0 },
	{ QN_UNIT_TIME, "none",		U64, 0, 0 },
	{ QN_UNIT_TIME, "0ms",		U64, 0, 0 },
	{ QN_UNIT_TIME, "10",		U64, -EINVAL, 0 },	/* unit needed */
	{ QN_UNIT_TIME, "0.5ns",	U64, -ERANGE, 0 },
	{ QN_UNIT_TIME, "20000000000s",	U64, -ERANGE, 0 },
	{ QN_UNIT_TIME, "NONE",		U64, -EINVAL, 0 },
	{ QN_UNIT_CLOCK, "0ns",		U64, 0, 0 },
	{ QN_UNIT_CLOCK, "none",	U64, -EINVAL, 0 },
	/* time scale, per mille */
	{ QN_UNIT_SCALE, "1",		U32, 0, 1000 },
	{ QN_UNIT_SCALE, "0.01",	U32, 0, 10 },
	{ QN_UNIT_SCALE, "0",		U32, 0, 0 },
	{ QN_UNIT_SCALE, "unpaced",	U32, 0, 0 },
	{ QN_UNIT_SCALE, "100",		U32, 0, 100000 },
	{ QN_UNIT_SCALE, "0.0001",	U32, -ERANGE, 0 },
	/* plain numbers */
	{ QN_UNIT_COUNT, "4",		U32, 0, 4 },
	{ QN_UNIT_COUNT, "18446744073709551615", U64, 0, UINT64_MAX },
	{ QN_UNIT_COUNT, "18446744073709551616", U64, -ERANGE, 0 },
	{ QN_UNIT_COUNT, "1.5",		U32, -ERANGE, 0 },
	{ QN_UNIT_COUNT, "four",	U32, -EINVAL, 0 },
	/* words */
	{ QN_UNIT_SCHEME, "single-click", 255, 0, 0 },
	{ QN_UNIT_SCHEME, "double-click", 255, 0, 1 },
	{ QN_UNIT_SCHEME, "direct",	255, 0, 2 },
	{ QN_UNIT_SCHEME, "triple-click", 255, -EINVAL, 0 },
	{ QN_UNIT_SCHEME, "1",		255, -EINVAL, 0 },
	{ QN_UNIT_ONOFF, "on",		1, 0, 1 },
	{ QN_UNIT_ONOFF, "off",		1, 0, 0 },
	{ QN_UNIT_ONOFF, "yes",		1, -EINVAL, 0 },
};

TEST(unit_parse)
{
	const uint64_t untouched = 0xdeadbeef;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		uint64_t val = untouched;
		int err;

		err = qn_unit_parse(c->unit, c->arg, c->max, &val);
		EXPECT_EQ(c->err, err)
			TH_LOG("%s \"%s\"", qn_unit_name(c->unit), c->arg);
		EXPECT_EQ(c->err ? untouched : c->val, val)
			TH_LOG("%s \"%s\"", qn_unit_name(c->unit), c->arg);
	}
}

static const struct format_case {
	enum qn_unit	unit;
	uint64_t	val;
	const char	*text;
} format_cases[] = {
	{ QN_UNIT_LENGTH, 25000,	"25km" },
	{ QN_UNIT_LENGTH, 1234,		"1.234km" },
	{ QN_UNIT_LENGTH, 1000000,	"1000km" },
	{ QN_UNIT_LENGTH, 800,		"800m" },
	{ QN_UNIT_LENGTH, 0,		"0m" },
	{ QN_UNIT_ATTEN, 200,		"0.2dB/km" },
	{ QN_UNIT_ATTEN, 1000,		"1dB/km" },
	{ QN_UNIT_ATTEN, 5,		"0.005dB/km" },
	{ QN_UNIT_ATTEN, 0,		"0dB/km" },
	{ QN_UNIT_INDEX, 1470,		"1.47" },
	{ QN_UNIT_FREQ, 1000000,	"1MHz" },
	{ QN_UNIT_FREQ, 1500,		"1.5kHz" },
	{ QN_UNIT_FREQ, 1000000000,	"1GHz" },
	{ QN_UNIT_FREQ, 999,		"999Hz" },
	{ QN_UNIT_FREQ, 0,		"0Hz" },
	{ QN_UNIT_PROB, 900000,		"90%" },
	{ QN_UNIT_PROB, 985000,		"98.5%" },
	{ QN_UNIT_PROB, 1000000,	"100%" },
	{ QN_UNIT_PROB, 1,		"0.0001%" },
	{ QN_UNIT_PROB, 123456,		"12.3456%" },
	{ QN_UNIT_PROB, 0,		"0%" },
	{ QN_UNIT_TIME, 10000000,	"10ms" },
	{ QN_UNIT_TIME, 1500,		"1.5us" },
	{ QN_UNIT_TIME, 1000000001,	"1.000000001s" },
	{ QN_UNIT_TIME, 7,		"7ns" },
	{ QN_UNIT_TIME, 0,		"none" },
	{ QN_UNIT_TIME, UINT64_MAX,	"18446744073.709551615s" },
	{ QN_UNIT_CLOCK, 0,		"0ns" },
	{ QN_UNIT_CLOCK, 2500000,	"2.5ms" },
	{ QN_UNIT_SCALE, 1000,		"1" },
	{ QN_UNIT_SCALE, 10,		"0.01" },
	{ QN_UNIT_SCALE, 0,		"unpaced" },
	{ QN_UNIT_COUNT, 64,		"64" },
	{ QN_UNIT_COUNT, UINT64_MAX,	"18446744073709551615" },
	{ QN_UNIT_SCHEME, 0,		"single-click" },
	{ QN_UNIT_SCHEME, 2,		"direct" },
	{ QN_UNIT_SCHEME, 7,		"7" },	/* newer kernel */
	{ QN_UNIT_ONOFF, 1,		"on" },
	{ QN_UNIT_ONOFF, 0,		"off" },
};

/* What is printed parses back to the same value. */
TEST(unit_format_round_trip)
{
	char buf[QN_UNIT_BUFSZ];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(format_cases); i++) {
		const struct format_case *c = &format_cases[i];
		uint64_t back = 0;

		qn_unit_format(c->unit, c->val, buf, sizeof(buf));
		EXPECT_STREQ(c->text, buf)
			TH_LOG("%s %llu", qn_unit_name(c->unit),
			       (unsigned long long)c->val);
		if (c->unit == QN_UNIT_SCHEME && !qn_scheme_name(c->val))
			continue;
		EXPECT_EQ(0, qn_unit_parse(c->unit, buf, UINT64_MAX, &back))
			TH_LOG("parse back \"%s\"", buf);
		EXPECT_EQ(c->val, back) TH_LOG("parse back \"%s\"", buf);
	}
}

static const struct addr_case {
	const char	*arg;
	int		err;
	uint32_t	addr;
} addr_cases[] = {
	{ "1",			0, 1 },
	{ "4294967295",		0, 0xffffffff },
	{ "0",			0, 0 },		/* the kernel refuses it */
	{ "10.0.0.1",		0, 0x0a000001 },
	{ "0.0.0.2",		0, 2 },
	{ "255.255.255.255",	0, 0xffffffff },
	{ "4294967296",		-ERANGE, 0 },
	{ "256.0.0.1",		-ERANGE, 0 },
	{ "10.0.1",		-EINVAL, 0 },
	{ "10.0.0.1.2",		-EINVAL, 0 },
	{ "10..0.1",		-EINVAL, 0 },
	{ "10.0.0.",		-EINVAL, 0 },
	{ "-1",			-EINVAL, 0 },
	{ "1a",			-EINVAL, 0 },
	{ "",			-EINVAL, 0 },
	{ "node1",		-EINVAL, 0 },
};

TEST(addr_parse)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(addr_cases); i++) {
		const struct addr_case *c = &addr_cases[i];
		uint32_t addr = 0x5a5a5a5a;

		EXPECT_EQ(c->err, qn_addr_parse(c->arg, &addr))
			TH_LOG("\"%s\"", c->arg);
		EXPECT_EQ(c->err ? 0x5a5a5a5a : c->addr, addr)
			TH_LOG("\"%s\"", c->arg);
	}
}

static const struct escape_case {
	const char	*in;
	const char	*out;
} escape_cases[] = {
	{ "ql0",		"\"ql0\"" },
	{ "",			"\"\"" },
	{ "a\"b",		"\"a\\\"b\"" },
	{ "back\\slash",	"\"back\\\\slash\"" },
	{ "tab\there",		"\"tab\\there\"" },
	{ "line\nbreak\r",	"\"line\\nbreak\\r\"" },
	{ "\b\f",		"\"\\b\\f\"" },
	{ "\x01\x1f\x7f",	"\"\\u0001\\u001f\\u007f\"" },
	{ "/",			"\"/\"" },
	{ "fid\xc3\xa9lit\xc3\xa9", "\"fid\xc3\xa9lit\xc3\xa9\"" },	/* UTF-8 */
};

TEST(json_escape)
{
	size_t i, len;
	char *buf;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(escape_cases); i++) {
		f = open_memstream(&buf, &len);
		ASSERT_NE(NULL, f);
		jsonw_escape(f, escape_cases[i].in);
		fclose(f);
		EXPECT_STREQ(escape_cases[i].out, buf) TH_LOG("case %zu", i);
		free(buf);
	}
}

/* A whole document, in compact and in pretty form. */
static void write_doc(struct json_writer *jw)
{
	jsonw_start_array(jw);
	jsonw_start_object(jw);
	jsonw_name(jw, "ifname");
	jsonw_string(jw, "ql0");
	jsonw_name(jw, "length_m");
	jsonw_u64(jw, 25000);
	jsonw_name(jw, "continuous");
	jsonw_bool(jw, false);
	jsonw_name(jw, "stats");
	jsonw_start_object(jw);
	jsonw_end_object(jw);
	jsonw_name(jw, "list");
	jsonw_start_array(jw);
	jsonw_s64(jw, -1);
	jsonw_null(jw);
	jsonw_end_array(jw);
	jsonw_end_object(jw);
	jsonw_start_object(jw);
	jsonw_end_object(jw);
	jsonw_end_array(jw);
}

static const struct doc_case {
	bool		pretty;
	const char	*out;
} doc_cases[] = {
	{ false, "[{\"ifname\":\"ql0\",\"length_m\":25000,\"continuous\":false,"
		 "\"stats\":{},\"list\":[-1,null]},{}]" },
	{ true,  "[\n"
		 "    {\n"
		 "        \"ifname\": \"ql0\",\n"
		 "        \"length_m\": 25000,\n"
		 "        \"continuous\": false,\n"
		 "        \"stats\": {},\n"
		 "        \"list\": [\n"
		 "            -1,\n"
		 "            null\n"
		 "        ]\n"
		 "    },\n"
		 "    {}\n"
		 "]" },
};

TEST(json_document)
{
	struct json_writer jw;
	size_t i, len;
	char *buf;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(doc_cases); i++) {
		f = open_memstream(&buf, &len);
		ASSERT_NE(NULL, f);
		jsonw_init(&jw, f, doc_cases[i].pretty);
		write_doc(&jw);
		fclose(f);
		EXPECT_STREQ(doc_cases[i].out, buf)
			TH_LOG("pretty=%d", doc_cases[i].pretty);
		free(buf);
	}
}

/* One field through the print path, in text and in JSON. */
static const struct print_case {
	enum qn_unit	unit;
	const char	*key;
	const char	*fmt;
	uint64_t	val;
	const char	*text;
	const char	*json;
} print_cases[] = {
	{ QN_UNIT_LENGTH, "length_m", "length %s", 25000,
	  "length 25km", "{\"length_m\":25000}" },
	{ QN_UNIT_ATTEN, "atten_mdb_km", " atten %s", 200,
	  " atten 0.2dB/km", "{\"atten_mdb_km\":200}" },
	{ QN_UNIT_FREQ, "attempt_rate_hz", "rate %s", 1000000,
	  "rate 1MHz", "{\"attempt_rate_hz\":1000000}" },
	{ QN_UNIT_PROB, "efficiency_ppm", "efficiency %s", 900000,
	  "efficiency 90%", "{\"efficiency_ppm\":900000}" },
	{ QN_UNIT_TIME, "cutoff_ns", "cutoff %s", 10000000,
	  "cutoff 10ms", "{\"cutoff_ns\":10000000}" },
	{ QN_UNIT_TIME, "t1_ns", "t1 %s", 0, "t1 none", "{\"t1_ns\":0}" },
	{ QN_UNIT_SCALE, "time_scale_permille", "time-scale %s", 1000,
	  "time-scale 1", "{\"time_scale_permille\":1000}" },
	{ QN_UNIT_SCHEME, "scheme", "scheme %s", 1,
	  "scheme double-click", "{\"scheme\":\"double-click\"}" },
	{ QN_UNIT_SCHEME, "scheme", "scheme %s", 9, "scheme 9", "{\"scheme\":9}" },
	{ QN_UNIT_ONOFF, "continuous", "continuous %s", 1,
	  "continuous on", "{\"continuous\":true}" },
	{ QN_UNIT_COUNT, "seed", "seed %s", UINT64_MAX,
	  "seed 18446744073709551615", "{\"seed\":18446744073709551615}" },
};

static char *print_one(const struct print_case *c, bool json)
{
	size_t len;
	char *buf;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	print_start(f, json, false);
	open_json_object(NULL);
	print_unit(c->key, c->fmt, c->unit, c->val);
	close_json_object();
	print_end();
	fclose(f);
	return buf;
}

TEST(print_unit_text_and_json)
{
	char want[128], *got;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(print_cases); i++) {
		const struct print_case *c = &print_cases[i];

		got = print_one(c, false);
		ASSERT_NE(NULL, got);
		EXPECT_STREQ(c->text, got) TH_LOG("text, case %zu", i);
		free(got);

		got = print_one(c, true);
		ASSERT_NE(NULL, got);
		snprintf(want, sizeof(want), "%s\n", c->json);
		EXPECT_STREQ(want, got) TH_LOG("json, case %zu", i);
		free(got);
	}
}

/* A batch line and its words, joined by '|'; or the error. */
static const struct split_case {
	const char	*line;
	int		ret;
	const char	*words;
} split_cases[] = {
	{ "node show\n",			2, "node|show" },
	{ "",					0, "" },
	{ "   \t\n",				0, "" },
	{ "# a comment",			0, "" },
	{ "  link set ql0 length 2km # why",	5, "link|set|ql0|length|2km" },
	{ "route add 2 dev ql0#not-a-comment",	5, "route|add|2|dev|ql0#not-a-comment" },
	{ "a \"b c\" 'd e' f",		4, "a|b c|d e|f" },
	{ "x\"y z\"w",				1, "xy zw" },
	{ "\"\" ''",				2, "|" },
	{ "a \"unterminated",			QN_SPLIT_UNTERMINATED, NULL },
	{ "1 2 3 4 5 6 7 8 9",			QN_SPLIT_TOO_MANY, NULL },
	{ "1 2 3 4 5 6 7 8",			8, "1|2|3|4|5|6|7|8" },
};

TEST(batch_split_line)
{
	char line[128], joined[128], *argv[8];
	size_t i;
	int n, k;

	for (i = 0; i < ARRAY_SIZE(split_cases); i++) {
		const struct split_case *c = &split_cases[i];

		snprintf(line, sizeof(line), "%s", c->line);
		n = qn_split_line(line, argv, ARRAY_SIZE(argv));
		EXPECT_EQ(c->ret, n) TH_LOG("\"%s\"", c->line);
		if (n != c->ret || n < 0)
			continue;
		joined[0] = '\0';
		for (k = 0; k < n; k++) {
			if (k)
				strcat(joined, "|");
			strcat(joined, argv[k]);
		}
		EXPECT_STREQ(c->words, joined) TH_LOG("\"%s\"", c->line);
	}
}

TEST_HARNESS_MAIN
