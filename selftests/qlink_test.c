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
#include <math.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_nl.h"
#include "qnet_topo.h"

/* the physics core itself, compiled from kernel/ (see the Makefile) */
#include "qlinkmodel.h"

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
/*
 * The receiving end's clock when injection starts: a frame dated later
 * than its arrival less the fiber's delay was not sent when it says and
 * is dropped (kernel/wire.c); frames dated up to it are on time. One
 * dated more than QLINK_TX_AHEAD_NS (1 s) after the sender's clock is
 * sent at once and so arrives "early".
 */
static uint64_t inject_now;
#define DATE_AHEAD_NS	1000000000ULL

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
	if (p[1] == QNET_MSG_HERALD ? m[9] != 0 : m[9] >= __QNET_EXPIRE_MAX)
		return false;
	for (i = 10; i < 16; i++)
		if (m[i])
			return false;
	if (get_be64(p + 8) > inject_now + DATE_AHEAD_NS)
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
	put_be64(p + 8, rnd() % (inject_now + 1));
	put_be64(p + QHDR_LEN, last_id ? 1 + rnd() % last_id : 1);
	p[QHDR_LEN + 8] = rnd() % 4;
	p[QHDR_LEN + 9] = rnd() % __QNET_EXPIRE_MAX;

	nmut = rnd() % 3;
	while (nmut--) {
		switch (rnd() % 10) {
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
			p[QHDR_LEN + 9] = rnd() % (__QNET_EXPIRE_MAX + 2);
			break;
		case 7:
			p[QHDR_LEN + 10 + rnd() % 6] = 1 + rnd() % 255;
			break;
		case 8:
			/* dated after it can have been sent */
			put_be64(p + 8, inject_now + DATE_AHEAD_NS + 1 +
				 (rnd() >> 8));
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
	/* both can send: up, and their qdiscs attached (qnet_topo.h) */
	if (enter(a))
		return -1;
	ret = qnet_topo_wait_running("ql0");
	leave();
	if (ret || enter(b))
		return -1;
	ret = qnet_topo_wait_running("ql1");
	leave();
	return ret;
}

TEST_F_TIMEOUT(qlink, peer_in_other_netns_in_one_request, 120)
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

TEST_F_TIMEOUT(qlink, ip_link_add_without_peer_data, 120)
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

TEST_F_TIMEOUT(qlink, carrier_follows_both_ends, 120)
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

TEST_F_TIMEOUT(qlink, delete_either_end_deletes_both, 120)
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
TEST_F_TIMEOUT(qlink, other_frames_pass_unchanged, 120)
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

TEST_F_TIMEOUT(qlink, sysfs_has_every_parameter_and_counter, 120)
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

	inject_now = qsys(b, "ql1", "emu_time_ns");
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

TEST_F_TIMEOUT(qlink, malformed_frames_dropped_and_counted, 120)
{
	ASSERT_EQ(0, make_pair(&self->a, &self->b, true));
	/* no pair was ever issued: every message names an unknown pair */
	inject_malformed(_metadata, &self->a, &self->b, 10000, 0);
}


/* ---- link parameters and counters over generic netlink ---- */

/* A "qnet" genetlink socket in node @n's netns. */
static int nl_open_in(const struct node *n, struct qnet_nl *q)
{
	int ret;

	if (enter(n))
		return -errno;
	ret = qnet_nl_open(q);
	leave();
	return ret;
}

static uint32_t ifindex_of(const struct node *n, const char *dev)
{
	return sys_num(n, dev, "ifindex");
}

static int set_u32(struct qnet_nl *q, uint32_t ifindex, uint16_t attr,
		   uint32_t v)
{
	return qnet_nl_link_set_one(q, ifindex, attr, v, 4);
}

static int set_u64(struct qnet_nl *q, uint32_t ifindex, uint16_t attr,
		   uint64_t v)
{
	return qnet_nl_link_set_one(q, ifindex, attr, v, 8);
}

static int set_u8(struct qnet_nl *q, uint32_t ifindex, uint16_t attr,
		  uint8_t v)
{
	return qnet_nl_link_set_one(q, ifindex, attr, v, 1);
}

/* The counters qlink_test reads, from sysfs. */
struct qstats {
	int64_t attempts, heralded, expired, fid_sum, mean_fid, stored, emu,
		rx_packets, tx_packets, rx_dropped;
};

static void qstats_read(const struct node *n, const char *dev,
			struct qstats *s)
{
	s->attempts = qsys(n, dev, "attempts");
	s->heralded = qsys(n, dev, "heralded");
	s->expired = qsys(n, dev, "expired");
	s->fid_sum = qsys(n, dev, "fidelity_sum_ppm");
	s->mean_fid = qsys(n, dev, "mean_fidelity_ppm");
	s->stored = qsys(n, dev, "stored");
	s->emu = qsys(n, dev, "emu_time_ns");
	s->rx_packets = qsys(n, dev, "rx_packets");
	s->tx_packets = qsys(n, dev, "tx_packets");
	s->rx_dropped = qsys(n, dev, "rx_dropped");
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t now_ms(void)
{
	return now_ns() / 1000000;
}

/*
 * The two-node fixture with a qnet genetlink socket in each node: the
 * link is configured from A (through ql0) and, to show that parameters
 * belong to the link, sometimes from B.
 */
FIXTURE(gen) {
	struct node a, b;
	struct qnet_nl qa, qb;
	uint32_t if0, if1;
};

FIXTURE_SETUP(gen)
{
	int ret;

	self->a.nsfd = self->b.nsfd = -1;
	ASSERT_EQ(0, qnet_module_ensure());
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	orig_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, orig_netns);
	ASSERT_EQ(0, node_init(&self->a, "A"));
	ASSERT_EQ(0, node_init(&self->b, "B"));
	ret = nl_open_in(&self->a, &self->qa);
	if (ret == -ENOENT)
		SKIP(return, "no \"qnet\" genetlink family in this module");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, nl_open_in(&self->b, &self->qb));
	ASSERT_EQ(0, make_pair(&self->a, &self->b, true));
	self->if0 = ifindex_of(&self->a, "ql0");
	self->if1 = ifindex_of(&self->b, "ql1");
	/* reproducible runs */
	ASSERT_EQ(0, set_u64(&self->qa, self->if0, QNET_LINK_A_SEED, 42));
}

FIXTURE_TEARDOWN(gen)
{
	if (self->qa.sock)
		qnet_nl_close(&self->qa);
	if (self->qb.sock)
		qnet_nl_close(&self->qb);
	node_fini(&self->a);
	node_fini(&self->b);
}

static int continuous(struct __test_metadata *_metadata,
		      FIXTURE_DATA(gen) *self, bool on)
{
	int ret = set_u8(&self->qa, self->if0, QNET_LINK_A_CONTINUOUS, on);

	if (ret)
		TH_LOG("LINK_SET continuous=%d: %s (%s)", on, strerror(-ret),
		       self->qa.ext.msg);
	return ret;
}

/* Let generation run until ql0 heralded @n pairs or @ms passed. */
static int64_t run_until(FIXTURE_DATA(gen) *self, int64_t n, int ms)
{
	int64_t end = now_ms() + ms, h;

	while ((h = qsys(&self->a, "ql0", "heralded")) < n && now_ms() < end)
		usleep(20000);
	return h;
}

/*
 * After continuous mode stops, wait for the last messages to land: both
 * ends heralded and hold the same.
 */
/* The counters settle() watches, at both ends. */
static void settle_read(FIXTURE_DATA(gen) *self, int64_t v[8])
{
	v[0] = qsys(&self->a, "ql0", "heralded");
	v[1] = qsys(&self->b, "ql1", "heralded");
	v[2] = qsys(&self->a, "ql0", "stored");
	v[3] = qsys(&self->b, "ql1", "stored");
	v[4] = qsys(&self->a, "ql0", "expired");
	v[5] = qsys(&self->b, "ql1", "expired");
	v[6] = qsys(&self->a, "ql0", "tx_packets");
	v[7] = qsys(&self->b, "ql1", "rx_packets");
}

/*
 * Wait until the link is quiet: both ends hold the same pairs and no
 * counter moves between two reads 20 ms apart (a counter and the frame
 * that tells the other end about it are not updated at one instant).
 */
static void settle(FIXTURE_DATA(gen) *self)
{
	int64_t v[8], w[8];
	int i;

	for (i = 0; i < 200; i++) {
		settle_read(self, v);
		usleep(20000);
		settle_read(self, w);
		if (!memcmp(v, w, sizeof(v)) && v[0] == v[1] && v[2] == v[3])
			break;
	}
}

TEST_F_TIMEOUT(gen, parameters_belong_to_the_link, 120)
{
	/* set from B, read at both ends */
	ASSERT_EQ(0, set_u32(&self->qb, self->if1, QNET_LINK_A_LENGTH_M,
			     3000));
	EXPECT_EQ(3000, qsys(&self->a, "ql0", "length_m"));
	EXPECT_EQ(3000, qsys(&self->b, "ql1", "length_m"));
	EXPECT_EQ(42, qsys(&self->b, "ql1", "seed"));
}

TEST_F_TIMEOUT(gen, unreachable_success_probability_is_refused, 120)
{
	int64_t len = qsys(&self->a, "ql0", "length_m");

	/*
	 * Double-click over 1000 km of 0.2 dB/km: each photon crosses
	 * 500 km (1e-10), and both must arrive: far below 1e-9.
	 */
	ASSERT_EQ(0, set_u8(&self->qa, self->if0, QNET_LINK_A_SCHEME,
			    QNET_SCHEME_DOUBLE_CLICK));
	EXPECT_EQ(-EINVAL, set_u32(&self->qa, self->if0, QNET_LINK_A_LENGTH_M,
				   1000000));
	EXPECT_NE(NULL, strstr(self->qa.ext.msg, "length_m"))
		TH_LOG("extack: \"%s\"", self->qa.ext.msg);
	/* nothing changed */
	EXPECT_EQ(len, qsys(&self->a, "ql0", "length_m"));
	EXPECT_EQ(QNET_SCHEME_DOUBLE_CLICK, qsys(&self->a, "ql0", "scheme"));
}

/*
 * Unpaced continuous generation nobody takes pairs from pauses after
 * idle_replaced pairs replaced in a row (a module parameter, 65536 by
 * default): no CPU for a link nobody uses. Setting a parameter starts it
 * again. The test lowers the count to 2048 so that the debug kernel,
 * tens of times slower, reaches it in seconds too.
 */
#define IDLE_PARAM "/sys/module/qnet/parameters/idle_replaced"

static long long idle_replaced_get(void)
{
	FILE *f = fopen(IDLE_PARAM, "re");
	long long v = -1;

	if (!f)
		return -errno;
	if (fscanf(f, "%lld", &v) != 1)
		v = -EIO;
	fclose(f);
	return v;
}

static int idle_replaced_set(unsigned int n)
{
	FILE *f = fopen(IDLE_PARAM, "we");
	int ok;

	if (!f)
		return -errno;
	ok = fprintf(f, "%u\n", n) > 0;
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

TEST_F_TIMEOUT(gen, continuous_unpaced_unused_pauses, 300)
{
	int64_t h, h2, emu;
	int i, same;

	ASSERT_EQ(65536, idle_replaced_get());
	ASSERT_EQ(0, idle_replaced_set(2048));
	ASSERT_EQ(0, set_u32(&self->qa, self->if0, QNET_LINK_A_LENGTH_M,
			     1000));
	ASSERT_EQ(0, set_u32(&self->qa, self->if0, QNET_LINK_A_MEM_SLOTS, 4));
	ASSERT_EQ(0, continuous(_metadata, self, true));
	/* until it stops (a second with no herald): a few seconds */
	h = -1;
	for (i = 0, same = 0; i < 1200 && same < 10; i++) {
		usleep(100000);
		h2 = qsys(&self->a, "ql0", "heralded");
		same = h2 == h ? same + 1 : 0;
		h = h2;
	}
	idle_replaced_set(65536);
	ASSERT_EQ(10, same) TH_LOG("still generating after 120 s");
	EXPECT_EQ(2048 + 4, h);
	/* paused: nothing moves, not even the clock */
	emu = qsys(&self->a, "ql0", "emu_time_ns");
	usleep(500000);
	EXPECT_EQ(h, qsys(&self->a, "ql0", "heralded"));
	EXPECT_EQ(emu, qsys(&self->a, "ql0", "emu_time_ns"));
	/* a parameter set: it goes on */
	ASSERT_EQ(0, set_u32(&self->qa, self->if0, QNET_LINK_A_LENGTH_M,
			     1001));
	EXPECT_LT(h, run_until(self, h + 100, 20000));
	ASSERT_EQ(0, continuous(_metadata, self, false));
	settle(self);
}

TEST_F_TIMEOUT(gen, continuous_unpaced_fills_both_memories, 120)
{
	struct qstats a, b;
	struct qnet_nl_stats na;
	int64_t h;

	ASSERT_EQ(0, set_u32(&self->qa, self->if0, QNET_LINK_A_LENGTH_M,
			     1000));
	ASSERT_EQ(0, set_u32(&self->qa, self->if0, QNET_LINK_A_MEM_SLOTS, 4));
	ASSERT_EQ(0, continuous(_metadata, self, true));
	h = run_until(self, 500, 20000);
	ASSERT_LE(500, h);
	ASSERT_EQ(0, continuous(_metadata, self, false));
	settle(self);

	/* stopped: nothing moves any more */
	qstats_read(&self->a, "ql0", &a);
	usleep(200000);
	EXPECT_EQ(a.heralded, qsys(&self->a, "ql0", "heralded"));
	EXPECT_EQ(a.emu, qsys(&self->a, "ql0", "emu_time_ns"));

	qstats_read(&self->b, "ql1", &b);
	TH_LOG("ql0: %lld attempts, %lld heralded, %lld expired, %lld stored, emu %lld ns; ql1: %lld heralded, %lld expired, %lld stored",
	       (long long)a.attempts, (long long)a.heralded,
	       (long long)a.expired, (long long)a.stored, (long long)a.emu,
	       (long long)b.heralded, (long long)b.expired,
	       (long long)b.stored);
	/*
	 * Every herald reached B, which holds the same pairs: the memories
	 * are full, but for the network layer discarding (UNCLAIMED) the
	 * few heralds whose callbacks ran after continuous mode went off.
	 */
	EXPECT_EQ(a.heralded, b.heralded);
	EXPECT_LE(1, a.stored);
	EXPECT_GE(4, a.stored);
	EXPECT_EQ(a.stored, b.stored);
	EXPECT_EQ(a.heralded - a.stored, a.expired);
	EXPECT_EQ(b.heralded - b.stored, b.expired);
	EXPECT_LE(a.heralded, a.attempts);
	EXPECT_EQ(0, b.attempts);
	/*
	 * A sends a herald per pair and an EXPIRE for each pair it gives up
	 * first; B's only frames are the EXPIREs for pairs it gives up
	 * first. Both ends may give up the same pair at once (each replaces
	 * its oldest half when its memory is full): then two EXPIREs cross
	 * and the pair is counted once at each end. So A's frames less its
	 * heralds are at most its expiries, B's frames at most B's, and
	 * together they count every expiry at least once. No frame was
	 * lost and nothing was malformed.
	 */
	EXPECT_LE(a.tx_packets - a.heralded, a.expired);
	EXPECT_LE(b.tx_packets, b.expired);
	EXPECT_LE(a.heralded + a.expired, a.tx_packets + b.tx_packets);
	EXPECT_EQ(a.tx_packets, b.rx_packets);
	EXPECT_EQ(b.tx_packets, a.rx_packets);
	EXPECT_EQ(0, a.rx_dropped);
	EXPECT_EQ(0, b.rx_dropped);
	EXPECT_EQ(a.fid_sum, b.fid_sum);
	EXPECT_LT(0, a.mean_fid);

	/* netlink reports the same numbers as sysfs */
	ASSERT_EQ(0, qnet_nl_link_stats(&self->qa, self->if0, &na));
	EXPECT_EQ((uint64_t)a.attempts, na.v[QNET_STATS_A_ATTEMPTS]);
	EXPECT_EQ((uint64_t)a.heralded, na.v[QNET_STATS_A_HERALDED]);
	EXPECT_EQ((uint64_t)a.expired, na.v[QNET_STATS_A_EXPIRED]);
	EXPECT_EQ((uint64_t)a.stored, na.v[QNET_STATS_A_STORED]);
	EXPECT_EQ((uint64_t)a.emu, na.v[QNET_STATS_A_EMU_TIME_NS]);
	EXPECT_EQ((uint64_t)a.fid_sum, na.v[QNET_STATS_A_FIDELITY_SUM_PPM]);
	EXPECT_EQ((uint64_t)a.mean_fid,
		  na.v[QNET_STATS_A_MEAN_FIDELITY_PPM]);
	EXPECT_EQ((uint64_t)a.tx_packets, na.v[QNET_STATS_A_TX_PACKETS]);
}

/* The control plane is real frames: tcpdump on ql1 sees the heralds. */
TEST_F_TIMEOUT(gen, tcpdump_sees_the_control_plane, 120)
{
	char cmd[256], line[512];
	int n = 0;
	FILE *f;

	if (access("/usr/bin/tcpdump", X_OK) && access("/usr/sbin/tcpdump",
						       X_OK))
		SKIP(return, "no tcpdump");
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s timeout 30 tcpdump -l -nn -e -i ql1 -c 4 ether proto 0x88b5 2>/dev/null",
		 self->b.name);
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	usleep(2000000);	/* tcpdump attaches */
	ASSERT_EQ(0, continuous(_metadata, self, true));
	while (fgets(line, sizeof(line), f)) {
		TH_LOG("%s", line);
		if (strstr(line, "0x88b5"))
			n++;
	}
	pclose(f);
	ASSERT_EQ(0, continuous(_metadata, self, false));
	EXPECT_EQ(4, n);
}

/*
 * Paced at real time (time_scale 1000: 1000 wall ns per 1000 emulated
 * ns): a herald is processed no earlier than its emulated time maps to,
 * so the emulated clock never runs ahead of the wall clock. How far it
 * falls behind depends on the machine (a loaded debug kernel is many
 * times slower) and is not asserted: tools/bench measures speed.
 */
TEST_F_TIMEOUT(gen, paced_clock_follows_wall_time, 120)
{
	int64_t t0, t1, emu;
	struct qstats a, b;

	ASSERT_EQ(0, set_u32(&self->qa, self->if0, QNET_LINK_A_TIME_SCALE,
			     1000));
	t0 = now_ns();
	ASSERT_EQ(0, continuous(_metadata, self, true));
	usleep(2000000);
	emu = qsys(&self->a, "ql0", "emu_time_ns");
	t1 = now_ns();
	ASSERT_EQ(0, continuous(_metadata, self, false));
	settle(self);
	qstats_read(&self->a, "ql0", &a);
	qstats_read(&self->b, "ql1", &b);
	TH_LOG("%lld ns wall: emulated %lld ns, %lld heralded",
	       (long long)(t1 - t0), (long long)emu, (long long)a.heralded);
	EXPECT_LE(emu, t1 - t0);
	EXPECT_LT(0, emu);
	EXPECT_LT(0, a.heralded);
	EXPECT_EQ(a.heralded, b.heralded);
	EXPECT_EQ(0, b.rx_dropped);
}

/*
 * Down discards: every stored qubit at both ends expires (LINK_DOWN), a
 * LINK_STATE event goes out, and generation stops until the link is up.
 */
static int link_state_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1] = { 0 };
	int *state = data;

	if (qnet_nl_cmd(nlh) != QNET_CMD_LINK_STATE)
		return MNL_CB_OK;
	if (qnet_nl_parse(nlh, tb, QNET_A_MAX) || !tb[QNET_A_OPER_UP])
		return MNL_CB_ERROR;
	*state = mnl_attr_get_u8(tb[QNET_A_OPER_UP]);
	return MNL_CB_OK;
}

TEST_F_TIMEOUT(gen, link_down_discards_and_counts, 120)
{
	struct qstats a, b, a2, b2;
	int state = -1, i, ret;
	struct qnet_nl ev;

	ASSERT_EQ(0, set_u32(&self->qa, self->if0, QNET_LINK_A_MEM_SLOTS, 8));
	ASSERT_EQ(0, continuous(_metadata, self, true));
	ASSERT_LE(50, run_until(self, 50, 20000));
	ASSERT_EQ(0, continuous(_metadata, self, false));
	settle(self);
	qstats_read(&self->a, "ql0", &a);
	qstats_read(&self->b, "ql1", &b);
	/* full but for heralds discarded as unclaimed after the stop */
	ASSERT_LE(1, a.stored);
	ASSERT_EQ(a.stored, b.stored);

	/* events on a socket of their own: they would drown the acks */
	ASSERT_EQ(0, nl_open_in(&self->a, &ev));
	ASSERT_EQ(0, qnet_nl_join_events(&ev));
	/* B goes down: A's half goes too */
	ASSERT_EQ(0, run("ip -n %s link set ql1 down", self->b.name));
	qstats_read(&self->a, "ql0", &a2);
	qstats_read(&self->b, "ql1", &b2);
	EXPECT_EQ(0, a2.stored);
	EXPECT_EQ(0, b2.stored);
	EXPECT_EQ(a.expired + a.stored, a2.expired);
	EXPECT_EQ(b.expired + b.stored, b2.expired);
	for (i = 0; i < 50 && state != 0; i++) {
		ret = qnet_nl_recv_events(&ev, 100, link_state_cb, &state);
		if (ret < 0)
			break;
	}
	EXPECT_EQ(0, state) TH_LOG("no LINK_STATE down event on A");
	qnet_nl_close(&ev);

	/* continuous mode does nothing while down, and resumes when up */
	ASSERT_EQ(0, continuous(_metadata, self, true));
	usleep(300000);
	EXPECT_EQ(a2.heralded, qsys(&self->a, "ql0", "heralded"));
	ASSERT_EQ(0, run("ip -n %s link set ql1 up", self->b.name));
	EXPECT_LT(a2.heralded, run_until(self, a2.heralded + 10, 20000));
	ASSERT_EQ(0, continuous(_metadata, self, false));
	settle(self);
	EXPECT_EQ(0, qsys(&self->b, "ql1", "rx_dropped"));
}

/* @count qnet frames from ql0, whatever they say. */
static void inject_some(struct __test_metadata *_metadata, struct node *a,
			struct node *b, int count)
{
	struct frame f;
	int fd, i, len;

	fd = qnet_packet_socket(a, "ql0");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, dev_mac(b, "ql1", f.eth.ether_dhost));
	ASSERT_EQ(0, dev_mac(a, "ql0", f.eth.ether_shost));
	f.eth.ether_type = htons(ETH_P_QNET);
	for (i = 0; i < count; i++) {
		len = make_payload(f.payload, 0);
		ASSERT_EQ(ETHER_HDR_LEN + len,
			  send(fd, &f, ETHER_HDR_LEN + len, 0));
	}
	close(fd);
}

/* The kernel's mapping of struct qlink_params onto the model. */
static void model_of(const struct node *n, struct qstate_link_model *m)
{
	struct qstate_link_params lp;

	qstate_link_params_init(&lp);
	lp.scheme = qsys(n, "ql0", "scheme");
	lp.length_m = qsys(n, "ql0", "length_m");
	lp.atten_mdb_km = qsys(n, "ql0", "atten_mdb_km");
	lp.index_milli = qsys(n, "ql0", "index_milli");
	lp.attempt_rate_hz = qsys(n, "ql0", "attempt_rate_hz");
	lp.alpha = qprob_from_ppm(qsys(n, "ql0", "alpha_ppm"));
	lp.det_eff = qprob_from_ppm(qsys(n, "ql0", "det_eff_ppm"));
	lp.dark_rate_hz = qsys(n, "ql0", "dark_rate_hz");
	lp.visibility = qprob_from_ppm(qsys(n, "ql0", "visibility_ppm"));
	lp.source_fid = qprob_from_ppm(qsys(n, "ql0", "source_fid_ppm"));
	qstate_link_compute(&lp, m);
}

static int stats_reset(struct qnet_nl *q, uint32_t ifindex)
{
	char buf[256];
	struct nlmsghdr *nlh = qnet_nl_req(q, buf, QNET_CMD_STATS_RESET, 0);

	mnl_attr_put_u32(nlh, QNET_A_IFINDEX, ifindex);
	return qnet_nl_do(q, nlh, NULL, NULL);
}

/*
 * Cutoff and lazy decoherence, seen through the events of node A: every
 * pair that expires for CUTOFF is older than the cutoff, and the fidelity
 * its PAIR_EXPIRED event carries is the heralded state with each qubit
 * dephased (T2 = 1 ms) from when its memory began to hold it, the
 * emission of the successful attempt, computed here by the physics core:
 * its age since the herald plus the herald delay (single-click: both
 * nodes emit, store_ns is 0 at both ends).
 */
struct ev_log {
	uint64_t herald_ns[4096];	/* by pair id; 0 = not seen */
	int cutoffs, replaced, checked, bad_age, bad_fid;
	uint64_t cutoff_ns, t2_ns;
	struct qstate_link_model m;
	int64_t worst;
};

static int ev_log_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1] = { 0 };
	struct ev_log *l = data;
	uint64_t id, t, age;
	struct qstate s;
	int64_t fid, d;

	if (qnet_nl_parse(nlh, tb, QNET_A_MAX) || !tb[QNET_A_PAIR_ID] ||
	    !tb[QNET_A_TIME_NS])
		return MNL_CB_OK;
	id = mnl_attr_get_u64(tb[QNET_A_PAIR_ID]);
	t = mnl_attr_get_u64(tb[QNET_A_TIME_NS]);
	if (id >= 4096)
		return MNL_CB_OK;
	if (qnet_nl_cmd(nlh) == QNET_CMD_PAIR_HERALDED) {
		l->herald_ns[id] = t;
		return MNL_CB_OK;
	}
	if (qnet_nl_cmd(nlh) != QNET_CMD_PAIR_EXPIRED || !l->herald_ns[id])
		return MNL_CB_OK;
	if (mnl_attr_get_u8(tb[QNET_A_EXPIRE_CAUSE]) == QNET_EXPIRE_REPLACED) {
		l->replaced++;
		return MNL_CB_OK;
	}
	if (mnl_attr_get_u8(tb[QNET_A_EXPIRE_CAUSE]) != QNET_EXPIRE_CUTOFF)
		return MNL_CB_OK;
	l->cutoffs++;
	age = t - l->herald_ns[id];
	if (age <= l->cutoff_ns)
		l->bad_age++;
	s = l->m.state;
	qstate_decohere(&s, age + l->m.herald_ns - l->m.store_ns[0], 0,
			l->t2_ns);
	qstate_decohere(&s, age + l->m.herald_ns - l->m.store_ns[1], 0,
			l->t2_ns);
	fid = mnl_attr_get_u32(tb[QNET_A_FIDELITY_PPM]);
	d = fid - (int64_t)qprob_to_ppm(qstate_fidelity(&s));
	if (d > 1 || d < -1)
		l->bad_fid++;
	if (llabs(d) > llabs(l->worst))
		l->worst = d;
	l->checked++;
	return MNL_CB_OK;
}

TEST_F_TIMEOUT(gen, cutoff_and_decoherence, 120)
{
	static struct ev_log l;
	struct qstats a, b;
	int buf = 8 << 20, i, ret, idle = 0;
	struct qnet_nl ev;

	memset(&l, 0, sizeof(l));
	l.cutoff_ns = 500000;
	l.t2_ns = 1000000;
	ASSERT_EQ(0, set_u32(&self->qa, self->if0, QNET_LINK_A_LENGTH_M,
			     1000));
	ASSERT_EQ(0, set_u32(&self->qa, self->if0, QNET_LINK_A_MEM_SLOTS,
			     64));
	ASSERT_EQ(0, set_u64(&self->qa, self->if0, QNET_LINK_A_T2_NS,
			     l.t2_ns));
	ASSERT_EQ(0, set_u64(&self->qa, self->if0, QNET_LINK_A_CUTOFF_NS,
			     l.cutoff_ns));
	model_of(&self->a, &l.m);

	ASSERT_EQ(0, nl_open_in(&self->a, &ev));
	setsockopt(mnl_socket_get_fd(ev.sock), SOL_SOCKET, SO_RCVBUFFORCE,
		   &buf, sizeof(buf));
	ASSERT_EQ(0, qnet_nl_join_events(&ev));
	ASSERT_EQ(0, continuous(_metadata, self, true));
	ASSERT_LE(300, run_until(self, 300, 20000));
	ASSERT_EQ(0, continuous(_metadata, self, false));
	settle(self);
	for (i = 0; i < 10000 && idle < 3; i++) {
		ret = qnet_nl_recv_events(&ev, 200, ev_log_cb, &l);
		if (ret == 0)
			idle++;
		else if (ret < 0 && ret != -ENOBUFS)
			break;
	}
	qnet_nl_close(&ev);

	qstats_read(&self->a, "ql0", &a);
	qstats_read(&self->b, "ql1", &b);
	TH_LOG("%lld heralded, %lld stored at A, %lld at B; events: %d cut off (%d checked), %d replaced; worst fidelity difference %lld ppm",
	       (long long)a.heralded, (long long)a.stored, (long long)b.stored,
	       l.cutoffs, l.checked, l.replaced, (long long)l.worst);
	/* 1 km heralds every 64 us: a 500 us cutoff keeps a handful */
	EXPECT_GT(64, a.stored);
	EXPECT_LT(0, l.cutoffs);
	EXPECT_EQ(0, l.replaced);
	EXPECT_EQ(0, l.bad_age);
	EXPECT_EQ(0, l.bad_fid);
	EXPECT_EQ(a.heralded - a.stored, a.expired);
	EXPECT_EQ(b.heralded - b.stored, b.expired);
	EXPECT_EQ(0, a.rx_dropped + b.rx_dropped);

	/* STATS_RESET zeroes the counters, not the memory or the clock */
	ASSERT_EQ(0, stats_reset(&self->qa, self->if0));
	EXPECT_EQ(0, qsys(&self->a, "ql0", "heralded"));
	EXPECT_EQ(0, qsys(&self->a, "ql0", "attempts"));
	EXPECT_EQ(0, qsys(&self->a, "ql0", "mean_fidelity_ppm"));
	EXPECT_EQ(a.stored, qsys(&self->a, "ql0", "stored"));
	EXPECT_EQ(a.emu, qsys(&self->a, "ql0", "emu_time_ns"));
	EXPECT_EQ(b.heralded, qsys(&self->b, "ql1", "heralded"));
}

/*
 * Faults mid-generation: devices, then whole nodes, go away while the
 * work item runs, the pacing timer is armed and frames sit in the paced
 * queues. The kernel log must stay clean (vm-run fails on any splat).
 */
FIXTURE(gen_fault) {
	struct node a, b;
	struct qnet_nl qa;
	uint32_t if0;
};

FIXTURE_VARIANT(gen_fault) {
	uint32_t time_scale;
	bool del_netns;
	bool del_end1;
};

FIXTURE_VARIANT_ADD(gen_fault, unpaced_del_dev) { 0, false, false };
FIXTURE_VARIANT_ADD(gen_fault, unpaced_del_peer) { 0, false, true };
FIXTURE_VARIANT_ADD(gen_fault, unpaced_del_netns) { 0, true, false };
/* one wall second per emulated 100 us: frames wait long in the queue */
FIXTURE_VARIANT_ADD(gen_fault, paced_del_dev) { 10000000, false, false };
FIXTURE_VARIANT_ADD(gen_fault, paced_del_netns) { 1000, true, true };

FIXTURE_SETUP(gen_fault)
{
	int ret;

	self->a.nsfd = self->b.nsfd = -1;
	ASSERT_EQ(0, qnet_module_ensure());
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	orig_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, orig_netns);
	ASSERT_EQ(0, node_init(&self->a, "A"));
	ASSERT_EQ(0, node_init(&self->b, "B"));
	ret = nl_open_in(&self->a, &self->qa);
	if (ret == -ENOENT)
		SKIP(return, "no \"qnet\" genetlink family in this module");
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(gen_fault)
{
	if (self->qa.sock)
		qnet_nl_close(&self->qa);
	node_fini(&self->a);
	node_fini(&self->b);
}

TEST_F_TIMEOUT(gen_fault, delete_mid_generation, 120)
{
	int round;

	for (round = 0; round < 3; round++) {
		ASSERT_EQ(0, make_pair(&self->a, &self->b, true));
		self->if0 = ifindex_of(&self->a, "ql0");
		ASSERT_EQ(0, set_u32(&self->qa, self->if0,
				     QNET_LINK_A_MEM_SLOTS, 16));
		ASSERT_EQ(0, set_u32(&self->qa, self->if0,
				     QNET_LINK_A_TIME_SCALE,
				     variant->time_scale));
		ASSERT_EQ(0, set_u8(&self->qa, self->if0,
				    QNET_LINK_A_CONTINUOUS, 1));
		usleep(300000 + round * 100000);
		if (!variant->time_scale) {
			ASSERT_LT(0, qsys(&self->a, "ql0", "heralded"));
		} else {
			/* frames waiting in the paced queue when it goes */
			inject_some(_metadata, &self->a, &self->b, 20);
		}

		if (variant->del_netns) {
			if (!variant->del_end1)
				/* the socket holds A's netns */
				qnet_nl_close(&self->qa);
			node_fini(variant->del_end1 ? &self->b : &self->a);
			EXPECT_TRUE(WAIT_FOR(!dev_exists(variant->del_end1 ?
						&self->a : &self->b,
						variant->del_end1 ?
						"ql0" : "ql1"), 5000));
			if (variant->del_end1) {
				ASSERT_EQ(0, node_init(&self->b, "B"));
			} else {
				ASSERT_EQ(0, node_init(&self->a, "A"));
				ASSERT_EQ(0, nl_open_in(&self->a, &self->qa));
			}
		} else if (variant->del_end1) {
			ASSERT_EQ(0, run("ip -n %s link del ql1",
					 self->b.name));
		} else {
			ASSERT_EQ(0, run("ip -n %s link del ql0",
					 self->a.name));
		}
		EXPECT_FALSE(dev_exists(&self->a, "ql0"));
		EXPECT_FALSE(dev_exists(&self->b, "ql1"));
	}
}

/* Module unload with links present, generating: rtnl_link_unregister
 * deletes them all.
 */
TEST_F_TIMEOUT(gen_fault, unload_with_links_generating, 120)
{
	ASSERT_EQ(0, make_pair(&self->a, &self->b, true));
	self->if0 = ifindex_of(&self->a, "ql0");
	ASSERT_EQ(0, set_u32(&self->qa, self->if0, QNET_LINK_A_TIME_SCALE,
			     variant->time_scale));
	ASSERT_EQ(0, set_u8(&self->qa, self->if0, QNET_LINK_A_CONTINUOUS, 1));
	usleep(300000);
	qnet_nl_close(&self->qa);
	ASSERT_EQ(0, qnet_module_unload());
	EXPECT_FALSE(dev_exists(&self->a, "ql0"));
	EXPECT_FALSE(dev_exists(&self->b, "ql1"));
	ASSERT_EQ(0, qnet_module_load(NULL));
}

/*
 * The statistics of generation against the physics core's prediction,
 * computed here by the same fixed-point code compiled into this program.
 *
 * Rate. Successive heralds are a renewal process: run i takes N_i
 * attempts, N_i geometric with success probability p, and the emulated
 * clock after n heralds is exactly T_n = (S_n - 1) period + herald_ns
 * with S_n = N_1 + ... + N_n the attempts counter (checked exactly).
 * E[S_n] = n/p and Var[S_n] = n (1 - p)/p^2, so the measured rate
 * n / T_n has a relative standard deviation of sqrt((1 - p)/n). We
 * compare S_n with n/p in units of its standard deviation and accept
 * |z| < 5: with the 5 settings here the chance that a correct kernel
 * fails is below 5 * 6e-7 = 3e-6, while a rate off by 10% is caught at
 * n >= 2500 * (1 - p) (at the n reached, logged).
 *
 * Fidelity. Given the model, the heralded state is deterministic up to
 * the Psi+/Psi- coin, and a Pauli frame change keeps the fidelity: every
 * pair has the model's fidelity, rounded to ppm once. So the sum is
 * exactly n times that and the mean exactly that: no statistics, an
 * equality.
 */
struct stat_setting {
	uint8_t scheme;
	uint32_t length_m;
	uint32_t time_scale;
	uint64_t seed;		/* one per setting: independent samples */
};

FIXTURE(stat) {
	FIXTURE_DATA(gen) g;
};

FIXTURE_VARIANT(stat) {
	struct stat_setting s;
};

FIXTURE_VARIANT_ADD(stat, single_click_1km) {
	{ QNET_SCHEME_SINGLE_CLICK, 1000, 0, 101 } };
FIXTURE_VARIANT_ADD(stat, single_click_25km) {
	{ QNET_SCHEME_SINGLE_CLICK, 25000, 0, 102 } };
FIXTURE_VARIANT_ADD(stat, double_click_25km) {
	{ QNET_SCHEME_DOUBLE_CLICK, 25000, 0, 103 } };
FIXTURE_VARIANT_ADD(stat, double_click_50km) {
	{ QNET_SCHEME_DOUBLE_CLICK, 50000, 0, 104 } };
/* paced, 1000x faster than real time: the statistics must not change */
FIXTURE_VARIANT_ADD(stat, single_click_50km_paced) {
	{ QNET_SCHEME_SINGLE_CLICK, 50000, 1, 105 } };

FIXTURE_SETUP(stat)
{
	int ret;

	self->g.a.nsfd = self->g.b.nsfd = -1;
	ASSERT_EQ(0, qnet_module_ensure());
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	orig_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, orig_netns);
	ASSERT_EQ(0, node_init(&self->g.a, "A"));
	ASSERT_EQ(0, node_init(&self->g.b, "B"));
	ret = nl_open_in(&self->g.a, &self->g.qa);
	if (ret == -ENOENT)
		SKIP(return, "no \"qnet\" genetlink family in this module");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, make_pair(&self->g.a, &self->g.b, true));
	self->g.if0 = ifindex_of(&self->g.a, "ql0");
}

FIXTURE_TEARDOWN(stat)
{
	if (self->g.qa.sock)
		qnet_nl_close(&self->g.qa);
	node_fini(&self->g.a);
	node_fini(&self->g.b);
}

TEST_F_TIMEOUT(stat, rate_and_fidelity_match_the_model, 120)
{
	FIXTURE_DATA(gen) *g = &self->g;
	struct qstate_link_model m;
	double p, mean, sd, z;
	struct qstats a, b;
	uint32_t fid;

	ASSERT_EQ(0, set_u64(&g->qa, g->if0, QNET_LINK_A_SEED, variant->s.seed));
	ASSERT_EQ(0, set_u8(&g->qa, g->if0, QNET_LINK_A_SCHEME,
			    variant->s.scheme));
	ASSERT_EQ(0, set_u32(&g->qa, g->if0, QNET_LINK_A_LENGTH_M,
			     variant->s.length_m));
	ASSERT_EQ(0, set_u32(&g->qa, g->if0, QNET_LINK_A_TIME_SCALE,
			     variant->s.time_scale));
	model_of(&g->a, &m);
	p = (double)m.p_success / QPROB_ONE;
	fid = qprob_to_ppm(qstate_fidelity(&m.state));

	ASSERT_EQ(0, continuous(_metadata, g, true));
	run_until(g, 2000, 15000);
	ASSERT_EQ(0, continuous(_metadata, g, false));
	settle(g);
	qstats_read(&g->a, "ql0", &a);
	qstats_read(&g->b, "ql1", &b);
	ASSERT_LE(300, a.heralded);

	/*
	 * The clock is the attempts, exactly (qlinkmodel.h): the last
	 * herald at end 0, plus the fiber its expiry of the pair it
	 * replaced crossed, the domain's last event (one slot per end).
	 * Unpaced, the first run starts at 0; paced, at the wall clock's
	 * emulated time when continuous mode was turned on (the domain's
	 * clock follows the wall clock, Documentation/engine.rst), later.
	 */
	if (variant->s.time_scale) {
		EXPECT_LE((a.attempts - 1) * (int64_t)m.period_ns +
			  (int64_t)m.herald_ns + (int64_t)m.delay_ns, a.emu);
	} else {
		EXPECT_EQ((a.attempts - 1) * (int64_t)m.period_ns +
			  (int64_t)m.herald_ns + (int64_t)m.delay_ns, a.emu);
	}

	mean = a.heralded / p;
	sd = sqrt(a.heralded * (1 - p)) / p;
	z = (a.attempts - mean) / sd;
	TH_LOG("p %.6g period %llu ns: %lld heralded in %lld attempts, %.4f s emulated; rate %.2f/s, model %.2f/s, z = %.2f; fidelity %lld ppm, model %u",
	       p, (unsigned long long)m.period_ns, (long long)a.heralded,
	       (long long)a.attempts, a.emu / 1e9, a.heralded * 1e9 / a.emu,
	       (double)qstate_link_pair_rate(&m) / 4294967296.0, z,
	       (long long)a.mean_fid, fid);
	EXPECT_GT(5.0, fabs(z));

	EXPECT_EQ((int64_t)fid * a.heralded, a.fid_sum);
	EXPECT_EQ(fid, a.mean_fid);
	EXPECT_EQ(a.heralded, b.heralded);
	EXPECT_EQ((int64_t)fid * b.heralded, b.fid_sum);
	EXPECT_EQ(0, a.rx_dropped + b.rx_dropped);
}

/*
 * The malformed-frame test again with pairs issued: well-formed expiries
 * of issued ids are now valid (and accepted), the rest still dropped.
 */
TEST_F_TIMEOUT(gen, malformed_frames_with_pairs_issued, 120)
{
	int64_t last;

	ASSERT_EQ(0, set_u32(&self->qa, self->if0, QNET_LINK_A_MEM_SLOTS,
			     64));
	ASSERT_EQ(0, continuous(_metadata, self, true));
	ASSERT_LE(200, run_until(self, 200, 20000));
	ASSERT_EQ(0, continuous(_metadata, self, false));
	settle(self);
	/* ids are 1, 2, ... in herald order */
	last = qsys(&self->a, "ql0", "heralded");
	inject_malformed(_metadata, &self->a, &self->b, 10000, last);
}

TEST_HARNESS_MAIN
