#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: syncd disciplines a timeline from a real ptp4l.
# Two network namespaces joined by a veth pair, both made by this test; a
# ptp4l master in one, a slave in the other, software timestamping and
# free_running 1 (neither adjusts any clock). Both share the host's one
# clock, so the true offset is 0. syncd reads the slave's management socket
# (a file, reachable from here).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
: "${SYNCD_BIN:?}" "${QOT_READ_BIN:?}"
command -v ptp4l >/dev/null || fail "ptp4l is not installed (scripts/deps.sh installs it)"

T=$(mktemp -d /tmp/qot-ptp.XXXXXX)
on_exit "rm -rf $T"
# Unique per run: in its pid namespace every run is pid 1, and netns names are global.
id=$(od -An -N3 -tx1 /dev/urandom | tr -d " \n")
NS_M=qotm$id NS_S=qots$id IF_M=vqm$id IF_S=vqs$id
ip netns add "$NS_M"
on_exit "ip netns del $NS_M"
ip netns add "$NS_S"
on_exit "ip netns del $NS_S"
ip link add "$IF_M" type veth peer name "$IF_S"
ip link set "$IF_M" netns "$NS_M"
ip link set "$IF_S" netns "$NS_S"
ip -n "$NS_M" addr add 10.99.0.1/24 dev "$IF_M"
ip -n "$NS_S" addr add 10.99.0.2/24 dev "$IF_S"
for ns in "$NS_M" "$NS_S"; do ip -n "$ns" link set lo up; done
ip -n "$NS_M" link set "$IF_M" up
ip -n "$NS_S" link set "$IF_S" up

conf() { # conf NAME EXTRA...
	{
		printf '[global]\nfree_running 1\nnetwork_transport UDPv4\ntime_stamping software\n'
		printf 'logSyncInterval -3\nlogAnnounceInterval -2\nlogMinDelayReqInterval -3\n'
		printf 'announceReceiptTimeout 3\nuds_address %s/%s.sock\n' "$T" "$1"
		shift
		printf '%s\n' "$@"
	} >"$T/$1.conf"
}
conf master "priority1 10"
conf slave "slaveOnly 1"
start_master() {
	start_bg "$T/master.log" ip netns exec "$NS_M" ptp4l -f "$T/master.conf" -i "$IF_M" -m
	MASTER_PID=$BG_PID
}

note "ptp4l master and slave over a veth pair, clocks untouched (free_running 1)"
start_master
start_slave() {
	start_bg "$T/slave.log" ip netns exec "$NS_S" ptp4l -f "$T/slave.conf" -i "$IF_S" -m
	SLAVE_PID=$BG_PID
}
start_slave
slave_has_gm() {
	pmc -u -b 0 -s "$T/slave.sock" -i "$T/pmc.sock" 'GET TIME_STATUS_NP' 2>/dev/null |
		grep -q "gmPresent *true"
}
wait_for 30 slave_has_gm || fail "the slave never found the master: $(tail -5 "$T/slave.log")"

qotfs_start
mkdir "$QOT_MNT/tl" "$QOT_MNT/earlier"
cat >"$T/syncd.conf" <<CONF
mount $QOT_MNT
rundir $T
interval 250ms
holdover 5s
source p ptp socket $T/slave.sock poll 125ms missed 4
source w ptp socket $T/slave.sock poll 125ms missed 4 estimator window
timeline earlier w
timeline * p
control tl on
CONF
start_bg "$T/syncd.log" "$SYNCD_BIN" -f -c "$T/syncd.conf"
synced() { [ "$(field "$QOT_MNT/$1/sync" status)" = synced ]; }
wait_for 10 synced tl || fail "never synced: $(cat "$QOT_MNT/tl/sync"); $(cat "$T/syncd.log")"

note "synced: the interval contains the true offset, 0"
check_truth tl 0 >/dev/null # already, with the wide bound of the first samples
tight() { python3 -c "import sys; sys.exit(not float('$(field "$QOT_MNT/tl/sync" below)') < 0.001)"; }
wait_for 10 tight || fail "bound never tight: $(cat "$QOT_MNT/tl/sync")"
for _ in $(seq 40); do line=$(check_truth tl 0); sleep 0.05; done
note "  $line"
parts=$(report_parts tl 0 40) || exit 1
note "  default allowance (the mean path delay): $parts"
note "controlled: the sync interval observed (logSyncInterval -3: 125 ms), not chosen"
observed() {
	grep -q "effort=observed interval=0.125000000 msgs=8.000/s control=none .*set by the PTP master" \
		"$QOT_MNT/tl/sync"
}
wait_for 10 observed || fail "no interval observed: $(cat "$QOT_MNT/tl/sync")"
exec 3>"$QOT_MNT/tl/bind"
echo "name=tight accuracy=1ns" >&3
unmeetable() { grep -q "interval=0.125000000 msgs=8.000/s control=unmeetable reason=" "$QOT_MNT/tl/sync"; }
wait_for 10 unmeetable || fail "1ns met?: $(cat "$QOT_MNT/tl/sync")"
note "  $(sed -n 's/.*\(effort=.*\)/\1/p' "$QOT_MNT/tl/sync")"
exec 3>&-
note "the earlier estimator (estimator window) on the same ptp4l, for comparison"
wait_for 10 synced earlier || fail "earlier never synced: $(cat "$QOT_MNT/earlier/sync")"
parts=$(report_parts earlier 0 40) || exit 1
note "  default allowance: $parts"

note "master gone: holdover, bounds growing, still containing the truth"
stop_pid "$MASTER_PID"
wait_for 10 sh -c "grep -q status=holdover '$QOT_MNT/tl/sync'" ||
	fail "no holdover: $(cat "$QOT_MNT/tl/sync")"
b1=$(field "$QOT_MNT/tl/sync" below)
check_truth tl 0 >/dev/null
grown() { python3 -c "import sys; sys.exit(not float('$(field "$QOT_MNT/tl/sync" below)') > float('$b1'))"; }
wait_for 5 grown || fail "bound not growing from $b1"
check_truth tl 0 >/dev/null

note "master back: synced again"
start_master
wait_for 30 synced tl || fail "not synced again: $(cat "$QOT_MNT/tl/sync")"
check_truth tl 0 >/dev/null

note "the ptp4l syncd asks restarts: its socket is found again"
stop_pid "$SLAVE_PID"
wait_for 10 sh -c "! grep -q status=synced '$QOT_MNT/tl/sync'" || fail "still synced without ptp4l"
start_slave
wait_for 30 synced tl || fail "not synced after the restart: $(cat "$QOT_MNT/tl/sync")"
check_truth tl 0 >/dev/null
qotfs_stop
echo PASS
