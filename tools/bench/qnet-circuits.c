// SPDX-License-Identifier: GPL-2.0
/*
 * qnet-circuits: many concurrent circuits between two nodes.
 *
 *	qnet-circuits [-j] [-c CIRCUITS] [-p PAIRS] [-P PORT] NS_A NS_B ADDR_B
 *
 * In netns NS_B a listener accepts CIRCUITS connections; from netns NS_A
 * as many sockets connect to node ADDR_B (through whatever links and
 * routes are there: tools/bench/qnet-scale uses one qlink pair). Only once
 * every circuit is up does each send one request of PAIRS pairs
 * (QNET_REQ_MEASURE), so all of them are open and asking at the same
 * time; both ends then read every record. Prints the set-up time, the
 * time until both ends hold every record, the circuits the head's
 * /proc/net/qnet_circuit listed while all were up, the failures (records
 * with an error, short reads), and the memory the circuits took
 * (MemTotal - MemAvailable, and Slab, before the connects and with all
 * up). Exit status 0 only if every circuit delivered every pair.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <qnet/libqnet.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "qnet-circuits: %s: %s\n", what, strerror(err));
	exit(2);
}

static void enter_netns(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		die(path, errno);
	close(fd);
}

/* kB of MemTotal - MemAvailable and of Slab. */
static void mem_kb(long *used, long *slab)
{
	long total = 0, avail = 0, v;
	char key[64];
	FILE *f = fopen("/proc/meminfo", "r");

	*slab = 0;
	if (!f)
		die("/proc/meminfo", errno);
	while (fscanf(f, "%63s %ld kB\n", key, &v) == 2) {
		if (!strcmp(key, "MemTotal:"))
			total = v;
		else if (!strcmp(key, "MemAvailable:"))
			avail = v;
		else if (!strcmp(key, "Slab:"))
			*slab = v;
	}
	fclose(f);
	*used = total - avail;
}

/* Lines of /proc/net/qnet_circuit after its header: circuits here. */
static int circuits_listed(void)
{
	char line[512];
	int n = -1;
	FILE *f = fopen("/proc/net/qnet_circuit", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/*
 * Read @pairs records from each of @fds; returns the circuits that got
 * them all, counting errors into *@errs.
 */
static int read_all(int *fds, int n, int pairs, int *errs)
{
	struct pollfd *pfd = calloc(n, sizeof(*pfd));
	int *got = calloc(n, sizeof(*got));
	int i, done = 0, open_fds = n, ok = 0;
	struct qnet_pair p[64];
	ssize_t r;

	if (!pfd || !got)
		die("calloc", ENOMEM);
	for (i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	while (open_fds) {
		if (poll(pfd, n, 60000) <= 0)
			break;	/* a minute without a record: give up */
		for (i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			r = qnet_recv_pairs(pfd[i].fd, p, 64, 0);
			if (r == -EAGAIN || r == -EINTR)
				continue;
			if (r > 0) {
				for (ssize_t k = 0; k < r; k++) {
					if (p[k].error)
						(*errs)++;
					else
						got[i]++;
				}
			}
			if (r <= 0 || got[i] >= pairs) {
				if (r < 0)
					(*errs)++;
				pfd[i].fd = -1;
				open_fds--;
				done++;
			}
		}
	}
	for (i = 0; i < n; i++)
		ok += got[i] >= pairs;
	free(pfd);
	free(got);
	return ok;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: qnet-circuits [-j] [-c CIRCUITS] [-p PAIRS] [-P PORT] NS_A NS_B ADDR_B\n");
}

int main(int argc, char **argv)
{
	int circuits = 1000, pairs = 1, port = 4242, json = 0, opt, i;
	int sync_pipe[2], res_pipe[2], *fds, errs = 0, ok, listed;
	long used0, slab0, used1, slab1;
	struct qnet_request req;
	struct rlimit rl;
	double t0, t1, t2;
	uint32_t addr;
	pid_t srv;
	int srv_res[2] = { 0, 0 }, status;

	while ((opt = getopt(argc, argv, "jc:p:P:h")) != -1) {
		switch (opt) {
		case 'j': json = 1; break;
		case 'c': circuits = atoi(optarg); break;
		case 'p': pairs = atoi(optarg); break;
		case 'P': port = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 3 || circuits < 1 || pairs < 1) {
		usage(stderr);
		return 2;
	}
	addr = strtoul(argv[optind + 2], NULL, 0);
	rl.rlim_cur = rl.rlim_max = circuits + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit", errno);
	fds = calloc(circuits, sizeof(*fds));
	if (!fds || pipe(sync_pipe) || pipe(res_pipe))
		die("setup", errno);

	srv = fork();
	if (srv < 0)
		die("fork", errno);
	if (!srv) {
		int lfd, n = 0;
		char c = 1;

		enter_netns(argv[optind + 1]);
		lfd = qnet_listen(port, circuits);
		if (lfd < 0)
			die("listen", -lfd);
		if (write(sync_pipe[1], &c, 1) != 1)
			die("write", errno);
		for (n = 0; n < circuits; n++) {
			fds[n] = qnet_accept(lfd, NULL);
			if (fds[n] < 0)
				die("accept", -fds[n]);
		}
		srv_res[0] = read_all(fds, circuits, pairs, &srv_res[1]);
		if (write(res_pipe[1], srv_res, sizeof(srv_res)) !=
		    sizeof(srv_res))
			die("write", errno);
		/* The head closes first: its CLOSE ends our circuits. */
		pause();
		_exit(0);
	}

	enter_netns(argv[optind]);
	{
		char c;

		if (read(sync_pipe[0], &c, 1) != 1)
			die("server", EPIPE);
	}
	mem_kb(&used0, &slab0);
	t0 = now();
	for (i = 0; i < circuits; i++) {
		fds[i] = qnet_connect(addr, port);
		if (fds[i] < 0)
			die("connect", -fds[i]);
	}
	t1 = now();
	mem_kb(&used1, &slab1);
	listed = circuits_listed();
	qnet_request_init(&req, pairs);
	for (i = 0; i < circuits; i++) {
		int err = qnet_request(fds[i], &req);

		if (err)
			die("request", -err);
	}
	ok = read_all(fds, circuits, pairs, &errs);
	if (read(res_pipe[0], srv_res, sizeof(srv_res)) != sizeof(srv_res))
		srv_res[0] = -1;
	t2 = now();
	for (i = 0; i < circuits; i++)
		close(fds[i]);
	kill(srv, SIGTERM);
	waitpid(srv, &status, 0);

	if (json) {
		printf("{\"circuits\": %d, \"pairs_per_circuit\": %d, "
		       "\"listed_at_head\": %d, \"setup_s\": %.3f, "
		       "\"serve_s\": %.3f, \"ok_head\": %d, \"ok_tail\": %d, "
		       "\"errors\": %d, \"mem_kb_per_circuit\": %.2f, "
		       "\"slab_kb_per_circuit\": %.2f}\n",
		       circuits, pairs, listed, t1 - t0, t2 - t1, ok,
		       srv_res[0], errs + srv_res[1],
		       (double)(used1 - used0) / circuits,
		       (double)(slab1 - slab0) / circuits);
	} else {
		printf("%d circuits up at once (%d listed at the head) in %.2f s; "
		       "%d pair(s) each served in %.2f s; complete: head %d, tail %d; "
		       "errors %d; memory %.2f kB (slab %.2f kB) per circuit\n",
		       circuits, listed, t1 - t0, pairs, t2 - t1, ok,
		       srv_res[0], errs + srv_res[1],
		       (double)(used1 - used0) / circuits,
		       (double)(slab1 - slab0) / circuits);
	}
	return ok == circuits && srv_res[0] == circuits && !errs && !srv_res[1] ?
		0 : 1;
}
