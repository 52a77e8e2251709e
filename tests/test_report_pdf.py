"""The PDF monthly report: A4 pages, nothing blank, charts in colour, Japanese without tofu,
and WeasyPrint's chatter kept out of the caller's warnings and logs."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cxmetrics.interfaces.report.pdf import render_pdf
from tests.test_report_html import demo_report, tickets_only_report

A4 = (595.28, 841.89)  # points


from cxmetrics.interfaces.report.pdf import chromium_path  # noqa: E402

#: both printers where the machine has Chromium (CI installs it), else WeasyPrint alone
ENGINES = ["weasyprint", *(["chromium"] if chromium_path() else [])]


@pytest.fixture(scope="module", params=ENGINES)
def ja_pdf(request: pytest.FixtureRequest) -> bytes:
    return render_pdf(demo_report(), "ja", request.param)


@pytest.fixture(scope="module", params=ENGINES)
def tickets_only_pdf(request: pytest.FixtureRequest) -> bytes:
    return render_pdf(tickets_only_report(), "en", request.param)


def test_engine_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    from cxmetrics.errors import PdfError
    from cxmetrics.interfaces.report.pdf import html_to_pdf

    html = '<html lang="en"><body><p>x</p></body></html>'
    with pytest.raises(PdfError, match="unknown PDF engine"):
        html_to_pdf(html, "word")
    monkeypatch.setenv("CXM_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(PdfError, match="no Chromium"):
        html_to_pdf(html, "chromium")
    assert html_to_pdf(html, "auto").startswith(b"%PDF-")  # falls back to WeasyPrint


def _page_sizes(pdf: bytes, tmp_path: Path) -> list[tuple[float, float]]:
    if shutil.which("pdfinfo"):
        path = tmp_path / "r.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(path)], capture_output=True, text=True,
                             check=True).stdout
        return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out)]
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    if not boxes:
        pytest.skip("no pdfinfo and the MediaBoxes are compressed")
    return [(float(w), float(h)) for w, h in boxes]


def _pages_png(pdf: bytes, tmp_path: Path) -> list[Path]:
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) not installed")
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    return sorted(tmp_path.glob("page-*.png"))


def _colourful(img: Any) -> int:
    """Pixels of clearly saturated colour (chart lines, bars, heatmap cells), not text grey."""
    saturation = img.convert("RGB").convert("HSV").getchannel("S")
    return saturation.point(lambda s: 255 if s > 110 else 0).histogram()[255]


def test_every_page_is_a4(ja_pdf: bytes, tmp_path: Path) -> None:
    assert ja_pdf.startswith(b"%PDF-")
    sizes = _page_sizes(ja_pdf, tmp_path)
    assert len(sizes) >= 8
    for w, h in sizes:
        assert abs(w - A4[0]) < 1 and abs(h - A4[1]) < 1, (w, h)


def test_pages_are_not_blank_and_charts_have_colour(ja_pdf: bytes, tmp_path: Path) -> None:
    from PIL import Image

    pages = _pages_png(ja_pdf, tmp_path)
    assert len(pages) >= 8
    colour = []
    for p in pages:
        with Image.open(p) as img:
            lo, _hi = img.convert("L").getextrema()
            assert lo < 128, f"{p.name} is blank"
            colour.append(_colourful(img))
    assert max(colour) > 500, colour  # heatmaps, trend bands, stacked bars
    assert sum(1 for c in colour if c > 100) >= 4, colour


def test_japanese_text_uses_an_embedded_cjk_font(ja_pdf: bytes, tmp_path: Path) -> None:
    if shutil.which("pdffonts"):
        path = tmp_path / "r.pdf"
        path.write_bytes(ja_pdf)
        out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        cjk = [line for line in out.splitlines() if re.search(r"WenQuanYi|CJK|Hiragino|Yu ?Gothic|JhengHei", line)]
        assert cjk, out
        assert all(" yes " in line for line in cjk), out  # embedded (subset)
    else:
        assert re.search(rb"/FontName\s*/[A-Z]{6}\+(?:WenQuanYi|Noto-?Sans-?CJK)", ja_pdf)
    if shutil.which("pdftotext"):
        path = tmp_path / "r.pdf"
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "このレポートの読み方" in text and "主要KPI" in text
        assert "\ufffd" not in text


def test_tickets_only_pdf_says_what_was_left_out(tickets_only_pdf: bytes, tmp_path: Path) -> None:
    from PIL import Image

    pages = _pages_png(tickets_only_pdf, tmp_path)
    for p in pages:
        with Image.open(p) as img:
            assert img.convert("L").getextrema()[0] < 128, f"{p.name} is blank"
    if shutil.which("pdftotext"):
        path = tmp_path / "r.pdf"
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        text = re.sub(r"\s+", " ", text)
        assert "Not in this report" in text and "the store has no survey responses" in text
        assert "Customer lifetime value" not in text


def test_weasyprint_logs_nothing_to_the_caller(caplog: pytest.LogCaptureFixture) -> None:
    from cxmetrics.interfaces.report.pdf import html_to_pdf

    caplog.set_level(logging.DEBUG)
    html = ('<html lang="en"><head><style>p { unknown-property: 1; color: nonsense } '
            "@page { size: A4 }</style></head><body><p>x</p></body></html>")
    pdf = html_to_pdf(html, "weasyprint")
    assert pdf.startswith(b"%PDF-")
    noisy = [r for r in caplog.records if r.name.startswith(("weasyprint", "fontTools"))
             and r.levelno >= logging.WARNING]
    assert not noisy, [r.getMessage() for r in noisy]
    assert logging.getLogger("weasyprint").level == logging.NOTSET  # restored
