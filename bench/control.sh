#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# control.sh - what the effort controller saves on a real chronyd: a chronyd
# -x server and client on loopback (host clock untouched), the client's
# polling set by the controller (tests/integration/control_chrony, quality
# from the client's own tracking report) for requirements of 1ms, 100us and
# 20us, next to two fixed rates measured in the same run: the rate the
# controller picks for the tightest (20us), and chronyd's default (minpoll
# 6). Each phase runs WINDOW seconds after the new poll took effect and
# reports the NTP messages per second (requests the server received and
# its answers, from its serverstats), the client chronyd's CPU (in clock
# ticks: 10 ms granularity), and the fraction of samples (10 a second) at
# which chronyd's own bound (|offset| + root dispersion + root delay / 2,
# from tracking) met the requirement.
#
# Usage: bench/control.sh
# Environment: QOT_BUILD (build directory, default <repo>/build),
#              QOT_CONTROL_WINDOW (seconds per phase, default 40).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${QOT_BUILD:-$repo/build}
window=${QOT_CONTROL_WINDOW:-40}

if [[ $(id -u) -ne 0 ]]; then
	echo "control.sh: run as root (chronyd's Unix command socket)" >&2
	exit 1
fi
command -v chronyd >/dev/null || { echo "control.sh: no chronyd" >&2; exit 1; }
cmake -S "$repo" -B "$build" >/dev/null
make -C "$build" -j2 --no-print-directory control_chrony >/dev/null
ctl_bin=$build/tests/control_chrony

# shellcheck source-path=SCRIPTDIR source=../scripts/proc.sh
. "$repo/scripts/proc.sh" # stop_pid
T=$(mktemp -d /tmp/qot-control-bench.XXXXXX)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do stop_pid "$pid"; done
	rm -rf "$T"
}
trap cleanup EXIT

port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
NTP_PORT=$(port)
SERVER_CMD=$(port)
CLIENT_CMD=$(port)
mkdir -m 0750 "$T/s" "$T/c"
cat >"$T/server.conf" <<CONF
port $NTP_PORT
bindaddress 127.0.0.1
allow 127.0.0.1
local stratum 1
cmdport $SERVER_CMD
bindcmdaddress 127.0.0.1
bindcmdaddress $T/s/cmd.sock
pidfile $T/server.pid
driftfile $T/server.drift
CONF
cat >"$T/client.conf" <<CONF
port 0
cmdport $CLIENT_CMD
bindcmdaddress 127.0.0.1
bindcmdaddress $T/c/cmd.sock
server 127.0.0.1 port $NTP_PORT iburst minpoll -4 maxpoll -4
pidfile $T/client.pid
driftfile $T/client.drift
CONF
chronyd -x -d -u root -f "$T/server.conf" >"$T/server.log" 2>&1 &
pids+=("$!")
chronyd -x -d -u root -f "$T/client.conf" >"$T/client.log" 2>&1 &
client=$!
pids+=("$client")

poll_of() { chronyc -h "$T/c/cmd.sock" -n -c sources 2>/dev/null | awk -F, 'NR == 1 { print $5 }'; }
received() { chronyc -h "$T/s/cmd.sock" -c serverstats 2>/dev/null | awk -F, '{ print $1 }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$client/stat"; }
wait_poll() {
	for _ in $(seq 300); do
		[ "$(poll_of)" = "$1" ] && return 0
		sleep 0.1
	done
	echo "control.sh: the client never polled at $1 (now $(poll_of))" >&2
	exit 1
}
for _ in $(seq 300); do
	chronyc -h 127.0.0.1 -p "$CLIENT_CMD" -n tracking 2>/dev/null | grep -q "Leap status *: Normal" && break
	sleep 0.1
done
sleep 5 # a few samples at poll -4 before measuring the quality

set_poll() { "$ctl_bin" --socket "$T/c/cmd.sock" --own "$T/own.sock" --source 127.0.0.1 "$@"; }
set_fixed() {
	set_poll --accuracy none --min "$1" --max "$1" --floor 1ns --drift 0 >/dev/null
}

# phase NAME REQUIREMENT_NS: measure WINDOW seconds at the current poll.
results=$T/results
phase() {
	local name=$1 req=$2 p r0 r1 c0 c1
	p=$(poll_of)
	r0=$(received)
	c0=$(cpu_ticks)
	python3 - "$CLIENT_CMD" "$window" "$req" >"$T/met" <<'PY'
import subprocess, sys, time
port, window, req = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
met = n = 0
end = time.monotonic() + window
while time.monotonic() < end:
    out = subprocess.run(["chronyc", "-h", "127.0.0.1", "-p", port, "-n", "-c", "tracking"],
                         capture_output=True, text=True).stdout.strip().split(",")
    if len(out) >= 12:
        bound = abs(float(out[4])) + float(out[11]) + float(out[10]) / 2
        n += 1
        met += bound * 1e9 <= req
    time.sleep(0.1)
print(f"{met / n:.3f} {n}" if n else "nan 0")
PY
	r1=$(received)
	c1=$(cpu_ticks)
	read -r frac samples <"$T/met"
	python3 - "$name" "$p" "$r0" "$r1" "$c0" "$c1" "$window" "$frac" "$samples" \
		"$(getconf CLK_TCK)" >>"$results" <<'PY'
import sys
name, poll, r0, r1, c0, c1, w, frac, n, hz = sys.argv[1:]
msgs = 2 * (int(r1) - int(r0)) / float(w)  # requests received and answered
cpu = (int(c1) - int(c0)) / int(hz) * 1000 / float(w)
print(f"{name:<22} poll {int(poll):>3}  msgs/s {msgs:8.3f}  chronyd cpu {cpu:6.2f} ms/s  met {frac} of {n} samples")
PY
}

: >"$results"
min=7812500ns # 2^-7 s, chronyd's fastest
max=64s       # chronyd's default minpoll
req_ns() { python3 -c "print({'20us': 20000, '100us': 100000, '1ms': 1000000}['$1'])"; }
control() {
	local out
	out=$(set_poll --accuracy "$1" --min "$min" --max "$max" --tracking "$CLIENT_CMD")
	echo "# controller, $1: $(echo "$out" | tr '\n' ' ')" >&2
	want=${out#*poll=}
	want=${want%% *}
	wait_poll "$want"
}
# The fixed rate that meets the tightest: what the controller picks for it.
control 20us
fixed_tight=$want
set_fixed "$(python3 -c "print(int(1e9 * 2 ** $fixed_tight))")ns"
phase "fixed (meets 20us)" 20000
for req in 20us 100us 1ms; do
	control "$req"
	phase "controller $req" "$(req_ns "$req")"
done
set_fixed 64s
wait_poll 6
phase "fixed default (64s)" 1000000
echo "# $window s per phase; messages: NTP requests and answers, from the server's counts"
cat "$results"
python3 - "$results" <<'PY'
import re, sys
rows = {l[:22].strip(): float(re.search(r"msgs/s +([0-9.]+)", l).group(1)) for l in open(sys.argv[1])}
tight = rows["fixed (meets 20us)"]
for name in ("controller 1ms", "controller 100us", "controller 20us"):
    r = rows[name]
    print(f"# {name}: {tight / r:.1f}x fewer messages than the fixed rate that meets 20us" if r
          else f"# {name}: no message in the window ({tight:.3f}/s at the fixed rate)")
PY
