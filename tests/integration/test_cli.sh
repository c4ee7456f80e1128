#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: qotfs as a command - options, exit statuses, mount point
# checks, signals, and running detached.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

expect_status() { # expect_status WANT COMMAND...
	local want=$1 rc=0
	shift
	"$@" >/tmp/qotfs-cli.out 2>&1 || rc=$?
	[ "$rc" -eq "$want" ] || { cat /tmp/qotfs-cli.out >&2; fail "$* exited $rc, not $want"; }
}

note "options"
expect_status 0 "$QOTFS_BIN" --version
grep -Eq '^qotfs [0-9]+\.[0-9]+\.[0-9]+ \(libfuse 3\.' /tmp/qotfs-cli.out || fail "version line"
expect_status 0 "$QOTFS_BIN" --help
grep -q -- "--max-bindings-per-uid" /tmp/qotfs-cli.out || fail "help lacks an option"
expect_status 2 "$QOTFS_BIN" --bogus
grep -q "unknown option '--bogus'" /tmp/qotfs-cli.out || fail "unknown option message"
expect_status 2 "$QOTFS_BIN" --max-timelines=lots
grep -q "expected an integer" /tmp/qotfs-cli.out || fail "bad number message"
expect_status 2 "$QOTFS_BIN" /a /b

note "mount point checks"
expect_status 1 "$QOTFS_BIN" -f /nonexistent/qotfs
grep -q "No such file or directory" /tmp/qotfs-cli.out || fail "missing mount point message"
expect_status 1 "$QOTFS_BIN" -f /etc/hostname
grep -q "not a directory" /tmp/qotfs-cli.out || fail "not a directory message"

qotfs_start
expect_status 1 "$QOTFS_BIN" -f "$QOT_MNT"
grep -q "already mounted" /tmp/qotfs-cli.out || fail "double mount message"

note "SIGINT unmounts cleanly"
mkdir "$QOT_MNT/tl"
kill -INT "$QOTFS_PID"
rc=0
wait "$QOTFS_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGINT"
mountpoint -q "$QOT_MNT" && fail "still mounted after SIGINT"
rmdir "$QOT_MNT"
QOT_MNT="" QOTFS_PID=""

note "a qotfs killed with -9 leaves no mount behind (auto_unmount, the default)"
qotfs_start
kill -KILL "$QOTFS_PID"
wait "$QOTFS_PID" || true
gone() { awk -v m="$QOT_MNT" '$5 == m { found = 1 } END { exit found }' /proc/self/mountinfo; }
wait_for 10 gone || fail "a dead mount was left behind"
QOTFS_PID=""

note "with --no-auto-unmount it leaves a dead mount; the next qotfs clears it"
qotfs_start --no-auto-unmount
mkdir "$QOT_MNT/tl"
kill -KILL "$QOTFS_PID"
wait "$QOTFS_PID" || true
if statfs_out=$(stat -f "$QOT_MNT" 2>&1); then fail "mount still answers: $statfs_out"; fi
"$QOTFS_BIN" -f "$QOT_MNT" &
QOTFS_PID=$!
# (.timelines, not stat -f: that also answers for the directory beneath)
wait_for 10 sh -c "cat '$QOT_MNT/.timelines' >/dev/null 2>&1" || fail "no new mount over the dead one"
mounts=$(awk -v m="$QOT_MNT" '$5 == m && / - fuse\.qotfs /' /proc/self/mountinfo | wc -l)
[ "$mounts" -eq 1 ] || fail "$mounts qotfs mounts on $QOT_MNT"
[ -z "$(cat "$QOT_MNT/.timelines")" ] || fail "new mount is not fresh"
qotfs_stop

note "detached: returns once mounted, exits when unmounted"
QOT_MNT=$(mktemp -d /tmp/qotfs-test.XXXXXX)
"$QOTFS_BIN" "$QOT_MNT"
mountpoint -q "$QOT_MNT" || fail "not mounted when the command returned"
mkdir "$QOT_MNT/tl" && cat "$QOT_MNT/tl/now" >/dev/null
pid="" guardian=""
for p in $(pgrep -f "^$QOTFS_BIN $QOT_MNT\$"); do # the daemon and its guardian
	case $(cat "/proc/$p/comm") in
	qotfs) pid="$pid$p" ;;
	qotfs-guardian) guardian=$p ;;
	esac
done
if [ -z "$pid" ] || [ -z "$guardian" ]; then fail "daemon '$pid', guardian '$guardian'"; fi
fusermount3 -u "$QOT_MNT"
wait_for 10 sh -c "! kill -0 $pid 2>/dev/null" || fail "detached qotfs outlived its mount"
wait_for 10 sh -c "! kill -0 $guardian 2>/dev/null || grep -q '^State:.*Z' /proc/$guardian/status" ||
	fail "the guardian outlived its daemon"
rmdir "$QOT_MNT"
QOT_MNT=""
note "--privileged-uid and --privileged-gid: trusted in the daemon's user namespace only"
expect_status 2 "$QOTFS_BIN" --privileged-uid=no-such-user-here
grep -q "no such user 'no-such-user-here'" /tmp/qotfs-cli.out || fail "unknown user message"
expect_status 2 "$QOTFS_BIN" --privileged-gid=no-such-group-here
grep -q "no such group 'no-such-group-here'" /tmp/qotfs-cli.out || fail "unknown group message"
qotfs_start --privileged-uid=65534 --privileged-gid=4242
mkdir "$QOT_MNT/tl"
now=$(date +%s%N)
line="status=synced anchor=$now timeline=$now freq=0 offset_below=10 offset_above=10 drift_below=0 drift_above=0 stale_after=never source=t"
as() { # as UID GID [GROUPS] -- COMMAND: run as that user
	local uid=$1 gid=$2 groups=$3
	shift 4
	if [ -n "$groups" ]; then
		setpriv --reuid="$uid" --regid="$gid" --groups="$groups" "$@"
	else
		setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
	fi
}
writes_ctl() { "$@" sh -c "echo '$line' >'$QOT_MNT/tl/ctl'"; }
writes_ctl as 65534 65534 "" -- || fail "the privileged uid was refused"
writes_ctl as 1235 1235 4242 -- || fail "a member of the privileged group was refused"
writes_ctl as 1236 4242 "" -- || fail "the privileged primary group was refused"
# refused_ctl UID COMMAND...: COMMAND runs a shell that says its uid (UID,
# seen from where it runs) and writes ctl: the write, and nothing before it,
# must fail, with EACCES.
refused_ctl() {
	local want=$1 out rc=0
	shift
	out=$("$@" sh -c "echo uid=\$(id -u); echo '$line' >'$QOT_MNT/tl/ctl'" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "$* wrote ctl: $out"
	case $out in
	"uid=$want"*"Permission denied"*) ;;
	*) fail "$*: not refused with EACCES as uid $want: $out" ;;
	esac
}
refused_ctl 1234 as 1234 1234 "" --
# (root of its own user namespace: the write is refused, not the unshare)
refused_ctl 0 as 65534 65534 "" -- unshare --user --map-root-user
note "--privileged-gid: a Groups line longer than 4096 bytes is read whole"
# as_groups GROUPS GID: write ctl as uid 1237 with these supplementary groups;
# prints where GID starts in this process's Groups line, then the result.
# shellcheck disable=SC2016 # expanded by the inner sh
as_groups() {
	setpriv --reuid=1237 --regid=1237 --groups="$1" sh -c '
		l=$(grep "^Groups:" /proc/self/status)
		p=${l%%"$1"*}
		echo "offset=${#p}"
		if echo "$2" 2>&1 >"$3"; then echo written; fi' sh "$2" "$line" "$QOT_MNT/tl/ctl" 2>&1
}
# The kernel lists the groups in order, one space apart, after "Groups:<tab>":
# 5 groups of 6 digits and 506 of 7 put 4242001 at byte 4091, so that a
# reader of 4096-byte pieces would see "4242" and stop (it did: uid 1237
# wrote ctl as a member of 4242).
out=$(as_groups "$( (seq 100000 100004; seq 1000000 1000505; echo 4242001) | paste -sd,)" 4242001)
case $out in
offset=4091*"Permission denied"*) ;;
offset=4091*written*) fail "a member of 4242001 (cut at byte 4095) wrote ctl as a member of 4242" ;;
*) fail "not the Groups line this test needs, or another failure: $out" ;;
esac
# 900 groups of 4 digits put a real 4242 at byte 4508, past the first 4096.
out=$(as_groups "$( (seq 1000 1899; echo 4242) | paste -sd,)" 4242)
case $out in
offset=4508*written*) ;;
*) fail "a member of 4242 whose group is listed past byte 4096 was refused: $out" ;;
esac
[ "$(stat -c '%a %g' "$QOT_MNT/tl/ctl")" = "664 4242" ] ||
	fail "ctl shows $(stat -c '%a %g' "$QOT_MNT/tl/ctl")"
qotfs_stop

note "--log-level: levels below it are not logged; a bad level is a usage error"
expect_status 2 "$QOTFS_BIN" --log-level=loud
grep -q "expected err, warning, notice, info or debug, got 'loud'" /tmp/qotfs-cli.out ||
	fail "bad level message"
qotfs_start --log-level=warning 2>/tmp/qotfs-cli.out
qotfs_stop
! grep -q "serving timelines" /tmp/qotfs-cli.out || fail "info logged at --log-level=warning"
qotfs_start --log-level=info 2>/tmp/qotfs-cli.out
qotfs_stop
grep -q "serving timelines" /tmp/qotfs-cli.out || fail "info not logged at --log-level=info"

rm -f /tmp/qotfs-cli.out
echo "PASS"
