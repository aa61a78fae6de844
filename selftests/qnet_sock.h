/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the AF_QNET socket selftests (sock_api_test.c,
 * sock_e2e_test.c): addresses, calls that return 0 or -errno, and the
 * /proc/net/qnet line of a socket.
 */
#ifndef _QNET_SELFTEST_SOCK_H
#define _QNET_SELFTEST_SOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <linux/qnet.h>

#include "qnet_nl.h"

static inline struct sockaddr_qnet qaddr(int family, uint32_t node,
					  uint16_t port)
{
	struct sockaddr_qnet a = {
		.sq_family = family,
		.sq_port = port,
		.sq_node = node,
	};

	return a;
}

#define SA(a)	((struct sockaddr *)(a))

static inline int qsocket(int family)
{
	return socket(family, SOCK_SEQPACKET, 0);
}

/* bind() and return 0, or -errno. */
static inline int qbind(int fd, int family, uint32_t node, uint16_t port)
{
	struct sockaddr_qnet a = qaddr(family, node, port);

	return bind(fd, SA(&a), sizeof(a)) ? -errno : 0;
}

static inline int qconnect(int fd, int family, uint32_t node, uint16_t port)
{
	struct sockaddr_qnet a = qaddr(family, node, port);

	return connect(fd, SA(&a), sizeof(a)) ? -errno : 0;
}

static inline struct sockaddr_qnet qname(int fd, int peer)
{
	struct sockaddr_qnet a;
	socklen_t len = sizeof(a);

	memset(&a, 0xff, sizeof(a));
	if ((peer ? getpeername : getsockname)(fd, SA(&a), &len) ||
	    len != sizeof(a))
		memset(&a, 0xee, sizeof(a));
	return a;
}

static inline int set_node_addr(uint32_t addr)
{
	struct qnet_nl q;
	int err = qnet_nl_open(&q);

	if (err)
		return err;
	err = qnet_nl_node_set(&q, addr);
	qnet_nl_close(&q);
	return err;
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int set_timeo(int fd, int opt, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/*
 * The /proc/net/qnet line of socket @fd, split into its fields
 * (inode state local peer records qubits drops); 0, or -1 if absent.
 */
struct proc_line {
	unsigned long	inode;
	char		state[16];
	unsigned int	lnode, lport, pnode, pport, records, qubits, drops;
};

static inline int proc_find(int fd, struct proc_line *pl, char *header, size_t hlen)
{
	struct stat st;
	char line[256];
	FILE *f;
	int found = -1;

	if (fstat(fd, &st))
		return -1;
	f = fopen("/proc/net/qnet", "re");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	if (header)
		snprintf(header, hlen, "%s", line);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lu %15s %u:%u %u:%u %u %u %u", &pl->inode,
			   pl->state, &pl->lnode, &pl->lport, &pl->pnode,
			   &pl->pport, &pl->records, &pl->qubits,
			   &pl->drops) != 9)
			continue;
		if (pl->inode == st.st_ino) {
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

static const struct qnet_request good_req = {
	.num_pairs = 1,
	.type = QNET_REQ_MEASURE,
	.basis = QNET_BASIS_Z,
};

#endif /* _QNET_SELFTEST_SOCK_H */
