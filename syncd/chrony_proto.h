/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chrony_proto.h - chronyd's command protocol (version 6), just the
 * tracking report: building the request, checking and reading the reply.
 * All fields are big-endian; the request is padded to the reply's length,
 * as chronyd requires (no amplification).
 */
#ifndef SYNCD_CHRONY_PROTO_H
#define SYNCD_CHRONY_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define CHRONY_TRACKING_LEN 104 /* request and reply */
#define CHRONY_LEAP_UNSYNC  3
#define CHRONY_REF_LOCAL    0x7F7F0101 /* "LOCL": the local directive */

struct chrony_tracking {
	uint32_t ref_id;
	uint16_t stratum;
	uint16_t leap_status;
	int64_t ref_time_ns; /* when chronyd last updated the clock (its estimate of true time) */
	double correction;   /* s: true time - system time, still to be slewed */
	double last_offset, rms_offset; /* s */
	double freq_ppm, resid_freq_ppm, skew_ppm;
	double root_delay, root_dispersion; /* s */
	double update_interval;		    /* s */
};

/* Fill buf (CHRONY_TRACKING_LEN bytes) with a tracking request. */
void chrony_proto_tracking_request(uint8_t *buf, uint32_t sequence);
/* 0; -EPROTO (not a tracking reply to this sequence, or a reference time
 * outside 1970..2262); -EBADMSG (chronyd's status is not success; *status
 * tells which). On error *out is untouched. */
int chrony_proto_tracking_parse(const uint8_t *buf, size_t len, uint32_t sequence,
				struct chrony_tracking *out, unsigned *status);
/* chronyd's 32-bit float: 7-bit signed exponent, 25-bit signed coefficient. */
double chrony_proto_float(uint32_t host_order);

#endif /* SYNCD_CHRONY_PROTO_H */
