"""The catalogue and notifications agree (issue 15 item 1, issue 23):

- every event type of the catalogue is either consumed by notifications and deliverable
  (by webhook and email, to whom audience.RULES allows), or refused at subscription;
- the personal data the catalogue marks (`x-personal-data`) is what the service removes,
  and the personal data the security review found is marked."""

from __future__ import annotations

import json

import pytest

from notifications import audience
from notifications.events import EVENTS
from notifications.personal_data import (
    CATALOGUE,
    FILE,
    catalogue_personal_fields,
    load_catalogue,
)
from notifications.service import NotificationsService


@pytest.fixture(scope="module")
def spec():
    return load_catalogue(CATALOGUE)


@pytest.fixture(scope="module")
def catalogue_types(spec):
    return {m.get("name", k) for k, m in spec["components"]["messages"].items()}


def consumed_types() -> set[str]:
    found = set()
    for name in dir(NotificationsService):
        for entrypoint in getattr(getattr(NotificationsService, name), "nameko_entrypoints",
                                  ()):
            if hasattr(entrypoint, "source_service"):
                found.add(f"{entrypoint.source_service}.{entrypoint.event_type}")
    return found


def test_every_catalogue_type_is_consumed_and_deliverable_or_refused(catalogue_types):
    deliverable = {t for t in catalogue_types if audience.RULES[t].deliverable}
    refused = catalogue_types - deliverable
    assert deliverable <= consumed_types()
    # what is consumed but refused to subscribers is told to its one addressee by default,
    # or consumed for its effect only (an account's deletion stops its subscriptions)
    assert all(audience.told_by_default(t) or not EVENTS[t].delivered
               for t in consumed_types() - deliverable)
    # refused: what notifications says of itself (it would loop), and an account's events
    # (one-time links for the account's owner alone)
    assert refused == {"notifications.notification.sent", "notifications.notification.failed",
                       *(t for t in catalogue_types if t.startswith("identity.account."))}


def test_every_catalogue_type_has_a_rule_and_every_rule_a_type(catalogue_types):
    own = {audience.REPORT_DUE_REMINDER, audience.TRAINING_REMINDER}
    assert set(audience.RULES) == catalogue_types | own


def test_the_booking_request_is_consumed():
    assert "registry.booking.requested" in consumed_types()


def test_the_shipped_list_of_personal_fields_is_the_catalogues(spec):
    marked = {t: p for t, p in catalogue_personal_fields(spec).items() if p}
    assert json.loads(FILE.read_text(encoding="utf-8")) == marked, (
        "run .venv/bin/python -m notifications.personal_data")


# what the security review (issue 15) found leaving, and where
MUST_BE_MARKED = {
    "consultations.council.created": {"members[].email", "members[].name"},
    "consultations.council.member_appointed": {"member.email", "member.name"},
    "consultations.council.member_left": {"member.email", "member.name"},
    "registry.training.registered": {"registration.email", "registration.person"},
    "registry.training.unregistered": {"registration.email", "registration.person"},
    "registry.training.cancelled": {"registrations[].email", "registrations[].person"},
    "grants.offer.scored": {"member"},
    "grants.committee.appointed": {"members[].name", "members[].user_id"},
    "grants.committee.offers_assigned": {"member.email", "member.name", "member.user_id"},
    "registry.inquiry.answered": {"contact_email"},
    "registry.inquiry.assigned": {"assignee"},
    "registry.department.created": {"contact_person"},
}


@pytest.mark.parametrize("event_type", sorted(MUST_BE_MARKED))
def test_the_personal_data_the_review_found_is_declared(spec, event_type):
    assert MUST_BE_MARKED[event_type] <= set(catalogue_personal_fields(spec)[event_type])


def test_other_organisations_task_reports_are_not_public():
    for verb in ("submitted", "accepted", "overdue"):
        rule = audience.RULES[f"grants.task_report.{verb}"]
        assert not rule.public and rule.organizations({"organization_id": "o"}) == {"o"}


def test_every_email_property_of_the_catalogue_is_personal_or_an_organisations(spec):
    """A new `email` in an event is personal data until someone decides otherwise."""
    fields = catalogue_personal_fields(spec)
    from notifications.personal_data import _data_schemas, _resolve

    def emails(node, prefix, found, depth=0):
        node = _resolve(spec, node)
        if not isinstance(node, dict) or depth > 12:
            return
        for key in ("allOf", "oneOf", "anyOf"):
            for part in node.get(key) or ():
                emails(part, prefix, found, depth + 1)
        if "items" in node:
            emails(node["items"], f"{prefix}[]", found, depth + 1)
        for name, schema in (node.get("properties") or {}).items():
            path = f"{prefix}.{name}" if prefix else name
            if "email" in name:
                found.add(path)
            emails(schema, path, found, depth + 1)

    for name, message in spec["components"]["messages"].items():
        schemas: list = []
        _data_schemas(spec, message["payload"], schemas)
        found: set[str] = set()
        for schema in schemas:
            emails(schema, "", found)
        assert found <= set(fields[message.get("name", name)]), name


def test_the_table_of_docs_notifications_is_current():
    from notifications.personal_data import personal_fields

    docs = CATALOGUE.parents[2] / "docs" / "notifications.md"
    assert audience.markdown_table(personal_fields()) in docs.read_text(encoding="utf-8"), (
        "run: cd services/notifications && python -m notifications.audience")


# --- issue 23: which channels carry each type, and to whom (notifications.carriers) --------

def test_every_channel_of_the_catalogue_says_which_channels_carry_it_and_to_whom(spec):
    described = {name: channel.get("description", "")
                 for name, channel in spec["channels"].items()}
    for name, text in described.items():
        assert "**Department queues:**" in text and "**By subscription" in text, name
    requested = " ".join(described["registry.booking.requested"].split())
    assert "`dept.<code>.bookings`" in requested and "`dept.sport.bookings`" in requested
    assert "a department's own subscription (`for_department`, the default for a " \
           "department's token) its own department's only" in requested
    announced = " ".join(described["grants.competition.announced"].split())
    assert "its own department's and those the liaison office runs itself" in announced
    appointed = " ".join(described["consultations.council.member_appointed"].split())
    assert "none of the standard queues" in appointed
    assert "not staff:** `member.email`, `member.name`, `member.user_id`" in appointed
    assert "422 `undeliverable_event_type`" in described["notifications.notification.failed"]


def test_the_catalogue_and_the_departments_guide_say_it_as_generated():
    from notifications import carriers
    from notifications.personal_data import personal_fields

    catalogue = CATALOGUE.read_text(encoding="utf-8")
    assert carriers.with_descriptions(catalogue, personal_fields()) == catalogue, (
        "run: cd services/notifications && python -m notifications.carriers")
    guide = carriers.DEPARTMENTS_GUIDE.read_text(encoding="utf-8")
    table = carriers.departments_table(carriers.catalogue_types(catalogue))
    assert carriers.with_table(guide, table) == guide, (
        "run: cd services/notifications && python -m notifications.carriers")
    assert "| `registry.booking.requested` | `bookings` | its own department's only | yes |" \
        in table
    assert "| `identity.account.invited` | – | refused (422 `undeliverable_event_type`) |" \
        in table


@pytest.mark.parametrize("pattern, key, matches", [
    ("booking.*", "booking.requested", True), ("booking.*", "inquiry.routed", False),
    ("booking.*", "booking.requested.v2", False), ("#", "booking.requested", True),
    ("booking.#", "booking", True), ("*.requested", "patronage.requested", True)])
def test_topic_patterns_match_as_rabbitmq_does(pattern, key, matches):
    from notifications.carriers import topic_matches

    assert topic_matches(pattern, key) is matches
