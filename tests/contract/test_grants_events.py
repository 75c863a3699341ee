"""Example events of the grants service against the catalogue (infra/asyncapi/asyncapi.yaml).

The generic test in test_event_catalogue.py validates every event the integration tests made
grants publish; these examples pin the shapes by hand, including what must be refused.
"""

from __future__ import annotations

from typing import Any

from wspolpraca.testing.event_examples import CatalogueExamples

PROGRAMME_ID = "665f1c2a9b1e8a0011111111"
COMPETITION_ID = "665f1c2a9b1e8a0022222222"
OFFER_ID = "665f1c2a9b1e8a0033333333"
ORG_ID = "665f1c2a9b1e8a0044444444"
PARTNER_ID = "665f1c2a9b1e8a0055555555"
SMALL_GRANT_ID = "665f1c2a9b1e8a0066666666"
CONTRACT_ID = "665f1c2a9b1e8a0088888888"
COMMENT_ID = "665f1c2a9b1e8a0077777777"
TIME = "2026-03-04T10:15:30.123Z"
LATER = "2026-03-11T10:15:30.123Z"


def programme(**changes: Any) -> dict[str, Any]:
    return {"id": PROGRAMME_ID, "year": 2027, "title": "Program współpracy na 2027 rok",
            "status": "draft", "funds": [{"area": "culture", "amount": "200000.00"}],
            "total_funds": "200000.00", "adopted_at": None} | changes


def competition(**changes: Any) -> dict[str, Any]:
    return {"id": COMPETITION_ID, "year": 2027, "title": "Festiwale osiedlowe",
            "area": "culture", "mode": "supporting", "budget": "100000.00",
            "status": "announced", "submission_deadline": TIME, "task_start": "2027-03-01",
            "task_end": "2027-10-31", "min_own_contribution_pct": "10.00",
            "criteria": [{"name": "Jakość", "max_points": 10}], "published_at": TIME,
            "department": "culture"} | changes


def offer(**changes: Any) -> dict[str, Any]:
    return {"id": OFFER_ID, "competition_id": COMPETITION_ID, "organization_id": ORG_ID,
            "partners": [PARTNER_ID], "title": "Festiwal na Bałutach",
            "requested_amount": "9000.00",
            "own_contribution": {"financial": "500.00", "non_financial": "500.00"},
            "total_cost": "10000.00", "task_start": "2027-03-01", "task_end": "2027-10-31",
            "status": "submitted"} | changes


EXAMPLES: dict[str, dict[str, Any]] = {
    "grants.programme.drafted": programme(),
    "grants.programme.updated": programme(title="Program współpracy na 2027 rok (poprawiony)"),
    "grants.programme.adopted": programme(status="adopted", adopted_at=TIME),
    "grants.competition.announced": competition(),
    "grants.competition.closed": competition(status="closed", offers_submitted=3),
    "grants.competition.cancelled": competition(status="cancelled", reason="Zmiana budżetu."),
    "grants.competition.resolved": competition(status="resolved", awarded="19000.00",
                                               funded=2, not_funded=1),
    "grants.offer.submitted": offer(),
    "grants.offer.withdrawn": offer(status="withdrawn"),
    "grants.offer.rejected_formally": offer(status="rejected_formally", reason="Brak podpisu."),
    "grants.offer.not_funded": offer(status="not_funded", awarded_amount="0.00"),
    "grants.committee.appointed": {"competition_id": COMPETITION_ID, "members": [
        {"user_id": "official-1", "name": "Anna Urzędnik", "kind": "official",
         "organization_id": None, "excluded": False},
        {"user_id": "nominee-1", "name": "Ewa Oferentka", "kind": "ngo",
         "organization_id": ORG_ID, "excluded": True}]},
    "grants.committee.offers_assigned": {
        "competition_id": COMPETITION_ID, "competition_title": "Kultura na podwórkach",
        "member": {"user_id": "official-1", "name": "Anna Urzędnik",
                   "email": "anna@miasto.example.pl"},
        "offers": [{"id": OFFER_ID, "title": "Teatr", "organization_id": ORG_ID,
                    "requested_amount": "9000.00"}], "assigned_offers": 3},
    "grants.offer.scored": {"offer_id": OFFER_ID, "competition_id": COMPETITION_ID,
                            "member": "official-1",
                            "scores": [{"criterion": "Jakość", "points": 10}],
                            "total": 10, "scored_at": TIME},
    "grants.grant.awarded": {"offer_id": OFFER_ID, "competition_id": COMPETITION_ID,
                             "organization_id": ORG_ID, "area": "culture", "year": 2027,
                             "requested_amount": "9000.00", "awarded_amount": "7000.00",
                             "partial": True},
}



def small_grant(**changes: Any) -> dict[str, Any]:
    return {"id": SMALL_GRANT_ID, "year": 2027, "organization_id": ORG_ID, "area": "culture",
            "title": "Koncert w parku", "requested_amount": "10000.00",
            "total_cost": "10100.00", "task_start": "2027-04-01", "task_end": "2027-06-29",
            "status": "submitted", "comments_until": None} | changes


EXAMPLES.update({
    "grants.small_grant.submitted": small_grant(),
    "grants.small_grant.published": small_grant(status="published", published_at=TIME,
                                                comments_until=LATER),
    "grants.small_grant.commented": {"small_grant_id": SMALL_GRANT_ID,
                                     "comment_id": COMMENT_ID, "organization_id": None,
                                     "created_at": TIME},
    "grants.small_grant.awarded": small_grant(
        status="awarded", comments_until=LATER, awarded_amount="10000.00",
        acknowledged_overlaps=[{
            "small_grant_id": SMALL_GRANT_ID, "organization_id": ORG_ID,
            "reason": "Inne turnusy obozu, koszty rozdzielone.",
            "overlaps": [{"kind": "offer", "id": OFFER_ID, "score": 88,
                          "reasons": ["podobny tytuł (92%)", "pokrywające się terminy"]}]}]),
    "grants.small_grant.refused": small_grant(status="refused", comments_until=LATER,
                                              reason="Poza programem."),
})



def contract(**changes: Any) -> dict[str, Any]:
    return {"id": CONTRACT_ID, "offer_id": OFFER_ID, "competition_id": COMPETITION_ID,
            "organization_id": ORG_ID, "amount": "7000.00", "task_start": "2027-03-01",
            "task_end": "2027-10-31", "report_due_on": "2027-11-30", "status": "signed"} | changes


def report(**changes: Any) -> dict[str, Any]:
    return {"contract_id": CONTRACT_ID, "organization_id": ORG_ID, "amount": "7000.00",
            "expenses_by_source": {"grant": "6500.00", "own_financial": "1600.00"},
            "personal_contribution": "400.00", "in_kind_contribution": "100.00",
            "unused_amount": "500.00", "submitted_at": TIME} | changes


EXAMPLES.update({
    "grants.contract.signed": contract(signed_on="2027-02-15", tranches=[
        {"amount": "5000.00", "due_on": "2027-03-01"},
        {"amount": "2000.00", "due_on": "2027-07-01"}]),
    "grants.contract.terminated": contract(status="terminated", reason="Brak sprawozdania."),
    "grants.contract.settled": contract(status="settled", returned_amount="500.00",
                                        unused_due_on="2027-11-15"),
    "grants.task_report.submitted": report(),
    "grants.task_report.accepted": report(unused_due_on="2027-11-15"),
    "grants.task_report.overdue": contract(status="report_due", days_overdue=2),
    "grants.results.confirmed": {
        "competition_id": COMPETITION_ID, "year": 2027, "department": "sport",
        "awarded": "7000.00",
        "awards": [{"offer_id": OFFER_ID, "organization_id": ORG_ID,
                    "awarded_amount": "7000.00"}],
        "acknowledged_overlaps": [{
            "offer_id": OFFER_ID, "organization_id": ORG_ID,
            "reason": "Kontynuacja projektu: inne turnusy, inne koszty.",
            "overlaps": [{"kind": "small_grant", "id": SMALL_GRANT_ID, "score": 91,
                          "reasons": ["ten sam tytuł", "pokrywające się terminy",
                                      "te same pozycje kosztorysu: 3 z 5"]}]}],
        "confirmed_at": TIME},
})

WRONG_VALUES: list[tuple[str, str, Any]] = [
    ("grants.programme.drafted", "status", "adopted"),
    ("grants.programme.drafted", "total_funds", 200000.0),
    ("grants.programme.adopted", "status", "draft"),
    ("grants.programme.updated", "status", "consulted"),
    ("grants.competition.announced", "budget", "100000"),
    ("grants.competition.announced", "budget", 100000.00),
    ("grants.competition.announced", "mode", "grant"),
    ("grants.competition.announced", "department", "Wydział Kultury"),
    ("grants.competition.announced", "task_start", "1 March 2027"),
    ("grants.competition.closed", "offers_submitted", -1),
    ("grants.competition.cancelled", "reason", ""),
    ("grants.competition.announced", "department", 7),
    ("grants.results.confirmed", "acknowledged_overlaps", [{"offer_id": OFFER_ID}]),
    ("grants.results.confirmed", "awarded", "7000"),
    ("grants.offer.submitted", "status", "withdrawn"),
    ("grants.offer.submitted", "requested_amount", "9000.5"),
    ("grants.offer.not_funded", "awarded_amount", "1.00"),
    ("grants.offer.scored", "total", 1.5),
    ("grants.grant.awarded", "partial", "yes"),
    ("grants.grant.awarded", "organization_id", "not-an-id"),
    ("grants.small_grant.submitted", "comments_until", LATER),
    ("grants.small_grant.submitted", "requested_amount", 10000),
    ("grants.small_grant.published", "comments_until", None),
    ("grants.small_grant.awarded", "status", "published"),
    ("grants.small_grant.commented", "organization_id", "x"),
    ("grants.contract.signed", "tranches", []),
    ("grants.contract.signed", "status", "in_progress"),
    ("grants.contract.settled", "unused_due_on", "15.11.2027"),
    ("grants.task_report.submitted", "expenses_by_source", {"lottery": "1.00"}),
    ("grants.task_report.overdue", "days_overdue", -1),
    # an acknowledged double funding names what it overlaps and why
    ("grants.small_grant.awarded", "acknowledged_overlaps", [{}]),
    ("grants.small_grant.awarded", "acknowledged_overlaps", [{
        "small_grant_id": SMALL_GRANT_ID, "organization_id": ORG_ID, "reason": "",
        "overlaps": []}]),
]


def _subject(data: dict[str, Any]) -> str | None:
    return (data.get("id") or data.get("offer_id") or data.get("small_grant_id")
            or data.get("contract_id") or data.get("competition_id"))


class TestGrantsEvents(CatalogueExamples):
    examples = EXAMPLES
    wrong_values = WRONG_VALUES
    extra_field = ("representatives", [{"name": "Jan Kowalski"}])
    # who runs the competition: in every event since issue 23, absent from older ones
    optional = frozenset({"department"})
    subject_of = staticmethod(_subject)
    # competitions drafted before the department was carried have none; small grants awarded
    # before the double funding acknowledgement have no `acknowledged_overlaps`
    optional = frozenset({"department", "acknowledged_overlaps"})
