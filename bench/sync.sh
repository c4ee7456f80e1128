#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sync.sh - syncd benchmarks: build, then
#   1. the simulation of syncd's sources, estimator and discipline against
#      known truth (bench/sync-sim.c): coverage, the statistical part and
#      the whole bound against their oracle half-widths (99.99% of the
#      run's errors), synced and in holdover, and the commit-wait for an
#      instant just passed; the Kalman estimator against the earlier one
#      on the same seeds, a million checks per variant;
#   2. syncd and qotfs CPU with N timelines (default 1000) published at 1 Hz
#      and 16 Hz from the system source, over a fixed wall-clock window, and
#      the wall time of one publish round (perf, if it works here);
#   3. latency from a ctl write to the new parameters being visible in a
#      mapped clock page (bench/sync-latency.c), next to a pread of "now".
# Each qotfs runs on a fresh mktemp -d mount in a private mount namespace;
# everything started here is stopped by pid and unmounted on exit. Nothing is
# asserted on timing: this is a report.
#
# Usage: bench/sync.sh
# Environment: QOT_BUILD (build directory, default <repo>/build),
#              QOT_SYNC_TIMELINES (default 1000), QOT_SYNC_WINDOW (CPU
#              measurement window in seconds, default 10),
#              QOT_SYNC_RUNS (syncd intervals, default "1s 62500us 62500us:opened";
#              ":opened": every clock file is opened once first, so that each
#              update is also pushed into the kernel's page, as for readers),
#              QOT_SYNC_ITERATIONS (latency samples, default 2000),
#              QOT_SYNC_SEEDS (simulation seeds per variant, default 1),
#              QOT_SYNC_CHECKS (simulation checks per update, default 140:
#              a million per run),
#              QOT_SYNC_NO_PERF=1 (skip the publish-round timing),
#              QOT_SYNC_QOTFS_OPTS (extra qotfs options, e.g. --spin-us=0),
#              QOT_SYNC_NO_UNSHARE=1 (mount in the current mount namespace).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${QOT_BUILD:-$repo/build}
ntl=${QOT_SYNC_TIMELINES:-1000}
window=${QOT_SYNC_WINDOW:-10}
runs=${QOT_SYNC_RUNS:-1s 62500us 62500us:opened}
iterations=${QOT_SYNC_ITERATIONS:-2000}
seeds=${QOT_SYNC_SEEDS:-1}
checks=${QOT_SYNC_CHECKS:-140}

if [[ $(id -u) -ne 0 ]]; then
	echo "sync.sh: run as root (syncd writes ctl files, which only root may write)" >&2
	exit 1
fi
if ! [[ $ntl =~ ^[0-9]+$ && $ntl -ge 1 && $ntl -le 60000 && $window =~ ^[0-9]+$ &&
	$window -ge 1 && $iterations =~ ^[0-9]+$ && $iterations -ge 1 ]]; then
	echo "sync.sh: QOT_SYNC_TIMELINES (1-60000), QOT_SYNC_WINDOW and" \
		"QOT_SYNC_ITERATIONS (>= 1) must be integers" >&2
	exit 2
fi

# A private mount namespace: whatever happens, the mounts cannot outlive us there.
if [[ -z ${QOT_SYNC_IN_NS:-} && -z ${QOT_SYNC_NO_UNSHARE:-} ]] && command -v unshare >/dev/null; then
	export QOT_SYNC_IN_NS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi

# Build (configure once, or again if the tree predates bench/sync.cmake;
# make is incremental).
if [[ ! -f $build/CMakeCache.txt ]] || ! grep -q '^sync-latency:' "$build/Makefile" 2>/dev/null; then
	cmake -S "$repo" -B "$build" >/dev/null
fi
make -C "$build" -j2 --no-print-directory qotfs syncd sync-sim sync-latency >/dev/null

tmp=$(mktemp -d /tmp/qot-sync.XXXXXX)
kvfile=$tmp/kv
: >"$kvfile"
mnt=
qotfs_pid=
syncd_pid=
perf_pid=

# shellcheck source-path=SCRIPTDIR source=../scripts/proc.sh
. "$repo/scripts/proc.sh" # stop_pid, wait_mount

# shellcheck disable=SC2317 # reached through cleanup
stop_syncd() {
	if [[ -n $syncd_pid ]]; then
		stop_pid "$syncd_pid" 20
		syncd_pid=
	fi
}

# shellcheck disable=SC2317 # reached through cleanup
stop_qotfs() {
	if [[ -n $mnt ]] && mountpoint -q "$mnt"; then
		fusermount3 -u -z "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
	fi
	if [[ -n $qotfs_pid ]]; then
		stop_pid "$qotfs_pid" 20
		qotfs_pid=
	fi
	if [[ -n $mnt ]]; then
		rmdir "$mnt" 2>/dev/null || true
		mnt=
	fi
}

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n $perf_pid ]]; then
		stop_pid "$perf_pid" 20
	fi
	stop_syncd
	stop_qotfs
	if [[ $rc -ne 0 ]]; then
		for f in "$tmp"/qotfs.log "$tmp"/syncd.log; do
			if [[ -s $f ]]; then
				echo "sync.sh: exit status $rc; last lines of $(basename "$f"):" >&2
				tail -n 10 "$f" >&2
			fi
		done
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

section() {
	printf '\n== %s ==\n' "$1"
}

note() {
	printf '  # %s\n' "$*"
}

kv() {
	echo "SYNCBENCH_$1" >>"$kvfile"
}

# A fresh qotfs on a fresh mktemp -d directory, with timelines tl00000...
start_qotfs() {
	local n=$1
	mnt=$(mktemp -d /tmp/qotfs-sync.XXXXXX)
	# shellcheck disable=SC2086 # word splitting of the options is intended
	"$build/qotfs/qotfs" -f --max-timelines 65536 --max-timelines-per-uid $((n + 100)) \
		${QOT_SYNC_QOTFS_OPTS:-} "$mnt" 2>"$tmp/qotfs.log" &
	qotfs_pid=$!
	wait_mount "$qotfs_pid" "$mnt" || exit 1
	if ((n > 0)); then
		# xargs: one mkdir process for many names (no ARG_MAX worry).
		seq -f "$mnt/tl%05g" 0 $((n - 1)) | xargs mkdir
	fi
}

# Timelines whose sync view names source=sys (grep fails when none does).
synced_count() {
	{ grep -l -F 'source=sys ' "$mnt"/tl*/sync 2>/dev/null || true; } | wc -l
}

# CPU time of a process: "TICKS NS MAIN_NS" (utime+stime of all threads in
# clock ticks; the sum of the threads' schedstat run time in ns, and the main
# thread's alone; 0 if schedstat is unavailable).
cpu_of() {
	local pid=$1 ticks ns=0 main=0 t f
	ticks=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")
	for f in /proc/"$pid"/task/*/schedstat; do
		if read -r t _ <"$f" 2>/dev/null; then
			ns=$((ns + t))
			if [[ $f == /proc/$pid/task/$pid/schedstat ]]; then
				main=$t
			fi
		fi
	done
	echo "$ticks $ns $main"
}

io_field() { # io_field PID NAME
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/io"
}

# pcts FILE DIVISOR: "N P50 P99 MAX" of a sorted column of numbers, divided
# (nearest rank, as the C benchmarks); "0 0 0 0" if empty.
pcts() {
	awk -v d="$2" '{ v[++n] = $1 }
		function at(p,   i) { i = int((n * p + 99) / 100); return v[i < 1 ? 1 : i] / d }
		END { if (n == 0) print 0, 0, 0, 0; else printf "%d %.3f %.3f %.3f\n", n, at(50), at(99), v[n] / d }' "$1"
}

now_ns() {
	date +%s%N
}

host_info() {
	local cs
	cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo '?')
	echo "sync.sh: syncd benchmarks"
	echo "  host: $(uname -sr), $(nproc) CPUs online, clocksource $cs, CLK_TCK $(getconf CLK_TCK)"
	echo "  build: $build"
}

# ---- 1. simulation ----

bench_sim() {
	"$build/bench/sync-sim" --seeds="$seeds" --checks="$checks" --kv="$kvfile"
}

# ---- 2. syncd CPU per timeline ----

# Publish rounds from syncd's write() calls seen by perf (syncd writes
# nothing else but rare log lines): one write per timeline per round.
perf_rounds() { # perf_rounds INTERVAL_NS SECONDS
	local interval_ns=$1 secs=$2
	if [[ -n ${QOT_SYNC_NO_PERF:-} ]] || ! command -v perf >/dev/null; then
		note "publish round: not measured (no perf, or QOT_SYNC_NO_PERF)"
		return 0
	fi
	local s0 s1 q0 q1 w0 w1
	read -r _ s0 _ < <(cpu_of "$syncd_pid")
	read -r _ q0 _ < <(cpu_of "$qotfs_pid")
	w0=$(io_field "$syncd_pid" syscw)
	perf record -q -B -N -e syscalls:sys_enter_write,syscalls:sys_exit_write -p "$syncd_pid" \
		-o "$tmp/perf.data" -- sleep "$secs" >/dev/null 2>"$tmp/perf.log" &
	perf_pid=$!
	if ! wait "$perf_pid"; then
		perf_pid=
		note "publish round: perf record failed: $(head -n 1 "$tmp/perf.log")"
		return 0
	fi
	perf_pid=
	read -r _ s1 _ < <(cpu_of "$syncd_pid")
	read -r _ q1 _ < <(cpu_of "$qotfs_pid")
	w1=$(io_field "$syncd_pid" syscw)
	# "w NS": one ctl write, enter -> exit; "r NS COUNT": one whole round (not
	# the first or last: the recording window may cut them).
	# A round is the writes after a gap, or the next N writes (a late round
	# may run into the next one).
	{ perf script --ns -F time,event -i "$tmp/perf.data" 2>/dev/null || true; } |
		awk -v gap="$interval_ns" -v ntl="$ntl" '
		function ns(s) { sub(/:$/, "", s); split(s, a, "."); return a[1] * 1e9 + a[2] }
		$2 ~ /sys_enter_write/ { t = ns($1); open = 1; next }
		$2 ~ /sys_exit_write/ && open {
			e = ns($1); open = 0
			print "w", e - t
			if (nr == 0 || t - last > gap / 4 || cnt >= ntl) {
				if (nr > 1) print "r", last - first, cnt
				nr++; first = t; cnt = 0
			}
			last = e; cnt++
		}' >"$tmp/perf.txt"
	rm -f "$tmp/perf.data"
	local rounds per p50 p99 max nw w50 w99 wmax
	awk '$1 == "w" { print $2 }' "$tmp/perf.txt" | sort -n >"$tmp/w"
	awk '$1 == "r" { print $2 }' "$tmp/perf.txt" | sort -n >"$tmp/r"
	per=$(awk '$1 == "r" { n++; c += $3 } END { printf "%.0f", n ? c / n : 0 }' "$tmp/perf.txt")
	read -r rounds p50 p99 max <<<"$(pcts "$tmp/r" 1e6)"
	read -r nw w50 w99 wmax <<<"$(pcts "$tmp/w" 1e3)"
	if ((rounds == 0)); then
		note "publish round: perf saw no complete round"
		return 0
	fi
	printf '  %-44s p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms  (%d rounds of ~%d writes)\n' \
		"publish round wall time (first -> last write)" "$p50" "$p99" "$max" "$rounds" "$per"
	printf '  %-44s p50 %8.2f us  p99 %8.2f us  max %8.2f us  (%d writes, under perf)\n' \
		"one ctl write() in syncd, enter -> exit" "$w50" "$w99" "$wmax" "$nw"
	# syncd anchors a slower projection this far ahead of the instant it
	# computes a timeline's parameters (syncd/discipline.c discipline_margin),
	# which must exceed the latency of that one write (syncd/discipline.h);
	# the round must fit in the interval, or syncd skips a round.
	note "$(awk -v n="$interval_ns" -v w="$wmax" -v p="$p99" 'BEGIN {
		m = n / 4 < 50e6 ? n / 4 : 50e6
		printf "slowest write / syncd'\''s anchor margin (min(interval/4, 50 ms) = %.3f ms): %.4f%s; round p99 / interval: %.2f%s",
			m / 1e6, w * 1e3 / m, (w * 1e3 > m) ? " (> 1: a write outlasted the margin)" : "",
			p * 1e6 / n, (p * 1e6 > n) ? " (> 1: rounds are skipped)" : "" }')"
	if ((w1 > w0 && s1 > s0)); then
		note "$(awk -v s=$((s1 - s0)) -v q=$((q1 - q0)) -v w=$((w1 - w0)) 'BEGIN {
			printf "under perf: syncd %.2f us, qotfs %.2f us of CPU per update (%d updates)",
				s / w / 1e3, q / w / 1e3, w }')"
	fi
	kv "${key}_round_p50_ms=$p50"
	kv "${key}_round_p99_ms=$p99"
	kv "${key}_write_p50_us=$w50"
}

bench_cpu() { # bench_cpu INTERVAL[:opened] (a syncd duration: 1s, 62500us...)
	local interval=${1%:opened} opened='' hz key interval_ns t0 t1 waited left i
	local s0 s1 s0ns s1ns q0 q1 q0ns q1ns q0main q1main w0 w1 qr0 qr1 qw0 qw1
	interval_ns=$(awk -v d="$interval" 'BEGIN {
		n = d + 0; u = d; sub(/^[0-9]+/, "", u)
		m = (u == "s") ? 1e9 : (u == "ms") ? 1e6 : (u == "us") ? 1e3 : (u == "ns") ? 1 : -1
		if (m < 0) exit 1
		printf "%.0f", n * m }') || {
		echo "sync.sh: bad interval '$interval'" >&2
		exit 2
	}
	hz=$(awk -v n="$interval_ns" 'BEGIN { printf "%g", 1e9 / n }')
	key=hz$hz
	if [[ $1 == *:opened ]]; then
		opened=1
		key=${key}_opened
	fi
	start_qotfs "$ntl"
	if [[ -n $opened ]]; then
		# Opened once, a clock is live: qotfs pushes every update into the page.
		cat "$mnt"/tl*/clock >/dev/null
	fi
	cat >"$tmp/syncd.conf" <<-CONF
		mount $mnt
		rundir $tmp/run
		interval $interval
		source sys system
		timeline * sys
	CONF
	t0=$(now_ns)
	"$build/syncd/syncd" -f -c "$tmp/syncd.conf" 2>"$tmp/syncd.log" &
	syncd_pid=$!
	# Bounded wait (30 s) for every timeline to carry syncd's parameters.
	left=$ntl
	for ((i = 0; i < 300; i++)); do
		left=$((ntl - $(synced_count)))
		if ((left == 0)); then
			break
		fi
		if ! kill -0 "$syncd_pid" 2>/dev/null; then
			echo "sync.sh: syncd exited" >&2
			exit 1
		fi
		sleep 0.1
	done
	t1=$(now_ns)
	if ((left != 0)); then
		echo "sync.sh: $left of $ntl timelines without source=sys after 30 s" >&2
		exit 1
	fi
	waited=$(((t1 - t0) / 1000000))
	printf -- '  -- interval %s (%s Hz), %d timelines%s\n' "$interval" "$hz" "$ntl" \
		"${opened:+, every clock opened once (pages live: updates pushed)}"
	note "all $ntl timelines showed source=sys $waited ms after syncd started" \
		"(polled every 100 ms); syncd: source sys $(sed -n 's/.*source sys: \([^(]*\) (.*/\1/p' \
			"$tmp/syncd.log" | head -n 1)"
	sleep 0.5 # past the start-up burst (the first publish of every timeline)

	# The measurement window: a fixed stretch of wall time, not a wait for an event.
	read -r s0 s0ns _ < <(cpu_of "$syncd_pid")
	read -r q0 q0ns q0main < <(cpu_of "$qotfs_pid")
	w0=$(io_field "$syncd_pid" syscw)
	qr0=$(io_field "$qotfs_pid" syscr)
	qw0=$(io_field "$qotfs_pid" syscw)
	t0=$(now_ns)
	sleep "$window"
	t1=$(now_ns)
	read -r s1 s1ns _ < <(cpu_of "$syncd_pid")
	read -r q1 q1ns q1main < <(cpu_of "$qotfs_pid")
	w1=$(io_field "$syncd_pid" syscw)
	qr1=$(io_field "$qotfs_pid" syscr)
	qw1=$(io_field "$qotfs_pid" syscw)

	awk -v key="$key" -v hz="$(getconf CLK_TCK)" -v wall=$((t1 - t0)) -v ntl="$ntl" \
		-v ivl="$interval_ns" -v s=$((s1 - s0)) -v sns=$((s1ns - s0ns)) \
		-v q=$((q1 - q0)) -v qns=$((q1ns - q0ns)) -v qmain=$((q1main - q0main)) -v w=$((w1 - w0)) \
		-v qr=$((qr1 - qr0)) -v qw=$((qw1 - qw0)) -v kvf="$kvfile" 'BEGIN {
		secs = wall / 1e9; expect = ntl * wall / ivl
		# Prefer the scheduler run time (ns); clock ticks are 1/hz s coarse.
		scpu = sns > 0 ? sns : s * 1e9 / hz; qcpu = qns > 0 ? qns : q * 1e9 / hz
		printf "  # window %.2f s; writes counted by syncd'\''s syscw: %d (%d expected from " \
			"the interval, %.1f%%; +-%d at the window edges)\n", secs, w, expect, 100 * w / expect, ntl
		printf "  %-44s %8.2f %% of a core  (ticks: %.2f %%)\n", "syncd CPU", \
			100 * scpu / wall, 100 * s / hz / secs
		printf "  %-44s %8.2f %% of a core  (ticks: %.2f %%)\n", "qotfs CPU (all threads)", \
			100 * qcpu / wall, 100 * q / hz / secs
		if (w > 0) {
			printf "  %-44s %8.2f us  (qotfs: %.2f us; both: %.2f us)\n", \
				"syncd CPU per timeline update", scpu / w / 1e3, qcpu / w / 1e3, \
				(scpu + qcpu) / w / 1e3
			printf "  %-44s %8.2f us/s  (qotfs: %.2f us/s)\n", \
				"syncd CPU per timeline per second", scpu / ntl / secs / 1e3, \
				qcpu / ntl / secs / 1e3
			printf "  %-44s %8.2f ms  (both daemons, per update x %d timelines; " \
				"compare the wall time below)\n", "CPU per publish round", \
				(scpu + qcpu) / w * ntl / 1e6, ntl
			if (qns > 0)
				printf "  # qotfs per update: request loop %.2f us, other threads (the pusher) " \
					"%.2f us of CPU;\n  #   /dev/fuse: %.2f reads (requests, and empty " \
					"ones while it spins), %.2f writes (replies, page stores)\n", \
					qmain / w / 1e3, (qns - qmain) / w / 1e3, qr / w, qw / w
		}
		printf "SYNCBENCH_%s_updates=%d\n", key, w >> kvf
		printf "SYNCBENCH_%s_syncd_cpu_pct=%.3f\n", key, 100 * scpu / wall >> kvf
		printf "SYNCBENCH_%s_qotfs_cpu_pct=%.3f\n", key, 100 * qcpu / wall >> kvf
		if (w > 0) {
			printf "SYNCBENCH_%s_syncd_us_per_update=%.3f\n", key, scpu / w / 1e3 >> kvf
			printf "SYNCBENCH_%s_qotfs_us_per_update=%.3f\n", key, qcpu / w / 1e3 >> kvf
			printf "SYNCBENCH_%s_syncd_us_per_tl_s=%.3f\n", key, scpu / ntl / secs / 1e3 >> kvf
		}
	}'
	# Four intervals, and three seconds at least.
	perf_rounds "$interval_ns" "$(awk -v n="$interval_ns" 'BEGIN { s = 4 * n / 1e9; print (s < 3 ? 3 : s) }')"
	if grep -q -i -E 'warning|error' "$tmp/syncd.log"; then
		note "syncd said: $(grep -i -E 'warning|error' "$tmp/syncd.log" | head -n 3 | tr '\n' ' ')"
	fi
	stop_syncd
	stop_qotfs
}

# ---- 3. update latency ----

bench_latency() {
	start_qotfs 0
	mkdir "$mnt/lat" "$mnt/lat-unmapped"
	"$build/bench/sync-latency" --iterations="$iterations" --unmapped="$mnt/lat-unmapped" \
		--kv="$kvfile" "$mnt/lat"
	stop_qotfs
}

host_info
section "1. simulation: syncd's sources + estimator + discipline vs known truth"
bench_sim
section "2. syncd CPU: $ntl timelines, source system, window $window s per interval"
note "CPU from /proc/PID/schedstat (ns; all threads), clock ticks alongside; updates are" \
	"syncd's write() calls (/proc/PID/io syscw): one whole parameter line per timeline per" \
	"round, synced or not"
for run in $runs; do
	bench_cpu "$run"
done
section "3. update latency: ctl write -> new parameters visible in the mapped page"
bench_latency
section "summary (KEY=VALUE)"
cat "$kvfile"
