#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# hlc.sh - hybrid logical clock benchmarks: build, then
#   1. an HLC timestamp from the process-local API and from the node-wide
#      "hlc" file, next to clock_gettime in the same run (bench/hlc-bench.c),
#      on a scratch qotfs pinned to one CPU;
#   2. qot-align throughput: QOT_HLC_NODES logs of QOT_HLC_LINES lines each
#      from qot-align-gen, aligned QOT_HLC_RUNS times (median and spread).
# Everything started here is stopped by pid and unmounted on exit. Nothing is
# asserted on timing: this is a report.
#
# Usage: bench/hlc.sh
# Environment: QOT_BUILD (build directory, default <repo>/build),
#              QOT_BENCH_DAEMON_CPU (CPU for qotfs, default 0),
#              QOT_HLC_NODES (default 5), QOT_HLC_LINES (default 1000000),
#              QOT_HLC_RUNS (default 3), QOT_HLC_NO_UNSHARE=1 (mount in the
#              current mount namespace).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${QOT_BUILD:-$repo/build}
daemon_cpu=${QOT_BENCH_DAEMON_CPU:-0}
nodes=${QOT_HLC_NODES:-5}
lines=${QOT_HLC_LINES:-1000000}
runs=${QOT_HLC_RUNS:-3}

if [[ $(id -u) -ne 0 ]]; then
	echo "hlc.sh: run as root (it mounts a scratch qotfs)" >&2
	exit 1
fi
if [[ -z ${QOT_HLC_IN_NS:-} && -z ${QOT_HLC_NO_UNSHARE:-} ]] && command -v unshare >/dev/null; then
	export QOT_HLC_IN_NS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi

if [[ ! -f $build/CMakeCache.txt ]]; then
	cmake -S "$repo" -B "$build" >/dev/null
fi
make -C "$build" -j2 --no-print-directory qotfs hlc-bench qot-align qot-align-gen >/dev/null

# shellcheck source-path=SCRIPTDIR source=../scripts/proc.sh
. "$repo/scripts/proc.sh" # stop_pid, wait_mount

mnt=$(mktemp -d /tmp/qotfs-hlc.XXXXXX)
work=$(mktemp -d /tmp/qotfs-hlc-logs.XXXXXX)
log=$(mktemp /tmp/qotfs-hlc-log.XXXXXX)
daemon_pid=

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if mountpoint -q "$mnt"; then
		fusermount3 -u -z "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
	fi
	if [[ -n $daemon_pid ]]; then
		stop_pid "$daemon_pid"
	fi
	rmdir "$mnt" 2>/dev/null || true
	rm -rf "$work" "$log"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== HLC timestamps (qotfs pinned to CPU $daemon_cpu, client unpinned)"
taskset -c "$daemon_cpu" "$build/qotfs/qotfs" -f "$mnt" 2>"$log" &
daemon_pid=$!
wait_mount "$daemon_pid" "$mnt" || exit 1
mkdir "$mnt/bench"
timeout -k 10 600 "$build/bench/hlc-bench" "$mnt" bench
echo "# hlcstat: $(cat "$mnt/bench/hlcstat")"
stop_pid "$daemon_pid"
daemon_pid=

echo
echo "== qot-align: $nodes logs x $lines lines"
t0=$(date +%s%N)
"$build/tests/qot-align-gen" --dir "$work" --nodes "$nodes" --lines "$lines" --rate 10000 \
	--msg 0.2 --skew 10000000 --latency-min 50000 --latency-mean 200000
t1=$(date +%s%N)
total=$(cat "$work"/n*.jsonl | wc -l)
bytes=$(cat "$work"/n*.jsonl | wc -c)
echo "# generated $total lines, $((bytes / 1000000)) MB in $(((t1 - t0) / 1000000)) ms"
rates=()
for ((r = 0; r < runs; r++)); do
	t0=$(date +%s%N)
	"$build/tools/qot-align/qot-align" -o "$work/merged" -r "$work/offsets" "$work"/n*.jsonl
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	rates+=("$((total * 1000 / (ms > 0 ? ms : 1)))")
	echo "run $((r + 1)): $ms ms, $((total * 1000 / (ms > 0 ? ms : 1))) lines/s"
done
mapfile -t sorted < <(printf '%s\n' "${rates[@]}" | sort -n)
echo "qot-align throughput: median ${sorted[$((runs / 2))]} lines/s (min ${sorted[0]}, max ${sorted[$((runs - 1))]}) over $runs runs"
echo "# offsets found (truth in $work/truth: theta of n0 minus theta of each node):"
cat "$work/offsets"
cat "$work/truth"
