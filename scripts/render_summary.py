"""Render the summary sheet of the Chinese sample as LibreOffice shows it: docs/summary.png.

Run: python scripts/render_summary.py   (needs LibreOffice: scripts/setup.sh installs it)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlcustseg.workbook.files import open_book  # noqa: E402
from xlcustseg.workbook.run import segment_book  # noqa: E402


def _soffice(soffice: str, path: Path, to: str, out: Path) -> Path:
    profile = out / "profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", to,
                    "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=300)
    return out / f"{path.stem}.{to}"


def main() -> None:
    soffice = shutil.which("soffice") or sys.exit("LibreOffice (soffice) is needed: run scripts/setup.sh")
    pdftoppm = shutil.which("pdftoppm") or sys.exit("pdftoppm is needed: apt-get install poppler-utils")
    book, _ = open_book(ROOT / "workbook_templates" / "客户名单示例.xlsx")
    report = segment_book(book)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
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
        sheet.print_area = "A1:AF60"
        only = out / "summary.xlsx"
        values.save(only)
        pdf = _soffice(soffice, only, "pdf", out)
        subprocess.run([pdftoppm, "-png", "-r", "110", "-singlefile", str(pdf), str(out / "summary")], check=True)
        target = ROOT / "docs" / "summary.png"
        target.parent.mkdir(exist_ok=True)
        shutil.copy(out / "summary.png", target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
