#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the timer file from real bash, cat, head, timeout and Python,
# and the examples that wait (shell, C, Python).
# Needs QOTFS_BIN, QOT_PERIODIC_BIN and EXAMPLES_DIR (set by CTest).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# ns since the epoch of "S.F" (a now or timer line's first field).
ns_of() {
	local s=${1%%.*} f=${1#*.}
	echo $((s * 1000000000 + 10#$f))
}
seconds_of() {
	printf '%d.%09d' $(($1 / 1000000000)) $(($1 % 1000000000))
}
now_ns() {
	local t rest
	read -r t rest <"$QOT_MNT/tl/now"
	ns_of "$t"
}

note "the timer options refuse bad values"
for bad in --max-wait=0 --max-wait=3601 --max-wait=soon --max-timers=0; do
	rc=0
	"$QOTFS_BIN" "$bad" /nonexistent 2>/tmp/qotfs-wait-opt.err || rc=$?
	[ "$rc" -eq 2 ] || fail "$bad: exit status $rc, not 2"
	grep -q "expected an integer" /tmp/qotfs-wait-opt.err || fail "$bad: $(cat /tmp/qotfs-wait-opt.err)"
done
rm -f /tmp/qotfs-wait-opt.err
"$QOTFS_BIN" --help | grep -q -- "--max-wait=SECONDS" || fail "--help lacks --max-wait"

qotfs_start --max-wait=1
M=$QOT_MNT
mkdir "$M/tl"

note "a while-read loop ticks at each boundary, one line per tick"
ticks=$({ echo period=200ms >&0; n=0; while read -r t _ _ status; do echo "$t $status"; n=$((n + 1)); [ $n -lt 3 ] || break; done; } <>"$M/tl/timer")
[ "$(wc -l <<<"$ticks")" -eq 3 ] || fail "ticks: $ticks"
prev=0
while read -r t status; do
	ns=$(ns_of "$t")
	b=$((ns / 200000000))
	[ "$b" -gt "$prev" ] || fail "two ticks in one period: $ticks"
	[ "$status" = unsynced ] || fail "status $status"
	prev=$b
done <<<"$ticks"

note "head -n takes ticks from a period; cat takes one line from an instant, then end of file"
exec 3<>"$M/tl/timer"
echo period=100ms >&3
[ "$(head -n 2 <&3 | wc -l)" -eq 2 ] || fail "head"
exec 3>&-
T=$(($(now_ns) + 300000000))
out=$(exec 3<>"$M/tl/timer"; echo "at=$(seconds_of "$T")" >&3; cat <&3)
[ "$(wc -l <<<"$out")" -eq 1 ] || fail "cat: $out"
[ "$(ns_of "${out%% *}")" -ge "$T" ] || fail "early: $out for $T"

note "--max-wait=1: a read parked that long is answered EINTR (a raw read(2) sees it)"
# Python's os.read retries EINTR (PEP 475); read(2) through ctypes does not.
# The instant is 20 s away: an EINTR before it can only be --max-wait.
T=$(($(now_ns) + 20000000000))
out=$(python3 - "$M/tl/timer" "$(seconds_of "$T")" <<'PY'
import ctypes, errno, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open(sys.argv[1], os.O_RDWR)
os.write(fd, f"at={sys.argv[2]}\n".encode())
buf = ctypes.create_string_buffer(256)
start = time.monotonic()
n = libc.read(fd, buf, 256)
err = ctypes.get_errno()
print(f"n={n} errno={errno.errorcode.get(err, err) if n < 0 else 0} "
      f"after_ms={(time.monotonic() - start) * 1000:.0f} line={buf.value[:max(n, 0)]!r}")
PY
)
note "$out"
case $out in
"n=-1 errno=EINTR "*) ;;
*) fail "a read parked past --max-wait=1 was not answered EINTR: $out" ;;
esac
# Not before the second it may wait (a lower bound: load only makes it later).
after=${out#*after_ms=}
[ "${after%% *}" -ge 900 ] || fail "answered EINTR before --max-wait: $out"

note "a read parked past --max-wait is restarted by its reader, unseen"
T=$(($(now_ns) + 2500000000))
out=$(exec 3<>"$M/tl/timer"; echo "at=$(seconds_of "$T")" >&3; timeout -k 1 20 cat <&3)
[ "$(ns_of "${out%% *}")" -ge "$T" ] || fail "early after restarts: $out for $T"
T=$(($(now_ns) + 2500000000))
t=$({ echo "at=$(seconds_of "$T")" >&0; read -r t _; echo "$t"; } <>"$M/tl/timer")
[ "$(ns_of "$t")" -ge "$T" ] || fail "bash read early after restarts: $t for $T"

note "Ctrl-C on a blocked cat returns at once"
start=$SECONDS
rc=0
(exec 3<>"$M/tl/timer"; echo at=9000000000 >&3; exec timeout -s INT 0.5 cat <&3) || rc=$?
[ "$rc" -eq 124 ] || fail "cat ended with $rc"
[ $((SECONDS - start)) -lt 10 ] || fail "Ctrl-C took $((SECONDS - start)) s"

note "a read before anything was written, and bad lines, fail clearly"
if cat "$M/tl/timer" 2>/dev/null; then fail "unarmed read succeeded"; fi
if (echo period=0s >"$M/tl/timer") 2>/dev/null; then fail "period=0s accepted"; fi

note "examples: the shell loop, the C periodic task, Python with open/read/mmap"
out=$(QOT_ROOT=$M "$EXAMPLES_DIR/qot-tick.sh" tl 2 100ms)
[ "$(grep -c '^tick ' <<<"$out")" -eq 2 ] || fail "qot-tick.sh: $out"
out=$(QOT_ROOT=$M "$QOT_PERIODIC_BIN" -n 5 -p 20000000 -P 5000000 tl)
[ "$(wc -l <<<"$out")" -eq 5 ] || fail "qot-periodic: $out"
while read -r boundary woke late rest; do
	b=${boundary#boundary=}
	[ $(((b - 5000000) % 20000000)) -eq 0 ] || fail "boundary off the period: $boundary"
	[ "${woke#woke=}" -ge "$b" ] || fail "qot-periodic woke early: $boundary $woke $late"
done <<<"$out"
out=$(QOT_ROOT=$M python3 "$EXAMPLES_DIR/qot_wait.py" --count 3 --period 100ms tl)
[ "$(grep -c '^tick ' <<<"$out")" -eq 3 ] || fail "qot_wait.py: $out"
anchor=$(date +%s%N)
echo "status=synced anchor=$anchor timeline=$anchor freq=0 offset_below=100000000 \
offset_above=100000000 drift_below=0 drift_above=0 stale_after=never" >"$M/tl/ctl"
T=$(now_ns)
out=$(QOT_ROOT=$M python3 "$EXAMPLES_DIR/qot_wait.py" --commit "$(seconds_of "$T")" tl)
read -r _ est below _ <<<"$out"
[ $(($(ns_of "$est") - $(ns_of "$below"))) -gt "$T" ] || fail "commit-wait early: $out"

qotfs_stop
echo "PASS"
