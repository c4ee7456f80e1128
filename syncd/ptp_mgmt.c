/* SPDX-License-Identifier: Apache-2.0 */
/* ptp_mgmt.c - encode and decode PTP management messages. */
#include <errno.h>
#include <string.h>

#include "ptp_mgmt.h"
#include "wire.h"

#define MSG_MANAGEMENT		    0x0d
#define PTP_VERSION		    2
#define CONTROL_MANAGEMENT	    4
#define ACTION_GET		    0
#define ACTION_RESPONSE		    2
#define TLV_MANAGEMENT		    1
#define TLV_MANAGEMENT_ERROR_STATUS 2
#define HEADER_LEN		    34
#define MGMT_LEN		    14
#define TLV_HEAD_LEN		    4

void ptp_mgmt_request(uint8_t *buf, uint8_t domain, uint16_t sequence, uint16_t id,
		      const uint8_t source_identity[10])
{
	memset(buf, 0, PTP_MGMT_REQUEST_LEN);
	buf[0] = MSG_MANAGEMENT;
	buf[1] = PTP_VERSION;
	wire_put16(buf + 2, PTP_MGMT_REQUEST_LEN);
	buf[4] = domain;
	memcpy(buf + 20, source_identity, 10);
	wire_put16(buf + 30, sequence);
	buf[32] = CONTROL_MANAGEMENT;
	buf[33] = 0x7f;			    /* logMessageInterval */
	memset(buf + HEADER_LEN, 0xff, 10); /* targetPortIdentity: any clock, any port */
	buf[HEADER_LEN + 10] = 0;	    /* startingBoundaryHops */
	buf[HEADER_LEN + 11] = 0;	    /* boundaryHops */
	buf[HEADER_LEN + 12] = ACTION_GET;
	wire_put16(buf + HEADER_LEN + MGMT_LEN, TLV_MANAGEMENT);
	wire_put16(buf + HEADER_LEN + MGMT_LEN + 2, 2); /* the id alone */
	wire_put16(buf + HEADER_LEN + MGMT_LEN + 4, id);
}

int ptp_mgmt_response(const uint8_t *buf, size_t len, uint16_t sequence, uint16_t id,
		      const uint8_t **data)
{
	const uint8_t *tlv = buf + HEADER_LEN + MGMT_LEN;
	size_t tlv_len, msg_len;

	if (len < HEADER_LEN + MGMT_LEN + TLV_HEAD_LEN + 2 || (buf[0] & 0x0f) != MSG_MANAGEMENT ||
	    (buf[1] & 0x0f) != PTP_VERSION || wire_get16(buf + 30) != sequence ||
	    (buf[HEADER_LEN + 12] & 0x0f) != ACTION_RESPONSE)
		return -EPROTO;
	msg_len = wire_get16(buf + 2);
	tlv_len = wire_get16(tlv + 2);
	if (msg_len > len || HEADER_LEN + MGMT_LEN + TLV_HEAD_LEN + tlv_len > msg_len)
		return -EPROTO;
	if (wire_get16(tlv) == TLV_MANAGEMENT_ERROR_STATUS)
		return -EBADMSG;
	if (wire_get16(tlv) != TLV_MANAGEMENT || tlv_len < 2 || wire_get16(tlv + 4) != id)
		return -EPROTO;
	*data = tlv + 6;
	return (int)(tlv_len - 2);
}

int ptp_mgmt_parse_time_status(const uint8_t *d, size_t len, struct ptp_time_status *out)
{
	/* master_offset 8, ingress_time 8, cumulativeScaledRateOffset 4,
	 * scaledLastGmPhaseChange 4, gmTimeBaseIndicator 2, lastGmPhaseChange 12,
	 * gmPresent 4, gmIdentity 8 */
	int64_t offset, ingress;

	if (len < 50)
		return -EPROTO;
	offset = (int64_t)wire_get64(d);
	ingress = (int64_t)wire_get64(d + 8);
	/* What no clock reports: an offset that cannot be negated, a time before 1970. */
	if (offset == INT64_MIN || ingress < 0)
		return -EPROTO;
	out->master_offset = offset;
	out->ingress_time = ingress;
	out->gm_present = (int32_t)wire_get32(d + 38);
	memcpy(out->gm_identity, d + 42, 8);
	return 0;
}

int ptp_mgmt_parse_port_state(const uint8_t *d, size_t len, unsigned *state)
{
	if (len < 11) /* portIdentity 10, portState 1 */
		return -EPROTO;
	*state = d[10];
	return 0;
}

int ptp_mgmt_parse_log_sync_interval(const uint8_t *d, size_t len, int *log_interval)
{
	/* portIdentity 10, portState 1, logMinDelayReqInterval 1, peerMeanPathDelay 8,
	 * logAnnounceInterval 1, announceReceiptTimeout 1, logSyncInterval 1 */
	if (len < 23)
		return -EPROTO;
	*log_interval = (int8_t)d[22];
	return 0;
}

int ptp_mgmt_parse_mean_path_delay(const uint8_t *d, size_t len, int64_t *ns)
{
	int64_t scaled;

	if (len < 18) /* stepsRemoved 2, offsetFromMaster 8, meanPathDelay 8 */
		return -EPROTO;
	scaled = (int64_t)wire_get64(d + 10); /* TimeInterval: ns * 2^16 */
	/* Rounded up in 64 unsigned bits: the largest delay must not overflow. */
	*ns = scaled < 0 ? 0 : (int64_t)(((uint64_t)scaled + 0xffff) >> 16);
	return 0;
}

int ptp_mgmt_parse_steps_removed(const uint8_t *d, size_t len, unsigned *steps)
{
	if (len < 2)
		return -EPROTO;
	*steps = wire_get16(d);
	return 0;
}

int ptp_mgmt_parse_gm_accuracy(const uint8_t *d, size_t len, unsigned *code)
{
	/* parentPortIdentity 10, parentStats 1, reserved 1, observed variance 2,
	 * observed phase change rate 4, gm priority1 1, gm clockClass 1,
	 * gm clockAccuracy 1 */
	if (len < 21)
		return -EPROTO;
	*code = d[20];
	return 0;
}

int64_t ptp_mgmt_accuracy_ns(unsigned code)
{
	/* IEEE 1588-2008 table 6: 0x20 25 ns, 0x21 100 ns, 0x22 250 ns, ... 0x2F 1 s,
	 * 0x30 10 s; alternately 25 and 100 (or 250 and 1000) times powers of ten. */
	static const int64_t ns[] = {
		25,	  100,	     250,	1000,	    2500,	 10000,
		25000,	  100000,    250000,	1000000,    2500000,	 10000000,
		25000000, 100000000, 250000000, 1000000000, 10000000000,
	};

	if (code >= 0x20 && code <= 0x30)
		return ns[code - 0x20];
	if (code == 0x31)
		return PTP_ACCURACY_WORSE;
	return -1;
}

const char *ptp_mgmt_port_state_name(unsigned state)
{
	static const char *const names[] = {
		"?",	      "initializing", "faulty",	 "disabled",	 "listening",
		"pre_master", "master",	      "passive", "uncalibrated", "slave"};
	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}
