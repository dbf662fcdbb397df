"""The `xlcustseg` command.

    xlcustseg segment INPUT [-o OUTPUT] [--sheet NAME] [--as-of DATE] [--lang zh|en]
                            [--settings FILE] [--in-place] [--previous OLD.xlsx | --compare-as-of DATE]
                            [--explain ID]

Every failure the user can cause ends in one sentence on stderr and exit code
1 (2 for wrong arguments); never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xlcustseg.engines.base import location  # a URL stays a string: Path would fold its //
from xlcustseg.i18n import text
from xlcustseg.settings import Settings, SettingsError

STEPS = ("open", "read", "segment", "write", "summary", "save")


class CommandError(Exception):
    """One sentence for the user."""


class _Terminated(SystemExit):
    """SIGTERM or SIGHUP: raised so every cleanup (temporary files, the in-place lock) runs."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _raise_on_termination()
    try:
        code = args.run(args)
        sys.stdout.flush()  # a closed pipe (`| head -1`) shows here, after the work is done
        return code
    except BrokenPipeError:  # the reader of our output went away: stop quietly (Python docs, "Note on SIGPIPE")
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except CommandError as exc:
        print(f"xlcustseg: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("xlcustseg: stopped.", file=sys.stderr)
        return 130
    except _Terminated as exc:
        print("xlcustseg: stopped.", file=sys.stderr)
        return int(exc.code)
    except Exception as exc:  # a bug of ours: one sentence, the traceback only on request
        if os.environ.get("XLCUSTSEG_DEBUG"):
            raise
        print(f"xlcustseg: internal error ({type(exc).__name__}: {exc}); nothing was written. "
              "Set XLCUSTSEG_DEBUG=1 to see the details, and please report it.", file=sys.stderr)
        return 1


def _raise_on_termination() -> None:
    """SIGTERM and SIGHUP raise _Terminated (exit 128 + signal), as SIGINT raises KeyboardInterrupt."""
    def stop(signum: int, frame: object) -> None:
        raise _Terminated(128 + signum)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            with contextlib.suppress(ValueError, OSError):  # not the main thread
                signal.signal(getattr(signal, name), stop)


def _parser() -> argparse.ArgumentParser:
    from xlcustseg import __version__

    parser = argparse.ArgumentParser(prog="xlcustseg", description="Customer segmentation for Excel workbooks.")
    parser.add_argument("--version", action="version", version=f"xlcustseg {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    seg = commands.add_parser("segment", help="segment the customer table of a workbook",
                              description="Segment the customer table (or order lines) of a workbook and write "
                                          "the classes, a settings sheet and a summary sheet.")
    seg.add_argument("input", type=location, help=".xlsx, .xlsm, .xls or .xlsb workbook")
    seg.add_argument("-o", "--output", type=location, help="output workbook (default: NAME_分层.xlsx or "
                                                       "NAME_segmented.xlsx beside the input)")
    seg.add_argument("--sheet", help="sheet holding the table (default: the active sheet)")
    seg.add_argument("--as-of", help="analysis date (default: the latest purchase date in the data)")
    seg.add_argument("--lang", choices=("zh", "en"), help="labels and headers (default: follow the table)")
    seg.add_argument("--settings", type=Path, help="a workbook or CSV whose first two columns are key, value")
    seg.add_argument("--in-place", action="store_true", help="write back into INPUT (a backup is kept)")
    seg.add_argument("--previous", type=Path, metavar="OLD.xlsx",
                     help="an earlier segmented workbook: add the previous tier, RFM class and tier change, "
                          "and a 迁移矩阵/Movement sheet")
    seg.add_argument("--compare-as-of", metavar="DATE",
                     help="order lines: compare with the same orders as of DATE (only orders up to DATE), "
                          "as --previous does")
    seg.add_argument("--engine", choices=("duckdb", "spark", "pandas"),
                     help="order lines in a .parquet/.csv/.csv.gz file: the engine (default: duckdb when "
                          "installed); see docs/engines.md")
    seg.add_argument("--explain", metavar="ID",
                     help="print why the customer with this id (or name) is in its classes: the values and the "
                          "cut points that put it there; writes no file")
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
    from xlcustseg.workbook.run import WorkbookError

    try:
        if path.suffix.lower() == ".csv":
            table = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
        else:
            table = pd.DataFrame(_first_sheet(path), dtype=object)
    except WorkbookError as exc:  # over a limit of workbook/limits.py: its one sentence
        raise CommandError(f"settings file {exc}") from None
    except Exception as exc:
        raise CommandError(f"settings file {path.name} could not be read ({type(exc).__name__}).") from None
    if table.shape[1] < 2:
        raise CommandError(f"settings file {path.name} needs two columns: key and value.")
    return from_rows(table.itertuples(index=False, name=None))


def _first_sheet(path: Path) -> list[list[Any]]:
    """A workbook's first sheet read within the file-route limits (workbook/reading.py); blanks as None."""
    import python_calamine

    from xlcustseg.workbook.limits import check_file
    from xlcustseg.workbook.reading import sheet_values

    check_file(path)  # before calamine opens it (it reads the shared strings at once)
    first = python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names[0]
    rows, _, _ = sheet_values(path, first)
    return [[None if value == "" else value for value in row] for row in rows]


def _movement(book: Any, report: Any, args: argparse.Namespace) -> str | None:
    """--previous, --compare-as-of, else the settings movement.previous / movement.compare_as_of: the
    previous tier, RFM class and tier change beside our columns and the 迁移矩阵/Movement sheet
    (xlcustseg.workbook.movement_sheet); the line saying what moved, or None without a comparison."""
    from xlcustseg.workbook import movement_sheet as ms
    from xlcustseg.workbook.files import open_book
    from xlcustseg.workbook.run import WorkbookError

    settings = report.result.settings
    previous, as_of = getattr(args, "previous", None), getattr(args, "compare_as_of", None)
    if previous is not None and as_of is not None:
        raise CommandError("give either --previous or --compare-as-of, not both.")
    try:
        if previous is not None:
            snapshot = ms.previous_from_file(previous)
        elif as_of is not None:
            snapshot = ms.previous_as_of(book, report, as_of)
        elif settings["movement.previous"]:  # a sheet is read from the input file, as it was before the run
            snapshot = ms.previous_from_setting(open_book(args.input)[0], settings["movement.previous"],
                                                args.input.parent)
        elif settings["movement.compare_as_of"]:
            snapshot = ms.previous_as_of(book, report, settings["movement.compare_as_of"])
        else:
            return None
        return ms.movement_message(ms.add_movement(book, report, snapshot), snapshot)
    except WorkbookError as exc:
        option = "--previous" if previous is not None else "--compare-as-of" if as_of is not None else "movement"
        raise CommandError(f"{option}: {exc}") from None


def default_output(path: Path, language: str) -> Path:
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    tag = text("output_tag", language)
    return path.with_name(f"{path.stem}_{tag}{suffix}")


def _segment_file(args: argparse.Namespace) -> int:
    """Order lines in Parquet/CSV (or --engine duckdb/spark): xlcustseg.engines, not the workbook route."""
    from xlcustseg.engines.command import run
    from xlcustseg.engines.run import EngineError

    try:
        report = run(args.input, args.output, args.engine, _overrides(args))
    except EngineError as exc:
        raise CommandError(str(exc)) from None
    print(report.message())
    print(f"Output: {report.target}")
    return 0


def _explain(args: argparse.Namespace) -> int:
    """--explain ID: segment the workbook as `segment` does and print why one customer is in its classes;
    nothing is written."""
    from xlcustseg.engine.explain import NoSuchCustomer
    from xlcustseg.workbook.explaining import explain_customer
    from xlcustseg.workbook.files import open_book
    from xlcustseg.workbook.run import WorkbookError

    overrides = {**_overrides(args), **getattr(args, "extra", {})}
    try:
        book, _ = open_book(Path(args.input))
        print(explain_customer(book, overrides, args.sheet, args.explain))
    except (WorkbookError, NoSuchCustomer) as exc:
        raise CommandError(str(exc)) from None
    return 0


def _segment(args: argparse.Namespace) -> int:
    from xlcustseg.engines.command import wants_engine

    if getattr(args, "explain", None) is not None:
        return _explain(args)

    if wants_engine(args.input, getattr(args, "engine", None), args.output) and not getattr(args, "extra", None):
        return _segment_file(args)
    from xlcustseg.workbook import output_file
    from xlcustseg.workbook.files import conversion_note, open_book
    from xlcustseg.workbook.reading import notes
    from xlcustseg.workbook.run import WorkbookError, segment_book

    overrides = {**_overrides(args), **getattr(args, "extra", {})}
    source: Path = args.input
    with _Progress(source) as progress, contextlib.ExitStack() as held:
        try:
            real = _in_place(source, held) if args.in_place else None
            before = output_file.signature(real) if real is not None else None
            if args.output is not None:
                output_file.check_target(args.output)
                if args.output.exists():  # refused before the work rather than at the save
                    output_file.refuse_unwritable(args.output, "choose another output")
            progress("open")
            book, kind = open_book(source)
            macros = kind == "xlsx" and output_file.has_macros(source)
            if args.output is not None:
                output_file.check_target(args.output, macros)
            if args.in_place and kind != "xlsx":
                raise CommandError(f"--in-place needs an .xlsx or .xlsm file; {source.name} would be "
                                   "converted. Leave out --in-place to write a new .xlsx.")
            report = segment_book(book, overrides, sheet=args.sheet, progress=progress)
            moved = _movement(book, report, args)
        except WorkbookError as exc:  # in the run's language, else --lang (or the settings file's), else English
            raise CommandError(str(exc.in_language(overrides.get("language")))) from None
        progress("save")
        if real is None:
            target = args.output or default_output(source, report.result.language).with_suffix(
                ".xlsm" if macros else ".xlsx")
            if target.resolve() == source.resolve():
                raise CommandError("the output would overwrite the input; use --in-place for that, or another -o.")
        else:
            target = real  # through a symlink: the file it names is rewritten, the link stays
        try:
            if real is not None:
                if output_file.signature(real) != before:
                    raise CommandError(f"{source.name} changed while it was being segmented; nothing was "
                                       "written, run again.")
                backup = output_file.backup(source, real)
            output_file.save_atomic(book, target)
        except WorkbookError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"could not write {target}: {exc.strerror or exc}.") from None
    print(report.message())
    if moved:
        print(moved)
    for warning in report.result.warnings:
        print(f"Note: {warning}")
    lang = report.result.language
    for note in [*notes(source, lang), *([conversion_note(source, lang)] if kind == "converted" else [])]:
        print(f"Note: {note}")
    print(f"Output: {source if real is not None else target}")
    if real is not None:
        print(f"Backup: {backup}")
    return 0


def _in_place(source: Path, held: contextlib.ExitStack) -> Path:
    """The file --in-place rewrites (a symlink's target), locked for this run; CommandError if it may not be."""
    from xlcustseg.workbook import output_file

    if not source.exists():
        return source  # open_book says so in its sentence
    real = output_file.real_target(source)
    output_file.refuse_unwritable(real)
    held.enter_context(output_file.locked(real))
    return real


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
