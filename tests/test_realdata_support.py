"""Support metrics on real conversations (twcs sample), checked against an
independent pandas computation of the SPEC 4.1 rules."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.mark.realdata
def test_twcs_first_response_time_per_brand(store, realdata) -> None:
    store.import_file("tickets", realdata / "twcs_sample.csv", source="twcs")
    got = store.metrics(["first_response_time", "replies_per_resolution", "ticket_volume"], grain="total",
                        by=["brand"])

    # Independent: first public agent message per ticket, unless it opens the conversation.
    m = store.raw.execute("SELECT ticket_id, message_id, created_at, author_type, public FROM messages").df()
    t = store.raw.execute("SELECT ticket_id, created_at, brand FROM tickets").df()
    m = m.sort_values(["ticket_id", "created_at", "message_id"])
    first = m.groupby("ticket_id").head(1)
    opener = set(first[(first.author_type == "agent") & first.public].message_id)
    replies = m[(m.author_type == "agent") & m.public & ~m.message_id.isin(opener)]
    fr = replies.groupby("ticket_id").created_at.min().rename("first_reply")
    x = t.merge(fr, left_on="ticket_id", right_index=True, how="left")
    x["frt"] = (x.first_reply - x.created_at).dt.total_seconds()
    expected = x.dropna(subset=["frt"]).groupby("brand").frt.agg(["median", "mean", "count"])

    frt = got[got.metric == "first_response_time"].set_index("brand")
    frt = frt[frt.n > 0]
    assert len(frt) > 50
    both = expected.join(frt[["median", "mean", "n"]], rsuffix="_got", how="outer")
    assert (both["count"] == both["n"]).all()
    assert (both["median"] - both["median_got"]).abs().max() < 1e-6
    assert (both["mean"] - both["mean_got"]).abs().max() < 1e-6
    vol = got[got.metric == "ticket_volume"]
    assert vol["value"].sum() == len(t)
    assert pd.notna(frt.loc["AmazonHelp", "value"])
