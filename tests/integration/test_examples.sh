#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the README's shell tour, and the Python and C page readers,
# which must print exactly what the daemon computes.
# Needs QOTFS_BIN, QOT_READ_BIN and EXAMPLES_DIR (set by CTest).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

qotfs_start
M=$QOT_MNT

note "shell tour"
mkdir "$M/tl"
read -r t below above status < "$M/tl/now"
[ "$status" = unsynced ] || fail "status $status"
if [ "$below" != 18446744073.709551615 ] || [ "$above" != "$below" ]; then
	fail "bounds $below $above"
fi
case $t in [0-9]*.[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) ;; *) fail "estimate $t" ;; esac
exec 3>"$M/tl/bind"
echo "name=shell accuracy=10us resolution=1ms" >&3
grep -q "name=shell accuracy=10us resolution=1ms" "$M/tl/bindings" || fail "binding missing"
echo "accuracy=5us" > "$M/tl/requirements"
[ "$(cat "$M/tl/requirements")" = "accuracy=5us resolution=1ms" ] || fail "requirements"
if echo "name=shell accuracy=lots" >&3 2>/dev/null; then fail "bad bind line accepted"; fi
exec 3>&-
wait_for 5 test ! -s "$M/tl/bindings" || fail "binding outlived its file"
exec 3<>"$M/tl/bind" # read and write on one descriptor
echo "name=rw accuracy=1ms" >&3
mine=$(cat <&3)
case $mine in "id="*" name=rw accuracy=1ms resolution=none") ;; *) fail "read back '$mine'" ;; esac
exec 3>&-
wait_for 5 test ! -s "$M/tl/bindings" || fail "binding outlived its file"
rmdir "$M/tl"

note "Python and C readers agree with the daemon to the nanosecond"
mkdir "$M/tl"
anchor=$(( $(date +%s) * 1000000000 ))
# Odd values on purpose: negative frequency, drifts that need rounding up.
printf '%s\n' "status=holdover anchor=$anchor timeline=$((anchor + 123456789)) \
freq=-1234567890123 offset_below=1000 offset_above=2000 drift_below=98765432101 \
drift_above=5 stale_after=never" > "$M/tl/ctl"
wait_for 5 "$QOT_READ_BIN" "$M/tl/clock" >/dev/null || fail "qot-read cannot read the page"
wait_for 5 sh -c "'$QOT_READ_BIN' '$M/tl/clock' | grep -q holdover" || fail "page not updated"
for at in $((anchor - 315360000000000000)) $((anchor - 1)) "$anchor" $((anchor + 1)) \
	$((anchor + 999999999)) $((anchor + 315360000000000000)); do
	c=$("$QOT_READ_BIN" --at "$at" "$M/tl/clock")
	py=$(python3 "$EXAMPLES_DIR/qot_clock.py" --at "$at" "$M/tl/clock")
	[ "$c" = "$py" ] || fail "at $at: C '$c' vs Python '$py'"
done
note "  e.g. $c"

note "live: the readers and now report the same bounds and status"
printf '%s\n' "status=synced anchor=$anchor timeline=$anchor freq=0 offset_below=1500 \
offset_above=2500 drift_below=0 drift_above=0 stale_after=never" > "$M/tl/ctl"
wait_for 5 sh -c "python3 '$EXAMPLES_DIR/qot_clock.py' '$M/tl/clock' | grep -q synced" ||
	fail "Python reader never saw synced"
read -r t1 rest_now < "$M/tl/now"
read -r t2 rest_py < <(QOT_ROOT=$M python3 "$EXAMPLES_DIR/qot_clock.py" tl)
read -r t3 rest_c < <(QOT_ROOT=$M "$QOT_READ_BIN" tl)
[ "$rest_now" = "0.000001500 0.000002500 synced" ] || fail "now: $rest_now"
if [ "$rest_py" != "$rest_now" ] || [ "$rest_c" != "$rest_now" ]; then
	fail "readers disagree with now: '$rest_py' '$rest_c'"
fi
# The three estimates were taken moments apart.
python3 -c "import sys; a,b,c=map(float,sys.argv[1:]); sys.exit(not (abs(b-a)<1 and abs(c-a)<1))" \
	"$t1" "$t2" "$t3" || fail "estimates far apart: $t1 $t2 $t3"

note "errors are clear"
if python3 "$EXAMPLES_DIR/qot_clock.py" "$M/tl/now" 2>/dev/null; then fail "now read as a page"; fi
if "$QOT_READ_BIN" "$M/nope/clock" 2>/dev/null; then fail "missing clock read"; fi

qotfs_stop
echo "PASS"
