/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_chrony.c - chronyd's tracking reply as syncd reads it from chronyd's
 * command socket (chrony_proto_tracking_parse). The sequence number expected is
 * the one the bytes carry, so the fuzzer reaches the body; any other is
 * refused. A refused reply leaves the output alone; an accepted one is whole.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "chrony_proto.h"
#include "fuzz.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chrony_tracking t, poison;
	uint32_t seq = size >= 20 ? wire_get32(data + 16) : 0;
	unsigned status = 12345;
	uint8_t req[CHRONY_TRACKING_LEN];
	int err;

	memset(&t, FUZZ_POISON, sizeof(t));
	poison = t;
	err = chrony_proto_tracking_parse(data, size, seq, &t, &status);
	FUZZ_CHECK(err == 0 || err == -EPROTO || err == -EBADMSG);
	if (err == -EPROTO || err == -EBADMSG)
		FUZZ_CHECK(memcmp(&t, &poison, sizeof(t)) == 0);
	if (err == -EBADMSG)
		FUZZ_CHECK(status != 0 && status <= UINT16_MAX);
	if (err == 0) {
		FUZZ_CHECK(status == 0 && size >= CHRONY_TRACKING_LEN);
		/* syncd takes now - ref_time_ns: defined for any now >= 0. */
		FUZZ_CHECK(t.ref_time_ns >= 0);
		FUZZ_CHECK(isfinite(t.correction) && isfinite(t.root_delay) &&
			   isfinite(t.root_dispersion) && isfinite(t.update_interval) &&
			   isfinite(t.skew_ppm) && isfinite(t.resid_freq_ppm));
	}
	/* A reply to another request is never taken for ours. */
	if (size >= 20) {
		err = chrony_proto_tracking_parse(data, size, seq + 1, &t, &status);
		FUZZ_CHECK(err == -EPROTO);
	}
	/* Our own request is never a reply. */
	chrony_proto_tracking_request(req, seq);
	FUZZ_CHECK(chrony_proto_tracking_parse(req, sizeof(req), seq, &t, &status) == -EPROTO);
	if (size >= 4) {
		double f = chrony_proto_float(wire_get32(data));
		FUZZ_CHECK(isfinite(f) && fabs(f) < 1e20);
	}
	return 0;
}
