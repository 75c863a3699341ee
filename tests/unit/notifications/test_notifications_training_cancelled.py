"""A cancelled training: everyone who held a seat or a place on the waiting list hears by
their inbox and their own address, in Polish, once each."""

from __future__ import annotations

from notifications.channels import Renderer, event_context
from notifications.domain import Channel, Recipient, plan_deliveries
from notifications.events import event_facts

CANCELLED = "registry.training.cancelled"
DATA = {"id": "t1", "title": "Księgowość <w NGO>", "kind": "training", "topic": "accounting",
        "place": "Sala 3, ul. Długa 1", "starts_at": "2027-05-10T08:00:00.000Z",
        "ends_at": "2027-05-10T11:00:00.000Z", "seats": 1, "seats_taken": 1, "waiting": 1,
        "status": "cancelled", "reason": "Choroba <prowadzącej>", "version": 5,
        "registrations": [
            {"id": "r1", "person": "u-ola", "email": "ola@example.pl",
             "organization_id": None, "status": "registered", "promoted": False},
            {"id": "r2", "person": "u-ewa", "email": "ewa@example.pl",
             "organization_id": None, "status": "waitlisted", "promoted": False}]}


class NoDirectory:
    def organization(self, organization_id):
        return None

    def department(self, code):
        return None

    def organizations_in_areas(self, areas):
        return []

    def council_members(self, council_id):
        return []


def test_seats_and_the_waiting_list_hear_by_inbox_and_email():
    planned = plan_deliveries(event_facts(CANCELLED, "t1", DATA), [], NoDirectory())
    assert planned == [
        Recipient(Channel.INBOX, "user:u-ola", "user:u-ola"),
        Recipient(Channel.EMAIL, "ola@example.pl", "user:u-ola"),
        Recipient(Channel.INBOX, "user:u-ewa", "user:u-ewa"),
        Recipient(Channel.EMAIL, "ewa@example.pl", "user:u-ewa"),
    ]


def test_a_cancellation_nobody_registered_for_tells_nobody():
    data = {k: v for k, v in DATA.items() if k != "registrations"}
    assert plan_deliveries(event_facts(CANCELLED, "t1", data), [], NoDirectory()) == []


def test_the_message_says_why_in_polish_escaped_in_html():
    rendered = Renderer().render(CANCELLED, event_context(
        {"id": "e1", "type": CANCELLED, "subject": "t1", "data": DATA}, "https://w.pl", None))
    assert rendered.subject == "Odwołane: Księgowość <w NGO>"
    assert "odwołaliśmy „Księgowość <w NGO>”" in rendered.text
    assert "Powód: Choroba <prowadzącej>" in rendered.text
    assert "Choroba &lt;prowadzącej&gt;" in rendered.html and "<prowadzącej>" not in rendered.html
