#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# private-chrony.sh - chronyd and chronyc for the tests, never the chrony
# package: that conflicts with every other time daemon (systemd-timesyncd,
# ntpsec...) and installing it would remove the host's. The package is
# downloaded and extracted to $QOT_TEST_PREFIX/chrony (default
# /opt/qotfs-test/chrony); its library dependencies are installed normally.
# The tests find the binaries there (tests/integration/lib.sh puts
# PREFIX/chrony/usr/sbin and usr/bin on their PATH; so does scripts/test.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
prefix=${QOT_TEST_PREFIX:-/opt/qotfs-test}/chrony
chronyd=$prefix/usr/sbin/chronyd

if [ -x "$chronyd" ] && "$chronyd" -v >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "private-chrony.sh: no $chronyd (run as root to extract it)" >&2
	exit 1
fi
# shellcheck source=scripts/aptguard.sh
. "$here/aptguard.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq chrony >/dev/null 2>&1) || {
	apt-get update -qq
	(cd "$tmp" && apt-get download -qq chrony)
}
deb=$(echo "$tmp"/chrony_*.deb)
# Its libraries (lib*: the rest - adduser, ucf, tzdata - serve the package's
# own scripts, which never run here), first alternative of each.
mapfile -t libs < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' |
	grep '^lib' || true)
missing=()
for p in "${libs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	aptguard_install "${missing[@]}"
fi
rm -rf "$prefix"
mkdir -p "$prefix"
dpkg-deb -x "$deb" "$prefix"
"$chronyd" -v >/dev/null || {
	echo "private-chrony.sh: the extracted $chronyd does not run" >&2
	exit 1
}
echo "private-chrony.sh: $("$chronyd" -v | head -1) in $prefix (extracted, not installed)"
