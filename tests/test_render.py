"""The summary as LibreOffice renders it (issue #12 point 6): Chinese headings as text, and a clean page.

scripts/render_summary.py prints a sample's summary sheet to a PDF in
LibreOffice headless (the step behind docs/summary.png); the PDF's text layer
(pdftotext) must carry the title, the section headings and the chart titles.
The same step leaves the summary as LibreOffice computed it (summary.xlsx):
on both bundled samples it must show no helper value (the Pareto share only in
the sentence and the curve), no styled cell left empty (a placeholder row or
column of the template) and a tier × RFM table exactly as wide and tall as the
run's classes and tiers. It needs a CJK font (render_summary.ensure_cjk_font
installs one), as docs/summary.png does; without one it fails under CI and
skips elsewhere.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from libreoffice import soffice

from xlcustseg.engine.strategies import labels
from xlcustseg.i18n import SUMMARY_TEXTS
from xlcustseg.workbook.files import open_book
from xlcustseg.workbook.run import segment_book
from xlcustseg.workbook.template import anchors as template_anchors

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "render_summary.py"
SAMPLES = {"zh": ROOT / "workbook_templates" / "客户名单示例.xlsx",
           "en": ROOT / "workbook_templates" / "orders_sample.xlsx"}
#: headings of the (bilingual) summary template, then the texts the run writes in its language (title, chart
#: titles), and the start of the Pareto statement LibreOffice computes
TEMPLATE_HEADINGS = ["价值分层", "生命周期", "分层策略", "帕累托曲线数据", "RFM热力图"]
RUN_TEXTS = ("title", "chart_customers", "chart_revenue", "chart_pareto")
PARETO_START = {"zh": "前20%的客户", "en": "Thetop20%ofcustomers"}


def _needed(tool: str, why: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{tool} is required under CI ({why})")
    pytest.skip(f"{tool} is not installed ({why})")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module", params=sorted(SAMPLES))
def rendered(request, tmp_path_factory):
    """(sample key, PDF text, the summary as computed values, the run's report) of one bundled sample."""
    pdftotext = _needed("pdftotext", "apt-get install poppler-utils")
    spec = importlib.util.spec_from_file_location("render_summary", SCRIPT)
    render = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render)
    if not render.has_cjk_font():
        if os.environ.get("CI"):
            pytest.fail("a CJK font is required under CI: apt-get install -y fonts-noto-cjk")
        pytest.skip("no CJK font (apt-get install -y fonts-noto-cjk)")
    out = tmp_path_factory.mktemp(f"render_{request.param}")
    pdf = render.summary_pdf(soffice(), out, SAMPLES[request.param])
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    book, _ = open_book(SAMPLES[request.param])
    report = segment_book(book)  # the same run again: its classes, tiers and figures
    values = openpyxl.load_workbook(out / "summary.xlsx")
    return request.param, text, values[report.summary_sheet], report


def test_the_summary_pdf_text_layer_holds_the_chinese_headings(rendered):
    """The template's Chinese headings on both samples (no boxes), the run's texts in the sample's language."""
    key, text, _, _ = rendered
    flat = re.sub(r"\s+", "", text)
    headings = [*TEMPLATE_HEADINGS, *(SUMMARY_TEXTS[k][key == "en"] for k in RUN_TEXTS)]
    assert [h for h in headings if re.sub(r"\s+", "", h) not in flat] == []
    assert PARETO_START[key] in flat  # the Pareto statement, computed by LibreOffice


def test_no_helper_value_shows(rendered):
    """The top-20% revenue share appears in the sentence and on the curve's 20% row, nowhere else."""
    _, text, ws, report = rendered
    share = f"{report.result.summary.pareto.top_share:.1%}"
    assert text.count(share) == 2, (share, text.count(share))
    row, col = template_anchors(ws.parent, ws.title)["xcs_pareto"]
    assert share in str(ws.cell(row, col).value) and ws.cell(row + 1, col).value is None


def test_no_styled_cell_is_left_empty(rendered):
    """Every cell the template styles with a fill or a border shows a value: no placeholder row or column."""
    _, _, ws, _ = rendered
    empty = [c.coordinate for row in ws.iter_rows() for c in row if c.value in (None, "")
             and ((c.fill is not None and c.fill.fill_type) or any(
                 getattr(c.border, side).style for side in ("left", "right", "top", "bottom")))]
    assert empty == []


def test_the_tier_rfm_table_is_as_wide_as_the_classes(rendered):
    _, _, ws, report = rendered
    result = report.result
    names = list(labels(pd.Series(result.settings.classes(result.rfm_map), dtype=object), result.rfm_map,
                        result.language, result.settings))
    tiers = list(result.settings.tier_letters())
    row0, col0 = template_anchors(ws.parent, ws.title)["xcs_cross"]
    header = [ws.cell(row0, col0 + j).value for j in range(len(names) + 3)]
    assert header == [SUMMARY_TEXTS["cross_corner"][0 if result.language == "zh" else 1], *names, None, None]
    body = [[ws.cell(row0 + 1 + i, col0 + j).value for j in range(len(names) + 2)] for i in range(len(tiers) + 1)]
    assert [r[0] for r in body] == [*tiers, None]
    assert all(isinstance(v, int | float) for r in body[:-1] for v in r[1:-1])  # every count shows
    assert [r[-1] for r in body] == [None] * (len(tiers) + 1) and body[-1] == [None] * (len(names) + 2)
