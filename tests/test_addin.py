"""The ribbon add-in built from the installed xlwings, and the xlwings Lite files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
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


LITE_SCRIPT = r"""
import asyncio, json, os, sys
os.environ["XLWINGS_ON_SERVER"] = "true"
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
import xlwings as xw
from xlwings.server import custom_functions_call, custom_functions_meta, custom_scripts_call
import main as lite
import jsonbook
from xlcustseg.excel import udfs
meta = custom_functions_meta(lite)
def call(name, *args):
    data = {"func_name": name, "args": list(args), "caller_address": "Sheet1!A1", "formula_name": name.upper(),
            "version": xw.__version__, "runtime": "1.4", "culture_info_name": "zh-CN", "date_format": "yyyy/m/d",
            "client": "Office.js"}
    return asyncio.run(custom_functions_call(data, lite))
calls = {"custtier": call("custtier", [[100], [50], ["x"]]), "custnature": call("custnature", [["北京大学"]])}
direct = {"custtier": udfs.custtier([[100], [50], ["x"]]), "custnature": udfs.custnature([["北京大学"]])}
book = jsonbook.book(jsonbook.Path(sys.argv[3]))
asyncio.run(custom_scripts_call(lite, "segment", typehint_to_value={xw.Book: book}))  # as Lite runs a script
actions = book.json()["actions"]
print(json.dumps({"names": [f["name"] for f in meta["functions"]], "calls": calls, "direct": direct,
                  "sheets": [s.name for s in book.sheets], "writes": sum(a["func"] == "setValues" for a in actions)},
                 ensure_ascii=False, default=str))
"""


def test_lite_exposes_the_functions_and_the_one_click_script():
    env = {**os.environ, "XLWINGS_LICENSE_KEY": "noncommercial"}
    sample = ROOT / "workbook_templates" / "orders_sample.xlsx"
    done = subprocess.run([sys.executable, "-c", LITE_SCRIPT, str(LITE), str(ROOT / "tests"), str(sample)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"CUSTTIER", "CUSTRFM", "CUSTSTRATEGY", "CUSTCLUSTER", "CUSTNEXTCONTACT"} <= set(data["names"])
    assert data["calls"] == data["direct"]
    assert data["sheets"] == ["Orders", "Customers", "Settings", "Summary"] and data["writes"] > 20
    assert (LITE / "requirements.txt").read_text().split() == ["xlcustseg"]
