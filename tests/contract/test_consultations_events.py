"""The consultations service's events in the catalogue (`infra/asyncapi/asyncapi.yaml`):
an example of every type validates, a missing or extra field or a wrong value does not.
(What the integration tests made the service publish is checked by
`test_event_catalogue.py` for every service.)"""

from __future__ import annotations

from typing import Any

from wspolpraca.testing.event_examples import CatalogueExamples

CONSULTATION_ID = "665f1c2a9b1e8a0012345678"
COMMENT_ID = "665f1c2a9b1e8a0012340001"
COUNCIL_ID = "665f1c2a9b1e8a0012340002"
MEMBER_ID = "665f1c2a9b1e8a0012340003"
ORG_ID = "665f1c2a9b1e8a0012340004"
REQUEST_ID = "665f1c2a9b1e8a0012340005"
MEETING_ID = "665f1c2a9b1e8a0012340006"
OPENS = "2026-03-02T09:00:00.000Z"
CLOSES = "2026-03-16T09:00:00.000Z"
TIME = "2026-03-20T10:15:30.123Z"


def consultation(**changes: Any) -> dict[str, Any]:
    return {
        "id": CONSULTATION_ID,
        "title": "Projekt programu współpracy na 2027 rok",
        "subject": "Roczny program współpracy z organizacjami pozarządowymi",
        "act_kind": "cooperation_programme",
        "programme_id": "665f1c2a9b1e8a0099999999",
        "sections": ["§ 1 Cele", "§ 2 Zadania priorytetowe"],
        "forms": ["written_comments", "meeting"],
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "addressees": {"scope": "areas", "areas": ["culture", "sport"]},
        "residents_may_comment": True,
        "status": "open",
    } | changes


def member_change(**changes: Any) -> dict[str, Any]:
    return {
        "council_id": COUNCIL_ID,
        "council_name": "Rada Działalności Pożytku Publicznego",
        "member": {"id": MEMBER_ID, "name": "Anna Nowak", "side": "ngo",
                   "organization_id": ORG_ID},
        "members": 5,
        "ngo_members": 3,
        "ngo_share_ok": True,
    } | changes


def opinion(status: str, **changes: Any) -> dict[str, Any]:
    return {"id": REQUEST_ID, "council_id": COUNCIL_ID,
            "subject": "Projekt programu współpracy na 2027 rok",
            "consultation_id": CONSULTATION_ID, "status": status,
            "requested_at": OPENS, "deadline": "2026-03-16T09:00:00.000Z"} | changes


EXAMPLES: dict[str, dict[str, Any]] = {
    "consultations.consultation.opened": consultation(),
    "consultations.consultation.comment_submitted": {
        "id": COMMENT_ID, "consultation_id": CONSULTATION_ID,
        "consultation_title": "Projekt programu współpracy na 2027 rok",
        "section": "§ 1 Cele", "organization_id": ORG_ID, "author_kind": "organization",
        "submitted_at": TIME},
    "consultations.consultation.comment_marked_spam": {
        "id": COMMENT_ID, "consultation_id": CONSULTATION_ID,
        "consultation_title": "Projekt programu współpracy na 2027 rok", "marked_at": TIME},
    "consultations.consultation.closed": consultation(
        status="closed", closed_at=CLOSES, closed_by="timer", comments=12),
    "consultations.consultation.report_published": consultation(
        status="report_published", closed_at=CLOSES, published_at=TIME, comments=12,
        hidden=1, accepted=4, partly_accepted=3, rejected=4),
    "consultations.consultation.meeting_scheduled": {
        "id": MEETING_ID, "title": "Spotkanie konsultacyjne", "starts_at": OPENS,
        "ends_at": "2026-03-02T11:00:00.000Z", "place": "Urząd Miasta, sala 101",
        "consultation_id": CONSULTATION_ID,
        "consultation_title": "Projekt programu współpracy na 2027 rok"},
    "consultations.consultation.updated": consultation(
        status="planned", changed_fields=["closes_at", "title"]),
    "consultations.consultation.meeting_cancelled": {
        "id": MEETING_ID, "title": "Spotkanie konsultacyjne", "starts_at": OPENS,
        "ends_at": "2026-03-02T11:00:00.000Z", "place": "Urząd Miasta, sala 101",
        "consultation_id": CONSULTATION_ID,
        "consultation_title": "Projekt programu współpracy na 2027 rok",
        "reason": "Sala niedostępna"},
    "consultations.consultation.meeting_moved": {
        "id": MEETING_ID, "title": "Spotkanie konsultacyjne", "starts_at": TIME,
        "ends_at": "2026-03-20T12:00:00.000Z", "place": "Urząd Miasta, sala 101",
        "consultation_id": CONSULTATION_ID,
        "consultation_title": "Projekt programu współpracy na 2027 rok",
        "previous_starts_at": OPENS, "previous_ends_at": "2026-03-02T11:00:00.000Z"},
    "consultations.council.created": {
        "id": COUNCIL_ID, "name": "Rada Działalności Pożytku Publicznego",
        "kind": "public_benefit_council", "term_start": "2026-03-01",
        "term_end": "2029-02-28", "request_id": REQUEST_ID,
        "members": [{"id": MEMBER_ID, "name": "Anna Nowak", "side": "ngo",
                     "organization_id": ORG_ID}]},
    "consultations.council.member_appointed": member_change(appointed_at=TIME),
    "consultations.council.member_left": member_change(left_at=TIME, reason="Rezygnacja",
                                                       members=4, ngo_members=2),
    "consultations.council.meeting_scheduled": {
        "id": MEETING_ID, "title": "Posiedzenie RDPP nr 1", "starts_at": OPENS,
        "ends_at": "2026-03-02T12:00:00.000Z", "place": "Ratusz",
        "council_id": COUNCIL_ID, "council_name": "Rada Działalności Pożytku Publicznego",
        "agenda": ["Wybór przewodniczącego"]},
    "consultations.council.meeting_cancelled": {
        "id": MEETING_ID, "title": "Posiedzenie RDPP nr 1", "starts_at": OPENS,
        "ends_at": "2026-03-02T12:00:00.000Z", "place": "Ratusz",
        "council_id": COUNCIL_ID, "council_name": "Rada Działalności Pożytku Publicznego",
        "agenda": ["Wybór przewodniczącego"], "reason": "Brak kworum"},
    "consultations.council.meeting_moved": {
        "id": MEETING_ID, "title": "Posiedzenie RDPP nr 1", "starts_at": TIME,
        "ends_at": "2026-03-20T12:00:00.000Z", "place": "Ratusz, sala sesyjna",
        "council_id": COUNCIL_ID, "council_name": "Rada Działalności Pożytku Publicznego",
        "agenda": ["Wybór przewodniczącego"], "previous_starts_at": OPENS,
        "previous_ends_at": "2026-03-02T12:00:00.000Z"},
    "consultations.council.opinion_requested": opinion("requested"),
    "consultations.council.opinion_issued": opinion(
        "issued", issued_at=TIME, opinion="Opinia pozytywna."),
    "consultations.council.opinion_lapsed": opinion("lapsed", lapsed_at=TIME),
    "consultations.council_request.overdue": {
        "id": REQUEST_ID, "kind": "sector_commission", "name": "Komisja ds. Kultury",
        "supporters": [ORG_ID], "received_at": OPENS, "deadline": CLOSES, "days_late": 3},
}

VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("consultations.consultation.opened", consultation(
        act_kind="draft_act", programme_id=None, sections=[], status="planned",
        addressees={"scope": "all", "areas": []}, residents_may_comment=False)),
    ("consultations.consultation.comment_submitted", {
        **EXAMPLES["consultations.consultation.comment_submitted"], "section": None,
        "organization_id": None, "author_kind": "resident"}),
    ("consultations.consultation.closed", consultation(
        status="closed", closed_at=CLOSES, closed_by="user-officer", comments=0)),
    ("consultations.council.created", {
        **EXAMPLES["consultations.council.created"], "request_id": None,
        "members": [{"id": MEMBER_ID, "name": "Jan Kowalski", "side": "city",
                     "organization_id": None}]}),
    ("consultations.council.member_left", member_change(
        left_at=TIME, reason=None, ngo_share_ok=False)),
    ("consultations.council.meeting_scheduled", {
        **EXAMPLES["consultations.council.meeting_scheduled"], "agenda": []}),
    ("consultations.council.opinion_requested", opinion("requested", consultation_id=None)),
]

WRONG_VALUES: list[tuple[str, str, Any]] = [
    ("consultations.consultation.opened", "status", "closed"),
    ("consultations.consultation.opened", "forms", []),
    ("consultations.consultation.opened", "forms", ["survey"]),
    ("consultations.consultation.opened", "opens_at", "2026-03-02"),
    ("consultations.consultation.opened", "addressees", {"scope": "districts", "areas": []}),
    ("consultations.consultation.comment_submitted", "author_kind", "company"),
    ("consultations.consultation.comment_submitted", "organization_id", "org-1"),
    ("consultations.consultation.closed", "comments", -1),
    ("consultations.consultation.report_published", "rejected", 1.5),
    ("consultations.consultation.meeting_scheduled", "place", ""),
    ("consultations.consultation.updated", "changed_fields", []),
    ("consultations.consultation.updated", "changed_fields", ["act_kind"]),
    ("consultations.consultation.meeting_cancelled", "reason", ""),
    ("consultations.council.meeting_moved", "previous_starts_at", "2026-03-02"),
    ("consultations.council.created", "kind", "club"),
    ("consultations.council.created", "members", []),
    ("consultations.council.created", "term_end", "28.02.2029"),
    ("consultations.council.member_appointed", "member",
     {"id": MEMBER_ID, "name": "Anna", "side": "business", "organization_id": None}),
    ("consultations.council.opinion_issued", "status", "requested"),
    ("consultations.council.opinion_lapsed", "lapsed_at", None),
    ("consultations.council_request.overdue", "days_late", -2),
]


class TestConsultationsEvents(CatalogueExamples):
    examples = EXAMPLES
    variants = VARIANTS
    wrong_values = WRONG_VALUES
    extra_field = ("text", "Treść uwagi")
    subject_of = staticmethod(lambda data: data.get("id") or data.get("council_id"))


event = TestConsultationsEvents.event


def test_the_source_must_be_the_consultations_service(catalogue):
    wrong = event("consultations.council.created", EXAMPLES["consultations.council.created"])
    wrong["source"] = "/wspolpraca/grants"
    assert catalogue.validate(wrong) != []


def test_a_council_member_may_carry_a_user_account_and_an_address(catalogue):
    """Added later, optional: events without them (above) stay valid."""
    member = {"id": MEMBER_ID, "name": "Anna Nowak", "side": "ngo", "organization_id": ORG_ID,
              "user_id": "rada-anna", "email": "anna@rada.example.pl"}
    assert catalogue.validate(event("consultations.council.member_appointed",
                                    member_change(member=member,
                                                  appointed_at="2026-03-01T10:00:00.000Z"))
                              ) == []
    unknown = {**member, "user_id": None, "email": None}
    assert catalogue.validate(event("consultations.council.member_appointed",
                                    member_change(member=unknown,
                                                  appointed_at="2026-03-01T10:00:00.000Z"))
                              ) == []
    wrong = {**member, "user_id": 7}
    assert catalogue.validate(event("consultations.council.member_appointed",
                                    member_change(member=wrong,
                                                  appointed_at="2026-03-01T10:00:00.000Z")))
