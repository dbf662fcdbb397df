"""4. Settings: defaults in one place, validation naming key and value, the key/value table."""

import pandas as pd
import pytest

from xlcustseg.settings import DEFAULTS, OPTIONS, Settings, SettingsError, catalogue


def test_defaults_match_schemes_md():
    s = Settings()
    assert s["tier.basis"] == "count" and s.tier_cutoffs() == (0.05, 0.20)
    assert s.tier_letters() == ("A", "B", "C")
    assert s["rfm.bins"] == 5 and s["rfm.method"] == "rank"
    assert (s["lifecycle.new_days"], s["lifecycle.active_days"], s["lifecycle.dormant_days"]) == (90, 180, 365)
    assert s["score.cutoffs"] == (90, 75, 50, 25)
    assert s["score.weights"] == {"revenue": 40, "orders": 20, "profit": 20, "potential": 20}
    assert [s.class_info("followup", g, "cadence_days") for g in "SABCD"] == [1, 3, 7, 30, 90]
    assert s.replace({"tier.levels": 5}).tier_cutoffs() == (0.01, 0.05, 0.20, 0.50)
    assert s.replace({"tier.basis": "revenue_share"}).tier_cutoffs() == (0.80, 0.95)


def test_every_class_has_the_catalogue_attributes():
    cat = catalogue()
    assert not cat.duplicated(["scheme", "key"]).any()
    for row in cat.itertuples():
        for attr in ("label_zh", "label_en", "strategy_zh", "strategy_en", "owner_zh", "owner_en"):
            assert DEFAULTS.class_info(row.scheme, row.key, attr), (row.scheme, row.key, attr)


@pytest.mark.parametrize(("key", "value", "message"), [
    ("rfm.bins", 7, "rfm.bins.*7.*whole number from 3 to 5"),
    ("tier.basis", "magic", "tier.basis.*magic.*one of count"),
    ("tier.count_cutoffs", "20%, 5%", "tier.count_cutoffs.*increasing"),
    ("tier.count_cutoffs", "5%", "needs 2 cut-offs"),
    ("lifecycle.new_days", "abc", "lifecycle.new_days.*abc.*not a number"),
    ("followup.stage_map", "已选定=Z", "grade Z"),
    ("followup.stage_map", "no equals sign", "name=value"),
    ("rfm.map", "rfm10", None),
    ("no.such.key", 1, "no.such.key.*is not a setting"),
    ("as_of", "yesterday-ish", "as_of.*must be a date"),
])
def test_bad_values_name_the_setting_and_value(key, value, message):
    if message is None:  # valid alone; invalid with bins = 4
        Settings({key: value})
        with pytest.raises(SettingsError, match=r"rfm10 grid needs rfm\.bins = 5"):
            Settings({key: value, "rfm.bins": 4})
        return
    with pytest.raises(SettingsError, match=message) as info:
        Settings({key: value})
    assert info.value.key in (key, "tier.count_cutoffs")


def test_values_are_read_as_typed():
    s = Settings({"tier.count_cutoffs": "10％，30%", "rfm.bins": "4", "as_of": "2024年3月5日",
                  "followup.stage_map": "签约=S；看房=B", "behaviour.discount_share": "40"})
    assert s["tier.count_cutoffs"] == (0.10, 0.30) and s["rfm.bins"] == 4
    assert s["as_of"] == pd.Timestamp("2024-03-05")
    assert s["followup.stage_map"] == {"签约": "S", "看房": "B"}
    assert s["behaviour.discount_share"] == 0.40


def test_table_round_trip_and_edit():
    table = DEFAULTS.to_table("zh")
    assert list(table.columns) == ["设置项", "值"] and len(table) == len(OPTIONS)
    assert Settings.from_table(table) == DEFAULTS
    table.loc[table["设置项"] == "rfm.bins", "值"] = 3
    assert Settings.from_table(table)["rfm.bins"] == 3


def test_table_bad_value_names_its_row():
    table = pd.DataFrame({"Key": ["language", "rfm.bins"], "Value": ["en", "eleven"]})
    with pytest.raises(SettingsError) as info:
        Settings.from_table(table)
    assert info.value.key == "rfm.bins" and info.value.row == 1


def test_settings_are_immutable_mappings():
    s = Settings({"rfm.bins": 4})
    with pytest.raises(TypeError):
        s["rfm.bins"] = 5  # type: ignore[index]
    assert s.changed() == {"rfm.bins": 4} and "rfm.bins" in repr(s)
