/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peer_wire.c - the peer packet: layout, keys, HMAC-SHA256, replay guard.
 *
 *   off len
 *     0   4  magic "QOTP"
 *     4   1  version (2)
 *     5   1  type
 *     6   2  flags
 *     8   4  key id
 *    12   4  status
 *    16   4  epoch
 *    20   2  depth
 *    22   2  reserved, zero
 *    24  64  timeline name, NUL-padded
 *    88  64  sender node name, NUL-padded
 *   152   8  seq          160 8 echo          168 8 sent
 *   176   8  t1           184 8 t2            192 8 t3
 *   200   8  below        208 8 above         216 8 correction
 *   224  32  HMAC-SHA256 of bytes 0..223
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "peer_wire.h"
#include "qot.h"
#include "wire.h"

#define OFF_MAGIC    0
#define OFF_VERSION  4
#define OFF_TYPE     5
#define OFF_FLAGS    6
#define OFF_KEY	     8
#define OFF_STATUS   12
#define OFF_EPOCH    16
#define OFF_DEPTH    20
#define OFF_RESERVED 22
#define OFF_TIMELINE 24
#define OFF_NODE     88
#define OFF_SEQ	     152
#define OFF_ECHO     160
#define OFF_SENT     168
#define OFF_T1	     176
#define OFF_T2	     184
#define OFF_T3	     192
#define OFF_BELOW    200
#define OFF_ABOVE    208
#define OFF_CORR     216
#define NAME_FIELD   64

_Static_assert(OFF_CORR + 8 == PEER_WIRE_SIGNED, "layout");
_Static_assert(NAME_FIELD == QOT_NAME_MAX, "a name fills its field at most");

struct peer_key {
	uint32_t id;
	EVP_MAC_CTX *ctx; /* keyed, never finalised: duplicated per packet */
};

struct peer_keys {
	EVP_MAC *mac;
	size_t n;
	struct peer_key key[PEER_KEYS_MAX];
};

static const char *const drop_names[PEER_DROP_NREASONS] = {
	[PEER_DROP_OK] = "ok",
	[PEER_DROP_SHORT] = "short",
	[PEER_DROP_LONG] = "long",
	[PEER_DROP_MAGIC] = "magic",
	[PEER_DROP_VERSION] = "version",
	[PEER_DROP_KEY] = "key",
	[PEER_DROP_MAC] = "mac",
	[PEER_DROP_MALFORMED] = "malformed",
	[PEER_DROP_TIMELINE] = "timeline",
	[PEER_DROP_REPLAY] = "replay",
	[PEER_DROP_STALE] = "stale",
	[PEER_DROP_UNEXPECTED] = "unexpected",
	[PEER_DROP_RATE] = "rate",
	[PEER_DROP_PEERS] = "peers",
};

const char *peer_drop_name(enum peer_drop why)
{
	return (unsigned)why < PEER_DROP_NREASONS ? drop_names[why] : "?";
}

static void put64(uint8_t *p, uint64_t v)
{
	wire_put32(p, (uint32_t)(v >> 32));
	wire_put32(p + 4, (uint32_t)v);
}

/* ---- keys ----------------------------------------------------------------- */

void peer_keys_free(struct peer_keys *k)
{
	if (k == NULL)
		return;
	for (size_t i = 0; i < k->n; i++)
		EVP_MAC_CTX_free(k->key[i].ctx); /* OpenSSL cleanses the key it holds */
	EVP_MAC_free(k->mac);
	free(k);
}

static struct peer_keys *keys_new(void)
{
	struct peer_keys *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (k->mac == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

/* Add a key: 0, -EEXIST (id repeated), -E2BIG, -ENOMEM. */
static int keys_add(struct peer_keys *k, uint32_t id, const uint8_t *secret, size_t len)
{
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC_CTX *ctx;

	for (size_t i = 0; i < k->n; i++)
		if (k->key[i].id == id)
			return -EEXIST;
	if (k->n == PEER_KEYS_MAX)
		return -E2BIG;
	ctx = EVP_MAC_CTX_new(k->mac);
	if (ctx == NULL || !EVP_MAC_init(ctx, secret, len, params)) {
		EVP_MAC_CTX_free(ctx);
		return -ENOMEM;
	}
	k->key[k->n].id = id;
	k->key[k->n].ctx = ctx;
	k->n++;
	return 0;
}

int peer_keys_single(struct peer_keys **out, uint32_t id, const uint8_t *secret, size_t len)
{
	struct peer_keys *k;
	int err;

	if (id == 0 || id > PEER_KEY_MAXID || len < PEER_KEY_MIN || len > PEER_KEY_MAX)
		return -EINVAL;
	k = keys_new();
	if (k == NULL)
		return -ENOMEM;
	err = keys_add(k, id, secret, len);
	if (err) {
		peer_keys_free(k);
		return err;
	}
	*out = k;
	return 0;
}

uint32_t peer_keys_signing_id(const struct peer_keys *k)
{
	return k->key[0].id;
}

size_t peer_keys_count(const struct peer_keys *k)
{
	return k->n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A secret in text: hex, or "base64:...". Its length, or -1. */
static int decode_secret(const char *s, size_t len, uint8_t out[PEER_KEY_MAX])
{
	if (len > 7 && memcmp(s, "base64:", 7) == 0) {
		uint8_t tmp[PEER_KEY_MAX + 3];
		size_t n = len - 7, pad = 0;
		int got;

		if (n == 0 || n % 4 != 0 || n > 4 * ((PEER_KEY_MAX + 2) / 3))
			return -1;
		for (size_t i = 7; i < len; i++) {
			char c = s[i];
			if (c == '=') {
				pad++;
			} else if (pad || !(isalnum((unsigned char)c) || c == '+' || c == '/')) {
				return -1;
			}
		}
		if (pad > 2)
			return -1;
		got = EVP_DecodeBlock(tmp, (const unsigned char *)s + 7, (int)n);
		if (got < 0)
			return -1;
		got -= (int)pad; /* EVP_DecodeBlock counts the padding as zero bytes */
		if (got < PEER_KEY_MIN || got > PEER_KEY_MAX)
			got = -1;
		else
			memcpy(out, tmp, (size_t)got);
		OPENSSL_cleanse(tmp, sizeof(tmp));
		return got;
	}
	if (len % 2 || len < 2 * PEER_KEY_MIN || len > 2 * PEER_KEY_MAX)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(len / 2);
}

static int parse_line(struct peer_keys *k, const char *p, const char *end, const char **why)
{
	uint8_t secret[PEER_KEY_MAX];
	const char *w;
	uint64_t id = 0;
	int n, err;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#')
		return 0;
	for (w = p; p < end && *p >= '0' && *p <= '9'; p++) {
		id = id * 10 + (uint64_t)(*p - '0');
		if (id > PEER_KEY_MAXID)
			break;
	}
	if (p == w || id == 0 || id > PEER_KEY_MAXID || p == end || (*p != ' ' && *p != '\t')) {
		*why = "expected a key id (1..4294967294), then its secret";
		return -EINVAL;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (w = p; p < end && *p != ' ' && *p != '\t' && *p != '#'; p++)
		;
	n = decode_secret(w, (size_t)(p - w), secret);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (n < 0 || (p < end && *p != '#')) {
		OPENSSL_cleanse(secret, sizeof(secret));
		*why = "a secret is 32..128 hex digits or base64:... of 16..64 bytes";
		return -EINVAL;
	}
	err = keys_add(k, (uint32_t)id, secret, (size_t)n);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (err == -EEXIST)
		*why = "key id listed twice";
	else if (err == -E2BIG)
		*why = "too many keys (16 at most)";
	else if (err)
		*why = "the MAC library failed";
	return err == -EEXIST || err == -E2BIG ? -EINVAL : err;
}

int peer_keys_parse(struct peer_keys **out, const char *text, size_t len, char *err, size_t errlen)
{
	struct peer_keys *k = keys_new();
	const char *p = text, *end = text + len;
	unsigned line = 0;

	if (k == NULL) {
		snprintf(err, errlen, "the MAC library failed");
		return -ENOMEM;
	}
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *why = NULL;
		int res;

		if (eol == NULL)
			eol = end;
		line++;
		if (memchr(p, '\0', (size_t)(eol - p)) != NULL) {
			why = "a NUL byte";
			res = -EINVAL;
		} else {
			res = parse_line(k, p, eol, &why);
		}
		if (res) {
			snprintf(err, errlen, "%u: %s", line, why ? why : strerror(-res));
			peer_keys_free(k);
			return res;
		}
		p = eol + 1;
	}
	if (k->n == 0) {
		snprintf(err, errlen, "no key");
		peer_keys_free(k);
		return -EINVAL;
	}
	*out = k;
	return 0;
}

int peer_keys_load(struct peer_keys **out, const char *path, char *err, size_t errlen)
{
	char buf[8192];
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), res;

	if (fd < 0) {
		res = -errno;
		snprintf(err, errlen, "%s", strerror(-res));
		return res;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "not a regular file");
		return -EINVAL;
	}
	if ((st.st_mode & 077) || (st.st_uid != 0 && st.st_uid != geteuid())) {
		close(fd);
		snprintf(err, errlen,
			 "mode %03o owner %u: the key file must be owned by root or "
			 "by syncd's user and closed to group and others (chmod 600)",
			 (unsigned)(st.st_mode & 0777), (unsigned)st.st_uid);
		return -EPERM;
	}
	while ((n = read(fd, buf + len, sizeof(buf) - len)) > 0) {
		len += (size_t)n;
		if (len == sizeof(buf))
			break;
	}
	res = n < 0 ? -errno : 0;
	close(fd);
	if (res == 0 && len == sizeof(buf)) {
		snprintf(err, errlen, "too large (8 KiB at most)");
		res = -EFBIG;
	} else if (res) {
		snprintf(err, errlen, "%s", strerror(-res));
	} else {
		res = peer_keys_parse(out, buf, len, err, errlen);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return res;
}

/* ---- MAC ------------------------------------------------------------------ */

static const struct peer_key *key_by_id(const struct peer_keys *k, uint32_t id)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->key[i].id == id)
			return &k->key[i];
	return NULL;
}

static int mac(const struct peer_key *key, const uint8_t *buf, uint8_t out[PEER_WIRE_MAC_LEN])
{
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(key->ctx);
	size_t n = 0;
	int ok;

	if (ctx == NULL)
		return -ENOMEM;
	ok = EVP_MAC_update(ctx, buf, PEER_WIRE_SIGNED) &&
	     EVP_MAC_final(ctx, out, &n, PEER_WIRE_MAC_LEN) && n == PEER_WIRE_MAC_LEN;
	EVP_MAC_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/* ---- encoding ------------------------------------------------------------- */

static bool name_ok(const char *s)
{
	size_t n = strnlen(s, QOT_NAME_MAX + 1);

	return n <= QOT_NAME_MAX && qot_name_valid(s, n);
}

/* The fields a type does not use are zero; the rest in range. */
static bool msg_ok(const struct peer_msg *m)
{
	if ((m->flags & ~PEER_FLAG_ALL) || m->status > QOT_STATUS_HOLDOVER)
		return false;
	if (!name_ok(m->timeline) || !name_ok(m->node))
		return false;
	switch (m->type) {
	case PEER_MSG_REQUEST:
		return m->echo == 0 && m->t2 == 0 && m->t3 == 0 && m->below == 0 && m->above == 0 &&
		       m->correction == 0;
	case PEER_MSG_RESPONSE:
		return m->correction == 0;
	case PEER_MSG_CORRECTION:
		return true;
	case PEER_MSG_FOLLOWUP:
		return m->t2 == 0 && m->correction == 0;
	default:
		return false;
	}
}

static void put_name(uint8_t *p, const char *s)
{
	size_t n = strnlen(s, NAME_FIELD);

	memset(p, 0, NAME_FIELD);
	memcpy(p, s, n);
}

int peer_wire_encode(const struct peer_keys *k, const struct peer_msg *m,
		     uint8_t buf[PEER_WIRE_LEN])
{
	if (!msg_ok(m))
		return -EINVAL;
	memcpy(buf + OFF_MAGIC, PEER_WIRE_MAGIC, 4);
	buf[OFF_VERSION] = PEER_WIRE_VERSION;
	buf[OFF_TYPE] = m->type;
	wire_put16(buf + OFF_FLAGS, m->flags);
	wire_put32(buf + OFF_KEY, k->key[0].id);
	wire_put32(buf + OFF_STATUS, m->status);
	wire_put32(buf + OFF_EPOCH, m->epoch);
	wire_put16(buf + OFF_DEPTH, m->depth);
	wire_put16(buf + OFF_RESERVED, 0);
	put_name(buf + OFF_TIMELINE, m->timeline);
	put_name(buf + OFF_NODE, m->node);
	put64(buf + OFF_SEQ, m->seq);
	put64(buf + OFF_ECHO, m->echo);
	put64(buf + OFF_SENT, (uint64_t)m->sent);
	put64(buf + OFF_T1, (uint64_t)m->t1);
	put64(buf + OFF_T2, (uint64_t)m->t2);
	put64(buf + OFF_T3, (uint64_t)m->t3);
	put64(buf + OFF_BELOW, m->below);
	put64(buf + OFF_ABOVE, m->above);
	put64(buf + OFF_CORR, (uint64_t)m->correction);
	return mac(&k->key[0], buf, buf + PEER_WIRE_SIGNED);
}

/* A NUL-padded name field: the name, then only NULs. */
static bool get_name(const uint8_t *p, char out[QOT_NAME_MAX + 1])
{
	size_t n = strnlen((const char *)p, NAME_FIELD);

	for (size_t i = n; i < NAME_FIELD; i++)
		if (p[i] != 0)
			return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return qot_name_valid(out, n);
}

enum peer_drop peer_wire_decode(const struct peer_keys *k, const uint8_t *buf, size_t len,
				struct peer_msg *out)
{
	uint8_t want[PEER_WIRE_MAC_LEN];
	const struct peer_key *key;
	struct peer_msg m;

	if (len < PEER_WIRE_LEN)
		return len >= 4 && memcmp(buf, PEER_WIRE_MAGIC, 4) != 0 ? PEER_DROP_MAGIC
									: PEER_DROP_SHORT;
	if (len > PEER_WIRE_LEN)
		return PEER_DROP_LONG;
	if (memcmp(buf + OFF_MAGIC, PEER_WIRE_MAGIC, 4) != 0)
		return PEER_DROP_MAGIC;
	if (buf[OFF_VERSION] != PEER_WIRE_VERSION)
		return PEER_DROP_VERSION;
	key = key_by_id(k, wire_get32(buf + OFF_KEY));
	if (key == NULL)
		return PEER_DROP_KEY;
	if (mac(key, buf, want) != 0 ||
	    CRYPTO_memcmp(want, buf + PEER_WIRE_SIGNED, PEER_WIRE_MAC_LEN) != 0)
		return PEER_DROP_MAC;

	memset(&m, 0, sizeof(m));
	m.type = buf[OFF_TYPE];
	m.flags = wire_get16(buf + OFF_FLAGS);
	m.key_id = key->id;
	m.status = wire_get32(buf + OFF_STATUS);
	m.epoch = wire_get32(buf + OFF_EPOCH);
	m.depth = wire_get16(buf + OFF_DEPTH);
	if (wire_get16(buf + OFF_RESERVED) != 0 || !get_name(buf + OFF_TIMELINE, m.timeline) ||
	    !get_name(buf + OFF_NODE, m.node))
		return PEER_DROP_MALFORMED;
	m.seq = wire_get64(buf + OFF_SEQ);
	m.echo = wire_get64(buf + OFF_ECHO);
	m.sent = (int64_t)wire_get64(buf + OFF_SENT);
	m.t1 = (int64_t)wire_get64(buf + OFF_T1);
	m.t2 = (int64_t)wire_get64(buf + OFF_T2);
	m.t3 = (int64_t)wire_get64(buf + OFF_T3);
	m.below = wire_get64(buf + OFF_BELOW);
	m.above = wire_get64(buf + OFF_ABOVE);
	m.correction = (int64_t)wire_get64(buf + OFF_CORR);
	if (!msg_ok(&m))
		return PEER_DROP_MALFORMED;
	*out = m;
	return PEER_DROP_OK;
}

/* ---- replay guard --------------------------------------------------------- */

struct guard_peer {
	char node[QOT_NAME_MAX + 1]; /* "" for a free slot */
	uint64_t top;		     /* the highest sequence number accepted */
	uint64_t seen;		     /* bit i: top - i was accepted */
};

struct peer_guard {
	int64_t freshness;
	struct guard_peer peer[PEER_GUARD_PEERS];
};

int peer_guard_new(struct peer_guard **out, int64_t freshness_ns)
{
	struct peer_guard *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return -ENOMEM;
	g->freshness = freshness_ns > 0 ? freshness_ns : 0;
	*out = g;
	return 0;
}

void peer_guard_free(struct peer_guard *g)
{
	free(g);
}

static struct guard_peer *guard_find(struct peer_guard *g, const char *node, bool add)
{
	struct guard_peer *free_slot = NULL;

	for (size_t i = 0; i < PEER_GUARD_PEERS; i++) {
		if (strcmp(g->peer[i].node, node) == 0 && node[0] != '\0')
			return &g->peer[i];
		if (free_slot == NULL && g->peer[i].node[0] == '\0')
			free_slot = &g->peer[i];
	}
	if (!add || free_slot == NULL)
		return NULL;
	snprintf(free_slot->node, sizeof(free_slot->node), "%s", node);
	free_slot->top = 0;
	free_slot->seen = 0;
	return free_slot;
}

enum peer_drop peer_guard_accept(struct peer_guard *g, const struct peer_msg *m, int64_t now)
{
	struct guard_peer *p;

	if (g->freshness) {
		/* |sent - now| > freshness, without overflow. */
		bool late =
			m->sent < now && (uint64_t)now - (uint64_t)m->sent > (uint64_t)g->freshness;
		bool early =
			m->sent > now && (uint64_t)m->sent - (uint64_t)now > (uint64_t)g->freshness;
		if (late || early)
			return PEER_DROP_STALE;
	}
	if (m->seq == 0)
		return PEER_DROP_REPLAY; /* 0 is never sent */
	p = guard_find(g, m->node, false);
	if (p == NULL) {
		p = guard_find(g, m->node, true);
		if (p == NULL)
			return PEER_DROP_PEERS;
		p->top = m->seq;
		p->seen = 1;
		return PEER_DROP_OK;
	}
	if (m->seq > p->top) {
		uint64_t shift = m->seq - p->top;
		p->seen = shift >= PEER_GUARD_WINDOW ? 1 : p->seen << shift | 1;
		p->top = m->seq;
		return PEER_DROP_OK;
	}
	if (p->top - m->seq >= PEER_GUARD_WINDOW || (p->seen >> (p->top - m->seq) & 1))
		return PEER_DROP_REPLAY;
	p->seen |= (uint64_t)1 << (p->top - m->seq);
	return PEER_DROP_OK;
}

void peer_guard_forget(struct peer_guard *g, const char *node)
{
	struct guard_peer *p = guard_find(g, node, false);

	if (p)
		memset(p, 0, sizeof(*p));
}
