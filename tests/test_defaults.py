"""Defaults live in one place, the options table: no scheme carries one of its own.

As scikit-learn's test holds every public signature to its parameter
constraints, this one holds every public function of `xlcustseg.schemes` to the
options table: a threshold, cut-off, label or choice is always handed in (the
engine reads it from `Settings`), so no signature can drift from the table.
The one default a scheme may carry is None: an input column the table lacks.
"""

import importlib
import inspect
import pkgutil

import pandas as pd
import pytest

from xlcustseg import schemes, segment
from xlcustseg.excel.functions import custnature
from xlcustseg.settings import DEFAULTS


def _public_functions() -> dict[str, object]:
    found = {}
    for info in pkgutil.iter_modules(schemes.__path__):
        module = importlib.import_module(f"{schemes.__name__}.{info.name}")
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and func.__module__ == module.__name__:
                found[f"{info.name}.{name}"] = func
    return found


SCHEME_FUNCTIONS = _public_functions()


def test_every_scheme_module_is_inspected():
    modules = {name.split(".")[0] for name in SCHEME_FUNCTIONS}
    assert modules >= {"behaviour", "followup", "lifecycle", "man", "nature", "quadrant", "rfm", "scorecard", "tiers"}


@pytest.mark.parametrize("name", sorted(SCHEME_FUNCTIONS))
def test_no_scheme_parameter_defaults_to_anything_but_an_absent_column(name):
    parameters = inspect.signature(SCHEME_FUNCTIONS[name]).parameters.values()
    own = {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty and p.default is not None}
    assert not own, f"{name} carries defaults of its own: {own} (they belong in the options table)"


def test_a_consumer_suffix_classes_alike_on_every_route():
    """张三小姐: 小姐 is a consumer suffix of the options table, whether segment(), the scheme or CUSTNATURE asks."""
    name = "张三小姐"
    table = pd.DataFrame({"客户编号": ["k1"], "客户名称": [name]})
    by_segment = segment(table).classes["customer_type"].iloc[0]
    keywords = {k: DEFAULTS[f"nature.{k}"] for k in schemes.nature.ORDER}
    by_scheme = schemes.customer_nature(pd.Series([name]), keywords,
                                        consumer_suffixes=DEFAULTS["nature.consumer_suffixes"]).iloc[0]
    by_function = custnature([[name]])[0][0]
    assert by_segment == by_scheme == "consumer"
    assert by_function == DEFAULTS.class_info("nature", "consumer", "label_zh")


def test_a_changed_setting_reaches_the_scheme():
    table = pd.DataFrame({"客户编号": ["k1"], "客户名称": ["张三小姐"]})
    assert segment(table, {"nature.consumer_suffixes": "先生"}).classes["customer_type"].iloc[0] == "unknown"
