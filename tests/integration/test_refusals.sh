#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: refused writes say why. For each writable file, a refused
# line gets its errno on a real mount, qot-check(1) gives the reason for the
# same text, and qotfs logs the refusal at debug level with the same reason,
# rate limited. Durations as people write them (1.5ms, 10µs, 1min) are
# taken; a write-only timer fails to open with EINVAL.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
: "${QOT_CHECK_BIN:?}"

T=$(mktemp -d /tmp/qot-refusals.XXXXXX)
on_exit "rm -rf '$T'"
QOT_MNT=$(mktemp -d /tmp/qotfs-test.XXXXXX)
"$QOTFS_BIN" -f --log-level=debug "$QOT_MNT" 2>"$T/qotfs.log" &
QOTFS_PID=$!
wait_for 10 mountpoint -q "$QOT_MNT" || fail "qotfs did not mount"
mkdir "$QOT_MNT/tl"

# write FILE TEXT [rw]: one write(2) of TEXT; prints ok or the errno's name.
write() {
	python3 - "$1" "$2" "${3:-w}" <<'PY'
import errno, os, sys
try:
    fd = os.open(sys.argv[1], os.O_RDWR if sys.argv[3] == "rw" else os.O_WRONLY)
    os.write(fd, sys.argv[2].encode())
    print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
PY
}

# refused PATH TEXT ERRNO REASON [rw]: the write fails with ERRNO; qot-check
# and the log give REASON (a fixed string).
refused() {
	local path=$1 text=$2 want=$3 reason=$4 got out
	got=$(write "$QOT_MNT/$path" "$text" "${5:-w}")
	[ "$got" = "$want" ] || fail "$path <- '$text': $got, expected $want"
	out=$(printf '%s' "$text" | "$QOT_CHECK_BIN" "$QOT_MNT/$path") && fail "qot-check took '$text' for $path"
	grep -qF "refused with $want" <<<"$out" || fail "qot-check $path: $out"
	grep -qF -- "$reason" <<<"$out" || fail "qot-check $path gives no reason '$reason': $out"
	wait_for 5 grep -qF -- "refused a write to $path by pid" "$T/qotfs.log" ||
		fail "no refusal of $path in the log: $(cat "$T/qotfs.log")"
	grep -F -- "refused a write to $path by pid" "$T/qotfs.log" | tail -1 | grep -qF -- "$reason" ||
		fail "the log gives another reason for $path: $(grep -F "$path" "$T/qotfs.log")"
	note "  $path: $out"
}

note "each writable file: the errno, and the reason from qot-check and the log"
refused tl/bind $'name=my app accuracy=10us\n' EINVAL "'app' is not KEY=VALUE"
refused tl/requirements $'accuracy=fast\n' EINVAL "accuracy: 'fast' is not a duration"
refused tl/ctl $'status=synced\n' EINVAL "anchor= is missing"
refused tl/note $'free text\n' EINVAL "the first word must be KEY=VALUE"
refused tl/members $'leader=a\nnode=b\n' EINVAL "the leader a is not a member"
refused .coordination $'node=a until=-5\n' EINVAL "until: must not be negative"
refused tl/hlc $'abc\n' EINVAL "expected a timestamp as hlc prints it"
refused tl/timer $'period=0.5us\n' EINVAL "period: at least 1us" rw
# (the bind file again, with another reason: the log's last line for it)
refused tl/bind $'accuracy=10us\n' EINVAL "name= is missing"

note "durations as people write them are taken"
exec 3>"$QOT_MNT/tl/bind"
echo "name=dec accuracy=1.5ms resolution=1min" >&3
grep -q "name=dec accuracy=1500us resolution=60s" "$QOT_MNT/tl/bindings" ||
	fail "1.5ms and 1min: $(cat "$QOT_MNT/tl/bindings")"
exec 3>&-
exec 3>"$QOT_MNT/tl/bind"
echo "name=micro accuracy=10µs resolution=2.5μs" >&3
grep -q "name=micro accuracy=10us resolution=2500ns" "$QOT_MNT/tl/bindings" ||
	fail "µs and μs: $(cat "$QOT_MNT/tl/bindings")"
exec 3>&-
"$QOT_CHECK_BIN" tl/timer "period=1.5ms phase=0.5ms" >/dev/null || fail "qot-check refused a decimal period"

note "a write-only timer fails to open with EINVAL; read-write and read-only open"
got=$(python3 -c 'import errno, os, sys
try:
    os.open(sys.argv[1], os.O_WRONLY); print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])' "$QOT_MNT/tl/timer")
[ "$got" = EINVAL ] || fail "write-only timer: $got"
[ "$(write "$QOT_MNT/tl/timer" $'period=1s\n' rw)" = ok ] || fail "a read-write timer did not arm"
[ "$(python3 -c 'import os, sys; os.close(os.open(sys.argv[1], os.O_RDONLY)); print("ok")' \
	"$QOT_MNT/tl/timer")" = ok ] || fail "a read-only timer did not open"

note "the log is rate limited: 40 more refusals, at most 10 logged per 10 s"
before=$(grep -c "refused a write to" "$T/qotfs.log")
start=$SECONDS
python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
for _ in range(40):
    try:
        os.write(fd, b"name=my app\n")
    except OSError:
        pass' "$QOT_MNT/tl/bind"
elapsed=$((SECONDS - start))
n=$(($(grep -c "refused a write to" "$T/qotfs.log") - before))
allowed=$(((elapsed / 10 + 2) * 10)) # the windows the loop can touch
if [ "$allowed" -lt 40 ]; then
	[ "$n" -le "$allowed" ] || fail "$n of 40 refusals logged in $elapsed s"
	note "  $n of 40 refusals logged in $elapsed s"
else
	note "  $n of 40 refusals logged in $elapsed s: too slow a run to tell"
fi
qotfs_stop
note "ok"
