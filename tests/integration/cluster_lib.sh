# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# cluster_lib.sh - a cluster of qotfs nodes on one machine: network
# namespaces made here (one per node, and a hub holding the bridge and the
# ZooKeeper server), each node with its own qotfs mount, syncd and coordd.
# Shared by tests/integration/test_cluster.sh, scripts/cluster-demo.sh and
# bench/peer.sh. Source after lib.sh (fail, note, start_bg, on_exit,
# wait_for, field) and zk.sh; needs T (a scratch directory) and QOTFS_BIN,
# SYNCD_BIN, COORDD_BIN. Everything started here is stopped by lib.sh's
# trap: processes by pid, then the mounts (lazily), the namespaces and with
# them the bridge and the veth pairs.
#
# All namespaces share one kernel clock (CLOCK_REALTIME): the truth is the
# base clock, and every node's timeline can be judged against the others at
# one base instant through its mapped clock page.

# shellcheck disable=SC2034 # used by the scripts that source this one
declare -A CL_NS CL_IF CL_ADDR CL_QOTFS CL_SYNCD CL_COORDD
CL_NODES=()
CL_NET=${CL_NET:-10.99.3}  # the nodes' /24, inside our namespaces only
CL_HUB_ADDR=$CL_NET.254    # the hub's address on the bridge (ZooKeeper)
CL_ZK_PORT=2181            # inside the hub namespace: nothing else there
CL_PEER_PORT=3219          # each node's syncd peer endpoint
CL_SESSION_MS=${CL_SESSION_MS:-4000}
CL_TL=${CL_TL:-shared}     # the timeline the cluster serves

command -v ip >/dev/null || fail "ip (iproute2) is not installed"
[ "$(id -u)" -eq 0 ] || fail "network namespaces need root"

# cluster_net NODE...: the hub (bridge, address $CL_HUB_ADDR) and one
# namespace per NODE, joined to the bridge by a veth pair, addresses
# $CL_NET.1, .2, ... in the order given. Names are random per run.
cluster_net() {
	local id i=1 n
	id=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	CL_ID=$id
	CL_HUB=qch$id
	ip netns add "$CL_HUB" || fail "ip netns add"
	on_exit "ip netns del $CL_HUB"
	ip -n "$CL_HUB" link set lo up
	ip -n "$CL_HUB" link add br0 type bridge
	ip -n "$CL_HUB" addr add "$CL_HUB_ADDR/24" dev br0
	ip -n "$CL_HUB" link set br0 up
	for n in "$@"; do
		CL_NODES+=("$n")
		CL_NS[$n]=qc$n$id CL_IF[$n]=vc$n$id CL_ADDR[$n]=$CL_NET.$i
		ip netns add "${CL_NS[$n]}"
		on_exit "ip netns del ${CL_NS[$n]}"
		ip link add "${CL_IF[$n]}" type veth peer name "hc$n$id"
		ip link set "${CL_IF[$n]}" netns "${CL_NS[$n]}"
		ip link set "hc$n$id" netns "$CL_HUB"
		ip -n "$CL_HUB" link set "hc$n$id" master br0 up
		ip -n "${CL_NS[$n]}" addr add "${CL_ADDR[$n]}/24" dev "${CL_IF[$n]}"
		ip -n "${CL_NS[$n]}" link set lo up
		ip -n "${CL_NS[$n]}" link set "${CL_IF[$n]}" up
		i=$((i + 1))
	done
}

# cl_in NODE COMMAND...: run COMMAND in NODE's namespace.
cl_in() {
	local n=$1
	shift
	ip netns exec "${CL_NS[$n]}" "$@"
}

# cluster_zk: a standalone ZooKeeper in the hub, on $CL_HUB_ADDR:$CL_ZK_PORT;
# returns once it serves. Sets CL_ZK (the hosts string for coordd).
cluster_zk() {
	zk_config "$T/zk" 1 "$CL_ZK_PORT" "" "$CL_HUB_ADDR"
	zk_start "$T/zk" ip netns exec "$CL_HUB"
	CL_ZK=$CL_HUB_ADDR:$CL_ZK_PORT
	wait_for 60 cl_zk_serving || fail "ZooKeeper does not serve: $(tail -5 "$T/zk/server.log")"
}

cl_zk_serving() {
	case $(ip netns exec "$CL_HUB" bash -c \
		"exec 3<>/dev/tcp/$CL_HUB_ADDR/$CL_ZK_PORT && echo srvr >&3 && timeout 2 cat <&3" \
		2>/dev/null | sed -n 's/^Mode: //p') in
	standalone) return 0 ;;
	esac
	return 1
}

# cluster_keys: a fresh shared peer key in $T/peer.keys (mode 0600).
cluster_keys() {
	(
		umask 077
		printf '1 %s\n' "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" >"$T/peer.keys"
	)
}

# cluster_qotfs NODE: NODE's qotfs on $T/NODE (mounted from this namespace,
# so every namespace sees it), with the cluster's timeline made.
cluster_qotfs() {
	mkdir -p "$T/$1"
	start_bg "$T/$1.qotfs.log" "$QOTFS_BIN" -f "$T/$1"
	CL_QOTFS[$1]=$BG_PID
	on_exit "fusermount3 -u -z $T/$1 2>/dev/null || umount -l $T/$1 2>/dev/null"
	wait_mount "$BG_PID" "$T/$1" || fail "qotfs of $1 did not mount"
	mkdir -p "$T/$1/$CL_TL"
}

# cluster_syncd NODE: NODE's syncd in its namespace, configured by
# $T/NODE.syncd.conf (written by the caller, see cluster_syncd_conf).
cluster_syncd() {
	start_bg "$T/$1.syncd.log" ip netns exec "${CL_NS[$1]}" "$SYNCD_BIN" -f \
		-c "$T/$1.syncd.conf"
	CL_SYNCD[$1]=$BG_PID
}

# cluster_syncd_conf NODE INTERVAL SOURCE_LINE [TIMELINE_SOURCES]: a syncd
# configuration for NODE serving $CL_TL from its cluster: its peer endpoint
# on its own address, the shared key, SOURCE_LINE (e.g. a freerun source)
# and the timeline's own sources.
cluster_syncd_conf() {
	local n=$1 interval=$2 src=$3 tlsrc=${4:-}
	mkdir -p "$T/$n.run"
	cat >"$T/$n.syncd.conf" <<CONF
mount $T/$n
rundir $T/$n.run
interval $interval
peer port $CL_PEER_PORT address ${CL_ADDR[$n]} keyfile $T/peer.keys
$src
timeline $CL_TL peer $tlsrc
CONF
}

# cluster_coordd NODE [OPTIONS...]: NODE's coordd in its namespace,
# publishing its peer endpoint.
cluster_coordd() {
	local n=$1
	shift
	start_bg "$T/$n.coordd.log" ip netns exec "${CL_NS[$n]}" "$COORDD_BIN" -f -z "$CL_ZK" \
		-n "$n" -m "$T/$n" -t "$CL_SESSION_MS" \
		--peer-address="${CL_ADDR[$n]}:$CL_PEER_PORT" "$@"
	CL_COORDD[$n]=$BG_PID
}

# cluster_bind NODE: keep $CL_TL in use on NODE (a standing requirement), so
# its coordd joins the timeline's membership and election; cluster_unbind
# NODE: no longer.
cluster_bind() {
	echo "accuracy=10ms" >"$T/$1/$CL_TL/requirements" || fail "$1: cannot set a requirement"
}
cluster_unbind() {
	echo "accuracy=none resolution=none" >"$T/$1/$CL_TL/requirements" ||
		fail "$1: cannot drop the requirement"
}

# cl_sync NODE KEY: a word of NODE's sync line of $CL_TL.
cl_sync() {
	field "$T/$1/$CL_TL/sync" "$2"
}

# cl_cluster NODE KEY: a word of NODE's cluster line of $CL_TL.
cl_cluster() {
	field "$T/$1/$CL_TL/cluster" "$2"
}

# cl_rank NODE MEMBER: MEMBER's rank in NODE's members file ("" if none).
cl_rank() {
	grep "^node=$2 " "$T/$1/$CL_TL/members" 2>/dev/null | tr ' ' '\n' | sed -n 's/^rank=//p'
}

# cl_follows NODE UPSTREAM: NODE's syncd follows UPSTREAM.
cl_follows() {
	[ "$(cl_sync "$1" peer)" = follow ] && [ "$(cl_sync "$1" upstream)" = "$2" ]
}

# cl_root NODE: NODE's syncd serves as the timeline's root.
cl_root() {
	[ "$(cl_sync "$1" peer)" = root ]
}

# cl_order NODE: the election order NODE's cluster file shows.
cl_order() {
	cl_cluster "$1" order
}

# cl_leader_of NODE: the leader NODE's cluster file names.
cl_leader_of() {
	cl_cluster "$1" leader
}

# cluster_pages: the clock pages of every node's timeline, for a judge.
cluster_pages() {
	local n
	for n in "${CL_NODES[@]}"; do echo "$T/$n/$CL_TL/clock"; done
}

# cluster_kill NODE: kill -9 NODE's coordd and syncd (its qotfs stays).
cluster_kill() {
	kill -KILL "${CL_SYNCD[$1]}" "${CL_COORDD[$1]}" 2>/dev/null || true
	wait "${CL_SYNCD[$1]}" "${CL_COORDD[$1]}" 2>/dev/null || true
}

# cluster_stop NODE: stop NODE's coordd and syncd cleanly (coordd leaves
# the cluster first).
cluster_stop() {
	[ -z "${CL_COORDD[$1]:-}" ] || stop_pid "${CL_COORDD[$1]}"
	[ -z "${CL_SYNCD[$1]:-}" ] || stop_pid "${CL_SYNCD[$1]}"
	CL_COORDD[$1]="" CL_SYNCD[$1]=""
}

# cl_udp NODE: UDP datagrams received and sent in NODE's namespace so far
# (the peer protocol's; ZooKeeper's traffic is TCP).
cl_udp() {
	# shellcheck disable=SC2016 # awk's fields
	cl_in "$1" awk '/^Udp: [0-9]/ { print $2 + $5; exit }' /proc/net/snmp
}
