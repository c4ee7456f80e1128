#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# aptguard.sh - sourced by deps.sh and private-chrony.sh: install Debian
# packages without ever touching the host's time synchronization.
#   aptguard_check PKG...    apt-get -s: say what an install would add and
#                            remove; fail if that adds or removes a time daemon
#                            (one that provides time-daemon, or a known one)
#                            unless QOT_DEPS_ALLOW_TIME_DAEMON=1.
#   aptguard_install PKG...  apt-get update, the check, then the install, with
#                            a policy-rc.d that forbids service starts during it
#                            (removed afterwards only if this created it).
#                            PKG may be a ./file.deb; QOT_APT_NO_UPDATE=1 skips
#                            the update.
# QOT_APT_OPTS: more apt options for the check, e.g. "-o Dir::State::status=F"
# to ask what the install would do on a machine whose dpkg status is F.

aptguard_time_daemons="chrony ntp ntpsec openntpd systemd-timesyncd ptpd"

# The time daemons among PKG...: known names, and those that provide time-daemon.
aptguard_time_daemons_among() {
	local opts
	[ "$#" -gt 0 ] || return 0
	read -ra opts <<<"${QOT_APT_OPTS:-}"
	{
		printf '%s\n' "$@" | grep -Fxf <(tr ' ' '\n' <<<"$aptguard_time_daemons") || true
		apt-cache "${opts[@]}" show --no-all-versions "$@" 2>/dev/null | awk '
			/^Package:/ { pkg = $2 }
			/^Provides:/ && /(:|[ ,])time-daemon([ ,(]|$)/ { print pkg }'
	} | sort -u
}

aptguard_check() {
	local opts out bad=()
	local -a adds removes
	read -ra opts <<<"${QOT_APT_OPTS:-}"
	if ! out=$(apt-get "${opts[@]}" -s -q install --no-install-recommends "$@" 2>&1); then
		echo "$out" >&2
		echo "aptguard: apt-get cannot install: $*" >&2
		return 1
	fi
	mapfile -t adds < <(awk '$1 == "Inst" { print $2 }' <<<"$out")
	mapfile -t removes < <(awk '$1 == "Remv" { print $2 }' <<<"$out")
	echo "aptguard: would install: ${adds[*]:-nothing}"
	echo "aptguard: would remove: ${removes[*]:-nothing}"
	mapfile -t bad < <(aptguard_time_daemons_among "${adds[@]}" "${removes[@]}")
	[ "${#bad[@]}" -eq 0 ] && return 0
	echo "aptguard: installing $* would install or remove the time daemon(s) ${bad[*]}:" >&2
	echo "aptguard: that would change this host's time synchronization." >&2
	if [ "${QOT_DEPS_ALLOW_TIME_DAEMON:-0}" = 1 ]; then
		echo "aptguard: going ahead (QOT_DEPS_ALLOW_TIME_DAEMON=1)" >&2
		return 0
	fi
	echo "aptguard: stopping; set QOT_DEPS_ALLOW_TIME_DAEMON=1 to go ahead (disposable machines only)" >&2
	return 1
}

aptguard_install() {
	local policy=/usr/sbin/policy-rc.d created=false status=0
	export DEBIAN_FRONTEND=noninteractive
	[ "${QOT_APT_NO_UPDATE:-0}" = 1 ] || apt-get update -qq
	aptguard_check "$@" >/dev/null || return 1
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# qotfs deps.sh: no service starts during its install\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
		created=true
	fi
	echo "aptguard: installing $*"
	apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "$@" >/dev/null ||
		status=$?
	if $created; then
		rm -f "$policy"
	fi
	return "$status"
}
