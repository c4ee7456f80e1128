# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# cluster_lib.sh - the whole stack of several nodes on one machine: the
# nodes of peer_lib.sh (a network namespace each on a bridge in a hub
# namespace, its own qotfs mount and syncd), plus a ZooKeeper server in the
# hub and a coordd per node that publishes the membership, the peer
# endpoints and the election order, as on real machines. Shared by
# tests/integration/test_cluster.sh, scripts/cluster-demo.sh and
# bench/peer.sh. Source after lib.sh and zk.sh; needs T (a scratch
# directory), QOTFS_BIN, SYNCD_BIN, COORDD_BIN and PEER_JUDGE_BIN (the
# judge). Everything started here is stopped by lib.sh's trap: processes by
# pid, then the mounts (lazily), the namespaces and with them the bridge
# and the veth pairs.
#
# All namespaces share one kernel clock (CLOCK_REALTIME): the truth is the
# base clock, and every node's timeline can be judged against the others at
# one base instant through its mapped clock page.

[ "$(id -u)" -eq 0 ] || fail "network namespaces need root"
: "${COORDD_BIN:?}"
# shellcheck source-path=SCRIPTDIR source=peer_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/peer_lib.sh"

# shellcheck disable=SC2034 # used by the scripts that source this one
declare -A CL_COORDD
# CL_PEER_AT[NODE]: the peer endpoint NODE's coordd publishes, if not its
# syncd's own (e.g. a relay in front of it: test_peer_impair.sh).
declare -A CL_PEER_AT
CL_NODES=()
CL_NETNUM=${CL_NETNUM:-3} # the nodes are 10.99.$CL_NETNUM.x, inside our namespaces
CL_ZK_PORT=2181           # inside the hub namespace: nothing else there
CL_PEER_PORT=3219         # each node's syncd peer endpoint (syncd's default)
CL_SESSION_MS=${CL_SESSION_MS:-4000}
CL_TL=${CL_TL:-shared}    # the timeline the cluster serves

# cluster_net NODE...: the hub and one namespace per NODE (peer_net), and
# an address for the hub on the bridge, where ZooKeeper listens.
cluster_net() {
	peer_net "$CL_NETNUM" "$@"
	CL_NODES+=("$@")
	CL_HUB_ADDR=10.99.$CL_NETNUM.254
	ip -n "$PEER_HUB" link set lo up
	ip -n "$PEER_HUB" addr add "$CL_HUB_ADDR/24" dev br0
}

# cl_in NODE COMMAND...: run COMMAND in NODE's namespace.
cl_in() {
	local n=$1
	shift
	ip netns exec "${NS[$n]}" "$@"
}

# cluster_zk: a standalone ZooKeeper in the hub, on $CL_HUB_ADDR:$CL_ZK_PORT;
# returns once it serves. Sets CL_ZK (the hosts string for coordd).
cluster_zk() {
	zk_config "$T/zk" 1 "$CL_ZK_PORT" "" "$CL_HUB_ADDR"
	zk_start "$T/zk" ip netns exec "$PEER_HUB"
	CL_ZK=$CL_HUB_ADDR:$CL_ZK_PORT
	wait_for 60 cl_zk_serving || fail "ZooKeeper does not serve: $(tail -5 "$T/zk/server.log")"
}

cl_zk_serving() {
	[ "$(ip netns exec "$PEER_HUB" bash -c \
		"exec 3<>/dev/tcp/$CL_HUB_ADDR/$CL_ZK_PORT && echo srvr >&3 && timeout 2 cat <&3" \
		2>/dev/null | sed -n 's/^Mode: //p')" = standalone ]
}

# cluster_qotfs NODE: NODE's qotfs, with the cluster's timeline made.
cluster_qotfs() {
	peer_mount "$1" "$CL_TL"
}

# cluster_syncd NODE CONFIG_TEXT: NODE's syncd in its namespace, with the
# peer endpoint's key file and CONFIG_TEXT (sources, timeline lines).
cluster_syncd() {
	peer_syncd "$1" "peer keyfile $PEER_T/keys
$2"
}

# cluster_coordd NODE [OPTIONS...]: NODE's coordd in its namespace,
# publishing its peer endpoint (${CL_PEER_AT[NODE]} if set).
cluster_coordd() {
	local n=$1
	shift
	start_bg "$T/$n.coordd.log" ip netns exec "${NS[$n]}" "$COORDD_BIN" -f -z "$CL_ZK" \
		-n "$n" -m "${MNT[$n]}" -t "$CL_SESSION_MS" \
		--peer-address="${CL_PEER_AT[$n]:-${ADDR[$n]}:$CL_PEER_PORT}" "$@"
	CL_COORDD[$n]=$BG_PID
}

# cluster_syncds COMMON: on every node of CL_NODES, its qotfs and its
# syncd with the configuration COMMON, the node's source lines CL_SRC[NODE]
# (one of them named ref) and `timeline $CL_TL peer ref`.
declare -A CL_SRC=()
cluster_syncds() {
	local n
	for n in "${CL_NODES[@]}"; do
		cluster_qotfs "$n"
		cluster_syncd "$n" "$1
${CL_SRC[$n]}
timeline $CL_TL peer ref"
	done
}

# cluster_coordds: every node's coordd with the timeline bound, one after
# the other (each ranked on the first before the next starts), so the
# election order is CL_NODES's.
cluster_coordds() {
	local n first=${CL_NODES[0]}
	for n in "${CL_NODES[@]}"; do
		cluster_coordd "$n"
		cluster_bind "$n"
		wait_for 20 cl_ranked "$first" "$n" ||
			fail "$n is not ranked on $first: $(cat "$(cl_file "$first" members)")"
	done
}

# cluster_bind NODE: keep $CL_TL in use on NODE (a standing requirement), so
# its coordd joins the timeline's membership and election; cluster_unbind
# NODE: no longer.
cluster_bind() {
	echo "accuracy=10ms" >"${MNT[$1]}/$CL_TL/requirements" || fail "$1: cannot set a requirement"
}
cluster_unbind() {
	echo "accuracy=none resolution=none" >"${MNT[$1]}/$CL_TL/requirements" ||
		fail "$1: cannot drop the requirement"
}

# cl_file NODE FILE: a file of NODE's $CL_TL.
cl_file() {
	echo "${MNT[$1]}/$CL_TL/$2"
}

# cl_sync NODE KEY: a word of NODE's sync line of $CL_TL.
cl_sync() {
	field "$(cl_file "$1" sync)" "$2"
}

# cl_cluster NODE KEY: a word of NODE's cluster line of $CL_TL.
cl_cluster() {
	field "$(cl_file "$1" cluster)" "$2"
}

# cl_rank NODE MEMBER: MEMBER's rank in NODE's members file ("" if none).
cl_rank() {
	grep "^node=$2 " "$(cl_file "$1" members)" 2>/dev/null | tr ' ' '\n' | sed -n 's/^rank=//p'
}

# cl_ranked NODE MEMBER: NODE's members file ranks MEMBER.
cl_ranked() {
	[ -n "$(cl_rank "$1" "$2")" ]
}

# cl_follows NODE UPSTREAM: NODE's syncd follows UPSTREAM.
cl_follows() {
	[ "$(cl_sync "$1" peer)" = follow ] && [ "$(cl_sync "$1" upstream)" = "$2" ]
}

# cl_root NODE: NODE's syncd serves as the timeline's root.
cl_root() {
	[ "$(cl_sync "$1" peer)" = root ]
}

# cl_order NODE: the backups NODE's cluster file shows (the election order
# after the leader).
cl_order() {
	cl_cluster "$1" order
}

# cl_leader_of NODE: the leader NODE's cluster file names.
cl_leader_of() {
	cl_cluster "$1" leader
}

# cluster_kill NODE: kill -9 NODE's coordd and syncd (its qotfs stays).
cluster_kill() {
	local p
	for p in "${SPID[$1]:-}" "${CL_COORDD[$1]:-}"; do
		[ -z "$p" ] || kill -KILL "$p" 2>/dev/null || true
	done
	for p in "${SPID[$1]:-}" "${CL_COORDD[$1]:-}"; do
		[ -z "$p" ] || wait "$p" 2>/dev/null || true
	done
}

# cluster_stop NODE: stop NODE's coordd and syncd cleanly (coordd leaves
# the cluster first).
cluster_stop() {
	[ -z "${CL_COORDD[$1]:-}" ] || stop_pid "${CL_COORDD[$1]}"
	[ -z "${SPID[$1]:-}" ] || stop_pid "${SPID[$1]}"
	CL_COORDD[$1]="" SPID[$1]=""
}

# cl_udp NODE: UDP datagrams received and sent in NODE's namespace so far
# (the peer protocol's; ZooKeeper's traffic is TCP).
cl_udp() {
	# shellcheck disable=SC2016 # awk's fields
	cl_in "$1" awk '/^Udp: [0-9]/ { print $2 + $5; exit }' /proc/net/snmp
}
