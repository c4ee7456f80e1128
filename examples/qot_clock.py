#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Read a qotfs timeline's clock page with nothing but open, mmap and struct.

Prints the same line as /qot/TIMELINE/now: "ESTIMATE BELOW ABOVE STATUS".
The page layout and arithmetic are documented in qot-clock(5).

    qot_clock.py TIMELINE          # under $QOT_ROOT, default /qot
    qot_clock.py PATH/TO/clock
    qot_clock.py --at NS TIMELINE  # project to base-clock instant NS instead of now
"""
import mmap
import os
import struct
import sys
import time

# "=": host byte order, no padding - the page is a host-local structure.
HEADER = struct.Struct("=8sIIQiIqqqQQQQq")
SEQ = struct.Struct("=Q")
SEQ_OFFSET = 16
MAGIC = b"QOTCLOCK"
UNBOUNDED = 2**64 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
STATUS = {0: "unsynced", 1: "synced", 2: "holdover"}


class PageError(Exception):
    pass


def open_page(arg):
    if "/" not in arg:
        arg = os.path.join(os.environ.get("QOT_ROOT") or "/qot", arg, "clock")
    with open(arg, "rb") as f:
        page = mmap.mmap(f.fileno(), 4096, mmap.MAP_SHARED, mmap.PROT_READ)
    magic, version = HEADER.unpack_from(page)[:2]
    if magic != MAGIC:
        raise PageError(f"{arg}: not a qotfs clock page")
    if version != 1:
        raise PageError(f"{arg}: unsupported page version {version}")
    return page


def read_params(page, at=None):
    """A consistent copy of the parameters and the base-clock instant (seqlock)."""
    for _ in range(100000):
        seq1 = SEQ.unpack_from(page, SEQ_OFFSET)[0]
        if seq1 & 1:
            continue
        now = time.clock_gettime_ns(time.CLOCK_REALTIME) if at is None else at
        fields = HEADER.unpack_from(page)
        if SEQ.unpack_from(page, SEQ_OFFSET)[0] == seq1:
            return fields[4:], now
    raise PageError("the page stayed mid-update")


def project(params, t):
    """Exact integer projection; Python's >> floors, as the C reader does."""
    _clock_id, status, anchor, anchor_tl, freq, ob, oa, db, da, stale_after = params
    dt = t - anchor
    estimate = min(max(anchor_tl + dt + ((freq * dt) >> 64), INT64_MIN), INT64_MAX)
    if t > stale_after:
        return estimate, UNBOUNDED, UNBOUNDED, "stale"
    below = min(ob - ((-db * abs(dt)) >> 64), UNBOUNDED)  # ceil, saturating
    above = min(oa - ((-da * abs(dt)) >> 64), UNBOUNDED)
    return estimate, below, above, STATUS.get(status, "unknown")


def seconds(ns):
    sign = "-" if ns < 0 else ""
    return f"{sign}{abs(ns) // 10**9}.{abs(ns) % 10**9:09d}"


def main(argv):
    at = None
    if len(argv) == 4 and argv[1] == "--at":
        at = int(argv[2])
        argv = argv[:1] + argv[3:]
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        page = open_page(argv[1])
        params, t = read_params(page, at)
    except (OSError, PageError) as e:
        print(f"qot_clock.py: {e}", file=sys.stderr)
        return 1
    estimate, below, above, status = project(params, t)
    print(seconds(estimate), seconds(below), seconds(above), status)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
