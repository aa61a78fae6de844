/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the qnet selftests: loading and unloading the module
 * under test (path in $QNET_KO), and reading the family number it uses.
 */
#ifndef _QNET_SELFTEST_UTIL_H
#define _QNET_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <linux/qnet.h>

static inline const char *qnet_ko_path(void)
{
	const char *ko = getenv("QNET_KO");

	return ko ? ko : "kernel/qnet.ko";
}

/* Returns 0 or -errno, like the syscall underneath. */
static inline int qnet_module_load(const char *params)
{
	int fd, ret;

	fd = open(qnet_ko_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, params ? params : "", 0);
	if (ret)
		ret = -errno;
	close(fd);
	return ret;
}

static inline int qnet_module_unload(void)
{
	if (syscall(__NR_delete_module, "qnet", O_NONBLOCK))
		return -errno;
	return 0;
}

static inline int qnet_module_loaded(void)
{
	return access("/sys/module/qnet", F_OK) == 0;
}

/* Loads the module unless it is already there. */
static inline int qnet_module_ensure(void)
{
	int ret;

	if (qnet_module_loaded())
		return 0;
	ret = qnet_module_load(NULL);
	return ret == -EEXIST ? 0 : ret;
}

/* The socket family number the loaded module registered, or -errno. */
static inline int qnet_family(void)
{
	char buf[16] = "";
	FILE *f;
	int family;

	f = fopen(QNET_FAMILY_SYSFS, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	family = atoi(buf);
	return family > 0 ? family : -EINVAL;
}

#endif /* _QNET_SELFTEST_UTIL_H */
