"""Targets and industry benchmarks on records (`target`, `meets_target`, `target_source`).

A team's own target (``[targets]`` in cxm.toml, optionally per channel) wins;
otherwise a built-in benchmark with its published source applies, so a lead
always sees what "good" is and where the bar comes from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxmetrics.errors import ConfigError, UnknownMetric
from cxmetrics.metrics.registry import Metric, get
from cxmetrics.settings import Config

TARGET_COLUMNS = ["target", "meets_target", "target_source"]


def check_targets(config: Config) -> None:
    for key in config.targets:
        try:
            get(key)
        except UnknownMetric as e:
            raise ConfigError(f"[targets]: {e}") from None


def apply_targets(m: Metric, frame: pd.DataFrame, config: Config) -> pd.DataFrame:
    n = len(frame)
    channel = frame["channel"] if "channel" in frame else pd.Series([None] * n, index=frame.index)
    own = config.targets.get(m.key, {})
    target = np.full(n, np.nan)
    source = np.full(n, None, dtype=object)
    for i, ch in enumerate(channel):
        if own:
            v = own.get(ch) if ch is not None and ch in own else own.get("default")
            if v is not None:
                target[i], source[i] = v, "cxm.toml"
                continue
        if m.benchmark_by_channel and ch in m.benchmark_by_channel:
            target[i], source[i] = m.benchmark_by_channel[ch], m.options.get("benchmark_source", "benchmark")
        elif m.benchmark is not None:
            target[i], source[i] = m.benchmark
    value = frame["value"].to_numpy("float64")
    ok = ~np.isnan(target) & ~np.isnan(value)
    if m.direction == "higher":
        meets = np.where(ok, value >= target, False)
    elif m.direction == "lower":
        meets = np.where(ok, value <= target, False)
    else:
        ok = np.zeros(n, dtype=bool)
        meets = np.zeros(n, dtype=bool)
    extra = pd.DataFrame({"target": target,
                          "meets_target": pd.array([bool(x) if o else None for o, x in zip(ok, meets, strict=True)],
                                                   dtype="boolean"),
                          "target_source": pd.array(source, dtype="object")}, index=frame.index)
    if any(c in frame.columns for c in extra.columns):  # targets again: replaced where they stand
        out = frame.copy()
        for c in extra.columns:
            out[c] = extra[c]
        return out
    # one concat, not a copy and three column inserts (~0.3 ms each, per metric)
    return pd.concat([frame, extra], axis=1)
