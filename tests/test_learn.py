"""Learned segments: planted clusters recovered, a planted grading rule learnt, determinism, messy input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from xlcustseg.cli import main as cli
from xlcustseg.learn import LearnError, cluster_customers, learn_grades

SAMPLES = Path(__file__).resolve().parents[1] / "workbook_templates"


def planted_groups(n_per: int = 150, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Four groups far apart in log R, F, M."""
    rng = np.random.default_rng(seed)
    centres = [(5, 30, 20000), (300, 2, 300), (20, 3, 500), (400, 25, 15000)]
    rows, truth = [], []
    for g, (r, f, m) in enumerate(centres):
        noise = rng.lognormal(0, 0.15, (n_per, 3))
        rows.append(np.column_stack([r * noise[:, 0], np.maximum(1, f * noise[:, 1]), m * noise[:, 2]]))
        truth += [g] * n_per
    return pd.DataFrame(np.vstack(rows), columns=["R", "F", "M"]), np.array(truth)


def test_four_planted_groups_are_recovered():
    features, truth = planted_groups()
    result = cluster_customers(features)
    assert result.k == 4
    assert adjusted_rand_score(truth, result.labels) >= 0.9
    assert len(set(result.names)) == 4


def test_names_describe_the_centres():
    features, truth = planted_groups()
    result = cluster_customers(features, k=4)
    best = result.names[truth == 0].mode().iloc[0]  # recent, frequent, big spenders
    worst = result.names[truth == 1].mode().iloc[0]
    assert best.startswith("R高 F高 M高") and "重要价值客户" in best
    assert worst.startswith("R低 F低 M低") and "一般挽留客户" in worst
    english = cluster_customers(features, k=4, lang="en").names[truth == 0].iloc[0]
    assert english.startswith("R high F high M high")


def test_profile_and_determinism():
    features, _ = planted_groups()
    a, b = cluster_customers(features), cluster_customers(features)
    assert (a.labels == b.labels).all() and a.names.equals(b.names)
    assert a.profile["size"].sum() == len(features) and a.profile["share"].sum() == pytest.approx(1)
    assert a.profile["revenue_share"].sum() == pytest.approx(1)


def test_missing_features_are_not_clustered():
    features, _ = planted_groups(30)
    features.loc[[0, 5], "M"] = np.nan
    result = cluster_customers(features, k=3)
    assert (result.labels[[0, 5]] == -1).all() and result.names.iloc[[0, 5]].isna().all()


def graded_table(n: int = 400, seed: int = 5) -> pd.DataFrame:
    """Grade A when revenue ≥ 50,000 and region is 华东; B when revenue ≥ 10,000; else C."""
    rng = np.random.default_rng(seed)
    revenue = rng.lognormal(9.5, 1.2, n).round(2)
    region = rng.choice(["华东", "华北", "华南"], n)
    orders = rng.integers(1, 30, n)
    grade = np.where((revenue >= 50000) & (region == "华东"), "A", np.where(revenue >= 10000, "B", "C"))
    table = pd.DataFrame({"客户编号": [f"K{i}" for i in range(n)], "销售额": revenue.astype(object), "地区": region,
                          "订单数": orders, "人工等级": grade.astype(object)})
    table["销售额"] = [f"¥{v:,.2f}" if i % 3 == 0 else v for i, v in enumerate(revenue)]  # messy on purpose
    return table


def test_planted_rule_is_learnt():
    table = graded_table()
    truth = table["人工等级"].copy()
    held_out = table.index % 4 == 0
    table.loc[held_out, "人工等级"] = None
    result = learn_grades(table, "人工等级", exclude={"客户编号"})
    accuracy = (result.predicted[held_out] == truth[held_out]).mean()
    assert accuracy >= 0.95
    assert result.accuracy >= 0.9 and result.folds == 5
    assert result.predicted[~held_out].isna().all()  # never over a grade staff entered
    assert result.confidence[held_out].between(0, 1).all()
    assert any("销售额" in rule for rule in result.rules) and any("地区 = 华东" in rule for rule in result.rules)
    assert all(rule.startswith("如果 ") for rule in result.rules)


def test_learning_is_deterministic_and_handles_missing_values():
    table = graded_table(200)
    table.loc[::7, "销售额"] = "#N/A"
    table.loc[::11, "地区"] = None
    table.loc[::2, "人工等级"] = None
    a, b = learn_grades(table, "人工等级"), learn_grades(table, "人工等级")
    assert a.predicted.equals(b.predicted) and a.rules == b.rules


def test_too_few_or_single_class_is_refused():
    table = graded_table(100)
    table.loc[19:, "人工等级"] = None
    with pytest.raises(LearnError, match="Only 19 rows"):
        learn_grades(table, "人工等级")
    table = graded_table(100)
    table["人工等级"] = "B"
    with pytest.raises(LearnError, match="same"):
        learn_grades(table, "人工等级")


def test_learn_command_writes_predictions_and_rules(tmp_path, capsys):
    table = graded_table(120)
    table.loc[table.index % 3 == 0, "人工等级"] = None
    src = tmp_path / "graded.xlsx"
    table.to_excel(src, index=False)
    out = tmp_path / "graded_out.xlsx"
    assert cli(["learn", str(src), "--label", "人工等级", "-o", str(out)]) == 0
    assert "交叉验证准确率" in capsys.readouterr().out
    written = pd.read_excel(out, engine="calamine")
    original = pd.read_excel(src, engine="calamine")
    assert written["人工等级"].equals(original["人工等级"])
    assert written.loc[written["人工等级"].isna(), "预测等级"].notna().all()
    assert written.loc[written["人工等级"].notna(), "预测等级"].isna().all()
    rules = openpyxl.load_workbook(out)["规则"]
    assert rules["A1"].value == "学到的规则" and rules["A4"].value.startswith("如果 ")


def test_learn_command_refuses_too_few_labels(tmp_path, capsys):
    table = graded_table(60)
    table.loc[5:, "人工等级"] = None
    src = tmp_path / "few.xlsx"
    table.to_excel(src, index=False)
    assert cli(["learn", str(src), "--label", "人工等级", "-o", str(tmp_path / "o.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "at least 20" in err and not (tmp_path / "o.xlsx").exists()


def test_cluster_command_adds_a_column_and_a_profile(tmp_path):
    out = tmp_path / "clustered.xlsx"
    assert cli(["cluster", str(SAMPLES / "orders_sample.xlsx"), "-o", str(out), "--k", "3"]) == 0
    customers = pd.read_excel(out, sheet_name="Customers", engine="calamine")
    assert customers["Cluster"].dropna().nunique() == 3
    ws = openpyxl.load_workbook(out)["Summary"]
    headers = [cell for row in ws.iter_rows() for cell in row if cell.value == "Cluster"]
    assert len(headers) == 1, "the cluster profile's header once on the summary"
    assert ws.cell(headers[0].row + 1, headers[0].column + 1).value.startswith("=COUNTIF(")


def test_custcluster_spills_the_cluster_names():
    from xlcustseg.excel import udfs

    features, truth = planted_groups(60)
    rows = features.to_numpy().tolist()
    names = [r[0] for r in udfs.custcluster(rows)]
    assert len(names) == len(rows) and len(set(names)) == 4
    assert adjusted_rand_score(truth, pd.factorize(pd.Series(names))[0]) >= 0.9
    assert udfs.custcluster(rows, 2) != udfs.custcluster(rows)
    assert udfs.custcluster([[1, 2]])[0][0].startswith("#VALUE!")


def test_clustering_as_a_setting_of_the_one_click_run(tmp_path):
    from xlcustseg.workbook.files import open_book
    from xlcustseg.workbook.run import segment_book

    book, _ = open_book(SAMPLES / "客户名单示例.xlsx")
    report = segment_book(book, {"cluster.enabled": "是", "cluster.k": 3})
    names = report.clusters.names.dropna()
    assert names.nunique() == 3 and all("（" in n for n in names)
    out = tmp_path / "c.xlsx"
    book.save(out)
    headers = [c.value for c in openpyxl.load_workbook(out)["客户名单"][4]]
    assert headers[-1] == "聚类"
