// SPDX-License-Identifier: GPL-2.0
/*
 * Streaming JSON writer; see json_writer.h.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "json_writer.h"

void jsonw_init(struct json_writer *jw, FILE *out, bool pretty)
{
	jw->out = out;
	jw->pretty = pretty;
	jw->depth = 0;
	jw->after_name = false;
	jw->has_items[0] = false;
}

static void jsonw_indent(struct json_writer *jw)
{
	unsigned int i;

	if (!jw->pretty)
		return;
	fputc('\n', jw->out);
	for (i = 0; i < jw->depth; i++)
		fputs("    ", jw->out);
}

/* Called before every value and every name: the comma and the indent. */
static void jsonw_sep(struct json_writer *jw)
{
	if (jw->after_name) {
		jw->after_name = false;
		return;
	}
	if (jw->has_items[jw->depth])
		fputc(',', jw->out);
	if (jw->depth)
		jsonw_indent(jw);
	jw->has_items[jw->depth] = true;
}

static void jsonw_open(struct json_writer *jw, char c)
{
	jsonw_sep(jw);
	fputc(c, jw->out);
	/* qnetctl nests three deep; deeper is a bug in the caller. */
	if (jw->depth + 1 >= JSON_MAX_DEPTH)
		abort();
	jw->depth++;
	jw->has_items[jw->depth] = false;
}

static void jsonw_close(struct json_writer *jw, char c)
{
	bool had_items = jw->has_items[jw->depth];

	if (jw->depth)
		jw->depth--;
	if (had_items)
		jsonw_indent(jw);
	fputc(c, jw->out);
}

void jsonw_start_object(struct json_writer *jw)
{
	jsonw_open(jw, '{');
}

void jsonw_end_object(struct json_writer *jw)
{
	jsonw_close(jw, '}');
}

void jsonw_start_array(struct json_writer *jw)
{
	jsonw_open(jw, '[');
}

void jsonw_end_array(struct json_writer *jw)
{
	jsonw_close(jw, ']');
}

void jsonw_escape(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	for (; *p; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			/* Other control characters; bytes >= 0x80 pass as UTF-8. */
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

void jsonw_name(struct json_writer *jw, const char *name)
{
	jsonw_sep(jw);
	jsonw_escape(jw->out, name);
	fputs(jw->pretty ? ": " : ":", jw->out);
	jw->after_name = true;
}

void jsonw_string(struct json_writer *jw, const char *s)
{
	jsonw_sep(jw);
	jsonw_escape(jw->out, s);
}

void jsonw_u64(struct json_writer *jw, uint64_t v)
{
	jsonw_sep(jw);
	fprintf(jw->out, "%" PRIu64, v);
}

void jsonw_s64(struct json_writer *jw, int64_t v)
{
	jsonw_sep(jw);
	fprintf(jw->out, "%" PRId64, v);
}

void jsonw_float_fmt(struct json_writer *jw, const char *fmt, double v)
{
	jsonw_sep(jw);
	fprintf(jw->out, fmt, v);
}

void jsonw_bool(struct json_writer *jw, bool v)
{
	jsonw_sep(jw);
	fputs(v ? "true" : "false", jw->out);
}

void jsonw_null(struct json_writer *jw)
{
	jsonw_sep(jw);
	fputs("null", jw->out);
}
