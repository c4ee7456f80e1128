#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# coord.sh - coordd benchmarks on one machine, against a real standalone
# ZooKeeper on loopback (tickTime 200 ms) with two qotfs "nodes":
#   1. propagation: a binding's requirement changed on node A, seen in node
#      B's members file (bench/coord-latency.c), next to ZooKeeper's own
#      floor measured in the same run (one client's set seen by another's
#      watch);
#   2. failover after kill -9 of the leading node's coordd: when its own
#      claim lapses, when the other node leads, and the gap between them
#      (never negative: the lease ends before the session can).
# Everything started here is stopped by pid and unmounted on exit. A report.
#
# Usage: bench/coord.sh
# Environment: QOT_BUILD (build directory, default <repo>/build),
#              QOT_COORD_ITERATIONS (propagation samples, default 400),
#              QOT_COORD_SESSION_MS (coordd's session timeout, default 2000),
#              QOT_COORD_FAILOVERS (kill -9 rounds, default 3).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${QOT_BUILD:-$repo/build}
iterations=${QOT_COORD_ITERATIONS:-400}
session_ms=${QOT_COORD_SESSION_MS:-2000}
failovers=${QOT_COORD_FAILOVERS:-3}

if [[ $(id -u) -ne 0 ]]; then
	echo "coord.sh: run as root (coordd writes privileged qotfs files)" >&2
	exit 1
fi
if [[ -z ${QOT_COORD_IN_NS:-} ]] && command -v unshare >/dev/null; then
	export QOT_COORD_IN_NS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi
cmake -S "$repo" -B "$build" >/dev/null
make -C "$build" -j2 --no-print-directory qotfs coordd coord-latency >/dev/null

# shellcheck source-path=SCRIPTDIR source=../scripts/proc.sh
. "$repo/scripts/proc.sh" # stop_pid, wait_mount

T=$(mktemp -d /tmp/qot-coord-bench.XXXXXX)
pids=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local rc=$?
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[i]}" 20; done
	for n in A B; do fusermount3 -u -z "$T/$n" 2>/dev/null || true; done
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT

ns() { date +%s%N; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$T/zk/data"
cat >"$T/zk/zoo.cfg" <<CFG
tickTime=200
dataDir=$T/zk/data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=*
CFG
java -Xmx256m -cp /usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar \
	-Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
	org.apache.zookeeper.server.quorum.QuorumPeerMain "$T/zk/zoo.cfg" >"$T/zk.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
	timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && echo srvr >&3 && cat <&3" 2>/dev/null |
		grep -q "^Mode:" && break
	sleep 0.05
done

start_coordd() { # NODE_DIR NAME
	"$build/coordd/coordd" -f -z "127.0.0.1:$port" -n "$2" -m "$T/$1" -t "$session_ms" \
		>>"$T/$1.coordd.log" 2>&1 &
	pids+=($!)
	coordd_pid=$!
}
declare -A cpid
for n in A B; do
	mkdir -p "$T/$n"
	"$build/qotfs/qotfs" -f "$T/$n" >"$T/$n.qotfs.log" 2>&1 &
	pids+=($!)
	wait_mount "$!" "$T/$n"
	mkdir "$T/$n/tl"
done
start_coordd A alpha
cpid[A]=$coordd_pid
start_coordd B beta
cpid[B]=$coordd_pid
for n in A B; do
	for _ in $(seq 300); do grep -q "state=current" "$T/$n/.coordination" && break; sleep 0.02; done
done

printf '\n== propagation: a requirement change on A, seen in B/tl/members (%d samples) ==\n' "$iterations"
"$build/bench/coord-latency" -z "127.0.0.1:$port" -a "$T/A" -b "$T/B" -t tl -n alpha -i "$iterations"

printf '\n== failover: kill -9 of the leading coordd (session %d ms, lease 75%%) ==\n' "$session_ms"
claims() { grep -q "leading=yes" "$T/$1/tl/cluster"; }
exec 4>"$T/B/tl/bind"
echo "name=other accuracy=1ms" >&4
exec 3>"$T/A/tl/bind"
echo "name=bench accuracy=1ms" >&3
leader=A
other=B
declare -A names=([A]=alpha [B]=beta)
for ((r = 1; r <= failovers; r++)); do
	# Whoever leads now (both use the timeline, and both know it).
	for _ in $(seq 500); do
		if claims A && ! claims B && grep -q "node=beta " "$T/A/tl/members"; then leader=A other=B && break; fi
		if claims B && ! claims A && grep -q "node=alpha " "$T/B/tl/members"; then leader=B other=A && break; fi
		sleep 0.01
	done
	claims $leader || { echo "coord.sh: nobody leads" >&2; exit 1; }
	t0=$(ns)
	kill -KILL "${cpid[$leader]}"
	wait "${cpid[$leader]}" 2>/dev/null || true # reaped quietly
	dropped=
	took=
	while [[ -z $took ]]; do
		now=$(ns)
		[[ -z $dropped ]] && ! claims $leader && dropped=$now
		claims $other && took=$now
		((now - t0 < 20000000000)) || { echo "coord.sh: no failover" >&2; exit 1; }
		sleep 0.002
	done
	[[ -n $dropped ]] || dropped=$took
	printf 'round %d: %s stopped claiming after %6.0f ms; %s leads after %6.0f ms; gap %6.0f ms\n' \
		"$r" "${names[$leader]}" "$(((dropped - t0) / 1000000))" "${names[$other]}" \
		"$(((took - t0) / 1000000))" "$(((took - dropped) / 1000000))"
	start_coordd $leader "${names[$leader]}"
	cpid[$leader]=$coordd_pid
done
exec 3>&- 4>&-
