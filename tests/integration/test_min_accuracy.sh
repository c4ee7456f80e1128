#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: qotfs --min-accuracy, the tightest accuracy an unprivileged
# caller may ask for (qotfs(8), qot(7) ERRORS). A tighter binding or
# standing requirement from an unprivileged user gets EPERM and changes
# nothing; one at the floor is taken; privileged callers are exempt.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

qotfs_start --min-accuracy=50us
mkdir "$QOT_MNT/tl"
chmod 0777 "$QOT_MNT/tl" 2>/dev/null || true

# try USER FILE LINE: write LINE to FILE (held open, as a binding is) as
# USER (root or nobody); prints ok or the errno's name.
try() {
	local who=$1
	shift
	local run=()
	[ "$who" = nobody ] && run=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	"${run[@]}" /usr/bin/python3 - "$@" <<'PY'
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
try:
    os.write(fd, sys.argv[2].encode())
    print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
PY
}

out=$(try nobody "$QOT_MNT/tl/bind" "name=app accuracy=10us")
[ "$out" = EPERM ] || fail "an unprivileged 10us binding under a 50us floor: $out"
out=$(try nobody "$QOT_MNT/tl/bind" "name=app accuracy=50us/1ms")
[ "$out" = ok ] || fail "an unprivileged binding at the floor: $out"
out=$(try nobody "$QOT_MNT/tl/bind" "name=app accuracy=1ms/20us")
[ "$out" = EPERM ] || fail "one side under the floor: $out"
out=$(try root "$QOT_MNT/tl/bind" "name=admin accuracy=10us")
[ "$out" = ok ] || fail "a privileged 10us binding: $out"
out=$(try root "$QOT_MNT/tl/requirements" "accuracy=1us")
[ "$out" = ok ] || fail "a privileged standing 1us: $out"
grep -q "accuracy=1us" "$QOT_MNT/tl/requirements" || fail "not taken: $(cat "$QOT_MNT/tl/requirements")"

note "an unprivileged owner's standing requirement is held to the floor too"
setpriv --reuid=65534 --regid=65534 --clear-groups mkdir "$QOT_MNT/mine"
out=$(try nobody "$QOT_MNT/mine/requirements" "accuracy=5us")
[ "$out" = EPERM ] || fail "an unprivileged standing 5us: $out"
grep -q "accuracy=none" "$QOT_MNT/mine/requirements" || fail "half-applied: $(cat "$QOT_MNT/mine/requirements")"
out=$(try nobody "$QOT_MNT/mine/requirements" "accuracy=100us")
[ "$out" = ok ] || fail "an unprivileged standing 100us: $out"

"$QOTFS_BIN" --min-accuracy=bogus /nonexistent 2>"$QOT_MNT.err" && fail "--min-accuracy=bogus taken"
grep -q "min-accuracy" "$QOT_MNT.err" || fail "no message: $(cat "$QOT_MNT.err")"
rm -f "$QOT_MNT.err"
echo ok
