"""The generator's known buurt truth: what a wave of ``ingest/survey/generator.py`` estimates.

A synthetic wave has a truth a real one lacks: per buurt, the value a survey indicator would
take among all its residents. :func:`expected_buurt_values` computes it for a wave spec
(its seed fixes the wave's buurt effects and wijk developments, as ``generate_wave`` draws
them) and survey indicators that are a share or mean of one question:

* an item the generator draws from **RIVM's real prevalence** (``RIVM_ITEMS``, when the RIVM
  table is given and RIVM measured the concept in the year nearest the wave): per resident
  the probability of a counted answer is RIVM's prevalence of the buurt for the resident's age
  (16–64 or 65+, :func:`~ingest.survey.generator.rivm_prevalence`), the codes inside and
  outside RIVM's counted set in the item's base proportions, as ``_rivm_answers`` draws them;
* every other item, the **generator's own model**: per resident the probability of each
  answer code given the resident's latent propensity (``_answer``: logistic for yes/no,
  ordered probit with the wave's spread for an ordinal scale, rounded normal for a 1–10
  mark), the latent made by the generator's own functions (``_draw_background``,
  ``_latents``) from the buurt's context, the wave's buurt effect and wijk development.

The residents are a large sample of each buurt's population 16+ (``per_buurt``, by the CBS
age bands and sex of the wave's CBS year, the generator's ``buurt_frame``; ages within a band
and the paper mode as the generator draws them), not of its respondents: the expectation is
over residents, each counted with the probability that they give a valid answer (not "weet
niet", not item non-response, as the generator draws both), which is what a weighted share of
the valid answers estimates. The sampling error of the truth itself is small (about 0.3
percentage points for ``per_buurt`` = 2,000) and is reported by the simulation study; the
spread of an ordinal item's latent is that of the residents, where the generator uses its
respondents' (they differ by age; the difference is a fraction of a point).

``tests/test_survey_expected.py`` holds it to a generated wave: buurt shares of a large wave
scatter around these values as sampling error does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from scipy.stats import norm

from ingest.survey import generator as g
from ingest.survey.codebook import Codebook

PER_BUURT = 2000


def _question(indicator) -> tuple[str, str, tuple[int, ...] | None]:
    """(question, 'share' or 'mean', counted codes) of a share or mean of one question."""
    d = indicator.definition
    spec = d.share or d.mean
    if spec is None:
        raise ValueError(f"{indicator.id}: only shares and means of one question have a truth")
    return spec.question, "share" if d.share else "mean", tuple(d.share.codes) if d.share else None


def population(cbs: pd.DataFrame, spec: g.WaveSpec, per_buurt: int = PER_BUURT, seed: int = 1):
    """Residents 16+ of every buurt of the wave's frame (``per_buurt`` each, by CBS age band
    and sex), with their context, background and latent dimensions as the wave's generator
    gives them (its buurt effects and wijk developments: the seed of ``spec``)."""
    frame = g.buurt_frame(cbs, spec.cbs_year)
    ctx_all = g.buurt_context(cbs, frame["buurt_code"].tolist())
    ctx_all["social"] = g._latest_by_buurt(cbs, "pct_social_housing", frame["buurt_code"], 30.0)
    ctx_all["owner"] = g._latest_by_buurt(cbs, "pct_owner_occupied", frame["buurt_code"], 45.0)
    # the wave's buurt effects: generate_wave's first draw from its generator
    ctx_all["buurt_effect"] = np.random.default_rng(spec.seed).normal(0, 0.35, len(ctx_all))
    rng = np.random.default_rng([spec.seed, seed, 16])
    bands = [b[0] for b in g.AGE_BANDS]
    cells = frame[bands].to_numpy()
    shares = cells / cells.sum(axis=1, keepdims=True)
    rows = np.repeat(np.arange(len(frame)), per_buurt)
    band = (rng.random(len(rows))[:, None] > np.cumsum(shares, axis=1)[rows]).sum(axis=1)
    band = np.minimum(band, len(bands) - 1)
    women = frame["share_women"].to_numpy()[rows]
    sex = np.where(rng.random(len(rows)) < women, 2, 1)
    sex = np.where(rng.random(len(rows)) < 0.005, 3, sex)
    lo = np.array([a[1] for a in g.AGE_BANDS])[band]
    hi = np.array([a[2] for a in g.AGE_BANDS])[band]
    age = np.where(
        band == 3, 65 + np.minimum(rng.exponential(9, len(rows)), 35).astype(int),
        rng.integers(lo, hi + 1),
    )  # fmt: skip
    codes = frame["buurt_code"].to_numpy()
    people = pd.DataFrame(
        {"buurtcode": codes[rows], "ctx_row": rows, "band": band, "geslacht": sex,
         "leeftijd": age}
    )  # fmt: skip
    ctx = ctx_all.iloc[rows].reset_index(drop=True)
    wijken = sorted({"WK" + b[2:8] for b in codes})
    wijk_rng = np.random.default_rng(9_000 + spec.seed % 1000)
    dev_by_wijk = dict(zip(wijken, wijk_rng.normal(0, 0.22, len(wijken)), strict=True))
    wijk_dev = np.array([dev_by_wijk["WK" + b[2:8]] for b in codes])[rows]
    if spec.wave <= 2018:
        wijk_dev = np.zeros(len(rows))
    shift = {} if spec.wave <= 2018 else {g.Lo: 0.15, g.T: -0.20, g.S: -0.05, g.W: 0.10}
    bg = g._draw_background(rng, people, ctx)
    lat = g._latents(rng, people, ctx, bg, shift, wijk_dev)
    people["paper"] = rng.random(len(rows)) < 0.08 + 0.35 * (age >= 65)
    people["kids"] = bg["jgd_kinderen_thuis"].to_numpy()
    return people, lat


def _code_probabilities(question: str, scale: str, codes: list[int], lat) -> np.ndarray:
    """P(each answer code) per resident under the generator's latent model (``_answer``)."""
    loadings, base, _ = g.ITEMS[question]
    propensity = sum(w * lat[dim] for dim, w in loadings.items())
    if scale in ("yesno", "yesno_dk"):
        p = expit(logit(base) + 0.9 * propensity)
        return np.column_stack([p, 1 - p])
    base = base or g.SCALE_BASE[scale]
    spread = np.sqrt(1.0 + (0.8 * propensity.std()) ** 2)
    cuts = norm.ppf(np.clip(np.cumsum(base)[:-1], 1e-6, 1 - 1e-6)) * spread
    below = norm.cdf(cuts[None, :] + 0.8 * propensity[:, None])  # P(latent < cut)
    below = np.hstack([np.zeros((len(propensity), 1)), below, np.ones((len(propensity), 1))])
    return np.diff(below, axis=1)


def _mark_mean(question: str, lat) -> np.ndarray:
    """E[mark] per resident of a 1–10 mark: round(base + 0.9·propensity + N(0, 0.9)), 1–10."""
    loadings, base, _ = g.ITEMS[question]
    centre = base + 0.9 * sum(w * lat[dim] for dim, w in loadings.items())
    edges = norm.cdf((np.arange(1.5, 10.5)[None, :] - centre[:, None]) / 0.9)
    below = np.hstack([np.zeros((len(centre), 1)), edges, np.ones((len(centre), 1))])
    return np.diff(below, axis=1) @ np.arange(1, 11)


def _rivm_probabilities(question, scale, codes, people, prevalence, concept, counted):
    """P(each answer code) per resident of an item drawn from RIVM's prevalence."""
    _, base, _ = g.ITEMS[question]
    if isinstance(base, float):
        base = [base, 1 - base]
    base = base or g.SCALE_BASE[scale]
    table = prevalence[concept].reindex(people["buurtcode"].to_numpy())
    p = np.where(people["leeftijd"].to_numpy() >= 65, table["old"], table["young"])
    share = dict(zip(codes, base, strict=True))
    inside = sum(share[c] for c in counted)
    outside = sum(share[c] for c in codes if c not in counted)
    return np.column_stack(
        [p * share[c] / inside if c in counted else (1 - p) * share[c] / outside for c in codes]
    )


def expected_buurt_values(
    cbs: pd.DataFrame,
    codebook: Codebook,
    spec: g.WaveSpec,
    indicators: list,
    rivm: pd.DataFrame | None = None,
    per_buurt: int = PER_BUURT,
) -> pd.DataFrame:
    """Per buurt of the wave's frame (index ``buurt_code``) the expected value of each of
    ``indicators`` (catalogue entries: shares and means of one question) among its residents
    16+ who would answer the question validly: a share in 0–1, a mean in its unit (module
    doc)."""
    people, lat = population(cbs, spec, per_buurt)
    age = people["leeftijd"].to_numpy()
    prevalence = (
        g.rivm_prevalence(rivm, cbs, spec.cbs_year, sorted(set(people["buurtcode"])), spec.wave)
        if rivm is not None
        else {}
    )
    nonresponse = 0.008 + 0.02 * (age >= 75) + 0.01 * people["paper"].to_numpy()
    out = {}
    for ind in indicators:
        question, statistic, counted = _question(ind)
        scale = codebook.by_id[question].scale
        codes = sorted(int(c) for c in (codebook.scales[scale].codes or {}) if int(c) != 98)
        dk = g.SCALE_DONT_KNOW.get(scale, 0.0) + g.ITEMS[question][2]
        if not dk or 98 not in (codebook.scales[scale].codes or {}):
            dk = 0.0
        elif question in ("vrz_basisschool", "vrz_spelen", "jgd_opvoedsteun"):
            dk = np.where(people["kids"].to_numpy() == 1, dk * 0.2, dk * 1.6)
        extra = 0.04 if question in ("wrk_rondkomen", "wrk_opleiding") else 0.0
        valid = (1 - np.clip(dk, 0, 0.9)) * (1 - nonresponse - extra)
        if scale == "rating10":
            value = _mark_mean(question, lat)
        else:
            rivm_item = g.RIVM_ITEMS.get(question)
            if rivm_item and rivm_item[0] in prevalence:
                probs = _rivm_probabilities(question, scale, codes, people, prevalence, *rivm_item)
            else:
                probs = _code_probabilities(question, scale, codes, lat)
            spec_ = ind.definition.share or ind.definition.mean
            inside = np.isin(codes, list(spec_.base or codes))  # an answer in the base
            in_base = probs[:, inside].sum(axis=1)
            kept = np.array(codes)[inside]
            if statistic == "share":
                value = probs[:, inside][:, np.isin(kept, list(counted))].sum(axis=1) / in_base
            else:
                value = probs[:, inside] @ kept / in_base
            valid = valid * in_base
        frame = pd.DataFrame({"buurt": people["buurtcode"], "wv": valid * value, "w": valid})
        sums = frame.groupby("buurt", sort=True)[["wv", "w"]].sum()
        out[ind.id] = sums["wv"] / sums["w"]
    result = pd.DataFrame(out)
    result.index.name = "buurt_code"
    return result
