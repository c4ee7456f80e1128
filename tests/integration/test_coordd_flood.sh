#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: coordd coalesces bursts of requirement changes (coordd(8),
# --hold-down). One node, one timeline kept in use by a loose binding; a
# second binding flips its requirement 200 times, 10 ms apart (2 s). The
# writes to the node's member znode are counted by its data version (each
# write bumps it), read with zk_probe: first with the default hold-down
# (100 ms: at most about one write per 100 ms), then, as the anchor in the
# same run, with --hold-down=0 (a write per change coordd sees). The
# member's data ends as the last requirement either way (the loose one,
# once the flood's binding ends with its file).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=zk.sh
. "$(dirname "$0")/zk.sh"
: "${COORDD_BIN:?}" "${ZK_PROBE_BIN:?}"
T=$(mktemp -d /tmp/qot-coordd-flood.XXXXXX)
on_exit "rm -rf $T"
# shellcheck source-path=SCRIPTDIR source=coordd_lib.sh
. "$(dirname "$0")/coordd_lib.sh"

PORT=$(free_port)
ZK=127.0.0.1:$PORT
MEMBER=/qot/timelines/tl/nodes/alpha
zk_config "$T/zk" 1 "$PORT"
zk_start "$T/zk"
wait_for 30 zk_serving "$PORT" || fail "ZooKeeper did not start"
node_qotfs alpha
mkdir "$T/alpha/tl"
exec 3>"$T/alpha/tl/bind"
echo "name=keep accuracy=1ms" >&3

version() { "$ZK_PROBE_BIN" "$ZK" version "$MEMBER" 2>/dev/null; }
data_is() { [ "$("$ZK_PROBE_BIN" "$ZK" get "$MEMBER" 2>/dev/null)" = "$1" ]; }

# flood: 200 changes of the second binding, 10 ms apart; prints the seconds taken
flood() {
	python3 - "$T/alpha/tl/bind" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY)
t0 = time.monotonic()
for i in range(200):
    os.write(fd, ("name=flood accuracy=%dus" % (10 + i % 2 * 10)).encode())
    time.sleep(0.01)
print("%.2f" % (time.monotonic() - t0))
PY
}

# run_phase HOLD_ARGS...: start coordd, flood; WRITES and SECS as counted
run_phase() {
	node_coordd alpha "$ZK" "$@"
	local pid=$BG_PID
	wait_for 30 data_is "accuracy=1ms resolution=none" || fail "no member: $(cat "$T/alpha.coordd.log")"
	local v0 v1
	v0=$(version)
	SECS=$(flood)
	# the flood's binding ended with its file: back to the loose one
	moved() { [ "$(version)" -gt "$v0" ] && data_is "accuracy=1ms resolution=none"; }
	wait_for 10 moved || fail "no change written, or not the last: $("$ZK_PROBE_BIN" "$ZK" get "$MEMBER")"
	sleep 0.3 # anything still held would land now
	v1=$(version)
	stop_pid "$pid"
	wait_for 20 not_there || fail "the member node outlived its coordd"
	WRITES=$((v1 - v0))
}
not_there() { ! "$ZK_PROBE_BIN" "$ZK" version "$MEMBER" >/dev/null 2>&1; }

run_phase
held=$WRITES secs=$SECS
note "hold-down 100ms: $held writes for 200 changes in ${secs}s"
run_phase --hold-down=0
unheld=$WRITES
note "hold-down 0 (anchor): $unheld writes for 200 changes in ${SECS}s"
# one write per hold (100 ms) at most, plus the last
limit=$(python3 -c "import math; print(math.ceil($secs / 0.1) + 2)")
[ "$held" -le "$limit" ] || fail "$held writes with the hold-down, more than $limit"
[ "$unheld" -ge $((2 * held)) ] || fail "the anchor ($unheld) is not twice the held ($held): the flood did not flood"
echo "ok: $held writes held down, $unheld without (ratio $(python3 -c "print(round($unheld / max($held, 1), 1))"))"
