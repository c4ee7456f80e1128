#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# restart.sh - what a crash costs readers: kill -9 a qotfs (state directory,
# one timeline, a reader busy on it) ROUNDS times and restart it at once.
# Prints, as medians and p99s over the rounds:
#   unmount   kill -9 -> the mount gone from mountinfo (the guardian's work)
#   outage    kill -9 -> the first good read of the timeline by a new process
#   anchor    a clean stop (SIGTERM) -> the first good read after a restart,
#             measured in the same run; the ratio is outage / anchor
# and how many kills left a dead mount behind. After a crash qotfs first
# waits --hlc-max-offset (500 ms by default) so HLCs go on increasing: that
# wait is most of the outage (qotfs(8), RESTARTS).
#
# Usage: bench/restart.sh [ROUNDS]   (default 30; as root)
# Environment: QOT_BUILD (build directory, default <repo>/build).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${QOT_BUILD:-$repo/build}
rounds=${1:-30}

if [[ $(id -u) -ne 0 ]]; then
	echo "restart.sh: run as root" >&2
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
make -C "$build" -j2 --no-print-directory qotfs >/dev/null

qotfs=$build/qotfs/qotfs
dir=$(mktemp -d /tmp/qotfs-restart.XXXXXX)
mnt=$dir/mnt
mkdir "$mnt"
pid=
reader=

# shellcheck source-path=SCRIPTDIR source=../scripts/proc.sh
. "$repo/scripts/proc.sh" # stop_pid

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	trap - EXIT INT TERM
	[ -n "$reader" ] && kill "$reader" 2>/dev/null
	[ -n "$pid" ] && stop_pid "$pid"
	umount -l "$mnt" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

now_ns() { date +%s%N; }
mounted() { awk -v m="$mnt" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }
good_read() { { read -r _ _ _ status <"$mnt/tl/now"; } 2>/dev/null && [ -n "$status" ]; }
start() {
	"$qotfs" -f --state-dir="$dir/state" --log-level=warning "$mnt" </dev/null >>"$dir/log" 2>&1 &
	pid=$!
}
# Poll (bounded: 10 s) until COMMAND succeeds; print the ns since T0.
until_ok() {
	local t0=$1 deadline=$((SECONDS + 10))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.001
	done
	echo $(($(now_ns) - t0))
}
stats() { # stats NAME: median and p99 of the numbers on stdin (ns) in ms
	sort -n | awk -v name="$1" '{ v[NR] = $1 } END {
		p99 = int(NR * 0.99 + 0.999); if (p99 > NR) p99 = NR
		printf "%s %.1f %.1f\n", name, v[int((NR + 1) / 2)] / 1e6, v[p99] / 1e6 }'
}

start
until_ok "$(now_ns)" mounted >/dev/null
mkdir -p "$mnt/tl"
until_ok "$(now_ns)" good_read >/dev/null
: >"$dir/unmount" && : >"$dir/outage" && : >"$dir/anchor"
left=0
for _ in $(seq "$rounds"); do
	# A reader keeps requests in flight while the daemon dies.
	(while :; do cat "$mnt/tl/now" >/dev/null 2>&1 || :; done) &
	reader=$!
	sleep 0.05
	t0=$(now_ns)
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	if t=$(until_ok "$t0" sh -c "! awk -v m='$mnt' '\$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo"); then
		echo "$t" >>"$dir/unmount"
	else
		left=$((left + 1))
	fi
	start
	until_ok "$t0" good_read >>"$dir/outage" || { cat "$dir/log" >&2; exit 1; }
	kill "$reader" 2>/dev/null || true
	wait "$reader" 2>/dev/null || true
	reader=
	t0=$(now_ns)
	kill -TERM "$pid"
	wait "$pid" || true
	start
	until_ok "$t0" good_read >>"$dir/anchor" || { cat "$dir/log" >&2; exit 1; }
done
echo "restart.sh: $rounds rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "figure (ms)   median p99"
stats "unmount     " <"$dir/unmount"
stats "outage      " <"$dir/outage"
stats "anchor      " <"$dir/anchor"
paste <(stats x <"$dir/outage") <(stats x <"$dir/anchor") |
	awk '{ printf "ratio outage/anchor: median %.2f, p99 %.2f\n", $2 / $5, $3 / $6 }'
echo "dead mounts left after kill -9: $left of $rounds"
