# SPDX-License-Identifier: Apache-2.0
"""The values the qot package returns: times, statuses, requirements, HLC timestamps.

Every instant and duration is an integer of nanoseconds (instants since the
Unix epoch), exactly as qotfs computes them; :data:`UNBOUNDED` (2**64 - 1)
is a bound nothing is known about, or a requirement of "none".
"""
import enum
import re
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "UNBOUNDED", "NEVER", "Status", "Time", "Params", "Requirement", "Sync", "HlcTimestamp",
    "parse_duration", "format_duration", "parse_seconds", "format_seconds",
]

UNBOUNDED = 2**64 - 1
"""A bound that is not known, or a duration that is not required (2**64 - 1 ns)."""
NEVER = 2**63 - 1
"""A ``stale_after`` that never comes."""


class Status(str, enum.Enum):
    """A timeline's status (qot(7), Statuses)."""

    UNSYNCED = "unsynced"  #: nobody disciplines it, or its source was lost
    SYNCED = "synced"  #: a source disciplines it now
    HOLDOVER = "holdover"  #: the source went silent; the bounds grow at the drift bound
    STALE = "stale"  #: the parameters are past stale_after: unbounded

    def __str__(self):
        return self.value


@dataclass(frozen=True)
class Time:
    """Time on a timeline: the true time lies in [estimate - below, estimate + above].

    ``estimate`` is nanoseconds since the epoch of timeline time; ``below`` and
    ``above`` are nanoseconds, :data:`UNBOUNDED` when nothing is known.
    """

    estimate: int
    below: int
    above: int
    status: Status

    @property
    def bounded(self):
        """True if both bounds are known."""
        return self.below != UNBOUNDED and self.above != UNBOUNDED

    @property
    def earliest(self):
        """The earliest the true time may be (None if unbounded)."""
        return None if self.below == UNBOUNDED else self.estimate - self.below

    @property
    def latest(self):
        """The latest the true time may be (None if unbounded)."""
        return None if self.above == UNBOUNDED else self.estimate + self.above

    def __str__(self):
        """The line of the ``now`` file: "ESTIMATE BELOW ABOVE STATUS"."""
        return "%s %s %s %s" % (format_seconds(self.estimate), format_seconds(self.below),
                                format_seconds(self.above), self.status.value)

    @classmethod
    def parse(cls, line):
        """A :class:`Time` from a line of ``now`` or ``timer``."""
        parts = line.split()
        if len(parts) != 4:
            raise ValueError("not a time line: %r" % line)
        return cls(parse_seconds(parts[0]), parse_seconds(parts[1]), parse_seconds(parts[2]),
                   Status(parts[3]))


@dataclass(frozen=True)
class Params:
    """A timeline's clock parameters, as on the clock page (qot-clock(5)) and in ``ctl``."""

    clock_id: int
    status: Status  #: unsynced, synced or holdover (never stale: readers derive that)
    anchor: int  #: base-clock (CLOCK_REALTIME) instant, ns since the epoch
    anchor_tl: int  #: timeline time at anchor
    freq: int  #: frequency correction, 2**-64 units
    offset_below: int
    offset_above: int
    drift_below: int  #: growth of below per ns, 2**-64 units
    drift_above: int
    stale_after: int  #: base-clock instant; NEVER for never


@dataclass(frozen=True)
class Requirement:
    """What an application requires of a timeline; :data:`UNBOUNDED` is "none"."""

    accuracy_below: int = UNBOUNDED
    accuracy_above: int = UNBOUNDED
    resolution: int = UNBOUNDED

    def line(self):
        """The text of qot(7): "accuracy=B[/A] resolution=R"."""
        b, a = format_duration(self.accuracy_below), format_duration(self.accuracy_above)
        acc = b if b == a else "%s/%s" % (b, a)
        return "accuracy=%s resolution=%s" % (acc, format_duration(self.resolution))

    @classmethod
    def parse(cls, accuracy, resolution):
        """From the values of accuracy= and resolution= of a qotfs file."""
        if "/" in accuracy:
            b, a = accuracy.split("/", 1)
        else:
            b = a = accuracy
        return cls(parse_duration(b), parse_duration(a), parse_duration(resolution))


# The words of a sync line before its note (qot(7) sync), each at most once.
_SYNC_KEYS = frozenset(("source", "status", "offset", "freq_ppb", "below", "above", "age",
                        "accuracy", "resolution", "met", "asym", "stat"))


@dataclass(frozen=True)
class Sync:
    """A timeline's ``sync`` file: who disciplines it, how well, and whether that is enough.

    Evaluated by qotfs at the read; ``source`` is None for none, ``age`` None
    if parameters were never written; ``offset`` is the estimate minus
    CLOCK_REALTIME; ``freq_ppb`` a float (3 decimals in the file); ``note``
    the words the sync daemon ends the line with (the timeline's ``note``:
    a peer state, the controller's choice; "" for none), as text.
    """

    source: object
    status: Status
    offset: int
    freq_ppb: float
    below: int
    above: int
    age: object
    requirement: Requirement
    met: bool
    note: str = ""

    @classmethod
    def parse(cls, line):
        """From the line of ``sync``: the note starts at the first word that is
        not one of the state's, or is one again (a peer's own ``age=``)."""
        f, rest = {}, len(line)
        for m in re.finditer(r"\S+", line):
            k, eq, v = m.group().partition("=")
            if not eq or k not in _SYNC_KEYS or k in f:
                rest = m.start()
                break
            f[k] = v
        return cls(None if f["source"] == "none" else f["source"], Status(f["status"]),
                   parse_seconds(f["offset"]), float(f["freq_ppb"]),
                   parse_seconds(f["below"]), parse_seconds(f["above"]),
                   None if f["age"] == "none" else parse_seconds(f["age"]),
                   Requirement.parse(f["accuracy"], f["resolution"]), f["met"] == "yes",
                   line[rest:].strip())


class HlcTimestamp(NamedTuple):
    """A hybrid logical clock timestamp (qot(7)): ordered by ``l``, then ``c``."""

    l: int  # noqa: E741 - the name of the papers and of qot(7)
    c: int

    def __str__(self):
        """The text form: 19 digits of l, '.', 6 digits of c."""
        return "%019d.%06d" % (self.l, self.c)

    @classmethod
    def parse(cls, text):
        """Exactly the text form, optionally followed by one newline."""
        m = re.fullmatch(r"([0-9]{19})\.([0-9]{6})\n?", text)
        if m is None:
            raise ValueError("not an HLC timestamp: %r" % text)
        l, c = int(m.group(1)), int(m.group(2))
        if l > NEVER:
            raise ValueError("not an HLC timestamp: %r" % text)
        return cls(l, c)


_UNITS = {"ns": 1, "us": 1000, "ms": 1000000, "s": 1000000000}


def parse_duration(text):
    """"10us", "1500ns", "2s" or "none" (:data:`UNBOUNDED`) as nanoseconds."""
    if text == "none":
        return UNBOUNDED
    m = re.fullmatch(r"([0-9]+)(ns|us|ms|s)", text)
    if m is None:
        raise ValueError("not a duration: %r (an integer and ns, us, ms or s)" % text)
    ns = int(m.group(1)) * _UNITS[m.group(2)]
    if ns == 0 or ns >= UNBOUNDED:
        raise ValueError("duration out of range: %r" % text)
    return ns


def format_duration(ns):
    """Nanoseconds in the largest unit that is exact ("10us"); "none" for UNBOUNDED."""
    if ns == UNBOUNDED:
        return "none"
    for unit in ("s", "ms", "us"):
        if ns % _UNITS[unit] == 0 and ns >= _UNITS[unit]:
            return "%d%s" % (ns // _UNITS[unit], unit)
    return "%dns" % ns


def parse_seconds(text):
    """Decimal seconds as the files print them ("-1.000000500") as nanoseconds."""
    m = re.fullmatch(r"(-?)([0-9]+)(?:\.([0-9]{1,9}))?", text)
    if m is None:
        raise ValueError("not decimal seconds: %r" % text)
    ns = int(m.group(2)) * 10**9 + int((m.group(3) or "0").ljust(9, "0"))
    return -ns if m.group(1) else ns


def format_seconds(ns):
    """Nanoseconds as decimal seconds with 9 fraction digits, as the files print them."""
    sign = "-" if ns < 0 else ""
    return "%s%d.%09d" % (sign, abs(ns) // 10**9, abs(ns) % 10**9)
