#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: coordd on three "nodes" (each its own qotfs mount and coordd)
# against a real standalone ZooKeeper on loopback: membership, requirements,
# the cluster-wide requirement, leadership and its handover, kill -9 and
# restarts (of coordd, fast enough to find its own leftovers, and of qotfs),
# a ZooKeeper that is not there yet at start, credentials and ACLs, and the
# privileged qotfs inputs refusing what they must.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=zk.sh
. "$(dirname "$0")/zk.sh"
: "${COORDD_BIN:?}" "${ZK_PROBE_BIN:?}"
T=$(mktemp -d /tmp/qot-coordd.XXXXXX)
[ -n "${KEEP_T:-}" ] || on_exit "rm -rf $T"
# shellcheck source-path=SCRIPTDIR source=coordd_lib.sh
. "$(dirname "$0")/coordd_lib.sh"

PORT=$(free_port)
ZK=127.0.0.1:$PORT
printf 'qot:s3cret\n' >"$T/auth"
chmod 600 "$T/auth"

note "three nodes; their coordd start before ZooKeeper does"
# Peer endpoints of their syncd (nothing listens: coordd only publishes them).
declare -A PEER=([alpha]=127.0.0.1:40001 [beta]="[::1]:40002" [gamma]="")
peer_opt() { [ -z "${PEER[$1]}" ] || echo "--peer-address=${PEER[$1]}"; }
for n in alpha beta gamma; do
	node_qotfs $n
	mkdir "$T/$n/tl"
	# shellcheck disable=SC2046 # no option, or one word
	node_coordd $n "$ZK" -a "$T/auth" $(peer_opt $n)
done
coordination_is alpha none || fail "a coordinator claimed before any session"
zk_config "$T/zk" 1 "$PORT"
zk_start "$T/zk"
wait_for 20 zk_serving "$PORT" || fail "ZooKeeper did not start"
for n in alpha beta gamma; do
	wait_for 40 coordination_is $n current || fail "$n: coordd never connected: $(cat "$T/$n/.coordination")"
	kill -0 "${COORDD_PIDS[$n]}" || fail "$n: coordd exited"
done
note "all three connected: $(cat "$T/alpha/.coordination")"

note "bind on alpha: alpha appears in beta's and gamma's members, and leads"
exec 3>"$T/alpha/tl/bind"
echo "name=app accuracy=10us" >&3
for n in beta gamma; do
	wait_for 10 is_member $n tl alpha || fail "$n does not see alpha: $(cat "$(tlfile $n tl members)")"
done
wait_for 10 cluster_is alpha tl leading yes || fail "alpha does not lead: $(cat "$(tlfile alpha tl cluster)")"
wait_for 10 cluster_is beta tl leader alpha || fail "beta: $(cat "$(tlfile beta tl cluster)")"
note "beta: $(cat "$(tlfile beta tl members)")"
note "beta: $(cat "$(tlfile beta tl cluster)")"
sampler_start tl alpha beta gamma

note "a requirement change propagates"
echo "name=app accuracy=5us resolution=1ms" >&3
wait_for 10 member_has gamma tl alpha "accuracy=5us resolution=1ms" ||
	fail "gamma: $(cat "$(tlfile gamma tl members)")"

note "bind on beta (tighter), a standing requirement on gamma: the cluster-wide requirement is the tightest"
exec 4>"$T/beta/tl/bind"
echo "name=db accuracy=2us/3us" >&4
echo "accuracy=1us/7us resolution=10ms" >"$(tlfile gamma tl requirements)"
for n in alpha beta gamma; do
	wait_for 10 cluster_is $n tl members 3 || fail "$n: $(cat "$(tlfile $n tl cluster)")"
	wait_for 10 cluster_is $n tl accuracy 1us/3us || fail "$n: $(cat "$(tlfile $n tl cluster)")"
	cluster_is $n tl resolution 1ms || fail "$n: $(cat "$(tlfile $n tl cluster)")"
	cluster_is $n tl leader alpha || fail "$n: $(cat "$(tlfile $n tl cluster)")"
done
note "alpha: $(cat "$(tlfile alpha tl cluster)")"

note "every member's peer endpoint, and every candidate's place in the election order"
for n in alpha beta gamma; do
	wait_for 10 order_matches $n tl "$ZK" ||
		fail "$n ranks $(ranked $n tl), the election is $(election_order "$ZK" tl): $(cat "$(tlfile $n tl members)")"
	member_has $n tl alpha " peer=127\.0\.0\.1:40001" || fail "$n: $(cat "$(tlfile $n tl members)")"
	member_has $n tl beta " peer=\[::1\]:40002" || fail "$n: $(cat "$(tlfile $n tl members)")"
	! member_has $n tl gamma "peer=" || fail "$n: gamma has an endpoint: $(cat "$(tlfile $n tl members)")"
done
"$ZK_PROBE_BIN" "$ZK" get /qot/timelines/tl/nodes/alpha | grep -q " peer=127.0.0.1:40001" ||
	fail "alpha's member node does not hold its endpoint"
note "order $(election_order "$ZK" tl); gamma: $(tr '\n' ' ' <"$(tlfile gamma tl members)")"

note "ACLs: everyone reads what coordd created, only its identity changes it"
"$ZK_PROBE_BIN" "$ZK" get /qot/timelines/tl/nodes/beta | grep -q "accuracy=2us/3us" ||
	fail "beta's member node does not hold its requirement"
"$ZK_PROBE_BIN" "$ZK" acl /qot/timelines/tl/nodes/beta | grep -q "^digest:qot:" ||
	fail "no digest ACL: $("$ZK_PROBE_BIN" "$ZK" acl /qot/timelines/tl/nodes/beta)"
err=$("$ZK_PROBE_BIN" "$ZK" delete /qot/timelines/tl/nodes/beta 2>&1) &&
	fail "an unauthenticated client deleted a member"
[[ $err == *"not authenticated"* ]] || fail "unexpected: $err"

note "unbind on beta: beta leaves everyone's members"
exec 4>&-
for n in alpha gamma; do
	wait_for 10 not_member $n tl beta || fail "$n still sees beta: $(cat "$(tlfile $n tl members)")"
done
wait_for 10 cluster_is alpha tl accuracy 1us/5us || fail "alpha: $(cat "$(tlfile alpha tl cluster)")"

note "kill -9 of alpha's coordd: its claim lapses at once, it leaves after the session timeout"
kill -KILL "${COORDD_PIDS[alpha]}"
killed=$SECONDS
wait_for 10 coordination_is alpha stale || fail "alpha: $(cat "$T/alpha/.coordination")"
cluster_is alpha tl leading no || fail "alpha still claims: $(cat "$(tlfile alpha tl cluster)")"
for n in beta gamma; do
	wait_for 15 not_member $n tl alpha || fail "$n still sees alpha"
done
wait_for 10 cluster_is gamma tl leading yes || fail "gamma does not lead: $(cat "$(tlfile gamma tl cluster)")"
note "alpha gone from the others after $((SECONDS - killed)) s (session ${SESSION_MS} ms); gamma leads"

note "alpha's coordd again: back in the members, gamma still leads"
node_coordd alpha "$ZK" -a "$T/auth" "$(peer_opt alpha)"
for n in beta gamma; do
	wait_for 15 is_member $n tl alpha || fail "$n does not see alpha again"
done
wait_for 10 coordination_is alpha current || fail "alpha: $(cat "$T/alpha/.coordination")"
cluster_is alpha tl leader gamma || fail "alpha: $(cat "$(tlfile alpha tl cluster)")"
for n in alpha gamma; do
	wait_for 10 order_matches $n tl "$ZK" || fail "$n ranks $(ranked $n tl), the election is $(election_order "$ZK" tl)"
done
[ "$(ranked gamma tl)" = gamma,alpha ] || fail "alpha is not last in the order: $(ranked gamma tl)"

note "kill -9 and an immediate restart: the new coordd replaces what its old session left"
old=$("$ZK_PROBE_BIN" "$ZK" owner /qot/timelines/tl/nodes/alpha)
kill -KILL "${COORDD_PIDS[alpha]}"
node_coordd alpha "$ZK" -a "$T/auth" "$(peer_opt alpha)"
owner_changed() {
	local o
	o=$("$ZK_PROBE_BIN" "$ZK" owner /qot/timelines/tl/nodes/alpha 2>/dev/null) && [ "$o" != "$old" ]
}
wait_for 15 owner_changed || fail "alpha's member node still belongs to the old session $old"
grep -q "left by an old session" "$T/alpha.coordd.log" || fail "no leftover was replaced"
# Past the old session's expiry, alpha must stay.
wait_for 15 zk_session_gone "$PORT" "$old" || fail "the old session $old never expired"
is_member beta tl alpha || fail "alpha vanished with its old session"
is_member gamma tl alpha || fail "alpha vanished with its old session"
cands=$("$ZK_PROBE_BIN" "$ZK" ls /qot/timelines/tl/election | grep -c '^alpha_')
[ "$cands" -eq 1 ] || fail "alpha has $cands candidates"

note "qotfs on beta restarts: coordd follows the new mount and republishes"
stop_pid "${QOTFS_PIDS[beta]}"
node_qotfs beta
mkdir "$T/beta/tl"
wait_for 10 coordination_is beta current || fail "beta: $(cat "$T/beta/.coordination")"
wait_for 10 is_member beta tl alpha || fail "beta's new mount has no members: $(cat "$(tlfile beta tl members)")"
exec 4>"$T/beta/tl/bind"
echo "name=db2 accuracy=4us" >&4
wait_for 10 is_member alpha tl beta || fail "alpha does not see beta again"

note "coordd stopped cleanly on beta: it withdraws at once"
stop_pid "${COORDD_PIDS[beta]}"
coordination_is beta none || fail "beta: $(cat "$T/beta/.coordination")"
[ ! -s "$(tlfile beta tl members)" ] || fail "beta still lists members: $(cat "$(tlfile beta tl members)")"
cluster_is beta tl state none || fail "beta: $(cat "$(tlfile beta tl cluster)")"
wait_for 3 not_member alpha tl beta || fail "alpha still sees beta after beta's clean stop"
sampler_check

note "the privileged inputs refuse other users and bad text, and change nothing"
# On a node without coordd, so that nothing else writes while we look.
node_qotfs delta
mkdir "$T/delta/tl"
# write_once FILE TEXT: TEXT (printf escapes) in a single write(2), as members needs.
write_once() {
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.write(fd, sys.argv[2].encode().decode("unicode_escape").encode())' "$@" 2>&1
}
write_once "$(tlfile delta tl members)" 'leader=b\nnode=a accuracy=1us\nnode=b\n' || fail "delta's members refused"
boottime=$(python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_BOOTTIME))')
echo "node=delta until=$((boottime + 3600000000000))" >"$T/delta/.coordination"
members_before=$(cat "$(tlfile delta tl members)")
[ "$members_before" = "$(printf 'node=a leader=no accuracy=1us resolution=none\nnode=b leader=yes accuracy=none resolution=none')" ] ||
	fail "delta: $members_before"
as_nobody() {
	setpriv --reuid 65534 --regid 65534 --clear-groups -- sh -c "$1" 2>&1
}
out=$(as_nobody "echo leader=none > $(tlfile delta tl members)") && fail "nobody wrote members"
[[ $out == *"Permission denied"* ]] || fail "unexpected: $out"
out=$(as_nobody "echo node=x until=1 > $T/delta/.coordination") && fail "nobody wrote .coordination"
[[ $out == *"Permission denied"* ]] || fail "unexpected: $out"
for bad in "leader=ghost\nnode=a\n" "node=a\n" "leader=none\nnode=a\nnode=a\n" \
	"leader=none\nnode=a accuracy=0s\n" "leader=none\nnode=a"; do
	out=$(write_once "$(tlfile delta tl members)" "$bad") && fail "accepted: $bad"
	[[ $out == *"Invalid argument"* ]] || fail "$bad: $out"
done
for bad in "node=delta" "node=delta until=soon" "until=5" "node=.x until=5"; do
	out=$({ echo "$bad" >"$T/delta/.coordination"; } 2>&1) && fail "accepted: $bad"
	[[ $out == *"Invalid argument"* ]] || fail "$bad: $out"
done
[ "$(cat "$(tlfile delta tl members)")" = "$members_before" ] || fail "a refused write changed members"
coordination_is delta current || fail "a refused write changed .coordination"
cluster_is delta tl leader b || fail "delta: $(cat "$(tlfile delta tl cluster)")"
cluster_is delta tl leading no || fail "delta: $(cat "$(tlfile delta tl cluster)")"
echo "node=b until=$((boottime + 3600000000000))" >"$T/delta/.coordination"
cluster_is delta tl leading yes || fail "delta: $(cat "$(tlfile delta tl cluster)")"
echo "node=b until=1" >"$T/delta/.coordination"
cluster_is delta tl state stale || fail "delta: $(cat "$(tlfile delta tl cluster)")"
cluster_is delta tl leading no || fail "delta: $(cat "$(tlfile delta tl cluster)")"
member_has delta tl b "leader=unknown" || fail "delta: $(cat "$(tlfile delta tl members)")"

note "a bad command line is refused with a message"
out=$("$COORDD_BIN" -f -n alpha 2>&1) && fail "coordd ran without --zookeeper"
[[ $out == *"--zookeeper is required"* ]] || fail "$out"
out=$("$COORDD_BIN" -f -z "$ZK" -n "bad/name" 2>&1) && fail "coordd took a bad node name"
[[ $out == *"node name"* ]] || fail "$out"
out=$("$COORDD_BIN" -f -z "$ZK" -t 5 2>&1) && fail "coordd took a 5 ms session"
printf 'nocolon\n' >"$T/badauth"
out=$("$COORDD_BIN" -f -z "$ZK" -a "$T/badauth" 2>&1) && fail "coordd took a bad auth file"
[[ $out == *"USER:PASSWORD"* ]] || fail "$out"
exec 3>&- 4>&-
note "ok"
