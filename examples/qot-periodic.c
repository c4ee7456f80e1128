/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qot-periodic - a periodic task on a timeline with libqot: bind, set a
 * period, and wake at each boundary, printing how late each wake-up was.
 *
 *   qot-periodic [-n COUNT] [-p PERIOD_NS] [-P PHASE_NS] TIMELINE
 *
 * Prints one line per period: the boundary and the wake-up, in timeline
 * nanoseconds, and the wake-up's uncertainty.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <qot.h>

static uint64_t number(const char *s, const char *what)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s == '\0' || *end != '\0') {
		fprintf(stderr, "qot-periodic: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	uint64_t count = 10, period = 100000000, phase = 0;
	struct qot_period p = QOT_PERIOD_INIT;
	qot_binding *b;
	int c, err;

	while ((c = getopt(argc, argv, "n:p:P:")) != -1) {
		switch (c) {
		case 'n':
			count = number(optarg, "count");
			break;
		case 'p':
			period = number(optarg, "period");
			break;
		case 'P':
			phase = number(optarg, "phase");
			break;
		default:
			fprintf(stderr,
				"usage: qot-periodic [-n COUNT] [-p PERIOD_NS] [-P PHASE_NS] "
				"TIMELINE\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr,
			"usage: qot-periodic [-n COUNT] [-p PERIOD_NS] [-P PHASE_NS] TIMELINE\n");
		return 2;
	}
	err = qot_period_set(&p, period, phase);
	if (err) {
		fprintf(stderr, "qot-periodic: period %" PRIu64 " phase %" PRIu64 ": %s\n", period,
			phase, qot_strerror(err));
		return 2;
	}
	err = qot_bind(argv[optind], "qot-periodic", NULL, &b);
	if (err) {
		fprintf(stderr, "qot-periodic: %s: %s\n", argv[optind], qot_strerror(err));
		return 1;
	}
	for (uint64_t i = 0; i < count; i++) {
		struct qot_time woke;
		err = qot_period_wait(qot_binding_clock(b), &p, &woke);
		if (err) {
			fprintf(stderr, "qot-periodic: %s\n", qot_strerror(err));
			break;
		}
		printf("boundary=%" PRId64 " woke=%" PRId64 " late_ns=%" PRId64 " below=%" PRIu64
		       " above=%" PRIu64 "\n",
		       p.last, woke.estimate, woke.estimate - p.last, woke.below, woke.above);
		fflush(stdout);
	}
	qot_unbind(b);
	return err ? 1 : 0;
}
