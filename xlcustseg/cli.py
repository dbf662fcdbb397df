"""The `xlcustseg` command.

    xlcustseg segment INPUT [-o OUTPUT] [--sheet NAME] [--as-of DATE] [--lang zh|en]
                            [--settings FILE] [--in-place] [--previous OLD.xlsx]

Every failure the user can cause ends in one sentence on stderr and exit code
1 (2 for wrong arguments); never a traceback.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xlcustseg.i18n import text
from xlcustseg.settings import Settings, SettingsError

STEPS = ("open", "read", "segment", "write", "summary", "save")


class CommandError(Exception):
    """One sentence for the user."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CommandError as exc:
        print(f"xlcustseg: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("xlcustseg: stopped.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: one sentence, the traceback only on request
        if os.environ.get("XLCUSTSEG_DEBUG"):
            raise
        print(f"xlcustseg: internal error ({type(exc).__name__}: {exc}); nothing was written. "
              "Set XLCUSTSEG_DEBUG=1 to see the details, and please report it.", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    from xlcustseg import __version__

    parser = argparse.ArgumentParser(prog="xlcustseg", description="Customer segmentation for Excel workbooks.")
    parser.add_argument("--version", action="version", version=f"xlcustseg {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    seg = commands.add_parser("segment", help="segment the customer table of a workbook",
                              description="Segment the customer table (or order lines) of a workbook and write "
                                          "the classes, a settings sheet and a summary sheet.")
    seg.add_argument("input", type=Path, help=".xlsx, .xlsm, .xls or .xlsb workbook")
    seg.add_argument("-o", "--output", type=Path, help="output workbook (default: NAME_分层.xlsx or "
                                                       "NAME_segmented.xlsx beside the input)")
    seg.add_argument("--sheet", help="sheet holding the table (default: the active sheet)")
    seg.add_argument("--as-of", help="analysis date (default: the latest purchase date in the data)")
    seg.add_argument("--lang", choices=("zh", "en"), help="labels and headers (default: follow the table)")
    seg.add_argument("--settings", type=Path, help="a workbook or CSV whose first two columns are key, value")
    seg.add_argument("--in-place", action="store_true", help="write back into INPUT (a backup is kept)")
    seg.add_argument("--previous", type=Path, metavar="OLD.xlsx",
                     help="an earlier segmented workbook: add the previous tier, RFM class and tier change, "
                          "and a 迁移矩阵/Movement sheet")
    seg.set_defaults(run=_segment)

    clu = commands.add_parser("cluster", help="segment and add self-describing clusters (K-means on R, F, M)",
                              description="Segment the workbook as `segment` does, plus a 聚类/Cluster column and a "
                                          "cluster profile in the summary.")
    clu.add_argument("input", type=Path)
    clu.add_argument("-o", "--output", type=Path)
    clu.add_argument("--sheet")
    clu.add_argument("--k", type=int, help="number of clusters (default: best silhouette over 2–8)")
    clu.add_argument("--features", help="extra numeric columns to cluster on, comma-separated headers")
    clu.set_defaults(run=_cluster, as_of=None, lang=None, settings=None, in_place=False)

    lea = commands.add_parser("learn", help="learn a grade column staff filled on some rows; fill the rest",
                              description="Train a depth-limited decision tree on the graded rows, fill 预测等级/"
                                          "Predicted and 置信度/Confidence for the others, write the rules sheet.")
    lea.add_argument("input", type=Path)
    lea.add_argument("--label", required=True, help="the header of the column staff filled (e.g. 人工等级)")
    lea.add_argument("-o", "--output", type=Path)
    lea.add_argument("--sheet")
    lea.set_defaults(run=_learn)

    addin = commands.add_parser("addin", help="the Excel ribbon add-in (xlcustseg.xlam)")
    actions = addin.add_subparsers(dest="action", required=True)
    build = actions.add_parser("build", help="build xlcustseg.xlam from the installed xlwings' ribbon template",
                               description="Build xlcustseg.xlam. Its config sheet names this Python as the "
                                           "interpreter of this platform (Interpreter_Win on Windows, "
                                           "Interpreter_Mac on macOS; neither on Linux) unless given below.")
    build.add_argument("-o", "--output", type=Path, help="file or folder (default: ./xlcustseg.xlam)")
    install = actions.add_parser("install", help="build the add-in and install it into Excel (Windows and macOS)",
                                 description="Build xlcustseg.xlam and install it with `xlwings addin install` "
                                             "(Excel's startup folder, XLSTART).")
    for action in (build, install):
        action.add_argument("--interpreter-win", metavar="PATH", help="python.exe Excel on Windows runs")
        action.add_argument("--interpreter-mac", metavar="PATH", help="python Excel on macOS runs")
    build.set_defaults(run=_addin_build)
    install.set_defaults(run=_addin_install)

    lite = commands.add_parser("lite", help="the xlwings Lite bundle (main.py and requirements.txt)")
    lite_actions = lite.add_subparsers(dest="action", required=True)
    lite_build = lite_actions.add_parser("build", help="write main.py (carrying xlcustseg) and requirements.txt")
    lite_build.add_argument("folder", type=Path, nargs="?", default=Path("xlcustseg-lite"),
                            help="where to write them (default: ./xlcustseg-lite)")
    lite_build.set_defaults(run=_lite_build)

    sample = commands.add_parser("sample", help="write the two bundled sample workbooks, to try the tool on")
    sample.add_argument("folder", type=Path, nargs="?", default=Path("."), help="where to write them (default: .)")
    sample.set_defaults(run=_sample)

    doctor = commands.add_parser("doctor", help="print what a support call needs: Python, xlwings, add-in, config")
    doctor.set_defaults(run=_doctor)
    return parser


def _lite_build(args: argparse.Namespace) -> int:
    from xlcustseg.excel.lite import LiteError, build

    try:
        written = build(args.folder)
    except LiteError as exc:
        raise CommandError(str(exc)) from None
    for path in written:
        print(f"Wrote {path}")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from xlcustseg.samples import write_samples

    try:
        written = write_samples(args.folder)
    except OSError as exc:
        raise CommandError(f"could not write the samples to {args.folder}: {exc.strerror or exc}.") from None
    for path in written:
        print(f"Wrote {path}")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from xlcustseg.excel.doctor import report

    print(report())
    return 0


def _addin_build(args: argparse.Namespace) -> int:
    from xlcustseg.excel.addin import AddinError, build, read_config

    try:
        path = build(args.output, interpreter_win=args.interpreter_win, interpreter_mac=args.interpreter_mac)
        project, config = read_config(path)
    except (AddinError, OSError) as exc:
        raise CommandError(str(exc)) from None
    print(f"Built {path}")
    blank = "(blank: Excel falls back to the Interpreter setting, then python on the PATH)"
    for key in ("Interpreter_Win", "Interpreter_Mac", "UDF Modules"):
        print(f"  {project}.conf: {key} = {config.get(key) or blank}")
    return 0


def _addin_install(args: argparse.Namespace) -> int:
    from xlcustseg.excel.addin import AddinError, install

    try:
        print(install(interpreter_win=args.interpreter_win, interpreter_mac=args.interpreter_mac))
    except (AddinError, OSError) as exc:
        raise CommandError(str(exc)) from None
    return 0


def _cluster(args: argparse.Namespace) -> int:
    args.extra = {"cluster.enabled": "yes", "cluster.k": args.k or "auto", "cluster.features": args.features or ""}
    return _segment(args)


def _learn(args: argparse.Namespace) -> int:
    from xlcustseg.workbook.files import open_book, save_atomic
    from xlcustseg.workbook.learned import learn_book
    from xlcustseg.workbook.run import WorkbookError

    try:
        book, _ = open_book(args.input)
        report = learn_book(book, args.label, sheet=args.sheet)
    except WorkbookError as exc:
        raise CommandError(str(exc)) from None
    target = args.output or default_output(args.input, report.language)
    if target.resolve() == args.input.resolve():
        raise CommandError("the output would overwrite the input; choose another -o.")
    save_atomic(book, target)
    print(report.message())
    print(f"Output: {target}")
    return 0


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line: a settings file, then --as-of and --lang on top."""
    values: dict[str, Any] = {}
    if args.settings:
        values.update(_settings_file(args.settings))
    if args.as_of:
        values["as_of"] = args.as_of
    if args.lang:
        values["language"] = args.lang
    try:
        Settings(values)
    except SettingsError as exc:
        raise CommandError(f"setting {exc.key} = {exc.value!r} is not usable: {exc.reason}.") from None
    return values


def _settings_file(path: Path) -> dict[str, Any]:
    """A CSV's or workbook's key/value rows, read as the settings sheet is (a bad one named by its row)."""
    from xlcustseg.settings_table import read_settings_table

    table = read_settings_table(_file_rows(path))
    try:
        Settings(table.values)
    except SettingsError as exc:
        row = table.rows.get(exc.key)
        where = f", row {row + 1}" if row is not None else ""
        raise CommandError(f"settings file {path.name}{where}: setting {exc.key} = {exc.value!r} is not usable: "
                           f"{exc.reason}.") from None
    return table.values


def _file_rows(path: Path) -> list[list[Any]]:
    """The rows of a CSV (as text) or of a workbook's first sheet (as `xlcustseg.cells.from_cell` reads cells)."""
    import pandas as pd

    from xlcustseg.cells import from_rows

    if not path.exists():
        raise CommandError(f"settings file {path} does not exist.")
    try:
        if path.suffix.lower() == ".csv":
            table = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
        else:
            table = pd.read_excel(path, header=None, dtype=object, engine="calamine")
    except Exception as exc:
        raise CommandError(f"settings file {path.name} could not be read ({type(exc).__name__}).") from None
    if table.shape[1] < 2:
        raise CommandError(f"settings file {path.name} needs two columns: key and value.")
    return from_rows(table.itertuples(index=False, name=None))


def _previous_table(path: Path) -> Any:
    """The customer table of an earlier segmented workbook: the first sheet with an id (or name) and a tier column."""
    import pandas as pd

    from xlcustseg.fields.headers import find_table, normalise_header
    from xlcustseg.i18n import OUTPUT_COLUMNS
    from xlcustseg.workbook.files import open_book

    book, _ = open_book(path)
    tier_headers = {normalise_header(h) for k, zh, en in OUTPUT_COLUMNS if k == "tier" for h in (zh, en)}
    for sheet in book.sheet_names():
        data = book.read(sheet).table()
        if not data.rows:
            continue
        layout = find_table(pd.DataFrame(data.rows, dtype=object))
        if ("customer_id" in layout.fields or "customer_name" in layout.fields) and any(
                normalise_header(h) in tier_headers for h in layout.headers):
            start = 0 if layout.header_row is None else layout.header_row + 1
            return pd.DataFrame(data.rows[start:], columns=_unique(layout.headers), dtype=object)
    raise CommandError(f"{path.name} has no sheet with a customer id (or name) column and a 客户等级/Tier column: "
                       "give an earlier output of xlcustseg segment.")


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h}.{seen[h] - 1}")
    return out


def _movement(book: Any, report: Any, previous: Path) -> None:
    """The previous tier, RFM class and tier change beside our columns, and the 迁移矩阵/Movement sheet.

    The matrices are COUNTIFS over the output sheet's previous and current columns; the new row counts the
    rows whose previous tier is blank; the lost column counts the lost customers listed below the matrices.
    """
    import pandas as pd

    from xlcustseg.cells import column_letter
    from xlcustseg.engine import SegmentationError
    from xlcustseg.engine.movement import compare
    from xlcustseg.i18n import MOVEMENT_COLUMNS, MOVEMENT_SHEET, pick
    from xlcustseg.workbook.ooxml import quote_sheet
    from xlcustseg.workbook.run import WorkbookError

    try:
        old = _previous_table(previous)
    except WorkbookError as exc:
        raise CommandError(f"cannot read --previous {previous.name}: {exc}") from None
    lang, sheet = report.result.language, report.output_sheet
    header_row, first, last = report.first_data_row - 1, report.first_data_row, report.last_data_row
    whole = book.read(sheet)
    headers = whole.row_values(header_row)
    now = pd.DataFrame([whole.row_values(r) for r in range(first, last + 1)], dtype=object)
    now.columns = _unique([str(h) if h is not None else f"_{j}" for j, h in enumerate(headers)])[:now.shape[1]]
    try:
        moved = compare(old, now, lang=lang, settings=report.result.settings)
    except SegmentationError as exc:
        raise CommandError(f"--previous {previous.name}: {exc}") from None
    known = {str(h): whole.first_col + j for j, h in enumerate(headers) if h is not None}
    next_col = whole.last_col(header_row, last) + 1
    columns = {}
    for key, zh, en in MOVEMENT_COLUMNS:
        header = pick((zh, en), lang)
        col = known.get(header)
        if col is None:
            col, next_col = next_col, next_col + 1
        columns[key] = col
        book.write_column(sheet, header_row, col, [header, *moved.table[header].to_numpy(dtype=object)])

    def span(col: int) -> str:
        letter = column_letter(col)
        return f"{quote_sheet(sheet)}!${letter}${first}:${letter}${max(last, first)}"

    ours = {k: report.columns[k] for k in ("tier", "rfm_class") if k in report.columns}
    titles = {"tier": (("客户等级迁移（行：上期，列：本期）", "Tier movement (rows: previous, columns: now)"),
                       "previous_tier", moved.tiers),
              "rfm_class": (("RFM分群迁移（行：上期，列：本期）", "RFM class movement (rows: previous, columns: now)"),
                            "previous_rfm_class", moved.rfm)}
    blocks = [(key, *titles[key]) for key in ("tier", "rfm_class") if key in ours]
    lost, lost_cols = moved.lost, {"tier": "B", "rfm_class": "C"}
    lost_first = sum(len(m.index) + 4 for *_, m in blocks) + 3  # sheet row of the first lost customer
    lost_last = lost_first + max(len(lost), 1) - 1
    rows: list[list[Any]] = []
    for key, title, previous_key, matrix in blocks:
        rows.append([pick(title, lang)])
        classes = list(matrix.columns[:-1])
        rows.append([pick(("上期 ↓ 本期 →", "Previous ↓ Now →"), lang), *classes, matrix.columns[-1]])
        top = len(rows) + 1  # sheet row of the first class row
        before, current = span(columns[previous_key]), span(ours[key])
        lost_range = f"${lost_cols[key]}${lost_first}:${lost_cols[key]}${lost_last}"
        for i, p in enumerate(matrix.index[:-1]):
            r = top + i
            rows.append([p, *[f"=COUNTIFS({before},$A{r},{current},{column_letter(j + 2)}${top - 1})"
                              for j in range(len(classes))], f"=COUNTIFS({lost_range},$A{r})"])
        rows.append([matrix.index[-1], *[f'=COUNTIFS({before},"",{current},{column_letter(j + 2)}${top - 1})'
                                         for j in range(len(classes))]])
        rows.extend([[], []])
    rows.append([pick(("流失客户（上期有、本期没有）：“流失”列按此名单计数",
                       "Lost customers (in the previous snapshot only): the Lost column counts this list"), lang)])
    rows.append([pick(("客户", "Customer"), lang), *(pick((zh, en), lang) for k, zh, en in MOVEMENT_COLUMNS[:2])])
    rows.extend([k, t, c] for k, t, c in zip(lost["key"], lost["tier"], lost["rfm_class"], strict=True))
    rows.extend([[note] for note in moved.notes])
    name = pick(MOVEMENT_SHEET, lang)
    book.replace_sheet(name, after=report.summary_sheet)
    book.write_block(name, 1, 1, rows)


def default_output(path: Path, language: str) -> Path:
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    tag = text("output_tag", language)
    return path.with_name(f"{path.stem}_{tag}{suffix}")


def _segment(args: argparse.Namespace) -> int:
    from xlcustseg.workbook.files import dropped_parts, open_book, save_atomic
    from xlcustseg.workbook.run import WorkbookError, segment_book

    overrides = {**_overrides(args), **getattr(args, "extra", {})}
    source: Path = args.input
    with _Progress(source) as progress:
        try:
            progress("open")
            book, kind = open_book(source)
            if args.in_place:
                if kind != "xlsx":
                    raise CommandError(f"--in-place needs an .xlsx or .xlsm file; {source.name} would be "
                                       "converted. Leave out --in-place to write a new .xlsx.")
                lost = dropped_parts(source)
                if lost:
                    raise CommandError(f"not writing {source.name} in place: it holds {', '.join(lost)}, which "
                                       "would be lost. Leave out --in-place to write a new file.")
            report = segment_book(book, overrides, sheet=args.sheet, progress=progress)
            if getattr(args, "previous", None) is not None:
                _movement(book, report, args.previous)
        except WorkbookError as exc:
            raise CommandError(str(exc)) from None
        progress("save")
        target = source if args.in_place else (args.output or default_output(source, report.result.language))
        if target.resolve() == source.resolve() and not args.in_place:
            raise CommandError("the output would overwrite the input; use --in-place for that, or another -o.")
        if args.in_place:
            backup = source.with_name(f"{source.stem}.backup{source.suffix}")
            shutil.copy2(source, backup)
        try:
            save_atomic(book, target)
        except OSError as exc:
            raise CommandError(f"could not write {target}: {exc.strerror or exc}.") from None
    print(report.message())
    if not args.in_place and kind == "xlsx":
        lost = dropped_parts(source)
        if lost:
            print(f"Note: the output lacks the input's {', '.join(lost)} (openpyxl cannot copy them); "
                  "the input file is unchanged.")
    for warning in report.result.warnings:
        print(f"Note: {warning}")
    print(f"Output: {target}")
    if args.in_place:
        print(f"Backup: {backup}")
    return 0


class _Progress:
    """A stage-by-stage progress bar on stderr (shown on a terminal, for files over 1 MB)."""

    def __init__(self, source: Path):
        self.bar = None
        try:
            big = source.stat().st_size > 1_000_000
        except OSError:
            big = False
        if big and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=len(STEPS), file=sys.stderr, unit="step", leave=False)

    def __call__(self, step: str) -> None:
        if self.bar is not None:
            self.bar.set_description(step)
            self.bar.update(1)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


if __name__ == "__main__":
    sys.exit(main())
