"""9. Behaviour types and the staff-typed personalities."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd


def behaviour_types(*, discount_share: pd.Series | None = None, tenure_days: pd.Series | None = None,
                    orders: pd.Series | None = None, service_requests: pd.Series | None = None,
                    new_product_share: pd.Series | None = None, average_order: pd.Series | None = None,
                    index: pd.Index, discount_min: float, loyal_days: int, loyal_orders: int,
                    service_min: float, new_product_min: float, brand_quantile: float) -> pd.Series:
    """First match in priority order: price (价格敏感型), loyal (忠诚), service (服务导向),
    innovation (创新导向), brand (品牌导向: average order value above the
    brand_quantile of customers), else general (一般型). A missing signal never matches."""

    def at_least(series: pd.Series | None, limit: float) -> np.ndarray:
        if series is None:
            return np.zeros(len(index), dtype=bool)
        return (series.astype("float64") >= limit).fillna(False).to_numpy(dtype=bool)

    loyal = at_least(tenure_days, loyal_days) & at_least(orders, loyal_orders)
    brand = np.zeros(len(index), dtype=bool)
    if average_order is not None and average_order.notna().any():  # strictly above: ties at the cut stay out
        brand = (average_order > average_order.quantile(brand_quantile)).fillna(False).to_numpy(dtype=bool)
    conditions = [at_least(discount_share, discount_min), loyal,
                  at_least(service_requests, service_min),
                  at_least(new_product_share, new_product_min), brand]
    kinds = ["price", "loyal", "service", "innovation", "brand"]
    return pd.Series(np.select(conditions, kinds, default="general"), index=index, dtype=object)


def personality_keys(typed: pd.Series, known: Collection[str]) -> pd.Series:
    """The catalogue key for a personality staff typed (理智型 …), NA when unknown or blank.

    Accepts the name with or without the trailing 型/客户 (e.g. '理智', '理智型客户')."""
    text = typed.astype(object).where(typed.notna()).astype(str).str.strip()
    text = text.str.replace(r"(的)?客户$", "", regex=True)
    plain = text.where(text.isin(known), text + "型")
    return plain.where(plain.isin(known)).astype(object)
