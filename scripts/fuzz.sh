#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fuzz.sh [--seconds N] [--keep] [--smoke] [TARGET...] - build the libFuzzer
# targets of fuzz/ (clang, ASan + UBSan) into build-fuzz/ and run each, one
# after the other, for N seconds (default 600), or only the TARGETs named
# (e.g. params, for fuzz/fuzz_params.c).
#
# Each run reads fuzz/corpus/TARGET (and fuzz/dict/TARGET.dict if present) and
# writes what it finds to a scratch directory, so the committed corpus is left
# alone unless --keep is given: then the new inputs that reach new code
# (edges; -merge=1 -use_counters=0, which keeps the corpus small) are merged
# into it. --smoke is the CI check: 15 s per target unless
# --seconds says otherwise, no corpus change. A crash, leak, timeout or broken
# invariant in any target makes the script fail, after all targets ran; the
# input is saved as build-fuzz/artifacts/TARGET-crash-* (reproduce: run the
# target binary on that file).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=600
seconds_given=0
keep=0
smoke=0
targets=()
while [ $# -gt 0 ]; do
	case $1 in
	--seconds)
		seconds=${2:?--seconds needs a value}
		seconds_given=1
		shift 2
		;;
	--keep)
		keep=1
		shift
		;;
	--smoke)
		smoke=1
		shift
		;;
	-h | --help)
		sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"
		exit 0
		;;
	-*)
		echo "fuzz.sh: unknown option $1" >&2
		exit 2
		;;
	*)
		targets+=("$1")
		shift
		;;
	esac
done
if [ "$smoke" = 1 ]; then
	[ "$keep" = 0 ] || {
		echo "fuzz.sh: --smoke never changes the corpus; drop --keep" >&2
		exit 2
	}
	[ "$seconds_given" = 1 ] || seconds=15
fi
case $seconds in
'' | *[!0-9]*)
	echo "fuzz.sh: --seconds: expected a whole number, got '$seconds'" >&2
	exit 2
	;;
esac
if [ "${#targets[@]}" -eq 0 ]; then
	for src in fuzz/fuzz_*.c; do
		name=${src#fuzz/fuzz_}
		targets+=("${name%.c}")
	done
fi

build=${QOT_FUZZ_BUILD:-build-fuzz}
cmake -S . -B "$build" -DQOT_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	>/dev/null
cmake --build "$build" --target fuzz -j "$(nproc)" >/dev/null
mkdir -p "$build/artifacts"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/qot-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

count() {
	find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l
}

failed=()
for t in "${targets[@]}"; do
	bin=$build/fuzz/fuzz_$t
	corpus=fuzz/corpus/$t
	[ -x "$bin" ] || {
		echo "fuzz.sh: no target '$t' (fuzz/fuzz_$t.c)" >&2
		exit 2
	}
	mkdir -p "$corpus" "$scratch/$t"
	opts=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
		-artifact_prefix="$build/artifacts/$t-")
	[ -f "fuzz/dict/$t.dict" ] && opts+=(-dict="fuzz/dict/$t.dict")
	case $t in
	members | config | jsonline | alignlog) opts+=(-max_len=16384) ;; # texts of many lines
	*) opts+=(-max_len=4096) ;;
	esac
	before=$(count "$corpus")
	log=$build/artifacts/$t.log
	status=ok
	# New inputs go to the scratch directory (the first one given); the corpus is only read.
	"$bin" "${opts[@]}" "$scratch/$t" "$corpus" >"$log" 2>&1 || status=FAILED
	if [ "$status" = ok ] && [ "$keep" = 1 ]; then
		"$bin" -merge=1 -use_counters=0 "$corpus" "$scratch/$t" >>"$log" 2>&1 || status=FAILED
	fi
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
	printf '%-10s %s  seconds=%s execs=%s cov=%s ft=%s corpus=%s->%s\n' "$t" "$status" \
		"$seconds" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$before" "$(count "$corpus")"
	if [ "$status" != ok ]; then
		failed+=("$t")
		grep -E 'ERROR|runtime error|invariant broken|Test unit written' "$log" | head -n 5 >&2 || true
		echo "  full log: $log" >&2
	fi
done
if [ "${#failed[@]}" -gt 0 ]; then
	echo "fuzz.sh: failed: ${failed[*]}" >&2
	exit 1
fi
