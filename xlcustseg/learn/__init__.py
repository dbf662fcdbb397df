"""Learned segments (scikit-learn): clusters that name themselves, and grades learnt from staff."""

from xlcustseg.learn.clusters import ClusterResult, cluster_customers
from xlcustseg.learn.grades import LearnError, LearnResult, learn_grades

__all__ = ["ClusterResult", "LearnError", "LearnResult", "cluster_customers", "learn_grades"]
