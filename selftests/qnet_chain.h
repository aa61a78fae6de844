/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One request across a chain (qnet_topo.h), for the tests that compare
 * what both ends received with the physics core: the tail (a child
 * process in the last node) accepts one connection and reads the records
 * into shared memory; the head (node 1) connects, sends the request and
 * reads its own. And the heralded state of the direct-transmission links
 * those tests use, as the kernel's qlink computes it.
 */
#ifndef _QNET_SELFTEST_CHAIN_H
#define _QNET_SELFTEST_CHAIN_H

#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "qnet_topo.h"
#include "qlinkmodel.h"

/*
 * Records are charged to SO_RCVBUF and dropped when it is full
 * (Documentation/sockets.rst); a slow reader (the debug kernel) of an
 * unpaced request must have room for all of them. Root may force it.
 */
static inline void qnet_chain_rcvbuf(int fd, int n)
{
	int bytes = n * 2048 + (1 << 20);

	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes));
}

/* The last node: accept one connection on @port, read @n records. */
static inline int qnet_chain_tail(struct qnet_topo *t, int family,
				  uint16_t port, int ready,
				  struct qnet_pair *recs, int n)
{
	struct sockaddr_qnet a = { .sq_family = family, .sq_port = port };
	struct timeval tv = { .tv_sec = 60 };
	int s, c, i;

	if (qnet_topo_enter(t, t->n))
		return 1;
	s = socket(family, SOCK_SEQPACKET, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(s, 4))
		return 2;
	if (write(ready, "r", 1) != 1)
		return 3;
	c = accept(s, NULL, NULL);
	if (c < 0)
		return 4;
	qnet_chain_rcvbuf(c, n);
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (i = 0; i < n; i++)
		if (recv(c, &recs[i], sizeof(recs[i]), 0) != sizeof(recs[i]))
			return errno == EAGAIN ? 6 : 5;
	close(c);
	close(s);
	return 0;
}

/* Shared memory for the tail's @n records; NULL on failure. */
static inline struct qnet_pair *qnet_chain_shared(int n)
{
	void *p = mmap(NULL, n * sizeof(struct qnet_pair),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * @req from node 1 to the last node on @port: the head's @n records in
 * @head, the tail's in @tail (qnet_chain_shared()). Returns 0, or a
 * message saying what failed (written to @why, @len bytes).
 */
static inline int qnet_chain_request(struct qnet_topo *t, int family,
				     uint16_t port,
				     const struct qnet_request *req,
				     struct qnet_pair *head,
				     struct qnet_pair *tail, int n,
				     char *why, size_t len)
{
	struct sockaddr_qnet a = {
		.sq_family = family, .sq_port = port, .sq_node = t->n,
	};
	struct timeval tv = { .tv_sec = 60 };
	int ready[2], s, i, status;
	char byte;
	pid_t pid;

	if (pipe(ready))
		return snprintf(why, len, "pipe: %s", strerror(errno)), -1;
	pid = fork();
	if (pid < 0)
		return snprintf(why, len, "fork: %s", strerror(errno)), -1;
	if (!pid)
		_exit(qnet_chain_tail(t, family, port, ready[1], tail, n));
	close(ready[1]);
	if (read(ready[0], &byte, 1) != 1) {
		close(ready[0]);
		waitpid(pid, &status, 0);
		return snprintf(why, len, "tail: exit %d before listening",
				WEXITSTATUS(status)), -1;
	}
	close(ready[0]);

	i = -1;
	s = -1;
	if (qnet_topo_enter(t, 1) ||
	    (s = socket(family, SOCK_SEQPACKET, 0)) < 0 ||
	    (qnet_chain_rcvbuf(s, n), 0) ||
	    connect(s, (struct sockaddr *)&a, sizeof(a)) ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    send(s, req, sizeof(*req), 0) != sizeof(*req)) {
		snprintf(why, len, "head: connect or send: %s",
			 strerror(errno));
	} else {
		for (i = 0; i < n; i++) {
			ssize_t got = recv(s, &head[i], sizeof(head[i]), 0);

			if (got != sizeof(head[i])) {
				snprintf(why, len, "head: pair %d: %s", i,
					 got < 0 ? strerror(errno) :
						   "end of stream");
				break;
			}
		}
	}
	/*
	 * The head's close tears the circuit down: only once the tail has
	 * read all its records, which come a path's delay after the head's.
	 */
	if (i < n)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (s >= 0)
		close(s);
	qnet_topo_enter(t, 0);
	if (i < n)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return snprintf(why, len, "tail: exit %d (step that failed)",
				WEXITSTATUS(status)), -1;
	return 0;
}

/*
 * The heralded state of a direct-transmission link with no dark counts
 * and visibility 1: a Werner pair of the source's fidelity.
 */
static inline void qnet_direct_link_state(uint32_t length_m,
					  uint32_t source_fid_ppm,
					  uint32_t det_eff_ppm,
					  uint32_t attempt_rate_hz,
					  struct qstate *s)
{
	struct qstate_link_params lp;
	struct qstate_link_model m;

	qstate_link_params_init(&lp);
	lp.scheme = QSTATE_DIRECT;
	lp.length_m = length_m;
	lp.atten_mdb_km = QSTATE_DEFAULT_ATTEN_MDB_KM;
	lp.index_milli = QSTATE_DEFAULT_INDEX_MILLI;
	lp.attempt_rate_hz = attempt_rate_hz;
	lp.alpha = qprob_from_ppm(50000);
	lp.det_eff = qprob_from_ppm(det_eff_ppm);
	lp.dark_rate_hz = 0;
	lp.visibility = qprob_from_ppm(1000000);
	lp.source_fid = qprob_from_ppm(source_fid_ppm);
	qstate_link_compute(&lp, &m);
	*s = m.state;
}

#endif /* _QNET_SELFTEST_CHAIN_H */
