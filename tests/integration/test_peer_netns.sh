#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: peer synchronization across network namespaces. Three nodes,
# each in a namespace of its own joined by a veth pair to a bridge in a hub
# namespace (all made here, addresses 10.99.1.x inside them), each running
# peer_node: the peer endpoint and timeline with syncd's discipline, its
# timeline's clock page a file (syncd's loop does not subscribe the peer
# modules yet; this is what it will run). a leads with a reference, b has
# one too (used once it leads), c has none. All share one kernel clock, so
# the truth is the base clock: peer_node judge samples every page at one
# instant and counts intervals that miss it and pairs that do not overlap.
#   1. from disagreements of +3 ms and -4 ms, all converge, honestly;
#   2. kill -9 of the leader: b and c fail over within 3 intervals (K = 2),
#      honestly throughout;
#   3. a partition of c (its link down, and its lease stale, as coordd would
#      report): holdover, truth still inside; healed, it follows again;
#   4. a comes back (same place in the order) and follows b.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
: "${PEER_NODE_BIN:?}"
command -v ip >/dev/null || fail "ip (iproute2) is not installed"

T=$(mktemp -d /tmp/qot-peerns.XXXXXX)
on_exit "rm -rf $T"
INTERVAL_MS=100
id=$(od -An -N3 -tx1 /dev/urandom | tr -d " \n")
HUB=qph$id
ip netns add "$HUB"
on_exit "ip netns del $HUB"
ip -n "$HUB" link add br0 type bridge
ip -n "$HUB" link set br0 up
declare -A NS IF ADDR
i=1
for n in a b c; do
	NS[$n]=qp$n$id IF[$n]=vp$n$id ADDR[$n]=10.99.1.$i
	ip netns add "${NS[$n]}"
	on_exit "ip netns del ${NS[$n]}"
	ip link add "${IF[$n]}" type veth peer name "hp$n$id"
	ip link set "${IF[$n]}" netns "${NS[$n]}"
	ip link set "hp$n$id" netns "$HUB"
	ip -n "$HUB" link set "hp$n$id" master br0 up
	ip -n "${NS[$n]}" addr add "${ADDR[$n]}/24" dev "${IF[$n]}"
	ip -n "${NS[$n]}" link set lo up
	ip -n "${NS[$n]}" link set "${IF[$n]}" up
	i=$((i + 1))
done
printf '1 %s\n' "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" >"$T/keys"
chmod 600 "$T/keys"
ORDER="a@${ADDR[a]}:3219,b@${ADDR[b]}:3219,c@${ADDR[c]}:3219"
declare -A PID OFFSET=([a]=0 [b]=3000000 [c]=-4000000) REF=([a]=1 [b]=1 [c]=0)

start_node() {
	start_bg "$T/$1.log" ip netns exec "${NS[$1]}" "$PEER_NODE_BIN" run "$1" "$T" \
		"${ADDR[$1]}" 3219 "$T/keys" "$ORDER" "${OFFSET[$1]}" "${REF[$1]}" "$INTERVAL_MS"
	PID[$1]=$BG_PID
}

# state_is NODE PATTERN: the node's last state line matches.
state_is() {
	[ -f "$T/$1.state" ] && head -n1 "$T/$1.state" | grep -q -- "$2"
}

judge() { # judge SECONDS: every page, honest and overlapping
	"$PEER_NODE_BIN" judge "$1" "$T/a.page" "$T/b.page" "$T/c.page"
}

note "three nodes, c 4 ms behind, b 3 ms ahead; a leads with a reference"
for n in a b c; do start_node "$n"; done
wait_for 20 state_is a "peer=root" || fail "a is not root: $(cat "$T/a.state" "$T/a.log")"
wait_for 20 state_is b "peer=follow upstream=a" || fail "b: $(cat "$T/b.state")"
wait_for 20 state_is c "peer=follow upstream=a" || fail "c: $(cat "$T/c.state")"
judge 3 || fail "not honest while converging"
out=$(judge 3) || fail "not honest once converged: $out"
note "converged: $out"

note "kill -9 of the leader"
judge 4 >"$T/judge-failover.out" 2>&1 &
judge_pid=$!
t0=$(date +%s%N)
kill -KILL "${PID[a]}"
wait_for 20 state_is c "upstream=b" || fail "c did not fail over: $(cat "$T/c.state")"
wait_for 20 state_is b "peer=root" || fail "b did not take over: $(cat "$T/b.state")"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
note "b leads and c follows it $ms ms after the kill ($((ms / INTERVAL_MS)) intervals of" \
	"$INTERVAL_MS ms; K = 2)"
[ "$ms" -le $((3 * INTERVAL_MS + 500)) ] || fail "failover took $ms ms"
wait "$judge_pid" || fail "not honest through the failover: $(cat "$T/judge-failover.out")"
note "through the failover: $(cat "$T/judge-failover.out")"

note "partition of c (its coordinator's lease lapses too)"
ip -n "${NS[c]}" link set "${IF[c]}" down
touch "$T/c.stale"
wait_for 20 state_is c "peer=alone\|peer=joining" || fail "c: $(cat "$T/c.state")"
out=$(judge 2) || fail "not honest in holdover: $out"
note "c in holdover: $out"
ip -n "${NS[c]}" link set "${IF[c]}" up
rm "$T/c.stale"
wait_for 30 state_is c "upstream=b" || fail "c did not come back: $(cat "$T/c.state")"
out=$(judge 2) || fail "not honest after the heal: $out"
note "healed: $out"

note "a comes back: it follows"
start_node a
wait_for 20 state_is a "peer=follow upstream=b" || fail "a: $(cat "$T/a.state")"
state_is b "peer=root" || fail "b: $(cat "$T/b.state")"
out=$(judge 2) || fail "not honest after a's return: $out"
note "a follows b: $out"
echo "PASS"
