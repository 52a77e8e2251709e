"""``POST /api/v1/imports/{table}``: upload a file, import it in one transaction, answer the summary.

Safety: the table must be a canonical table; the uploaded file is copied to a fresh
private directory under a fixed name (``upload`` plus a known extension), so its name
is never used as a path, only recorded in the import log (in the import's own
transaction) as text. The directory is removed when the request ends; one left behind
by a server that was killed mid-upload (its name carries the dead process's id) is
removed by the next upload; bodies over
``[server] max_upload_mb`` are refused with 413 while they arrive (:class:`UploadLimit`),
before anything is stored. Imports take the writer lock: readers keep answering
from their snapshots, concurrent uploads wait their turn and all land. After the
commit the stored facts are refreshed under the same lock, so readers use them.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import re
import shutil
import tempfile
from pathlib import Path, PureWindowsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxmetrics.errors import ImportFailed, NotFound, UploadTooLarge, UsageError
from cxmetrics.interfaces.web.api import ERRORS, ctx_of
from cxmetrics.interfaces.web.auth import require_editor
from cxmetrics.interfaces.web.responses import json_bytes, json_response
from cxmetrics.interfaces.web.schemas import ImportSummary, Problem, Refused

router = APIRouter(dependencies=[Depends(require_editor)], tags=["imports"],
                   responses={**ERRORS, 403: {"model": Problem, "description": "The token cannot write"},
                              413: {"model": Problem, "description": "The upload is over the size limit"},
                              422: {"model": Refused, "description": "The file was refused (nothing changed), "
                                                                    "or a request field is invalid"}})
#: Room for the multipart envelope and a mapping file on top of the file itself.
ENVELOPE = 1024 * 1024
CHUNK = 1024 * 1024
#: The largest body of any other request (a token's JSON is a few hundred bytes).
OTHER_BODY = 64 * 1024
PATH_PREFIX = "/api/v1/imports"


class UploadLimit:
    """ASGI middleware: refuse import bodies over the limit by Content-Length, or while they stream.
    Every other request body (token JSON, anything) is capped at :data:`OTHER_BODY` the same
    way: FastAPI reads a body before it checks the caller's token, so without a cap an
    anonymous caller could make the server buffer any amount of memory before its 401."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit + ENVELOPE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["method"] == "POST" and scope["path"].startswith(PATH_PREFIX)
        cap = self.limit if upload else OTHER_BODY
        text = _limit_text(self.limit - ENVELOPE) if upload else f"request body too large (at most {cap} bytes)"
        headers = dict(scope.get("headers") or [])
        if upload and not headers.get(b"authorization", b"").lower().startswith(b"bearer "):
            # no token at all: refuse before the body is read (and spooled to disk)
            await json_response({"detail": "this needs an editor token: Authorization: Bearer <token> "
                                           "(create one with `cxm token create`)"}, 401,
                                headers={"WWW-Authenticate": "Bearer"})(scope, receive, send)
            return
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > cap):
            await _too_large(send, text)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:  # raised inside FastAPI's body parsing, which turns anything but an
                    raise HTTPException(status_code=413, detail=text)  # HTTPException into a 400
            return message

        await self.app(scope, limited, send)


def _limit_text(limit: int) -> str:
    return f"upload too large: the limit is {limit / 1024 / 1024:g} MB ([server] max_upload_mb in cxm.toml)"


async def _too_large(send: Send, text: str) -> None:
    body = json_bytes({"detail": text})
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


UPLOAD_PREFIX = "cxm-upload-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def sweep_uploads(directory: Path | None = None) -> list[Path]:
    """Remove upload copies left by servers that died mid-upload; returns what was removed."""
    root = Path(directory or tempfile.gettempdir())
    removed = []
    for d in root.glob(f"{UPLOAD_PREFIX}*-*"):
        pid = d.name[len(UPLOAD_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        try:
            if d.is_dir() and d.stat().st_uid == os.getuid():
                shutil.rmtree(d, ignore_errors=True)
                removed.append(d)
        except OSError:  # gone meanwhile, or not ours to look at
            continue
    return removed


def display_name(name: str | None) -> str:
    """The uploaded file's name as text for the import log: no directories, no control characters."""
    base = PureWindowsPath(name or "").name  # splits on both / and \
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()[:200]
    return base or "upload"


def _extension(name: str | None) -> str:
    from cxmetrics.ingest.readers import EXTENSIONS

    suffix = PureWindowsPath(name or "").suffix.lower()
    return suffix if suffix in EXTENSIONS else ""


def _summary(res: Any, shown: str, tmp: Path) -> dict[str, Any]:
    d = dataclasses.asdict(res)

    def fix(x: dict[str, Any]) -> dict[str, Any]:
        x["file"] = shown
        x["message"] = (x.get("message") or "").replace(str(tmp), "")
        return x

    d = fix(d)
    d["also"] = [fix(a) for a in d.get("also", [])]
    return d


@router.post("/imports/{table}", response_model=ImportSummary)
def import_upload(
    request: Request,
    table: str,
    file: Annotated[UploadFile, File(description="CSV, JSON, JSONL, Parquet or XLSX export.")],
    mapping: Annotated[UploadFile | None, File(description="Optional TOML column mapping (docs/importing.md).")]
    = None,
    format: Literal["auto", "csv", "json", "jsonl", "parquet", "xlsx"] = "auto",
    source: Annotated[str | None, Query(max_length=100, description="Source label, or an adapter name (twcs, zendesk).")]
    = None,
    tz: Annotated[str | None, Query(description="Zone of naive timestamps (default: configured zone).")] = None,
    date_order: Literal["dmy", "mdy", "ymd"] | None = None,
    encoding: Annotated[str | None, Query(max_length=40, description="Text encoding, e.g. cp1252.")] = None,
    accept_partial: Annotated[bool, Query(description="Import the file even when over half its rows fail "
                                                      "validation (they are quarantined); else it is refused.")]
    = False,
) -> Response:
    """Import one file into a canonical table (idempotent upsert; bad rows quarantined). Needs an editor token."""
    import codecs
    import tomllib

    from cxmetrics.ingest.mapping import mapping_from_dict
    from cxmetrics.ingest.pipeline import check_zone, import_file
    from cxmetrics.model import schema

    ctx = ctx_of(request)
    if table not in schema.TABLES:
        raise NotFound(f"unknown table {table!r}; known tables: {', '.join(schema.TABLES)}")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise UsageError(f"unknown encoding {encoding!r}") from None
    shown = display_name(file.filename)
    sweep_uploads()
    tmp = Path(tempfile.mkdtemp(prefix=f"{UPLOAD_PREFIX}{os.getpid()}-"))
    path = tmp / f"upload{_extension(file.filename)}"
    try:
        loaded = None
        if mapping is not None:
            try:
                raw = tomllib.loads(mapping.file.read(ENVELOPE).decode("utf-8"))
                loaded = mapping_from_dict(raw, display_name(mapping.filename))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
                raise UsageError(f"mapping: not valid TOML: {e}") from None
            except ImportFailed as e:  # a bad mapping is a bad request (400), not a bad file (422)
                raise UsageError(str(e)) from None
        if tz:
            check_zone(tz)
        _receive(file, path, ctx.max_upload_bytes)
        with ctx.writer() as store:
            try:  # the log and quarantine name the upload, never our temporary copy
                res = import_file(store, table, path, format=format, source=source, mapping=loaded, tz=tz,
                                  date_order=date_order, encoding=encoding, name=shown,
                                  accept_partial=accept_partial)
            finally:
                _refresh(store)
    except ImportFailed as e:  # the same error, naming the upload instead of our temporary copy
        raise type(e)(str(e).replace(str(path), shown).replace(str(tmp), ""), code=e.code) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return json_response(_summary(res, shown, tmp))


def _receive(file: UploadFile, path: Path, limit: int) -> None:
    """Copy the upload to ``path``; over ``limit`` bytes is a 413, a full disk a refused file (422)."""
    size = 0
    try:
        with path.open("wb") as out:
            while chunk := file.file.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadTooLarge(_limit_text(limit))
                out.write(chunk)
    except OSError as e:
        why = "the disk is full" if e.errno == errno.ENOSPC else (e.strerror or str(e))
        raise ImportFailed(f"cannot store the upload on the server: {why}; nothing was imported") from None


def _refresh(store: Any) -> None:
    """Bring the stored facts up to date after a write (a no-op when nothing changed)."""
    store.stored_facts()
