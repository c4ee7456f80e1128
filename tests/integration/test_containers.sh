#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: qotfs seen from containers, and a restarted qotfs showing up
# in them without a remount. The test's mount namespace is the host. It
# sets up the documented pattern (qotfs(8), CONTAINERS): a shared directory
# run/qotfs holding the mount point run/qotfs/qot, the host's qot a bind of
# it, qotfs mounted on qot (with its guardian). Each "container" is a new
# user, mount, PID and time namespace (CLOCK_MONOTONIC and CLOCK_BOOTTIME
# offset) that binds run/qotfs with slave propagation, read-only on top:
#   A  its root is the host's root (--map-root-user run by root)
#   B  its root is host uid 100000, as in a rootless or remapped container
# A also binds the mount point itself (qot-direct), which does not follow a
# restart. Clients in both must read the same time as the host, bind, and
# be refused the privileged files; then qotfs is killed twice, once alone
# (its guardian unmounts) and once with its guardian, as when a
# daemon's pod dies, and restarted - the second time from its own mount
# namespace, as a DaemonSet's container - and the containers must see the
# new mount and its data.
# Needs QOTFS_BIN, QOT_READ_BIN and EXAMPLES_DIR (set by CTest).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
: "${QOT_READ_BIN:?}" "${EXAMPLES_DIR:?}"
export LC_ALL=C

# A Python every user can run (a per-user one under /root is not B's).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

note "the Kubernetes example is well-formed"
"$PY" "$(dirname "$0")/check_k8s_example.py" --no-yaml "$EXAMPLES_DIR/k8s/qotfs-daemonset.yaml" ||
	fail "k8s example (structural check)"
if "$PY" -c 'import yaml' 2>/dev/null; then
	"$PY" "$(dirname "$0")/check_k8s_example.py" "$EXAMPLES_DIR/k8s/qotfs-daemonset.yaml" ||
		fail "k8s example (YAML)"
else
	note "  (no PyYAML: structural check only)"
fi

B=$(mktemp -d /tmp/qot-containers.XXXXXX)
chmod 755 "$B" # B's root (host uid 100000) must reach it
# Lazily, innermost first; then only what is left on this file system.
on_exit "umount -l '$B/qot' 2>/dev/null; umount -l '$B/qot' 2>/dev/null; \
umount -l '$B/run/qotfs/qot' 2>/dev/null; umount -l '$B/run/qotfs' 2>/dev/null; \
rm -rf --one-file-system '$B'"

# The page reader, where B's root can run it too.
mkdir "$B/bin"
cp "$QOT_READ_BIN" "$B/bin/qot-read"
lib=$(ldd "$QOT_READ_BIN" | awk '$1 ~ /^libqot\.so/ { print $3 }')
[ -z "$lib" ] || cp "$lib" "$B/bin/"
chmod -R a+rX "$B/bin"
export LD_LIBRARY_PATH=$B/bin
QOT_READ=$B/bin/qot-read

# probe OP PATH [TEXT]: what an operation gives, OK or the errno's name.
# probe until WANT OP PATH: repeat it until it gives WANT (10 s at most),
# then print the CLOCK_REALTIME instant (ns) when it first did.
PROBE=$(
	cat <<'PY'
import errno, os, sys, time
def run(op, path, text=None):
    try:
        if op == "read":
            with open(path, "rb") as f:
                f.read()
        elif op == "write":  # one write of text, as syncd or coordd does
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, text.encode())
            finally:
                os.close(fd)
        elif op == "mkdir":
            os.mkdir(path)
        elif op == "rmdir":
            os.rmdir(path)
        elif op == "list":
            return "OK " + " ".join(sorted(os.listdir(path)))
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
if sys.argv[1] == "until":
    want, deadline = sys.argv[2], time.monotonic() + 10
    while run(*sys.argv[3:]) != want:
        if time.monotonic() > deadline:
            sys.exit("still " + run(*sys.argv[3:]) + ", not " + want + ": " + sys.argv[4])
        time.sleep(0.001)
    print(time.time_ns())
else:
    print(run(*sys.argv[1:]))
PY
)
probe() { "$PY" -c "$PROBE" "$@"; }

# clocks: CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME in ns.
CLOCKS='import time; print(time.monotonic_ns(), time.clock_gettime_ns(time.CLOCK_BOOTTIME), time.time_ns())'
MONO_OFF=86400   # one day ahead in the containers
BOOT_OFF=172800  # two days

note "host: run/qotfs shared, qot a bind of run/qotfs/qot, qotfs on qot"
mkdir -p "$B/run/qotfs/qot" "$B/qot"
mount --bind "$B/run/qotfs" "$B/run/qotfs"
mount --make-shared "$B/run/qotfs"
mount --bind "$B/run/qotfs/qot" "$B/qot"
H=$B/qot # (not QOT_MNT: the unmounts are on_exit's)
SEEN=$B/run/qotfs/qot # where the containers' binds take it from
OPTS=(--log-level=info) # the defaults: a guardian unmounts a dead qotfs
# The guardian is gone (a zombie counts: killed processes' children are
# reparented to this shell, which reaps them only now and then).
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

is_qotfs() { [ "$(stat -f -c %T "$1" 2>/dev/null)" = fuseblk ] || [ "$(stat -f -c %T "$1" 2>/dev/null)" = fuse ]; }
start_qotfs() { # start_qotfs [PREFIX...]: qotfs on H, the same options each time
	"$@" "$QOTFS_BIN" -f "${OPTS[@]}" "$H" 2>>"$B/qotfs.log" &
	QOTFS_PID=$!
	wait_for 10 is_qotfs "$H" || fail "qotfs did not mount $H: $(cat "$B/qotfs.log")"
}
start_qotfs
is_qotfs "$SEEN" || fail "the mount on $H did not propagate to $SEEN"

# timeline NS_OFFSET BELOW ABOVE: create tl as root and publish parameters
# with real bounds, stale in 10 minutes.
timeline() {
	local now
	mkdir "$H/tl"
	now=$(date +%s%N)
	printf '%s\n' "status=synced anchor=$now timeline=$((now + $1)) freq=0 offset_below=$2 \
offset_above=$3 drift_below=0 drift_above=0 stale_after=$((now + 600000000000)) source=test" >"$H/tl/ctl"
	# The membership in one write, as coordd writes it.
	[ "$(probe write "$H/tl/members" $'leader=n1\nnode=n1 accuracy=1ms\n')" = OK ] ||
		fail "root cannot write members"
}
timeline 0 1500 2500

# ctr_start NAME OUTER_UID: a container, its namespaces held by a sleeper.
declare -A CTR_PID
ctr_start() {
	local name=$1 uid=$2 root=$B/$1 as=()
	mkdir -p "$root/run/qotfs" "$root/qot-direct"
	install -m 666 /dev/null "$root/ready"
	[ "$uid" -eq 0 ] || as=(setpriv --reuid="$uid" --regid="$uid" --clear-groups --)
	start_bg "$B/$name.log" "${as[@]}" unshare --user --map-root-user --mount --propagation slave \
		--pid --fork --kill-child --mount-proc --time --monotonic "$MONO_OFF" --boottime "$BOOT_OFF" \
		sh -ec "mount --rbind '$B/run/qotfs' '$root/run/qotfs'
			mount --make-rslave '$root/run/qotfs'
			mount -o remount,bind,ro '$root/run/qotfs'
			mount --rbind '$H' '$root/qot-direct'
			mount --make-rslave '$root/qot-direct'
			echo ready >'$root/ready'
			exec sleep 300"
	wait_for 10 grep -q ready "$root/ready" || fail "container $name: $(cat "$B/$name.log")"
	# Its first process (in its PID and time namespaces) is unshare's child.
	wait_for 5 pgrep -P "$BG_PID" >/dev/null || fail "container $name: no process"
	CTR_PID[$name]=$(pgrep -P "$BG_PID")
}
# ctr NAME COMMAND...: run COMMAND in the container, as its root, with
# QOT_ROOT where the container sees qotfs.
ctr() {
	local name=$1
	shift
	nsenter --target "${CTR_PID[$name]}" --user --mount --pid --time -- \
		env QOT_ROOT="$B/$name/run/qotfs/qot" "$@"
}
ctr_probe() { local name=$1; shift; ctr "$name" "$PY" -c "$PROBE" "$@"; }
P() { echo "$B/$1/run/qotfs/qot"; } # the mount, inside container $1

ctr_start A 0
ctr_start B 100000
# host_uid NAME: the host uid of the container's root.
host_uid() { awk '$1 == 0 { print $2 }' "/proc/${CTR_PID[$1]}/uid_map"; }
[ "$(host_uid A)" = 0 ] || fail "A's root is host uid $(host_uid A)"
[ "$(host_uid B)" = 100000 ] || fail "B's root is host uid $(host_uid B)"

# bracket 'LINE1' 'LINE2' 'LINE3': three "now" lines read one after the
# other; the middle estimate lies between the others, all else is equal.
bracket() {
	"$PY" - "$@" <<'PY'
import sys
def ns(s):
    sec, frac = s.split(".")
    return int(sec) * 10**9 + int(frac)
(e1, *r1), (e2, *r2), (e3, *r3) = (a.split() for a in sys.argv[1:])
if not ns(e1) <= ns(e2) <= ns(e3):
    sys.exit("estimates out of order: %s %s %s" % (e1, e2, e3))
if not r1 == r2 == r3:
    sys.exit("bounds or status differ: %s | %s | %s" % tuple(sys.argv[1:]))
PY
}

# clients NAME WANT_REST: what every client in container NAME must see.
clients() {
	local c=$1 want=$2 p h1 h2 cl at inner pid uid line m1 b1 r1 mc bc rc m2 b2 r2
	p=$(P "$c")

	# now, through the daemon: the host's answer, at the container's instant.
	h1=$(cat "$H/tl/now")
	cl=$(ctr "$c" cat "$p/tl/now") || fail "$c: cannot read now"
	h2=$(cat "$H/tl/now")
	bracket "$h1" "$cl" "$h2" || fail "$c: now"
	[ "${cl#* }" = "$want" ] || fail "$c: now says '$cl', not '... $want'"

	# The mapped page, projected in the container: the same, and the same
	# parameters (projections to fixed instants agree to the nanosecond).
	h1=$("$QOT_READ" "$H/tl/clock")
	cl=$(ctr "$c" "$QOT_READ" tl) || fail "$c: cannot map the clock page"
	h2=$("$QOT_READ" "$H/tl/clock")
	bracket "$h1" "$cl" "$h2" || fail "$c: mapped clock"
	at=$(date +%s%N)
	for at in $((at - 1000000000000)) "$at" $((at + 3600000000000)); do
		[ "$(ctr "$c" "$QOT_READ" --at "$at" "$p/tl/clock")" = "$("$QOT_READ" --at "$at" "$H/tl/clock")" ] ||
			fail "$c: the page's parameters differ at $at"
	done
	[ "$(ctr "$c" cat "$p/tl/ctl")" = "$(cat "$H/tl/ctl")" ] || fail "$c: ctl differs"
	[ "$(ctr "$c" cat "$p/tl/members")" = "$(cat "$H/tl/members")" ] || fail "$c: members differ"

	# The time namespace is real: MONOTONIC and BOOTTIME are offset in the
	# container, REALTIME (the base of every timeline) is not.
	read -r m1 b1 r1 < <("$PY" -c "$CLOCKS")
	read -r mc bc rc < <(ctr "$c" "$PY" -c "$CLOCKS")
	read -r m2 b2 r2 < <("$PY" -c "$CLOCKS")
	((m1 + MONO_OFF * 1000000000 <= mc && mc <= m2 + MONO_OFF * 1000000000)) ||
		fail "$c: CLOCK_MONOTONIC $mc not offset by $MONO_OFF s ($m1..$m2)"
	((b1 + BOOT_OFF * 1000000000 <= bc && bc <= b2 + BOOT_OFF * 1000000000)) ||
		fail "$c: CLOCK_BOOTTIME $bc not offset by $BOOT_OFF s ($b1..$b2)"
	((r1 <= rc && rc <= r2)) || fail "$c: CLOCK_REALTIME $rc outside $r1..$r2"

	# Privileged inputs: refused to the container's root, whatever it maps to.
	for f in tl/ctl tl/members .coordination; do
		line=$(ctr_probe "$c" write "$p/$f" "$(cat "$H/$f")")
		[ "$line" = EACCES ] || fail "$c: writing $f gave $line, not EACCES"
	done
	line=$(ctr_probe "$c" rmdir "$p/tl")
	[ "$line" = EPERM ] || fail "$c: removing the host's timeline gave $line, not EPERM"
	# Its own timelines it may create and remove.
	[ "$(ctr_probe "$c" mkdir "$p/mine-$c")" = OK ] || fail "$c: mkdir"
	uid=$(host_uid "$c")
	[ "$(stat -c %u "$H/mine-$c")" = "$uid" ] || fail "$c: its timeline is not owned by uid $uid"
	[ "$(ctr_probe "$c" rmdir "$p/mine-$c")" = OK ] || fail "$c: rmdir"

	# Bind from the container; the host sees it, with the process's host
	# PID and the container's root's host uid; unbind by closing.
	rm -f "$B/held" "$B/release"
	mkfifo -m 666 "$B/held" "$B/release"
	timeout 20 nsenter --target "${CTR_PID[$c]}" --user --mount --pid --time -- \
		sh -c "exec 3>'$p/tl/bind' && echo name=ctr-$c accuracy=1ms >&3 &&
		echo \$\$ >'$B/held' && read -r _ <'$B/release'" &
	local binder=$!
	inner=$(timeout 10 cat "$B/held") || fail "$c: did not bind"
	line=$(grep "name=ctr-$c " "$H/tl/bindings") || fail "$c: binding not in bindings"
	pid=$(sed -n 's/.* pid=\([0-9]*\) .*/\1/p' <<<"$line")
	[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$pid/status")" = "$inner" ] ||
		fail "$c: binding's pid $pid is not the container's process $inner: $line"
	[ "$(readlink "/proc/$pid/ns/user")" = "$(readlink "/proc/${CTR_PID[$c]}/ns/user")" ] ||
		fail "$c: binding's pid $pid is not in the container"
	grep -q " uid=$uid " <<<"$line" || fail "$c: binding not charged to uid $uid: $line"
	timeout 10 sh -c "echo go >'$B/release'" || fail "$c: binder gone"
	wait "$binder" || fail "$c: binder failed"
	wait_for 5 sh -c "! grep -q 'name=ctr-$c ' '$H/tl/bindings'" || fail "$c: binding outlived its file"
}

note "clients in A and B read the host's time, bind, and are refused ctl and members"
clients A "0.000001500 0.000002500 synced"
clients B "0.000001500 0.000002500 synced"
[ "$(ctr_probe A read "$B/A/qot-direct/tl/now")" = OK ] || fail "A: the direct bind does not work"

# The client of the Kubernetes example, its script run in B: it binds, and
# binds again after each restart below.
note "the example client binds from B"
client=$("$PY" "$(dirname "$0")/check_k8s_example.py" --client-script \
	"$EXAMPLES_DIR/k8s/qotfs-daemonset.yaml") || fail "no client script"
start_bg "$B/client.log" ctr B sh -c "$client"
client_bound() { grep -q " uid=100000 name=qot-client accuracy=1ms " "$H/app/bindings" 2>/dev/null; }
wait_for 10 client_bound || fail "the example client did not bind: $(cat "$B/client.log")"

# Outage 1: qotfs alone is killed; its guardian unmounts, and the unmount
# reaches the containers.
note "kill -9 qotfs: the containers see the empty directory under the mount, read-only"
helper=$(pgrep -P "$QOTFS_PID" -x qotfs-guardian) || fail "no guardian"
t0=$(date +%s%N)
{ kill -KILL "$QOTFS_PID" && wait "$QOTFS_PID"; } 2>/dev/null || true
wait_for 10 gone "$helper" || fail "the guardian is still running"
! grep -F " $H " /proc/self/mountinfo | grep -q " - fuse.qotfs " ||
	fail "the guardian left the dead mount: $(cat "$B/qotfs.log")"
note "  the guardian unmounted it within $((($(date +%s%N) - t0) / 1000000)) ms of kill -9"
for c in A B; do
	line=$(ctr_probe "$c" read "$(P "$c")/tl/now")
	[ "$line" = ENOENT ] || fail "$c: reading a timeline gave $line, not ENOENT"
	[ "$(ctr_probe "$c" list "$(P "$c")")" = "OK " ] || fail "$c: the directory is not empty"
	[ "$(ctr_probe "$c" mkdir "$(P "$c")/tl")" = EROFS ] || fail "$c: could write the directory"
done
[ "$(ctr_probe A read "$B/A/qot-direct/tl/now")" = ENOTCONN ] || fail "A: direct bind"

note "restart qotfs on the host: the containers see it, nothing remounted in them"
t1=$(date +%s%N)
start_qotfs
t=$(ctr_probe A until OK read "$(P A)/.timelines") || fail "A: $t"
note "  A saw the new mount $(((t - t1) / 1000000)) ms after qotfs was started"
timeline 1000000000 3000 4000
clients A "0.000003000 0.000004000 synced"
clients B "0.000003000 0.000004000 synced"
line=$(ctr_probe A read "$B/A/qot-direct/tl/now")
[ "$line" = ENOTCONN ] || fail "A: the direct bind gave $line after the restart, not ENOTCONN"
wait_for 10 client_bound || fail "the example client did not bind again: $(cat "$B/client.log")"

# Outage 2: qotfs dies with its guardian (a pod's processes all killed); the
# dead mount stays everywhere until the next qotfs clears it.
note "kill -9 qotfs and its guardian: the containers see ENOTCONN"
helper=$(pgrep -P "$QOTFS_PID" -x qotfs-guardian) || fail "no guardian"
{ kill -KILL "$helper" "$QOTFS_PID" && wait "$QOTFS_PID"; } 2>/dev/null || true
wait_for 5 gone "$helper" || fail "the guardian is still running"
# Nothing is left to unmount it: the dead mount stays, on the host too.
mounts=$(grep -F " $B/" /proc/self/mountinfo | grep -c " - fuse.qotfs ")
[ "$mounts" -eq 2 ] || fail "$mounts qotfs mounts on the host, not the 2 dead ones"
[ "$(probe read "$H/tl/now")" = ENOTCONN ] || fail "host: not ENOTCONN"
for c in A B; do
	line=$(ctr_probe "$c" read "$(P "$c")/tl/now")
	[ "$line" = ENOTCONN ] || fail "$c: $line, not ENOTCONN"
done

note "restart qotfs in its own mount namespace (as a DaemonSet's container): it clears the dead mount"
t1=$(date +%s%N)
start_qotfs unshare --mount --propagation unchanged
for c in A B; do
	t=$(ctr_probe "$c" until OK read "$(P "$c")/.timelines") || fail "$c: $t"
done
note "  the containers saw the new mount $(((t - t1) / 1000000)) ms after qotfs was started"
grep -q "cleared the dead mount of an earlier qotfs on $H" "$B/qotfs.log" ||
	fail "no dead mount cleared: $(cat "$B/qotfs.log")"
mounts=$(grep -F " $B/" /proc/self/mountinfo | grep -c " - fuse.qotfs ")
[ "$mounts" -eq 2 ] || fail "$mounts qotfs mounts on the host, not 2 ($H and $SEEN)"
timeline -1000000000 5000 6000
clients A "0.000005000 0.000006000 synced"
clients B "0.000005000 0.000006000 synced"
wait_for 10 client_bound || fail "the example client did not bind again: $(cat "$B/client.log")"

note "qotfs stops cleanly: its unmount reaches the host and the containers"
kill -TERM "$QOTFS_PID"
rc=0
wait "$QOTFS_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "qotfs exited with $rc after SIGTERM"
QOTFS_PID=""
! is_qotfs "$H" || fail "host: still mounted"
[ "$(ctr_probe B read "$(P B)/tl/now")" = ENOENT ] || fail "B: still sees a mount"
echo "PASS"
