"""Render the summary sheet of the Chinese sample as LibreOffice shows it: docs/summary.png.

Run: python scripts/render_summary.py   (needs LibreOffice: scripts/setup.sh installs it)

Chinese text needs a CJK font where LibreOffice renders (else it shows boxes):
when fontconfig knows none, the script installs fonts-noto-cjk with apt-get
(as root), or stops saying how to. `summary_pdf` is the rendering step, also
used by tests/test_render.py to read the PDF's text layer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlcustseg.workbook.files import open_book  # noqa: E402
from xlcustseg.workbook.run import segment_book  # noqa: E402


def _soffice(soffice: str, path: Path, to: str, out: Path) -> Path:
    profile = out / "profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", to,
                    "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=300)
    return out / f"{path.stem}.{to}"


def has_cjk_font() -> bool:
    """Does fontconfig know a font covering Chinese?"""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def ensure_cjk_font() -> None:
    """Install fonts-noto-cjk (apt-get, as root) when no CJK font is known; stop with the command otherwise."""
    if has_cjk_font():
        return
    apt = shutil.which("apt-get")
    if apt is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        sys.exit("No CJK font: install one (Debian/Ubuntu: sudo apt-get install -y fonts-noto-cjk) and run again")
    subprocess.run([apt, "install", "-y", "fonts-noto-cjk"], check=True, capture_output=True, timeout=1200)
    if not has_cjk_font():
        sys.exit("fonts-noto-cjk was installed but fontconfig knows no CJK font: run fc-cache -f")


def summary_pdf(soffice: str, out: Path, source: Path = ROOT / "workbook_templates" / "客户名单示例.xlsx") -> Path:
    """Segment `source` (the Chinese sample), let LibreOffice compute it, and print only the summary sheet to a
    PDF in `out`; out/segmented.xlsx is the run's output and out/summary.xlsx the summary as computed values."""
    book, _ = open_book(source)
    report = segment_book(book)
    segmented = out / "segmented.xlsx"
    book.save(segmented)
    calculated = _soffice(soffice, segmented, "xlsx", out / "calc")  # LibreOffice computes the formulas
    values = openpyxl.load_workbook(calculated, data_only=True)
    for name in values.sheetnames:
        if name != report.summary_sheet:
            del values[name]  # only the summary, as computed values
    sheet = values[report.summary_sheet]
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 1
    right = max([sheet.max_column, *(c.anchor._from.col + 9 for c in sheet._charts)])
    sheet.print_area = f"A1:{get_column_letter(right)}{sheet.max_row}"  # every block and chart the run placed
    only = out / "summary.xlsx"
    values.save(only)
    return _soffice(soffice, only, "pdf", out)


def main() -> None:
    soffice = shutil.which("soffice") or sys.exit("LibreOffice (soffice) is needed: run scripts/setup.sh")
    pdftoppm = shutil.which("pdftoppm") or sys.exit("pdftoppm is needed: apt-get install poppler-utils")
    ensure_cjk_font()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        pdf = summary_pdf(soffice, out)
        subprocess.run([pdftoppm, "-png", "-r", "110", "-singlefile", str(pdf), str(out / "summary")], check=True)
        target = ROOT / "docs" / "summary.png"
        target.parent.mkdir(exist_ok=True)
        shutil.copy(out / "summary.png", target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
