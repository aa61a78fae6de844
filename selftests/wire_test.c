// SPDX-License-Identifier: GPL-2.0
/*
 * The wire is untrusted: whoever holds CAP_NET_RAW over a qlink's netns
 * (any user, in a user namespace of their own) can write any ETH_P_QNET
 * frame on it with AF_PACKET. These tests forge network-layer frames with
 * every field the network layer must check out of range and inject them
 * on a qlink, as qlink_test does for the link layer's frames; each one
 * must be dropped, counted by cause (/proc/net/qnet_node rx_drops_*), and
 * leave the circuit as it was. The VM runner fails on any WARNING in the
 * kernel log. Plus the socket-side bounds (a u64 deadline) and the seeds
 * hidden from an unprivileged reader.
 *
 *   node 1 --qr====ql-- node 2 --qr====ql-- node 3
 *
 * Frames for node 1 are sent from node 2's "ql", frames for node 2 from
 * node 1's "qr". Circuits run from node 1 (head) to node 2 (tail).
 */
#include <arpa/inet.h>
#include <grp.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_sock.h"
#include "qnet_topo.h"

#define PORT	9U

static const struct qnet_topo_param wire_link[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_DIRECT,	1 },
	{ QNET_LINK_A_LENGTH_M,		2000,			4 },
	{ QNET_LINK_A_SOURCE_FID_PPM,	950000,			4 },
	{ QNET_LINK_A_DARK_RATE_HZ,	0,			4 },
	{ QNET_LINK_A_TIME_SCALE,	0,			4 },
	{ QNET_LINK_A_SEED,		7,			8 },
	{ 0 }
};

FIXTURE(wire) {
	struct qnet_topo topo;
	int family;
	int lfd;		/* listening on node 2 */
};

FIXTURE_SETUP(wire)
{
	ASSERT_EQ(0, qnet_module_ensure());
	self->family = qnet_family();
	ASSERT_LT(0, self->family);
	ASSERT_EQ(0, qnet_topo_chain(&self->topo, 3, wire_link));
	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 2));
	self->lfd = qsocket(self->family);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, qbind(self->lfd, self->family, 0, PORT));
	ASSERT_EQ(0, listen(self->lfd, 4));
}

FIXTURE_TEARDOWN(wire)
{
	close(self->lfd);
	qnet_topo_destroy(&self->topo);
}

/* A counter of node @i's /proc/net/qnet_node, or -1. */
static long long node_stat(struct qnet_topo *t, int i, const char *name)
{
	char line[128], key[64];
	long long v, ret = -1;
	FILE *f;

	if (qnet_topo_enter(t, i))
		return -1;
	f = fopen("/proc/net/qnet_node", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", key, &v) == 2 && !strcmp(key, name))
			ret = v;
	fclose(f);
	return ret;
}

/* Node @i's only circuit: its /proc/net/qnet_circuit fields, or -1. */
struct circ {
	unsigned int head, id, hops, epoch, kept, delivered;
	unsigned long long req;
	char role[8], state[16];
};

static int circuit_at(struct qnet_topo *t, int i, struct circ *c)
{
	char line[256];
	int n = 0;
	FILE *f;

	if (qnet_topo_enter(t, i))
		return -1;
	f = fopen("/proc/net/qnet_circuit", "re");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
		n = -1;
	while (n >= 0 && fgets(line, sizeof(line), f)) {
		unsigned int up, down;

		if (sscanf(line, "%x %x %7s %15s %u %u %u %u %u %llx %u",
			   &c->head, &c->id, c->role, c->state, &c->hops,
			   &c->epoch, &up, &down, &c->kept, &c->req,
			   &c->delivered) != 11)
			n = -1;
		else
			n++;
	}
	fclose(f);
	return n == 1 ? 0 : -1;
}

static int dev_mac(struct qnet_topo *t, int i, const char *dev, uint8_t *mac)
{
	struct ifreq ifr = { 0 };
	int fd, ret;

	if (qnet_topo_enter(t, i))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ret = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (!ret)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	return ret;
}

/* Is @dev of node @i operationally up (carrier, as linkwatch saw it)? */
static int link_running(struct qnet_topo *t, int i, const char *dev)
{
	struct ifreq ifr = { 0 };
	int fd, ret;

	if (qnet_topo_enter(t, i))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	close(fd);
	return ret ? -1 : !!(ifr.ifr_flags & IFF_RUNNING);
}

/*
 * Send a network-layer message of @type with payload @p (@len bytes) to
 * node @to (1 or 2) as its neighbour would, and wait until the receiving
 * link has counted it, received or dropped.
 */
static int inject(struct qnet_topo *t, int to, uint8_t type, const void *p,
		  size_t len)
{
	int from = to == 1 ? 2 : 1;
	const char *out = to == 1 ? "ql" : "qr", *in = to == 1 ? "qr" : "ql";
	struct {
		struct ether_header	eth;
		struct qnet_hdr		hdr;
		uint8_t			payload[64];
	} __attribute__((packed)) f = { 0 };
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_QNET),
	};
	int fd, i;

	if (len > sizeof(f.payload) ||
	    dev_mac(t, to, in, f.eth.ether_dhost) ||
	    dev_mac(t, from, out, f.eth.ether_shost))
		return -1;
	f.eth.ether_type = htons(ETH_P_QNET);
	f.hdr.version = QNET_WIRE_VERSION;
	f.hdr.type = type;
	f.hdr.len = htons(len);
	f.hdr.src_node = htonl(from);
	memcpy(f.payload, p, len);

	if (qnet_topo_enter(t, from))
		return -1;
	sll.sll_ifindex = if_nametoindex(out);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_QNET));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		return -1;
	i = send(fd, &f, sizeof(f.eth) + sizeof(f.hdr) + len, 0);
	close(fd);
	if (i != (int)(sizeof(f.eth) + sizeof(f.hdr) + len))
		return -1;
	/* frames cross a qlink through the receiver's backlog: let it run */
	usleep(50000);
	return 0;
}

/* The header of a circuit message for @c's circuit, travelling @dir. */
static void circ_hdr(struct qnet_msg_circuit *m, const struct circ *c,
		     uint8_t dir)
{
	m->head_node = htonl(c->head);
	m->circuit_id = htonl(c->id);
	m->dir = dir;
}

/* A connected pair of sockets, head on node 1, tail on node 2. */
static int connect_pair(FIXTURE_DATA(wire) *self, int *afd)
{
	int fd;

	if (qnet_topo_enter(&self->topo, 1))
		return -1;
	fd = qsocket(self->family);
	if (fd < 0 || set_timeo(fd, SO_RCVTIMEO, 20000) ||
	    qconnect(fd, self->family, 2, PORT))
		return -1;
	*afd = accept(self->lfd, NULL, NULL);
	if (*afd < 0 || set_timeo(*afd, SO_RCVTIMEO, 20000))
		return -1;
	return fd;
}

/* @n pairs measured at both ends, with no error and the same Bell state. */
static int pairs_work(int fd, int afd, unsigned int n)
{
	struct qnet_request req = {
		.num_pairs = n, .type = QNET_REQ_MEASURE,
	};
	struct qnet_pair a, b;
	unsigned int i;

	if (send(fd, &req, sizeof(req), 0) != sizeof(req))
		return -1;
	for (i = 0; i < n; i++) {
		if (recv(fd, &a, sizeof(a), 0) != sizeof(a) ||
		    recv(afd, &b, sizeof(b), 0) != sizeof(b) ||
		    a.error || b.error || a.pair_id != b.pair_id ||
		    a.bell_state != b.bell_state)
			return -1;
	}
	return 0;
}

/*
 * Pace the chain as the wall clock (time_scale 1000 on node 1's link; the
 * domain runs at its largest), so that a connect left unanswered stays
 * connecting for 10 s of wall time: its set-up timeout is an event of
 * emulated time (Documentation/sockets.rst), which an idle unpaced
 * network reaches at once. 0 or -1; the caller is in node 1 on return.
 */
static int wire_pace(FIXTURE_DATA(wire) *self)
{
	struct qnet_nl q;
	int err;

	if (qnet_topo_enter(&self->topo, 1) || qnet_nl_open(&q))
		return -1;
	err = qnet_nl_link_set_one(&q, if_nametoindex("qr"),
				   QNET_LINK_A_TIME_SCALE, 1000, 4);
	qnet_nl_close(&q);
	return err ? -1 : 0;
}

/*
 * REFUSE for a circuit still connecting (its CONNECT is lost beyond node
 * 2, whose link to node 3 is down): errno 0 and 70000 are dropped and
 * connect() goes on; errno 5 ends it with EIO, as a true REFUSE would.
 * Paced (wire_pace()), so that it is still connecting meanwhile.
 */
TEST_F(wire, refuse_errno_out_of_range)
{
	struct sockaddr_qnet a = {
		.sq_family = self->family, .sq_port = PORT, .sq_node = 3,
	};
	static const uint32_t bad[] = { 0, 70000, 0x80000000U, 4096 };
	struct qnet_msg_answer m = { 0 };
	long long drops;
	struct pollfd p;
	struct circ c;
	socklen_t len;
	unsigned int i;
	int fd, err;

	/* node 3 unreachable past node 2: CONNECT never answered */
	{
		struct qnet_nl rt;

		ASSERT_EQ(0, qnet_topo_enter(&self->topo, 3));
		ASSERT_EQ(0, qnet_nl_open_proto(&rt, NETLINK_ROUTE));
		ASSERT_EQ(0, qnet_rtnl_link_up(&rt, "ql", false));
		qnet_nl_close(&rt);
	}
	/*
	 * Node 2's "qr" loses its carrier through linkwatch, later: its
	 * notifier would close a circuit already on it, and with it ours.
	 */
	for (i = 0; i < 100 && link_running(&self->topo, 2, "qr"); i++)
		usleep(20000);
	ASSERT_EQ(0, link_running(&self->topo, 2, "qr"));
	/*
	 * linkwatch clears IFF_RUNNING first and runs the NETDEV_CHANGE
	 * notifiers just after, in the same work item; a CONNECT the engine
	 * forwards in between (it takes microseconds) would be closed by
	 * them. Let that work item finish.
	 */
	usleep(300000);
	ASSERT_EQ(0, wire_pace(self));
	fd = socket(self->family, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, connect(fd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_EQ(0, circuit_at(&self->topo, 1, &c));
	ASSERT_STREQ("connecting", c.state);

	drops = node_stat(&self->topo, 1, "rx_drops_bad_errno");
	circ_hdr(&m.c, &c, QNET_DIR_UP);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.error = htonl(bad[i]);
		ASSERT_EQ(0, inject(&self->topo, 1, QNET_MSG_REFUSE, &m,
				    sizeof(m)));
	}
	EXPECT_EQ(drops + 4, node_stat(&self->topo, 1, "rx_drops_bad_errno"));
	ASSERT_EQ(0, circuit_at(&self->topo, 1, &c));
	EXPECT_STREQ("connecting", c.state);
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	EXPECT_EQ(0, poll(&p, 1, 0));
	len = sizeof(err);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(0, err);

	m.error = htonl(EIO);
	ASSERT_EQ(0, inject(&self->topo, 1, QNET_MSG_REFUSE, &m, sizeof(m)));
	ASSERT_EQ(1, poll(&p, 1, 5000));
	len = sizeof(err);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(EIO, err);
	EXPECT_EQ(drops + 4, node_stat(&self->topo, 1, "rx_drops_bad_errno"));
	close(fd);
}

/*
 * CLOSE on an established circuit: errno 0 and 70000 are dropped (recv()
 * would otherwise return a positive number) and pairs keep coming; errno
 * 5 closes it, and recv() fails with EIO.
 */
TEST_F(wire, close_errno_out_of_range)
{
	static const uint32_t bad[] = { 0, 70000, 0xffffffffU };
	struct qnet_msg_answer m = { 0 };
	struct qnet_pair rec;
	long long drops;
	struct circ c;
	unsigned int i;
	int fd, afd;

	fd = connect_pair(self, &afd);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, circuit_at(&self->topo, 1, &c));
	drops = node_stat(&self->topo, 1, "rx_drops_bad_errno");
	circ_hdr(&m.c, &c, QNET_DIR_UP);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.error = htonl(bad[i]);
		ASSERT_EQ(0, inject(&self->topo, 1, QNET_MSG_CLOSE, &m,
				    sizeof(m)));
	}
	EXPECT_EQ(drops + 3, node_stat(&self->topo, 1, "rx_drops_bad_errno"));
	ASSERT_EQ(0, circuit_at(&self->topo, 1, &c));
	EXPECT_STREQ("up", c.state);
	EXPECT_EQ(0, pairs_work(fd, afd, 3));

	m.error = htonl(EIO);
	ASSERT_EQ(0, inject(&self->topo, 1, QNET_MSG_CLOSE, &m, sizeof(m)));
	EXPECT_EQ(-1, recv(fd, &rec, sizeof(rec), 0));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(drops + 3, node_stat(&self->topo, 1, "rx_drops_bad_errno"));
	close(afd);
	close(fd);
}

/* BIND with a Bell state that is none (4, 255): dropped at the tail. */
TEST_F(wire, bind_bad_bell_state)
{
	static const uint8_t bad[] = { 4, 255 };
	struct qnet_msg_bind m = { 0 };
	long long drops;
	struct circ c, c2;
	unsigned int i;
	int fd, afd;

	fd = connect_pair(self, &afd);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, circuit_at(&self->topo, 2, &c));
	drops = node_stat(&self->topo, 2, "rx_drops_bad_bell");
	circ_hdr(&m.c, &c, QNET_DIR_DOWN);
	m.pair_id = htobe64(1);
	m.ent_id = htobe64(1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.bell_state = bad[i];
		ASSERT_EQ(0, inject(&self->topo, 2, QNET_MSG_BIND, &m,
				    sizeof(m)));
	}
	EXPECT_EQ(drops + 2, node_stat(&self->topo, 2, "rx_drops_bad_bell"));
	ASSERT_EQ(0, circuit_at(&self->topo, 2, &c2));
	EXPECT_EQ(c.epoch, c2.epoch);
	EXPECT_EQ(0, pairs_work(fd, afd, 3));
	close(afd);
	close(fd);
}

/*
 * TRACK at the head of a one-link circuit, which has no repeater: no
 * repeater or more than a path can have, a frame that is no Pauli frame,
 * and a well-formed TRACK that cannot be true (it carries one repeater).
 * All dropped; the next pairs have consistent Bell states (a forged
 * frame composed in would reach the delivery check). And a TRACK
 * travelling down, which it never does.
 */
TEST_F(wire, track_bad_pauli_frame)
{
	static const struct { uint16_t swaps; uint8_t frame, frame_tail; } bad[] = {
		{ 1, 4, 0 }, { 1, 255, 0 }, { 1, 0, 4 }, { 0, 0, 0 },
		{ QNET_MAX_HOPS, 0, 0 }, { 1, 1, 0 }, { 1, 3, 2 },
	};
	struct qnet_msg_swap m = { 0 };
	long long drops, malformed;
	struct circ c, c2;
	unsigned int i;
	int fd, afd;

	fd = connect_pair(self, &afd);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, circuit_at(&self->topo, 1, &c));
	drops = node_stat(&self->topo, 1, "rx_drops_bad_frame");
	malformed = node_stat(&self->topo, 1, "rx_drops_malformed");
	circ_hdr(&m.c, &c, QNET_DIR_UP);
	m.epoch = htonl(c.epoch);
	m.ent_id = htobe64(1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.swaps = htons(bad[i].swaps);
		m.frame = bad[i].frame;
		m.frame_tail = bad[i].frame_tail;
		ASSERT_EQ(0, inject(&self->topo, 1, QNET_MSG_TRACK, &m,
				    sizeof(m)));
	}
	EXPECT_EQ(drops + 7, node_stat(&self->topo, 1, "rx_drops_bad_frame"));
	circ_hdr(&m.c, &c, QNET_DIR_DOWN);
	m.swaps = htons(1);
	m.frame = 0;
	m.frame_tail = 0;
	ASSERT_EQ(0, inject(&self->topo, 1, QNET_MSG_TRACK, &m, sizeof(m)));
	EXPECT_EQ(malformed + 1,
		  node_stat(&self->topo, 1, "rx_drops_malformed"));
	ASSERT_EQ(0, circuit_at(&self->topo, 1, &c2));
	EXPECT_EQ(c.epoch, c2.epoch);
	EXPECT_EQ(0, pairs_work(fd, afd, 5));
	EXPECT_EQ(drops + 7, node_stat(&self->topo, 1, "rx_drops_bad_frame"));
	close(afd);
	close(fd);
}

/* Frames @dev of node @node has sent (/proc/self/net/dev), or -1. */
static long long dev_tx(struct qnet_topo *t, int node, const char *dev)
{
	unsigned long long v[10];
	char line[512], name[IFNAMSIZ + 1];
	long long tx = -1;
	FILE *f;

	if (qnet_topo_enter(t, node))
		return -1;
	f = fopen("/proc/self/net/dev", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %16[^:]: %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6], &v[7], &v[8], &v[9]) == 11 &&
		    !strcmp(name, dev))
			tx = v[9];
	fclose(f);
	return tx;
}

/*
 * The hop limit, which is what ends a CONNECT caught in a routing loop:
 * node 2 forwards a CONNECT that has crossed QNET_MAX_HOPS - 1 links
 * towards node 3, refuses one that has crossed QNET_MAX_HOPS (REFUSE
 * back, nothing on), and drops one claiming more as malformed. Each
 * REFUSE reaches node 1, which has no such circuit.
 */
TEST_F(wire, connect_hop_limit)
{
	static const uint16_t hops[] = { QNET_MAX_HOPS - 1, QNET_MAX_HOPS,
					 QNET_MAX_HOPS + 1 };
	static const int down[] = { 1, 0, 0 }, up[] = { 1, 1, 0 };
	struct qnet_msg_connect m = { 0 };
	long long qr, ql, bad;
	unsigned int i;
	int tries;

	for (i = 0; i < sizeof(hops) / sizeof(hops[0]); i++) {
		qr = dev_tx(&self->topo, 2, "qr");
		ql = dev_tx(&self->topo, 2, "ql");
		bad = node_stat(&self->topo, 2, "rx_drops_malformed");
		m.c.head_node = htonl(1);
		m.c.circuit_id = htonl(0x70000 + i);
		m.c.dir = QNET_DIR_DOWN;
		m.dst_node = htonl(3);
		m.src_port = htons(PORT);
		m.dst_port = htons(PORT);
		m.hops = htons(hops[i]);
		ASSERT_EQ(0, inject(&self->topo, 2, QNET_MSG_CONNECT, &m,
				    sizeof(m)));
		/* node 3 refuses what it gets (no listener there) */
		for (tries = 0; tries < 200 &&
		     dev_tx(&self->topo, 2, "ql") < ql + up[i]; tries++)
			usleep(10000);
		EXPECT_EQ(qr + down[i], dev_tx(&self->topo, 2, "qr"));
		EXPECT_EQ(ql + up[i], dev_tx(&self->topo, 2, "ql"));
		EXPECT_EQ(bad + !up[i],
			  node_stat(&self->topo, 2, "rx_drops_malformed"));
	}
}

/* DISCARD and DELIVER with a cause or errno out of range. */
TEST_F(wire, discard_deliver_bad_cause)
{
	struct qnet_msg_swap m = { 0 };
	long long cause, err;
	struct circ c, c2;
	int fd, afd;

	fd = connect_pair(self, &afd);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, circuit_at(&self->topo, 2, &c));
	cause = node_stat(&self->topo, 2, "rx_drops_bad_cause");
	err = node_stat(&self->topo, 2, "rx_drops_bad_errno");
	circ_hdr(&m.c, &c, QNET_DIR_DOWN);
	m.epoch = htonl(c.epoch);
	m.cause = __QNET_EXPIRE_MAX;
	ASSERT_EQ(0, inject(&self->topo, 2, QNET_MSG_DISCARD, &m, sizeof(m)));
	ASSERT_EQ(0, inject(&self->topo, 2, QNET_MSG_DELIVER, &m, sizeof(m)));
	m.cause = 0;
	m.error = htonl(70000);
	ASSERT_EQ(0, inject(&self->topo, 2, QNET_MSG_DELIVER, &m, sizeof(m)));
	EXPECT_EQ(cause + 2, node_stat(&self->topo, 2, "rx_drops_bad_cause"));
	EXPECT_EQ(err + 1, node_stat(&self->topo, 2, "rx_drops_bad_errno"));
	ASSERT_EQ(0, circuit_at(&self->topo, 2, &c2));
	EXPECT_EQ(c.epoch, c2.epoch);
	EXPECT_EQ(0, pairs_work(fd, afd, 2));
	close(afd);
	close(fd);
}

/*
 * REQUEST with each field out of the range a socket's request is held to
 * (one function checks both): dropped at the tail, nothing installed.
 */
TEST_F(wire, request_fields_out_of_range)
{
	static const struct qnet_request bad[] = {
		{ .num_pairs = 0 },
		{ .num_pairs = 1000001 },
		{ .num_pairs = 0xffffffffU, .flags = QNET_REQ_F_ATOMIC },
		{ .num_pairs = QNET_REQ_ATOMIC_MAX + 1,
		  .flags = QNET_REQ_F_ATOMIC },
		{ .num_pairs = 1, .min_fidelity_ppm = 1000001 },
		{ .num_pairs = 1, .priority = 8 },
		{ .num_pairs = 1, .type = 2 },
		{ .num_pairs = 1, .basis = 4 },
		{ .num_pairs = 1, .flags = 0x4 },
		{ .num_pairs = 1, .flags = 0x80 },
	};
	enum { NBAD = sizeof(bad) / sizeof(bad[0]) };
	struct qnet_msg_request m = { 0 };
	struct qnet_request r;
	long long drops;
	struct circ c;
	unsigned int i;
	int fd, afd;

	fd = connect_pair(self, &afd);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, circuit_at(&self->topo, 2, &c));
	drops = node_stat(&self->topo, 2, "rx_drops_bad_request");
	circ_hdr(&m.c, &c, QNET_DIR_DOWN);
	m.epoch = htonl(c.epoch);
	for (i = 0; i < NBAD; i++) {
		m.request_id = htobe64(100 + i);
		m.num_pairs = htonl(bad[i].num_pairs);
		m.min_fidelity_ppm = htonl(bad[i].min_fidelity_ppm);
		m.priority = bad[i].priority;
		m.type = bad[i].type;
		m.basis = bad[i].basis;
		m.flags = bad[i].flags;
		ASSERT_EQ(0, inject(&self->topo, 2, QNET_MSG_REQUEST, &m,
				    sizeof(m)));
		/* the socket refuses the same request */
		r = bad[i];
		EXPECT_EQ(-1, send(fd, &r, sizeof(r), 0));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(drops + NBAD,
		  node_stat(&self->topo, 2, "rx_drops_bad_request"));
	ASSERT_EQ(0, circuit_at(&self->topo, 2, &c));
	EXPECT_EQ(0ULL, c.req);		/* no request installed */
	EXPECT_EQ(0, pairs_work(fd, afd, 2));
	close(afd);
	close(fd);
}

/*
 * max_time_ns = 2^64 - 1: the deadline is past the end of emulated time,
 * so no deadline, not one that wrapped into the past (an immediate
 * ETIMEDOUT record).
 */
TEST_F(wire, u64_deadline_is_no_deadline)
{
	struct qnet_request req = {
		.num_pairs = 3, .type = QNET_REQ_MEASURE,
		.max_time_ns = UINT64_MAX,
	};
	struct qnet_pair a, b;
	int fd, afd, i;

	fd = connect_pair(self, &afd);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)sizeof(req), send(fd, &req, sizeof(req), 0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ((ssize_t)sizeof(a), recv(fd, &a, sizeof(a), 0));
		ASSERT_EQ((ssize_t)sizeof(b), recv(afd, &b, sizeof(b), 0));
		EXPECT_EQ(0, a.error);
		EXPECT_EQ(0, b.error);
	}
	/* and 2^63 after a start past 2^63 wraps the same way */
	req.max_time_ns = 1ULL << 63;
	ASSERT_EQ((ssize_t)sizeof(req), send(fd, &req, sizeof(req), 0));
	ASSERT_EQ((ssize_t)sizeof(a), recv(fd, &a, sizeof(a), 0));
	EXPECT_EQ(0, a.error);
	close(afd);
	close(fd);
}

static int dump_has_seed_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1], *lp[QNET_LINK_A_MAX + 1];
	int *has = data;

	if (qnet_nl_parse(nlh, tb, QNET_A_MAX) || !tb[QNET_A_LINK_PARAMS] ||
	    qnet_nl_parse_nested(tb[QNET_A_LINK_PARAMS], lp, QNET_LINK_A_MAX) ||
	    !lp[QNET_LINK_A_LENGTH_M])
		return MNL_CB_ERROR;
	*has = lp[QNET_LINK_A_SEED] ? 1 : 0;
	return MNL_CB_OK;
}

/* Do the caller's netns's links show a seed? 1, 0, or -errno. */
static int link_get_has_seed(void)
{
	struct nlmsghdr *nlh;
	struct qnet_nl q;
	char buf[256];
	int has = -1, err;

	err = qnet_nl_open(&q);
	if (err)
		return err;
	nlh = qnet_nl_req(&q, buf, QNET_CMD_LINK_GET, NLM_F_DUMP);
	err = qnet_nl_do(&q, nlh, dump_has_seed_cb, &has);
	qnet_nl_close(&q);
	return err ? err : has;
}

static int node_has_seed_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[QNET_A_MAX + 1];
	int *has = data;

	if (qnet_nl_parse(nlh, tb, QNET_A_MAX) || !tb[QNET_A_NODE_ADDR])
		return MNL_CB_ERROR;
	*has = tb[QNET_A_NODE_SEED] ? 1 : 0;
	return MNL_CB_OK;
}

/* Does the caller's node show its seed? 1, 0, or -errno. */
static int node_get_has_seed(void)
{
	struct nlmsghdr *nlh;
	struct qnet_nl q;
	char buf[256];
	int has = -1, err;

	err = qnet_nl_open(&q);
	if (err)
		return err;
	nlh = qnet_nl_req(&q, buf, QNET_CMD_NODE_GET, 0);
	err = qnet_nl_do(&q, nlh, node_has_seed_cb, &has);
	qnet_nl_close(&q);
	return err ? err : has;
}

/*
 * A link's seed, and the node's, predict every outcome: netlink
 * shows them to CAP_NET_ADMIN over the netns only, sysfs and the module
 * parameter to root only. An unprivileged reader (nobody, no
 * capabilities) sees every other parameter.
 */
TEST_F(wire, seeds_hidden_from_the_unprivileged)
{
	struct stat st;
	pid_t pid;
	int status;

	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 1));
	EXPECT_EQ(1, link_get_has_seed());
	EXPECT_EQ(1, node_get_has_seed());
	ASSERT_EQ(0, stat("/sys/module/qnet/parameters/seed", &st));
	EXPECT_EQ(0400U, st.st_mode & 0777);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char v[32];
		int fd;

		/* node 1's own sysfs, in a mount namespace of our own */
		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("sysfs", "/sys", "sysfs", 0, NULL))
			_exit(10);
		fd = open("/sys/class/net/qr/qnet/seed", O_RDONLY);
		if (fd < 0 || read(fd, v, sizeof(v)) <= 0)
			_exit(11);	/* root reads it */
		close(fd);
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(12);
		if (link_get_has_seed() != 0 || node_get_has_seed() != 0)
			_exit(13);
		if (open("/sys/class/net/qr/qnet/seed", O_RDONLY) >= 0 ||
		    errno != EACCES)
			_exit(14);
		if (open("/sys/class/net/qr/qnet/length_m", O_RDONLY) < 0)
			_exit(15);
		if (open("/sys/module/qnet/parameters/seed", O_RDONLY) >= 0 ||
		    errno != EACCES)
			_exit(16);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Circuits of node @i, or -1. */
static int circuits_at(struct qnet_topo *t, int i)
{
	char line[256];
	int n = -1;
	FILE *f;

	if (qnet_topo_enter(t, i))
		return -1;
	f = fopen("/proc/net/qnet_circuit", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;		/* the first line is the header */
	fclose(f);
	return n;
}

static int set_param(const char *name, long v)
{
	char path[128], buf[32];
	int fd, n, ok;

	snprintf(path, sizeof(path), "/sys/module/qnet/parameters/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%ld", v);
	ok = write(fd, buf, n) == n;
	close(fd);
	return ok ? 0 : -1;
}

/*
 * max_circuits bounds what CONNECTs make a node hold: past it a CONNECT
 * is refused (ENOBUFS, counted as rx_drops limit) and leaves nothing.
 */
TEST_F(wire, connects_past_max_circuits_are_refused)
{
	struct qnet_msg_connect m = { 0 };
	long long limit;
	unsigned int i;

	ASSERT_EQ(0, set_param("max_circuits", 2));
	limit = node_stat(&self->topo, 2, "rx_drops_limit");
	for (i = 0; i < 4; i++) {
		m.c.head_node = htonl(1);
		m.c.circuit_id = htonl(5000 + i);
		m.c.dir = QNET_DIR_DOWN;
		m.dst_node = htonl(2);
		m.src_port = htons(7);
		m.dst_port = htons(PORT);
		m.hops = 1;
		EXPECT_EQ(0, inject(&self->topo, 2, QNET_MSG_CONNECT, &m,
				    sizeof(m)));
	}
	EXPECT_EQ(2, circuits_at(&self->topo, 2));
	EXPECT_EQ(limit + 2, node_stat(&self->topo, 2, "rx_drops_limit"));
	ASSERT_EQ(0, set_param("max_circuits", 4096));
}

/*
 * Forged CONNECTs over one link (a SYN flood) take at most half of a
 * listener's backlog, rounded up: node 2 listens with a backlog of 4, so
 * of 4 CONNECTs forged on the link from node 1 two wait for accept() and
 * two are refused (counted as rx_drops limit); a connection from node 3,
 * over the other link, still gets in.
 */
TEST_F(wire, forged_connects_take_one_links_share_of_the_backlog)
{
	struct qnet_msg_connect m = { 0 };
	struct sockaddr_qnet peer;
	socklen_t len;
	long long limit;
	unsigned int i;
	int fd, afd, forged = 0;

	limit = node_stat(&self->topo, 2, "rx_drops_limit");
	for (i = 0; i < 4; i++) {
		m.c.head_node = htonl(1);
		m.c.circuit_id = htonl(6000 + i);
		m.c.dir = QNET_DIR_DOWN;
		m.dst_node = htonl(2);
		m.src_port = htons(7);
		m.dst_port = htons(PORT);
		m.hops = htons(1);
		EXPECT_EQ(0, inject(&self->topo, 2, QNET_MSG_CONNECT, &m,
				    sizeof(m)));
	}
	EXPECT_EQ(limit + 2, node_stat(&self->topo, 2, "rx_drops_limit"));
	EXPECT_EQ(2, circuits_at(&self->topo, 2));

	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 3));
	fd = qsocket(self->family);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, set_timeo(fd, SO_RCVTIMEO, 20000));
	ASSERT_EQ(0, qconnect(fd, self->family, 2, PORT));
	/* the two forged children, then node 3's */
	ASSERT_EQ(0, set_timeo(self->lfd, SO_RCVTIMEO, 2000));
	for (i = 0; i < 3; i++) {
		len = sizeof(peer);
		afd = accept(self->lfd, (struct sockaddr *)&peer, &len);
		ASSERT_LE(0, afd);
		if (peer.sq_node == 1) {
			forged++;
			close(afd);
			continue;
		}
		EXPECT_EQ(3U, peer.sq_node);
		EXPECT_EQ(0, pairs_work(fd, afd, 2));
		close(afd);
	}
	EXPECT_EQ(2, forged);
	close(fd);
}

/* DISCARDs of @n attempts to come for node 2's circuit @c: they wait. */
static int inject_later(struct qnet_topo *t, const struct circ *c,
			unsigned int from, unsigned int n)
{
	struct qnet_msg_swap m = { 0 };
	unsigned int i;

	circ_hdr(&m.c, c, QNET_DIR_DOWN);
	for (i = 0; i < n; i++) {
		m.epoch = htonl(c->epoch + from + i);
		if (inject(t, 2, QNET_MSG_DISCARD, &m, sizeof(m)))
			return -1;
	}
	return 0;
}

/*
 * max_deferred_link bounds the messages one link makes a node keep for
 * later attempts: past it the circuit is closed with ENOBUFS (counted as
 * rx_drops limit); its messages no longer count against the link.
 */
TEST_F(wire, deferred_messages_bounded_per_link)
{
	long long limit;
	struct circ c;
	int fd, afd, ok;

	fd = connect_pair(self, &afd);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, circuit_at(&self->topo, 2, &c));
	limit = node_stat(&self->topo, 2, "rx_drops_limit");
	ASSERT_EQ(0, set_param("max_deferred_link", 2));
	ok = inject_later(&self->topo, &c, 10, 2) == 0 &&
	     circuits_at(&self->topo, 2) == 1 &&
	     node_stat(&self->topo, 2, "rx_drops_limit") == limit &&
	     inject_later(&self->topo, &c, 12, 1) == 0 &&
	     circuits_at(&self->topo, 2) == 0 &&
	     node_stat(&self->topo, 2, "rx_drops_limit") == limit + 1;
	/* freed with the circuit: a new one has the link's whole bound */
	close(afd);
	close(fd);
	fd = ok ? connect_pair(self, &afd) : -1;
	ok = ok && fd >= 0 && circuit_at(&self->topo, 2, &c) == 0 &&
	     inject_later(&self->topo, &c, 10, 2) == 0 &&
	     circuits_at(&self->topo, 2) == 1 &&
	     node_stat(&self->topo, 2, "rx_drops_limit") == limit + 1;
	ASSERT_EQ(0, set_param("max_deferred_link", 4096));
	EXPECT_TRUE(ok);
	if (fd >= 0) {
		close(afd);
		close(fd);
	}
}

/* The first connection's tail ends with ENOBUFS when its circuit does. */
TEST_F(wire, deferred_past_the_link_bound_ends_the_connection)
{
	struct qnet_pair rec;
	struct circ c;
	int fd, afd;

	fd = connect_pair(self, &afd);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, circuit_at(&self->topo, 2, &c));
	ASSERT_EQ(0, set_param("max_deferred_link", 1));
	EXPECT_EQ(0, inject_later(&self->topo, &c, 10, 2));
	ASSERT_EQ(0, set_param("max_deferred_link", 4096));
	EXPECT_EQ(-1, recv(afd, &rec, sizeof(rec), 0));
	EXPECT_EQ(ENOBUFS, errno);
	close(afd);
	close(fd);
}

/*
 * A repeater whose CONNECT goes unanswered (node 3 is unreachable past
 * it) frees its circuit after setup_timeout_ms of emulated time, here
 * 100 ms. The head still waits: it sends CONNECT again 1 s after the
 * first, and only its own timeout, 10 s, fails it. Paced as the wall
 * clock (wire_pace()), so that the two are told apart in wall time.
 */
TEST_F(wire, repeater_forgets_an_unanswered_connect)
{
	struct sockaddr_qnet a = {
		.sq_family = self->family, .sq_port = PORT, .sq_node = 3,
	};
	struct qnet_nl rt;
	struct circ c;
	int fd, i;

	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 3));
	ASSERT_EQ(0, qnet_nl_open_proto(&rt, NETLINK_ROUTE));
	ASSERT_EQ(0, qnet_rtnl_link_up(&rt, "ql", false));
	qnet_nl_close(&rt);
	for (i = 0; i < 100 && link_running(&self->topo, 2, "qr"); i++)
		usleep(20000);
	ASSERT_EQ(0, link_running(&self->topo, 2, "qr"));
	usleep(300000);	/* linkwatch's notifiers (refuse_errno_out_of_range) */

	ASSERT_EQ(0, set_param("setup_timeout_ms", 100));
	ASSERT_EQ(0, wire_pace(self));
	fd = socket(self->family, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, connect(fd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(EINPROGRESS, errno);
	/* past node 2's 100 ms, before the head's resend at 1 s */
	usleep(500000);
	EXPECT_EQ(0, circuits_at(&self->topo, 2));
	ASSERT_EQ(0, circuit_at(&self->topo, 1, &c));
	EXPECT_STREQ("connecting", c.state);
	close(fd);
	ASSERT_EQ(0, set_param("setup_timeout_ms", 1000));
}

TEST_HARNESS_MAIN
