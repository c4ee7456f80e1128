#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh - on a fresh Debian 12 machine, as root: install what building needs
# (scripts/deps.sh run: build tools and libfuse, never a time daemon), build,
# mount qotfs on /qot, install the sample /etc/qot/syncd.conf if there is
# none, start syncd with it - with no source line it finds a running chronyd,
# else a running ptp4l, else the kernel's view of the host clock - logging to
# /var/log/qot/syncd.log, and show a timeline working. Both stay running
# afterwards; stop them with: pkill -x syncd; fusermount3 -u -z /qot
#
# For tests, the environment may change the places: QOT_ROOT (the mount
# point, default /qot), QOT_SYNCD_CONF (/etc/qot/syncd.conf), QOT_LOG_DIR
# (/var/log/qot), QOT_BUILD_DIR (build) and QOT_RUN_NO_BUILD=1 (use what
# QOT_BUILD_DIR holds).
set -euo pipefail
cd "$(dirname "$0")/.."
root=${QOT_ROOT:-/qot}
conf=${QOT_SYNCD_CONF:-/etc/qot/syncd.conf}
logdir=${QOT_LOG_DIR:-/var/log/qot}
build=${QOT_BUILD_DIR:-build}
export QOT_ROOT=$root # for the examples and libqot

./scripts/deps.sh run # build tools and libfuse only: never a time daemon
[ "${QOT_RUN_NO_BUILD:-0}" = 1 ] || ./scripts/build.sh "$build"

mkdir -p "$root"
if ! mountpoint -q "$root" 2>/dev/null || ! [ -e "$root/.timelines" ]; then
	"$build/qotfs/qotfs" "$root" # detaches once mounted
fi

# syncd: the sample configuration, if there is none (every directive
# commented out: the sources are found), and a log file the user can read.
if [ ! -e "$conf" ]; then
	confdir=$(dirname "$conf")
	mkdir -p "$confdir"
	sed "s|@QOT_CONFDIR@|$confdir|g" etc/qot/syncd.conf.in >"$conf"
	echo "== installed the sample $conf"
fi
mkdir -p "$logdir"
log=$logdir/syncd.log
mount_opt=()
[ "$root" = /qot ] || mount_opt=(-m "$root")
if pgrep -x syncd >/dev/null; then
	echo "== syncd runs already (pid $(pgrep -x syncd | tr '\n' ' ')); not starting another"
else
	setsid -f "$build/syncd/syncd" -f -c "$conf" "${mount_opt[@]}" </dev/null >>"$log" 2>&1
	echo "== started syncd -c $conf; its messages go to $log"
fi

tl=$root/demo
[ -d "$tl" ] || mkdir "$tl"
for _ in $(seq 50); do # syncd publishes within an update interval
	grep -q "source=none" "$tl/sync" || break
	sleep 0.1
done
echo "== what syncd found:  $(grep -o 'no source configured: .*' "$log" | tail -1)"
echo "== timelines:        $(tr '\n' ' ' <"$root/.timelines")"
echo "== cat $tl/now:"
cat "$tl/now"
read -r t below above status <"$tl/now"
echo "   estimate $t s, true time within -$below s / +$above s, status $status"
echo "== who disciplines it, and how well ($tl/sync):"
cat "$tl/sync"
if [ "$status" != synced ]; then
	echo "   (this host's clock is not synchronised - the kernel says STA_UNSYNC - so the"
	echo "    bounds are unbounded: qotfs never pretends. Run chronyd or ptp4l, or name"
	echo "    them in $conf (see man/syncd.conf.5), then: pkill -HUP -x syncd)"
fi

exec 3>"$tl/bind"
echo "name=demo accuracy=10us resolution=1ms" >&3
echo "== bound with 'exec 3>$tl/bind; echo name=demo accuracy=10us resolution=1ms >&3':"
cat "$tl/bindings"
echo "== effective requirement: $(cat "$tl/requirements")"
exec 3>&-

echo "== the mapped clock page, read by Python with mmap + struct:"
python3 examples/qot_clock.py demo
echo "== and by C through libqot ($build/examples/qot-read demo):"
"$build/examples/qot-read" demo
echo
echo "qotfs is mounted on $root and syncd runs (configuration $conf, log $log;"
echo "after editing the configuration: pkill -HUP -x syncd). See man/qot.7 and man/syncd.8;"
echo "stop them with: pkill -x syncd; fusermount3 -u -z $root"
