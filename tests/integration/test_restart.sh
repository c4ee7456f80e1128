#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: crash and restart. qotfs killed with -9 and restarted with its
# state directory, syncd killed with -9 and restarted, while clients keep
# reading: what they see is asserted (restart_reader.py). Timelines, standing
# requirements and clock parameters survive; HLCs go on increasing; no dead
# mount is left behind; bad state files and directories are handled.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
: "${SYNCD_BIN:?}" "${MAPPED_READER_BIN:?}"

T=$(mktemp -d /tmp/qot-restart.XXXXXX)
on_exit "rm -rf $T"
STATE=$T/state
READER=$(dirname "$0")/restart_reader.py

# Nothing is mounted on the mount point, live or dead (mountpoint(1) cannot
# stat a dead mount, and says it is none).
unmounted() { awk -v m="$QOT_MNT" '$5 == m { found = 1 } END { exit found }' /proc/self/mountinfo; }

# Kill qotfs with -9: the mount must go by itself (auto_unmount), no dead mount.
qotfs_kill() {
	kill -KILL "$QOTFS_PID"
	wait "$QOTFS_PID" 2>/dev/null || true
	QOTFS_PID=""
	wait_for 10 unmounted || fail "a dead mount was left on $QOT_MNT"
	[ -d "$QOT_MNT" ] || fail "the mount point is not the empty directory"
}

hlc_of() { cat "$QOT_MNT/$1/hlc"; }
# hlc_after A B: HLC text A sorts strictly after B (the text form sorts as numbers).
hlc_after() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort | tail -n 1)" = "$1" ] && [ "$1" != "$2" ]; }

note "a timeline, a standing requirement, one owned by another user, parameters from syncd"
qotfs_start --state-dir="$STATE"
mkdir "$QOT_MNT/a" "$QOT_MNT/b"
echo "accuracy=5us/7us resolution=1ms" >"$QOT_MNT/a/requirements"
setpriv --reuid=65534 --regid=65534 --clear-groups mkdir "$QOT_MNT/users"
cat >"$T/syncd.conf" <<CONF
mount $QOT_MNT
rundir $T
interval 100ms
source sys system
timeline * sys
CONF
start_bg "$T/syncd.log" "$SYNCD_BIN" -f -c "$T/syncd.conf"
SYNCD_PID=$BG_PID
published() { [ "$(field "$QOT_MNT/$1/sync" source)" = sys ]; }
wait_for 10 published a || fail "a: $(cat "$QOT_MNT/a/sync")"
wait_for 10 published users || fail "users: $(cat "$QOT_MNT/users/sync")"
wait_for 10 grep -q "^params a .*source=sys" "$STATE"/*.state ||
	fail "parameters not saved: $(cat "$STATE"/*.state)"
hlc_before=$(hlc_of a)

note "kill -9 of qotfs while a client reads; restart with the same state directory"
python3 "$READER" "$QOT_MNT" a "$T/stop-reader" 120 >"$T/reader.out" 2>&1 &
READER_PID=$!
QOT_BG_PIDS+=("$READER_PID")
"$MAPPED_READER_BIN" "$QOT_MNT/a/clock" "$T/stop-reader" 120 >"$T/mapped.out" 2>&1 &
MAPPED_PID=$!
QOT_BG_PIDS+=("$MAPPED_PID")
wait_for 10 test -s "$STATE"/*.state
# Both readers must see both sides of the crash: each says when it has read.
wait_for 10 test -e "$T/stop-reader.now-read" || fail "the reader never read"
wait_for 10 test -e "$T/stop-reader.mapped-read" || fail "the mapped reader never read"
saved_params=$(sed -n 's/^params a updated=[0-9]* //p' "$STATE"/*.state)
qotfs_kill
qotfs_start --state-dir="$STATE"
for tl in a b users; do
	[ -d "$QOT_MNT/$tl" ] || fail "timeline $tl not restored: $(ls "$QOT_MNT")"
done
[ "$(cat "$QOT_MNT/a/requirements")" = "accuracy=5us/7us resolution=1ms" ] ||
	fail "requirement: $(cat "$QOT_MNT/a/requirements")"
[ "$(stat -c %u "$QOT_MNT/users")" = 65534 ] || fail "owner: $(stat -c %u "$QOT_MNT/users")"
# The clock goes on from the saved parameters at once, before syncd is back.
ctl_now=$(cat "$QOT_MNT/a/ctl")
case $ctl_now in *"source=sys"*) ;; *) fail "parameters not restored: $ctl_now" ;; esac
note "restored: $ctl_now (saved: $saved_params)"
hlc_now=$(hlc_of a)
hlc_after "$hlc_now" "$hlc_before" || fail "HLC went back after a crash: $hlc_now <= $hlc_before"
note "syncd follows the new mount and publishes again"
# republished SINCE: ctl holds another parameter line than SINCE.
republished() { [ "$(cat "$QOT_MNT/a/ctl")" != "$1" ]; }
wait_for 10 republished "$ctl_now" || fail "syncd did not republish: $(cat "$QOT_MNT/a/sync")"
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c \
	"echo accuracy=1ms >'$QOT_MNT/users/requirements'" ||
	fail "the creator lost its timeline across the restart"

note "kill -9 of syncd while the client reads: the clock goes on, a new syncd takes over"
kill -KILL "$SYNCD_PID"
wait "$SYNCD_PID" 2>/dev/null || true
cat "$QOT_MNT/a/now" >/dev/null || fail "now after syncd died"
last=$(cat "$QOT_MNT/a/ctl") # nobody writes it until the new syncd does
start_bg "$T/syncd2.log" "$SYNCD_BIN" -f -c "$T/syncd.conf"
SYNCD_PID=$BG_PID
wait_for 10 republished "$last" ||
	fail "the new syncd did not publish: $(cat "$QOT_MNT/a/sync") $(cat "$T/syncd2.log")"
# Published on the new mount, after the restart: the dead page's anchor is older.
new_anchor=$(field "$QOT_MNT/a/ctl" anchor)

touch "$T/stop-reader"
rc=0
wait "$READER_PID" || rc=$?
cat "$T/reader.out"
[ "$rc" -eq 0 ] || fail "the reader saw something wrong"
grep -Eq "outages_ms=\[[0-9]+(\.[0-9]+)?\]" "$T/reader.out" ||
	fail "the reader did not see exactly one outage"
note "the mapped reader never failed a read and follows the new mount by itself"
rc=0
wait "$MAPPED_PID" || rc=$?
cat "$T/mapped.out"
[ "$rc" -eq 0 ] || fail "the mapped reader failed"
# What it reads last are parameters the new syncd published on the new mount
# (whatever the host clock's state, which is syncd's source here).
anchor=$(sed -n 's/.* params_anchor=\([0-9-]*\) .*/\1/p' "$T/mapped.out")
if [ -z "$anchor" ] || [ "$anchor" -lt "$new_anchor" ]; then
	fail "the mapped reader reads parameters anchored at '$anchor', before $new_anchor: the dead page"
fi
status=$(cut -d ' ' -f 4 "$QOT_MNT/a/now")
grep -q " last=$status " "$T/mapped.out" || fail "the mapped reader's status is not the mount's, $status"

note "a clean stop saves each HLC exactly: it goes on strictly after"
hlc_before=$(hlc_of a)
stop_pid "$SYNCD_PID"
qotfs_stop keep
grep -q "^end stopped" "$STATE"/*.state || fail "not marked stopped: $(tail -n 2 "$STATE"/*.state)"
grep -q "^hlc a $hlc_before" "$STATE"/*.state || fail "HLC not saved: $(cat "$STATE"/*.state)"
start=$(date +%s%N)
qotfs_start --state-dir="$STATE"
hlc_now=$(hlc_of a)
hlc_after "$hlc_now" "$hlc_before" || fail "HLC went back after a clean stop"
note "a clean restart took $((($(date +%s%N) - start) / 1000000)) ms (no HLC wait)"

note "removing a timeline is saved too"
rmdir "$QOT_MNT/b"
qotfs_stop keep
! grep -q "^timeline b " "$STATE"/*.state || fail "b still saved"
qotfs_start --state-dir="$STATE"
[ ! -e "$QOT_MNT/b" ] || fail "b came back"

note "a malformed state file is kept aside, qotfs starts without it"
qotfs_stop keep
file=$(echo "$STATE"/*.state)
printf 'qotfs-state 1\ntimeline a owner=0\n' >"$file"
qotfs_start --state-dir="$STATE" 2>"$T/bad.log"
[ -z "$(ls "$QOT_MNT")" ] || fail "timelines from a bad file: $(ls "$QOT_MNT")"
[ -f "$file.bad" ] || fail "the bad file was not kept"
grep -qF "malformed at line 2; moved to $file.bad" "$T/bad.log" || fail "log: $(cat "$T/bad.log")"
qotfs_stop keep

note "a state directory that cannot be one: a clear error, status 1, nothing mounted"
rc=0
"$QOTFS_BIN" -f --state-dir="$file.bad" "$QOT_MNT" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || fail "exit $rc"
grep -qF "state-dir $file.bad: Not a directory" "$T/err" || fail "message: $(cat "$T/err")"
! mountpoint -q "$QOT_MNT" || fail "mounted anyway"
note "ok"
