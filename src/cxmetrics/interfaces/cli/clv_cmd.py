"""`cxm clv historic|predict|feedback`: customer lifetime value from the store."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated, Any

import typer

from cxmetrics.errors import ClvError, UsageError
from cxmetrics.interfaces.cli.common import App, console

clv_app = App(help="Customer lifetime value: historic (seed 004) and predictive (BG/NBD, sBG).",
                      no_args_is_help=True)

FORMATS = ("table", "json", "csv")
By = Annotated[str | None, typer.Option("--by", help="segment, plan, country or acquisition_channel.")]
Fmt = Annotated[str, typer.Option("--format", help="table, json or csv.")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Date the values are computed at (default: latest data).")]


def _as_of(v: str | None) -> dt.datetime | None:
    from cxmetrics.periods.dates import parse_date

    d = parse_date(v, "--as-of")
    return None if d is None else dt.datetime(d.year, d.month, d.day, 23, 59, 59)


def _check(fmt: str, by: str | None = None) -> None:
    from cxmetrics.analyses.clv.data import CUSTOMER_DIMS

    if fmt not in FORMATS:
        raise UsageError(f"--format must be table, json or csv, not {fmt!r}")
    if by is not None and by not in CUSTOMER_DIMS:
        raise UsageError(f"--by must be one of {', '.join(CUSTOMER_DIMS)}, not {by!r}")


def _run(ctx: typer.Context, func: Any, **kw: Any) -> Any:
    store = ctx.obj.open_store(read_only=True)
    try:
        return func(store, **kw)
    except ClvError:
        raise
    except ValueError as e:  # SciPy: a model that cannot be fitted to these data
        raise ClvError(f"cannot fit the model: {e}") from e
    finally:
        store.close()


def _emit(frame: Any, fmt: str, key: str = "metrics", title: str = "", hide: tuple[str, ...] = ()) -> None:
    from cxmetrics.engine.records import to_records

    if fmt == "json":
        sys.stdout.write(json.dumps({key: to_records(frame)}, ensure_ascii=False, default=str) + "\n")
    elif fmt == "csv":
        frame.to_csv(sys.stdout, index=False)
    else:
        _table(frame, title, hide)


def _cell(v: Any) -> str:
    from rich.markup import escape

    if v is None or (isinstance(v, float) and v != v):
        return "-"
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) < 1e6 else f"{v:,.0f}"
    return escape(str(v))


def _table(frame: Any, title: str, hide: tuple[str, ...] = ()) -> None:
    from rich.markup import escape
    from rich.table import Table

    skip = {"metric", "period_start", "numerator", "denominator", "as_of", "window_start", "window_end", "unit", "n",
            "note", "period_days", "horizon_months", "spend", *hide}
    cols = [c for c in frame.columns if c not in skip and frame[c].notna().any()]
    if "unit" in frame and len(frame):
        title = f"{title} ({frame['unit'].iloc[0]})"
    table = Table(title=title or None, show_lines=False)
    for c in cols:
        table.add_column(c.replace("_", " "), justify="left" if frame[c].dtype == object and c != "value" else "right")
    for row in frame[cols].itertuples(index=False):
        table.add_row(*[_cell(v) for v in row])
    console.print(table)
    if "note" in frame:
        dims = [c for c in ("segment", "plan", "country", "acquisition_channel") if c in frame]
        for _, r in frame[frame["note"].notna()].iterrows():
            who = " ".join(str(r[d]) for d in dims) or "all"
            console.print(f"note ({escape(who)}): {escape(str(r['note']))}", highlight=False)


@clv_app.command("historic")
def historic(ctx: typer.Context, by: By = None, fmt: Fmt = "table", as_of: AsOf = None,
             window_days: Annotated[float, typer.Option(help="Trailing window for revenue and churn.")] = 365.25
             ) -> None:
    """Annual revenue per customer x expected relationship years (1 / annual churn rate) - CAC."""
    from cxmetrics.analyses.clv import historic_clv

    _check(fmt, by)
    frame = _run(ctx, historic_clv, by=by, end=_as_of(as_of), window_days=window_days)
    _emit(frame, fmt, title="Historic CLV")
    if fmt == "table" and len(frame):
        r = frame.iloc[0]
        console.print(f"Window {r['window_start'][:10]} to {r['window_end'][:10]}; spend {_cell(r['spend'])}; "
                      "relationship years = customer-years / customers lost; the interval covers the churn "
                      "rate's uncertainty only.", highlight=False)


@clv_app.command("predict")
def predict(
    ctx: typer.Context,
    model: Annotated[str, typer.Option(help="bgnbd (purchases: BG/NBD + Gamma-Gamma) or sbg (subscriptions).")] = "bgnbd",
    by: By = None, fmt: Fmt = "table", as_of: AsOf = None,
    months: Annotated[int, typer.Option(help="bgnbd: horizon of the prediction in months.")] = 12,
    discount: Annotated[float, typer.Option(help="Annual discount rate (0.10 = 10%).")] = 0.10,
    per_customer: Annotated[bool, typer.Option("--per-customer", help="One row per customer instead of per group.")] = False,
    cohorts: Annotated[bool, typer.Option("--cohorts", help="sbg: observed vs fitted survival per acquisition cohort.")] = False,
) -> None:
    """Predictive CLV per group (or customer) with the fitted model's parameters."""
    from cxmetrics.analyses.clv import predict_bgnbd, predict_sbg

    _check(fmt, by)
    if model not in ("bgnbd", "sbg"):
        raise UsageError(f"--model must be bgnbd or sbg, not {model!r}")
    if months < 1 or not 0 <= discount < 1:
        raise UsageError("--months must be >= 1 and --discount in [0, 1)")
    if model == "sbg" and discount <= 0:
        raise UsageError("--model sbg needs a positive --discount (a lifetime without discounting can be infinite)")
    end = _as_of(as_of)
    if model == "bgnbd":
        p = _run(ctx, predict_bgnbd, by=by, end=end, months=months, annual_discount=discount)
    else:
        p = _run(ctx, predict_sbg, by=by, end=end, annual_discount=discount)
    if per_customer:
        _emit(p.customers, fmt, key="customers", title="Predicted CLV per customer")
        return
    if cohorts:
        if model != "sbg":
            raise UsageError("--cohorts applies to --model sbg")
        _emit(p.cohorts, fmt, key="cohorts", title="Survival by acquisition cohort (%)")
        return
    if fmt == "json":
        fits = {k: {"params": f.params, "se": f.se, "loglik": f.loglik, "n": f.n, "converged": f.converged}
                for k, f in p.fits.items()}
        from cxmetrics.engine.records import to_records

        sys.stdout.write(json.dumps({"metrics": to_records(p.groups), "fits": fits}, default=str) + "\n")
        return
    # the fitted parameters are printed once below the table
    hide = ("mean", "r", "alpha", "a", "b", "p", "q", "gamma") if model == "bgnbd" else ()
    _emit(p.groups, fmt, title=f"Predicted CLV ({model}, {months} months)" if model == "bgnbd" else
          "Predicted CLV (sbg: value of a new customer - CAC)", hide=hide)
    if fmt == "table":
        for k, f in p.fits.items():
            ps = ", ".join(f"{n} = {v:.4g}" + (f" (se {f.se[n]:.2g})" if f.se.get(n) else "") for n, v in f.params.items())
            console.print(f"{k}: {ps}; log-likelihood {f.loglik:,.1f} on {f.n:,} customers"
                          + ("" if f.converged else " [yellow](not converged)[/]"), highlight=False)


@clv_app.command("feedback")
def feedback(
    ctx: typer.Context,
    survey: Annotated[str, typer.Option(help="Survey type: nps (promoters/passives/detractors) or csat, ces, cx (satisfied or not).")] = "nps",
    fmt: Fmt = "table", as_of: AsOf = None,
) -> None:
    """Mean and median predicted and historic CLV per group of each customer's latest answer (seed 002)."""
    from cxmetrics.analyses.clv import clv_by_feedback

    _check(fmt)
    if survey not in ("nps", "csat", "ces", "cx"):
        raise UsageError(f"--survey must be nps, csat, ces or cx, not {survey!r}")
    frame = _run(ctx, clv_by_feedback, survey_type=survey, end=_as_of(as_of))
    _emit(frame, fmt, key="groups", title=f"CLV by latest {survey} answer")


def register(app: typer.Typer) -> None:
    app.add_typer(clv_app, name="clv")
