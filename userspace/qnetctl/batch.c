// SPDX-License-Identifier: GPL-2.0
/*
 * Splitting a -batch line into words; see batch.h.
 */
#include <ctype.h>
#include <stddef.h>

#include "batch.h"

/* Copy one word from @r to @w, dropping its quotes; NULL if unterminated. */
static char *qn_split_word(char *r, char **wp)
{
	char *w = *wp;

	while (*r && !isspace((unsigned char)*r)) {
		if (*r == '"' || *r == '\'') {
			char quote = *r++;

			while (*r && *r != quote)
				*w++ = *r++;
			if (!*r)
				return NULL;
			r++;
		} else {
			*w++ = *r++;
		}
	}
	*wp = w;
	return r;
}

int qn_split_line(char *line, char **argv, int max)
{
	char *r = line, *w;
	int argc = 0;

	for (;;) {
		while (isspace((unsigned char)*r))
			r++;
		if (!*r || *r == '#')
			return argc;
		if (argc == max)
			return QN_SPLIT_TOO_MANY;
		argv[argc++] = w = r;
		r = qn_split_word(r, &w);
		if (!r)
			return QN_SPLIT_UNTERMINATED;
		/* The word ends here; the blank after it may be overwritten. */
		if (*r)
			r++;
		*w = '\0';
	}
}
