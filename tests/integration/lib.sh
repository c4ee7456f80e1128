# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# lib.sh - shell helpers for integration tests on real qotfs mounts.
# Source it; it sets a trap that always unmounts and stops what it started.
# Needs QOTFS_BIN in the environment (CTest sets it).

set -euo pipefail
: "${QOTFS_BIN:?QOTFS_BIN must name the qotfs binary}"

QOT_MNT=""
QOTFS_PID=""

# chronyd and chronyc, extracted for the tests (scripts/private-chrony.sh),
# never installed as the chrony package.
QOT_TEST_PREFIX=${QOT_TEST_PREFIX:-/opt/qotfs-test}
PATH=$QOT_TEST_PREFIX/chrony/usr/sbin:$QOT_TEST_PREFIX/chrony/usr/bin:$PATH

# A syncd with no source line asks chronyd and ptp4l at these sockets
# (syncd(8), FINDING THE SOURCES): never the host's, whatever runs there,
# unless a test points them at its own daemons.
export QOT_SYNCD_CHRONY_SOCKET=${QOT_SYNCD_CHRONY_SOCKET:-/nonexistent/qot-test/chronyd.sock}
export QOT_SYNCD_PTP_SOCKET=${QOT_SYNCD_PTP_SOCKET:-/nonexistent/qot-test/ptp4l}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

note() {
	echo "# $*"
}

QOT_BG_PIDS=()
QOT_ON_EXIT=()

# start_bg LOGFILE COMMAND...: run COMMAND in the background, stopped at exit;
# sets BG_PID.
start_bg() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	BG_PID=$!
	QOT_BG_PIDS+=("$BG_PID")
}

# stop_pid PID [TENTHS]
# shellcheck source-path=SCRIPTDIR source=../../scripts/proc.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/proc.sh"

# on_exit COMMAND: run at exit (after the background processes stop).
on_exit() {
	QOT_ON_EXIT+=("$1")
}

# free_port: a TCP/UDP port nobody uses on 127.0.0.1 right now.
free_port() {
	python3 -c 'import socket
for _ in range(100):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    try:
        socket.socket().bind(("127.0.0.1", s.getsockname()[1]))
    except OSError:
        continue  # taken for TCP: another one
    print(s.getsockname()[1])
    break
else:
    raise SystemExit("no free port")'
}

# Everything started here ends here, however the test ends.
_qot_cleanup() {
	local rc=$?
	for pid in "${QOT_BG_PIDS[@]}"; do stop_pid "$pid"; done
	for cmd in "${QOT_ON_EXIT[@]}"; do eval "$cmd" || true; done
	if [ -n "$QOT_MNT" ]; then
		fusermount3 -u -z "$QOT_MNT" 2>/dev/null || umount -l "$QOT_MNT" 2>/dev/null || true
	fi
	if [ -n "$QOTFS_PID" ] && kill -0 "$QOTFS_PID" 2>/dev/null; then
		kill -TERM "$QOTFS_PID" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$QOTFS_PID" 2>/dev/null || break; sleep 0.01; done
		kill -KILL "$QOTFS_PID" 2>/dev/null || true
	fi
	[ -n "$QOT_MNT" ] && rmdir "$QOT_MNT" 2>/dev/null
	exit "$rc"
}
trap _qot_cleanup EXIT

# wait_for TIMEOUT_SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.01
	done
}

# qotfs_start [QOTFS OPTIONS...]: mount on a fresh directory (or on QOT_MNT
# again, after qotfs_stop keep), set QOT_MNT.
# shellcheck disable=SC2120 # options are optional
qotfs_start() {
	[ -n "$QOT_MNT" ] && [ -d "$QOT_MNT" ] || QOT_MNT=$(mktemp -d /tmp/qotfs-test.XXXXXX)
	"$QOTFS_BIN" -f "$@" "$QOT_MNT" &
	QOTFS_PID=$!
	wait_for 10 mountpoint -q "$QOT_MNT" || fail "qotfs did not mount $QOT_MNT"
}

# qotfs_stop [keep]: SIGTERM; the daemon must exit 0 and leave no mount.
# shellcheck disable=SC2120 # keep is optional
# With keep, the mount point stays for qotfs_start to use again.
qotfs_stop() {
	local rc=0
	kill -TERM "$QOTFS_PID"
	wait "$QOTFS_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "qotfs exited with $rc after SIGTERM"
	! mountpoint -q "$QOT_MNT" || fail "still mounted after qotfs exited"
	QOTFS_PID=""
	[ "${1:-}" = keep ] && return 0
	rmdir "$QOT_MNT"
	QOT_MNT=""
}

# check_truth TIMELINE OFFSET_NS: project the timeline's page to base instant
# T (now) and check its interval contains the true time T + OFFSET_NS.
# Prints the line checked. Needs QOT_READ_BIN.
check_truth() {
	local at line
	at=$(date +%s%N)
	line=$("$QOT_READ_BIN" --at "$at" "$QOT_MNT/$1/clock") || fail "qot-read $1"
	python3 - "$at" "$2" "$line" <<'PY' || fail "$1: true time outside [estimate - below, estimate + above]: $line (at $at, offset $2)"
import sys
at, off, line = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split()
def ns(s):
    neg = s.startswith("-")
    sec, frac = s.lstrip("-").split(".")
    v = int(sec) * 10**9 + int(frac)
    return -v if neg else v
e, b, a = ns(line[0]), ns(line[1]), ns(line[2])
sys.exit(0 if e - b <= at + off <= e + a else 1)
PY
	echo "$line"
}

# report_parts TIMELINE OFFSET_NS N: N checks of the truth (as check_truth),
# each with the timeline's sync line; fails unless the sync line states
# both parts of the bound and their sum is within it (its half-width: a
# slew moves the interval off centre). Prints the parts
# (medians) against the error observed (median and largest |error|) and
# the bound (median), all in ns.
report_parts() {
	local at line sync rows
	rows=$(mktemp /tmp/qot-parts.XXXXXX)
	for _ in $(seq "$3"); do
		at=$(date +%s%N)
		line=$("$QOT_READ_BIN" --at "$at" "$QOT_MNT/$1/clock") || fail "qot-read $1"
		sync=$(cat "$QOT_MNT/$1/sync")
		echo "$at $2 $line | $sync" >>"$rows"
		sleep 0.05
	done
	local rc=0 last
	last=$(tail -n 1 "$rows")
	python3 - "$rows" <<'PY' || rc=$?
import statistics, sys
def ns(s):
    neg = s.startswith("-")
    sec, frac = s.lstrip("-").split(".")
    v = int(sec) * 10**9 + int(frac.ljust(9, "0")[:9])
    return -v if neg else v
errs, bounds, asyms, stats = [], [], [], []
for row in open(sys.argv[1]):
    page, sync = row.split(" | ")
    w = page.split()
    at, off, e, b, a = int(w[0]), int(w[1]), ns(w[2]), ns(w[3]), ns(w[4])
    if not e - b <= at + off <= e + a:
        sys.exit("truth outside: " + row)
    kv = dict(x.split("=", 1) for x in sync.split() if "=" in x)
    if "asym" not in kv or "stat" not in kv:
        sys.exit("no asym= and stat= in sync: " + sync)
    asym, stat = ns(kv["asym"]), ns(kv["stat"])
    # A slew moves the interval off centre (one side wider by what the other lost).
    if 2 * (asym + stat) > ns(kv["below"]) + ns(kv["above"]) + 2:
        sys.exit("the parts exceed the bound: " + sync)
    errs.append(abs(e - at - off))
    bounds.append(max(b, a))
    asyms.append(asym)
    stats.append(stat)
print("asym %d stat %d (medians) | |error| median %d max %d | bound median %d (ns, %d checks)" % (
    statistics.median(asyms), statistics.median(stats), statistics.median(errs), max(errs),
    statistics.median(bounds), len(errs)))
PY
	rm -f "$rows"
	[ "$rc" -eq 0 ] || fail "$1: bound parts: $last"
}

# field FILE KEY: the value of KEY=VALUE in a one-line file.
field() {
	tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"
}
