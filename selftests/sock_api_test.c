// SPDX-License-Identifier: GPL-2.0
/*
 * The AF_QNET socket API on one node (a fresh netns per test): every
 * call's errno where no network is needed. Two nodes talking are in
 * sock_e2e_test.c. Documentation/sockets.rst is the reference.
 */
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_sock.h"

#define NODE		5U
#define PORT		4242U

FIXTURE(qsock) {
	int family;
	int fd;
	bool have_nl;	/* the genetlink family answers: node address settable */
};

FIXTURE_SETUP(qsock)
{
	struct qnet_nl q;

	ASSERT_EQ(0, qnet_module_ensure());
	self->family = qnet_family();
	ASSERT_LT(0, self->family);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	self->have_nl = qnet_nl_open(&q) == 0;
	if (self->have_nl)
		qnet_nl_close(&q);
	self->fd = qsocket(self->family);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(qsock)
{
	close(self->fd);
}

#define NEED_NODE(addr) do {						\
	if (!self->have_nl)						\
		SKIP(return, "no qnet genetlink family");		\
	ASSERT_EQ(0, set_node_addr(addr));				\
} while (0)

TEST_F(qsock, bind_short_addrlen_einval)
{
	struct sockaddr_qnet a = qaddr(self->family, 0, PORT);

	EXPECT_EQ(-1, bind(self->fd, SA(&a), sizeof(a) - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind(self->fd, SA(&a), 2));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(qsock, bind_wrong_family_eafnosupport)
{
	struct sockaddr_qnet a = qaddr(AF_INET, 0, PORT);

	EXPECT_EQ(-1, bind(self->fd, SA(&a), sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
}

TEST_F(qsock, bind_nonzero_zero_field_einval)
{
	struct sockaddr_qnet a = qaddr(self->family, 0, PORT);

	a.sq_zero[7] = 1;
	EXPECT_EQ(-1, bind(self->fd, SA(&a), sizeof(a)));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(qsock, bind_other_node_eaddrnotavail)
{
	/* No address yet: no node address is ours. */
	EXPECT_EQ(-EADDRNOTAVAIL, qbind(self->fd, self->family, NODE, PORT));
	NEED_NODE(NODE);
	EXPECT_EQ(-EADDRNOTAVAIL,
		  qbind(self->fd, self->family, NODE + 1, PORT));
	EXPECT_EQ(0, qbind(self->fd, self->family, NODE, PORT));
}

TEST_F(qsock, bind_getsockname)
{
	struct sockaddr_qnet a;

	a = qname(self->fd, 0);
	EXPECT_EQ(self->family, a.sq_family);
	EXPECT_EQ(0, a.sq_port);
	EXPECT_EQ(QNET_ADDR_ANY, a.sq_node);

	NEED_NODE(NODE);
	ASSERT_EQ(0, qbind(self->fd, self->family, NODE, PORT));
	a = qname(self->fd, 0);
	EXPECT_EQ(self->family, a.sq_family);
	EXPECT_EQ(PORT, a.sq_port);
	EXPECT_EQ(NODE, a.sq_node);
}

TEST_F(qsock, bind_twice_einval)
{
	ASSERT_EQ(0, qbind(self->fd, self->family, 0, PORT));
	EXPECT_EQ(-EINVAL, qbind(self->fd, self->family, 0, PORT + 1));
	EXPECT_EQ(-EINVAL, qbind(self->fd, self->family, 0, PORT));
}

TEST_F(qsock, bind_in_use_eaddrinuse_until_close)
{
	int fd2 = qsocket(self->family);

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, qbind(self->fd, self->family, 0, PORT));
	EXPECT_EQ(-EADDRINUSE, qbind(fd2, self->family, 0, PORT));
	close(self->fd);
	self->fd = qsocket(self->family);
	/* Unbound on close. */
	EXPECT_EQ(0, qbind(fd2, self->family, 0, PORT));
	EXPECT_EQ(-EADDRINUSE, qbind(self->fd, self->family, 0, PORT));
	close(fd2);
}

TEST_F(qsock, ports_are_per_netns)
{
	int fd2;

	ASSERT_EQ(0, qbind(self->fd, self->family, 0, PORT));
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	fd2 = qsocket(self->family);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, qbind(fd2, self->family, 0, PORT));
	close(fd2);
}

TEST_F(qsock, bind_ephemeral_port)
{
	struct sockaddr_qnet a, b;
	int fd2 = qsocket(self->family);

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, qbind(self->fd, self->family, 0, 0));
	ASSERT_EQ(0, qbind(fd2, self->family, 0, 0));
	a = qname(self->fd, 0);
	b = qname(fd2, 0);
	EXPECT_LE(QNET_EPHEMERAL_MIN, a.sq_port);
	EXPECT_LE(QNET_EPHEMERAL_MIN, b.sq_port);
	EXPECT_NE(a.sq_port, b.sq_port);
	close(fd2);
}

TEST_F(qsock, listen_autobinds_ephemeral)
{
	struct sockaddr_qnet a;

	ASSERT_EQ(0, listen(self->fd, 4));
	a = qname(self->fd, 0);
	EXPECT_LE(QNET_EPHEMERAL_MIN, a.sq_port);
	/* listen() again only changes the backlog */
	EXPECT_EQ(0, listen(self->fd, 8));
	EXPECT_EQ(a.sq_port, qname(self->fd, 0).sq_port);
}

TEST_F(qsock, accept_nonblocking_eagain)
{
	int fd;

	ASSERT_EQ(0, qbind(self->fd, self->family, 0, PORT));
	ASSERT_EQ(0, listen(self->fd, 4));
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	errno = 0;
	fd = accept(self->fd, NULL, NULL);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(qsock, accept_rcvtimeo_eagain)
{
	double t0;

	ASSERT_EQ(0, listen(self->fd, 4));
	ASSERT_EQ(0, set_timeo(self->fd, SO_RCVTIMEO, 300));
	t0 = now_s();
	EXPECT_EQ(-1, accept(self->fd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(0.25, now_s() - t0);
}

static void on_alarm(int sig)
{
}

TEST_F(qsock, accept_signal_eintr)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, listen(self->fd, 4));
	ualarm(200000, 0);
	EXPECT_EQ(-1, accept(self->fd, NULL, NULL));
	EXPECT_EQ(EINTR, errno);
}

TEST_F(qsock, accept_not_listening_einval)
{
	ASSERT_EQ(0, qbind(self->fd, self->family, 0, PORT));
	EXPECT_EQ(-1, accept(self->fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(qsock, connect_bad_address)
{
	struct sockaddr_qnet a = qaddr(self->family, NODE, PORT);

	EXPECT_EQ(-1, connect(self->fd, SA(&a), sizeof(a) - 1));
	EXPECT_EQ(EINVAL, errno);
	a.sq_family = AF_INET;
	EXPECT_EQ(-1, connect(self->fd, SA(&a), sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(-EINVAL, qconnect(self->fd, self->family, NODE, 0));
	EXPECT_EQ(-EINVAL, qconnect(self->fd, self->family, 0, PORT));
}

TEST_F(qsock, connect_without_node_address_eaddrnotavail)
{
	EXPECT_EQ(-EADDRNOTAVAIL,
		  qconnect(self->fd, self->family, NODE + 1, PORT));
	/* connect() bound the socket all the same, as TCP does */
	EXPECT_LE(QNET_EPHEMERAL_MIN, qname(self->fd, 0).sq_port);
}

TEST_F(qsock, connect_no_route_ehostunreach)
{
	NEED_NODE(NODE);
	EXPECT_EQ(-EHOSTUNREACH,
		  qconnect(self->fd, self->family, NODE + 1, PORT));
	/* and the socket is still usable */
	EXPECT_EQ(-EHOSTUNREACH,
		  qconnect(self->fd, self->family, NODE + 2, PORT));
}

TEST_F(qsock, connect_on_listener_einval)
{
	NEED_NODE(NODE);
	ASSERT_EQ(0, listen(self->fd, 1));
	EXPECT_EQ(-EINVAL, qconnect(self->fd, self->family, NODE + 1, PORT));
}

TEST_F(qsock, getpeername_enotconn)
{
	struct sockaddr_qnet a;
	socklen_t len = sizeof(a);

	EXPECT_EQ(-1, getpeername(self->fd, SA(&a), &len));
	EXPECT_EQ(ENOTCONN, errno);
	ASSERT_EQ(0, listen(self->fd, 1));
	EXPECT_EQ(-1, getpeername(self->fd, SA(&a), &len));
	EXPECT_EQ(ENOTCONN, errno);
}

TEST_F(qsock, shutdown_enotconn)
{
	EXPECT_EQ(-1, shutdown(self->fd, SHUT_RDWR));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, shutdown(self->fd, 7));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(qsock, shutdown_listener_stops_accept)
{
	struct pollfd p = { .fd = self->fd, .events = POLLIN };

	ASSERT_EQ(0, listen(self->fd, 1));
	ASSERT_EQ(0, shutdown(self->fd, SHUT_RD));
	EXPECT_EQ(-1, accept(self->fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, poll(&p, 1, 0));
}

TEST_F(qsock, send_recv_unconnected_enotconn)
{
	struct qnet_pair rec;

	EXPECT_EQ(-1, send(self->fd, &good_req, sizeof(good_req),
			   MSG_NOSIGNAL));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, recv(self->fd, &rec, sizeof(rec), 0));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, recv(self->fd, &rec, sizeof(rec), MSG_DONTWAIT));
	EXPECT_EQ(ENOTCONN, errno);
	ASSERT_EQ(0, listen(self->fd, 1));
	EXPECT_EQ(-1, recv(self->fd, &rec, sizeof(rec), MSG_DONTWAIT));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, send(self->fd, &good_req, sizeof(good_req), MSG_OOB));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, recv(self->fd, &rec, sizeof(rec), MSG_OOB));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

struct bad_req {
	const char		*what;
	struct qnet_request	req;
};

static const struct bad_req bad_reqs[] = {
	{ "num_pairs 0", { .num_pairs = 0 } },
	{ "num_pairs 1000001", { .num_pairs = 1000001 } },
	{ "min_fidelity 1000001", { .num_pairs = 1, .min_fidelity_ppm = 1000001 } },
	{ "priority 8", { .num_pairs = 1, .priority = 8 } },
	{ "type 2", { .num_pairs = 1, .type = 2 } },
	{ "basis 4", { .num_pairs = 1, .type = QNET_REQ_MEASURE, .basis = 4 } },
	{ "flags 0x4", { .num_pairs = 1, .flags = 0x4 } },
	{ "flags 0x80", { .num_pairs = 1, .flags = 0x80 } },
	{ "reserved", { .num_pairs = 1, .reserved = 1 } },
	{ "atomic, 65 pairs", { .num_pairs = QNET_REQ_ATOMIC_MAX + 1,
				.flags = QNET_REQ_F_ATOMIC } },
};

/* Argument errors come before state errors: EINVAL even unconnected. */
TEST_F(qsock, sendmsg_validation_einval)
{
	char big[sizeof(struct qnet_request) + 1] = { 0 };
	struct qnet_request edge = {
		.num_pairs = 1000000, .min_fidelity_ppm = 1000000,
		.priority = 7, .type = QNET_REQ_MEASURE,
		.basis = QNET_BASIS_RANDOM, .flags = QNET_REQ_F_BBPSSW,
	};
	struct qnet_request atomic_edge = {
		.num_pairs = QNET_REQ_ATOMIC_MAX,
		.flags = QNET_REQ_F_ATOMIC | QNET_REQ_F_BBPSSW,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_reqs); i++) {
		errno = 0;
		EXPECT_EQ(-1, send(self->fd, &bad_reqs[i].req,
				   sizeof(bad_reqs[i].req), MSG_NOSIGNAL))
			TH_LOG("%s", bad_reqs[i].what);
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", bad_reqs[i].what);
	}
	memcpy(big, &good_req, sizeof(good_req));
	EXPECT_EQ(-1, send(self->fd, big, sizeof(good_req) - 1, MSG_NOSIGNAL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, send(self->fd, big, sizeof(big), MSG_NOSIGNAL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, send(self->fd, big, 0, MSG_NOSIGNAL));
	EXPECT_EQ(EINVAL, errno);
	/* the edges are fine: ENOTCONN, the state error */
	EXPECT_EQ(-1, send(self->fd, &edge, sizeof(edge), MSG_NOSIGNAL));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, send(self->fd, &atomic_edge, sizeof(atomic_edge),
			   MSG_NOSIGNAL));
	EXPECT_EQ(ENOTCONN, errno);
}

TEST_F(qsock, poll_fresh_and_listener)
{
	struct pollfd p = { .fd = self->fd, .events = POLLIN | POLLOUT };

	/* unconnected: writable (send fails at once) and hung up, as TCP */
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLOUT | POLLHUP, p.revents);
	ASSERT_EQ(0, listen(self->fd, 4));
	/* a listener with nobody waiting: nothing, not even POLLOUT */
	EXPECT_EQ(0, poll(&p, 1, 50));
}

TEST_F(qsock, sockopt_unknown_enoprotoopt)
{
	int v = 0;
	socklen_t len = sizeof(v);

	EXPECT_EQ(-1, getsockopt(self->fd, SOL_QNET, 99, &v, &len));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_QNET, 99, &v, sizeof(v)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	/* QNET_SO_STATS is read-only, QNET_SO_RELEASE write-only */
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_QNET, QNET_SO_STATS, &v,
				 sizeof(v)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, getsockopt(self->fd, SOL_QNET, QNET_SO_RELEASE, &v,
				 &len));
	EXPECT_EQ(ENOPROTOOPT, errno);
	/* another level */
	EXPECT_EQ(-1, getsockopt(self->fd, SOL_QNET + 1, QNET_SO_STATS, &v,
				 &len));
	EXPECT_EQ(ENOPROTOOPT, errno);
}

TEST_F(qsock, sockopt_stats)
{
	struct qnet_sock_stats st;
	socklen_t len = sizeof(st) - 1;

	EXPECT_EQ(-1, getsockopt(self->fd, SOL_QNET, QNET_SO_STATS, &st,
				 &len));
	EXPECT_EQ(EINVAL, errno);
	memset(&st, 0xff, sizeof(st));
	len = sizeof(st) + 8;
	ASSERT_EQ(0, getsockopt(self->fd, SOL_QNET, QNET_SO_STATS, &st, &len));
	EXPECT_EQ(sizeof(st), len);
	EXPECT_EQ(0U, st.requests);
	EXPECT_EQ(0U, st.pairs_delivered);
	EXPECT_EQ(0U, st.errors);
	EXPECT_EQ(0U, st.qubits_held);
}

TEST_F(qsock, sockopt_measure_release_unconnected)
{
	struct qnet_measure m = { .qubit = 1, .basis = QNET_BASIS_X };
	socklen_t len = sizeof(m);
	uint32_t q = 1;

	EXPECT_EQ(-1, getsockopt(self->fd, SOL_QNET, QNET_SO_MEASURE, &m,
				 &len));
	EXPECT_EQ(ENOTCONN, errno);
	m.basis = QNET_BASIS_RANDOM;
	EXPECT_EQ(-1, getsockopt(self->fd, SOL_QNET, QNET_SO_MEASURE, &m,
				 &len));
	EXPECT_EQ(EINVAL, errno);
	len = sizeof(m) - 1;
	EXPECT_EQ(-1, getsockopt(self->fd, SOL_QNET, QNET_SO_MEASURE, &m,
				 &len));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_QNET, QNET_SO_RELEASE, &q,
				 sizeof(q) - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, SOL_QNET, QNET_SO_RELEASE, &q,
				 sizeof(q)));
	EXPECT_EQ(ENOTCONN, errno);
}

TEST_F(qsock, sol_socket_options)
{
	int v = 65536, got = 0;
	socklen_t len = sizeof(got);

	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_RCVBUF, &v,
				sizeof(v)));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_RCVBUF, &got, &len));
	EXPECT_EQ(2 * v, got);
	ASSERT_EQ(0, set_timeo(self->fd, SO_SNDTIMEO, 100));
	len = sizeof(got);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_ERROR, &got, &len));
	EXPECT_EQ(0, got);
}

TEST_F(qsock, proc_net_qnet_lines)
{
	struct proc_line pl;
	char header[256];
	int lfd = qsocket(self->family);
	int ufd = qsocket(self->family);

	ASSERT_LE(0, lfd);
	ASSERT_LE(0, ufd);
	NEED_NODE(NODE);
	ASSERT_EQ(0, qbind(self->fd, self->family, NODE, PORT));
	ASSERT_EQ(0, qbind(lfd, self->family, 0, PORT + 1));
	ASSERT_EQ(0, listen(lfd, 3));

	ASSERT_EQ(0, proc_find(self->fd, &pl, header, sizeof(header)));
	EXPECT_EQ(0, strncmp(header, "Inode", 5)) TH_LOG("%s", header);
	EXPECT_STREQ("UNCONNECTED", pl.state);
	EXPECT_EQ(NODE, pl.lnode);
	EXPECT_EQ(PORT, pl.lport);
	EXPECT_EQ(0U, pl.pnode);
	EXPECT_EQ(0U, pl.pport);
	EXPECT_EQ(0U, pl.records);

	ASSERT_EQ(0, proc_find(lfd, &pl, NULL, 0));
	EXPECT_STREQ("LISTEN", pl.state);
	EXPECT_EQ(0U, pl.lnode);
	EXPECT_EQ(PORT + 1, pl.lport);

	/* unbound sockets are listed too */
	ASSERT_EQ(0, proc_find(ufd, &pl, NULL, 0));
	EXPECT_STREQ("UNCONNECTED", pl.state);
	EXPECT_EQ(0U, pl.lport);

	/* closed: gone; another netns: not there */
	close(ufd);
	EXPECT_EQ(-1, proc_find(ufd, &pl, NULL, 0));
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	EXPECT_EQ(-1, proc_find(lfd, &pl, NULL, 0));
	close(lfd);
}

TEST_F(qsock, ioctl_inq)
{
	int n = -1;

	ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
	EXPECT_EQ(0, n);
}

TEST_HARNESS_MAIN
