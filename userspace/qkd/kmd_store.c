// SPDX-License-Identifier: GPL-2.0
/*
 * The key store of qnet-kmd and its log.
 *
 * The log is a text file appended to and fsync'd before anything that
 * depends on it is said to anyone (the peer KME or an SAE):
 *
 *     K ROUND OWNER UUID HEXKEY     a key of ROUND (not yet usable)
 *     C ROUND                       ROUND committed at this end
 *     S ROUND                       rounds up to ROUND usable (settled)
 *     U UUID                        the key was handed out
 *
 * On start the log is replayed: keys of rounds without a C line are
 * dropped (the round never committed here), used keys are forgotten,
 * and the file is rewritten with what is left (a temporary file renamed
 * over it). A key is logged used before the SAE gets it, so a restart
 * never hands a key out twice; a committed round is logged before the
 * peer hears of it, so a restart never loses one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmd.h"

void kmd_uuid_str(const uint8_t *id, char *buf)
{
	static const char hx[] = "0123456789abcdef";
	int i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[o++] = '-';
		buf[o++] = hx[id[i] >> 4];
		buf[o++] = hx[id[i] & 15];
	}
	buf[o] = '\0';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int kmd_uuid_parse(const char *s, uint8_t *id)
{
	int i, o = 0, hi, lo;

	if (strlen(s) != 36)
		return -1;
	for (i = 0; i < 36;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return -1;
			continue;
		}
		hi = hexval(s[i]);
		lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		id[o++] = hi << 4 | lo;
		i += 2;
	}
	return 0;
}

void kmd_base64(const uint8_t *in, size_t len, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		*out++ = tab[in[i] >> 2];
		*out++ = tab[(in[i] & 3) << 4 | in[i + 1] >> 4];
		*out++ = tab[(in[i + 1] & 15) << 2 | in[i + 2] >> 6];
		*out++ = tab[in[i + 2] & 63];
	}
	if (i < len) {
		*out++ = tab[in[i] >> 2];
		if (i + 1 < len) {
			*out++ = tab[(in[i] & 3) << 4 | in[i + 1] >> 4];
			*out++ = tab[(in[i + 1] & 15) << 2];
		} else {
			*out++ = tab[(in[i] & 3) << 4];
			*out++ = '=';
		}
		*out++ = '=';
	}
	*out = '\0';
}

static int log_write(struct kmd_store *s, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(s->fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

static int log_sync(struct kmd_store *s)
{
	return fdatasync(s->fd) ? -1 : 0;
}

/* "K ROUND OWNER UUID HEXKEY\n" into @buf */
static int key_line(const struct kmd_store *s, const struct kmd_key *k, char *buf)
{
	static const char hx[] = "0123456789abcdef";
	char uuid[37];
	int o;
	size_t i;

	kmd_uuid_str(k->id, uuid);
	o = sprintf(buf, "K %llu %c %s ", (unsigned long long)k->round, k->owner, uuid);
	for (i = 0; i < s->key_bytes; i++) {
		buf[o++] = hx[k->key[i] >> 4];
		buf[o++] = hx[k->key[i] & 15];
	}
	buf[o++] = '\n';
	return o;
}

static struct kmd_key *key_new(struct kmd_store *s)
{
	if (s->nkeys == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct kmd_key *k = realloc(s->keys, cap * sizeof(*k));

		if (!k)
			return NULL;
		s->keys = k;
		s->cap = cap;
	}
	memset(&s->keys[s->nkeys], 0, sizeof(s->keys[0]));
	s->keys[s->nkeys].key = malloc(s->key_bytes);
	if (!s->keys[s->nkeys].key)
		return NULL;
	return &s->keys[s->nkeys++];
}

/* drop keys that are used, or whose round is above @max_round */
static void compact(struct kmd_store *s, uint64_t max_round)
{
	size_t i, m = 0;

	for (i = 0; i < s->nkeys; i++) {
		if (s->keys[i].used || s->keys[i].round > max_round) {
			free(s->keys[i].key);
			continue;
		}
		s->keys[m++] = s->keys[i];
	}
	s->nkeys = m;
}

static struct kmd_key *find(struct kmd_store *s, const uint8_t *id)
{
	size_t i;

	for (i = 0; i < s->nkeys; i++)
		if (!memcmp(s->keys[i].id, id, 16))
			return &s->keys[i];
	return NULL;
}

static int rewrite(struct kmd_store *s)
{
	size_t tl = strlen(s->path) + 5, i;
	char *tmp = malloc(tl), *line = malloc(2 * s->key_bytes + 128);
	uint64_t settled = 0;
	int fd, o, err = -1;

	if (!tmp || !line)
		goto out;
	snprintf(tmp, tl, "%s.new", s->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = fd;
	for (i = 0; i < s->nkeys; i++) {
		o = key_line(s, &s->keys[i], line);
		if (log_write(s, line, o))
			goto out;
		if (s->keys[i].usable && s->keys[i].round > settled)
			settled = s->keys[i].round;
	}
	o = sprintf(line, "C %llu\n", (unsigned long long)s->committed);
	if (log_write(s, line, o))
		goto out;
	if (settled) {
		o = sprintf(line, "S %llu\n", (unsigned long long)settled);
		if (log_write(s, line, o))
			goto out;
	}
	if (log_sync(s) || rename(tmp, s->path))
		goto out;
	err = 0;
out:
	free(tmp);
	free(line);
	return err;
}

int kmd_store_open(struct kmd_store *s, const char *path, char me,
		   size_t key_bytes)
{
	FILE *f;
	char *line = NULL, owner, uuid[64];
	size_t cap = 0, i;
	unsigned long long round, settled = 0;
	uint64_t *committed = NULL;
	size_t ncommitted = 0;
	int fd;

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->changed, NULL);
	s->me = me;
	s->key_bytes = key_bytes;
	s->fd = -1;
	s->path = strdup(path);
	if (!s->path)
		return -1;
	f = fopen(path, "re");
	if (!f && errno != ENOENT)
		return -1;
	while (f && getline(&line, &cap, f) > 0) {
		struct kmd_key *k;
		char hex[2048];
		uint8_t id[16];

		if (sscanf(line, "K %llu %c %63s %2047s", &round, &owner, uuid, hex) == 4) {
			if (strlen(hex) != 2 * key_bytes || kmd_uuid_parse(uuid, id))
				continue;	/* another key size: not ours */
			k = key_new(s);
			if (!k)
				return -1;
			memcpy(k->id, id, 16);
			k->round = round;
			k->owner = owner;
			for (i = 0; i < key_bytes; i++)
				k->key[i] = hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]);
		} else if (sscanf(line, "C %llu", &round) == 1) {
			uint64_t *c = realloc(committed, (ncommitted + 1) * sizeof(*c));

			if (!c)
				return -1;
			committed = c;
			committed[ncommitted++] = round;
			if (round > s->committed)
				s->committed = round;
		} else if (sscanf(line, "S %llu", &round) == 1) {
			if (round > settled)
				settled = round;
		} else if (sscanf(line, "U %63s", uuid) == 1 && !kmd_uuid_parse(uuid, id)) {
			k = find(s, id);
			if (k)
				k->used = 1;
		}
	}
	free(line);
	if (f)
		fclose(f);
	/* keys of rounds never committed here are dropped */
	for (i = 0; i < s->nkeys; i++) {
		size_t j;
		int c = 0;

		for (j = 0; j < ncommitted && !c; j++)
			c = committed[j] == s->keys[i].round;
		if (!c)
			s->keys[i].used = 1;
		s->keys[i].usable = s->keys[i].round <= settled;
	}
	free(committed);
	compact(s, UINT64_MAX);
	if (rewrite(s))
		return -1;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(s->fd);
	s->fd = fd;
	return 0;
}

size_t kmd_store_count(struct kmd_store *s, char owner)
{
	size_t i, n = 0;

	for (i = 0; i < s->nkeys; i++)
		n += s->keys[i].owner == owner && s->keys[i].usable && !s->keys[i].used;
	return n;
}

int kmd_store_add(struct kmd_store *s, uint64_t round, const uint8_t *ids,
		  const char *owners, const uint8_t *keys, size_t n, int commit)
{
	char *buf = malloc(n * (2 * s->key_bytes + 80) + 64);
	size_t i, o = 0;
	int err = -1;

	if (!buf)
		return -1;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < n; i++) {
		struct kmd_key *k = key_new(s);

		if (!k)
			goto out;
		memcpy(k->id, ids + 16 * i, 16);
		memcpy(k->key, keys + s->key_bytes * i, s->key_bytes);
		k->round = round;
		k->owner = owners[i];
		o += key_line(s, k, buf + o);
	}
	if (commit) {
		o += sprintf(buf + o, "C %llu\n", (unsigned long long)round);
		s->committed = round;
	}
	if (log_write(s, buf, o) || log_sync(s))
		goto out;
	err = 0;
out:
	pthread_mutex_unlock(&s->lock);
	free(buf);
	return err;
}

int kmd_store_commit(struct kmd_store *s, uint64_t round)
{
	char buf[64];
	int o = sprintf(buf, "C %llu\n", (unsigned long long)round), err;

	pthread_mutex_lock(&s->lock);
	err = log_write(s, buf, o) || log_sync(s) ? -1 : 0;
	if (!err)
		s->committed = round;
	pthread_mutex_unlock(&s->lock);
	return err;
}

int kmd_store_settle(struct kmd_store *s, uint64_t round)
{
	char buf[64];
	int o = sprintf(buf, "S %llu\n", (unsigned long long)round), err;
	size_t i;

	pthread_mutex_lock(&s->lock);
	/* rounds above it never committed at the other end: gone */
	for (i = 0; i < s->nkeys; i++)
		if (s->keys[i].round > round)
			s->keys[i].used = 1;
	compact(s, round);
	if (s->committed > round)
		s->committed = round;
	err = log_write(s, buf, o) || log_sync(s) ? -1 : 0;
	if (!err)
		for (i = 0; i < s->nkeys; i++)
			s->keys[i].usable = 1;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	return err;
}

/* log @n keys used, then mark them; caller holds s->lock */
static int mark_used(struct kmd_store *s, struct kmd_key **ks, size_t n)
{
	char *buf = malloc(n * 40 + 1), uuid[37];
	size_t i, o = 0;
	int err;

	if (!buf)
		return -EIO;
	for (i = 0; i < n; i++) {
		kmd_uuid_str(ks[i]->id, uuid);
		o += sprintf(buf + o, "U %s\n", uuid);
	}
	err = log_write(s, buf, o) || log_sync(s) ? -EIO : 0;
	free(buf);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		ks[i]->used = 1;
	pthread_cond_broadcast(&s->changed);
	return 0;
}

int kmd_store_take(struct kmd_store *s, char owner, size_t n,
		   uint8_t *ids_out, uint8_t *out)
{
	struct kmd_key **ks = calloc(n + 1, sizeof(*ks));
	size_t i, m = 0;
	int err = -EAGAIN;

	if (!ks)
		return -EIO;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nkeys && m < n; i++)
		if (s->keys[i].owner == owner && s->keys[i].usable && !s->keys[i].used)
			ks[m++] = &s->keys[i];
	if (m == n) {
		err = mark_used(s, ks, n);
		for (i = 0; !err && i < n; i++) {
			memcpy(ids_out + 16 * i, ks[i]->id, 16);
			memcpy(out + s->key_bytes * i, ks[i]->key, s->key_bytes);
		}
		if (!err && s->nkeys > 1024 && s->nkeys > 4 * kmd_store_count(s, owner))
			compact(s, UINT64_MAX);
	}
	pthread_mutex_unlock(&s->lock);
	free(ks);
	return err;
}

int kmd_store_take_ids(struct kmd_store *s, char owner, const uint8_t *ids,
		       size_t n, uint8_t *out, size_t *bad)
{
	struct kmd_key **ks = calloc(n + 1, sizeof(*ks));
	size_t i, j;
	int err = 0;

	if (!ks)
		return -EIO;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < n && !err; i++) {
		ks[i] = find(s, ids + 16 * i);
		if (!ks[i] || ks[i]->owner != owner || !ks[i]->usable || ks[i]->used)
			err = -ENOENT;
		for (j = 0; j < i && !err; j++)
			if (ks[j] == ks[i])
				err = -ENOENT;	/* the same id twice */
		if (err)
			*bad = i;
	}
	if (!err)
		err = mark_used(s, ks, n);
	for (i = 0; !err && i < n; i++)
		memcpy(out + s->key_bytes * i, ks[i]->key, s->key_bytes);
	pthread_mutex_unlock(&s->lock);
	free(ks);
	return err;
}
