"""Synthetic municipal registers: counts per buurt per year, calibrated to real CBS figures.

Police-registered crime, public-space reports, Wmo and youth care, social assistance, debt help,
truancy, elections and the like are registered per address by the municipality and its partners;
none of it is public at buurt level. So the project ships this documented, seeded generator. It
writes what a municipal data warehouse delivers (semicolon CSV, long:
``jaar;buurtcode;variabele;aantal``), so the loader that reads a real export reads this too
(``ingest/registers/export.py``). Every variable and its parameters are in
``data/registers/variables.yml``.

How a year is made (``generate_registers``):

1. **Denominators** per buurt from the real CBS kerncijfers of the CBS year (``buurt_quantities``):
   population, households, households with children, the four age groups, dwellings, cars,
   businesses, land area. CBS 2017 publishes age groups and households with children only as
   (sometimes secret) percentages: count = percentage x total, else the wijk's share x total,
   else the share over all buurten. Figures CBS 2017 lacks at buurt level come from the newest
   CBS year of the same buurt code: dwellings and cars as the newest ratio to households (of the
   buurt, else its wijk, else the city) times the year's households; businesses as the newest
   count (else the wijk's businesses per hectare times the buurt's land area).
2. **Context** per buurt (``buurt_context``), from the newest CBS figure of each variable for the
   buurt code (falling back to its wijk, then the median), as z-scores over the year's buurten,
   clipped to +-3: ``dep`` deprivation (low-income share - income per inhabitant + social-housing
   share - WOZ value), ``urb`` log address density, ``stud`` share aged 15-24, ``old`` share 65+,
   ``kids`` share of households with children, ``centre`` log shops and horeca (CBS G+I
   establishments) per hectare, ``owner``/``social`` owner-occupied and social-housing shares,
   ``new`` share of dwellings built in the last ten years. Shares of small buurten are shrunk
   towards their wijk (as if 50 residents of the wijk were added), so a buurt of 5 people does not
   get an extreme z-score.
3. **Expected count** of a ``per`` variable in buurt b: ``rate(year) x base_b x m_b`` with
   ``base_b = sum(weight x quantity)`` and
   ``m_b = exp(sum(beta x z_b) + sigma x u_bv + development x v_wv x (year - 2017) / 7)``:
   the variable's ``drivers``; a persistent buurt effect (u standard normal, drawn from (seed,
   variable, buurt code), hence the same in every year: buurten keep their character); and the
   wijk's own development since 2017 (v from (seed, variable, wijk)). ``m`` is normalised so that
   its base-weighted mean is 1: the expected city-wide count is exactly ``rate x sum(base)``
   (calibration), and the city-wide trend is that of ``rate``, which may differ by year (e.g.
   fewer burglaries, more reports of confused behaviour; log-linear between the years given).
4. **Count**: Poisson with a gamma year effect of variance ``noise`` (a negative binomial:
   overdispersed as real registrations are). A variable with ``includes`` (e.g. all crimes) is
   the sum of those counts plus a remainder drawn like any ``per`` variable.
5. A variable ``of`` a base (another register variable, e.g. long-term among all
   social-assistance households or votes among persons entitled to vote; or a CBS quantity, e.g.
   households on social assistance among all households) is binomial on that count, with
   probability
   ``expit(a + sum(beta x z) + sigma x u_bv + development term)`` (the same terms on the logit
   scale), ``a`` solved so that the expected city-wide share is exactly ``rate``: it is
   calibrated and can never exceed its base.
6. A variable with ``since`` has no rows before that year (e.g. the energy allowance, 2022).

All randomness comes from ``numpy.random.default_rng`` seeded with (seed, year, variable) and
(seed, variable, area code): the same seed gives the same file, and adding a variable does not
change the others. Buurt codes are those of the CBS year (2017: the old gemeente Groningen; 2024:
after the merger with Haren and Ten Boer). Everything derived from these files is synthetic and is
labelled so.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from ingest.registers.variables import CONTEXT, QUANTITIES, RegisterVariable, generation_order

GENERATOR_VERSION = "1.0"
DEFAULT_SEED = 14  # GM0014
BASE_YEAR = 2017  # the wijk development term is zero in this year
COLUMNS = ["jaar", "buurtcode", "variabele", "aantal"]
SHRINK = 50.0  # residents of the wijk added to a buurt's own when computing its shares


@dataclass(frozen=True)
class RegisterSpec:
    year: int
    cbs_year: int
    seed: int = DEFAULT_SEED


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _wide(cbs: pd.DataFrame, year: int) -> pd.DataFrame:
    rows = cbs[(cbs["year"] == year) & cbs["area_level"].isin(["buurt", "wijk"])]
    return rows.pivot_table(index="area_code", columns="variable", values="value", aggfunc="first")


def _newest(cbs: pd.DataFrame, variable: str) -> pd.Series:
    """The newest published figure of ``variable`` per area code (any year)."""
    rows = cbs[(cbs["variable"] == variable) & cbs["value"].notna()]
    return rows.sort_values("year").groupby("area_code")["value"].last()


def _col(frame: pd.DataFrame, name: str, index: pd.Index) -> pd.Series:
    if name in frame.columns:
        return frame[name].reindex(index).astype(float)
    return pd.Series(np.nan, index=index)


def _wijk_of(codes) -> list[str]:
    return ["WK" + c[2:8] for c in codes]


def _part(
    wide: pd.DataFrame, buurten: pd.Index, count: str, pct: str, total: pd.Series, total_var: str
) -> pd.Series:
    """A sub-population per buurt: the count, else percentage x total, else the wijk's share x
    total, else the share over all buurten x total."""
    wijken = pd.Index(_wijk_of(buurten))
    own = _col(wide, count, buurten)
    own = own.fillna(_col(wide, pct, buurten) / 100 * total)
    w_total = _col(wide, total_var, wijken).to_numpy()
    w_share = _col(wide, count, wijken).to_numpy() / np.where(w_total > 0, w_total, np.nan)
    w_share = np.where(np.isnan(w_share), _col(wide, pct, wijken).to_numpy() / 100, w_share)
    own = own.fillna(pd.Series(w_share, index=buurten) * total)
    known = own.notna() & (total > 0)
    city = own[known].sum() / total[known].sum() if known.any() else 0.0
    return own.fillna(city * total).clip(lower=0)


def _ratio_to_households(cbs: pd.DataFrame, variable: str, buurten: pd.Index) -> pd.Series:
    """Newest ratio of ``variable`` to households per buurt, else its wijk, else the city."""
    num, hh = _newest(cbs, variable), _newest(cbs, "households")
    both = pd.concat([num, hh], axis=1, keys=["n", "h"]).dropna()
    both = both[both["h"] >= 20]
    ratio = both["n"] / both["h"]
    own = ratio.reindex(buurten)
    parent = pd.Series(ratio.reindex(_wijk_of(buurten)).to_numpy(), index=buurten)
    city = both.loc[both.index.str.startswith("WK"), "n"].sum() / max(
        both.loc[both.index.str.startswith("WK"), "h"].sum(), 1
    )
    return own.fillna(parent).fillna(city)


def buurt_quantities(cbs: pd.DataFrame, year: int) -> pd.DataFrame:
    """The CBS denominators of every buurt of ``year`` (index: buurt code; columns: QUANTITIES)."""
    wide = _wide(cbs, year)
    buurten = pd.Index(sorted(c for c in wide.index if c.startswith("BU")), name="buurtcode")
    if buurten.empty:
        raise ValueError(f"no CBS buurt figures for {year}")
    q = pd.DataFrame(index=buurten)
    pop = _col(wide, "population", buurten).fillna(0)
    hh = _col(wide, "households", buurten).fillna(0)
    q["population"], q["households"] = pop, hh
    for band in ("aged_0_14", "aged_15_24", "aged_25_44", "aged_45_64", "aged_65_plus"):
        q[band] = _part(wide, buurten, band, "pct_" + band, pop, "population")
    q["households_with_children"] = _part(
        wide, buurten, "households_with_children", "pct_households_with_children", hh, "households"
    )
    for var in ("dwellings", "cars"):
        q[var] = _col(wide, var, buurten).fillna(hh * _ratio_to_households(cbs, var, buurten))
    area = _col(wide, "area_land_ha", buurten).fillna(_newest(cbs, "area_land_ha").reindex(buurten))
    q["area_land_ha"] = area.fillna(area.median())
    business = _col(wide, "businesses", buurten).fillna(_newest(cbs, "businesses").reindex(buurten))
    per_ha = _newest(cbs, "businesses") / _newest(cbs, "area_land_ha")
    wijk_density = pd.Series(per_ha.reindex(_wijk_of(buurten)).to_numpy(), index=buurten)
    q["businesses"] = business.fillna(wijk_density * q["area_land_ha"]).fillna(0)
    return q[list(QUANTITIES)].astype(float)


def _z(values: pd.Series) -> pd.Series:
    sd = values.std(ddof=0)
    z = (values - values.mean()) / (sd if sd > 0 else 1.0)
    return z.clip(-3, 3)


def buurt_context(cbs: pd.DataFrame, buurten: pd.Index) -> pd.DataFrame:
    """Context z-scores (CONTEXT) per buurt from the newest CBS figures of each buurt code."""
    codes = pd.Index(buurten)
    wijken = pd.Index(_wijk_of(codes))

    def pick(var: str) -> pd.Series:
        newest = _newest(cbs, var)
        own = newest.reindex(codes)
        parent = pd.Series(newest.reindex(wijken).to_numpy(), index=codes)
        return own.fillna(parent).fillna(newest.median() if len(newest) else 0.0)

    def share(count: str, pct: str, total: str) -> pd.Series:
        """Shrunk share: (count + SHRINK x wijk share) / (total + SHRINK)."""
        n, t, p = _newest(cbs, count), _newest(cbs, total), _newest(cbs, pct) / 100
        raw = (n / t.where(t > 0)).combine_first(p)
        own_t = t.reindex(codes).fillna(0).to_numpy()
        own_s = raw.reindex(codes).to_numpy()
        wijk_s = raw.reindex(wijken).to_numpy()
        city = np.nanmedian(raw.to_numpy()) if raw.notna().any() else 0.0
        wijk_s = np.where(np.isnan(wijk_s), city, wijk_s)
        own_s = np.where(np.isnan(own_s), wijk_s, own_s)
        return pd.Series((own_s * own_t + SHRINK * wijk_s) / (own_t + SHRINK), index=codes)

    ctx = pd.DataFrame(index=codes)
    ctx["dep"] = _z(
        _z(pick("pct_households_low_income_40"))
        - _z(pick("mean_income_per_inhabitant"))
        + _z(pick("pct_social_housing"))
        - _z(pick("mean_woz_value"))
    )
    ctx["urb"] = _z(np.log1p(pick("address_density")))
    ctx["stud"] = _z(share("aged_15_24", "pct_aged_15_24", "population"))
    ctx["old"] = _z(share("aged_65_plus", "pct_aged_65_plus", "population"))
    ctx["kids"] = _z(
        share("households_with_children", "pct_households_with_children", "households")
    )
    trade = _newest(cbs, "businesses_trade_hospitality")
    business = _newest(cbs, "businesses")
    known = trade.index.intersection(business.index)
    fraction = trade[known].sum() / max(business[known].sum(), 1)
    density = trade.combine_first(business * fraction) / _newest(cbs, "area_land_ha").clip(lower=1)
    own = density.reindex(codes)
    parent = pd.Series(density.reindex(wijken).to_numpy(), index=codes)
    ctx["centre"] = _z(np.log1p(own.fillna(parent).fillna(0)))
    ctx["owner"] = _z(pick("pct_owner_occupied"))
    ctx["social"] = _z(pick("pct_social_housing"))
    ctx["new"] = _z(pick("pct_built_last_10y"))
    return ctx[list(CONTEXT)].fillna(0.0)


def _unit_normals(seed: int, variable: str, codes, salt: int = 0) -> np.ndarray:
    """One standard normal per area code, fixed by (seed, variable, code): year-independent."""
    key = _crc(variable)
    return np.array(
        [
            np.random.default_rng([seed, key, int(code[2:]), salt]).standard_normal()
            for code in codes
        ]
    )


def _intercept(rate: float, eta: np.ndarray, n: np.ndarray) -> float:
    """The logit intercept a with sum(n x expit(a + eta)) = rate x sum(n) (calibration)."""
    weights = n if n.sum() > 0 else np.ones_like(eta)
    target = rate * weights.sum()
    lo, hi = logit(rate) - 20.0, logit(rate) + 20.0
    for _ in range(80):  # bisection: the expected total rises monotonically with a
        mid = (lo + hi) / 2
        if np.sum(weights * expit(mid + eta)) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def generate_registers(
    cbs: pd.DataFrame, variables: list[RegisterVariable], spec: RegisterSpec
) -> pd.DataFrame:
    """Counts per buurt of every variable registered in ``spec.year`` (export layout)."""
    q = buurt_quantities(cbs, spec.cbs_year)
    buurten = q.index
    ctx = buurt_context(cbs, buurten)
    wijken = _wijk_of(buurten)
    unique_wijken = sorted(set(wijken))
    position = {w: i for i, w in enumerate(unique_wijken)}
    wijk_idx = np.array([position[w] for w in wijken])
    years_since = (spec.year - BASE_YEAR) / 7.0
    counts: dict[str, np.ndarray] = {}
    for var in generation_order(variables):
        if not var.exists_in(spec.year):
            continue
        rng = np.random.default_rng([spec.seed, spec.year, _crc(var.id)])
        lin = np.zeros(len(buurten))
        for name, beta in var.drivers.items():
            lin = lin + beta * ctx[name].to_numpy()
        u = _unit_normals(spec.seed, var.id, buurten)
        dev = _unit_normals(spec.seed, var.id, unique_wijken, salt=1)[wijk_idx]
        dev = var.development * dev * years_since
        if var.of:
            n = counts[var.of] if var.of in counts else np.round(q[var.of].to_numpy()).astype(int)
            eta = lin + var.sigma * u + dev
            p = expit(_intercept(var.rate_in(spec.year), eta, n) + eta)
            counts[var.id] = rng.binomial(n, p)
            continue
        base = np.zeros(len(buurten))
        for quantity, weight in (var.per or {}).items():
            base = base + weight * q[quantity].to_numpy()
        base = np.clip(base, 0, None)
        m = np.exp(lin + var.sigma * u + dev)
        if base.sum() > 0:
            m = m / (np.sum(base * m) / base.sum())
        lam = var.rate_in(spec.year) * base * m
        if var.noise > 0:
            lam = lam * rng.gamma(1 / var.noise, var.noise, len(buurten))
        drawn = rng.poisson(lam)
        for part in var.includes:
            drawn = drawn + counts[part]
        counts[var.id] = drawn
    frame = pd.DataFrame(
        [
            (spec.year, code, var_id, int(values[i]))
            for var_id, values in counts.items()
            for i, code in enumerate(buurten)
        ],
        columns=COLUMNS,
    )
    return frame.sort_values(["buurtcode", "variabele"]).reset_index(drop=True)


def write_export(frame: pd.DataFrame, path: Path) -> None:
    """Write rows as the municipal data warehouse exports them: semicolon, UTF-8, long."""
    frame[COLUMNS].to_csv(path, sep=";", index=False, encoding="utf-8", lineterminator="\n")


def sidecar_fields(spec: RegisterSpec) -> dict:
    """Provenance of a generated export, for ``ingest.snapshots.write_sidecar``."""
    return {
        "title": f"Gemeentelijke registraties {spec.year} per buurt (SYNTHETIC counts)",
        "publisher": "Wijkkompas synthetic register generator",
        "year": spec.year,
        "licence": "CC BY 4.0 (generated; calibrated to CBS data, Bron: CBS)",
        "attribution": "Synthetic data generated by Wijkkompas from CBS kerncijfers (Bron: CBS)",
        "origin": f"ingest/registers/generator.py v{GENERATOR_VERSION}, seed {spec.seed}, "
        f"year {spec.year}, CBS year {spec.cbs_year}, variables data/registers/variables.yml",
        "synthetic": True,
        "kind": "register",
        "area_level": "buurt",
        "notes": "Not real registrations. Everything derived from this file is synthetic.",
    }
