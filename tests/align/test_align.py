#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Test qot-align on synthetic logs with known skew, latency and event rates.

Usage: test_align.py QOT_ALIGN QOT_ALIGN_GEN

For each message probability and log length, logs come from qot-align-gen
(libqot's HLC on clocks lagging node n0 by skew/2..skew); qot-align merges
them. Asserted: the true offset lies in every reported interval; the merged
log keeps each node's order, puts every receive after its send and is in
HLC order; the intervals only narrow as the same logs grow (shorter logs are
prefixes of longer ones) and, with HLC pairs only, the alignment error
1 - correction/skew only falls. Bad lines fail with FILE:LINE messages.
Prints the error table.
"""
import os
import subprocess
import sys
import tempfile

ALIGN, GEN = sys.argv[1], sys.argv[2]
NODES = 4
SKEW = 10_000_000  # ns: node clocks lag n0 by 5..10 ms
LAT_MIN, LAT_MEAN = 50_000, 200_000  # ns: latency well below the skew
RATE = 2000  # events per second per node
LENGTHS = [300, 3000, 30000, 300000]
PROBS = [0.05, 0.3]


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def kv(line):
    return dict(w.split("=", 1) for w in line.split())


def seconds_ns(s):
    if s == "none":
        return None
    neg = s.startswith("-")
    whole, frac = s.lstrip("-").split(".")
    v = int(whole) * 1_000_000_000 + int(frac)
    return -v if neg else v


def generate(d, lines, prob, ids):
    args = [GEN, "--dir", d, "--nodes", str(NODES), "--lines", str(lines),
            "--skew", str(SKEW), "--rate", str(RATE), "--msg", str(prob),
            "--latency-min", str(LAT_MIN), "--latency-mean", str(LAT_MEAN), "--seed", "11"]
    if not ids:
        args.append("--no-ids")
    subprocess.run(args, check=True)
    theta = {}
    with open(os.path.join(d, "truth")) as f:
        for line in f:
            t = kv(line)
            theta[t["node"]] = int(t["theta"])
    return theta


def align(d, pairs, check_merged):
    logs = [os.path.join(d, "n%d.jsonl" % i) for i in range(NODES)]
    merged, offsets = os.path.join(d, "merged"), os.path.join(d, "offsets")
    r = subprocess.run([ALIGN, "--pairs", pairs, "-o", merged, "-r", offsets] + logs,
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail("qot-align exited %d: %s" % (r.returncode, r.stderr))
    with open(offsets) as f:
        rep = {t["node"]: t for t in map(kv, f)}
    if check_merged:
        check_merge(merged, logs)
    return rep


def check_merge(merged, logs):
    import json
    per_node = {}
    sent = set()
    last = None
    n = 0
    with open(merged) as f:
        for line in f:
            o = json.loads(line)
            n += 1
            if last is not None and o["hlc"] < last:
                fail("merged log not in HLC order at line %d" % n)
            last = o["hlc"]
            per_node.setdefault(o["node"], []).append(line)
            if "send" in o:
                sent.add(o["send"])
            if "recv" in o and o["recv"] not in sent:
                fail("merged line %d receives %s before it is sent" % (n, o["recv"]))
            if o["aligned"] != o["pt"] + offsets_of[o["node"]]:
                fail("merged line %d: aligned is not pt + offset" % n)
    for path in logs:
        with open(path) as f:
            mine = [l for l in f if l.strip()]
        node = os.path.basename(path).split(".")[0]
        got = per_node.get(node, [])
        if len(got) != len(mine):
            fail("%s: %d lines in, %d merged" % (node, len(mine), len(got)))
        for a, b in zip(mine, got):
            if a.rstrip("\n")[1:] not in b:
                fail("%s: a line changed or moved in the merged log" % node)


offsets_of = {}


def run_case(d, lines, prob, ids, pairs):
    global offsets_of
    theta = generate(d, lines, prob, ids)
    rep = align(d, pairs, check_merged=False)
    offsets_of = {k: seconds_ns(v["offset"]) for k, v in rep.items()}
    if lines <= 30000:
        check_merge(os.path.join(d, "merged"),
                    [os.path.join(d, "n%d.jsonl" % i) for i in range(NODES)])
    drivers = [k for k, v in rep.items() if v["driver"] == "yes"]
    if drivers != ["n0"]:
        fail("driver %s, expected n0 (the fastest clock)" % drivers)
    errs, widths = [], []
    for node, t in rep.items():
        if node == "n0":
            continue
        truth = theta["n0"] - theta[node]  # the correction that would be exact
        lo, hi, off = seconds_ns(t["lo"]), seconds_ns(t["hi"]), seconds_ns(t["offset"])
        if lo is None or (lo is not None and lo > truth) or (hi is not None and hi < truth):
            fail("%s: true offset %d outside (%s, %s) [lines=%d p=%g pairs=%s]"
                 % (node, truth, lo, hi, lines, prob, pairs))
        if t.get("conflict"):
            fail("%s: conflict reported on consistent logs" % node)
        errs.append(1 - off / truth)
        widths.append(None if hi is None else hi - lo)
    return errs, widths


def main():
    table = []
    with tempfile.TemporaryDirectory() as d:
        for pairs, ids in (("all", True), ("hlc", False)):
            for prob in PROBS:
                prev_err, prev_w = None, None
                for lines in LENGTHS:
                    errs, widths = run_case(d, lines, prob, ids, pairs)
                    mean_abs = sum(abs(e) for e in errs) / len(errs)
                    table.append((pairs, prob, lines, mean_abs, max(abs(e) for e in errs),
                                  widths))
                    if prev_w is not None:
                        for w, pw in zip(widths, prev_w):
                            if pw is not None and (w is None or w > pw):
                                fail("interval widened as the log grew: %s -> %s" % (pw, w))
                    if pairs == "hlc" and prev_err is not None:
                        for e, pe in zip(errs, prev_err):
                            if e > pe + 1e-12:
                                fail("error grew with the log: %.6f -> %.6f" % (pe, e))
                    prev_err, prev_w = errs, widths
                # At the largest size the error is within the latency floor.
                if table[-1][3] > 0.05:
                    fail("error %.4f still above 5%% at %d lines" % (table[-1][3], lines))
                if table[-1][3] > table[-len(LENGTHS)][3] + 1e-12:
                    fail("error did not fall from %d to %d lines" % (LENGTHS[0], LENGTHS[-1]))
    print("# qot-align: %d nodes lagging by %g..%g ms, latency %g us + exp(%g us), %d ev/s/node"
          % (NODES, SKEW / 2e6, SKEW / 1e6, LAT_MIN / 1e3, LAT_MEAN / 1e3, RATE))
    print("# error = 1 - correction/skew, mean |error| and max over the %d lagging nodes"
          % (NODES - 1))
    print("%-5s %5s %8s %12s %12s %14s" % ("pairs", "p", "lines", "mean|err|", "max|err|",
                                              "width (us)"))
    for pairs, prob, lines, mean_abs, mx, widths in table:
        unbounded = any(x is None for x in widths)
        print("%-5s %5.2f %8d %12.6f %12.6f %14s" % (
            pairs, prob, lines, mean_abs, mx,
            "one-sided" if unbounded else "%.1f" % (max(widths) / 1e3)))
    bad_lines()
    print("PASS")


def expect_error(d, files, want, code=1, extra=()):
    r = subprocess.run([ALIGN, "-o", os.path.join(d, "out"), "-r", os.path.join(d, "rep")]
                       + list(extra) + files, capture_output=True, text=True)
    if r.returncode != code or want not in r.stderr:
        fail("expected exit %d and %r, got %d: %r" % (code, want, r.returncode, r.stderr))


def bad_lines():
    H1 = "1800000000000000000.000000"
    H2 = "1800000000000000001.000000"
    good = '{"hlc":"%s","pt":1800000000000000000}\n' % H1
    cases = [
        ("not json\n", "a.jsonl:2: column 1: expected a JSON object"),
        ('{"pt":1}\n', "a.jsonl:2: column 9: missing \"hlc\""),
        ('{"hlc":"1.5","pt":1}\n', "a.jsonl:2: column 8: \"hlc\": expected"),
        ('{"hlc":"%s","pt":1.5}\n' % H2, "a.jsonl:2: column 43: \"pt\": expected an integer"),
        ('{"hlc":"%s"}\n' % H2, "a.jsonl:2: column 37: missing \"pt\""),
        ('{"hlc":"%s","pt":1}\n' % H1, "a.jsonl:2: \"hlc\" is not after line 1's"),
        ('{"hlc":"%s","pt":1,"node":"x"}\n{"hlc":"1800000000000000002.000000","pt":1,'
         '"node":"y"}\n' % H2, "a.jsonl:3: \"node\" is \"y\" but line 2 says \"x\""),
        ('{"hlc":"%s","pt":1,"pt":2}\n' % H2, "a.jsonl:2: column 44: \"pt\" given twice"),
        ('{"hlc":"%s","pt":1,"x":[1,{"y":tru}]}\n' % H2, "a.jsonl:2: column 56: expected a value"),
        ('{"hlc":"%s","pt":1,"x":"\x01"}\n' % H2, "a.jsonl:2: column 49: control character"),
        # Found by fuzz/fuzz_jsonline: a NUL after a backslash passed as an escape.
        ('{"hlc":"%s","pt":1,"x":"\\\x00"}\n' % H2, "a.jsonl:2: column 50: control character"),
        ('{"hlc":"%s","pt":1} x\n' % H2, "a.jsonl:2: column 45: text after the object"),
    ]
    with tempfile.TemporaryDirectory() as d:
        a, b = os.path.join(d, "a.jsonl"), os.path.join(d, "b.jsonl")
        for text, want in cases:
            with open(a, "w") as f:
                f.write(good + text)
            expect_error(d, [a], want)
        # Blank lines are skipped; other members and nested values are kept.
        with open(a, "w") as f:
            f.write(good + "\n" + '{"hlc":"%s","pt":2,"x":[1,{"y":true}],"s":"\\u00e9"}\n' % H2)
        r = subprocess.run([ALIGN, a], capture_output=True, text=True)
        if r.returncode != 0 or '"x":[1,{"y":true}]' not in r.stdout or '"node":"a"' not in r.stdout:
            fail("good file refused or mangled: %r %r" % (r.stdout, r.stderr))
        # Across files: a message sent twice, a receive not after its send.
        with open(a, "w") as f:
            f.write('{"hlc":"%s","pt":1,"send":"m1"}\n' % H1)
        with open(b, "w") as f:
            f.write('{"hlc":"%s","pt":1,"send":"m1"}\n' % H2)
        expect_error(d, [a, b], "b.jsonl:1: message \"m1\" already sent at %s:1" % a)
        with open(b, "w") as f:
            f.write('{"hlc":"%s","pt":1,"recv":"m1"}\n' % H1)
        expect_error(d, [a, b], "b.jsonl:1: receive of \"m1\" is not after its send (%s:1)" % a)
        expect_error(d, [a, a], "are both node \"a\"")
        expect_error(d, [a, os.path.join(d, "missing.jsonl")], "missing.jsonl: No such file")
        expect_error(d, [a], "--pairs: expected all, msg or hlc", 2, ["--pairs=x"])
        expect_error(d, [a], "no log is node \"zz\"", 2, ["--driver=zz"])
        expect_error(d, [], "no logs given", 2)


if __name__ == "__main__":
    main()
