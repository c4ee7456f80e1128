#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# deps.sh - install what qotfs needs to build and test (Debian 12, as root).
# Installs only what is missing, so it is quick when run again.
set -euo pipefail

packages=(
	build-essential cmake pkg-config  # build
	libfuse3-dev fuse3                # qotfs
	check                             # unit tests
	python3 util-linux procps         # examples, unshare/mountpoint, pgrep
	clang-format shellcheck groff-base # style checks in the test command
	clang libclang-rt-14-dev          # fuzz targets (scripts/fuzz.sh): libFuzzer
	chrony linuxptp iproute2          # syncd's sources, and their tests
	libzookeeper-mt-dev               # coordd: the ZooKeeper C client
	libzookeeper-java libslf4j-java default-jre-headless # coordd's tests: real servers
	systemd man-db                    # test_install: systemd-analyze verify, man
	gnuplot-nox                       # qotctl plot
	python3-venv python3-wheel-whl    # the Python package, installed offline into a venv
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages: ${missing[*]} (run as root to install)" >&2
		exit 1
	fi
	echo "deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Installing chrony must never leave a system chronyd disciplining the host
# clock: the tests run their own, with -x. Stop any that an install started.
for pid in $(pgrep -x chronyd || true); do
	if ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- ' -x'; then
		echo "deps.sh: stopping a system chronyd (pid $pid) that would adjust the host clock" >&2
		kill "$pid"
	fi
done

# FUSE needs its device; in some containers it must be created.
if [ ! -c /dev/fuse ]; then
	mknod -m 0666 /dev/fuse c 10 229
fi
