#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: coordd on two nodes against a real three-server ZooKeeper
# ensemble on loopback: the ensemble's leader killed (membership keeps
# working), a coordd stopped past its session timeout and continued (it
# recovers by itself and the membership converges), the leading node's
# coordd stopped (another node leads, never two at once).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=zk.sh
. "$(dirname "$0")/zk.sh"
: "${COORDD_BIN:?}"
T=$(mktemp -d /tmp/qot-coordd-ens.XXXXXX)
[ -n "${KEEP_T:-}" ] || on_exit "rm -rf $T"
# shellcheck source-path=SCRIPTDIR source=coordd_lib.sh
. "$(dirname "$0")/coordd_lib.sh"

declare -A CPORT ZKPID
peers=""
hosts=""
for i in 1 2 3; do
	CPORT[$i]=$(free_port)
	peers+="server.$i=127.0.0.1:$(free_port):$(free_port)"$'\n'
	hosts+="${hosts:+,}127.0.0.1:${CPORT[$i]}"
done
note "a three-server ensemble"
started=$SECONDS
for i in 1 2 3; do
	zk_config "$T/zk$i" "$i" "${CPORT[$i]}" "$peers"
	zk_start "$T/zk$i"
	ZKPID[$i]=$ZK_PID
done
for i in 1 2 3; do
	wait_for 30 zk_serving "${CPORT[$i]}" || fail "server $i does not serve"
done
note "serving after $((SECONDS - started)) s: $(for i in 1 2 3; do printf '%s ' "$(zk_mode "${CPORT[$i]}")"; done)"

for n in alpha beta; do
	node_qotfs $n
	mkdir "$T/$n/tl"
	node_coordd $n "$hosts" --peer-address="127.0.0.1:$((40000 + ${#n}))"
done
for n in alpha beta; do
	wait_for 40 coordination_is $n current || fail "$n never connected"
done
exec 3>"$T/alpha/tl/bind"
echo "name=a accuracy=10us" >&3
wait_for 10 cluster_is alpha tl leading yes || fail "alpha does not lead"
exec 4>"$T/beta/tl/bind"
echo "name=b accuracy=20us" >&4
wait_for 10 is_member alpha tl beta || fail "alpha does not see beta"
wait_for 10 is_member beta tl alpha || fail "beta does not see alpha"
sampler_start tl alpha beta

note "kill -9 of the ensemble's leader: membership keeps working"
for i in 1 2 3; do [ "$(zk_mode "${CPORT[$i]}")" = leader ] && lead=$i; done
[ -n "${lead:-}" ] || fail "no leader in the ensemble"
kill -KILL "${ZKPID[$lead]}"
killed=$SECONDS
echo "name=a accuracy=7us" >&3
wait_for 20 member_has beta tl alpha "accuracy=7us" || fail "the change did not reach beta"
note "server $lead killed; a change reached beta $((SECONDS - killed)) s later"
mkdir "$T/alpha/tl2" "$T/beta/tl2"
exec 5>"$T/beta/tl2/bind"
echo "name=c resolution=1ms" >&5
wait_for 20 is_member alpha tl2 beta || fail "a new timeline did not reach alpha"

note "SIGSTOP beta's coordd past its session timeout, then SIGCONT: it recovers by itself"
kill -STOP "${COORDD_PIDS[beta]}"
wait_for 15 not_member alpha tl beta || fail "alpha still sees the stopped beta"
coordination_is beta stale || fail "the stopped beta still claims: $(cat "$T/beta/.coordination")"
kill -CONT "${COORDD_PIDS[beta]}"
wait_for 20 is_member alpha tl beta || fail "beta did not come back"
wait_for 20 is_member alpha tl2 beta || fail "beta did not come back on tl2"
wait_for 10 coordination_is beta current || fail "beta: $(cat "$T/beta/.coordination")"
grep -q "session expired" "$T/beta.coordd.log" || fail "beta's session did not expire"
wait_for 10 cluster_is beta tl leader alpha || fail "beta: $(cat "$(tlfile beta tl cluster)")"

note "SIGSTOP the leading node's coordd: the other one leads, never both"
kill -STOP "${COORDD_PIDS[alpha]}"
stopped=$SECONDS
wait_for 20 cluster_is beta tl leading yes || fail "beta does not take over"
note "beta leads $((SECONDS - stopped)) s after alpha's coordd stopped"
cluster_is alpha tl leading no || fail "the stopped alpha still claims"
kill -CONT "${COORDD_PIDS[alpha]}"
wait_for 20 is_member beta tl alpha || fail "alpha did not come back"
wait_for 10 cluster_is alpha tl leader beta || fail "alpha: $(cat "$(tlfile alpha tl cluster)")"
note "the order follows the election: beta first, then alpha (back last); endpoints kept"
for n in alpha beta; do
	wait_for 10 order_matches $n tl "$hosts" || fail "$n ranks $(ranked $n tl), the election is $(election_order "$hosts" tl)"
	[ "$(ranked $n tl)" = beta,alpha ] || fail "$n: $(cat "$(tlfile $n tl members)")"
	member_has $n tl alpha " peer=127\.0\.0\.1:40005" || fail "$n: $(cat "$(tlfile $n tl members)")"
	member_has $n tl beta " peer=127\.0\.0\.1:40004" || fail "$n: $(cat "$(tlfile $n tl members)")"
done
sampler_check
exec 3>&- 4>&- 5>&-
note "ok"
