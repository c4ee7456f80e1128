# SPDX-License-Identifier: Apache-2.0
"""The node-wide hybrid logical clock of a timeline: its ``hlc`` file (qot(7)).

Every process of the node that uses the file shares one clock, so its
timestamps strictly increase across all of them.
"""
import os
from dataclasses import dataclass

from . import _files
from .errors import from_oserror
from .values import UNBOUNDED, HlcTimestamp, parse_duration

__all__ = ["Hlc", "HlcStats"]


@dataclass(frozen=True)
class HlcStats:
    """The counters of ``hlcstat``; durations in ns (``max_offset`` UNBOUNDED: none)."""

    last: HlcTimestamp
    events: int
    received: int
    refused: int
    malformed: int
    ahead_max: int
    max_offset: int

    @classmethod
    def parse(cls, line):
        """From the line of ``hlcstat``."""
        f = _files.kv(line)
        ahead = 0 if f["ahead_max"] in ("0ns", "0") else parse_duration(f["ahead_max"])
        return cls(HlcTimestamp.parse(f["last"]), int(f["events"]), int(f["received"]),
                   int(f["refused"]), int(f["malformed"]), ahead,
                   UNBOUNDED if f["max_offset"] == "none" else parse_duration(f["max_offset"]))


class Hlc(_files.Handle):
    """A timeline's node-wide HLC: ``Hlc("tl")``; a context manager."""

    def __init__(self, timeline, root=None):
        self.path = _files.timeline_file(timeline, "hlc", root)
        self._stat = _files.timeline_file(timeline, "hlcstat", root)
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
        except OSError as e:
            raise from_oserror(e, self.path) from None

    def now(self):
        """A local or send event: a fresh :class:`~qot.values.HlcTimestamp`."""
        return HlcTimestamp.parse(_files.pread_all(self._fd, self.path))

    def recv(self, ts):
        """Merge a received timestamp, and return the next event, after it.

        Raises :class:`~qot.errors.QotError` with ``ERANGE`` if ``ts`` leads
        the timeline's time by more than the daemon's maximum offset.
        """
        _files.write_line(self._fd, str(HlcTimestamp(*ts)), self.path)
        return self.now()

    def stats(self):
        """The clock's counters: :class:`HlcStats`."""
        return HlcStats.parse(_files.read_text(self._stat))
