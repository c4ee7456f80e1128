/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_chrony.c - the controller and the chronyd knob, end to end, for
 * test_control_chrony.sh: a requirement and a measured quality in, the
 * interval the controller chooses, the poll that is, set on a chronyd.
 *
 *   control_chrony (--socket PATH --own PATH | --udp ADDRESS PORT)
 *       --source ADDRESS --accuracy DUR [--floor DUR] [--drift PPM]
 *       [--min DUR] [--max DUR] [--repeat N] [--tracking PORT]
 *
 * With --tracking the quality is chronyd's own, from the tracking report of
 * its command port on 127.0.0.1 (chrony_poll_quality), not --floor/--drift.
 * Through control_timeline with chronyd's knob, as syncd's loop will: prints
 * "interval=DUR poll=P state=STATE sent=N" and the fields `sync` would show
 * ("sync: effort=..."), and exits 0 when chronyd took it; prints the
 * refusal on stderr and exits 3 when it did not. --repeat N updates N times
 * with the same quality (one request pair at most is sent).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chrony_cmd.h"
#include "chrony_poll.h"
#include "chrony_proto.h"
#include "control.h"
#include "control_timeline.h"
#include "deadline.h"
#include "duration.h"

static uint64_t dur(const char *s)
{
	uint64_t v;

	if (qot_dur_parse(s, strlen(s), &v) != 0) {
		fprintf(stderr, "control_chrony: bad duration %s\n", s);
		exit(2);
	}
	return v;
}

/* chronyd's tracking report over UDP, as syncd's chrony source asks it. */
static int tracking(unsigned port, struct control_quality *q)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	uint8_t req[CHRONY_TRACKING_LEN], reply[512];
	struct chrony_tracking t;
	struct timespec now;
	unsigned status;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), res = -ETIMEDOUT;
	ssize_t n;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -errno;
	chrony_proto_tracking_request(req, 77);
	if (send(fd, req, sizeof(req), 0) == (ssize_t)sizeof(req) &&
	    deadline_wait(fd, deadline_now_ms() + 1000) &&
	    (n = recv(fd, reply, sizeof(reply), 0)) > 0)
		res = chrony_proto_tracking_parse(reply, (size_t)n, 77, &t, &status);
	close(fd);
	if (res < 0)
		return res;
	clock_gettime(CLOCK_REALTIME, &now);
	chrony_poll_quality(&t, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec, 15e-6, q);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, 0, 's'},	 {"own", required_argument, 0, 'o'},
		{"udp", required_argument, 0, 'u'},	 {"source", required_argument, 0, 'S'},
		{"accuracy", required_argument, 0, 'a'}, {"floor", required_argument, 0, 'f'},
		{"drift", required_argument, 0, 'd'},	 {"min", required_argument, 0, 'm'},
		{"max", required_argument, 0, 'M'},	 {"repeat", required_argument, 0, 'r'},
		{"tracking", required_argument, 0, 't'}, {0, 0, 0, 0},
	};
	struct chrony_poll_config pc = {0};
	struct control_config cc;
	struct control_quality q = {1000, 0, 100e-6, 0};
	struct qot_req req = qot_req_none;
	struct control_status st;
	struct control_timeline *ct;
	struct control_knob knob;
	struct chrony_poll *p;
	char err[128], iv[32], log[CONTROL_TIMELINE_LINE_MAX], line[CONTROL_TIMELINE_LINE_MAX];
	char reqtext[QOT_REQ_TEXT_MAX];
	int c, res = 0, repeat = 1;
	size_t n;
	bool refused;
	unsigned track = 0;

	control_config_defaults(&cc);
	cc.min_interval = chrony_cmd_interval_of(CHRONY_POLL_MIN);
	cc.max_interval = 1000000000;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			pc.socket = optarg;
			break;
		case 'o':
			pc.own = optarg;
			break;
		case 'u':
			if (optind >= argc)
				return 2;
			pc.address = optarg;
			pc.port = (unsigned)atoi(argv[optind++]);
			break;
		case 'S':
			pc.source = optarg;
			break;
		case 'a':
			req.acc_below = req.acc_above = dur(optarg);
			break;
		case 'f':
			q.floor = dur(optarg);
			break;
		case 'd':
			q.drift = atof(optarg) * 1e-6;
			break;
		case 'm':
			cc.min_interval = (int64_t)dur(optarg);
			break;
		case 'M':
			cc.max_interval = (int64_t)dur(optarg);
			break;
		case 'r':
			repeat = atoi(optarg);
			break;
		case 't':
			track = (unsigned)atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (chrony_poll_new(&p, &pc) < 0) {
		fprintf(stderr, "control_chrony: bad chronyd or source address\n");
		return 2;
	}
	chrony_poll_knob(p, &knob);
	if (control_timeline_new(&ct, &cc, &knob, err, sizeof(err)) < 0) {
		fprintf(stderr, "control_chrony: %s\n", err);
		return 2;
	}
	if (track && (res = tracking(track, &q)) < 0) {
		fprintf(stderr, "control_chrony: no tracking report: %s\n", strerror(-res));
		return 2;
	}
	n = qot_req_format(&req, reqtext, sizeof(reqtext));
	if (control_timeline_requirement(ct, NULL, 0, reqtext, n) < 0)
		return 2;
	for (int i = 0; i < repeat; i++)
		control_timeline_update(ct, &q, log, sizeof(log));
	control_timeline_status(ct, &st);
	control_format_ns((uint64_t)st.interval, iv, sizeof(iv));
	printf("interval=%s poll=%d state=%s sent=%llu\n", iv, chrony_cmd_poll_of(st.interval),
	       control_state_name(st.state), (unsigned long long)chrony_poll_sent(p));
	if (track)
		printf("quality floor=%lluns noise=%lluns drift=%.3gppm: %s\n",
		       (unsigned long long)q.floor, (unsigned long long)q.noise, q.drift * 1e6,
		       st.reason);
	if (control_timeline_format(ct, line, sizeof(line)) > 0)
		printf("sync:%s\n", line);
	refused = control_timeline_refusal(ct)[0] != '\0';
	if (refused)
		fprintf(stderr, "refused: %s\n", control_timeline_refusal(ct));
	control_timeline_free(ct);
	chrony_poll_free(p);
	return refused ? 3 : 0;
}
