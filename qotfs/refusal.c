/* SPDX-License-Identifier: Apache-2.0 */
/* refusal.c - refused writes in the log, rate limited (refusal.h). */
#include <string.h>
#include <time.h>

#include "log.h"
#include "reason.h"
#include "refusal.h"

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void refusal_note(struct refusal_log *rl, const char *file, const char *timeline, pid_t pid,
		  int err)
{
	int64_t now = monotonic_ns();
	const char *why = qot_reason()[0] ? qot_reason() : strerror(-err);

	if (now - rl->window_start >= REFUSAL_WINDOW_NS) {
		if (rl->dropped)
			qot_log(QOT_LOG_DEBUG, "%u more refused writes not logged", rl->dropped);
		rl->window_start = now;
		rl->logged = rl->dropped = 0;
	}
	if (rl->logged >= REFUSAL_BURST) {
		rl->dropped++;
		return;
	}
	rl->logged++;
	qot_log(QOT_LOG_DEBUG, "refused a write to %s%s%s by pid %d: %s: %s",
		timeline ? timeline : "", timeline ? "/" : "", file, (int)pid, strerror(-err), why);
}
