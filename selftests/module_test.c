// SPDX-License-Identifier: GPL-2.0
/*
 * Module life cycle: load/unload, the "family" parameter, refusing a taken
 * or invalid slot, and the module reference each socket holds.
 */
#include <sched.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "qnet_util.h"

/* Start every test from an unloaded module; leave it unloaded. */
FIXTURE(module) {
};

FIXTURE_SETUP(module)
{
	if (qnet_module_loaded())
		ASSERT_EQ(0, qnet_module_unload());
}

FIXTURE_TEARDOWN(module)
{
	if (qnet_module_loaded())
		EXPECT_EQ(0, qnet_module_unload());
}

TEST_F(module, load_unload_20_times)
{
	int i;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, qnet_module_load(NULL)) TH_LOG("load %d", i);
		ASSERT_EQ(AF_QNET_DEFAULT, qnet_family());
		ASSERT_EQ(0, qnet_module_unload()) TH_LOG("unload %d", i);
		ASSERT_FALSE(qnet_module_loaded());
	}
}

TEST_F(module, family_parameter_moves_the_family)
{
	int fd;

	/* AF_ECONET's slot: free since econet left the tree in 3.5. */
	ASSERT_EQ(0, qnet_module_load("family=19"));
	ASSERT_EQ(19, qnet_family());

	fd = socket(19, SOCK_SEQPACKET, 0);
	ASSERT_LE(0, fd) TH_LOG("socket(19): %s", strerror(errno));
	close(fd);

	/* Nothing answers in the default slot any more. */
	EXPECT_EQ(-1, socket(AF_QNET_DEFAULT, SOCK_SEQPACKET, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
}

TEST_F(module, taken_family_is_refused)
{
	/* AF_UNIX is always registered. */
	EXPECT_EQ(-EEXIST, qnet_module_load("family=1"));
	EXPECT_FALSE(qnet_module_loaded());
}

TEST_F(module, out_of_range_family_is_refused)
{
	EXPECT_EQ(-EINVAL, qnet_module_load("family=0"));
	EXPECT_EQ(-EINVAL, qnet_module_load("family=46"));
	EXPECT_EQ(-EINVAL, qnet_module_load("family=-3"));
	EXPECT_FALSE(qnet_module_loaded());
}

TEST_F(module, open_socket_pins_module)
{
	int fd;

	ASSERT_EQ(0, qnet_module_load(NULL));
	fd = socket(AF_QNET_DEFAULT, SOCK_SEQPACKET, 0);
	ASSERT_LE(0, fd);

	EXPECT_EQ(-EWOULDBLOCK, qnet_module_unload());
	EXPECT_TRUE(qnet_module_loaded());

	close(fd);
	EXPECT_EQ(0, qnet_module_unload());
	EXPECT_FALSE(qnet_module_loaded());
}

TEST_F(module, socket_in_other_netns_pins_module)
{
	int fd;

	ASSERT_EQ(0, qnet_module_load(NULL));
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	fd = socket(AF_QNET_DEFAULT, SOCK_SEQPACKET, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, qnet_module_unload());
	close(fd);
	EXPECT_EQ(0, qnet_module_unload());
}

TEST_HARNESS_MAIN
