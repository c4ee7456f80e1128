/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.c - the Prometheus text exposition of every timeline. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "timefmt.h"

void metrics_label(FILE *f, const char *value)
{
	for (const char *p = value; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '"')
			fputs("\\\"", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{timeline="TL"[,extra="value"]} */
static void series(FILE *f, const char *name, const char *tl, const char *extra,
		   const char *extra_value)
{
	fprintf(f, "%s{timeline=\"", name);
	metrics_label(f, tl);
	fputc('"', f);
	if (extra != NULL) {
		fprintf(f, ",%s=\"", extra);
		metrics_label(f, extra_value);
		fputc('"', f);
	}
	fputc('}', f);
}

/* A sample's value into buf: false for no sample. */
typedef bool (*metric_value)(const struct tlstate *st, char *buf, size_t size);

/* Nanoseconds as seconds, exactly; +Inf for unbounded. */
static bool bound(uint64_t ns, char *buf, size_t size)
{
	if (ns == UINT64_MAX)
		snprintf(buf, size, "+Inf");
	else
		qot_fmt_useconds(ns, buf, size);
	return true;
}

static bool secs(int64_t ns, char *buf, size_t size)
{
	qot_fmt_seconds(ns, buf, size);
	return true;
}

static bool count(uint64_t v, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64, v);
	return true;
}

#define VALUE(fn, expr)                                                                            \
	static bool fn(const struct tlstate *st, char *buf, size_t size)                           \
	{                                                                                          \
		return expr;                                                                       \
	}
VALUE(v_offset, secs(st->offset_ns, buf, size))
VALUE(v_below, bound(st->below, buf, size))
VALUE(v_above, bound(st->above, buf, size))
VALUE(v_age, st->has_age &&secs(st->age_ns, buf, size))
VALUE(v_stale_after, st->params.stale_after == QOT_NEVER ? bound(UINT64_MAX, buf, size)
							 : secs(st->params.stale_after, buf, size))
VALUE(v_req_below, bound(st->req.acc_below, buf, size))
VALUE(v_req_above, bound(st->req.acc_above, buf, size))
VALUE(v_req_resolution, bound(st->req.resolution, buf, size))
VALUE(v_met, count(st->met, buf, size))
VALUE(v_bindings, count(st->nbindings, buf, size))
VALUE(v_members, count(st->cl_members, buf, size))
VALUE(v_leading, count(st->cl_leading, buf, size))
VALUE(v_hlc_events, count(st->hlc_events, buf, size))
VALUE(v_hlc_received, count(st->hlc_received, buf, size))
VALUE(v_hlc_refused, count(st->hlc_refused, buf, size))
VALUE(v_hlc_malformed, count(st->hlc_malformed, buf, size))
VALUE(v_hlc_ahead_max, bound(st->hlc_ahead_max, buf, size))

static bool v_one(const struct tlstate *st, char *buf, size_t size)
{
	(void)st;
	return count(1, buf, size);
}

static bool v_freq(const struct tlstate *st, char *buf, size_t size)
{
	int64_t m = st->freq_mppb;
	uint64_t a = m < 0 ? 0 - (uint64_t)m : (uint64_t)m;

	snprintf(buf, size, "%s%" PRIu64 ".%03" PRIu64, m < 0 ? "-" : "", a / 1000, a % 1000);
	return true;
}

static const char *l_source(const struct tlstate *st)
{
	return st->source;
}

static const char *l_leader(const struct tlstate *st)
{
	return st->cl_leader;
}

/* The metrics with one sample per timeline, in the order written. */
static const struct metric {
	const char *name, *type, *help;
	metric_value value;
	const char *label; /* a second label besides timeline, or NULL */
	const char *(*label_value)(const struct tlstate *st);
} per_timeline[] = {
	{"qot_timeline_source_info", "gauge",
	 "Always 1; the source label names who vouches for the parameters (empty: none).", v_one,
	 "source", l_source},
	{"qot_timeline_offset_seconds", "gauge", "The timeline's estimate minus CLOCK_REALTIME.",
	 v_offset, NULL, NULL},
	{"qot_timeline_below_seconds", "gauge",
	 "How far below the estimate the true time may lie (+Inf: unbounded).", v_below, NULL,
	 NULL},
	{"qot_timeline_above_seconds", "gauge",
	 "How far above the estimate the true time may lie (+Inf: unbounded).", v_above, NULL,
	 NULL},
	{"qot_timeline_frequency_ppb", "gauge",
	 "The frequency correction of the parameters, in parts per billion.", v_freq, NULL, NULL},
	{"qot_timeline_params_age_seconds", "gauge",
	 "How long ago the parameters were written (no sample: never).", v_age, NULL, NULL},
	{"qot_timeline_stale_after_timestamp_seconds", "gauge",
	 "When the parameters go stale, seconds since the epoch (+Inf: never).", v_stale_after,
	 NULL, NULL},
	{"qot_timeline_required_below_seconds", "gauge",
	 "The effective requirement's accuracy below (+Inf: none).", v_req_below, NULL, NULL},
	{"qot_timeline_required_above_seconds", "gauge",
	 "The effective requirement's accuracy above (+Inf: none).", v_req_above, NULL, NULL},
	{"qot_timeline_required_resolution_seconds", "gauge",
	 "The effective requirement's resolution (+Inf: none).", v_req_resolution, NULL, NULL},
	{"qot_timeline_requirement_met", "gauge",
	 "1 if the bounds meet the effective requirement's accuracy, else 0.", v_met, NULL, NULL},
	{"qot_timeline_bindings", "gauge", "Bindings of the timeline on this node.", v_bindings,
	 NULL, NULL},
	{"qot_timeline_members", "gauge",
	 "Nodes that share the timeline, as the coordinator says (0 without one).", v_members, NULL,
	 NULL},
	{"qot_timeline_leading", "gauge", "1 if this node leads the timeline, else 0.", v_leading,
	 NULL, NULL},
	{"qot_timeline_leader_info", "gauge",
	 "Always 1; the leader label names the node that leads the timeline (empty: none).", v_one,
	 "leader", l_leader},
	{"qot_timeline_hlc_events_total", "counter", "Reads of the timeline's hlc file.",
	 v_hlc_events, NULL, NULL},
	{"qot_timeline_hlc_received_total", "counter",
	 "Received timestamps merged into the timeline's HLC.", v_hlc_received, NULL, NULL},
	{"qot_timeline_hlc_refused_total", "counter",
	 "Received timestamps refused as too far ahead.", v_hlc_refused, NULL, NULL},
	{"qot_timeline_hlc_malformed_total", "counter",
	 "Writes to the hlc file not in the text form.", v_hlc_malformed, NULL, NULL},
	{"qot_timeline_hlc_ahead_max_seconds", "gauge",
	 "The largest lead of an accepted timestamp over the timeline's time.", v_hlc_ahead_max,
	 NULL, NULL},
};

void metrics_format(FILE *f, const struct tlstate *sts, size_t n, const struct tlstate_coord *coord)
{
	static const char *const statuses[] = {"unsynced", "synced", "holdover", "stale"};
	static const char *const cstates[] = {"none", "current", "stale"};
	char buf[64];

	family(f, "qot_timelines", "gauge", "Timelines of the mount.");
	fprintf(f, "qot_timelines %zu\n", n);

	family(f, "qot_timeline_status", "gauge",
	       "1 for the timeline's status now (unsynced, synced, holdover, stale), else 0.");
	for (size_t i = 0; i < n; i++)
		for (size_t s = 0; s < 4; s++) {
			series(f, "qot_timeline_status", sts[i].name, "status", statuses[s]);
			fprintf(f, " %d\n", strcmp(sts[i].status, statuses[s]) == 0);
		}

	for (size_t m = 0; m < sizeof(per_timeline) / sizeof(per_timeline[0]); m++) {
		const struct metric *mt = &per_timeline[m];
		family(f, mt->name, mt->type, mt->help);
		for (size_t i = 0; i < n; i++) {
			if (!mt->value(&sts[i], buf, sizeof(buf)))
				continue;
			series(f, mt->name, sts[i].name, mt->label,
			       mt->label ? mt->label_value(&sts[i]) : NULL);
			fprintf(f, " %s\n", buf);
		}
	}

	family(f, "qot_coordination_state", "gauge",
	       "1 for the coordinator's lease state now (none, current, stale), else 0.");
	for (size_t s = 0; s < 3; s++)
		fprintf(f, "qot_coordination_state{state=\"%s\"} %d\n", cstates[s],
			strcmp(coord->state, cstates[s]) == 0);
	family(f, "qot_coordination_lease_seconds", "gauge",
	       "How long the coordinator's lease still runs.");
	secs(coord->lease_ns, buf, sizeof(buf));
	fprintf(f, "qot_coordination_lease_seconds %s\n", buf);
}

int metrics_write_file(const char *path, const char *text, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	char *tmp = malloc(dirlen + sizeof(".qotctl-metrics.XXXXXX"));
	size_t off = 0;
	int fd, err = 0;

	if (tmp == NULL)
		return -ENOMEM;
	memcpy(tmp, path, dirlen);
	strcpy(tmp + dirlen, ".qotctl-metrics.XXXXXX");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	while (off < len && err == 0) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno != EINTR)
			err = -errno;
		else if (n > 0)
			off += (size_t)n;
	}
	if (err == 0 && fchmod(fd, 0644) < 0)
		err = -errno;
	if (err == 0 && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}
