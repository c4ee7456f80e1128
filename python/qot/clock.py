# SPDX-License-Identifier: Apache-2.0
"""The clock page of a timeline, mapped and read exactly as qot-clock(5) says.

A :class:`Clock` maps ``/qot/TIMELINE/clock`` once; each :meth:`Clock.read`
takes a consistent copy of the parameters with the seqlock, samples
CLOCK_REALTIME inside it, and projects with exact integer arithmetic
(estimate rounded down and clamped to 64 bits, bounds rounded up and
saturating, stale past ``stale_after``). No system call but
``clock_gettime``.

Python's :mod:`mmap` cannot lock the page in memory, so (qot-clock(5),
BUGS) a reader may get SIGBUS if the page is evicted after qotfs is gone.
Unlike libqot, a :class:`Clock` does not map the new page of a restarted
qotfs by itself: open it again.
"""
import mmap
import os
import struct
import time

from . import _files
from .errors import PageError, TornPageError, from_oserror
from .values import UNBOUNDED, Params, Status, Time

__all__ = ["Clock", "project", "now", "PAGE_SIZE"]

PAGE_SIZE = 4096
MAGIC = b"QOTCLOCK"
VERSION = 1
_HEADER = struct.Struct("=8sII")  # magic, version, size
_SEQ = struct.Struct("=Q")
_SEQ_OFFSET = 16
_PARAMS = struct.Struct("=iIqqqQQQQq")  # bytes 24 to 95
_PARAMS_OFFSET = 24
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_SPIN_TRIES = 256
_TORN_AFTER_NS = 10**9
_STATUSES = {0: Status.UNSYNCED, 1: Status.SYNCED, 2: Status.HOLDOVER}


def _ceil_shift64(x):
    """ceil(x / 2**64) for x >= 0 (Python's >> rounds down)."""
    return -((-x) >> 64)


def project(params, t):
    """The :class:`~qot.values.Time` of parameters at base-clock instant ``t`` (ns).

    The projection of qot-clock(5), in exact integer arithmetic::

        estimate = anchor_tl + dt + floor(freq * dt / 2**64)   (clamped to int64)
        below    = offset_below + ceil(drift_below * |dt| / 2**64)   (saturating)
        above    = offset_above + ceil(drift_above * |dt| / 2**64)

    with dt = t - anchor; past ``stale_after`` the status is stale and both
    bounds unbounded.
    """
    dt = t - params.anchor
    estimate = params.anchor_tl + dt + ((params.freq * dt) >> 64)
    estimate = min(max(estimate, _INT64_MIN), _INT64_MAX)
    if t > params.stale_after:
        return Time(estimate, UNBOUNDED, UNBOUNDED, Status.STALE)
    below = min(params.offset_below + _ceil_shift64(params.drift_below * abs(dt)), UNBOUNDED)
    above = min(params.offset_above + _ceil_shift64(params.drift_above * abs(dt)), UNBOUNDED)
    return Time(estimate, below, above, params.status)


class Clock(_files.Handle):
    """A timeline's mapped clock page.

    ``Clock("tl")`` maps ``$QOT_ROOT/tl/clock`` (default root /qot);
    ``Clock("/path/to/tl")`` or ``Clock(path="/qot/tl/clock")`` a given one.
    Use it as a context manager, or call :meth:`close`.

    Raises :class:`~qot.errors.QotError` (``ENOENT``: no such timeline) or
    :class:`~qot.errors.PageError` (not a clock page of version 1).
    """

    def __init__(self, timeline=None, *, path=None, root=None):
        if path is None:
            if timeline is None:
                raise TypeError("Clock needs a timeline or a path")
            path = _files.timeline_file(timeline, "clock", root)
        self.path = path
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as e:
            raise from_oserror(e, path) from None
        try:
            st = os.fstat(fd)
            if st.st_size != PAGE_SIZE:
                raise PageError("not a qotfs clock page (size %d)" % st.st_size, path)
            self._page = mmap.mmap(fd, PAGE_SIZE, mmap.MAP_SHARED, mmap.PROT_READ)
        except OSError as e:
            raise from_oserror(e, path) from None
        finally:
            os.close(fd)  # the mapping stays valid
        magic, version, size = _HEADER.unpack_from(self._page, 0)
        if magic != MAGIC:
            self.close()
            raise PageError("not a qotfs clock page", path)
        if version != VERSION or not 128 <= size <= PAGE_SIZE:
            self.close()
            raise PageError("clock page version %d, size %d: not one this package reads"
                            % (version, size), path)

    def params(self):
        """A consistent copy of the parameters and the base-clock instant read with them.

        Returns ``(Params, base_ns)``. The seqlock of qot-clock(5): load seq
        (odd: retry), sample CLOCK_REALTIME, copy the parameters, load seq
        again (changed: retry). Spins 256 times, then yields, and gives up
        with :class:`~qot.errors.TornPageError` after a second.
        """
        page = self._page
        if page is None:
            raise ValueError("the clock is closed")
        tries, deadline = 0, None
        while True:
            s1 = _SEQ.unpack_from(page, _SEQ_OFFSET)[0]
            if not s1 & 1:
                t = time.clock_gettime_ns(time.CLOCK_REALTIME)
                fields = _PARAMS.unpack_from(page, _PARAMS_OFFSET)
                if _SEQ.unpack_from(page, _SEQ_OFFSET)[0] == s1:
                    break
            tries += 1
            if tries > _SPIN_TRIES:
                now = time.monotonic_ns()
                if deadline is None:
                    deadline = now + _TORN_AFTER_NS
                elif now > deadline:
                    raise TornPageError(self.path)
                os.sched_yield()
        clock_id, status, *rest = fields
        return Params(clock_id, _STATUSES.get(status, Status.UNSYNCED), *rest), t

    def read(self):
        """The timeline's time now, with its uncertainty: a :class:`~qot.values.Time`."""
        params, t = self.params()
        return project(params, t)

    def at(self, base_ns):
        """The current parameters projected to base-clock instant ``base_ns``."""
        params, _ = self.params()
        return project(params, base_ns)

    _page = None

    @property
    def closed(self):
        """True once unmapped."""
        return self._page is None

    def _release(self):
        """Unmap the page."""
        if self._page is not None:
            self._page.close()
            self._page = None


def now(timeline, root=None):
    """The time of a timeline now, from its clock page: a :class:`~qot.values.Time`."""
    with Clock(timeline, root=root) as c:
        return c.read()

