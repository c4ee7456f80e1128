/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.c - the Prometheus text exposition of every timeline. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

/* Nanoseconds as seconds, exactly; +Inf for unbounded. */
static void value_bound(FILE *f, uint64_t ns)
{
	char b[32];

	if (ns == UINT64_MAX) {
		fputs(" +Inf\n", f);
		return;
	}
	qot_fmt_useconds(ns, b, sizeof(b));
	fprintf(f, " %s\n", b);
}

static void value_secs(FILE *f, int64_t ns)
{
	char b[32];

	qot_fmt_seconds(ns, b, sizeof(b));
	fprintf(f, " %s\n", b);
}

static void value_u64(FILE *f, uint64_t v)
{
	fprintf(f, " %" PRIu64 "\n", v);
}

#define EACH(i) for (size_t i = 0; i < n; i++)

void metrics_format(FILE *f, const struct tlstate *sts, size_t n, const struct tlstate_coord *coord)
{
	static const char *const statuses[] = {"unsynced", "synced", "holdover", "stale"};
	static const char *const cstates[] = {"none", "current", "stale"};

	family(f, "qot_timelines", "gauge", "Timelines of the mount.");
	fprintf(f, "qot_timelines %zu\n", n);

	family(f, "qot_timeline_status", "gauge",
	       "1 for the timeline's status now (unsynced, synced, holdover, stale), else 0.");
	EACH(i)
	for (size_t s = 0; s < 4; s++) {
		series(f, "qot_timeline_status", sts[i].name, "status", statuses[s]);
		value_u64(f, strcmp(sts[i].status, statuses[s]) == 0);
	}

	family(f, "qot_timeline_source_info", "gauge",
	       "Always 1; the source label names who vouches for the parameters (empty: none).");
	EACH(i)
	{
		series(f, "qot_timeline_source_info", sts[i].name, "source", sts[i].source);
		value_u64(f, 1);
	}

	family(f, "qot_timeline_offset_seconds", "gauge",
	       "The timeline's estimate minus CLOCK_REALTIME.");
	EACH(i)
	{
		series(f, "qot_timeline_offset_seconds", sts[i].name, NULL, NULL);
		value_secs(f, sts[i].offset_ns);
	}

	family(f, "qot_timeline_below_seconds", "gauge",
	       "How far below the estimate the true time may lie (+Inf: unbounded).");
	EACH(i)
	{
		series(f, "qot_timeline_below_seconds", sts[i].name, NULL, NULL);
		value_bound(f, sts[i].below);
	}

	family(f, "qot_timeline_above_seconds", "gauge",
	       "How far above the estimate the true time may lie (+Inf: unbounded).");
	EACH(i)
	{
		series(f, "qot_timeline_above_seconds", sts[i].name, NULL, NULL);
		value_bound(f, sts[i].above);
	}

	family(f, "qot_timeline_frequency_ppb", "gauge",
	       "The frequency correction of the parameters, in parts per billion.");
	EACH(i)
	{
		int64_t m = sts[i].freq_mppb;
		uint64_t a = m < 0 ? 0 - (uint64_t)m : (uint64_t)m;
		series(f, "qot_timeline_frequency_ppb", sts[i].name, NULL, NULL);
		fprintf(f, " %s%" PRIu64 ".%03" PRIu64 "\n", m < 0 ? "-" : "", a / 1000, a % 1000);
	}

	family(f, "qot_timeline_params_age_seconds", "gauge",
	       "How long ago the parameters were written (no sample: never).");
	EACH(i)
	if (sts[i].has_age) {
		series(f, "qot_timeline_params_age_seconds", sts[i].name, NULL, NULL);
		value_secs(f, sts[i].age_ns);
	}

	family(f, "qot_timeline_stale_after_timestamp_seconds", "gauge",
	       "When the parameters go stale, seconds since the epoch (+Inf: never).");
	EACH(i)
	{
		series(f, "qot_timeline_stale_after_timestamp_seconds", sts[i].name, NULL, NULL);
		if (sts[i].params.stale_after == QOT_NEVER)
			fputs(" +Inf\n", f);
		else
			value_secs(f, sts[i].params.stale_after);
	}

	family(f, "qot_timeline_required_below_seconds", "gauge",
	       "The effective requirement's accuracy below (+Inf: none).");
	EACH(i)
	{
		series(f, "qot_timeline_required_below_seconds", sts[i].name, NULL, NULL);
		value_bound(f, sts[i].req.acc_below);
	}
	family(f, "qot_timeline_required_above_seconds", "gauge",
	       "The effective requirement's accuracy above (+Inf: none).");
	EACH(i)
	{
		series(f, "qot_timeline_required_above_seconds", sts[i].name, NULL, NULL);
		value_bound(f, sts[i].req.acc_above);
	}
	family(f, "qot_timeline_required_resolution_seconds", "gauge",
	       "The effective requirement's resolution (+Inf: none).");
	EACH(i)
	{
		series(f, "qot_timeline_required_resolution_seconds", sts[i].name, NULL, NULL);
		value_bound(f, sts[i].req.resolution);
	}

	family(f, "qot_timeline_requirement_met", "gauge",
	       "1 if the bounds meet the effective requirement's accuracy, else 0.");
	EACH(i)
	{
		series(f, "qot_timeline_requirement_met", sts[i].name, NULL, NULL);
		value_u64(f, sts[i].met);
	}

	family(f, "qot_timeline_bindings", "gauge", "Bindings of the timeline on this node.");
	EACH(i)
	{
		series(f, "qot_timeline_bindings", sts[i].name, NULL, NULL);
		value_u64(f, sts[i].nbindings);
	}

	family(f, "qot_timeline_members", "gauge",
	       "Nodes that share the timeline, as the coordinator says (0 without one).");
	EACH(i)
	{
		series(f, "qot_timeline_members", sts[i].name, NULL, NULL);
		value_u64(f, sts[i].cl_members);
	}

	family(f, "qot_timeline_leading", "gauge", "1 if this node leads the timeline, else 0.");
	EACH(i)
	{
		series(f, "qot_timeline_leading", sts[i].name, NULL, NULL);
		value_u64(f, sts[i].cl_leading);
	}

	family(f, "qot_timeline_leader_info", "gauge",
	       "Always 1; the leader label names the node that leads the timeline (empty: none).");
	EACH(i)
	{
		series(f, "qot_timeline_leader_info", sts[i].name, "leader", sts[i].cl_leader);
		value_u64(f, 1);
	}

	family(f, "qot_timeline_hlc_events_total", "counter", "Reads of the timeline's hlc file.");
	EACH(i)
	{
		series(f, "qot_timeline_hlc_events_total", sts[i].name, NULL, NULL);
		value_u64(f, sts[i].hlc_events);
	}
	family(f, "qot_timeline_hlc_received_total", "counter",
	       "Received timestamps merged into the timeline's HLC.");
	EACH(i)
	{
		series(f, "qot_timeline_hlc_received_total", sts[i].name, NULL, NULL);
		value_u64(f, sts[i].hlc_received);
	}
	family(f, "qot_timeline_hlc_refused_total", "counter",
	       "Received timestamps refused as too far ahead.");
	EACH(i)
	{
		series(f, "qot_timeline_hlc_refused_total", sts[i].name, NULL, NULL);
		value_u64(f, sts[i].hlc_refused);
	}
	family(f, "qot_timeline_hlc_malformed_total", "counter",
	       "Writes to the hlc file not in the text form.");
	EACH(i)
	{
		series(f, "qot_timeline_hlc_malformed_total", sts[i].name, NULL, NULL);
		value_u64(f, sts[i].hlc_malformed);
	}
	family(f, "qot_timeline_hlc_ahead_max_seconds", "gauge",
	       "The largest lead of an accepted timestamp over the timeline's time.");
	EACH(i)
	{
		series(f, "qot_timeline_hlc_ahead_max_seconds", sts[i].name, NULL, NULL);
		value_bound(f, sts[i].hlc_ahead_max);
	}

	family(f, "qot_coordination_state", "gauge",
	       "1 for the coordinator's lease state now (none, current, stale), else 0.");
	for (size_t s = 0; s < 3; s++) {
		fprintf(f, "qot_coordination_state{state=\"%s\"} %d\n", cstates[s],
			strcmp(coord->state, cstates[s]) == 0);
	}
	family(f, "qot_coordination_lease_seconds", "gauge",
	       "How long the coordinator's lease still runs.");
	fputs("qot_coordination_lease_seconds", f);
	value_secs(f, coord->lease_ns);
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
