"""xlcustseg for xlwings Lite: the worksheet functions and the one-click run (一键分层 / Segment).

Paste this file into the main.py tab of the xlwings Lite editor, and
requirements.txt into its requirements.txt tab.

    =CUSTTIER(…) =CUSTRFM(…) =CUSTRFMCLASS(…) =CUSTLIFECYCLE(…) =CUSTQUADRANT(…) =CUSTMAN(…)
    =CUSTGRADE(…) =CUSTNEXTCONTACT(…) =CUSTSCORE(…) =CUSTNATURE(…) =CUSTSTRATEGY(…) =CUSTCLUSTER(…)
    script "segment": segments the table on the active sheet, as the desktop ribbon button does
      (for dated order lines also 活跃概率 / P(alive), 预计购买次数 / Expected Purchases and
      预计客户价值 / Predicted Value; when the settings sheet names a previous snapshot in
      movement.previous (a sheet of this workbook) or movement.compare_as_of (a date), also
      上期等级 / Previous Tier, 上期RFM分群 / Previous RFM Class, 等级变动 / Tier Change and
      the 迁移矩阵 / Movement sheet).

xlcustseg is not on PyPI, so this file carries it: xlcustseg __XLCUSTSEG_VERSION__ (__XLCUSTSEG_FILES__
files: its modules, the strategy catalogue and the summary template) as a zip,
base64-encoded at the end of this file. On import it is unpacked once into a
temporary folder and imported from there. Written by `xlcustseg lite build`;
do not edit the bundle by hand, build it again instead.
"""

import base64
import hashlib
import importlib
import io
import os
import shutil
import sys
import tempfile
import zipfile

import xlwings as xw
from xlwings import arg, func, ret, script

XLCUSTSEG_VERSION = "__XLCUSTSEG_VERSION__"
BUNDLE_SHA256 = "__XLCUSTSEG_SHA256__"


def _inside(module, folder):
    """Whether `module` was imported from `folder` (a namespace package has only __path__)."""
    places = [getattr(module, "__file__", None), *getattr(module, "__path__", [])]
    return any(p and os.path.abspath(p).startswith(folder + os.sep) for p in places)


def _unpack():
    """The bundled package as a folder first on sys.path; unpacked once per bundle."""
    folder = os.path.join(tempfile.gettempdir(), "xlcustseg-lite-" + BUNDLE_SHA256[:16])
    if not os.path.isfile(os.path.join(folder, "xlcustseg", "__init__.py")):
        data = base64.b64decode("".join(_BUNDLE.split()))
        if hashlib.sha256(data).hexdigest() != BUNDLE_SHA256:
            raise RuntimeError("main.py: the xlcustseg bundle in this file is damaged; run `xlcustseg lite build` again")
        staging = tempfile.mkdtemp(prefix="xlcustseg-lite-")
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(staging)
        try:
            os.replace(staging, folder)  # whole or not at all
        except OSError:  # unpacked meanwhile by another import of this file
            shutil.rmtree(staging, ignore_errors=True)
    for name in [m for m in sys.modules if m == "xlcustseg" or m.startswith("xlcustseg.")]:
        if not _inside(sys.modules[name], folder):  # another copy (an older bundle): forget it
            del sys.modules[name]
    if folder not in sys.path:
        sys.path.insert(0, folder)
    importlib.invalidate_caches()
    return folder


def _publish():
    """Bring the bundled xlcustseg in and make its worksheet functions this module's."""
    _unpack()
    from xlcustseg.excel.functions import exported

    globals().update(exported(func, arg, ret))


@script
def segment(book: xw.Book):
    """一键分层 / Segment: the classes of the table on the active sheet, a settings and a summary sheet."""
    import xlcustseg

    xlcustseg.main(book)


_BUNDLE = """
__XLCUSTSEG_BUNDLE__
"""

_publish()
