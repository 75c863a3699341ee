"""Areas of public benefit: the sphere of public tasks of art. 4 ust. 1 of the Act.

Ustawa z dnia 24 kwietnia 2003 r. o działalności pożytku publicznego i o wolontariacie,
consolidated text Dz.U. 2024 poz. 1491. Organisations, competitions, small grants,
programme funds and subscriptions all refer to these codes, so the codes are stable
English identifiers and the Polish names follow the Act. When the list in the Act
changes, add a new version rather than renaming codes that stored data refers to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wspolpraca.errors import DomainError

AREAS_VERSION = "dz-u-2024-1491"
"""The legal text the dictionary follows (Dz.U. 2024 poz. 1491, art. 4 ust. 1)."""


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    name: str
    point: str = ""
    """The point of art. 4 ust. 1 (e.g. "1a"), for reference."""


# art. 4 ust. 1: the point, the code, its Polish name (a longer name goes on indented lines)
_ACT_POINTS = """
1   social_assistance: pomoc społeczna, w tym pomoc rodzinom i osobom w trudnej sytuacji
    życiowej oraz wyrównywanie szans tych rodzin i osób
1a  family_support_foster_care: wspieranie rodziny i systemu pieczy zastępczej
2   social_inclusion: działalność na rzecz integracji i reintegracji zawodowej i społecznej osób
    zagrożonych wykluczeniem społecznym
3   charity: działalność charytatywna
4   national_tradition: podtrzymywanie i upowszechnianie tradycji narodowej, pielęgnowanie
    polskości oraz rozwój świadomości narodowej, obywatelskiej i kulturowej
5   national_minorities: działalność na rzecz mniejszości narodowych i etnicznych oraz języka
    regionalnego
5a  foreigners_integration: działalność na rzecz integracji cudzoziemców
6   health: ochrona i promocja zdrowia, w tym działalność lecznicza
7   disability: działalność na rzecz osób niepełnosprawnych
8   employment: promocja zatrudnienia i aktywizacji zawodowej osób pozostających bez pracy i
    zagrożonych zwolnieniem z pracy
9   gender_equality: działalność na rzecz równych praw kobiet i mężczyzn
10  seniors: działalność na rzecz osób w wieku emerytalnym
11  economic_development: działalność wspomagająca rozwój gospodarczy, w tym rozwój
    przedsiębiorczości
12  innovation: działalność wspomagająca rozwój techniki, wynalazczości i innowacyjności oraz
    rozpowszechnianie i wdrażanie nowych rozwiązań technicznych w praktyce gospodarczej
13  local_communities: działalność wspomagająca rozwój wspólnot i społeczności lokalnych
14  education: nauka, szkolnictwo wyższe, edukacja, oświata i wychowanie
15  children_and_youth: działalność na rzecz dzieci i młodzieży, w tym wypoczynek dzieci i
    młodzieży
16  culture: kultura, sztuka, ochrona dóbr kultury i dziedzictwa narodowego
17  sport: wspieranie i upowszechnianie kultury fizycznej
18  ecology: ekologia i ochrona zwierząt oraz ochrona dziedzictwa przyrodniczego
19  tourism: turystyka i krajoznawstwo
20  public_safety: porządek i bezpieczeństwo publiczne
21  national_defence: obronność państwa i działalność Sił Zbrojnych Rzeczypospolitej Polskiej
22  human_rights: upowszechnianie i ochrona wolności i praw człowieka oraz swobód obywatelskich,
    a także działania wspomagające rozwój demokracji
22a legal_aid: udzielanie nieodpłatnej pomocy prawnej, nieodpłatne poradnictwo obywatelskie oraz
    zwiększanie świadomości prawnej społeczeństwa
23  civil_protection: ratownictwo i ochrona ludności
24  disaster_relief: pomoc ofiarom katastrof, klęsk żywiołowych, konfliktów zbrojnych i wojen w
    kraju i za granicą
25  consumer_rights: upowszechnianie i ochrona praw konsumentów
26  european_integration: działalność na rzecz integracji europejskiej oraz rozwijania kontaktów
    i współpracy między społeczeństwami
27  volunteering: promocja i organizacja wolontariatu
28  polish_diaspora: pomoc Polonii i Polakom za granicą
29  combatants_and_repressed: działalność na rzecz kombatantów i osób represjonowanych
29a veterans_abroad: działalność na rzecz weteranów i weteranów poszkodowanych (weteranów
    działań poza granicami państwa)
30  poland_promotion: promocja Rzeczypospolitej Polskiej za granicą
31  family_and_child_rights: działalność na rzecz rodziny, macierzyństwa, rodzicielstwa,
    upowszechniania i ochrony praw dziecka
32  addiction_prevention: przeciwdziałanie uzależnieniom i patologiom społecznym
32a revitalisation: rewitalizacja
33  ngo_support: działalność na rzecz organizacji pozarządowych oraz podmiotów wymienionych w
    art. 3 ust. 3 ustawy, w zakresie określonym w pozostałych punktach
"""


def _parse(table: str) -> tuple[Area, ...]:
    entries: list[str] = []
    for line in table.strip().splitlines():
        if line.startswith(" "):
            entries[-1] += " " + line.strip()
        else:
            entries.append(line)
    areas = []
    for entry in entries:
        point, rest = entry.split(maxsplit=1)
        code, name = rest.split(": ", 1)
        areas.append(Area(code, name, point))
    return tuple(areas)


AREAS: tuple[Area, ...] = _parse(_ACT_POINTS)

AREAS_BY_CODE: dict[str, Area] = {area.code: area for area in AREAS}

_CODES = frozenset(AREAS_BY_CODE)


def area_codes() -> frozenset[str]:
    """Every known area code."""
    return _CODES


def area_name(code: str) -> str:
    """The Polish name of an area (KeyError for an unknown code)."""
    return AREAS_BY_CODE[code].name


def validate_areas(codes: Iterable[str]) -> list[str]:
    """The given area codes, in the given order, if there is at least one, none repeats
    and each is known; otherwise a DomainError on the field `areas`."""
    if isinstance(codes, str) or codes is None:
        raise DomainError(
            "invalid_areas", "Obszary działalności podaj jako listę kodów.", field="areas"
        )
    result = list(codes)
    if not result:
        raise DomainError(
            "areas_required", "Wybierz co najmniej jeden obszar działalności.", field="areas"
        )
    seen: set[str] = set()
    for code in result:
        if not isinstance(code, str) or code not in _CODES:
            raise DomainError(
                "unknown_area", f"Nieznany obszar działalności: „{code}”.", field="areas"
            )
        if code in seen:
            raise DomainError(
                "duplicate_area",
                f"Obszar działalności „{code}” podano więcej niż raz.",
                field="areas",
            )
        seen.add(code)
    return result
