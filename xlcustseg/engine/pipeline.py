"""segment(table, settings) → the classes, strategies, notes and summary of every customer.

Every entry point (worksheet functions, the ribbon, the command line) ends here
or in `xlcustseg.schemes`. `segment()` is the table of its steps: prepare the
customers, run one step per scheme, lay the answers out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from xlcustseg.engine import steps
from xlcustseg.engine.explain import cut_points, why_texts
from xlcustseg.engine.lifetime import lifetime
from xlcustseg.engine.output import all_notes, all_warnings, classes_frame, output_table
from xlcustseg.engine.prepare import prepare
from xlcustseg.engine.result import SegmentResult
from xlcustseg.engine.summary import build_summary
from xlcustseg.i18n import WHY_COLUMN, pick
from xlcustseg.settings import Settings


def segment(table: pd.DataFrame, settings: Settings | Mapping[str, Any] | None = None, *,
            origin: tuple[int, int] | None = None) -> SegmentResult:
    """Segment a customer table or order lines as a spreadsheet hands them over.

    table: a DataFrame whose columns are the headers, or whose header is one
      of its first rows (title rows above it are skipped).
    settings: a Settings, a mapping of setting keys to values, or None.
    origin: the sheet row and column (1-based) of the frame's first row and
      column, used to name cells in notes; by default (2, 1) when the frame's
      columns are the header (read from row 1), else (1, 1).
    """
    settings = settings if isinstance(settings, Settings) else Settings(settings or {})
    prepared = prepare(table, settings, origin)
    c = prepared.customers
    tiers = steps.tiers(c, settings)
    rfm = steps.rfm(c, settings)
    lifecycle = steps.lifecycle(c, settings)
    quadrants = steps.quadrants(c, settings)
    man = steps.man(c)
    followup = steps.followup(c, settings)
    scorecard = steps.scorecard(c, settings)
    customer_type = steps.customer_type(c, settings)
    personality = steps.personality(c, settings)
    strategy = steps.strategy(c, settings, tiers, rfm, lifecycle, personality, followup, customer_type)
    clv = lifetime(prepared.lines, prepared.source_rows if prepared.kind == "orders" else None, c.n, c.as_of,
                   c.fields.problems.get("orders"), settings, c.language)

    done = (tiers, rfm, lifecycle, quadrants, man, followup, scorecard, customer_type, personality, strategy, clv)
    notes = all_notes(prepared, done)
    classes = classes_frame(c, done, notes)
    cuts = cut_points(settings, tiers, rfm, lifecycle, 0 if c.revenue is None else int(c.revenue.notna().sum()))
    table = output_table(prepared, classes, rfm.rfm_map, customer_type.scheme, settings)
    if settings["output.why"]:  # the 分层依据 / Why column, last
        table[pick(WHY_COLUMN[1:], c.language)] = why_texts(classes, cuts, c.language, settings).to_numpy()
    return SegmentResult(
        table=table, classes=classes,
        notes=notes, summary=build_summary(classes, rfm.rfm_map, settings, c.language),
        warnings=all_warnings(done, notes), language=c.language, kind=prepared.kind, as_of=c.as_of,
        layout=prepared.layout, source_rows=prepared.source_rows, rfm_map=rfm.rfm_map,
        secondary=strategy.secondary, settings=settings, clv=clv.report, cuts=cuts)
