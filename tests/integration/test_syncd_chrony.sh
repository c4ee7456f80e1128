#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: syncd disciplines a timeline from a real chronyd.
# A chronyd -x server on loopback, and a chronyd -x client of it that sees
# the server 0.5 s ahead (the `offset` option of its server line): for the
# client, true time is system time + 0.5 s exactly. -x: neither touches the
# host clock. syncd reads the client's tracking report.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=chrony_lib.sh
. "$(dirname "$0")/chrony_lib.sh"
: "${SYNCD_BIN:?}" "${QOT_READ_BIN:?}"
command -v chronyd >/dev/null || fail "no chronyd (scripts/deps.sh test extracts it to $QOT_TEST_PREFIX/chrony)"

OFFSET_NS=500000000
T=$(mktemp -d /tmp/qot-chrony.XXXXXX)
on_exit "rm -rf $T"
chrony_confs "$T" iburst minpoll -4 maxpoll -4 offset 0.5

start_server() {
	start_bg "$T/server.log" chronyd -x -d -u root -f "$T/server.conf"
	SERVER_PID=$BG_PID
}
client_synced() {
	chronyc -h 127.0.0.1 -p "$CLIENT_CMD" -n tracking 2>/dev/null | grep -q "Leap status *: Normal"
}

note "chronyd server and client, host clock untouched (-x)"
start_server
start_client() {
	start_bg "$T/client.log" chronyd -x -d -u root -f "$T/client.conf"
	CLIENT_PID=$BG_PID
}
start_client
wait_for 30 client_synced || fail "the chronyd client never synchronised"

qotfs_start
mkdir "$QOT_MNT/tl"
cat >"$T/syncd.conf" <<CONF
mount $QOT_MNT
rundir $T
interval 250ms
holdover 3s
source ntp chrony address 127.0.0.1 port $CLIENT_CMD missed 2
source unix chrony socket $T/chronyd/cmd.sock missed 2
timeline viaunix unix
timeline * ntp
CONF
start_bg "$T/syncd.log" "$SYNCD_BIN" -f -c "$T/syncd.conf"
SYNCD_PID=$BG_PID
synced() { [ "$(field "$QOT_MNT/$1/sync" status)" = synced ]; }
wait_for 10 synced tl || fail "never synced: $(cat "$QOT_MNT/tl/sync")"
[ "$(field "$QOT_MNT/tl/sync" source)" = ntp ] || fail "source: $(cat "$QOT_MNT/tl/sync")"

note "synced: the interval contains system time + 0.5 s"
for _ in $(seq 20); do line=$(check_truth tl "$OFFSET_NS"); sleep 0.05; done
note "  $line"
parts=$(report_parts tl "$OFFSET_NS" 40) || exit 1
note "  default allowance (root delay / 2): $parts"
below=$(field "$QOT_MNT/tl/sync" below)
python3 -c "import sys; sys.exit(not float('$below') < 0.01)" || fail "bound not tight: $below s"

note "the same through chronyd's Unix socket"
mkdir "$QOT_MNT/viaunix"
wait_for 5 synced viaunix || fail "viaunix: $(cat "$QOT_MNT/viaunix/sync"); $(cat "$T/syncd.log")"
check_truth viaunix "$OFFSET_NS" >/dev/null

note "the chronyd syncd asks restarts: both ways reconnect by themselves"
stop_pid "$CLIENT_PID"
wait_for 10 sh -c "! grep -q status=synced '$QOT_MNT/viaunix/sync'" ||
	fail "viaunix still synced without chronyd"
start_client
wait_for 30 synced tl || fail "tl after the restart: $(cat "$QOT_MNT/tl/sync")"
wait_for 30 synced viaunix || fail "viaunix after the restart: $(cat "$QOT_MNT/viaunix/sync")"
check_truth viaunix "$OFFSET_NS" >/dev/null

note "a timeline created now is synced from the source syncd already follows"
mkdir "$QOT_MNT/late"
# syncd learns of it by poll(2) and publishes at once (syncd(8)); the bound
# only catches a syncd that never does, and is no latency measurement: a
# loaded machine may take seconds to run syncd, qotfs and this shell.
wait_for 30 synced late || fail "late timeline never synced: $(cat "$QOT_MNT/late/sync")"
check_truth late "$OFFSET_NS" >/dev/null

note "server stopped: holdover, bounds growing, still containing the truth"
stop_pid "$SERVER_PID"
wait_for 15 sh -c "grep -q status=holdover '$QOT_MNT/tl/sync'" ||
	fail "no holdover: $(cat "$QOT_MNT/tl/sync")"
b1=$(field "$QOT_MNT/tl/sync" below)
check_truth tl "$OFFSET_NS" >/dev/null
grown() { python3 -c "import sys; sys.exit(not float('$(field "$QOT_MNT/tl/sync" below)') > float('$b1'))"; }
wait_for 5 grown || fail "bound not growing from $b1"
b2=$(field "$QOT_MNT/tl/sync" below)
check_truth tl "$OFFSET_NS" >/dev/null

note "after the holdover time: unsynced, still honest"
wait_for 10 sh -c "grep -q status=unsynced '$QOT_MNT/tl/sync'" ||
	fail "never unsynced: $(cat "$QOT_MNT/tl/sync")"
check_truth tl "$OFFSET_NS" >/dev/null

note "server back: synced again, bounds shrink"
start_server
wait_for 30 synced tl || fail "not synced again: $(cat "$QOT_MNT/tl/sync")"
check_truth tl "$OFFSET_NS" >/dev/null
# chronyd's first samples after the server's return can carry more dispersion
# than the early holdover bound b2: the bound must fall below b2 as samples
# accumulate (each republish is a new sync line), not necessarily at once.
shrunk() { python3 -c "import sys; sys.exit(not float('$(field "$QOT_MNT/tl/sync" below)') < float('$b2'))"; }
wait_for 30 shrunk || fail "bound did not shrink below $b2: $(cat "$QOT_MNT/tl/sync")"

note "syncd stops: after stale_after, readers see stale"
stop_pid "$SYNCD_PID"
wait_for 5 sh -c "grep -q status=stale '$QOT_MNT/tl/sync'" || fail "never stale after syncd stopped"

note "no source configured: syncd finds the running chronyd by its command socket"
cat >"$T/discover.conf" <<CONF
mount $QOT_MNT
rundir $T/discover
interval 250ms
CONF
discover_env=(env "QOT_SYNCD_CHRONY_SOCKET=$T/chronyd/cmd.sock" "QOT_SYNCD_PTP_SOCKET=$T/no-ptp4l")
"${discover_env[@]}" "$SYNCD_BIN" --check-config -c "$T/discover.conf" >"$T/discover.check" ||
	fail "--check-config: $(cat "$T/discover.check")"
grep -q "^# no source configured: chronyd answers at $T/chronyd/cmd.sock" "$T/discover.check" ||
	fail "--check-config does not say what it found: $(cat "$T/discover.check")"
grep -q "^source chronyd chrony .* socket $T/chronyd/cmd.sock" "$T/discover.check" ||
	fail "--check-config: no chronyd source: $(cat "$T/discover.check")"
start_bg "$T/discover.log" "${discover_env[@]}" "$SYNCD_BIN" -f -c "$T/discover.conf"
SYNCD_PID=$BG_PID
wait_for 10 synced tl || fail "not synced by the chronyd found: $(cat "$QOT_MNT/tl/sync")"
[ "$(field "$QOT_MNT/tl/sync" source)" = chronyd ] || fail "source: $(cat "$QOT_MNT/tl/sync")"
check_truth tl "$OFFSET_NS" >/dev/null
grep -q "no source configured: chronyd answers at $T/chronyd/cmd.sock" "$T/discover.log" ||
	fail "the log does not say what syncd found: $(cat "$T/discover.log")"
stop_pid "$SYNCD_PID"

note "no chronyd and no ptp4l: the kernel's view (source system), and the log says why"
stop_pid "$CLIENT_PID"
start_bg "$T/kernel.log" "${discover_env[@]}" "$SYNCD_BIN" -f -c "$T/discover.conf"
SYNCD_PID=$BG_PID
# (tl goes on in holdover from chronyd's data: a new timeline shows the source)
mkdir "$QOT_MNT/fresh"
is_system() { [ "$(field "$QOT_MNT/fresh/sync" source)" = system ]; }
wait_for 10 is_system || fail "source: $(cat "$QOT_MNT/fresh/sync"); $(cat "$T/kernel.log")"
grep -q "no source configured: no chronyd (chronyd at $T/chronyd/cmd.sock: .*), no ptp4l (ptp4l at $T/no-ptp4l: .*): source system" "$T/kernel.log" ||
	fail "the log does not say why the kernel: $(cat "$T/kernel.log")"
stop_pid "$SYNCD_PID"
qotfs_stop
echo PASS
