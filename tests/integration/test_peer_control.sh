#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the controller turns a peer timeline's exchange interval
# (syncd(8), CONTROL and PEER SYNCHRONIZATION). Three nodes (peer_lib.sh:
# network namespaces, a qotfs and a syncd each, the membership written by
# the test as coordd would); a leads with a reference, b and c follow it.
# Every node's syncd runs `control tl on min 50ms max 2s` and `peer learn
# no` (bounds grow at the configured 100 ppm between exchanges, so the
# interval decides the bound: learned, the floor does; its tick is
# 500 ms: the controller's exchanges run between the ticks when faster).
#   1. no requirement, then a loose one (5ms) bound on c: c's exchange
#      interval is the slow end (2 s);
#   2. a tight one (REQ_TIGHT, default 100us: meetable on veth): the
#      interval shrinks and met=yes within a bounded time; c's endpoint
#      sends more requests a second, counted from its sync line;
#   3. the binding closed: back to the slow end;
#   4. the same tight requirement published by another node (b's member
#      line in c's members, as coordd writes it): the same effect; removed:
#      relaxed again.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=peer_lib.sh
. "$(dirname "$0")/peer_lib.sh"

TL=tl
TIGHT=${REQ_TIGHT:-100us}
peer_net 3 a b c
for n in a b c; do
	peer_mount "$n" "$TL"
	peer_lease "$n"
	peer_members "$n" "$TL" a a b c
done
common="interval 500ms
maxslew 10000
holdover 60s
peer keyfile $PEER_T/keys missed 2 learn no
control $TL on min 50ms max 2s"
peer_syncd a "$common
source ref freerun reference yes
timeline $TL peer ref"
wait_for 20 sync_has a "$TL" "peer=root" || fail "a: $(cat "${MNT[a]}/$TL/sync" "$PEER_T/syncd-a.log")"
for n in b c; do
	peer_syncd "$n" "$common
source own freerun
timeline $TL peer own"
done
wait_for 20 sync_has c "$TL" "peer=follow upstream=a" ||
	fail "c: $(cat "${MNT[c]}/$TL/sync" "$PEER_T/syncd-c.log")"

# interval_is NODE SECONDS: the node's controller chose that interval.
interval_is() { sync_has "$1" "$TL" "effort=controlled interval=$2 "; }
# faster NODE: the interval is below the slow end.
faster() {
	local s
	s=$(grep -o 'effort=controlled interval=[0-9.]*' "${MNT[$1]}/$TL/sync" | cut -d= -f3)
	[ -n "$s" ] && python3 -c "import sys; sys.exit(0 if $s < 1.0 else 1)"
}
show() { grep -o 'met=.*' "${MNT[$1]}/$TL/sync"; }

note "no requirement: c exchanges at the slow end"
wait_for 20 interval_is c 2.000000000 || fail "c: $(cat "${MNT[c]}/$TL/sync")"
note "  c: $(show c)"

note "a loose requirement (5ms) on c: still the slow end, met"
exec 3>"${MNT[c]}/$TL/bind"
echo "name=loose accuracy=5ms" >&3
wait_for 20 sync_has c "$TL" "met=yes.* control=met" || fail "c: $(cat "${MNT[c]}/$TL/sync")"
interval_is c 2.000000000 || fail "c under 5ms: $(cat "${MNT[c]}/$TL/sync")"
note "  c: $(show c)"

sent() { ip netns exec "${NS[c]}" cat /proc/net/snmp | awk '/^Udp:/ {n++} /^Udp:/ && n == 2 {print $5}'; }
s0=$(sent) t0=$(date +%s%N)
sleep 2
s1=$(sent) t1=$(date +%s%N)
slow_rate=$(python3 -c "print(round(($s1 - $s0) * 1e9 / ($t1 - $t0), 2))")

note "a tight requirement ($TIGHT) on c: faster, met within 10 s"
echo "name=loose accuracy=$TIGHT" >&3
t0=$(date +%s%N)
wait_for 10 faster c || fail "c under $TIGHT: $(cat "${MNT[c]}/$TL/sync" "$PEER_T/syncd-c.log")"
wait_for 10 sync_has c "$TL" "met=yes" || fail "c not met: $(cat "${MNT[c]}/$TL/sync")"
t1=$(date +%s%N)
note "  c after $(((t1 - t0) / 1000000)) ms: $(show c)"
s0=$(sent) t0=$(date +%s%N)
sleep 2
s1=$(sent) t1=$(date +%s%N)
fast_rate=$(python3 -c "print(round(($s1 - $s0) * 1e9 / ($t1 - $t0), 2))")
note "  c sent $slow_rate datagrams/s under 5ms, $fast_rate under $TIGHT"
python3 -c "import sys; sys.exit(0 if $fast_rate >= 2 * max($slow_rate, 0.25) else 1)" ||
	fail "c's endpoint did not send faster: $slow_rate then $fast_rate datagrams/s"
interval_is b 2.000000000 || fail "b has no requirement, yet: $(cat "${MNT[b]}/$TL/sync")"

note "the binding closed: c relaxes to the slow end"
exec 3>&-
wait_for 20 interval_is c 2.000000000 || fail "c: $(cat "${MNT[c]}/$TL/sync")"
note "  c: $(show c)"

note "the requirement from another node (b's, in the membership coordd writes): the same"
members() { # one write(2): the whole text as one string
	local text
	text=$(printf 'leader=a\nnode=a peer=%s:3219 rank=0\nnode=b %speer=%s:3219 rank=1\nnode=c peer=%s:3219 rank=2' \
		"${ADDR[a]}" "$1" "${ADDR[b]}" "${ADDR[c]}")
	printf '%s' "$text"$'\n' >"${MNT[c]}/$TL/members"
}
members "accuracy=$TIGHT "
grep -q "accuracy=$TIGHT" "${MNT[c]}/$TL/cluster" || fail "cluster: $(cat "${MNT[c]}/$TL/cluster")"
wait_for 10 faster c || fail "c under b's $TIGHT: $(cat "${MNT[c]}/$TL/sync")"
wait_for 10 sync_has c "$TL" "met=yes" || fail "c not met: $(cat "${MNT[c]}/$TL/sync")"
note "  c: $(show c)"
members ""
wait_for 20 interval_is c 2.000000000 || fail "c: $(cat "${MNT[c]}/$TL/sync")"
note "  b's requirement withdrawn: $(show c)"

for n in a b c; do kill -0 "${SPID[$n]}" || fail "syncd $n died"; done
echo "PASS"
