"""The measures a cooperation programme may be evaluated by (art. 5a ust. 4: "sposób
oceny realizacji programu") that the platform can count itself.

A programme's measure names one of these `indicator`s (or none, when what it measures
happens outside the platform); the annual report then gives the value achieved next to the
programme's target. `per_area` indicators are counted in the measure's area when it has
one, the others for the whole city. Grants validates the codes; reporting computes them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    per_area: bool = False


INDICATORS: dict[str, Indicator] = {i.code: i for i in (
    Indicator("competitions_announced", "ogłoszone otwarte konkursy ofert", "szt.", True),
    Indicator("offers_submitted", "złożone oferty", "szt.", True),
    Indicator("offers_funded", "oferty dofinansowane", "szt.", True),
    Indicator("small_grants_awarded", "przyznane małe granty", "szt.", True),
    Indicator("funds_awarded", "środki przyznane (konkursy i małe granty)", "zł", True),
    Indicator("contracts_signed", "zawarte umowy", "szt."),
    Indicator("organizations_cooperating", "organizacje współpracujące", "szt."),
    Indicator("consultations_held", "przeprowadzone konsultacje", "szt."),
    Indicator("council_opinions_issued", "opinie wydane przez rady", "szt."),
    Indicator("inquiries_answered", "odpowiedzi na zapytania organizacji", "szt."),
    Indicator("trainings_held", "szkolenia, dyżury doradcze i wydarzenia", "szt."),
    Indicator("participants_registered", "uczestnicy szkoleń (zapisani)", "os."),
    Indicator("participants_attended", "uczestnicy szkoleń (obecni)", "os."),
    Indicator("hours_lent", "godziny użyczenia lokali i sprzętu", "godz."),
    Indicator("patronages_granted", "przyznane patronaty i promocja", "szt."),
    Indicator("partnerships", "partnerstwa i wspólne projekty", "szt."),
    Indicator("volunteering_posted", "ogłoszone potrzeby wolontariatu", "szt."),
)}
