/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qnet-kmd, a key manager (KME) serving ETSI GS QKD 014 to the SAEs of
 * one qnet node, fed by BBM92 rounds with the peer node's qnet-kmd.
 *
 *   kmd_main.c   options, the BBM92 engine thread, rounds and commits
 *   kmd_store.c  the key store and its log file (what survives a restart)
 *   kmd_http.c   the REST API over HTTPS with client certificates
 *   kmd_log.c    the log, for all of them
 */
#ifndef KMD_H
#define KMD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define KMD_ID_MAX	64

/* ---- the store ---- */

/*
 * Every key has an owner, the end whose SAE is its master: 'A' (the
 * alice-role KME, which asks for the pairs) or 'B'. A KME hands its own
 * keys out with enc_keys and the peer's with dec_keys, each key once.
 */
struct kmd_key {
	uint8_t id[16];		/* UUID v4 */
	uint64_t round;
	char owner;		/* 'A' or 'B' */
	uint8_t used;
	uint8_t usable;		/* its round is committed at both ends */
	uint8_t *key;
};

struct kmd_store {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	char me;			/* 'A' or 'B' */
	size_t key_bytes;
	struct kmd_key *keys;
	size_t nkeys, cap;
	uint64_t committed;		/* highest committed round */
	int fd;				/* the log, appended and fsync'd */
	char *path;
};

int kmd_store_open(struct kmd_store *s, const char *path, char me,
		   size_t key_bytes);
/* usable, unused keys owned by @owner; caller holds s->lock */
size_t kmd_store_count(struct kmd_store *s, char owner);
/*
 * Add a round's keys, not yet usable, and log them; with @commit the
 * round is logged committed too. Returns 0 or -1.
 */
int kmd_store_add(struct kmd_store *s, uint64_t round, const uint8_t *ids,
		  const char *owners, const uint8_t *keys, size_t n, int commit);
int kmd_store_commit(struct kmd_store *s, uint64_t round);
/* mark every round <= @round usable (logged), drop those above it */
int kmd_store_settle(struct kmd_store *s, uint64_t round);
/*
 * Take @n usable keys of @owner (enc_keys), or the keys of @ids owned by
 * @owner (dec_keys): all or none, logged used before it returns. The
 * keys are copied to @out (n * key_bytes), their ids to @ids_out.
 * Returns 0, -ENOENT (an id unknown, used or not @owner's: *bad is its
 * index), -EAGAIN (not enough keys), -EIO.
 */
int kmd_store_take(struct kmd_store *s, char owner, size_t n,
		   uint8_t *ids_out, uint8_t *out);
int kmd_store_take_ids(struct kmd_store *s, char owner, const uint8_t *ids,
		       size_t n, uint8_t *out, size_t *bad);

void kmd_uuid_str(const uint8_t *id, char *buf);	/* 37 bytes */
int kmd_uuid_parse(const char *s, uint8_t *id);
/* base64 of @len bytes into @out (4 * ((len + 2) / 3) + 1 bytes) */
void kmd_base64(const uint8_t *in, size_t len, char *out);

/* ---- the daemon ---- */

struct kmd {
	char role;			/* 'A' or 'B' */
	char kme_id[KMD_ID_MAX], peer_kme_id[KMD_ID_MAX];
	char sae_id[KMD_ID_MAX], peer_sae_id[KMD_ID_MAX];
	const char *listen, *cert, *key, *ca;
	const char *chan_spec, *state;
	uint8_t psk[64];
	size_t psklen;
	uint32_t node;			/* alice: the peer's qnet node */
	uint16_t port;			/* qnet port */
	uint32_t pairs;
	double sample;
	unsigned int key_size;		/* bits */
	size_t max_keys, max_per_request;
	uint64_t max_rounds;		/* stop making keys after so many rounds */
	int verbose;
	struct kmd_store store;
	/* statistics, under store.lock */
	uint64_t rounds, rounds_key, rounds_abort, bits;
};

int kmd_http_start(struct kmd *k);
void kmd_http_stop(void);
void kmd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
