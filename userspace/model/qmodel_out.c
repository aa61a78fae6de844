// SPDX-License-Identifier: GPL-2.0
/*
 * qmodel_out.c - the model tool's one print path (qmodel_out.h): aligned
 * "key value unit" lines under titles, or JSON through qnetctl's writer
 * (json_writer.c, the tools' one JSON writer). Its own file, below both
 * qnet-model's link figures (model.c) and its predictions (predict.c).
 */
#include <stdarg.h>
#include <stdio.h>

#include "json_writer.h"
#include "qmodel_out.h"

static struct {
	bool json;
	struct json_writer jw;
} out;

void qmo_begin(int json, int pretty)
{
	out.json = json || pretty;
	jsonw_init(&out.jw, stdout, pretty);
}

int qmo_json(void)
{
	return out.json;
}

void qmo_open(const char *key, char brace, const char *title, ...)
{
	va_list ap;

	if (out.json) {
		if (key)
			jsonw_name(&out.jw, key);
		if (brace == '[')
			jsonw_start_array(&out.jw);
		else
			jsonw_start_object(&out.jw);
		return;
	}
	if (!title)
		return;
	va_start(ap, title);
	vprintf(title, ap);
	va_end(ap);
	putchar('\n');
}

void qmo_close(char brace)
{
	if (!out.json)
		return;
	if (brace == ']')
		jsonw_end_array(&out.jw);
	else
		jsonw_end_object(&out.jw);
}

void qmo_num(const char *key, double v, const char *unit)
{
	if (out.json) {
		jsonw_name(&out.jw, key);
		jsonw_float_fmt(&out.jw, "%.12g", v);
	} else {
		printf("  %-26s %.10g%s%s\n", key, v, unit ? " " : "",
		       unit ? unit : "");
	}
}

void qmo_u64(const char *key, unsigned long long v, const char *unit)
{
	if (out.json) {
		jsonw_name(&out.jw, key);
		jsonw_u64(&out.jw, v);
	} else {
		printf("  %-26s %llu%s%s\n", key, v, unit ? " " : "",
		       unit ? unit : "");
	}
}

void qmo_str(const char *key, const char *s)
{
	if (out.json) {
		jsonw_name(&out.jw, key);
		jsonw_string(&out.jw, s);
	} else {
		printf("  %-26s %s\n", key, s);
	}
}
