"""Issue #18: every event type that reaches a person (by default or by an email or inbox
subscription) has an email template of its own, in Polish: what happened, what to do, and a
link into the portal; none falls back to `default.j2` ("Powiadomienie: <type>")."""

from __future__ import annotations

import pytest

from notifications import audience, domain
from notifications.channels import Renderer, event_context
from notifications.events import EVENTS

PUBLIC_URL = "https://wspolpraca.example.pl"
# what reaches a person: what is told without subscribing, and what anyone may subscribe to
PERSON_FACING = sorted((set(domain.DEFAULT_RULES) | set(audience.DELIVERABLE_TYPES))
                       & {t for t, spec in EVENTS.items() if spec.delivered})


def test_there_are_person_facing_types() -> None:
    assert len(PERSON_FACING) > 60


def test_every_person_facing_type_has_a_template_of_its_own() -> None:
    assert [t for t in PERSON_FACING if EVENTS[t].template == "default.j2"] == []


# the types whose templates came with issue #18 (they fell back to default.j2 before)
LINKED = [
    "consultations.consultation.closed",
    "consultations.consultation.comment_marked_spam",
    "consultations.consultation.comment_submitted",
    "consultations.consultation.report_published",
    "consultations.consultation.updated",
    "consultations.council.created",
    "consultations.council.member_left",
    "consultations.council.opinion_issued",
    "consultations.council.opinion_lapsed",
    "consultations.council_request.overdue",
    "grants.competition.cancelled",
    "grants.competition.closed",
    "grants.competition.resolved",
    "grants.contract.settled",
    "grants.contract.signed",
    "grants.contract.terminated",
    "grants.offer.scored",
    "grants.offer.submitted",
    "grants.offer.withdrawn",
    "grants.programme.adopted",
    "grants.programme.drafted",
    "grants.programme.updated",
    "grants.results.confirmed",
    "grants.small_grant.commented",
    "grants.small_grant.published",
    "grants.small_grant.submitted",
    "grants.task_report.accepted",
    "grants.task_report.submitted",
    "identity.representation.requested",
    "registry.booking.cancelled",
    "registry.booking.requested",
    "registry.department.created",
    "registry.department.updated",
    "registry.inquiry.closed",
    "registry.organization.returned_to_verification",
    "registry.organization.updated",
    "registry.partnership.signed",
    "registry.patronage.requested",
    "registry.resource.created",
    "registry.resource.updated",
    "registry.training.attendance_recorded",
    "registry.training.unregistered",
]


@pytest.mark.parametrize("event_type", LINKED)
def test_a_new_template_renders_without_the_events_data(event_type: str) -> None:
    """A payload redacted for a non-staff reader (personal data removed) still renders."""
    rendered = Renderer().render(event_type, event_context(
        {"type": event_type, "subject": "x", "data": {}}, PUBLIC_URL, None))
    assert rendered.subject and event_type not in rendered.subject
    assert "{{" not in rendered.text and "{%" not in rendered.html


def test_a_new_template_says_it_in_polish_with_figures_the_polish_way_and_a_link() -> None:
    rendered = Renderer().render("grants.contract.signed", event_context(
        {"type": "grants.contract.signed", "data": {
            "id": "k1", "amount": "7000.00", "task_start": "2027-03-01",
            "task_end": "2027-10-31", "report_due_on": "2027-11-30",
            "tranches": [{"amount": "5000.00", "due_on": "2027-03-01"},
                         {"amount": "2000.00", "due_on": "2027-07-01"}]}},
        PUBLIC_URL, None))
    assert rendered.subject == "Umowa podpisana: dotacja 7 000,00 zł"  # a subject: plain spaces
    assert "dotacja 7\u00a0000,00\u00a0zł" in rendered.text
    assert "od 1 marca 2027 do 31 października 2027" in rendered.text
    assert "do 30 listopada 2027" in rendered.text
    assert f"{PUBLIC_URL}/moja-organizacja/umowy/k1" in rendered.text
    assert f'href="{PUBLIC_URL}/moja-organizacja/umowy/k1"' in rendered.html


def test_a_time_is_the_citys_local_time() -> None:
    rendered = Renderer().render("registry.booking.cancelled", event_context(
        {"type": "registry.booking.cancelled", "data": {
            "resource_name": "Sala", "title": "Zebranie", "reason": "Przeniesione.",
            "starts_at": "2025-06-14T08:00:00.000Z", "ends_at": "2025-12-14T11:00:00.000Z"}},
        PUBLIC_URL, None))
    assert "(14 czerwca 2025, 10:00 – 14 grudnia 2025, 12:00). Powód: Przeniesione." \
        in rendered.text


@pytest.mark.parametrize("event_type", LINKED)
def test_a_new_template_links_into_the_portal(event_type: str) -> None:
    rendered = Renderer().render(event_type, event_context(
        {"type": event_type, "data": {"id": "r1"}}, PUBLIC_URL, None))
    assert f"{PUBLIC_URL}/" in rendered.text and f'href="{PUBLIC_URL}/' in rendered.html
