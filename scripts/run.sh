#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh - on a fresh Debian 12 machine, as root: install the packages, build,
# mount qotfs on /qot, start syncd on its default source (the kernel's own
# view of the host clock) and show a timeline working. Both stay running
# afterwards; stop them with: pkill -x syncd; fusermount3 -u -z /qot
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh run # build tools and libfuse only: never a time daemon
./scripts/build.sh build

if ! mountpoint -q /qot 2>/dev/null || ! [ -e /qot/.timelines ]; then
	build/qotfs/qotfs /qot # detaches once mounted
fi

# syncd: every timeline from the system source, unless /etc/qot/syncd.conf says otherwise.
pgrep -x syncd >/dev/null || build/syncd/syncd # detaches, logs to syslog

tl=/qot/demo
[ -d "$tl" ] || mkdir "$tl"
for _ in $(seq 50); do # syncd publishes within an update interval
	grep -q "source=none" "$tl/sync" || break
	sleep 0.1
done
echo "== timelines:        $(tr '\n' ' ' < /qot/.timelines)"
echo "== cat $tl/now:"
cat "$tl/now"
read -r t below above status < "$tl/now"
echo "   estimate $t s, true time within -$below s / +$above s, status $status"
echo "== who disciplines it, and how well ($tl/sync):"
cat "$tl/sync"
if [ "$status" != synced ]; then
	echo "   (this host's clock is not synchronised - the kernel says STA_UNSYNC - so the"
	echo "    bounds are unbounded: qotfs never pretends. Point syncd at chronyd or ptp4l"
	echo "    in /etc/qot/syncd.conf, see man/syncd.conf.5.)"
fi

exec 3>"$tl/bind"
echo "name=demo accuracy=10us resolution=1ms" >&3
echo "== bound with 'exec 3>$tl/bind; echo name=demo accuracy=10us resolution=1ms >&3':"
cat "$tl/bindings"
echo "== effective requirement: $(cat "$tl/requirements")"
exec 3>&-

echo "== the mapped clock page, read by Python with mmap + struct:"
python3 examples/qot_clock.py demo
echo "== and by C through libqot (build/examples/qot-read demo):"
build/examples/qot-read demo
echo
echo "qotfs is mounted on /qot and syncd runs. See man/qot.7 and man/syncd.8;"
echo "stop them with: pkill -x syncd; fusermount3 -u -z /qot"
