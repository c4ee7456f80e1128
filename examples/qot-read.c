/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qot-read - print a timeline's time and uncertainty from its mapped clock
 * page, in the same form as /qot/TIMELINE/now. The smallest useful libqot
 * program:
 *
 *   qot-read TIMELINE | PATH/clock
 *   qot-read --at NS TIMELINE     project to base-clock instant NS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qot.h"

int main(int argc, char **argv)
{
	const char *target = argc == 2 ? argv[1] : argc == 4 ? argv[3] : NULL;
	char line[QOT_TIME_TEXT_MAX];
	struct qot_time t;
	qot_clock *clk;
	int err;

	if (target == NULL || (argc == 4 && strcmp(argv[1], "--at") != 0)) {
		fprintf(stderr, "usage: %s [--at NS] TIMELINE|PATH\n", argv[0]);
		return 2;
	}
	err = strchr(target, '/') ? qot_clock_open_path(target, &clk)
				  : qot_clock_open(target, &clk);
	if (err == 0 && argc == 4) {
		struct qot_clock_params params;
		int64_t ignored;
		err = qot_clock_params_read(clk, &params, &ignored);
		if (err == 0)
			qot_project(&params, strtoll(argv[2], NULL, 10), &t);
	} else if (err == 0) {
		err = qot_clock_read(clk, &t);
	}
	if (err) {
		fprintf(stderr, "qot-read: %s: %s\n", target, qot_strerror(err));
		return 1;
	}
	qot_time_format(&t, line, sizeof(line));
	fputs(line, stdout);
	qot_clock_close(clk);
	return 0;
}
