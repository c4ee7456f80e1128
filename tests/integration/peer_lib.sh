# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# peer_lib.sh - nodes for the peer synchronization tests with the real
# daemons: each node a network namespace joined by a veth pair to a bridge
# in a hub namespace (all made here, addresses 10.99.N.x), with its own
# qotfs mount (in the test's mount namespace, so the judge maps every
# node's clock page) and its own syncd (inside the node's namespace). The
# test writes each node's .coordination and members as the privileged
# writer coordd would be (no ZooKeeper here). All nodes share one kernel
# clock: the truth is CLOCK_REALTIME.
# Source it after lib.sh; needs SYNCD_BIN and PEER_JUDGE_BIN.
: "${SYNCD_BIN:?}" "${PEER_JUDGE_BIN:?}"
command -v ip >/dev/null || fail "ip (iproute2) is not installed"

PEER_T=$(mktemp -d /tmp/qot-peersd.XXXXXX)
on_exit "rm -rf $PEER_T"
PEER_ID=$(od -An -N3 -tx1 /dev/urandom | tr -d " \n")
PEER_HUB=qh$PEER_ID

declare -A NS IF ADDR MNT SPID

# peer_net NET NODE...: the hub, its bridge, and one namespace per node.
peer_net() {
	local net=$1 i=1
	shift
	ip netns add "$PEER_HUB"
	on_exit "ip netns del $PEER_HUB"
	ip -n "$PEER_HUB" link add br0 type bridge
	ip -n "$PEER_HUB" link set br0 up
	for n in "$@"; do
		NS[$n]=qn$n$PEER_ID IF[$n]=vn$n$PEER_ID ADDR[$n]=10.99.$net.$i
		ip netns add "${NS[$n]}"
		on_exit "ip netns del ${NS[$n]}"
		ip link add "${IF[$n]}" type veth peer name "hn$n$PEER_ID"
		ip link set "${IF[$n]}" netns "${NS[$n]}"
		ip link set "hn$n$PEER_ID" netns "$PEER_HUB"
		ip -n "$PEER_HUB" link set "hn$n$PEER_ID" master br0 up
		ip -n "${NS[$n]}" addr add "${ADDR[$n]}/24" dev "${IF[$n]}"
		ip -n "${NS[$n]}" link set lo up
		ip -n "${NS[$n]}" link set "${IF[$n]}" up
		i=$((i + 1))
	done
	printf '1 %s\n' "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" >"$PEER_T/keys"
	chmod 600 "$PEER_T/keys"
}

# peer_mount NODE TIMELINE: the node's qotfs, the timeline in it.
peer_mount() {
	MNT[$1]=$PEER_T/mnt-$1
	mkdir -p "${MNT[$1]}" "$PEER_T/run-$1"
	start_bg "$PEER_T/qotfs-$1.log" "$QOTFS_BIN" -f "${MNT[$1]}"
	on_exit "fusermount3 -u -z ${MNT[$1]} 2>/dev/null || umount -l ${MNT[$1]} 2>/dev/null || true"
	wait_for 10 mountpoint -q "${MNT[$1]}" || fail "qotfs $1 did not mount"
	mkdir "${MNT[$1]}/$2"
}

# peer_lease NODE [SECONDS]: the node's coordination lease (coordd's
# .coordination line), for SECONDS (default an hour; 0: lapsed).
peer_lease() {
	local until
	until=$(python3 -c "import time; print(time.clock_gettime_ns(time.CLOCK_BOOTTIME) + ${2:-3600} * 10**9)")
	[ "${2:-3600}" -gt 0 ] || until=1
	printf 'node=%s until=%s\n' "$1" "$until" >"${MNT[$1]}/.coordination"
}

# peer_members NODE TIMELINE LEADER ORDERED_NODE...: write the membership to
# the node's members file as coordd would: each member's peer address and
# rank, the election order as given.
peer_members() {
	local node=$1 tl=$2 leader=$3 rank=0 text
	shift 3
	text="leader=$leader"$'\n'
	for n in "$@"; do
		text+="node=$n peer=${ADDR[$n]}:3219 rank=$rank"$'\n'
		rank=$((rank + 1))
	done
	printf '%s' "$text" >"${MNT[$node]}/$tl/members"
}

# peer_syncd NODE CONFIG_TEXT: the node's syncd, in its namespace.
peer_syncd() {
	printf 'mount %s\nrundir %s\n%s\n' "${MNT[$1]}" "$PEER_T/run-$1" "$2" >"$PEER_T/syncd-$1.conf"
	start_bg "$PEER_T/syncd-$1.log" ip netns exec "${NS[$1]}" "$SYNCD_BIN" -f \
		-c "$PEER_T/syncd-$1.conf"
	# shellcheck disable=SC2034 # the tests that source this use it
	SPID[$1]=$BG_PID
}

# sync_has NODE TIMELINE PATTERN: the node's sync line matches.
sync_has() {
	grep -q -- "$3" "${MNT[$1]}/$2/sync" 2>/dev/null
}

# pages TIMELINE NODE...: the clock pages, for the judge.
pages() {
	local tl=$1
	shift
	for n in "$@"; do printf '%s\n' "${MNT[$n]}/$tl/clock"; done
}
