"""The small-area model on the statisticians' page: per survey indicator of the latest edition
the fit (σu², estimator, coefficients with standard errors, mean shrinkage γ), how many buurten
were published from the model and how many withheld, the indicators without a model and why,
and the method in plain words (``templates/statistiek_model.html.j2``)."""

from __future__ import annotations

import pandas as pd

from dashboards import i18n
from indicators.catalogue import in_sentence
from indicators.small_area_model import covariate_indicator

LANG = "nl"


def _number(value, decimals: int) -> str:
    return i18n.number(None if pd.isna(value) else float(value), decimals, LANG)


def _significant(value: float, decimals: int = 3) -> str:
    """A small variance with three significant figures (0,000161), in Dutch."""
    if value is None or pd.isna(value):
        return "–"
    if value == 0:
        return "0"
    text = f"{value:.3g}"
    if "e" in text:
        text = f"{value:.{decimals + 3}f}".rstrip("0")
    return text.replace(".", ",")


def _term(name: str, titles: dict[str, str]) -> str:
    """A coefficient's name as on the page: the covariate's title (ln(...) for a log)."""
    if name == "(intercept)":
        return "constante"
    if name.endswith("_missing"):
        return f"{_term(name.removesuffix('_missing'), titles)} ontbreekt (0/1)"
    title = titles.get(covariate_indicator(name), name)
    return f"ln({in_sentence(title)})" if name.startswith("log(") else in_sentence(title)


def small_area_section(con) -> dict | None:
    """What the page shows about the model, or None when the warehouse has no fits."""
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "small_area_fits" not in have:
        return None
    fits = con.execute("SELECT * FROM small_area_fits ORDER BY edition, indicator_id").df()
    if fits.empty:
        return None
    coef = con.execute("SELECT * FROM small_area_coefficients").df()
    catalogue = con.execute(
        "SELECT indicator_id, title_nl, unit, decimals FROM indicator_catalogue"
    ).df()
    titles = dict(zip(catalogue["indicator_id"], catalogue["title_nl"], strict=True))
    latest = int(fits["edition"].max())
    editions = []
    for edition, part in fits.groupby("edition"):
        blank = con.execute(
            """SELECT count(*) AS total,
                      count(*) FILTER (WHERE estimate_kind = 'model') AS model,
                      count(*) FILTER (WHERE suppressed) AS blank
               FROM edition_values v JOIN indicator_catalogue c
                 ON c.indicator_id = v.indicator_id::VARCHAR
               WHERE v.edition = ? AND v.layout = 'cbs' AND v.area_level = 'buurt'
                 AND c.source = 'survey'""",
            [int(edition)],
        ).fetchone()
        total, model, blanks = blank
        editions.append(
            {
                "edition": int(edition),
                "fitted": int((part["status"] == "fitted").sum()),
                "indicators": len(part),
                "total": int(total),
                "model": int(model),
                "blank": int(blanks),
                "blank_share": _number(100 * blanks / total if total else 0, 1),
                "direct_blank": int(blanks + model),
                "direct_share": _number(100 * (blanks + model) / total if total else 0, 1),
                "failed": [
                    {
                        "id": r.indicator_id,
                        "title": titles.get(r.indicator_id, r.indicator_id),
                        "reason": r.reason,
                        "message": r.message,
                    }
                    for r in part[part["status"] != "fitted"].itertuples()
                ],  # fmt: skip
                "left_out": [
                    _term(c, titles) for c in (part["left_out"].iloc[0] if len(part) else [])
                ],
                "seconds": _number(part["model_seconds"].max(), 2),
            }
        )
    part = fits[(fits["edition"] == latest) & (fits["status"] == "fitted")]
    terms = coef[coef["edition"] == latest]
    rows = []
    for r in part.itertuples():
        mine = terms[terms["indicator_id"] == r.indicator_id]
        rows.append(
            {
                "id": r.indicator_id,
                "title": titles.get(r.indicator_id, r.indicator_id),
                "scale": "arcsinus" if r.scale == "arcsine" else "eigen schaal",
                "estimator": r.estimator,
                "sigma2_u": _significant(r.sigma2_u),
                "size_power": _number(r.size_power, 2),
                "gamma": _number(r.mean_gamma, 2),
                "fitted": int(r.n_fitted),
                "buurten": int(r.n_buurten),
                "from_model": int(r.buurten_from_model),
                "withheld": int(r.buurten_withheld),
                "areas": int(r.areas_from_model),
                "iterations": int(r.iterations),
                "terms": [
                    {
                        "name": _term(t.term, titles),
                        "estimate": _significant(t.estimate),
                        "se": _significant(t.standard_error),
                    }
                    for t in mine.itertuples()
                ],  # fmt: skip
            }
        )
    rows.sort(key=lambda x: x["title"].lower())
    covariates = part["covariates"].iloc[0] if len(part) else []
    figures = i18n.settings_figures()
    return {
        "min_n": figures["min_n"],
        "max_cv": figures["max_cv"],
        "edition": latest,
        "editions": editions,
        "rows": rows,
        "covariates": [_term(c, titles) for c in covariates if c != "(intercept)"],
    }
