// SPDX-License-Identifier: GPL-2.0
/*
 * The text/JSON print path; see json_print.h.
 */
#include <inttypes.h>

#include "json_print.h"
#include "json_writer.h"

static struct json_writer jw_store;
static struct json_writer *jw;		/* NULL in text mode */
static FILE *print_out;

void print_start(FILE *out, bool json, bool pretty)
{
	print_out = out;
	jw = NULL;
	if (json) {
		jsonw_init(&jw_store, out, pretty);
		jw = &jw_store;
	}
}

void print_end(void)
{
	if (jw)
		fputc('\n', print_out);
	fflush(print_out);
	jw = NULL;
}

bool is_json_context(void)
{
	return jw != NULL;
}

static bool want_json(enum output_type t)
{
	return jw && (t & PRINT_JSON);
}

static bool want_text(enum output_type t)
{
	return !jw && (t & PRINT_FP) && print_out;
}

void open_json_object(const char *name)
{
	if (!jw)
		return;
	if (name)
		jsonw_name(jw, name);
	jsonw_start_object(jw);
}

void close_json_object(void)
{
	if (jw)
		jsonw_end_object(jw);
}

void open_json_array(const char *name)
{
	if (!jw)
		return;
	if (name)
		jsonw_name(jw, name);
	jsonw_start_array(jw);
}

void close_json_array(void)
{
	if (jw)
		jsonw_end_array(jw);
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value)
{
	if (want_json(t)) {
		if (key)
			jsonw_name(jw, key);
		jsonw_string(jw, value);
	} else if (want_text(t) && fmt) {
		fprintf(print_out, fmt, value);
	}
}

void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t value)
{
	if (want_json(t)) {
		if (key)
			jsonw_name(jw, key);
		jsonw_u64(jw, value);
	} else if (want_text(t) && fmt) {
		fprintf(print_out, fmt, value);
	}
}

void print_on_off(enum output_type t, const char *key, const char *fmt,
		  bool value)
{
	if (want_json(t)) {
		if (key)
			jsonw_name(jw, key);
		jsonw_bool(jw, value);
	} else if (want_text(t) && fmt) {
		fprintf(print_out, fmt, value ? "on" : "off");
	}
}

void print_unit(const char *key, const char *fmt, enum qn_unit unit,
		uint64_t value)
{
	char buf[QN_UNIT_BUFSZ];
	const char *name;

	if (!jw) {
		print_string(PRINT_FP, NULL, fmt,
			     qn_unit_format(unit, value, buf, sizeof(buf)));
		return;
	}
	jsonw_name(jw, key);
	name = unit == QN_UNIT_SCHEME ? qn_scheme_name(value) : NULL;
	if (name)
		jsonw_string(jw, name);
	else if (unit == QN_UNIT_ONOFF)
		jsonw_bool(jw, value);
	else
		jsonw_u64(jw, value);
}

void print_nl(int indent)
{
	if (jw || !print_out)
		return;
	fprintf(print_out, "\n%*s", indent, "");
}
