#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pictures.sh - make the pictures of the README with the real programs: a
# timeline disciplined by syncd from a chronyd client of a chronyd server
# (both -x: the host clock is never touched), recorded by `qotctl record`
# through the loss of the server and its return, drawn by `qotctl plot`,
# and `qotctl status` meanwhile. As root, from the source tree, after a
# build in build/:
#
#   unshare --mount --pid --fork --kill-child --mount-proc --propagation private docs/pictures.sh
#
# Writes docs/qotctl-source-loss.png and .svg, docs/qotctl-status.txt.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
export QOTFS_BIN=$build/qotfs/qotfs
SYNCD_BIN=$build/syncd/syncd
Q=$build/tools/qotctl/qotctl
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
. "$top/tests/integration/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../tests/integration/chrony_lib.sh
. "$top/tests/integration/chrony_lib.sh"
command -v chronyd >/dev/null || fail "chronyd is not installed (scripts/deps.sh installs it)"

T=$(mktemp -d /tmp/qot-pictures.XXXXXX)
on_exit "rm -rf $T"
# The server, and a client polling it every 1/16 s (tests/integration/chrony_lib.sh).
chrony_confs "$T" iburst minpoll -4 maxpoll -4
start_server() {
	start_bg "$T/server.log" chronyd -x -d -u root -f "$T/server.conf"
	SERVER_PID=$BG_PID
}
client_synced() {
	chronyc -h 127.0.0.1 -p "$CLIENT_CMD" -n tracking 2>/dev/null | grep -q "Leap status *: Normal"
}
status_is() { [ "$(field "$QOT_MNT/$1/sync" status)" = "$2" ]; }

note "chronyd server and client (-x), qotfs, syncd"
start_server
start_bg "$T/client.log" chronyd -x -d -u root -f "$T/client.conf"
wait_for 60 client_synced || fail "the chronyd client never synchronised"
qotfs_start
mkdir "$QOT_MNT/demo" "$QOT_MNT/idle"
cat >"$T/syncd.conf" <<CONF
mount $QOT_MNT
rundir $T
interval 250ms
holdover 4s
source ntp chrony address 127.0.0.1 port $CLIENT_CMD missed 2
timeline demo ntp
CONF
start_bg "$T/syncd.log" "$SYNCD_BIN" -f -c "$T/syncd.conf"
wait_for 20 status_is demo synced || fail "never synced: $(cat "$QOT_MNT/demo/sync")"
# The estimator starts wide (it knows little): record once the bound has
# settled below 50 us, so the picture shows the loss, not the cold start.
settled() { python3 -c "import sys; sys.exit(not float('$(field "$QOT_MNT/demo/sync" below)') < 50e-6)"; }
wait_for 60 settled || fail "the bound never settled: $(cat "$QOT_MNT/demo/sync")"
echo accuracy=1ms >"$QOT_MNT/demo/requirements"
exec 3>"$QOT_MNT/demo/bind"
echo "name=trader accuracy=500us" >&3

note "recording: synced, the server stopped (holdover, then unsynced), and back"
start_bg "$T/record.log" "$Q" -m "$QOT_MNT" record demo --every 100ms -o "$T/demo.csv"
RECORD_PID=$BG_PID
sleep 5 # the picture's first part: synced
"$Q" -m "$QOT_MNT" status | tee "$top/docs/qotctl-status.txt"
stop_pid "$SERVER_PID"
wait_for 30 status_is demo holdover || fail "no holdover: $(cat "$QOT_MNT/demo/sync")"
wait_for 30 status_is demo unsynced || fail "never unsynced: $(cat "$QOT_MNT/demo/sync")"
sleep 2
start_server
wait_for 60 status_is demo synced || fail "not synced again: $(cat "$QOT_MNT/demo/sync")"
sleep 5
kill -INT "$RECORD_PID"
wait "$RECORD_PID" || fail "record: $(cat "$T/record.log")"

"$Q" plot "$T/demo.csv" -o "$top/docs/qotctl-source-loss.png" \
	--title "qotctl record + plot: a timeline synced by syncd from chronyd, through the loss of its server and its return"
"$Q" plot "$T/demo.csv" -o "$top/docs/qotctl-source-loss.svg" \
	--title "qotctl record + plot: a timeline synced by syncd from chronyd, through the loss of its server and its return"
note "$(($(wc -l <"$T/demo.csv") - 1)) samples: docs/qotctl-source-loss.png, .svg, docs/qotctl-status.txt"
