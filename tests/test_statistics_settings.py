"""indicators/statistics.yml is read into a validated model (indicators.statistics_config): the
shipped file loads as written, a missing key gets the model's default, and a wrong value stops
with an InputError naming the file, the key and what was expected."""

from __future__ import annotations

import pytest
import yaml

from indicators.catalogue import STATISTICS_FILE, statistics_settings
from indicators.statistics_config import StatisticsSettings, load_statistics_settings
from ingest.errors import InputError

SHIPPED = STATISTICS_FILE.read_text(encoding="utf-8")


def _copy(tmp_path, old: str, new: str):
    assert old in SHIPPED, old
    path = tmp_path / "statistics.yml"
    path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    return path


def test_shipped_file_loads_as_written():
    assert statistics_settings() == yaml.safe_load(SHIPPED)
    s = statistics_settings()
    assert s["survey"]["max_cv"] == 0.35 and s["survey"]["min_n"] == 30
    assert s["compass"]["bands"][2] == {"from": 90, "id": "average"}
    assert s["raking"]["weight_bounds"] == [0.2, 5.0]


def test_missing_keys_get_the_defaults_of_the_model(tmp_path):
    path = _copy(tmp_path, "  min_cell: 10 ", "  # min_cell left out")
    path.write_text(
        path.read_text()
        .replace("  share_interval: wilson", "  # share_interval left out")
        .replace("register:\n  min_count: 5", "# register left out"),
        encoding="utf-8",
    )
    raw = yaml.safe_load(path.read_text())
    assert "min_cell" not in raw["raking"] and "register" not in raw
    s = statistics_settings(path)
    defaults = StatisticsSettings.model_fields
    raking = defaults["raking"].annotation.model_fields
    assert s["raking"]["min_cell"] == raking["min_cell"].default == 10
    assert s["survey"]["share_interval"] == "wilson"
    assert s["register"] == {"min_count": 5}
    assert s == yaml.safe_load(SHIPPED)  # the defaults are the shipped values


@pytest.mark.parametrize(
    ("old", "new", "key", "expected"),
    [
        ("max_cv: 0.35", "max_cv: 1.5", "survey.max_cv", "less than 1"),
        ("min_n: 30", "min_n: 0", "survey.min_n", "greater than or equal to 1"),
        ("min_n: 30", "min_n: '30'", "survey.min_n", "a whole number"),
        ("confidence: 0.95", "confidence: 95", "confidence", "less than 1"),
        ("spread: 20", "spread: twenty", "compass.spread", "a number"),
        ("factor: 0.9", "factor: '0.9'", "raking.age_margins[0].factor", "a number"),
        ("share_interval: wilson", "share_interval: exact", "survey.share_interval", "'logit'"),
        ("min_n: 30", "min_n: 30\n  max_n: 40", "survey.max_n", "only the keys"),
        ("caution_cv: 0.20", "caution_cv: 0.50", "survey.caution_cv", "at most max_cv"),
        ("{from: 90,  id: average}", "{from: 60,  id: average}", "compass.bands", "increasing"),
        ("weight_bounds: [0.2, 5.0]", "weight_bounds: [5.0, 0.2]", "raking.weight_bounds", "low"),
    ],
)
def test_a_wrong_value_names_file_key_and_expectation(tmp_path, old, new, key, expected):
    path = _copy(tmp_path, old, new)
    with pytest.raises(InputError) as err:
        load_statistics_settings(path)
    assert err.value.file == str(path)
    assert err.value.key == key
    assert expected in err.value.expected
    message = str(err.value)
    assert str(path) in message and key in message and err.value.expected in message
    with pytest.raises(InputError):  # the reader the pipeline uses refuses it the same way
        statistics_settings(path)


def test_a_wrong_value_shows_what_was_found(tmp_path):
    with pytest.raises(InputError, match=r"found 1\.5") as err:
        load_statistics_settings(_copy(tmp_path, "max_cv: 0.35", "max_cv: 1.5"))
    assert err.value.value == 1.5
