// SPDX-License-Identifier: GPL-2.0
/*
 * qnet-kmd's log: one line on stderr per event, with the wall time. Its
 * own file, below the daemon's main (kmd_main.c) and its HTTPS front
 * (kmd_http.c), which both log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "kmd.h"

void kmd_log(const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;
	char buf[512];

	clock_gettime(CLOCK_REALTIME, &ts);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "qnet-kmd[%ld.%03ld]: %s\n", (long)ts.tv_sec,
		ts.tv_nsec / 1000000, buf);
}
