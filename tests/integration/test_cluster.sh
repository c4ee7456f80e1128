#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the whole stack across network namespaces. A ZooKeeper
# server in a hub namespace, three nodes a, b, c (each a namespace of its
# own on a bridge, with its own qotfs mount, syncd and coordd) sharing one
# peer timeline. a and b have a reference (a free-running source stated to
# be true time), c a clock 4 ms behind and 30 ppm fast and none.
#   1. coordd publishes every node's peer endpoint and the election order
#      (peer= and rank= in members; cluster's order= the backups), the
#      order is the election's, and the leader is the upstream everyone
#      follows;
#   2. kill -9 of the leader's coordd and syncd: the members follow the
#      backup (rank 1) within a few sync intervals, before ZooKeeper's
#      session timeout could have moved anything;
#   3. when ZooKeeper confirms (the old leader's session expires, the order
#      starts with the backup), nothing moves: same upstream, same root.
# Judged through the mapped clock pages at one base instant throughout:
# every pair of intervals overlaps, no page steps back, every interval holds
# the truth (the base clock).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=zk.sh
. "$(dirname "$0")/zk.sh"
: "${SYNCD_BIN:?}" "${COORDD_BIN:?}" "${PEER_JUDGE_BIN:?}" "${ZK_PROBE_BIN:?}"
T=$(mktemp -d /tmp/qot-cluster.XXXXXX)
[ -n "${KEEP_T:-}" ] || on_exit "rm -rf $T"
# shellcheck source-path=SCRIPTDIR source=cluster_lib.sh
. "$(dirname "$0")/cluster_lib.sh"

INTERVAL_MS=100
K=2 # missed exchanges before failing over

cluster_net a b c
cluster_zk
CL_SRC=(
	[a]="source ref freerun reference yes"
	[b]="source ref freerun reference yes"
	[c]="source ref freerun offset -4ms freq 30"
)
cluster_syncds "interval ${INTERVAL_MS}ms
maxslew 10000
peer missed $K"
cluster_coordds # one after the other: the election order is a, b, c
note "a: $(tr '\n' ' ' <"$(cl_file a members)")"

note "1. every member published with its peer endpoint and its place in the election"
ranks_are() { # ranks_are NODE A_RANK B_RANK C_RANK
	[ "$(cl_rank "$1" a)" = "$2" ] && [ "$(cl_rank "$1" b)" = "$3" ] &&
		[ "$(cl_rank "$1" c)" = "$4" ]
}
election=$(ip netns exec "$PEER_HUB" "$ZK_PROBE_BIN" "$CL_ZK" ls "/qot/timelines/$CL_TL/election" |
	sort -t_ -k2 | sed 's/_[0-9]*$//' | tr '\n' ,)
[ "$election" = "a,b,c," ] || fail "the election's order is $election"
for n in a b c; do
	wait_for 10 ranks_are $n 0 1 2 || fail "$n: $(cat "$(cl_file $n members)")"
	for m in a b c; do
		member_line=$(grep "^node=$m " "$(cl_file $n members)")
		[[ $member_line == *" peer=${ADDR[$m]}:$CL_PEER_PORT"* ]] ||
			fail "$n: no peer endpoint for $m: $member_line"
	done
	[ "$(cl_order $n)" = "b,c" ] || fail "$n: $(cat "$(cl_file $n cluster)")"
	[ "$(cl_leader_of $n)" = a ] || fail "$n: $(cat "$(cl_file $n cluster)")"
done
note "b: $(cat "$(cl_file b cluster)")"

note "the leader is the root everyone follows"
wait_for 20 cl_root a || fail "a is not root: $(cat "$(cl_file a sync)")"
wait_for 20 cl_follows b a || fail "b: $(cat "$(cl_file b sync)")"
wait_for 20 cl_follows c a || fail "c: $(cat "$(cl_file c sync)")"
mapfile -t PAGES < <(pages "$CL_TL" a b c)
out=$("$PEER_JUDGE_BIN" judge 3 "${PAGES[@]}" 2>&1) || fail "not honest while converging: $out"
out=$("$PEER_JUDGE_BIN" judge 3 "${PAGES[@]}" 2>&1) || fail "not honest once converged: $out"
note "converged: $out"
note "c: $(cat "$(cl_file c sync)")"

note "2. kill -9 of the leader's coordd and syncd"
"$PEER_JUDGE_BIN" judge 12 "${PAGES[@]}" >"$T/judge.out" 2>&1 &
judge_pid=$!
QOT_BG_PIDS+=("$judge_pid")
# Who each member follows, every 10 ms from the kill on.
(
	while :; do
		echo "$(date +%s%N) b=$(cl_sync b upstream)/$(cl_sync b peer) c=$(cl_sync c upstream)"
		sleep 0.01
	done
) >"$T/upstreams" 2>/dev/null &
sampler_pid=$!
QOT_BG_PIDS+=("$sampler_pid")
sleep 1 # the judge sees the settled state first
t0=$(date +%s%N)
cluster_kill a
switched() { cl_root b && cl_follows c b; }
wait_for 20 switched || fail "no failover: b $(cat "$(cl_file b sync)"), c $(cat "$(cl_file c sync)")"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
# ZooKeeper cannot have told anyone yet: a is still ranked first.
[ "$(cl_rank c a)" = 0 ] || fail "ZooKeeper moved the order first (${ms} ms): $(cat "$(cl_file c members)")"
note "b is root and c follows it $ms ms after the kill: $((ms / INTERVAL_MS)) intervals of" \
	"$INTERVAL_MS ms (K = $K), ZooKeeper's session timeout $CL_SESSION_MS ms"
[ "$ms" -le $(((K + 1) * INTERVAL_MS + 500)) ] || fail "the failover took $ms ms"
[ "$ms" -lt "$CL_SESSION_MS" ] || fail "the failover took longer than a session timeout"

note "3. ZooKeeper confirms: nothing moves"
confirmed() { [ "$(cl_leader_of c)" = b ] && [ "$(cl_order c)" = c ] && [ "$(cl_rank c b)" = 0 ]; }
wait_for 20 confirmed || fail "ZooKeeper never confirmed: $(cat "$(cl_file c members)")"
t2=$(date +%s%N)
note "confirmed $(((t2 - t0) / 1000000)) ms after the kill: $(cat "$(cl_file c cluster)")"
sleep 1
stop_pid "$sampler_pid"
wait "$judge_pid" || fail "not honest through the failover: $(cat "$T/judge.out")"
note "through the failover: $(cat "$T/judge.out")"
# From the switch on, b is root and c follows b, whatever ZooKeeper said.
after=$(awk -v t="$t1" '$1 >= t' "$T/upstreams")
[ -n "$after" ] || fail "no sample after the switch"
moved=$(grep -v " b=/root c=b$" <<<"$after" | head -3) || true
[ -z "$moved" ] || fail "something moved after the switch: $moved"
note "$(wc -l <<<"$after") samples after the switch: b root, c following b, every time"
switched || fail "b $(cat "$(cl_file b sync)"), c $(cat "$(cl_file c sync)")"
echo "PASS"
