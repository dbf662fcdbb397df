"""The ribbon add-in built from the installed xlwings: its ribbon, its config sheet, the VBA that reads it, and doctor.

The VBA is read with oletools and searched for the very keys, paths and calls
docs/excel.md relies on, so an xlwings that renames one fails here.
"""

from __future__ import annotations

import platform
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import python_calamine
import xlwings
from oletools.olevba import VBA_Parser

from xlcustseg.cli import main as cli
from xlcustseg.excel import addin as addin_module
from xlcustseg.excel.addin import AddinError, build, template_path, user_config_file

KEYS = ("Interpreter_Win", "Interpreter_Mac", "UDF Modules")


@pytest.fixture(scope="module")
def addin(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("addin")
    assert cli(["addin", "build", "-o", str(folder)]) == 0
    return folder / "xlcustseg.xlam"


@pytest.fixture(scope="module")
def vba(addin) -> dict[str, str]:
    parser = VBA_Parser(str(addin))
    try:
        return {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def config_sheet(path: Path, folder: Path) -> tuple[list[str], dict[str, str]]:
    """(sheet names, key -> value of the .conf sheet), read by calamine independently of our code."""
    copy = folder / f"{path.stem}-{len(list(folder.iterdir()))}.xlsm"  # calamine reads it under a workbook name
    shutil.copy(path, copy)
    book = python_calamine.CalamineWorkbook.from_path(str(copy))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    return book.sheet_names, {row[0]: row[1] for row in rows}


def function(code: str, name: str) -> str:
    """The body of one VBA Function or Sub."""
    found = re.search(rf"^(?:Public |Private )?(?:Function|Sub) {name}\b.*?^End (?:Function|Sub)", code,
                      flags=re.S | re.M)
    assert found, f"{name} is gone from the VBA"
    return found.group(0)


def test_ribbon_has_our_tab_and_button(addin):
    ui = zipfile.ZipFile(addin).read("customUI/customUI.xml").decode("utf-8")
    assert 'label="客户分层 / Segmentation"' in ui and 'label="一键分层 / Segment"' in ui
    assert 'onAction="RibbonMyAddin.RunMain"' in ui


def test_config_sheet_is_switched_on_with_our_udf_module(addin, vba, tmp_path):
    project = re.search(r'Const PROJECT_NAME As String = "([^"]+)"', vba["xlwings.bas"]).group(1)
    names, config = config_sheet(addin, tmp_path)
    assert names == [f"{project}.conf"]  # the sheet the VBA reads: PROJECT_NAME & ".conf"
    assert config["UDF Modules"] == "xlcustseg.excel.udfs"
    assert set(config) >= {*KEYS, "PYTHONPATH"}


def test_the_build_names_this_python_under_this_platforms_key(addin, tmp_path):
    _, config = config_sheet(addin, tmp_path)
    key = {"win32": "Interpreter_Win", "darwin": "Interpreter_Mac"}.get(sys.platform)
    expected = {"Interpreter_Win": "", "Interpreter_Mac": ""} | ({key: sys.executable} if key else {})
    assert {k: config[k] for k in expected} == expected  # on Linux neither: a Linux path is no use to Excel


@pytest.mark.parametrize(("where", "key"), [("win32", "Interpreter_Win"), ("darwin", "Interpreter_Mac"),
                                            ("linux", None)])
def test_each_platform_gets_this_python_under_its_own_key(tmp_path, where, key):
    _, config = config_sheet(build(tmp_path, platform=where), tmp_path)
    for name in ("Interpreter_Win", "Interpreter_Mac"):
        assert config[name] == (sys.executable if name == key else "")


def test_explicit_interpreters_win_over_this_python(tmp_path, capsys):
    win, mac = r"C:\Program Files\Python & co\python.exe", "/opt/homebrew/bin/python3"
    assert cli(["addin", "build", "-o", str(tmp_path), "--interpreter-win", win, "--interpreter-mac", mac]) == 0
    _, config = config_sheet(tmp_path / "xlcustseg.xlam", tmp_path)
    assert (config["Interpreter_Win"], config["Interpreter_Mac"]) == (win, mac)
    out = capsys.readouterr().out
    assert f"Interpreter_Win = {win}" in out and f"Interpreter_Mac = {mac}" in out
    _, config = config_sheet(build(tmp_path, interpreter_mac=mac, platform="darwin"), tmp_path)
    assert config["Interpreter_Mac"] == mac


def test_the_vba_reads_the_keys_we_write(vba):
    code = vba["xlwings.bas"]
    sheet = function(code, "GetConfigFromSheet")
    assert 'Set sht = wb.Sheets(PROJECT_NAME & ".conf")' in sheet
    assert "d.Add UCase(cell.Value), cell.Offset(0, 1).Value" in sheet  # keys compared in upper case
    for key in KEYS:
        assert f'GetConfig("{key.upper()}"' in code, key
    run_python = function(code, "RunPython")
    assert re.search(r'#If Mac Then\s+interpreter = GetConfig\("INTERPRETER_MAC", ""\)\s+#Else\s+'
                     r'interpreter = GetConfig\("INTERPRETER_WIN", ""\)', run_python)
    assert 'interpreter = GetConfig("INTERPRETER", "python")' in run_python  # a blank key falls back to this
    functions_python = function(code, "XLPyCommand")  # the Python the worksheet functions run in
    assert 'PYTHON_WIN = GetConfig("INTERPRETER_WIN", "")' in functions_python
    assert 'PYTHON_WIN = GetConfig("INTERPRETER", "pythonw")' in functions_python
    assert 'GetUdfModules = GetConfig("UDF MODULES")' in function(code, "GetUdfModules")


def test_config_precedence_and_the_user_config_file(vba, monkeypatch, tmp_path):
    code = vba["xlwings.bas"]
    get_config = function(code, "GetConfig")
    order = ['SheetExists(ActiveWorkbook, PROJECT_NAME & ".conf")', 'SheetExists(ThisWorkbook, PROJECT_NAME & ".conf")',
             "FileExists(GetDirectoryConfigFilePath())", "FileExists(GetConfigFilePath())", "GetConfig = default"]
    assert [get_config.index(step) for step in order] == sorted(get_config.index(step) for step in order)
    assert "GetConfigFromSheet(ThisWorkbook).Exists(configKey) = True" in get_config  # a blank sheet key still wins
    files = function(code, "GetConfigFilePath")
    assert 'GetConfigFilePath = Environ("USERPROFILE") & "\\." & PROJECT_NAME & "\\" & PROJECT_NAME & ".conf"' in files
    assert 'GetConfigFilePath = GetMacDir("$HOME", False) & "/" & PROJECT_NAME & ".conf"' in files
    assert "~/Library/Containers/com.microsoft.Excel/Data/" in files  # the sandbox home GetMacDir gives
    assert 'GetDirectoryPath(ActiveWorkbook) & pathSeparator & PROJECT_NAME & ".conf"' in code
    monkeypatch.setenv("USERPROFILE", r"C:\Users\li")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert str(user_config_file("myaddin", "win32")) == r"C:\Users\li\.myaddin\myaddin.conf"
    sandbox = tmp_path / "Library" / "Containers" / "com.microsoft.Excel" / "Data"
    assert user_config_file("myaddin", "darwin") == sandbox / "myaddin.conf"
    assert user_config_file("myaddin", "linux") is None


def test_vba_is_the_installed_xlwings_and_runs_our_main(addin, vba):
    parser = VBA_Parser(str(template_path()))
    theirs = {name: code for _, _, name, code in parser.extract_macros()}
    parser.close()
    assert vba == theirs  # the VBA is untouched: it matches the installed xlwings
    run_main = vba["RibbonMyAddin.bas"]
    assert "Sub RunMain" in run_main and 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in run_main
    assert "ThisWorkbook.Name" in run_main  # mymodule = the file name: xlcustseg.xlam -> import xlcustseg
    assert addin.name == "xlcustseg.xlam"
    assert f'XLWINGS_VERSION As String = "{xlwings.__version__}"' in vba["xlwings.bas"]


def test_functions_import_into_the_addin_itself_on_windows_only(vba):
    code = vba["xlwings.bas"]
    assert "ImportPythonUDFsBase addin:=True" in function(code, "ImportPythonUDFsToAddin")
    base = function(code, "ImportPythonUDFsBase")
    assert "Set wb = ThisWorkbook" in base and 'XLPy.Module("xlwings"), "import_udfs"' in base
    assert "GetUdfModules(wb)" in base
    if sys.platform != "win32":  # xlwings/__init__.py: import_udfs is pywin32's, elsewhere a stub that raises
        assert xlwings.import_udfs.__name__ == "raise_missing_pywin32"


def test_addin_install_is_xlwings_copy_to_the_startup_folder():
    import inspect

    import xlwings.cli

    source = inspect.getsource(xlwings.cli._addin_install)
    assert "get_addin_dir(global_location)" in source and "shutil.copyfile" in source
    assert "runpython_install(None)" in source  # macOS: the AppleScript RunPython needs
    assert "startup_path" in inspect.getsource(xlwings.cli.get_addin_dir)


def test_the_other_xlwings_facts_docs_excel_md_cites(vba):
    import inspect

    import xlwings.cli

    source = Path(xlwings.__file__).parent
    assert 'AppleScriptTask("xlwings-" & XLWINGS_VERSION & ".applescript"' in function(vba["xlwings.bas"], "ExecuteMac")
    assert 'f"xlwings-{xw.__version__}.applescript"' in inspect.getsource(xlwings.cli.runpython_install)
    assert "xl_workbook.VBProject.VBComponents.Import(tf.name)" in (source / "udfs.py").read_text()  # Trust access
    ribbon = (source / "addin" / "RibbonXlwings.bas").read_text()
    assert "ImportPythonUDFs\n" in ribbon.replace("\r", "") and "Sub ImportFunctions" in ribbon
    assert "Set wb = ActiveWorkbook" in function((source / "addin" / "Main.bas").read_text(), "ImportPythonUDFsBase")
    create = inspect.getsource(xlwings.cli.config_create)
    assert '"INTERPRETER_{}","{}"' in create and "sys.executable" in create
    assert 'addin_name == "xlwings.xlam"' in inspect.getsource(xlwings.cli._addin_install)  # only then config_create
    if sys.platform != "darwin":
        assert Path(xlwings.USER_CONFIG_FILE) == Path.home() / ".xlwings" / "xlwings.conf"
    assert "xlwings.conf" not in function(vba["xlwings.bas"], "GetConfig").replace("xlwings.conf sheet", "")


def test_add_in_must_keep_its_name(tmp_path):
    with pytest.raises(AddinError, match=r"must be named xlcustseg\.xlam"):
        build(tmp_path / "other.xlam")


def test_install_says_what_to_do_off_windows_and_macos(capsys):
    if sys.platform in ("win32", "darwin"):
        pytest.skip("installs for real there")
    assert cli(["addin", "install"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0 and "Windows or macOS" in out


def test_install_reports_what_xlwings_printed_when_it_failed(monkeypatch, tmp_path, capsys):
    said = "Error: Failed to install the add-in: If Excel is running, quit Excel and try again."
    calls = []

    def run(command, **_):
        calls.append(command)
        return subprocess.CompletedProcess(command, 0, stdout=said + "\n", stderr="")

    monkeypatch.setattr(addin_module.subprocess, "run", run)
    monkeypatch.setattr(addin_module.sys, "platform", "win32")
    monkeypatch.setattr(addin_module.tempfile, "mkdtemp", lambda: str(tmp_path))
    assert cli(["addin", "install"]) == 1
    assert said in capsys.readouterr().err
    assert calls == [[sys.executable, "-m", "xlwings.cli", "addin", "install", "--file",
                      str(tmp_path / "xlcustseg.xlam")]]


def doctor(capsys) -> list[str]:
    assert cli(["doctor"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(line.startswith(("OK ", "FIX ")) for line in lines[1:]), lines
    return lines


def test_doctor_says_python_xlwings_and_the_functions(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    lines = doctor(capsys)
    assert any(line.startswith(f"OK  Python {platform.python_version()}") and line.endswith(f": {sys.executable}")
               for line in lines), lines
    assert f"OK  xlwings {xlwings.__version__}" in lines
    from xlcustseg.excel.functions import FUNCTIONS

    assert f"OK  xlcustseg.excel.udfs imports: {len(FUNCTIONS)} worksheet functions." in lines
    assert any(line.startswith("FIX no xlcustseg.xlam in ") for line in lines), lines


def test_doctor_finds_a_built_addin_and_checks_its_vba_version(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert cli(["addin", "build"]) == 0
    capsys.readouterr()
    lines = doctor(capsys)
    assert f"OK  add-in found: {tmp_path / 'xlcustseg.xlam'}" in lines
    assert f"OK  xlcustseg.xlam's VBA is xlwings {xlwings.__version__}, matching the installed xlwings." in lines
    assert any(line.startswith("OK  xlcustseg.xlam myaddin.conf sheet: ") and "UDF Modules = xlcustseg.excel.udfs"
               in line for line in lines), lines
    monkeypatch.setattr(xlwings, "__version__", "9.9.9")
    assert any(line.startswith(f"FIX xlcustseg.xlam's VBA is xlwings {xlwings_version()} but xlwings 9.9.9")
               for line in doctor(capsys))


def xlwings_version() -> str:
    return re.search(r'XLWINGS_VERSION As String = "([^"]+)"',
                     (Path(xlwings.__file__).parent / "xlwings_custom_addin.bas").read_text()).group(1)


def test_doctor_names_the_interpreter_of_a_config_file_and_never_raises(capsys, monkeypatch, tmp_path):
    conf = tmp_path / "xlwings.conf"
    conf.write_text('"INTERPRETER_WIN","C:\\Python311\\python.exe"\n"LICENSE_KEY","x"\n', encoding="utf-8")
    monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", str(conf))
    monkeypatch.chdir(tmp_path)
    assert cli(["addin", "build"]) == 0
    capsys.readouterr()

    def broken(_):
        raise OSError("disk gone")

    monkeypatch.setattr("xlcustseg.excel.doctor.read_config", broken)
    lines = doctor(capsys)
    assert any(line.startswith(f"OK  {conf} (the xlwings add-in's") and
               line.endswith("names interpreter_win = C:\\Python311\\python.exe.") for line in lines), lines
    assert any(line.startswith("FIX the add-in's config sheet: the check itself failed (OSError: disk gone)")
               for line in lines), lines
