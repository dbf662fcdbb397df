"""The worksheet functions for desktop Excel (Windows), as the add-in imports them.

`UDF Modules = xlcustseg.excel.udfs` on the add-in's config sheet: the add-in's
VBA `ImportPythonUDFsToAddin` reads this module and writes a VBA wrapper for every
function here (Windows only; see docs/excel.md).
The functions themselves live in `xlcustseg.excel.functions`, shared with xlwings Lite.
"""

import xlwings as xw

from xlcustseg.excel.functions import CATEGORY, exported

globals().update(exported(xw.func, xw.arg, xw.ret, category=CATEGORY))

__all__ = ["custcluster", "custgrade", "custlifecycle", "custman", "custmove", "custnature",  # noqa: F822
           "custnextcontact", "custquadrant", "custrfm", "custrfmclass", "custscore", "custstrategy", "custtier"]
