// SPDX-License-Identifier: GPL-2.0
/*
 * The ETSI GS QKD 014 V1.1.1 REST API of qnet-kmd, over HTTPS
 * (libmicrohttpd with GnuTLS) with mutual TLS:
 *
 *   GET       /api/v1/keys/{slave_SAE_ID}/status
 *   GET, POST /api/v1/keys/{slave_SAE_ID}/enc_keys   (number, size)
 *   GET, POST /api/v1/keys/{master_SAE_ID}/dec_keys  (key_ID / key_IDs)
 *
 * The caller is the SAE named by the common name of its client
 * certificate, which must verify against the CA file (--ca); without
 * one, or with one that does not verify or names another SAE than this
 * KME's, the answer is 401. Bad requests are 400, server-side failures
 * (not enough keys, the log cannot be written) 503; both with a JSON
 * body {"message": ..., "details": [...]}, as the standard's Error data
 * format says.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <arpa/inet.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>
#include <microhttpd.h>

#include "kmd.h"

#define BODY_MAX 65536

static struct MHD_Daemon *daemon_;
static struct kmd *K;
static char *mem_cert, *mem_key, *mem_ca;

struct req {
	char *body;
	size_t len;
	int too_big;
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned int code,
				  json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	struct MHD_Response *r;
	enum MHD_Result ret;

	json_decref(j);
	if (!s)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result error(struct MHD_Connection *c, unsigned int code,
			     json_t *details, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (K->verbose)
		kmd_log("http %u: %s", code, msg);
	return reply_json(c, code, details ?
			  json_pack("{s:s, s:o}", "message", msg, "details", details) :
			  json_pack("{s:s}", "message", msg));
}

/* The SAE ID of the caller's verified certificate, or NULL. */
static int caller_sae(struct MHD_Connection *c, char *sae, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const gnutls_datum_t *chain;
	gnutls_session_t s;
	gnutls_x509_crt_t crt;
	unsigned int status, n;
	size_t sz = len;
	int err;

	if (!ci || !ci->tls_session)
		return -1;
	s = (gnutls_session_t)ci->tls_session;
	if (gnutls_certificate_verify_peers2(s, &status) < 0 || status)
		return -1;
	chain = gnutls_certificate_get_peers(s, &n);
	if (!chain || !n || gnutls_x509_crt_init(&crt) < 0)
		return -1;
	err = gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER) < 0 ||
	      gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
					    0, sae, &sz) < 0;
	gnutls_x509_crt_deinit(crt);
	return err ? -1 : 0;
}

static json_t *keys_json(const uint8_t *ids, const uint8_t *keys, size_t n)
{
	json_t *arr = json_array();
	size_t kb = K->store.key_bytes, i;
	char uuid[37], *b64 = malloc(4 * ((kb + 2) / 3) + 1);

	for (i = 0; b64 && i < n; i++) {
		kmd_uuid_str(ids + 16 * i, uuid);
		kmd_base64(keys + kb * i, kb, b64);
		json_array_append_new(arr, json_pack("{s:s, s:s}", "key_ID", uuid,
						     "key", b64));
	}
	free(b64);
	return json_pack("{s:o}", "keys", arr);
}

static enum MHD_Result status(struct MHD_Connection *c)
{
	size_t stored;

	pthread_mutex_lock(&K->store.lock);
	stored = kmd_store_count(&K->store, K->role);
	pthread_mutex_unlock(&K->store.lock);
	return reply_json(c, MHD_HTTP_OK, json_pack(
		"{s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:i, s:i, s:i}",
		"source_KME_ID", K->kme_id, "target_KME_ID", K->peer_kme_id,
		"master_SAE_ID", K->sae_id, "slave_SAE_ID", K->peer_sae_id,
		"key_size", K->key_size, "stored_key_count", (json_int_t)stored,
		"max_key_count", (json_int_t)K->max_keys,
		"max_key_per_request", (json_int_t)K->max_per_request,
		"max_key_size", K->key_size, "min_key_size", K->key_size,
		"max_SAE_ID_count", 0));
}

/* number and size from the query (GET) or the body (POST) */
static enum MHD_Result enc_keys(struct MHD_Connection *c, json_t *body)
{
	long long number = 1, size = K->key_size;
	json_t *v;
	uint8_t *ids, *keys;
	enum MHD_Result ret;
	int err;

	if (body) {
		v = json_object_get(body, "number");
		if (v && !json_is_integer(v))
			return error(c, 400, NULL, "number must be an integer");
		if (v)
			number = json_integer_value(v);
		v = json_object_get(body, "size");
		if (v && !json_is_integer(v))
			return error(c, 400, NULL, "size must be an integer");
		if (v)
			size = json_integer_value(v);
		v = json_object_get(body, "additional_slave_SAE_IDs");
		if (v && (!json_is_array(v) || json_array_size(v)))
			return error(c, 400, NULL,
				     "additional_slave_SAE_IDs: max_SAE_ID_count is 0");
		v = json_object_get(body, "extension_mandatory");
		if (v && (!json_is_array(v) || json_array_size(v)))
			return error(c, 400, json_incref(v),
				     "extension_mandatory: no extension is supported");
	} else {
		const char *q;
		char *end;

		q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "number");
		if (q) {
			number = strtoll(q, &end, 10);
			if (!*q || *end)
				return error(c, 400, NULL, "number must be an integer");
		}
		q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "size");
		if (q) {
			size = strtoll(q, &end, 10);
			if (!*q || *end)
				return error(c, 400, NULL, "size must be an integer");
		}
	}
	if (number < 1 || number > (long long)K->max_per_request)
		return error(c, 400, NULL, "number %lld is not within 1..%zu (max_key_per_request)",
			     number, K->max_per_request);
	if (size != K->key_size)
		return error(c, 400, NULL, "size %lld is not supported: min_key_size = max_key_size = %u",
			     size, K->key_size);
	ids = malloc(16 * number);
	keys = malloc(K->store.key_bytes * number);
	if (!ids || !keys) {
		free(ids);
		free(keys);
		return error(c, 503, NULL, "out of memory");
	}
	err = kmd_store_take(&K->store, K->role, number, ids, keys);
	if (err == -EAGAIN)
		ret = error(c, 503, NULL, "not enough keys: %lld asked for, fewer stored",
			    number);
	else if (err)
		ret = error(c, 503, NULL, "the key store cannot be written");
	else
		ret = reply_json(c, MHD_HTTP_OK, keys_json(ids, keys, number));
	if (!err && K->verbose)
		kmd_log("enc_keys: %lld keys to %s", number, K->sae_id);
	free(ids);
	free(keys);
	return ret;
}

static enum MHD_Result dec_keys(struct MHD_Connection *c, json_t *body)
{
	char peer = K->role == 'A' ? 'B' : 'A';
	size_t n, i, bad = 0;
	uint8_t *ids, *keys;
	enum MHD_Result ret;
	json_t *arr = NULL, *v;
	const char *q = NULL;
	int err;

	if (body) {
		arr = json_object_get(body, "key_IDs");
		if (!json_is_array(arr) || !json_array_size(arr))
			return error(c, 400, NULL, "key_IDs: a non-empty array is required");
		n = json_array_size(arr);
	} else {
		q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "key_ID");
		if (!q)
			return error(c, 400, NULL, "key_ID is required");
		n = 1;
	}
	if (n > K->max_per_request)
		return error(c, 400, NULL, "%zu key_IDs, more than max_key_per_request %zu",
			     n, K->max_per_request);
	ids = malloc(16 * n);
	keys = malloc(K->store.key_bytes * n);
	if (!ids || !keys) {
		free(ids);
		free(keys);
		return error(c, 503, NULL, "out of memory");
	}
	for (i = 0; i < n; i++) {
		const char *s = q;

		if (arr) {
			v = json_object_get(json_array_get(arr, i), "key_ID");
			s = json_string_value(v);
		}
		if (!s || kmd_uuid_parse(s, ids + 16 * i)) {
			free(ids);
			free(keys);
			return error(c, 400, NULL, "key_ID %zu is not a UUID", i);
		}
	}
	err = kmd_store_take_ids(&K->store, peer, ids, n, keys, &bad);
	if (err == -ENOENT) {
		char uuid[37];

		kmd_uuid_str(ids + 16 * bad, uuid);
		ret = error(c, 400, json_pack("[{s:s}]", "key_ID", uuid),
			    "key_ID %s: no such key for %s from %s (unknown or already taken)",
			    uuid, K->sae_id, K->peer_sae_id);
	} else if (err) {
		ret = error(c, 503, NULL, "the key store cannot be written");
	} else {
		ret = reply_json(c, MHD_HTTP_OK, keys_json(ids, keys, n));
		if (K->verbose)
			kmd_log("dec_keys: %zu keys to %s", n, K->sae_id);
	}
	free(ids);
	free(keys);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
			       const char *url, const char *method,
			       const char *version, const char *data,
			       size_t *data_size, void **con_cls)
{
	struct req *rq = *con_cls;
	char sae[KMD_ID_MAX + 1], other[KMD_ID_MAX + 1], what[16];
	int post = !strcmp(method, "POST"), n = 0;
	json_t *body = NULL;
	json_error_t jerr;
	enum MHD_Result ret;

	(void)cls;
	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*data_size) {
		if (rq->len + *data_size > BODY_MAX) {
			rq->too_big = 1;
		} else {
			char *b = realloc(rq->body, rq->len + *data_size + 1);

			if (!b)
				return MHD_NO;
			rq->body = b;
			memcpy(b + rq->len, data, *data_size);
			rq->len += *data_size;
			b[rq->len] = '\0';
		}
		*data_size = 0;
		return MHD_YES;
	}

	if (caller_sae(c, sae, sizeof(sae)) || strcmp(sae, K->sae_id))
		return error(c, 401, NULL, "a client certificate of an SAE of this KME is required");
	if (sscanf(url, "/api/v1/keys/%64[^/]/%15[a-z_]%n", other, what, &n) != 2 ||
	    url[n])
		return error(c, 404, NULL, "no such resource: %s", url);
	if (strcmp(method, "GET") && !post)
		return error(c, 405, NULL, "method %s not allowed", method);
	if (strcmp(other, K->peer_sae_id))
		return error(c, 400, NULL, "%s: unknown SAE ID (this KME pairs %s with %s)",
			     other, K->sae_id, K->peer_sae_id);
	if (post) {
		if (rq->too_big)
			return error(c, 400, NULL, "request body over %d bytes", BODY_MAX);
		body = json_loadb(rq->body ? rq->body : "", rq->len, 0, &jerr);
		if (!json_is_object(body)) {
			json_decref(body);
			return error(c, 400, NULL, "the body is not a JSON object: %s",
				     jerr.text);
		}
	}
	if (!strcmp(what, "status") && !post)
		ret = status(c);
	else if (!strcmp(what, "enc_keys"))
		ret = enc_keys(c, body);
	else if (!strcmp(what, "dec_keys"))
		ret = dec_keys(c, body);
	else
		ret = error(c, 404, NULL, "no such resource: %s", url);
	json_decref(body);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq) {
		free(rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

int kmd_http_start(struct kmd *k)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE }, *ai;
	char host[256], *port;

	K = k;
	mem_cert = slurp(k->cert);
	mem_key = slurp(k->key);
	mem_ca = slurp(k->ca);
	if (!mem_cert || !mem_key || !mem_ca) {
		kmd_log("cannot read --cert, --key or --ca: %s", strerror(errno));
		return -1;
	}
	snprintf(host, sizeof(host), "%s", k->listen);
	port = strrchr(host, ':');
	if (!port) {
		kmd_log("--listen %s: ADDR:PORT", k->listen);
		return -1;
	}
	*port++ = '\0';
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if (getaddrinfo(*host ? host : NULL, port, &hints, &ai)) {
		kmd_log("--listen %s: cannot resolve", k->listen);
		return -1;
	}
	daemon_ = MHD_start_daemon(
		MHD_USE_TLS | MHD_USE_THREAD_PER_CONNECTION |
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
		(ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, handler, NULL,
		MHD_OPTION_SOCK_ADDR, ai->ai_addr,
		MHD_OPTION_HTTPS_MEM_CERT, mem_cert,
		MHD_OPTION_HTTPS_MEM_KEY, mem_key,
		MHD_OPTION_HTTPS_MEM_TRUST, mem_ca,
		MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
		MHD_OPTION_CONNECTION_LIMIT, 512,
		MHD_OPTION_CONNECTION_TIMEOUT, 30,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 256,
		MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!daemon_) {
		kmd_log("cannot start HTTPS on %s", k->listen);
		return -1;
	}
	return 0;
}

void kmd_http_stop(void)
{
	if (daemon_)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
}
