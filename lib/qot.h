/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qot.h - libqot, the C interface to qotfs timelines.
 *
 * A timeline is a virtual clock presented by qotfs under /qot/NAME/. Its
 * "clock" file is one page that the daemon keeps live; this library maps it
 * and turns it into time with an uncertainty interval for about the cost of
 * clock_gettime(). The page layout is documented in qot-clock(5), the API in
 * qot(3).
 */
#ifndef QOT_H
#define QOT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QOT_VERSION_STRING "0.1.0"

/* libqot is built with hidden visibility; only what is marked here is exported. */
#define QOT_API __attribute__((visibility("default")))

/* Where qotfs is mounted unless $QOT_ROOT says otherwise. */
#define QOT_DEFAULT_ROOT "/qot"

/* A bound or duration that is not known (or not required): 2^64 - 1 ns. */
#define QOT_UNBOUNDED UINT64_MAX

enum qot_status {
	QOT_STATUS_UNSYNCED = 0, /* nobody disciplines the timeline, or its source is lost */
	QOT_STATUS_SYNCED = 1,	 /* a source disciplines it now */
	QOT_STATUS_HOLDOVER = 2, /* the source went silent; bounds grow at the drift bound */
	QOT_STATUS_STALE = 3,	 /* reader-side only: the parameters are past stale_after */
};

/* Time on a timeline: the true time lies in [estimate - below, estimate + above]. */
struct qot_time {
	int64_t estimate; /* nanoseconds since the Unix epoch, timeline time */
	uint64_t below;	  /* nanoseconds, QOT_UNBOUNDED when unknown */
	uint64_t above;	  /* nanoseconds, QOT_UNBOUNDED when unknown */
	enum qot_status status;
};

/*
 * Clock parameters, as published by the sync daemon. For an instant t of the
 * base clock (nanoseconds), with dt = t - anchor:
 *   timeline time = anchor_tl + dt + floor(freq * dt / 2^64)
 *   below         = offset_below + ceil(drift_below * |dt| / 2^64)   (saturating)
 *   above         = offset_above + ceil(drift_above * |dt| / 2^64)   (saturating)
 * freq and the drift bounds are fractions of a nanosecond per nanosecond,
 * scaled by 2^64 (1 ppb = 18446744073.7...). Past stale_after the parameters
 * must not be trusted: readers report QOT_STATUS_STALE and unbounded bounds.
 */
struct qot_clock_params {
	int32_t clock_id;      /* base clock: CLOCK_REALTIME (0) */
	uint32_t status;       /* enum qot_status, never QOT_STATUS_STALE */
	int64_t anchor;	       /* base-clock instant, ns since the epoch */
	int64_t anchor_tl;     /* timeline time at anchor, ns since the epoch */
	int64_t freq;	       /* frequency correction, 2^-64 units */
	uint64_t offset_below; /* ns at anchor */
	uint64_t offset_above; /* ns at anchor */
	uint64_t drift_below;  /* growth of below per ns of |dt|, 2^-64 units */
	uint64_t drift_above;  /* growth of above per ns of |dt|, 2^-64 units */
	int64_t stale_after;   /* base-clock instant, ns since the epoch */
};

/* Largest |freq|, drift_below and drift_above accepted: 1% (10^7 ppb). */
#define QOT_FREQ_LIMIT ((int64_t)184467440737095516LL)
/* stale_after value meaning "never stale". */
#define QOT_NEVER INT64_MAX

/* The clock page, qot-clock(5). All fields in host byte order. */
#define QOT_CLOCK_MAGIC	    "QOTCLOCK"
#define QOT_CLOCK_VERSION   1
#define QOT_CLOCK_PAGE_SIZE 4096

struct qot_clock_page {
	char magic[8];			/*  0: "QOTCLOCK", no terminator */
	uint32_t version;		/*  8: QOT_CLOCK_VERSION */
	uint32_t size;			/* 12: bytes of this header in use (128) */
	uint64_t seq;			/* 16: seqlock counter, odd while being written */
	struct qot_clock_params params; /* 24..95: protected by seq */
	uint64_t reserved[4];		/* 96: zero in version 1 */
};

/* Errors beyond errno: returned negated, like errno values. */
enum {
	QOT_EPAGE = 4096, /* the file is not a qotfs clock page */
	QOT_EVERSION,	  /* the page's version is not one this library reads */
	QOT_ETORN,	  /* the page stayed mid-update: its writer died while writing */
};

typedef struct qot_clock qot_clock;

/* Map the clock of a timeline by name, under $QOT_ROOT or /qot. 0 or -errno. */
QOT_API int qot_clock_open(const char *timeline, qot_clock **out);
/* Map a clock page given its path (e.g. /qot/NAME/clock). 0 or -errno. */
QOT_API int qot_clock_open_path(const char *path, qot_clock **out);
/* Time now with its uncertainty; no system call but clock_gettime. 0 or -errno. */
QOT_API int qot_clock_read(const qot_clock *clk, struct qot_time *out);
/* Consistent copy of the parameters and the base-clock instant read with them. */
QOT_API int qot_clock_params_read(const qot_clock *clk, struct qot_clock_params *params,
				  int64_t *base_now);
QOT_API void qot_clock_close(qot_clock *clk);

/* Project parameters to base-clock instant base_ns (exact integer arithmetic). */
QOT_API void qot_project(const struct qot_clock_params *params, int64_t base_ns,
			 struct qot_time *out);

/* "unsynced", "synced", "holdover", "stale"; NULL for anything else. */
QOT_API const char *qot_status_name(enum qot_status status);
/* A message for a 0 / -errno / -QOT_E* return value. */
QOT_API const char *qot_strerror(int err);

/*
 * The text form used by the "now" file: "EST BELOW ABOVE STATUS\n", each
 * number in decimal seconds with 9 fraction digits. Returns the length
 * written (without the terminating NUL), or 0 if size is too small.
 */
#define QOT_TIME_TEXT_MAX 96
QOT_API size_t qot_time_format(const struct qot_time *t, char *buf, size_t size);

/*
 * Hybrid logical clocks (Kulkarni et al.), qot(3); the text form in qot(7).
 * A timestamp is (l, c): l follows the largest physical time seen (timeline
 * time, ns since the epoch), c orders events that share an l. If event a
 * happened before b then a's timestamp is lower. Comparison: l, then c.
 */
struct qot_hlc_ts {
	int64_t l;  /* ns since the epoch, 0 .. INT64_MAX */
	uint32_t c; /* 0 .. QOT_HLC_COUNTER_MAX */
};

/* The counter has 6 decimal digits. One past the largest carries into l (+1 ns). */
#define QOT_HLC_COUNTER_MAX 999999u
/* The text form: 19 digits of l, '.', 6 digits of c ("%019lld.%06u"). */
#define QOT_HLC_TEXT_LEN 26
#define QOT_HLC_TEXT_MAX 32
/* Received timestamps further ahead of local physical time are refused (500 ms). */
#define QOT_HLC_DEFAULT_MAX_OFFSET 500000000ull

/*
 * A local or send event on the clock *state at physical time pt: stores the
 * event's timestamp in *out (and the new state). 0, or -EOVERFLOW when l
 * would pass INT64_MAX (state untouched). Negative pt counts as 0.
 */
QOT_API int qot_hlc_tick(struct qot_hlc_ts *state, int64_t pt, struct qot_hlc_ts *out);
/*
 * A receive event of timestamp *msg at physical time pt: *out is after both
 * *state and *msg. -ERANGE if msg->l is more than max_offset ns ahead of pt
 * (QOT_UNBOUNDED: no limit), -EINVAL if *msg is no valid timestamp,
 * -EOVERFLOW; on error *state is untouched.
 */
QOT_API int qot_hlc_merge(struct qot_hlc_ts *state, const struct qot_hlc_ts *msg, int64_t pt,
			  uint64_t max_offset, struct qot_hlc_ts *out);
/* -1, 0 or 1 as a is before, equal to or after b. */
QOT_API int qot_hlc_compare(const struct qot_hlc_ts *a, const struct qot_hlc_ts *b);
/* The text form, NUL-terminated, no newline; its length (QOT_HLC_TEXT_LEN), or 0 if
 * size is too small or *ts is no valid timestamp. */
QOT_API size_t qot_hlc_format(const struct qot_hlc_ts *ts, char *buf, size_t size);
/* Parse exactly the text form, optionally followed by one newline. 0 or -EINVAL. */
QOT_API int qot_hlc_parse(const char *buf, size_t len, struct qot_hlc_ts *out);

/*
 * A process-local HLC: no system call (its physical time is qot_clock_read of
 * a mapped clock), safe to share between threads. Independent of the node-wide
 * HLC of the timeline's "hlc" file until combined with qot_hlc_local_sync().
 */
typedef struct qot_hlc_local qot_hlc_local;
/* clk must outlive the handle. max_offset as for qot_hlc_merge. 0 or -ENOMEM. */
QOT_API int qot_hlc_local_new(const qot_clock *clk, uint64_t max_offset, qot_hlc_local **out);
/* A local or send event. 0 or -errno / -QOT_E*. */
QOT_API int qot_hlc_local_now(qot_hlc_local *h, struct qot_hlc_ts *out);
/* A receive event; errors as qot_hlc_merge, and refusals are counted. */
QOT_API int qot_hlc_local_recv(qot_hlc_local *h, const struct qot_hlc_ts *msg,
			       struct qot_hlc_ts *out);
/* Received timestamps refused so far for being too far ahead. */
QOT_API uint64_t qot_hlc_local_refused(const qot_hlc_local *h);
QOT_API void qot_hlc_local_free(qot_hlc_local *h);

/* The node-wide HLC of a timeline: its "hlc" file, shared by every process. */
typedef struct qot_hlc_node qot_hlc_node;
/* Open $QOT_ROOT/TIMELINE/hlc (or a given path). 0 or -errno. */
QOT_API int qot_hlc_node_open(const char *timeline, qot_hlc_node **out);
QOT_API int qot_hlc_node_open_path(const char *path, qot_hlc_node **out);
/* A local or send event (one read of the file). 0 or -errno. */
QOT_API int qot_hlc_node_now(qot_hlc_node *n, struct qot_hlc_ts *out);
/* Merge a received timestamp (one write) and return the next event after it
 * (one read). -ERANGE if refused as too far ahead, -EINVAL if invalid. */
QOT_API int qot_hlc_node_recv(qot_hlc_node *n, const struct qot_hlc_ts *msg,
			      struct qot_hlc_ts *out);
QOT_API void qot_hlc_node_close(qot_hlc_node *n);
/*
 * Combine: the node-wide HLC merges the process-local one's present, and the
 * process-local one merges the result, so every later event of either comes
 * after every earlier event of both. 0 or -errno.
 */
QOT_API int qot_hlc_local_sync(qot_hlc_local *h, qot_hlc_node *n);
/* ---- Waiting on a timeline, bindings and conversions (qot(3)) ---- */

/* Errors beyond errno (continued). */
enum {
	QOT_ENOPERIOD = QOT_ETORN + 1, /* qot_period_wait() before qot_period_set() */
};

/*
 * Waits sleep with clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME) until the
 * base-clock instant at which the timeline gets there, then read the clock
 * again and sleep on if it did not: they never return early. They re-plan at
 * least every QOT_WAIT_REPLAN_NS, so new clock parameters (a frequency or
 * offset change) are honoured within that. On success they return 0 and
 * store the time they woke at in *woke (may be NULL); -EINTR when a signal
 * interrupted the sleep; -errno or -QOT_E* otherwise.
 */
#define QOT_WAIT_REPLAN_NS 50000000

/* Until the timeline's estimate reaches instant (ns since the epoch, timeline time). */
QOT_API int qot_waituntil(const qot_clock *clk, int64_t instant, struct qot_time *woke);
/* For duration ns of timeline time from now. */
QOT_API int qot_sleep(const qot_clock *clk, uint64_t duration, struct qot_time *woke);
/* Commit-wait: until instant is certainly past, estimate - below > instant. */
QOT_API int qot_commit_wait(const qot_clock *clk, int64_t instant, struct qot_time *woke);

/*
 * A periodic schedule on timeline time: boundaries at phase + k * period
 * (ns since the epoch). Owned by the caller; one per periodic task. The
 * first wait arms the first boundary strictly after now; each wait then
 * re-arms the first boundary strictly after the instant it woke at, so
 * boundaries never drift and an exact boundary is never returned twice.
 */
struct qot_period {
	uint64_t period; /* ns; 0: not set */
	uint64_t phase;	 /* ns, below period */
	int64_t next;	 /* the armed boundary; INT64_MIN before the first wait */
	int64_t last;	 /* the boundary the last successful wait waited for */
};
#define QOT_PERIOD_INIT                                                                            \
	{                                                                                          \
		0, 0, INT64_MIN, INT64_MIN                                                         \
	}

/* 0, or -EINVAL (period 0, phase >= period). Disarms. */
QOT_API int qot_period_set(struct qot_period *p, uint64_t period, uint64_t phase);
/* Until the armed boundary; -QOT_ENOPERIOD if no period was set. */
QOT_API int qot_period_wait(const qot_clock *clk, struct qot_period *p, struct qot_time *woke);

/* Conversions with the clock's current parameters. */
/* The first CLOCK_REALTIME instant at which the estimate reaches tl_ns; -ERANGE if none. */
QOT_API int qot_tl_to_sys(const qot_clock *clk, int64_t tl_ns, int64_t *sys_ns);
/* The timeline's time at CLOCK_REALTIME instant sys_ns. */
QOT_API int qot_sys_to_tl(const qot_clock *clk, int64_t sys_ns, struct qot_time *out);
/* A timeline duration as CLOCK_REALTIME duration (rounded up), and back (rounded down). */
QOT_API int qot_tl_duration_to_sys(const qot_clock *clk, uint64_t tl_ns, uint64_t *sys_ns);
QOT_API int qot_sys_duration_to_tl(const qot_clock *clk, uint64_t sys_ns, uint64_t *tl_ns);

/* What a binding requires; QOT_UNBOUNDED for "none". */
struct qot_requirements {
	uint64_t acc_below;  /* ns */
	uint64_t acc_above;  /* ns */
	uint64_t resolution; /* ns */
};

typedef struct qot_binding qot_binding;

/*
 * Bind application app to timeline (under $QOT_ROOT or /qot) through its
 * bind file, and map its clock. req may be NULL (no demand). 0, -EINVAL
 * (bad name, a zero duration), or the error of the file operation.
 */
QOT_API int qot_bind(const char *timeline, const char *app, const struct qot_requirements *req,
		     qot_binding **out);
/* Replace the binding's requirements. */
QOT_API int qot_bind_update(qot_binding *b, const struct qot_requirements *req);
/* The binding's clock, valid until qot_unbind(). */
QOT_API const qot_clock *qot_binding_clock(const qot_binding *b);
/* End the binding and unmap its clock. b may be NULL. */
QOT_API void qot_unbind(qot_binding *b);

#ifdef __cplusplus
}
#endif

#endif /* QOT_H */
