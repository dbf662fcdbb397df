"""6. Follow-up grade (S/A/B/C/D from the stage) and contact cadence."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

GRADES = ("S", "A", "B", "C", "D")


def followup_grades(stages: pd.Series, stage_map: Mapping[str, str]) -> pd.Series:
    """Grade per row from the stage text via the mapping (exact, after trimming);
    a stage that is already a grade letter is kept. NA when the stage is unknown."""
    text = stages.astype(object).where(stages.notna()).astype(str).str.strip()
    lookup = {k.strip(): v for k, v in stage_map.items()}
    grade = text.map(lookup)
    letter = text.str.upper().where(text.str.upper().isin(GRADES))
    return grade.fillna(letter).where(stages.notna()).astype(object)


def next_followup(last_contact: pd.Series, cadence_days: pd.Series) -> pd.Series:
    """Last contact + cadence (days)."""
    return last_contact + pd.to_timedelta(cadence_days.astype("float64"), unit="D")


def suggested_grades(grades: pd.Series, days_since_contact: pd.Series, demote_after: int) -> pd.Series:
    """The grade, except an A not converted after `demote_after` days is suggested as B."""
    stale = grades.eq("A") & (days_since_contact.astype("float64") > demote_after)
    return grades.where(~stale.fillna(False), "B")
