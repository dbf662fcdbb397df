"""Build workbook_templates/summary_template.xlsx: the summary sheet's styled template.

Staff may restyle or rearrange the result in Excel: the filler only needs the
defined names (xcs_*) to point at where each block starts. The names are local to
the Summary sheet, so copying the sheet into a workbook that already holds a summary
(the ribbon button run twice) brings no name-conflict prompt in Excel.

Tables whose size depends on the run (how many tiers, classes, strategies, R/F
scores) are styled by conditional formats that apply only to cells holding
something: a run with three tiers shows three styled rows, never an empty styled
placeholder row or header column. Fixed-size parts (the tier, lifecycle and
strategy headers, the Pareto curve data) carry plain styles, which also reach
the engines that cannot take conditional formats (xlwings' remote engines).
The RFM heatmaps carry a three-colour scale over their largest grid (5 × 5
scores); blank cells of a smaller grid take no colour.
Run: python scripts/make_template.py
"""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import ColorScaleRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

OUT = Path(__file__).resolve().parents[1] / "workbook_templates" / "summary_template.xlsx"
HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
BAND_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="9BC2E6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FONT = Font(bold=True, color="FFFFFF")
HEADING_FONT = Font(size=12, bold=True, color="1F4E79")

# name -> (cell, columns wide, body rows it may take, columns with a plain-styled header, section heading)
BLOCKS = {
    "xcs_tiers": ("B10", 7, 6, 7, "价值分层 Value tiers"),
    "xcs_cross": ("B20", 11, 5, 1, "等级 × RFM 分群 Tier × RFM class"),
    "xcs_heatmap": ("B29", 6, 5, 0, "RFM 热力图：客户数 RFM heatmap: customers (R × F)"),
    "xcs_heatmap_m": ("I29", 6, 5, 0, "RFM 热力图：平均 M 分 RFM heatmap: average M score"),
    "xcs_lifecycle": ("B38", 3, 8, 3, "生命周期 Lifecycle"),
    "xcs_quality": ("F38", 1, 0, 0, "分群质量提示 Segment quality"),
    "xcs_strategies": ("B49", 5, 60, 5, "分层策略 Strategies"),
    "xcs_curve": ("P10", 2, 20, 2, "帕累托曲线数据 Pareto curve data"),
    "xcs_clusters": ("P34", 7, 12, 0, "聚类画像 Cluster profile"),
}
#: where the heatmaps' colour scales go: anchor -> scored grid right of and below the headers (5 × 5 at most)
HEATMAPS = ("xcs_heatmap", "xcs_heatmap_m")


#: the 分层依据 / Cut points block (written from the title's row, three columns right of the curve's data: S:V):
#: scheme, class, rule text, amount — wide enough that no amount shows as ### and no rule is cut off
CUT_POINT_WIDTHS = {"S": 26, "T": 6, "U": 46, "V": 14}


def main() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.sheet_view.showGridLines = False
    ws.sheet_properties.tabColor = "1F4E79"
    ws["B2"].font = Font(size=18, bold=True, color="1F4E79")
    ws["B4"].font = Font(italic=True, color="595959")
    ws["B6"].font = Font(size=13, bold=True, color="C00000")
    for name, (cell, width, body, plain, heading) in BLOCKS.items():
        col, row = ws[cell].column, ws[cell].row
        ws.cell(row=row - 1, column=col, value=heading).font = HEADING_FONT
        ws.defined_names[name] = DefinedName(name, attr_text=f"Summary!${get_column_letter(col)}${row}")
        if body == 0:  # a plain list, no header row
            ws.cell(row=row, column=col).font = Font(color="C00000")
            continue
        for c in range(col, col + plain):
            _head(ws.cell(row=row, column=c))
        if name in HEATMAPS:  # the colour scale first: LibreOffice shows the first format that applies
            grid = f"{get_column_letter(col + 1)}{row + 1}:{get_column_letter(col + width - 1)}{row + body}"
            ws.conditional_formatting.add(grid, ColorScaleRule(
                start_type="min", start_color="F8696B", mid_type="percentile", mid_value=50, mid_color="FFEB84",
                end_type="max", end_color="63BE7B"))
        _style_when_filled(ws, row, col, width, body, banded=name not in HEATMAPS)
    for name, cell in (("xcs_title", "B2"), ("xcs_pareto", "B6"), ("xcs_charts", "Y2")):
        col, row = ws[cell].column, ws[cell].row
        ws.defined_names[name] = DefinedName(name, attr_text=f"Summary!${get_column_letter(col)}${row}")
    for letter, width in {"A": 2, "B": 12, "C": 18, "D": 12, "E": 12, "F": 16, "G": 12, "H": 14,
                          "I": 12, "P": 14, "Q": 30, **CUT_POINT_WIDTHS}.items():
        ws.column_dimensions[letter].width = width
    OUT.parent.mkdir(parents=True, exist_ok=True)
    wb.save(OUT)
    print(f"wrote {OUT}")


def _head(cell) -> None:
    cell.font, cell.fill, cell.border = HEAD_FONT, HEAD_FILL, BOX
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _style_when_filled(ws, row: int, col: int, width: int, body: int, banded: bool = True) -> None:
    """Conditional formats: a header cell styled when it holds something; a body cell boxed (banded on
    every other row unless `banded` is False) when its column has a header and its row holds something."""
    first, last = get_column_letter(col), get_column_letter(col + width - 1)
    ws.conditional_formatting.add(f"{first}{row}:{last}{row}", FormulaRule(
        formula=[f"LEN({first}{row})>0"], font=HEAD_FONT, fill=HEAD_FILL, border=BOX, stopIfTrue=True))
    filled = f"LEN({first}${row})>0,COUNTA(${first}{row + 1}:${last}{row + 1})>0"
    body_range = f"{first}{row + 1}:{last}{row + body}"
    if banded:
        ws.conditional_formatting.add(body_range, FormulaRule(
            formula=[f"AND({filled},MOD(ROW()-{row},2)=0)"], fill=BAND_FILL, border=BOX, stopIfTrue=True))
    ws.conditional_formatting.add(body_range, FormulaRule(formula=[f"AND({filled})"], border=BOX))


if __name__ == "__main__":
    main()
