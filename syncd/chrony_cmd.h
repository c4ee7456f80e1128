/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chrony_cmd.h - chronyd's modifying commands behind `chronyc minpoll` and
 * `chronyc maxpoll` (command protocol version 6, as chrony 4.3's candm.h
 * lays it out): building the request, checking the reply. Pure.
 *
 * Request: the 20-byte header (version 6, type 1, two reserved bytes, u16
 * command - 4 MODIFY_MINPOLL, 5 MODIFY_MAXPOLL -, u16 attempt, u32
 * sequence, two u32 pads), then the source's IPAddr (16 address bytes in
 * network order, u16 family - 1 IPv4, 2 IPv6 -, u16 pad) and an i32 poll:
 * 44 bytes, no padding (the reply, 28 bytes, is shorter). Reply: the 28-byte
 * header, reply type 1 (RPY_NULL), u16 status at 8. chronyd accepts these
 * commands only on its Unix socket (status 2 over UDP), answers 4 for an
 * unknown source, and silently ignores a poll outside -7..24, so the codec
 * refuses such a poll itself. All big-endian.
 */
#ifndef SYNCD_CHRONY_CMD_H
#define SYNCD_CHRONY_CMD_H

#include <stddef.h>
#include <stdint.h>

#define CHRONY_CMD_POLL_LEN 44
#define CHRONY_POLL_MIN	    (-7) /* 1/128 s */
#define CHRONY_POLL_MAX	    24	 /* about 6 months */

enum chrony_cmd {
	CHRONY_CMD_MINPOLL = 4,
	CHRONY_CMD_MAXPOLL = 5,
};

enum chrony_status {
	CHRONY_STT_SUCCESS = 0,
	CHRONY_STT_FAILED = 1,
	CHRONY_STT_UNAUTH = 2,
	CHRONY_STT_INVALID = 3,
	CHRONY_STT_NOSUCHSOURCE = 4,
	CHRONY_STT_BADPKTVERSION = 18,
	CHRONY_STT_BADPKTLENGTH = 19,
};

/*
 * Fill buf (at least CHRONY_CMD_POLL_LEN bytes) with a MODIFY_MINPOLL or
 * MODIFY_MAXPOLL of the source at address (numeric IPv4 or IPv6). The
 * length, or -EINVAL (not a numeric address, not one of the two commands),
 * -ERANGE (poll outside CHRONY_POLL_MIN..MAX), -ENOSPC (buf too small);
 * buf is then untouched.
 */
int chrony_cmd_poll_request(uint8_t *buf, size_t size, enum chrony_cmd cmd, uint32_t sequence,
			    const char *address, int poll);
/*
 * Check a reply to our command and sequence: 0 (done), -EBADMSG (chronyd
 * refused: *status says why), -EPROTO (not the reply to it).
 */
int chrony_cmd_reply(const uint8_t *buf, size_t len, enum chrony_cmd cmd, uint32_t sequence,
		     unsigned *status);
/* A refusal for people ("not authorised: ..."). */
const char *chrony_cmd_status_text(unsigned status);
/* The poll (log2 of seconds) whose interval is the largest not above ns,
 * clamped to CHRONY_POLL_MIN..MAX. */
int chrony_cmd_poll_of(int64_t ns);
/* The interval of a poll, in ns. */
int64_t chrony_cmd_interval_of(int poll);

#endif /* SYNCD_CHRONY_CMD_H */
