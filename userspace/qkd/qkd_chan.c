// SPDX-License-Identifier: GPL-2.0
/*
 * The classical channel of BBM92, authenticated with a pre-shared key.
 *
 * A stream socket carries messages, each
 *
 *     len (4 bytes, big endian) | payload (len bytes) | tag (32 bytes)
 *
 * tag = HMAC-SHA256(K, dir | seq | len | payload), dir 'C' or 'S' (who
 * sent it), seq the sender's message count from 0. A forged, replayed,
 * reordered, dropped or reflected message fails the tag. K is the session
 * key, HMAC-SHA256(PSK, "qnet-qkd session" | nonce_c | nonce_s), from a
 * 16-byte nonce each end draws: a whole old session replayed to either
 * end fails at its first message. The hello carries a tag under the PSK
 * itself, so a peer without the PSK is refused at once.
 *
 * This is computational authentication (HMAC with a long-term key), not
 * the information-theoretic kind a QKD security proof assumes; see
 * Documentation/qkd.rst, "Security model".
 */
#include <endian.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "libqkd.h"

#define NONCE_LEN 16
static const char hello_magic[8] = "QNETQKD1";

int qkd_psk_load(const char *path, uint8_t *psk, size_t *len)
{
	uint8_t buf[512];
	size_t n, i, m = 0;
	int hex = 1, hi = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF \t\r\n", buf[i]) || !buf[i])
			hex = 0;
	if (hex) {
		for (i = 0; i < n; i++) {
			int d;

			if (strchr(" \t\r\n", buf[i]))
				continue;
			d = buf[i] <= '9' ? buf[i] - '0' : (buf[i] | 0x20) - 'a' + 10;
			if (hi < 0) {
				hi = d;
				continue;
			}
			if (m == QKD_PSK_MAX) {
				m++;
				break;
			}
			psk[m++] = hi << 4 | d;
			hi = -1;
		}
		if (hi >= 0)
			m = 0;
	} else {
		m = n;
		if (m <= QKD_PSK_MAX)
			memcpy(psk, buf, m);
	}
	if (m < QKD_PSK_MIN || m > QKD_PSK_MAX) {
		errno = EINVAL;
		return -1;
	}
	*len = m;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = ECONNRESET;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int hmac(const uint8_t *key, size_t keylen, const void *a, size_t alen,
		const void *b, size_t blen, uint8_t *out)
{
	gnutls_hmac_hd_t h;

	if (gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, key, keylen) < 0)
		return -1;
	if (gnutls_hmac(h, a, alen) < 0 || (blen && gnutls_hmac(h, b, blen) < 0)) {
		gnutls_hmac_deinit(h, NULL);
		return -1;
	}
	gnutls_hmac_deinit(h, out);
	return 0;
}

/* constant time */
static int tag_equal(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;
	int i;

	for (i = 0; i < QKD_TAG_LEN; i++)
		d |= a[i] ^ b[i];
	return !d;
}

int qkd_chan_init(struct qkd_chan *c, int fd, int client, const uint8_t *psk,
		  size_t psklen)
{
	uint8_t mine[8 + NONCE_LEN + QKD_TAG_LEN], other[sizeof(mine)];
	uint8_t tag[QKD_TAG_LEN], nonces[16 + 2 * NONCE_LEN];
	const char *role = client ? "C" : "S";

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->client = client;
	memcpy(mine, hello_magic, 8);
	if (getrandom(mine + 8, NONCE_LEN, 0) != NONCE_LEN)
		return -1;
	/* hello: magic | nonce | HMAC(PSK, role | magic | nonce) */
	if (hmac(psk, psklen, role, 1, mine, 8 + NONCE_LEN, mine + 8 + NONCE_LEN))
		return -1;
	if (write_all(fd, mine, sizeof(mine)) || read_all(fd, other, sizeof(other)))
		return -1;
	if (hmac(psk, psklen, client ? "S" : "C", 1, other, 8 + NONCE_LEN, tag))
		return -1;
	if (memcmp(other, hello_magic, 8) || !tag_equal(tag, other + 8 + NONCE_LEN)) {
		errno = EACCES;
		return -1;
	}
	memcpy(nonces, "qnet-qkd session", 16);
	memcpy(nonces + 16, client ? mine + 8 : other + 8, NONCE_LEN);
	memcpy(nonces + 16 + NONCE_LEN, client ? other + 8 : mine + 8, NONCE_LEN);
	return hmac(psk, psklen, nonces, sizeof(nonces), NULL, 0, c->key);
}

static void msg_tag(const struct qkd_chan *c, int from_client, uint64_t seq,
		    const uint8_t *hdr, const void *buf, size_t len, uint8_t *tag)
{
	uint8_t pre[1 + 8 + 4];

	pre[0] = from_client ? 'C' : 'S';
	seq = htobe64(seq);
	memcpy(pre + 1, &seq, 8);
	memcpy(pre + 9, hdr, 4);
	hmac(c->key, sizeof(c->key), pre, sizeof(pre), buf, len, tag);
}

int qkd_chan_send(struct qkd_chan *c, const void *buf, size_t len)
{
	uint8_t *m;
	uint32_t l = htobe32(len);
	int err;

	if (!len)
		return 0;
	if (len > QKD_MSG_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	m = malloc(4 + len + QKD_TAG_LEN);
	if (!m)
		return -1;
	memcpy(m, &l, 4);
	memcpy(m + 4, buf, len);
	msg_tag(c, c->client, c->seq_tx++, m, buf, len, m + 4 + len);
	err = write_all(c->fd, m, 4 + len + QKD_TAG_LEN);
	c->bytes_tx += len;
	free(m);
	return err;
}

ssize_t qkd_chan_recv_any(struct qkd_chan *c, void *buf, size_t max)
{
	uint8_t hdr[4], tag[QKD_TAG_LEN], want[QKD_TAG_LEN];
	uint32_t l;

	if (read_all(c->fd, hdr, 4))
		return -1;
	memcpy(&l, hdr, 4);
	l = be32toh(l);
	if (l > max || !l) {
		errno = EPROTO;
		return -1;
	}
	if (read_all(c->fd, buf, l) || read_all(c->fd, tag, QKD_TAG_LEN))
		return -1;
	msg_tag(c, !c->client, c->seq_rx++, hdr, buf, l, want);
	if (!tag_equal(tag, want)) {
		errno = EBADMSG;
		return -1;
	}
	c->bytes_rx += l;
	return l;
}

int qkd_chan_recv(struct qkd_chan *c, void *buf, size_t len)
{
	ssize_t n;

	if (!len)
		return 0;
	n = qkd_chan_recv_any(c, buf, len);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int qkd_chan_send_u64s(struct qkd_chan *c, const uint64_t *v, size_t n)
{
	uint64_t *b;
	size_t i;
	int err;

	if (!n)
		return 0;
	b = malloc(n * 8);
	if (!b)
		return -1;
	for (i = 0; i < n; i++)
		b[i] = htobe64(v[i]);
	err = qkd_chan_send(c, b, n * 8);
	free(b);
	return err;
}

int qkd_chan_recv_u64s(struct qkd_chan *c, uint64_t *v, size_t n)
{
	size_t i;

	if (qkd_chan_recv(c, v, n * 8))
		return -1;
	for (i = 0; i < n; i++)
		v[i] = be64toh(v[i]);
	return 0;
}

int qkd_chan_open(const char *spec, int server, int retry_ms)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *r;
	char host[256], *port;
	int fd = -1, one = 1, tries, maxtries = retry_ms / 100 + 1;

	if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un un = { .sun_family = AF_UNIX };

		if (strlen(spec + 5) >= sizeof(un.sun_path)) {
			fprintf(stderr, "%s: path too long\n", spec);
			return -1;
		}
		strcpy(un.sun_path, spec + 5);
		if (server) {
			fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			unlink(un.sun_path);
			if (fd < 0 || bind(fd, (struct sockaddr *)&un, sizeof(un)) ||
			    listen(fd, 8)) {
				fprintf(stderr, "%s: %s\n", spec, strerror(errno));
				return -1;
			}
			return fd;
		}
		for (tries = 0; tries < maxtries; tries++) {
			fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd < 0)
				break;
			if (!connect(fd, (struct sockaddr *)&un, sizeof(un)))
				return fd;
			close(fd);
			fd = -1;
			if (errno != ENOENT && errno != ECONNREFUSED)
				break;
			usleep(100000);
		}
		fprintf(stderr, "%s: %s\n", spec, strerror(errno));
		return -1;
	}
	if (strncmp(spec, "tcp:", 4) || strlen(spec + 4) >= sizeof(host)) {
		fprintf(stderr, "classical channel '%s': unix:PATH or tcp:HOST:PORT\n",
			spec);
		return -1;
	}
	strcpy(host, spec + 4);
	port = strrchr(host, ':');
	if (port) {
		*port++ = '\0';
	} else if (server) {
		port = host;
	} else {
		fprintf(stderr, "%s: no port\n", spec);
		return -1;
	}
	/* [v6addr]:port */
	if (host[0] == '[' && port != host && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	if (server)
		hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(port == host ? NULL : host, port, &hints, &ai)) {
		fprintf(stderr, "%s: cannot resolve\n", spec);
		return -1;
	}
	for (tries = 0; fd < 0 && tries < maxtries; tries++) {
		for (r = ai; r; r = r->ai_next) {
			fd = socket(r->ai_family, r->ai_socktype | SOCK_CLOEXEC,
				    r->ai_protocol);
			if (fd < 0)
				continue;
			if (server) {
				setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
					   sizeof(one));
				if (!bind(fd, r->ai_addr, r->ai_addrlen) &&
				    !listen(fd, 8))
					break;
			} else if (!connect(fd, r->ai_addr, r->ai_addrlen)) {
				break;
			}
			close(fd);
			fd = -1;
		}
		if (fd < 0 && (server || (errno != ECONNREFUSED &&
					  errno != ENETUNREACH &&
					  errno != EHOSTUNREACH)))
			break;
		if (fd < 0)
			usleep(100000);
	}
	freeaddrinfo(ai);
	if (fd < 0)
		fprintf(stderr, "%s: %s\n", spec, strerror(errno));
	else if (!server)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}
