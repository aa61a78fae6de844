// SPDX-License-Identifier: GPL-2.0
/*
 * mkframes: a pcap with one ETH_P_QNET frame of every message type, built
 * from the structures of include/uapi/linux/qnet.h themselves, and the
 * field values the dissector must find in each, so that dissector_test.sh
 * checks qnet.lua's offsets against the header the kernel is built from.
 *
 *   mkframes PCAP > EXPECTED.json
 *
 * Every field gets a distinct value (multi-byte ones with every byte
 * non-zero where the range allows), so a field read at the wrong offset
 * or width shows.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/qnet.h>

static FILE *pcap;
static unsigned int nframes;

struct pcap_rec {
	uint32_t ts_sec, ts_usec, incl_len, orig_len;
};

static void frame(uint8_t type, uint32_t src, uint64_t time_ns,
		  const void *body, size_t len)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t srcmac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	uint8_t buf[256];
	struct qnet_hdr h = {
		.version = QNET_WIRE_VERSION, .type = type,
		.len = htons(len), .src_node = htonl(src),
		.time_ns = htobe64(time_ns),
	};
	uint16_t proto = htons(ETH_P_QNET);
	struct pcap_rec r;
	size_t n = 0;

	memcpy(buf, dst, 6);
	memcpy(buf + 6, srcmac, 6);
	memcpy(buf + 12, &proto, 2);
	n = 14;
	memcpy(buf + n, &h, sizeof(h));
	n += sizeof(h);
	memcpy(buf + n, body, len);
	n += len;
	r = (struct pcap_rec){ nframes, 0, n, n };
	fwrite(&r, sizeof(r), 1, pcap);
	fwrite(buf, n, 1, pcap);

	printf("%s{\"qnet.version\": %u, \"qnet.type\": %u, \"qnet.len\": %zu, "
	       "\"qnet.src_node\": %u, \"qnet.time_ns\": %llu",
	       nframes ? ",\n " : "[", QNET_WIRE_VERSION, type, len, src,
	       (unsigned long long)time_ns);
	nframes++;
}

static void expect(const char *field, unsigned long long v)
{
	printf(", \"%s\": %llu", field, v);
}

static void end(void)
{
	printf("}");
}

static struct qnet_msg_circuit circuit(uint32_t head, uint32_t id, uint8_t dir)
{
	expect("qnet.circuit.head_node", head);
	expect("qnet.circuit.id", id);
	expect("qnet.circuit.dir", dir);
	return (struct qnet_msg_circuit){
		.head_node = htonl(head), .circuit_id = htonl(id), .dir = dir,
	};
}

#define T0	0x0102030405060708ULL

static void pair_msgs(void)
{
	struct qnet_msg_pair m = {
		.pair_id = htobe64(0x1112131415161718ULL), .bell_state = 1,
	};

	frame(QNET_MSG_HERALD, 0x01020304, T0, &m, sizeof(m));
	expect("qnet.pair.id", 0x1112131415161718ULL);
	expect("qnet.pair.bell_state", 1);
	end();

	m.bell_state = 3;
	m.cause = QNET_EXPIRE_PURIFY_FAILED;
	frame(QNET_MSG_EXPIRE, 2, T0 + 1, &m, sizeof(m));
	expect("qnet.pair.id", 0x1112131415161718ULL);
	expect("qnet.pair.bell_state", 3);
	expect("qnet.pair.cause", QNET_EXPIRE_PURIFY_FAILED);
	end();
}

static void connect_msg(void)
{
	struct qnet_msg_connect m = {
		.dst_node = htonl(0x21222324), .src_port = htons(0x3132),
		.dst_port = htons(0x4142), .hops = htons(1000),
		.delay_ns = htobe64(0x5152535455565758ULL),
		.pair_key = htobe64(0x8182838485868788ULL),
	};

	frame(QNET_MSG_CONNECT, 3, T0 + 2, &m, sizeof(m));
	m.c = circuit(0x61626364, 0x71727374, QNET_DIR_DOWN);
	fseek(pcap, -(long)sizeof(m), SEEK_CUR);
	fwrite(&m, sizeof(m), 1, pcap);
	expect("qnet.connect.dst_node", 0x21222324);
	expect("qnet.connect.src_port", 0x3132);
	expect("qnet.connect.dst_port", 0x4142);
	expect("qnet.connect.hops", 1000);
	expect("qnet.connect.delay_ns", 0x5152535455565758ULL);
	expect("qnet.connect.pair_key", 0x8182838485868788ULL);
	end();
}

/* frame() writes the body before circuit() fills it in: patch it */
#define PATCH(m) do { \
	fseek(pcap, -(long)sizeof(m), SEEK_CUR); \
	fwrite(&(m), sizeof(m), 1, pcap); \
} while (0)

static void answer_msgs(void)
{
	uint8_t types[] = { QNET_MSG_ACCEPT, QNET_MSG_REFUSE, QNET_MSG_CLOSE };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct qnet_msg_answer m = {
			.error = htonl(100 + i), .hops = htons(1021 + i),
			.delay_ns = htobe64(0x0a0b0c0d0e0f1011ULL + i),
			.epoch = htonl(0x1a1b1c1d + i),
		};

		frame(types[i], 4, T0 + 3 + i, &m, sizeof(m));
		m.c = circuit(7, 8 + i, QNET_DIR_UP);
		PATCH(m);
		expect("qnet.answer.error", 100 + i);
		expect("qnet.answer.hops", 1021 + i);
		expect("qnet.answer.delay_ns", 0x0a0b0c0d0e0f1011ULL + i);
		expect("qnet.answer.epoch", 0x1a1b1c1d + i);
		end();
	}
}

static void request_msg(void)
{
	struct qnet_msg_request m = {
		.request_id = htobe64(0x2122232425262728ULL),
		.start_ns = htobe64(0x3132333435363738ULL),
		.max_time_ns = htobe64(0x4142434445464748ULL),
		.num_pairs = htonl(1000000), .min_fidelity_ppm = htonl(876543),
		.priority = 7, .type = QNET_REQ_MEASURE, .basis = QNET_BASIS_Y,
		.flags = QNET_REQ_F_BBPSSW, .epoch = htonl(0x51525354),
	};

	frame(QNET_MSG_REQUEST, 5, T0 + 6, &m, sizeof(m));
	m.c = circuit(9, 10, QNET_DIR_DOWN);
	PATCH(m);
	expect("qnet.request.id", 0x2122232425262728ULL);
	expect("qnet.request.start_ns", 0x3132333435363738ULL);
	expect("qnet.request.max_time_ns", 0x4142434445464748ULL);
	expect("qnet.request.num_pairs", 1000000);
	expect("qnet.request.min_fidelity_ppm", 876543);
	expect("qnet.request.priority", 7);
	expect("qnet.request.type", QNET_REQ_MEASURE);
	expect("qnet.request.basis", QNET_BASIS_Y);
	expect("qnet.request.flags", QNET_REQ_F_BBPSSW);
	expect("qnet.request.flags.atomic", 0);
	expect("qnet.request.flags.bbpssw", 1);
	expect("qnet.request.epoch", 0x51525354);
	end();
}

static void bind_msg(void)
{
	struct qnet_msg_bind m = {
		.pair_id = htobe64(0x6162636465666768ULL),
		.ent_id = htobe64(0x7172737475767778ULL),
		.epoch = htonl(0x01020305), .bell_state = 2,
	};

	frame(QNET_MSG_BIND, 6, T0 + 7, &m, sizeof(m));
	m.c = circuit(11, 12, QNET_DIR_DOWN);
	PATCH(m);
	expect("qnet.bind.pair_id", 0x6162636465666768ULL);
	expect("qnet.bind.ent_id", 0x7172737475767778ULL);
	expect("qnet.bind.epoch", 0x01020305);
	expect("qnet.bind.bell_state", 2);
	end();
}

static void swap_msgs(void)
{
	uint8_t types[] = { QNET_MSG_TRACK, QNET_MSG_DISCARD, QNET_MSG_DELIVER };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct qnet_msg_swap m = {
			.ent_id = htobe64(0x0807060504030201ULL + i),
			.request_id = htobe64(0x1817161514131211ULL + i),
			.epoch = htonl(0x28272625 + i), .error = htonl(110 + i),
			.swaps = htons(1020 + i), .frame = 1 + i,
			.frame_tail = 3 - i, .cause = 4 + i,
		};

		frame(types[i], 7, T0 + 8 + i, &m, sizeof(m));
		m.c = circuit(13, 14 + i, i & 1);
		PATCH(m);
		expect("qnet.swap.ent_id", 0x0807060504030201ULL + i);
		expect("qnet.swap.request_id", 0x1817161514131211ULL + i);
		expect("qnet.swap.epoch", 0x28272625 + i);
		expect("qnet.swap.error", 110 + i);
		expect("qnet.swap.swaps", 1020 + i);
		expect("qnet.swap.frame", 1 + i);
		expect("qnet.swap.frame_tail", 3 - i);
		expect("qnet.swap.cause", 4 + i);
		end();
	}
}

static void purify_msg(void)
{
	struct qnet_msg_purify m = {
		.kept_id = htobe64(0x3837363534333231ULL),
		.measured_id = htobe64(0x4847464544434241ULL),
		.ok = 1, .round = 3, .proto = 1, .cause = QNET_EXPIRE_CUTOFF,
	};

	frame(QNET_MSG_PURIFY, 8, T0 + 11, &m, sizeof(m));
	m.c = circuit(15, 16, QNET_DIR_UP);
	PATCH(m);
	expect("qnet.purify.kept_id", 0x3837363534333231ULL);
	expect("qnet.purify.measured_id", 0x4847464544434241ULL);
	expect("qnet.purify.ok", 1);
	expect("qnet.purify.round", 3);
	expect("qnet.purify.proto", 1);
	expect("qnet.purify.cause", QNET_EXPIRE_CUTOFF);
	end();
}

int main(int argc, char **argv)
{
	static const struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t zone;
		uint32_t sigfigs, snaplen, linktype;
	} gh = { 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1 /* Ethernet */ };

	if (argc != 2) {
		fprintf(stderr, "usage: mkframes PCAP > EXPECTED.json\n");
		return 2;
	}
	pcap = fopen(argv[1], "wb");
	if (!pcap) {
		perror(argv[1]);
		return 1;
	}
	fwrite(&gh, sizeof(gh), 1, pcap);
	pair_msgs();
	connect_msg();
	answer_msgs();
	request_msg();
	bind_msg();
	swap_msgs();
	purify_msg();
	printf("]\n");
	return fclose(pcap) ? 1 : 0;
}
