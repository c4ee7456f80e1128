/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ptp.c - ptp4l's management responses as syncd reads them from its
 * Unix socket (ptp_mgmt_response), and the data sets in them (TIME_STATUS_NP,
 * PORT_DATA_SET, CURRENT_DATA_SET, PARENT_DATA_SET). The sequence and id
 * expected are those the bytes carry, so the fuzzer reaches the TLV; the data
 * found always lies inside the message.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "ptp_mgmt.h"
#include "wire.h"

static void parse_data(const uint8_t *d, size_t len)
{
	struct ptp_time_status ts;
	unsigned state = 1000, steps = 1000000, code = 1000;
	int64_t delay = -5;

	if (ptp_mgmt_parse_time_status(d, len, &ts) == 0) {
		/* syncd negates the offset and subtracts ingress times: both defined. */
		FUZZ_CHECK(len >= 50 && ts.master_offset != INT64_MIN && ts.ingress_time >= 0);
	}
	if (ptp_mgmt_parse_port_state(d, len, &state) == 0)
		FUZZ_CHECK(state <= 255 && ptp_mgmt_port_state_name(state) != NULL);
	else
		FUZZ_CHECK(state == 1000);
	if (ptp_mgmt_parse_mean_path_delay(d, len, &delay) == 0)
		FUZZ_CHECK(delay >= 0);
	else
		FUZZ_CHECK(delay == -5);
	if (ptp_mgmt_parse_steps_removed(d, len, &steps) == 0)
		FUZZ_CHECK(steps <= UINT16_MAX);
	if (ptp_mgmt_parse_gm_accuracy(d, len, &code) == 0) {
		int64_t ns = ptp_mgmt_accuracy_ns(code);
		FUZZ_CHECK(code <= 255 && (ns == -1 || ns > 0));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t seq = size >= 32 ? wire_get16(data + 30) : 0;
	uint16_t id = size >= 54 ? wire_get16(data + 52) : 0;
	const uint8_t *d = NULL;
	uint8_t req[PTP_MGMT_REQUEST_LEN], ident[10] = {0};
	int n = ptp_mgmt_response(data, size, seq, id, &d);

	FUZZ_CHECK(n >= 0 || n == -EPROTO || n == -EBADMSG);
	if (n >= 0) {
		FUZZ_CHECK(d != NULL && d >= data && d + n <= data + size);
		/* Exactly as long as it says: a copy of the data shows overreads. */
		uint8_t *copy = malloc(n > 0 ? (size_t)n : 1);
		FUZZ_CHECK(copy != NULL);
		memcpy(copy, d, (size_t)n);
		parse_data(copy, (size_t)n);
		free(copy);
		FUZZ_CHECK(ptp_mgmt_response(data, size, (uint16_t)(seq + 1), id, &d) == -EPROTO);
	} else {
		FUZZ_CHECK(d == NULL);
	}
	/* The data-set readers on the raw bytes too. */
	parse_data(data, size);
	/* Our own request is never a response. */
	ptp_mgmt_request(req, 0, seq, id, ident);
	FUZZ_CHECK(ptp_mgmt_response(req, sizeof(req), seq, id, &d) == -EPROTO);
	return 0;
}
