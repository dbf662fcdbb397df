"""The ribbon add-in built from the installed xlwings, and the xlwings Lite files."""

from __future__ import annotations

import re
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
import python_calamine
from oletools.olevba import VBA_Parser

from xlcustseg.cli import main as cli
from xlcustseg.excel.addin import AddinError, build, template_path

ROOT = Path(__file__).resolve().parents[1]
LITE = ROOT / "workbook_templates" / "lite"


@pytest.fixture(scope="module")
def addin(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("addin")
    assert cli(["addin", "build", "-o", str(folder)]) == 0
    return folder / "xlcustseg.xlam"


def test_ribbon_has_our_tab_and_button(addin):
    ui = zipfile.ZipFile(addin).read("customUI/customUI.xml").decode("utf-8")
    assert 'label="客户分层 / Segmentation"' in ui and 'label="一键分层 / Segment"' in ui
    assert 'onAction="RibbonMyAddin.RunMain"' in ui


def test_config_sheet_is_switched_on_with_our_udf_module(addin, tmp_path):
    copy = tmp_path / "addin.xlsm"  # calamine reads the add-in under a workbook name
    shutil.copy(addin, copy)
    book = python_calamine.CalamineWorkbook.from_path(str(copy))
    vba_project = next(line for _, _, _, code in VBA_Parser(str(addin)).extract_macros()
                       for line in code.splitlines() if "Const PROJECT_NAME" in line)
    project = re.search(r'"([^"]+)"', vba_project).group(1)
    assert book.sheet_names == [f"{project}.conf"]  # the sheet the VBA reads: PROJECT_NAME & ".conf"
    rows = book.get_sheet_by_name(f"{project}.conf").to_python()
    config = {r[0]: r[1] for r in rows}
    assert config["UDF Modules"] == "xlcustseg.excel.udfs"
    assert set(config) >= {"Interpreter_Win", "Interpreter_Mac", "PYTHONPATH"}


def test_vba_is_the_installed_xlwings_and_runs_our_main(addin):
    ours = {name: code for _, _, name, code in VBA_Parser(str(addin)).extract_macros()}
    theirs = {name: code for _, _, name, code in VBA_Parser(str(template_path())).extract_macros()}
    assert ours == theirs  # the VBA is untouched: it matches the installed xlwings
    run_main = ours["RibbonMyAddin.bas"]
    assert "Sub RunMain" in run_main and 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in run_main
    assert "ThisWorkbook.Name" in run_main  # mymodule = the file name: xlcustseg.xlam -> import xlcustseg
    assert addin.name == "xlcustseg.xlam"


def test_add_in_must_keep_its_name(tmp_path):
    with pytest.raises(AddinError, match=r"must be named xlcustseg\.xlam"):
        build(tmp_path / "other.xlam")


def test_install_says_what_to_do_off_windows_and_macos(capsys):
    if sys.platform in ("win32", "darwin"):
        pytest.skip("installs for real there")
    assert cli(["addin", "install"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0 and "Windows or macOS" in out
