"""Codes in the warehouse, words in one place (indicators/messages.yml): every reason code the
engine writes has a sentence in Dutch and English, filled from the figures on its row; no
threshold is typed into a sentence."""

from __future__ import annotations

import copy
import re

import duckdb
import pytest

from dashboards import i18n
from indicators import messages
from indicators.catalogue import statistics_settings
from indicators.models import SQL_DIR
from ingest.cbs import STATUS_CODES

CATALOGUE = messages.messages()


def test_every_code_has_a_sentence_in_both_languages():
    sections = {
        "suppression": CATALOGUE.suppression,
        "trend": CATALOGUE.trend,
        "trend_words": CATALOGUE.trend_words,
        "changelog": CATALOGUE.changelog,
        "changelog_parts": CATALOGUE.changelog_parts,
    }
    for section, entries in sections.items():
        assert entries, section
        for code, message in entries.items():
            for lang in messages.LANGUAGES:
                text = getattr(message, lang)
                assert text.strip(), f"{section}.{code} has no {lang} sentence"
            assert messages.placeholders(message.nl) == messages.placeholders(message.en), code


def test_suppression_sentences_use_only_the_figures_of_their_row():
    for code, message in CATALOGUE.suppression.items():
        wanted = messages.placeholders(message.nl)
        assert wanted <= messages.FIGURES, f"{code}: {wanted - messages.FIGURES}"
        if wanted:  # a row may lack a figure: then the sentence without figures
            assert message.short is not None, code
            assert not messages.placeholders(message.short.nl + message.short.en), code


def test_no_number_is_typed_into_a_sentence():
    """A threshold lives in indicators/statistics.yml and reaches a sentence as a figure (a
    zero denominator, "(0)", is a fact, not a setting)."""
    for section in ("suppression", "trend", "changelog", "changelog_parts"):
        for code, message in getattr(CATALOGUE, section).items():
            for lang in messages.LANGUAGES:
                text = re.sub(r"\{[a-z_]+\}|\(0\)", "", getattr(message, lang))
                assert not re.search(r"\d", text), f"{section}.{code} ({lang}): {text}"


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_the_sentence_follows_the_threshold_of_its_row(lang):
    fewer = messages.suppression_message("too_few_respondents", lang, n=12, threshold=30)
    assert "30" in fewer and "12" in fewer
    other = messages.suppression_message("too_few_respondents", lang, n=12, threshold=25)
    assert "25" in other and "30" not in other
    unreliable = messages.suppression_message("cv_too_high", lang, cv=0.4249, threshold=0.35)
    assert "42%" in unreliable and "35%" in unreliable
    assert messages.suppression_message("cv_too_high", lang, cv=0.425, threshold=0.35).count(
        "43%"
    )  # rounded half up, as a person rounds
    assert "2026" in messages.suppression_message("not_asked", lang, wave=2026)
    short = messages.suppression_message("not_asked", lang, wave=None)
    assert short == getattr(CATALOGUE.suppression["not_asked"].short, lang)


def test_an_unknown_code_is_an_error_not_a_silent_blank():
    with pytest.raises(KeyError, match="no message"):
        messages.suppression_message("mystery", "nl")
    with pytest.raises(KeyError, match="no message"):
        messages.trend_message("mystery", "en")


def _literals(sql: str) -> set[str]:
    """The code literals of an SQL model (not its comments, not its Jinja)."""
    code = "\n".join(re.sub(r"--.*$", "", line) for line in sql.splitlines())
    code = re.sub(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", "", code, flags=re.S)
    return set(re.findall(r"'([a-z_]+)'", code))


# every lower-case code the models write besides reasons: layouts, levels, sources, statistics,
# directions, how an edition sits on today's areas, trends, CBS's 'published', an interval
NOT_REASONS = {
    "cbs", "harmonised", "buurt", "wijk", "gebied", "gemeente", "survey", "register", "share",
    "mean", "higher_is_better", "higher_is_worse", "neutral", "native", "identical",
    "reaggregated", "better", "worse", "higher", "lower", "stable", "average", "published",
    "logit", "wijk_code", "land", "direct", "model",
}  # fmt: skip


def test_every_reason_the_sql_can_write_has_a_sentence():
    """Every code the models write is a known vocabulary or a reason with a sentence; the CBS
    statuses that become reasons too. A new reason without a sentence fails here."""
    written = set()
    for path in SQL_DIR.glob("*.sql"):
        written |= _literals(path.read_text(encoding="utf-8"))
    reasons = written - NOT_REASONS
    assert reasons - set(CATALOGUE.suppression) - set(CATALOGUE.trend) == set()
    assert {"too_few_respondents", "cv_too_high", "small_count", "not_comparable"} <= reasons
    assert set(STATUS_CODES) - {"published"} <= set(CATALOGUE.suppression)
    trend_sql = (SQL_DIR / "indicator_values.sql").read_text(encoding="utf-8")
    block = re.search(
        r"CASE WHEN previous_edition IS NULL(.*?)END AS trend_reason", trend_sql, re.S
    )
    assert _literals(block.group(1)) == set(CATALOGUE.trend)


def test_every_reason_in_the_warehouse_has_a_sentence(con):
    for column, known in (("suppression_reason", CATALOGUE.suppression),
                          ("trend_reason", CATALOGUE.trend)):  # fmt: skip
        codes = {c for (c,) in con.execute(
            f"SELECT DISTINCT {column} FROM indicator_values WHERE {column} IS NOT NULL"
        ).fetchall()}  # fmt: skip
        assert codes and codes <= set(known), codes - set(known)
    rows = con.execute(
        "SELECT suppression_reason, n_unweighted, cv, suppression_threshold, period "
        "FROM indicator_values WHERE suppressed"
    ).fetchall()
    for reason, n, cv, threshold, wave in rows:
        for lang in messages.LANGUAGES:
            said = messages.suppression_message(
                reason, lang, n=n, cv=cv, threshold=threshold, wave=wave
            )
            assert said and "{" not in said


def test_the_warehouse_types_reason_codes_by_the_catalogue(con):
    """edition_values stores a reason as an ENUM of the catalogue's codes: a code without a
    sentence cannot be written."""
    kind = con.execute(
        "SELECT data_type FROM information_schema.columns "
        "WHERE table_name = 'edition_values' AND column_name = 'suppression_reason'"
    ).fetchone()[0]
    assert kind == "ENUM(" + ", ".join(f"'{c}'" for c in CATALOGUE.suppression) + ")"
    scratch = duckdb.connect()
    with pytest.raises(duckdb.ConversionException, match="mystery"):
        scratch.execute(f"SELECT 'mystery'::{kind}")


def test_texts_state_the_settings_not_typed_numbers(monkeypatch):
    shipped = statistics_settings()
    assert i18n.t("col_interval", "nl") == "95%-interval"
    assert "loopt van 40 tot 160" in " ".join(i18n.how_to_read("nl"))
    other = copy.deepcopy(shipped)
    other["confidence"] = 0.9
    other["compass"]["clip"] = [50, 150]
    other["compass"]["spread"] = 25
    monkeypatch.setattr(i18n, "statistics_settings", lambda: other)
    i18n.settings_figures.cache_clear()
    try:
        assert i18n.t("col_interval", "en") == "90% interval"
        assert "from 50 to 150" in " ".join(i18n.how_to_read("en"))
        development = i18n.t("development_intro", "nl", year=2018)
        assert "125 een verbetering" in development and "75 een even grote" in development
        assert "90%" in i18n.t("publication_rule_survey", "en")
    finally:
        i18n.settings_figures.cache_clear()
    for key, text in i18n.TEXT.items():  # every text formats: no stray brace, no unknown field
        for lang in ("nl", "en"):
            fields = dict.fromkeys(re.findall(r"\{([a-z_]+)\}", text[lang]), "x")
            i18n.t(key, lang, **fields)
