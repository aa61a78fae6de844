// SPDX-License-Identifier: GPL-2.0
/* The records of one AF_QNET request, read through libqnet. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <qnet/libqnet.h>

#include "libqkd.h"

void qkd_rcvbuf_for(int fd, uint32_t npairs)
{
	int size = npairs > 200000 ? 256 << 20 : (int)npairs * 1024 + 65536;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

int qkd_collect(int fd, struct qkd_rec *recs, uint32_t npairs, int idle_ms,
		struct qkd_collect *c)
{
	struct qnet_pair p[64];
	ssize_t n, i;

	memset(c, 0, sizeof(*c));
	while (c->nrecs < npairs) {
		n = qnet_recv_pairs(fd, p, 64, idle_ms);
		if (n == -EAGAIN) {
			c->idle = 1;
			return 0;
		}
		if (n < 0)
			return n;
		if (!n)
			return 0;
		for (i = 0; i < n && c->nrecs < npairs; i++) {
			struct qkd_rec *q = &recs[c->nrecs];

			if (p[i].error) {
				c->error = p[i].error;
				return 0;
			}
			q->pair_id = p[i].pair_id;
			q->basis = p[i].basis;
			q->outcome = p[i].outcome & 1;
			q->bell = p[i].bell_state & 3;
			q->fid_ppm = p[i].fidelity_ppm;
			if (!c->nrecs || p[i].create_ns < c->t_first)
				c->t_first = p[i].create_ns;
			if (p[i].deliver_ns > c->t_last)
				c->t_last = p[i].deliver_ns;
			c->fsum += p[i].fidelity_ppm / 1e6;
			c->nrecs++;
		}
	}
	return 0;
}
