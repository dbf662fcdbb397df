"""The 透视 / Pivots sheet of the file route: real PivotTables, checked in LibreOffice through its UNO API.

One headless soffice (tests/uno_pivots.py under /usr/bin/python3, where
LibreOffice's `uno` module lives) opens every output, finds its DataPilot
tables, refreshes each and reads its cells; every figure is compared with pandas
over the columns of the table the pivot cache reads (the Excel Table the run
made or grew). Also: the outputs open in openpyxl with the Table over the right
range and columns; a second run and --in-place twice leave exactly our three
PivotTables and one cache of ours, and the user's own pivot table and cache
come out byte for byte.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from libreoffice import soffice
from test_package_book import rich_workbook

from xlcustseg.cli import main as cli
from xlcustseg.i18n import PIVOT_TEXTS
from xlcustseg.samples import write_samples
from xlcustseg.workbook import pivots

UNO_SCRIPT = Path(__file__).with_name("uno_pivots.py")
SYSTEM_PYTHON = "/usr/bin/python3"
OURS = {"xlcustseg_by_tier", "xlcustseg_tier_rfm", "xlcustseg_lifecycle_tier"}
USER_PIVOT = ("xl/pivotTables/pivotTable1.xml", "xl/pivotCache/pivotCacheDefinition1.xml")
TOTAL = "Total Result"  # how LibreOffice labels a grand total
BLANK = "(empty)"  # … and a blank item


def _uno() -> str:
    """soffice, with LibreOffice's Python bridge importable by the system Python (CI fails without, else skip)."""
    binary = soffice()
    done = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True) \
        if Path(SYSTEM_PYTHON).exists() else None
    if done is None or done.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice's UNO bridge is required under CI: scripts/setup.sh installs python3-uno")
        pytest.skip("python3-uno is not installed (outside CI only; scripts/setup.sh installs it)")
    return binary


def _segment(source: Path, target: Path, *extra: str) -> Path:
    assert cli(["segment", str(source), "-o", str(target), *extra]) == 0
    return target


def _blank_header(path: Path) -> Path:
    """Customers whose fourth column has no header: no Excel Table can be made over them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Customer ID", "Revenue", "Orders", None])
    for i in range(30):
        ws.append([f"c{i}", 50.0 * (i % 7 + 1) ** 2, i % 4 + 1, f"x{i}"])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    """Every output the checks read: customer tables (en, zh, headers unfit for a Table), order lines, second
    runs, --in-place twice."""
    folder = tmp_path_factory.mktemp("pivots")
    rich = rich_workbook(folder / "rich.xlsm")
    zh, orders = sorted(write_samples(folder / "samples"), key=lambda p: p.name != "客户名单示例.xlsx")
    out = {"input": rich, "rich": _segment(rich, folder / "rich_out.xlsm")}
    out["orders"] = _segment(orders, folder / "orders_out.xlsx")
    out["orders_again"] = _segment(out["orders"], folder / "orders_again.xlsx")
    out["zh"] = _segment(zh, folder / "zh_out.xlsx")
    out["blank_header"] = _segment(_blank_header(folder / "blank.xlsx"), folder / "blank_out.xlsx")
    limit = pivots.RECORDS_LIMIT
    try:  # a table above the limit: the cache goes without its records, rebuilt from the sheet on open
        pivots.RECORDS_LIMIT = 0
        out["no_records"] = _segment(orders, folder / "no_records.xlsx")
    finally:
        pivots.RECORDS_LIMIT = limit
    in_place = folder / "in_place.xlsm"
    shutil.copyfile(rich, in_place)
    for _ in range(2):
        assert cli(["segment", str(in_place), "--in-place"]) == 0
    out["in_place"] = in_place
    return out


@pytest.fixture(scope="module")
def pilots(outputs, tmp_path_factory) -> dict[str, list[dict]]:
    """Output name → its DataPilot tables as LibreOffice sees them, refreshed (one soffice for all)."""
    binary = _uno()
    profile = tmp_path_factory.mktemp("lo-profile")
    names = [k for k in outputs if k != "input"]
    done = subprocess.run([SYSTEM_PYTHON, str(UNO_SCRIPT), binary, str(profile), *(str(outputs[k]) for k in names)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout)
    return {k: found[str(outputs[k])] for k in names}


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def _our_cache(parts: dict[str, bytes]) -> str:
    """Our pivot cache definition (the one our PivotTables read)."""
    ours = [n for n in parts if n.startswith("xl/pivotTables/") and n.endswith(".xml")
            and re.search(r'name="xlcustseg_', parts[n].decode())]
    caches = {re.search(r'Target="/?([^"]+)"', parts[f"xl/pivotTables/_rels/{n.rsplit('/', 1)[1]}.rels"]
                        .decode()).group(1) for n in ours}
    assert len(caches) == 1
    return caches.pop()


def _source_frame(path: Path) -> pd.DataFrame:
    """The block our pivot cache reads, as a frame of the output's cell values (header row as columns)."""
    parts = _parts(path)
    cache = parts[_our_cache(parts)].decode()
    ref, sheet = re.search(r'<worksheetSource ref="([^"]+)" sheet="([^"]+)"', cache).groups()
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    rows = [[c.value for c in row] for row in ws[ref]]
    return pd.DataFrame(rows[1:], columns=rows[0], dtype=object)


def _revenue_field(path: Path) -> str:
    """The column our revenue PivotTable adds up (its summed data field's cache field)."""
    parts = _parts(path)
    table = next(parts[n].decode() for n in parts if n.startswith("xl/pivotTables/")
                 and 'name="xlcustseg_by_tier"' in parts[n].decode())
    index = int(re.search(r'<dataField\b(?![^>]*subtotal="count")[^>]*?\bfld="(\d+)"', table).group(1))
    return html.unescape(re.findall(r"<cacheField name=\"([^\"]*)\"", parts[_our_cache(parts)].decode())[index])


def _labels(values: pd.Series) -> pd.Series:
    return values.map(lambda v: BLANK if v is None or str(v).strip() == "" else str(v))


def _by_label(cells: list[list], first_data_row: int) -> pd.DataFrame:
    """A LibreOffice pivot's body (rows from `first_data_row`, its grand total row included) by row label;
    empty cells as 0."""
    body = [r for r in cells[first_data_row:] if r and r[0] != ""]
    frame = pd.DataFrame([r[1:] for r in body], index=[r[0] for r in body])
    return frame.replace("", 0).astype(float)


def _pilot(tables: list[dict], name: str) -> dict:
    found = [t for t in tables if t["name"] == name]
    assert len(found) == 1, [t["name"] for t in tables]
    return found[0]


# in_place: the second run of rich; no_records: order lines with RECORDS_LIMIT 0
CASES = ["rich", "orders", "orders_again", "zh", "blank_header", "in_place", "no_records"]


@pytest.mark.parametrize("case", CASES)
def test_libreoffice_finds_our_three_pivot_tables_and_refreshes_them_to_pandas_figures(case, outputs, pilots):
    tables = [t for t in pilots[case] if t["name"] in OURS]
    assert sorted(t["name"] for t in tables) == sorted(OURS)
    frame = _source_frame(outputs[case])
    by_tier = _pilot(tables, "xlcustseg_by_tier")
    tier = by_tier["rows"][0]
    counted = frame[tier].notna() & frame[tier].astype(str).str.strip().ne("")
    tiers = _labels(frame[tier])
    header = next(i for i, r in enumerate(by_tier["after"]) if r[0] == tier)
    got = _by_label(by_tier["after"], header + 1)
    count, revenue = by_tier["after"][header][1:]  # captions: 客户数/Customers, 销售额/Revenue (a space added on
    assert count.strip() in PIVOT_TEXTS["customers"] and revenue.strip() in PIVOT_TEXTS["revenue"]  # a clash)
    expected_count = counted.groupby(tiers).sum()
    expected_sum = pd.to_numeric(frame[_revenue_field(outputs[case])], errors="coerce").groupby(tiers).sum()
    assert sorted(got.index) == sorted([*expected_count.index, TOTAL])
    assert got[0].to_dict() == {**expected_count.astype(float).to_dict(), TOTAL: counted.sum()}
    assert got[1].to_dict() == pytest.approx({**expected_sum.to_dict(), TOTAL: expected_sum.sum()}, rel=1e-9)
    for name in ("xlcustseg_tier_rfm", "xlcustseg_lifecycle_tier"):
        pilot = _pilot(tables, name)
        rows, cols = pilot["rows"][0], pilot["columns"][0]
        body = _by_label(pilot["after"], 2)
        body.columns = pilot["after"][1][1:]
        crosstab = pd.crosstab(_labels(frame[rows])[counted], _labels(frame[cols])[counted], margins=True,
                               margins_name=TOTAL)
        shown = body.loc[[i for i in body.index if body.loc[i].any()], [c for c in body.columns if body[c].any()]]
        assert shown.sort_index().sort_index(axis=1).equals(crosstab.sort_index().sort_index(axis=1).astype(float))


@pytest.mark.parametrize("case", CASES)
def test_the_pivot_cache_reads_the_table_and_refreshes_on_open(case, outputs, pilots):
    parts = _parts(outputs[case])
    cache = parts[_our_cache(parts)].decode()
    assert 'refreshOnLoad="1"' in cache
    frame = _source_frame(outputs[case])
    assert len(frame) == int(re.search(r'recordCount="(\d+)"', cache).group(1))
    cache_rels = re.sub(r"([^/]+)$", r"_rels/\1.rels", _our_cache(parts))
    if case == "no_records":
        assert 'saveData="0"' in cache and cache_rels not in parts
        assert not [n for n in parts if "pivotCacheRecords" in n]
    else:
        records = parts[re.search(r'Target="/?([^"]+)"', parts[cache_rels].decode()).group(1)].decode()
        assert records.count("<r>") == len(frame)
    ref, sheet = re.search(r'<worksheetSource ref="([^"]+)" sheet="([^"]+)"', cache).groups()
    source = _pilot(pilots[case], "xlcustseg_by_tier")["source"]
    min_col, min_row, max_col, max_row = openpyxl.utils.cell.range_boundaries(ref)
    assert source == [sheet, min_row, min_col, max_row, max_col]
    ws = openpyxl.load_workbook(outputs[case])[sheet]
    tables = [t for t in ws.tables.values() if openpyxl.utils.cell.range_boundaries(t.ref)[:3] ==
              (min_col, min_row, max_col)]
    if case == "blank_header":
        assert not ws.tables  # no Table over headers Excel refuses; the note says so, the pivots read our columns
        note = openpyxl.load_workbook(outputs[case])["Pivots"]["A2"].value
        assert note == PIVOT_TEXTS["no_table"][1] and next(iter(frame.columns)) == "Tier"
        return
    assert len(tables) == 1 and tables[0].ref == ref and tables[0].autoFilter is not None
    assert [c.name for c in tables[0].tableColumns] == list(frame.columns)
    assert len(ws.tables) == 1  # the Table over the customers, never a second one


@pytest.mark.parametrize("case", ["rich", "orders", "zh"])
def test_the_cells_under_each_pivot_show_its_figures_before_any_refresh(case, outputs):
    frame = _source_frame(outputs[case])
    wb = openpyxl.load_workbook(outputs[case], data_only=True)
    ws = wb["透视" if case == "zh" else "Pivots"]
    lang = 0 if case == "zh" else 1
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=5, max_col=3)]
    body = {r[0]: r[1:] for r in rows[1:] if r[0] is not None}
    tier = rows[0][0]
    revenue = _revenue_field(outputs[case])
    tiers = frame[tier].map(lambda v: PIVOT_TEXTS["blank"][lang] if v is None else v)
    sums = pd.to_numeric(frame[revenue], errors="coerce").groupby(tiers).sum(min_count=1)
    counts = frame[tier].notna().groupby(tiers).sum()
    for label in counts.index:
        assert (body[label][0] or 0) == counts[label]
        assert (body[label][1] or 0) == pytest.approx(0 if pd.isna(sums[label]) else sums[label])
    assert body[PIVOT_TEXTS["grand"][lang]][0] == counts.sum()


def test_a_second_run_leaves_our_three_pivot_tables_and_the_users_own_unchanged(outputs):
    before = _parts(outputs["input"])
    for case in ("rich", "in_place"):
        parts = _parts(outputs[case])
        names = [re.search(r'<pivotTableDefinition\b[^>]*?\bname="([^"]+)"', parts[n].decode()).group(1)
                 for n in parts if n.startswith("xl/pivotTables/") and n.endswith(".xml")]
        assert sorted(names) == sorted([*OURS, "PivotTable1"])
        assert len([n for n in parts if n.startswith("xl/pivotCache/pivotCacheDefinition")]) == 2
        assert {n: parts[n] for n in USER_PIVOT} == {n: before[n] for n in USER_PIVOT}
        assert parts["xl/workbook.xml"].decode().count("<pivotCache ") == 2
        assert openpyxl.load_workbook(outputs[case], keep_vba=True).sheetnames.count("Pivots") == 1
    for case in ("orders", "orders_again"):
        parts = _parts(outputs[case])
        assert len([n for n in parts if n.startswith("xl/pivotTables/") and n.endswith(".xml")]) == 3
        assert len([n for n in parts if n.startswith("xl/tables/")]) == 1


def test_the_cache_keeps_each_kind_of_value_as_excel_writes_it():
    from defusedxml.ElementTree import fromstring

    from xlcustseg.workbook.pivots import Source, axis_items, cache_definition, cache_records

    frame = pd.DataFrame({"Tier": ["B", "A", None, "A"], "Mixed": [1, "x&<\x01", None, pd.Timestamp("2024-01-02")],
                          "Revenue": [1.5, 2.0, float("nan"), 4.0]}, dtype=object)
    axes = {"Tier": axis_items(frame["Tier"], ["A", "B"])}
    assert axes["Tier"] == ["A", "B", None]
    source = Source("My 'sheet'", 3, 2, frame)
    assert source.ref == "B3:D7"
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    records = fromstring(cache_records(source, axes).encode())
    rows = [[(e.tag.removeprefix(ns), e.get("v")) for e in r] for r in records]
    assert rows == [[("x", "1"), ("n", "1.0"), ("n", "1.5")], [("x", "0"), ("s", "x&<"), ("n", "2.0")],
                    [("x", "2"), ("m", None), ("m", None)], [("x", "0"), ("d", "2024-01-02T00:00:00"), ("n", "4.0")]]
    definition = fromstring(cache_definition(source, axes, "rId1").encode())
    assert definition.get("refreshOnLoad") == "1" and definition.get("recordCount") == "4"
    assert definition.find(f"{ns}cacheSource/{ns}worksheetSource").attrib == {"ref": "B3:D7", "sheet": "My 'sheet'"}
    fields = {f.get("name"): f.find(f"{ns}sharedItems") for f in definition.iter(f"{ns}cacheField")}
    assert [(e.tag.removeprefix(ns), e.get("v")) for e in fields["Tier"]] == [("s", "A"), ("s", "B"), ("m", None)]
    assert fields["Mixed"].get("containsMixedTypes") == "1" and fields["Mixed"].get("containsDate") == "1"
    assert fields["Revenue"].attrib == {"containsString": "0", "containsBlank": "1", "containsNumber": "1",
                                        "minValue": "1.5", "maxValue": "4"}


def test_records_rendered_once_per_distinct_value_read_as_each_value_alone():
    """Repeated values take the once-per-distinct-value path; True and 1 (equal when hashed) stay apart."""
    from defusedxml.ElementTree import fromstring

    from xlcustseg.workbook.pivots import Source, axis_items, cache_records

    frame = pd.DataFrame({"Tier": ["A", "A", None, "B", "A", None],
                          "Flag": [True, 1.0, 1.0, False, 0.0, None],
                          "Note": ["x", "", "x", None, "y&", "x"],
                          "When": [pd.Timestamp("2024-01-02"), None, pd.Timestamp("2024-01-02"), 3.5, 3.5, "t"]},
                         dtype=object)
    axes = {"Tier": axis_items(frame["Tier"], ["A", "B"])}
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    records = fromstring(cache_records(Source("S", 1, 1, frame), axes).encode())
    rows = [[(e.tag.removeprefix(ns), e.get("v")) for e in r] for r in records]
    assert rows == [
        [("x", "0"), ("b", "1"), ("s", "x"), ("d", "2024-01-02T00:00:00")],
        [("x", "0"), ("n", "1.0"), ("m", None), ("m", None)],
        [("x", "2"), ("n", "1.0"), ("s", "x"), ("d", "2024-01-02T00:00:00")],
        [("x", "1"), ("b", "0"), ("m", None), ("n", "3.5")],
        [("x", "0"), ("n", "0.0"), ("s", "y&"), ("n", "3.5")],
        [("x", "2"), ("m", None), ("s", "x"), ("s", "t")]]
