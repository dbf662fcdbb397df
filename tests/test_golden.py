"""Behaviour pinned: both bundled samples on both routes, every output cell against its stored copy.

The copies in tests/golden/ are written by scripts/update_golden.py, which also
holds what is recorded, how it is normalised and how it is compared. When a
change is intended, judge the listed differences, then refresh the copies with
`python scripts/update_golden.py` and commit them with the change.
"""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("update_golden", ROOT / "scripts" / "update_golden.py")
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Each (sample, route) output, computed once per module when first asked for."""
    folder = tmp_path_factory.mktemp("golden")
    cache: dict[tuple[str, str], dict] = {}

    def output(sample: str, route: str) -> dict:
        if (sample, route) not in cache:
            cache[sample, route] = golden.compute(sample, route, folder)
        return cache[sample, route]

    return output


@pytest.mark.parametrize(("sample", "route"), golden.CASES)
def test_output_equals_the_stored_copy(outputs, sample, route):
    path = golden.golden_path(sample, route)
    assert path.exists(), f"{path} is missing: run python scripts/update_golden.py"
    found = golden.differences(golden.load(path), outputs(sample, route))
    assert not found, (f"{sample} on the {route} route differs from {path.relative_to(ROOT)} "
                       f"(sheet!cell: stored → now):\n{golden.describe(found)}\n"
                       "If intended: python scripts/update_golden.py, and commit the copies with the change.")


@pytest.mark.parametrize(("route", "cell"), [("file", ("Summary", "D11")), ("jsonbook", ("Customers", "H2"))],
                         ids=["file", "jsonbook"])
def test_one_changed_cell_is_reported_as_sheet_cell_stored_now(outputs, route, cell):
    stored = copy.deepcopy(outputs("orders_en", route))
    sheet, coord = cell
    if route == "file":
        now = stored["cells"][sheet][coord]
        stored["cells"][sheet][coord] = "altered"
    else:  # Customers!H2: row 2 of the tier column written to the new sheet at position 1
        write = next(a for a in stored["actions"] if a["func"] == "setValues" and a["sheet_position"] == 1
                     and a["start_column"] == 7 and a["start_row"] == 0)
        now = write["values"][1][0]
        write["values"][1][0] = "altered"
    found = golden.differences(stored, outputs("orders_en", route))
    assert found == [(f"{sheet}!{coord}", "altered", now)]
    assert f"{sheet}!{coord}: 'altered' → {now!r}" in golden.describe(found)


def test_floats_equal_to_twelve_digits_and_types_matter():
    assert golden.same(0.1 + 0.2, 0.3) and golden.same([1, {"a": 2.5}], [1, {"a": 2.5}])
    assert not golden.same(1.0, 1.0001) and not golden.same(3, 3.0) and not golden.same(True, 1)
