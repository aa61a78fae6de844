/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer: objects, arrays, strings (escaped per
 * RFC 8259), unsigned and signed integers, numbers in a printf format,
 * booleans and null, compact or pretty-printed. It keeps the separators
 * right and nothing else; the caller is responsible for well-formed
 * nesting.
 *
 * The one JSON writer of qnet's command-line tools: qnetctl (through
 * json_print.h), qnet-model (model/qmodel_out.c) and the qkd example
 * compile this file.
 */
#ifndef _QNETCTL_JSON_WRITER_H
#define _QNETCTL_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json_writer {
	FILE		*out;
	bool		pretty;
	unsigned int	depth;
	bool		after_name;		/* a value completes "name": */
	bool		has_items[JSON_MAX_DEPTH];
};

void jsonw_init(struct json_writer *jw, FILE *out, bool pretty);

void jsonw_start_object(struct json_writer *jw);
void jsonw_end_object(struct json_writer *jw);
void jsonw_start_array(struct json_writer *jw);
void jsonw_end_array(struct json_writer *jw);

/* The name of the next member of an object. */
void jsonw_name(struct json_writer *jw, const char *name);

void jsonw_string(struct json_writer *jw, const char *s);
void jsonw_u64(struct json_writer *jw, uint64_t v);
void jsonw_s64(struct json_writer *jw, int64_t v);
/* @v in printf format @fmt ("%.12g", "%.6f"): a finite number only. */
void jsonw_float_fmt(struct json_writer *jw, const char *fmt, double v)
	__attribute__((format(printf, 2, 0)));
void jsonw_bool(struct json_writer *jw, bool v);
void jsonw_null(struct json_writer *jw);

/* Write @s as a quoted, escaped JSON string. */
void jsonw_escape(FILE *out, const char *s);

#endif /* _QNETCTL_JSON_WRITER_H */
