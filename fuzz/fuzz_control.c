/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_control.c - the effort controller's untrusted inputs: chronyd's
 * replies to minpoll/maxpoll (chrony_cmd_reply), syncd.conf's control lines
 * (control_conf_line), qotfs's cluster and requirements lines
 * (control_req_choose), and any requirement and measured quality a peer or a
 * source can make syncd see (control_update). The first byte picks which.
 *
 * Promises checked (syncd(8) CONTROL, syncd.conf(5)): a reply is taken only
 * for our command and sequence, never our own request; a refused line
 * leaves the configuration as it was and says why; what is printed reads
 * back to the same text; the interval is always within [min, max]; a state
 * of met means the predicted bound keeps the margin, none means the slowest
 * interval; the reason is never empty.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "chrony_cmd.h"
#include "control.h"
#include "control_conf.h"
#include "control_req.h"
#include "fuzz.h"
#include "qot.h"
#include "wire.h"

static void reply(const uint8_t *data, size_t size)
{
	uint32_t seq = size >= 20 ? wire_get32(data + 16) : 0;
	enum chrony_cmd cmd = size >= 6 && data[5] == 5 ? CHRONY_CMD_MAXPOLL : CHRONY_CMD_MINPOLL;
	unsigned status = 12345;
	uint8_t req[CHRONY_CMD_POLL_LEN];
	int err = chrony_cmd_reply(data, size, cmd, seq, &status);

	FUZZ_CHECK(err == 0 || err == -EPROTO || err == -EBADMSG);
	if (err == 0)
		FUZZ_CHECK(status == 0 && size >= 28);
	if (err == -EBADMSG)
		FUZZ_CHECK(status != 0 && status <= UINT16_MAX &&
			   chrony_cmd_status_text(status)[0]);
	if (size >= 20)
		FUZZ_CHECK(chrony_cmd_reply(data, size, cmd, seq + 1, &status) == -EPROTO);
	FUZZ_CHECK(chrony_cmd_poll_request(req, sizeof(req), cmd, seq, "127.0.0.1", 0) ==
		   CHRONY_CMD_POLL_LEN);
	FUZZ_CHECK(chrony_cmd_reply(req, sizeof(req), cmd, seq, &status) == -EPROTO);
}

static void conf(const uint8_t *data, size_t size)
{
	static struct control_conf c, before, again;
	static char text[16384], text2[16384];
	char line[512], *w[32], err[256];
	size_t pos = 0;

	control_conf_init(&c);
	while (pos < size) {
		size_t len = 0;
		int n = 0, res;

		while (pos + len < size && data[pos + len] != '\n' && len < sizeof(line) - 1)
			len++;
		memcpy(line, data + pos, len);
		line[len] = '\0';
		pos += len + 1;
		for (char *t = strtok(line, " \t"); t && n < 32; t = strtok(NULL, " \t"))
			w[n++] = t;
		before = c;
		err[0] = '\0';
		res = control_conf_line(&c, w, n, err, sizeof(err));
		FUZZ_CHECK(res == 0 || res == -EINVAL);
		if (res) {
			FUZZ_CHECK(err[0] != '\0');
			FUZZ_CHECK(memcmp(&c, &before, sizeof(c)) == 0);
		}
	}
	if (control_conf_check(&c, err, sizeof(err)) != 0)
		return;
	FUZZ_CHECK(control_conf_print(&c, text, sizeof(text)) >= 0);
	control_conf_init(&again);
	for (char *l = text, *nl; (nl = strchr(l, '\n')); l = nl + 1) {
		int n = 0;

		memcpy(line, l, (size_t)(nl - l));
		line[nl - l] = '\0';
		for (char *t = strtok(line, " "); t && n < 32; t = strtok(NULL, " "))
			w[n++] = t;
		FUZZ_CHECK(n >= 3 &&
			   control_conf_line(&again, w + 1, n - 1, err, sizeof(err)) == 0);
	}
	FUZZ_CHECK(control_conf_print(&again, text2, sizeof(text2)) >= 0);
	FUZZ_CHECK(strcmp(text, text2) == 0);
}

static uint64_t take64(const uint8_t **p, size_t *left)
{
	uint64_t v = 0;

	for (int i = 0; i < 8 && *left; i++, (*p)++, (*left)--)
		v = v << 8 | **p;
	return v;
}

static void controller(const uint8_t *data, size_t size)
{
	struct control_config cfg;
	struct control *c;
	struct control_status st;
	char err[128];

	control_config_defaults(&cfg);
	cfg.min_interval = (int64_t)(take64(&data, &size) % 1000000000000ULL) + 1;
	cfg.max_interval = cfg.min_interval + (int64_t)(take64(&data, &size) % 1000000000000ULL);
	cfg.hold = (unsigned)(take64(&data, &size) % 5) + 1;
	FUZZ_CHECK(control_new(&c, &cfg, err, sizeof(err)) == 0);
	while (size) {
		uint64_t acc = take64(&data, &size);
		struct qot_req req = qot_req_none;
		struct control_quality q;
		double required;

		if (acc % 3 != 0) /* now and then: the same requirement again */
			req.acc_below = req.acc_above = acc % 7 == 0 ? QOT_UNBOUNDED : acc >> 20;
		q.floor = take64(&data, &size) >> 24;
		if (q.floor % 11 == 0)
			q.floor = QOT_UNBOUNDED;
		q.noise = take64(&data, &size) >> 40;
		q.drift = (double)(take64(&data, &size) >> 44) * 1e-12;
		if (acc % 3 != 0)
			control_set_requirement(c, &req);
		control_update(c, &q);
		control_status(c, &st);
		FUZZ_CHECK(st.interval >= cfg.min_interval && st.interval <= cfg.max_interval);
		FUZZ_CHECK(st.reason[0] != '\0' && memchr(st.reason, 0, sizeof(st.reason)));
		FUZZ_CHECK(st.exchanges_per_s > 0 && isfinite(st.exchanges_per_s));
		required = (double)st.required;
		if (st.state == CONTROL_MET)
			FUZZ_CHECK((double)st.predicted <= required * (1 - cfg.margin) + 1);
		if (st.state == CONTROL_TIGHT)
			FUZZ_CHECK(st.predicted <= st.required && st.interval == cfg.min_interval);
		if (st.state == CONTROL_NONE)
			FUZZ_CHECK(st.interval == cfg.max_interval && st.required == QOT_UNBOUNDED);
	}
	control_free(c);
}

static void requirement(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t clen = nl ? (size_t)(nl - data) : size;
	struct qot_req r, poison, local;
	bool coord = false;
	int err;

	memset(&r, FUZZ_POISON, sizeof(r));
	poison = r;
	err = control_req_choose(text, clen, text + clen, size - clen, &r, &coord);
	FUZZ_CHECK(err == 0 || err == -EINVAL);
	if (err) {
		FUZZ_CHECK(memcmp(&r, &poison, sizeof(r)) == 0);
		return;
	}
	/* never looser than the local requirement; without a coordinator, it */
	FUZZ_CHECK(qot_reqline_parse(text + clen, size - clen, &local) == 0);
	FUZZ_CHECK(r.acc_below <= local.acc_below && r.acc_above <= local.acc_above);
	if (!coord)
		FUZZ_CHECK(memcmp(&r, &local, sizeof(r)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0:
		reply(data + 1, size - 1);
		break;
	case 1:
		conf(data + 1, size - 1);
		break;
	case 2:
		controller(data + 1, size - 1);
		break;
	default:
		requirement(data + 1, size - 1);
		break;
	}
	return 0;
}
