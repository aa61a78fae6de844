// SPDX-License-Identifier: GPL-2.0
/*
 * The qlink device pair and its link-layer emulation.
 *
 *   netns qlA-<pid> (node A)                netns qlB-<pid> (node B)
 *  +------------------------+              +------------------------+
 *  |  ql0  (end 0:          |    qlink     |  ql1  (end 1)          |
 *  |        generates,      |==============|                        |
 *  |        sends HERALD)   |  fiber of    |  stores its half when  |
 *  |                        |  length_m    |  the HERALD arrives    |
 *  +------------------------+              +------------------------+
 *    sysfs of A mounted at                   sysfs of B mounted at
 *    /tmp/qlA-<pid>.sys                      /tmp/qlB-<pid>.sys
 *
 * Each test runs in its own mount namespace (so the per-node sysfs mounts
 * vanish with it) and creates both nodes; deleting the namespaces at the
 * end deletes whatever qlinks are left. The pair is created over
 * rtnetlink with libmnl (QLINK_INFO_PEER puts ql1 in B in one request) or
 * with iproute2, which knows no "peer" option for kind qlink.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_nl.h"

/* ---- nodes: a named netns each, with its own sysfs mount ---- */

struct node {
	char	name[32];	/* ip netns name */
	char	sys[64];	/* this netns's sysfs */
	int	nsfd;
};

static int orig_netns = -1;

static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ret = system(cmd);
	if (ret == -1 || !WIFEXITED(ret))
		return -1;
	return WEXITSTATUS(ret);
}

static int enter(const struct node *n)
{
	return setns(n->nsfd, CLONE_NEWNET);
}

static int leave(void)
{
	return setns(orig_netns, CLONE_NEWNET);
}

static int node_init(struct node *n, const char *tag)
{
	char path[96];

	snprintf(n->name, sizeof(n->name), "ql%s-%d", tag, getpid());
	snprintf(n->sys, sizeof(n->sys), "/tmp/ql%s-%d.sys", tag, getpid());
	if (run("ip netns add %s", n->name))
		return -1;
	snprintf(path, sizeof(path), "/run/netns/%s", n->name);
	n->nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (n->nsfd < 0)
		return -1;
	/* a sysfs mounted from inside the netns shows its devices */
	mkdir(n->sys, 0755);
	if (enter(n) || mount("sysfs", n->sys, "sysfs", 0, NULL) || leave())
		return -1;
	return 0;
}

static void node_fini(struct node *n)
{
	if (n->nsfd >= 0) {
		umount2(n->sys, MNT_DETACH);
		rmdir(n->sys);
		close(n->nsfd);
		n->nsfd = -1;
		run("ip netns del %s", n->name);
	}
}

static bool dev_exists(const struct node *n, const char *dev)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/class/net/%s", n->sys, dev);
	return access(path, F_OK) == 0;
}

static int sys_read(const struct node *n, const char *dev, const char *file,
		    char *buf, size_t len)
{
	char path[192];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "%s/class/net/%s/%s", n->sys, dev, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -errno;
	buf[r] = 0;
	if (r && buf[r - 1] == '\n')
		buf[r - 1] = 0;
	return 0;
}

/* /sys/class/net/<dev>/<file> as a number; -1 if unreadable. */
static int64_t sys_num(const struct node *n, const char *dev, const char *file)
{
	char buf[64];

	if (sys_read(n, dev, file, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 0);
}

/* /sys/class/net/<dev>/qnet/<attr> */
static int64_t qsys(const struct node *n, const char *dev, const char *attr)
{
	char file[64];

	snprintf(file, sizeof(file), "qnet/%s", attr);
	return sys_num(n, dev, file);
}

static int dev_mac(const struct node *n, const char *dev, uint8_t mac[6])
{
	char buf[32];

	if (sys_read(n, dev, "address", buf, sizeof(buf)))
		return -1;
	return sscanf(buf, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		      &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
}

/* ---- rtnetlink with libmnl ---- */

/* Send one request, wait for its ack. Returns 0 or -errno. */
static int rtnl_do(struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	unsigned int portid;
	int ret;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = time(NULL);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (ret < 0) {
		ret = -errno;
		goto out;
	}
	ret = mnl_cb_run(buf, ret, nlh->nlmsg_seq, portid, NULL, NULL);
	ret = ret < 0 ? -errno : 0;
out:
	mnl_socket_close(nl);
	return ret;
}

/*
 * RTM_NEWLINK of kind qlink: @name in netns @fd (or the caller's if -1)
 * and, with @peer, the peer named @peer in netns @peer_fd through
 * QLINK_INFO_PEER; without, no IFLA_INFO_DATA at all, as iproute2 sends.
 */
static int qlink_add(const char *name, int fd, const char *peer, int peer_fd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlattr *linkinfo, *data, *pinfo;
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, fd);

	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "qlink");
	if (peer) {
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		pinfo = mnl_attr_nest_start(nlh, QLINK_INFO_PEER);
		ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
		memset(ifm, 0, sizeof(*ifm));
		mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
		if (peer_fd >= 0)
			mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, peer_fd);
		mnl_attr_nest_end(nlh, pinfo);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, linkinfo);
	return rtnl_do(nlh);
}

/* ---- qnet frames over AF_PACKET ---- */

struct frame {
	struct ether_header	eth;
	uint8_t			payload[128];
} __attribute__((packed));

/* An AF_PACKET socket on @dev in node @n, for ETH_P_QNET. */
static int qnet_packet_socket(const struct node *n, const char *dev)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_QNET),
	};
	int fd = -1;

	if (enter(n))
		return -1;
	sll.sll_ifindex = if_nametoindex(dev);
	if (sll.sll_ifindex)
		fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC,
			    htons(ETH_P_QNET));
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		fd = -1;
	}
	leave();
	return fd;
}

/* xorshift64*: the tests' own reproducible randomness */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ULL;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = v;
}

#define QHDR_LEN	((int)sizeof(struct qnet_hdr))
#define QMSG_LEN	((int)sizeof(struct qnet_msg_pair))
#define QFRAME_LEN	(QHDR_LEN + QMSG_LEN)
#define ETH_MIN_PAYLOAD	(60 - 14)

/*
 * The receiver's rules (kernel/wire.c), written out again: would end 1 of
 * an up link, with no herald on the wire and pair ids 1..@last_id issued,
 * accept this payload of @len bytes?
 */
static bool qnet_payload_valid(const uint8_t *p, int len, uint64_t last_id)
{
	const uint8_t *m = p + QHDR_LEN;
	uint64_t id;
	int i;

	if (len < QHDR_LEN || p[0] != QNET_WIRE_VERSION)
		return false;
	if (p[1] != QNET_MSG_HERALD && p[1] != QNET_MSG_EXPIRE)
		return false;
	if ((p[2] << 8 | p[3]) != QMSG_LEN || len < QFRAME_LEN)
		return false;
	if (len > QFRAME_LEN && len != ETH_MIN_PAYLOAD)
		return false;
	if (m[8] > QNET_BELL_PHI_MINUS)
		return false;
	if (p[1] == QNET_MSG_HERALD ? m[9] != 0 : m[9] > QNET_EXPIRE_FIDELITY)
		return false;
	for (i = 10; i < 16; i++)
		if (m[i])
			return false;
	/* a herald not on the wire is unexpected; an expiry needs an id */
	if (p[1] == QNET_MSG_HERALD)
		return false;
	id = get_be64(m);
	return id >= 1 && id <= last_id;
}

/* Types the network layer may claim (kernel/wire.c): never generated. */
static bool net_layer_type(uint8_t t)
{
	return t >= 16 && t < __QNET_MSG_MAX;
}

/*
 * One payload: a third random bytes, the rest a well-formed EXPIRE for an
 * issued id (if any) with zero, one or two fields broken.
 */
static int make_payload(uint8_t *p, uint64_t last_id)
{
	int len = QFRAME_LEN, k, nmut;

	if (rnd() % 3 == 0) {
		len = rnd() % 100;
		for (k = 0; k < len; k++)
			p[k] = rnd();
		if (len > 1 && net_layer_type(p[1]))
			p[1] = 0;
		return len;
	}
	memset(p, 0, 128);
	p[0] = QNET_WIRE_VERSION;
	p[1] = QNET_MSG_EXPIRE;
	p[3] = QMSG_LEN;
	put_be64(p + 8, rnd() >> 20);
	put_be64(p + QHDR_LEN, last_id ? 1 + rnd() % last_id : 1);
	p[QHDR_LEN + 8] = rnd() % 4;
	p[QHDR_LEN + 9] = rnd() % 4;

	nmut = rnd() % 3;
	while (nmut--) {
		switch (rnd() % 9) {
		case 0:
			p[0] = rnd();
			break;
		case 1:
			p[1] = rnd() % 40;
			if (net_layer_type(p[1]))
				p[1] = QNET_MSG_HERALD;
			break;
		case 2:
			p[2] = rnd() % 2;
			p[3] = rnd();
			break;
		case 3:
			len = rnd() % QFRAME_LEN;
			break;
		case 4:
			len = rnd() % 2 ? ETH_MIN_PAYLOAD : QFRAME_LEN + 1 +
			      rnd() % 60;
			break;
		case 5:
			p[QHDR_LEN + 8] = rnd();
			break;
		case 6:
			p[QHDR_LEN + 9] = rnd() % 8;
			break;
		case 7:
			p[QHDR_LEN + 10 + rnd() % 6] = 1 + rnd() % 255;
			break;
		default:
			put_be64(p + QHDR_LEN, rnd() % 2 ? 0 :
				 last_id + 1 + rnd() % 1000);
			break;
		}
	}
	return len;
}

/* Poll until @cond holds, for up to @ms milliseconds. */
#define WAIT_FOR(cond, ms)						\
	({								\
		int __i;						\
		bool __ok = false;					\
		for (__i = 0; __i < (ms) / 10; __i++) {			\
			if (cond) {					\
				__ok = true;				\
				break;					\
			}						\
			usleep(10000);					\
		}							\
		__ok || (cond);						\
	})

/* ---- the fixture: two nodes ---- */

FIXTURE(qlink) {
	struct node a, b;
};

FIXTURE_SETUP(qlink)
{
	self->a.nsfd = self->b.nsfd = -1;
	ASSERT_EQ(0, qnet_module_ensure());
	/* our own mounts, gone with this process */
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	orig_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, orig_netns);
	ASSERT_EQ(0, node_init(&self->a, "A"));
	ASSERT_EQ(0, node_init(&self->b, "B"));
}

FIXTURE_TEARDOWN(qlink)
{
	node_fini(&self->a);
	node_fini(&self->b);
}

/* ql0 in A and ql1 in B, created in one request; optionally both up. */
static int make_pair(struct node *a, struct node *b, bool up)
{
	int ret = qlink_add("ql0", a->nsfd, "ql1", b->nsfd);

	if (ret || !up)
		return ret;
	if (run("ip -n %s link set ql0 up", a->name) ||
	    run("ip -n %s link set ql1 up", b->name))
		return -1;
	return 0;
}

TEST_F(qlink, peer_in_other_netns_in_one_request)
{
	char kind[64];

	ASSERT_EQ(0, make_pair(&self->a, &self->b, false));
	EXPECT_TRUE(dev_exists(&self->a, "ql0"));
	EXPECT_TRUE(dev_exists(&self->b, "ql1"));
	EXPECT_FALSE(dev_exists(&self->a, "ql1"));
	EXPECT_FALSE(dev_exists(&self->b, "ql0"));

	/* each end's iflink is the other's ifindex, like veth */
	EXPECT_EQ(sys_num(&self->b, "ql1", "ifindex"),
		  sys_num(&self->a, "ql0", "iflink"));
	EXPECT_EQ(sys_num(&self->a, "ql0", "ifindex"),
		  sys_num(&self->b, "ql1", "iflink"));
	/* Ethernet (ARPHRD_ETHER) with random unicast addresses */
	EXPECT_EQ(1, sys_num(&self->a, "ql0", "type"));
	ASSERT_EQ(0, sys_read(&self->a, "ql0", "address", kind, sizeof(kind)));
	EXPECT_EQ(0UL, strtoul(kind, NULL, 16) & 1);

	/* same names again: the peer exists, nothing half-made is left */
	EXPECT_EQ(-EEXIST, qlink_add("ql0", self->a.nsfd, "ql1",
				     self->b.nsfd));
	EXPECT_EQ(-EEXIST, qlink_add("ql9", self->a.nsfd, "ql1",
				     self->b.nsfd));
	EXPECT_FALSE(dev_exists(&self->a, "ql9"));
}

TEST_F(qlink, ip_link_add_without_peer_data)
{
	/* iproute2 has no qlink plugin: no IFLA_INFO_DATA, peer "qlinkN" */
	ASSERT_EQ(0, run("ip -n %s link add ql0 type qlink", self->a.name));
	ASSERT_TRUE(dev_exists(&self->a, "ql0"));
	ASSERT_EQ(0, run("ip -n %s link show qlink0 >/dev/null",
			 self->a.name));
	EXPECT_EQ(sys_num(&self->a, "qlink0", "ifindex"),
		  sys_num(&self->a, "ql0", "iflink"));

	/* move the peer, like any netdev */
	ASSERT_EQ(0, run("ip -n %s link set qlink0 netns %s name ql1",
			 self->a.name, self->b.name));
	EXPECT_FALSE(dev_exists(&self->a, "qlink0"));
	EXPECT_TRUE(dev_exists(&self->b, "ql1"));
	EXPECT_EQ(0, run("ip -n %s link set ql0 up", self->a.name));
	EXPECT_EQ(0, run("ip -n %s link set ql1 up", self->b.name));
	EXPECT_TRUE(WAIT_FOR(sys_num(&self->a, "ql0", "carrier") == 1, 2000));
	EXPECT_EQ(1, sys_num(&self->b, "ql1", "carrier"));

	/* deleting one end deletes both */
	ASSERT_EQ(0, run("ip -n %s link del ql0", self->a.name));
	EXPECT_FALSE(dev_exists(&self->a, "ql0"));
	EXPECT_FALSE(dev_exists(&self->b, "ql1"));
}

TEST_F(qlink, carrier_follows_both_ends)
{
	ASSERT_EQ(0, make_pair(&self->a, &self->b, false));

	ASSERT_EQ(0, run("ip -n %s link set ql0 up", self->a.name));
	/* up, but the far end is down: no carrier */
	EXPECT_EQ(0, sys_num(&self->a, "ql0", "carrier"));
	ASSERT_EQ(0, run("ip -n %s link set ql1 up", self->b.name));
	EXPECT_EQ(1, sys_num(&self->a, "ql0", "carrier"));
	EXPECT_EQ(1, sys_num(&self->b, "ql1", "carrier"));

	ASSERT_EQ(0, run("ip -n %s link set ql1 down", self->b.name));
	EXPECT_EQ(0, sys_num(&self->a, "ql0", "carrier"));
	ASSERT_EQ(0, run("ip -n %s link set ql1 up", self->b.name));
	EXPECT_EQ(1, sys_num(&self->a, "ql0", "carrier"));
}

TEST_F(qlink, delete_either_end_deletes_both)
{
	ASSERT_EQ(0, make_pair(&self->a, &self->b, true));
	ASSERT_EQ(0, run("ip -n %s link del ql1", self->b.name));
	EXPECT_FALSE(dev_exists(&self->b, "ql1"));
	EXPECT_FALSE(dev_exists(&self->a, "ql0"));

	/* and a netns going away takes its end and the far one */
	ASSERT_EQ(0, make_pair(&self->a, &self->b, true));
	node_fini(&self->b);
	EXPECT_TRUE(WAIT_FOR(!dev_exists(&self->a, "ql0"), 5000));
}

/* The classical channel: anything but ETH_P_QNET arrives unchanged. */
TEST_F(qlink, other_frames_pass_unchanged)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct frame f, g;
	int tx, rx, i;
	ssize_t n;

	ASSERT_EQ(0, make_pair(&self->a, &self->b, true));
	ASSERT_EQ(0, enter(&self->b));
	rx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(0x88b6));
	sll.sll_protocol = htons(0x88b6);
	sll.sll_ifindex = if_nametoindex("ql1");
	ASSERT_EQ(0, bind(rx, (struct sockaddr *)&sll, sizeof(sll)));
	ASSERT_EQ(0, leave());
	ASSERT_EQ(0, enter(&self->a));
	tx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	sll.sll_ifindex = if_nametoindex("ql0");
	ASSERT_EQ(0, bind(tx, (struct sockaddr *)&sll, sizeof(sll)));
	ASSERT_EQ(0, leave());

	ASSERT_EQ(0, dev_mac(&self->b, "ql1", f.eth.ether_dhost));
	ASSERT_EQ(0, dev_mac(&self->a, "ql0", f.eth.ether_shost));
	f.eth.ether_type = htons(0x88b6);
	for (i = 0; i < (int)sizeof(f.payload); i++)
		f.payload[i] = i * 7;
	ASSERT_EQ((ssize_t)sizeof(f), send(tx, &f, sizeof(f), 0));

	n = recv(rx, &g, sizeof(g), MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN) {
		usleep(200000);
		n = recv(rx, &g, sizeof(g), MSG_DONTWAIT);
	}
	ASSERT_EQ((ssize_t)sizeof(f), n);
	EXPECT_EQ(0, memcmp(&f, &g, sizeof(f)));
	close(tx);
	close(rx);
}

static const char *const qlink_param_files[] = {
	"length_m", "atten_mdb_km", "index_milli", "attempt_rate_hz",
	"scheme", "alpha_ppm", "source_fid_ppm", "det_eff_ppm",
	"dark_rate_hz", "visibility_ppm", "mem_slots", "t1_ns", "t2_ns",
	"cutoff_ns", "seed", "time_scale", "continuous",
};

static const char *const qlink_stats_files[] = {
	"attempts", "heralded", "delivered", "expired", "swaps_ok",
	"swaps_failed", "purify_ok", "purify_failed", "fidelity_sum_ppm",
	"mean_fidelity_ppm", "stored", "emu_time_ns", "rx_packets",
	"tx_packets", "rx_dropped",
};

TEST_F(qlink, sysfs_has_every_parameter_and_counter)
{
	static const struct {
		const char *file;
		int64_t val;
	} defaults[] = {
		{ "length_m", 25000 },		{ "atten_mdb_km", 200 },
		{ "index_milli", 1470 },	{ "attempt_rate_hz", 1000000 },
		{ "scheme", QNET_SCHEME_SINGLE_CLICK },
		{ "alpha_ppm", 50000 },		{ "source_fid_ppm", 970000 },
		{ "det_eff_ppm", 800000 },	{ "dark_rate_hz", 10 },
		{ "visibility_ppm", 900000 },	{ "mem_slots", 1 },
		{ "t1_ns", 0 },			{ "t2_ns", 1000000000 },
		{ "cutoff_ns", 0 },		{ "time_scale", 0 },
		{ "continuous", 0 },
	};
	unsigned int i;

	ASSERT_EQ(0, make_pair(&self->a, &self->b, false));
	for (i = 0; i < ARRAY_SIZE(qlink_param_files); i++) {
		EXPECT_LE(0, qsys(&self->a, "ql0", qlink_param_files[i]))
			TH_LOG("qnet/%s", qlink_param_files[i]);
		/* one link, one set of parameters */
		EXPECT_EQ(qsys(&self->a, "ql0", qlink_param_files[i]),
			  qsys(&self->b, "ql1", qlink_param_files[i]))
			TH_LOG("qnet/%s", qlink_param_files[i]);
	}
	for (i = 0; i < ARRAY_SIZE(defaults); i++) {
		const char *file = defaults[i].file ?: "?";

		EXPECT_EQ(defaults[i].val, qsys(&self->a, "ql0", file))
			TH_LOG("qnet/%s", file);
	}
	for (i = 0; i < ARRAY_SIZE(qlink_stats_files); i++) {
		EXPECT_EQ(0, qsys(&self->a, "ql0", qlink_stats_files[i]))
			TH_LOG("qnet/%s", qlink_stats_files[i]);
		EXPECT_EQ(0, qsys(&self->b, "ql1", qlink_stats_files[i]))
			TH_LOG("qnet/%s", qlink_stats_files[i]);
	}
}

/*
 * Inject @count payloads on ql0 (A), which arrive at ql1 (B); every one
 * that qnet_payload_valid() rejects must be counted in ql1's rx_dropped,
 * exactly, and the others in rx_packets. Sent in bursts that are waited
 * for, so that the receive backlog never overflows.
 */
static void inject_malformed(struct __test_metadata *_metadata,
			     struct node *a, struct node *b, int count,
			     uint64_t last_id)
{
	int64_t drop0, pkts0, devdrop0, bad = 0, good = 0, sent = 0;
	struct frame f;
	int fd, i, len;

	fd = qnet_packet_socket(a, "ql0");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, dev_mac(b, "ql1", f.eth.ether_dhost));
	ASSERT_EQ(0, dev_mac(a, "ql0", f.eth.ether_shost));
	f.eth.ether_type = htons(ETH_P_QNET);

	drop0 = qsys(b, "ql1", "rx_dropped");
	pkts0 = qsys(b, "ql1", "rx_packets");
	devdrop0 = sys_num(b, "ql1", "statistics/rx_dropped");
	for (i = 0; i < count; i++) {
		len = make_payload(f.payload, last_id);
		if (qnet_payload_valid(f.payload, len, last_id))
			good++;
		else
			bad++;
		ASSERT_EQ(ETHER_HDR_LEN + len,
			  send(fd, &f, ETHER_HDR_LEN + len, 0));
		sent++;
		if (sent % 200 == 0 || i == count - 1)
			ASSERT_TRUE(WAIT_FOR(qsys(b, "ql1", "rx_dropped") +
					     qsys(b, "ql1", "rx_packets") ==
					     drop0 + pkts0 + sent, 5000))
				TH_LOG("frame %d: rx_dropped %lld rx_packets %lld",
				       i, (long long)qsys(b, "ql1", "rx_dropped"),
				       (long long)qsys(b, "ql1", "rx_packets"));
	}
	close(fd);
	TH_LOG("%d frames: %lld malformed, %lld valid", count, (long long)bad,
	       (long long)good);
	EXPECT_EQ(bad, qsys(b, "ql1", "rx_dropped") - drop0);
	EXPECT_EQ(good, qsys(b, "ql1", "rx_packets") - pkts0);
	EXPECT_EQ(bad, sys_num(b, "ql1", "statistics/rx_dropped") - devdrop0);
	/* the sender counted them all as qnet frames sent */
	EXPECT_LE(count, qsys(a, "ql0", "tx_packets"));
}

TEST_F(qlink, malformed_frames_dropped_and_counted)
{
	ASSERT_EQ(0, make_pair(&self->a, &self->b, true));
	/* no pair was ever issued: every message names an unknown pair */
	inject_malformed(_metadata, &self->a, &self->b, 10000, 0);
}

TEST_HARNESS_MAIN
