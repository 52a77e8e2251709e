"""The one exception type of importing: a user-facing, one-line reason and an exit code."""

from __future__ import annotations


class ImportFailed(Exception):
    """The file (or the request) was refused as a whole; nothing was changed.

    ``code`` is the CLI exit code: 1 for a file that cannot be imported, 2 for a usage
    error (unknown table, bad option value).
    """

    def __init__(self, message: str, *, code: int = 1) -> None:
        super().__init__(message)
        self.code = code
