"""The workbook's comment-themes sheet (issue 16): per survey its largest themes, the same data as
the HTML/PDF block. Numbers are stored as numbers in the units of ``cxm themes --format json``
(share and negative share in percent, score on its own scale, sentiment -1..1); theme labels and
terms come from comments, so they are defused like every cell from the data."""

from __future__ import annotations

from cxmetrics.interfaces.report.html import language_name, theme_label
from cxmetrics.interfaces.report.xlsx import HEADER, Book, title_block

COLUMNS = ("col_theme", "col_language", "col_n", "col_share", "score", "low", "high", "col_impact", "col_trend",
           "rising", "col_sentiment", "col_negative")


def themes_sheet(book: Book) -> None:
    """Nothing when the report has no feedback section or no survey with comments."""
    tr = book.tr
    surveys = (book.data.get("feedback") or {}).get("themes") or []
    if not surveys:
        return
    sh = book.sheet("themes")
    data = book.data
    row = title_block(book, sh, tr.t("report.themes.title"),
                      [tr.t("report.themes.lead", start=tr.date(data["months"][0]), end=tr.date(data["period"]["end"]),
                            month=tr.month(book.start)), tr.t("report.themes.note")], 12)
    head = book.fmt(**HEADER)
    pct = book.fmt(num_format=book.percent_points_format(1))
    one, two = book.fmt(num_format="0.0"), book.fmt(num_format="+0.00;-0.00;0.00")
    for sv in surveys:
        key = sv["score"]
        label = key.upper()
        sh.label(row, 0, tr.t("report.themes.survey_title", survey=tr.dim_value("survey", sv["survey"]),
                              n=book.count(sv["responses"]), score=label,
                              value="–" if sv.get("value") is None else tr.number(sv["value"], 1)),
                 book.fmt(bold=True, font_size=12), track=False)
        row += 1
        names = {"score": label, "low": f"{label} {tr.t('report.themes.col_interval')} ▼",
                 "high": f"{label} {tr.t('report.themes.col_interval')} ▲", "rising": tr.t("report.themes.rising")}
        for c, col in enumerate(COLUMNS):
            sh.label(row, c, names.get(col) or tr.t(f"report.themes.{col}"), head)
        row += 1
        for t in sv["themes"]:
            trend = t["trend"]
            sh.text(row, 0, theme_label(t, tr.lang))
            sh.label(row, 1, language_name(tr, t["language"]))
            sh.number(row, 2, t["n"], book.fmt(num_format="#,##0"))
            sh.number(row, 3, t["share"], pct)
            for c, k in ((4, key), (5, f"{key}_low"), (6, f"{key}_high")):
                sh.number(row, c, t.get(k), one)
            sh.number(row, 7, t.get("impact"), book.fmt(num_format="+0.00;-0.00;0.00"))
            sh.number(row, 8, trend.get("change"), book.fmt(num_format="+0.0;-0.0;0.0"))
            sh.boolean(row, 9, trend.get("rising"))
            sh.number(row, 10, t.get("sentiment"), two)
            sh.number(row, 11, t.get("negative_share"), pct)
            row += 1
        if sv["themes_total"] > len(sv["themes"]):
            sh.label(row, 0, tr.t("report.themes.more", shown=book.count(len(sv["themes"])),
                                  total=book.count(sv["themes_total"]), survey=sv["survey"]),
                     book.fmt(italic=True), track=False)
            row += 1
        row += 1
    sh.fit(fixed={0: 34})
    sh.print_setup()
