# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# zk.sh - real ZooKeeper servers for integration tests, on loopback ports of
# their own, with short ticks (tickTime 200 ms: sessions of 0.4 to 4 s).
# Source after lib.sh; servers are stopped at exit like every start_bg.

ZK_CP=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar
[ -r /usr/share/java/zookeeper.jar ] || fail "ZooKeeper is not installed (scripts/deps.sh installs it)"

# zk_config DIR ID CLIENT_PORT [PEER_LINES [ADDRESS]]: write DIR/zoo.cfg (and
# myid); the server listens for clients on ADDRESS (default 127.0.0.1).
zk_config() {
	local dir=$1 id=$2 port=$3 peers=${4:-} addr=${5:-127.0.0.1}
	mkdir -p "$dir/data"
	cat >"$dir/zoo.cfg" <<CFG
tickTime=200
initLimit=10
syncLimit=5
dataDir=$dir/data
clientPort=$port
clientPortAddress=$addr
admin.enableServer=false
4lw.commands.whitelist=*
$peers
CFG
	echo "$id" >"$dir/data/myid"
}

# zk_start DIR [WRAPPER...]: run the server configured in DIR (through
# WRAPPER, e.g. ip netns exec NS); sets ZK_PID.
zk_start() {
	local dir=$1
	shift
	start_bg "$dir/server.log" "$@" java -Xmx256m -cp "$ZK_CP" \
		-Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
		org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg"
	# shellcheck disable=SC2034 # for the caller
	ZK_PID=$BG_PID
}

# zk_ask PORT WORD: a four-letter command's reply (empty if none).
zk_ask() {
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && echo $2 >&3 && cat <&3" 2>/dev/null || true
}

# zk_mode PORT: the server's mode (standalone, leader, follower), or nothing.
zk_mode() {
	sed -n 's/^Mode: //p' <<<"$(zk_ask "$1" srvr)"
}

# zk_session_gone PORT ID: the server knows no session ID (0x...) any more.
zk_session_gone() {
	local dump
	dump=$(zk_ask "$1" dump)
	[[ $dump == *"SessionTracker dump"* && $dump != *"$2"* ]]
}

# zk_serving PORT: the server answers and serves clients.
zk_serving() {
	case $(zk_mode "$1") in standalone | leader | follower) return 0 ;; esac
	return 1
}
