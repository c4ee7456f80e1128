#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: syncd's effort controller on a real mount and a real chronyd
# (syncd(8), CONTROL). A chronyd -x server on loopback and a chronyd -x
# client of it (neither touches the host clock); syncd serves the timeline
# `tl` from the client's tracking and turns the client's polling of the
# server over its Unix socket; chronyc reads the poll back. A second
# timeline names a server the client does not have: its knob is refused,
# syncd goes on, and `sync` says why. An unmeetable requirement: control=
# unmeetable with the reason, a poller of `sync` woken, one log line.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=chrony_lib.sh
. "$(dirname "$0")/chrony_lib.sh"
: "${SYNCD_BIN:?}"
command -v chronyd >/dev/null || fail "chronyd is not installed (scripts/deps.sh installs it)"

T=$(mktemp -d /tmp/qot-syncd-control.XXXXXX)
on_exit "rm -rf $T"
chrony_pair "$T" iburst minpoll -2 maxpoll -2
client_synced() {
	chronyc -h "$T/chronyd/cmd.sock" -n tracking 2>/dev/null | grep -q "Leap status *: Normal"
}
wait_for 30 client_synced || fail "the chronyd client never synchronised: $(cat "$T/client.log")"

qotfs_start
mkdir "$QOT_MNT/tl" "$QOT_MNT/other"
cat >"$T/syncd.conf" <<CONF
mount $QOT_MNT
rundir $T
interval 250ms
source ntp chrony socket $T/chronyd/cmd.sock server 127.0.0.1 missed 8 maxdrift 100
source nosuch chrony socket $T/chronyd/cmd.sock server 127.0.0.2 missed 8 maxdrift 100
timeline other nosuch
timeline * ntp
control * on min 125ms max 1s
CONF
"$SYNCD_BIN" --check-config -c "$T/syncd.conf" >"$T/printed" || fail "--check-config refused it"
grep -q "^control \* on min 125ms max 1s" "$T/printed" || fail "control line not printed: $(cat "$T/printed")"
grep -q " server 127.0.0.1" "$T/printed" || fail "server option not printed: $(cat "$T/printed")"
start_bg "$T/syncd.log" "$SYNCD_BIN" -f -c "$T/syncd.conf"
SYNCD_PID=$BG_PID

sync_has() { grep -q -- "$2" "$QOT_MNT/$1/sync"; }
wait_for 20 sync_has tl "effort=controlled" || fail "no controller fields: $(cat "$QOT_MNT/tl/sync")"
note "no requirement: $(cat "$QOT_MNT/tl/note")"
wait_for 20 sync_has tl "control=none" || fail "no requirement, yet: $(cat "$QOT_MNT/tl/sync")"
wait_for 20 poll_is 0 || fail "no requirement: chronyc says poll $(poll_of), not 0 (1 s)"

note "a tight requirement (100us): chronyd polls faster"
exec 3>"$QOT_MNT/tl/bind"
echo "name=tight accuracy=100us" >&3
faster() { p=$(poll_of) && [ -n "$p" ] && [ "$p" -lt 0 ]; }
wait_for 20 faster || fail "chronyc says poll $(poll_of) under 100us: $(cat "$QOT_MNT/tl/sync")"
note "  chronyc: poll $(poll_of); $(cat "$QOT_MNT/tl/note")"
sync_has tl "msgs=" || fail "no msgs= in sync: $(cat "$QOT_MNT/tl/sync")"

note "a loose one (50ms): back to the slow end"
echo "name=tight accuracy=50ms" >&3
wait_for 20 poll_is 0 || fail "chronyc says poll $(poll_of) under 50ms: $(cat "$QOT_MNT/tl/sync")"
note "  chronyc: poll $(poll_of); $(cat "$QOT_MNT/tl/note")"

note "chronyd restarted (its configured poll, -2, again): syncd sets its poll again"
stop_pid "$CLIENT_PID"
start_bg "$T/client.log" chronyd -x -d -u root -f "$T/client.conf"
wait_for 30 client_synced || fail "the restarted chronyd client never synchronised"
wait_for 30 poll_is 0 || fail "after the restart chronyc says poll $(poll_of), not 0"
note "  chronyc: poll $(poll_of)"

note "a server chronyd does not have: refused, reported in sync, syncd goes on"
exec 4>"$QOT_MNT/other/bind"
echo "name=other accuracy=300us" >&4
wait_for 20 sync_has other "no such source" || fail "refusal not shown: $(cat "$QOT_MNT/other/sync")"
note "  $(cat "$QOT_MNT/other/note")"
for t in tl other; do
	[ "$(field "$QOT_MNT/$t/sync" status)" = synced ] || fail "$t: $(cat "$QOT_MNT/$t/sync")"
done

# poller OUT: a poller of tl's sync in the background, into OUT: "ready",
# then at each wake a read; "woken TEXT" once sync says control=unmeetable,
# "timeout" if 20 s pass without a wake (a change nobody was told of).
poller() {
	python3 - "$QOT_MNT/tl/sync" >"$1" 2>&1 <<'PY' &
import os, select, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.pread(fd, 4096, 0)
p = select.poll()
p.register(fd, select.POLLIN | select.POLLPRI)
print("ready", flush=True)
for _ in range(10):
    if not p.poll(20000):
        print("timeout", flush=True)
        break
    text = os.pread(fd, 4096, 0).decode().strip()
    if "control=unmeetable" in text:
        print("woken", text, flush=True)
        break
PY
	POLLER=$!
	QOT_BG_PIDS+=("$POLLER")
}

note "unmeetable (1ns): control=unmeetable with the reason, a poller woken, one log line"
poller "$T/poller"
wait_for 10 grep -q ready "$T/poller" || fail "the poller did not start: $(cat "$T/poller")"
before=$(wc -l <"$T/syncd.log")
echo "name=tight accuracy=1ns" >&3
wait_for 20 sync_has tl "control=unmeetable" || fail "not unmeetable: $(cat "$QOT_MNT/tl/sync")"
wait "$POLLER" || true
grep -q "^woken" "$T/poller" || fail "the poller of sync was not woken: $(cat "$T/poller")"
reason=$(sed -n 's/.* reason=//p' "$QOT_MNT/tl/sync")
case $reason in *"> required 1ns"*) ;; *) fail "reason: $reason" ;; esac
note "  reason=$reason"
[ "$(field "$QOT_MNT/tl/sync" met)" = no ] || fail "met: $(cat "$QOT_MNT/tl/sync")"
# the next ticks (250 ms each) change nothing: no more lines
for _ in 1 2 3 4 5 6 7 8; do cat "$QOT_MNT/tl/now" >/dev/null; sleep 0.25; done
n=$(tail -n +"$((before + 1))" "$T/syncd.log" | grep -c "timeline tl: effort unmeetable" || true)
[ "$n" = 1 ] || fail "$n log lines for one change: $(tail -n +"$((before + 1))" "$T/syncd.log")"

note "another node's requirement (in members): only the note changes in sync, and its poller is woken"
# (the binding is made loose rather than closed: the restarted chronyd holds its descriptor too)
echo "name=tight accuracy=10s" >&3
wait_for 20 sync_has tl "accuracy=10s .*control=met" || fail "not relaxed: $(cat "$QOT_MNT/tl/sync")"
poller "$T/poller2"
wait_for 10 grep -q ready "$T/poller2" || fail "the poller did not start: $(cat "$T/poller2")"
boot_ns=$(python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_BOOTTIME))')
echo "node=n1 until=$((boot_ns + 600000000000))" >"$QOT_MNT/.coordination"
printf 'leader=n1\nnode=n1\nnode=n2 accuracy=1ns\n' >"$T/members"
cat "$T/members" >"$QOT_MNT/tl/members"
wait "$POLLER" || true
grep -q "^woken" "$T/poller2" || fail "the poller of sync was not woken by the note: $(cat "$T/poller2")"
[ "$(field "$QOT_MNT/tl/sync" accuracy)" = 10s ] || fail "sync's own requirement moved: $(cat "$QOT_MNT/tl/sync")"
note "  $(sed -n 's/^woken //p' "$T/poller2")"

note "qotfs restarted under syncd: found again, controlled again"
exec 3>&- 4>&-
qotfs_stop keep
qotfs_start
mkdir "$QOT_MNT/tl"
wait_for 20 sync_has tl "effort=controlled" || fail "not controlled again: $(cat "$QOT_MNT/tl/sync")"
kill -0 "$SYNCD_PID" || fail "syncd is gone: $(tail -5 "$T/syncd.log")"

note "unprivileged writes to the note are refused"
if setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo effort=x >'$QOT_MNT/tl/note'" 2>/dev/null; then
	fail "an unprivileged write to the note was taken"
fi
echo "ok"
