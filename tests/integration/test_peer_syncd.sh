#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: peer synchronization with the real daemons. Three nodes
# (peer_lib.sh: network namespaces on a bridge, a qotfs mount and a syncd
# each, the membership written by the test as coordd would), one timeline
# served by its cluster, 100 ms intervals, K = 2. a leads and b backs it
# up, both with a reference (a freerun source the operator declares true:
# the host clock, which is the truth here); c has none and starts 4 ms
# behind, running 40 ppm slow. peer_node judge samples every node's clock
# page through its mount at one base instant every 2 ms: intervals that
# miss the truth, pairs that do not overlap, estimates that go back.
#   1. c converges within a bounded number of rounds, honestly;
#   2. forged, replayed, truncated, oversized and wrong-timeline packets
#      are refused and counted; a flood does not delay the exchanges;
#   3. kill -9 of a's syncd: b and c switch within K intervals, honestly,
#      never backward; a's syncd back: it follows b;
#   4. b's link down (the leader partitioned): c switches to a;
#   5. c partitioned (and its lease lapsed): holdover with growing bounds,
#      truth inside; healed, it follows again.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=peer_lib.sh
. "$(dirname "$0")/peer_lib.sh"

INTERVAL_MS=100
TL=tl
peer_net 2 a b c
for n in a b c; do
	peer_mount "$n" "$TL"
	peer_lease "$n"
done
for n in a b c; do peer_members "$n" "$TL" a a b c; done
grep -q "peer=${ADDR[b]}:3219 rank=1" "${MNT[a]}/$TL/members" ||
	fail "members: $(cat "${MNT[a]}/$TL/members")"
grep -q " order=b,c" "${MNT[a]}/$TL/cluster" || fail "cluster: $(cat "${MNT[a]}/$TL/cluster")"

common="interval ${INTERVAL_MS}ms
maxslew 10000
holdover 60s
peer keyfile $PEER_T/keys missed 2"
for n in a b; do
	peer_syncd "$n" "$common
source ref freerun reference yes
timeline $TL peer ref"
done
peer_syncd c "$common
source own freerun offset -4ms freq -40
timeline $TL peer own"
JUDGE=("$PEER_NODE_BIN" judge)
mapfile -t PAGES < <(pages "$TL" a b c)
judge() { "${JUDGE[@]}" "$1" "${PAGES[@]}"; }

note "c, 4 ms behind, follows a within a bounded number of rounds; judged from the start"
judge 4 >"$PEER_T/judge-converge.out" 2>&1 &
judge_pid=$!
t0=$(date +%s%N)
wait_for 20 sync_has a "$TL" "peer=root" || fail "a: $(cat "${MNT[a]}/$TL/sync" "$PEER_T/syncd-a.log")"
wait_for 20 sync_has c "$TL" "source=peer .*peer=follow upstream=a" ||
	fail "c: $(cat "${MNT[c]}/$TL/sync" "$PEER_T/syncd-c.log")"
wait_for 20 sync_has b "$TL" "peer=follow upstream=a" || fail "b: $(cat "${MNT[b]}/$TL/sync")"
t1=$(date +%s%N)
rounds=$(((t1 - t0) / 1000000 / INTERVAL_MS))
note "c follows a after $rounds rounds: $(cat "${MNT[c]}/$TL/sync")"
[ "$rounds" -le 30 ] || fail "convergence took $rounds rounds"
wait "$judge_pid" || fail "not honest while converging: $(cat "$PEER_T/judge-converge.out")"
note "converging: $(cat "$PEER_T/judge-converge.out")"
out=$(judge 3) || fail "not honest once converged: $out"
note "converged: $out"
spread=$(sed -n 's/.*spread_ns=\([0-9]*\).*/\1/p' <<<"$out")
[ "$spread" -lt 1000000 ] || fail "the nodes disagree by $spread ns once converged"
grep -q "asym=" "${MNT[c]}/$TL/sync" || fail "c states no parts: $(cat "${MNT[c]}/$TL/sync")"

note "bad packets at a's endpoint: refused and counted; a flood does not delay exchanges"
python3 - "$PEER_T/keys" "${ADDR[a]}" "$TL" >"$PEER_T/bad.out" 2>&1 <<'PY' &
import hashlib, hmac, os, socket, struct, sys, time
keyid, secret = open(sys.argv[1]).read().split()
key = bytes.fromhex(secret)
dest = (sys.argv[2], 3219)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
seq = time.time_ns()
def request(timeline, seq):
    body = struct.pack(">4sBBHIIIHH64s64sQQqqqqQQq", b"QOTP", 1, 1, 0, int(keyid), 1, 0, 0, 0,
                       timeline.encode(), b"intruder", seq, 0, time.time_ns(), 1, 0, 0, 0, 0, 0)
    return body + hmac.new(key, body, hashlib.sha256).digest()
good = request(sys.argv[3], seq)
s.sendto(good, dest)
s.sendto(good, dest)                                  # replay
s.sendto(request("nosuch", seq + 1), dest)            # wrong timeline
s.sendto(good[:100], dest)                            # truncated
s.sendto(good + b"x" * 100, dest)                     # oversized
s.sendto(good[:-1] + bytes([good[-1] ^ 1]), dest)     # forged MAC
s.sendto(b"\0" * 256, dest)                           # garbage
time.sleep(0.5)
end, n = time.monotonic() + 3, 0
while time.monotonic() < end:                         # the flood: forged and garbage
    s.sendto(os.urandom(256), dest)
    s.sendto(good[:-1] + bytes([n & 255]), dest)
    n += 2
print("flood", n)
PY
bad_pid=$!
max_age=0
for _ in $(seq 30); do
	sleep 0.1
	age=$(grep -o 'age=[0-9.]*' "${MNT[c]}/$TL/sync" | cut -d= -f2)
	ms=$(python3 -c "print(int(float('${age:-9}') * 1000))")
	[ "$ms" -gt "$max_age" ] && max_age=$ms
	sync_has c "$TL" "peer=follow upstream=a" || fail "c left a under the flood: $(cat "${MNT[c]}/$TL/sync")"
done
wait "$bad_pid" || fail "the sender failed: $(cat "$PEER_T/bad.out")"
note "$(cat "$PEER_T/bad.out") packets; c's last exchange with a was at most $max_age ms old at each look"
# The stated bound: an exchange's age as written (one interval at most)
# plus one interval; never the K intervals of a failover.
[ "$max_age" -le $((2 * INTERVAL_MS + 50)) ] || fail "exchanges delayed: age $max_age ms"
wait_for 15 grep -q "packets dropped" "$PEER_T/syncd-a.log" || fail "no drops logged: $(cat "$PEER_T/syncd-a.log")"
drops=$(grep "packets dropped" "$PEER_T/syncd-a.log" | head -n1)
for why in short long mac replay timeline magic; do
	grep -q " $why=" <<<"$drops" || fail "no $why drop counted: $drops"
done
note "a: $drops"

note "kill -9 of a's syncd: b takes over, c follows b"
judge 4 >"$PEER_T/judge-failover.out" 2>&1 &
judge_pid=$!
t0=$(date +%s%N)
kill -KILL "${SPID[a]}"
wait_for 20 sync_has c "$TL" "upstream=b" || fail "c did not fail over: $(cat "${MNT[c]}/$TL/sync")"
t1=$(date +%s%N)
wait_for 20 sync_has b "$TL" "peer=root" || fail "b did not take over: $(cat "${MNT[b]}/$TL/sync")"
ms=$(((t1 - t0) / 1000000))
note "c follows b $ms ms after the kill ($((ms / INTERVAL_MS)) intervals of $INTERVAL_MS ms; K = 2)"
[ "$ms" -le $((3 * INTERVAL_MS + 500)) ] || fail "failover took $ms ms"
wait "$judge_pid" || fail "not honest through the failover: $(cat "$PEER_T/judge-failover.out")"
note "through the failover: $(cat "$PEER_T/judge-failover.out")"

note "a's syncd comes back: it follows b rather than competing"
peer_syncd a "$common
source ref freerun reference yes
timeline $TL peer ref"
wait_for 20 sync_has a "$TL" "peer=follow upstream=b" || fail "a: $(cat "${MNT[a]}/$TL/sync")"
sync_has b "$TL" "peer=root" || fail "b: $(cat "${MNT[b]}/$TL/sync")"
out=$(judge 2) || fail "not honest after a's return: $out"
note "a follows b: $out"

note "b's link down (the leader partitioned): c switches to a"
judge 3 >"$PEER_T/judge-link.out" 2>&1 &
judge_pid=$!
t0=$(date +%s%N)
ip -n "${NS[b]}" link set "${IF[b]}" down
wait_for 20 sync_has c "$TL" "upstream=a" || fail "c did not switch: $(cat "${MNT[c]}/$TL/sync")"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
note "c follows a $ms ms after b's link went down"
[ "$ms" -le $((3 * INTERVAL_MS + 500)) ] || fail "failover took $ms ms"
wait "$judge_pid" || fail "not honest through the partition: $(cat "$PEER_T/judge-link.out")"
ip -n "${NS[b]}" link set "${IF[b]}" up

note "c partitioned, its lease lapsed: holdover, bounds growing, truth inside; then healed"
ip -n "${NS[c]}" link set "${IF[c]}" down
peer_lease c 0
wait_for 20 sync_has c "$TL" "status=holdover" || fail "c: $(cat "${MNT[c]}/$TL/sync")"
w1=$(field "${MNT[c]}/$TL/sync" below)
out=$(judge 2) || fail "not honest in holdover: $out"
w2=$(field "${MNT[c]}/$TL/sync" below)
python3 -c "import sys; sys.exit(0 if float('$w2') > float('$w1') else 1)" ||
	fail "c's bound did not grow in holdover: $w1 then $w2"
note "c in holdover, below $w1 then $w2 s: $out"
ip -n "${NS[c]}" link set "${IF[c]}" up
peer_lease c
wait_for 30 sync_has c "$TL" "status=synced.*peer=follow" || fail "c did not come back: $(cat "${MNT[c]}/$TL/sync")"
out=$(judge 2) || fail "not honest after the heal: $out"
note "healed: $(cat "${MNT[c]}/$TL/sync"): $out"
for n in b c; do kill -0 "${SPID[$n]}" || fail "syncd $n died"; done
echo "PASS"
