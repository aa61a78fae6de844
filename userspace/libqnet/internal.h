/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libqnet private helpers, shared by sock.c and ctl.c. The library is
 * built with -fvisibility=hidden: only what is marked QNET_EXPORT (and
 * matched by libqnet.map) is visible to applications.
 */
#ifndef _QNET_LIBQNET_INTERNAL_H
#define _QNET_LIBQNET_INTERNAL_H

#include <errno.h>

#define QNET_EXPORT __attribute__((visibility("default")))

/* Return -@err with errno set to @err (a positive errno). */
static inline int qnet_fail(int err)
{
	errno = err;
	return -err;
}

#endif /* _QNET_LIBQNET_INTERNAL_H */
