"""The wheel is the product: build it (sdist, then the wheel from the sdist), install it into a
fresh virtual environment, and use it there — outside the checkout, without PYTHONPATH.

One module fixture does the slow part (build + venv + pip install); every test then runs
the installed command or the venv's python. Nothing here reads the checkout's data files:
samples come from `xlcustseg sample`, expected bytes from the wheel itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from venvs import checked, clean_env, fresh_venv

import xlcustseg

ROOT = Path(__file__).resolve().parents[1]
ZH, EN = "客户名单示例.xlsx", "orders_sample.xlsx"
BUNDLED = ("xlcustseg/data/catalogue.tsv", "xlcustseg/workbook_templates/summary_template.xlsx",
           f"xlcustseg/workbook_templates/{ZH}", f"xlcustseg/workbook_templates/{EN}",
           "xlcustseg/workbook_templates/lite/main.py", "xlcustseg/workbook_templates/lite/requirements.txt")


@dataclass(frozen=True)
class Installed:
    """The built distribution and the venv it is installed in."""

    wheel: Path
    sdist: Path
    venv: Path
    work: Path  # a folder outside the checkout, the cwd of every run
    modules: frozenset[str]  # the package's .py files in the checkout just before the build

    def run(self, *argv: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: int = 300) -> subprocess.CompletedProcess[str]:
        """Run `argv` with the venv's bin first on PATH, no PYTHONPATH, cwd outside the checkout."""
        return subprocess.run([str(a) for a in argv], cwd=cwd or self.work, env=clean_env(self.venv, **(env or {})),
                              capture_output=True, text=True, timeout=timeout)

    def command(self, *args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """The installed `xlcustseg` command."""
        return self.run(self.venv / "bin" / "xlcustseg", *args, cwd=cwd)

    def python(self, code: str, *args: str | Path,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """The venv's python running `code`."""
        return self.run(self.venv / "bin" / "python", "-c", code, *args, env=env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("install")
    dist, venv, work = base / "dist", base / "venv", base / "work"
    work.mkdir()
    modules = frozenset(p.relative_to(ROOT).as_posix() for p in (ROOT / "xlcustseg").rglob("*.py"))
    checked(subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], cwd=ROOT,
                       capture_output=True, text=True, timeout=600))
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in dist.iterdir())
    fresh_venv(venv, [wheels[0]], work)
    return Installed(wheels[0], sdists[0], venv, work, modules)


@pytest.fixture(scope="module")
def samples(installed: Installed) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`xlcustseg sample samples`, run once: what it printed and the folder."""
    return installed.command("sample", "samples"), installed.work / "samples"


def test_wheel_and_sdist_carry_every_file_read_at_run_time(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    assert set(BUNDLED) <= names, sorted(set(BUNDLED) - names)
    with tarfile.open(installed.sdist) as sdist:
        carried = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    templates = {n.replace("xlcustseg/workbook_templates/", "workbook_templates/") for n in BUNDLED}
    assert templates <= carried, sorted(templates - carried)


def test_wheel_holds_every_module_of_the_package(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    missing = sorted(installed.modules - names)
    assert not missing, f"missing from the wheel (add the subpackage to pyproject's packages): {missing}"


def test_the_venv_imports_its_own_copy(installed):
    done = checked(installed.python("import xlcustseg, xlcustseg.resources as r; print(xlcustseg.__file__); "
                                "print(r.templates() / 'summary_template.xlsx')"))
    package, template = (Path(line) for line in done.stdout.split())
    assert package.is_relative_to(installed.venv) and not package.is_relative_to(ROOT)
    assert template.is_relative_to(installed.venv) and template.is_file()


def test_version_is_the_package_version(installed):
    done = checked(installed.command("--version"))
    assert done.stdout.strip() == f"xlcustseg {xlcustseg.__version__}"
    assert installed.wheel.name == f"xlcustseg-{xlcustseg.__version__}-py3-none-any.whl"


def test_sample_writes_the_two_bundled_workbooks(installed, samples):
    done, folder = samples
    checked(done)
    wheel = zipfile.ZipFile(installed.wheel)
    for name in (ZH, EN):
        assert (folder / name).read_bytes() == wheel.read(f"xlcustseg/workbook_templates/{name}")
        assert name in done.stdout


@pytest.mark.parametrize(("name", "line", "output", "summary"), [
    (ZH, "已分层 2000 位客户", "客户名单示例_分层.xlsx", "分层汇总"),
    (EN, "Segmented 400 customers", "orders_sample_segmented.xlsx", "Summary"),
])
def test_segment_runs_on_each_sample(installed, samples, name, line, output, summary):
    _, folder = samples
    done = checked(installed.command("segment", folder / name))
    assert line in done.stdout
    sheets = openpyxl.load_workbook(folder / output, read_only=True).sheetnames
    assert summary in sheets, sheets


def test_addin_build_writes_the_xlam(installed):
    folder = installed.work / "addin"
    folder.mkdir()
    checked(installed.command("addin", "build", cwd=folder))
    assert (folder / "xlcustseg.xlam").stat().st_size > 0


def test_lite_build_writes_the_bundle(installed):
    checked(installed.command("lite", "build", "lite"))
    for name in ("main.py", "requirements.txt"):
        assert (installed.work / "lite" / name).stat().st_size > 0, name


JSON_BOOK_RUN = r"""
import datetime as dt, json, sys
from pathlib import Path
import openpyxl, xlwings as xw
import xlcustseg

def cell(value):
    if value is None:
        return ""
    if isinstance(value, dt.date):
        value = dt.datetime(value.year, value.month, value.day) if not isinstance(value, dt.datetime) else value
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return value

path = Path(sys.argv[1])
wb = openpyxl.load_workbook(path, data_only=True)
sheets = [{"name": ws.title, "values": [[cell(v) for v in r] for r in ws.iter_rows(values_only=True)] or [[]],
           "pictures": [], "tables": []} for ws in wb.worksheets]
book = xw.Book(json={"client": "Microsoft Office Scripts", "version": xw.__version__,
                     "book": {"name": path.name, "active_sheet_index": wb.index(wb.active), "selection": "A1"},
                     "names": [], "sheets": sheets})
xlcustseg.main(book)
writes = [a for a in book.json()["actions"] if a["func"] == "setValues"]
print(json.dumps({"file": xlcustseg.__file__, "writes": len(writes), "sheets": [s.name for s in book.sheets],
                  "written_sheets": sorted({a["sheet_position"] for a in writes}),
                  "headers": sorted({str(v) for a in writes if a["values"] for v in a["values"][0]})},
                 ensure_ascii=False))
"""


def test_one_click_run_on_a_json_book(installed, samples):
    _, folder = samples
    done = checked(installed.python(JSON_BOOK_RUN, folder / ZH, env={"XLWINGS_LICENSE_KEY": "noncommercial"}))
    data = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(data["file"]).is_relative_to(installed.venv)
    assert data["sheets"] == ["客户名单", "设置", "分层汇总", "数据质量"]
    assert {"客户等级", "RFM分群", "生命周期", "策略"} <= set(data["headers"]) and data["writes"] > 10
    assert data["written_sheets"] == [0, 1, 2, 3]  # table, settings, summary (bundled template), quality
