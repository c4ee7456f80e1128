#!/usr/bin/env bash
# deps.sh - install what qotfs needs to build and test (Debian 12, as root).
# Installs only what is missing, so it is quick when run again.
set -euo pipefail

packages=(
	build-essential cmake pkg-config  # build
	libfuse3-dev fuse3                # qotfs
	check                             # unit tests
	python3 util-linux procps         # examples, unshare/mountpoint, pgrep
	clang-format shellcheck           # style checks in the test command
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
# FUSE needs its device; in some containers it must be created.
if [ ! -c /dev/fuse ]; then
	mknod -m 0666 /dev/fuse c 10 229
fi
