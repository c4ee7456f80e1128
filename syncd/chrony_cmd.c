/* SPDX-License-Identifier: Apache-2.0 */
/* chrony_cmd.c - encode chronyd's minpoll/maxpoll commands, check replies. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "chrony_cmd.h"
#include "wire.h"

#define PROTO_VERSION 6
#define PKT_REQUEST   1
#define PKT_REPLY     2
#define RPY_NULL      1
#define HEADER_LEN    20 /* of a request */
#define REPLY_LEN     28 /* of a reply's header, all a RPY_NULL has */
#define FAMILY_INET4  1
#define FAMILY_INET6  2
#define NS_PER_S      1000000000LL

int chrony_cmd_poll_request(uint8_t *buf, size_t size, enum chrony_cmd cmd, uint32_t sequence,
			    const char *address, int poll)
{
	uint8_t addr[16];
	uint16_t family;

	if (cmd != CHRONY_CMD_MINPOLL && cmd != CHRONY_CMD_MAXPOLL)
		return -EINVAL;
	if (inet_pton(AF_INET, address, addr) == 1)
		family = FAMILY_INET4;
	else if (inet_pton(AF_INET6, address, addr) == 1)
		family = FAMILY_INET6;
	else
		return -EINVAL;
	if (poll < CHRONY_POLL_MIN || poll > CHRONY_POLL_MAX)
		return -ERANGE;
	if (size < CHRONY_CMD_POLL_LEN)
		return -ENOSPC;
	memset(buf, 0, CHRONY_CMD_POLL_LEN);
	buf[0] = PROTO_VERSION;
	buf[1] = PKT_REQUEST;
	wire_put16(buf + 4, (uint16_t)cmd);
	wire_put32(buf + 8, sequence);
	/* IPAddr: the address as it is on the wire (IPv4 in its first 4 bytes) */
	memcpy(buf + HEADER_LEN, addr, family == FAMILY_INET4 ? 4 : 16);
	wire_put16(buf + HEADER_LEN + 16, family);
	wire_put32(buf + HEADER_LEN + 20, (uint32_t)poll);
	return CHRONY_CMD_POLL_LEN;
}

int chrony_cmd_reply(const uint8_t *buf, size_t len, enum chrony_cmd cmd, uint32_t sequence,
		     unsigned *status)
{
	if (len < REPLY_LEN || buf[0] != PROTO_VERSION || buf[1] != PKT_REPLY ||
	    wire_get16(buf + 4) != (uint16_t)cmd || wire_get32(buf + 16) != sequence)
		return -EPROTO;
	*status = wire_get16(buf + 8);
	if (*status != CHRONY_STT_SUCCESS)
		return -EBADMSG;
	if (wire_get16(buf + 6) != RPY_NULL)
		return -EPROTO;
	return 0;
}

const char *chrony_cmd_status_text(unsigned status)
{
	switch (status) {
	case CHRONY_STT_SUCCESS:
		return "success";
	case CHRONY_STT_FAILED:
		return "failed";
	case CHRONY_STT_UNAUTH:
		return "not authorised (modifying commands need chronyd's Unix socket)";
	case CHRONY_STT_INVALID:
		return "invalid command (an older chronyd?)";
	case CHRONY_STT_NOSUCHSOURCE:
		return "no such source";
	case CHRONY_STT_BADPKTVERSION:
		return "protocol version mismatch";
	case CHRONY_STT_BADPKTLENGTH:
		return "bad packet length";
	default:
		return "refused";
	}
}

int chrony_cmd_poll_of(int64_t ns)
{
	int poll = CHRONY_POLL_MIN;

	while (poll < CHRONY_POLL_MAX && chrony_cmd_interval_of(poll + 1) <= ns)
		poll++;
	return poll;
}

int64_t chrony_cmd_interval_of(int poll)
{
	if (poll < CHRONY_POLL_MIN)
		poll = CHRONY_POLL_MIN;
	if (poll > CHRONY_POLL_MAX)
		poll = CHRONY_POLL_MAX;
	/* 1 s / 128 = 7812500 ns exactly: every poll is a whole number of ns */
	return poll >= 0 ? NS_PER_S << poll : NS_PER_S >> -poll;
}
