#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# peer.sh - peer synchronization across network namespaces on one machine,
# the whole stack (ZooKeeper in a hub namespace; per node a qotfs mount,
# syncd and coordd; tests/integration/cluster_lib.sh), as root:
#   1. agreement: |estimate_A - estimate_B| between nodes at one base
#      instant (p50/p99) and the bound widths, at 1 Hz and 16 Hz exchanges,
#      sampled through the mapped pages (examples/qot_clock.py's reader,
#      every page projected to one base instant), next to the anchor
#      measured in the same run on the same namespaces: a chronyd -x server
#      on the leader's node and chronyd -x clients on the members polling it
#      at the same rate, their error being their own estimate of the
#      system clock's offset (all namespaces share one kernel clock: the
#      true offset is 0) and their bound |offset| + root delay / 2 + root
#      dispersion; and the two clients' agreement |offset_b - offset_c|
#      at one sampling round, the anchor for the peers' |A - B|;
#   2. failover: kill -9 of the leader's syncd and coordd, time until every
#      member follows the backup, in ms and in sync intervals, next to the
#      ZooKeeper session timeout it does not wait for (a fresh cluster per
#      round);
#   3. cost at 3, 5 and 8 nodes: UDP datagrams per node per second (each
#      namespace's own counters: only the peer protocol uses UDP) and
#      syncd's CPU per timeline (one timeline), the root apart.
# Prints figures and ratios. The host's clock is never touched.
#
# Usage: bench/peer.sh
# Environment: QOT_BUILD (build directory, default <repo>/build),
#              QOT_PEER_SECONDS (judging window per rate, default 20),
#              QOT_PEER_FAILOVERS (kill -9 rounds, default 3),
#              QOT_PEER_COST_SECONDS (cost window per size, default 10),
#              QOT_PEER_PARTS (which of 1 2 3 to run, default all).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${QOT_BUILD:-$repo/build}
seconds=${QOT_PEER_SECONDS:-20}
failovers=${QOT_PEER_FAILOVERS:-3}
cost_seconds=${QOT_PEER_COST_SECONDS:-10}
parts=" ${QOT_PEER_PARTS:-1 2 3} "
part() { [[ $parts == *" $1 "* ]]; }

if [[ $(id -u) -ne 0 ]]; then
	echo "peer.sh: run as root (network namespaces, privileged qotfs files)" >&2
	exit 1
fi
if [[ -z ${QOT_PEER_IN_NS:-} ]] && command -v unshare >/dev/null; then
	export QOT_PEER_IN_NS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi
command -v chronyd >/dev/null || {
	echo "peer.sh: chronyd is needed for the anchor (scripts/deps.sh)" >&2
	exit 1
}
cmake -S "$repo" -B "$build" >/dev/null
cmake --build "$build" -j2 --target qotfs syncd coordd peer_judge >/dev/null

export QOTFS_BIN=$build/qotfs/qotfs SYNCD_BIN=$build/syncd/syncd COORDD_BIN=$build/coordd/coordd
export PEER_JUDGE_BIN=$build/tests/peer_judge
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
. "$repo/tests/integration/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../tests/integration/zk.sh
. "$repo/tests/integration/zk.sh"
T=$(mktemp -d /tmp/qot-peer-bench.XXXXXX)
on_exit "rm -rf $T"
# shellcheck source-path=SCRIPTDIR source=../tests/integration/cluster_lib.sh
. "$repo/tests/integration/cluster_lib.sh"

ALL=(a b c d e f g h)
declare -A CONF
cluster_net "${ALL[@]}"
cluster_zk
for n in "${ALL[@]}"; do cluster_qotfs "$n"; done

# A cluster of the first N nodes serving timeline TL at INTERVAL: a has a
# reference, the others clocks off by known amounts and none.
run_cluster() { # run_cluster TL INTERVAL N
	local tl=$1 interval=$2 count=$3 i n src
	CL_TL=$tl
	for ((i = 0; i < count; i++)); do
		n=${ALL[i]}
		mkdir -p "${MNT[$n]}/$tl"
		src="source own freerun offset $(((i % 2 ? 1 : -1) * i))ms freq $((i * 7))"
		[ "$n" = a ] && src="source own freerun reference yes"
		CONF[$n]="interval $interval
maxslew 10000
$src
timeline $tl peer own"
		cluster_syncd "$n" "${CONF[$n]}"
	done
	for ((i = 0; i < count; i++)); do # one after the other: the order is a, b, ...
		n=${ALL[i]}
		cluster_coordd "$n"
		cluster_bind "$n"
		wait_for 20 cl_ranked a "$n" || fail "$n never joined $tl"
	done
	for ((i = 1; i < count; i++)); do
		wait_for 30 cl_follows "${ALL[i]}" a || fail "${ALL[i]}: $(cat "$(cl_file "${ALL[i]}" sync)")"
	done
}

stop_cluster() { # stop_cluster N
	local i
	for ((i = 0; i < $1; i++)); do
		cluster_stop "${ALL[i]}"
		cluster_unbind "${ALL[i]}"
	done
}

# sample SECONDS PAGE...: every 5 ms, every page projected to one base
# instant (the truth: all namespaces share the kernel clock): |A - B| over
# bounded pairs (and between the members b and c alone), the members' bound
# widths and |estimate - truth| (a's reference is exact), as p50/p99 in ns; counts
# of intervals missing the truth, pairs apart and steps back.
sample() {
	python3 - "$repo/examples" "$@" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[1])
import qot_clock as q
secs, paths = float(sys.argv[2]), sys.argv[3:]
pages = [q.open_page(p) for p in paths]
agree, agree_m, width, err, last = [], [], [], [], [None] * len(pages)
missed = apart = back = n = 0
end = time.monotonic() + secs
while time.monotonic() < end:
    t = time.clock_gettime_ns(time.CLOCK_REALTIME)
    got = []
    for i, pg in enumerate(pages):
        params, _ = q.read_params(pg, at=t)
        e, b, a, st = q.project(params, t)
        if b == q.UNBOUNDED or a == q.UNBOUNDED:
            last[i] = None
            continue
        n += 1
        if last[i] is not None and e < last[i]:
            back += 1
        last[i] = e
        if i >= 1:  # the members (a's reference is exact): as chrony's clients
            width.append(b + a)
            err.append(abs(e - t))
        missed += not (e - b <= t <= e + a)
        for (j, e2, b2, a2) in got:
            agree.append(abs(e - e2))
            if j >= 1:  # two members (b, c): as chrony's two clients
                agree_m.append(abs(e - e2))
            apart += e + a < e2 - b2 or e2 + a2 < e - b
        got.append((i, e, b, a))
    time.sleep(0.005)
def pct(v, p):
    if not v:
        return "-"
    v = sorted(v)
    return str(v[min(len(v) - 1, max(0, -(-len(v) * p // 100) - 1))])
print("samples=%d missed=%d apart=%d backward=%d agree_p50=%s agree_p99=%s bc_p50=%s bc_p99=%s "
      "width_p50=%s width_p99=%s err_p50=%s err_p99=%s" % (n, missed, apart, back,
      pct(agree, 50), pct(agree, 99), pct(agree_m, 50), pct(agree_m, 99), pct(width, 50),
      pct(width, 99), pct(err, 50), pct(err, 99)))
PY
}

pages_of() { # pages_of N: the first N nodes' pages of $CL_TL
	local i
	for ((i = 0; i < $1; i++)); do cl_file "${ALL[i]}" clock; done
}

# The anchor: chronyd -x serving on a's address, clients on b and c.
chrony_start() { # chrony_start POLL
	local n
	mkdir -p "$T/chrony"
	cat >"$T/chrony/server.conf" <<CONF
port 123
bindaddress ${ADDR[a]}
allow 10.99.$CL_NETNUM.0/24
local stratum 1
cmdport 0
bindcmdaddress /
pidfile $T/chrony/server.pid
driftfile $T/chrony/server.drift
CONF
	start_bg "$T/chrony/server.log" ip netns exec "${NS[a]}" chronyd -x -d -u root \
		-f "$T/chrony/server.conf"
	CHRONY_PIDS=("$BG_PID")
	for n in b c; do
		cat >"$T/chrony/$n.conf" <<CONF
port 0
cmdport 323
bindcmdaddress 127.0.0.1
bindcmdaddress /
server ${ADDR[a]} iburst minpoll $1 maxpoll $1
pidfile $T/chrony/$n.pid
driftfile $T/chrony/$n.drift
CONF
		start_bg "$T/chrony/$n.log" ip netns exec "${NS[$n]}" chronyd -x -d -u root \
			-f "$T/chrony/$n.conf"
		CHRONY_PIDS+=("$BG_PID")
	done
}

chrony_stop() {
	local p
	for p in "${CHRONY_PIDS[@]}"; do stop_pid "$p"; done
}

chrony_synced() { # chrony_synced NODE
	cl_in "$1" chronyc -h 127.0.0.1 -n -c tracking 2>/dev/null | grep -q ',Normal$'
}

# chrony_sample SECONDS PAIRS: every 100 ms, b's and c's tracking: system
# time offset (their error) and bound, in ns, one "err bound" line each;
# and into PAIRS, when both answered, |offset_b - offset_c| (the two
# clients' agreement, as the peers' |A - B|).
chrony_sample() {
	local end=$((SECONDS + $1)) n o ob oc
	while [ "$SECONDS" -lt "$end" ]; do
		ob='' oc=''
		for n in b c; do
			o=$(cl_in "$n" chronyc -h 127.0.0.1 -n -c tracking 2>/dev/null | cut -d, -f5,11,12)
			[ -n "$o" ] || continue
			awk -F, '{ o = $1 < 0 ? -$1 : $1; printf "%.0f %.0f\n", o * 1e9, (o + $2 / 2 + $3) * 1e9 }' <<<"$o"
			if [ "$n" = b ]; then ob=${o%%,*}; else oc=${o%%,*}; fi
		done
		[ -z "$ob" ] || [ -z "$oc" ] ||
			awk -v b="$ob" -v c="$oc" 'BEGIN { d = b - c; printf "%.0f\n", (d < 0 ? -d : d) * 1e9 }' >>"$2"
		sleep 0.1
	done
}

# pct FILE COLUMN: p50 p99 of a column (ns).
pct() {
	sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END {
		if (NR == 0) { print "- -"; exit }
		i50 = int(NR * 0.50 + 0.999); i99 = int(NR * 0.99 + 0.999)
		printf "%d %d\n", v[i50], v[i99] }'
}

us() { awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else printf "%.1f", v / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

echo "# peer.sh: $(nproc) CPUs, $(uname -r), chrony $(chronyd --version | awk '{ print $4 }')"
echo "# ZooKeeper session timeout $CL_SESSION_MS ms; judging $seconds s per rate"

if part 1; then
echo
echo "## 1. agreement between nodes (3 nodes; a has a reference, b and c start off by ms)"
printf '%-6s %-22s %-22s %-22s %-22s %-22s %s\n' rate "peer |A-B| p50/p99 us" "peer width p50/p99 us" \
	"chrony |B-C| p50/p99 us" "chrony error p50/p99" "chrony bound p50/p99" "ratios p50/p99 (peer/chrony)"
for rate in 1 16; do
	interval=$([ "$rate" = 1 ] && echo 1s || echo 62500us)
	poll=$([ "$rate" = 1 ] && echo 0 || echo -4)
	run_cluster "agree$rate" "$interval" 3
	chrony_start "$poll"
	wait_for 60 chrony_synced b || fail "chronyd on b never synchronised: $(tail -3 "$T/chrony/b.log")"
	wait_for 60 chrony_synced c || fail "chronyd on c never synchronised"
	# Settle: the exchange filter and chrony's both fill (8 exchanges).
	sleep $((rate == 1 ? 10 : 2))
	mapfile -t PAGES < <(pages_of 3)
	sample "$seconds" "${PAGES[@]}" >"$T/judge$rate" &
	judge_pid=$!
	# The same pages through libqot (peer_judge judge), as a cross-check.
	"$PEER_JUDGE_BIN" judge "$seconds" "${PAGES[@]}" >"$T/cjudge$rate" 2>&1 &
	cjudge_pid=$!
	: >"$T/chronypair$rate"
	chrony_sample "$seconds" "$T/chronypair$rate" >"$T/chrony$rate"
	wait "$judge_pid" || fail "the sampler failed"
	wait "$cjudge_pid" || true
	chrony_stop
	stop_cluster 3
	j=$(cat "$T/judge$rate")
	read -r c50 c99 < <(pct "$T/chrony$rate" 1)
	read -r b50 b99 < <(pct "$T/chrony$rate" 2)
	read -r p50 p99 < <(pct "$T/chronypair$rate" 1)
	printf '%-6s %-22s %-22s %-22s %-22s %-22s %s\n' "${rate}Hz" \
		"$(us "$(kv "$j" agree_p50)") / $(us "$(kv "$j" agree_p99)")" \
		"$(us "$(kv "$j" width_p50)") / $(us "$(kv "$j" width_p99)")" \
		"$(us "$p50") / $(us "$p99")" "$(us "$c50") / $(us "$c99")" "$(us "$b50") / $(us "$b99")" \
		"|B-C|/|B-C| $(ratio "$(kv "$j" bc_p50)" "$p50") / $(ratio "$(kv "$j" bc_p99)" "$p99"); err/err $(ratio "$(kv "$j" err_p50)" "$c50") / $(ratio "$(kv "$j" err_p99)" "$c99"); width/bound $(ratio "$(kv "$j" width_p50)" "$b50") / $(ratio "$(kv "$j" width_p99)" "$b99")"
	echo "#   ${rate}Hz pages: $j"
	echo "#   ${rate}Hz peer_judge judge: $(tr '\n' ' ' <"$T/cjudge$rate" | cut -c1-400)"
	echo "#   ${rate}Hz peer |B-C| (the two members, as chrony's two clients): p50 $(us "$(kv "$j" bc_p50)") us, p99 $(us "$(kv "$j" bc_p99)") us"
	echo "#   ${rate}Hz peer error against the truth: p50 $(us "$(kv "$j" err_p50)") us, p99 $(us "$(kv "$j" err_p99)") us ($(wc -l <"$T/chrony$rate") chrony samples)"
done

fi

if part 2; then
echo
echo "## 2. failover (3 nodes, 16 Hz: interval 62.5 ms, missed 2; a fresh cluster each round)"
for ((r = 1; r <= failovers; r++)); do
	run_cluster "failover$r" 62500us 3
	sleep 1
	t0=$(date +%s%N)
	cluster_kill a
	b_ms='' c_ms='' trace=''
	: >"$T/trace"
	switched() {
		local now sb sc st
		now=$((($(date +%s%N) - t0) / 1000000))
		sb=$(grep -o 'peer=[a-z]*\( upstream=[a-z]*\)\?' "$(cl_file b sync)" || true)
		sc=$(grep -o 'peer=[a-z]*\( upstream=[a-z]*\)\?' "$(cl_file c sync)" || true)
		st="b: $sb | c: $sc"
		[ "$st" = "$trace" ] || { trace=$st && echo "#     $now ms: $st" >>"$T/trace"; }
		[ -n "$b_ms" ] || [ "$sb" != peer=root ] || b_ms=$now
		[ -n "$c_ms" ] || [ "$sc" != "peer=follow upstream=b" ] || c_ms=$now
		[ -n "$b_ms" ] && [ -n "$c_ms" ]
	}
	wait_for 20 switched || fail "no failover from a to b: b $(cat "$(cl_file b sync)"), c $(cat "$(cl_file c sync)")"
	ms=$((($(date +%s%N) - t0) / 1000000))
	# A slow round: how b's and c's sync files changed meanwhile, to tell a
	# late detection from a late switch.
	if ((ms > 5 * 625 / 10)); then
		echo "#   slow round $r: b root after $b_ms ms, c following b after $c_ms ms; their states:"
		cat "$T/trace"
	fi
	confirmed() { [ "$(cl_rank c b)" = 0 ]; }
	wait_for 30 confirmed || fail "ZooKeeper never confirmed b"
	zk_ms=$((($(date +%s%N) - t0) / 1000000))
	printf 'round %d: a -> b in %d ms = %s intervals (b root %s ms, c follows %s ms); ZooKeeper confirmed after %d ms (session timeout %d ms; ratio failover/session %s)\n' \
		"$r" "$ms" "$(awk -v m="$ms" 'BEGIN { printf "%.1f", m / 62.5 }')" "$b_ms" "$c_ms" \
		"$zk_ms" "$CL_SESSION_MS" "$(ratio "$ms" "$CL_SESSION_MS")"
	echo "$ms" >>"$T/failover_ms"
	stop_cluster 3
done
read -r f50 f99 < <(pct "$T/failover_ms" 1)
echo "failover: p50 $f50 ms ($(awk -v m="$f50" 'BEGIN { printf "%.1f", m / 62.5 }') intervals), max $f99 ms over $failovers rounds; session timeout $CL_SESSION_MS ms"

fi

if part 3; then
echo
echo "## 3. cost (16 Hz, one timeline)"
printf '%-6s %-28s %-22s %-28s %s\n' nodes "member datagrams/s (mean)" "root datagrams/s" \
	"member syncd CPU % (mean)" "root syncd CPU %"
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
for count in 3 5 8; do
	run_cluster "cost$count" 62500us "$count"
	sleep 2
	declare -A u0 c0
	for ((i = 0; i < count; i++)); do
		n=${ALL[i]}
		u0[$n]=$(cl_udp "$n")
		c0[$n]=$(cpu_ticks "${SPID[$n]}")
	done
	s0=$(date +%s%N)
	sleep "$cost_seconds"
	el=$(($(date +%s%N) - s0))
	msum=0 csum=0
	for ((i = 0; i < count; i++)); do
		n=${ALL[i]}
		du=$(($(cl_udp "$n") - u0[$n]))
		dc=$(($(cpu_ticks "${SPID[$n]}") - c0[$n]))
		rate=$(awk -v d="$du" -v e="$el" 'BEGIN { printf "%.1f", d / (e / 1e9) }')
		cpu=$(awk -v d="$dc" -v e="$el" -v hz="$hz" 'BEGIN { printf "%.2f", 100 * d / hz / (e / 1e9) }')
		if [ "$n" = a ]; then
			rroot=$rate croot=$cpu
		else
			msum=$(awk -v a="$msum" -v b="$rate" 'BEGIN { print a + b }')
			csum=$(awk -v a="$csum" -v b="$cpu" 'BEGIN { print a + b }')
		fi
	done
	stop_cluster "$count"
	printf '%-6s %-28s %-22s %-28s %s\n' "$count" \
		"$(awk -v s="$msum" -v n="$count" 'BEGIN { printf "%.1f", s / (n - 1) }')" "$rroot" \
		"$(awk -v s="$csum" -v n="$count" 'BEGIN { printf "%.2f", s / (n - 1) }')" "$croot"
done
echo "# one exchange is 3 datagrams at each end (request, response, follow-up); a member at 16 Hz: 48/s; the root: 48/s per member"
fi
