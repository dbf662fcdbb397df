"""K-means on log-transformed, standardised R, F, M (plus chosen columns), named by its centres.

A cluster's name says how its centre differs from the average customer, one
word per feature (R高 F高 M低 …; 'high/low' in English; 中/mid within a quarter
of a standard deviation), followed by the nearest rfm8 class. R is recency in
days, so a *low* number of days is R高 (recent).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from xlcustseg.i18n import CLUSTER_LEVELS, CLUSTER_RFM_NAME, pick
from xlcustseg.schemes.rfm import RFM8

MID = 0.25  # |z| below this is "about average"
SILHOUETTE_SAMPLE = 5000


@dataclass
class ClusterResult:
    """labels: cluster per row (-1: not clustered, a feature was missing); names per row."""

    labels: np.ndarray
    names: pd.Series
    profile: pd.DataFrame
    k: int
    silhouettes: dict[int, float] = field(default_factory=dict)


def feature_matrix(features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Signed log1p of every column, standardised; and the mask of complete rows."""
    values = features.to_numpy(dtype="float64", na_value=np.nan)
    complete = ~np.isnan(values).any(axis=1)
    kept = values if complete.all() else values[complete]
    # refunds can make M negative: keep the sign (the plain log1p is the fast path)
    logged = np.log1p(kept) if (kept >= 0).all() else np.sign(kept) * np.log1p(np.abs(kept))
    if not complete.any():
        return logged, complete
    logged -= logged.mean(axis=0)  # as StandardScaler, in place
    spread = logged.std(axis=0)
    logged /= np.where(spread > 0, spread, 1.0)
    return logged, complete


def choose_k(matrix: np.ndarray, k_range: range = range(2, 9), seed: int = 0) -> dict[int, float]:
    """Silhouette score per k on a fixed sample of at most SILHOUETTE_SAMPLE rows."""
    rng = np.random.RandomState(seed)
    sample = matrix if len(matrix) <= SILHOUETTE_SAMPLE else matrix[rng.choice(len(matrix), SILHOUETTE_SAMPLE,
                                                                                 replace=False)]
    scores = {}
    for k in k_range:
        if k >= len(sample):
            break
        labels = KMeans(n_clusters=k, n_init="auto", random_state=seed).fit_predict(sample)
        if len(set(labels)) > 1:
            scores[k] = float(silhouette_score(sample, labels))
    return scores


def cluster_customers(features: pd.DataFrame, k: int | None = None, *, lang: str = "zh",
                      seed: int = 0, rfm_labels: dict[str, str] | None = None) -> ClusterResult:
    """Cluster customers on `features` (columns 'R' days, 'F', 'M', then any extra numeric ones).

    k: the number of clusters, or None to choose it by silhouette over 2–8.
    rfm_labels: rfm8 class key -> label for the names (default: the catalogue's).
    """
    if features.shape[1] == 0:
        raise ValueError("no features to cluster on")
    matrix, complete = feature_matrix(features)
    n = int(complete.sum())
    if n < 3:
        raise ValueError(f"only {n} customers have every feature: too few to cluster")
    scores: dict[int, float] = {}
    if k is None:
        scores = choose_k(matrix, seed=seed)
        k = max(scores, key=scores.get) if scores else 2
    k = min(k, n)
    model = KMeans(n_clusters=k, n_init="auto", random_state=seed).fit(matrix)
    labels = np.full(len(features), -1)
    labels[complete] = model.labels_
    if rfm_labels is None:
        from xlcustseg.settings import DEFAULTS

        rfm_labels = {key: DEFAULTS.class_info("rfm8", key, f"label_{lang}") for key in DEFAULTS.classes("rfm8")}
    names = _names(model.cluster_centers_, list(features.columns), lang, rfm_labels)
    per_row = pd.Series(np.array([*names, None], dtype=object)[labels], index=features.index, dtype=object)
    return ClusterResult(labels, per_row, _profile(features, labels, names), k, scores)


def _word(z: float, lang: str) -> str:
    level = "mid" if abs(z) < MID else ("high" if z > 0 else "low")
    return pick(CLUSTER_LEVELS[level], lang)


def _names(centres: np.ndarray, columns: list[str], lang: str, rfm_labels: dict[str, str]) -> list[str]:
    names = []
    for centre in centres:
        z = dict(zip(columns, centre, strict=True))
        if "R" in z:
            z["R"] = -z["R"]  # fewer days since the last purchase is better
        parts = [f"{col}{_word(value, lang)}" for col, value in z.items()]
        name = " ".join(parts)
        if {"R", "F", "M"} <= z.keys():
            key = RFM8[(z["R"] >= 0, z["F"] >= 0, z["M"] >= 0)]
            name += pick(CLUSTER_RFM_NAME, lang).format(label=rfm_labels.get(key, key))
        names.append(name)
    seen: dict[str, int] = {}
    for i, name in enumerate(names):  # two centres can read alike: keep the names distinct
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[i] = f"{name} #{seen[name]}"
    return names


def _profile(features: pd.DataFrame, labels: np.ndarray, names: list[str]) -> pd.DataFrame:
    clustered = labels >= 0
    k = len(names)
    size = np.bincount(labels[clustered], minlength=k)
    profile = pd.DataFrame({"cluster": range(k), "name": names, "size": size,
                            "share": size / max(int(clustered.sum()), 1)})
    for column in features.columns:
        sums = np.bincount(labels[clustered], weights=features[column].to_numpy(dtype=float)[clustered], minlength=k)
        profile[f"mean_{column}"] = sums / np.maximum(size, 1)
        if column == "M":
            profile["revenue_share"] = sums / sums.sum() if sums.sum() else 0.0
    return profile
