#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: syncd follows a qotfs mount - timelines created and removed,
# a source nobody answers, qotfs restarting under it - and refuses bad
# configurations clearly.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
: "${SYNCD_BIN:?}"

T=$(mktemp -d /tmp/qot-follow.XXXXXX)
on_exit "rm -rf $T"

expect_exit() { # expect_exit STATUS MESSAGE COMMAND...
	local want=$1 msg=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>&1 || rc=$?
	[ "$rc" -eq "$want" ] || fail "$* exited $rc, not $want: $(cat "$T/out")"
	grep -qF -- "$msg" "$T/out" || fail "$*: no '$msg' in: $(cat "$T/out")"
}

note "bad configurations and options: a clear message, status 2"
printf 'interval 1s\n\nbogus 3\n' >"$T/bad.conf"
expect_exit 2 "bad.conf:3: unknown directive 'bogus'" "$SYNCD_BIN" -f -c "$T/bad.conf"
printf 'source a chrony\ntimeline * b\n' >"$T/bad2.conf"
expect_exit 2 "timeline *: no source named 'b'" "$SYNCD_BIN" -f -c "$T/bad2.conf"
expect_exit 2 "No such file or directory" "$SYNCD_BIN" -f -c "$T/missing.conf"
expect_exit 2 "unknown option '--bogus'" "$SYNCD_BIN" --bogus
expect_exit 2 "expected an absolute path" "$SYNCD_BIN" -f -m relative/path
expect_exit 0 "syncd $(sed -n 's/^#define QOT_VERSION_STRING "\(.*\)"/\1/p' \
	"$(dirname "$0")/../../lib/qot.h")" "$SYNCD_BIN" --version
printf 'source ntp chrony port 9\ntimeline * ntp\n' >"$T/good.conf"
expect_exit 0 "timeline * ntp" "$SYNCD_BIN" --check-config -c "$T/good.conf"

qotfs_start
mkdir "$QOT_MNT/a" "$QOT_MNT/b"
DEAD_PORT=$(free_port) # nothing answers there
cat >"$T/syncd.conf" <<CONF
mount $QOT_MNT
rundir $T
interval 100ms
source sys system
source dead chrony address 127.0.0.1 port $DEAD_PORT
timeline down dead
timeline * sys
CONF
start_bg "$T/syncd.log" "$SYNCD_BIN" -f -c "$T/syncd.conf"
SYNCD_PID=$BG_PID
published() { [ "$(field "$QOT_MNT/$1/sync" source)" = "$2" ]; }

note "existing timelines get parameters from the system source"
wait_for 5 published a sys || fail "a: $(cat "$QOT_MNT/a/sync")"
wait_for 5 published b sys || fail "b: $(cat "$QOT_MNT/b/sync")"
status=$(field "$QOT_MNT/a/sync" status)
case $status in synced | unsynced) ;; *) fail "a: status $status" ;; esac
grep -q "source=sys" "$QOT_MNT/a/ctl" || fail "ctl: $(cat "$QOT_MNT/a/ctl")"

note "a timeline whose source does not answer: unsynced, unbounded, syncd lives on"
mkdir "$QOT_MNT/down"
wait_for 5 published down dead || fail "down: $(cat "$QOT_MNT/down/sync")"
grep -q "status=unsynced .*below=18446744073.709551615" "$QOT_MNT/down/sync" ||
	fail "down: $(cat "$QOT_MNT/down/sync")"
wait_for 5 grep -qF "source dead: down (chronyd at 127.0.0.1 port $DEAD_PORT" "$T/syncd.log" ||
	fail "no message about the dead source: $(cat "$T/syncd.log")"

note "removed timelines are forgotten quietly"
rmdir "$QOT_MNT/b"
mkdir "$QOT_MNT/c"
wait_for 5 published c sys || fail "c: $(cat "$QOT_MNT/c/sync")"
kill -0 "$SYNCD_PID" || fail "syncd died"

note "qotfs restarts under syncd: it comes back by itself"
qotfs_stop keep
qotfs_start
mkdir "$QOT_MNT/after"
wait_for 10 published after sys || fail "after restart: $(cat "$QOT_MNT/after/sync")"
wait_for 5 grep -q "lost qotfs on $QOT_MNT" "$T/syncd.log" ||
	fail "no message about the lost mount: $(cat "$T/syncd.log")"
kill -0 "$SYNCD_PID" || fail "syncd died"

note "one syncd per mount"
expect_exit 1 "another syncd (pid $SYNCD_PID) already follows $QOT_MNT" \
	"$SYNCD_BIN" -f -c "$T/syncd.conf"

note "a timeline removed and created again under its name is disciplined anew"
mkdir "$QOT_MNT/a"
wait_for 5 published a sys || fail "a: $(cat "$QOT_MNT/a/sync")"
# From one process, back to back, so that syncd often sees only the second
# change: the same name, a new timeline.
for round in $(seq 20); do
	python3 -c 'import os, sys; os.rmdir(sys.argv[1]); os.mkdir(sys.argv[1])' "$QOT_MNT/a"
	wait_for 5 published a sys || fail "a, round $round: $(cat "$QOT_MNT/a/sync")"
done

note "SIGHUP with a broken configuration: refused, syncd goes on"
cp "$T/syncd.conf" "$T/syncd.conf.good"
echo "bogus" >>"$T/syncd.conf"
kill -HUP "$SYNCD_PID"
wait_for 5 grep -q "going on with the old configuration" "$T/syncd.log" ||
	fail "no refusal: $(cat "$T/syncd.log")"
kill -0 "$SYNCD_PID" || fail "syncd died on a bad reload"

note "SIGHUP with a run directory it cannot make: refused, syncd goes on"
sed "s|^rundir .*|rundir /proc/qot-none|" "$T/syncd.conf.good" >"$T/syncd.conf"
kill -HUP "$SYNCD_PID"
wait_for 5 grep -q "rundir /proc/qot-none: .*; going on with the old configuration" \
	"$T/syncd.log" || fail "no refusal: $(cat "$T/syncd.log")"
kill -0 "$SYNCD_PID" || fail "syncd died on a reload it could not run"

note "SIGHUP with a new configuration: reloaded in place; unnamed timelines are left alone"
{
	# The same run directory spelled otherwise: the same lock, kept.
	grep -v -e '^timeline' -e bogus -e '^rundir' "$T/syncd.conf.good"
	echo "rundir $T/./"
	echo "timeline only sys"
} >"$T/syncd.conf"
kill -HUP "$SYNCD_PID"
wait_for 5 grep -q "SIGHUP: reloading" "$T/syncd.log" || fail "no reload: $(cat "$T/syncd.log")"
mkdir "$QOT_MNT/other"
mkdir "$QOT_MNT/only"
wait_for 5 published only sys || fail "only: $(cat "$QOT_MNT/only/sync")"
[ "$(field "$QOT_MNT/other/sync" source)" = none ] || fail "other: $(cat "$QOT_MNT/other/sync")"
kill -0 "$SYNCD_PID" || fail "syncd gone after the reload"
expect_exit 1 "another syncd (pid $SYNCD_PID) already follows" \
	"$SYNCD_BIN" -f -c "$T/syncd.conf" -m "$QOT_MNT//./"

note "SIGTERM: syncd stops cleanly"
kill -TERM "$SYNCD_PID"
rc=0
wait "$SYNCD_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "syncd exited $rc"

note "detached, from a relative configuration path: it still reloads"
sed "s/^timeline only sys/timeline * sys/" "$T/syncd.conf" >"$T/detached.conf"
rm -f "$T"/syncd*.lock # the stopped syncd's pid is still in it
(cd "$T" && "$SYNCD_BIN" -c detached.conf) || fail "detached syncd did not start"
lock_pid() { cat "$T"/syncd*.lock 2>/dev/null; }
has_lock_pid() { [ -n "$(lock_pid)" ]; }
wait_for 5 has_lock_pid || fail "no pid in the lock file"
DETACHED=$(lock_pid)
on_exit "kill $DETACHED 2>/dev/null"
mkdir "$QOT_MNT/detached"
wait_for 5 published detached sys || fail "detached: $(cat "$QOT_MNT/detached/sync")"
sed -i "s/^timeline \* sys/timeline detached dead/" "$T/detached.conf"
kill -HUP "$DETACHED"
wait_for 5 published detached dead || fail "not reloaded: $(cat "$QOT_MNT/detached/sync")"
[ "$(lock_pid)" = "$DETACHED" ] || fail "lock file names $(lock_pid), not $DETACHED"
kill -TERM "$DETACHED"
wait_for 5 sh -c "! kill -0 $DETACHED 2>/dev/null" || fail "detached syncd did not stop"
qotfs_stop
echo PASS
