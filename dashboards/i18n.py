"""Words and numbers for residents, in Dutch first and English second.

Dutch numbers use a decimal comma and a dot between thousands (12.345,6); English the reverse.
Indicator titles and descriptions come from the catalogue (nl/en); what the pages say around
them is here, so a translation is one place.
"""

from __future__ import annotations

import math
import re
from functools import cache

from indicators import messages
from indicators.catalogue import statistics_settings

LANGS = ("nl", "en")

TEXT = {
    "site_title": {"nl": "Wijkkompas", "en": "Neighbourhood compass"},
    "skip": {"nl": "Naar de inhoud", "en": "Skip to content"},
    "home": {"nl": "Home", "en": "Home"},
    "all_indicators": {"nl": "Alle indicatoren", "en": "All indicators"},
    "other_lang": {"nl": "English", "en": "Nederlands"},
    "other_lang_label": {
        "nl": "Read this page in English",
        "en": "Lees deze pagina in het Nederlands",
    },
    "synthetic_title": {
        "nl": "Let op: deels nagebootste gegevens.",
        "en": "Note: partly simulated data.",
    },
    "synthetic_text": {
        "nl": "De bewonersenquête en de gemeentelijke registraties op deze site zijn synthetisch: "
        "gegenereerd om de werking te laten zien, niet gemeten bij echte inwoners. Echt zijn de "
        "cijfers van het CBS en de gezondheidscijfers van het RIVM (modelschattingen per wijk en "
        "buurt). Cijfers uit enquête en registraties zijn gemarkeerd met *.",
        "en": "The resident survey and the municipal registers on this site are synthetic: "
        "generated to show how the tool works, not measured among real residents. Real are the "
        "CBS figures and RIVM's health figures (model estimates per wijk and buurt). Figures from "
        "the survey and registers are marked with *.",
    },
    "real_share": {
        "nl": "Op deze pagina zijn {real} van de {total} cijfers echt ({share}%).",
        "en": "On this page {real} of the {total} figures are real ({share}%).",
    },
    "credit": {
        "nl": "Bron: CBS (Kerncijfers wijken en buurten, CC BY 4.0); RIVM, Gezondheidsmonitor "
        "Volwassenen en Ouderen (GGD'en, CBS, RIVM), modelschattingen per wijk en buurt; "
        "wijkenquête en registraties van de gemeente (synthetisch).",
        "en": "Source: CBS, Statistics Netherlands (Kerncijfers wijken en buurten, CC BY 4.0); "
        "RIVM, Health Monitor Adults and Elderly (GGD'en, CBS, RIVM), model estimates per wijk "
        "and buurt; municipal survey and registers (synthetic).",
    },
    "land": {"nl": "Nederland", "en": "the Netherlands"},
    "series_title": {"nl": "Over de jaren", "en": "Over the years"},
    "series_intro": {
        "nl": "Het RIVM schatte dit cijfer in {years} voor elke wijk en buurt op de indeling van "
        "2020: de gemeente (zwart, gestreept), Nederland (oranje, gestippeld) en elke wijk "
        "(grijs). Modelschattingen zonder marge: kleine verschillen tussen jaren zijn indicatief.",
        "en": "RIVM estimated this figure in {years} for every wijk and buurt on the 2020 "
        "division: the municipality (black, dashed), the Netherlands (orange, dotted) and every "
        "wijk (grey). Model estimates without a margin: small changes between years are "
        "indicative.",
    },
    "rivm_note": {
        "nl": "RIVM-modelschatting, gemeten in {year}",
        "en": "RIVM model estimate, measured in {year}",
    },
    "change_indicative": {"nl": "indicatief", "en": "indicative"},
    # a survey figure of the small-area model (indicators/small_area_model.py)
    "model_label": {"nl": "modelschatting", "en": "model estimate"},
    "model_note": {
        "nl": "Modelschatting: {n} respondenten, aangevuld met buurten met dezelfde kenmerken",
        "en": "Model estimate: {n} respondents, completed by buurten with the same traits",
    },
    "model_note_none": {
        "nl": "Modelschatting: geen respondenten, geschat uit buurten met dezelfde kenmerken",
        "en": "Model estimate: no respondents, estimated from buurten with the same traits",
    },
    "model_note_area": {
        "nl": "Modelschatting: opgeteld uit de modelschattingen van de buurten",
        "en": "Model estimate: added up from the model estimates of its buurten",
    },
    "downloads": {"nl": "Alle cijfers downloaden", "en": "Download all figures"},
    "edition": {"nl": "Editie", "en": "Edition"},
    "cbs_figures_of": {"nl": "CBS-cijfers van", "en": "CBS figures of"},
    "search_label": {
        "nl": "Zoek je wijk of buurt, of typ je postcode (4 cijfers)",
        "en": "Find your wijk or buurt, or type your postcode (4 digits)",
    },
    "search_button": {"nl": "Zoeken", "en": "Search"},
    "search_label_names": {
        "nl": "Zoek je wijk of buurt",
        "en": "Find your wijk or buurt",
    },
    "search_hint": {"nl": "Bijvoorbeeld: {examples}", "en": "For example: {examples}"},
    "or": {"nl": "of", "en": "or"},
    "map_title": {"nl": "Kaart van de wijken", "en": "Map of the wijken"},
    "no_map": {
        "nl": "Geen kaart van deze indeling: er zijn geen grenzen van haar gebieden (de "
        "landelijke kaart van CBS en Kadaster heeft alleen de CBS-wijken, geen buurtgrenzen "
        "om eigen wijken uit samen te stellen). Alle cijfers staan in de tabellen.",
        "en": "No map of this layout: there are no boundaries of its areas (the national map "
        "of CBS and Kadaster has the CBS wijken only, no buurt boundaries to compose own wijken "
        "from). Every figure is in the tables.",
    },
    "no_map_buurt": {
        "nl": "Geen buurtkaart: voor deze gemeente zijn alleen de wijkgrenzen beschikbaar (de "
        "landelijke wijkkaart van CBS en Kadaster). De cijfers per buurt staan in de tabel.",
        "en": "No buurt map: only the wijk boundaries are available for this gemeente (the "
        "national wijk map of CBS and Kadaster). The figures per buurt are in the table.",
    },
    "no_map_wijk": {
        "nl": "Geen wijkkaart: voor deze gemeente zijn geen wijkgrenzen beschikbaar. De cijfers "
        "per wijk staan in de tabel.",
        "en": "No wijk map: there are no wijk boundaries for this gemeente. The figures per "
        "wijk are in the table.",
    },
    "map_undrawn": {
        "nl": "Niet op de kaart: {buurten}. De buurtkaart van {map} is ouder dan de cijfers; er "
        "is zonder die buurten getekend en niets bijgeraden. In de cijfers tellen ze wel mee.",
        "en": "Not on the map: {buurten}. The buurt map of {map} is older than the figures; the "
        "map is drawn without these buurten, nothing is guessed. The figures do include them.",
    },
    "layout_switch": {"nl": "Welke wijkindeling", "en": "Which wijk layout"},
    "layout_cbs": {
        "nl": "CBS-wijken (om met andere gemeenten te vergelijken)",
        "en": "CBS wijken (to compare with other municipalities)",
    },
    "layout_own": {
        "nl": "Wijken van de gemeente (indeling '{layout}')",
        "en": "The municipality's wijken (layout '{layout}')",
    },
    "layout_cbs_short": {"nl": "CBS-wijk", "en": "CBS wijk"},
    "layout_own_short": {
        "nl": "wijk van de gemeente, '{layout}'",
        "en": "municipal wijk, '{layout}'",
    },
    "search_pc_layouts": {
        "nl": "Postcode {pc} ligt in deze wijken:",
        "en": "Postcode {pc} lies in these wijken:",
    },
    "map_choose": {"nl": "Kleur de kaart naar", "en": "Colour the map by"},
    "map_table": {"nl": "De cijfers van de kaart als tabel", "en": "The map's figures as a table"},
    "gebieden_title": {"nl": "Gebieden en hun wijken", "en": "Areas and their wijken"},
    "how_to_read": {"nl": "Zo lees je het kompas", "en": "How to read the compass"},
    "wijk": {"nl": "Wijk", "en": "Wijk"},
    "buurt": {"nl": "Buurt", "en": "Buurt"},
    "key_figures": {"nl": "Kerncijfers", "en": "Key figures"},
    "compass": {"nl": "Het kompas", "en": "The compass"},
    "development": {"nl": "Ontwikkeling sinds {year}", "en": "Change since {year}"},
    "development_intro": {
        "nl": "Het tweede kompas kleurt elke indicator naar de verandering sinds {year}, op "
        "dezelfde schaal als het eerste: 100 is geen verandering (of in de enquête geen "
        "significante), {index_up} een verbetering zo groot als de gemiddelde verandering in de "
        "wijken, {index_down} een even grote verslechtering. De thema's, kwadranten en het midden "
        "zijn gemiddelden. Klik op een vakje voor de cijfers.",
        "en": "The second compass colours each indicator by its change since {year}, on the same "
        "scale as the first: 100 is no change (or, in the survey, no significant change), "
        "{index_up} an improvement as large as the average change in the wijken, {index_down} an "
        "equally large deterioration. Themes, quadrants and the centre are means. Click a cell "
        "for its figures.",
    },
    "compass_intro": {
        "nl": "Elk vakje is een indicator, gekleurd naar hoe de {level} ervoor staat ten opzichte "
        "van de hele gemeente (index 100). Binnen de ringen: de thema's, de vier kwadranten en in "
        "het midden de kompasscore. Dezelfde cijfers staan in de tabel verderop.",
        "en": "Each cell is an indicator, coloured by how the {level} compares with the whole "
        "municipality (index 100). Inside: the themes, the four quadrants and, at the centre, "
        "the compass score. The same figures are in the table further down.",
    },
    "compass_how": {
        "nl": "Kies een vakje voor de cijfers van die indicator, of een thema voor de lijst van "
        "zijn indicatoren.",
        "en": "Choose a cell for that indicator's figures, or a theme for the list of its "
        "indicators.",
    },
    "skip_compass": {"nl": "Sla het kompas over", "en": "Skip the compass"},
    "zoom_back": {"nl": "Terug naar het kompas", "en": "Back to the compass"},
    "cell_hint": {
        "nl": "Klik op een vakje van het kompas om hier de cijfers te zien.",
        "en": "Click a cell of the compass to see its figures here.",
    },
    "location": {"nl": "Ligging", "en": "Location"},
    "similar": {"nl": "Vergelijkbare {levels}", "en": "Similar {levels}"},
    "similar_intro": {
        "nl": "De {levels} die het meest op deze lijken in samenstelling ({indicators}). De scores "
        "zijn gemiddelden van de indexen (gemeente = 100).",
        "en": "The {levels} most alike in composition ({indicators}). Scores are means of the "
        "indices (municipality = 100).",
    },
    "national_title": {
        "nl": "{name} vergeleken met Nederland ({year})",
        "en": "{name} compared with the Netherlands ({year})",
    },
    "netherlands_map_alt": {
        "nl": "Kaart van Nederland: {gemeente} (donkerblauw, omcirkeld) en de vergelijkbare "
        "gemeenten (lichtblauw): {comparable}",
        "en": "Map of the Netherlands: {gemeente} (dark blue, circled) and the comparable "
        "gemeenten (light blue): {comparable}",
    },
    "national_intro": {
        "nl": "CBS-cijfers van {year} (Kerncijfers wijken en buurten) van dit gebied, de gemeente, "
        "heel Nederland en de gemeenten die in samenstelling het meest op deze gemeente lijken: "
        "{comparable}. Die gemeenten samen zijn hun opgetelde tellers gedeeld door hun opgetelde "
        "noemers, geen gemiddelde van percentages.",
        "en": "CBS figures of {year} (Kerncijfers wijken en buurten) of this area, the "
        "municipality, the whole of the Netherlands and the municipalities most alike this one in "
        "composition: {comparable}. Those municipalities together are their summed numerators "
        "over their summed denominators, not a mean of percentages.",
    },
    "national_caption": {
        "nl": "{name}, de gemeente, Nederland en vergelijkbare gemeenten ({year})",
        "en": "{name}, the municipality, the Netherlands and comparable municipalities ({year})",
    },
    "col_nederland": {"nl": "Nederland", "en": "The Netherlands"},
    "col_comparable": {"nl": "Vergelijkbare gemeenten", "en": "Comparable municipalities"},
    "col_position": {"nl": "Plaats in Nederland", "en": "Place in the Netherlands"},
    "national_position": {
        "nl": "hoger dan {share}% van de Nederlandse wijken",
        "en": "higher than {share}% of Dutch wijken",
    },
    "elsewhere_title": {
        "nl": "Vergelijkbare wijken elders in Nederland",
        "en": "Similar wijken elsewhere in the Netherlands",
    },
    "elsewhere_intro": {
        "nl": "De wijken buiten de gemeente die in samenstelling het meest op deze wijk lijken: "
        "{indicators} (CBS {year}; leeftijd en woningen staan niet in de landelijke cijfers). Hoe "
        "kleiner de afstand, hoe meer gelijk.",
        "en": "The wijken outside the municipality most alike this one in composition: "
        "{indicators} (CBS {year}; age and housing are not in the national figures). The smaller "
        "the distance, the more alike.",
    },
    "elsewhere_partial": {
        "nl": "Vergeleken op {shared} van de {of} kenmerken: niet elke wijk heeft ze allemaal.",
        "en": "Compared on {shared} of the {of} characteristics: not every wijk has them all.",
    },
    "col_gemeente_of": {"nl": "Gemeente", "en": "Municipality"},
    "table_title": {"nl": "Alle indicatoren", "en": "All indicators"},
    "col_indicator": {"nl": "Indicator", "en": "Indicator"},
    "col_value": {"nl": "Waarde", "en": "Value"},
    "col_city": {"nl": "Gemeente", "en": "Municipality"},
    "col_interval": {"nl": "{confidence}%-interval", "en": "{confidence}% interval"},
    "col_difference": {"nl": "Verschil met gemeente", "en": "Difference from municipality"},
    "col_index": {"nl": "Index", "en": "Index"},
    "col_note": {"nl": "Toelichting", "en": "Note"},
    "col_score": {"nl": "Kompasscore", "en": "Compass score"},
    "col_distance": {"nl": "Afstand", "en": "Distance"},
    "sig_higher": {"nl": "significant hoger", "en": "significantly higher"},
    "sig_lower": {"nl": "significant lager", "en": "significantly lower"},
    "not_sig": {"nl": "geen significant verschil", "en": "no significant difference"},
    "higher": {"nl": "hoger", "en": "higher"},
    "lower": {"nl": "lager", "en": "lower"},
    "equal": {"nl": "gelijk", "en": "equal"},
    "caution": {"nl": "indicatief: weinig betrouwbaar", "en": "indicative: low reliability"},
    "suppressed": {"nl": "niet gepubliceerd", "en": "not published"},
    "csv": {"nl": "De cijfers van {name} als CSV", "en": "The figures of {name} as CSV"},
    "xlsx": {"nl": "in Excel", "en": "in Excel"},
    "in_gebied": {"nl": "Wijken in dit gebied", "en": "Wijken in this area"},
    "in_wijk": {"nl": "Buurten in deze wijk", "en": "Buurten in this wijk"},
    "ranking": {"nl": "Rangorde van de wijken", "en": "Ranking of the wijken"},
    "ranking_intro": {
        "nl": "Elke stip is een wijk; de lijn erdoor is het {confidence}%-betrouwbaarheidsinterval "
        "(alleen bij enquêtecijfers). De verticale lijn is de gemeente.",
        "en": "Each dot is a wijk; the line through it is the {confidence}% confidence interval "
        "(survey figures only). The vertical line is the municipality.",
    },
    "map_wijk": {"nl": "Kaart per wijk", "en": "Map by wijk"},
    "map_buurt": {"nl": "Kaart per buurt", "en": "Map by buurt"},
    "buurt_table": {"nl": "Alle buurten als tabel", "en": "All buurten as a table"},
    "definition": {"nl": "Definitie", "en": "Definition"},
    "processing": {"nl": "Berekening", "en": "Calculation"},
    "source": {"nl": "Bron", "en": "Source"},
    "year": {"nl": "Jaar", "en": "Year"},
    "unit": {"nl": "Eenheid", "en": "Unit"},
    "direction": {"nl": "Richting", "en": "Direction"},
    "caveats": {"nl": "Kanttekeningen", "en": "Caveats"},
    "publication_rule": {"nl": "Publicatieregel", "en": "Publication rule"},
    "publication_rule_survey": {
        "nl": "Niet gepubliceerd bij minder dan {min_n} respondenten of een variatiecoëfficiënt "
        "boven {max_cv}%; {confidence}%-betrouwbaarheidsinterval ({interval}) op het effectieve "
        "aantal respondenten.",
        "en": "Not published with fewer than {min_n} respondents or a coefficient of variation "
        "above {max_cv}%; {confidence}% confidence interval ({interval}) on the effective number "
        "of respondents.",
    },
    "legend": {"nl": "Legenda", "en": "Legend"},
    "score_centre": {"nl": "Kompasscore", "en": "Compass score"},
    "summary_prefix": {"nl": "In het kort", "en": "In short"},
    "report_title": {"nl": "Wijkanalyse", "en": "Area analysis (wijkanalyse)"},
    "own_layout_note": {
        "nl": "Deze pagina volgt de eigen wijkindeling van de gemeente ('{layout}'): wijken en "
        "gebieden zoals de gemeente ze gebruikt, opgebouwd uit CBS-buurten. De CBS-indeling "
        "(om met andere gemeenten te vergelijken) staat op de gewone wijkpagina's.",
        "en": "This page follows the municipality's own wijk layout ('{layout}'): wijken and "
        "gebieden as the municipality uses them, built from CBS buurten. The CBS layout (to "
        "compare with other municipalities) is on the regular wijk pages.",
    },
    "own_layout_title": {
        "nl": "Wijken in de eigen indeling van de gemeente ({layout})",
        "en": "Wijken in the municipality's own layout ({layout})",
    },
    "report_intro": {
        "nl": "Voor gebiedsteams: een eerste opzet van de wijkanalyse van {name}, met sterke en "
        "zwakke punten, veranderingen, vergelijkbare gebieden en alle cijfers.",
        "en": "For area teams: a first draft of the area analysis of {name} (in Dutch), with "
        "strengths, weaknesses, changes, similar areas and all figures.",
    },
    "reports_all": {
        "nl": "Wijkanalyses voor gebiedsteams (PDF)",
        "en": "Area analyses for area teams (Dutch, PDF)",
    },
    "report_html": {"nl": "Lees de wijkanalyse", "en": "Read the report (Dutch)"},
    "report_pdf": {"nl": "Download als PDF (A4)", "en": "Download as PDF (A4, Dutch)"},
    "search_none": {
        "nl": "Niets gevonden voor “{q}”. Probeer een andere naam of postcode.",
        "en": "Nothing found for “{q}”. Try another name or postcode.",
    },
    "search_pc_many": {
        "nl": "Postcode {pc} ligt in meerdere wijken:",
        "en": "Postcode {pc} lies in several wijken:",
    },
    "search_pc_unknown": {
        "nl": "Postcode {pc} is niet de meest voorkomende postcode van een buurt volgens het CBS, "
        "dus we weten niet in welke wijk die ligt. Zoek op de naam van je buurt of wijk.",
        "en": "Postcode {pc} is not the most common postcode of any buurt according to CBS, so "
        "we cannot tell its wijk. Search by the name of your buurt or wijk.",
    },
    "search_pc_no_index": {
        "nl": "Zoeken op postcode kan hier niet: voor deze gemeente is er geen tabel van "
        "postcodes en buurten. Zoek op de naam van je buurt of wijk.",
        "en": "Searching by postcode is not possible here: this gemeente has no table of "
        "postcodes and buurten. Search by the name of your buurt or wijk.",
    },
    "search_results": {"nl": "Gevonden:", "en": "Found:"},
    "col_trend": {"nl": "Ontwikkeling sinds {year}", "en": "Change since {year}"},
    "col_previous": {"nl": "{year}", "en": "{year}"},
    "col_change": {"nl": "Verandering", "en": "Change"},
    "col_change_sig": {"nl": "Significant?", "en": "Significant?"},
    "col_trend_word": {"nl": "Ontwikkeling", "en": "Development"},
    "in_year": {"nl": "in {year}: {value}", "en": "in {year}: {value}"},
    "change_sig": {"nl": "significant", "en": "significant"},
    "change_not_sig": {"nl": "niet significant", "en": "not significant"},
    "recomputed": {
        "nl": "herberekend naar huidige grenzen",
        "en": "recomputed for today's boundaries",
    },
    "recomputed_short": {"nl": "herberekend", "en": "recomputed"},
    "recomputed_area": {
        "nl": "{name} had in {area_year} andere grenzen: de cijfers van {year} zijn herberekend "
        "uit de buurten van {area_year} die nu bij {name} horen.",
        "en": "{name} had other boundaries in {area_year}: the {year} figures are recomputed from "
        "the buurten of {area_year} that now belong to {name}.",
    },
    "trend_column": {
        "nl": "De kolom Ontwikkeling sinds {year} vergelijkt met de editie {year}: beter of "
        "slechter (hoger of lager bij beschrijvende cijfers), de verandering, bij enquêtecijfers "
        "of die significant is, en het cijfer van toen.",
        "en": "The column Change since {year} compares with the {year} edition: better or worse "
        "(higher or lower for descriptive figures), the change, for survey figures whether it is "
        "significant, and the figure then.",
    },
    "changes_title": {"nl": "Wat veranderde sinds {year}", "en": "What changed since {year}"},
    "changes_intro": {
        "nl": "De grootste veranderingen sinds {year}. Enquêtecijfers tellen alleen mee als de "
        "verandering statistisch significant is; alles is gerangschikt naar de verandering "
        "gedeeld door de spreiding tussen de wijken (standaardafwijking), zodat cijfers in "
        "verschillende eenheden te vergelijken zijn.",
        "en": "The largest changes since {year}. Survey figures only count when the change is "
        "statistically significant; everything is ranked by the change divided by the spread "
        "between the wijken (standard deviation), so that figures in different units can be "
        "compared.",
    },
    "changes_better": {"nl": "Beter geworden", "en": "Improved"},
    "changes_worse": {"nl": "Slechter geworden", "en": "Got worse"},
    "changes_none_better": {
        "nl": "Geen indicator is duidelijk beter geworden.",
        "en": "No indicator clearly improved.",
    },
    "changes_none_worse": {
        "nl": "Geen indicator is duidelijk slechter geworden.",
        "en": "No indicator clearly got worse.",
    },
    "changes_no_comparison": {
        "nl": "Voor {name} is er geen vergelijking met {year}. {reason}.",
        "en": "There is no comparison with {year} for {name}. {reason}.",
    },
    "changes_buurt": {
        "nl": "Voor buurten is er nog geen vergelijking met een eerdere editie; die staat op de "
        "pagina's van de wijken.",
        "en": "Buurten have no comparison with an earlier edition yet; see the wijk pages.",
    },
    "trend_intro": {
        "nl": "Ontwikkeling sinds {year}: de cijfers van {year} zijn herberekend voor de huidige "
        "wijkgrenzen (uit de buurten van {area_year}). Bij enquêtecijfers staat erbij of de "
        "verandering statistisch significant is; CBS- en registratiecijfers zijn tellingen van "
        "iedereen, geen steekproef; RIVM-cijfers zijn modelschattingen zonder marge, hun "
        "veranderingen zijn indicatief.",
        "en": "Change since {year}: the {year} figures are recomputed for today's wijk "
        "boundaries (from the buurten of {area_year}). For survey figures we say whether the "
        "change is statistically significant; CBS and register figures count everyone, they are "
        "not a sample; RIVM figures are model estimates without a margin, their changes are "
        "indicative.",
    },
    "trend_missing": {
        "nl": "Geen vergelijking voor {names}: deze wijken hoorden in {area_year} nog niet (in "
        "deze vorm) bij de gemeente.",
        "en": "No comparison for {names}: these wijken were not (in this form) part of the "
        "municipality in {area_year}.",
    },
    "all_indicators_intro": {
        "nl": "Elke indicator met een kaart, de rangorde van de wijken, de definitie en de bron.",
        "en": "Every indicator with a map, the ranking of the wijken, its definition and source.",
    },
    "budget_title": {
        "nl": "Gebiedsprogramma (open begroting)",
        "en": "Area programme (open budget)",
    },
    "budget_intro": {
        "nl": "Wat de gemeente voor het gebiedsprogramma van {name} begrootte en uitgaf, volgens "
        "haar jaarverslagen. De jaarverslagen ronden af op duizenden euro's. Per inwoner is "
        "gerekend met het aantal inwoners volgens het CBS in het genoemde jaar.",
        "en": "What the municipality budgeted and spent on the area programme of {name}, "
        "according to its annual reports. The reports round to thousands of euros. Per "
        "inhabitant uses the number of inhabitants according to CBS in the year given.",
    },
    "budget_caption": {
        "nl": "Gebiedsprogramma {name} {year}",
        "en": "Area programme {name} {year}",
    },
    "budget_col_item": {"nl": "Post", "en": "Item"},
    "budget_col_amount": {"nl": "Bedrag", "en": "Amount"},
    "budget_col_per_inhabitant": {"nl": "Per inwoner", "en": "Per inhabitant"},
    "budget_begroting": {"nl": "Begroting", "en": "Budget (begroting)"},
    "budget_realisatie": {"nl": "Realisatie (uitgegeven)", "en": "Spent (realisatie)"},
    "budget_resultaat": {
        "nl": "Resultaat (begroting min realisatie)",
        "en": "Result (budget minus spent)",
    },
    "budget_population": {
        "nl": "Per inwoner: {population} inwoners (CBS, {year}).",
        "en": "Per inhabitant: {population} inhabitants (CBS, {year}).",
    },
    "budget_not_merged": {
        "nl": "Geen gebiedsprogramma in {year}: dit gebied hoorde toen nog niet bij de gemeente "
        "Groningen. Haren en Ten Boer zijn op 1 januari 2019 samengevoegd met Groningen.",
        "en": "No area programme in {year}: this area was not yet part of the municipality of "
        "Groningen. Haren and Ten Boer merged with Groningen on 1 January 2019.",
    },
    "budget_none": {
        "nl": "Het jaarverslag {year} noemt geen gebiedsprogramma voor dit gebied.",
        "en": "The {year} annual report lists no area programme for this area.",
    },
    "budget_city": {
        "nl": "Daarnaast heeft de gemeente een stadsbreed budget (Algemeen) dat niet bij één "
        "gebied hoort: {items}.",
        "en": "The municipality also has a city-wide budget (Algemeen) that belongs to no single "
        "area: {items}.",
    },
    "budget_city_item": {
        "nl": "in {year} {begroting} begroot en {realisatie} uitgegeven",
        "en": "in {year} {begroting} budgeted and {realisatie} spent",
    },
    "budget_source": {
        "nl": "Bron: Gemeente Groningen, jaarverslagen {years} (paragraaf Integraal "
        "gebiedsgericht werken). Dit zijn echte, openbare cijfers, niet nagebootst. Aantal "
        "inwoners: CBS.",
        "en": "Source: Gemeente Groningen, annual reports {years} (section Integraal "
        "gebiedsgericht werken). These are real, public figures, not simulated. Inhabitants: "
        "CBS.",
    },
    "budget_areas_note": {
        "nl": "De gebieden van dit kompas zijn samengesteld uit CBS-wijken en benaderen de "
        "gebieden waarvoor de gemeente haar programma's maakt; de bedragen per inwoner zijn "
        "daarom een benadering.",
        "en": "The areas of this compass are built from CBS wijken and approximate the areas "
        "the municipality makes its programmes for, so the amounts per inhabitant are an "
        "approximation.",
    },
    "and": {"nl": "en", "en": "and"},
}

HOW_TO_READ = {
    "nl": [
        "Het kompas vergelijkt een wijk met de hele gemeente. De gemeente is altijd 100.",
        "Per indicator krijgt de wijk een index: hoe verder van 100, hoe groter het verschil "
        "met de stad, vergeleken met hoe ver wijken gewoonlijk van de stad afliggen. De index "
        "loopt van {index_low} tot {index_high}.",
        "Groen is gunstiger dan de stad, geel rond het gemiddelde, roze en paars ongunstiger. Bij "
        "enquêtecijfers kleuren we alleen een verschil dat statistisch significant is.",
        "Samenstelling (bevolking, huishoudens, woningen) is niet goed of slecht: die kleuren we "
        "blauw, lichter voor lager en donkerder voor hoger dan de stad.",
        "Grijs betekent: geen cijfer, of te weinig gegevens om betrouwbaar te publiceren. De "
        "tabel zegt waarom.",
    ],
    "en": [
        "The compass compares a wijk with the whole municipality, which is always 100.",
        "For each indicator the wijk gets an index: the further from 100, the larger the "
        "difference from the city, relative to how far wijken usually are from the city. The "
        "index runs from {index_low} to {index_high}.",
        "Green is more favourable than the city, yellow around average, pink and purple less "
        "favourable. For survey figures only a statistically significant difference is coloured.",
        "Composition (population, households, housing) is neither good nor bad: it is shown in "
        "blue, lighter for lower and darker for higher than the city.",
        "Grey means: no figure, or too little data to publish reliably. The table says why.",
    ],
}

BANDS = {
    "very_favourable": {"nl": "veel gunstiger", "en": "much more favourable"},
    "favourable": {"nl": "gunstiger", "en": "more favourable"},
    "average": {"nl": "rond het gemiddelde", "en": "around average"},
    "unfavourable": {"nl": "ongunstiger", "en": "less favourable"},
    "very_unfavourable": {"nl": "veel ongunstiger", "en": "much less favourable"},
    "much_higher": {"nl": "veel hoger", "en": "much higher"},
    "higher": {"nl": "hoger", "en": "higher"},
    "lower": {"nl": "lager", "en": "lower"},
    "much_lower": {"nl": "veel lager", "en": "much lower"},
    "none": {"nl": "geen cijfer", "en": "no figure"},
}

TRENDS = {  # the words of a trend: indicators/messages.yml (trend_words)
    trend: {"nl": words.nl, "en": words.en}
    for trend, words in messages.messages().trend_words.items()
}
TREND_ARROWS = {"better": "↑", "worse": "↓", "higher": "↑", "lower": "↓", "stable": "→"}

LEVELS = {
    "wijk": {"nl": ("wijk", "wijken"), "en": ("wijk", "wijken")},
    "buurt": {"nl": ("buurt", "buurten"), "en": ("buurt", "buurten")},
    "gebied": {"nl": ("gebied", "gebieden"), "en": ("area", "areas")},
    "gemeente": {"nl": ("gemeente", "gemeenten"), "en": ("municipality", "municipalities")},
}

SOURCES = {
    "cbs": {"nl": "CBS", "en": "CBS"},
    "rivm": {"nl": "RIVM (modelschatting)", "en": "RIVM (model estimate)"},
    "survey": {"nl": "Wijkenquête", "en": "Resident survey"},
    "register": {"nl": "Gemeentelijke registratie", "en": "Municipal register"},
}

DIRECTIONS = {
    "higher_is_better": {"nl": "hoger is gunstiger", "en": "higher is more favourable"},
    "higher_is_worse": {"nl": "hoger is ongunstiger", "en": "higher is less favourable"},
    "neutral": {
        "nl": "beschrijvend (niet goed of slecht)",
        "en": "descriptive (neither good nor bad)",
    },
}

UNITS_EN = {
    "inwoners": "residents",
    "huishoudens": "households",
    "woningen": "dwellings",
    "vestigingen": "establishments",
    "scholen": "schools",
    "rapportcijfer": "mark (1-10)",
    "score 0-10": "score 0-10",
    "x 1 000 euro": "x 1,000 euro",
    "inwoners per km²": "residents per km²",
    "adressen per km²": "addresses per km²",
    "per 1 000 inwoners": "per 1,000 residents",
    "per 1 000 huishoudens": "per 1,000 households",
    "per 1 000 huishoudens met kinderen": "per 1,000 households with children",
    "per 1 000 kinderen (0-14)": "per 1,000 children (0-14)",
    "per 1 000 inwoners van 65+": "per 1,000 residents aged 65+",
    "per 1 000 inwoners van 15-24 jaar": "per 1,000 residents aged 15-24",
    "per 1 000 leerplichtigen": "per 1,000 pupils of compulsory school age",
    "per 10 000 inwoners": "per 10,000 residents",
    "per 100 woningen": "per 100 dwellings",
    "personen per huishouden": "persons per household",
    "auto's per huishouden": "cars per household",
    "auto's per km²": "cars per km²",
    "inwoners per woning": "residents per dwelling",
    "m² per inwoner": "m² per resident",
}


@cache
def settings_figures() -> dict[str, str]:
    """The figures of the statistical settings that texts state (indicators/statistics.yml):
    a text says {confidence}%, never 95%, so it follows the setting."""
    s = statistics_settings()
    low, high = s["compass"]["clip"]
    spread = s["compass"]["spread"]
    return {
        "confidence": f"{100 * s['confidence']:g}",
        "index_low": f"{low:g}",
        "index_high": f"{high:g}",
        "index_up": f"{100 + spread:g}",
        "index_down": f"{100 - spread:g}",
        "min_n": str(s["survey"]["min_n"]),
        "max_cv": f"{100 * s['survey']['max_cv']:g}",
        "interval": s["survey"]["share_interval"].capitalize(),
    }


def t(key: str, lang: str, **fields) -> str:
    """The text ``key`` in ``lang``, with ``fields`` and the settings' figures filled in."""
    return TEXT[key][lang].format(**{**settings_figures(), **fields})


def how_to_read(lang: str) -> list[str]:
    return [line.format(**settings_figures()) for line in HOW_TO_READ[lang]]


def number(value, decimals: int, lang: str) -> str:
    """12.345,6 (nl) or 12,345.6 (en); an en dash for no value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{max(int(decimals), 0)}f}"
    if lang == "nl":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


NBSP = "\u00a0"
# CBS publishes money in thousands of euros; residents read euros
MONEY = {"x 1 000 euro": 1000}
GROUPED = re.compile(r"(\d) (\d{3})\b")


def keep_together(text: str) -> str:
    """'per 1 000 inwoners' with a non-breaking space inside '1 000': a line never breaks a
    number in two."""
    return GROUPED.sub(f"\\1{NBSP}\\2", text)


def unit(unit_nl: str | None, lang: str) -> str:
    if not unit_nl:
        return ""
    if unit_nl in MONEY:
        return "euro"
    return keep_together(unit_nl if lang == "nl" else UNITS_EN.get(unit_nl, unit_nl))


def unit_described(unit_nl: str | None, lang: str) -> str:
    """The unit as an indicator page states it; for money also how the downloads hold it."""
    if unit_nl in MONEY:
        return (
            keep_together("euro (in de downloads zoals het CBS het publiceert: x 1 000 euro)")
            if lang == "nl"
            else "euro (in the downloads as CBS publishes it: x 1,000 euro)"
        )
    return unit(unit_nl, lang)


def axis_number(value: float, unit_nl: str | None, lang: str) -> str:
    """A tick of a chart's value axis: whole numbers from 10 up, money in euros."""
    if unit_nl in MONEY:
        return euro(value * MONEY[unit_nl], lang)
    return number(value, 0 if abs(value) >= 10 else 1, lang)


def euro(value, lang: str) -> str:
    """An amount in whole euros as people write it: € 258.000 (nl), €258,000 (en)."""
    text = number(value, 0, lang)
    if text == "–":
        return text
    return f"€{NBSP}{text}" if lang == "nl" else f"€{text}"


def with_unit(value, decimals: int, unit_nl: str | None, lang: str) -> str:
    """A value with its unit, kept on one line: '8,5 per 1 000 huishoudens', '80,3%', and money
    in euros ('€ 258.000' for CBS's 258 x 1 000 euro)."""
    if unit_nl in MONEY:
        return euro(None if _missing(value) else value * MONEY[unit_nl], lang)
    text = number(value, decimals, lang)
    if text == "–" or not unit_nl:
        return text
    if unit_nl == "%":
        return f"{text}%"
    return f"{text}{NBSP}{unit(unit_nl, lang)}"


def change(value, decimals: int, unit_nl: str | None, lang: str) -> str:
    """A change with its sign, in the indicator's decimals and unit: percentage points for %
    (``+2,3 procentpunt``); a true minus sign (−) for a decrease; ``0`` without a sign; money in
    euros (``+€ 12.000``)."""
    if unit_nl in MONEY and not _missing(value):
        value, decimals, money = value * MONEY[unit_nl], 0, True
    else:
        money = False
    text = number(None if value is None else abs(value), decimals, lang)
    if text == "–":
        return text
    if money:
        text = euro(abs(value), lang)
    if value != 0 and text.strip("0,.€" + NBSP) != "":
        text = ("+" if value > 0 else "−") + text
    if money:
        return text
    if unit_nl == "%":
        return f"{text}{NBSP}{'procentpunt' if lang == 'nl' else 'percentage points'}"
    if not unit_nl:
        return text
    return f"{text}{NBSP}{unit(unit_nl, lang)}"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def trend_note(reason: str | None, lang: str) -> str:
    """Why a figure has no trend, in the page's language (indicators/messages.yml)."""
    return messages.trend_message(reason, lang)


def suppression_note(
    reason: str | None, lang: str, *, n=None, cv=None, threshold=None, wave=None
) -> str:
    """Why a value is not published, in the page's language, with the figures of its row
    (indicators/messages.yml)."""
    return messages.suppression_message(reason, lang, n=n, cv=cv, threshold=threshold, wave=wave)


def listing(items: list[str], lang: str) -> str:
    """'2012, 2016 en 2020' (English: 'and')."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t('and', lang)} {items[-1]}"
