"""Workbook files: opening them safely, saying in one sentence why not, saving atomically."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl

from xlcustseg.cells import from_rows
from xlcustseg.workbook.limits import check_file
from xlcustseg.workbook.openpyxl_book import OpenpyxlBook
from xlcustseg.workbook.output_file import save_atomic
from xlcustseg.workbook.package_book import NotStreamable, PackageBook
from xlcustseg.workbook.port import WorkbookFile
from xlcustseg.workbook.run import WorkbookError

__all__ = ["conversion_note", "open_book", "save_atomic"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")
CALAMINE_SUFFIXES = (".xls", ".xlsb", ".ods")


def open_book(path: Path) -> tuple[WorkbookFile, str]:
    """The workbook behind `path` and its kind ('xlsx' or 'converted'); WorkbookError if it cannot be.

    An .xlsx/.xlsm file is streamed (`PackageBook`: every part the run does not
    change is copied byte for byte); an .xls/.xlsb/.ods file is converted into a
    new workbook in memory (`OpenpyxlBook`).
    """
    if not path.exists():
        raise WorkbookError(f"{path} does not exist.")
    if path.is_dir():
        raise WorkbookError(f"{path} is a folder, not a workbook.")
    check_file(path)  # limits.py: every part inflated within bounds before any reader sees the file
    with path.open("rb") as stream:
        head = stream.read(len(OLE_MAGIC))
    suffix = path.suffix.lower()
    if head == OLE_MAGIC and suffix in OPENPYXL_SUFFIXES:
        raise WorkbookError(f"{path.name} is password-protected (encrypted); save a copy without a password "
                            "in Excel and segment that.")
    if suffix in CALAMINE_SUFFIXES:
        return _converted(path), "converted"
    if suffix not in OPENPYXL_SUFFIXES:
        raise WorkbookError(f"{path.name} is not an Excel workbook (.xlsx, .xlsm, .xls or .xlsb).")
    if not zipfile.is_zipfile(path):
        raise WorkbookError(f"{path.name} is not a valid Excel workbook (the file is damaged or of another kind).")
    try:
        return PackageBook(path), "xlsx"
    except NotStreamable:
        pass  # XML with namespace prefixes (a few generators write them): openpyxl, which reads any
    except Exception as exc:  # a damaged package fails in many ways
        raise WorkbookError(f"{path.name} could not be read as a workbook ({type(exc).__name__}).") from None
    return _loaded(path), "xlsx"


def _loaded(path: Path) -> OpenpyxlBook:
    """The whole workbook loaded by openpyxl (the route for packages PackageBook does not stream)."""
    try:
        workbook = openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", rich_text=True)
    except Exception as exc:  # openpyxl raises many kinds on broken files
        raise WorkbookError(f"{path.name} could not be read as a workbook ({type(exc).__name__}).") from None
    return OpenpyxlBook(workbook, source=path)


def _converted(path: Path) -> OpenpyxlBook:
    """.xls/.xlsb/.ods: values read with calamine into a new workbook (written as .xlsx).

    Each sheet keeps its visibility (hidden, very hidden); what a conversion cannot keep is said by
    `conversion_note`.
    """
    import python_calamine

    try:
        source = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise _unreadable(path, exc) from None
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    states = _sheet_states(source)
    for name in source.sheet_names:
        try:
            sheet = source.get_sheet_by_name(name)
        except Exception as exc:
            raise _unreadable(path, exc) from None
        ws = workbook.create_sheet(name)
        ws.sheet_state = states.get(name, "visible")
        start = sheet.start or (0, 0)
        for i, row in enumerate(from_rows(sheet.to_python(skip_empty_area=True))):
            for j, value in enumerate(row):
                if value is not None:
                    ws.cell(row=start[0] + 1 + i, column=start[1] + 1 + j, value=value)
    visible = [i for i, ws in enumerate(workbook.worksheets) if ws.sheet_state == "visible"]
    if not visible and workbook.worksheets:  # a workbook needs one visible sheet
        workbook.worksheets[0].sheet_state = "visible"
        visible = [0]
    if visible:
        workbook.active = visible[0]
    return OpenpyxlBook(workbook)


def _unreadable(path: Path, exc: Exception) -> WorkbookError:
    """The sentence for a file calamine cannot read: encrypted, too large a sheet, or damaged."""
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return WorkbookError(f"{path.name} is password-protected (encrypted).")
    if "cell limit" in text:  # calamine's own bound (.ods): a cell far from the others, most often
        return WorkbookError(f"{path.name} is refused: a sheet spans more cells than can be read "
                             f"({str(exc).splitlines()[0]}); delete the cells far from the table, or save it as "
                             ".xlsx, where they are left out of the reading.")
    return WorkbookError(f"{path.name} could not be read as a workbook ({type(exc).__name__}).")


def _sheet_states(source: object) -> dict[str, str]:
    """Sheet name → openpyxl's sheet_state ('visible', 'hidden', 'veryHidden') from calamine's metadata."""
    import python_calamine

    hidden, very = python_calamine.SheetVisibleEnum.Hidden, python_calamine.SheetVisibleEnum.VeryHidden
    return {meta.name: "hidden" if meta.visible == hidden else "veryHidden" if meta.visible == very else "visible"
            for meta in source.sheets_metadata}


def conversion_note(path: Path, lang: str = "en") -> str:
    """The one sentence saying what a converted (.xls, .xlsb, .ods) input could not keep, in `lang`."""
    from xlcustseg.i18n import text

    return text("converted", lang, name=path.name)
