"""Grades learnt from the rows staff already graded: a depth-limited decision tree.

The features are the table's usable columns, read as a person reads them:
numbers (messy forms included), dates (as days before the latest date), and
text columns with few distinct values (one-hot). Id-like columns (almost all
values distinct) are left out. The tree's rules are written out in words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

from xlcustseg.fields.values import parse_dates, parse_numbers, parse_text
from xlcustseg.i18n import RULE, RULE_ALL_ROWS, RULE_AND, pick

MIN_LABELLED = 20
MAX_CATEGORIES = 20
READABLE = 0.9  # share of non-blank cells that must read as numbers (or dates) to use a column so


class LearnError(ValueError):
    """The grades cannot be learnt; the message says why in one sentence."""


@dataclass
class LearnResult:
    predicted: pd.Series  # the learnt grade for unlabelled rows (NA for labelled ones)
    confidence: pd.Series  # the tree's probability for that grade
    accuracy: float  # cross-validated accuracy on the labelled rows
    folds: int
    rules: list[str]
    features: list[str]
    labelled: int


def usable_features(table: pd.DataFrame, exclude: set[str]) -> tuple[pd.DataFrame, list[str], list[str]]:
    """(numeric and categorical features, numeric names, categorical names)."""
    numeric, categorical = {}, {}
    for column in table.columns:
        if column in exclude:
            continue
        raw = table[column]
        present = raw.notna() & raw.astype(str).str.strip().ne("")
        if present.sum() == 0:
            continue
        numbers = parse_numbers(raw)
        if numbers.values[present].notna().mean() >= READABLE:
            numeric[column] = numbers.values
            continue
        dates = parse_dates(raw)
        if dates.values[present].notna().mean() >= READABLE:
            latest = dates.values.max()
            numeric[column] = (latest - dates.values).dt.days.astype("float64")
            continue
        text = parse_text(raw)
        distinct = text.nunique()
        if 1 < distinct <= MAX_CATEGORIES and distinct < 0.9 * present.sum():
            categorical[column] = text.fillna("（空）").astype(str)
    frame = pd.DataFrame({**numeric, **categorical}, index=table.index)
    return frame, list(numeric), list(categorical)


def learn_grades(table: pd.DataFrame, label: str, *, lang: str = "zh", max_depth: int = 4,
                 exclude: set[str] | None = None, seed: int = 0) -> LearnResult:
    """Learn `label` from the rows that have one; predict it for the rest."""
    if label not in table.columns:
        raise LearnError(f"There is no column '{label}' to learn from.")
    labels = parse_text(table[label])
    known = labels.notna()
    if known.sum() < MIN_LABELLED:
        raise LearnError(f"Only {int(known.sum())} rows have a '{label}': at least {MIN_LABELLED} are needed "
                         "to learn from.")
    if labels[known].nunique() < 2:
        raise LearnError(f"Every graded row has the same '{label}' ({labels[known].iloc[0]}): there is nothing "
                         "to tell apart.")
    features, numeric, categorical = usable_features(table, {label, *(exclude or set())})
    if features.shape[1] == 0:
        raise LearnError("The table has no column to learn from besides the grade.")
    model = _model(numeric, categorical, max_depth, seed)
    x, y = features[known], labels[known].astype(str)
    folds = int(min(5, y.value_counts().min()))
    accuracy = float("nan")
    if folds >= 2:
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        accuracy = float(cross_val_score(model, x, y, cv=cv).mean())
    model.fit(x, y)
    predicted = pd.Series(None, index=table.index, dtype=object)
    confidence = pd.Series(np.nan, index=table.index)
    if (~known).any():
        probabilities = model.predict_proba(features[~known])
        classes = model.classes_
        predicted[~known] = classes[probabilities.argmax(axis=1)]
        confidence[~known] = probabilities.max(axis=1)
    rules = tree_rules(model, lang)
    return LearnResult(predicted, confidence, accuracy, folds, rules, [*numeric, *categorical], int(known.sum()))


def _model(numeric: list[str], categorical: list[str], max_depth: int, seed: int) -> Pipeline:
    steps = []
    if numeric:
        steps.append(("num", SimpleImputer(strategy="median"), numeric))
    if categorical:
        steps.append(("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical))
    prepare = ColumnTransformer(steps, verbose_feature_names_out=False)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=3, random_state=seed)
    return Pipeline([("prepare", prepare), ("tree", tree)])


def tree_rules(model: Pipeline, lang: str = "zh") -> list[str]:
    """Every leaf as a sentence: '如果 销售额 > 50,000 且 地区 = 华东，则 A（置信度 93%，40 行）'.

    Conditions on the same column are merged into the tightest bounds.
    """
    tree = model.named_steps["tree"].tree_
    names = list(model.named_steps["prepare"].get_feature_names_out())
    categorical = _categorical_names(model)
    classes = model.named_steps["tree"].classes_
    zh = lang == "zh"
    rules: list[str] = []

    def walk(node: int, path: list[tuple[int, float, bool]]) -> None:
        if tree.children_left[node] == tree.children_right[node]:
            counts = tree.value[node][0]
            share = counts / counts.sum()
            best = int(share.argmax())
            n = int(tree.n_node_samples[node])
            conditions = _merge(path, names, categorical)
            lang = "zh" if zh else "en"
            when = pick(RULE_AND, lang).join(conditions) or pick(RULE_ALL_ROWS, lang)
            rules.append(pick(RULE, lang).format(when=when, grade=classes[best], share=share[best], rows=n))
            return
        feature, threshold = int(tree.feature[node]), float(tree.threshold[node])
        walk(tree.children_left[node], [*path, (feature, threshold, True)])
        walk(tree.children_right[node], [*path, (feature, threshold, False)])

    walk(0, [])
    return rules


def _merge(path: list[tuple[int, float, bool]], names: list[str],
           categorical: dict[str, tuple[str, str]]) -> list[str]:
    """Tightest bounds per numeric column; one-hot splits as = / ≠ (a category once equal says it all)."""
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    equal: dict[str, str] = {}
    unequal: dict[str, list[str]] = {}
    for feature, threshold, left in path:
        name = names[feature]
        if name in categorical:
            column, value = categorical[name]
            if left:
                unequal.setdefault(column, []).append(value)
            else:
                equal[column] = value
        elif left:
            high[name] = min(high.get(name, threshold), threshold)
        else:
            low[name] = max(low.get(name, threshold), threshold)
    out = []
    for name in dict.fromkeys([*low, *high]):
        if name in low:
            out.append(f"{name} > {_number(low[name])}")
        if name in high:
            out.append(f"{name} ≤ {_number(high[name])}")
    for column in dict.fromkeys([*equal, *unequal]):
        if column in equal:
            out.append(f"{column} = {equal[column]}")
        else:
            out.extend(f"{column} ≠ {value}" for value in unequal[column])
    return out


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def _categorical_names(model: Pipeline) -> dict[str, tuple[str, str]]:
    prepare = model.named_steps["prepare"]
    if "cat" not in prepare.named_transformers_:
        return {}
    encoder = prepare.named_transformers_["cat"]
    out = {}
    for column, categories in zip(encoder.feature_names_in_, encoder.categories_, strict=True):
        for value in categories:
            out[f"{column}_{value}"] = (column, str(value))
    return out
