"""`xlcustseg doctor`: what a support call needs, one line per fact.

Every line starts with OK or FIX and says, in one sentence, what was found or
what is wrong and what to do. Nothing here raises: a check that fails to run
becomes a FIX line. Runs anywhere (on Linux the Excel-only places are skipped).
"""

from __future__ import annotations

import os
import platform as platform_module
import re
import struct
import sys
from collections.abc import Callable
from pathlib import Path

from xlcustseg.excel.addin import (
    ADDIN_NAME,
    MAC_CONTAINER,
    PLATFORM_KEYS,
    UDF_MODULE,
    project_name,
    read_config,
    user_config_file,
)

OK, FIX = "OK ", "FIX"
MAC_STARTUP = Path("Library", "Group Containers", "UBF8T346G9.Office", "User Content.localized",
                   "Startup.localized", "Excel")
INTERPRETER_KEYS = ("interpreter_win", "interpreter_mac", "interpreter")


def report() -> str:
    """The doctor's lines, a heading first."""
    lines = ["xlcustseg doctor: paste these lines into a support request."]
    for check in (_python, _packages, _addins, _config_files, _applescript, _udfs):
        lines += _safely(check)
    return "\n".join(lines)


def _safely(check: Callable[..., list[str]], *args: object) -> list[str]:
    try:
        return check(*args)
    except Exception as exc:
        return [f"{FIX} {check.__doc__}: the check itself failed ({type(exc).__name__}: {exc}); please report it."]


def _python() -> list[str]:
    """Python"""
    bits = struct.calcsize("P") * 8
    return [f"{OK} Python {platform_module.python_version()} ({bits}-bit): {sys.executable}",
            f"{OK} System: {platform_module.platform()}"]


def _packages() -> list[str]:
    """xlcustseg and xlwings versions"""
    from xlcustseg import __version__

    lines = [f"{OK} xlcustseg {__version__}"]
    try:
        import xlwings
    except Exception as exc:
        return [*lines, f"{FIX} xlwings does not import ({type(exc).__name__}: {exc}): pip install xlwings."]
    return [*lines, f"{OK} xlwings {xlwings.__version__}"]


def startup_folder(platform: str | None = None) -> Path | None:
    """Excel's user startup folder (Application.StartupPath), where `xlwings addin install` copies add-ins."""
    platform = platform or sys.platform
    if platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"], "Microsoft", "Excel", "XLSTART")
    if platform == "darwin":
        return Path.home() / MAC_STARTUP
    return None


def _addins() -> list[str]:
    """the add-in"""
    folders = [Path.cwd(), *filter(None, [startup_folder()])]
    found = [folder / ADDIN_NAME for folder in folders if (folder / ADDIN_NAME).is_file()]
    if not found:
        where = " or ".join(str(folder) for folder in folders)
        return [f"{FIX} no {ADDIN_NAME} in {where}: run `xlcustseg addin build`, then `xlcustseg addin install`."]
    lines = []
    for addin in found:
        lines += [f"{OK} add-in found: {addin}", *_safely(_vba_version, addin), *_safely(_addin_config, addin)]
    return lines


def _installed_xlwings() -> str:
    try:
        import xlwings
    except Exception:
        return "none"
    return xlwings.__version__


def _vba_version(addin: Path) -> list[str]:
    """the add-in's VBA version"""
    installed = _installed_xlwings()
    try:
        from oletools.olevba import VBA_Parser
    except ImportError:
        return [_same_vba_as_template(addin, installed)]
    parser = VBA_Parser(str(addin))
    try:
        code = "\n".join(code for *_, code in parser.extract_macros())
    finally:
        parser.close()
    found = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', code)
    if not found:
        return [f"{FIX} {addin.name}'s VBA carries no XLWINGS_VERSION: it is not an xlwings add-in; rebuild it."]
    if found.group(1) != installed:
        return [f"{FIX} {addin.name}'s VBA is xlwings {found.group(1)} but xlwings {installed} is installed: "
                "rebuild and reinstall it (`xlcustseg addin install`)."]
    return [f"{OK} {addin.name}'s VBA is xlwings {found.group(1)}, matching the installed xlwings."]


def _same_vba_as_template(addin: Path, installed: str) -> str:
    """Without oletools: the add-in's vbaProject.bin against the installed xlwings' template."""
    import zipfile

    from xlcustseg.excel.addin import template_path

    with zipfile.ZipFile(addin) as ours, zipfile.ZipFile(template_path()) as theirs:
        same = ours.read("xl/vbaProject.bin") == theirs.read("xl/vbaProject.bin")
    if same:
        return f"{OK} {addin.name}'s VBA is the installed xlwings {installed}'s, byte for byte."
    return (f"{FIX} {addin.name}'s VBA differs from the installed xlwings {installed}'s template (after Import "
            "Functions it always does): `pip install oletools` lets doctor read its version, or rebuild it.")


def _addin_config(addin: Path) -> list[str]:
    """the add-in's config sheet"""
    project, config = read_config(addin)
    shown = ", ".join(f"{key} = {config.get(key) or '(blank)'}" for key in (*PLATFORM_KEYS.values(), "UDF Modules"))
    lines = [f"{OK} {addin.name} {project}.conf sheet: {shown}."]
    if config.get("UDF Modules") != UDF_MODULE:
        lines.append(f"{FIX} {addin.name} does not name UDF Modules = {UDF_MODULE}: rebuild it.")
    key = PLATFORM_KEYS.get(sys.platform)
    if key:
        lines.append(_interpreter_line(f"{addin.name}'s {key}", config.get(key, "")))
    return lines


def _interpreter_line(what: str, interpreter: str) -> str:
    if not interpreter:
        return f"{OK} {what} is blank: Excel falls back to the Interpreter setting, then python on the PATH."
    path = Path(os.path.expandvars(interpreter))
    if not path.is_file():
        return f"{FIX} {what} names {interpreter}, which does not exist here: rebuild the add-in from your Python."
    this = " (this Python)" if path.resolve() == Path(sys.executable).resolve() else " (not this Python)"
    return f"{OK} {what} names {interpreter}{this}."


def _config_files() -> list[str]:
    """the config files"""
    import xlwings

    project = _project()
    lines = []
    user = user_config_file(project)
    if user is None:
        lines.append(f"{OK} the add-in's user config file: none on this platform (Windows: %USERPROFILE%\\.{project}"
                     f"\\{project}.conf, macOS: ~/{MAC_CONTAINER.as_posix()}/{project}.conf).")
    else:
        lines.append(_config_file_line(Path(user), "the add-in's user config file; the add-in's sheet wins"))
    directory = Path.cwd() / f"{project}.conf"
    if directory.is_file():
        lines.append(_config_file_line(directory, "read for workbooks in this folder; the add-in's sheet wins"))
    xlwings_role = f"the xlwings add-in's; {ADDIN_NAME} does not read it"
    lines.append(_config_file_line(Path(xlwings.USER_CONFIG_FILE), xlwings_role))
    return lines


def _project() -> str:
    """PROJECT_NAME of the add-in's VBA: from the installed xlwings' template."""
    from xlcustseg.excel.addin import template_path

    return project_name(template_path())


def _config_file_line(path: Path, role: str) -> str:
    if not path.is_file():
        return f"{OK} {path}: none ({role})."
    values = _read_config_file(path)
    named = [f"{key} = {values[key]}" for key in INTERPRETER_KEYS if key in values]
    return f"{OK} {path} ({role}) names {', '.join(named) if named else 'no interpreter'}."


def _read_config_file(path: Path) -> dict[str, str]:
    """Its "KEY","VALUE" lines (as the VBA's Write # leaves them), keys in lower case."""
    values = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        quoted = re.findall(r'"([^"]*)"', line)
        if len(quoted) >= 2:
            values[quoted[0].strip().lower()] = quoted[1]
    return values


def _applescript() -> list[str]:
    """the RunPython AppleScript"""
    if sys.platform != "darwin":
        return []
    version = _installed_xlwings()
    script = Path.home() / "Library" / "Application Scripts" / "com.microsoft.Excel" / f"xlwings-{version}.applescript"
    if script.is_file():
        return [f"{OK} {script} is there: the ribbon button can run Python."]
    return [f"{FIX} {script} is missing, so the ribbon button cannot run Python: run `xlcustseg addin install`."]


def _udfs() -> list[str]:
    """the worksheet functions"""
    try:
        import importlib

        module = importlib.import_module(UDF_MODULE)
    except Exception as exc:
        return [f"{FIX} {UDF_MODULE} does not import ({type(exc).__name__}: {exc}): reinstall xlcustseg."]
    count = sum(callable(getattr(module, name, None)) for name in getattr(module, "__all__", ()))
    return [f"{OK} {UDF_MODULE} imports: {count} worksheet functions."]
