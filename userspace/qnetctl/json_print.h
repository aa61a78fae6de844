/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One print path for text and JSON, after iproute2's json_print: every
 * field is printed with one call that names its JSON key and its text
 * format, and the output mode picks which one is used.
 *
 *	print_string(PRINT_ANY, "ifname", "%s: ", name);
 *	print_unit("length_m", "length %s ", QN_UNIT_LENGTH, len);
 *
 * In JSON, units go out as raw integers under unit-bearing keys; in text
 * they are printed in human units (units.h).
 */
#ifndef _QNETCTL_JSON_PRINT_H
#define _QNETCTL_JSON_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "units.h"

enum output_type {
	PRINT_FP = 1,		/* text only */
	PRINT_JSON = 2,		/* JSON only */
	PRINT_ANY = 3,		/* both */
};

/* Start a document on @out; JSON when @json. */
void print_start(FILE *out, bool json, bool pretty);
/* End the document: flush, and end the line in JSON mode. */
void print_end(void);
bool is_json_context(void);

/* @name is the member name inside an object, NULL inside an array. */
void open_json_object(const char *name);
void close_json_object(void);
void open_json_array(const char *name);
void close_json_array(void);

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value);
void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t value);
/* JSON true/false; text "on"/"off" through @fmt. */
void print_on_off(enum output_type t, const char *key, const char *fmt,
		  bool value);
/* JSON: raw integer (string for a scheme, bool for on/off); text: units. */
void print_unit(const char *key, const char *fmt, enum qn_unit unit,
		uint64_t value);
/* Text only: end the line, and start the next with @indent spaces. */
void print_nl(int indent);

#endif /* _QNETCTL_JSON_PRINT_H */
