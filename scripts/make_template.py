"""Build workbook_templates/summary_template.xlsx: the summary sheet's styled template.

Staff may restyle or rearrange the result in Excel: the filler only needs the
defined names (xcs_*) to point at where each block starts. The names are local to
the Summary sheet, so copying the sheet into a workbook that already holds a summary
(the ribbon button run twice) brings no name-conflict prompt in Excel.
Run: python scripts/make_template.py
"""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName

OUT = Path(__file__).resolve().parents[1] / "workbook_templates" / "summary_template.xlsx"
HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
BAND_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="9BC2E6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

# name -> (cell, columns wide, body rows to pre-style, section heading)
BLOCKS = {
    "xcs_tiers": ("B10", 7, 6, "价值分层 Value tiers"),
    "xcs_cross": ("B20", 11, 5, "等级 × RFM 分群 Tier × RFM class"),
    "xcs_lifecycle": ("B29", 3, 5, "生命周期 Lifecycle"),
    "xcs_quality": ("F29", 1, 0, "分群质量提示 Segment quality"),
    "xcs_strategies": ("B38", 5, 40, "分层策略 Strategies"),
    "xcs_curve": ("N10", 2, 20, "帕累托曲线数据 Pareto curve data"),
    "xcs_clusters": ("N34", 8, 8, "聚类画像 Cluster profile"),
}


def main() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.sheet_view.showGridLines = False
    ws.sheet_properties.tabColor = "1F4E79"
    ws["B2"].font = Font(size=18, bold=True, color="1F4E79")
    ws["B4"].font = Font(italic=True, color="595959")
    ws["B6"].font = Font(size=13, bold=True, color="C00000")
    ws["B7"].font = Font(size=11, color="C00000")
    for name, (cell, width, body, heading) in BLOCKS.items():
        col, row = ws[cell].column, ws[cell].row
        ws.cell(row=row - 1, column=col, value=heading).font = Font(size=12, bold=True, color="1F4E79")
        if body == 0:  # a plain list, no header row
            ws.cell(row=row, column=col).font = Font(color="C00000")
            ws.defined_names[name] = DefinedName(name, attr_text=f"Summary!${_letters(col)}${row}")
            continue
        for c in range(col, col + width):
            head = ws.cell(row=row, column=c)
            head.font, head.fill, head.border = Font(bold=True, color="FFFFFF"), HEAD_FILL, BOX
            head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            for r in range(row + 1, row + 1 + body):
                cell_ = ws.cell(row=r, column=c)
                cell_.border = BOX
                if (r - row) % 2 == 0:
                    cell_.fill = BAND_FILL
        ws.defined_names[name] = DefinedName(name, attr_text=f"Summary!${_letters(col)}${row}")
    for name, cell in (("xcs_title", "B2"), ("xcs_pareto", "B6"), ("xcs_charts", "W2")):
        col, row = ws[cell].column, ws[cell].row
        ws.defined_names[name] = DefinedName(name, attr_text=f"Summary!${_letters(col)}${row}")
    for letter, width in {"A": 2, "B": 12, "C": 18, "D": 12, "E": 12, "F": 16, "G": 12, "H": 14,
                          "N": 14, "O": 30}.items():
        ws.column_dimensions[letter].width = width
    OUT.parent.mkdir(parents=True, exist_ok=True)
    wb.save(OUT)
    print(f"wrote {OUT}")


def _letters(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


if __name__ == "__main__":
    main()
