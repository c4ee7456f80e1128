#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fairness.sh - build qotfs and fairness, mount a scratch qotfs, measure a
# well-behaved client's latency alone, under floods of readers and under
# hostile load (see fairness.c), clean up.
#
# Usage: bench/fairness.sh [fairness options...]
# Environment: QOT_BUILD (build directory, default <repo>/build),
#              QOT_BENCH_DAEMON_CPU (pin the daemon to this CPU; default unpinned),
#              QOT_BENCH_QOTFS_OPTS (extra qotfs options),
#              QOT_BENCH_TIMEOUT (seconds, default 900).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${QOT_BUILD:-$repo/build}
bench_timeout=${QOT_BENCH_TIMEOUT:-900}

if [[ $(id -u) -ne 0 ]]; then
	echo "fairness.sh: run as root (the load runs as another user)" >&2
	exit 1
fi

# A private mount namespace: the mount cannot outlive us there.
if [[ -z ${QOT_BENCH_IN_NS:-} ]] && command -v unshare >/dev/null; then
	export QOT_BENCH_IN_NS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi

if [[ ! -f $build/CMakeCache.txt ]]; then
	cmake -S "$repo" -B "$build" >/dev/null
fi
make -C "$build" -j2 --no-print-directory qotfs fairness >/dev/null

# Traversable by the load's user.
mnt=$(mktemp -d /tmp/qotfs-fair.XXXXXX)
chmod 755 "$mnt"
log=$(mktemp /tmp/qotfs-fair-log.XXXXXX)
daemon_pid=
bench_pid=

# shellcheck source-path=SCRIPTDIR source=../scripts/proc.sh
. "$repo/scripts/proc.sh" # stop_pid, wait_mount

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[[ -n $bench_pid ]] && stop_pid "$bench_pid"
	if mountpoint -q "$mnt"; then
		fusermount3 -u -z "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
	fi
	[[ -n $daemon_pid ]] && stop_pid "$daemon_pid"
	rmdir "$mnt" 2>/dev/null || true
	if [[ $rc -ne 0 && -s $log ]]; then
		echo "fairness.sh: exit status $rc; last lines of the qotfs log:" >&2
		tail -n 20 "$log" >&2
	fi
	rm -f "$log"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pin=()
if [[ -n ${QOT_BENCH_DAEMON_CPU:-} ]]; then
	pin=(taskset -c "$QOT_BENCH_DAEMON_CPU")
fi
# shellcheck disable=SC2086 # word splitting of the options is intended
"${pin[@]}" "$build/qotfs/qotfs" -f ${QOT_BENCH_QOTFS_OPTS:-} "$mnt" 2>"$log" &
daemon_pid=$!
wait_mount "$daemon_pid" "$mnt" || exit 1
echo "qotfs $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) CPUs, kernel $(uname -r)${QOT_BENCH_DAEMON_CPU:+, daemon on CPU $QOT_BENCH_DAEMON_CPU}${QOT_BENCH_QOTFS_OPTS:+, qotfs $QOT_BENCH_QOTFS_OPTS}"
# In the background, so that INT/TERM reach the trap at once.
timeout -k 10 "$bench_timeout" "$build/bench/fairness" --pid "$daemon_pid" "$@" "$mnt" &
bench_pid=$!
status=0
wait "$bench_pid" || status=$?
bench_pid=
exit "$status"
