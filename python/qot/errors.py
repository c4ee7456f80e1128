# SPDX-License-Identifier: Apache-2.0
"""The exceptions of the qot package.

Every error is a :class:`QotError`, an :class:`OSError`: ``errno`` says what
happened, as the files of qot(7) say it (``ENOENT`` no such timeline,
``EINVAL`` a line the file refused, ``ERANGE`` a value too large,
``ENOTCONN`` qotfs has stopped, ...), ``filename`` which file.
"""
import errno as _errno
import os

__all__ = ["QotError", "PageError", "TornPageError", "from_oserror"]


class QotError(OSError):
    """An error of a qotfs file or of the qot package; ``errno`` says which."""


class PageError(QotError):
    """The file is not a qotfs clock page, or of a version this package does not read."""

    def __init__(self, message, filename=None):
        super().__init__(_errno.EPROTO, message, filename)


class TornPageError(QotError):
    """The clock page stayed mid-update for a second: its writer died while writing."""

    def __init__(self, filename=None):
        super().__init__(_errno.EAGAIN, "the clock page stayed mid-update", filename)


def from_oserror(e, filename=None):
    """The :class:`QotError` of an :class:`OSError` raised by a file operation."""
    if isinstance(e, QotError):
        return e
    code = e.errno if e.errno is not None else _errno.EIO
    return QotError(code, e.strerror or os.strerror(code), filename or e.filename)
