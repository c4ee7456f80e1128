#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# control-peer.sh - what the effort controller saves on a peer timeline
# (syncd(8), CONTROL and PEER SYNCHRONIZATION). Three nodes in network
# namespaces (tests/integration/peer_lib.sh: a qotfs and a syncd each, the
# membership written as coordd would; a leads with a reference, b and c
# follow it), as root. For each requirement (1ms, 100us, 20us), bound on b
# and c (and in every node's membership with b's and c's requirement, as
# coordd carries it: so a's `cluster` asks for it too), three runs of the
# same syncds, in one run of the script:
#   ctl      `control tl on min 50ms max 8s`, tick 50 ms (the bound is
#            published at each tick: as often as the fastest exchanges):
#            the controller chooses the exchange interval;
#   fixed    interval 50ms, no controller: the fixed rate of the fastest
#            effort the controller may use (the rate that meets the
#            tightest requirement, when any does);
#   default  interval 1s, no controller: syncd's default rate.
# After a warm-up (QOT_CTL_WARMUP s) each run is measured for
# QOT_CTL_WINDOW s: UDP datagrams per second per member node (in and out,
# the namespace's own counters: only the peer protocol uses UDP there),
# syncd's CPU per member (utime + stime, clock ticks of 10 ms, as ms/s),
# and the fraction of samples (10 a second, of b's and c's `sync`) with
# met=yes: qotfs's own judgment of the published bound against the
# requirement. Prints the table and the ratios of messages against the
# fixed rate.
#
# Usage: bench/control-peer.sh
# Environment: QOT_BUILD (build directory, default <repo>/build),
#              QOT_CTL_WINDOW (seconds measured per run, default 20),
#              QOT_CTL_WARMUP (seconds before measuring, default 6),
#              QOT_CTL_REQS (the requirements, loosest first, default
#              "1ms 100us 20us"; the last is the anchor's),
#              QOT_CTL_MODES (default "ctl fixed default"; the summary
#              needs all three),
#              QOT_CTL_TRACE (a directory: every sample of b's and c's `sync`
#              kept there, one file per run, and each syncd's log, for a
#              closer look).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${QOT_BUILD:-$repo/build}
window=${QOT_CTL_WINDOW:-20}
warmup=${QOT_CTL_WARMUP:-6}
reqs=${QOT_CTL_REQS:-1ms 100us 20us}
trace=${QOT_CTL_TRACE:-}
modes=${QOT_CTL_MODES:-ctl fixed default}

if [[ $(id -u) -ne 0 ]]; then
	echo "control-peer.sh: run as root (network namespaces, privileged qotfs files)" >&2
	exit 1
fi
if [[ -z ${QOT_CTL_IN_NS:-} ]] && command -v unshare >/dev/null; then
	export QOT_CTL_IN_NS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi
cmake -S "$repo" -B "$build" >/dev/null
cmake --build "$build" -j2 --target qotfs syncd peer_judge >/dev/null

export QOTFS_BIN=$build/qotfs/qotfs SYNCD_BIN=$build/syncd/syncd
export PEER_JUDGE_BIN=$build/tests/peer_judge
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
. "$repo/tests/integration/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../tests/integration/peer_lib.sh
. "$repo/tests/integration/peer_lib.sh"

TL=tl
peer_net 4 a b c
for n in a b c; do
	peer_mount "$n" "$TL"
	peer_lease "$n"
	peer_members "$n" "$TL" a a b c
done

datagrams() { # in + out of the node's namespace
	ip netns exec "${NS[$1]}" cat /proc/net/snmp |
		awk '/^Udp:/ { n++ } /^Udp:/ && n == 2 { print $2 + $5 }'
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/${SPID[$1]}/stat"; }

# run REQ MODE: one measured run; prints "REQ MODE msgs/s/node cpu_ms/s met% interval".
run() {
	local req=$1 mode=$2 head d0 d1 c0 c1 t0 t1 met
	head="peer keyfile $PEER_T/keys missed 2 timeout 200ms
maxslew 10000
holdover 60s"
	case $mode in
	ctl) head+=$'\ninterval 50ms\n'"control $TL on min 50ms max 8s" ;;
	fixed) head+=$'\ninterval 50ms' ;;
	default) head+=$'\ninterval 1s' ;;
	esac
	peer_syncd a "$head
source ref freerun reference yes
timeline $TL peer ref"
	wait_for 20 sync_has a "$TL" "peer=root" || fail "a: $(cat "$PEER_T/syncd-a.log")"
	for n in b c; do
		peer_syncd "$n" "$head
source own freerun
timeline $TL peer own"
	done
	exec 5>"${MNT[b]}/$TL/bind" 6>"${MNT[c]}/$TL/bind"
	echo "name=bench accuracy=$req" >&5
	echo "name=bench accuracy=$req" >&6
	# b's and c's requirement in every node's membership, as their coordds
	# would publish it: the cluster file of each node (a's too) asks for it.
	members="leader=a
node=a peer=${ADDR[a]}:3219 rank=0
node=b accuracy=$req peer=${ADDR[b]}:3219 rank=1
node=c accuracy=$req peer=${ADDR[c]}:3219 rank=2
"
	for n in a b c; do
		printf '%s' "$members" >"${MNT[$n]}/$TL/members" # one write(2)
	done
	for n in b c; do
		wait_for 20 sync_has "$n" "$TL" "peer=follow" ||
			fail "$n: $(cat "${MNT[$n]}/$TL/sync" "$PEER_T/syncd-$n.log")"
	done
	sleep "$warmup"
	d0=$(($(datagrams b) + $(datagrams c))) c0=$(($(cpu_ticks b) + $(cpu_ticks c)))
	t0=$(date +%s%N)
	met=$(python3 - "$window" "${trace:+$trace/$req-$mode}" "${MNT[b]}/$TL/sync" \
		"${MNT[c]}/$TL/sync" <<'PY'
import sys, time
end, yes, n = time.monotonic() + float(sys.argv[1]), 0, 0
keep = open(sys.argv[2], "w") if sys.argv[2] else None
while time.monotonic() < end:
    for i, p in enumerate(sys.argv[3:]):
        with open(p) as f:
            line = f.read()
        yes += " met=yes" in line
        n += 1
        if keep:
            keep.write(f"{time.monotonic():.3f} {'bc'[i]} {line}")
    time.sleep(0.1)
print(f"{100.0 * yes / max(n, 1):.1f}")
PY
)
	d1=$(($(datagrams b) + $(datagrams c))) c1=$(($(cpu_ticks b) + $(cpu_ticks c)))
	t1=$(date +%s%N)
	interval=0.05 # fixed; default: 1 s; ctl: what c's controller chose last
	[ "$mode" = default ] && interval=1
	[ "$mode" = ctl ] && interval=$(grep -o 'interval=[0-9.]*' "${MNT[c]}/$TL/sync" | cut -d= -f2)
	exec 5>&- 6>&-
	for n in a b c; do stop_pid "${SPID[$n]}"; done
	for n in a b c; do [ -z "$trace" ] || cp "$PEER_T/syncd-$n.log" "$trace/$req-$mode-$n.log"; done
	python3 -c "
dt = ($t1 - $t0) / 1e9
print('%-6s %-8s %10.2f %10.2f %7s %10s' % ('$req', '$mode', ($d1 - $d0) / dt / 2,
      ($c1 - $c0) * 10 / dt / 2, '$met', '${interval:--}'))"
}

printf '%-6s %-8s %10s %10s %7s %10s\n' req mode "msgs/s" "cpu_ms/s" "met%" "interval"
: >"$PEER_T/table"
[ -z "$trace" ] || mkdir -p "$trace"
# shellcheck disable=SC2086 # a list of words
for req in $reqs; do
	for mode in $modes; do
		run "$req" "$mode" | tee -a "$PEER_T/table"
	done
done
[ "$modes" = "ctl fixed default" ] || exit 0
python3 - "$PEER_T/table" <<'PY'
import sys
rows, reqs = {}, []
for line in open(sys.argv[1]):
    req, mode, msgs, cpu, met, _ = line.split()
    rows[(req, mode)] = (float(msgs), float(cpu), float(met))
    reqs += [req] if req not in reqs else []
# the anchor: the fixed rate of the tightest requirement measured (20us)
tight = reqs[-1]
fixed = rows[(tight, "fixed")][0]
for req in reqs:
    c, f, d = rows[(req, "ctl")], rows[(req, "fixed")], rows[(req, "default")]
    print(f"{req}: controller {c[0]:.2f} msgs/s/node, {fixed / max(c[0], 1e-9):.1f}x fewer "
          f"than the fixed rate for {tight} ({fixed:.2f}); met {c[2]:.1f}% vs fixed {f[2]:.1f}%, "
          f"default {d[2]:.1f}%; cpu {c[1]:.2f} vs {f[1]:.2f} vs {d[1]:.2f} ms/s")
PY
