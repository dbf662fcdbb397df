"""xlwings Lite: the bundle's functions and its one-click script, as Lite's runtime calls them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LITE = ROOT / "workbook_templates" / "lite"


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
