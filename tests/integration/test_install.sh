#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: `cmake --install` into a prefix (and into a DESTDIR staging)
# puts every file where it belongs; the systemd units pass systemd-analyze
# verify and say what they must; every installed program answers --version
# with the project's version; and a C program built with pkg-config against
# the installed libqot, shared and static, reads a timeline's clock page on
# a mount of the installed qotfs.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
: "${QOT_BUILD_DIR:?}" "${QOT_SOURCE_DIR:?}" "${QOT_VERSION:?}" "${CMAKE_COMMAND:?}" "${QOT_CC:?}"
: "${QOT_BINDIR:?}" "${QOT_SBINDIR:?}" "${QOT_LIBDIR:?}" "${QOT_INCLUDEDIR:?}" "${QOT_MANDIR:?}"
: "${QOT_DOCDIR:?}" "${QOT_SYSCONFDIR:?}"
for tool in pkg-config readelf systemd-analyze man; do
	command -v "$tool" >/dev/null || fail "$tool is needed (scripts/deps.sh installs it)"
done

T=$(mktemp -d /tmp/qot-install.XXXXXX)
on_exit "rm -rf '$T'"
P=$T/prefix
major=${QOT_VERSION%%.*}
# The installed libraries of a sanitized build need the sanitizers' runtime.
sanitize=()
[ "${QOT_SANITIZE:-0}" = 1 ] && sanitize=("-fsanitize=address,undefined")

note "cmake --install --prefix $P"
"$CMAKE_COMMAND" --install "$QOT_BUILD_DIR" --prefix "$P" >"$T/install.log" 2>&1 ||
	fail "cmake --install: $(cat "$T/install.log")"
while read -r f; do
	case $f in "$P"/*) ;; *) fail "installed outside the prefix: $f" ;; esac
done <"$QOT_BUILD_DIR/install_manifest.txt"

note "every expected file"
expect_file() { # expect_file TEST PATH...
	local t=$1
	shift
	for f in "$@"; do test "$t" "$P/$f" || fail "missing (test $t): $P/$f"; done
}
expect_file -x "$QOT_SBINDIR/qotfs" "$QOT_SBINDIR/syncd" "$QOT_SBINDIR/coordd" \
	"$QOT_BINDIR/qot-align" "$QOT_BINDIR/qot-check" "$QOT_BINDIR/qotctl"
expect_file -f "$QOT_LIBDIR/libqot.so.$QOT_VERSION" "$QOT_LIBDIR/libqot.a" \
	"$QOT_INCLUDEDIR/qot.h" "$QOT_LIBDIR/pkgconfig/qot.pc"
[ "$(readlink "$P/$QOT_LIBDIR/libqot.so.$major")" = "libqot.so.$QOT_VERSION" ] ||
	fail "libqot.so.$major does not link to libqot.so.$QOT_VERSION"
[ "$(readlink "$P/$QOT_LIBDIR/libqot.so")" = "libqot.so.$major" ] ||
	fail "libqot.so does not link to libqot.so.$major"
grep -q "(SONAME).*\[libqot.so.$major\]" <<<"$(readelf -d "$P/$QOT_LIBDIR/libqot.so.$QOT_VERSION")" ||
	fail "the soname of libqot is not libqot.so.$major"
# Only the API is exported: every defined dynamic symbol is qot_*.
others=$(nm -D --defined-only "$P/$QOT_LIBDIR/libqot.so" | awk '$2 ~ /^[TDBR]$/ && $3 !~ /^qot_/')
[ -z "$others" ] || fail "libqot.so exports more than its API: $others"
cmp -s "$P/$QOT_INCLUDEDIR/qot.h" "$QOT_SOURCE_DIR/lib/qot.h" || fail "qot.h differs from lib/qot.h"
# Every page of the source tree, in its section: a new page missing from
# the install list fails here.
pages=0
for page in "$QOT_SOURCE_DIR"/man/*.[1-8]; do
	name=${page##*/}
	expect_file -f "$QOT_MANDIR/man${name##*.}/$name"
	pages=$((pages + 1))
	# The version in every page's title line is the project's.
	grep -q "^\.TH .* \"qotfs $QOT_VERSION\" " "$page" || fail "$name: .TH does not say qotfs $QOT_VERSION"
done
[ "$pages" -ge 8 ] || fail "only $pages manual pages found"
unitdir=lib/systemd/system
expect_file -f "$unitdir/qotfs.service" "$unitdir/syncd.service" "$unitdir/coordd.service" \
	"$unitdir/qotctl-metrics.service" "$unitdir/qotctl-metrics.timer"
conf=$QOT_SYSCONFDIR/qot
expect_file -f "$conf/qotfs.env" "$conf/syncd.env" "$conf/coordd.env" "$conf/syncd.conf"
expect_file -f "$QOT_DOCDIR/examples/qot_clock.py"
note "  $(wc -l <"$QOT_BUILD_DIR/install_manifest.txt") files"

note "every installed program answers --version with $QOT_VERSION"
n=0
for prog in "$P/$QOT_BINDIR"/* "$P/$QOT_SBINDIR"/*; do
	out=$("$prog" --version) || fail "$prog --version failed"
	read -r name version _ <<<"$out"
	[ "$name $version" = "${prog##*/} $QOT_VERSION" ] || fail "$prog --version: '$out'"
	n=$((n + 1))
done
[ "$n" -eq 6 ] || fail "$n installed programs, expected 6 (qotfs, syncd, coordd, qot-align, qot-check, qotctl)"
export PKG_CONFIG_PATH=$P/$QOT_LIBDIR/pkgconfig
pkg-config --validate qot || fail "qot.pc is not valid"
[ "$(pkg-config --modversion qot)" = "$QOT_VERSION" ] || fail "qot.pc version $(pkg-config --modversion qot)"

note "the units: systemd-analyze verify, and what they must say"
# verify loads each unit as systemd would: unknown keys, bad values and
# dependencies are reported on stderr, ExecStart= programs must exist, and
# with MANPATH the Documentation= pages must be installed.
(cd "$P/$unitdir" && MANPATH=$P/$QOT_MANDIR systemd-analyze verify --man=yes \
	./qotfs.service ./syncd.service ./coordd.service ./qotctl-metrics.service ./qotctl-metrics.timer) >"$T/verify.log" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$T/verify.log")"
[ ! -s "$T/verify.log" ] || fail "systemd-analyze verify complains: $(cat "$T/verify.log")"
# unit_get UNIT KEY: the values of KEY, one per line (assignments at line starts).
unit_get() {
	sed -n "s/^$2=//p" "$P/$unitdir/$1"
}
expect_key() { # expect_key UNIT KEY VALUE
	grep -qxF -- "$3" <<<"$(unit_get "$1" "$2")" || fail "$1: no $2=$3 (has: $(unit_get "$1" "$2" | tr '\n' ' '))"
}
expect_key qotfs.service ExecStart "$P/$QOT_SBINDIR/qotfs -f --state-dir=/var/lib/qot \$QOTFS_OPTIONS /qot"
expect_key qotfs.service StateDirectory qot
expect_key qotctl-metrics.service ExecStart "$P/$QOT_BINDIR/qotctl --mount /qot metrics -o /var/lib/prometheus/node-exporter/qot.prom"
expect_key qotctl-metrics.timer OnUnitActiveSec 15s
expect_key qotfs.service EnvironmentFile "-$P/$conf/qotfs.env"
expect_key qotfs.service Restart always
expect_key qotfs.service DeviceAllow "/dev/fuse rw"
expect_key qotfs.service ProtectClock yes
# Any file system namespacing would keep the mount inside the service.
for key in ProtectSystem ProtectHome PrivateTmp PrivateDevices PrivateMounts PrivateUsers \
	ReadOnlyPaths ReadWritePaths InaccessiblePaths ExecPaths NoExecPaths TemporaryFileSystem \
	BindPaths BindReadOnlyPaths ProtectKernelTunables ProtectKernelModules ProtectKernelLogs \
	ProtectControlGroups ProtectProc ProcSubset MountFlags RootDirectory RootImage; do
	[ -z "$(unit_get qotfs.service "$key")" ] || fail "qotfs.service sets $key: the mount would stay in its namespace"
done
expect_key syncd.service ExecStart "$P/$QOT_SBINDIR/syncd -f -c $P/$conf/syncd.conf \$SYNCD_OPTIONS"
expect_key syncd.service EnvironmentFile "-$P/$conf/syncd.env"
expect_key syncd.service RuntimeDirectory qot
expect_key coordd.service ExecStart "$P/$QOT_SBINDIR/coordd -f \$COORDD_OPTIONS"
expect_key coordd.service EnvironmentFile "-$P/$conf/coordd.env"
expect_key coordd.service ProtectClock yes
for unit in syncd.service coordd.service; do
	# Restarting qotfs must not restart them: ordered after it and wanting
	# it, nothing stronger.
	grep -qx qotfs.service <<<"$(unit_get "$unit" Wants | tr ' ' '\n')" || fail "$unit: not Wants=qotfs.service"
	grep -qx qotfs.service <<<"$(unit_get "$unit" After | tr ' ' '\n')" || fail "$unit: not After=qotfs.service"
	for key in Requires Requisite BindsTo PartOf Upholds; do
		[ -z "$(unit_get "$unit" "$key")" ] || fail "$unit: $key= would tie it to qotfs"
	done
	expect_key "$unit" Restart on-failure
	expect_key "$unit" RestartPreventExitStatus 2
done
for unit in qotfs.service syncd.service coordd.service; do
	expect_key "$unit" Type simple
	! grep -q CAP_SYS_TIME "$P/$unitdir/$unit" || fail "$unit: CAP_SYS_TIME"
	grep -q "^CapabilityBoundingSet=" "$P/$unitdir/$unit" || fail "$unit: capabilities not bounded"
done
expect_key qotfs.service CapabilityBoundingSet "CAP_SYS_ADMIN CAP_SYS_PTRACE"
expect_key syncd.service CapabilityBoundingSet "CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH"
expect_key coordd.service CapabilityBoundingSet ""

note "the sample configuration: all commented out, and its examples valid"
for env in qotfs syncd coordd; do
	! grep -qvE '^(#|$)' "$P/$conf/$env.env" || fail "$env.env sets something"
	grep -q "^#${env^^}_OPTIONS=\"" "$P/$conf/$env.env" || fail "$env.env: no example ${env^^}_OPTIONS"
done
# The unit's syncd command line, checking its configuration as installed.
"$P/$QOT_SBINDIR/syncd" --check-config -c "$P/$conf/syncd.conf" >"$T/check.out" 2>&1 ||
	fail "the installed syncd.conf: $(cat "$T/check.out")"
grep -qx "timeline \* system" "$T/check.out" || fail "the sample syncd.conf is not the defaults"
sed -n 's/^#\([a-z]\)/\1/p' "$P/$conf/syncd.conf" >"$T/examples.conf"
"$P/$QOT_SBINDIR/syncd" --check-config -c "$T/examples.conf" >"$T/check.out" 2>&1 ||
	fail "the examples of syncd.conf: $(cat "$T/check.out")"
grep -qx "timeline \* ntp kernel" "$T/check.out" || fail "the examples of syncd.conf were not all read"

note "installing again keeps the configuration, replaces the rest"
echo 'QOTFS_OPTIONS="--max-timelines=7"' >>"$P/$conf/qotfs.env"
echo '# edited' >>"$P/$unitdir/qotfs.service"
touch -d '2001-01-01' "$P/$unitdir/qotfs.service" # edited long ago, not this very second
"$CMAKE_COMMAND" --install "$QOT_BUILD_DIR" --prefix "$P" >"$T/install.log" 2>&1 ||
	fail "cmake --install again: $(cat "$T/install.log")"
grep -qx 'QOTFS_OPTIONS="--max-timelines=7"' "$P/$conf/qotfs.env" || fail "qotfs.env was overwritten"
grep -q "Keeping: $P/$conf/qotfs.env" "$T/install.log" || fail "no 'Keeping' message"
! grep -q '^# edited' "$P/$unitdir/qotfs.service" || fail "qotfs.service was not replaced"

note "DESTDIR staging: the same files, paths without the staging directory"
S=$T/stage
DESTDIR=$S "$CMAKE_COMMAND" --install "$QOT_BUILD_DIR" --prefix /opt/qotfs >"$T/install.log" 2>&1 ||
	fail "DESTDIR install: $(cat "$T/install.log")"
diff <(cd "$P" && find . | sort) <(cd "$S/opt/qotfs" && find . | sort) >"$T/diff" ||
	fail "DESTDIR install differs from the prefix install: $(cat "$T/diff")"
[ "$(find "$S" -mindepth 1 -maxdepth 1)" = "$S/opt" ] || fail "DESTDIR install wrote outside its prefix"
grep -qx "ExecStart=/opt/qotfs/$QOT_SBINDIR/qotfs -f --state-dir=/var/lib/qot \$QOTFS_OPTIONS /qot" \
	"$S/opt/qotfs/$unitdir/qotfs.service" || fail "staged qotfs.service does not run /opt/qotfs/$QOT_SBINDIR/qotfs"
! grep -rq "$S" "$S/opt/qotfs/$unitdir" "$S/opt/qotfs/$conf" || fail "the staging directory leaked into a file"

note "a program built with pkg-config: shared and static libqot"
cat >"$T/reader.c" <<'C'
/* Read a timeline's clock page through libqot: live, and projected. */
#include <qot.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	struct qot_clock_params params;
	struct qot_time now, at;
	int64_t ignored;
	qot_clock *clk;
	int err;

	if (argc != 3)
		return 2;
	err = qot_clock_open(argv[1], &clk);
	if (err == 0)
		err = qot_clock_read(clk, &now);
	if (err == 0)
		err = qot_clock_params_read(clk, &params, &ignored);
	if (err) {
		fprintf(stderr, "reader: %s: %s\n", argv[1], qot_strerror(err));
		return 1;
	}
	qot_project(&params, strtoll(argv[2], NULL, 10), &at);
	printf("libqot %s now %s -%llu/+%llu at %lld %s -%llu/+%llu\n", QOT_VERSION_STRING,
	       qot_status_name(now.status), (unsigned long long)now.below,
	       (unsigned long long)now.above, (long long)at.estimate, qot_status_name(at.status),
	       (unsigned long long)at.below, (unsigned long long)at.above);
	qot_clock_close(clk);
	return 0;
}
C
# Control: without pkg-config's flags the header and library are not found,
# so what follows does test qot.pc.
if "$QOT_CC" "${sanitize[@]}" -o "$T/control" "$T/reader.c" -lqot >/dev/null 2>&1; then
	fail "libqot builds without pkg-config's flags: an installed copy would hide a broken qot.pc"
fi
read -ra cflags <<<"$(pkg-config --cflags qot)"
read -ra libs <<<"$(pkg-config --libs qot)"
read -ra static_libs <<<"$(pkg-config --static --libs qot)"
"$QOT_CC" "${sanitize[@]}" -o "$T/reader-shared" "$T/reader.c" "${cflags[@]}" "${libs[@]}" ||
	fail "building against the shared libqot"
grep -q "(NEEDED).*\[libqot.so.$major\]" <<<"$(readelf -d "$T/reader-shared")" ||
	fail "reader-shared does not need libqot.so.$major"
if [ ${#sanitize[@]} -eq 0 ]; then
	# Fully static: qot.pc's private libraries must be complete.
	"$QOT_CC" -static -o "$T/reader-static" "$T/reader.c" "${cflags[@]}" "${static_libs[@]}" ||
		fail "building fully static"
else
	# The sanitizers' runtime cannot be linked -static: libqot.a alone, then.
	note "  (sanitized build: libqot.a linked in, the C library and sanitizers shared)"
	"$QOT_CC" "${sanitize[@]}" -o "$T/reader-static" "$T/reader.c" "${cflags[@]}" \
		-Wl,-Bstatic "${static_libs[@]}" -Wl,-Bdynamic || fail "building with libqot.a"
fi
! grep -q "libqot" <<<"$(readelf -d "$T/reader-static" 2>/dev/null)" || fail "reader-static needs a shared libqot"
# (Whole outputs to grep -q: with pipefail, a producer cut short by SIGPIPE would fail.)
loaded=$(LD_LIBRARY_PATH=$P/$QOT_LIBDIR ldd "$T/reader-shared")
grep -q "libqot.so.$major => $P/$QOT_LIBDIR/libqot.so.$major " <<<"$loaded" ||
	fail "reader-shared does not load the installed libqot: $loaded"

note "... reading a timeline of the installed qotfs, mounted as its unit does"
QOTFS_BIN=$P/$QOT_SBINDIR/qotfs
qotfs_start --state-dir="$T/state"
mkdir "$QOT_MNT/tl"
anchor=$(($(date +%s) * 1000000000))
printf '%s\n' "status=synced anchor=$anchor timeline=$((anchor + 5000000000)) freq=0 \
offset_below=1500 offset_above=2500 drift_below=0 drift_above=0 stale_after=never" >"$QOT_MNT/tl/ctl"
at=$((anchor + 1000000000))
want="libqot $QOT_VERSION now synced -1500/+2500 at $((anchor + 6000000000)) synced -1500/+2500"
out=$(QOT_ROOT=$QOT_MNT LD_LIBRARY_PATH=$P/$QOT_LIBDIR "$T/reader-shared" tl "$at") ||
	fail "reader-shared failed"
[ "$out" = "$want" ] || fail "reader-shared printed '$out', not '$want'"
out=$(QOT_ROOT=$QOT_MNT "$T/reader-static" tl "$at") || fail "reader-static failed"
[ "$out" = "$want" ] || fail "reader-static printed '$out', not '$want'"
note "  $out"
# Without the installed library on its path the shared one cannot run:
# it really used the one it was built against.
if QOT_ROOT=$QOT_MNT "$T/reader-shared" tl "$at" >/dev/null 2>&1; then
	fail "reader-shared ran without the installed libqot"
fi
qotfs_stop
echo "PASS"
