"""Building the xlcustseg.xlam ribbon add-in from the installed xlwings' own template.

The add-in's VBA is tied to the xlwings version that ships it, so we never
commit an .xlam: `xlcustseg addin build` copies the installed
`quickstart_addin_ribbon.xlam` and patches, with zipfile only (the VBA stays
byte for byte):
- customUI/customUI.xml: our tab 客户分层 / Segmentation with the one-click
  button (its callback, RibbonMyAddin.RunMain, runs
  `import <file name>; <file name>.main()`, so the file must be xlcustseg.xlam);
- the config sheet the VBA reads (`<PROJECT_NAME>.conf`; the template ships it
  switched off as `_myaddin.conf`): switched on, with Interpreter_Win /
  Interpreter_Mac (see `interpreters`) and UDF Modules = xlcustseg.excel.udfs.

How the VBA (xlwings 0.37.8, module `xlwings`) finds a setting, `GetConfig`:
the active workbook's `myaddin.conf` sheet, then the add-in's own sheet, then
`myaddin.conf` in the active workbook's folder, then the user file
(`user_config_file`), then its default. A key the add-in's sheet lists wins
even when blank, so the files only count for keys the sheet does not list.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PureWindowsPath
from xml.sax.saxutils import escape

ADDIN_NAME = "xlcustseg.xlam"
UDF_MODULE = "xlcustseg.excel.udfs"
PLATFORM_KEYS = {"win32": "Interpreter_Win", "darwin": "Interpreter_Mac"}
MAC_CONTAINER = Path("Library", "Containers", "com.microsoft.Excel", "Data")
CUSTOM_UI = """<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">
    <ribbon>
        <tabs>
            <tab id="xlcustsegTab" label="客户分层 / Segmentation">
                <group id="xlcustsegGroup" label="xlcustseg">
                    <button id="xlcustsegSegment" label="一键分层 / Segment" size="large"
                            screentip="一键分层 / Segment"
                            supertip="为当前工作表的客户表分层 / Segment the table on the active sheet"
                            onAction="RibbonMyAddin.RunMain" imageMso="PivotTableLayoutReportLayout" />
                </group>
            </tab>
        </tabs>
    </ribbon>
</customUI>
"""


class AddinError(RuntimeError):
    """One sentence saying why the add-in cannot be built or installed."""


def template_path() -> Path:
    """The installed xlwings' ribbon add-in template."""
    import xlwings

    path = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"
    if not path.exists():
        raise AddinError(f"the installed xlwings {xlwings.__version__} has no ribbon add-in template ({path.name}).")
    return path


def interpreters(win: str | None = None, mac: str | None = None, platform: str | None = None) -> dict[str, str]:
    """Interpreter_Win and Interpreter_Mac for the config sheet.

    An explicit path wins; otherwise the Python running this goes under the key
    of `platform` (default: this one), as `xlwings config create` does. On any
    other platform (Linux: we build there for tests only) neither key gets it, a
    Linux path being no use to Excel: a blank key makes the VBA fall back to the
    `Interpreter` key of the config files, then to python (button) / pythonw
    (worksheet functions) on the PATH.
    """
    values = {"Interpreter_Win": win or "", "Interpreter_Mac": mac or ""}
    key = PLATFORM_KEYS.get(platform or sys.platform)
    if key and not values[key]:
        values[key] = sys.executable
    return values


def build(output: Path | None = None, *, interpreter_win: str | None = None, interpreter_mac: str | None = None,
          platform: str | None = None) -> Path:
    """Write xlcustseg.xlam (to `output`, a file or a folder; default: the current folder).

    Its config sheet gets `interpreters(interpreter_win, interpreter_mac, platform)`
    and UDF Modules = xlcustseg.excel.udfs.
    """
    target = _target(output)
    with zipfile.ZipFile(template_path()) as source:
        infos = source.infolist()
        parts = {item.filename: source.read(item) for item in infos}
    sheet_part, old_name, project = _config_sheet(parts)
    config = {**interpreters(interpreter_win, interpreter_mac, platform), "UDF Modules": UDF_MODULE}
    parts["customUI/customUI.xml"] = CUSTOM_UI.encode("utf-8")
    parts[sheet_part] = _set_config(parts[sheet_part].decode("utf-8"), parts, config).encode("utf-8")
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        f'name="{old_name}"'.encode(), f'name="{project}.conf"'.encode())
    handle, tmp = tempfile.mkstemp(suffix=".xlam", dir=target.parent)
    os.close(handle)
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for item in infos:
            out.writestr(item, parts[item.filename])
    Path(tmp).replace(target)
    return target


def _target(output: Path | None) -> Path:
    target = Path(output) if output else Path.cwd() / ADDIN_NAME
    if target.is_dir() or target.suffix == "":
        target = target / ADDIN_NAME
    if target.name != ADDIN_NAME:
        raise AddinError(f"the add-in must be named {ADDIN_NAME}: its VBA imports the module named like the file.")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def project_name(addin: Path) -> str:
    """The VBA's PROJECT_NAME of an add-in (or its template), read from its config sheet's name."""
    with zipfile.ZipFile(addin) as book:
        return _config_sheet({name: book.read(name) for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")})[2]


def read_config(addin: Path) -> tuple[str, dict[str, str]]:
    """(the VBA's PROJECT_NAME, the switched-on config sheet as key -> text) of a built add-in."""
    import python_calamine

    project = project_name(addin)
    with open(addin, "rb") as handle:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
    if f"{project}.conf" not in workbook.sheet_names:
        raise AddinError(f"{Path(addin).name} has no switched-on {project}.conf sheet; rebuild it.")
    rows = workbook.get_sheet_by_name(f"{project}.conf").to_python()
    return project, {str(row[0]): str(row[1]) for row in rows if len(row) > 1 and row[0] != ""}


def user_config_file(project: str, platform: str | None = None) -> Path | PureWindowsPath | None:
    """The user config file the add-in's VBA reads (`GetConfigFilePath`), or None where no Excel runs.

    Windows: %USERPROFILE%\\.<project>\\<project>.conf; macOS: <project>.conf
    in Excel's sandbox home, ~/Library/Containers/com.microsoft.Excel/Data.
    """
    platform = platform or sys.platform
    if platform == "win32":
        home = os.environ.get("USERPROFILE") or str(Path.home())
        return (Path if sys.platform == "win32" else PureWindowsPath)(home, f".{project}", f"{project}.conf")
    if platform == "darwin":
        return Path.home() / MAC_CONTAINER / f"{project}.conf"
    return None


def _config_sheet(parts: dict[str, bytes]) -> tuple[str, str, str]:
    """(part of the config sheet, its name in the template, the VBA's PROJECT_NAME)."""
    from xlcustseg.workbook.ooxml import sheet_parts

    sheets = sheet_parts(parts.__getitem__)
    name = next((n for n in sheets if n.endswith(".conf")), None)
    if name is None:
        raise AddinError("the xlwings add-in template has no .conf sheet; this xlwings version is not supported.")
    return sheets[name], name, name.removeprefix("_").removesuffix(".conf")


def _shared_strings(parts: dict[str, bytes]) -> list[str]:
    text = parts.get("xl/sharedStrings.xml", b"").decode("utf-8")
    return [re.sub(r"<[^>]+>", "", si) for si in re.findall(r"<si>(.*?)</si>", text, flags=re.S)]


def _set_config(sheet: str, parts: dict[str, bytes], config: dict[str, str]) -> str:
    """Put each non-blank value in column B of the row whose column A holds its key."""
    strings = _shared_strings(parts)
    for key, value in config.items():
        if key not in strings:
            raise AddinError(f"the add-in template's config sheet has no '{key}' row.")
        index = strings.index(key)
        row = re.search(rf'<row r="(\d+)"[^>]*>(?:(?!</row>).)*?<c r="A\1"[^>]*t="s"[^>]*><v>{index}</v></c>',
                        sheet, flags=re.S)
        if not row:
            raise AddinError(f"the add-in template's config sheet has no '{key}' row.")
        if value:
            sheet = _set_cell(sheet, row.group(1), value)
    return sheet


def _set_cell(sheet: str, number: str, value: str) -> str:
    cell = f'<c r="B{number}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    start = sheet.index(f'<row r="{number}"')
    end = sheet.index("</row>", start)
    body = re.sub(rf'<c r="B{number}"[^>]*?(/>|>.*?</c>)', "", sheet[start:end], flags=re.S)
    body = re.sub(r'spans="\d+:\d+"', 'spans="1:2"', body)
    return sheet[:start] + body + cell + sheet[end:]


def install(path: Path | None = None, *, interpreter_win: str | None = None,
            interpreter_mac: str | None = None) -> str:
    """Build the add-in and install it with this Python's `xlwings addin install`; off Windows/macOS say what to do.

    xlwings copies it into Excel's startup folder (Application.StartupPath,
    XLSTART) and on macOS installs its RunPython AppleScript. It prints its
    failures instead of exiting with an error, so its output is checked.
    """
    if sys.platform not in PLATFORM_KEYS:
        return ("Excel add-ins install on Windows or macOS only: copy xlcustseg.xlam there and run "
                "`xlcustseg addin install` (see docs/excel.md).")
    addin = build(path or Path(tempfile.mkdtemp()) / ADDIN_NAME,
                  interpreter_win=interpreter_win, interpreter_mac=interpreter_mac)
    done = subprocess.run([sys.executable, "-m", "xlwings.cli", "addin", "install", "--file", str(addin)],
                          capture_output=True, text=True, check=False)
    said = " ".join((done.stdout + done.stderr).split())
    if done.returncode or "Successfully installed" not in said:
        raise AddinError(f"`xlwings addin install` did not install {ADDIN_NAME}: {said or 'it printed nothing'}")
    return (f"Installed {ADDIN_NAME} into Excel's startup folder: restart Excel and look for the "
            "客户分层 / Segmentation tab.")
