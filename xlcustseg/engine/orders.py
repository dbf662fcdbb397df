"""Order lines → one row per customer (first and last purchase, orders, revenue)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlcustseg.fields.reader import FieldTable

#: how many significant digits of a number a spreadsheet holds
SHEET_DIGITS = 15
MONEY_DECIMALS = 6  # no currency has more; a sum's residue below this is the order of adding
#: text fields carried from the lines to the customer (their first non-blank value).
CARRIED = ("customer_name", "industry", "region", "customer_kind", "personality", "stage")


def aggregate(lines: FieldTable) -> tuple[FieldTable, np.ndarray]:
    """Customers from order lines, and for each line its customer's row (-1: no id).

    Frequency is the number of distinct order ids, or of distinct purchase days
    without an order-id column. A customer with a line whose date or amount could
    not be read gets no aggregates at all (any figure would be a guess): their
    classes stay empty, and the lines' notes say why.
    """
    cid = lines.values["customer_id"]
    date = lines.values["order_date"]
    amount = lines.values.get("revenue")
    if "customer_id" in lines.codes:
        codes = lines.codes["customer_id"]
        uniques = cid.to_numpy(dtype=object)[_first_positions(codes)]
    else:
        codes, uniques = pd.factorize(cid, use_na_sentinel=True)
    k = len(uniques)
    has_id = codes >= 0
    bad_date = has_id & date.isna().to_numpy()
    bad_amount = has_id & (amount.isna().to_numpy() if amount is not None else False)
    ok = has_id & ~bad_date & ~bad_amount

    days = date.to_numpy(dtype="datetime64[ns]")
    index = pd.RangeIndex(k)
    first, last = _first_and_last(days, codes, ok, k)
    orders = _distinct_orders(lines, codes, ok, days, k)
    revenue = (_as_a_sheet_holds(np.bincount(codes[ok], weights=amount.to_numpy()[ok], minlength=k))
               if amount is not None else np.full(k, np.nan))

    gap = np.bincount(codes[has_id & ~ok], minlength=k) > 0
    customers = FieldTable(n=k)
    customers.values = {
        "customer_id": pd.Series(uniques, index=index, dtype=object),
        "first_date": first.where(~gap),
        "last_date": last.where(~gap),
        "orders": pd.Series(orders, index=index).where(~gap),
        "revenue": pd.Series(revenue, index=index).where(~gap),
    }
    customers.problems = dict.fromkeys(("first_date", "last_date", "orders", "revenue"), gap)
    for name in CARRIED:
        if name in lines.values:
            values = lines.values[name][has_id].groupby(codes[has_id], sort=True).first()
            customers.values[name] = values.reindex(index).astype(object)
    customers.headers = {name: lines.headers.get(name, name) for name in customers.values}
    return customers, codes


def _first_and_last(days: np.ndarray, codes: np.ndarray, ok: np.ndarray, k: int) -> tuple[pd.Series, pd.Series]:
    """Each customer's first and last date over the lines `ok` (NaT without one): two unbuffered
    min/max passes over the codes, not a groupby that factorises them again."""
    ticks, owner = days[ok].view(np.int64), codes[ok]
    first = np.full(k, np.iinfo(np.int64).max)
    last = np.full(k, np.iinfo(np.int64).min)
    np.minimum.at(first, owner, ticks)
    np.maximum.at(last, owner, ticks)
    seen = np.bincount(owner, minlength=k) > 0
    nat = np.datetime64("NaT", "ns").view(np.int64)
    as_dates = [pd.Series(np.where(seen, t, nat).view("datetime64[ns]"), index=pd.RangeIndex(k)) for t in (first, last)]
    return as_dates[0], as_dates[1]


def _as_a_sheet_holds(sums: np.ndarray) -> np.ndarray:
    """Sums to the 15 significant digits a spreadsheet keeps (and openpyxl writes).

    Adding amounts in cents leaves binary residue (387.60999999999996 for
    387.61); without it, the revenue the engine ranks is the one written to
    the customer sheet, so a worksheet function over that column agrees.
    Sums below 1e15 only (where 10 ** decimals is exact); larger or zero ones stay.
    First to MONEY_DECIMALS places: amounts that cancel out (10 - 5 - 5 + 0.01) leave a
    residue that depends on the order of adding (0.009999999999999787 or 0.01), and an
    engine that adds per order first (DuckDB, Spark) must rank the same sum.
    """
    sums = np.round(sums, MONEY_DECIMALS)
    with np.errstate(divide="ignore", invalid="ignore"):
        decimals = SHEET_DIGITS - 1 - np.floor(np.log10(np.abs(sums)))
    exact = np.isfinite(decimals) & (decimals >= 0) & (decimals <= 22)
    scale = 10.0 ** np.where(exact, decimals, 0)
    return np.where(exact, np.round(sums * scale) / scale, sums)


def _first_positions(codes: np.ndarray) -> np.ndarray:
    """For codes 0..k-1, the first row holding each."""
    k = int(codes.max(initial=-1)) + 1
    first = np.full(k, len(codes), dtype=np.int64)
    np.minimum.at(first, codes[codes >= 0], np.flatnonzero(codes >= 0))
    return first


def _distinct_orders(lines: FieldTable, codes: np.ndarray, ok: np.ndarray,
                     days: np.ndarray, k: int) -> np.ndarray:
    if "order_id" in lines.values:
        order = lines.values["order_id"].to_numpy(dtype=object)[ok]
        key = pd.factorize(order, use_na_sentinel=True)[0].astype(np.int64)
        key[key < 0] = key.max(initial=-1) + 1  # lines without an order id: one order (no isna pass over the ids)
    else:
        key = days[ok].astype("datetime64[D]").astype(np.int64)
        key = key - key.min(initial=0)
    width = int(key.max(initial=0)) + 1
    customer = codes[ok].astype(np.int64)
    pairs = np.sort(customer * width + key)  # each (customer, order) once: a sort, then the first of each run
    first = np.empty(len(pairs), dtype=bool)  # (np.unique hashes int64 keys on NumPy 2.4: 13 s on a million)
    first[:1] = True
    np.not_equal(pairs[1:], pairs[:-1], out=first[1:])
    return np.bincount(pairs[first] // width, minlength=k).astype(float)
