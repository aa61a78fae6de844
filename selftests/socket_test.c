// SPDX-License-Identifier: GPL-2.0
/*
 * AF_QNET socket creation: the one supported type and protocol, and the
 * errno Linux uses for everything else.
 */
#include <sched.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "qnet_util.h"

FIXTURE(qsock) {
	int family;
};

FIXTURE_SETUP(qsock)
{
	ASSERT_EQ(0, qnet_module_ensure());
	self->family = qnet_family();
	ASSERT_LT(0, self->family);
	/* One netns per test: a test is a node of its own. */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
}

FIXTURE_TEARDOWN(qsock)
{
}

TEST_F(qsock, seqpacket_works)
{
	int fd, domain = 0, type = 0;
	socklen_t len = sizeof(int);

	fd = socket(self->family, SOCK_SEQPACKET, 0);
	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));

	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len));
	EXPECT_EQ(self->family, domain);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len));
	EXPECT_EQ(SOCK_SEQPACKET, type);
	EXPECT_EQ(0, close(fd));
}

TEST_F(qsock, nonblock_cloexec_flags_accepted)
{
	int fd = socket(self->family,
			SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	ASSERT_LE(0, fd);
	EXPECT_NE(0, fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_NE(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

struct bad_socket {
	int type;
	int protocol;
	int err;
};

static const struct bad_socket bad_sockets[] = {
	{ SOCK_STREAM,		0,	ESOCKTNOSUPPORT },
	{ SOCK_DGRAM,		0,	ESOCKTNOSUPPORT },
	{ SOCK_RAW,		0,	ESOCKTNOSUPPORT },
	{ SOCK_RDM,		0,	ESOCKTNOSUPPORT },
	{ SOCK_SEQPACKET,	1,	EPROTONOSUPPORT },
	{ SOCK_SEQPACKET,	255,	EPROTONOSUPPORT },
	{ SOCK_SEQPACKET,	-1,	EPROTONOSUPPORT },
};

TEST_F(qsock, unsupported_type_or_protocol)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_sockets); i++) {
		const struct bad_socket *b = &bad_sockets[i];

		errno = 0;
		EXPECT_EQ(-1, socket(self->family, b->type, b->protocol))
			TH_LOG("type %d protocol %d", b->type, b->protocol);
		EXPECT_EQ(b->err, errno)
			TH_LOG("type %d protocol %d: %s", b->type, b->protocol,
			       strerror(errno));
	}
}

TEST_F(qsock, many_sockets_open_and_close)
{
	int fds[256];
	int i;

	for (i = 0; i < 256; i++) {
		fds[i] = socket(self->family, SOCK_SEQPACKET, 0);
		ASSERT_LE(0, fds[i]);
	}
	for (i = 0; i < 256; i++)
		EXPECT_EQ(0, close(fds[i]));
}

TEST_HARNESS_MAIN
