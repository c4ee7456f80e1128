#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# qot-tick.sh - a shell loop ticking once a period on a timeline, with
# nothing but bash and the timer file (qot(7)).
#
#   qot-tick.sh TIMELINE [COUNT [PERIOD]]     e.g. qot-tick.sh demo 5 1s
#
# Each tick prints the timeline's time at the wake-up and its uncertainty.
set -eu
tl=${1:?usage: qot-tick.sh TIMELINE [COUNT [PERIOD]]}
count=${2:-10}
period=${3:-1s}
root=${QOT_ROOT:-/qot}
n=0

# The loop itself: write the period on a read-write descriptor, then read one
# line per boundary.
{ echo "period=$period" >&0; while read -r t below above status; do echo "tick $t +-$below/$above $status"; n=$((n + 1)); [ "$n" -lt "$count" ] || break; done; } <>"$root/$tl/timer"
