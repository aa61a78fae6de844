/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qmodel_out.h - the model tool's one print path (qmodel_out.c): the same
 * fields as aligned text or as JSON (-j, -p pretty), for the link figures
 * of qnet-model and the predictions of `qnet-model predict` (predict.c).
 */
#ifndef _QNET_QMODEL_OUT_H
#define _QNET_QMODEL_OUT_H

/* start a document: text, JSON, or indented JSON */
void qmo_begin(int json, int pretty);
int qmo_json(void);

/* an object ('{') or array ('['); @title is the text output's heading */
void qmo_open(const char *key, char brace, const char *title, ...)
	__attribute__((format(printf, 3, 4)));
void qmo_close(char brace);

void qmo_num(const char *key, double v, const char *unit);
void qmo_u64(const char *key, unsigned long long v, const char *unit);
void qmo_str(const char *key, const char *s);

#endif /* _QNET_QMODEL_OUT_H */
