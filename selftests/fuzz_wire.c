// SPDX-License-Identifier: GPL-2.0
/*
 * A structure-aware fuzzer of the wire (issue 10: "the wire is
 * untrusted"). On a chain of three nodes
 *
 *   node 1 --qr====ql-- node 2 --qr====ql-- node 3
 *
 * it first captures the real traffic of a short request from node 1 to
 * node 3 with an AF_PACKET socket in node 2 (it sees both links, every
 * message type a repeater handles), then, while a victim connection from
 * node 1 to node 3 runs a long request, injects QNET_FUZZ_FRAMES frames
 * mutated from that corpus out of the four link ends: fields set to the
 * bounds of their ranges and beyond, circuit ids swapped with the live
 * circuit's or a dead one's, timestamps 0 and near 2^64, the header's
 * length and the frame's truncated or extended, types exchanged, random
 * bytes. Frames of a type the capture missed are built from the layouts.
 *
 * Afterwards: every socket error the victim saw was an errno (1..4095);
 * a fresh connection across the chain gets its pairs; the namespaces go
 * and the module unloads. tools/vm-run fails the run on any kernel splat
 * (and selftests/run.sh --kmemleak on any leak).
 *
 * QNET_FUZZ_FRAMES (default 20000) and QNET_FUZZ_SEED (printed) repeat a
 * run; Documentation/testing.rst, "Fuzzing".
 */
#include <arpa/inet.h>
#include <endian.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_sock.h"
#include "qnet_topo.h"
#include "qnet_fuzz.h"

#define PORT		9U
#define FRAME_MAX	128	/* bytes from the Ethernet header on */
#define CORPUS_MAX	2048
#define HLEN		(sizeof(struct ether_header) + sizeof(struct qnet_hdr))

static const struct qnet_topo_param fuzz_link[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_DIRECT,	1 },
	{ QNET_LINK_A_LENGTH_M,		2000,			4 },
	{ QNET_LINK_A_SOURCE_FID_PPM,	950000,			4 },
	{ QNET_LINK_A_DARK_RATE_HZ,	0,			4 },
	{ QNET_LINK_A_TIME_SCALE,	0,			4 },
	{ QNET_LINK_A_CUTOFF_NS,	5000000,		8 },
	{ QNET_LINK_A_SEED,		7,			8 },
	{ 0 }
};

struct frame {
	uint8_t		b[FRAME_MAX];
	unsigned int	len;
};

/* What each field is, for the mutations that know it. */
enum kind {
	K_ID,		/* node address or circuit id */
	K_ENUM,		/* a small enumeration or flag set */
	K_COUNT,	/* a number with a range (pairs, ppm, hops, port) */
	K_ERRNO,
	K_TIME,		/* emulated ns */
	K_ID64,		/* pair, entanglement or request id */
	K_EPOCH,
};

struct field {
	uint8_t		off, size, kind;
};

#define F(type, member, k) { offsetof(type, member), \
			     sizeof(((type *)0)->member), k }
#define CIRC(type) F(type, c.head_node, K_ID), F(type, c.circuit_id, K_ID), \
		   F(type, c.dir, K_ENUM)

static const struct field f_connect[] = {
	CIRC(struct qnet_msg_connect),
	F(struct qnet_msg_connect, dst_node, K_ID),
	F(struct qnet_msg_connect, src_port, K_COUNT),
	F(struct qnet_msg_connect, dst_port, K_COUNT),
	F(struct qnet_msg_connect, hops, K_COUNT),
	F(struct qnet_msg_connect, delay_ns, K_TIME),
	{ 0 }
};

static const struct field f_answer[] = {
	CIRC(struct qnet_msg_answer),
	F(struct qnet_msg_answer, error, K_ERRNO),
	F(struct qnet_msg_answer, hops, K_COUNT),
	F(struct qnet_msg_answer, delay_ns, K_TIME),
	F(struct qnet_msg_answer, epoch, K_EPOCH),
	{ 0 }
};

static const struct field f_request[] = {
	CIRC(struct qnet_msg_request),
	F(struct qnet_msg_request, request_id, K_ID64),
	F(struct qnet_msg_request, start_ns, K_TIME),
	F(struct qnet_msg_request, max_time_ns, K_TIME),
	F(struct qnet_msg_request, num_pairs, K_COUNT),
	F(struct qnet_msg_request, min_fidelity_ppm, K_COUNT),
	F(struct qnet_msg_request, priority, K_ENUM),
	F(struct qnet_msg_request, type, K_ENUM),
	F(struct qnet_msg_request, basis, K_ENUM),
	F(struct qnet_msg_request, flags, K_ENUM),
	F(struct qnet_msg_request, epoch, K_EPOCH),
	{ 0 }
};

static const struct field f_bind[] = {
	CIRC(struct qnet_msg_bind),
	F(struct qnet_msg_bind, pair_id, K_ID64),
	F(struct qnet_msg_bind, ent_id, K_ID64),
	F(struct qnet_msg_bind, epoch, K_EPOCH),
	F(struct qnet_msg_bind, bell_state, K_ENUM),
	{ 0 }
};

static const struct field f_swap[] = {
	CIRC(struct qnet_msg_swap),
	F(struct qnet_msg_swap, ent_id, K_ID64),
	F(struct qnet_msg_swap, request_id, K_ID64),
	F(struct qnet_msg_swap, epoch, K_EPOCH),
	F(struct qnet_msg_swap, error, K_ERRNO),
	F(struct qnet_msg_swap, swaps, K_COUNT),
	F(struct qnet_msg_swap, frame, K_ENUM),
	F(struct qnet_msg_swap, frame_tail, K_ENUM),
	F(struct qnet_msg_swap, cause, K_ENUM),
	{ 0 }
};

static const struct field f_purify[] = {
	CIRC(struct qnet_msg_purify),
	F(struct qnet_msg_purify, kept_id, K_ID64),
	F(struct qnet_msg_purify, measured_id, K_ID64),
	F(struct qnet_msg_purify, ok, K_ENUM),
	F(struct qnet_msg_purify, round, K_ENUM),
	F(struct qnet_msg_purify, proto, K_ENUM),
	F(struct qnet_msg_purify, cause, K_ENUM),
	{ 0 }
};

static const struct field f_pair[] = {
	F(struct qnet_msg_pair, pair_id, K_ID64),
	F(struct qnet_msg_pair, bell_state, K_ENUM),
	F(struct qnet_msg_pair, cause, K_ENUM),
	{ 0 }
};

static const struct {
	const struct field	*f;
	unsigned int		len;
} layout[__QNET_MSG_MAX] = {
	[QNET_MSG_HERALD]	= { f_pair, sizeof(struct qnet_msg_pair) },
	[QNET_MSG_EXPIRE]	= { f_pair, sizeof(struct qnet_msg_pair) },
	[QNET_MSG_CONNECT]	= { f_connect, sizeof(struct qnet_msg_connect) },
	[QNET_MSG_ACCEPT]	= { f_answer, sizeof(struct qnet_msg_answer) },
	[QNET_MSG_REFUSE]	= { f_answer, sizeof(struct qnet_msg_answer) },
	[QNET_MSG_CLOSE]	= { f_answer, sizeof(struct qnet_msg_answer) },
	[QNET_MSG_REQUEST]	= { f_request, sizeof(struct qnet_msg_request) },
	[QNET_MSG_BIND]		= { f_bind, sizeof(struct qnet_msg_bind) },
	[QNET_MSG_TRACK]	= { f_swap, sizeof(struct qnet_msg_swap) },
	[QNET_MSG_DISCARD]	= { f_swap, sizeof(struct qnet_msg_swap) },
	[QNET_MSG_DELIVER]	= { f_swap, sizeof(struct qnet_msg_swap) },
	[QNET_MSG_PURIFY]	= { f_purify, sizeof(struct qnet_msg_purify) },
};

static const char *const type_name[__QNET_MSG_MAX] = {
	[QNET_MSG_HERALD] = "HERALD", [QNET_MSG_EXPIRE] = "EXPIRE",
	[QNET_MSG_CONNECT] = "CONNECT", [QNET_MSG_ACCEPT] = "ACCEPT",
	[QNET_MSG_REFUSE] = "REFUSE", [QNET_MSG_CLOSE] = "CLOSE",
	[QNET_MSG_REQUEST] = "REQUEST", [QNET_MSG_BIND] = "BIND",
	[QNET_MSG_TRACK] = "TRACK", [QNET_MSG_DISCARD] = "DISCARD",
	[QNET_MSG_DELIVER] = "DELIVER", [QNET_MSG_PURIFY] = "PURIFY",
};

/* The live victim circuit, as node 1 (its head) shows it. */
struct live {
	uint32_t	head, id, epoch;
	bool		valid;
};

/* The victim: a connection from node 1 to node 3 asking for pairs. */
struct victim {
	struct qnet_topo	*topo;
	int			family, lfd;
	volatile int		stop;
	unsigned long		records, error_records, conns, ends;
	unsigned long		accept_fails, stalls;
	double			connect_s;
	unsigned long		bad;	/* errno out of 1..4095, or a bad size */
	int			last_bad;
	unsigned int		seen_errno[4096 / 32];
};

FIXTURE(fuzz) {
	struct qnet_topo topo;
	int family;
	int lfd;			/* listening on node 3 */
	int tx[4];			/* AF_PACKET out of each link end */
	uint8_t mac[4][ETH_ALEN];	/* the receiving end of tx[i] */
	struct frame corpus[CORPUS_MAX];
	unsigned int ncorpus;
	struct live live;
	struct victim v;
};

/* tx[i]: out of node[i]'s dev[i], to the other end of that link */
static const int tx_node[4] = { 1, 2, 2, 3 };
static const char *const tx_dev[4] = { "qr", "ql", "qr", "ql" };
static const int rx_node[4] = { 2, 1, 3, 2 };
static const char *const rx_dev[4] = { "ql", "qr", "ql", "qr" };

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

/* An AF_PACKET socket in node @i, bound to ETH_P_QNET on @dev (or all). */
static int packet_socket(struct qnet_topo *t, int i, const char *dev)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_QNET),
	};
	int fd;

	/* the name is looked up in node @i's netns */
	if (qnet_topo_enter(t, i))
		return -1;
	sll.sll_ifindex = dev ? (int)if_nametoindex(dev) : 0;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    htons(ETH_P_QNET));
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sum of a /proc/net/dev column (0 rx_packets, 3 rx_drop) over node @i. */
static unsigned long long dev_counter(struct qnet_topo *t, int i, int col)
{
	unsigned long long v[4], sum = 0;
	char line[512], name[32];
	FILE *f;

	if (qnet_topo_enter(t, i))
		return 0;
	f = fopen("/proc/net/dev", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %31[^:]: %llu %llu %llu %llu", name, &v[0],
			   &v[1], &v[2], &v[3]) == 5 && name[0] == 'q')
			sum += v[col == 0 ? 0 : 3];
	fclose(f);
	return sum;
}

/* Sum of node @i's rx_drops_* counters (/proc/net/qnet_node). */
static long long node_drops(struct qnet_topo *t, int i)
{
	char line[128], key[64];
	long long v, sum = 0;
	FILE *f;

	if (qnet_topo_enter(t, i))
		return -1;
	f = fopen("/proc/net/qnet_node", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", key, &v) == 2 &&
		    !strncmp(key, "rx_drops_", 9))
			sum += v;
	fclose(f);
	return sum;
}

/* The head's circuit on node 1, if it has one. */
static void live_refresh(struct qnet_topo *t, struct live *l)
{
	char line[256], role[8], state[16];
	unsigned int head, id, hops, epoch;
	FILE *f;

	l->valid = false;
	if (qnet_topo_enter(t, 1))
		return;
	f = fopen("/proc/net/qnet_circuit", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%x %x %7s %15s %u %u", &head, &id, role,
			   state, &hops, &epoch) == 6 && !strcmp(role, "head")) {
			l->head = head;
			l->id = id;
			l->epoch = epoch;
			l->valid = true;
		}
	fclose(f);
}

/*
 * Accept @fd's connection on listener @lfd: forged CONNECTs that named
 * the listener's port queue connections too (as forged SYNs do), which
 * are accepted and closed on the way.
 */
static int accept_for(int lfd, int fd)
{
	struct sockaddr_qnet me = qname(fd, 0), peer;
	socklen_t len;
	int afd, i;

	for (i = 0; i < 4096; i++) {
		len = sizeof(peer);
		afd = accept(lfd, SA(&peer), &len);
		if (afd < 0)
			return -1;
		if (peer.sq_node == me.sq_node && peer.sq_port == me.sq_port)
			return afd;
		close(afd);
	}
	return -1;
}

static void note_errno(struct victim *v, int err)
{
	if (err < 1 || err > 4095) {
		v->bad++;
		v->last_bad = err;
		return;
	}
	v->seen_errno[err / 32] |= 1U << (err % 32);
}

static unsigned long sock_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* A stalled victim: its socket and node 1's circuits, from its thread. */
static void show_self(int fd)
{
	static const char *const files[] = {
		"/proc/thread-self/net/qnet", "/proc/thread-self/net/qnet_circuit",
	};
	char line[256];
	unsigned int k;
	FILE *f;

	printf("# stalled victim (socket inode %lu):\n", sock_ino(fd));
	for (k = 0; k < 2; k++) {
		f = fopen(files[k], "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			printf("# stalled victim: %s", line);
		fclose(f);
	}
}

/*
 * The victim's thread: connect, ask for many pairs, read both ends until
 * the connection ends (a forged but well-formed CLOSE may end it: the
 * wire cannot tell), then again, until told to stop.
 */
static void *victim_run(void *arg)
{
	struct qnet_request req = {
		.num_pairs = 1000000, .type = QNET_REQ_MEASURE,
	};
	struct victim *v = arg;
	struct qnet_pair rec;
	int fd, afd, err;
	double t0, last;
	ssize_t n;

	while (!v->stop) {
		if (qnet_topo_enter(v->topo, 1))
			break;
		fd = qsocket(v->family);
		if (fd < 0)
			break;
		set_timeo(fd, SO_RCVTIMEO, 200);
		set_timeo(fd, SO_SNDTIMEO, 3000);
		t0 = now_s();
		err = qconnect(fd, v->family, 3, PORT);
		v->connect_s += now_s() - t0;
		if (err) {
			note_errno(v, errno);
			close(fd);
			usleep(10000);
			continue;
		}
		afd = accept_for(v->lfd, fd);
		if (afd < 0 || fcntl(afd, F_SETFL, O_NONBLOCK)) {
			v->accept_fails++;
			close(fd);
			continue;
		}
		v->conns++;
		if (send(fd, &req, sizeof(req), 0) != sizeof(req))
			note_errno(v, errno);
		last = now_s();
		while (!v->stop) {
			n = recv(fd, &rec, sizeof(rec), 0);
			if (n == sizeof(rec)) {
				last = now_s();
				v->records++;
				if (rec.error) {
					v->error_records++;
					note_errno(v, rec.error);
				}
			} else if (n < 0 && errno == EAGAIN) {
				/* nothing in 200 ms: fine while fuzzed */
				if (now_s() - last > 5 && !v->stalls++)
					show_self(fd);
			} else if (n < 0) {
				note_errno(v, errno);
				break;
			} else if (n == 0) {
				break;
			} else {
				v->bad++;
				v->last_bad = (int)n;
				break;
			}
			while ((n = recv(afd, &rec, sizeof(rec), 0)) > 0)
				if (n != sizeof(rec) ||
				    (rec.error && (rec.error < 1 ||
						   rec.error > 4095)))
					v->bad++;
			if (n < 0 && errno != EAGAIN)
				note_errno(v, errno);
		}
		v->ends++;
		close(afd);
		close(fd);
	}
	return NULL;
}

FIXTURE_SETUP(fuzz)
{
	int i;

	ASSERT_EQ(0, qnet_module_ensure());
	self->family = qnet_family();
	ASSERT_LT(0, self->family);
	ASSERT_EQ(0, qnet_topo_chain(&self->topo, 3, fuzz_link));
	ASSERT_EQ(0, qnet_topo_enter(&self->topo, 3));
	self->lfd = qsocket(self->family);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, qbind(self->lfd, self->family, 0, PORT));
	ASSERT_EQ(0, listen(self->lfd, 16));
	ASSERT_EQ(0, set_timeo(self->lfd, SO_RCVTIMEO, 3000));
	for (i = 0; i < 4; i++) {
		self->tx[i] = packet_socket(&self->topo, tx_node[i], tx_dev[i]);
		ASSERT_LE(0, self->tx[i]);
		ASSERT_EQ(0, dev_mac(&self->topo, rx_node[i], rx_dev[i],
				     self->mac[i]));
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	int i;

	for (i = 0; i < 4; i++)
		if (self->tx[i] >= 0)
			close(self->tx[i]);
	if (self->lfd >= 0)
		close(self->lfd);
	qnet_topo_destroy(&self->topo);
}

/* @n pairs measured at both ends of a fresh connection, 1 to 3. */
static int fresh_request_works(FIXTURE_DATA(fuzz) *self, unsigned int n)
{
	struct qnet_request req = {
		.num_pairs = n, .type = QNET_REQ_MEASURE,
	};
	const char *step = "socket";
	struct qnet_pair a, b;
	unsigned int i;
	int fd, afd = -1, ret = -1;

	/*
	 * Forged CONNECTs may have filled the listener's accept queue with
	 * children nobody asked for (legitimate under the threat model,
	 * Documentation/security.rst): take them off first, as a server
	 * would, or the fresh CONNECT is refused for want of room.
	 */
	{
		int flags = fcntl(self->lfd, F_GETFL), c;

		if (flags >= 0 &&
		    !fcntl(self->lfd, F_SETFL, flags | O_NONBLOCK)) {
			while ((c = accept(self->lfd, NULL, NULL)) >= 0)
				close(c);
			fcntl(self->lfd, F_SETFL, flags);
		}
	}
	if (qnet_topo_enter(&self->topo, 1))
		return -1;
	fd = qsocket(self->family);
	if (fd < 0)
		goto out;
	step = "connect";
	if (set_timeo(fd, SO_RCVTIMEO, 20000) ||
	    qconnect(fd, self->family, 3, PORT))
		goto out;
	step = "accept";
	afd = accept_for(self->lfd, fd);
	if (afd < 0 || set_timeo(afd, SO_RCVTIMEO, 20000))
		goto out;
	step = "send";
	if (send(fd, &req, sizeof(req), 0) != sizeof(req))
		goto out;
	for (i = 0; i < n; i++) {
		step = "recv head";
		if (recv(fd, &a, sizeof(a), 0) != sizeof(a))
			goto out;
		step = "recv tail";
		if (recv(afd, &b, sizeof(b), 0) != sizeof(b))
			goto out;
		step = "records";
		errno = 0;
		if (a.error || b.error || a.pair_id != b.pair_id ||
		    a.bell_state != b.bell_state) {
			printf("# head: pair %llu error %u bell %u; tail: pair %llu error %u bell %u\n",
			       (unsigned long long)a.pair_id, a.error,
			       a.bell_state, (unsigned long long)b.pair_id,
			       b.error, b.bell_state);
			goto out;
		}
	}
	ret = 0;
out:
	if (ret)
		printf("# fresh request: %s failed: %s\n", step, strerror(errno));
	if (afd >= 0)
		close(afd);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* What each node shows of its circuits and its drops, for a failure. */
static void show_nodes(struct qnet_topo *t)
{
	static const char *const files[] = {
		"/proc/net/qnet_circuit", "/proc/net/qnet_node",
	};
	char line[256];
	unsigned int k;
	FILE *f;
	int i;

	for (i = 1; i <= t->n; i++) {
		if (qnet_topo_enter(t, i))
			continue;
		for (k = 0; k < 2; k++) {
			f = fopen(files[k], "re");
			if (!f)
				continue;
			while (fgets(line, sizeof(line), f))
				printf("# node %d %s: %s", i, files[k] + 10,
				       line);
			fclose(f);
		}
	}
}

/*
 * Capture a real request's frames as every node receives them (the
 * network layer sends through the engine, not dev_queue_xmit(), so a
 * packet socket sees a node's incoming frames only); how many were kept.
 */
static unsigned int capture(FIXTURE_DATA(fuzz) *self)
{
	int cfd[3], i, ok;
	struct frame *f;
	ssize_t n;

	for (i = 0; i < 3; i++)
		cfd[i] = packet_socket(&self->topo, i + 1, NULL);
	ok = cfd[0] >= 0 && cfd[1] >= 0 && cfd[2] >= 0 &&
	     !fresh_request_works(self, 8);
	usleep(200000);		/* the CLOSE crosses the chain */
	for (i = 0; i < 3; i++) {
		while (ok && self->ncorpus < CORPUS_MAX) {
			f = &self->corpus[self->ncorpus];
			n = recv(cfd[i], f->b, sizeof(f->b), 0);
			if (n < 0)
				break;
			if ((size_t)n < HLEN)
				continue;
			f->len = n;
			self->ncorpus++;
		}
		if (cfd[i] >= 0)
			close(cfd[i]);
	}
	return self->ncorpus;
}

static struct qnet_hdr *hdr_of(struct frame *f)
{
	return (struct qnet_hdr *)(f->b + sizeof(struct ether_header));
}

/* Add a zeroed frame of @type to the corpus, from @tmpl's header. */
static void synthesize(FIXTURE_DATA(fuzz) *self, uint8_t type,
		       const struct frame *tmpl)
{
	struct frame *f = &self->corpus[self->ncorpus++];
	struct qnet_msg_circuit *c;
	struct qnet_hdr *h;

	memcpy(f->b, tmpl->b, HLEN);
	memset(f->b + HLEN, 0, sizeof(f->b) - HLEN);
	h = hdr_of(f);
	h->type = type;
	h->len = htons(layout[type].len);
	f->len = HLEN + layout[type].len;
	if (type >= QNET_MSG_CONNECT) {
		c = (void *)(f->b + HLEN);
		c->head_node = htonl(1);
		c->circuit_id = htonl(1);
		c->dir = type == QNET_MSG_REFUSE ? QNET_DIR_UP : QNET_DIR_DOWN;
	}
	if (type == QNET_MSG_PURIFY)
		((struct qnet_msg_purify *)(f->b + HLEN))->round = 1;
	if (type == QNET_MSG_EXPIRE)
		((struct qnet_msg_pair *)(f->b + HLEN))->cause = 1;
}

static uint64_t get_be(const uint8_t *p, unsigned int size)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be(uint8_t *p, unsigned int size, uint64_t v)
{
	int i;

	for (i = size - 1; i >= 0; i--) {
		p[i] = v & 0xff;
		v >>= 8;
	}
}

/* A value at or beyond the bounds of a field of @size bytes and @kind. */
static uint64_t edge(unsigned int size, unsigned int kind, uint64_t cur)
{
	static const uint64_t u8s[] = { 0, 1, 2, 3, 4, 5, 7, 8, 63, 64, 65,
					127, 128, 254, 255 };
	static const uint64_t u16s[] = { 0, 1, 9, 0x7fff, 0x8000, 0xfffe,
					 0xffff };
	static const uint64_t u32s[] = { 0, 1, 2, 3, 64, 65, 1000000,
					 1000001, 0x7fffffff, 0x80000000,
					 0xfffffffe, 0xffffffff };
	static const uint64_t errs[] = { 0, 1, 5, 110, 4095, 4096, 70000,
					 0x80000000, 0xffffffff };
	static const uint64_t u64s[] = { 0, 1, 0x7fffffffffffffffULL,
					 0x8000000000000000ULL,
					 0xfffffffffffffc18ULL,
					 0xffffffffffffffffULL };

	if (kind == K_ERRNO)
		return errs[fuzz_below(sizeof(errs) / sizeof(errs[0]))];
	if (kind == K_EPOCH && fuzz_chance(50))
		return cur + fuzz_below(5) - 2;
	if (kind == K_TIME && fuzz_chance(30))
		return cur + ((uint64_t)1 << fuzz_below(64));
	switch (size) {
	case 1:
		return u8s[fuzz_below(sizeof(u8s) / sizeof(u8s[0]))];
	case 2:
		return u16s[fuzz_below(sizeof(u16s) / sizeof(u16s[0]))];
	case 4:
		return u32s[fuzz_below(sizeof(u32s) / sizeof(u32s[0]))];
	default:
		return u64s[fuzz_below(sizeof(u64s) / sizeof(u64s[0]))];
	}
}

/* Mutation counts, by kind, for the summary. */
enum { M_EDGE, M_DELTA, M_IDS, M_TIME, M_LEN, M_TYPE, M_BYTES, M_HDR,
       M_REPLAY, M__MAX };
static const char *const m_name[M__MAX] = {
	"field-edge", "field-delta", "ids-swapped", "timestamp", "length",
	"type", "random-bytes", "header", "replay-live",
};

/*
 * One mutation of @f (whose payload is laid out as @type says). @other is
 * another corpus frame, for swapping ids between circuits.
 */
static unsigned int mutate(struct frame *f, const struct frame *other,
			   const struct live *l)
{
	struct qnet_hdr *h = hdr_of(f);
	uint8_t type = h->type;
	const struct field *fl = type < __QNET_MSG_MAX ? layout[type].f : NULL;
	unsigned int nf = 0, r = fuzz_below(100), i, m;
	uint8_t *p = f->b + HLEN;
	const struct field *x;
	uint64_t v;

	while (fl && fl[nf].size)
		nf++;
	if (r < 28 && nf) {
		m = M_EDGE;
		x = &fl[fuzz_below(nf)];
		v = get_be(p + x->off, x->size);
		put_be(p + x->off, x->size, edge(x->size, x->kind, v));
	} else if (r < 40 && nf) {
		m = M_DELTA;
		x = &fl[fuzz_below(nf)];
		v = get_be(p + x->off, x->size);
		put_be(p + x->off, x->size, v + fuzz_below(7) - 3);
	} else if (r < 58 && type >= QNET_MSG_CONNECT) {
		m = M_IDS;
		/* the live circuit's ids, a dead one's, or any */
		if (l->valid && fuzz_chance(70)) {
			put_be(p, 4, l->head);
			put_be(p + 4, 4, l->id);
			for (i = 0; fl && i < nf; i++)
				if (fl[i].kind == K_EPOCH)
					put_be(p + fl[i].off, 4,
					       l->epoch + fuzz_below(3) - 1);
		} else if (fuzz_chance(50)) {
			memcpy(p, other->b + HLEN, 8);
		} else {
			put_be(p + 4 * fuzz_below(2), 4, fuzz_rand());
		}
	} else if (r < 68) {
		m = M_TIME;
		v = be64toh(h->time_ns);
		switch (fuzz_below(5)) {
		case 0: v = 0; break;
		case 1: v = UINT64_MAX - fuzz_below(1000); break;
		case 2: v = 1ULL << 63; break;
		case 3: v += (uint64_t)1 << fuzz_below(64); break;
		default: v -= fuzz_below(1000000); break;
		}
		h->time_ns = htobe64(v);
	} else if (r < 78) {
		m = M_LEN;
		switch (fuzz_below(4)) {
		case 0:		/* truncated on the wire */
			f->len = HLEN + fuzz_below(f->len - HLEN + 1);
			if (f->len < sizeof(struct ether_header) + 2)
				f->len = sizeof(struct ether_header) + 2;
			break;
		case 1:		/* extended with bytes after the payload */
			v = fuzz_below(FRAME_MAX - f->len + 1);
			for (i = 0; i < v; i++)
				f->b[f->len + i] = fuzz_rand();
			f->len += v;
			break;
		case 2:		/* the header's length lies */
			h->len = htons(edge(2, K_COUNT, 0));
			break;
		default:	/* consistently longer or shorter */
			v = fuzz_below(FRAME_MAX - HLEN + 1);
			if (v > f->len - HLEN)
				memset(f->b + f->len, 0, v - (f->len - HLEN));
			f->len = HLEN + v;
			h->len = htons(v);
			break;
		}
	} else if (r < 84) {
		m = M_TYPE;
		h->type = fuzz_chance(70) ? 16 + fuzz_below(10) :
					    fuzz_below(256);
	} else if (r < 94) {
		m = M_BYTES;
		v = 1 + fuzz_below(4);
		for (i = 0; i < v; i++) {
			unsigned int at = sizeof(struct ether_header) +
				fuzz_below(f->len - sizeof(struct ether_header));

			if (fuzz_chance(50))
				f->b[at] ^= 1 << fuzz_below(8);
			else
				f->b[at] = fuzz_rand();
		}
	} else {
		m = M_HDR;
		switch (fuzz_below(3)) {
		case 0: h->version = fuzz_below(4); break;
		case 1: h->src_node = htonl(edge(4, K_ID, 0)); break;
		default: h->src_node = htonl(fuzz_below(5)); break;
		}
	}
	return m;
}

static int module_unload_wait(void);

TEST_F_TIMEOUT(fuzz, wire, 86400)
{
	unsigned long long frames = fuzz_env("QNET_FUZZ_FRAMES", 20000);
	unsigned long long sent = 0, enobufs = 0, i;
	unsigned long long mcount[M__MAX] = { 0 }, tcount[256] = { 0 };
	unsigned long long rx0 = 0, rx1 = 0, drop0 = 0, drop1 = 0;
	long long nd0 = 0, nd1 = 0;
	bool have[__QNET_MSG_MAX] = { false };
	unsigned int ncap, t, k, e, nlive = 0;
	struct frame f, *src;
	pthread_t thr;
	double t0, dt;
	int node, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* a forged CLOSE may end the victim's connection under its send() */
	signal(SIGPIPE, SIG_IGN);
	fuzz_seed();
	ncap = capture(self);
	ASSERT_LT(0U, ncap);
	for (k = 0; k < self->ncorpus; k++) {
		t = hdr_of(&self->corpus[k])->type;
		if (t < __QNET_MSG_MAX)
			have[t] = true;
	}
	/* the request's own traffic: set up, request, pairs, verdicts */
	EXPECT_TRUE(have[QNET_MSG_CONNECT]);
	EXPECT_TRUE(have[QNET_MSG_ACCEPT]);
	EXPECT_TRUE(have[QNET_MSG_REQUEST]);
	EXPECT_TRUE(have[QNET_MSG_HERALD]);
	EXPECT_TRUE(have[QNET_MSG_BIND]);
	EXPECT_TRUE(have[QNET_MSG_TRACK]);
	EXPECT_TRUE(have[QNET_MSG_DELIVER]);
	EXPECT_TRUE(have[QNET_MSG_CLOSE]);
	printf("# captured %u frames:", ncap);
	for (t = 0; t < __QNET_MSG_MAX; t++) {
		if (!type_name[t])
			continue;
		for (e = 0, k = 0; k < ncap; k++)
			e += hdr_of(&self->corpus[k])->type == t;
		printf(" %s %u", type_name[t], e);
		if (!have[t] && self->ncorpus < CORPUS_MAX)
			synthesize(self, t, &self->corpus[0]);
	}
	printf("\n# corpus: %u frames (%u built for the types not seen)\n",
	       self->ncorpus, self->ncorpus - ncap);

	/* the victim, then the frames */
	self->v = (struct victim){
		.topo = &self->topo, .family = self->family, .lfd = self->lfd,
	};
	ASSERT_EQ(0, pthread_create(&thr, NULL, victim_run, &self->v));
	for (node = 1; node <= 3; node++) {
		rx0 += dev_counter(&self->topo, node, 0);
		drop0 += dev_counter(&self->topo, node, 3);
		nd0 += node_drops(&self->topo, node);
	}
	usleep(300000);
	t0 = now_s();
	for (i = 0; i < frames; i++) {
		if (!(i % 1024)) {
			live_refresh(&self->topo, &self->live);
			nlive += self->live.valid;
		}
		src = &self->corpus[fuzz_below(self->ncorpus)];
		f = *src;
		if (fuzz_chance(8) && self->live.valid &&
		    hdr_of(&f)->type >= QNET_MSG_CONNECT) {
			/* well-formed, for the live circuit, out of turn */
			mcount[M_REPLAY]++;
			put_be(f.b + HLEN, 4, self->live.head);
			put_be(f.b + HLEN + 4, 4, self->live.id);
		} else {
			for (k = 1 + fuzz_below(3); k; k--)
				mcount[mutate(&f, &self->corpus[fuzz_below(
					self->ncorpus)], &self->live)]++;
		}
		k = fuzz_below(4);
		memcpy(f.b, self->mac[k], ETH_ALEN);
		tcount[hdr_of(&f)->type]++;
		/* the qdisc drops when full (ENOBUFS): send again */
		for (e = 0; e < 10000; e++) {
			ret = send(self->tx[k], f.b, f.len, 0);
			if (ret >= 0 || (errno != ENOBUFS && errno != EAGAIN))
				break;
			enobufs++;
			usleep(50);
		}
		ASSERT_EQ((int)f.len, ret) TH_LOG("send: %s", strerror(errno));
		sent++;
		/* let the receivers' backlogs drain now and then */
		if (!(i % 256))
			sched_yield();
	}
	dt = now_s() - t0;
	usleep(300000);
	self->v.stop = 1;
	pthread_join(thr, NULL);
	for (node = 1; node <= 3; node++) {
		rx1 += dev_counter(&self->topo, node, 0);
		drop1 += dev_counter(&self->topo, node, 3);
		nd1 += node_drops(&self->topo, node);
	}

	printf("# %llu frames sent in %.1f s (%.0f/s), %llu sent again after ENOBUFS\n",
	       sent, dt, sent / dt, enobufs);
	printf("# receivers (with the links' own traffic): %llu frames received, %llu dropped by the link layer, %lld by the network layer\n",
	       rx1 - rx0, drop1 - drop0, nd1 - nd0);
	printf("# the victim's circuit was live at %u of %llu looks\n", nlive,
	       (frames + 1023) / 1024);
	printf("# mutations:");
	for (k = 0; k < M__MAX; k++)
		printf(" %s %llu", m_name[k], mcount[k]);
	printf("\n# types sent:");
	for (t = 0; t < 256; t++)
		if (tcount[t])
			printf(" %u:%llu", t, tcount[t]);
	printf("\n# victim: %lu connections (%.1f s in connect(), %lu not found by accept(), %lu stalls > 5 s), %lu ended, %lu records (%lu errors); errnos seen:",
	       self->v.conns, self->v.connect_s, self->v.accept_fails,
	       self->v.stalls,
	       self->v.ends, self->v.records, self->v.error_records);
	for (e = 1; e < 4096; e++)
		if (self->v.seen_errno[e / 32] & (1U << (e % 32)))
			printf(" %u", e);
	printf("\n");
	EXPECT_EQ(frames, sent);
	EXPECT_EQ(0UL, self->v.bad) TH_LOG("last bad errno/size %d", self->v.last_bad);
	EXPECT_LT(0UL, self->v.conns);

	/* the chain still works */
	usleep(500000);
	ret = fresh_request_works(self, 5);
	EXPECT_EQ(0, ret);
	if (ret)
		show_nodes(&self->topo);

	/* with every namespace gone, the module unloads */
	for (k = 0; k < 4; k++) {
		close(self->tx[k]);
		self->tx[k] = -1;
	}
	close(self->lfd);
	self->lfd = -1;
	qnet_topo_destroy(&self->topo);
	ASSERT_EQ(0, module_unload_wait());
}

/* Unload the module, waiting for the namespaces' cleanup; 0 or -errno. */
static int module_unload_wait(void)
{
	int i, err = -EBUSY;

	/* namespaces are torn down by a workqueue after their last fd */
	for (i = 0; i < 600 && err; i++) {
		err = qnet_module_unload();
		if (err == -ENOENT)
			err = 0;	/* not loaded */
		else if (err)
			usleep(100000);
	}
	return err;
}

TEST_HARNESS_MAIN
