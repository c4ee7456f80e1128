/* SPDX-License-Identifier: Apache-2.0 */
/* status.c - names for statuses and error codes. */
#include <string.h>

#include "qot.h"

const char *qot_status_name(enum qot_status status)
{
	switch (status) {
	case QOT_STATUS_UNSYNCED:
		return "unsynced";
	case QOT_STATUS_SYNCED:
		return "synced";
	case QOT_STATUS_HOLDOVER:
		return "holdover";
	case QOT_STATUS_STALE:
		return "stale";
	}
	return NULL;
}

const char *qot_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "Success";
	case QOT_EPAGE:
		return "Not a qotfs clock page";
	case QOT_EVERSION:
		return "Unsupported qotfs clock page version";
	case QOT_ETORN:
		return "Clock page left mid-update by its writer";
	case QOT_ENOPERIOD:
		return "No period set (qot_period_set)";
	}
	return strerror(err < 0 ? -err : err);
}
