#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the controller turns a real chronyd's polling (syncd(8),
# CONTROL). A chronyd -x server on loopback and a chronyd -x client of it
# (neither touches the host clock); control_chrony chooses the interval for
# a requirement and sets the client's minpoll/maxpoll over its Unix command
# socket; chronyc reads the poll back. Then the refusals: the same commands
# over UDP (chronyd takes modifying commands only on its Unix socket), a
# source chronyd does not have, a socket nobody serves - each reported, once,
# and chronyd still serving.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=chrony_lib.sh
. "$(dirname "$0")/chrony_lib.sh"
: "${CONTROL_CHRONY_BIN:?}"
command -v chronyd >/dev/null || fail "chronyd is not installed (scripts/deps.sh installs it)"

T=$(mktemp -d /tmp/qot-control.XXXXXX)
on_exit "rm -rf $T"
chrony_confs "$T" iburst minpoll -2 maxpoll -2
start_bg "$T/server.log" chronyd -x -d -u root -f "$T/server.conf"
start_bg "$T/client.log" chronyd -x -d -u root -f "$T/client.conf"
CLIENT_PID=$BG_PID

# poll_of: the client's current poll of its one source, as chronyc reports it
# (the Poll column of `sources`, CSV: mode,state,name,stratum,poll,...).
poll_of() {
	chronyc -h "$T/chronyd/cmd.sock" -n -c sources 2>/dev/null | awk -F, 'NR == 1 { print $5 }'
}
poll_is() { [ "$(poll_of)" = "$1" ]; }
wait_for 30 poll_is -2 || fail "the client never polled its server: $(poll_of); $(cat "$T/client.log")"

ctl() { "$CONTROL_CHRONY_BIN" --socket "$T/chronyd/cmd.sock" --own "$T/own.sock" --source 127.0.0.1 "$@"; }

note "a tight requirement (20us; 1us floor, 100 ppm): every 62.5 ms, poll -4"
out=$(ctl --accuracy 20us) || fail "not taken: $out"
note "  $out"
[ "${out%%$'\n'*}" = "interval=62.5ms poll=-4 state=met sent=2" ] || fail "chosen: $out"
case $out in *"sync: effort=controlled interval=0.062500000 msgs=32.000/s control=met reason="*) ;;
*) fail "sync fields: $out" ;;
esac
# chronyd applies a new poll after its next measurement
wait_for 10 poll_is -4 || fail "chronyc says poll $(poll_of), not -4"
note "  chronyc: poll $(poll_of)"

note "a loose one (1ms): the slow end, 1 s, poll 0"
out=$(ctl --accuracy 1ms) || fail "not taken: $out"
case $out in *"interval=1s poll=0 state=met"*) ;; *) fail "chosen: $out" ;; esac
wait_for 10 poll_is 0 || fail "chronyc says poll $(poll_of), not 0"
note "  chronyc: poll $(poll_of)"

note "unmeetable (2us): the fastest allowed, poll -7, said so"
out=$(ctl --accuracy 2us) || fail "not taken: $out"
case $out in *"poll=-7 state=unmeetable"*) ;; *) fail "chosen: $out" ;; esac
wait_for 10 poll_is -7 || fail "chronyc says poll $(poll_of), not -7"

note "over UDP chronyd refuses: reported, asked once for ten tries, no crash"
rc=0
out=$("$CONTROL_CHRONY_BIN" --udp 127.0.0.1 "$CLIENT_CMD" --source 127.0.0.1 --accuracy 20us \
	--repeat 10 2>"$T/err") || rc=$?
[ "$rc" -eq 3 ] || fail "exit $rc over UDP: $out $(cat "$T/err")"
grep -q "refused minpoll -4 for 127.0.0.1: not authorised" "$T/err" || fail "refusal: $(cat "$T/err")"
first=${out%%$'\n'*}
[ "${first##*sent=}" = 1 ] || fail "asked again after a refusal: $out"
case $out in *"reason=bound "*"; chronyd at 127.0.0.1 port $CLIENT_CMD refused minpoll -4"*) ;;
*) fail "the refusal is not in the sync fields: $out" ;;
esac
note "  $(cat "$T/err")"
poll_is -7 || fail "a refused command changed the poll: $(poll_of)"

note "a source chronyd does not have: no such source"
rc=0
ctl --source 127.0.0.2 --accuracy 20us 2>"$T/err" >/dev/null || rc=$?
{ [ "$rc" -eq 3 ] && grep -q "no such source" "$T/err"; } || fail "unknown source: $rc $(cat "$T/err")"

note "nobody on the socket: reported, not retried"
rc=0
out=$("$CONTROL_CHRONY_BIN" --socket "$T/nobody.sock" --own "$T/own2.sock" --source 127.0.0.1 \
	--accuracy 20us --repeat 5 2>"$T/err") || rc=$?
{ [ "$rc" -eq 3 ] && grep -q "No such file or directory" "$T/err"; } || fail "no socket: $rc $(cat "$T/err")"
first=${out%%$'\n'*}
[ "${first##*sent=}" = 0 ] || fail "sent to nobody: $out"

kill -0 "$CLIENT_PID" || fail "chronyd died"
poll_is -7 || fail "poll changed: $(poll_of)"

note "the quality from the client's own tracking report (1ms): chosen, set, read back"
out=$(ctl --accuracy 1ms --tracking "$CLIENT_CMD") || fail "not taken: $out"
note "  $(echo "$out" | tr '\n' ' ')"
want=${out#*poll=}
want=${want%% *}
[ "$want" != -7 ] || fail "a loose requirement kept the fastest poll: $out"
wait_for 10 poll_is "$want" || fail "chronyc says poll $(poll_of), not $want"
echo PASS
