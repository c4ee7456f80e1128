#!/usr/bin/env bash
# run.sh - on a fresh Debian 12 machine, as root: install the packages, build,
# mount qotfs on /qot and show a timeline working. qotfs stays mounted
# afterwards; stop it with: fusermount3 -u /qot
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh
./scripts/build.sh build

if ! mountpoint -q /qot 2>/dev/null || ! [ -e /qot/.timelines ]; then
	build/qotfs/qotfs /qot # detaches once mounted
fi

tl=/qot/demo
[ -d "$tl" ] || mkdir "$tl"
echo "== timelines:        $(tr '\n' ' ' < /qot/.timelines)"
echo "== cat $tl/now:"
cat "$tl/now"
read -r t below above status < "$tl/now"
echo "   estimate $t s, true time within -$below s / +$above s, status $status"
echo "   (unbounded until a sync daemon disciplines the timeline: it never pretends)"

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
echo "qotfs is mounted on /qot. See man/qot.7; stop it with: fusermount3 -u /qot"
