#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: a timeline's note (qot(7) note), the one channel of the sync
# daemon's words for sync. Kept as written and shown at the end of sync
# without the marks of its readings; a change wakes the pollers of sync
# unless only the readings' values moved; privileged writes only; a clear
# errno for malformed text; ctl takes the parameters' line alone; not kept
# across a restart of qotfs.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d /tmp/qot-note.XXXXXX)
on_exit "rm -rf '$T'"
qotfs_start
mkdir "$QOT_MNT/tl"
NOTE=$QOT_MNT/tl/note

# write FILE TEXT: one write(2) of TEXT; prints ok or the errno's name.
write() {
	python3 - "$1" "$2" <<'PY'
import errno, os, sys
try:
    fd = os.open(sys.argv[1], os.O_WRONLY)
    os.write(fd, sys.argv[2].encode())
    print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
PY
}

note "empty at first; sync ends at met= (no state stated)"
[ -z "$(cat "$NOTE")" ] || fail "a new note: $(cat "$NOTE")"
grep -q " met=[a-z]*$" "$QOT_MNT/tl/sync" || fail "sync: $(cat "$QOT_MNT/tl/sync")"

note "written as one line; read back as written; sync shows it without the marks"
A="peer=follow upstream=a epoch=1 ~age=0.100 ~delay=0.000012000 effort=controlled control=met reason=bound 9us at interval 4s"
[ "$(write "$NOTE" "$A"$'\n')" = ok ] || fail "a note was refused"
[ "$(cat "$NOTE")" = "$A" ] || fail "read back: $(cat "$NOTE")"
want="met=yes peer=follow upstream=a epoch=1 age=0.100 delay=0.000012000 effort=controlled control=met reason=bound 9us at interval 4s"
grep -qF -- "$want" "$QOT_MNT/tl/sync" || fail "sync: $(cat "$QOT_MNT/tl/sync")"
note "  $(cat "$QOT_MNT/tl/sync")"

note "malformed: EINVAL, too long: EMSGSIZE, unprivileged: EACCES; nothing changes"
for bad in "free text first"$'\n' "a=1"$'\n'"b=2"$'\n' $'a=1\r\n' "  "$'\n' "=1" "~ a=1"; do
	[ "$(write "$NOTE" "$bad")" = EINVAL ] || fail "'$bad': $(write "$NOTE" "$bad")"
done
[ "$(write "$NOTE" "k=$(printf '%*s' 1021 '' | tr ' ' x)")" = ok ] || fail "1023 bytes refused"
[ "$(write "$NOTE" "k=$(printf '%*s' 1022 '' | tr ' ' x)")" = EMSGSIZE ] || fail "1024 bytes taken"
[ "$(write "$NOTE" "$A"$'\n')" = ok ] || fail "a note was refused"
if setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo a=1 >'$NOTE'" 2>/dev/null; then
	fail "an unprivileged write to the note was taken"
fi
[ "$(cat "$NOTE")" = "$A" ] || fail "changed by a refused write: $(cat "$NOTE")"

note "ctl takes the parameters' line alone: a second line is EINVAL"
now=$(date +%s%N)
P="status=synced anchor=$now timeline=$now freq=0 offset_below=1000 offset_above=1000 drift_below=0 drift_above=0 stale_after=$((now + 60000000000)) source=x"
[ "$(write "$QOT_MNT/tl/ctl" "$P"$'\npeer=root\n')" = EINVAL ] || fail "ctl took a second line"
[ "$(write "$QOT_MNT/tl/ctl" "$P"$'\n')" = ok ] || fail "ctl refused the parameters"
[ "$(cat "$NOTE")" = "$A" ] || fail "a ctl write changed the note: $(cat "$NOTE")"

note "pollers of sync: woken by news, not by readings that moved"
python3 - "$QOT_MNT/tl/sync" "$NOTE" "$A" >"$T/poll" 2>&1 <<'PY' || fail "$(cat "$T/poll")"
import os, select, sys
sync, note, a = sys.argv[1:]
fd = os.open(sync, os.O_RDONLY)
p = select.poll()
p.register(fd, select.POLLIN | select.POLLPRI)

def read():
    return os.pread(fd, 4096, 0).decode()

def put(text):
    w = os.open(note, os.O_WRONLY)
    os.write(w, (text + "\n").encode())
    os.close(w)

def ready(ms):
    return bool(p.poll(ms))

read()
assert not ready(0), "ready with nothing new"
put(a.replace("~age=0.100", "~age=0.900").replace("~delay=0.000012000", "~delay=0.000013000"))
assert not ready(0), "woken by the age and delay alone"
assert "age=0.900 delay=0.000013000" in read(), "the new age not shown"
put(a.replace("control=met", "control=unmeetable"))
assert ready(5000), "not woken by a new control="
assert "control=unmeetable" in read()
put(a.replace("control=met", "control=unmeetable").replace("upstream=a", "upstream=b"))
assert ready(5000), "not woken by a new upstream="
read()
put(a.replace("control=met", "control=unmeetable").replace("upstream=a", "upstream=b"))
assert not ready(0), "woken by the same text"
put("")
assert ready(5000), "not woken by the note cleared"
assert read().rstrip("\n").endswith("met=yes"), "the cleared note still shown"
print("ok")
PY
[ -z "$(cat "$NOTE")" ] || fail "not cleared: $(cat "$NOTE")"

note "the note is not kept across a restart of qotfs"
[ "$(write "$NOTE" "$A"$'\n')" = ok ] || fail "a note was refused"
qotfs_stop keep
qotfs_start
mkdir "$QOT_MNT/tl"
[ -z "$(cat "$NOTE")" ] || fail "kept across a restart: $(cat "$NOTE")"

note "a removed timeline's note: ENOENT"
exec 3>"$NOTE"
rmdir "$QOT_MNT/tl"
if echo "a=1" >&3 2>/dev/null; then fail "a removed timeline's note took a write"; fi
exec 3>&-
qotfs_stop
note "ok"
