#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the run and test commands never touch the host's time
# synchronization. On a machine where systemd-timesyncd is installed (built
# as a dpkg status for apt-get -s: this host is not changed), what
# `deps.sh run` and `deps.sh test` would install removes no time daemon and
# installs none; asking for the chrony package there is refused, naming what
# it would remove. Then, on this host as it is, running both installs no time
# daemon, removes none, and leaves every running one running.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
scripts=$(cd "$(dirname "$0")/../../scripts" && pwd)
command -v apt-get >/dev/null || fail "apt-get is needed: deps.sh is for Debian"

T=$(mktemp -d /tmp/qot-deps.XXXXXX)
on_exit "rm -rf '$T'"
daemons="chrony ntp ntpsec openntpd systemd-timesyncd ptpd"

note "a dpkg status with systemd-timesyncd installed and no other time daemon"
apt-cache show --no-all-versions systemd-timesyncd >"$T/timesyncd" ||
	fail "apt-cache knows no systemd-timesyncd (apt-get update first)"
awk -v daemons=" $daemons " 'BEGIN { RS = ""; ORS = "\n\n" }
	{ split($0, l, "\n"); sub(/^Package: /, "", l[1]) }
	index(daemons, " " l[1] " ") == 0 && $0 !~ /\nProvides:[^\n]*time-daemon/' \
	/var/lib/dpkg/status >"$T/status"
awk 'BEGIN { RS = ""; ORS = "\n\n" } NR == 1 {
	sub(/\n/, "\nStatus: install ok installed\n")
	gsub(/\n(Filename|Size|MD5sum|SHA256|Description-md5):[^\n]*/, ""); print }' \
	"$T/timesyncd" >>"$T/status"
export QOT_APT_OPTS="-o Dir::State::status=$T/status"
policy=$(apt-cache -o "Dir::State::status=$T/status" policy systemd-timesyncd)
grep -q 'Installed: [0-9]' <<<"$policy" ||
	fail "the built status does not show systemd-timesyncd installed"

for mode in run test; do
	note "deps.sh $mode there: installs and removes no time daemon"
	"$scripts/deps.sh" "$mode" --simulate >"$T/$mode.out" 2>&1 ||
		fail "deps.sh $mode --simulate refused: $(cat "$T/$mode.out")"
	grep -q '^aptguard: would remove: nothing$' "$T/$mode.out" ||
		fail "deps.sh $mode would remove packages: $(grep 'would remove' "$T/$mode.out")"
	for d in $daemons; do
		grep '^aptguard: would install:' "$T/$mode.out" | grep -qw -- "$d" &&
			fail "deps.sh $mode would install the time daemon $d"
	done
done
grep '^aptguard: would install:' "$T/run.out" | grep -Eqw 'clang|openjdk-17-jre-headless|linuxptp' &&
	fail "deps.sh run would install test-only packages: $(grep 'would install' "$T/run.out")"

note "the guard itself: the chrony package there is refused, naming what it removes"
if (. "$scripts/aptguard.sh" && aptguard_check chrony) >"$T/chrony.out" 2>&1; then
	fail "installing chrony over systemd-timesyncd was not refused: $(cat "$T/chrony.out")"
fi
grep -q 'would remove: systemd-timesyncd' "$T/chrony.out" ||
	fail "the refusal does not say it removes systemd-timesyncd: $(cat "$T/chrony.out")"
grep -q 'QOT_DEPS_ALLOW_TIME_DAEMON=1' "$T/chrony.out" || fail "the refusal says no way ahead"
(. "$scripts/aptguard.sh" && QOT_DEPS_ALLOW_TIME_DAEMON=1 aptguard_check chrony) >/dev/null 2>&1 ||
	fail "QOT_DEPS_ALLOW_TIME_DAEMON=1 did not let it go ahead"
unset QOT_APT_OPTS

# The time daemons dpkg knows here, with their state, and the running ones.
time_state() {
	local d
	for d in $daemons; do
		echo "$d $(dpkg-query -W -f='${Status}' "$d" 2>/dev/null || echo unknown)"
	done
	# (the tests' own chronyd run with -x, and come and go)
	for pid in $(pgrep -x 'chronyd|ntpd|systemd-timesyn' || true); do
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- ' -x' ||
			echo "running: $pid $(cat "/proc/$pid/comm" 2>/dev/null)"
	done
}
if [ "$(id -u)" -eq 0 ]; then
	note "this host: deps.sh run and test leave its time daemons as they are"
	time_state >"$T/before"
	"$scripts/deps.sh" run >"$T/real-run.out" 2>&1 || fail "deps.sh run: $(cat "$T/real-run.out")"
	"$scripts/deps.sh" test >"$T/real-test.out" 2>&1 || fail "deps.sh test: $(cat "$T/real-test.out")"
	time_state >"$T/after"
	diff "$T/before" "$T/after" >&2 || fail "the time daemons changed"
	sed 's/^/#   /' "$T/after"
else
	note "not root: the deps.sh runs on this host are left out"
fi
note "ok"
