#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# wait.sh - build qotfs and wait-lateness, mount a scratch qotfs, measure
# wake-up lateness (libqot, timer file, clock_nanosleep anchor), clean up.
#
# Usage: bench/wait.sh [wait-lateness options...]
# Environment: QOT_BUILD (build directory, default <repo>/build),
#              QOT_BENCH_DAEMON_CPU (pin the daemon to this CPU; default unpinned),
#              QOT_BENCH_TIMEOUT (seconds, default 600).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${QOT_BUILD:-$repo/build}
bench_timeout=${QOT_BENCH_TIMEOUT:-600}

# A private mount namespace when we may: the mount cannot outlive us there.
if [[ $(id -u) -eq 0 && -z ${QOT_BENCH_IN_NS:-} ]] && command -v unshare >/dev/null; then
	export QOT_BENCH_IN_NS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi

if [[ ! -f $build/CMakeCache.txt ]]; then
	cmake -S "$repo" -B "$build" >/dev/null
fi
make -C "$build" -j2 --no-print-directory qotfs wait-lateness >/dev/null

mnt=$(mktemp -d /tmp/qotfs-wait.XXXXXX)
log=$(mktemp /tmp/qotfs-wait-log.XXXXXX)
daemon_pid=

# shellcheck source-path=SCRIPTDIR source=../scripts/proc.sh
. "$repo/scripts/proc.sh" # stop_pid, wait_mount

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if mountpoint -q "$mnt"; then
		fusermount3 -u -z "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
	fi
	[[ -n $daemon_pid ]] && stop_pid "$daemon_pid"
	rmdir "$mnt" 2>/dev/null || true
	if [[ $rc -ne 0 && -s $log ]]; then
		echo "wait.sh: exit status $rc; last lines of the qotfs log:" >&2
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
"${pin[@]}" "$build/qotfs/qotfs" -f "$mnt" 2>"$log" &
daemon_pid=$!
wait_mount "$daemon_pid" "$mnt" || exit 1
echo "qotfs $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) CPUs, kernel $(uname -r)${QOT_BENCH_DAEMON_CPU:+, daemon on CPU $QOT_BENCH_DAEMON_CPU}"
timeout -k 10 "$bench_timeout" "$build/bench/wait-lateness" "$@" "$mnt"
