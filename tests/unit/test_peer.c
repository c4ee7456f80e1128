/* SPDX-License-Identifier: Apache-2.0 */
/* Units: peer synchronization - packet and keys, replay guard, exchange
 * arithmetic, Berkeley average, failover state machine. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "peer_berkeley.h"
#include "peer_config.h"
#include "peer_sock.h"
#include "peer_timeline.h"
#include "peer_exchange.h"
#include "peer_members.h"
#include "peer_upstream.h"
#include "peer_wire.h"
#include "qot.h"
#include "run_suite.h"

static const uint8_t SECRET[32] = "0123456789abcdef0123456789abcdef";

static struct peer_keys *keys(uint32_t id, const uint8_t *secret)
{
	struct peer_keys *k = NULL;

	ck_assert_int_eq(peer_keys_single(&k, id, secret, 32), 0);
	return k;
}

static struct peer_msg sample_response(void)
{
	struct peer_msg m = {
		.type = PEER_MSG_RESPONSE,
		.flags = PEER_FLAG_ROOT | PEER_FLAG_SYNCED,
		.status = QOT_STATUS_SYNCED,
		.epoch = 7,
		.depth = 0,
		.seq = 1795304408352279031ull,
		.echo = 42,
		.sent = 1795304408352279030,
		.t1 = -5,
		.t2 = INT64_MAX,
		.t3 = INT64_MIN,
		.below = 5000,
		.above = QOT_UNBOUNDED,
	};

	strcpy(m.timeline, "robots");
	strcpy(m.node, "node-a.1");
	return m;
}

/* --- packet ---------------------------------------------------------------- */

START_TEST(wire_roundtrip)
{
	struct peer_keys *k = keys(9, SECRET);
	struct peer_msg m = sample_response(), back;
	uint8_t buf[PEER_WIRE_LEN];

	ck_assert_int_eq(peer_wire_encode(k, &m, buf), 0);
	ck_assert_int_eq(memcmp(buf, "QOTP\x02\x02", 6), 0);
	ck_assert_int_eq(buf[11], 9); /* the key id, big-endian at 8 */
	memset(&back, 0x5a, sizeof(back));
	ck_assert_int_eq(peer_wire_decode(k, buf, sizeof(buf), &back), PEER_DROP_OK);
	m.key_id = 9;
	ck_assert_str_eq(back.timeline, "robots");
	ck_assert_str_eq(back.node, "node-a.1");
	ck_assert_int_eq(back.type, m.type);
	ck_assert_int_eq(back.flags, m.flags);
	ck_assert_int_eq(back.key_id, 9);
	ck_assert_int_eq(back.epoch, 7);
	ck_assert(back.seq == m.seq && back.echo == 42 && back.sent == m.sent);
	ck_assert(back.t1 == -5 && back.t2 == INT64_MAX && back.t3 == INT64_MIN);
	ck_assert(back.below == 5000 && back.above == QOT_UNBOUNDED && back.correction == 0);

	/* A 64-character name fills its field, and comes back. */
	memset(m.node, 'n', 64);
	m.node[64] = '\0';
	ck_assert_int_eq(peer_wire_encode(k, &m, buf), 0);
	ck_assert_int_eq(peer_wire_decode(k, buf, sizeof(buf), &back), PEER_DROP_OK);
	ck_assert_uint_eq(strlen(back.node), 64);
	peer_keys_free(k);
}
END_TEST

START_TEST(wire_refuses_what_it_cannot_sign)
{
	struct peer_keys *k = keys(1, SECRET);
	struct peer_msg m = sample_response();
	uint8_t buf[PEER_WIRE_LEN];

	m.flags = 0x20;
	ck_assert_int_eq(peer_wire_encode(k, &m, buf), -EINVAL);
	m = sample_response();
	m.type = 5;
	ck_assert_int_eq(peer_wire_encode(k, &m, buf), -EINVAL);
	m = sample_response();
	m.type = PEER_MSG_FOLLOWUP; /* carries t3 only: a t2 is refused */
	ck_assert_int_ne(m.t2, 0);
	ck_assert_int_eq(peer_wire_encode(k, &m, buf), -EINVAL);
	m.t2 = 0;
	ck_assert_int_eq(peer_wire_encode(k, &m, buf), 0);
	m = sample_response();
	strcpy(m.node, ".hidden");
	ck_assert_int_eq(peer_wire_encode(k, &m, buf), -EINVAL);
	m = sample_response();
	m.correction = 1; /* only corrections carry one */
	ck_assert_int_eq(peer_wire_encode(k, &m, buf), -EINVAL);
	m = sample_response();
	m.type = PEER_MSG_REQUEST; /* a request has no t2, t3, bounds */
	ck_assert_int_eq(peer_wire_encode(k, &m, buf), -EINVAL);
	peer_keys_free(k);
}
END_TEST

/* Every single-bit change of a valid packet is refused, and so is every length but one. */
START_TEST(wire_any_bit_flip_refused)
{
	struct peer_keys *k = keys(1, SECRET);
	struct peer_msg m = sample_response(), out;
	uint8_t buf[PEER_WIRE_LEN + 8] = {0};

	ck_assert_int_eq(peer_wire_encode(k, &m, buf), 0);
	for (size_t bit = 0; bit < PEER_WIRE_LEN * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ck_assert_int_ne(peer_wire_decode(k, buf, PEER_WIRE_LEN, &out), PEER_DROP_OK);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (size_t len = 0; len < PEER_WIRE_LEN; len++)
		ck_assert_int_ne(peer_wire_decode(k, buf, len, &out), PEER_DROP_OK);
	ck_assert_int_eq(peer_wire_decode(k, buf, PEER_WIRE_LEN - 1, &out), PEER_DROP_SHORT);
	ck_assert_int_eq(peer_wire_decode(k, buf, PEER_WIRE_LEN + 1, &out), PEER_DROP_LONG);
	ck_assert_int_eq(peer_wire_decode(k, buf, PEER_WIRE_LEN, &out), PEER_DROP_OK);
	peer_keys_free(k);
}
END_TEST

/* The MAC is HMAC-SHA256 of the first 224 bytes, as an independent
 * implementation (OpenSSL's one-shot HMAC()) computes it; a packet signed by
 * that with a bad field inside is refused as malformed, not accepted. */
START_TEST(wire_mac_is_hmac_sha256)
{
	struct peer_keys *k = keys(5, SECRET);
	struct peer_msg m = sample_response(), out;
	uint8_t buf[PEER_WIRE_LEN], md[32];
	unsigned mdlen = 0;

	ck_assert_int_eq(peer_wire_encode(k, &m, buf), 0);
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), SECRET, 32, buf, 224, md, &mdlen));
	ck_assert_uint_eq(mdlen, 32);
	ck_assert_int_eq(memcmp(md, buf + 224, 32), 0);

	buf[23] = 1; /* reserved */
	HMAC(EVP_sha256(), SECRET, 32, buf, 224, buf + 224, &mdlen);
	ck_assert_int_eq(peer_wire_decode(k, buf, sizeof(buf), &out), PEER_DROP_MALFORMED);
	buf[23] = 0;
	buf[24 + 6] = 'x'; /* "robots" -> "robotsx": still a name: fine */
	HMAC(EVP_sha256(), SECRET, 32, buf, 224, buf + 224, &mdlen);
	ck_assert_int_eq(peer_wire_decode(k, buf, sizeof(buf), &out), PEER_DROP_OK);
	ck_assert_str_eq(out.timeline, "robotsx");
	buf[24 + 8] = 'y'; /* a byte after the terminator: not NUL-padded */
	HMAC(EVP_sha256(), SECRET, 32, buf, 224, buf + 224, &mdlen);
	ck_assert_int_eq(peer_wire_decode(k, buf, sizeof(buf), &out), PEER_DROP_MALFORMED);
	peer_keys_free(k);
}
END_TEST

START_TEST(wire_other_keys_refused)
{
	uint8_t other[32];
	struct peer_keys *k = keys(1, SECRET), *wrong, *unknown;
	struct peer_msg m = sample_response(), out;
	uint8_t buf[PEER_WIRE_LEN];

	memcpy(other, SECRET, 32);
	other[31] ^= 1;
	wrong = keys(1, other);
	unknown = keys(2, SECRET);
	ck_assert_int_eq(peer_wire_encode(wrong, &m, buf), 0);
	ck_assert_int_eq(peer_wire_decode(k, buf, sizeof(buf), &out), PEER_DROP_MAC);
	ck_assert_int_eq(peer_wire_encode(unknown, &m, buf), 0);
	ck_assert_int_eq(peer_wire_decode(k, buf, sizeof(buf), &out), PEER_DROP_KEY);
	buf[4] = 1; /* the version before the follow-up */
	ck_assert_int_eq(peer_wire_decode(k, buf, sizeof(buf), &out), PEER_DROP_VERSION);
	buf[0] = 'X';
	ck_assert_int_eq(peer_wire_decode(k, buf, sizeof(buf), &out), PEER_DROP_MAGIC);
	ck_assert_str_eq(peer_drop_name(PEER_DROP_MAC), "mac");
	peer_keys_free(k);
	peer_keys_free(wrong);
	peer_keys_free(unknown);
}
END_TEST

/* --- key file -------------------------------------------------------------- */

START_TEST(keys_file_format)
{
	const char *good = "# peers of the robot swarm\n"
			   "7 00112233445566778899aabbccddeeff\n"
			   "\t8   base64:AAECAwQFBgcICQoLDA0ODxAREhM=   # 20 bytes\n\n";
	struct {
		const char *text, *err;
	} bad[] = {
		{"", "no key"},
		{"# nothing\n", "no key"},
		{"7 0011", "1: a secret is"},
		{"7 00112233445566778899aabbccddeefg", "1: a secret is"},
		{"0 00112233445566778899aabbccddeeff", "1: expected a key id"},
		{"4294967295 00112233445566778899aabbccddeeff", "1: expected a key id"},
		{"x 00112233445566778899aabbccddeeff", "1: expected a key id"},
		{"7 00112233445566778899aabbccddeeff\n7 00112233445566778899aabbccddeeff",
		 "2: key id listed twice"},
		{"7 00112233445566778899aabbccddeeff extra", "1: a secret is"},
		{"7 base64:AAECAwQFBgcICQoLDA0ODw", "1: a secret is"},	 /* unpadded */
		{"7 base64:AAECAwQFBgcICQoLDA0O", "1: a secret is"},	 /* 15 bytes */
		{"7 base64:AAECAwQFBgcI=QoLDA0ODw==", "1: a secret is"}, /* '=' inside */
	};
	struct peer_keys *k = NULL;
	char err[128];

	ck_assert_int_eq(peer_keys_parse(&k, good, strlen(good), err, sizeof(err)), 0);
	ck_assert_uint_eq(peer_keys_count(k), 2);
	ck_assert_uint_eq(peer_keys_signing_id(k), 7);
	peer_keys_free(k);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		k = NULL;
		err[0] = '\0';
		ck_assert_int_eq(
			peer_keys_parse(&k, bad[i].text, strlen(bad[i].text), err, sizeof(err)),
			-EINVAL);
		ck_assert_ptr_null(k);
		ck_assert_msg(strncmp(err, bad[i].err, strlen(bad[i].err)) == 0,
			      "%s: got '%s', want '%s...'", bad[i].text, err, bad[i].err);
	}
}
END_TEST

/* The secret in base64 signs what the same secret in hex verifies. */
START_TEST(keys_hex_and_base64_agree)
{
	const char *hex = "3 000102030405060708090a0b0c0d0e0f10111213\n";
	const char *b64 = "3 base64:AAECAwQFBgcICQoLDA0ODxAREhM=\n";
	struct peer_keys *a, *b;
	struct peer_msg m = sample_response(), out;
	uint8_t buf[PEER_WIRE_LEN];
	char err[128];

	ck_assert_int_eq(peer_keys_parse(&a, hex, strlen(hex), err, sizeof(err)), 0);
	ck_assert_int_eq(peer_keys_parse(&b, b64, strlen(b64), err, sizeof(err)), 0);
	ck_assert_int_eq(peer_wire_encode(a, &m, buf), 0);
	ck_assert_int_eq(peer_wire_decode(b, buf, sizeof(buf), &out), PEER_DROP_OK);
	peer_keys_free(a);
	peer_keys_free(b);
}
END_TEST

START_TEST(keys_file_mode_checked)
{
	char path[] = "/tmp/qot-peer-keys-XXXXXX", err[256];
	const char *text = "1 00112233445566778899aabbccddeeff\n";
	struct peer_keys *k = NULL;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(peer_keys_load(&k, path, err, sizeof(err)), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(peer_keys_load(&k, path, err, sizeof(err)), 0);
	ck_assert_uint_eq(peer_keys_signing_id(k), 1);
	peer_keys_free(k);
	unlink(path);
	ck_assert_int_eq(peer_keys_load(&k, path, err, sizeof(err)), -ENOENT);
}
END_TEST

/* --- replay guard ---------------------------------------------------------- */

START_TEST(guard_replays_and_freshness)
{
	struct peer_guard *g;
	struct peer_msg m = sample_response();
	const int64_t now = 1000000000000;

	ck_assert_int_eq(peer_guard_new(&g, 5000000000), 0);
	m.sent = now;
	m.seq = 100;
	ck_assert_int_eq(peer_guard_accept(g, &m, now), PEER_DROP_OK);
	ck_assert_int_eq(peer_guard_accept(g, &m, now), PEER_DROP_REPLAY);
	m.seq = 98; /* late but inside the window: once */
	ck_assert_int_eq(peer_guard_accept(g, &m, now), PEER_DROP_OK);
	ck_assert_int_eq(peer_guard_accept(g, &m, now), PEER_DROP_REPLAY);
	m.seq = 100 + PEER_GUARD_WINDOW - 2; /* the window is now 99 .. 162 */
	ck_assert_int_eq(peer_guard_accept(g, &m, now), PEER_DROP_OK);
	m.seq = 99; /* now just inside: never seen */
	ck_assert_int_eq(peer_guard_accept(g, &m, now), PEER_DROP_OK);
	m.seq = 98; /* out of the window now */
	ck_assert_int_eq(peer_guard_accept(g, &m, now), PEER_DROP_REPLAY);
	m.seq = 1000; /* a jump clears the window */
	ck_assert_int_eq(peer_guard_accept(g, &m, now), PEER_DROP_OK);
	m.seq = 999;
	ck_assert_int_eq(peer_guard_accept(g, &m, now), PEER_DROP_OK);
	/* Another sender has its own window. */
	strcpy(m.node, "other");
	m.seq = 5;
	ck_assert_int_eq(peer_guard_accept(g, &m, now), PEER_DROP_OK);
	/* Freshness: 5 s either way. */
	m.seq = 6;
	m.sent = now - 5000000001;
	ck_assert_int_eq(peer_guard_accept(g, &m, now), PEER_DROP_STALE);
	m.sent = now + 5000000001;
	ck_assert_int_eq(peer_guard_accept(g, &m, now), PEER_DROP_STALE);
	m.sent = INT64_MIN;
	ck_assert_int_eq(peer_guard_accept(g, &m, now), PEER_DROP_STALE);
	m.sent = now + 5000000000;
	ck_assert_int_eq(peer_guard_accept(g, &m, now), PEER_DROP_OK);
	peer_guard_free(g);
}
END_TEST

START_TEST(guard_table_full)
{
	struct peer_guard *g;
	struct peer_msg m = sample_response();

	ck_assert_int_eq(peer_guard_new(&g, 0), 0);
	m.seq = 1;
	for (int i = 0; i < PEER_GUARD_PEERS; i++) {
		snprintf(m.node, sizeof(m.node), "n%d", i);
		ck_assert_int_eq(peer_guard_accept(g, &m, 0), PEER_DROP_OK);
	}
	strcpy(m.node, "late");
	ck_assert_int_eq(peer_guard_accept(g, &m, 0), PEER_DROP_PEERS);
	strcpy(m.node, "n3"); /* known senders go on */
	m.seq = 2;
	ck_assert_int_eq(peer_guard_accept(g, &m, 0), PEER_DROP_OK);
	peer_guard_forget(g, "n3");
	strcpy(m.node, "late");
	ck_assert_int_eq(peer_guard_accept(g, &m, 0), PEER_DROP_OK);
	peer_guard_free(g);
}
END_TEST

/* --- exchange -------------------------------------------------------------- */

/* Upstream 1 ms ahead of the member's timeline, member timeline 200 us ahead
 * of its base clock; 30 us out, 70 us back, 10 us turnaround. */
START_TEST(exchange_known_answer)
{
	struct peer_exchange_config cfg = {.drift = 0, .max_asymmetry = 0, .noise = 0};
	struct peer_stamps s = {
		.b1 = 1000000000,
		.t1 = 1000200000,		    /* base, member tl */
		.t2 = 1000200000 + 30000 + 1000000, /* arrives 30 us later */
		.t3 = 1000200000 + 40000 + 1000000, /* leaves 10 us after */
		.b4 = 1000110000,
		.t4 = 1000200000 + 110000, /* 70 us back */
		.up_below = 500,
		.up_above = 700,
	};
	struct peer_measurement m;

	ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), 0);
	ck_assert_uint_eq(m.delay, 100000);	     /* 110 - 10 us */
	ck_assert_int_eq(m.offset, 1000000 - 20000); /* asymmetry (30 vs 70) moves it 20 us */
	ck_assert_int_eq(m.base_offset, 1200000 - 20000);
	ck_assert_uint_eq(m.half, 50000);
	ck_assert_uint_eq(m.below, 50000 + 500);
	ck_assert_uint_eq(m.above, 50000 + 700);
	ck_assert_int_eq(m.at, s.b4);
	/* The truth (1.2 ms ahead of the base clock) is inside. */
	ck_assert_int_le(m.base_offset - (int64_t)m.below, 1200000);
	ck_assert_int_ge(m.base_offset + (int64_t)m.above, 1200000);

	/* A known bound on the asymmetry narrows it; drift and noise widen it. */
	cfg.max_asymmetry = 40000;
	cfg.drift = 1e-3; /* 1000 ppm over 110 us: 110 ns */
	cfg.noise = 3;
	ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), 0);
	ck_assert_uint_eq(m.half, 20001);
	ck_assert_uint_eq(m.below, 20001 + 110 + 3 + 500);
	/* ...and then the truth (40 us of asymmetry in fact) is just inside. */
	ck_assert_int_ge(m.base_offset + (int64_t)m.above, 1200000);
}
END_TEST

START_TEST(exchange_odd_delay_and_rounding)
{
	struct peer_exchange_config cfg = {0};
	struct peer_stamps s = {.b1 = 0, .t1 = 0, .t2 = 0, .t3 = 0, .b4 = 3, .t4 = 3};
	struct peer_measurement m;

	/* phi in [-3, 0]: midpoint -1.5 floors to -2; both ends within half = 2. */
	ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), 0);
	ck_assert_uint_eq(m.delay, 3);
	ck_assert_int_eq(m.base_offset, -2);
	ck_assert_int_ge(m.base_offset + (int64_t)m.above, 0);
	ck_assert_int_le(m.base_offset - (int64_t)m.below, -3);
	/* Unbounded upstream: unbounded result. */
	s.up_above = QOT_UNBOUNDED;
	ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), 0);
	ck_assert(m.above == QOT_UNBOUNDED && m.below == 2);
}
END_TEST

START_TEST(exchange_impossible_refused)
{
	struct peer_exchange_config cfg = {0};
	struct peer_stamps ok = {.b1 = 10, .t1 = 10, .t2 = 20, .t3 = 25, .b4 = 40, .t4 = 40};
	struct peer_stamps s;
	struct peer_measurement m;

	s = ok, s.t4 = 9;
	ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), -EINVAL);
	s = ok, s.b4 = 9;
	ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), -EINVAL);
	s = ok, s.t3 = 19;
	ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), -EINVAL);
	s = ok, s.t3 = 20 + 31; /* turnaround longer than the round trip */
	ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), -EINVAL);
	s = ok, s.t2 = INT64_MAX - 1, s.t3 = INT64_MAX;
	ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), -EINVAL);
	s = ok, s.t2 = INT64_MIN, s.t3 = INT64_MIN;
	ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), -EINVAL);
	ck_assert_int_eq(peer_exchange_measure(&cfg, &ok, &m), 0);
}
END_TEST

START_TEST(filter_min_delay_and_aging)
{
	struct peer_exchange_config cfg = {0};
	struct peer_filter f;
	struct peer_measurement m, best;
	const double drift = 1e-4; /* 100 ppm: 100 ns per ms */

	peer_filter_init(&f, 4);
	ck_assert_int_eq(peer_filter_best(&f, drift, 0, &best), -EAGAIN);
	/* Delays 800, 200, 600 us at 0, 1, 2 ms; each centred on the truth 5000. */
	for (int i = 0; i < 3; i++) {
		int64_t d = i == 0 ? 800000 : i == 1 ? 200000 : 600000, b = i * 1000000;
		struct peer_stamps s = {.b1 = b,
					.t1 = b,
					.t2 = b + d / 2 + 5000,
					.t3 = b + d / 2 + 5000,
					.b4 = b + d,
					.t4 = b + d};
		ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), 0);
		peer_filter_add(&f, &m);
	}
	ck_assert_int_eq(peer_filter_best(&f, drift, 3000000, &best), 0);
	ck_assert_uint_eq(best.delay, 200000); /* the minimum-delay one */
	ck_assert_int_eq(best.at, 3000000);
	/* Aged from 1.2 ms to 3 ms: 1.8 ms * 100 ppm = 180 ns on each side. */
	ck_assert_uint_eq(best.below, 100000 + 180);
	/* Much later, drift dominates and the newest wins. */
	ck_assert_int_eq(peer_filter_best(&f, 10.0, 100000000, &best), 0);
	ck_assert_uint_eq(best.delay, 600000);
	/* The window keeps the last 4: after four wide ones the narrow one is gone. */
	for (int i = 0; i < 4; i++) {
		int64_t b = 10000000 + i;
		struct peer_stamps s = {
			.b1 = b, .t1 = b, .t2 = b, .t3 = b, .b4 = b + 900000, .t4 = b + 900000};
		ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), 0);
		peer_filter_add(&f, &m);
	}
	ck_assert_int_eq(peer_filter_best(&f, drift, 20000000, &best), 0);
	ck_assert_uint_eq(best.delay, 900000);
	/* Samples from the future (the base clock went back) are skipped. */
	ck_assert_int_eq(peer_filter_best(&f, drift, 0, &best), -EAGAIN);
	peer_filter_reset(&f);
	ck_assert_int_eq(peer_filter_best(&f, drift, 20000000, &best), -EAGAIN);
}
END_TEST

START_TEST(filter_span_intersects_carried_intervals)
{
	struct peer_exchange_config cfg = {0};
	struct peer_filter f;
	struct peer_measurement m;
	struct peer_span sp;

	peer_filter_init(&f, 4);
	ck_assert_int_eq(peer_filter_span(&f, 0, 0, 1e-4, 0, &sp), -EAGAIN);
	/* At 0 ms: delay 800 us, centred on 5000 (true-base in [-395000, 405000]);
	 * at 1 ms: delay 200 us, centred on 5100 (in [-94900, 105100]). */
	for (int i = 0; i < 2; i++) {
		int64_t d = i == 0 ? 800000 : 200000, b = i * 1000000, c = 5000 + i * 100;
		struct peer_stamps s = {.b1 = b,
					.t1 = b,
					.t2 = b + d / 2 + c,
					.t3 = b + d / 2 + c,
					.b4 = b + d,
					.t4 = b + d};
		ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), 0);
		peer_filter_add(&f, &m);
	}
	/* At 2 ms, rate 0, drift 100 ppm: the first (at 0.8 ms, age 1.2 ms:
	 * +-120 ns) is [-395120, 405120], the second (at 1.2 ms, age 0.8 ms:
	 * +-80 ns) [-95000 + 20 ... ]: the second lies inside the first. */
	ck_assert_int_eq(peer_filter_span(&f, 0, 0, 1e-4, 2000000, &sp), 0);
	ck_assert_int_eq(sp.hull, 0);
	ck_assert_double_eq_tol(sp.lo, 5100 - 100000 - 80, 1e-6);
	ck_assert_double_eq_tol(sp.hi, 5100 + 100000 + 80, 1e-6);
	ck_assert_uint_eq(sp.half, 100000);
	ck_assert_int_eq(sp.newest, 1200000);
	/* Relative to ref, and carried at a rate: 1e-3 x 0.8 ms = 800 ns up. */
	ck_assert_int_eq(peer_filter_span(&f, 5100, 1e-3, 0, 2000000, &sp), 0);
	ck_assert_double_eq_tol(sp.lo, -100000 + 800, 1e-6);
	ck_assert_double_eq_tol(sp.hi, 100000 + 800, 1e-6);
	/* Two that overlap in part: the intersection is narrower than either. */
	{
		struct peer_stamps s = {.b1 = 3000000,
					.t1 = 3000000,
					.t2 = 3000000 + 100000 + 5100 + 150000,
					.t3 = 3000000 + 100000 + 5100 + 150000,
					.b4 = 3200000,
					.t4 = 3200000};
		ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), 0);
		peer_filter_add(&f, &m); /* [55100, 255100]: meets [-94900, 105100] */
	}
	ck_assert_int_eq(peer_filter_span(&f, 0, 0, 0, 3200000, &sp), 0);
	ck_assert_int_eq(sp.hull, 0);
	ck_assert_double_eq_tol(sp.lo, 55100, 1e-6);
	ck_assert_double_eq_tol(sp.hi, 105100, 1e-6);
	/* One that contradicts them: nothing says which is wrong, the hull. */
	{
		struct peer_stamps s = {.b1 = 4000000,
					.t1 = 4000000,
					.t2 = 4000000 + 1000 + 900000,
					.t3 = 4000000 + 1000 + 900000,
					.b4 = 4002000,
					.t4 = 4002000};
		ck_assert_int_eq(peer_exchange_measure(&cfg, &s, &m), 0);
		peer_filter_add(&f, &m); /* [899000, 901000] */
	}
	ck_assert_int_eq(peer_filter_span(&f, 0, 0, 0, 4002000, &sp), 0);
	ck_assert_int_eq(sp.hull, 1);
	ck_assert_double_eq_tol(sp.lo, 5000 - 400000, 1e-6);
	ck_assert_double_eq_tol(sp.hi, 901000, 1e-6);
	/* Samples from after now are skipped; none left: nothing. */
	ck_assert_int_eq(peer_filter_span(&f, 0, 0, 0, 500000, &sp), -EAGAIN);
	ck_assert_int_eq(peer_filter_span(&f, 0, 0, 0, 1000000, &sp), 0);
	ck_assert_int_eq(sp.newest, 800000);
}
END_TEST

/* --- Berkeley -------------------------------------------------------------- */

START_TEST(berkeley_average_with_exclusion)
{
	struct peer_berkeley_config cfg = {.threshold = 5000000, .max_delay = 0};
	/* The root at 0; members +2 ms, -1 ms, +3 ms and one 10 s off. */
	struct peer_berkeley_member m[] = {
		{true, 2000000, 100},	  {true, -1000000, 100}, {true, 3000000, 100},
		{true, 10000000000, 100}, {false, 0, 0},
	};
	int64_t corr[5];
	enum peer_berkeley_verdict v[5];
	struct peer_berkeley_result r;

	ck_assert_int_eq(peer_berkeley_round(&cfg, m, 5, corr, v, &r), 0);
	ck_assert_int_eq(r.median, 2000000);  /* of 0, 2, -1, 3, 10000 ms: lower median of 5 */
	ck_assert_int_eq(r.average, 1000000); /* (0 + 2 - 1 + 3) / 4 ms */
	ck_assert_int_eq(r.root_correction, 1000000);
	ck_assert_uint_eq(r.used, 4);
	ck_assert_uint_eq(r.left_out, 1);
	ck_assert_int_eq(v[3], PEER_BK_FAR);
	ck_assert_int_eq(corr[3], 1000000 - 10000000000); /* brought to the average */
	ck_assert_int_eq(v[0], PEER_BK_USED);
	ck_assert_int_eq(corr[0], -1000000);
	ck_assert_int_eq(corr[1], 2000000);
	ck_assert_int_eq(v[4], PEER_BK_UNKNOWN);
	ck_assert_int_eq(corr[4], 0);
	/* Every corrected clock lands on the average. */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(m[i].offset + corr[i], r.average);
	ck_assert_str_eq(peer_berkeley_verdict_name(PEER_BK_FAR), "far");
}
END_TEST

START_TEST(berkeley_slow_far_root_and_rounding)
{
	struct peer_berkeley_config cfg = {.threshold = 1000, .max_delay = 500};
	struct peer_berkeley_member m[] = {
		{true, 10000, 100},
		{true, 10001, 100},
		{true, 10003, 100},
		{true, 0, 600},
	};
	int64_t corr[4];
	enum peer_berkeley_verdict v[4];
	struct peer_berkeley_result r;

	/* The slow one is out; the root (0) is far from the median (10001): out too. */
	ck_assert_int_eq(peer_berkeley_round(&cfg, m, 4, corr, v, &r), 0);
	ck_assert_int_eq(v[3], PEER_BK_SLOW);
	ck_assert_int_eq(r.median, 10000); /* the lower median of 0, 10000, 10001, 10003 */
	ck_assert_uint_eq(r.used, 3);
	ck_assert_int_eq(r.average, 10001); /* floor(30004 / 3) */
	ck_assert_int_eq(r.root_correction, 10001);
	ck_assert_int_eq(corr[3], 10001);
	ck_assert_uint_eq(r.left_out, 1);
	/* Negative averages floor too. */
	struct peer_berkeley_member neg[] = {{true, -1, 0}, {true, -1, 0}};
	cfg.max_delay = 0;
	ck_assert_int_eq(peer_berkeley_round(&cfg, neg, 2, corr, v, &r), 0);
	ck_assert_int_eq(r.average, -1); /* floor(-2 / 3) */
	/* Alone: the root's time. Out-of-range offsets are no measurement. */
	struct peer_berkeley_member wild[] = {{true, INT64_MIN, 0}};
	ck_assert_int_eq(peer_berkeley_round(&cfg, wild, 1, corr, v, &r), 0);
	ck_assert_int_eq(v[0], PEER_BK_UNKNOWN);
	ck_assert(r.average == 0 && r.used == 1);
	ck_assert_int_eq(peer_berkeley_round(&cfg, wild, 5000, corr, v, &r), -EINVAL);
}
END_TEST

/* --- failover -------------------------------------------------------------- */

static const char *const ABC[] = {"a", "b", "c"};

static struct peer_upstream *up_new(const char *self, unsigned k)
{
	struct peer_upstream_config cfg = {.missed = k, .join = 2};
	struct peer_upstream *u;

	ck_assert_int_eq(peer_upstream_new(&u, self, &cfg), 0);
	ck_assert_int_eq(peer_upstream_set_order(u, ABC, 3), 0);
	return u;
}

static void join_quietly(struct peer_upstream *u)
{
	ck_assert_int_eq(peer_upstream_role(u), PEER_ROLE_JOINING);
	peer_upstream_tick(u);
	peer_upstream_tick(u);
}

START_TEST(upstream_cold_start_follows_leader)
{
	struct peer_upstream *a = up_new("a", 3), *c = up_new("c", 3);
	const char *probe[8], *backup[8];

	ck_assert_uint_eq(peer_upstream_probes(c, probe, 8), 2); /* joining: everyone */
	join_quietly(a);
	join_quietly(c);
	ck_assert_int_eq(peer_upstream_role(a), PEER_ROLE_ROOT);
	ck_assert_int_eq(peer_upstream_epoch(a), 0);
	ck_assert_int_eq(peer_upstream_role(c), PEER_ROLE_FOLLOW);
	ck_assert_str_eq(peer_upstream_current(c), "a");
	ck_assert_uint_eq(peer_upstream_backups(c, backup, 8), 2);
	ck_assert_str_eq(backup[0], "b");
	ck_assert_str_eq(backup[1], "c");
	ck_assert_uint_eq(peer_upstream_probes(c, probe, 8), 0); /* a follower only exchanges */
	ck_assert_uint_eq(peer_upstream_probes(a, probe, 8), 1); /* a root probes one a tick */
	peer_upstream_free(a);
	peer_upstream_free(c);
}
END_TEST

START_TEST(upstream_k_misses_fail_over)
{
	struct peer_upstream *b = up_new("b", 3), *c = up_new("c", 3);

	join_quietly(b);
	join_quietly(c);
	/* One or two lost exchanges are not a failure; an answer resets the count. */
	peer_upstream_result(c, "a", false);
	peer_upstream_result(c, "a", false);
	peer_upstream_result(c, "a", true);
	peer_upstream_result(c, "a", false);
	peer_upstream_result(c, "a", false);
	ck_assert_str_eq(peer_upstream_current(c), "a");
	/* Results about others do not count. */
	peer_upstream_result(c, "b", false);
	peer_upstream_result(c, "b", false);
	peer_upstream_result(c, "b", false);
	ck_assert_str_eq(peer_upstream_current(c), "a");
	peer_upstream_result(c, "a", false); /* the third in a row */
	ck_assert_str_eq(peer_upstream_current(c), "b");
	/* b, the backup, takes over when it misses a K times too: a newer epoch. */
	for (int i = 0; i < 3; i++)
		peer_upstream_result(b, "a", false);
	ck_assert_int_eq(peer_upstream_role(b), PEER_ROLE_ROOT);
	ck_assert_int_eq(peer_upstream_epoch(b), 1);
	peer_upstream_observe(c, "b", true, 1, false);
	ck_assert_int_eq(peer_upstream_epoch(c), 1);
	/* If b fails too, c is root; never anything but one upstream or none. */
	for (int i = 0; i < 3; i++)
		peer_upstream_result(c, "b", false);
	ck_assert_int_eq(peer_upstream_role(c), PEER_ROLE_ROOT);
	ck_assert_ptr_null(peer_upstream_current(c));
	ck_assert_int_eq(peer_upstream_epoch(c), 2);
	peer_upstream_free(b);
	peer_upstream_free(c);
}
END_TEST

START_TEST(upstream_old_leader_returns_as_follower)
{
	struct peer_upstream *b = up_new("b", 2), *a;

	join_quietly(b);
	peer_upstream_result(b, "a", false);
	peer_upstream_result(b, "a", false);
	ck_assert_int_eq(peer_upstream_role(b), PEER_ROLE_ROOT);
	/* a restarts (still first in the order: its coordinator kept its place). */
	a = up_new("a", 2);
	peer_upstream_observe(a, "c", false, 1, false); /* a follower: not a root to follow */
	ck_assert_int_eq(peer_upstream_role(a), PEER_ROLE_JOINING);
	peer_upstream_observe(a, "b", true, 1, false);
	ck_assert_int_eq(peer_upstream_role(a), PEER_ROLE_FOLLOW);
	ck_assert_str_eq(peer_upstream_current(a), "b");
	/* b hears from a (not a root): nothing moves; ZooKeeper confirming b neither. */
	peer_upstream_observe(b, "a", false, 1, false);
	ck_assert_int_eq(peer_upstream_role(b), PEER_ROLE_ROOT);
	static const char *const BCA[] = {"b", "c", "a"};
	uint64_t sw = peer_upstream_switches(a);
	ck_assert_int_eq(peer_upstream_set_order(a, BCA, 3), 0);
	ck_assert_int_eq(peer_upstream_set_order(b, BCA, 3), 0);
	ck_assert_str_eq(peer_upstream_current(a), "b");
	ck_assert_int_eq(peer_upstream_role(b), PEER_ROLE_ROOT);
	ck_assert_uint_eq(peer_upstream_switches(a), sw);
	/* A new plan clears the marks (a had marked itself down when it
	 * yielded to b): b failing, a, next in the plan, takes over. */
	static const char *const BAC[] = {"b", "a", "c"};
	ck_assert_int_eq(peer_upstream_set_order(a, BAC, 3), 0);
	ck_assert_str_eq(peer_upstream_current(a), "b");
	peer_upstream_result(a, "b", false);
	peer_upstream_result(a, "b", false);
	ck_assert_int_eq(peer_upstream_role(a), PEER_ROLE_ROOT);
	peer_upstream_free(a);
	peer_upstream_free(b);
}
END_TEST

START_TEST(upstream_two_roots_the_older_yields)
{
	struct peer_upstream *a = up_new("a", 2), *b = up_new("b", 2);

	join_quietly(a);
	join_quietly(b);
	/* A partition: b loses a and takes over; a, cut off, still thinks it is root. */
	peer_upstream_result(b, "a", false);
	peer_upstream_result(b, "a", false);
	ck_assert_int_eq(peer_upstream_role(b), PEER_ROLE_ROOT);
	ck_assert_int_eq(peer_upstream_role(a), PEER_ROLE_ROOT);
	/* Healed: each root's probe reaches the other. */
	peer_upstream_observe(b, "a", true, 0, false); /* older: b stays */
	ck_assert_int_eq(peer_upstream_role(b), PEER_ROLE_ROOT);
	peer_upstream_observe(a, "b", true, 1, false); /* newer: a yields */
	ck_assert_int_eq(peer_upstream_role(a), PEER_ROLE_FOLLOW);
	ck_assert_str_eq(peer_upstream_current(a), "b");
	/* Two take-overs at once (c never heard of b's): the same epoch, and the
	 * earlier in the order wins. */
	struct peer_upstream *c = up_new("c", 2);
	join_quietly(c);
	for (int i = 0; i < 2; i++)
		peer_upstream_result(c, "a", false);
	ck_assert_str_eq(peer_upstream_current(c), "b");
	for (int i = 0; i < 2; i++)
		peer_upstream_result(c, "b", false);
	ck_assert_int_eq(peer_upstream_role(c), PEER_ROLE_ROOT);
	ck_assert_int_eq(peer_upstream_epoch(c), 1);
	peer_upstream_observe(b, "c", true, 1, false);
	ck_assert_int_eq(peer_upstream_role(b), PEER_ROLE_ROOT);
	peer_upstream_observe(c, "b", true, 1, false);
	ck_assert_int_eq(peer_upstream_role(c), PEER_ROLE_FOLLOW);
	ck_assert_str_eq(peer_upstream_current(c), "b");
	peer_upstream_free(a);
	peer_upstream_free(b);
	peer_upstream_free(c);
}
END_TEST

START_TEST(upstream_true_time_beats_averaging)
{
	struct peer_upstream *a = up_new("a", 2), *b = up_new("b", 2), *c = up_new("c", 2);

	/* a has a reference, b and c none; a's syncd is late: b and c give up on it. */
	peer_upstream_set_truth(a, true);
	join_quietly(b);
	join_quietly(c);
	for (int i = 0; i < 2; i++) {
		peer_upstream_result(b, "a", false);
		peer_upstream_result(c, "a", false);
	}
	ck_assert_int_eq(peer_upstream_role(b), PEER_ROLE_ROOT); /* averaging, epoch 1 */
	ck_assert_int_eq(peer_upstream_epoch(b), 1);
	ck_assert_str_eq(peer_upstream_current(c), "b");
	peer_upstream_observe(c, "b", true, 1, false);
	/* a joins and hears b: an averaging root after it in the order. a leads. */
	peer_upstream_observe(a, "b", true, 1, false);
	ck_assert_int_eq(peer_upstream_role(a), PEER_ROLE_ROOT);
	ck_assert_uint_eq(peer_upstream_epoch(a), 2);
	/* b's probe reaches a: true time beats it; it follows a. */
	peer_upstream_observe(b, "a", true, 2, true);
	ck_assert_int_eq(peer_upstream_role(b), PEER_ROLE_FOLLOW);
	ck_assert_str_eq(peer_upstream_current(b), "a");
	/* c stays with b (now a follower of a: a chain), and learns its root's truth. */
	peer_upstream_observe(c, "b", false, 2, true);
	ck_assert_str_eq(peer_upstream_current(c), "b");
	ck_assert_uint_eq(peer_upstream_epoch(c), 2);

	/* A healed partition: b averaged at a newer epoch meanwhile; a with its
	 * reference does not yield to it, b yields to a. */
	struct peer_upstream *a2 = up_new("a", 2), *b2 = up_new("b", 2);
	peer_upstream_set_truth(a2, true);
	join_quietly(a2);
	join_quietly(b2);
	for (int i = 0; i < 2; i++)
		peer_upstream_result(b2, "a", false);
	ck_assert_int_eq(peer_upstream_role(b2), PEER_ROLE_ROOT);
	peer_upstream_observe(a2, "b", true, 1, false);
	ck_assert_int_eq(peer_upstream_role(a2), PEER_ROLE_ROOT);
	peer_upstream_observe(b2, "a", true, 0, true);
	ck_assert_int_eq(peer_upstream_role(b2), PEER_ROLE_FOLLOW);
	ck_assert_str_eq(peer_upstream_current(b2), "a");

	/* A follower of an averaging root hears a root with true time: it switches. */
	struct peer_upstream *c2 = up_new("c", 2);
	join_quietly(c2);
	for (int i = 0; i < 2; i++)
		peer_upstream_result(c2, "a", false);
	peer_upstream_observe(c2, "b", true, 1, false);
	ck_assert_str_eq(peer_upstream_current(c2), "b");
	peer_upstream_observe(c2, "a", true, 0, true);
	ck_assert_str_eq(peer_upstream_current(c2), "a");

	/* a with a reference yielded to b with one too (a newer epoch); b then
	 * loses its reference (it averages): a, before it, leads again. */
	struct peer_upstream *a4 = up_new("a", 2);
	peer_upstream_set_truth(a4, true);
	join_quietly(a4);
	peer_upstream_observe(a4, "b", true, 1, true);
	ck_assert_str_eq(peer_upstream_current(a4), "b");
	peer_upstream_observe(a4, "b", true, 1, false);
	ck_assert_int_eq(peer_upstream_role(a4), PEER_ROLE_ROOT);
	ck_assert_uint_eq(peer_upstream_epoch(a4), 2);
	/* A node after its upstream does not: the order's choice stands. */
	struct peer_upstream *c4 = up_new("c", 2);
	peer_upstream_set_truth(c4, true);
	join_quietly(c4);
	ck_assert_str_eq(peer_upstream_current(c4), "a");
	peer_upstream_observe(c4, "a", true, 0, false);
	ck_assert_str_eq(peer_upstream_current(c4), "a");
	/* a yielded to b, then b dies: a, the first of the order, is a
	 * candidate again (it does not follow c). */
	struct peer_upstream *a5 = up_new("a", 2);
	join_quietly(a5);
	peer_upstream_observe(a5, "b", true, 1, false);
	ck_assert_str_eq(peer_upstream_current(a5), "b");
	peer_upstream_result(a5, "b", false);
	peer_upstream_result(a5, "b", false);
	ck_assert_int_eq(peer_upstream_role(a5), PEER_ROLE_ROOT);
	peer_upstream_free(a4);
	peer_upstream_free(c4);
	peer_upstream_free(a5);

	/* Without a reference the late node follows, as before. */
	struct peer_upstream *a3 = up_new("a", 2);
	peer_upstream_observe(a3, "b", true, 1, false);
	ck_assert_int_eq(peer_upstream_role(a3), PEER_ROLE_FOLLOW);
	ck_assert_str_eq(peer_upstream_current(a3), "b");
	peer_upstream_free(a);
	peer_upstream_free(b);
	peer_upstream_free(c);
	peer_upstream_free(a2);
	peer_upstream_free(b2);
	peer_upstream_free(c2);
	peer_upstream_free(a3);
}
END_TEST

START_TEST(upstream_stale_never_root)
{
	struct peer_upstream *a = up_new("a", 2);
	const char *backup[4];

	join_quietly(a);
	ck_assert_int_eq(peer_upstream_role(a), PEER_ROLE_ROOT);
	peer_upstream_set_stale(a, true);
	ck_assert_int_eq(peer_upstream_role(a), PEER_ROLE_FOLLOW);
	ck_assert_str_eq(peer_upstream_current(a), "b");
	ck_assert_uint_eq(peer_upstream_backups(a, backup, 4), 1);
	ck_assert_str_eq(backup[0], "c");
	/* Everyone unreachable: alone (holdover), then joining again. */
	peer_upstream_result(a, "b", false);
	peer_upstream_result(a, "b", false);
	ck_assert_str_eq(peer_upstream_current(a), "c");
	peer_upstream_result(a, "c", false);
	peer_upstream_result(a, "c", false);
	ck_assert_int_eq(peer_upstream_role(a), PEER_ROLE_ALONE);
	peer_upstream_tick(a);
	peer_upstream_tick(a);
	ck_assert_int_eq(peer_upstream_role(a), PEER_ROLE_JOINING);
	/* Fresh again and nobody answers as root: the order decides. */
	peer_upstream_set_stale(a, false);
	join_quietly(a);
	ck_assert_int_eq(peer_upstream_role(a), PEER_ROLE_ROOT);
	peer_upstream_free(a);
}
END_TEST

START_TEST(upstream_order_changes_and_bad_input)
{
	struct peer_upstream_config cfg = {.missed = 1, .join = 1};
	struct peer_upstream *c;
	static const char *const DUP[] = {"a", "a"};
	static const char *const BAD[] = {"a", ".x"};
	static const char *const BC[] = {"b", "c"};

	ck_assert_int_eq(peer_upstream_new(&c, "c", &(struct peer_upstream_config){0, 1}), -EINVAL);
	ck_assert_int_eq(peer_upstream_new(&c, "bad name", &cfg), -EINVAL);
	ck_assert_int_eq(peer_upstream_new(&c, "c", &cfg), 0);
	ck_assert_int_eq(peer_upstream_set_order(c, DUP, 2), -EINVAL);
	ck_assert_int_eq(peer_upstream_set_order(c, BAD, 2), -EINVAL);
	ck_assert_int_eq(peer_upstream_set_order(c, ABC, 3), 0);
	peer_upstream_tick(c);
	ck_assert_str_eq(peer_upstream_current(c), "a");
	/* a leaves the order (its session expired): c follows the new leader b. */
	ck_assert_int_eq(peer_upstream_set_order(c, BC, 2), 0);
	ck_assert_str_eq(peer_upstream_current(c), "b");
	/* Unknown senders are ignored. */
	peer_upstream_observe(c, "zz", true, 99, false);
	ck_assert_str_eq(peer_upstream_current(c), "b");
	ck_assert_str_eq(peer_role_name(PEER_ROLE_ALONE), "alone");
	peer_upstream_free(c);
}
END_TEST

/* --- configuration ----------------------------------------------------------- */

static int peer_line(struct peer_config *c, const char *line, char *err, size_t errlen)
{
	char buf[512], *w[32];
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok(buf, " "); t && n < 32; t = strtok(NULL, " "))
		w[n++] = t;
	return peer_config_line(c, w, n, err, errlen);
}

START_TEST(members_order)
{
	static struct peer_members m, m2;
	const char *members =
		"node=c leader=no accuracy=none resolution=none peer=10.0.0.3:3219 rank=2\n"
		"node=a leader=yes accuracy=1ms/1ms resolution=none peer=10.0.0.1:3219 rank=0\n"
		"node=d leader=no accuracy=none resolution=none\n"
		"node=b leader=no peer=[fd00::2]:4000 rank=1 future=word\n"
		"node=e leader=no rank=x\n";
	const char *cluster = "state=current node=b leader=a leading=no members=4 "
			      "accuracy=none resolution=none order=b,c\n";
	const struct sockaddr_in *a4;
	const struct sockaddr_in6 *b6;

	peer_members_read(members, strlen(members), cluster, strlen(cluster), &m);
	ck_assert_str_eq(m.self, "b");
	ck_assert(!m.stale);
	ck_assert_uint_eq(m.n, 3); /* d is no candidate, e unreadable */
	ck_assert_uint_eq(m.unreadable, 1);
	ck_assert_str_eq(m.order[0].node, "a");
	ck_assert_str_eq(m.order[1].node, "b");
	ck_assert_str_eq(m.order[2].node, "c");
	a4 = (const struct sockaddr_in *)&m.order[0].addr;
	ck_assert_int_eq(a4->sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(a4->sin_port), 3219);
	ck_assert_uint_eq(ntohl(a4->sin_addr.s_addr), 0x0a000001);
	b6 = (const struct sockaddr_in6 *)&m.order[1].addr;
	ck_assert_int_eq(b6->sin6_family, AF_INET6);
	ck_assert_uint_eq(ntohs(b6->sin6_port), 4000);

	/* stale or none: stale; no node: no self. */
	peer_members_read(members, strlen(members), "state=stale node=b leader=unknown\n", 34, &m2);
	ck_assert(m2.stale);
	ck_assert(!peer_members_equal(&m, &m2));
	peer_members_read("", 0, "state=none node=none leader=none\n", 33, &m2);
	ck_assert(m2.stale && m2.self[0] == '\0' && m2.n == 0);
	peer_members_read(members, strlen(members), cluster, strlen(cluster), &m2);
	ck_assert(peer_members_equal(&m, &m2));
	/* A candidate without an address stays in the order, unreachable. */
	peer_members_read("node=x leader=no rank=0\n", 24, cluster, strlen(cluster), &m2);
	ck_assert_uint_eq(m2.n, 1);
	ck_assert_uint_eq(m2.order[0].len, 0);
}
END_TEST

START_TEST(config_peer_lines)
{
	struct peer_config c, back;
	struct peer_sock_config sc;
	struct peer_timeline_config tc;
	char err[160], text[512];

	peer_config_defaults(&c);
	ck_assert(!c.given);
	ck_assert_int_eq(peer_config_print(&c, text, sizeof(text)), 0);
	ck_assert_int_eq(
		peer_line(&c, "port 4000 address 10.99.0.1 keyfile /etc/qot/k", err, sizeof(err)),
		0);
	ck_assert_int_eq(peer_line(&c,
				   "freshness none drift 20 threshold 2ms maxdelay 500us "
				   "missed 4 join 3 window 4 asymmetry 100us timeout 200ms",
				   err, sizeof(err)),
			 0);
	ck_assert(c.given && c.port == 4000 && c.freshness == 0 && c.missed == 4);
	ck_assert_str_eq(c.address, "10.99.0.1");
	ck_assert(c.drift > 19.9e-6 && c.drift < 20.1e-6);

	peer_config_sock(&c, "n1", 1000000000, &sc);
	ck_assert_str_eq(sc.node, "n1");
	ck_assert(sc.timeout == 200000000 && sc.freshness == 0 && sc.rate == 100);
	peer_config_timeline(&c, 1000000000, &tc);
	ck_assert(tc.up.missed == 4 && tc.up.join == 3 && tc.window == 4);
	ck_assert(tc.bk.threshold == 2000000 && tc.bk.max_delay == 500000);
	ck_assert(tc.ex.max_asymmetry == 100000 && tc.max_age == 10000000000);

	/* Printed, it reads back to the same. */
	ck_assert_int_gt(peer_config_print(&c, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "peer port 4000 address 10.99.0.1 keyfile /etc/qot/k freshness "
			       "none timeout 200ms missed 4 join 3 drift 20 asymmetry 100us "
			       "window 4 threshold 2ms maxdelay 500us");
	peer_config_defaults(&back);
	ck_assert_int_eq(peer_line(&back, text + 5, err, sizeof(err)), 0);
	ck_assert_mem_eq(&back, &c, sizeof(c));
	ck_assert_int_eq(peer_config_print(&c, text, 20), -ENOSPC);

	/* Defaults: the timeout half an interval, maxage ten. */
	peer_config_defaults(&c);
	peer_config_sock(&c, "n1", 62500000, &sc);
	peer_config_timeline(&c, 62500000, &tc);
	ck_assert(sc.timeout == 31250000 && tc.max_age == 625000000 && sc.freshness > 0);
}
END_TEST

START_TEST(config_timeout_follows_interval)
{
	struct peer_config c;
	struct peer_sock_config sc;
	char err[160];

	/* No timeout given: half the interval, however long... */
	peer_config_defaults(&c);
	ck_assert_int_eq(peer_config_timeout(&c, 8000000000), 4000000000);
	ck_assert_int_eq(peer_config_timeout(&c, 50000000), 25000000);
	/* ...but never below the floor a real path needs. */
	ck_assert_int_eq(peer_config_timeout(&c, 4000000), PEER_TIMEOUT_FLOOR);
	ck_assert_int_eq(peer_config_timeout(&c, 0), PEER_TIMEOUT_FLOOR);
	ck_assert_int_eq(peer_config_timeout(&c, 2 * PEER_TIMEOUT_FLOOR + 2),
			 PEER_TIMEOUT_FLOOR + 1);
	peer_config_sock(&c, "n1", 2000000, &sc);
	ck_assert_int_eq(sc.timeout, PEER_TIMEOUT_FLOOR);

	/* An explicit timeout is the most an answer may take. */
	ck_assert_int_eq(peer_line(&c, "timeout 200ms", err, sizeof(err)), 0);
	ck_assert_int_eq(peer_config_timeout(&c, 8000000000), 200000000);
	ck_assert_int_eq(peer_config_timeout(&c, 50000000), 25000000);
	ck_assert_int_eq(peer_config_timeout(&c, 1000000), PEER_TIMEOUT_FLOOR);
	/* the endpoint's, for timelines the controller does not drive: as given */
	peer_config_sock(&c, "n1", 50000000, &sc);
	ck_assert_int_eq(sc.timeout, 200000000);

	/* One below the floor lowers it: the admin knows the path. */
	peer_config_defaults(&c);
	ck_assert_int_eq(peer_line(&c, "timeout 2ms", err, sizeof(err)), 0);
	ck_assert_int_eq(peer_config_timeout(&c, 1000000), 2000000);
	ck_assert_int_eq(peer_config_timeout(&c, 50000000), 2000000);
	ck_assert_int_eq(peer_config_timeout(&c, 3000000), 2000000);
}
END_TEST

START_TEST(config_peer_errors)
{
	struct {
		const char *line, *err;
	} bad[] = {
		{"port", "peer: expected KEY VALUE pairs"},
		{"port 0", "peer port: expected 1 to 65535"},
		{"port 65536", "peer port: expected 1 to 65535"},
		{"port -1", "peer port: expected 1 to 65535"},
		{"address example.org", "peer address: expected a numeric"},
		{"keyfile etc/keys", "peer keyfile: expected an absolute path"},
		{"drift 0", "peer drift: expected ppm"},
		{"drift nan", "peer drift: expected ppm"},
		{"threshold none", "peer threshold: expected a duration up to 3600s,"},
		{"freshness 1us", "peer freshness: expected a duration from 1ms"},
		{"window 9", "peer window: expected 1 to 8"},
		{"missed 0", "peer missed: expected 1 to 100"},
		{"speed 3", "peer: unknown key 'speed'"},
		{"port 1 port 2", "peer port: given twice"},
	};
	struct peer_config c, before;
	char err[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		peer_config_defaults(&c);
		ck_assert_int_eq(peer_line(&c, "join 5", err, sizeof(err)), 0);
		before = c;
		ck_assert_int_eq(peer_line(&c, bad[i].line, err, sizeof(err)), -EINVAL);
		ck_assert_msg(strncmp(err, bad[i].err, strlen(bad[i].err)) == 0, "%s: got '%s'",
			      bad[i].line, err);
		ck_assert_mem_eq(&c, &before, sizeof(c)); /* nothing half-applied */
	}
	/* A key of an earlier line counts as given. */
	ck_assert_int_eq(peer_line(&c, "join 6", err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "peer join: given twice");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("peer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, wire_roundtrip);
	tcase_add_test(tc, wire_refuses_what_it_cannot_sign);
	tcase_add_test(tc, wire_any_bit_flip_refused);
	tcase_add_test(tc, wire_mac_is_hmac_sha256);
	tcase_add_test(tc, wire_other_keys_refused);
	tcase_add_test(tc, keys_file_format);
	tcase_add_test(tc, keys_hex_and_base64_agree);
	tcase_add_test(tc, keys_file_mode_checked);
	tcase_add_test(tc, guard_replays_and_freshness);
	tcase_add_test(tc, guard_table_full);
	tcase_add_test(tc, exchange_known_answer);
	tcase_add_test(tc, exchange_odd_delay_and_rounding);
	tcase_add_test(tc, exchange_impossible_refused);
	tcase_add_test(tc, filter_min_delay_and_aging);
	tcase_add_test(tc, filter_span_intersects_carried_intervals);
	tcase_add_test(tc, berkeley_average_with_exclusion);
	tcase_add_test(tc, berkeley_slow_far_root_and_rounding);
	tcase_add_test(tc, upstream_cold_start_follows_leader);
	tcase_add_test(tc, upstream_k_misses_fail_over);
	tcase_add_test(tc, upstream_old_leader_returns_as_follower);
	tcase_add_test(tc, upstream_two_roots_the_older_yields);
	tcase_add_test(tc, upstream_true_time_beats_averaging);
	tcase_add_test(tc, upstream_stale_never_root);
	tcase_add_test(tc, upstream_order_changes_and_bad_input);
	tcase_add_test(tc, members_order);
	tcase_add_test(tc, config_peer_lines);
	tcase_add_test(tc, config_timeout_follows_interval);
	tcase_add_test(tc, config_peer_errors);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
