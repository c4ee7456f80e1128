#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# cluster-demo.sh - three nodes sharing one timeline, on this machine, as
# root on Debian 12: a ZooKeeper server and three network namespaces made
# here (a bridge between them), each node with its own qotfs mount, syncd
# and coordd. Their clocks disagree by known amounts (free-running sources:
# a is true time, b 3 ms ahead and 20 ppm fast, c 4 ms behind and 30 ppm
# slow); the demo shows them converge on the elected leader's time, prints
# their agreement and bounds side by side, kills the leader and shows the
# failover. Everything it starts is stopped at exit (processes by pid, the
# mounts lazily, the namespaces with their bridge and links). The host's
# clock is never touched: every node's clock is its own timeline.
#
# Usage: scripts/cluster-demo.sh
# Environment: QOT_BUILD (build directory, default <repo>/build).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${QOT_BUILD:-$repo/build}

if [[ $(id -u) -ne 0 ]]; then
	echo "cluster-demo.sh: run as root (network namespaces, privileged qotfs files)" >&2
	exit 1
fi
# A mount namespace of our own: whatever happens, no mount or namespace
# file outlives the demo.
if [[ -z ${QOT_DEMO_IN_NS:-} ]] && command -v unshare >/dev/null; then
	export QOT_DEMO_IN_NS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi
cmake -S "$repo" -B "$build" >/dev/null
cmake --build "$build" -j2 --target qotfs syncd coordd qotctl peer_judge >/dev/null

export QOTFS_BIN=$build/qotfs/qotfs SYNCD_BIN=$build/syncd/syncd COORDD_BIN=$build/coordd/coordd
export PEER_JUDGE_BIN=$build/tests/peer_judge
QOTCTL=$build/tools/qotctl/qotctl
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
. "$repo/tests/integration/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../tests/integration/zk.sh
. "$repo/tests/integration/zk.sh"
T=$(mktemp -d /tmp/qot-demo.XXXXXX)
on_exit "rm -rf $T"
CL_TL=demo
# shellcheck source-path=SCRIPTDIR source=../tests/integration/cluster_lib.sh
. "$repo/tests/integration/cluster_lib.sh"

INTERVAL=100ms
say() { printf '\n== %s\n' "$*"; }

# table: every node's view of the timeline, side by side: its peer role
# and upstream (from its sync file), then what qotctl says of it (OFFSET is
# the timeline against the shared base clock).
table() {
	local n first=1
	for n in "${CL_NODES[@]}"; do
		local role up
		role=$(cl_sync "$n" peer)
		up=$(cl_sync "$n" upstream)
		if [ "$first" = 1 ]; then
			echo "NODE ROLE UPSTREAM $("$QOTCTL" -m "${MNT[$n]}" status | head -n1)"
			first=0
		fi
		echo "$n ${role:--} ${up:--} $("$QOTCTL" -m "${MNT[$n]}" status | grep "^$CL_TL ")"
	done | awk '{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) }
		if (NF > nf) nf = NF; rows = NR }
		END { for (r = 1; r <= rows; r++) { line = "   "
			for (i = 1; i <= nf; i++) line = line sprintf("%-" w[i] "s  ", c[r, i])
			sub(/ +$/, "", line); print line } }'
}

# agreement SECONDS judge|agree: every pair of pages at one instant, every
# 2 ms for SECONDS (peer_judge): judge also against the truth (a's reference
# is the host clock), agree only between the nodes (Berkeley: no truth).
agreement() {
	local out
	out=$("$PEER_JUDGE_BIN" "$2" "$1" "${PAGES[@]}" 2>/dev/null) || true
	python3 - "$out" "$2" <<'PY'
import sys
kv = dict(w.split("=", 1) for w in sys.argv[1].split() if "=" in w)
us = lambda k: "%.1f us" % (int(kv[k]) / 1000) if k in kv else "-"
print("   largest |estimate_A - estimate_B| at one instant: %s; widest bound: %s;" % (us("spread_ns"), us("widest_ns")))
if sys.argv[2] == "judge":
    print("   largest error of a synced node against the truth: %s; %s intervals missing it" % (us("worst_ns"), kv["missed"]))
print("   %s samples: %s pairs of intervals apart, %s steps back" % (
    kv.get("samples"), kv.get("apart"), kv.get("backward")))
PY
}

say "network: a hub namespace with a bridge and ZooKeeper, nodes a, b, c on 10.99.$CL_NETNUM.0/24"
cluster_net a b c
cluster_zk
declare -A SRC=(
	[a]="source own freerun reference yes"
	[b]="source own freerun offset 3ms freq 20"
	[c]="source own freerun offset -4ms freq -30"
)
for n in a b c; do
	cluster_qotfs "$n"
	cluster_syncd "$n" "interval $INTERVAL
maxslew 10000
${SRC[$n]}
timeline $CL_TL peer own"
	echo "   $n: ${ADDR[$n]}, qotfs on ${MNT[$n]}, ${SRC[$n]}"
done
mapfile -t PAGES < <(pages "$CL_TL" a b c)
synced_all() { [ "$(cl_sync a status)" = synced ] && [ "$(cl_sync b status)" = synced ] &&
	[ "$(cl_sync c status)" = synced ]; }
wait_for 10 synced_all || true
say "before coordination: each node on its own clock"
table

say "coordd on every node (a first, then b, then c: the election's order)"
for n in a b c; do
	cluster_coordd "$n"
	cluster_bind "$n"
	wait_for 20 cl_ranked a "$n" || fail "$n never joined: $(cat "$T/$n.coordd.log")"
done
echo "   a's members file:"
sed 's/^/     /' "$(cl_file a members)"
echo "   a's cluster file: $(cat "$(cl_file a cluster)")"

say "convergence on the leader's time"
start=$SECONDS
wait_for 30 cl_follows c a || fail "c does not follow a: $(cat "$(cl_file c sync)")"
wait_for 30 cl_follows b a || fail "b does not follow a: $(cat "$(cl_file b sync)")"
echo "   b and c follow a after $((SECONDS - start)) s"
table
on_peer() { [ "$(cl_sync b source)" = peer ] && [ "$(cl_sync c source)" = peer ]; }
wait_for 30 on_peer || fail "b and c never took the peers' reading"
sleep 2 # a few exchanges: the filter keeps the best of them
echo "   b and c on a's timeline after $((SECONDS - start)) s:"
table
say "agreement over 3 s (every 2 ms, through the mapped pages)"
agreement 3 judge
table

say "kill -9 of the leader's syncd and coordd (a)"
t0=$(date +%s%N)
cluster_kill a
switched() { cl_root b && cl_follows c b; }
wait_for 20 switched || fail "no failover: $(cat "$(cl_file c sync)")"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "   b serves and c follows it $ms ms after the kill (interval $INTERVAL; ZooKeeper's" \
	"session timeout is $CL_SESSION_MS ms and has not expired: a is still rank $(cl_rank c a))"
table
confirmed() { [ "$(cl_leader_of c)" = b ]; }
wait_for 20 confirmed || fail "ZooKeeper never confirmed"
echo "   $((($(date +%s%N) - t0) / 1000000)) ms: ZooKeeper confirms: $(cat "$(cl_file c cluster)")"
say "agreement of b and c after the failover: b has no reference, so it averages"
echo "   b's and c's clocks (Berkeley): bounds relative to that average, not to true time;"
echo "   a's page is stale (unbounded)"
agreement 3 agree
table
say "done: stopping everything"
