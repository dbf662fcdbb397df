"""Clustering speed: 100,000 customers, against a bare scikit-learn KMeans fit on the same matrix.

Run: python benchmarks/learn.py
Prints cluster_customers(k given) / KMeans.fit (goal ≤ 1.3) and, separately,
the time of choosing k by silhouette (on a sample of 5,000 rows).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans

sys.path.insert(0, str(Path(__file__).parent))
from _common import best_of

from xlcustseg.learn.clusters import choose_k, cluster_customers, feature_matrix


def customers(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"R": rng.integers(0, 900, n).astype(float), "F": rng.geometric(0.3, n).astype(float),
                         "M": rng.lognormal(7, 1.2, n)})


def main() -> None:
    features = customers(100_000)
    matrix, _ = feature_matrix(features)
    k = 4
    base = best_of(lambda: KMeans(n_clusters=k, n_init="auto", random_state=0).fit(matrix))
    ours = best_of(lambda: cluster_customers(features, k))
    print(f"customers: {len(features):,}, k = {k}")
    print(f"  bare KMeans.fit on the prepared matrix: {base:.2f} s")
    print(f"  cluster_customers (transform, fit, names, profile): {ours:.2f} s")
    print(f"  ratio: {ours / base:.2f}   (goal <= 1.3)")
    choose = best_of(lambda: choose_k(matrix), repeat=1)
    print(f"  choosing k by silhouette over 2-8 (5,000-row sample): {choose:.2f} s")


if __name__ == "__main__":
    main()
