// SPDX-License-Identifier: GPL-2.0
/*
 * An unprivileged attacker changes nothing outside its own namespaces
 * (Documentation/security.rst).
 *
 *   attacker: user "nobody" in a user + network namespace of its own
 *             (unshare -Urn), node 1 there, one qlink pair a0 <-> a1
 *             in it, AF_PACKET on a0 writing to a1:
 *
 *               [ node 1: a0 ===== a1 ]    (its own emulation domain)
 *
 *   victim:   root's chain, namespaces of its own, a domain of its own:
 *
 *               node 1 --qr====ql-- node 2 --qr====ql-- node 3
 *
 * While the victim runs a fixed-seed request again and again, the
 * attacker writes: BINDs naming every pair id the victim's runs use
 * (pair ids are global and sequential: it can guess them), 100,000
 * CONNECTs (routed, refused, accepted by its own listener), REQUESTs with
 * every field out of range, headers timed at 0 and near 2^64, REFUSE and
 * CLOSE with errno 0, 5 and 70000, bad Bell states and Pauli frames,
 * truncated and oversized frames. Then:
 *
 * - every victim run's records give the digest of the run without the
 *   attack (every field the physics and the clock decide; pair ids are
 *   left out, as the module's one counter numbers the attacker's too);
 * - the attacker saw only clean errors: every failing system call an
 *   errno 1 .. 4095, every record's error too;
 * - the kernel's slab memory returns to within ATTACK_SLAB_SLACK of what
 *   it was before, once the attacker's namespaces are gone;
 * - the kernel log stays clean (the VM runner fails on any splat).
 */
#include <arpa/inet.h>
#include <grp.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "qnet_util.h"
#include "qnet_sock.h"
#include "qnet_chain.h"

#define VICTIM_PORT	9
#define VICTIM_PAIRS	100
#define ATTACK_CONNECTS	100000
/* pair ids swept past the victim's latest, per sweep */
#define ATTACK_SWEEP	4096
/* slab memory back to within this of the baseline (kB) */
#define ATTACK_SLAB_SLACK	(8 * 1024)

static const struct qnet_topo_param victim_link[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_SINGLE_CLICK, 1 },
	{ QNET_LINK_A_LENGTH_M,		25000,			4 },
	{ QNET_LINK_A_T2_NS,		100000000,		8 },
	{ QNET_LINK_A_TIME_SCALE,	0,			4 },
	{ QNET_LINK_A_SEED,		11,			8 },
	{ 0 }
};

/*
 * A link whose BINDs are long on the way: 1,000 km of lossless fiber (5
 * ms), paced 200 times slower than real time, so that a far half waits
 * in the kernel about a second of wall time for its BIND to arrive.
 */
static const struct qnet_topo_param slow_link[] = {
	{ QNET_LINK_A_SCHEME,		QNET_SCHEME_DIRECT,	1 },
	{ QNET_LINK_A_LENGTH_M,		1000000,		4 },
	{ QNET_LINK_A_ATTEN_MDB_KM,	0,			4 },
	{ QNET_LINK_A_DARK_RATE_HZ,	0,			4 },
	{ QNET_LINK_A_TIME_SCALE,	200000,			4 },
	{ QNET_LINK_A_SEED,		11,			8 },
	{ 0 }
};

#define SLOW_PAIRS	3

static const struct qnet_request victim_req = {
	.num_pairs = VICTIM_PAIRS,
	.type = QNET_REQ_MEASURE,
	.basis = QNET_BASIS_Z,
};

/* FNV-1a over what the physics and the clock decide (engine_test.c). */
static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV(h, v)	((h) = fnv((h), &(v), sizeof(v)))

/*
 * Times relative to the first pair's creation: the request starts at the
 * head's clock when send() runs, and a CONNECT the head's socket sends
 * again on its wall-clock timer (1 s) when the guest is slow, answered
 * again, can move that clock before it: a load effect, not the
 * attacker's reach (Documentation/security.rst, "Tests").
 */
static uint64_t digest(const struct qnet_pair *r, int n)
{
	uint64_t h = 0xcbf29ce484222325ULL, v;
	int i;

	for (i = 0; i < n; i++) {
		v = r[i].create_ns - r[0].create_ns;
		FNV(h, v);
		v = r[i].deliver_ns - r[0].create_ns;
		FNV(h, v);
		FNV(h, r[i].fidelity_ppm);
		FNV(h, r[i].qubit);
		FNV(h, r[i].error);
		FNV(h, r[i].bell_state);
		FNV(h, r[i].hops);
		FNV(h, r[i].swaps);
		FNV(h, r[i].purifications);
		FNV(h, r[i].basis);
		FNV(h, r[i].outcome);
	}
	return h;
}

/* What the attacker and the victim share (MAP_SHARED). */
struct attack_shared {
	volatile uint64_t	latest_id;	/* victim's last pair id */
	volatile int		stop;		/* victim: give up sweeping */
	volatile int		sweeping;	/* attacker: sweeping from now */
	/* attacker's report */
	long long		foreign;	/* its rx_drops_foreign */
	long long		limit;
	unsigned long long	frames;		/* frames written */
	int			bad_errno;	/* first unclean errno seen */
	char			step[64];	/* where it failed, if it did */
};

/* One victim run on a fresh chain: the digests of head and tail. */
static uint64_t victim_start;	/* the last run's first creation */

static int victim_run(uint64_t *head_d, uint64_t *tail_d, uint64_t *last_id,
		      char *why, size_t len)
{
	static struct qnet_pair head[VICTIM_PAIRS];
	struct qnet_pair *tail = qnet_chain_shared(VICTIM_PAIRS);
	struct qnet_topo t = {};
	int err;

	if (!tail)
		return snprintf(why, len, "mmap"), -1;
	err = qnet_topo_chain(&t, 3, victim_link);
	if (err) {
		snprintf(why, len, "chain: %s", strerror(-err));
		munmap(tail, VICTIM_PAIRS * sizeof(*tail));
		return -1;
	}
	err = qnet_chain_request(&t, qnet_family(), VICTIM_PORT, &victim_req,
				 head, tail, VICTIM_PAIRS, why, len);
	qnet_topo_destroy(&t);
	if (!err) {
		*head_d = digest(head, VICTIM_PAIRS);
		*tail_d = digest(tail, VICTIM_PAIRS);
		*last_id = head[VICTIM_PAIRS - 1].pair_id;
		victim_start = head[0].create_ns;
	}
	munmap(tail, VICTIM_PAIRS * sizeof(*tail));
	return err;
}

/* "Slab:" of /proc/meminfo, kB. */
static long long slab_kb(void)
{
	char line[128];
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lld kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* ---- the attacker: a child process, nobody in namespaces of its own ---- */

struct attacker {
	struct attack_shared	*sh;
	int			pfd;	/* AF_PACKET on a0 */
	int			family;
	uint8_t			src[ETH_ALEN], dst[ETH_ALEN];
};

static bool errno_clean(int e)
{
	return e > 0 && e <= 4095;
}

static void note_errno(struct attacker *a, const char *step)
{
	if (!errno_clean(errno) && !a->sh->bad_errno) {
		a->sh->bad_errno = errno ? errno : -1;
		snprintf(a->sh->step, sizeof(a->sh->step), "%s", step);
	}
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

static int mac_of(const char *dev, uint8_t *mac)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ret = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (!ret)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	return ret;
}

/*
 * Write one frame on a0: header @type, @hlen in the header's length
 * field, @len payload bytes sent, emulated send time @t.
 */
static void frame(struct attacker *a, uint8_t type, const void *p,
		  size_t len, size_t hlen, uint64_t t)
{
	struct {
		struct ether_header	eth;
		struct qnet_hdr		hdr;
		uint8_t			payload[1400];
	} __attribute__((packed)) f;
	int tries;

	memset(&f, 0, sizeof(f));
	memcpy(f.eth.ether_dhost, a->dst, ETH_ALEN);
	memcpy(f.eth.ether_shost, a->src, ETH_ALEN);
	f.eth.ether_type = htons(ETH_P_QNET);
	f.hdr.version = QNET_WIRE_VERSION;
	f.hdr.type = type;
	f.hdr.len = htons(hlen);
	f.hdr.src_node = htonl(2);
	f.hdr.time_ns = htobe64(t);
	if (len > sizeof(f.payload))
		len = sizeof(f.payload);
	if (p)
		memcpy(f.payload, p, len);
	for (tries = 0; tries < 100; tries++) {
		if (send(a->pfd, &f, sizeof(f.eth) + sizeof(f.hdr) + len, 0) >= 0)
			break;
		if (errno != ENOBUFS && errno != EAGAIN) {
			note_errno(a, "send");
			break;
		}
		usleep(1000);	/* the receiver's backlog is full */
	}
	a->sh->frames++;
}

static void msg(struct attacker *a, uint8_t type, const void *p, size_t len)
{
	frame(a, type, p, len, len, 0);
}

static void circ(struct qnet_msg_circuit *c, uint32_t head, uint32_t id,
		 uint8_t dir)
{
	c->head_node = htonl(head);
	c->circuit_id = htonl(id);
	c->dir = dir;
}

/*
 * BINDs naming the victim's pair ids, through no circuit (which used to
 * free any namespace's half) and through a circuit of the attacker's own
 * (which used to take it), with every Bell state.
 */
static void sweep_binds(struct attacker *a, uint32_t head, uint32_t id)
{
	uint64_t base = a->sh->latest_id, i;
	struct qnet_msg_bind b = { 0 };

	for (i = 0; i < ATTACK_SWEEP; i++) {
		circ(&b.c, i & 1 ? head : 99, i & 1 ? id : 99, QNET_DIR_DOWN);
		b.ent_id = htobe64(base + i);
		b.pair_id = htobe64(i);
		b.bell_state = i & 3;
		msg(a, QNET_MSG_BIND, &b, sizeof(b));
	}
}

/* A CONNECT from "node @head" to @dst:@port, as if from a neighbour. */
static void connect_msg(struct attacker *a, uint32_t head, uint32_t id,
			uint32_t dst, uint16_t port, uint8_t hops)
{
	struct qnet_msg_connect m = { 0 };

	circ(&m.c, head, id, QNET_DIR_DOWN);
	m.dst_node = htonl(dst);
	m.src_port = htons(7);
	m.dst_port = htons(port);
	m.hops = htons(hops);
	m.delay_ns = htobe64(10000);
	msg(a, QNET_MSG_CONNECT, &m, sizeof(m));
}

static void bad_requests(struct attacker *a, uint32_t head, uint32_t id)
{
	static const struct { uint32_t pairs, fid; uint8_t prio, type, basis,
			      flags; uint64_t max_time; } bad[] = {
		{ 0, 0, 0, 0, 0, 0, 0 },
		{ 0xffffffffU, 0, 0, 0, 0, 0, 0 },
		{ 0xffffffffU, 0, 0, 0, 0, QNET_REQ_F_ATOMIC, 0 },
		{ 1, 1000001, 0, 0, 0, 0, 0 },
		{ 1, 0, 8, 0, 0, 0, 0 },
		{ 1, 0, 0, 200, 0, 0, 0 },
		{ 1, 0, 0, 0, 200, 0, 0 },
		{ 1, 0, 0, 0, 0, 0x80, 0 },
		{ 1, 0xffffffffU, 0xff, 0xff, 0xff, 0xff, ~0ULL },
	};
	struct qnet_msg_request r;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&r, 0, sizeof(r));
		circ(&r.c, head, id, QNET_DIR_DOWN);
		r.request_id = htobe64(i + 1);
		r.start_ns = htobe64(~0ULL - i);
		r.max_time_ns = htobe64(bad[i].max_time);
		r.num_pairs = htonl(bad[i].pairs);
		r.min_fidelity_ppm = htonl(bad[i].fid);
		r.priority = bad[i].prio;
		r.type = bad[i].type;
		r.basis = bad[i].basis;
		r.flags = bad[i].flags;
		r.epoch = htonl(0xffffffffU - i);
		msg(a, QNET_MSG_REQUEST, &r, sizeof(r));
	}
}

static void bad_answers(struct attacker *a, uint32_t head, uint32_t id)
{
	static const uint32_t errs[] = { 0, 70000, 0xffffffffU, 5 };
	struct qnet_msg_answer m;
	unsigned int i, dir;

	for (dir = QNET_DIR_DOWN; dir <= QNET_DIR_UP; dir++) {
		for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
			memset(&m, 0, sizeof(m));
			circ(&m.c, head, id + i, dir);
			m.error = htonl(errs[i]);
			m.hops = htons(i ? 0 : 255);
			msg(a, QNET_MSG_REFUSE, &m, sizeof(m));
			msg(a, QNET_MSG_CLOSE, &m, sizeof(m));
			msg(a, QNET_MSG_ACCEPT, &m, sizeof(m));
		}
	}
}

static void bad_physics(struct attacker *a, uint32_t head, uint32_t id)
{
	struct qnet_msg_purify p;
	struct qnet_msg_swap s;
	struct qnet_msg_bind b;
	unsigned int v;

	for (v = 0; v < 256; v += 3) {
		memset(&b, 0, sizeof(b));
		circ(&b.c, head, id, QNET_DIR_DOWN);
		b.ent_id = htobe64(v);
		b.bell_state = v;
		b.epoch = htonl(v);
		msg(a, QNET_MSG_BIND, &b, sizeof(b));

		memset(&s, 0, sizeof(s));
		circ(&s.c, head, id, v & 1 ? QNET_DIR_UP : QNET_DIR_DOWN);
		s.swaps = htons(v * 5);
		s.frame = v;
		s.frame_tail = v >> 1;
		s.cause = v;
		s.error = htonl(v * 1000);
		s.epoch = htonl(v & 1 ? 0 : 0xffffffffU - v);
		msg(a, QNET_MSG_TRACK, &s, sizeof(s));
		msg(a, QNET_MSG_DISCARD, &s, sizeof(s));
		msg(a, QNET_MSG_DELIVER, &s, sizeof(s));

		memset(&p, 0, sizeof(p));
		circ(&p.c, head, id, QNET_DIR_DOWN);
		p.kept_id = htobe64(v);
		p.measured_id = htobe64(~0ULL - v);
		p.ok = v;
		p.round = v;
		p.proto = v;
		p.cause = v;
		msg(a, QNET_MSG_PURIFY, &p, sizeof(p));
	}
}

/* Headers timed at 0 and near 2^64; truncated and oversized frames. */
static void bad_frames(struct attacker *a, uint32_t head, uint32_t id)
{
	static const uint64_t times[] = { 0, 1, ~0ULL, ~0ULL - 1,
					  1ULL << 63 };
	uint8_t junk[1400];
	struct qnet_msg_swap s = { 0 };
	unsigned int i, type;

	circ(&s.c, head, id, QNET_DIR_DOWN);
	s.swaps = htons(1);
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		frame(a, QNET_MSG_TRACK, &s, sizeof(s), sizeof(s), times[i]);
		frame(a, QNET_MSG_HERALD, &s, 9, 9, times[i]);
		connect_msg(a, head, id, 1, 1, 1);
	}
	memset(junk, 0xa5, sizeof(junk));
	for (type = 0; type < 256; type++) {
		/* truncated: shorter than its type, or than its header says */
		frame(a, type, junk, type % 24, type % 24, 0);
		frame(a, type, junk, 8, 64, 0);
		/* oversized: longer than its type, and than the header says */
		frame(a, type, junk, sizeof(junk), 600, 0);
		frame(a, type, junk, sizeof(junk), 0xffff, ~0ULL);
	}
}

/* Read what the attacker's own listener accepted: clean errors only. */
static void drain(struct attacker *a, int lfd)
{
	struct qnet_pair rec;
	int c, n;

	while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		for (n = 0; n < 8; n++) {
			ssize_t got = recv(c, &rec, sizeof(rec), 0);

			if (got < 0) {
				if (errno != EAGAIN)
					note_errno(a, "recv");
				break;
			}
			if (got == 0)
				break;
			if (rec.error && !errno_clean(rec.error)) {
				errno = 0;
				note_errno(a, "record");
			}
		}
		close(c);
	}
	if (errno != EAGAIN)
		note_errno(a, "accept");
}

static long long own_stat(const char *name)
{
	char line[128], key[64];
	long long v, ret = -1;
	FILE *f = fopen("/proc/net/qnet_node", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", key, &v) == 2 && !strcmp(key, name))
			ret = v;
	fclose(f);
	return ret;
}

static int attacker_main(struct attack_shared *sh, int family,
			 unsigned int connects)
{
	struct sockaddr_qnet qa = { .sq_family = family, .sq_port = 9 };
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_QNET),
	};
	struct attacker a = { .sh = sh, .family = family };
	struct qnet_nl rt, q;
	uint32_t i;
	int lfd, s;
	char map[32];

	/* nobody, then root of a user and network namespace of its own */
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return 10;
	/* setresuid() made us undumpable: the id maps in /proc are root's */
	if (prctl(PR_SET_DUMPABLE, 1) ||
	    unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return 11;
	snprintf(map, sizeof(map), "0 65534 1");
	if (write_file("/proc/self/setgroups", "deny") ||
	    write_file("/proc/self/uid_map", map) ||
	    write_file("/proc/self/gid_map", map))
		return 12;

	if (qnet_nl_open_proto(&rt, NETLINK_ROUTE) ||
	    qnet_rtnl_qlink_add(&rt, "a0", "a1", -1) ||
	    qnet_rtnl_link_up(&rt, "a0", true) ||
	    qnet_rtnl_link_up(&rt, "a1", true))
		return 13;
	qnet_nl_close(&rt);
	if (qnet_topo_wait_running("a0") || qnet_topo_wait_running("a1"))
		return 14;
	/* node 1, node 2 "behind" a0: what it writes comes back on a1 */
	if (qnet_nl_open(&q) || qnet_nl_node_set(&q, 1) ||
	    qnet_topo_route_add(&q, 2, "a0"))
		return 15;
	qnet_nl_close(&q);
	if (mac_of("a0", a.src) || mac_of("a1", a.dst))
		return 16;
	a.pfd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_QNET));
	sll.sll_ifindex = if_nametoindex("a0");
	if (a.pfd < 0 || bind(a.pfd, (struct sockaddr *)&sll, sizeof(sll)))
		return 17;
	lfd = socket(family, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&qa, sizeof(qa)) ||
	    listen(lfd, 16))
		return 18;

	/* a circuit of its own (accepted by its listener) to aim at */
	connect_msg(&a, 7, 1, 1, 9, 1);

	for (i = 0; i < connects; i++) {
		/* accepted (up to the backlog), routed on (and round), refused */
		connect_msg(&a, 1000 + i % 5, i + 2, i % 3 ? 2 + i % 3 : 1, 9,
			    1 + i % 70);
		if (i % 10000 == 0) {
			sweep_binds(&a, 7, 1);
			bad_requests(&a, 7, 1);
			bad_answers(&a, 7, 100 + i);
			bad_physics(&a, 7, 1);
			drain(&a, lfd);
		}
	}
	bad_frames(&a, 7, 1);
	/* sweep on while the victim runs */
	sh->sweeping = 1;
	while (!sh->stop) {
		sweep_binds(&a, 7, 1);
		drain(&a, lfd);
	}
	/* a socket of its own, connecting round its loop: a clean error */
	s = socket(family, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 19;
	qa.sq_node = 2;
	set_timeo(s, SO_SNDTIMEO, 3000);
	if (connect(s, (struct sockaddr *)&qa, sizeof(qa)))
		note_errno(&a, "connect");
	close(s);
	drain(&a, lfd);
	sh->foreign = own_stat("rx_drops_foreign");
	sh->limit = own_stat("rx_drops_limit");
	return 0;
}

/* ---- the tests ---- */

FIXTURE(attack) {
	int unused;
};

FIXTURE_SETUP(attack)
{
}

FIXTURE_TEARDOWN(attack)
{
}

TEST_F_TIMEOUT(attack, unprivileged_attack_changes_nothing_outside, 600)
{
	uint64_t base_head, base_tail, head_d, tail_d, last_id, base_start;
	struct attack_shared *sh;
	long long slab0, slab1 = -1;
	int status, runs = 0, family, i;
	bool reaped = false;
	char why[256] = "";
	pid_t pid;

	ASSERT_EQ(0, qnet_module_ensure());
	family = qnet_family();
	ASSERT_LT(0, family);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));

	/* the baseline: the victim's run with nobody else about */
	ASSERT_EQ(0, victim_run(&base_head, &base_tail, &last_id, why,
				sizeof(why))) TH_LOG("%s", why);
	/*
	 * Pair ids count per emulation domain, from 1 (Documentation/
	 * sockets.rst), and every victim run is a fresh network: its ids
	 * are 1 up to about last_id, every time. Sweep from 1.
	 */
	sh->latest_id = 1;
	base_start = victim_start;
	sleep(1);	/* the baseline's namespaces go */
	slab0 = slab_kb();
	ASSERT_LT(0, slab0);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(attacker_main(sh, family, ATTACK_CONNECTS));

	/* the victim runs until the attacker has done all but sweeping */
	do {
		ASSERT_EQ(0, victim_run(&head_d, &tail_d, &last_id, why,
					sizeof(why))) TH_LOG("run %d: %s", runs, why);
		EXPECT_EQ(base_head, head_d) TH_LOG("run %d: head", runs);
		EXPECT_EQ(base_tail, tail_d) TH_LOG("run %d: tail", runs);
		if (victim_start != base_start)
			TH_LOG("run %d: first pair at %llu ns, not %llu ns",
			       runs, (unsigned long long)victim_start,
			       (unsigned long long)base_start);
		runs++;
		reaped = waitpid(pid, &status, WNOHANG) == pid;
	} while (!reaped && runs < 40 &&
		 (runs < 2 || sh->frames < ATTACK_CONNECTS));
	sh->stop = 1;
	if (!reaped)
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	TH_LOG("%d victim runs; attacker wrote %llu frames, %lld foreign BINDs, %lld over a bound",
	       runs, sh->frames, sh->foreign, sh->limit);
	EXPECT_EQ(0, sh->bad_errno) TH_LOG("attacker saw errno %d at %s",
					  sh->bad_errno, sh->step);
	EXPECT_LE((unsigned long long)ATTACK_CONNECTS, sh->frames);

	/* and once more, after it */
	ASSERT_EQ(0, victim_run(&head_d, &tail_d, &last_id, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_EQ(base_head, head_d);
	EXPECT_EQ(base_tail, tail_d);

	/* its namespaces go asynchronously (cleanup_net): wait for them */
	for (i = 0; i < 100; i++) {
		slab1 = slab_kb();
		if (slab1 >= 0 && slab1 <= slab0 + ATTACK_SLAB_SLACK)
			break;
		usleep(200000);
	}
	TH_LOG("slab %lld kB before, %lld kB after", slab0, slab1);
	EXPECT_GE(slab0 + ATTACK_SLAB_SLACK, slab1);
	munmap(sh, sizeof(*sh));
}

/*
 * The same BINDs aimed at far halves known to be waiting: the victim's
 * BINDs take a second of wall time to arrive, and the attacker sweeps the
 * ids they name meanwhile. Every one it hits is dropped as foreign in its
 * own namespace; the victim's pairs all arrive, whole.
 */
TEST_F_TIMEOUT(attack, binds_cannot_reach_another_namespace, 300)
{
	static struct qnet_pair head[SLOW_PAIRS];
	struct qnet_request req = victim_req;
	uint64_t hd, td, last_id;
	struct attack_shared *sh;
	struct qnet_pair *tail;
	struct qnet_topo t = {};
	int status, family, i;
	char why[256] = "";
	pid_t pid;

	ASSERT_EQ(0, qnet_module_ensure());
	family = qnet_family();
	ASSERT_LT(0, family);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	tail = qnet_chain_shared(SLOW_PAIRS);
	ASSERT_NE(NULL, tail);

	/* a first run, as the other test's baseline */
	ASSERT_EQ(0, victim_run(&hd, &td, &last_id, why, sizeof(why)))
		TH_LOG("%s", why);
	/* the slow victim is a fresh network: its pair ids start at 1 */
	sh->latest_id = 1;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(attacker_main(sh, family, 0));

	/* the victim's BINDs start once the attacker sweeps */
	for (i = 0; i < 6000 && !sh->sweeping; i++)
		usleep(50000);
	ASSERT_TRUE(sh->sweeping);
	req.num_pairs = SLOW_PAIRS;
	ASSERT_EQ(0, qnet_topo_chain(&t, 2, slow_link));
	EXPECT_EQ(0, qnet_chain_request(&t, family, VICTIM_PORT, &req, head,
					tail, SLOW_PAIRS, why, sizeof(why)))
		TH_LOG("%s", why);
	qnet_topo_destroy(&t);
	sh->stop = 1;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	for (i = 0; i < SLOW_PAIRS; i++) {
		EXPECT_EQ(0, head[i].error);
		EXPECT_EQ(0, tail[i].error);
		EXPECT_EQ(head[i].pair_id, tail[i].pair_id);
		EXPECT_EQ(head[i].bell_state, tail[i].bell_state)
			TH_LOG("pair %d", i);
	}
	TH_LOG("attacker wrote %llu frames; %lld BINDs named a half of the victim's",
	       sh->frames, sh->foreign);
	/* it did name the victim's halves while they waited */
	EXPECT_LE(1, sh->foreign);
	EXPECT_EQ(0, sh->bad_errno) TH_LOG("attacker saw errno %d at %s",
					  sh->bad_errno, sh->step);
	munmap(tail, SLOW_PAIRS * sizeof(*tail));
	munmap(sh, sizeof(*sh));
}

TEST_HARNESS_MAIN
