"""Synthetic wijkenquête microdata, calibrated to real CBS figures per buurt.

Survey microdata are private everywhere, so the project ships this documented, seeded generator.
It writes what a survey tool exports (semicolon CSV, one row per respondent, answer codes as in
``data/survey/codebook.yml``), so the loader that reads a real export reads this too.

How a wave is made (all randomness from ``numpy.random.Generator(seed)``, and the answers of
step 5 from a second stream seeded ``[seed, 50090]``, so every other answer keeps its draws):

1. **Frame**: for every buurt, residents aged 16+ by age band (16-24, 25-44, 45-64, 65+) and
   sex, from the real CBS kerncijfers of the wave's CBS year (counts in 2024, shares x population
   in the 2017 map). 16-24 is taken as 0.9 x the CBS band 15-24. Sex is assumed independent of
   age within a buurt (CBS publishes no age x sex at buurt level).
2. **Sample and response**: a gross sample per buurt proportional to population^0.6 (small
   buurten are oversampled, as municipalities do), drawn by cell; each sampled person responds
   with a probability that rises with age (x0.45 for 16-24 up to x1.45 for 65+), is higher
   for women (x1.1) and lower in deprived buurten (x exp(-0.35 deprivation)). The gross sample is
   scaled so the expected number of respondents meets the target.
3. **Context**: per buurt, z-scores of real CBS characteristics: deprivation (low income share,
   income per inhabitant, social-housing share, WOZ value), urbanity (log density) and the
   share of 15-24 year olds (students). Missing buurt figures fall back to the wijk.
4. **Answers**: latent dimensions per respondent (liveability, safety, cohesion, nuisance,
   facilities, health, loneliness, economic strain, participation, trust) are linear in the
   buurt context, the respondent's age and background, a buurt random effect and individual
   noise; each answer is drawn from an ordered-probit (ordinal scales), logistic (yes/no) or
   rounded-normal (marks 1-10) model around the item's base distribution. 2024 has small
   city-wide shifts (more loneliness, less trust) and a random development per wijk, so trends
   exist to be found. "Weet niet" (98) and item non-response (empty) are drawn per item and
   rise with age and paper mode.
5. **Answers that follow RIVM's real figures** (when given RIVM's table 50090NED, as
   ``wijkkompas generate-survey`` does; ``RIVM_ITEMS``): twelve survey indicators ask what
   RIVM estimates for every buurt, so their answers are drawn from RIVM's real prevalence of
   the respondent's buurt and age group, from the RIVM year nearest the wave at or before it
   (2016 for wave 2018, 2020 for 2024), and the synthetic figures follow the real map of
   health in the city. For each respondent, P(an answer the survey indicator counts) = RIVM's
   prevalence: gez_ervaren (zeer) goed = good_perceived_health, gez_beperkt ernstig or
   enigszins = limited_by_health, gez_bewegen ja = meets_activity_guideline, gez_sport ja =
   sports_weekly, gez_roken ja = smokes, gez_regie (helemaal) mee eens =
   in_control_of_own_life, gez_mantelzorg ja = informal_carer, par_vrijwilliger ja =
   volunteers, wrk_rondkomen grote or enige moeite = difficulty_making_ends_meet and
   ovl_geluid_buren "komt vaak voor" = RIVM's severe annoyance by neighbours' noise (another
   concept, drawn from the nearest figure there is). The counted codes share that probability,
   and the other codes the rest, in the proportions of the item's base distribution; which
   respondents of a buurt and age group give them follows the item's latent propensity of
   step 4 (a Gaussian copula: the answer's latent shares 0.6 of its variation with the
   propensity's deviation from the mean of the respondent's buurt x age band, so the share in
   the cell stays RIVM's and the item keeps its correlations with the others). Loneliness is a
   construct (codebook ``eenzaamheid``: the number of lonely answers on De Jong Gierveld's six
   items, lonely from 2, severely lonely from 5): the respondent's class is drawn from RIVM's
   lonely and severely_lonely prevalences (by the loneliness latent, in the same way), the
   score within the class in the shares the latent model gave (``SCORE_IN_CLASS``), the items
   that carry the lonely answers with weights by their base odds of one, each answer's code
   (ja / min of meer, or nee / min of meer for the reversed items) in base proportions.

   The prevalence per age: 65+ take RIVM's 65+ figure (where RIVM publishes none for the
   concept, the 18+ one); 18-64 take what is left of RIVM's 18+ figure once the 65+ are taken
   out, (n15 x p18 - n65 x p65) / (n15 - n65), with the CBS residents 15+ (for RIVM's 18+)
   and 65+ of the wave's CBS year of the area the figures are of, kept within 0.5-99.5 %;
   16-17 year olds take the 18-64 figure. A buurt without an RIVM 18+ figure (too few
   residents, or a buurt recoded since RIVM's 2020 division, e.g. Groningen's BU00140110,
   BU00140908 and BU00140909) takes its wijk's figures, and one without a 65+ figure the
   wijk's 65+ figure. A concept RIVM did not measure in that year (limited_by_health and the
   noise item before 2020) keeps the latent model of step 4, as does every item when no RIVM
   table is given. "Weet niet" and item non-response are drawn as for every item.

Everything derived from these files is synthetic and is labelled so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from scipy.stats import norm

from ingest.survey.codebook import Codebook

GENERATOR_VERSION = "1.1"
AGE_BANDS = [("16-24", 16, 24), ("25-44", 25, 44), ("45-64", 45, 64), ("65+", 65, 100)]
RESPONSE_BY_AGE = np.array([0.45, 0.75, 1.10, 1.45])
BASE_RESPONSE = 0.30
DIMENSIONS = ["L", "S", "C", "N", "F", "H", "Lo", "W", "P", "T"]

# Default base distributions per scale, in code order (best/first category first), without 98.
SCALE_BASE = {
    "agree5": [0.12, 0.40, 0.28, 0.14, 0.06],
    "satisfied5": [0.10, 0.50, 0.22, 0.13, 0.05],
    "problem3": [0.10, 0.33, 0.57],
    "often4": [0.04, 0.24, 0.24, 0.48],
    "development3": [0.12, 0.66, 0.22],
    "health5": [0.22, 0.52, 0.19, 0.06, 0.01],
    "limited3": [0.07, 0.22, 0.71],
    "lonely3": [0.14, 0.20, 0.66],
    "contact5": [0.14, 0.35, 0.21, 0.18, 0.12],
    "move3": [0.11, 0.19, 0.70],
    "income_strain3": [0.07, 0.20, 0.73],
}
SCALE_DONT_KNOW = {
    "agree5": 0.04,
    "satisfied5": 0.06,
    "problem3": 0.05,
    "often4": 0.01,
    "development3": 0.09,
    "move3": 0.05,
    "yesno_dk": 0.08,
    "income_strain3": 0.04,
    "education3": 0.02,
}

# item -> (loadings on latent dimensions; positive = more likely the FIRST answer category /
# a higher mark / "ja"), base distribution or P(ja) or mean mark, extra "weet niet" rate)
L, S, C, N, F, H, Lo, W, P, T = DIMENSIONS
ITEMS: dict[str, tuple[dict[str, float], object, float]] = {
    "won_cijfer_buurt": ({L: 0.9, S: 0.3}, 7.4, 0),
    "won_cijfer_woning": ({L: 0.5, W: -0.3}, 7.6, 0),
    "won_tevreden_woning": ({L: 0.6, W: -0.3}, [0.22, 0.53, 0.13, 0.09, 0.03], 0),
    "won_ontwikkeling": ({L: 0.6}, None, 0),
    "won_verhuiswens": ({L: -0.7, "young": 0.6}, None, 0),
    "won_prettig": ({L: 0.9}, [0.30, 0.48, 0.13, 0.06, 0.03], 0),
    "won_schoon": ({L: 0.7, N: -0.4}, None, 0),
    "won_groen_hoeveelheid": ({L: 0.5, "urb": -0.5}, [0.15, 0.50, 0.18, 0.13, 0.04], 0),
    "won_groen_onderhoud": ({L: 0.6}, None, 0.02),
    "won_straten_onderhoud": ({L: 0.6}, [0.06, 0.45, 0.25, 0.18, 0.06], 0),
    "won_verlichting": ({L: 0.4, S: 0.3}, [0.10, 0.58, 0.20, 0.09, 0.03], 0.02),
    "won_parkeren": ({L: 0.3, "urb": -0.7}, [0.08, 0.40, 0.22, 0.20, 0.10], 0.05),
    "won_fietspaden": ({L: 0.3, "urb": 0.2}, [0.09, 0.50, 0.23, 0.14, 0.04], 0.02),
    "won_afvalinzameling": ({L: 0.4}, [0.10, 0.52, 0.20, 0.13, 0.05], 0.01),
    "won_klimaat_hitte": ({"urb": 0.6, "old": 0.3}, 0.34, 0),
    "ovl_hondenpoep": ({N: 0.6, "urb": -0.1}, [0.22, 0.40, 0.38], 0),
    "ovl_rommel": ({N: 0.8}, [0.16, 0.38, 0.46], 0),
    "ovl_afval_containers": ({N: 0.8}, [0.18, 0.34, 0.48], 0.02),
    "ovl_vernieling": ({N: 0.7}, [0.05, 0.25, 0.70], 0.04),
    "ovl_bekladding": ({N: 0.7, "urb": 0.3}, [0.06, 0.22, 0.72], 0.03),
    "ovl_geluid_buren": ({N: 0.5, "urb": 0.3}, [0.08, 0.25, 0.67], 0),
    "ovl_geluid_verkeer": ({N: 0.4, "urb": 0.4}, [0.12, 0.30, 0.58], 0),
    "ovl_jongeren": ({N: 0.7}, [0.06, 0.20, 0.74], 0.04),
    "ovl_dronken": ({N: 0.6, "urb": 0.5, "stud": 0.3}, [0.05, 0.17, 0.78], 0.03),
    "ovl_drugs": ({N: 0.8}, [0.04, 0.13, 0.83], 0.06),
    "ovl_verward": ({N: 0.7, "urb": 0.3}, [0.04, 0.16, 0.80], 0.05),
    "ovl_studentenhuizen": ({N: 0.3, "stud": 1.0}, [0.05, 0.12, 0.83], 0.03),
    "ovl_horeca": ({N: 0.3, "urb": 0.9}, [0.03, 0.09, 0.88], 0.02),
    "ovl_hard_rijden": ({N: 0.3, "urb": -0.3}, [0.20, 0.38, 0.42], 0.02),
    "ovl_parkeren": ({N: 0.3, "urb": 0.6}, [0.16, 0.30, 0.54], 0.02),
    "ovl_fietsen": ({N: 0.3, "urb": 0.8, "stud": 0.3}, [0.17, 0.28, 0.55], 0.01),
    "vrz_winkels": ({F: 0.7}, [0.20, 0.55, 0.12, 0.09, 0.04], 0.01),
    "vrz_ov": ({F: 0.7}, [0.12, 0.50, 0.20, 0.12, 0.06], 0.08),
    "vrz_zorg": ({F: 0.5}, [0.18, 0.58, 0.14, 0.07, 0.03], 0.03),
    "vrz_ontmoeting": ({F: 0.4, C: 0.3}, [0.07, 0.38, 0.33, 0.15, 0.07], 0.22),
    "vrz_sport": ({F: 0.4}, [0.12, 0.52, 0.22, 0.10, 0.04], 0.15),
    "vrz_spelen": ({F: 0.3, L: 0.3}, [0.08, 0.45, 0.25, 0.16, 0.06], 0.25),
    "vrz_jongeren": ({F: 0.4}, [0.03, 0.22, 0.38, 0.26, 0.11], 0.38),
    "vrz_ouderen": ({F: 0.4}, [0.05, 0.33, 0.36, 0.18, 0.08], 0.35),
    "vrz_basisschool": ({F: 0.3, L: 0.3}, [0.15, 0.55, 0.20, 0.07, 0.03], 0.40),
    "vrz_cultuur": ({F: 0.6, "urb": 0.4}, [0.12, 0.45, 0.27, 0.11, 0.05], 0.15),
    "coh_kennen": ({C: -0.8}, [0.08, 0.26, 0.30, 0.28, 0.08], 0),
    "coh_omgang": ({C: 0.8}, [0.10, 0.55, 0.25, 0.07, 0.03], 0),
    "coh_thuis": ({C: 0.8}, [0.10, 0.45, 0.30, 0.11, 0.04], 0),
    "coh_saamhorig": ({C: 0.9}, [0.06, 0.28, 0.38, 0.21, 0.07], 0),
    "coh_contact": ({C: 0.8}, [0.06, 0.26, 0.30, 0.28, 0.10], 0),
    "coh_verbonden": ({C: 0.8, L: 0.2}, [0.09, 0.38, 0.32, 0.15, 0.06], 0),
    "coh_samenstelling": ({C: 0.5, L: 0.4}, [0.08, 0.48, 0.30, 0.10, 0.04], 0.03),
    "coh_verantwoordelijk": ({C: 0.7}, [0.05, 0.38, 0.35, 0.17, 0.05], 0.04),
    "coh_hulp_buren": ({C: 0.8}, [0.14, 0.46, 0.22, 0.12, 0.06], 0),
    "coh_contact_buren": ({C: 0.8}, None, 0),
    "coh_discriminatie": ({C: -0.4, "dep": 0.3, "urb": 0.2}, 0.05, 0),
    "vei_onveilig_ooit": ({S: -0.8}, [0.05, 0.30, 0.27, 0.38], 0),
    "vei_onveilig_buurt": ({S: -0.9}, None, 0),
    "vei_onveilig_avond_straat": ({S: -0.9, "female": 0.4}, [0.06, 0.24, 0.22, 0.48], 0),
    "vei_onveilig_thuis": ({S: -0.5, "female": 0.3}, [0.02, 0.12, 0.20, 0.66], 0),
    "vei_cijfer": ({S: 0.9}, 7.2, 0),
    "vei_vermijden": ({S: -0.8, "female": 0.3}, 0.17, 0),
    "vei_ontwikkeling": ({S: 0.6}, [0.08, 0.72, 0.20], 0.06),
    "vei_slachtoffer_inbraak": ({S: -0.5}, 0.03, 0),
    "vei_slachtoffer_fiets": ({S: -0.3, "urb": 0.5, "young": 0.5}, 0.08, 0),
    "vei_slachtoffer_geweld": ({S: -0.5, "young": 0.4}, 0.04, 0),
    "vei_slachtoffer_vernieling": ({S: -0.5, N: 0.3}, 0.07, 0),
    "vei_slachtoffer_online": ({"old": 0.2}, 0.05, 0),
    "vei_inbraak_probleem": ({S: -0.7}, [0.06, 0.32, 0.62], 0.12),
    "vei_politie_tevreden": ({S: 0.5, T: 0.4}, [0.05, 0.38, 0.34, 0.15, 0.08], 0.18),
    "gez_ervaren": ({H: 0.9}, None, 0),
    "gez_beperkt": ({H: -0.8}, None, 0),
    "gez_bewegen": ({H: 0.5}, 0.55, 0),
    "gez_sport": ({H: 0.5, W: -0.3}, 0.52, 0),
    "gez_roken": ({W: 0.5, H: -0.2}, 0.17, 0),
    "gez_geluk": ({H: 0.5, Lo: -0.4, W: -0.3}, 7.5, 0),
    "gez_regie": ({H: 0.4, W: -0.4}, [0.18, 0.55, 0.17, 0.07, 0.03], 0),
    "gez_mantelzorg": ({"old": 0.2, C: 0.2}, 0.14, 0),
    "gez_hulp_gemist": ({H: -0.5, W: 0.4, Lo: 0.3}, 0.08, 0),
    "eenz_leegte": ({Lo: 0.9}, [0.10, 0.18, 0.72], 0),
    "eenz_mis_mensen": ({Lo: 0.9}, [0.13, 0.22, 0.65], 0),
    "eenz_in_de_steek": ({Lo: 0.9}, [0.06, 0.12, 0.82], 0),
    "eenz_terugvallen": ({Lo: -0.9}, [0.70, 0.20, 0.10], 0),
    "eenz_vertrouwen": ({Lo: -0.9}, [0.60, 0.25, 0.15], 0),
    "eenz_verbonden": ({Lo: -0.9}, [0.66, 0.22, 0.12], 0),
    "wrk_rondkomen": ({W: 1.0}, None, 0),
    "wrk_energiekosten": ({W: 0.9}, 0.16, 0),
    "jgd_kindvriendelijk": ({L: 0.6, S: 0.3, "urb": -0.4}, [0.15, 0.45, 0.22, 0.12, 0.06], 0.12),
    "jgd_veilig_spelen": ({S: 0.6, "urb": -0.4}, [0.12, 0.44, 0.24, 0.14, 0.06], 0.14),
    "jgd_opvoedsteun": ({P: 0.3}, 0.55, 0),
    "par_vrijwilliger": ({P: 0.9}, 0.30, 0),
    "par_actief_buurt": ({P: 0.8, C: 0.3}, 0.18, 0),
    "par_initiatief": ({P: 0.7, C: 0.3}, 0.08, 0),
    "par_wil_meedenken": ({P: 0.6}, 0.40, 0),
    "par_gemeente_inzet": ({T: 0.8}, [0.04, 0.30, 0.36, 0.20, 0.10], 0.10),
    "par_gemeente_betrekt": ({T: 0.8}, [0.03, 0.24, 0.36, 0.25, 0.12], 0.12),
    "par_vertrouwen_gemeente": ({T: 0.9}, [0.04, 0.36, 0.32, 0.18, 0.10], 0.05),
    "par_kent_gebiedsteam": ({P: 0.5, "old": 0.3}, 0.20, 0),
    "par_kent_wijteam": ({P: 0.4, W: 0.3}, 0.42, 0),
    "par_kent_wijkwethouder": ({P: 0.5, "old": 0.4}, 0.15, 0),
    "par_digitaal_meedoen": ({"old": -0.8, W: -0.3}, [0.30, 0.45, 0.12, 0.08, 0.05], 0.01),
}
# The questions whose answers follow RIVM's real prevalence (table 50090NED) of the respondent's
# buurt and age group: question -> (RIVM concept, the answer codes the survey indicator counts;
# indicators/catalogue: good_perceived_health, limited_by_health, ..., and
# noise_from_neighbours_frequent, a different concept drawn from RIVM's severe annoyance).
RIVM_ITEMS: dict[str, tuple[str, tuple[int, ...]]] = {
    "gez_ervaren": ("good_perceived_health", (1, 2)),
    "gez_beperkt": ("limited_by_health", (1, 2)),
    "gez_bewegen": ("meets_activity_guideline", (1,)),
    "gez_sport": ("sports_weekly", (1,)),
    "gez_roken": ("smokes", (1,)),
    "gez_regie": ("in_control_of_own_life", (1, 2)),
    "gez_mantelzorg": ("informal_carer", (1,)),
    "par_vrijwilliger": ("volunteers", (1,)),
    "wrk_rondkomen": ("difficulty_making_ends_meet", (1, 2)),
    "ovl_geluid_buren": ("noise_from_neighbours_severe", (1,)),
}
# The loneliness construct (codebook ``eenzaamheid``, De Jong Gierveld: the number of lonely
# answers on six items): lonely from LONELY_AT_LEAST, severely lonely from SEVERE_AT_LEAST (the
# catalogue's lonely and severely_lonely), drawn from RIVM's lonely and severely_lonely.
LONELINESS_CONSTRUCT = "eenzaamheid"
RIVM_CONCEPTS = tuple(c for c, _ in RIVM_ITEMS.values()) + ("lonely", "severely_lonely")
LONELY_AT_LEAST, SEVERE_AT_LEAST = 2, 5
# the score within each class (from its lowest score: not lonely 0-1, lonely 2-4, severely lonely
# 5-6) in the shares the latent model of generator v1.0 gave in wave 2024
SCORE_IN_CLASS = {
    0: (0.44, 0.56),
    LONELY_AT_LEAST: (0.41, 0.35, 0.24),
    SEVERE_AT_LEAST: (0.74, 0.26),
}
RIVM_COPULA = 0.6  # correlation of an answer's latent with the respondent's own dimension
RIVM_CLIP = (0.005, 0.995)  # a derived 18-64 prevalence is kept inside this
BACKGROUND = {
    "ach_huishouden",
    "ach_woning_eigendom",
    "ach_woonduur",
    "wrk_situatie",
    "wrk_opleiding",
    "jgd_kinderen_thuis",
}


@dataclass(frozen=True)
class WaveSpec:
    wave: int
    cbs_year: int
    target_respondents: int
    seed: int
    fieldwork_start: date
    questions_of: int | None = None  # ask the questions of this wave (default: the wave's own)


def _z(values: pd.Series) -> pd.Series:
    sd = values.std(ddof=0)
    return (values - values.mean()) / (sd if sd > 0 else 1.0)


def buurt_frame(cbs: pd.DataFrame, year: int) -> pd.DataFrame:
    """Residents 16+ by age band and sex per buurt, from the CBS figures of ``year``."""
    wide = cbs[(cbs["year"] == year) & (cbs["area_level"] == "buurt")].pivot_table(
        index="area_code", columns="variable", values="value", aggfunc="first"
    )
    if "aged_15_24" in wide:
        bands = wide[["aged_15_24", "aged_25_44", "aged_45_64", "aged_65_plus"]].to_numpy()
    else:
        shares = wide[["pct_aged_15_24", "pct_aged_25_44", "pct_aged_45_64", "pct_aged_65_plus"]]
        bands = shares.to_numpy() / 100.0 * wide[["population"]].to_numpy()
    bands = np.nan_to_num(bands.astype(float)) * np.array([0.9, 1, 1, 1])
    women = (wide["women"] / (wide["men"] + wide["women"])).fillna(0.5).clip(0.2, 0.8)
    frame = pd.DataFrame(bands, index=wide.index, columns=[b[0] for b in AGE_BANDS])
    frame["share_women"] = women
    frame["adults"] = frame[[b[0] for b in AGE_BANDS]].sum(axis=1)
    frame = frame[frame["adults"] >= 20]
    frame.index.name = "buurt_code"
    return frame.reset_index()


def buurt_context(cbs: pd.DataFrame, buurten: list[str]) -> pd.DataFrame:
    """Deprivation, urbanity and student z-scores per buurt, from the newest CBS figure."""
    wanted = [
        "mean_income_per_inhabitant",
        "pct_households_low_income_40",
        "mean_woz_value",
        "pct_social_housing",
        "population_density",
        "aged_15_24",
        "population",
        "pct_aged_15_24",
    ]
    latest = (
        cbs[cbs["variable"].isin(wanted) & cbs["value"].notna()]
        .sort_values("year")
        .groupby(["area_code", "variable"])["value"]
        .last()
        .unstack()
    )
    codes = pd.Index(buurten)
    wijk = pd.Index(["WK" + b[2:8] for b in buurten])

    def pick(var: str) -> pd.Series:
        if var not in latest:
            return pd.Series(np.nan, index=codes)
        own = latest[var].reindex(codes)
        parent = pd.Series(latest[var].reindex(wijk).to_numpy(), index=codes)
        return own.fillna(parent).fillna(latest[var].median())

    youth = pick("aged_15_24") / pick("population") * 100
    youth = youth.fillna(pick("pct_aged_15_24"))
    context = pd.DataFrame(index=codes)
    context["dep"] = _z(
        _z(pick("pct_households_low_income_40"))
        - _z(pick("mean_income_per_inhabitant"))
        + _z(pick("pct_social_housing"))
        - _z(pick("mean_woz_value"))
    )
    context["urb"] = _z(np.log1p(pick("population_density")))
    context["stud"] = _z(youth.fillna(youth.median()))
    return context.fillna(0.0)


def _ordered(rng, propensity: np.ndarray, base: list[float]) -> np.ndarray:
    """Ordered probit: categories 1..k; a higher propensity makes a lower (first) code likelier.

    The cut points are the base distribution's normal quantiles, widened by the spread the
    propensity adds, so the answers keep roughly the base distribution overall."""
    spread = np.sqrt(1.0 + (0.8 * propensity.std()) ** 2)
    cuts = norm.ppf(np.clip(np.cumsum(base)[:-1], 1e-6, 1 - 1e-6)) * spread
    latent = -0.8 * propensity + rng.standard_normal(len(propensity))
    return 1 + np.searchsorted(cuts, latent)


def _draw_background(rng, people: pd.DataFrame, ctx: pd.DataFrame) -> pd.DataFrame:
    n = len(people)
    age = people["leeftijd"].to_numpy()
    band = people["band"].to_numpy()
    dep = ctx["dep"].to_numpy()
    stud = ctx["stud"].to_numpy()
    urb = ctx["urb"].to_numpy()
    u = rng.random(n)

    # household: by age band, more single and shared households in student/urban buurten
    hh = np.empty(n, dtype=int)
    probs = {
        0: [0.30, 0.10, 0.05, 0.03, 0.52],
        1: [0.33, 0.25, 0.32, 0.06, 0.04],
        2: [0.24, 0.36, 0.30, 0.08, 0.02],
        3: [0.43, 0.52, 0.02, 0.01, 0.02],
    }
    for b, p in probs.items():
        idx = np.where(band == b)[0]
        p = np.tile(p, (len(idx), 1)).astype(float)
        p[:, 0] *= np.exp(0.25 * urb[idx])
        p[:, 4] *= np.exp(0.6 * stud[idx])
        p[:, 2] *= np.exp(-0.3 * urb[idx])
        p /= p.sum(axis=1, keepdims=True)
        hh[idx] = 1 + (u[idx, None] > np.cumsum(p, axis=1)).sum(axis=1)
    kids = np.where(np.isin(hh, [3, 4]), 1, np.where(rng.random(n) < 0.02, 1, 2))

    # tenure from the buurt's real social-housing and owner-occupied shares
    social = ctx["social"].to_numpy() / 100
    owner = ctx["owner"].to_numpy() / 100
    young = band == 0
    p_owner = np.clip(owner * np.where(young, 0.3, np.where(band == 1, 0.85, 1.15)), 0.01, 0.95)
    p_social = np.clip(social * (1 - p_owner) / np.clip(1 - owner, 0.05, 1), 0.01, 0.95)
    p_other = np.where(young | (hh == 5), 0.25, 0.02)
    r = rng.random(n)
    tenure = np.where(
        r < p_owner, 1, np.where(r < p_owner + p_social, 2, np.where(rng.random(n) < p_other, 4, 3))
    )

    duration_mean = np.clip((age - 16) / 12, 0.2, 3.2)
    duration = np.clip(np.round(duration_mean + rng.normal(0, 0.9, n)), 0, 3).astype(int) + 1

    work = np.empty(n, dtype=int)
    for b, p in {
        0: [0.30, 0.62, 0.0, 0.05, 0.01, 0.02],
        1: [0.78, 0.08, 0.0, 0.06, 0.04, 0.04],
        2: [0.72, 0.01, 0.04, 0.06, 0.09, 0.08],
        3: [0.06, 0.0, 0.88, 0.0, 0.01, 0.05],
    }.items():
        idx = np.where(band == b)[0]
        p = np.tile(p, (len(idx), 1)).astype(float)
        p[:, 3] *= np.exp(0.5 * dep[idx])
        p[:, 4] *= np.exp(0.5 * dep[idx])
        p[:, 1] *= np.exp(0.5 * stud[idx])
        p /= p.sum(axis=1, keepdims=True)
        work[idx] = 1 + (rng.random(len(idx))[:, None] > np.cumsum(p, axis=1)).sum(axis=1)

    edu_prop = -0.6 * dep + 0.3 * stud - 0.4 * (band == 3) + rng.normal(0, 1, n)
    education = np.where(edu_prop > 0.35, 3, np.where(edu_prop > -0.75, 2, 1))
    return pd.DataFrame(
        {
            "ach_huishouden": hh,
            "jgd_kinderen_thuis": kids,
            "ach_woning_eigendom": tenure,
            "ach_woonduur": duration,
            "wrk_situatie": work,
            "wrk_opleiding": education,
        }
    )


def _latents(rng, people, ctx, bg, wave_shift, wijk_dev) -> dict[str, np.ndarray]:
    n = len(people)
    dep, urb, stud = (ctx[c].to_numpy() for c in ("dep", "urb", "stud"))
    old = (people["leeftijd"].to_numpy() - 50) / 18
    young = (people["band"].to_numpy() == 0).astype(float)
    owner = (bg["ach_woning_eigendom"].to_numpy() == 1).astype(float)
    low_edu = (bg["wrk_opleiding"].to_numpy() == 1).astype(float)
    jobless = np.isin(bg["wrk_situatie"].to_numpy(), [4, 5]).astype(float)
    alone = (bg["ach_huishouden"].to_numpy() == 1).astype(float)
    b_eff = ctx["buurt_effect"].to_numpy()

    def noise(scale=1.0):
        return rng.normal(0, scale, n)

    lat = {
        L: -0.55 * dep - 0.15 * urb + 0.5 * b_eff + 0.15 * owner + noise(0.8),
        S: -0.45 * dep - 0.35 * urb + 0.4 * b_eff + 0.1 * old + noise(0.8),
        C: -0.30 * dep - 0.45 * urb - 0.25 * stud + 0.25 * old + 0.3 * owner + noise(0.8),
        N: 0.45 * dep + 0.45 * urb + 0.2 * stud - 0.4 * b_eff + noise(0.7),
        F: 0.35 * urb - 0.1 * dep + noise(0.8),
        H: -0.35 * dep - 0.45 * old - 0.5 * jobless - 0.2 * low_edu + noise(0.85),
        Lo: 0.35 * dep + 0.25 * alone + 0.4 * jobless + 0.1 * young + noise(0.85),
        W: 0.55 * dep + 0.6 * jobless + 0.35 * low_edu - 0.3 * owner + noise(0.8),
        P: -0.25 * dep + 0.25 * old + 0.3 * owner - 0.3 * low_edu + noise(0.85),
        T: -0.25 * dep + 0.2 * old + noise(0.9),
        "urb": urb,
        "stud": stud,
        "dep": dep,
        "old": old,
        "young": young,
        "female": (people["geslacht"].to_numpy() == 2).astype(float),
    }
    for dim, shift in wave_shift.items():
        lat[dim] = lat[dim] + shift
    for dim in (L, S, C):
        lat[dim] = lat[dim] + wijk_dev
    return lat


def generate_wave(
    cbs: pd.DataFrame, codebook: Codebook, spec: WaveSpec, rivm: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Respondent rows of one wave in the export layout (codes; NaN = no answer). ``rivm``: the
    long rows of RIVM's table 50090NED (:func:`load_rivm`); without it, or for a concept RIVM
    did not measure in the year nearest the wave, the items keep the latent model."""
    rng = np.random.default_rng(spec.seed)
    frame = buurt_frame(cbs, spec.cbs_year)
    ctx_all = buurt_context(cbs, frame["buurt_code"].tolist())
    social = _latest_by_buurt(cbs, "pct_social_housing", frame["buurt_code"], 30.0)
    owner = _latest_by_buurt(cbs, "pct_owner_occupied", frame["buurt_code"], 45.0)
    ctx_all["social"], ctx_all["owner"] = social, owner
    ctx_all["buurt_effect"] = rng.normal(0, 0.35, len(ctx_all))

    bands = [b[0] for b in AGE_BANDS]
    cells = frame[bands].to_numpy()
    women = frame["share_women"].to_numpy()
    rr_buurt = np.exp(-0.35 * ctx_all["dep"].to_numpy())
    rr_cell = np.clip(BASE_RESPONSE * RESPONSE_BY_AGE[None, :] * rr_buurt[:, None], 0, 0.95)
    rr_sex = np.array([1.0, 1.1])
    weight = frame["adults"].to_numpy() ** 0.6
    expected_per_unit = (
        weight[:, None] * cells / frame["adults"].to_numpy()[:, None] * rr_cell
    ).sum() * ((1 - women).mean() + women.mean() * 1.1)
    scale = spec.target_respondents / expected_per_unit
    gross = np.minimum(weight * scale, frame["adults"].to_numpy())

    rows = []
    for i, buurt in enumerate(frame["buurt_code"]):
        for b in range(len(bands)):
            n_cell = gross[i] * cells[i, b] / frame["adults"].iloc[i]
            for sex, share in ((1, 1 - women[i]), (2, women[i])):
                sampled = rng.poisson(n_cell * share)
                k = rng.binomial(sampled, min(rr_cell[i, b] * rr_sex[sex - 1], 0.95))
                rows.extend([(buurt, i, b, sex)] * k)
    people = pd.DataFrame(rows, columns=["buurtcode", "ctx_row", "band", "geslacht"])
    n = len(people)
    lo = np.array([a[1] for a in AGE_BANDS])[people["band"]]
    hi = np.array([a[2] for a in AGE_BANDS])[people["band"]]
    age = np.where(
        people["band"] == 3,
        65 + np.minimum(rng.exponential(9, n), 35).astype(int),
        rng.integers(lo, hi + 1),
    )
    people["leeftijd"] = age
    people.loc[rng.random(n) < 0.005, "geslacht"] = 3
    ctx = ctx_all.iloc[people["ctx_row"].to_numpy()].reset_index(drop=True)

    paper = rng.random(n) < 0.08 + 0.35 * (age >= 65)
    start = spec.fieldwork_start
    days = rng.integers(0, 42, n)
    wijken = sorted({"WK" + b[2:8] for b in frame["buurt_code"]})
    wijk_rng = np.random.default_rng(9_000 + spec.seed % 1000)
    dev_by_wijk = dict(zip(wijken, wijk_rng.normal(0, 0.22, len(wijken)), strict=True))
    wijk_dev = people["buurtcode"].map(lambda b: dev_by_wijk["WK" + b[2:8]]).to_numpy()
    if spec.wave <= 2018:
        wijk_dev = np.zeros(n)
    shift = {} if spec.wave <= 2018 else {Lo: 0.15, T: -0.20, S: -0.05, W: 0.10}

    bg = _draw_background(rng, people, ctx)
    lat = _latents(rng, people, ctx, bg, shift, wijk_dev)

    frame_cols = pd.DataFrame(
        {
            "respondent_id": [f"{spec.wave}-{x:06d}" for x in rng.permutation(n) + 1],
            "golf": spec.wave,
            "buurtcode": people["buurtcode"],
            "leeftijd": age,
            "geslacht": people["geslacht"],
            "modus": np.where(paper, 2, 1),
            "datum": [(start + timedelta(days=int(d))).isoformat() for d in days],
        }
    )
    asked = codebook.questions_in(spec.questions_of or spec.wave)
    from_rivm = {}
    if rivm is not None:
        prevalence = rivm_prevalence(rivm, cbs, spec.cbs_year, frame["buurt_code"], spec.wave)
        from_rivm = _rivm_answers(spec, codebook, {q.id for q in asked}, people, lat, prevalence)
    answers = {}
    nonresponse_base = 0.008 + 0.02 * (age >= 75) + 0.01 * paper
    for question in asked:
        if question.id in BACKGROUND:
            values = bg[question.id].to_numpy().astype(float)
        else:
            # drawn also where RIVM decides the answer, so every other item keeps its draws
            values = _answer(rng, question.id, question.scale, lat, n)
            values = from_rivm.get(question.id, values)
            dk = SCALE_DONT_KNOW.get(question.scale, 0.0) + ITEMS[question.id][2]
            if dk and 98 in (codebook.scales[question.scale].codes or {}):
                if question.id in ("vrz_basisschool", "vrz_spelen", "jgd_opvoedsteun"):
                    dk = np.where(bg["jgd_kinderen_thuis"] == 1, dk * 0.2, dk * 1.6)
                values = np.where(rng.random(n) < np.clip(dk, 0, 0.9), 98, values)
        extra = 0.04 if question.id in ("wrk_rondkomen", "wrk_opleiding") else 0.0
        values = np.where(rng.random(n) < nonresponse_base + extra, np.nan, values)
        answers[question.id] = values
    out = pd.concat([frame_cols, pd.DataFrame(answers)], axis=1)
    return out.sort_values("respondent_id").reset_index(drop=True)


def sidecar_fields(
    spec: WaveSpec, origin: str = "", notes: str = "", rivm: pd.DataFrame | None = None
) -> dict:
    """Provenance of a generated wave, for ``ingest.snapshots.write_sidecar`` (``origin`` and
    ``notes``: what else the file was generated from; ``rivm``: the RIVM rows it was given)."""
    year = rivm_year(rivm, spec.wave) if rivm is not None else None
    if year is not None:
        published = rivm.loc[(rivm["year"] == year) & rivm["value"].notna(), "concept"]
        measured = sorted(set(published) & set(RIVM_CONCEPTS))
        origin = (
            f", the answers on {len(measured)} concepts RIVM measures drawn from its "
            f"prevalence per buurt and age (table 50090NED, {year}){origin}"
        )
    credit = "CBS kerncijfers (Bron: CBS)" + (
        " and RIVM's health estimates (Bron: RIVM, Gezondheidsmonitor Volwassenen en Ouderen "
        "(GGD'en, CBS, RIVM))"
        if year is not None
        else ""
    )
    return {
        "title": f"Wijkenquête {spec.wave} (SYNTHETIC respondent microdata)",
        "publisher": "Wijkkompas synthetic survey generator",
        "year": spec.wave,
        "licence": "CC BY 4.0 (generated; calibrated to CBS data, Bron: CBS"
        + ("; and RIVM open data" if year is not None else "")
        + ")",
        "attribution": f"Synthetic data generated by Wijkkompas from {credit}",
        "origin": f"ingest/survey/generator.py v{GENERATOR_VERSION}, seed {spec.seed}, CBS year "
        f"{spec.cbs_year}, target {spec.target_respondents} respondents{origin}",
        "synthetic": True,
        "kind": "survey_export",
        "notes": "Not real survey answers. Everything derived from this file is synthetic."
        + (f" {notes}" if notes else ""),
    }


def write_export(frame: pd.DataFrame, path, delimiter: str = ";") -> None:
    """Write rows as a survey tool exports them: codes as whole numbers, empty = no answer."""
    text = frame.copy()
    for col in text.columns:
        if pd.api.types.is_float_dtype(text[col]):
            text[col] = text[col].astype("Int64")
    text.to_csv(path, sep=delimiter, index=False, encoding="utf-8", lineterminator="\n")


def _latest_by_buurt(cbs: pd.DataFrame, variable: str, buurten: pd.Series, default: float):
    latest = (
        cbs[(cbs["variable"] == variable) & cbs["value"].notna()]
        .sort_values("year")
        .groupby("area_code")["value"]
        .last()
    )
    own = latest.reindex(buurten.to_numpy())
    parent = latest.reindex(["WK" + b[2:8] for b in buurten]).to_numpy()
    return own.fillna(pd.Series(parent, index=own.index)).fillna(default).to_numpy()


def _answer(rng, qid: str, scale: str, lat: dict[str, np.ndarray], n: int) -> np.ndarray:
    loadings, base, _ = ITEMS[qid]
    propensity = sum(weight * lat[dim] for dim, weight in loadings.items())
    if scale == "rating10":
        mark = base + 0.9 * propensity + rng.normal(0, 0.9, n)
        return np.clip(np.round(mark), 1, 10)
    if scale in ("yesno", "yesno_dk"):
        p = expit(logit(base) + 0.9 * propensity)
        return np.where(rng.random(n) < p, 1, 2)
    return _ordered(rng, propensity, base or SCALE_BASE[scale])


# --- answers from RIVM's real prevalence ---------------------------------------------------------


def load_rivm(raw, gemeente: str | None = None) -> pd.DataFrame | None:
    """RIVM's table 50090NED, long (``ingest.rivm.read_rivm_extract``): the one extract under
    ``raw`` (found by its sidecar kind ``rivm_health``, checksum-verified), with the buurten of
    ``gemeente`` only (all when None); None when ``raw`` holds no extract."""
    from ingest.rivm import KIND, read_rivm_extract, rivm_snapshot
    from ingest.snapshots import discover_snapshots

    if not any(s.kind == KIND for _, s in discover_snapshots(Path(raw))):
        return None
    path, _ = rivm_snapshot(Path(raw))
    return read_rivm_extract(path, gemeente)


def rivm_year(rivm: pd.DataFrame, wave: int) -> int | None:
    """The RIVM year nearest the wave at or before it (None: RIVM measured nothing yet)."""
    years = sorted({int(y) for y in rivm["year"].unique() if int(y) <= wave})
    return years[-1] if years else None


def _adults_by_area(cbs: pd.DataFrame, year: int) -> pd.DataFrame:
    """Residents 15+ and 65+ (``n15``, ``n65``) per buurt and wijk, from the CBS figures of
    ``year`` (counts, or shares x population as in the 2017 map)."""
    wide = cbs[(cbs["year"] == year) & cbs["area_level"].isin(["buurt", "wijk"])].pivot_table(
        index="area_code", columns="variable", values="value", aggfunc="first"
    )
    bands = ["15_24", "25_44", "45_64", "65_plus"]
    if all(f"aged_{b}" in wide for b in bands):
        counts = wide[[f"aged_{b}" for b in bands]].to_numpy(dtype=float)
    else:
        shares = wide[[f"pct_aged_{b}" for b in bands]].to_numpy(dtype=float)
        counts = shares / 100.0 * wide[["population"]].to_numpy(dtype=float)
    return pd.DataFrame({"n15": counts.sum(axis=1), "n65": counts[:, 3]}, index=wide.index)


def rivm_prevalence(
    rivm: pd.DataFrame, cbs: pd.DataFrame, cbs_year: int, buurten, wave: int
) -> dict[str, pd.DataFrame]:
    """Per RIVM concept measured in the year nearest the wave (at or before it), per buurt of
    ``buurten`` the prevalence (0-1) for residents aged 16-64 (``young``) and 65+ (``old``).

    A buurt takes RIVM's own 18+ and 65+ figures; without an 18+ figure (too few residents, or
    a buurt code RIVM's 2020 division does not have) it takes its wijk's (and, failing that,
    the gemeente's); without a 65+ figure, the wijk's 65+ figure, else the 18+ one. The 18-64
    figure is what is left of the 18+ figure once the 65+ residents are taken out, with the
    CBS residents 15+ (n15, for RIVM's 18+) and 65+ (n65) of the area the figures are of:
    (n15 x p18 - n65 x p65) / (n15 - n65), kept within 0.5-99.5 %; 16-17 year olds take it."""
    year = rivm_year(rivm, wave)
    if year is None:
        return {}
    buurten = pd.Index(list(buurten))
    wijken = pd.Index(["WK" + b[2:8] for b in buurten])
    gemeente = pd.Index(["GM" + b[2:6] for b in buurten])
    rows = rivm[(rivm["year"] == year) & rivm["value"].notna()]
    values = rows.pivot_table(
        index=["concept", "area_code"], columns="age_group", values="value", aggfunc="first"
    ).reindex(columns=["18+", "65+"])
    people = _adults_by_area(cbs, cbs_year)
    out = {}
    for concept in RIVM_CONCEPTS:
        if concept not in values.index.get_level_values(0):
            continue
        own = values.loc[concept] / 100.0

        def at(codes, age, own=own):
            return pd.Series(own[age].reindex(codes).to_numpy(), index=buurten)

        p18 = at(buurten, "18+")
        has_own = p18.notna()
        p18 = p18.fillna(at(wijken, "18+")).fillna(at(gemeente, "18+"))
        source = pd.Index(np.where(has_own, buurten, wijken))
        p65 = at(source, "65+").fillna(at(wijken, "65+")).fillna(p18)
        n15 = people["n15"].reindex(source).to_numpy()
        n65 = people["n65"].reindex(source).to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            young = (n15 * p18.to_numpy() - n65 * p65.to_numpy()) / (n15 - n65)
        young = np.where(np.isfinite(young) & (n15 > n65), young, p18.to_numpy())
        out[concept] = pd.DataFrame(
            {"young": np.clip(young, *RIVM_CLIP), "old": np.clip(p65.to_numpy(), *RIVM_CLIP)},
            index=buurten,
        )
    return out


def _cell_latent(rng, propensity: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """A standard-normal latent per respondent that shares RIVM_COPULA of its variation with
    the respondent's own ``propensity`` (higher propensity, lower latent): the propensity's
    deviation from the mean of the respondent's buurt x age band in the sample, scaled by the
    pooled within-cell deviation, plus noise that tops the variance up to 1 (also where a cell
    has one respondent), so that within every cell the latent's distribution, and with it the
    share below a cut point, stays that of a standard normal."""
    frame = pd.DataFrame({"x": propensity, "cell": cell})
    size = frame.groupby("cell")["x"].transform("size").to_numpy()
    dev = propensity - frame.groupby("cell")["x"].transform("mean").to_numpy()
    pooled = np.sqrt((dev**2).sum() / max(len(dev) - frame["cell"].nunique(), 1)) or 1.0
    r = dev / pooled
    rho = RIVM_COPULA
    return -rho * r + np.sqrt(1 - rho**2 * (size - 1) / size) * rng.standard_normal(len(r))


def _rivm_answers(spec, codebook, asked, people, lat, prevalence) -> dict[str, np.ndarray]:
    """The answers RIVM decides: per question of RIVM_ITEMS (and the loneliness items), codes
    drawn so that P(a counted code) is the RIVM prevalence of the respondent's buurt and age;
    from a random stream of their own, so that every other item keeps its draws."""
    rng = np.random.default_rng([spec.seed, 50090])
    buurt = people["buurtcode"].to_numpy()
    age = people["leeftijd"].to_numpy()
    cell = people["ctx_row"].to_numpy() * 4 + people["band"].to_numpy()

    def p_of(concept: str) -> np.ndarray:
        table = prevalence[concept].reindex(buurt)
        return np.where(age >= 65, table["old"].to_numpy(), table["young"].to_numpy())

    out = {}
    for qid, (concept, counted) in RIVM_ITEMS.items():
        if qid not in asked or concept not in prevalence:
            continue
        loadings, base, _ = ITEMS[qid]
        propensity = sum(w * lat[dim] for dim, w in loadings.items())
        latent = _cell_latent(rng, propensity, cell)
        scale = codebook.by_id[qid].scale
        codes = sorted(int(c) for c in codebook.scales[scale].codes if int(c) != 98)
        if isinstance(base, float):  # P(ja) of a yes/no item
            base = [base, 1 - base]
        base = base or SCALE_BASE[scale]
        share = dict(zip(codes, base, strict=True))
        order = list(counted) + [c for c in codes if c not in counted]
        p = p_of(concept)[:, None]
        inside = np.array([share[c] for c in counted]) / sum(share[c] for c in counted)
        rest = [share[c] for c in order[len(counted) :]]
        outside = np.array(rest) / sum(rest)
        probs = np.hstack([p * inside[None, :], (1 - p) * outside[None, :]])
        cuts = norm.ppf(np.clip(np.cumsum(probs, axis=1)[:, :-1], 1e-9, 1 - 1e-9))
        pick = (latent[:, None] > cuts).sum(axis=1)
        out[qid] = np.array(order, dtype=float)[pick]
    if "lonely" in prevalence and "severely_lonely" in prevalence:
        construct = next(c for c in codebook.constructs if c.id == LONELINESS_CONSTRUCT)
        if set(construct.items) <= asked:
            lonely, severe = p_of("lonely"), p_of("severely_lonely")
            latent = -_cell_latent(rng, lat["Lo"], cell)  # higher: lonelier
            out.update(_lonely_items(rng, codebook, construct, latent, lonely, severe))
    return out


def _lonely_items(rng, codebook, construct, latent, lonely, severe) -> dict[str, np.ndarray]:
    """The six De Jong Gierveld items of respondents whose class (not lonely, lonely, severely
    lonely) has RIVM's prevalences: the class from the latent's quantile u (severely lonely
    above 1 - severe, lonely above 1 - lonely), the score within the class from u's place in
    it (SCORE_IN_CLASS), the items that are lonely answers drawn with weights in proportion
    to each item's odds of a lonely answer in the latent model, and each answer's code in the
    proportions of that model's base distribution."""
    n = len(latent)
    severe = np.minimum(severe, lonely)
    u = norm.cdf(latent)
    classes = {
        0: (0.0, 1 - lonely),
        LONELY_AT_LEAST: (1 - lonely, 1 - severe),
        SEVERE_AT_LEAST: (1 - severe, 1.0),
    }
    score = np.zeros(n, dtype=int)
    for first, (low, high) in classes.items():
        inside = (u >= low) & ((u < high) | (first == SEVERE_AT_LEAST))
        where = (u - low) / np.maximum(high - low, 1e-12)  # u's place within its class, 0-1
        steps = np.cumsum(SCORE_IN_CLASS[first])[:-1]
        score = np.where(inside, first + np.searchsorted(steps, where, side="right"), score)
    items = construct.items
    lonely_share, strong = [], []
    for item in items:
        base = ITEMS[item][1]  # lonely3: ja, min of meer, nee
        if codebook.by_id[item].reverse:  # lonely answers: min of meer (2), nee (3)
            lonely_share.append(base[1] + base[2])
            strong.append(base[2] / (base[1] + base[2]))
        else:  # lonely answers: ja (1), min of meer (2)
            lonely_share.append(base[0] + base[1])
            strong.append(base[0] / (base[0] + base[1]))
    odds = np.array(lonely_share) / (1 - np.array(lonely_share))
    # Gumbel top-k: the ``score`` items with the largest keys are the lonely answers
    keys = np.log(odds)[None, :] + rng.gumbel(size=(n, len(items)))
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    is_lonely = rank < score[:, None]
    strong_draw = rng.random((n, len(items))) < np.array(strong)[None, :]
    out = {}
    for k, item in enumerate(items):
        if codebook.by_id[item].reverse:
            code = np.where(is_lonely[:, k], np.where(strong_draw[:, k], 3, 2), 1)
        else:
            code = np.where(is_lonely[:, k], np.where(strong_draw[:, k], 1, 2), 3)
        out[item] = code.astype(float)
    return out
