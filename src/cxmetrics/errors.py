"""The errors a user can cause, in one hierarchy.

Every class carries the CLI exit code (SPEC 5.1: 1 failure with nothing changed, 2
usage error; 3, "imported but some rows quarantined", is not an error and stays with
the import summary) and the HTTP status the API answers with. The message says what
went wrong and what to do about it, in one line.

Interfaces map these in one place each: the CLI prints ``error: <message>`` and exits
with ``exit_code`` (:mod:`cxmetrics.interfaces.cli.common`); the API answers
``{"detail": <message>}`` with ``http_status`` (:mod:`cxmetrics.interfaces.web.app`).
Anything else that escapes is a bug: logged with its traceback, shown as one line.

::

    CxmError                          exit 1  HTTP 400
    ├── UsageError                    exit 2  HTTP 400  a bad option, argument or parameter
    │   ├── QueryError                exit 2  HTTP 400  unknown grain or dimension, bad or out-of-range date
    │   ├── UnknownMetric             exit 2  HTTP 404
    │   ├── UnknownLanguage           exit 2  HTTP 400
    │   ├── ConfigError               exit 2  HTTP 400  a bad cxm.toml or setting value
    │   └── BadPeriod                 exit 2  HTTP 400  a report period that is not YYYY-MM (also a ReportError)
    ├── NotFound                      exit 1  HTTP 404
    │   ├── UnknownCustomer           exit 1  HTTP 404
    │   ├── UnknownToken              exit 1  HTTP 404
    │   └── StoreMissing              exit 1  HTTP 404  no store file at the path
    ├── StoreError                    exit 1  HTTP 503  the store file cannot be opened
    │   └── StoreBusy                 exit 1  HTTP 423  another process holds the store's lock
    ├── EngineUnavailable             exit 1  HTTP 503  the [engine] (Spark) cannot be started or reached
    ├── Conflict                      exit 1  HTTP 409  the request clashes with the data there
    │   └── Throttled                 exit 1  HTTP 409  the customer was asked too recently for another survey
    ├── BadLink                       exit 1  HTTP 403  a survey link that was tampered with or never issued
    │   └── LinkExpired               exit 1  HTTP 410  a survey link past its expiry, or already used up
    ├── ImportFailed                  exit 1  HTTP 422  a file refused as a whole (code=2: usage, 400)
    │   └── UploadTooLarge            exit 1  HTTP 413
    ├── ReportError                   exit 1  HTTP 404  no data for the report: empty store, month outside the data
    │   └── PdfError                  exit 1  HTTP 503  the PDF printer is missing or failed
    ├── ClvError                      exit 1  HTTP 422  the data cannot support a CLV model
    ├── WriteFailed                   exit 1  HTTP 503  an output file cannot be written
    ├── SyncFailed                    exit 1  HTTP 502  a help desk cannot be read (unreachable, retries spent)
    │   └── SourceAuthFailed          exit 1  HTTP 502  the help desk refused the credentials
    └── AuthError                     exit 1  HTTP 401  no, invalid or revoked token
        └── Forbidden                 exit 1  HTTP 403  the token's role cannot do this

Classes that replace a built-in exception also subclass it (``QueryError`` is a
``ValueError``, ``UnknownMetric`` a ``KeyError``...), so older ``except`` clauses
keep working.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AuthError",
    "BadLink",
    "BadPeriod",
    "ClvError",
    "ConfigError",
    "Conflict",
    "CxmError",
    "EngineUnavailable",
    "Forbidden",
    "ImportFailed",
    "LinkExpired",
    "NotFound",
    "PdfError",
    "QueryError",
    "ReportError",
    "SourceAuthFailed",
    "StoreBusy",
    "StoreError",
    "StoreMissing",
    "SyncFailed",
    "Throttled",
    "UnknownCustomer",
    "UnknownLanguage",
    "UnknownMetric",
    "UnknownToken",
    "UploadTooLarge",
    "UsageError",
    "WriteFailed",
    "as_user_error",
]


class CxmError(Exception):
    """A failure the user can cause and fix; nothing was changed."""

    exit_code: int = 1
    http_status: int = 400
    #: extra HTTP response headers (WWW-Authenticate for 401)
    headers: ClassVar[dict[str, str]] = {}

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # KeyError and LookupError subclasses would quote the message
        return self.message


# -- usage: the request itself is wrong (exit 2) ----------------------------------------------------
class UsageError(CxmError):
    """A bad option, argument or parameter value; nothing was read."""

    exit_code = 2
    http_status = 400


class QueryError(UsageError, ValueError):
    """A query that cannot be asked: unknown grain or dimension, bad or out-of-range date, --from after --to."""


class UnknownMetric(UsageError, KeyError):
    """A metric id that is not in the catalogue (the message suggests close ids)."""

    http_status = 404


class UnknownLanguage(UsageError, ValueError):
    """A report or dashboard language that is not translated."""


class ConfigError(UsageError, ValueError):
    """A bad ``cxm.toml`` (syntax, unknown key, bad value) or a bad setting given as an option."""


# -- not found (exit 1, 404) ----------------------------------------------------------------------
class NotFound(CxmError, LookupError):
    """The thing asked for does not exist."""

    http_status = 404


class UnknownCustomer(NotFound):
    """No customer with that id in any table."""


class UnknownToken(NotFound):
    """No API token with that id."""


class StoreMissing(NotFound, FileNotFoundError):
    """No store file at the path (``cxm demo`` or ``cxm import`` creates one)."""


# -- the store file ------------------------------------------------------------------------------
class StoreError(CxmError):
    """The store file cannot be opened: not a DuckDB file, damaged, a folder, unreadable."""

    http_status = 503


class StoreBusy(StoreError):
    """Another process (an import, ``cxm serve``) holds the store's write lock."""

    http_status = 423


class EngineUnavailable(CxmError):
    """The configured engine (``[engine] kind = "spark"``) cannot be used: pyspark, its Spark
    Connect client or Java missing, the session cannot start or the server cannot be reached,
    or its catalog holds none of the canonical tables."""

    http_status = 503


class Conflict(CxmError):
    """The request clashes with what is there (e.g. the demo over imported data)."""

    http_status = 409


class Throttled(Conflict):
    """A survey invitation refused: the customer was asked less than ``throttle_days`` ago."""


# -- survey links ----------------------------------------------------------------------------------
class BadLink(CxmError):
    """A survey link whose signature does not match, or that no invitation issued."""

    http_status = 403


class LinkExpired(BadLink):
    """A genuine survey link that can no longer be used (past its expiry, or answered and closed)."""

    http_status = 410


# -- importing -------------------------------------------------------------------------------------
class ImportFailed(CxmError):
    """The file (or the request) was refused as a whole; nothing was changed.

    ``code`` is the CLI exit code: 1 for a file that cannot be imported (HTTP 422), 2 for
    a usage error such as an unknown table or a bad option value (HTTP 400).
    """

    http_status = 422

    def __init__(self, message: str, *, code: int = 1) -> None:
        super().__init__(message)
        self.code = code
        self.exit_code = code
        if code == 2:
            self.http_status = 400


class UploadTooLarge(ImportFailed):
    """An upload over ``[server] max_upload_mb``."""

    http_status = 413


# -- analyses and reports --------------------------------------------------------------------------
class ReportError(CxmError, ValueError):
    """No report can be made: the store is empty, or the month is outside the data."""

    http_status = 404


class BadPeriod(UsageError, ReportError):
    """A report period that is not ``YYYY-MM`` (a usage error: exit 2, HTTP 400)."""


class PdfError(ReportError):
    """The PDF printer (Chromium or WeasyPrint) is missing or failed."""

    http_status = 503


class ClvError(CxmError, ValueError):
    """The data cannot support a CLV model: no customers or orders, mixed currencies, no fit."""

    http_status = 422


class WriteFailed(CxmError):
    """An output file (a report) cannot be written: no permission, disk full."""

    http_status = 503


# -- syncing from a help desk ---------------------------------------------------------------------
class SyncFailed(CxmError):
    """A help desk's API cannot be read: unreachable, an unexpected answer, retries used up.

    What was committed before the failure stays (each page commits with its cursor); the next
    ``cxm sync`` resumes from there."""

    http_status = 502


class SourceAuthFailed(SyncFailed):
    """The help desk refused the credentials (HTTP 401/403): a wrong or revoked token."""


# -- authentication (API) -------------------------------------------------------------------------
class AuthError(CxmError):
    """No token where one is needed, or an invalid or revoked one."""

    http_status = 401
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": "Bearer"}


class Forbidden(AuthError):
    """A valid token whose role does not allow this."""

    http_status = 403
    headers: ClassVar[dict[str, str]] = {}


def as_user_error(exc: BaseException) -> CxmError | None:
    """``exc`` as a :class:`CxmError`, or None when it is a bug."""
    return exc if isinstance(exc, CxmError) else None
