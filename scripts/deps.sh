#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# deps.sh [run|test] [--simulate] - install the Debian 12 packages qotfs needs,
# as root; only what is missing, so it is quick when run again.
#   run   (the default) what building and running needs: build tools,
#         libfuse, libcrypto.
#   test  also what the tests need (scripts/test.sh). chronyd and chronyc come
#         from Debian's chrony package, extracted to a private prefix
#         ($QOT_TEST_PREFIX/chrony, default /opt/qotfs-test/chrony) and never
#         installed: the package would replace the host's time daemon
#         (scripts/private-chrony.sh).
#   --simulate  install nothing: check the whole list with apt-get -s and say
#         what it would install and remove (tests/integration/test_deps.sh
#         does, with QOT_APT_OPTS pointing apt at another dpkg status).
# It never installs, removes, starts or stops a time daemon: an install that
# would (apt-get -s says so) is refused unless QOT_DEPS_ALLOW_TIME_DAEMON=1
# (for disposable CI machines), and services never start during an install
# (a policy-rc.d that forbids it, see scripts/aptguard.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

run_packages=(
	build-essential cmake pkg-config # build
	libfuse3-dev fuse3               # qotfs
	libssl-dev                       # syncd: HMAC-SHA256 of peer packets (libcrypto)
	python3 util-linux procps        # run.sh: the Python example, mountpoint, pgrep
)
test_packages=(
	check                               # unit tests
	clang-format shellcheck groff-base  # style checks in the test command
	clang libclang-rt-14-dev            # the clang build; fuzz targets: libFuzzer
	linuxptp iproute2                   # ptp4l for syncd's tests (chronyd: see above)
	libzookeeper-mt-dev                 # coordd: the ZooKeeper C client
	libzookeeper-java libslf4j-java default-jre-headless # coordd's tests: real servers
	systemd man-db                      # test_install: systemd-analyze verify, man
	debhelper dpkg-dev lintian fakeroot # test_deb: the Debian packages
	gnuplot-nox                         # qotctl plot
	python3-venv python3-wheel-whl      # the Python package, installed offline into a venv
)

mode=run
simulate=false
for arg in "$@"; do
	case $arg in
	run | test) mode=$arg ;;
	--simulate) simulate=true ;;
	*)
		echo "usage: deps.sh [run|test] [--simulate]" >&2
		exit 2
		;;
	esac
done
packages=("${run_packages[@]}")
[ "$mode" = run ] || packages+=("${test_packages[@]}")

# shellcheck source=scripts/aptguard.sh
. "$here/aptguard.sh"

if $simulate; then
	aptguard_check "${packages[@]}"
	exit
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages: ${missing[*]} (run as root to install)" >&2
		exit 1
	fi
	aptguard_install "${missing[@]}"
fi

if [ "$mode" = test ]; then
	"$here/private-chrony.sh"
fi

# FUSE needs its device; in some containers it must be created.
if [ ! -c /dev/fuse ]; then
	mknod -m 0666 /dev/fuse c 10 229
fi
