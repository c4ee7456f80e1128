# SPDX-License-Identifier: Apache-2.0
"""Waiting on a timeline through its ``timer`` file (qot(7), WAITING).

The daemon parks the read until the instant has come, so a wait is never
early: the line returned was sampled when the instant came. Each
:class:`Timer` is one open ``timer`` file: one wait at a time.
"""
import os

from . import _files
from .bind import _duration
from .errors import from_oserror
from .values import Time, format_seconds

__all__ = ["Timer", "wait_until", "commit_wait"]


class Timer(_files.Handle):
    """A timer on a timeline: ``Timer("tl")``; a context manager."""

    def __init__(self, timeline, root=None):
        self.path = _files.timeline_file(timeline, "timer", root)
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
        except OSError as e:
            raise from_oserror(e, self.path) from None

    def _arm(self, line):
        _files.write_line(self._fd, line, self.path)

    def _wait(self):
        """One line at offset 0: waits in the daemon (EINTR is retried, PEP 475)."""
        try:
            data = os.pread(self._fd, 256, 0)
        except OSError as e:
            raise from_oserror(e, self.path) from None
        return Time.parse(data.decode("ascii"))

    def wait_until(self, instant):
        """Until the estimate reaches ``instant`` (ns since the epoch, timeline time).

        Returns the :class:`~qot.values.Time` sampled then: its estimate is
        never before ``instant``.
        """
        self._arm("at=" + format_seconds(instant))
        return self._wait()

    def commit_wait(self, instant):
        """Until ``instant`` is certainly past: estimate - below > instant.

        Never returns while the bounds are unbounded (unsynced or stale): it
        waits for parameters that make it so.
        """
        self._arm("commit=" + format_seconds(instant))
        return self._wait()

    def periods(self, period, phase=0):
        """Yield a :class:`~qot.values.Time` at each boundary phase + k * period.

        ``period`` and ``phase`` are durations (int ns or "1s"). Boundaries are
        of timeline time, never drift, and none is returned twice; a reader that
        falls behind gets one line at once, not the ones it missed.
        """
        p = _duration(period, "period")
        line = "period=%dns" % p
        if phase:
            line += " phase=%dns" % _duration(phase, "phase")
        self._arm(line)
        while True:
            yield self._wait()


def wait_until(timeline, instant, root=None):
    """Wait on a timeline until its estimate reaches ``instant``; see :meth:`Timer.wait_until`."""
    with Timer(timeline, root) as t:
        return t.wait_until(instant)


def commit_wait(timeline, instant, root=None):
    """Wait until ``instant`` is certainly past on a timeline; see :meth:`Timer.commit_wait`."""
    with Timer(timeline, root) as t:
        return t.commit_wait(instant)
