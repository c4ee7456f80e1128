#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the README's run command on a bare machine - no chronyd, no
# ptp4l (an empty /run in this test's private mount namespace hides any of
# the host's sockets) - installs the sample syncd.conf, starts syncd with it
# and shows a timeline working: syncd says it found nothing and uses the
# kernel's view (source=system), a binding shows, both readers read the
# page, syncd's messages are in the log file it names, and editing the
# configuration and sending SIGHUP reloads it. Places come from the
# environment run.sh reads (QOT_ROOT...), the build from the one under test.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
: "${QOT_BUILD_DIR:?}" "${QOT_SOURCE_DIR:?}"

T=$(mktemp -d /tmp/qot-run.XXXXXX)
stop_ours() { # what run.sh left running: ours, in this test's pid namespace
	local pid
	for pid in $(pgrep -x syncd) $(pgrep -x qotfs); do stop_pid "$pid"; done
	fusermount3 -u -z "$T/qot" 2>/dev/null || true
	rm -rf "$T"
}
on_exit stop_ours
mount -t tmpfs -o mode=0755 qot-bare-run /run || fail "cannot mount an empty /run here"
unset QOT_SYNCD_CHRONY_SOCKET QOT_SYNCD_PTP_SOCKET # the default sockets, under the empty /run

note "run.sh on a bare machine"
env QOT_ROOT="$T/qot" QOT_SYNCD_CONF="$T/etc/syncd.conf" QOT_LOG_DIR="$T/log" \
	QOT_BUILD_DIR="$QOT_BUILD_DIR" QOT_RUN_NO_BUILD=1 "$QOT_SOURCE_DIR/scripts/run.sh" \
	>"$T/out" 2>&1 || fail "run.sh failed: $(cat "$T/out")"
sed 's/^/#   /' "$T/out"
has() { grep -q -- "$1" "$T/out" || fail "run.sh did not show $1"; }
has "== installed the sample $T/etc/syncd.conf"
has "its messages go to $T/log/syncd.log"
has "what syncd found:  no source configured: no chronyd (chronyd at /run/chrony/chronyd.sock: "
has "no ptp4l (ptp4l at /var/run/ptp4l: "
has "source=system status="
has "name=demo accuracy=10us"
grep -q '^[0-9]*\.[0-9]* [0-9.]* [0-9.]* [a-z]*$' "$T/out" || fail "no now line: $(cat "$T/out")"
mountpoint -q "$T/qot" || fail "run.sh left nothing mounted on $T/qot"
pgrep -x syncd >/dev/null || fail "run.sh left no syncd running"

note "the sample configuration is the installed one, and syncd reads it"
! grep -q @ "$T/etc/syncd.conf" || fail "unconfigured sample: $(grep @ "$T/etc/syncd.conf")"
grep -q "no source configured: no chronyd" "$T/log/syncd.log" ||
	fail "the log does not say what syncd found: $(cat "$T/log/syncd.log")"

note "edit it and send SIGHUP: syncd reloads it"
echo "interval 500ms" >>"$T/etc/syncd.conf"
kill -HUP "$(pgrep -x syncd)"
wait_for 10 grep -q "SIGHUP: reloading $T/etc/syncd.conf" "$T/log/syncd.log" ||
	fail "no reload: $(cat "$T/log/syncd.log")"
wait_for 10 grep -q "every 0.500 s" "$T/log/syncd.log" ||
	fail "the reloaded syncd does not use the edit: $(cat "$T/log/syncd.log")"

note "run again: it uses what runs and leaves the configuration alone"
cp "$T/etc/syncd.conf" "$T/conf.before"
env QOT_ROOT="$T/qot" QOT_SYNCD_CONF="$T/etc/syncd.conf" QOT_LOG_DIR="$T/log" \
	QOT_BUILD_DIR="$QOT_BUILD_DIR" QOT_RUN_NO_BUILD=1 "$QOT_SOURCE_DIR/scripts/run.sh" \
	>"$T/out2" 2>&1 || fail "run.sh again failed: $(cat "$T/out2")"
grep -q "syncd runs already" "$T/out2" || fail "a second syncd? $(cat "$T/out2")"
cmp -s "$T/conf.before" "$T/etc/syncd.conf" || fail "the second run changed the configuration"
[ "$(pgrep -xc syncd)" = 1 ] || fail "$(pgrep -xc syncd) syncd running"
note "ok"
