"""The worksheet functions as plain Python: whole columns in, a column out (it spills in Excel 365).

Every route exposes these same functions: the desktop add-in (`xlcustseg.excel.udfs`,
decorated with xlwings' `@xw.func`) and xlwings Lite (the bundle's `main.py`,
decorated with Lite's `@func`), both through `exported()`.

Every function builds a small table from its arguments and runs the same
`segment()` (or scheme function) as the one-click run, so a cell gives the
pipeline's class. They never raise into Excel: a blank gives a blank, a value
that cannot be read gives a text beginning with an Excel error code, e.g.
`#VALUE! 不是数字 (not a number)`.

Arguments arrive as Excel sends them: a 2-D list for a range, a scalar for a
single cell, None for blanks, floats for numbers, datetimes for dates.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from xlcustseg import schemes
from xlcustseg.fields.values import REASONS, parse_numbers, parse_text
from xlcustseg.notes import SCHEME_REASONS
from xlcustseg.pipeline import SegmentResult, segment
from xlcustseg.settings import DEFAULTS, Settings, SettingsError
from xlcustseg.strategies import labels, lookup

CATEGORY = "xlcustseg"
Cells = Any  # a scalar or a 2-D list, as Excel hands them over


class _Shape:
    """Remembers the shape of the main argument, to answer in the same shape."""

    def __init__(self, value: Cells):
        rows = value if isinstance(value, list) else [[value]]
        rows = [r if isinstance(r, list) else [r] for r in rows] or [[None]]
        self.rows, self.cols = len(rows), max(len(r) for r in rows)
        self.flat = [v for r in rows for v in (r + [None] * (self.cols - len(r)))]

    def back(self, values: Sequence[Any]) -> list[list[Any]]:
        out = [_excel(v) for v in values]
        if self.rows == 1 and self.cols > 1:
            return [out]
        if self.cols == 1:
            return [[v] for v in out]
        return [out[i * self.cols:(i + 1) * self.cols] for i in range(self.rows)]


def _flat(value: Cells) -> list[Any]:
    return _Shape(value).flat


def _excel(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _error(code: str, zh: str, en: str) -> str:
    return f"{code} {zh} ({en})"


def _guard(func: Callable) -> Callable:
    """A function that never raises into Excel: an unexpected failure becomes a #VALUE! text."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SettingsError as exc:
            return [[_error("#VALUE!", f"参数 {exc.key} 无效", f"bad argument {exc.key}: {exc.reason}")]]
        except Exception as exc:
            return [[_error("#VALUE!", "无法计算", f"{type(exc).__name__}: {exc}")]]

    return wrapper


def _reason_text(reason: str) -> str:
    zh, en = {**REASONS, **SCHEME_REASONS}.get(reason, (reason, reason))
    code = "#N/A" if reason in ("prospect", "no_purchase_date") else "#VALUE!"
    return _error(code, zh, en)


def _settings(**values: Any) -> Settings:
    given = {k: v for k, v in values.items() if v is not None and str(v).strip() != ""}
    return DEFAULTS.replace(given) if given else DEFAULTS


def _run(columns: dict[str, list[Any]], settings: Settings) -> tuple[SegmentResult, np.ndarray]:
    """segment() on a table built from the arguments; and each input row's result row (-1: blank row)."""
    n = max(len(v) for v in columns.values())
    frame = pd.DataFrame({h: pd.Series(v + [None] * (n - len(v)), dtype=object) for h, v in columns.items()})
    result = segment(frame, settings)
    row_of = np.full(n, -1)
    row_of[np.asarray(result.source_rows, dtype=int)] = np.arange(len(result.table))
    return result, row_of


def _answer(shape: _Shape, result: SegmentResult, row_of: np.ndarray, values: pd.Series,
            blank_without_note: bool = True) -> list[list[Any]]:
    """Per input row: the value, or the first note's error text, or blank."""
    first_note = result.notes.dropna(subset=["row"]).drop_duplicates("row").set_index("row")["reason"]
    out: list[Any] = []
    for i in range(shape.rows * shape.cols):
        r = row_of[i] if i < len(row_of) else -1
        if r < 0:
            out.append(None)
        elif pd.notna(values.iloc[r]):
            out.append(values.iloc[r])
        elif r in first_note.index:
            out.append(_reason_text(first_note.loc[r]))
        else:
            out.append(None)
    return shape.back(out)


# ------------------------------------------------------------------ value tiers
@_guard
def custtier(revenues: Cells, basis: Cells = None, cutoffs: Cells = None) -> list[list[Any]]:
    """客户等级 A/B/C: the ABC tier (top 5% A, next 15% B, the rest C) of each revenue."""
    shape = _Shape(revenues)
    population = None
    if basis is not None and not isinstance(basis, str):
        population, basis = _flat(basis), None
    key = {"count": "tier.count_cutoffs", "revenue_share": "tier.share_cutoffs", "threshold": "tier.thresholds"}
    settings = _settings(**{"tier.basis": basis})
    if cutoffs is not None:
        settings = settings.replace({"tier.basis": settings["tier.basis"], key[settings["tier.basis"]]: cutoffs})
    if population is None:
        result, row_of = _run({"销售额": shape.flat}, settings)
        return _answer(shape, result, row_of, result.classes["tier"])
    result, _ = _run({"销售额": population}, settings)
    known = dict(zip(result.classes["revenue"].dropna(), result.classes["tier"].dropna(), strict=False))
    values = parse_numbers(pd.Series(shape.flat, dtype=object))
    out = []
    for value, problem in zip(values.values, values.problems, strict=True):
        if pd.notna(problem):
            out.append(_reason_text(problem))
        elif pd.isna(value):
            out.append(None)
        else:
            out.append(known.get(value, _error("#N/A", "不在总体中", "not in the population")))
    return shape.back(out)


# ------------------------------------------------------------------ RFM
def _rfm_table(recency_or_last_dates: Cells, frequencies: Cells, monetaries: Cells) -> dict[str, list[Any]]:
    first = _flat(recency_or_last_dates)
    dated = any(hasattr(v, "year") for v in first) or any(isinstance(v, str) and not v.strip().isdigit()
                                                              for v in first if v is not None)
    return {("最近购买日期" if dated else "最近购买天数"): first, "订单数": _flat(frequencies),
            "销售额": _flat(monetaries)}


@_guard
def custrfm(recency_or_last_dates: Cells, frequencies: Cells, monetaries: Cells, as_of: Any = None,
            bins: Any = None) -> list[list[Any]]:
    """RFM得分: the R, F and M scores as a code such as 545."""
    shape = _Shape(recency_or_last_dates)
    settings = _settings(as_of=as_of, **{"rfm.bins": bins})
    result, row_of = _run(_rfm_table(recency_or_last_dates, frequencies, monetaries), settings)
    return _answer(shape, result, row_of, result.classes["rfm_code"])


@_guard
def custrfmclass(recency_or_last_dates: Cells, frequencies: Cells, monetaries: Cells, map: Any = None,
                 lang: Any = None, as_of: Any = None) -> list[list[Any]]:
    """RFM分群: the RFM class (重要价值客户 … / Champions …) under the chosen map."""
    shape = _Shape(recency_or_last_dates)
    lang = lang if lang in ("zh", "en") else "zh"
    settings = _settings(as_of=as_of, language=lang, **{"rfm.map": map or ("rfm8" if lang == "zh" else "rfm10")})
    result, row_of = _run(_rfm_table(recency_or_last_dates, frequencies, monetaries), settings)
    rfm_map = result.classes.attrs["rfm_map"]
    return _answer(shape, result, row_of, labels(result.classes["rfm_class"], rfm_map, lang, settings))


# ------------------------------------------------------------------ lifecycle, quadrants, MAN, follow-up
@_guard
def custlifecycle(first: Cells, last: Cells, orders: Cells, as_of: Any = None, lang: Any = None) -> list[list[Any]]:
    """生命周期: 潜在/新/活跃/沉默/流失客户 from the first and last purchase and the orders."""
    shape = _Shape(last)
    lang = lang if lang in ("zh", "en") else "zh"
    settings = _settings(as_of=as_of)
    table = {"首次购买日期": _flat(first), "最近购买日期": _flat(last), "订单数": _flat(orders)}
    result, row_of = _run(table, settings)
    return _answer(shape, result, row_of, labels(result.classes["lifecycle"], "lifecycle", lang, settings))


@_guard
def custquadrant(values: Cells, needs: Cells, potentials: Cells = None, lang: Any = None) -> list[list[Any]]:
    """价值×需求象限: 高价值/高需求 … 潜在低价值/低需求 (quadrants 1–8)."""
    shape = _Shape(values)
    lang = lang if lang in ("zh", "en") else "zh"
    table = {"销售额": shape.flat, "需求": _flat(needs)}
    if potentials is not None:
        table["潜力"] = _flat(potentials)
    result, row_of = _run(table, DEFAULTS)
    return _answer(shape, result, row_of, labels(result.classes["quadrant"], "quadrant", lang, DEFAULTS))


@_guard
def custman(money: Cells, authority: Cells, need: Cells) -> list[list[Any]]:
    """MAN 代码: MAN, MaN, mAN … man (upper case = yes)."""
    shape = _Shape(money)
    result, row_of = _run({"有预算": shape.flat, "决策权": _flat(authority), "有需求": _flat(need),
                           "客户编号": [f"r{i}" for i in range(len(shape.flat))]}, DEFAULTS)
    return _answer(shape, result, row_of, result.classes["man_code"])


@_guard
def custgrade(stages: Cells) -> list[list[Any]]:
    """跟进等级 S/A/B/C/D from the stage, through the settings' stage mapping."""
    shape = _Shape(stages)
    text = parse_text(pd.Series(shape.flat, dtype=object))
    grades = schemes.followup_grades(text, DEFAULTS["followup.stage_map"])
    out = [g if pd.notna(g) else (_reason_text("unknown_stage") if pd.notna(t) else None)
           for g, t in zip(grades, text, strict=True)]
    return shape.back(out)


@_guard
def custnextcontact(grades: Cells, last_contacts: Cells) -> list[list[Any]]:
    """下次回访日期: last contact + the grade's cadence (S 1, A 3, B 7, C 30, D 90 days)."""
    from xlcustseg.fields.values import parse_dates

    shape = _Shape(grades)
    keys = parse_text(pd.Series(shape.flat, dtype=object)).str.upper()
    cadence = lookup(keys, "followup", "cadence_days", DEFAULTS).astype("float64")
    dates = parse_dates(pd.Series(_flat(last_contacts), dtype=object))
    nxt = schemes.next_followup(dates.values.reindex(keys.index), cadence)
    out = []
    for key, when, problem, days in zip(keys, nxt, dates.problems.reindex(keys.index), cadence, strict=True):
        if pd.notna(problem):
            out.append(_reason_text(problem))
        elif pd.notna(key) and pd.isna(days):
            out.append(_error("#VALUE!", "不是跟进等级", "not a follow-up grade"))
        else:
            out.append(when)
    return shape.back(out)


# ------------------------------------------------------------------ scorecard, nature, strategy
@_guard
def custscore(components: Cells, weights: Cells) -> list[list[Any]]:
    """价值评分 0–100: weighted mean of the components' percentile ranks."""
    rows = components if isinstance(components, list) else [[components]]
    frame = pd.DataFrame(rows, dtype=object)
    w = [parse_numbers(pd.Series([x], dtype=object)).values.iloc[0] for x in _flat(weights)]
    if len(w) != frame.shape[1] or any(pd.isna(x) or x < 0 for x in w):
        return [[_error("#VALUE!", "权重个数须与列数相同且为非负数", "one non-negative weight per column")]]
    parsed = {j: parse_numbers(frame[j]) for j in frame.columns}
    score = schemes.weighted_score({j: p.values for j, p in parsed.items()}, dict(zip(frame.columns, w, strict=True)))
    bad = pd.concat([p.problems for p in parsed.values()], axis=1).bfill(axis=1).iloc[:, 0]
    out = [_reason_text(b) if pd.notna(b) else (round(float(s), 2) if pd.notna(s) else None)
           for s, b in zip(score, bad, strict=True)]
    return [[v] for v in (_excel(x) for x in out)]


@_guard
def custnature(names: Cells, lang: Any = None) -> list[list[Any]]:
    """客户性质: 政府机构, 事业单位/非营利, 渠道客户, 企业客户, 个人客户 or 未识别."""
    shape = _Shape(names)
    lang = lang if lang in ("zh", "en") else "zh"
    keywords = {k: DEFAULTS[f"nature.{k}"] for k in schemes.nature.ORDER}
    keys = schemes.customer_nature(parse_text(pd.Series(shape.flat, dtype=object)), keywords,
                                   consumer_suffixes=DEFAULTS["nature.consumer_suffixes"])
    return shape.back(list(labels(keys, "nature", lang, DEFAULTS)))


@_guard
def custstrategy(classes: Cells, scheme: Any = None, lang: Any = None) -> list[list[Any]]:
    """策略: the strategy text of each class, from the strategy catalogue."""
    shape = _Shape(classes)
    scheme = (scheme or "tier").strip().lower()
    lang = lang if lang in ("zh", "en") else "zh"
    keys = DEFAULTS.classes(scheme)
    if not keys:
        return [[_error("#VALUE!", f"没有方案 {scheme}", f"no scheme {scheme}")]]
    by_label = {DEFAULTS.class_info(scheme, k, f"label_{x}"): k for k in keys for x in ("zh", "en")}
    text = parse_text(pd.Series(shape.flat, dtype=object))
    key = text.map(lambda t: t if t in keys else by_label.get(t))
    strategy = lookup(key, scheme, f"strategy_{lang}", DEFAULTS)
    out = [s if pd.notna(s) else (_error("#N/A", "不是该方案的类别", f"not a {scheme} class") if pd.notna(t) else None)
           for s, t in zip(strategy, text, strict=True)]
    return shape.back(out)


# ------------------------------------------------------------------ clusters
@_guard
def custcluster(ranges: Cells, k: Any = None, lang: Any = None) -> list[list[Any]]:
    """聚类: K-means clusters named by how their centre differs from the average (R高 F高 M低 …)."""
    from xlcustseg.fields.values import parse_dates
    from xlcustseg.learn import cluster_customers

    rows = ranges if isinstance(ranges, list) else [[ranges]]
    frame = pd.DataFrame(rows, dtype=object)
    if frame.shape[1] < 3:
        return [[_error("#VALUE!", "需要 R、F、M 三列", "needs the R, F and M columns")]]
    lang = lang if lang in ("zh", "en") else "zh"
    first = frame[0]
    if any(hasattr(v, "year") for v in first):
        dates = parse_dates(first).values
        recency = (dates.max() - dates).dt.days.astype("float64")
    else:
        recency = parse_numbers(first).values
    features = pd.DataFrame({"R": recency, "F": parse_numbers(frame[1]).values, "M": parse_numbers(frame[2]).values})
    for j in frame.columns[3:]:
        features[f"X{j - 2}"] = parse_numbers(frame[j]).values
    count = None if k in (None, "") else int(float(k))
    clusters = cluster_customers(features, count, lang=lang)
    return [[_excel(v)] for v in clusters.names]


# ------------------------------------------------------------------ what each route exposes
#: every worksheet function, in the order Excel's function wizard lists them
FUNCTIONS: tuple[Callable[..., list[list[Any]]], ...] = (
    custtier, custrfm, custrfmclass, custlifecycle, custquadrant, custman, custgrade, custnextcontact,
    custscore, custnature, custstrategy, custcluster)

#: each function's parameters: (description, is it a range?)
PARAMETERS: dict[str, dict[str, tuple[str, bool]]] = {
    "custtier": {"revenues": ("销售额 (a column, or one cell against its population)", True),
                 "basis": ("count (default), revenue_share or threshold — or the population range B$2:B$5000", True),
                 "cutoffs": ("cut-offs, e.g. '5%,20%' (count), '80%,95%' (revenue_share) or amounts (threshold)",
                             False)},
    "custrfm": {"recency_or_last_dates": ("最近购买日期 (dates) or days since the last purchase", True),
                "frequencies": ("订单数 / orders", True),
                "monetaries": ("销售额 / revenue", True),
                "as_of": ("analysis date (default: the latest purchase date)", False),
                "bins": ("scores 3, 4 or 5 (default 5)", False)},
    "custrfmclass": {"recency_or_last_dates": ("最近购买日期 (dates) or days since the last purchase", True),
                     "frequencies": ("订单数 / orders", True),
                     "monetaries": ("销售额 / revenue", True),
                     "map": ("rfm8 (default for Chinese), rfm4 or rfm10", False),
                     "lang": ("zh (default) or en", False),
                     "as_of": ("analysis date (default: the latest purchase date)", False)},
    "custlifecycle": {"first": ("首次购买日期 / first purchase dates", True),
                      "last": ("最近购买日期 / last purchase dates", True),
                      "orders": ("订单数 / orders", True),
                      "as_of": ("analysis date (default: the latest purchase date)", False),
                      "lang": ("zh (default) or en", False)},
    "custquadrant": {"values": ("销售额 / revenue (blank or 0 for prospects)", True),
                     "needs": ("需求 / need: a score or 高/中/低", True),
                     "potentials": ("潜力 / potential value of prospects (optional)", True),
                     "lang": ("zh (default) or en", False)},
    "custman": {"money": ("购买力/有预算: 是/否", True), "authority": ("决策权: 是/否", True),
                "need": ("有需求: 是/否", True)},
    "custgrade": {"stages": ("跟进状态 / stage text", True)},
    "custnextcontact": {"grades": ("跟进等级 S/A/B/C/D", True),
                        "last_contacts": ("最近联系日期 / last contact dates", True)},
    "custscore": {"components": ("one column per component (e.g. revenue, orders, profit, potential)", True),
                  "weights": ("one weight per column, e.g. 40, 20, 20, 20", True)},
    "custnature": {"names": ("客户名称 / customer names", True), "lang": ("zh (default) or en", False)},
    "custstrategy": {"classes": ("class labels or keys (e.g. A, 重要价值客户, Champions)", True),
                     "scheme": ("tier (default), rfm8, rfm4, rfm10, lifecycle, quadrant, man, followup, score, "
                                "nature, behaviour or personality", False),
                     "lang": ("zh (default) or en", False)},
    "custcluster": {"ranges": ("columns R (days or last dates), F, M, then any extra numeric columns", True),
                    "k": ("number of clusters (default: the best silhouette over 2–8)", False),
                    "lang": ("zh (default) or en", False)},
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
