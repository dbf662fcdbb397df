"""The summary rendered by LibreOffice holds its Chinese headings as text (issue #12 point 6).

scripts/render_summary.py prints the Chinese sample's summary sheet to a PDF in
LibreOffice headless (the step behind docs/summary.png); the PDF's text layer
(pdftotext) must carry the title, the section headings and the chart titles.
It needs a CJK font (render_summary.ensure_cjk_font installs one), as
docs/summary.png does; without one it fails under CI and skips elsewhere.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from libreoffice import soffice

from xlcustseg.i18n import SUMMARY_TEXTS

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "render_summary.py"
#: headings of the summary template, then the texts the run writes (title, chart titles)
HEADINGS = ["价值分层", "生命周期", "分层策略", "帕累托曲线数据",
            *(SUMMARY_TEXTS[k][0] for k in ("title", "chart_customers", "chart_revenue", "chart_pareto"))]


def _needed(tool: str, why: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{tool} is required under CI ({why})")
    pytest.skip(f"{tool} is not installed ({why})")
    raise AssertionError("unreachable")


def test_the_summary_pdf_text_layer_holds_the_chinese_headings(tmp_path):
    pdftotext = _needed("pdftotext", "apt-get install poppler-utils")
    spec = importlib.util.spec_from_file_location("render_summary", SCRIPT)
    render = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render)
    if not render.has_cjk_font():
        if os.environ.get("CI"):
            pytest.fail("a CJK font is required under CI: apt-get install -y fonts-noto-cjk")
        pytest.skip("no CJK font (apt-get install -y fonts-noto-cjk)")
    pdf = render.summary_pdf(soffice(), tmp_path)
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert [h for h in HEADINGS if re.sub(r"\s+", "", h) not in flat] == []
    assert "前20%的客户" in flat  # the Pareto statement, computed by LibreOffice
