# SPDX-License-Identifier: Apache-2.0
"""qot: time with its uncertainty from the timelines of a qotfs mount.

Pure Python, standard library only. The mount is ``$QOT_ROOT``, else /qot
(every function takes ``root=`` too). See qot(7) for the files and
qot-clock(5) for the clock page::

    import qot
    t = qot.now("tl")                          # from the mapped clock page
    with qot.bind("tl", "app", accuracy="10us") as b:
        t = b.clock.read()
    qot.wait_until("tl", t.estimate + 10**9)   # through the timer file
    with qot.Hlc("tl") as h:
        ts = h.now()

Instants and durations are integers of nanoseconds; errors are
:class:`QotError`, an :class:`OSError` carrying the ``errno``.
"""
from . import _files
from .bind import Binding, BindingInfo, bind, requirement
from .clock import Clock, now, project
from .errors import PageError, QotError, TornPageError
from .hlc import Hlc, HlcStats
from .timer import Timer, commit_wait, wait_until
from .values import (NEVER, UNBOUNDED, HlcTimestamp, Params, Requirement, Status, Sync, Time,
                     format_duration, format_seconds, parse_duration, parse_seconds)

__version__ = "0.1.0"

__all__ = [
    "Binding", "BindingInfo", "Clock", "Hlc", "HlcStats", "HlcTimestamp", "NEVER",
    "PageError", "Params", "QotError", "Requirement", "Status", "Sync", "Time", "Timer",
    "TornPageError", "UNBOUNDED", "bind", "commit_wait", "format_duration",
    "format_seconds", "now", "parse_duration", "parse_seconds", "project", "read_now",
    "requirement", "root", "sync", "timelines", "wait_until",
]


def root(path=None):
    """The mount: ``path`` if given, else $QOT_ROOT, else /qot."""
    return _files.root(path)


def timelines(root=None):
    """The names of the mount's timelines, oldest first."""
    import os
    return _files.read_text(os.path.join(_files.root(root), ".timelines")).split()


def read_now(timeline, root=None):
    """The timeline's ``now`` file, read afresh by the daemon: a :class:`Time`."""
    return Time.parse(_files.read_text(_files.timeline_file(timeline, "now", root)))


def sync(timeline, root=None):
    """The timeline's ``sync`` file: a :class:`Sync`."""
    return Sync.parse(_files.read_text(_files.timeline_file(timeline, "sync", root)))
