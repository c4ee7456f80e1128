#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test.sh - install, build and run every test: style checks (C, shell, man
# pages), then the whole suite twice, plainly and under AddressSanitizer +
# UndefinedBehaviorSanitizer (warnings as errors: -DQOT_WERROR=ON), two more
# build types built with the other compiler and without the optional parts,
# then a short fuzzing run of every parser (scripts/fuzz.sh --smoke).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh test
# chronyd and chronyc for the tests, extracted privately (scripts/private-chrony.sh)
prefix=${QOT_TEST_PREFIX:-/opt/qotfs-test}/chrony
export PATH="$prefix/usr/sbin:$prefix/usr/bin:$PATH"

echo "== style"
mapfile -t c_files < <(git ls-files '*.c' '*.h')
clang-format --dry-run -Werror "${c_files[@]}"
mapfile -t sh_files < <(git ls-files '*.sh' .ci/run)
shellcheck -x "${sh_files[@]}"
for page in $(git ls-files 'man/*.[1-8]'); do
	warnings=$(groff -man -ww -z "$page" 2>&1)
	[ -z "$warnings" ] || {
		echo "$page: $warnings" >&2
		exit 1
	}
done

jobs=$(nproc)
echo "== build and test"
./scripts/build.sh build -DQOT_WERROR=ON
(cd build && ctest --output-on-failure --timeout 600 -j "$jobs")

echo "== build and test under ASan + UBSan"
./scripts/build.sh build-asan -DQOT_WERROR=ON -DQOT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --output-on-failure --timeout 600 -j "$jobs")

# Packagers build other types with other compilers; the optimizers warn
# differently (-O3, -Os). Built, not run again: the suite above is the test.
echo "== build only: clang Release (everything), gcc MinSizeRel without tests and coordd"
./scripts/build.sh build-clang-release -DQOT_WERROR=ON -DCMAKE_C_COMPILER=clang \
	-DCMAKE_BUILD_TYPE=Release
./scripts/build.sh build-gcc-minsize -DQOT_WERROR=ON -DCMAKE_C_COMPILER=gcc \
	-DCMAKE_BUILD_TYPE=MinSizeRel -DBUILD_TESTING=OFF -DQOT_BUILD_COORDD=OFF

echo "== fuzz smoke (clang, libFuzzer)"
./scripts/fuzz.sh --smoke
echo "== all tests passed"
