"""The worksheet functions as plain Python: whole columns in, a column out (it spills in Excel 365).

Every route exposes these same functions: the desktop add-in (`xlcustseg.excel.udfs`,
decorated with xlwings' `@xw.func`) and xlwings Lite (the bundle's `main.py`,
decorated with Lite's `@func`), both through `exported()`.

Each function converts its ranges once (`xlcustseg.cells.Grid`), reads them as
`segment()` does (`engine.prepare`: the same fields, parsers and notes) and runs
only the engine step or scheme function its answer needs (`engine.steps`,
`xlcustseg.schemes`), so a cell gives the pipeline's class whatever form its
value arrives in (a datetime, a serial number, a text) without the work of a
whole run (other schemes, summary frames, the output table). They never raise into Excel: a blank gives a blank, a value
that cannot be read gives a text beginning with an Excel error code, e.g.
`#VALUE! 不是数字 (not a number)`. A whole-column reference answers for its used
rows only; a row of values gets a row of answers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from xlcustseg import schemes
from xlcustseg.cells import Cells, Grid, error_text, scalar, used_rows
from xlcustseg.engine import steps
from xlcustseg.engine.prepare import Customers, Prepared, prepare
from xlcustseg.engine.steps import rfm_map as rfm_map_for
from xlcustseg.engine.strategies import labels, lookup
from xlcustseg.fields.values import factorize_text, looks_like_dates, parse_dates, parse_numbers
from xlcustseg.i18n import REASONS, SCHEME_REASONS
from xlcustseg.settings import DEFAULTS, Settings, SettingsError

CATEGORY = "xlcustseg"
TIER_BASES = ("count", "revenue_share", "threshold")


def _guard(func: Callable) -> Callable:
    """A function that never raises into Excel: an unexpected failure becomes a #VALUE! text."""

    @functools.wraps(func)
    def wrapper(*args):
        try:
            return func(*args)
        except SettingsError as exc:
            return [[error_text("#VALUE!", f"参数 {exc.key} 无效", f"bad argument {exc.key}: {exc.reason}")]]
        except Exception as exc:
            return [[error_text("#VALUE!", "无法计算", f"{type(exc).__name__}: {exc}")]]

    return wrapper


def _reason_text(reason: str) -> str:
    zh, en = {**REASONS, **SCHEME_REASONS}.get(reason, (reason, reason))
    code = "#N/A" if reason in ("prospect", "no_purchase_date") else "#VALUE!"
    return error_text(code, zh, en)


def _lang(value: Cells) -> str:
    return "en" if str(scalar(value) or "").strip().lower() == "en" else "zh"


def _settings(**values: Any) -> Settings:
    given = {k: scalar(v) for k, v in values.items() if scalar(v) is not None and str(scalar(v)).strip() != ""}
    return DEFAULTS.replace(given) if given else DEFAULTS


@dataclass(frozen=True)
class _Table:
    """The arguments read as `segment()` reads a table whose columns are `headers`."""

    prepared: Prepared
    headers: tuple[str, ...]
    row_of: np.ndarray  # each input row's customer (-1: a blank row, which segment() leaves out)

    @property
    def customers(self) -> Customers:
        return self.prepared.customers


def _read(columns: dict[str, np.ndarray], settings: Settings) -> _Table:
    """The columns (header → cells) read by `engine.prepare`, as `segment()` would read them."""
    frame = pd.DataFrame({h: pd.Series(cells, dtype=object, copy=False) for h, cells in columns.items()},
                         copy=False)  # the cells as handed over: no type inference (the parsers read each form)
    prepared = prepare(frame, settings, None)
    row_of = np.full(len(frame), -1)
    row_of[np.asarray(prepared.source_rows, dtype=int)] = np.arange(prepared.customers.n)
    return _Table(prepared, tuple(columns), row_of)


def _answer(table: _Table, values: pd.Series, *step_notes: tuple[pd.DataFrame, ...]) -> pd.Series:
    """Per input row: the value, else the text of the row's first note, else blank (an object Series:
    pandas infers no dtype from a million answers on their way back to Excel).

    The notes are those `segment()` would make on these columns (reading, then
    each step's, in the pipeline's order); a row's first is the one in its
    leftmost column (the order of `segment()`'s notes frame: by row, then cell).
    """
    parts = [*table.prepared.notes, *(part for notes in step_notes for part in notes)]
    column = {h: j for j, h in enumerate(table.headers)}
    ranked = sorted(range(len(parts)), key=lambda i: (column.get(parts[i]["column"].iat[0], len(column)), i))
    n = table.customers.n
    reason = np.full(n + 1, None, dtype=object)  # the extra last slot: blank rows
    taken = np.zeros(n + 1, dtype=bool)
    for i in ranked:
        rows = parts[i]["row"].to_numpy(dtype=int)
        fresh = ~taken[rows]
        codes, reasons = pd.factorize(parts[i]["reason"].to_numpy(dtype=object)[fresh])
        reason[rows[fresh]] = np.array([_reason_text(r) for r in reasons], dtype=object)[codes]
        taken[rows[fresh]] = True
    answers = np.append(values.to_numpy(dtype=object), None)[table.row_of]
    missing = pd.isna(answers)
    answers[missing] = reason[table.row_of][missing]
    return pd.Series(answers, dtype=object)


# ------------------------------------------------------------------ value tiers
@_guard
def custtier(revenues: Cells, basis: Cells = None, cutoffs: Cells = None) -> list[list[Any]]:
    """客户等级 A/B/C: the ABC tier (top 5% A, next 15% B, the rest C) of each revenue."""
    chosen = scalar(basis)
    one = _single(revenues)
    if basis is not None and isinstance(one, float | int) and not isinstance(one, bool) and not isinstance(chosen, str):
        return [[POPULATIONS.tiers(basis, cutoffs).get(float(one), _NOT_IN_POPULATION)]]  # filled down: no pandas
    grid = Grid.of(revenues)
    if basis is None or (isinstance(chosen, str) and chosen.strip().lower() in TIER_BASES):
        chosen = None if chosen is None else chosen.strip().lower()
        settings = _tier_settings(chosen, scalar(cutoffs))
        table = _read({"销售额": grid.cells(grid.used_rows())}, settings)
        tiers = steps.tiers(table.customers, settings)
        return grid.back(_answer(table, tiers.tier, tiers.notes), per_cell=True)
    tiers = POPULATIONS.tiers(basis, cutoffs)
    values = parse_numbers(pd.Series(grid.cells(grid.used_rows()), dtype=object))
    answers = values.values.map(tiers).astype(object)
    answers[values.values.notna().to_numpy() & answers.isna().to_numpy()] = _NOT_IN_POPULATION
    bad = values.problems.notna().to_numpy()
    answers[bad] = [_reason_text(r) for r in values.problems[bad]]
    return grid.back(answers, per_cell=True)


def _single(value: Cells) -> Any:
    """The value of a single cell (given as a value or a 1×1 range); None for a larger range."""
    while isinstance(value, list | tuple):
        if len(value) != 1:
            return None
        value = value[0]
    return value


_NOT_IN_POPULATION = error_text("#N/A", "不在总体中", "not in the population")


def _tier_settings(basis: str | None, cutoffs: Any) -> Settings:
    settings = _settings(**{"tier.basis": basis})
    if cutoffs is None:
        return settings
    key = {"count": "tier.count_cutoffs", "revenue_share": "tier.share_cutoffs", "threshold": "tier.thresholds"}
    return settings.replace({"tier.basis": settings["tier.basis"], key[settings["tier.basis"]]: cutoffs})


class PopulationCache:
    """The tiers of recent populations, for =CUSTTIER(B2, B$2:B$5000) filled down.

    Excel hands every call a fresh copy of the same population range, so a
    population is found again by equality of its cells (a C-speed list
    comparison), and segmented once.
    """

    def __init__(self, size: int = 8):
        self.size = size
        self.entries: list[tuple[Any, Any, dict[float, str]]] = []
        self.computed = 0

    def tiers(self, population: Cells, cutoffs: Cells) -> dict[float, str]:
        for cells, cut, tiers in self.entries:
            if cut == cutoffs and cells == population:
                return tiers
        tiers = self._segment(population, cutoffs)
        self.entries = [(population, cutoffs, tiers), *self.entries][:self.size]
        return tiers

    def _segment(self, population: Cells, cutoffs: Cells) -> dict[float, str]:
        self.computed += 1
        grid = Grid.of(population)
        settings = _tier_settings(None, scalar(cutoffs))
        c = _read({"销售额": grid.cells(grid.used_rows())}, settings).customers
        known = pd.DataFrame({"revenue": c.revenue, "tier": steps.tiers(c, settings).tier}).dropna()
        return dict(zip(known["revenue"], known["tier"], strict=True))

    def clear(self) -> None:
        self.entries, self.computed = [], 0


POPULATIONS = PopulationCache()


# ------------------------------------------------------------------ RFM
def _rfm_columns(recency_or_last_dates: Cells, frequencies: Cells, monetaries: Cells) -> tuple[Grid, dict]:
    grids = [Grid.of(recency_or_last_dates), Grid.of(frequencies), Grid.of(monetaries)]
    n = used_rows(*grids)
    first = grids[0].column(n)
    header = "最近购买日期" if looks_like_dates(first) else "最近购买天数"
    return grids[0], {header: first, "订单数": grids[1].column(n), "销售额": grids[2].column(n)}


@_guard
def custrfm(recency_or_last_dates: Cells, frequencies: Cells, monetaries: Cells, as_of: Cells = None,
            bins: Cells = None) -> list[list[Any]]:
    """RFM得分: the R, F and M scores as a code such as 545."""
    grid, columns = _rfm_columns(recency_or_last_dates, frequencies, monetaries)
    settings = _settings(as_of=as_of, **{"rfm.bins": bins})
    table = _read(columns, settings)
    rfm = steps.rfm(table.customers, settings)
    return grid.back(_answer(table, rfm.rfm_code, steps.revenue_notes(table.customers), rfm.notes))


@_guard
def custrfmclass(recency_or_last_dates: Cells, frequencies: Cells, monetaries: Cells, map: Cells = None,
                 lang: Cells = None, as_of: Cells = None) -> list[list[Any]]:
    """RFM分群: the RFM class (重要价值客户 … / Champions …) under the chosen map."""
    lang = _lang(lang)
    grid, columns = _rfm_columns(recency_or_last_dates, frequencies, monetaries)
    rfm_map = scalar(map) or rfm_map_for(DEFAULTS, lang)
    settings = _settings(as_of=as_of, language=lang, **{"rfm.map": rfm_map})
    table = _read(columns, settings)
    rfm = steps.rfm(table.customers, settings)
    classes = labels(rfm.rfm_class, rfm.rfm_map, lang, settings)
    return grid.back(_answer(table, classes, steps.revenue_notes(table.customers), rfm.notes))


# ------------------------------------------------------------------ lifecycle, quadrants, MAN, follow-up
@_guard
def custlifecycle(first: Cells, last: Cells, orders: Cells, as_of: Cells = None, lang: Cells = None
                  ) -> list[list[Any]]:
    """生命周期: 潜在/新/活跃/沉默/流失客户 from the first and last purchase and the orders."""
    grids = [Grid.of(last), Grid.of(first), Grid.of(orders)]
    n = used_rows(*grids)
    columns = {"首次购买日期": grids[1].column(n), "最近购买日期": grids[0].column(n), "订单数": grids[2].column(n)}
    settings = _settings(as_of=as_of)
    table = _read(columns, settings)  # no revenue: neither the tiers nor the RFM step would note anything
    stages = steps.lifecycle(table.customers, settings).lifecycle
    return grids[0].back(_answer(table, labels(stages, "lifecycle", _lang(lang), settings)))


@_guard
def custquadrant(values: Cells, needs: Cells, potentials: Cells = None, lang: Cells = None) -> list[list[Any]]:
    """价值×需求象限: 高价值/高需求 … 潜在低价值/低需求 (quadrants 1–8)."""
    grids = [Grid.of(values), Grid.of(needs)] + ([Grid.of(potentials)] if potentials is not None else [])
    n = used_rows(*grids)
    columns = {"销售额": grids[0].column(n), "需求": grids[1].column(n)}
    if potentials is not None:
        columns["潜力"] = grids[2].column(n)
    table = _read(columns, DEFAULTS)
    quadrants = steps.quadrants(table.customers, DEFAULTS).quadrant
    return grids[0].back(_answer(table, labels(quadrants, "quadrant", _lang(lang), DEFAULTS),
                                 steps.revenue_notes(table.customers)))


@_guard
def custman(money: Cells, authority: Cells, need: Cells) -> list[list[Any]]:
    """MAN 代码: MAN, MaN, mAN … man (upper case = yes)."""
    grids = [Grid.of(money), Grid.of(authority), Grid.of(need)]
    n = used_rows(*grids)
    table = _read({"有预算": grids[0].column(n), "决策权": grids[1].column(n), "有需求": grids[2].column(n)}, DEFAULTS)
    return grids[0].back(_answer(table, steps.man_codes(table.customers)))


@_guard
def custgrade(stages: Cells) -> list[list[Any]]:
    """跟进等级 S/A/B/C/D from the stage, through the settings' stage mapping."""
    grid = Grid.of(stages)
    codes, text = _distinct_text(grid.cells(grid.used_rows()))
    grades = schemes.followup_grades(text, DEFAULTS["followup.stage_map"]).astype(object)
    grades[grades.isna().to_numpy()] = _reason_text("unknown_stage")
    return grid.back(_spread(grades, codes), per_cell=True)


def _distinct_text(cells: np.ndarray) -> tuple[np.ndarray, pd.Series]:
    """The cells' distinct texts (cleaned as `parse_text` cleans them) and each cell's code (-1: blank).

    A per-cell rule (a stage's grade, a name's nature, a class's strategy) runs once
    per distinct text; `_spread` gives each cell its text's answer.
    """
    codes, distinct = factorize_text(pd.Series(cells, dtype=object))
    return codes, pd.Series(distinct, dtype=object)


def _spread(answers: pd.Series, codes: np.ndarray, blank: Any = None) -> pd.Series:
    """Each cell's answer from the answers per distinct text (`blank` for a blank cell, code -1)."""
    return pd.Series(np.append(answers.to_numpy(dtype=object), blank)[codes], dtype=object)


@_guard
def custnextcontact(grades: Cells, last_contacts: Cells) -> list[list[Any]]:
    """下次回访日期: last contact + the grade's cadence (S 1, A 3, B 7, C 30, D 90 days)."""
    grids = [Grid.of(grades), Grid.of(last_contacts)]
    n = used_rows(*grids)
    codes, text = _distinct_text(grids[0].column(n))
    cadence = lookup(text.str.upper(), "followup", "cadence_days", DEFAULTS).astype("float64")
    dates = parse_dates(pd.Series(grids[1].column(n), dtype=object))
    days = pd.Series(np.append(cadence.to_numpy(), np.nan)[codes], index=dates.values.index)
    answers = _python_datetimes(schemes.next_followup(dates.values, days))
    not_grade = np.append(cadence.isna().to_numpy(), False)[codes]
    answers[not_grade] = error_text("#VALUE!", "不是跟进等级", "not a follow-up grade")
    bad = dates.unreadable.to_numpy()
    answers[bad] = [_reason_text(r) for r in dates.problems[bad]]
    return grids[0].back(pd.Series(answers, dtype=object))  # (an object Series: no datetime inference on the way out)


def _python_datetimes(dates: pd.Series) -> np.ndarray:
    """Dates as Python datetimes (None for NaT), each distinct date converted once: dates repeat."""
    codes, distinct = pd.factorize(dates.to_numpy(dtype="datetime64[ns]"))
    return np.append(distinct.astype("datetime64[us]").astype(object), None)[codes]


# ------------------------------------------------------------------ scorecard, nature, strategy
@_guard
def custscore(components: Cells, weights: Cells) -> list[list[Any]]:
    """价值评分 0–100: weighted mean of the components' percentile ranks."""
    block = _used_block(Grid.of(components))
    read = parse_numbers(pd.Series(Grid.of(weights).values.ravel(), dtype=object))
    w = read.values[(read.values.notna() | read.unreadable).to_numpy()].tolist()  # an unreadable weight: NaN
    if len(w) != block.shape[1] or not all(np.isfinite(x) and x >= 0 for x in w) or max(w, default=0) <= 0:
        return [[error_text("#VALUE!", "参数 weights：每列一个有限的非负权重，不能全为 0",
                            "argument weights: one finite, non-negative weight per column, not all 0")]]
    w = [x / max(w) for x in w]  # relative weights: weights of 1e308 add up without overflowing to inf
    parsed = [parse_numbers(pd.Series(block[:, j], dtype=object)) for j in range(block.shape[1])]
    score = schemes.weighted_score({j: p.values for j, p in enumerate(parsed)}, dict(enumerate(w)))
    answers = score.round(2).astype(object)
    bad = pd.concat([p.problems for p in parsed], axis=1).bfill(axis=1).iloc[:, 0]
    answers[bad.notna().to_numpy()] = [_reason_text(r) for r in bad.dropna()]
    return _column(answers)


def _used_block(grid: Grid) -> np.ndarray:
    """A block whose rows are customers and columns are fields (one row is one customer), trimmed."""
    filled = np.flatnonzero(pd.notna(grid.values).any(axis=1))  # (blanks are None: Grid.of made them so)
    return grid.values[:filled[-1] + 1 if len(filled) else 0]


def _column(answers: pd.Series) -> list[list[Any]]:
    """One answer per customer row, as a column."""
    return Grid.of([[None]]).back(answers)


@_guard
def custnature(names: Cells, lang: Cells = None) -> list[list[Any]]:
    """客户性质: 政府机构, 事业单位/非营利, 渠道客户, 企业客户, 个人客户 or 未识别."""
    grid = Grid.of(names)
    keywords = {k: DEFAULTS[f"nature.{k}"] for k in schemes.nature.ORDER}
    codes, text = _distinct_text(grid.cells(grid.used_rows()))
    keys = schemes.customer_nature(text, keywords, consumer_suffixes=DEFAULTS["nature.consumer_suffixes"])
    return grid.back(_spread(labels(keys, "nature", _lang(lang), DEFAULTS), codes), per_cell=True)


@_guard
def custstrategy(classes: Cells, scheme: Cells = None, lang: Cells = None) -> list[list[Any]]:
    """策略: the strategy text of each class, from the strategy catalogue."""
    grid = Grid.of(classes)
    scheme = str(scalar(scheme) or "tier").strip().lower()
    keys = DEFAULTS.classes(scheme)
    if not keys:
        return [[error_text("#VALUE!", f"没有方案 {scheme}", f"no scheme {scheme}")]]
    by_label = {DEFAULTS.class_info(scheme, k, f"label_{x}"): k for k in keys for x in ("zh", "en")}
    by_label.update({k: k for k in keys})
    codes, text = _distinct_text(grid.cells(grid.used_rows()))
    strategy = lookup(text.map(by_label), scheme, f"strategy_{_lang(lang)}", DEFAULTS).astype(object)
    strategy[strategy.isna().to_numpy()] = error_text("#N/A", "不是该方案的类别", f"not a {scheme} class")
    return grid.back(_spread(strategy, codes), per_cell=True)


# ------------------------------------------------------------------ movement between snapshots
@_guard
def custmove(previous_classes: Cells, current_classes: Cells, lang: Cells = None) -> list[list[Any]]:
    """等级变动: 升级/降级/持平/新客户 (up/down/same/new) from the previous and the current tier."""
    from xlcustseg.engine.movement import ALL_TIERS, tier_change

    grids = [Grid.of(previous_classes), Grid.of(current_classes)]
    n = used_rows(*grids)
    change, bad = tier_change(pd.Series(grids[0].column(n), dtype=object),
                              pd.Series(grids[1].column(n), dtype=object), _lang(lang), ALL_TIERS)
    answers = change.to_numpy(dtype=object, copy=True)
    answers[bad.notna().to_numpy()] = error_text("#VALUE!", "不是客户等级", "not a tier")
    return grids[1].back(pd.Series(answers, dtype=object))


# ------------------------------------------------------------------ clusters
@_guard
def custcluster(ranges: Cells, k: Cells = None, lang: Cells = None) -> list[list[Any]]:
    """聚类: K-means clusters named by how their centre differs from the average (R高 F高 M低 …)."""
    from xlcustseg.learn import cluster_customers

    block = _used_block(Grid.of(ranges))
    if block.shape[1] < 3:
        return [[error_text("#VALUE!", "需要 R、F、M 三列", "needs the R, F and M columns")]]
    first = pd.Series(block[:, 0], dtype=object)
    if looks_like_dates(block[:, 0]):
        dates = parse_dates(first).values
        recency = (dates.max() - dates).dt.days.astype("float64")
    else:
        recency = parse_numbers(first).values
    features = pd.DataFrame({"R": recency, "F": parse_numbers(pd.Series(block[:, 1], dtype=object)).values,
                             "M": parse_numbers(pd.Series(block[:, 2], dtype=object)).values})
    for j in range(3, block.shape[1]):
        features[f"X{j - 2}"] = parse_numbers(pd.Series(block[:, j], dtype=object)).values
    count = scalar(k)
    clusters = cluster_customers(features, None if count is None else int(float(count)), lang=_lang(lang))
    return _column(pd.Series(clusters.names, dtype=object))


# ------------------------------------------------------------------ what each route exposes
#: every worksheet function, in the order Excel's function wizard lists them
FUNCTIONS: tuple[Callable[..., list[list[Any]]], ...] = (
    custtier, custrfm, custrfmclass, custlifecycle, custquadrant, custman, custgrade, custnextcontact,
    custscore, custnature, custstrategy, custcluster, custmove)

_LANG = {"lang": ("zh (default) or en", False)}
_AS_OF = {"as_of": ("analysis date (default: the latest purchase date)", False)}
_RFM = {"recency_or_last_dates": ("最近购买日期 (dates) or days since the last purchase", True),
        "frequencies": ("订单数 / orders", True),
        "monetaries": ("销售额 / revenue", True)}

#: each function's parameters, in order: (description, is it a range?)
PARAMETERS: dict[str, dict[str, tuple[str, bool]]] = {
    "custtier": {"revenues": ("销售额 (a column, or one cell against its population)", True),
                 "basis": ("count (default), revenue_share or threshold — or the population range B$2:B$5000", True),
                 "cutoffs": ("cut-offs, e.g. '5%,20%' (count), '80%,95%' (revenue_share) or amounts (threshold)",
                             False)},
    "custrfm": {**_RFM, **_AS_OF, "bins": ("scores 3, 4 or 5 (default 5)", False)},
    "custrfmclass": {**_RFM, "map": ("rfm8 (default for Chinese), rfm4 or rfm10", False), **_LANG, **_AS_OF},
    "custlifecycle": {"first": ("首次购买日期 / first purchase dates", True),
                      "last": ("最近购买日期 / last purchase dates", True),
                      "orders": ("订单数 / orders", True), **_AS_OF, **_LANG},
    "custquadrant": {"values": ("销售额 / revenue (blank or 0 for prospects)", True),
                     "needs": ("需求 / need: a score or 高/中/低", True),
                     "potentials": ("潜力 / potential value of prospects (optional)", True), **_LANG},
    "custman": {"money": ("购买力/有预算: 是/否", True), "authority": ("决策权: 是/否", True),
                "need": ("有需求: 是/否", True)},
    "custgrade": {"stages": ("跟进状态 / stage text", True)},
    "custnextcontact": {"grades": ("跟进等级 S/A/B/C/D", True),
                        "last_contacts": ("最近联系日期 / last contact dates", True)},
    "custscore": {"components": ("one column per component (e.g. revenue, orders, profit, potential)", True),
                  "weights": ("one weight per column, e.g. 40, 20, 20, 20", True)},
    "custnature": {"names": ("客户名称 / customer names", True), **_LANG},
    "custstrategy": {"classes": ("class labels or keys (e.g. A, 重要价值客户, Champions)", True),
                     "scheme": ("tier (default), rfm8, rfm4, rfm10, lifecycle, quadrant, man, followup, score, "
                                "nature, behaviour or personality", False), **_LANG},
    "custmove": {"previous_classes": ("上期等级 / the previous tiers (blank: a new customer)", True),
                 "current_classes": ("客户等级 / the current tiers", True), **_LANG},
    "custcluster": {"ranges": ("columns R (days or last dates), F, M, then any extra numeric columns", True),
                    "k": ("number of clusters (default: the best silhouette over 2–8)", False), **_LANG},
}


def exported(func: Callable, arg: Callable, ret: Callable, **func_options: Any) -> dict[str, Callable]:
    """Every worksheet function decorated with one xlwings flavour's `func`, `arg` and `ret`.

    Desktop: `exported(xw.func, xw.arg, xw.ret, category=...)`; xlwings Lite and
    Server: `exported(func, arg, ret)` from `xlwings` / `xlwings.server`. Each
    route gets its own function objects (xlwings marks the function it decorates),
    with the plain function's name, signature and docstring.
    """
    made = {}
    for plain in FUNCTIONS:
        @functools.wraps(plain)
        def route(*args, _plain=plain):
            return _plain(*args)

        for name, (doc, is_range) in reversed(PARAMETERS[plain.__name__].items()):
            options = {"ndim": 2, "err_to_str": True} if is_range else {}
            route = arg(name, doc=doc, **options)(route)
        made[plain.__name__] = func(**func_options)(ret(index=False, header=False)(route))
    return made
