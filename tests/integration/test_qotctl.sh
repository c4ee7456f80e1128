#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: qotctl (tools/qotctl, qotctl(1)) against a real mount with
# timelines in every status, bindings, a coordinator's lease and members:
# the table, --json field by field against the files, --check, watch
# (status, requirement and leader changes, and staleness that no file
# announces, each seen within a bounded time, without spinning), metrics
# line by line against the exposition format and the files, record +
# plot, bash completion, and bad input: exit statuses and messages.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
: "${QOTCTL_BIN:?}"
Q=$QOTCTL_BIN
here=$(cd "$(dirname "$0")" && pwd)

T=$(mktemp -d /tmp/qotctl-test.XXXXXX)
on_exit "rm -rf '$T'"

expect_status() { # expect_status WANT COMMAND...: output in $T/out
	local want=$1 rc=0
	shift
	"$@" >"$T/out" 2>&1 || rc=$?
	[ "$rc" -eq "$want" ] || { cat "$T/out" >&2; fail "$* exited $rc, not $want"; }
}
expect_msg() { grep -q -- "$1" "$T/out" || fail "no message '$1' in: $(cat "$T/out")"; }

ns_now() { date +%s%N; }
# ctl TL STATUS OFFSET BELOW ABOVE DRIFT STALE_IN [SOURCE]: parameters anchored now
ctl() {
	local now
	now=$(ns_now)
	echo "status=$2 anchor=$now timeline=$((now + $3)) freq=0 offset_below=$4 offset_above=$5 drift_below=$6 drift_above=$6 stale_after=$((now + $7)) source=${8:-manual}" >"$QOT_MNT/$1/ctl"
}

note "bad input before any mount: exit statuses and messages"
expect_status 0 "$Q" --version
grep -Eq '^qotctl [0-9]+\.[0-9]+\.[0-9]+$' "$T/out" || fail "version line: $(cat "$T/out")"
expect_status 0 "$Q" --help
expect_msg "Exit status"
expect_status 2 "$Q"
expect_msg "no command given"
expect_status 2 "$Q" frobnicate
expect_msg "unknown command 'frobnicate'"
expect_status 2 "$Q" status --bogus
expect_msg "unrecognized option"
expect_status 2 "$Q" show
expect_msg "show needs a timeline"
expect_status 2 "$Q" status extra
expect_msg "too many arguments"
expect_status 2 "$Q" metrics --every 1s
expect_msg "metrics does not take --every"
expect_status 2 "$Q" metrics --json
for d in 10parsecs 10 -1s 0s 1.5ns .5s none 99999999999999999999s; do
	expect_status 2 "$Q" record tl --every "$d"
	expect_msg "bad duration for --every: '$d'"
done
expect_status 2 "$Q" watch --for soon
expect_msg "bad duration for --for"
expect_status 2 "$Q" record tl --every 10us
expect_msg "at least 1ms"
expect_status 3 "$Q" -m /nonexistent/qot status
expect_msg "/nonexistent/qot: No such file or directory"
expect_status 3 "$Q" -m "$T" status
expect_msg "no qotfs is mounted at $T"
QOT_ROOT=$T expect_status 3 "$Q" show tl
expect_msg "no qotfs is mounted at $T"

qotfs_start
export QOT_ROOT=$QOT_MNT

note "timelines in every status"
mkdir "$QOT_MNT"/{s,h,t,u,big}
ctl s synced 250 1000 2000 0 60000000000 "chrony0 asym=600 stat=400" # with the parts of its bound
ctl h holdover -4000 3000 3000 0 60000000000 ptp0
ctl t synced 0 1000 1000 0 1000000 manual # stale 1 ms from now
ctl big synced 0 10000000000000000000 5 0 60000000000 manual # a bound past 2^63 ns
echo accuracy=10us >"$QOT_MNT/s/requirements"
echo "accuracy=1ns resolution=1ms" >"$QOT_MNT/h/requirements"
exec 3>"$QOT_MNT/s/bind"
echo "name=app accuracy=5us/1ms" >&3
exec 4>"$QOT_MNT/s/bind"
echo "name=other resolution=1us" >&4
# a coordinator's lease and a membership, as coordd writes them
boot_ns() { python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_BOOTTIME))'; }
echo "node=n1 until=$(($(boot_ns) + 600000000000))" >"$QOT_MNT/.coordination"
# (the whole membership in one write(2): cat, not printf, which writes line by line)
members() { printf '%b' "$1" >"$T/members" && cat "$T/members" >"$QOT_MNT/s/members"; }
members 'leader=n1\nnode=n1 accuracy=10us\nnode=n2 accuracy=2us/3us resolution=1ms\n'
for _ in 1 2 3; do cat "$QOT_MNT/s/hlc" >/dev/null; done
wait_for 5 grep -q status=stale "$QOT_MNT/t/sync" || fail "t did not go stale"

note "status: the table"
expect_status 0 "$Q" status
cat "$T/out"
row() { awk -v n="$1" '$1 == n' "$T/out"; }
[ "$(head -1 "$T/out" | tr -s ' ')" = "TIMELINE STATUS OFFSET BELOW ABOVE SOURCE ACCURACY MET BIND LEADER MEMBERS" ] ||
	fail "table header: $(head -1 "$T/out")"
[ "$(wc -l <"$T/out")" -eq 6 ] || fail "not one line per timeline"
[ "$(row s | tr -s ' ')" = "s synced +250ns 1us 2us chrony0 5us/10us yes 2 n1* 2" ] || fail "row s: $(row s)"
[ "$(row h | tr -s ' ')" = "h holdover -4us 3us 3us ptp0 1ns no 0 none 0" ] || fail "row h: $(row h)"
[ "$(row t | tr -s ' ')" = "t stale +0ns unbounded unbounded manual none yes 0 none 0" ] || fail "row t: $(row t)"
[ "$(row big | tr -s ' ')" = "big synced +0ns 10000000000s 5ns manual none yes 0 none 0" ] || fail "row big: $(row big)"
[ "$(row u | awk '{print $2, $4, $5, $6, $7, $8, $9}')" = "unsynced unbounded unbounded - none yes 0" ] ||
	fail "row u: $(row u)"
# rows in the order of .timelines
[ "$(awk 'NR > 1 {print $1}' "$T/out" | tr '\n' ' ')" = "$(tr '\n' ' ' <"$QOT_MNT/.timelines")" ] ||
	fail "not in the order of .timelines"

note "--check: exit 5 when a timeline is unsynced, stale or misses its requirement"
expect_status 5 "$Q" status --check
expect_status 0 "$Q" show s --check
expect_status 5 "$Q" show h --check
expect_status 5 "$Q" show t --check
expect_status 5 "$Q" show u --check

note "show: everything about one timeline"
expect_status 0 "$Q" show s
for want in "status       synced: a source disciplines it now" "source       chrony0" \
	"offset       +250ns" "below 1us, above 2us" "requirement  accuracy=5us/10us resolution=1us: met" \
	"bindings     2" "name=app accuracy=5us/1ms resolution=none" "cluster      current, node n1, leader n1 (this node), 2 members" \
	"node=n2 leader=no accuracy=2us/3us resolution=1ms" "coordinator  node n1, lease current" "hlc          last " \
	"made of      asym 600ns: the path allowance" "             stat 400ns: the statistical part"; do
	grep -qF -- "$want" "$T/out" || fail "show s lacks '$want': $(cat "$T/out")"
done
expect_status 0 "$Q" show t
grep -q "stale after .*(passed" "$T/out" || fail "show t: $(cat "$T/out")"
grep -qF "made of      not stated by the publisher" "$T/out" || fail "show t, parts: $(cat "$T/out")"

note "--json: parsed and checked field by field against the files"
expect_status 0 "$Q" --json status
cp "$T/out" "$T/status.json"
expect_status 0 "$Q" show s --json
cp "$T/out" "$T/show.json"
bindings_pid=$$
python3 - "$QOT_MNT" "$T/status.json" "$T/show.json" "$bindings_pid" <<'PY' || fail "--json does not say what the files say"
import json, sys
mnt, status_path, show_path, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
U = 2**64 - 1

def kv(line):
    return dict(w.split("=", 1) for w in line.split())

def text(tl, f):
    with open(f"{mnt}/{tl}/{f}") as fh:
        return fh.read()

def ns(s):  # decimal seconds, exactly
    neg = s.startswith("-")
    a, b = s.lstrip("-").split(".")
    v = int(a) * 10**9 + int(b.ljust(9, "0"))
    return -v if neg else v

def dur(s):
    if s == "none":
        return None
    for u, m in (("ns", 1), ("us", 10**3), ("ms", 10**6), ("s", 10**9)):
        if s.endswith(u) and s[:-len(u)].isdigit():
            return int(s[:-len(u)]) * m
    raise ValueError(s)

def req(acc, res):
    b, _, a = acc.partition("/")
    return {"accuracy_below_ns": dur(b), "accuracy_above_ns": dur(a or b), "resolution_ns": dur(res)}

def check(cond, what):
    if not cond:
        sys.exit(f"{what}")

doc = json.load(open(status_path))
with open(status_path) as fh:
    check(len(fh.read().rstrip("\n").split("\n")) == 1, "status --json is not one line")
check(doc["schema"] == 1 and doc["mount"] == mnt and isinstance(doc["time_ns"], int), "header")
coord = kv(open(f"{mnt}/.coordination").read())
check(doc["coordination"]["node"] == "n1" and doc["coordination"]["state"] == coord["state"] == "current"
      and 0 < doc["coordination"]["lease_ns"] <= 600 * 10**9, f"coordination {doc['coordination']}")
names = open(f"{mnt}/.timelines").read().split()
check([t["name"] for t in doc["timelines"]] == names, "timelines and their order")
keys = ["name", "status", "source", "offset_ns", "below_ns", "above_ns", "asym_ns", "stat_ns", "age_ns", "freq_ppb",
        "requirement", "met", "bindings", "cluster", "members", "params", "hlc"]
for t in doc["timelines"]:
    name = t["name"]
    check(list(t) == keys, f"{name}: keys {list(t)}")
    sync = kv(text(name, "sync"))
    check(t["status"] == sync["status"], f"{name}: status {t['status']} vs {sync['status']}")
    check(t["source"] == (None if sync["source"] == "none" else sync["source"]), f"{name}: source")
    check(t["met"] == (sync["met"] == "yes"), f"{name}: met")
    check(t["requirement"] == req(sync["accuracy"], sync["resolution"]), f"{name}: requirement")
    r = kv(text(name, "requirements"))
    check(t["requirement"] == req(r["accuracy"], r["resolution"]), f"{name}: requirements file")
    check(t["freq_ppb"] == float(sync["freq_ppb"]), f"{name}: freq_ppb")
    for k in ("asym", "stat"):
        check(t[k + "_ns"] == (ns(sync[k]) if k in sync else None), f"{name}: {k} {t[k + '_ns']}")
    if sync["age"] == "none":
        check(t["age_ns"] is None, f"{name}: age")
    else:
        check(0 <= t["age_ns"] <= ns(sync["age"]), f"{name}: age {t['age_ns']} vs {sync['age']}")
    # the parameters, exactly as ctl says
    c = kv(text(name, "ctl"))
    p = t["params"]
    check(p["status"] == c["status"] and p["anchor_ns"] == int(c["anchor"])
          and p["timeline_ns"] == int(c["timeline"]) and p["freq"] == int(c["freq"])
          and p["drift_below"] == int(c["drift_below"]) and p["drift_above"] == int(c["drift_above"]),
          f"{name}: params {p} vs {c}")
    for k in ("offset_below", "offset_above"):
        check(p[k + "_ns"] == (None if c[k] == "unbounded" else int(c[k])), f"{name}: {k}")
    check(p["stale_after_ns"] == (None if c["stale_after"] == "never" else int(c["stale_after"])), f"{name}: stale_after")
    check(p["source"] == c.get("source"), f"{name}: params source")
    # no drift, no frequency: offset and bounds are exact whenever read
    if t["status"] == "stale" or c["offset_below"] == "unbounded":
        check(t["below_ns"] is None and t["above_ns"] is None, f"{name}: unbounded is null")
    else:
        check(t["below_ns"] == int(c["offset_below"]) == ns(sync["below"]), f"{name}: below")
        check(t["above_ns"] == int(c["offset_above"]) == ns(sync["above"]), f"{name}: above")
    check(t["offset_ns"] == int(c["timeline"]) - int(c["anchor"]) == ns(sync["offset"]), f"{name}: offset")
    # bindings
    lines = [kv(l) for l in text(name, "bindings").splitlines()]
    check(len(t["bindings"]) == len(lines), f"{name}: bindings")
    for b, l in zip(t["bindings"], lines):
        check(b == {"id": int(l["id"]), "pid": int(l["pid"]), "uid": int(l["uid"]), "name": l["name"],
                    "requirement": req(l["accuracy"], l["resolution"])}, f"{name}: binding {b} vs {l}")
    # cluster and members
    cl = kv(text(name, "cluster"))
    none = lambda v: None if v == "none" else v
    check(t["cluster"] == {"state": cl["state"], "node": none(cl["node"]), "leader": none(cl["leader"]),
                           "leading": cl["leading"] == "yes", "members": int(cl["members"]),
                           "requirement": req(cl["accuracy"], cl["resolution"])}, f"{name}: cluster {t['cluster']} vs {cl}")
    mem = [kv(l) for l in text(name, "members").splitlines()]
    check(t["members"] == [{"node": m["node"], "leader": m["leader"], "requirement": req(m["accuracy"], m["resolution"])}
                           for m in mem], f"{name}: members")
    h = kv(text(name, "hlcstat"))
    check(t["hlc"] == {"last": h["last"], "events": int(h["events"]), "received": int(h["received"]),
                       "refused": int(h["refused"]), "malformed": int(h["malformed"]),
                       "ahead_max_ns": dur(h["ahead_max"]) or 0, "max_offset_ns": dur(h["max_offset"])},
          f"{name}: hlc {t['hlc']} vs {h}")

by = {t["name"]: t for t in doc["timelines"]}
s = by["s"]
check(s["status"] == "synced" and s["source"] == "chrony0" and s["offset_ns"] == 250
      and s["below_ns"] == 1000 and s["above_ns"] == 2000 and s["met"] is True
      and s["asym_ns"] == 600 and s["stat_ns"] == 400, f"s: {s}")
check([(b["name"], b["pid"]) for b in s["bindings"]] == [("app", pid), ("other", pid)], "s: bindings")
check(s["requirement"] == {"accuracy_below_ns": 5000, "accuracy_above_ns": 10000, "resolution_ns": 1000}, "s: requirement")
check(s["cluster"]["state"] == "current" and s["cluster"]["leader"] == "n1" and s["cluster"]["leading"] is True
      and s["cluster"]["members"] == 2, f"s: cluster {s['cluster']}")
check(s["hlc"]["events"] >= 3, "s: hlc events")
check(by["h"]["status"] == "holdover" and by["h"]["met"] is False and by["h"]["offset_ns"] == -4000, "h")
check(by["t"]["status"] == "stale" and by["t"]["below_ns"] is None and by["t"]["params"]["status"] == "synced", "t")
check(by["u"]["status"] == "unsynced" and by["u"]["age_ns"] is None and by["u"]["source"] is None
      and by["u"]["params"]["offset_below_ns"] is None and by["u"]["params"]["stale_after_ns"] is None, "u")
show = json.load(open(show_path))
check(show["schema"] == 1 and "timelines" not in show, "show: header")
a, b = dict(show["timeline"]), dict(s)
for k in ("age_ns", "hlc"):
    a.pop(k); b.pop(k)
check(a == b, f"show s differs from status: {a} vs {b}")
PY

note "watch: status, requirement and leader changes, and staleness, each within a bounded time"
mkdir "$QOT_MNT/w"
ctl w synced 0 1000 1000 0 60000000000
start_bg "$T/watch.json" "$Q" watch --json s w --for 60s
json_pid=$BG_PID
start_bg "$T/watch.txt" "$Q" watch --for 60s
text_pid=$BG_PID
watch_start=$SECONDS
seen() { count_seen 1 "$@"; }
count_seen() { # count_seen N TIMELINE EVENT FROM TO: at least N such lines
	python3 - "$T/watch.json" "$@" <<'PY'
import json, sys
path, n, tl, event, frm, to = sys.argv[1:7]
lines = [json.loads(line) for line in open(path)]
hits = [e for e in lines if (e["timeline"], e["event"], e["from"] or "", e["to"]) == (tl, event, frm, to)]
sys.exit(0 if len(hits) >= int(n) else 1)
PY
}
wait_for 10 seen s initial "" "status=synced source=chrony0 accuracy=5us/10us resolution=1us met=yes leader=n1" ||
	fail "no initial line for s: $(cat "$T/watch.json")"
wait_for 10 seen w initial "" "status=synced source=manual accuracy=none resolution=none met=yes leader=none" ||
	fail "no initial line for w: $(cat "$T/watch.json")"
wait_for 10 grep -q ' w initial status=synced' "$T/watch.txt" || fail "text watch: $(cat "$T/watch.txt")"
ctl s holdover 250 1000 2000 0 60000000000 chrony0
wait_for 10 seen s status synced holdover || fail "status change not seen: $(cat "$T/watch.json")"
echo accuracy=5us >"$QOT_MNT/w/requirements"
wait_for 10 seen w requirement "accuracy=none resolution=none" "accuracy=5us resolution=none" ||
	fail "requirement change not seen: $(cat "$T/watch.json")"
members 'leader=n2\nnode=n1 accuracy=10us\nnode=n2\n'
wait_for 10 seen s leader n1 n2 || fail "leader change not seen: $(cat "$T/watch.json")"
wait_for 10 seen s leading yes no || fail "leading change not seen"
# The lease running out is announced by no file either: watch wakes at its end.
echo "node=n1 until=$(($(boot_ns) + 700000000))" >"$QOT_MNT/.coordination"
wait_for 10 seen s leader n2 unknown || fail "the lease's end not seen: $(cat "$T/watch.json")"
# Bounds outgrowing the requirement are announced by no file: in holdover
# at 10 ppm from 1 us, they pass w's 5 us 400 ms later, and watch wakes then.
ctl w holdover 0 1000 1000 184467440737095 60000000000
wait_for 10 seen w status synced holdover || fail "holdover not seen: $(cat "$T/watch.json")"
wait_for 10 seen w met yes no || fail "the bounds outgrowing the requirement not seen: $(cat "$T/watch.json")"
# Nor is staleness: watch wakes at stale_after by itself.
ctl w synced 0 1000 1000 0 300000000
wait_for 10 seen w met no yes || fail "met again not seen: $(cat "$T/watch.json")"
wait_for 10 seen w status synced stale || fail "going stale not seen: $(cat "$T/watch.json")"
wait_for 10 count_seen 2 w met yes no || fail "met change at staleness not seen: $(cat "$T/watch.json")"
rmdir "$QOT_MNT/w"
wait_for 10 seen w removed "" removed || fail "removal not seen"
mkdir "$QOT_MNT/w"
wait_for 10 seen w added "" "status=unsynced source=none accuracy=none resolution=none met=yes leader=unknown" ||
	fail "a watched name created again not seen: $(cat "$T/watch.json")"
mkdir "$QOT_MNT/new"
wait_for 10 grep -q ' new added status=unsynced' "$T/watch.txt" || fail "the watch of all did not see 'new': $(cat "$T/watch.txt")"
wait_for 10 grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{15}Z s status synced -> holdover$' "$T/watch.txt" ||
	fail "text watch line: $(cat "$T/watch.txt")"
grep -q '"timeline":"new"' "$T/watch.json" && fail "a watch of s and w reported another timeline"
# No busy loop: the watchers' CPU time is a small part of the time they ran.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks=$(($(cpu_ticks "$json_pid") + $(cpu_ticks "$text_pid")))
wall=$((SECONDS - watch_start + 1))
note "watchers: $ticks CPU ticks in ${wall} s"
[ "$ticks" -lt $((wall * $(getconf CLK_TCK) / 5)) ] || fail "watch spins: $ticks ticks in $wall s"
stop_pid "$json_pid"
stop_pid "$text_pid"
expect_status 4 "$Q" watch nosuch
expect_msg "no timeline 'nosuch' under $QOT_MNT"
expect_status 0 "$Q" watch s --for 200ms
expect_msg " s initial status=holdover"

note "metrics: the exposition format, line by line, and the files' values"
expect_status 0 "$Q" metrics
cp "$T/out" "$T/metrics.txt"
mkdir "$T/textfile"
expect_status 0 "$Q" metrics -o "$T/textfile/qot.prom"
[ "$(stat -c %a "$T/textfile/qot.prom")" = 644 ] || fail "metrics file mode"
[ "$(find "$T/textfile" -type f | wc -l)" -eq 1 ] || fail "temporary files left: $(ls -a "$T/textfile")"
python3 "$here/check_metrics.py" "$QOT_MNT" "$T/metrics.txt" "$T/textfile/qot.prom" || fail "metrics"
expect_status 1 "$Q" metrics -o "$T/nodir/qot.prom"
expect_msg "$T/nodir/qot.prom: No such file or directory"
[ ! -e "$T/nodir" ] || fail "metrics made a directory"

note "record + plot: a CSV of a timeline through a change, and its pictures"
ctl s synced 250 1000 2000 0 60000000000 "chrony0 asym=600 stat=400" # with the parts of its bound
# the page follows the ctl write an instant later (qot(7), clock)
wait_for 10 sh -c "'$QOT_READ_BIN' '$QOT_MNT/s/clock' | grep -q ' synced\$'" || fail "the page stays behind"
expect_status 0 "$Q" record s --every 50ms --for 1s -o "$T/s.csv"
python3 - "$T/s.csv" <<'PY' || fail "record's CSV: $(cat "$T/s.csv")"
import sys
rows = open(sys.argv[1]).read().splitlines()
assert rows[0] == "time_ns,offset_ns,below_ns,above_ns,status", rows[0]
rows = [r.split(",") for r in rows[1:]]
assert 15 <= len(rows) <= 25, len(rows)   # 21 samples: 0, 50 ms, ... 1 s
times = [int(r[0]) for r in rows]
assert all(b > a for a, b in zip(times, times[1:])), "time goes back"
span = times[-1] - times[0]
assert 0.9e9 <= span <= 1.5e9, span
assert all(r[1:] == ["250", "1000", "2000", "synced"] for r in rows), rows
PY
expect_status 0 "$Q" record u --every 10ms --for 50ms
grep -Eq '^[0-9]+,-?[0-9]+,,,unsynced$' "$T/out" || fail "unsynced row: $(cat "$T/out")"
# SIGINT ends a recording cleanly
start_bg "$T/int.log" "$Q" record s --every 10ms -o "$T/int.csv"
wait_for 10 test -s "$T/int.csv" || fail "record wrote nothing"
kill -INT "$BG_PID"
rc=0
wait "$BG_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "record exited $rc after SIGINT: $(cat "$T/int.log")"
[ "$(tail -c1 "$T/int.csv" | od -An -c | tr -d ' ')" = '\n' ] || fail "a cut last line after SIGINT"
expect_status 0 "$Q" plot "$T/s.csv" -o "$T/s.png"
[ "$(head -c 8 "$T/s.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "not a PNG"
[ "$(stat -c %s "$T/s.png")" -gt 2000 ] || fail "an empty PNG"
expect_status 0 "$Q" plot "$T/s.csv" -o "$T/s.svg" --title "s over a second"
grep -q '<svg' "$T/s.svg" || fail "not an SVG"
grep -q 's over a second' "$T/s.svg" || fail "the SVG lacks its title"
expect_status 0 "$Q" plot "$T/s.csv" -o "$T/s.picture" --format svg
grep -q '<svg' "$T/s.picture" || fail "--format svg"
expect_status 2 "$Q" plot "$T/s.csv" -o "$T/s.gif"
expect_msg "does not end in .png or .svg"
expect_status 2 "$Q" plot "$T/s.csv"
expect_msg "plot needs -o"
printf 'time_ns,offset_ns,below_ns,above_ns,status\n1,2,3,4,synced\n5,x,7,8,synced\n' >"$T/bad.csv"
expect_status 1 "$Q" plot "$T/bad.csv" -o "$T/bad.png"
expect_msg "bad.csv:3: not a line of the CSV qotctl record writes"
head -1 "$T/bad.csv" >"$T/empty.csv"
expect_status 1 "$Q" plot "$T/empty.csv" -o "$T/bad.png"
expect_msg "no samples"
expect_status 1 "$Q" plot "$T/missing.csv" -o "$T/bad.png"
expect_msg "missing.csv: No such file or directory"
QOTCTL_GNUPLOT=/nonexistent/gnuplot expect_status 1 "$Q" plot "$T/s.csv" -o "$T/x.png"
expect_msg "plot needs gnuplot"
expect_status 4 "$Q" record nosuch --for 1s
expect_msg "no timeline 'nosuch'"

note "bash completion: commands, options, timeline names"
# shellcheck source=../../tools/qotctl/qotctl.bash
. "$here/../../tools/qotctl/qotctl.bash"
complete_words() { # complete_words WORD...: what completing the last word offers
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_qotctl
	printf '%s\n' "${COMPREPLY[@]}"
}
[ "$(complete_words qotctl s | tr '\n' ' ')" = "status show " ] || fail "completing commands: $(complete_words qotctl s)"
[ "$(complete_words qotctl show "" | sort | tr '\n' ' ')" = "big h new s t u w " ] ||
	fail "completing timelines: $(complete_words qotctl show "")"
complete_words qotctl record s --e | grep -qx -- --every || fail "completing options"

note "peer synchronization's words: members' peer= and rank=, cluster's order=, sync's note"
mkdir "$QOT_MNT/p"
echo "node=n1 until=$(($(boot_ns) + 600000000000))" >"$QOT_MNT/.coordination"
printf '%b' 'leader=n2\nnode=n1 peer=10.0.0.1:3219 rank=1\nnode=n2 accuracy=1ms peer=[fd00::2]:3219 rank=0\nnode=n3\n' >"$T/members"
cat "$T/members" >"$QOT_MNT/p/members"
now=$(ns_now)
printf 'status=synced anchor=%s timeline=%s freq=0 offset_below=1000 offset_above=1000 drift_below=0 drift_above=0 stale_after=%s source=peer\n' \
	"$now" "$now" "$((now + 60000000000))" >"$T/ctl"
cat "$T/ctl" >"$QOT_MNT/p/ctl"
echo "peer=follow upstream=n2 ~age=0.040 ~delay=0.000003400" >"$QOT_MNT/p/note"
expect_status 0 "$Q" show p
for want in "publisher    peer=follow upstream=n2 age=0.040 delay=0.000003400" "backups      n1" \
	"node=n1 leader=no accuracy=none resolution=none peer=10.0.0.1:3219 rank=1" \
	"node=n2 leader=yes accuracy=1ms resolution=none peer=[fd00::2]:3219 rank=0" \
	"node=n3 leader=no accuracy=none resolution=none"; do
	grep -qF -- "$want" "$T/out" || fail "show p lacks '$want': $(cat "$T/out")"
done
expect_status 0 "$Q" status
grep -q "^p .*synced" "$T/out" || fail "status: $(cat "$T/out")"
rmdir "$QOT_MNT/p"

note "bad input on a mount"
expect_status 4 "$Q" show nosuch
expect_msg "no timeline 'nosuch' under $QOT_MNT"
expect_status 4 "$Q" show ../etc
expect_status 4 "$Q" --json show .timelines
qotfs_stop

note "a stopped qotfs: exit 3"
qotfs_start --no-auto-unmount
mkdir "$QOT_MNT/tl"
export QOT_ROOT=$QOT_MNT
"$Q" watch tl >"$T/dying.log" 2>&1 &
watch_pid=$!
wait_for 10 grep -q ' tl initial' "$T/dying.log" || fail "watch did not start: $(cat "$T/dying.log")"
kill -KILL "$QOTFS_PID"
wait "$QOTFS_PID" || true
QOTFS_PID=""
expect_status 3 "$Q" status
expect_msg "Transport endpoint is not connected"
exited() { [ ! -e "/proc/$1/stat" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
wait_for 10 exited "$watch_pid" || fail "watch goes on after qotfs died"
rc=0
wait "$watch_pid" || rc=$?
[ "$rc" -eq 3 ] || fail "watch exited $rc, not 3, when qotfs died: $(cat "$T/dying.log")"
note "ok"
