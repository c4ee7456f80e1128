/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_peerwire.c - the peer packet (syncd/peer_wire.c): decoding, the key
 * file, the replay window. The first byte picks what the rest is:
 *
 *   0  a datagram as received. Whatever it is, decoding either refuses it
 *      (leaving the output alone) or accepts it, and then encoding the result
 *      gives back exactly the datagram, and any single-bit change of it is
 *      refused.
 *   1  a packet re-signed here with the test key by OpenSSL's one-shot HMAC()
 *      (independent of the product's EVP_MAC code), so the fuzzer reaches the
 *      field checks behind the MAC: accepted iff a separate reading of the
 *      layout finds every field valid, and then encode(decode(x)) == x.
 *   2  a message struct from bytes: encode succeeds iff the fields are valid
 *      (the same separate reading), and decode(encode(m)) == m.
 *   3  sequence numbers for one sender: the guard accepts each iff a plain
 *      model (a set of accepted numbers, the window below the largest) does.
 *   4  a key file.
 *   5  four timestamps (syncd/peer_exchange.c): refused, or an interval that
 *      holds every offset the timestamps allow ([t3 - b4, t2 - b1], computed
 *      here in 128 bits), with a delay that is that interval's width.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fuzz.h"
#include "peer_exchange.h"
#include "peer_wire.h"
#include "qot.h"

static const uint8_t KEY[32] = "fuzz-peer-key-0123456789abcdefgh";
#define KEY_ID 7

static struct peer_keys *keys(void)
{
	static struct peer_keys *k;

	if (k == NULL)
		FUZZ_CHECK(peer_keys_single(&k, KEY_ID, KEY, sizeof(KEY)) == 0);
	return k;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A name field read by hand: 1..64 of [A-Za-z0-9._-], not starting with '.', then NULs. */
static int field_name_ok(const uint8_t *p)
{
	size_t n = 0;

	while (n < 64 && p[n])
		n++;
	if (n == 0 || p[0] == '.')
		return 0;
	for (size_t i = 0; i < 64; i++) {
		int c = p[i];
		if (i >= n ? c != 0
			   : !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* The layout of docs/peer-protocol.md, read independently of peer_wire.c. */
static int layout_valid(const uint8_t *b)
{
	int type = b[5];
	uint16_t flags = (uint16_t)(b[6] << 8 | b[7]);
	int zero_t2_to_corr = 1;

	if (memcmp(b, "QOTP", 4) != 0 || b[4] != 2 || be32(b + 8) != KEY_ID)
		return 0;
	if (type < 1 || type > 4 || (flags & ~0x001fu) || be32(b + 12) > 2 || b[22] || b[23])
		return 0;
	if (!field_name_ok(b + 24) || !field_name_ok(b + 88))
		return 0;
	for (int off = 184; off < 224; off++) /* t2, t3, below, above, correction */
		if (b[off])
			zero_t2_to_corr = 0;
	if (type == 1)
		return be64(b + 160) == 0 && zero_t2_to_corr; /* echo too */
	if (type == 2)
		return be64(b + 216) == 0;
	if (type == 4)
		return be64(b + 184) == 0 && be64(b + 216) == 0; /* t2 and correction */
	return 1;
}

static void sign(uint8_t *b)
{
	unsigned len = 0;

	FUZZ_CHECK(HMAC(EVP_sha256(), KEY, sizeof(KEY), b, PEER_WIRE_SIGNED, b + PEER_WIRE_SIGNED,
			&len) != NULL &&
		   len == PEER_WIRE_MAC_LEN);
}

static int msg_equal(const struct peer_msg *a, const struct peer_msg *b)
{
	return a->type == b->type && a->flags == b->flags && a->status == b->status &&
	       a->epoch == b->epoch && a->depth == b->depth &&
	       strcmp(a->timeline, b->timeline) == 0 && strcmp(a->node, b->node) == 0 &&
	       a->seq == b->seq && a->echo == b->echo && a->sent == b->sent && a->t1 == b->t1 &&
	       a->t2 == b->t2 && a->t3 == b->t3 && a->below == b->below && a->above == b->above &&
	       a->correction == b->correction;
}

/* An accepted packet: canonical, and no bit of it can change unnoticed. */
static void accepted(const uint8_t *pkt, const struct peer_msg *m, size_t flip)
{
	uint8_t again[PEER_WIRE_LEN], bent[PEER_WIRE_LEN];
	struct peer_msg out;

	FUZZ_CHECK(m->key_id == KEY_ID);
	FUZZ_CHECK(peer_wire_encode(keys(), m, again) == 0);
	FUZZ_CHECK(memcmp(again, pkt, PEER_WIRE_LEN) == 0);
	memcpy(bent, pkt, PEER_WIRE_LEN);
	bent[flip / 8 % PEER_WIRE_LEN] ^= (uint8_t)(1u << (flip % 8));
	FUZZ_CHECK(peer_wire_decode(keys(), bent, PEER_WIRE_LEN, &out) != PEER_DROP_OK);
}

static void datagram(const uint8_t *d, size_t n)
{
	struct peer_msg out, poison;
	enum peer_drop why;

	memset(&out, FUZZ_POISON, sizeof(out));
	poison = out;
	why = peer_wire_decode(keys(), d, n, &out);
	FUZZ_CHECK((unsigned)why < PEER_DROP_NREASONS && peer_drop_name(why) != NULL);
	if (why != PEER_DROP_OK) {
		FUZZ_CHECK(memcmp(&out, &poison, sizeof(out)) == 0);
		return;
	}
	FUZZ_CHECK(n == PEER_WIRE_LEN);
	accepted(d, &out, n > 0 ? d[n - 1] * 7u + d[0] : 0);
}

static void resigned(const uint8_t *d, size_t n)
{
	uint8_t pkt[PEER_WIRE_LEN] = {0};
	struct peer_msg out;
	enum peer_drop why;

	memcpy(pkt, d, n < PEER_WIRE_SIGNED ? n : PEER_WIRE_SIGNED);
	sign(pkt);
	why = peer_wire_decode(keys(), pkt, sizeof(pkt), &out);
	FUZZ_CHECK((why == PEER_DROP_OK) == layout_valid(pkt));
	if (why == PEER_DROP_OK)
		accepted(pkt, &out, n);
}

static void from_struct(const uint8_t *d, size_t n)
{
	uint8_t raw[PEER_WIRE_SIGNED] = {0}, pkt[PEER_WIRE_LEN];
	struct peer_msg m, back;
	int res;

	/* The fields laid out as on the wire, but filled straight into the struct. */
	memcpy(raw, d, n < sizeof(raw) ? n : sizeof(raw));
	memset(&m, 0, sizeof(m));
	m.type = raw[5];
	m.flags = (uint16_t)(raw[6] << 8 | raw[7]);
	m.status = be32(raw + 12);
	m.epoch = be32(raw + 16);
	m.depth = (uint16_t)(raw[20] << 8 | raw[21]);
	memcpy(m.timeline, raw + 24, 64);
	memcpy(m.node, raw + 88, 64);
	m.seq = be64(raw + 152);
	m.echo = be64(raw + 160);
	m.sent = (int64_t)be64(raw + 168);
	m.t1 = (int64_t)be64(raw + 176);
	m.t2 = (int64_t)be64(raw + 184);
	m.t3 = (int64_t)be64(raw + 192);
	m.below = be64(raw + 200);
	m.above = be64(raw + 208);
	m.correction = (int64_t)be64(raw + 216);
	/* What the wire would carry: the same bytes with our header, each name
	 * NUL-padded after its first NUL (the struct holds a C string). */
	for (int f = 24; f <= 88; f += 64) {
		size_t len = strnlen((const char *)raw + f, 64);
		memset(raw + f + len, 0, 64 - len);
	}
	memcpy(raw, "QOTP\x02", 5); /* version 2 */
	raw[8] = raw[9] = raw[10] = 0;
	raw[11] = KEY_ID;
	raw[22] = raw[23] = 0;
	res = peer_wire_encode(keys(), &m, pkt);
	FUZZ_CHECK((res == 0) == layout_valid(raw));
	if (res != 0)
		return;
	FUZZ_CHECK(memcmp(pkt, raw, PEER_WIRE_SIGNED) == 0);
	FUZZ_CHECK(peer_wire_decode(keys(), pkt, sizeof(pkt), &back) == PEER_DROP_OK);
	FUZZ_CHECK(msg_equal(&m, &back));
}

static void sequences(const uint8_t *d, size_t n)
{
	uint64_t seen[256];
	size_t nseen = 0;
	uint64_t top = 0;
	struct peer_guard *g;
	struct peer_msg m = {.type = PEER_MSG_REQUEST};

	strcpy(m.timeline, "t");
	strcpy(m.node, "n");
	FUZZ_CHECK(peer_guard_new(&g, 0) == 0);
	for (size_t i = 0; i + 8 <= n && nseen < 256; i += 8) {
		uint64_t seq = be64(d + i);
		int repeat = 0, want;

		for (size_t j = 0; j < nseen; j++)
			repeat |= seen[j] == seq;
		/* Fresh, non-zero, and not 64 or more below the largest accepted. */
		want = seq != 0 && !repeat && (nseen == 0 || seq > top || top - seq < 64);
		m.seq = seq;
		FUZZ_CHECK((peer_guard_accept(g, &m, 0) == PEER_DROP_OK) == want);
		if (want) {
			seen[nseen++] = seq;
			if (seq > top)
				top = seq;
		}
	}
	peer_guard_free(g);
}

static void keyfile(const uint8_t *d, size_t n)
{
	struct peer_keys *k = NULL;
	char err[128];

	if (peer_keys_parse(&k, (const char *)d, n, err, sizeof(err)) == 0) {
		FUZZ_CHECK(k != NULL && peer_keys_count(k) >= 1 && peer_keys_count(k) <= 16);
		FUZZ_CHECK(peer_keys_signing_id(k) >= 1);
		peer_keys_free(k);
	} else {
		FUZZ_CHECK(k == NULL && memchr(err, '\0', sizeof(err)) != NULL);
	}
}

static void stamps(const uint8_t *d, size_t n)
{
	uint8_t raw[6 * 8 + 8] = {0};
	struct peer_exchange_config cfg = {0};
	struct peer_stamps s;
	struct peer_measurement m;
	__int128 lo, hi;

	memcpy(raw, d, n < sizeof(raw) ? n : sizeof(raw));
	s = (struct peer_stamps){
		.t1 = (int64_t)be64(raw),
		.t2 = (int64_t)be64(raw + 8),
		.t3 = (int64_t)be64(raw + 16),
		.t4 = (int64_t)be64(raw + 24),
		.b1 = (int64_t)be64(raw + 32),
		.b4 = (int64_t)be64(raw + 40),
	};
	cfg.max_asymmetry = raw[48] & 1 ? be32(raw + 49) : 0;
	if (peer_exchange_measure(&cfg, &s, &m) != 0)
		return;
	lo = (__int128)s.t3 - s.b4;
	hi = (__int128)s.t2 - s.b1;
	FUZZ_CHECK(lo <= hi && (__int128)m.delay == hi - lo && m.at == s.b4);
	FUZZ_CHECK(s.t4 >= s.t1 && s.b4 >= s.b1 && s.t3 >= s.t2);
	/* The truth lies in [lo, hi] and, with a known asymmetry bound A, within
	 * A/2 of the midpoint: the interval reported covers that intersection. */
	__int128 want_lo = 2 * lo, want_hi = 2 * hi;
	if (cfg.max_asymmetry) {
		if (lo + hi - cfg.max_asymmetry > want_lo)
			want_lo = lo + hi - cfg.max_asymmetry;
		if (lo + hi + cfg.max_asymmetry < want_hi)
			want_hi = lo + hi + cfg.max_asymmetry;
	}
	FUZZ_CHECK(2 * ((__int128)m.base_offset - m.below) <= want_lo &&
		   2 * ((__int128)m.base_offset + m.above) >= want_hi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 6) {
	case 0:
		datagram(data + 1, size - 1);
		break;
	case 1:
		resigned(data + 1, size - 1);
		break;
	case 2:
		from_struct(data + 1, size - 1);
		break;
	case 3:
		sequences(data + 1, size - 1);
		break;
	case 4:
		keyfile(data + 1, size - 1);
		break;
	case 5:
		stamps(data + 1, size - 1);
		break;
	}
	return 0;
}
