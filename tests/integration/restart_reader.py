#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A client that keeps reading a timeline while its daemons are killed.

    restart_reader.py MOUNT TIMELINE STOPFILE [MAX_SECONDS]

Reads MOUNT/TIMELINE/now (open, read, close) in a loop until STOPFILE exists,
and checks what it sees: a well-formed line, or during an outage of qotfs
ENOENT (the mount is gone: auto_unmount), ENOTCONN (a dead mount, until
then) or ECONNABORTED (a read in flight when qotfs died), and nothing else;
estimates never go backwards, across restarts too. Prints a summary with
every outage (ms) and exits 1 on any violation. Creates STOPFILE.now-read
after its first good read.
"""
import errno
import os
import re
import sys
import time

LINE = re.compile(r"^(-?\d+)\.(\d{9}) (\d+\.\d{9}) (\d+\.\d{9}) (unsynced|synced|holdover|stale)\n$")
OUTAGE_ERRORS = {errno.ENOENT, errno.ENOTCONN, errno.ECONNABORTED}


def main():
    mount, timeline, stopfile = sys.argv[1:4]
    max_seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 120.0
    path = os.path.join(mount, timeline, "now")
    deadline = time.monotonic() + max_seconds
    reads = ok = 0
    errors = {}
    violations = []
    outages = []
    outage_start = None
    last_estimate = None
    statuses = []
    while not os.path.exists(stopfile) and time.monotonic() < deadline:
        reads += 1
        try:
            with open(path, "rb", buffering=0) as f:
                text = f.read(256).decode("ascii", "replace")
        except OSError as e:
            errors[errno.errorcode.get(e.errno, str(e.errno))] = (
                errors.get(errno.errorcode.get(e.errno, str(e.errno)), 0) + 1)
            if e.errno not in OUTAGE_ERRORS:
                violations.append(f"read {reads}: {e}")
            if outage_start is None:
                outage_start = time.monotonic()
            time.sleep(0.001)
            continue
        m = LINE.match(text)
        if not m:
            violations.append(f"read {reads}: malformed line {text!r}")
            continue
        ok += 1
        if ok == 1:
            open(stopfile + ".now-read", "w").close()  # the test waits for it
        if outage_start is not None:
            outages.append((time.monotonic() - outage_start) * 1000)
            outage_start = None
        seconds = m.group(1)
        estimate = abs(int(seconds)) * 10**9 + int(m.group(2))
        if seconds.startswith("-"):
            estimate = -estimate
        if last_estimate is not None and estimate < last_estimate:
            violations.append(f"read {reads}: estimate went back {last_estimate - estimate} ns")
        last_estimate = estimate
        if not statuses or statuses[-1] != m.group(5):
            statuses.append(m.group(5))
        time.sleep(0.0005)
    if outage_start is not None:
        violations.append("the outage had not ended when the reader stopped")
    print(f"reads={reads} ok={ok} errors={errors} statuses={'>'.join(statuses)} "
          f"outages_ms={[round(x, 1) for x in outages]}")
    for v in violations[:20]:
        print("VIOLATION:", v)
    if time.monotonic() >= deadline:
        print("VIOLATION: never told to stop")
        return 1
    return 1 if violations or ok == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
