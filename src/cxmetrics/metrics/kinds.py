"""Metric kinds: what a metric measures decides how it is aggregated, shaped and compared.

Each kind is a class that owns, for its metrics:

* the aggregates it needs from a fact table (Ibis expressions), and for shares and
  levels the whole aggregation, since they filter their population first;
* how those aggregates become a value, its sample (``n``, numerator, denominator) and
  its 95% interval;
* the significance test between two periods' aggregates;
* the extra columns of its drill-down rows (``value`` per row, ``counted`` for rates).

The engine, comparison and drill-down ask the kind; nothing else switches on it. A
new kind is a new class registered in :data:`KINDS`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from cxmetrics.metrics.stats import median_test, nps_interval, nps_variance, t_interval, wilson

if TYPE_CHECKING:
    from cxmetrics.metrics.registry import Metric

#: Below this many observations an estimate is flagged ``low_sample`` (seed 000: a healthy sample).
LOW_SAMPLE = 30
Arr = np.ndarray


@dataclass
class Values:
    """A metric's values for a frame of aggregates, one entry per row (NaN where missing)."""

    value: Arr
    n: Arr
    numerator: Arr | None = None
    denominator: Arr | None = None
    ci_low: Arr | None = None
    ci_high: Arr | None = None
    mean: Arr | None = None
    median: Arr | None = None
    p90: Arr | None = None


def _col(df: pd.DataFrame, name: str, fill: float | None = 0.0) -> Arr:
    if name not in df:
        return np.full(len(df), np.nan if fill is None else fill)
    s = df[name].astype("float64")
    return (s.fillna(fill) if fill is not None else s).to_numpy("float64")


def two_proportions(x1: Arr, n1: Arr, x2: Arr, n2: Arr) -> Arr:
    """Two-sided pooled z-test of two proportions; identical 0% or 100% shares: p = 1."""
    from scipy.special import ndtr  # here, not at import: scipy costs ~0.2 s of every start (issue 12)

    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
        p = (x1 + x2) / (n1 + n2)
        z = (p1 - p2) / np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        pv = 2 * ndtr(-np.abs(z))
    return np.where((n1 > 0) & (n2 > 0), np.where(p1 == p2, 1.0, pv), np.nan)


def welch(m1: Arr, s1: Arr, n1: Arr, m2: Arr, s2: Arr, n2: Arr) -> Arr:
    """Welch's t-test of two means from their summaries."""
    from scipy.special import stdtr

    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = s1**2 / n1, s2**2 / n2
        t = (m1 - m2) / np.sqrt(a + b)
        df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
        pv = 2 * stdtr(df, -np.abs(t))
    return np.where((n1 >= 2) & (n2 >= 2), np.where(m1 == m2, 1.0, pv), np.nan)


def poisson(x1: Arr, t1: Arr, x2: Arr, t2: Arr) -> Arr:
    """Two Poisson counts over exposures t1, t2: X1 | X1 + X2 ~ Binomial(X1 + X2, t1 / (t1 + t2))."""
    from scipy.special import ndtr

    n = x1 + x2
    with np.errstate(divide="ignore", invalid="ignore"):
        p0 = t1 / (t1 + t2)
        z = (x1 - n * p0) / np.sqrt(n * p0 * (1 - p0))
        pv = 2 * ndtr(-np.abs(z))
    return np.where(n > 0, pv, np.nan)


class Kind(ABC):
    """What a metric measures. Subclasses are stateless singletons."""

    name: ClassVar[str]
    #: catalogue text: what a record's value is
    text: ClassVar[str]
    #: the value is an estimate from a sample (flag fewer than LOW_SAMPLE, give an interval)
    sample: ClassVar[bool] = True
    #: the metric's ``where`` filters rows before aggregating (else it is a FILTER on
    #: the aggregates, so several metrics can share one scan)
    filters_first: ClassVar[bool] = False
    #: aggregates of several metrics of this kind can share one scan
    batchable: ClassVar[bool] = True
    #: the aggregate whose positive value says a group has rows (batched queries)
    size: ClassVar[str] = "n"
    #: the test named in the docs
    test: ClassVar[str] = ""
    #: values are whole numbers (integers in JSON and CSV)
    integer: ClassVar[bool] = False
    #: a period's record in a query over several periods equals that period's own query: the
    #: value is built from the period's rows (a level: and everything before, which both
    #: queries carry). Not a share, whose query lists every group of the period.
    separable: ClassVar[bool] = True

    def __eq__(self, other: object) -> bool:  # lets old declarations compare with names
        return other == self.name if isinstance(other, str) else type(other) is type(self)

    def __hash__(self) -> int:
        return hash(self.name)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<kind {self.name}>"

    def period_row(self, df: pd.DataFrame, i: int) -> pd.DataFrame:
        """Row ``i`` of a raw result frame (one row per period, no groups) as the frame of that
        period's own query (see :attr:`separable`)."""
        return df.iloc[[i]].reset_index(drop=True)

    # -- aggregation -------------------------------------------------------
    def aggregates(self, m: Metric, j: ir.Table, prefix: str = "", where: ir.BooleanValue | None = None
                   ) -> dict[str, ir.Value]:
        """The aggregates of ``m`` over ``j`` (its prepared fact rows), restricted by ``where``."""
        out = self._aggregates(m, j, prefix, where)
        if m.skipped is not None:
            out[f"{prefix}skipped"] = j.count(where=m.skipped(j))
        return out

    @abstractmethod
    def _aggregates(self, m: Metric, j: ir.Table, prefix: str, where: ir.BooleanValue | None
                    ) -> dict[str, ir.Value]: ...

    def finish(self, raw: pd.DataFrame) -> pd.DataFrame:
        """The aggregates as the query returned them (one row per period x group, without
        the ``m<i>__`` prefix of a batched query) in the columns :meth:`values` reads."""
        return raw

    def aggregate(self, m: Metric, j: ir.Table, keys: list[str], part: list[str]) -> ir.Table:
        """One metric's aggregated table: one row per key (``part``: the keys a share divides by)."""
        return j.group_by(keys).aggregate(**self.aggregates(m, j, where=m.where(j) if m.where else None))

    # -- values --------------------------------------------------------------
    @abstractmethod
    def values(self, m: Metric, df: pd.DataFrame, stat: str, part: list[str]) -> Values:
        """Values of a dense frame of aggregates (``period_index``, dimensions, aggregates).
        ``part``: the query's dimensions other than a share's own (a share is divided
        within them per period; a level adds up within them over periods)."""

    def p_values(self, m: Metric, cur: pd.DataFrame, prev: pd.DataFrame) -> Arr:
        """Two-sided p-values of the change from ``prev`` to ``cur`` (aligned rows of aggregates)."""
        return np.full(len(cur), np.nan)

    # -- drill-down ------------------------------------------------------------
    def row_columns(self, m: Metric, j: ir.Table) -> tuple[ir.Table, dict[str, ir.Value]]:
        """The population rows behind a value and the kind's extra columns (value, counted)."""
        if m.where is not None:
            j = j.filter(m.where(j))
        return j, {}


class Count(Kind):
    name = "count"
    text = "a count of rows"
    sample = False
    integer = True
    test = "z-test of two Poisson rates, conditional on their total and the periods' lengths"

    def _aggregates(self, m: Metric, j: ir.Table, prefix: str, where: ir.BooleanValue | None
                    ) -> dict[str, ir.Value]:
        return {f"{prefix}n": j.count(where=where)}

    def values(self, m: Metric, df: pd.DataFrame, stat: str, part: list[str]) -> Values:
        n = _col(df, "n")
        return Values(value=n, n=n)

    def p_values(self, m: Metric, cur: pd.DataFrame, prev: pd.DataFrame) -> Arr:
        return poisson(_col(cur, "n"), _col(cur, "seconds"), _col(prev, "n"), _col(prev, "seconds"))


class Sum(Kind):
    name = "sum"
    text = "a total (e.g. money); `n` counts the rows summed"
    sample = False

    def _aggregates(self, m: Metric, j: ir.Table, prefix: str, where: ir.BooleanValue | None
                    ) -> dict[str, ir.Value]:
        v = m.value(j)  # type: ignore[misc]
        return {f"{prefix}n": v.count(where=where), f"{prefix}total": v.sum(where=where)}

    def values(self, m: Metric, df: pd.DataFrame, stat: str, part: list[str]) -> Values:
        return Values(value=_col(df, "total"), n=_col(df, "n"))

    def row_columns(self, m: Metric, j: ir.Table) -> tuple[ir.Table, dict[str, ir.Value]]:
        return _valued_rows(m, j)


def _valued_rows(m: Metric, j: ir.Table) -> tuple[ir.Table, dict[str, ir.Value]]:
    """Rows of the population with a value, and that value."""
    if m.where is not None:
        j = j.filter(m.where(j))
    j = j.filter(m.value(j).notnull())  # type: ignore[misc]
    return j, {"value": m.value(j)}  # type: ignore[misc]


class Rate(Kind):
    name = "rate"
    text = "a rate in percent with a 95% Wilson interval"
    size = "denominator"
    test = "two-proportion z-test (pooled)"

    def _aggregates(self, m: Metric, j: ir.Table, prefix: str, where: ir.BooleanValue | None
                    ) -> dict[str, ir.Value]:
        cond = m.condition(j).fill_null(False)  # type: ignore[misc]
        hit = ((cond & where) if where is not None else cond).fill_null(False)  # a NULL population is out
        return {f"{prefix}numerator": hit.cast("int64").sum(), f"{prefix}denominator": j.count(where=where)}

    def values(self, m: Metric, df: pd.DataFrame, stat: str, part: list[str]) -> Values:
        return _proportion(_col(df, "numerator"), _col(df, "denominator"))

    def p_values(self, m: Metric, cur: pd.DataFrame, prev: pd.DataFrame) -> Arr:
        return two_proportions(_col(cur, "numerator"), _col(cur, "denominator"),
                               _col(prev, "numerator"), _col(prev, "denominator"))

    def row_columns(self, m: Metric, j: ir.Table) -> tuple[ir.Table, dict[str, ir.Value]]:
        j, _ = super().row_columns(m, j)
        return j, {"counted": m.condition(j).fill_null(False)}  # type: ignore[misc]


def _proportion(num: Arr, den: Arr) -> Values:
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(den > 0, 100.0 * num / den, np.nan)
    lo, hi = wilson(num, den)
    return Values(value=value, n=den, numerator=num, denominator=den, ci_low=lo, ci_high=hi)


class Share(Rate):
    name = "share"
    text = "a share in percent per group, with a 95% Wilson interval"
    filters_first = True
    batchable = False
    separable = False

    def aggregate(self, m: Metric, j: ir.Table, keys: list[str], part: list[str]) -> ir.Table:
        out = j.group_by(keys).aggregate(numerator=j.count())
        return out.mutate(denominator=out.numerator.sum().over(ibis.window(group_by=part)))

    def values(self, m: Metric, df: pd.DataFrame, stat: str, part: list[str]) -> Values:
        num = _col(df, "numerator")
        keys = [df[c].reset_index(drop=True) for c in ("period_index", *part)]
        den = pd.Series(num).groupby(keys, dropna=False).transform("sum").to_numpy("float64")
        return _proportion(num, den)

    def row_columns(self, m: Metric, j: ir.Table) -> tuple[ir.Table, dict[str, ir.Value]]:
        return Kind.row_columns(self, m, j)


class Ratio(Rate):
    """Distinct keys of one fact over rows of another (responses per invitation)."""

    name = "ratio"
    text = "a ratio in percent of two facts, each attributed to its own time"
    batchable = False

    def _aggregates(self, m: Metric, j: ir.Table, prefix: str, where: ir.BooleanValue | None
                    ) -> dict[str, ir.Value]:
        return {f"{prefix}numerator": m.distinct(j).nunique(where=where)}  # type: ignore[misc]

    def aggregate(self, m: Metric, j: ir.Table, keys: list[str], part: list[str]) -> ir.Table:
        return j.group_by(keys).aggregate(**self._aggregates(m, j, "", m.where(j) if m.where else None))

    def values(self, m: Metric, df: pd.DataFrame, stat: str, part: list[str]) -> Values:
        v = super().values(m, df, stat, part)
        over = _col(df, "numerator") > _col(df, "denominator")  # above 1: no Wilson interval
        v.ci_low = np.where(over, np.nan, v.ci_low)  # type: ignore[arg-type]
        v.ci_high = np.where(over, np.nan, v.ci_high)  # type: ignore[arg-type]
        return v

    def row_columns(self, m: Metric, j: ir.Table) -> tuple[ir.Table, dict[str, ir.Value]]:
        if m.denominator_where is not None:
            j = j.filter(m.denominator_where(j))
        return j, {}


class Mean(Kind):
    name = "mean"
    text = "a mean with a 95% t interval"
    test = "Welch's t-test"

    def _aggregates(self, m: Metric, j: ir.Table, prefix: str, where: ir.BooleanValue | None
                    ) -> dict[str, ir.Value]:
        v = m.value(j)  # type: ignore[misc]
        return {f"{prefix}n": v.count(where=where), f"{prefix}mean": v.mean(where=where),
                f"{prefix}std": v.std(where=where)}

    def values(self, m: Metric, df: pd.DataFrame, stat: str, part: list[str]) -> Values:
        n, mean = _col(df, "n"), _col(df, "mean", None)
        lo, hi = t_interval(mean, _col(df, "std", None), n)
        return Values(value=mean, n=n, ci_low=lo, ci_high=hi, mean=mean)

    def p_values(self, m: Metric, cur: pd.DataFrame, prev: pd.DataFrame) -> Arr:
        return welch(_col(cur, "mean", None), _col(cur, "std", None), _col(cur, "n"),
                     _col(prev, "mean", None), _col(prev, "std", None), _col(prev, "n"))

    def row_columns(self, m: Metric, j: ir.Table) -> tuple[ir.Table, dict[str, ir.Value]]:
        return _valued_rows(m, j)


class Duration(Mean):
    name = "duration"
    text = "a duration in seconds; records carry mean, median and p90 (`--stat` picks `value`)"
    test = "Mood's median test on the two periods' values (durations are skewed; the value is a median by default)"
    #: the median test needs each record's values, not only its aggregates
    needs_values = True

    #: the quantiles records carry, computed as one list per row (``QUANTILE_CONT(x, [0.5, 0.9])``
    #: sorts the values once; two quantiles sorted them twice: 0.19 s of the support metrics'
    #: 1.8 s over 1M tickets) and split into their columns by :meth:`finish`
    QUANTILES: ClassVar[dict[str, float]] = {"median": 0.5, "p90": 0.9}

    def _aggregates(self, m: Metric, j: ir.Table, prefix: str, where: ir.BooleanValue | None
                    ) -> dict[str, ir.Value]:
        v = m.value(j)  # type: ignore[misc]
        return super()._aggregates(m, j, prefix, where) | {
            f"{prefix}quantiles": v.quantile(list(self.QUANTILES.values()), where=where)}

    def finish(self, raw: pd.DataFrame) -> pd.DataFrame:
        if "quantiles" not in raw.columns:
            return raw
        lists = raw["quantiles"].to_numpy(dtype=object)
        cols: dict[str, Any] = {}
        for c in raw.columns:
            if c != "quantiles":
                cols[c] = raw[c]
                continue
            for i, name in enumerate(self.QUANTILES):  # no values: NULL, not a list
                cols[name] = np.array([float(x[i]) if _listed(x) and x[i] is not None else np.nan for x in lists],
                                      dtype="float64")
        return pd.DataFrame(cols, index=raw.index)

    def values(self, m: Metric, df: pd.DataFrame, stat: str, part: list[str]) -> Values:
        mean, median, p90 = _col(df, "mean", None), _col(df, "median", None), _col(df, "p90", None)
        value = {"mean": mean, "median": median, "p90": p90}[stat]
        return Values(value=value, n=_col(df, "n"), mean=mean, median=median, p90=p90)

    def p_values(self, m: Metric, cur: pd.DataFrame, prev: pd.DataFrame) -> Arr:
        out = np.full(len(cur), np.nan)
        a_all = cur["values"] if "values" in cur else [None] * len(cur)
        b_all = prev["values"] if "values" in prev else [None] * len(prev)
        for i, (a, b) in enumerate(zip(a_all, b_all, strict=True)):
            if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray) or not len(a) or not len(b):
                continue
            if np.median(a) == np.median(b):
                out[i] = 1.0
                continue
            out[i] = median_test(a, b)  # NaN when all values lie on one side of the grand median
        return out


def _listed(x: Any) -> bool:
    return isinstance(x, (list, tuple, np.ndarray))


class Nps(Kind):
    name = "nps"
    text = "a score from -100 to 100 with a 95% adjusted Wald interval"
    test = "z-test on the difference with summed variances ((p+d)-(p-d)^2)/n"

    def _aggregates(self, m: Metric, j: ir.Table, prefix: str, where: ir.BooleanValue | None
                    ) -> dict[str, ir.Value]:
        def hits(c: ir.BooleanValue) -> ir.Value:
            return ((c & where) if where is not None else c).fill_null(False).cast("int64").sum()

        return {f"{prefix}n": j.count(where=where), f"{prefix}promoters": hits(j.promoter),
                f"{prefix}detractors": hits(j.detractor)}

    def values(self, m: Metric, df: pd.DataFrame, stat: str, part: list[str]) -> Values:
        n, prom, det = _col(df, "n"), _col(df, "promoters"), _col(df, "detractors")
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(n > 0, 100.0 * (prom - det) / n, np.nan)
        lo, hi = nps_interval(prom, det, n)
        return Values(value=value, n=n, numerator=prom - det, denominator=n, ci_low=lo, ci_high=hi)

    def p_values(self, m: Metric, cur: pd.DataFrame, prev: pd.DataFrame) -> Arr:
        def parts(df: pd.DataFrame) -> tuple[Arr, Arr]:
            n, prom, det = _col(df, "n"), _col(df, "promoters"), _col(df, "detractors")
            with np.errstate(divide="ignore", invalid="ignore"):
                return nps_variance(prom, det, n) / n, (prom - det) / n

        from scipy.special import ndtr

        v1, s1 = parts(cur)
        v2, s2 = parts(prev)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (s1 - s2) / np.sqrt(v1 + v2)
            pv = 2 * ndtr(-np.abs(z))
        return np.where(np.isfinite(s1) & np.isfinite(s2), np.where(s1 == s2, 1.0, pv), np.nan)

    def row_columns(self, m: Metric, j: ir.Table) -> tuple[ir.Table, dict[str, ir.Value]]:
        j, _ = super().row_columns(m, j)
        return j, {"value": ibis.cases((j.promoter, 100.0), (j.detractor, -100.0), else_=0.0)}


class Level(Kind):
    """A stock at the period's end (the backlog) from +1/-1 events; everything before counts."""

    name = "level"
    text = "a level at the period's end"
    sample = False
    integer = True
    filters_first = True
    batchable = False
    #: the prepared rows carry every event before the first period
    carries_history = True

    def _aggregates(self, m: Metric, j: ir.Table, prefix: str, where: ir.BooleanValue | None
                    ) -> dict[str, ir.Value]:
        return {f"{prefix}delta": j.delta.sum()}

    def period_row(self, df: pd.DataFrame, i: int) -> pd.DataFrame:
        """A period's own query carries everything before it into its one delta."""
        row = df.iloc[[i]].reset_index(drop=True)
        if "delta" in df:
            row["delta"] = df["delta"].iloc[: i + 1].astype("float64").fillna(0).sum()
        return row

    def aggregate(self, m: Metric, j: ir.Table, keys: list[str], part: list[str]) -> ir.Table:
        return j.group_by(keys).aggregate(delta=j.delta.sum())

    def values(self, m: Metric, df: pd.DataFrame, stat: str, part: list[str]) -> Values:
        delta = df["delta"].astype("float64").fillna(0) if "delta" in df else pd.Series(np.zeros(len(df)))
        delta = delta.reset_index(drop=True)
        groups = [df[c].reset_index(drop=True) for c in part]
        n = (delta.groupby(groups, dropna=False).cumsum() if groups else delta.cumsum()).to_numpy("float64")
        return Values(value=n, n=n)


KINDS: dict[str, Kind] = {k.name: k for k in (Count(), Sum(), Rate(), Share(), Ratio(), Mean(), Duration(), Nps(),
                                              Level())}


def kind(name: str | Kind) -> Kind:
    """The kind named ``name`` (declarations name kinds by their catalogue word)."""
    if isinstance(name, Kind):
        return name
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown metric kind {name!r}; kinds: {', '.join(KINDS)}") from None


def record_values(k: Kind, m: Metric, df: pd.DataFrame, stat: str, part: list[str]) -> dict[str, Any]:
    """The record columns of a kind's values (SPEC 5.1), NaN where the kind has none."""
    v = k.values(m, df, stat, part)
    nan = np.full(len(df), np.nan)
    return {"value": v.value, "n": v.n,
            "numerator": nan if v.numerator is None else v.numerator,
            "denominator": nan if v.denominator is None else v.denominator,
            "ci_low": nan if v.ci_low is None else v.ci_low, "ci_high": nan if v.ci_high is None else v.ci_high,
            "mean": nan if v.mean is None else v.mean, "median": nan if v.median is None else v.median,
            "p90": nan if v.p90 is None else v.p90}


COUNT, SUM, RATE, SHARE, RATIO, MEAN, DURATION, NPS, LEVEL = (KINDS[n] for n in (
    "count", "sum", "rate", "share", "ratio", "mean", "duration", "nps", "level"))
