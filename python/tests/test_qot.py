#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Tests of the qot package against a real qotfs mount.

Run by tests/integration/test_python.sh with the package installed in a
fresh virtual environment: QOT_ROOT is the mount, QOT_READ_BIN the C reader
(qot-read, libqot), QOT_PY_SOURCE the source tree the package must not be
imported from. Writes ctl, so it runs as the daemon's user.
"""
import errno
import gc
import os
import subprocess
import sys
import time
import unittest

import qot
import qot.clock

ROOT = os.environ["QOT_ROOT"]
QOT_READ = os.environ["QOT_READ_BIN"]
PPB = 18446744073  # 2**-64 units per ppb, rounded down
_count = [0]


def new_timeline():
    _count[0] += 1
    name = "py%d" % _count[0]
    os.mkdir(os.path.join(ROOT, name))
    return name


def write_ctl(tl, status="synced", anchor=None, offset=0, freq=0, below=1000, above=2000,
              drift_below=0, drift_above=0, stale_after=None, source="pytest"):
    now = time.clock_gettime_ns(time.CLOCK_REALTIME)
    anchor = now if anchor is None else anchor
    stale = anchor + 60 * 10**9 if stale_after is None else stale_after
    line = ("status=%s anchor=%d timeline=%d freq=%d offset_below=%s offset_above=%s "
            "drift_below=%d drift_above=%d stale_after=%s source=%s\n" % (
                status, anchor, anchor + offset, freq, below, above, drift_below, drift_above,
                stale, source))
    with open(os.path.join(ROOT, tl, "ctl"), "w") as f:
        f.write(line)
    # the daemon pushes the page an instant after the write (qot(7), clock)
    with qot.Clock(tl) as c:
        deadline = time.monotonic() + 10
        while c.params()[0].anchor != anchor:
            if time.monotonic() > deadline:
                raise AssertionError("the clock page never showed the new parameters")
            time.sleep(0.001)


def c_read_at(tl, t):
    out = subprocess.run([QOT_READ, "--at", str(t), os.path.join(ROOT, tl, "clock")],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


class Installed(unittest.TestCase):
    def test_from_the_venv(self):
        src = os.path.realpath(os.environ["QOT_PY_SOURCE"])
        self.assertFalse(os.path.realpath(qot.__file__).startswith(src + os.sep),
                         "imported from the source tree, not the installed package")
        self.assertTrue(os.path.realpath(qot.__file__).startswith(os.path.realpath(sys.prefix)))


class ClockPage(unittest.TestCase):
    def test_equal_to_the_c_reader_at_the_same_instant(self):
        tl = new_timeline()
        now = time.clock_gettime_ns(time.CLOCK_REALTIME)
        # odd values, so that every floor, ceil, sign and saturation counts
        write_ctl(tl, anchor=now, offset=-123457, freq=-987654321098765, below=1001,
                  above=77, drift_below=3 * PPB + 12345, drift_above=184467440737095516,
                  stale_after=now + 7 * 10**9)
        instants = [now, now + 1, now - 1, now + 999999937, now - 10**12 - 3,
                    now + 7 * 10**9, now + 7 * 10**9 + 1, -5 * 10**18, 9 * 10**18]
        with qot.Clock(tl) as c:
            for t in instants:
                self.assertEqual(str(c.at(t)), c_read_at(tl, t), "at %d" % t)
        # a saturated bound: unbounded at anchor
        write_ctl(tl, below="unbounded", drift_below=5, stale_after=9 * 10**18)
        with qot.Clock(tl) as c:
            for t in (now, now + 10**15):
                self.assertEqual(str(c.at(t)), c_read_at(tl, t))
                self.assertEqual(c.at(t).below, qot.UNBOUNDED)

    def test_projection_by_hand(self):
        p = qot.Params(0, qot.Status.SYNCED, 1000, 5000, -(2**63), 10, 10, 2**63, 1, 2000)
        t = qot.project(p, 1003)  # dt 3: estimate 5000 + 3 + floor(-3/2) = 5001
        self.assertEqual((t.estimate, t.below, t.above, t.status),
                         (5001, 12, 11, qot.Status.SYNCED))
        t = qot.project(p, 997)  # dt -3: floor(3/2) = 1; bounds grow both ways
        self.assertEqual((t.estimate, t.below, t.above), (4998, 12, 11))
        t = qot.project(p, 2001)
        self.assertEqual((t.below, t.above, t.status),
                         (qot.UNBOUNDED, qot.UNBOUNDED, qot.Status.STALE))

    def test_brackets_the_now_file(self):
        tl = new_timeline()
        write_ctl(tl, offset=5000, drift_below=PPB * 1000, drift_above=PPB * 1000)
        with qot.Clock(tl) as c:
            for _ in range(20):
                a = c.read()
                n = qot.read_now(tl)
                b = c.read()
                self.assertLessEqual(a.estimate, n.estimate)
                self.assertLessEqual(n.estimate, b.estimate)
                self.assertTrue(a.below <= n.below <= b.below, (a, n, b))
                self.assertTrue(a.above <= n.above <= b.above, (a, n, b))
                self.assertEqual(a.status, n.status)
                self.assertEqual(n.status, qot.Status.SYNCED)
        a = qot.now(tl)
        n = qot.read_now(tl)
        self.assertLessEqual(a.estimate, n.estimate)

    def test_sync(self):
        tl = new_timeline()
        s = qot.sync(tl)
        self.assertEqual((s.source, s.status, s.age, s.below, s.met),
                         (None, qot.Status.UNSYNCED, None, qot.UNBOUNDED, True))
        write_ctl(tl, offset=-7000, freq=-3 * PPB, below=40, above=50, source="gps")
        with open(os.path.join(ROOT, tl, "requirements"), "w") as f:
            f.write("accuracy=30ns/1us resolution=5us\n")
        s = qot.sync(tl)
        self.assertEqual((s.source, s.status, s.below, s.above), ("gps", qot.Status.SYNCED, 40, 50))
        self.assertTrue(-7001 <= s.offset <= -7000, s.offset)  # -3 ppb for an instant
        self.assertEqual(s.freq_ppb, -3.0)
        self.assertGreaterEqual(s.age, 0)
        self.assertEqual(s.requirement, qot.Requirement(30, 1000, 5000))
        self.assertFalse(s.met)  # 40 ns below is more than 30 ns
        self.assertEqual(s.note, "")
        # The sync daemon's note ends the line: a peer's own age=, a reason with spaces.
        note = "peer=follow upstream=a ~age=7.500 effort=controlled reason=bound 9us at 4s"
        with open(os.path.join(ROOT, tl, "note"), "w") as f:
            f.write(note + "\n")
        s = qot.sync(tl)
        self.assertEqual(s.note, note.replace("~", ""))
        self.assertLess(s.age, 7 * 10**9)  # the parameters' age, not the peer's
        self.assertEqual(s.source, "gps")

    def test_statuses(self):
        tl = new_timeline()
        t = qot.now(tl)
        self.assertEqual(t.status, qot.Status.UNSYNCED)
        self.assertFalse(t.bounded)
        self.assertIsNone(t.earliest)
        write_ctl(tl, status="holdover")
        self.assertEqual(qot.now(tl).status, qot.Status.HOLDOVER)
        now = time.clock_gettime_ns(time.CLOCK_REALTIME)
        write_ctl(tl, anchor=now - 2 * 10**9, stale_after=now - 10**9)
        t = qot.now(tl)
        self.assertEqual(t.status, qot.Status.STALE)
        self.assertEqual(t.below, qot.UNBOUNDED)
        self.assertEqual(str(t).split()[3], "stale")


def fake_page(path, seq):
    """A clock page in a plain file, for the seqlock tests."""
    page = bytearray(qot.clock.PAGE_SIZE)
    page[0:16] = b"QOTCLOCK" + (1).to_bytes(4, sys.byteorder) + (128).to_bytes(4, sys.byteorder)
    page[16:24] = seq.to_bytes(8, sys.byteorder)
    with open(path, "wb") as f:
        f.write(page)


# Another process rewrites the page as fast as it can, as a seqlock writer:
# seq odd, the eight 64-bit fields one store at a time (all equal), seq even.
WRITER = """
import mmap, struct, sys, time
f = open(sys.argv[1], "r+b")
m = mmap.mmap(f.fileno(), 4096)
seq, v, end = 0, 0, time.monotonic() + float(sys.argv[2])
print("go", flush=True)
while time.monotonic() < end:
    v += 1
    struct.pack_into("=Q", m, 16, seq + 1)
    for off in range(32, 96, 8):
        struct.pack_into("=q", m, off, v)
    seq += 2
    struct.pack_into("=Q", m, 16, seq)
    pause = time.perf_counter_ns() + 20000  # 20 us between updates: room to read
    while time.perf_counter_ns() < pause:
        pass
"""


class Seqlock(unittest.TestCase):
    def setUp(self):
        self.path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "qot-page-%d" % os.getpid())
        self.addCleanup(lambda: os.path.exists(self.path) and os.unlink(self.path))

    def test_never_a_torn_copy(self):
        fake_page(self.path, 0)
        w = subprocess.Popen([sys.executable, "-c", WRITER, self.path, "20"],
                             stdout=subprocess.PIPE, text=True)
        self.addCleanup(w.wait)
        self.addCleanup(w.kill)
        self.assertEqual(w.stdout.readline().strip(), "go")
        seen = set()
        deadline = time.monotonic() + 5
        with qot.Clock(path=self.path) as c:
            # many copies while the writer writes, as many as a loaded machine allows
            while len(seen) < 2000 and time.monotonic() < deadline and w.poll() is None:
                p, _ = c.params()
                fields = (p.anchor, p.anchor_tl, p.freq, p.offset_below, p.offset_above,
                          p.drift_below, p.drift_above, p.stale_after)
                self.assertEqual(len(set(fields)), 1, "a torn copy: %r" % (fields,))
                seen.add(p.anchor)
        self.assertGreater(len(seen), 100, "the writer hardly ran: not a test")

    def test_a_page_stuck_mid_update(self):
        fake_page(self.path, 1)  # odd: a writer died while writing
        with qot.Clock(path=self.path) as c:
            with self.assertRaises(qot.TornPageError) as e:
                c.params()
            self.assertEqual(e.exception.errno, errno.EAGAIN)


class Binding(unittest.TestCase):
    def bindings(self, tl):
        with open(os.path.join(ROOT, tl, "bindings")) as f:
            return [qot.BindingInfo.parse(line) for line in f]

    def requirements(self, tl):
        with open(os.path.join(ROOT, tl, "requirements")) as f:
            return f.read().strip()

    def test_lifetime(self):
        tl = new_timeline()
        with qot.bind(tl, "pyapp", accuracy=("5us", 10**6), resolution="1ms") as b:
            listed = self.bindings(tl)
            self.assertEqual(len(listed), 1)
            self.assertEqual(listed[0], b.info())
            self.assertEqual((listed[0].pid, listed[0].name), (os.getpid(), "pyapp"))
            self.assertEqual(listed[0].requirement, qot.Requirement(5000, 10**6, 10**6))
            self.assertEqual(self.requirements(tl), "accuracy=5us/1ms resolution=1ms")
            b.update(qot.requirement(accuracy="2us"))
            self.assertEqual(self.requirements(tl), "accuracy=2us resolution=none")
            self.assertEqual(b.info().id, listed[0].id)
            self.assertEqual(b.clock.read().status, qot.Status.UNSYNCED)
        self.assertTrue(b.closed)
        self.assertEqual(self.bindings(tl), [])
        self.assertEqual(self.requirements(tl), "accuracy=none resolution=none")
        # dropped without close: the garbage collector unbinds
        b = qot.bind(tl, "dropped", accuracy="1ms")
        self.assertEqual(len(self.bindings(tl)), 1)
        del b
        gc.collect()
        self.assertEqual(self.bindings(tl), [])

    def test_ends_with_the_process(self):
        tl = new_timeline()
        code = ("import qot, sys; b = qot.bind(%r, 'child', accuracy='1ms'); "
                "print('bound', flush=True); sys.stdin.readline()" % tl)
        p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        self.assertEqual(p.stdout.readline().strip(), "bound")
        self.assertEqual([b.pid for b in self.bindings(tl)], [p.pid])
        p.kill()
        p.wait()
        deadline = time.monotonic() + 10
        while self.bindings(tl) and time.monotonic() < deadline:
            time.sleep(0.01)  # the kernel releases the file after the exit
        self.assertEqual(self.bindings(tl), [])

    def test_errors(self):
        tl = new_timeline()
        with self.assertRaises(qot.QotError) as e:
            qot.bind(tl, "bad name!")
        self.assertEqual(e.exception.errno, errno.EINVAL)
        with self.assertRaises(qot.QotError) as e:
            qot.bind(tl, "app", accuracy="10 parsecs")
        self.assertEqual(e.exception.errno, errno.EINVAL)
        with self.assertRaises(qot.QotError) as e:
            qot.bind(tl, "app", accuracy=0)
        self.assertEqual(e.exception.errno, errno.EINVAL)
        with self.assertRaises(qot.QotError) as e:
            qot.bind("nosuch", "app")
        self.assertEqual(e.exception.errno, errno.ENOENT)
        self.assertIsInstance(e.exception, OSError)
        self.assertEqual(self.bindings(tl), [])  # nothing half-applied


class Waits(unittest.TestCase):
    def test_wait_until_never_early(self):
        tl = new_timeline()
        write_ctl(tl, offset=-3 * 10**9, freq=100000 * PPB)  # 3 s behind, 100 ppm fast
        with qot.Timer(tl) as timer, qot.Clock(tl) as c:
            for delay in (0, 1, 10**6, 50 * 10**6, 150 * 10**6):
                target = c.read().estimate + delay
                woke = timer.wait_until(target)
                after = c.read()
                self.assertGreaterEqual(woke.estimate, target)
                self.assertGreaterEqual(after.estimate, target)
        woke = qot.wait_until(tl, qot.now(tl).estimate + 10**7)
        self.assertEqual(woke.status, qot.Status.SYNCED)

    def test_commit_wait(self):
        tl = new_timeline()
        write_ctl(tl, below=30 * 10**6, above=30 * 10**6)  # 30 ms of uncertainty
        t = qot.now(tl).estimate
        woke = qot.commit_wait(tl, t)
        self.assertGreater(woke.estimate - woke.below, t)
        self.assertGreaterEqual(woke.estimate - t, 30 * 10**6)  # waited out the bound

    def test_periods(self):
        tl = new_timeline()
        write_ctl(tl)
        period = 50 * 10**6
        with qot.Timer(tl) as timer:
            ticks = []
            for woke in timer.periods("50ms"):
                ticks.append(woke.estimate)
                if len(ticks) == 4:
                    break
        boundaries = [t - t % period for t in ticks]
        self.assertEqual(len(set(boundaries)), 4, "a boundary twice: %r" % ticks)
        for b, t in zip(boundaries, ticks):
            self.assertGreaterEqual(t, b)
        for a, b in zip(boundaries, boundaries[1:]):
            self.assertGreater(b, a)

    def test_errors(self):
        with self.assertRaises(qot.QotError) as e:
            qot.Timer("nosuch")
        self.assertEqual(e.exception.errno, errno.ENOENT)
        tl = new_timeline()
        with qot.Timer(tl) as timer:
            with self.assertRaises(qot.QotError) as e:
                next(timer.periods(0))
            self.assertEqual(e.exception.errno, errno.EINVAL)
            with self.assertRaises(qot.QotError) as e:
                timer.wait_until(2**80)  # beyond 64-bit nanoseconds
            self.assertEqual(e.exception.errno, errno.ERANGE)


class HybridLogicalClock(unittest.TestCase):
    def test_now_and_recv(self):
        tl = new_timeline()
        with qot.Hlc(tl) as h:
            a, b = h.now(), h.now()
            self.assertLess(a, b)
            ahead = qot.HlcTimestamp(b.l + 10**6, 7)
            c = h.recv(ahead)
            self.assertGreater(c, ahead)
            with self.assertRaises(qot.QotError) as e:
                h.recv(qot.HlcTimestamp(b.l + 3600 * 10**9, 0))
            self.assertEqual(e.exception.errno, errno.ERANGE)
            s = h.stats()
            self.assertEqual((s.received, s.refused), (1, 1))
            self.assertGreaterEqual(s.events, 3)
            self.assertGreaterEqual(s.last, c)
        self.assertEqual(str(qot.HlcTimestamp(1, 2)), "0000000000000000001.000002")
        with self.assertRaises(ValueError):
            qot.HlcTimestamp.parse("1.2")


class Errors(unittest.TestCase):
    def test_no_such_timeline(self):
        for call in (lambda: qot.now("nosuch"), lambda: qot.Clock("nosuch"),
                     lambda: qot.Hlc("nosuch"), lambda: qot.read_now("nosuch")):
            with self.assertRaises(qot.QotError) as e:
                call()
            self.assertEqual(e.exception.errno, errno.ENOENT)

    def test_not_mounted(self):
        with self.assertRaises(qot.QotError) as e:
            qot.now("tl", root="/nonexistent/qot")
        self.assertEqual(e.exception.errno, errno.ENOENT)

    def test_not_a_clock_page(self):
        tl = new_timeline()
        with self.assertRaises(qot.PageError) as e:
            qot.Clock(path=os.path.join(ROOT, tl, "now"))
        self.assertEqual(e.exception.errno, errno.EPROTO)

    def test_timelines(self):
        tl = new_timeline()
        self.assertIn(tl, qot.timelines())


if __name__ == "__main__":
    unittest.main(verbosity=2)
