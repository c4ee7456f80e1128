# shellcheck shell=bash
# lib.sh - shell helpers for integration tests on real qotfs mounts.
# Source it; it sets a trap that always unmounts and stops what it started.
# Needs QOTFS_BIN in the environment (CTest sets it).

set -euo pipefail
: "${QOTFS_BIN:?QOTFS_BIN must name the qotfs binary}"

QOT_MNT=""
QOTFS_PID=""

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

note() {
	echo "# $*"
}

# Everything started here ends here, however the test ends.
_qot_cleanup() {
	local rc=$?
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

# qotfs_start [QOTFS OPTIONS...]: mount on a fresh directory, set QOT_MNT.
# shellcheck disable=SC2120 # options are optional
qotfs_start() {
	QOT_MNT=$(mktemp -d /tmp/qotfs-test.XXXXXX)
	"$QOTFS_BIN" -f "$@" "$QOT_MNT" &
	QOTFS_PID=$!
	wait_for 10 mountpoint -q "$QOT_MNT" || fail "qotfs did not mount $QOT_MNT"
}

# qotfs_stop: SIGTERM; the daemon must exit 0 and leave no mount.
qotfs_stop() {
	local rc=0
	kill -TERM "$QOTFS_PID"
	wait "$QOTFS_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "qotfs exited with $rc after SIGTERM"
	! mountpoint -q "$QOT_MNT" || fail "still mounted after qotfs exited"
	rmdir "$QOT_MNT"
	QOT_MNT="" QOTFS_PID=""
}
