// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libqnet, the socket half: AF_QNET sockets with the family number read
 * from sysfs, and the uapi records filled in and read back. Every call
 * returns a negative errno on failure and sets errno to its absolute
 * value (Documentation/sockets.rst lists what the kernel gives).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <qnet/libqnet.h>

#include "internal.h"

QNET_EXPORT int qnet_family(void)
{
	char buf[16] = "";
	char *end;
	FILE *f;
	long v;

	f = fopen(QNET_FAMILY_SYSFS, "re");
	if (!f)
		return qnet_fail(errno);	/* ENOENT: not loaded */
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return qnet_fail(EIO);
	}
	fclose(f);
	v = strtol(buf, &end, 10);
	if (end == buf || v <= 0 || v >= 256)
		return qnet_fail(EINVAL);
	return (int)v;
}

QNET_EXPORT int qnet_socket(void)
{
	int fam = qnet_family(), fd;

	if (fam < 0)
		return fam;
	fd = socket(fam, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	return fd < 0 ? qnet_fail(errno) : fd;
}

static struct sockaddr_qnet qnet_addr(int fam, uint32_t node, uint16_t port)
{
	struct sockaddr_qnet a;

	memset(&a, 0, sizeof(a));
	a.sq_family = fam;
	a.sq_node = node;
	a.sq_port = port;
	return a;
}

/* close() without losing the errno being reported */
static int qnet_close_fail(int fd, int err)
{
	close(fd);
	return qnet_fail(err);
}

QNET_EXPORT int qnet_listen(uint16_t port, int backlog)
{
	struct sockaddr_qnet a;
	int fd = qnet_socket();

	if (fd < 0)
		return fd;
	a = qnet_addr(qnet_family(), QNET_ADDR_ANY, port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(fd, backlog))
		return qnet_close_fail(fd, errno);
	return fd;
}

QNET_EXPORT int qnet_accept(int lfd, struct sockaddr_qnet *peer)
{
	struct sockaddr_qnet a;
	socklen_t len = sizeof(a);
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&a, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return qnet_fail(errno);
	if (peer)
		*peer = a;
	return fd;
}

QNET_EXPORT int qnet_connect(uint32_t node, uint16_t port)
{
	struct sockaddr_qnet a;
	int fd = qnet_socket();

	if (fd < 0)
		return fd;
	a = qnet_addr(qnet_family(), node, port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return qnet_close_fail(fd, errno);
	return fd;
}

QNET_EXPORT void qnet_request_init(struct qnet_request *req,
				   uint32_t num_pairs)
{
	memset(req, 0, sizeof(*req));
	req->num_pairs = num_pairs;
	req->type = QNET_REQ_MEASURE;
	req->basis = QNET_BASIS_Z;
}

QNET_EXPORT int qnet_request(int fd, const struct qnet_request *req)
{
	ssize_t n = send(fd, req, sizeof(*req), MSG_NOSIGNAL);

	if (n < 0)
		return qnet_fail(errno);
	if (n != sizeof(*req))
		return qnet_fail(EIO);
	return 0;
}

QNET_EXPORT ssize_t qnet_recv_pairs(int fd, struct qnet_pair *pairs,
				    size_t max, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;
	int r;

	if (!max)
		return 0;
	do {
		r = poll(&pfd, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return qnet_fail(errno);
	if (!r)
		return qnet_fail(EAGAIN);

	while (got < max) {
		n = recv(fd, &pairs[got], sizeof(pairs[got]), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* report what was read; the error comes next call */
			if (got)
				break;
			return qnet_fail(errno);
		}
		if (n == 0)
			break;		/* end of stream */
		if ((size_t)n != sizeof(pairs[got])) {
			if (got)
				break;
			return qnet_fail(EPROTO);
		}
		got++;
	}
	/* POLLIN with nothing read but no EOF: a spurious wakeup */
	if (!got && n < 0)
		return qnet_fail(EAGAIN);
	return (ssize_t)got;
}

QNET_EXPORT int qnet_measure(int fd, uint32_t qubit, uint8_t basis,
			     uint8_t *outcome, uint64_t *time_ns)
{
	struct qnet_measure m;
	socklen_t len = sizeof(m);

	memset(&m, 0, sizeof(m));
	m.qubit = qubit;
	m.basis = basis;
	if (getsockopt(fd, SOL_QNET, QNET_SO_MEASURE, &m, &len))
		return qnet_fail(errno);
	if (outcome)
		*outcome = m.outcome;
	if (time_ns)
		*time_ns = m.time_ns;
	return 0;
}

QNET_EXPORT int qnet_release(int fd, uint32_t qubit)
{
	__u32 h = qubit;

	if (setsockopt(fd, SOL_QNET, QNET_SO_RELEASE, &h, sizeof(h)))
		return qnet_fail(errno);
	return 0;
}

QNET_EXPORT int qnet_sock_stats(int fd, struct qnet_sock_stats *st)
{
	socklen_t len = sizeof(*st);

	memset(st, 0, sizeof(*st));
	if (getsockopt(fd, SOL_QNET, QNET_SO_STATS, st, &len))
		return qnet_fail(errno);
	return 0;
}

QNET_EXPORT const char *qnet_bell_name(uint8_t bell)
{
	static const char *const names[] = {
		[QNET_BELL_PHI_PLUS] = "phi+",
		[QNET_BELL_PSI_PLUS] = "psi+",
		[QNET_BELL_PSI_MINUS] = "psi-",
		[QNET_BELL_PHI_MINUS] = "phi-",
	};

	return bell < sizeof(names) / sizeof(names[0]) ? names[bell] : "?";
}
