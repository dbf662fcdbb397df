"""The segmentation schemes of SCHEMES.md, one module each.

Every function here is pure and vectorised: it takes pandas Series (already
cleaned: floats, datetimes, booleans, with NA for missing) and returns a Series
of class keys aligned on the same index, NA where the row cannot be classed.
Class keys are stable identifiers (`A`, `important_value`, `q3` …); labels and
strategies for them live in the settings (`xlcustseg.settings`).
"""

from xlcustseg.schemes.behaviour import behaviour_types, personality_keys
from xlcustseg.schemes.followup import followup_grades, next_followup, suggested_grades
from xlcustseg.schemes.lifecycle import lifecycle_stages, purchase_on_record
from xlcustseg.schemes.man import man_actions, man_codes, man_grades, need_flags
from xlcustseg.schemes.movement import tier_changes
from xlcustseg.schemes.nature import customer_nature
from xlcustseg.schemes.quadrant import is_high, quadrants, without_revenue
from xlcustseg.schemes.rfm import (
    binned_scores,
    high_centres,
    rank_edges,
    rank_scores,
    rfm_classes,
    rfm_codes,
    threshold_scores,
)
from xlcustseg.schemes.scorecard import percentile_rank, score_grades, weighted_score
from xlcustseg.schemes.tiers import tier_lows, value_tiers

__all__ = [
    "behaviour_types", "binned_scores", "customer_nature", "followup_grades", "high_centres", "is_high",
    "lifecycle_stages", "man_actions", "man_codes", "man_grades", "need_flags", "next_followup", "percentile_rank",
    "personality_keys", "purchase_on_record", "quadrants", "rank_edges", "rank_scores", "rfm_classes", "rfm_codes",
    "score_grades", "suggested_grades", "threshold_scores", "tier_changes", "tier_lows", "value_tiers",
    "weighted_score", "without_revenue",
]
