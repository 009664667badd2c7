"""The message catalogue (``indicators/messages.yml``): reason codes to sentences, nl and en.

The warehouse stores why a figure is not published (``suppression_reason``) or not compared
(``trend_reason``) as a code, with the figures its sentence needs on the same row (n, cv, the
threshold applied, the wave). Every page, report, notebook and download renders the sentence
here, from that row: one place for the words, no threshold typed into a text.
"""

from __future__ import annotations

import math
import string
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict

MESSAGES_FILE = Path(__file__).parent / "messages.yml"
LANGUAGES = ("nl", "en")
FIGURES = {"n", "cv", "threshold", "wave"}  # the placeholders a message may use
PERCENT_FIGURES = {  # fractions shown as whole percent
    "cv_too_high": {"cv", "threshold"},
    "model_cv_too_high": {"cv", "threshold"},
}


class Words(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    nl: str
    en: str


class Message(Words):
    short: Words | None = None  # the sentence without figures


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    suppression: dict[str, Message]  # why a figure is not published
    trend: dict[str, Message]  # why a figure has no trend
    trend_words: dict[str, Words]  # better, worse, ...
    changelog: dict[str, Words]  # edition_changelog.detail
    changelog_parts: dict[str, Words]  # an earlier buurt in a changelog sentence


@cache
def messages(path: Path = MESSAGES_FILE) -> Catalogue:
    return Catalogue.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def suppression_codes() -> list[str]:
    """Every reason a figure may lack: the values ``suppression_reason`` may take."""
    return list(messages().suppression)


def trend_codes() -> list[str]:
    """Every reason a figure may lack a trend: the values ``trend_reason`` may take."""
    return list(messages().trend)


def _missing(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _whole(x: float) -> int:
    """Rounded half away from zero, as a person rounds (not to even)."""
    return int(Decimal(repr(float(x))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _render(message: Message, lang: str, figures: dict, percent: set[str]) -> str:
    text = getattr(message, lang)
    wanted = placeholders(text)
    if any(_missing(figures.get(name)) for name in wanted):
        short = message.short or message
        return getattr(short, lang)
    values = {
        name: _whole(100 * figures[name]) if name in percent else _whole(figures[name])
        for name in wanted
    }
    return text.format(**values)


def suppression_message(
    reason: str | None, lang: str, *, n=None, cv=None, threshold=None, wave=None
) -> str:
    """Why a figure is not published, in ``lang`` ('' for a published figure)."""
    if _missing(reason) or not reason:
        return ""
    message = messages().suppression.get(reason)
    if message is None:
        raise KeyError(f"reason code {reason!r} has no message in {MESSAGES_FILE}")
    figures = {"n": n, "cv": cv, "threshold": threshold, "wave": wave}
    return _render(message, lang, figures, PERCENT_FIGURES.get(reason, set()))


def trend_message(reason: str | None, lang: str) -> str:
    """Why a figure has no trend, in ``lang`` ('' when it has one)."""
    if _missing(reason) or not reason:
        return ""
    message = messages().trend.get(reason)
    if message is None:
        raise KeyError(f"trend reason {reason!r} has no message in {MESSAGES_FILE}")
    return getattr(message, lang)


def trend_word(trend: str, lang: str) -> str:
    return getattr(messages().trend_words[trend], lang)


def _part(part: dict, lang: str) -> str:
    key = "part" if part.get("population") is not None else "part_population_unknown"
    if part.get("recoded"):
        key += "_recoded"
    return getattr(messages().changelog_parts[key], lang).format(**part)


def changelog_message(code: str, lang: str, figures: dict) -> str:
    """The sentence of a change between editions (indicators.changelog), from its figures."""
    text = getattr(messages().changelog[code], lang)
    values = dict(figures)
    if values.get("parts") is not None:
        values["parts"] = ", ".join(_part(p, lang) for p in values["parts"])
    if values.get("new_codes") is not None:
        values["new_codes"] = ", ".join(values["new_codes"])
    if values.get("reason") is not None:
        values["reason"] = suppression_message(values["reason"], lang, wave=values.get("wave"))
    if values.get("trend") is not None:
        values["trend"] = trend_word(values["trend"], lang)
    return text.format(**values)
