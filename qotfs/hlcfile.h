/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hlcfile.h - the node-wide hybrid logical clock of each timeline: the "hlc"
 * file (a read is a local or send event, a write merges a received
 * timestamp) and its counters in "hlcstat". Owned by the request loop, like
 * the rest of the model: one thread, so no lock, and every process of the
 * node sees one strictly increasing sequence.
 */
#ifndef QOTFS_HLCFILE_H
#define QOTFS_HLCFILE_H

#include <stddef.h>
#include <stdint.h>

#include "pusher.h"
#include "qot.h"
#include "textbuf.h"

struct clockpub;

struct tl_hlc {
	struct qot_hlc_ts state;
	uint64_t events;    /* timestamps issued by reads */
	uint64_t received;  /* timestamps merged */
	uint64_t refused;   /* too far ahead of the timeline's time: ERANGE */
	uint64_t malformed; /* not the text form: EINVAL */
	uint64_t ahead_max; /* largest lead of an accepted timestamp over local time, ns */
};

/* The HLC's physical time is the timeline's estimate now, from clock. */

/* A fresh event's timestamp and a newline. 0, -ENOMEM, -EOVERFLOW. */
int hlcfile_read(struct pusher *p, struct clockpub *clock, struct tl_hlc *hlc, struct textbuf *tb);
/* Merge the timestamp in buf. 0, -EINVAL, -ERANGE, -EOVERFLOW; nothing changes on error. */
int hlcfile_write(struct pusher *p, struct clockpub *clock, struct tl_hlc *hlc, const char *buf,
		  size_t size, uint64_t max_offset);
/* The counters, one line. 0 or -ENOMEM. */
int hlcfile_stat(const struct tl_hlc *hlc, uint64_t max_offset, struct textbuf *tb);

#endif /* QOTFS_HLCFILE_H */
