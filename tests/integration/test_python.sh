#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the qot Python package (python/), installed from the source
# tree into a fresh virtual environment with no network (pip --no-index,
# --no-build-isolation, inside a network namespace of its own), then its
# tests (python/tests/test_qot.py) against a real mount.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
: "${QOT_READ_BIN:?}"

src=$(cd "$(dirname "$0")/../../python" && pwd)
# Debian's interpreter (python3-venv), whatever else is first on PATH
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
"$py" -c 'import venv, ensurepip' 2>/dev/null || fail "$py has no venv/ensurepip (scripts/deps.sh installs python3-venv)"
wheels=/usr/share/python-wheels
[ -f "$(echo "$wheels"/wheel-*.whl)" ] || fail "no wheel in $wheels (scripts/deps.sh installs python3-wheel-whl)"

T=$(mktemp -d /tmp/qot-python.XXXXXX)
on_exit "rm -rf '$T'"
# The build writes next to the sources (build/, *.egg-info): a copy does.
cp -r "$src" "$T/src"
rm -rf "$T/src/build" "$T/src"/*.egg-info

note "a fresh venv, the package installed offline"
"$py" -m venv "$T/venv"
# Only what this machine's Debian packages hold: no index, no configuration.
for v in $(env | sed -n 's/^\(PIP_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
unshare --net "$T/venv/bin/pip" install -q --no-index --find-links "$wheels" wheel >"$T/pip.log" 2>&1 ||
	fail "pip install wheel: $(cat "$T/pip.log")"
unshare --net "$T/venv/bin/pip" install -q --no-index --no-build-isolation "$T/src" >"$T/pip.log" 2>&1 ||
	fail "pip install the package: $(cat "$T/pip.log")"
"$T/venv/bin/python" -c 'import qot, sys; assert qot.__file__.startswith(sys.prefix), qot.__file__' ||
	fail "qot is not installed in the venv"

note "its tests against a real mount"
qotfs_start
(cd "$T" && PYTHONDONTWRITEBYTECODE=1 QOT_ROOT=$QOT_MNT QOT_PY_SOURCE=$src QOT_READ_BIN=$QOT_READ_BIN \
	"$T/venv/bin/python" -m unittest discover -s "$src/tests" -p 'test_*.py' -v) ||
	fail "python/tests failed"
qotfs_stop
note "ok"
