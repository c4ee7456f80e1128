#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the cluster-wide requirement drives another node's effort
# controller (syncd(8), CONTROL; qot(7), cluster). The whole stack
# (cluster_lib.sh): a ZooKeeper server in a hub namespace, three nodes a,
# b, c with a qotfs, a syncd and a coordd each, one peer timeline; a leads
# with a reference, b and c follow it. Every node keeps the timeline in use
# with a standing loose requirement (10ms) and runs
# `control $CL_TL on min 50ms max 2s`.
#   1. nothing tight anywhere: c's exchange interval is the slow end (2 s);
#   2. a binding with a tight requirement (REQ_TIGHT, default 100us) on b
#      only: b's coordd publishes it, c's coordd carries it into c's
#      members and cluster, and c's controller - which has no binding -
#      exchanges faster and says met=yes within a bounded time, while c's
#      own requirements still say 10ms;
#   3. b's binding closed: the cluster's requirement is 10ms again and c
#      relaxes to the slow end.
# Every wait polls c's files for the event, with a timeout.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=zk.sh
. "$(dirname "$0")/zk.sh"
: "${SYNCD_BIN:?}" "${COORDD_BIN:?}" "${PEER_JUDGE_BIN:?}"
T=$(mktemp -d /tmp/qot-ctlcluster.XXXXXX)
[ -n "${KEEP_T:-}" ] || on_exit "rm -rf $T"
# shellcheck source-path=SCRIPTDIR source=cluster_lib.sh
. "$(dirname "$0")/cluster_lib.sh"

TIGHT=${REQ_TIGHT:-100us}

cluster_net a b c
cluster_zk
CL_SRC=(
	[a]="source ref freerun reference yes"
	[b]="source ref freerun"
	[c]="source ref freerun"
)
cluster_syncds "interval 500ms
maxslew 10000
holdover 60s
peer missed 2
control $CL_TL on min 50ms max 2s"
cluster_coordds # one after the other: the election order is a, b, c
wait_for 20 cl_root a || fail "a is not root: $(cat "$(cl_file a sync)" "$PEER_T/syncd-a.log")"
for n in b c; do
	wait_for 20 cl_follows $n a || fail "$n: $(cat "$(cl_file $n sync)" "$PEER_T/syncd-$n.log")"
done

# interval_of NODE: the exchange interval NODE's controller chose (seconds).
interval_of() {
	grep -o 'effort=controlled interval=[0-9.]*' "$(cl_file "$1" sync)" | cut -d= -f3
}
slow_end() { [ "$(interval_of "$1")" = 2.000000000 ]; }
faster() { # below the slow end
	local s
	s=$(interval_of "$1")
	[ -n "$s" ] && python3 -c "import sys; sys.exit(0 if $s < 1.0 else 1)"
}
cluster_accuracy_is() { [ "$(cl_cluster "$1" accuracy)" = "$2" ]; }
show() { grep -o 'met=.*' "$(cl_file "$1" sync)"; }

note "1. the standing 10ms everywhere: c exchanges at the slow end"
wait_for 20 cluster_accuracy_is c 10ms || fail "c: $(cat "$(cl_file c cluster)")"
wait_for 20 slow_end c || fail "c: $(cat "$(cl_file c sync)")"
wait_for 20 sync_has c "$CL_TL" "met=yes.* control=met" || fail "c: $(cat "$(cl_file c sync)")"
note "  c: $(show c)"

note "2. a $TIGHT binding on b only: carried by coordd to c, whose controller exchanges faster"
exec 3>"$(cl_file b bind)"
echo "name=tight accuracy=$TIGHT" >&3
t0=$(date +%s%N)
wait_for 20 cluster_accuracy_is c "$TIGHT" ||
	fail "c's cluster never carried b's $TIGHT: $(cat "$(cl_file c cluster)" "$(cl_file c members)")"
t1=$(date +%s%N)
note "  c's cluster after $(((t1 - t0) / 1000000)) ms: $(cat "$(cl_file c cluster)")"
grep -q "^accuracy=10ms resolution=none" "$(cl_file c requirements)" ||
	fail "c has a requirement of its own: $(cat "$(cl_file c requirements)")"
wait_for 10 faster c || fail "c under b's $TIGHT: $(cat "$(cl_file c sync)" "$PEER_T/syncd-c.log")"
wait_for 10 sync_has c "$CL_TL" "met=yes" || fail "c not met: $(cat "$(cl_file c sync)")"
t2=$(date +%s%N)
note "  c faster and met $(((t2 - t1) / 1000000)) ms after its cluster file: $(show c)"

note "3. b's binding closed: the cluster asks 10ms again, c relaxes to the slow end"
exec 3>&-
wait_for 20 cluster_accuracy_is c 10ms || fail "c: $(cat "$(cl_file c cluster)")"
wait_for 20 slow_end c || fail "c: $(cat "$(cl_file c sync)")"
note "  c: $(show c)"

for n in a b c; do
	kill -0 "${SPID[$n]}" || fail "syncd $n died"
	kill -0 "${CL_COORDD[$n]}" || fail "coordd $n died"
done
echo "PASS"
