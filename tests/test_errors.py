"""One error hierarchy (cxmetrics.errors): each user error carries its exit code and HTTP status;
the CLI prints it as one line and exits with that code, the API answers that status; an
unexpected exception is a bug, logged with its traceback and shown as one line. Plus the
narrow ``except`` clauses that replaced broad ones, one behaviour each."""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from cxmetrics import errors
from cxmetrics.errors import (
    AuthError,
    ConfigError,
    CxmError,
    Forbidden,
    ImportFailed,
    QueryError,
    StoreBusy,
    StoreError,
    StoreMissing,
    UnknownMetric,
    UsageError,
)
from cxmetrics.settings import Config
from cxmetrics.store import Store
from tests.scenario import T

#: class -> (exit code, HTTP status)
EXPECTED = {
    "CxmError": (1, 400), "UsageError": (2, 400), "QueryError": (2, 400), "UnknownMetric": (2, 404),
    "UnknownLanguage": (2, 400), "ConfigError": (2, 400), "BadPeriod": (2, 400), "NotFound": (1, 404),
    "UnknownCustomer": (1, 404), "UnknownToken": (1, 404), "StoreMissing": (1, 404), "StoreError": (1, 503),
    "StoreBusy": (1, 423), "EngineUnavailable": (1, 503), "Conflict": (1, 409), "ImportFailed": (1, 422), "UploadTooLarge": (1, 413),
    "ReportError": (1, 404), "PdfError": (1, 503), "ClvError": (1, 422), "WriteFailed": (1, 503),
    "AuthError": (1, 401), "Forbidden": (1, 403), "SyncFailed": (1, 502), "SourceAuthFailed": (1, 502),
    "Throttled": (1, 409), "BadLink": (1, 403), "LinkExpired": (1, 410),
}


def _classes() -> dict[str, type[CxmError]]:
    return {n: c for n, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, CxmError)}


# -- the hierarchy ---------------------------------------------------------------------------------
def test_every_class_has_an_exit_code_and_a_status() -> None:
    found = _classes()
    assert set(found) == set(EXPECTED), "a new error class needs its row in EXPECTED (and in the module doc)"
    for name, cls in found.items():
        e = cls("what went wrong; what to do")
        assert (e.exit_code, e.http_status) == EXPECTED[name], name
        assert str(e) == "what went wrong; what to do"  # no quotes, even for KeyError and LookupError kinds
        assert name in (errors.__doc__ or ""), f"{name} missing from the hierarchy in the module doc"


def test_builtin_bases_keep_old_except_clauses_working() -> None:
    assert issubclass(QueryError, ValueError) and issubclass(UnknownMetric, KeyError)
    assert issubclass(StoreMissing, FileNotFoundError) and issubclass(ConfigError, ValueError)
    assert issubclass(errors.BadPeriod, errors.ReportError)  # a report error that is also a usage error


def test_import_failed_takes_its_code_per_instance() -> None:
    assert (ImportFailed("bad file").exit_code, ImportFailed("bad file").http_status) == (1, 422)
    usage = ImportFailed("unknown table", code=2)
    assert (usage.exit_code, usage.http_status, usage.code) == (2, 400, 2)


def test_auth_errors_ask_for_a_bearer_token() -> None:
    assert AuthError.headers == {"WWW-Authenticate": "Bearer"} and Forbidden.headers == {}


def test_legacy_classes_are_translated_and_bugs_are_not() -> None:
    from cxmetrics.engine import core
    from cxmetrics.metrics import registry

    q = errors.as_user_error(core.QueryError("unknown grain 'x'"))
    assert isinstance(q, QueryError) and str(q) == "unknown grain 'x'"
    m = errors.as_user_error(registry.UnknownMetric("unknown metric 'x'"))
    assert isinstance(m, UnknownMetric) and m.http_status == 404
    assert errors.as_user_error(RuntimeError("a bug")) is None
    assert errors.as_user_error(KeyError("not ours")) is None


# -- the CLI: one line, the class's exit code -------------------------------------------------------
@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("errors") / "cx.duckdb"
    with Store(path, config=Config()) as s:
        s.import_frame("tickets", pd.DataFrame({"ticket_id": ["a", "b"], "created_at": [T("2024-03-01 10:00")] * 2,
                                                "channel": ["email", "chat"]}))
        s.stored_facts()
    return path


def cxm(*args: str) -> tuple[int, str, str]:
    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    res = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]


@contextlib.contextmanager
def held(path: Path, *, read_only: bool = False) -> Iterator[None]:
    """Another process with the store open (read-write holds the write lock)."""
    code = (f"import duckdb, sys, time; c = duckdb.connect({str(path)!r}, read_only={read_only}); "
            "print('open', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
        yield
    finally:
        proc.communicate("", timeout=60)


@pytest.mark.parametrize(("args", "code", "message"), [
    (["metrics", "ticket_volum"], 2, "error: unknown metric 'ticket_volum'; did you mean ticket_volume"),
    (["explain", "nope"], 2, "error: unknown metric 'nope'"),
    (["metrics", "ticket_volume", "--from", "2024-02-30"], 2, "error: --from: not a date: '2024-02-30'"),
    (["metrics", "ticket_volume", "--from", "0500-01-01"], 2, "error: --from: 0500-01-01 is outside 1901-01-01"),
    (["comments", "--to", "9999-12-31"], 2, "error: --to: 9999-12-31 is outside"),
    (["metrics", "ticket_volume", "--grain", "fortnight"], 2, "error: unknown grain 'fortnight'"),
    (["metrics", "ticket_volume", "--tz", "Mars/Base"], 2, "error: unknown time zone 'Mars/Base'"),
    (["customer", "nobody"], 1, "error: unknown customer 'nobody'"),
    (["report", "--period", "2024-13"], 2, "error: period must be YYYY-MM"),
])
def test_cli_user_errors_are_one_line_with_their_exit_code(db: Path, args: list[str], code: int,
                                                           message: str) -> None:
    got, out, err = cxm("--db", str(db), *args)
    assert got == code, err
    line = one_line(err)
    assert line.startswith(message), line
    assert "internal error" not in line and "bug" not in line and "report this" not in line
    assert "Traceback" not in out + err


def test_cli_locked_store(db: Path) -> None:
    with held(db):
        got, out, err = cxm("--db", str(db), "metrics", "ticket_volume")
    assert got == 1
    line = one_line(err)
    assert f"the store {db} is in use by another process (PID " in line and "try again" in line
    assert "Traceback" not in out + err


def test_cli_not_a_store(tmp_path: Path) -> None:
    bad = tmp_path / "notes.duckdb"
    bad.write_text("not a database\n" * 300)
    got, _, err = cxm("--db", str(bad), "metrics", "ticket_volume")
    assert got == 1 and "cannot open the store" in one_line(err) and "not a valid DuckDB database" in err


def test_cli_bad_config_key_names_the_key_and_the_file(db: Path, tmp_path: Path) -> None:
    toml = tmp_path / "cxm.toml"
    toml.write_text('timezone = "UTC"\n\n[sla]\nfirst_replyy = { email = "4h" }\n', encoding="utf-8")
    got, _, err = cxm("--db", str(db), "--config", str(toml), "metrics", "ticket_volume")
    assert got == 2
    assert one_line(err) == (f"error: {toml}: unknown setting 'first_replyy' in [sla]; did you mean first_reply? "
                             "(see docs/configuration.md)")


def test_cli_bad_config_value(db: Path, tmp_path: Path) -> None:
    toml = tmp_path / "cxm.toml"
    toml.write_text('[calls]\nservice_level = "soon"\n', encoding="utf-8")
    got, _, err = cxm("--db", str(db), "--config", str(toml), "metrics", "service_level")
    assert got == 2 and one_line(err).startswith(f"error: {toml}: calls.service_level: not a duration: 'soon'")


def test_cli_bug_is_one_line_and_logged(db: Path, monkeypatch: pytest.MonkeyPatch,
                                        caplog: pytest.LogCaptureFixture) -> None:
    def boom(*_a: object, **_k: object) -> list:
        raise RuntimeError("the catalogue fell over")

    monkeypatch.setattr("cxmetrics.metrics.catalog.catalog_entries", boom)
    monkeypatch.delenv("CXM_DEBUG", raising=False)
    with caplog.at_level(logging.ERROR, logger="cxmetrics"):
        got, out, err = cxm("--db", str(db), "catalog")
    assert got == 1 and out == ""
    line = one_line(err)
    assert line.startswith("error: internal error: RuntimeError: the catalogue fell over")
    assert "Traceback" not in out + err
    record = next(r for r in caplog.records if r.name == "cxmetrics")
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    log_file = Path(line.rsplit("the traceback is in ", 1)[1])
    try:
        text = log_file.read_text(encoding="utf-8")
        assert "Traceback (most recent call last)" in text and "the catalogue fell over" in text
    finally:
        log_file.unlink()


def test_cli_bug_traceback_goes_to_stderr_with_cxm_debug(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object, **_k: object) -> list:
        raise RuntimeError("the catalogue fell over")

    monkeypatch.setattr("cxmetrics.metrics.catalog.catalog_entries", boom)
    monkeypatch.setenv("CXM_DEBUG", "1")
    got, out, err = cxm("--db", str(db), "catalog")
    assert got == 1 and "Traceback" in err and "Traceback" not in out
    assert err.strip().splitlines()[-1].startswith("error: internal error: RuntimeError")


# -- the API: one handler, the class's status --------------------------------------------------------
@pytest.fixture(scope="module")
def api(db: Path, tmp_path_factory: pytest.TempPathFactory):
    import shutil

    from fastapi import APIRouter

    from cxmetrics.interfaces.web.app import create_app
    from tests.api_support import client_class

    copy = tmp_path_factory.mktemp("api") / "cx.duckdb"  # the server holds its file open
    shutil.copy(db, copy)
    # the test's own settings (Config() reads no environment): no compute workers to start
    app = create_app(copy, config=Config.model_validate({"server": {"compute_processes": 0}}))
    raising = APIRouter()

    @raising.get("/raise/{name}")
    def raise_(name: str) -> None:
        raise getattr(errors, name)(f"{name} says what to do")

    @raising.get("/bug")
    def bug() -> None:
        raise ZeroDivisionError("secret internals")

    app.include_router(raising)
    with client_class()(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_api_answers_each_class_with_its_status(api, name: str) -> None:
    r = api.get(f"/raise/{name}")
    assert r.status_code == EXPECTED[name][1]
    assert r.json() == {"detail": f"{name} says what to do"}
    assert (r.headers.get("www-authenticate") == "Bearer") == (name == "AuthError")


@pytest.mark.parametrize(("url", "status", "message"), [
    ("/api/v1/metrics?metric=nps_scor", 404, "unknown metric 'nps_scor'"),
    ("/api/v1/metrics?metric=ticket_volume&from=2024-02-30", 400, "from: not a date"),
    ("/api/v1/metrics?metric=ticket_volume&from=0500-01-01", 400, "is outside 1901-01-01"),
    ("/api/v1/metrics?metric=ticket_volume&grain=fortnight", 422, None),  # FastAPI's own validation
    ("/api/v1/metrics?metric=ticket_volume&by=colour", 400, "unknown dimension 'colour'"),
    ("/api/v1/metrics?metric=ticket_volume&tz=Mars/Base", 400, "unknown time zone"),
    ("/api/v1/customers/nobody/timeline", 404, "unknown customer 'nobody'"),
    ("/api/v1/tickets/nope", 404, "unknown ticket 'nope'"),
    ("/api/v1/reports/1990-01?format=json", 404, "no data in 1990-01"),
])
def test_api_user_errors(api, url: str, status: int, message: str | None) -> None:
    r = api.get(url)
    assert r.status_code == status, r.text
    if message:
        assert message in r.json()["detail"]


def test_api_bug_is_a_plain_500_and_logged(api, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="cxmetrics.interfaces.web"):
        r = api.get("/bug")
    assert r.status_code == 500 and r.json() == {"detail": "internal error (see the server log)"}
    assert "secret" not in r.text
    assert any(rec.exc_info and rec.exc_info[0] is ZeroDivisionError for rec in caplog.records)


def test_api_on_a_locked_store_refuses_to_start(db: Path) -> None:
    from cxmetrics.interfaces.web.app import create_app

    with held(db), pytest.raises(StoreBusy, match="in use by another process"):
        create_app(db, config=Config())


# -- opening the store -------------------------------------------------------------------------------
def test_store_open_errors(tmp_path: Path, db: Path) -> None:
    with pytest.raises(StoreMissing, match="no store at"):
        Store(tmp_path / "none.duckdb", read_only=True, config=Config())
    (tmp_path / "folder.duckdb").mkdir()
    with pytest.raises(StoreError, match="Is a directory"):
        Store(tmp_path / "folder.duckdb", config=Config())
    with held(db), pytest.raises(StoreBusy):
        Store(db, read_only=True, config=Config())


# -- what the narrow excepts still allow -----------------------------------------------------------------
def test_tokens_of_a_store_without_the_tokens_table() -> None:
    from cxmetrics.interfaces.web.auth import list_tokens, verify

    con = duckdb.connect()  # no _tokens table (a store from before tokens, opened read-only)
    assert list_tokens(con) == [] and verify(con, "cxm_anything") is None
    con.execute("CREATE TABLE _tokens (id BIGINT)")  # a broken table is not hidden
    with pytest.raises(duckdb.BinderException):
        list_tokens(con)


def test_facts_never_built(tmp_path: Path) -> None:
    with Store(tmp_path / "cx.duckdb", config=Config()) as s:
        assert s.facts_stamp() is None and s.stored_facts(refresh=False) is None
        s.stored_facts()
        assert s.facts_stamp() == s.data_stamp()


def test_stale_facts_with_another_writer_are_derived_in_memory(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    from cxmetrics.interfaces.cli.common import State, open_for_reading
    from cxmetrics.store import WriteLock

    monkeypatch.chdir(tmp_path)  # no cxm.toml here
    monkeypatch.delenv("CXM_CONFIG", raising=False)
    path = tmp_path / "cx.duckdb"
    with Store(path, config=Config()) as s:
        s.import_frame("tickets", pd.DataFrame({"ticket_id": ["a"], "created_at": [T("2024-03-01 10:00")]}))
    with duckdb.connect(str(path)) as con:  # stale facts, as an older cxmetrics would leave them
        con.execute("DROP TABLE _facts_meta")
    with WriteLock(path, 0):  # facts are stale and another writer holds the store
        store = open_for_reading(State(db=path))
        try:
            assert store.read_only and store.stored_facts(refresh=False) is None
            assert store.metrics(["ticket_volume"], grain="total")["value"].tolist() == [1]
        finally:
            store.close()
    store = open_for_reading(State(db=path))  # alone: the facts are stored once
    try:
        assert store.stored_facts(refresh=False) is not None
    finally:
        store.close()


def test_report_leaves_out_clv_without_customers(tickets_only: Path) -> None:
    import datetime as dt

    from cxmetrics.interfaces.report.data import _clv

    with Store(tickets_only, read_only=True, config=Config()) as s:
        assert _clv(s, dt.date(2025, 12, 31), "UTC") is None


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_damaged_workbooks_are_refused(tmp_path: Path, reader: str) -> None:
    import openpyxl

    from cxmetrics.ingest import xlsx

    good = tmp_path / "good.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["call_id", "offered_at"])
    wb.active.append(["c1", "2024-01-01 10:00"])
    wb.save(good)
    damaged = tmp_path / "damaged.xlsx"  # a valid zip whose sheet XML is cut in half
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(damaged, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
    no_workbook = tmp_path / "other.xlsx"  # a zip, but not a workbook
    with zipfile.ZipFile(no_workbook, "w") as z:
        z.writestr("hello.txt", "hi")
    read = functools.partial(xlsx.sheet_rows, reader=xlsx.calamine_rows if reader == "calamine" else xlsx.openpyxl_rows)
    assert read(good, None)[0] == ["call_id", "offered_at"]
    for path in (damaged, no_workbook):
        with pytest.raises(ImportFailed, match=r"not an Excel workbook \(.xlsx\) or damaged"):
            read(path, None)


def test_usage_error_is_what_cli_options_raise() -> None:
    assert UsageError("x").exit_code == 2


def test_ctrl_c_inside_a_duckdb_query_is_an_interruption_not_a_bug() -> None:
    """DuckDB turns Ctrl-C during a query into its own error (its SIGINT handler interrupts the
    query): a command must say "interrupted", not "internal error ... a bug in cxmetrics"."""
    import threading

    import duckdb
    import typer

    from cxmetrics.interfaces.cli.common import App, interrupted

    con = duckdb.connect()
    slow = "SELECT sum(a * b) FROM range(100000000) t(a), range(1000) u(b)"
    for run in (lambda: con.execute(slow).fetchall(), lambda: con.sql(slow).to_arrow_table()):
        timer = threading.Timer(0.3, con.interrupt)
        timer.start()
        with pytest.raises(Exception) as caught:  # whatever DuckDB raises for this API
            run()
        timer.join()
        assert interrupted(caught.value), repr(caught.value)
    assert not interrupted(RuntimeError("Query failed")) and not interrupted(ValueError("Query interrupted"))
    looped = RuntimeError("a cause that is itself")
    looped.__cause__ = looped
    assert not interrupted(looped)  # ends

    app = App()

    @app.command()
    def report() -> None:
        raise RuntimeError("Query interrupted")

    @app.command()
    def other() -> None:
        raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

    for name in ("report", "other"):  # as a Ctrl-C between queries: Typer's exit code 130, no "internal error"
        assert typer.main.get_command(app)([name], standalone_mode=False) == 130
