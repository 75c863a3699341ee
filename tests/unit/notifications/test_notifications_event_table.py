"""The event table (notifications.events.EVENTS) and the catalogue agree: every event type
of infra/asyncapi/asyncapi.yaml has its entry, and every entry is a type of the catalogue
(or one of this service's own reminders); its handlers, rules and templates follow it."""

from __future__ import annotations

import pytest

from notifications import audience, domain
from notifications.channels import TEMPLATES
from notifications.events import EVENTS, consumed
from notifications.personal_data import CATALOGUE, load_catalogue
from notifications.service import NotificationsService

OWN = {domain.REPORT_DUE_REMINDER, domain.TRAINING_REMINDER}
# templates of no event type: the layout, the fallback, digests, the newsletter confirmation
NOT_OF_A_TYPE = {"base.j2", "default.j2", "digest.j2", f"{domain.CONFIRMATION_REQUESTED}.j2"}


@pytest.fixture(scope="module")
def catalogue_types() -> set[str]:
    spec = load_catalogue(CATALOGUE)
    return {m.get("name", k) for k, m in spec["components"]["messages"].items()}


def test_every_catalogue_type_has_an_entry(catalogue_types):
    assert sorted(catalogue_types - set(EVENTS)) == []


def test_every_entry_is_a_catalogue_type_or_a_reminder(catalogue_types):
    assert sorted(set(EVENTS) - catalogue_types - OWN) == []
    assert OWN <= set(EVENTS)


def test_entries_are_keyed_by_their_type():
    assert all(spec.type == key for key, spec in EVENTS.items())


def test_who_receives_an_entry_is_said_by_the_audience_rules_and_the_defaults():
    assert set(audience.RULES) == set(EVENTS)
    assert set(domain.DEFAULT_RULES) <= set(EVENTS)
    assert all(EVENTS[t].receivers is audience.RULES[t] for t in EVENTS)


def handlers() -> dict[str, tuple[str, str]]:
    found = {}
    for name in dir(NotificationsService):
        for entrypoint in getattr(getattr(NotificationsService, name), "nameko_entrypoints",
                                  ()):
            if hasattr(entrypoint, "source_service"):
                found[name] = (entrypoint.source_service, entrypoint.event_type)
    return found


def test_each_consumed_type_has_its_own_handler_and_nothing_else_is_consumed():
    assert handlers() == {spec.handler: (spec.source, spec.routing_key)
                          for spec in consumed()}


def test_what_the_service_says_of_itself_and_its_reminders_are_not_consumed():
    not_consumed = {t for t, spec in EVENTS.items() if not spec.consumed}
    assert not_consumed == OWN | {"notifications.notification.sent",
                                  "notifications.notification.failed",
                                  "identity.account.confirmed"}
    # an account's deletion is consumed for its effect only: the person's subscriptions stop
    assert EVENTS["identity.account.deleted"].consumed
    assert not EVENTS["identity.account.deleted"].delivered


def test_every_email_template_is_of_an_entry_and_every_entry_has_one():
    files = {path.name for path in TEMPLATES.glob("*.j2")} - NOT_OF_A_TYPE
    named = {spec.template for spec in EVENTS.values()}
    assert files == named - {"default.j2"}
    assert all((TEMPLATES / name).is_file() for name in named)


def test_a_calendar_entry_is_keyed_by_what_it_is_about():
    entry = EVENTS["registry.training.published"].calendar("t1", {
        "title": "Szkolenie", "starts_at": "2027-03-01T09:00:00.000Z"})
    assert entry is not None and entry["_id"] == "training-t1"
    assert EVENTS["registry.booking.refused"].calendar is None
