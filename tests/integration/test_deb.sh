#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the Debian packages. From a copy of the source tree,
# `dpkg-buildpackage -us -uc -b` builds qotfs, libqot0 and libqot-dev;
# lintian reports no error; they install (no service starts, no time daemon
# touched); the installed qotfs mounts a temporary mount point (never /qot)
# and the installed syncd disciplines a timeline on it, read through the
# installed example and a program built against libqot-dev with pkg-config;
# the man pages render without warnings and the units verify and run the
# installed binaries; a purge leaves none of their files behind.
# Skipped (77) without the packaging tools, without root, when the packages
# are installed already (an administrator's: never touched), or in a
# sanitized build (the packages build from the tree alone, with Debian's
# flags: the plain run of the suite has tested them).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
: "${QOT_SOURCE_DIR:?}" "${QOT_VERSION:?}"
scripts=$QOT_SOURCE_DIR/scripts
packages=(qotfs libqot0 libqot-dev)

skip() {
	echo "SKIP: $*"
	exit 77
}
for tool in dpkg-buildpackage dh lintian apt-get systemd-analyze man pkg-config cc; do
	command -v "$tool" >/dev/null || skip "$tool is missing (scripts/deps.sh test installs it)"
done
[ "$(id -u)" -eq 0 ] || skip "installing packages needs root"
[ "${QOT_SANITIZE:-0}" != 1 ] || skip "the packages do not depend on this build: tested by the plain run"
for p in "${packages[@]}"; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv "not-installed"; then
		skip "$p is installed on this host already: not touching it"
	fi
done

T=$(mktemp -d /tmp/qot-deb.XXXXXX)
installed=false
purge() {
	fusermount3 -u -z "$T/qot" 2>/dev/null || true
	if $installed; then
		apt-get purge -y -qq -o DPkg::Lock::Timeout=300 "${packages[@]}" >"$T/purge.log" 2>&1 || cat "$T/purge.log" >&2
	fi
	rm -rf "$T"
}
on_exit purge

note "dpkg-buildpackage -us -uc -b, from a copy of the tree"
src=$T/qotfs-$QOT_VERSION
mkdir "$src"
if git -C "$QOT_SOURCE_DIR" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$QOT_SOURCE_DIR" ls-files -co --exclude-standard | grep -v '^fuzz/corpus/' |
		(cd "$QOT_SOURCE_DIR" && tar -cf - -T -) | tar -xf - -C "$src"
else
	(cd "$QOT_SOURCE_DIR" && tar -cf - --exclude='./build*' --exclude=./fuzz/corpus .) |
		tar -xf - -C "$src"
fi
start=$SECONDS
(cd "$src" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	>"$T/build.log" 2>&1 || fail "dpkg-buildpackage: $(tail -30 "$T/build.log")"
note "  built in $((SECONDS - start)) s"
debs=()
for p in "${packages[@]}"; do
	f=$T/${p}_${QOT_VERSION}_$(dpkg --print-architecture).deb
	[ -f "$f" ] || fail "no $f: $(ls "$T")"
	debs+=("$f")
done

note "lintian: no errors"
lintian --allow-root --fail-on error "$T"/qotfs_*.changes >"$T/lintian.log" 2>&1 ||
	fail "lintian: $(cat "$T/lintian.log")"
note "  lintian warnings: $(grep -c '^W:' "$T/lintian.log" || true)"

note "the contents: daemons, units, man pages; the library; its header and qot.pc"
contents() { dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\.||'; }
has() {
	local deb=$1 list
	shift
	list=$(contents "$deb") # whole, before grep -q (SIGPIPE under pipefail)
	for f in "$@"; do
		grep -qx -- "$f" <<<"$list" || fail "$(basename "$deb") lacks $f"
	done
}
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
has "${debs[0]}" /usr/sbin/qotfs /usr/sbin/syncd /usr/sbin/coordd /usr/bin/qot-align \
	/lib/systemd/system/qotfs.service /lib/systemd/system/syncd.service \
	/lib/systemd/system/coordd.service /etc/qot/syncd.conf /usr/share/man/man8/qotfs.8.gz \
	/usr/share/man/man7/qot.7.gz /usr/share/doc/qotfs/copyright
has "${debs[1]}" "/usr/lib/$ma/libqot.so.0"
has "${debs[2]}" /usr/include/qot.h "/usr/lib/$ma/pkgconfig/qot.pc" "/usr/lib/$ma/libqot.so" \
	/usr/share/man/man3/qot.3.gz
dpkg-deb -f "${debs[0]}" Depends | grep -q 'libzookeeper-mt' || fail "qotfs does not depend on its libraries"

note "install (apt-get, from the files; no service starts)"
installed=true
(. "$scripts/aptguard.sh" && QOT_APT_NO_UPDATE=1 aptguard_install "${debs[@]}") \
	>"$T/install.log" 2>&1 || fail "install: $(cat "$T/install.log")"
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" | grep -q "install ok installed" || fail "$p not installed"
done
dpkg -L "${packages[@]}" | sort -u >"$T/files"
for b in /usr/sbin/qotfs /usr/sbin/syncd /usr/sbin/coordd /usr/bin/qot-align /usr/bin/qot-check \
	/usr/bin/qotctl; do
	"$b" --version | grep -q "$QOT_VERSION" || fail "$b --version: $("$b" --version)"
done

note "man pages: installed and rendered without warnings"
while read -r page; do
	[ -f "$page" ] || fail "$page is not installed (dpkg path-exclude?)"
	warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$warnings" ] || fail "$page: $warnings"
done < <(grep '/usr/share/man/.*\.gz$' "$T/files")
[ "$(grep -c '/usr/share/man/.*\.gz$' "$T/files")" -ge 10 ] || fail "fewer than 10 man pages"
[ "$(man -w 8 qotfs)" = /usr/share/man/man8/qotfs.8.gz ] || fail "man -w 8 qotfs: $(man -w 8 qotfs)"

note "units: verify, run the installed binaries, not enabled by the install"
(cd /lib/systemd/system && systemd-analyze verify qotfs.service syncd.service coordd.service \
	qotctl-metrics.service qotctl-metrics.timer) \
	>"$T/verify.log" 2>&1 || fail "systemd-analyze verify: $(cat "$T/verify.log")"
grep -q '^ExecStart=/usr/sbin/qotfs -f ' /lib/systemd/system/qotfs.service || fail "qotfs.service ExecStart"
grep -q '^ExecStart=/usr/sbin/syncd -f -c /etc/qot/syncd.conf' /lib/systemd/system/syncd.service ||
	fail "syncd.service ExecStart"
for u in qotfs.service syncd.service coordd.service qotctl-metrics.timer; do
	! ls /etc/systemd/system/*.wants/"$u" >/dev/null 2>&1 || fail "the install enabled $u"
done
/usr/sbin/syncd --check-config -c /etc/qot/syncd.conf >"$T/check.log" 2>&1 ||
	fail "the installed syncd.conf: $(cat "$T/check.log")"

note "the installed qotfs and syncd at work on a temporary mount point"
QOT_MNT=$T/qot
mkdir "$QOT_MNT"
/usr/sbin/qotfs -f "$QOT_MNT" >"$T/qotfs.log" 2>&1 &
QOTFS_PID=$!
wait_for 10 mountpoint -q "$QOT_MNT" || fail "the installed qotfs did not mount: $(cat "$T/qotfs.log")"
mkdir "$QOT_MNT/tl"
printf 'mount %s\nrundir %s/run\ninterval 100ms\nsource kernel system\n' "$QOT_MNT" "$T" >"$T/syncd.conf"
start_bg "$T/syncd.log" /usr/sbin/syncd -f -c "$T/syncd.conf"
# shellcheck disable=SC2031 # start_bg sets it here, not in a subshell
SYNCD_PID=$BG_PID
wait_for 10 grep -q "source=kernel" "$QOT_MNT/tl/sync" ||
	fail "the installed syncd did not publish: $(cat "$QOT_MNT/tl/sync"; cat "$T/syncd.log")"
QOT_ROOT=$QOT_MNT python3 /usr/share/doc/qotfs/examples/qot_clock.py tl >"$T/py.out" ||
	fail "the installed example"
/usr/bin/qotctl --mount "$QOT_MNT" status >"$T/qotctl.out" 2>&1 || fail "qotctl status: $(cat "$T/qotctl.out")"
grep -q '^tl ' "$T/qotctl.out" || fail "qotctl status: $(cat "$T/qotctl.out")"
cat >"$T/read.c" <<'C'
#include <qot.h>
#include <stdio.h>
int main(void)
{
	qot_clock *clk;
	struct qot_time t;
	if (qot_clock_open("tl", &clk) != 0 || qot_clock_read(clk, &t) != 0)
		return 1;
	printf("%lld\n", (long long)t.estimate);
	qot_clock_close(clk);
	return 0;
}
C
# shellcheck disable=SC2046 # pkg-config's words are meant to split
cc -o "$T/read" "$T/read.c" $(pkg-config --cflags --libs qot) || fail "building against libqot-dev"
# ldd's whole output first: grep -q stops reading at its match, and under
# pipefail ldd's SIGPIPE would fail the pipeline.
links=$(ldd "$T/read")
grep -q "libqot.so.0 => .*/lib/$ma/libqot.so.0 " <<<"$links" || fail "not linked to the installed libqot: $links"
QOT_ROOT=$QOT_MNT "$T/read" >"$T/c.out" || fail "the program built against libqot-dev"
now=$(date +%s)
est=$(cat "$T/c.out")
diff=$((est / 1000000000 - now))
[ "${diff#-}" -le 5 ] || fail "libqot read $est at $now"
stop_pid "$SYNCD_PID"
qotfs_stop

note "purge: none of their files is left"
apt-get purge -y -qq -o DPkg::Lock::Timeout=300 "${packages[@]}" >"$T/purge.log" 2>&1 || fail "purge: $(cat "$T/purge.log")"
installed=false
for p in "${packages[@]}"; do
	! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv "not-installed" ||
		fail "$p still known to dpkg: $(dpkg-query -W -f='${Status}' "$p")"
done
while read -r f; do
	[ -d "$f" ] && continue # shared directories (/usr/sbin...) stay
	[ ! -e "$f" ] || fail "left after the purge: $f"
done <"$T/files"
[ ! -e /etc/qot ] || fail "left after the purge: /etc/qot ($(ls -A /etc/qot))"
note "ok"
