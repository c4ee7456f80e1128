# SPDX-License-Identifier: Apache-2.0
"""Binding to a timeline through its ``bind`` file (qot(7), BINDING).

A binding lives as long as its open file: :func:`bind` returns a
:class:`Binding` to use as a context manager (or :meth:`Binding.close`)::

    with qot.bind("tl", "myapp", accuracy="10us") as b:
        t = b.clock.read()
"""
import os
from dataclasses import dataclass

from . import _files
from .clock import Clock
from .errors import QotError, from_oserror
from .values import UNBOUNDED, Requirement, format_duration, parse_duration

__all__ = ["Binding", "BindingInfo", "bind", "requirement"]


def _duration(value, what):
    if value is None:
        return UNBOUNDED
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except ValueError as e:
            raise QotError(22, "%s: %s" % (what, e)) from None
    if isinstance(value, int) and 0 < value < UNBOUNDED:
        return value
    raise QotError(22, "%s: not a duration: %r (ns > 0, or a string like '10us')"
                   % (what, value))


def requirement(accuracy=None, resolution=None):
    """A :class:`~qot.values.Requirement` from friendly values.

    ``accuracy`` is None (none), a duration (int ns or "10us"), or a pair
    (below, above); ``resolution`` None or a duration.
    """
    if isinstance(accuracy, tuple):
        below, above = accuracy
    else:
        below = above = accuracy
    return Requirement(_duration(below, "accuracy"), _duration(above, "accuracy"),
                       _duration(resolution, "resolution"))


@dataclass(frozen=True)
class BindingInfo:
    """A binding as the ``bindings`` file lists it."""

    id: int
    pid: int
    uid: int
    name: str
    requirement: Requirement

    @classmethod
    def parse(cls, line):
        """From a line of ``bindings``."""
        f = _files.kv(line)
        return cls(int(f["id"]), int(f["pid"]), int(f["uid"]), f["name"],
                   Requirement.parse(f["accuracy"], f["resolution"]))


class Binding(_files.Handle):
    """A binding to a timeline, held while the object is open; see :func:`bind`."""

    def __init__(self, timeline, app, req, root=None):
        self.timeline = timeline
        self.app = app
        self.clock = None
        self._fd = None
        self.path = _files.timeline_file(timeline, "bind", root)
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
        except OSError as e:
            raise from_oserror(e, self.path) from None
        try:
            self.update(req)
            self.clock = Clock(path=_files.timeline_file(timeline, "clock", root))
        except BaseException:
            self.close()
            raise

    def update(self, req):
        """Replace the binding's :class:`~qot.values.Requirement` (same id)."""
        line = "name=%s accuracy=%s/%s resolution=%s" % (
            self.app, format_duration(req.accuracy_below), format_duration(req.accuracy_above),
            format_duration(req.resolution))
        _files.write_line(self._fd, line, self.path)
        self.requirement = req

    def info(self):
        """This binding as qotfs lists it: a :class:`BindingInfo`."""
        return BindingInfo.parse(_files.pread_all(self._fd, self.path))

    def _release(self):
        """Unbind, and unmap the clock."""
        if self.clock is not None:
            self.clock.close()
            self.clock = None
        super()._release()


def bind(timeline, app, accuracy=None, resolution=None, root=None):
    """Bind application ``app`` to a timeline with its requirements.

    ``accuracy``: None, a duration (int ns or "10us"), or (below, above);
    ``resolution``: None or a duration. Returns a :class:`Binding` whose
    ``clock`` is the timeline's mapped :class:`~qot.clock.Clock`. Raises
    :class:`~qot.errors.QotError`: ``ENOENT`` no such timeline, ``EINVAL`` a
    bad name or duration, ``ENOSPC``/``EDQUOT`` too many bindings.
    """
    return Binding(timeline, app, requirement(accuracy, resolution), root)
