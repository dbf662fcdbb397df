"""`Settings`: the validated, immutable values of every option, and their settings-sheet form.

A `Settings` maps dotted keys (`rfm.bins`, `tier.basis`, `class.tier.A.strategy_zh`
…) to typed values, starting from the options table's defaults. It converts to
and from the two-column key/value table the workbook's settings sheet holds;
values there are text as a person types them (`5%, 20%`, `已付意向金=A；有明确意向=B`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import pandas as pd

from xlcustseg.i18n import SETTINGS_HEADERS, pick
from xlcustseg.settings.options import AUTO_CUTOFFS, OPTIONS, TIER_LETTERS
from xlcustseg.settings_table import read_settings_table


class SettingsError(ValueError):
    """A setting has a value we cannot use. `key` names it; `row` is its table row if known."""

    def __init__(self, key: str, value: object, reason: str, row: int | None = None):
        self.key, self.value, self.reason, self.row = key, value, reason, row
        super().__init__(f"setting '{key}' = {value!r}: {reason}")


class Settings(Mapping[str, Any]):
    """Validated, immutable settings. `Settings({"rfm.bins": 4})`; `s["rfm.bins"]`."""

    def __init__(self, values: Mapping[str, Any] | None = None, *, _rows: Mapping[str, int] | None = None):
        rows = _rows or {}
        parsed = dict(_parsed_defaults())
        for key, raw in (values or {}).items():
            option = OPTIONS.get(key)
            if option is None:
                continue
            try:
                parsed[key] = option.read(raw)
            except ValueError as exc:
                raise SettingsError(key, raw, str(exc), rows.get(key)) from None
        unknown = sorted(set(values or {}) - set(OPTIONS))
        if unknown:
            raise SettingsError(unknown[0], (values or {})[unknown[0]], "is not a setting",
                                rows.get(unknown[0]))
        self._values = parsed
        self._raw = {k: (values or {}).get(k, o.default) for k, o in OPTIONS.items()}
        self._check_together(rows)

    def _check_together(self, rows: Mapping[str, int]) -> None:
        levels = self["tier.levels"]
        for key in ("tier.count_cutoffs", "tier.share_cutoffs"):
            value = self._values[key]
            if value != "auto" and len(value) != levels - 1:
                raise SettingsError(key, self._raw[key], f"needs {levels - 1} cut-offs for {levels} tiers",
                                    rows.get(key))
        if self["tier.basis"] == "threshold" and len(self["tier.thresholds"]) != levels - 1:
            raise SettingsError("tier.thresholds", self._raw["tier.thresholds"],
                                f"needs {levels - 1} amounts for {levels} tiers", rows.get("tier.thresholds"))
        if self["rfm.map"] == "rfm10" and self["rfm.bins"] != 5:
            raise SettingsError("rfm.map", "rfm10", "the rfm10 grid needs rfm.bins = 5", rows.get("rfm.map"))
        bins = self["rfm.bins"]
        if self["rfm.method"] == "threshold":
            for key in ("rfm.r_thresholds", "rfm.f_thresholds", "rfm.m_thresholds"):
                if len(self[key]) != bins - 1:
                    raise SettingsError(key, self._raw[key], f"needs {bins - 1} limits for {bins} scores",
                                        rows.get(key))
        if not self["lifecycle.active_days"] < self["lifecycle.dormant_days"]:
            raise SettingsError("lifecycle.dormant_days", self._raw["lifecycle.dormant_days"],
                                "must be more than lifecycle.active_days", rows.get("lifecycle.dormant_days"))
        if len(self["score.cutoffs"]) != 4:
            raise SettingsError("score.cutoffs", self._raw["score.cutoffs"], "needs 4 cut-offs (VIP, A, B, C)",
                                rows.get("score.cutoffs"))
        if self["quality.duplicates"] == "merge":
            raise SettingsError("quality.duplicates", self._raw["quality.duplicates"],
                                "merge is not available yet: use flag", rows.get("quality.duplicates"))
        bad = sorted(set(self["followup.stage_map"].values()) - {"S", "A", "B", "C", "D"})
        if bad:
            raise SettingsError("followup.stage_map", self._raw["followup.stage_map"],
                                f"grade {bad[0]} is not one of S, A, B, C, D", rows.get("followup.stage_map"))

    # Mapping protocol
    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Settings({self.changed()!r})"

    def replace(self, values: Mapping[str, Any]) -> Settings:
        """A copy with some values changed (validated again)."""
        return Settings({**self.changed(), **values})

    def changed(self) -> dict[str, Any]:
        """The settings that differ from the defaults, as given."""
        return {k: self._raw[k] for k, o in OPTIONS.items() if self._raw[k] != o.default}

    # derived values
    def tier_letters(self) -> tuple[str, ...]:
        """A/B/C, or VIP/A/B/C/D for five levels."""
        return TIER_LETTERS[self["tier.levels"]]

    def tier_cutoffs(self) -> tuple[float, ...]:
        """The cut-offs of the chosen tier basis ('auto' resolved for the number of levels)."""
        basis = self["tier.basis"]
        if basis == "threshold":
            return self["tier.thresholds"]
        key = "tier.count_cutoffs" if basis == "count" else "tier.share_cutoffs"
        value = self[key]
        return AUTO_CUTOFFS[basis][self["tier.levels"]] if value == "auto" else value

    def header_overrides(self) -> dict[str, str]:
        """Field → the header the user named for it (`header.<field>` settings that are set)."""
        return {k.split(".", 1)[1]: v for k, v in self._values.items() if k.startswith("header.") and v}

    def class_info(self, scheme: str, key: str, attr: str) -> Any:
        """One catalogue attribute (label_zh, strategy_en, cadence_days …) of one class; None if unknown."""
        return self._values.get(f"class.{scheme}.{key}.{attr}")

    def classes(self, scheme: str) -> list[str]:
        """The class keys of `scheme`, in catalogue order."""
        prefix = f"class.{scheme}."
        seen: dict[str, None] = {}
        for k in self._values:
            if k.startswith(prefix):
                seen[k[len(prefix):].rsplit(".", 1)[0]] = None
        return list(seen)

    # the settings sheet
    def to_table(self, lang: str = "en", descriptions: bool = False) -> pd.DataFrame:
        """Two columns, key and value (text as a person would type it)."""
        key_h, value_h = pick(SETTINGS_HEADERS["key"], lang), pick(SETTINGS_HEADERS["value"], lang)
        frame = pd.DataFrame({key_h: list(OPTIONS), value_h: [_as_text(self._raw[k]) for k in OPTIONS]})
        if descriptions:
            frame[pick(SETTINGS_HEADERS["description"], lang)] = [o.description for o in OPTIONS.values()]
        return frame

    @classmethod
    def from_table(cls, table: pd.DataFrame) -> Settings:
        """Read a key/value table as every route does (`xlcustseg.settings_table.read_settings_table`).

        The first two columns are key and value; rows with an empty key and a
        header row are skipped. A bad value raises SettingsError whose `row` is
        the table's 0-based row.
        """
        read = read_settings_table(table.itertuples(index=False, name=None))
        return cls(read.values, _rows=read.rows)


def _as_text(value: Any) -> Any:
    if isinstance(value, pd.Timestamp | _dt.date):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return value


@cache
def _parsed_defaults() -> dict[str, Any]:
    parsed = {}
    for key, option in OPTIONS.items():
        try:
            parsed[key] = option.read(option.default)
        except ValueError as exc:  # a broken default is a bug in this file
            raise RuntimeError(f"default of {key} is invalid: {exc}") from None
    return parsed


DEFAULTS = Settings()
