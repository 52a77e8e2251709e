"""`cxm survey link|reminders|webhook-key`: collect surveys through signed one-use links."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.cli.common import App, err_console

if TYPE_CHECKING:
    from cxmetrics.surveys.collect import Invitation

survey_app = App(help="Collect surveys: signed one-use links answered on the page `cxm serve` hosts.",
                 no_args_is_help=True)
FORMATS = ("url", "json", "html")
DEFAULT_BASE = "http://127.0.0.1:8000"


def _record(inv: Invitation, base_url: str, config: Any) -> dict[str, Any]:
    from cxmetrics.interfaces.web.survey import email_html
    from cxmetrics.surveys.collect import definition, url_for

    url = url_for(base_url, inv.token)
    return {"invitation_id": inv.invitation_id, "survey": inv.survey, "lang": inv.lang, "url": url,
            "expires_at": inv.expires_at.isoformat(), "customer_id": inv.customer_id, "ticket_id": inv.ticket_id,
            "email_html": email_html(definition(config, inv.survey), url, inv.lang)}


def _check(fmt: str, base_url: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if not base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url must start with http:// or https://, not {base_url!r}")


@survey_app.command("link")
def link(
    ctx: typer.Context,
    survey: Annotated[str, typer.Option(help="The survey: nps, csat, ces (ready-made) or one from [surveys.NAME].")],
    ticket: Annotated[str | None, typer.Option(help="The ticket the survey is about (its customer is throttled).")]
    = None,
    customer: Annotated[str | None, typer.Option(help="The customer asked.")] = None,
    lang: Annotated[str, typer.Option(help="Language of the page and e-mail: en, fi, it, ja or zh-Hant.")] = "en",
    base_url: Annotated[str, typer.Option(help="Where customers reach `cxm serve`.")] = DEFAULT_BASE,
    fmt: Annotated[str, typer.Option("--format", help="url (the link), json (link, expiry, e-mail snippet) or "
                                                      "html (the e-mail snippet with score buttons).")] = "url",
) -> None:
    """Create a signed one-use survey link for a ticket or a customer, recorded as an invitation.
    Opening LINK?score=N records that score at once (the buttons of the e-mail snippet)."""
    from cxmetrics.interfaces.i18n import normalise_lang
    from cxmetrics.surveys.collect import invite, secret_for

    _check(fmt, base_url)
    if (ticket is None) == (customer is None):
        raise UsageError("give exactly one of --ticket ID or --customer ID")
    lang = normalise_lang(lang)
    store = ctx.obj.open_store()
    try:
        inv = invite(store, survey, secret=secret_for(store.path), ticket_id=ticket, customer_id=customer, lang=lang)
        rec = _record(inv, base_url, store.config)
    finally:
        store.close()
    if fmt == "json":
        sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
    elif fmt == "html":
        sys.stdout.write(rec["email_html"] + "\n")
    else:
        sys.stdout.write(rec["url"] + "\n")


@survey_app.command("reminders")
def reminders(
    ctx: typer.Context,
    base_url: Annotated[str, typer.Option(help="Where customers reach `cxm serve`.")] = DEFAULT_BASE,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List them without marking them reminded.")] = False,
) -> None:
    """Print (JSON lines) the links to remind: unanswered `reminder_days` after the invitation, once each."""
    from cxmetrics.surveys.collect import due_reminders, secret_for

    _check("json", base_url)
    store = ctx.obj.open_store()
    try:
        due = due_reminders(store, secret=secret_for(store.path), mark=not dry_run)
        rows = [_record(inv, base_url, store.config) for inv in due]
    finally:
        store.close()
    for rec in rows:
        sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
    err_console.print(f"{len(rows)} reminder(s){' (dry run)' if dry_run else ''}", highlight=False)


@survey_app.command("webhook-key")
def webhook_key_cmd(ctx: typer.Context) -> None:
    """Print the key a help desk signs `POST /api/v1/surveys/webhooks/ticket-solved` bodies with."""
    from cxmetrics.interfaces.web.survey import webhook_key
    from cxmetrics.surveys.collect import secret_for

    sys.stdout.write(webhook_key(secret_for(ctx.obj.config().db)) + "\n")


def register(app: typer.Typer) -> None:
    app.add_typer(survey_app, name="survey")
