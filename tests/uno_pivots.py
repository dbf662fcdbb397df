"""Run by tests/test_pivots.py under /usr/bin/python3 (where LibreOffice's `uno` module is), not by pytest.

usage: uno_pivots.py SOFFICE PROFILE_DIR FILE…

Starts one headless soffice listening on a pipe, opens each file through the
UNO API, and for every DataPilot table of every sheet prints (as one JSON
document on stdout) its name, its row, column and data fields, its source
range and its output cells before and after `refresh()`.
"""

import contextlib
import json
import os
import subprocess
import sys
import time

import uno  # LibreOffice's Python bridge: /usr/bin/python3 with python3-uno only
from com.sun.star.beans import PropertyValue


def _prop(name, value):
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _connect(pipe, proc):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(240):
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if proc.poll() is not None:
                raise RuntimeError(f"soffice ended with {proc.returncode}") from None
            time.sleep(0.5)
    raise RuntimeError("soffice did not answer on its pipe")


def _cells(sheet, address):
    block = sheet.getCellRangeByPosition(address.StartColumn, address.StartRow, address.EndColumn, address.EndRow)
    return [list(row) for row in block.getDataArray()]


def _names(fields):
    return [fields.getByIndex(i).getName() for i in range(fields.getCount())]


def _tables(doc):
    found = []
    sheets = doc.getSheets()
    for s in range(sheets.getCount()):
        sheet = sheets.getByIndex(s)
        pilots = sheet.getDataPilotTables()
        for name in pilots.getElementNames():
            table = pilots.getByName(name)
            before = _cells(sheet, table.getOutputRange())
            table.refresh()
            source = table.getSourceRange()
            found.append({
                "sheet": sheet.getName(), "name": name,
                "rows": _names(table.getRowFields()), "columns": _names(table.getColumnFields()),
                "data": _names(table.getDataFields()),
                "source": [sheets.getByIndex(source.Sheet).getName(), source.StartRow + 1, source.StartColumn + 1,
                           source.EndRow + 1, source.EndColumn + 1],
                "before": before, "after": _cells(sheet, table.getOutputRange()),
            })
    return found


def main(soffice, profile, files):
    pipe = f"xcs_pivots_{os.getpid()}"
    proc = subprocess.Popen([soffice, f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}", "--headless",
                             "--invisible", "--nologo", "--norestore", "--nodefault",
                             f"--accept=pipe,name={pipe};urp;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        context = _connect(pipe, proc)
        desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        out = {}
        for path in files:
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0,
                                               (_prop("Hidden", True),))
            if doc is None:
                raise RuntimeError(f"LibreOffice did not open {path}")
            try:
                out[path] = _tables(doc)
            finally:
                doc.close(True)
        json.dump(out, sys.stdout, ensure_ascii=False, default=str)
        with contextlib.suppress(Exception):  # the bridge goes down with soffice
            desktop.terminate()
    finally:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
