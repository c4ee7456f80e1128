/* SPDX-License-Identifier: Apache-2.0 */
/*
 * discover.h - with no source configured, find what keeps this host's time:
 * a running chronyd (it answers on its command socket), else a running
 * ptp4l (it answers on its management socket), else the kernel's view of
 * the host clock. The socket paths are Debian's defaults, or those of the
 * environment variables below (tests start their own chronyd and ptp4l).
 */
#ifndef SYNCD_DISCOVER_H
#define SYNCD_DISCOVER_H

#include <stddef.h>

#include "config.h"

#define DISCOVER_CHRONY_SOCKET "/run/chrony/chronyd.sock"
#define DISCOVER_PTP_SOCKET    "/var/run/ptp4l"
#define DISCOVER_CHRONY_ENV    "QOT_SYNCD_CHRONY_SOCKET"
#define DISCOVER_PTP_ENV       "QOT_SYNCD_PTP_SOCKET"

/*
 * If c has no configured source (c->discover), ask each candidate once (a
 * bounded query each) and give c the sources of the first that answers
 * (config_default_sources); c->found says which and why the others were
 * passed over. Client sockets go in c->rundir, made if missing. Does
 * nothing to a configuration with sources.
 */
void discover_sources(struct syncd_config *c);

#endif /* SYNCD_DISCOVER_H */
