#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Check qotctl metrics output line by line (test_qotctl.sh).

    check_metrics.py MOUNT STDOUT_COPY PROM_FILE

Against the Prometheus text exposition format 0.0.4: every line a HELP, a
TYPE or a sample; names and label names valid; label values escaped; one
HELP and one TYPE per family, before its samples, which are contiguous;
one sample per series; values numbers or +Inf; counters named _total.
Then against the mount's files: status, bounds, requirement, met,
bindings, members, leader, HLC counters, coordination.
"""
import os
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
ESCAPED = r'(?:[^"\\\n]|\\\\|\\"|\\n)*'
SAMPLE = re.compile(r"(%s)(?:\{((?:%s=\"%s\")(?:,%s=\"%s\")*)?\})? (\S+)" % (NAME, LABEL, ESCAPED, LABEL, ESCAPED))
PAIR = re.compile(r"(%s)=\"(%s)\"" % (LABEL, ESCAPED))
VALUE = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|Inf)|NaN")
U = 2**64 - 1


def fail(msg):
    sys.exit("metrics: " + msg)


def unescape(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def parse(text):
    """{family: (type, help, {labels-tuple: value})} after checking the format."""
    if not text.endswith("\n"):
        fail("the text does not end with a newline")
    families, current, done = {}, None, set()
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, rest = line[2:6], line[7:]
            name, _, arg = rest.partition(" ")
            if not re.fullmatch(NAME, name) or not arg:
                fail(f"line {n}: bad {kind}: {line!r}")
            if name in done:
                fail(f"line {n}: {name} comes back after other families")
            if current is not None and current != name:
                done.add(current)
            current = name
            fam = families.setdefault(name, {"type": None, "help": None, "samples": {}})
            key = kind.lower()
            if fam[key] is not None:
                fail(f"line {n}: a second {kind} for {name}")
            if fam["samples"]:
                fail(f"line {n}: {kind} of {name} after its samples")
            if kind == "TYPE" and arg not in ("counter", "gauge", "summary", "histogram", "untyped"):
                fail(f"line {n}: bad type {arg}")
            fam[key] = arg
            continue
        if line.startswith("#") or not line.strip():
            fail(f"line {n}: neither HELP, TYPE nor a sample: {line!r}")
        m = SAMPLE.fullmatch(line)
        if m is None:
            fail(f"line {n}: not a sample: {line!r}")
        name, labels, value = m.groups()
        if name != current:
            fail(f"line {n}: sample of {name} outside its family ({current})")
        if not VALUE.fullmatch(value):
            fail(f"line {n}: bad value {value!r}")
        pairs = tuple((k, unescape(v)) for k, v in PAIR.findall(labels or ""))
        if len({k for k, _ in pairs}) != len(pairs):
            fail(f"line {n}: a label twice")
        fam = families[name]
        if fam["type"] is None or fam["help"] is None:
            fail(f"line {n}: {name} has no TYPE or HELP before its samples")
        key = tuple(sorted(pairs))
        if key in fam["samples"]:
            fail(f"line {n}: a second sample of series {name}{dict(key)}")
        fam["samples"][key] = value
    for name, fam in families.items():
        if (fam["type"] == "counter") != name.endswith("_total"):
            fail(f"{name}: type {fam['type']} and its name disagree")
    return families


def kv(path):
    with open(path) as f:
        return dict(w.split("=", 1) for w in f.read().split())


def secs(s):
    """A bound of the files as the metrics print it (the same text, or +Inf)."""
    return "+Inf" if s == "18446744073.709551615" else s


def dur(s):
    """A duration of the files as the metrics print it: exact seconds, or +Inf for none."""
    if s == "none":
        return "+Inf"
    for u, m in (("ns", 1), ("us", 10**3), ("ms", 10**6), ("s", 10**9)):
        if s.endswith(u) and s[:-len(u)].isdigit():
            return "%d.%09d" % divmod(int(s[:-len(u)]) * m, 10**9)
    raise ValueError(s)


def main():
    mnt, out_path, prom_path = sys.argv[1:4]
    text = open(out_path).read()
    fams = parse(text)
    parse(open(prom_path).read())

    def val(name, tl=None, **labels):
        lab = dict(labels)
        if tl is not None:
            lab["timeline"] = tl
        key = tuple(sorted(lab.items()))
        try:
            return float(fams[name]["samples"][key])
        except KeyError:
            fail(f"no sample {name}{lab}")

    def raw(name, tl):
        return fams[name]["samples"][(("timeline", tl),)]

    names = open(os.path.join(mnt, ".timelines")).read().split()
    if val("qot_timelines") != len(names):
        fail("qot_timelines")
    for tl in names:
        d = os.path.join(mnt, tl)
        sync = kv(os.path.join(d, "sync"))
        for st in ("unsynced", "synced", "holdover", "stale"):
            if val("qot_timeline_status", tl, status=st) != (st == sync["status"]):
                fail(f"{tl}: status {st}")
        src = "" if sync["source"] == "none" else sync["source"]
        if val("qot_timeline_source_info", tl, source=src) != 1:
            fail(f"{tl}: source")
        ctl = kv(os.path.join(d, "ctl"))
        if ctl["drift_below"] == "0" and ctl["freq"] == "0":  # bounds and offset do not move
            if raw("qot_timeline_below_seconds", tl) != secs(sync["below"]):
                fail(f"{tl}: below")
            if raw("qot_timeline_above_seconds", tl) != secs(sync["above"]):
                fail(f"{tl}: above")
            if raw("qot_timeline_offset_seconds", tl) != sync["offset"]:
                fail(f"{tl}: offset")
        if raw("qot_timeline_frequency_ppb", tl) != sync["freq_ppb"]:
            fail(f"{tl}: frequency")
        age = fams["qot_timeline_params_age_seconds"]["samples"].get((("timeline", tl),))
        if (age is None) != (sync["age"] == "none"):
            fail(f"{tl}: age present iff parameters were written")
        if age is not None and not 0 <= float(age) <= float(sync["age"]):
            fail(f"{tl}: age {age} vs {sync['age']}")
        st_ns = ctl["stale_after"]
        stale = "+Inf" if st_ns == "never" else "%d.%09d" % divmod(int(st_ns), 10**9)
        if raw("qot_timeline_stale_after_timestamp_seconds", tl) != stale:
            fail(f"{tl}: stale_after")
        req = kv(os.path.join(d, "requirements"))
        b, _, a = req["accuracy"].partition("/")
        if (raw("qot_timeline_required_below_seconds", tl), raw("qot_timeline_required_above_seconds", tl),
                raw("qot_timeline_required_resolution_seconds", tl)) != (dur(b), dur(a or b), dur(req["resolution"])):
            fail(f"{tl}: requirement")
        if val("qot_timeline_requirement_met", tl) != (sync["met"] == "yes"):
            fail(f"{tl}: met")
        with open(os.path.join(d, "bindings")) as f:
            if val("qot_timeline_bindings", tl) != len(f.read().splitlines()):
                fail(f"{tl}: bindings")
        cl = kv(os.path.join(d, "cluster"))
        if val("qot_timeline_members", tl) != int(cl["members"]):
            fail(f"{tl}: members")
        if val("qot_timeline_leading", tl) != (cl["leading"] == "yes"):
            fail(f"{tl}: leading")
        leader = "" if cl["leader"] == "none" else cl["leader"]
        if val("qot_timeline_leader_info", tl, leader=leader) != 1:
            fail(f"{tl}: leader")
        h = kv(os.path.join(d, "hlcstat"))
        for k in ("events", "received", "refused", "malformed"):
            if raw(f"qot_timeline_hlc_{k}_total", tl) != h[k]:
                fail(f"{tl}: hlc {k}")
        if raw("qot_timeline_hlc_ahead_max_seconds", tl) != dur(h["ahead_max"]).replace("+Inf", "0.000000000"):
            fail(f"{tl}: hlc ahead_max")
    coord = kv(os.path.join(mnt, ".coordination"))
    for st in ("none", "current", "stale"):
        if val("qot_coordination_state", state=st) != (st == coord["state"]):
            fail("coordination state")
    # every family has one series per timeline (or per state): no strays
    for name, fam in fams.items():
        tls = {dict(k).get("timeline") for k in fam["samples"]}
        if name.startswith("qot_timeline_") and not tls <= set(names):
            fail(f"{name}: series of unknown timelines {tls - set(names)}")
    # the escaping itself: what the format's grammar reads back
    for raw in ('a"b', "a\\b", "a\nb"):
        esc = raw.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        if unescape(esc) != raw or not re.fullmatch(ESCAPED, esc):
            fail("the checker's own escaping")
    print(f"metrics: {sum(len(f['samples']) for f in fams.values())} samples in {len(fams)} families ok")


main()
