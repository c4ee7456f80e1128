/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peer_wire.h - the peer protocol's packet (docs/peer-protocol.md): one
 * fixed layout of PEER_WIRE_LEN bytes, big-endian, authenticated with
 * HMAC-SHA256 (OpenSSL's EVP_MAC) under a shared key named by its id.
 *
 * Pure but for the MAC: encoding fills a whole packet and signs it; decoding
 * refuses anything that is not exactly one packet of a known version under a
 * known key with a valid MAC, then checks every field (names valid and
 * NUL-padded, type and flags known, reserved bits zero). What a packet means
 * relative to earlier ones (replays, freshness, the timeline it is for) is
 * peer_guard's job, below.
 */
#ifndef SYNCD_PEER_WIRE_H
#define SYNCD_PEER_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"

#define PEER_WIRE_MAGIC	  "QOTP"
#define PEER_WIRE_VERSION 2   /* 2: the follow-up (PEER_MSG_FOLLOWUP) */
#define PEER_WIRE_LEN	  256 /* the whole packet, MAC included */
#define PEER_WIRE_MAC_LEN 32  /* HMAC-SHA256 over bytes 0 .. PEER_WIRE_SIGNED */
#define PEER_WIRE_SIGNED  (PEER_WIRE_LEN - PEER_WIRE_MAC_LEN)

enum peer_msg_type {
	PEER_MSG_REQUEST = 1,	 /* t1: "what is your time?" */
	PEER_MSG_RESPONSE = 2,	 /* echo = the request's seq; t1 echoed, t2, t3, below/above */
	PEER_MSG_CORRECTION = 3, /* Berkeley: echo = the seq of the response measured */
	PEER_MSG_FOLLOWUP = 4,	 /* echo = the response's seq; t1 echoed, t3 = the response's
				    kernel transmit timestamp, below/above there */
};

/* Flags: what the sender is for this timeline. */
#define PEER_FLAG_ROOT	    0x0001u /* the acting root (leader) of the timeline's tree */
#define PEER_FLAG_REFERENCE 0x0002u /* its timeline follows a reference (chrony, ptp, kernel) */
#define PEER_FLAG_BERKELEY  0x0004u /* the root averages the members (no reference) */
#define PEER_FLAG_SYNCED    0x0008u /* root, or following a live chain to the root */
/* Of one response only: a follow-up with its precise t3 comes next. */
#define PEER_FLAG_FOLLOWUP 0x0010u
#define PEER_FLAG_ALL	   0x001fu

struct peer_msg {
	uint8_t type;			 /* enum peer_msg_type */
	uint16_t flags;			 /* PEER_FLAG_* */
	uint32_t key_id;		 /* the key that signs it (set by the encoder's key) */
	uint32_t status;		 /* enum qot_status of the sender's timeline */
	uint32_t epoch;			 /* the root's takeover count (peer_upstream.h) */
	uint16_t depth;			 /* hops from the root: 0 at the root */
	char timeline[QOT_NAME_MAX + 1]; /* NUL-terminated */
	char node[QOT_NAME_MAX + 1];	 /* the sender, NUL-terminated */
	uint64_t seq;			 /* the sender's, strictly increasing per sender */
	uint64_t echo;			 /* response, correction: the seq answered */
	int64_t sent;			 /* the sender's base clock at sending (freshness) */
	int64_t t1, t2, t3;		 /* timeline ns: member send, upstream receive, send */
	uint64_t below, above;		 /* the sender's published bounds around t2..t3 */
	int64_t correction;		 /* correction: ns to add to the receiver's timeline */
};

/* Keys: id and secret. The secret is 16..64 bytes. */
#define PEER_KEY_MIN   16
#define PEER_KEY_MAX   64
#define PEER_KEYS_MAX  16
#define PEER_KEY_MAXID 0xfffffffeu

struct peer_keys; /* opaque: the secrets and their prepared MAC contexts */

/*
 * The key file (syncd.conf(5)): lines "ID SECRET", ID a decimal 1..4294967294,
 * SECRET hex (32..128 digits) or "base64:..." (16..64 bytes); '#' comments
 * and blank lines. The first key signs; every listed key verifies (rotation).
 * Parsed whole or refused whole: -EINVAL with "LINE: what" in err.
 */
int peer_keys_parse(struct peer_keys **out, const char *text, size_t len, char *err, size_t errlen);
/* Read path: a regular file, owned by root or by us, with no permission for
 * group or others (-EPERM otherwise), then parse it. -errno, message in err. */
int peer_keys_load(struct peer_keys **out, const char *path, char *err, size_t errlen);
/* A key set of one secret (tests, fuzzing). 0, -EINVAL, -ENOMEM. */
int peer_keys_single(struct peer_keys **out, uint32_t id, const uint8_t *secret, size_t len);
void peer_keys_free(struct peer_keys *k);
/* The id that signs. */
uint32_t peer_keys_signing_id(const struct peer_keys *k);
size_t peer_keys_count(const struct peer_keys *k);

/* Why a packet was dropped. PEER_DROP_OK (0) is no drop. */
enum peer_drop {
	PEER_DROP_OK = 0,
	PEER_DROP_SHORT,      /* fewer than PEER_WIRE_LEN bytes */
	PEER_DROP_LONG,	      /* more (oversized) */
	PEER_DROP_MAGIC,      /* not our protocol */
	PEER_DROP_VERSION,    /* a version we do not speak */
	PEER_DROP_KEY,	      /* a key id we do not have */
	PEER_DROP_MAC,	      /* unauthenticated */
	PEER_DROP_MALFORMED,  /* authenticated, but a field is invalid */
	PEER_DROP_TIMELINE,   /* for a timeline this end does not serve */
	PEER_DROP_REPLAY,     /* a sequence number seen, or older than the window */
	PEER_DROP_STALE,      /* sent too long ago (or too far ahead) */
	PEER_DROP_UNEXPECTED, /* a response or correction nobody asked for */
	PEER_DROP_RATE,	      /* over the rate limit */
	PEER_DROP_PEERS,      /* a new sender while the peer table is full */
	PEER_DROP_NREASONS
};

/* "short", "long", ... for counters and logs. */
const char *peer_drop_name(enum peer_drop why);

/* Encode m signed with the signing key into buf[PEER_WIRE_LEN] (m->key_id is
 * ignored). 0, -EINVAL (a field out of range: invalid name, unknown type or
 * flag), -ENOMEM/-EIO (the MAC library failed). */
int peer_wire_encode(const struct peer_keys *k, const struct peer_msg *m,
		     uint8_t buf[PEER_WIRE_LEN]);
/* Decode and authenticate len bytes. PEER_DROP_OK with *out filled, or the
 * reason it is refused (*out then untouched). */
enum peer_drop peer_wire_decode(const struct peer_keys *k, const uint8_t *buf, size_t len,
				struct peer_msg *out);

/*
 * peer_guard - replays and freshness: a sliding window of the last
 * PEER_GUARD_WINDOW sequence numbers of each sender (by node name), and a
 * window of +-freshness on the sender's `sent` against our base clock
 * (0: no freshness check). Only authenticated packets reach it, so only
 * holders of the key can take a slot; when all PEER_GUARD_PEERS are taken a
 * new sender is refused (PEER_DROP_PEERS), never someone else evicted.
 */
#define PEER_GUARD_WINDOW 64
#define PEER_GUARD_PEERS  256

struct peer_guard; /* opaque */

int peer_guard_new(struct peer_guard **out, int64_t freshness_ns);
void peer_guard_free(struct peer_guard *g);
/* Check m (authenticated) received at base instant now and, if accepted,
 * record its sequence number. PEER_DROP_OK, _STALE, _REPLAY or _PEERS. */
enum peer_drop peer_guard_accept(struct peer_guard *g, const struct peer_msg *m, int64_t now);
/* Forget a sender (it left the timeline's membership). */
void peer_guard_forget(struct peer_guard *g, const char *node);

#endif /* SYNCD_PEER_WIRE_H */
