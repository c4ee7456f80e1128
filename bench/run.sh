#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh - build qotfs and qot-bench, mount a scratch qotfs pinned to one CPU,
# run the benchmark on it, and always clean up (unmount, stop the daemon).
#
# Usage: bench/run.sh [qot-bench options...]
# Environment: QOT_BUILD (build directory, default <repo>/build),
#              QOT_BENCH_DAEMON_CPU (CPU for the daemon, default 0),
#              QOT_BENCH_TIMEOUT (seconds for the benchmark, default 900),
#              QOT_BENCH_NO_UNSHARE=1 (mount in the current mount namespace),
#              QOT_BENCH_QOTFS_OPTS (extra qotfs options, e.g. --spin-us=0).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${QOT_BUILD:-$repo/build}
daemon_cpu=${QOT_BENCH_DAEMON_CPU:-0}
bench_timeout=${QOT_BENCH_TIMEOUT:-900}

if [[ $(id -u) -ne 0 ]]; then
	echo "run.sh: run as root (the scale test raises RLIMIT_NOFILE past 100000)" >&2
	exit 1
fi

# A private mount namespace: whatever happens, the mount cannot outlive us there.
if [[ -z ${QOT_BENCH_IN_NS:-} && -z ${QOT_BENCH_NO_UNSHARE:-} ]] && command -v unshare >/dev/null; then
	export QOT_BENCH_IN_NS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi

# Build (configure only once; make is incremental).
if [[ ! -f $build/CMakeCache.txt ]]; then
	cmake -S "$repo" -B "$build" >/dev/null
fi
make -C "$build" -j2 --no-print-directory qotfs qot-bench >/dev/null

mnt=$(mktemp -d /tmp/qotfs-bench.XXXXXX)
log=$(mktemp /tmp/qotfs-bench-log.XXXXXX)
daemon_pid=
bench_pid=

# shellcheck source-path=SCRIPTDIR source=../scripts/proc.sh
. "$repo/scripts/proc.sh" # stop_pid, wait_mount

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n $bench_pid ]]; then
		stop_pid "$bench_pid"
	fi
	if mountpoint -q "$mnt"; then
		fusermount3 -u -z "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
	fi
	if [[ -n $daemon_pid ]]; then
		stop_pid "$daemon_pid"
	fi
	rmdir "$mnt" 2>/dev/null || true
	if [[ $rc -ne 0 && -s $log ]]; then
		echo "run.sh: exit status $rc; last lines of the qotfs log:" >&2
		tail -n 20 "$log" >&2
	fi
	rm -f "$log"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# QOT_BENCH_QOTFS_OPTS: extra daemon options, e.g. "--spin-us=0" to compare.
# shellcheck disable=SC2086 # word splitting of the options is intended
taskset -c "$daemon_cpu" "$build/qotfs/qotfs" -f --max-timelines 20000 --max-bindings 100000 \
	--max-bindings-per-uid 200000 ${QOT_BENCH_QOTFS_OPTS:-} "$mnt" 2>"$log" &
daemon_pid=$!

wait_mount "$daemon_pid" "$mnt" || exit 1

# In the background, so that INT/TERM reach the trap at once.
timeout -k 10 "$bench_timeout" "$build/bench/qot-bench" --pid "$daemon_pid" \
	--daemon-cpu "$daemon_cpu" "$@" "$mnt" &
bench_pid=$!
status=0
wait "$bench_pid" || status=$?
bench_pid=
if [[ $status -ne 0 ]]; then
	echo "run.sh: qot-bench exited with status $status" >&2
fi
exit "$status"
