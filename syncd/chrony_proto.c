/* SPDX-License-Identifier: Apache-2.0 */
/* chrony_proto.c - encode and decode chronyd's tracking command. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "chrony_proto.h"
#include "wire.h"

#define PROTO_VERSION	6
#define PKT_REQUEST	1
#define PKT_REPLY	2
#define REQ_TRACKING	33
#define RPY_TRACKING	5
#define REPLY_HEADER	28
#define FLOAT_EXP_BITS	7
#define FLOAT_COEF_BITS 25

void chrony_proto_tracking_request(uint8_t *buf, uint32_t sequence)
{
	memset(buf, 0, CHRONY_TRACKING_LEN);
	buf[0] = PROTO_VERSION;
	buf[1] = PKT_REQUEST;
	wire_put16(buf + 4, REQ_TRACKING);
	wire_put16(buf + 6, 0); /* attempt */
	wire_put32(buf + 8, sequence);
}

double chrony_proto_float(uint32_t x)
{
	int32_t exp = (int32_t)(x >> FLOAT_COEF_BITS);
	int32_t coef = (int32_t)(x & ((1u << FLOAT_COEF_BITS) - 1));

	if (exp >= 1 << (FLOAT_EXP_BITS - 1))
		exp -= 1 << FLOAT_EXP_BITS;
	if (coef >= 1 << (FLOAT_COEF_BITS - 1))
		coef -= 1 << FLOAT_COEF_BITS;
	return ldexp((double)coef, exp - FLOAT_COEF_BITS);
}

int chrony_proto_tracking_parse(const uint8_t *buf, size_t len, uint32_t sequence,
				struct chrony_tracking *out, unsigned *status)
{
	const uint8_t *d = buf + REPLY_HEADER;
	uint64_t sec;
	uint32_t high, nsec;

	if (len < REPLY_HEADER || buf[0] != PROTO_VERSION || buf[1] != PKT_REPLY ||
	    wire_get16(buf + 4) != REQ_TRACKING || wire_get32(buf + 16) != sequence)
		return -EPROTO;
	*status = wire_get16(buf + 8);
	if (*status != 0)
		return -EBADMSG;
	if (len < CHRONY_TRACKING_LEN || wire_get16(buf + 6) != RPY_TRACKING)
		return -EPROTO;
	/* ref_id 4, IP address 20, stratum 2, leap 2, ref_time 12, then 9 floats */
	high = wire_get32(d + 28);
	sec = high == 0x7fffffff ? 0 : high; /* no high seconds in this format */
	sec = sec << 32 | wire_get32(d + 32);
	nsec = wire_get32(d + 36);
	/* A reference time no clock can have (before 1970, after 2262, or nanoseconds
	 * past a second) is not a reply we read: refused whole, nothing half-stored. */
	if (sec > INT64_MAX / 1000000000 - 1 || nsec >= 1000000000)
		return -EPROTO;
	out->ref_id = wire_get32(d);
	out->stratum = wire_get16(d + 24);
	out->leap_status = wire_get16(d + 26);
	out->ref_time_ns = (int64_t)sec * 1000000000 + (int64_t)nsec;
	out->correction = chrony_proto_float(wire_get32(d + 40));
	out->last_offset = chrony_proto_float(wire_get32(d + 44));
	out->rms_offset = chrony_proto_float(wire_get32(d + 48));
	out->freq_ppm = chrony_proto_float(wire_get32(d + 52));
	out->resid_freq_ppm = chrony_proto_float(wire_get32(d + 56));
	out->skew_ppm = chrony_proto_float(wire_get32(d + 60));
	out->root_delay = chrony_proto_float(wire_get32(d + 64));
	out->root_dispersion = chrony_proto_float(wire_get32(d + 68));
	out->update_interval = chrony_proto_float(wire_get32(d + 72));
	return 0;
}
