#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: Berkeley averaging with the real daemons. Three nodes
# (peer_lib.sh) and no reference anywhere: every clock is a freerun source
# of its own - a 40 ppm fast, b 3 ms ahead, c started 10 s behind. a
# leads: each round it measures b and c, leaves c (farther than the 5 ms
# threshold from the median) out of the average and reports it, and
# corrects everyone, c included. The bounds are relative to the ensemble's
# time, so the judge checks agreement, not the truth: once converged,
# every pair of intervals overlaps at every sample, no estimate goes back.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=peer_lib.sh
. "$(dirname "$0")/peer_lib.sh"

INTERVAL_MS=100
TL=swarm
peer_net 3 a b c
for n in a b c; do
	peer_mount "$n" "$TL"
	peer_lease "$n"
	peer_members "$n" "$TL" a a b c
done
common="interval ${INTERVAL_MS}ms
maxslew 10000
holdover 60s
peer keyfile $PEER_T/keys threshold 5ms"
declare -A CLOCK=([a]="freq 40" [b]="offset 3ms" [c]="offset -10s")
for n in a b c; do
	peer_syncd "$n" "$common
source own freerun ${CLOCK[$n]}
timeline $TL peer own"
	[ "$n" = a ] && { wait_for 20 sync_has a "$TL" "peer=root" || fail "a: $(cat "${MNT[a]}/$TL/sync")"; }
done
mapfile -t PAGES < <(pages "$TL" a b c)

note "c, 10 s behind, is left out of the average and reported"
wait_for 20 grep -q "excluded=c" "$PEER_T/syncd-a.log" ||
	fail "a never left c out: $(cat "${MNT[a]}/$TL/sync" "$PEER_T/syncd-a.log")"
grep "excluded=c" "$PEER_T/syncd-a.log" | head -n1 | sed 's/^/# a: /'
sync_has a "$TL" "mode=berkeley" || fail "a: $(cat "${MNT[a]}/$TL/sync")"

note "and brought to the ensemble's time"
t0=$(date +%s%N)
agreed() {
	local c
	c=$(field "${MNT[c]}/$TL/sync" offset)
	python3 -c "import sys; sys.exit(0 if abs(float('$c')) < 0.005 else 1)" &&
		sync_has c "$TL" "source=peer .*peer=follow upstream=a.*mode=berkeley" &&
		sync_has b "$TL" "source=peer .*peer=follow upstream=a.*mode=berkeley"
}
wait_for 20 agreed || fail "c not brought in: $(cat "${MNT[c]}/$TL/sync")"
t1=$(date +%s%N)
note "c within 5 ms of the host clock after $(((t1 - t0) / 1000000 / INTERVAL_MS)) rounds: $(cat "${MNT[c]}/$TL/sync")"
sleep 0.5 # the correction of c's step is the last one that moves it
out=$("$PEER_JUDGE_BIN" agree 4 "${PAGES[@]}") || fail "the nodes disagree: $out"
note "converged: $out"
spread=$(sed -n 's/.*spread_ns=\([0-9]*\).*/\1/p' <<<"$out")
[ "$spread" -lt 1000000 ] || fail "the nodes are $spread ns apart once converged"
wait_for 5 sh -c "! grep -q excluded= '${MNT[a]}/$TL/sync'" ||
	fail "c still left out: $(cat "${MNT[a]}/$TL/sync")"
for n in a b c; do kill -0 "${SPID[$n]}" || fail "syncd $n died"; done
echo "PASS"
