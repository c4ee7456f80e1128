#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Wait on a qotfs timeline with nothing but open, read, write and mmap.

    qot_wait.py [--count N] [--period DUR] TIMELINE   # tick N times
    qot_wait.py --commit SECONDS TIMELINE             # commit-wait

Ticks read one line per period boundary from the timeline's timer file and
check it against the clock page (mapped with qot_clock.py): a wake-up is
never early. --commit returns once the instant is certainly past.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qot_clock  # noqa: E402  (the page reader next to this file)


def seconds_to_ns(text):
    neg = text.startswith("-")
    sec, _, frac = text.lstrip("-").partition(".")
    ns = int(sec) * 10**9 + int((frac or "0").ljust(9, "0"))
    return -ns if neg else ns


def main(argv):
    count, period, commit = 5, "1s", None
    args = list(argv)
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--count":
            count = int(args.pop(0))
        elif opt == "--period":
            period = args.pop(0)
        elif opt == "--commit":
            commit = args.pop(0)
        else:
            sys.exit(f"qot_wait.py: unknown option {opt}")
    if len(args) != 1:
        sys.exit(__doc__)
    root = os.path.join(os.environ.get("QOT_ROOT") or "/qot", args[0])
    page = qot_clock.open_page(os.path.join(root, "clock"))
    fd = os.open(os.path.join(root, "timer"), os.O_RDWR)
    try:
        if commit is not None:
            os.write(fd, f"commit={commit}\n".encode())
            line = os.pread(fd, 256, 0).decode()
            est, below = (seconds_to_ns(x) for x in line.split()[:2])
            if est - below <= seconds_to_ns(commit):
                sys.exit(f"qot_wait.py: commit-wait returned early: {line}")
            print(f"committed {line}", end="")
            return 0
        os.write(fd, f"period={period}\n".encode())
        for _ in range(count):
            line = os.pread(fd, 256, 0).decode()  # offset 0: the next boundary
            est = seconds_to_ns(line.split()[0])
            params, now = qot_clock.read_params(page)
            page_est = qot_clock.project(params, now)[0]
            if page_est < est:
                sys.exit(f"qot_wait.py: the page is behind the wake-up: {line}")
            print(f"tick {line}", end="", flush=True)
    finally:
        os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
