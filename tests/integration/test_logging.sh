#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the daemons' logs. --log-level on syncd and coordd (a bad
# level refused clearly), messages on stderr in the foreground, and in
# syslog with --syslog and once detached, each at its own level. syslog(3)
# writes to /dev/log: here a socket of the test's own, on a tmpfs over /dev
# in the test's private mount namespace.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
: "${SYNCD_BIN:?}" "${COORDD_BIN:?}"

T=$(mktemp -d /tmp/qot-log.XXXXXX)
on_exit "rm -rf $T"

expect_exit() { # expect_exit STATUS MESSAGE COMMAND...
	local want=$1 msg=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>&1 || rc=$?
	[ "$rc" -eq "$want" ] || fail "$* exited $rc, not $want: $(cat "$T/out")"
	grep -qF -- "$msg" "$T/out" || fail "$*: no '$msg' in: $(cat "$T/out")"
}

note "a bad level: a clear message, status 2"
levels="expected err, warning, notice, info or debug"
expect_exit 2 "syncd: --log-level: $levels, got 'loud'" "$SYNCD_BIN" -f --log-level=loud
expect_exit 2 "syncd: --log-level: $levels, got 'ERR'" "$SYNCD_BIN" --log-level ERR
expect_exit 2 "option '--log-level' needs a value" "$SYNCD_BIN" --log-level
expect_exit 2 "coordd: --log-level: $levels, got 'warn'" "$COORDD_BIN" -z 127.0.0.1:1 --log-level=warn
expect_exit 0 "--log-level=LEVEL" "$SYNCD_BIN" --help
expect_exit 0 "--syslog" "$COORDD_BIN" --help

# syncd on a mount point nobody serves: it warns (no qotfs), and stops on
# SIGTERM with a notice; its start is logged at info.
cat >"$T/syncd.conf" <<CONF
mount $T/nomount
rundir $T/run
interval 100ms
CONF
COORDD_PORT=$(free_port) # no ZooKeeper there: coordd keeps trying, quietly

# run_until LOG PATTERN COMMAND...: run COMMAND in the background until LOG
# has a line matching PATTERN, then stop it with SIGTERM and wait for it.
run_until() {
	local log=$1 pattern=$2 pid rc=0
	shift 2
	: >"$T/stderr" # not the last run's lines
	"$@" 2>>"$T/stderr" &
	pid=$!
	wait_for 20 grep -q -- "$pattern" "$log" || {
		stop_pid "$pid"
		fail "$*: no '$pattern' in $log: $(cat "$log")"
	}
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "$* exited $rc after SIGTERM: $(cat "$T/stderr")"
}

note "stderr in the foreground, up to the level asked for"
run_until "$T/stderr" "no qotfs on" "$SYNCD_BIN" -f -c "$T/syncd.conf"
grep -q "^syncd: $T/syncd.conf; 1 source(s), every 0.100 s$" "$T/stderr" || fail "no info line: $(cat "$T/stderr")"
grep -q "^syncd: Terminated: stopping$" "$T/stderr" || fail "no notice: $(cat "$T/stderr")"
run_until "$T/stderr" "no qotfs on" "$SYNCD_BIN" -f -c "$T/syncd.conf" --log-level=warning
! grep -qE "source\(s\)|stopping" "$T/stderr" || fail "info or notice at --log-level=warning: $(cat "$T/stderr")"
run_until "$T/stderr" "waiting for qotfs" "$COORDD_BIN" -f -z "127.0.0.1:$COORDD_PORT" -n n1 \
	-m "$T/nomount" --log-level=warning
! grep -q "node n1, zookeeper" "$T/stderr" || fail "coordd: info at --log-level=warning: $(cat "$T/stderr")"
run_until "$T/stderr" "node n1, zookeeper 127.0.0.1:$COORDD_PORT" "$COORDD_BIN" -f \
	-z "127.0.0.1:$COORDD_PORT" -n n1 -m "$T/nomount"

note "debug messages with --log-level=debug (no -d needed)"
qotfs_start
mkdir "$QOT_MNT/tl"
run_until "$T/stderr" "^syncd: timeline tl: [a-z]* from system, " "$SYNCD_BIN" -f -c "$T/syncd.conf" \
	-m "$QOT_MNT" --log-level=debug
run_until "$T/stderr" "following the timelines of $QOT_MNT" "$SYNCD_BIN" -f -c "$T/syncd.conf" \
	-m "$QOT_MNT"
! grep -q "timeline tl:" "$T/stderr" || fail "debug messages at the default level"
qotfs_stop

note "syslog: a /dev/log of our own"
for node in null zero random urandom; do
	touch "$T/$node"
	mount --bind "/dev/$node" "$T/$node"
done
mount -t tmpfs -o mode=0755 qot-test-dev /dev
for node in null zero random urandom; do
	touch "/dev/$node"
	mount --bind "$T/$node" "/dev/$node"
	umount "$T/$node"
done
SYSLOG=$T/syslog
: >"$SYSLOG"
start_bg "$T/syslogd.log" python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
with open(sys.argv[1], "a") as out:
    while True:
        out.write(s.recv(65536).decode(errors="replace").rstrip("\n") + "\n")
        out.flush()' "$SYSLOG"
wait_for 10 test -S /dev/log || fail "no /dev/log: $(cat "$T/syslogd.log")"

# in_syslog PRIORITY IDENT MESSAGE: a line "<PRIORITY>date IDENT[pid]: MESSAGE"
# (facility daemon: 24 + the level).
in_syslog() {
	grep -qE "^<$1>.* $2\[[0-9]+\]: $3" "$SYSLOG"
}

note "--syslog in the foreground: syslog with levels, nothing on stderr"
"$SYNCD_BIN" -f --syslog -c "$T/syncd.conf" --log-level=notice 2>"$T/stderr" &
pid=$!
wait_for 20 in_syslog 28 syncd "no qotfs on $T/nomount yet" || {
	stop_pid "$pid"
	fail "no warning (28) in syslog: $(cat "$SYSLOG")"
}
kill -TERM "$pid"
wait "$pid" || fail "syncd --syslog: exit status $?"
wait_for 20 in_syslog 29 syncd "Terminated: stopping" || fail "no notice (29) in syslog: $(cat "$SYSLOG")"
! grep -q "source(s)" "$SYSLOG" || fail "info in syslog at --log-level=notice"
[ ! -s "$T/stderr" ] || fail "syncd --syslog wrote to stderr: $(cat "$T/stderr")"
: >"$SYSLOG"

note "detached: syslog from the start"
"$SYNCD_BIN" -c "$T/syncd.conf" || fail "syncd did not detach"
wait_for 20 in_syslog 30 syncd "$T/syncd.conf; 1 source\(s\), every 0.100 s" ||
	fail "no info (30) from the detached syncd: $(cat "$SYSLOG")"
pid=$(cat "$T/run/syncd$(echo "$T/nomount" | tr / _).lock")
kill -TERM "$pid"
wait_for 20 in_syslog 29 "syncd" "Terminated: stopping" || fail "the detached syncd did not log its stop"
"$COORDD_BIN" -z "127.0.0.1:$COORDD_PORT" -n n2 -m "$T/nomount" || fail "coordd did not detach"
wait_for 20 in_syslog 30 coordd "node n2, zookeeper 127.0.0.1:$COORDD_PORT" ||
	fail "no info (30) from the detached coordd: $(cat "$SYSLOG")"
wait_for 20 in_syslog 28 coordd "$T/nomount: .*; waiting for qotfs" ||
	fail "no warning (28) from the detached coordd: $(cat "$SYSLOG")"
pkill -TERM -f "^$COORDD_BIN -z 127.0.0.1:$COORDD_PORT -n n2" || fail "the detached coordd is gone"
wait_for 20 sh -c "! pgrep -f '^$COORDD_BIN -z 127.0.0.1:$COORDD_PORT -n n2' >/dev/null" ||
	fail "the detached coordd did not stop"
note "  e.g. $(grep -m1 'coordd\[' "$SYSLOG")"
echo "PASS"
