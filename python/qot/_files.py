# SPDX-License-Identifier: Apache-2.0
"""Where the mount is, and the files of a timeline (qot(7))."""
import os

from .errors import QotError, from_oserror

DEFAULT_ROOT = "/qot"


def root(path=None):
    """The mount: path if given, else $QOT_ROOT, else /qot."""
    return path or os.environ.get("QOT_ROOT") or DEFAULT_ROOT


def timeline_file(timeline, name, mount=None):
    """The path of a file of a timeline; a timeline containing "/" is a directory path."""
    if not timeline or timeline.startswith("."):
        raise QotError(2, "no such timeline", timeline)
    if "/" in timeline:
        return os.path.join(timeline, name)
    return os.path.join(root(mount), timeline, name)


def read_text(path):
    """The whole text of a file, read afresh (a snapshot at offset 0)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as e:
        raise from_oserror(e, path) from None
    try:
        return pread_all(fd, path)
    finally:
        os.close(fd)


def pread_all(fd, path=None):
    """Everything from offset 0 of an open file, as text."""
    chunks, off = [], 0
    try:
        while True:
            b = os.pread(fd, 65536, off)
            if not b:
                break
            chunks.append(b)
            off += len(b)
    except OSError as e:
        raise from_oserror(e, path) from None
    return b"".join(chunks).decode("ascii")


def write_line(fd, line, path=None):
    """One whole line in one write(2), as qot(7) wants it."""
    data = (line + "\n").encode("ascii")
    try:
        n = os.write(fd, data)
    except OSError as e:
        raise from_oserror(e, path) from None
    if n != len(data):
        raise QotError(5, "short write", path)


def kv(line):
    """The key=value words of a line, as a dict."""
    out = {}
    for word in line.split():
        key, sep, value = word.partition("=")
        if not sep:
            raise ValueError("not key=value: %r" % word)
        out[key] = value
    return out


class Handle:
    """What holds a file (or a mapping) open: close(), a context manager, closed by the collector.

    Subclasses set ``_fd`` (an open descriptor, or None) and may override
    :meth:`_release` for more than the descriptor.
    """

    _fd = None

    def _release(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @property
    def closed(self):
        """True once closed."""
        return self._fd is None

    def close(self):
        """Close it; closing again does nothing."""
        self._release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()
