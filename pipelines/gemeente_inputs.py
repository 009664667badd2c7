"""The inputs of any Dutch gemeente, generated from the national CBS file on its first build.

``wijkkompas build --gemeente GM0344`` builds the compass of another gemeente than the default
one (data/). Its inputs go into ``gemeenten/<code>/data/``, laid out as data/ is, so it builds the
same way and can be edited afterwards (a real survey export, an own layout, boundaries):

- ``raw/cbs/kwb_<year>_<code>.csv``: the gemeente's rows of the national kerncijfers (its
  gemeente, wijk and buurt rows, the 43 columns as they are) with a column ``regio``: the wijk
  names of CBS's wijk- en buurtkaart; the national file has no buurt names, so a buurt is named
  by its number within its wijk ("Binnenstad, buurt 11");
- ``raw/cbs/<code>_wijkcodes_<year>.csv``: the wijk codes and names (kind cbs_area_codes);
- ``raw/national/``: the national files themselves (the Netherlands as reference);
- ``areas/gebieden.csv``: one gebied per wijk, or the gebieden of ``layout`` when one is given
  (an own layout, published as the gemeente's primary layout);
- ``raw/survey/wijkenquete_<edition>.csv`` and ``raw/registers/registers_<edition>.csv``:
  SYNTHETIC, generated as Groningen's are (``ingest/survey/generator.py``,
  ``ingest/registers/generator.py``) from the gemeente's CBS figures, with as many respondents
  per resident as the default gemeente's latest wave. The 43-column file has no age, sex or
  dwellings: for the generators only (never stored as CBS figures) each buurt's residents by age
  and sex, dwellings, cars, businesses and land area are its population (or households) times
  the ratios of the Netherlands in the default gemeente's CBS file (85984NED 2024, NL00);
- ``editions.yml``: one edition (the latest edition of the default gemeente) on the areas of the
  national file's year, without boundaries: the site has no maps and says so;
- the codebook, register variables, variable crosswalk and CBS data dictionary of data/.

Everything is written into a directory beside the target that is renamed into place at the
end, so a failed generation leaves nothing behind.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pandas as pd

from ingest.errors import InputError
from ingest.national import national_snapshot, read_national_areas, read_wijk_names
from ingest.snapshots import discover_snapshots, read_sidecar, sidecar_path, write_sidecar
from pipelines.settings import (
    _default_data_dir,
    default_gemeente,
    editions_config,
    gemeente_dir,
    gemeente_scope,
    is_default,
)

SHARED = (  # the configuration every gemeente shares with data/
    "survey/codebook.yml",
    "registers/variables.yml",
    "reference/cbs_variable_crosswalk.csv",
)
# for the generators: estimated per buurt as population (or households) x the Dutch ratio
BY_POPULATION = (
    "aged_0_14", "aged_15_24", "aged_25_44", "aged_45_64", "aged_65_plus", "men", "women",
    "businesses", "cars",
)  # fmt: skip
BY_HOUSEHOLDS = ("households_with_children", "dwellings")


def gemeente_editions(code: str) -> list[int]:
    """The editions of a gemeente: of its editions.yml, or of one generated on its first build."""
    if inputs_exist(code):
        with gemeente_scope(code):
            return sorted(e.edition for e in editions_config().editions)
    return [_generated_edition()]


def inputs_exist(code: str) -> bool:
    return is_default(code) or (gemeente_dir(code) / "data" / "editions.yml").exists()


def generate_inputs(code: str, layout: Path | None = None, echo=print) -> Path:
    """Write ``gemeenten/<code>/data/`` for gemeente ``code`` from the national file; return it."""
    if is_default(code):
        raise InputError(
            _default_data_dir() / "editions.yml",
            "the default gemeente's inputs are data/ itself",
            value=code,
            expected="another gemeente's code",
        )
    source = _default_data_dir()
    national, national_sidecar = national_snapshot(source / "raw", "cbs_national")
    names_file, _ = national_snapshot(source / "raw", "cbs_area_names")
    names = read_wijk_names(names_file)
    areas = read_national_areas(national, names)
    gemeente = areas[(areas["area_code"] == code) & (areas["area_level"] == "gemeente")]
    if gemeente.empty:
        known = areas.loc[areas["area_level"] == "gemeente", "area_code"]
        raise InputError(
            national,
            "no such gemeente in the national kerncijfers",
            column="gwb_code_10",
            value=code,
            expected=f"one of its {len(known)} gemeente codes (GM0344 is Utrecht)",
        )
    name = str(gemeente["area_name"].iloc[0])
    year = int(national_sidecar.year)
    own = areas[areas["gemeente_code"] == code]
    if layout is not None:  # read before anything is written: a bad layout is never kept
        _check_layout(layout, code, name, year, own)
    target = gemeente_dir(code) / "data"
    work = target.with_name(".data.generating")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        _copy_shared(source, work, national, names_file)
        cbs_file = _write_extract(work, code, name, year, national, own)
        _write_wijk_codes(work, code, name, year, own, names_file)
        gebieden = _write_gebieden(work, code, own, layout)
        edition = _generated_edition()
        maps = _write_boundaries(work, source, code, year, own)
        _write_editions(work, code, name, year, edition, gebieden, layout, maps)
        _write_synthetic(work, source, code, edition, year, cbs_file, echo)
        _write_readme(work, code, name, year, edition, layout)
        if target.exists():
            shutil.rmtree(target)
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target


def _generated_edition() -> int:
    """The edition a generated gemeente gets: the latest of data/editions.yml."""
    from pipelines.partitions import generated_edition

    with gemeente_scope(default_gemeente()):
        return generated_edition()


def _copy(path: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, target)
    if sidecar_path(path).exists():
        shutil.copy2(sidecar_path(path), sidecar_path(target))


def _copy_shared(source: Path, work: Path, national: Path, names_file: Path) -> None:
    for relative in SHARED:
        _copy(source / relative, work / relative)
    _copy(national, work / "raw" / "national" / national.name)
    _copy(names_file, work / "raw" / "national" / names_file.name)
    dictionary = next(
        p
        for p, s in discover_snapshots(source / "raw")
        if s.kind == "cbs_dictionary" and p.name.endswith("data_dictionary.csv")
    )
    _copy(dictionary, work / "raw" / "cbs" / "metadata" / dictionary.name)
    for path, sidecar in discover_snapshots(source / "raw"):  # RIVM's health figures, as they are
        if sidecar.kind == "rivm_health":
            _copy(path, work / "raw" / "rivm" / path.name)


def buurt_label(code: str, wijk_name: str | None) -> str:
    """A buurt's name where the national file has none: its number within its wijk."""
    return f"{wijk_name or 'Wijk ' + code[6:8]}, buurt {code[8:10]}"


def _write_extract(work, code, name, year, national: Path, own: pd.DataFrame) -> Path:
    wijk_names = own.set_index("area_code")["area_name"]
    out = work / "raw" / "cbs" / f"kwb_{year}_{code.lower()}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        national.open(encoding="utf-8", newline="") as src,
        out.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
        header = next(reader)
        writer.writerow([*header, "regio"])
        rows = 0
        for row in reader:
            area = row[0].strip()
            if area != code and area[2:6] != code[2:6]:
                continue
            if area.startswith("GM"):
                regio = name
            elif area.startswith("WK"):
                regio = wijk_names.get(area) or area
            else:
                regio = buurt_label(area, wijk_names.get("WK" + area[2:8]))
            writer.writerow([*row, regio])
            rows += 1
    original = read_sidecar(national)
    write_sidecar(
        out,
        title=f"Kerncijfers wijken en buurten {year}: {name} (rows of the national file)",
        publisher="CBS",
        table_id=original.table_id,
        year=year,
        licence="CC BY 4.0",
        attribution="Bron: CBS",
        origin=f"the {rows} rows of {code}, its wijken and buurten of "
        f"data/raw/national/{national.name} (sha256 {original.sha256}); {original.origin}",
        synthetic=False,
        kind="cbs_kerncijfers",
        scheme="kwb",
        decimal_comma=original.decimal_comma,
        notes="Figures as in the national file. Column regio added: the wijk names of the CBS "
        "wijk- en buurtkaart (wijk_2023_v0.dbf); the national file has no buurt names, so a "
        "buurt is named by its number within its wijk.",
    )
    return out


def _write_wijk_codes(work, code, name, year, own: pd.DataFrame, names_file: Path) -> None:
    wijken = own[own["area_level"] == "wijk"].sort_values("area_code")
    out = work / "raw" / "cbs" / f"{code.lower()}_wijkcodes_{year}.csv"
    pd.DataFrame(
        {
            "year": year,
            "gm_code": code,
            "gm_naam": name,
            "wijk_code": wijken["area_code"].to_numpy(),
            "wijk_naam": wijken["area_name"].fillna(wijken["area_code"]).to_numpy(),
            "source": f"CBS wijk- en buurtkaart {year} ({names_file.name})",
        }
    ).to_csv(out, index=False)
    write_sidecar(
        out,
        title=f"Wijk codes and names of gemeente {name} ({year})",
        publisher="CBS",
        year=year,
        licence="CC BY 4.0",
        attribution="Bron: CBS",
        origin=f"the wijken of {code} in data/raw/national/{names_file.name}",
        synthetic=False,
        kind="cbs_area_codes",
    )


def _check_layout(layout: Path, code: str, name: str, year: int, own: pd.DataFrame) -> None:
    """Read ``layout`` as the build will (geo.areas.user_layout) against the gemeente's buurten
    of ``year``: its errors name the user's own file, row and column."""
    from geo.areas import user_layout

    buurten = own[own["area_level"] == "buurt"]
    names = buurten["area_name"].fillna(buurten["area_code"])
    codes = dict(zip(buurten["area_code"], names, strict=True))
    user_layout(layout, "eigen", year, code, name, codes)


def _write_gebieden(work, code, own: pd.DataFrame, layout: Path | None) -> str:
    """data/areas/gebieden.csv: one gebied per wijk (the wijk's name), or from ``layout``."""
    out = work / "areas" / "gebieden.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    wijken = own[own["area_level"] == "wijk"].sort_values("area_code")
    names = wijken["area_name"].fillna(wijken["area_code"]).to_numpy()
    pd.DataFrame(
        {
            "wijk_code": wijken["area_code"].to_numpy(),
            "wijk_name": names,
            "gebied_code": ["GB" + c[2:] for c in wijken["area_code"]],
            "gebied_name": names,
        }
    ).to_csv(out, index=False)
    if layout is not None:
        _copy(layout, work / "areas" / layout.name)
    return "data/areas/gebieden.csv"


def _write_boundaries(work, source: Path, code: str, year: int, own) -> str | None:
    """The gemeente's wijken from the national generalised wijk map (CBS/Kadaster, kind
    national_boundaries) as a boundaries snapshot of its own (``raw/boundaries/``, GeoJSON in
    WGS84, kind boundaries): the wijk maps of its site. Returns the year of the map (None
    without a national map: the site then has no maps and says so). The national file has no
    buurt boundaries: buurt maps only come with a buurt boundary file of the gemeente's own."""
    from ingest.national import national_boundaries

    wijken = national_boundaries(source / "raw", "wijk")
    if wijken is None:
        return None
    mine = wijken[wijken["gemeente_code"] == code]
    if mine.empty:
        return None
    out = work / "raw" / "boundaries" / f"wijk_{year}_{code.lower()}_generalised.geojson"
    out.parent.mkdir(parents=True, exist_ok=True)
    in_data = set(own.loc[own["area_level"] == "wijk", "area_code"])
    missing = sorted(in_data - set(mine["area_code"]))
    # a wijk of the map without figures in the kerncijfers (e.g. one of water only) is no wijk
    # of the compass: left off the map, and named in the sidecar
    no_data = sorted(set(mine["area_code"]) - in_data)
    mine = mine[mine["area_code"].isin(in_data)]
    columns = {"area_code": "WK_CODE", "area_name": "WK_NAAM", "gemeente_code": "GM_CODE"}
    mine.rename(columns=columns).to_file(out, driver="GeoJSON", COORDINATE_PRECISION=6)
    write_sidecar(
        out,
        title=f"Wijkgrenzen {year} van {code} (gegeneraliseerd)",
        publisher="CBS / Kadaster",
        table_id=f"wijkbuurtkaart_{year}",
        year=year,
        licence="CC BY 4.0",
        attribution="Bron: CBS, Kadaster",
        origin=f"the wijken of {code} in the national generalised wijk map of {year} "
        "(data/raw/national/boundaries/), repaired where not valid as drawn (make_valid)",
        kind="boundaries",
        area_level="wijk",
        notes=f"{len(mine)} wijken; generalised per polygon: good for maps, not for surfaces"
        + (f"; not on the map: {', '.join(missing)}" if missing else "")
        + (f"; left off (no figures in the kerncijfers): {', '.join(no_data)}" if no_data else ""),
    )
    return str(year)


def _write_editions(
    work, code, name, year, edition, gebieden, layout: Path | None, maps: str | None
) -> None:
    boundaries = (
        f"    boundaries: {{wijk: {maps}}}     # the national generalised wijk map; no buurt map"
        if maps
        else "    boundaries: {}            # none: the national files have no boundaries"
    )
    lines = [
        f"# The compass of {name}, generated from the national CBS file by "
        f"`wijkkompas build --gemeente {code}` (pipelines/gemeente_inputs.py). Edit it as "
        "data/editions.yml: add real survey exports, registers, boundaries or an own layout.",
        f"gemeente: {code}",
        f"gemeente_name: {_yaml_text(name)}",
        f"gebieden: {gebieden}",
        "editions:",
        f"  - edition: {edition}",
        f"    area_year: {year}           # the areas of the national kerncijfers",
        f"    cbs_years: [{year}]",
        f"    survey: data/raw/survey/wijkenquete_{edition}.csv   # SYNTHETIC",
        f"    registers: {edition}           # SYNTHETIC (data/raw/registers)",
        boundaries,
    ]
    if layout is not None:
        lines += [
            "layouts:",
            "  - name: eigen",
            f"    area_year: {year}",
            f"    file: data/areas/{layout.name}",
            "primary_layout: eigen",
        ]
    (work / "editions.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dutch_ratios(source: Path) -> dict[str, float]:
    """Per resident (or household) of the Netherlands: the newest CBS land row of data/."""
    from ingest.cbs import read_snapshot_set

    cbs = read_snapshot_set(source / "raw")
    land = cbs[(cbs["area_level"] == "land") & cbs["value"].notna()]
    wanted = [*BY_POPULATION, *BY_HOUSEHOLDS, "population", "households", "area_land_ha"]
    for year in sorted(land["year"].unique(), reverse=True):
        row = land[land["year"] == year].set_index("variable")["value"]
        if all(v in row for v in wanted):
            ratios = {v: row[v] / row["population"] for v in BY_POPULATION}
            ratios |= {v: row[v] / row["households"] for v in BY_HOUSEHOLDS}
            ratios["year"] = int(year)
            return ratios
    raise InputError(
        source / "raw" / "cbs",
        "no CBS row of the Netherlands (NL00) with age, sex, dwellings and businesses",
        expected="a kerncijfers snapshot with the land row (e.g. 85984NED)",
    )


def generator_frame(cbs: pd.DataFrame, ratios: dict[str, float], year: int) -> pd.DataFrame:
    """The gemeente's CBS figures plus, for the synthetic generators only, what the 43-column
    file lacks, estimated per area from its population or households and the Dutch ratios; land
    area from population and density (inhabitants per km2)."""
    wide = cbs[cbs["year"] == year].pivot_table(
        index=["area_code", "area_level"], columns="variable", values="value", aggfunc="first"
    )
    extra = {}
    for var in BY_POPULATION:
        if var not in wide:
            extra[var] = wide["population"] * ratios[var]
    for var in BY_HOUSEHOLDS:
        if var not in wide:
            extra[var] = wide["households"] * ratios[var]
    if "area_land_ha" not in wide and "population_density" in wide:
        density = wide["population_density"].where(wide["population_density"] > 0)
        extra["area_land_ha"] = wide["population"] / density * 100
    if not extra:
        return cbs
    rows = (
        pd.DataFrame(extra)
        .stack()
        .rename("value")
        .reset_index()
        .rename(columns={"level_2": "variable"})
    )
    rows["year"] = year
    rows["status"] = "estimated"
    return pd.concat([cbs, rows[[c for c in cbs.columns if c in rows]]], ignore_index=True)


def _response_rate(source: Path) -> tuple[float, str]:
    """Respondents per resident of the default gemeente's latest wave."""
    with gemeente_scope(default_gemeente()):
        cfg = editions_config()
        latest = max(cfg.editions, key=lambda e: e.edition)
        path = cfg.resolve(latest.survey)
    with path.open(encoding="utf-8") as handle:
        respondents = sum(1 for _ in handle) - 1
    national, _ = national_snapshot(source / "raw", "cbs_national", verify=False)
    with national.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        at = header.index("a_inw")
        population = next(float(r[at]) for r in reader if r[0] == cfg.gemeente)
    return respondents / population, f"{respondents} of {int(population)} residents"


def _write_synthetic(work, source, code, edition, year, cbs_file: Path, echo) -> None:
    from ingest.cbs import load_crosswalk, read_kerncijfers
    from ingest.registers.generator import (
        DEFAULT_SEED,
        RegisterSpec,
        generate_registers,
    )
    from ingest.registers.generator import sidecar_fields as register_sidecar
    from ingest.registers.generator import write_export as write_registers
    from ingest.registers.variables import load_variables
    from ingest.survey.codebook import load_codebook
    from ingest.survey.generator import (
        WaveSpec,
        generate_wave,
        load_rivm,
        sidecar_fields,
        write_export,
    )

    crosswalk = load_crosswalk(work / "reference" / "cbs_variable_crosswalk.csv")
    sidecar = read_sidecar(cbs_file)
    cbs = read_kerncijfers(
        cbs_file, year=year, scheme="kwb", crosswalk=crosswalk,
        decimal_comma=sidecar.decimal_comma,
    )  # fmt: skip
    ratios = dutch_ratios(source)
    frame = generator_frame(cbs, ratios, year)
    estimated = (
        f"age, sex, dwellings, cars and businesses per buurt estimated for the generator from "
        f"its population or households and the ratios of the Netherlands (CBS {ratios['year']}"
        ", NL00), the national file having none"
    )
    rate, rate_source = _response_rate(source)
    own = cbs[(cbs["area_code"] == code) & (cbs["variable"] == "population")]
    population = float(own["value"].iloc[0])
    respondents = max(50, round(population * rate))
    seed = int(code[2:]) * 10_000 + edition
    codebook = load_codebook(work / "survey" / "codebook.yml")
    known = sorted({w for q in codebook.questions for w in q.waves})
    questions_of = None if codebook.questions_in(edition) else known[-1]
    echo(f"  generating a SYNTHETIC survey wave {edition} for {code} ({respondents:,} target)")
    spec = WaveSpec(edition, year, respondents, seed, date(edition, 9, 2), questions_of)
    # the health answers drawn from RIVM's real figures of the gemeente's buurten, as
    # Groningen's are (the extract was copied into the inputs above)
    rivm = load_rivm(work / "raw", code)
    wave = generate_wave(frame, codebook, spec, rivm)
    survey_file = work / "raw" / "survey" / f"wijkenquete_{edition}.csv"
    survey_file.parent.mkdir(parents=True, exist_ok=True)
    write_export(wave, survey_file)
    fields = sidecar_fields(
        spec,
        origin=f" (as many per resident as the default gemeente's latest wave: {rate_source})",
        notes=f"{estimated}.",
        rivm=rivm,
    )
    write_sidecar(survey_file, **fields)
    echo(f"  generating SYNTHETIC register counts {edition} for {code}")
    spec = RegisterSpec(edition, year, DEFAULT_SEED)
    counts = generate_registers(frame, load_variables(work / "registers" / "variables.yml"), spec)
    register_file = work / "raw" / "registers" / f"registers_{edition}.csv"
    register_file.parent.mkdir(parents=True, exist_ok=True)
    write_registers(counts, register_file)
    fields = register_sidecar(spec)
    fields["notes"] += f" {estimated}."
    write_sidecar(register_file, **fields)


def _write_readme(work, code, name, year, edition, layout) -> None:
    (work / "README.md").write_text(
        f"# Inputs of the compass of {name} ({code})\n\n"
        f"Generated by `wijkkompas build --gemeente {code}` from the national CBS kerncijfers "
        f"{year} (CBS, CC BY 4.0, Bron: CBS) — see pipelines/gemeente_inputs.py.\n\n"
        f"- CBS figures: the rows of {code} of the national file (`raw/cbs/`); wijk names from "
        "CBS's wijk- en buurtkaart; buurten are named by their number within their wijk.\n"
        f"- Survey wave {edition} and registers {edition}: **SYNTHETIC** (`raw/survey/`, "
        "`raw/registers/`): everything derived from them says so.\n"
        f"- Gebieden: {'from ' + layout.name if layout else 'one per wijk'}.\n"
        "- No boundaries: the site has no maps and says so. Add boundary snapshots and their "
        "years under `boundaries:` in editions.yml to get maps.\n\n"
        "Edit these files as data/ is edited (docs/refresh.md, 'Plug in your own data'); the next "
        "build uses them and generates nothing.\n",
        encoding="utf-8",
    )


def ensure_inputs(code: str, layout: Path | None = None, echo=print) -> bool:
    """Generate a gemeente's inputs when it has none yet; whether they were generated."""
    if inputs_exist(code):
        return False
    generate_inputs(code, layout, echo)
    return True
