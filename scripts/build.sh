#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# build.sh [BUILD_DIR [CMAKE ARGS...]] - configure and build (default: build/).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
