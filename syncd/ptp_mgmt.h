/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ptp_mgmt.h - ptp4l's management messages over its Unix socket: GET
 * requests, and the few data sets syncd reads from the responses. Layout
 * from IEEE 1588-2008 (header 34 bytes, management fields 14, TLV head 6)
 * plus linuxptp's TIME_STATUS_NP; all big-endian.
 */
#ifndef SYNCD_PTP_MGMT_H
#define SYNCD_PTP_MGMT_H

#include <stddef.h>
#include <stdint.h>

#define PTP_MGMT_REQUEST_LEN 54

enum {
	PTP_ID_CURRENT_DATA_SET = 0x2001,
	PTP_ID_PARENT_DATA_SET = 0x2002,
	PTP_ID_PORT_DATA_SET = 0x2004,
	PTP_ID_TIME_STATUS_NP = 0xC000,
};

enum { PTP_PORT_UNCALIBRATED = 8, PTP_PORT_SLAVE = 9 };

struct ptp_time_status {
	int64_t master_offset; /* ns: local clock - grandmaster */
	int64_t ingress_time;  /* ns: when the last sync arrived, local clock */
	int32_t gm_present;
	uint8_t gm_identity[8];
};

/* Fill buf (PTP_MGMT_REQUEST_LEN bytes) with a GET of management id. */
void ptp_mgmt_request(uint8_t *buf, uint8_t domain, uint16_t sequence, uint16_t id,
		      const uint8_t source_identity[10]);
/*
 * Check that buf is the response to our GET (sequence, id) and find its
 * data. Returns the data length, or -EPROTO (not it: another message, a
 * malformed one), -EBADMSG (ptp4l answered with an error status TLV).
 */
int ptp_mgmt_response(const uint8_t *buf, size_t len, uint16_t sequence, uint16_t id,
		      const uint8_t **data);

/* Each: 0, or -EPROTO if the data is too short (or, for the time status, holds
 * an offset of INT64_MIN or an ingress time before 1970, which no clock reports). */
int ptp_mgmt_parse_time_status(const uint8_t *data, size_t len, struct ptp_time_status *out);
int ptp_mgmt_parse_port_state(const uint8_t *data, size_t len, unsigned *state);
/* meanPathDelay, in ns (rounded up) */
int ptp_mgmt_parse_mean_path_delay(const uint8_t *data, size_t len, int64_t *ns);
/* PORT_DATA_SET's logSyncInterval (log2 of seconds, signed). On a slave port
 * linuxptp reports its own configured value here, not its master's rate: the
 * rate a slave sees is measured from the syncs' ingress times (ptp_rate.h). */
int ptp_mgmt_parse_log_sync_interval(const uint8_t *data, size_t len, int *log_interval);
/* stepsRemoved: 0 for the grandmaster itself, at least 1 when following one */
int ptp_mgmt_parse_steps_removed(const uint8_t *data, size_t len, unsigned *steps);
/* the grandmaster's clockAccuracy code */
int ptp_mgmt_parse_gm_accuracy(const uint8_t *data, size_t len, unsigned *code);

/* The accuracy a clockAccuracy code promises, in ns; -1 if it states none;
 * PTP_ACCURACY_WORSE if it says worse than 10 s. */
#define PTP_ACCURACY_WORSE INT64_MAX
int64_t ptp_mgmt_accuracy_ns(unsigned code);
const char *ptp_mgmt_port_state_name(unsigned state);

#endif /* SYNCD_PTP_MGMT_H */
