"""Optional parts (pip extras) missing: one line saying what to install, no traceback."""

from __future__ import annotations

import sys

import pytest

from cxmetrics.extras import MissingExtra, require


@pytest.fixture
def no_pyspark(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # `import pyspark` now fails as if absent


@pytest.fixture
def no_weasyprint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)


def test_require_names_the_extra(no_pyspark: None) -> None:
    with pytest.raises(MissingExtra) as e:
        require("pyspark.sql")  # a submodule already imported elsewhere must not hide it
    assert str(e.value) == "Spark support needs pyspark, which is not installed: pip install 'cxmetrics[spark]'"
    assert e.value.extra == "spark" and isinstance(e.value, ImportError)
    with pytest.raises(ValueError, match="not an optional dependency"):
        require("pandas")


def test_spark_entry_points_say_pip_install_cxmetrics_spark(no_pyspark: None, tmp_path) -> None:
    from cxmetrics.engine import spark

    for call in (lambda: spark.spark_session(workdir=tmp_path), lambda: spark.canonical_frame("tickets", None)):
        with pytest.raises(MissingExtra, match=r"pip install 'cxmetrics\[spark\]'") as e:
            call()
        assert "\n" not in str(e.value)
    spark._backend_class.cache_clear()
    try:
        with pytest.raises(MissingExtra, match=r"cxmetrics\[spark\]"):
            spark.spark_backend(object())  # type: ignore[arg-type]
    finally:
        spark._backend_class.cache_clear()


def test_pdf_without_weasyprint_or_chromium(no_weasyprint: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from cxmetrics.interfaces.report.pdf import PdfError, has_weasyprint, html_to_pdf

    html = '<html lang="en"><body><p>x</p></body></html>'
    assert not has_weasyprint()
    with pytest.raises(PdfError) as e:
        html_to_pdf(html, "weasyprint")
    assert str(e.value) == ("The WeasyPrint PDF printer needs weasyprint, which is not installed: "
                            "pip install 'cxmetrics[pdf]'")
    monkeypatch.setenv("CXM_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(PdfError) as e:
        html_to_pdf(html, "auto")
    assert str(e.value) == ("no PDF printer: install Chromium (Debian: apt-get install chromium) "
                            "or WeasyPrint: pip install 'cxmetrics[pdf]'")


def test_pdf_without_weasyprint_uses_chromium(no_weasyprint: None) -> None:
    from cxmetrics.interfaces.report.pdf import chromium_path, html_to_pdf

    if chromium_path() is None:
        pytest.skip("no Chromium on this machine (scripts/system-deps installs it)")
    assert html_to_pdf('<html lang="en"><body><p>x</p></body></html>').startswith(b"%PDF-")


def test_the_package_imports_without_the_extras(no_pyspark: None, no_weasyprint: None) -> None:
    import subprocess

    code = ("import sys; sys.modules['pyspark'] = sys.modules['weasyprint'] = None\n"
            "import cxmetrics, cxmetrics.engine.spark, cxmetrics.interfaces.report.pdf\n"
            "import cxmetrics.interfaces.cli.main, cxmetrics.interfaces.web.app\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
