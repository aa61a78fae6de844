/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Splitting a -batch line into words.
 */
#ifndef _QNETCTL_BATCH_H
#define _QNETCTL_BATCH_H

#define QN_SPLIT_UNTERMINATED	(-1)	/* a quote is not closed */
#define QN_SPLIT_TOO_MANY	(-2)	/* more than @max words */

/*
 * Split @line into words in place, like ip -batch: blanks separate words,
 * a '#' that starts a word comments out the rest of the line, and "..."
 * or '...' keep blanks inside a word. Returns the number of words, or one
 * of the QN_SPLIT_* errors.
 */
int qn_split_line(char *line, char **argv, int max);

#endif /* _QNETCTL_BATCH_H */
