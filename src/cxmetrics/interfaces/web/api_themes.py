"""``GET /api/v1/themes``: the themes of a survey's comments (as ``cxm themes --format json``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from cxmetrics.interfaces.web.api import ERRORS, FromParam, ToParam, TzParam, ctx_of
from cxmetrics.interfaces.web.auth import require_viewer
from cxmetrics.interfaces.web.responses import JSON_TYPE, check_tz, json_bytes, parse_date

router = APIRouter(dependencies=[Depends(require_viewer)], responses=ERRORS)


class ThemesAnswer(BaseModel):
    survey: str
    score: str
    responses: int
    latest_month: str
    languages: dict[str, Any]
    themes: list[dict[str, Any]]
    assignments: list[dict[str, Any]]


@router.get("/themes", response_model=ThemesAnswer, tags=["feedback"])
def themes(
    request: Request,
    survey: Annotated[str, Query(max_length=100, description="Survey name or type (nps, csat, ces...).")] = "nps",
    from_: FromParam = None,
    to: ToParam = None,
    tz: TzParam = None,
    lang: Annotated[str, Query(description="Language of the library themes' labels.")] = "en",
) -> Response:
    """Themes of a survey's comments per language: built-in CX topics, then TF-IDF + NMF discovery; per
    theme n, share, score with a 95% interval, impact and trend (docs/themes.md)."""
    from cxmetrics.analyses.themes import themes as build
    from cxmetrics.interfaces.i18n import normalise_lang

    ctx = ctx_of(request)
    start, end = parse_date(from_, "from"), parse_date(to, "to")
    tz = check_tz(tz)
    lang = normalise_lang(lang)

    def compute() -> tuple[bytes, str]:
        with ctx.compute_slots, ctx.reader() as r:
            out = build(r.engine, survey=survey, from_=start, to=end, tz=tz, lang=lang)
        return json_bytes(out), JSON_TYPE

    body, media = ctx.cache.get_or_compute(("themes", ctx.stamp, survey, start, end, tz, lang), compute)
    return Response(body, media_type=media)


__all__ = ["router"]
