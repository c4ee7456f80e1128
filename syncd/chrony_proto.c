/* chrony_proto.c - encode and decode chronyd's tracking command. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "chrony_proto.h"

#define PROTO_VERSION	6
#define PKT_REQUEST	1
#define PKT_REPLY	2
#define REQ_TRACKING	33
#define RPY_TRACKING	5
#define REPLY_HEADER	28
#define FLOAT_EXP_BITS	7
#define FLOAT_COEF_BITS 25

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

void chrony_tracking_request(uint8_t *buf, uint32_t sequence)
{
	memset(buf, 0, CHRONY_TRACKING_LEN);
	buf[0] = PROTO_VERSION;
	buf[1] = PKT_REQUEST;
	put16(buf + 4, REQ_TRACKING);
	put16(buf + 6, 0); /* attempt */
	put32(buf + 8, sequence);
}

double chrony_float(uint32_t x)
{
	int32_t exp = (int32_t)(x >> FLOAT_COEF_BITS);
	int32_t coef = (int32_t)(x & ((1u << FLOAT_COEF_BITS) - 1));

	if (exp >= 1 << (FLOAT_EXP_BITS - 1))
		exp -= 1 << FLOAT_EXP_BITS;
	if (coef >= 1 << (FLOAT_COEF_BITS - 1))
		coef -= 1 << FLOAT_COEF_BITS;
	return ldexp((double)coef, exp - FLOAT_COEF_BITS);
}

int chrony_tracking_parse(const uint8_t *buf, size_t len, uint32_t sequence,
			  struct chrony_tracking *out, unsigned *status)
{
	const uint8_t *d = buf + REPLY_HEADER;
	int64_t sec;

	if (len < REPLY_HEADER || buf[0] != PROTO_VERSION || buf[1] != PKT_REPLY ||
	    get16(buf + 4) != REQ_TRACKING || get32(buf + 16) != sequence)
		return -EPROTO;
	*status = get16(buf + 8);
	if (*status != 0)
		return -EBADMSG;
	if (len < CHRONY_TRACKING_LEN || get16(buf + 6) != RPY_TRACKING)
		return -EPROTO;
	/* ref_id 4, IP address 20, stratum 2, leap 2, ref_time 12, then 9 floats */
	out->ref_id = get32(d);
	out->stratum = get16(d + 24);
	out->leap_status = get16(d + 26);
	sec = (int64_t)((uint64_t)get32(d + 28) << 32 | get32(d + 32));
	if (get32(d + 28) == 0x7fffffff) /* no high seconds in this format */
		sec = get32(d + 32);
	out->ref_time_ns = sec * 1000000000 + get32(d + 36);
	out->correction = chrony_float(get32(d + 40));
	out->last_offset = chrony_float(get32(d + 44));
	out->rms_offset = chrony_float(get32(d + 48));
	out->freq_ppm = chrony_float(get32(d + 52));
	out->resid_freq_ppm = chrony_float(get32(d + 56));
	out->skew_ppm = chrony_float(get32(d + 60));
	out->root_delay = chrony_float(get32(d + 64));
	out->root_dispersion = chrony_float(get32(d + 68));
	out->update_interval = chrony_float(get32(d + 72));
	return 0;
}
