"""identity's events: the links of an account go to the person's own address only (an
unconfirmed account has no inbox to read), decisions on a representation to their inbox and
address; the emails are Polish and carry the link, never a password."""

from __future__ import annotations

from test_notifications_training_cancelled import NoDirectory

from notifications.channels import Renderer, event_context
from notifications.domain import Channel, Recipient, plan_deliveries
from notifications.events import event_facts

REGISTERED = {"account_id": "a1", "email": "ewa@example.org", "name": "Ewa <Kowalska>",
              "confirmation_url": "https://w.pl/oauth2/confirm?token=abc",
              "expires_at": "2026-12-09T12:00:00.000Z"}


def test_a_registration_emails_the_person_only():
    planned = plan_deliveries(event_facts("identity.account.registered", "a1", REGISTERED), [],
                              NoDirectory())
    assert planned == [Recipient(Channel.EMAIL, "ewa@example.org", "user:a1")]


def test_a_granted_representation_reaches_the_inbox_and_the_address():
    data = {"id": "r1", "account_id": "a1", "organization_id": "o1", "status": "granted",
            "name": "Ewa", "email": "ewa@example.org", "reason": None,
            "requested_at": "2026-12-07T12:00:00.000Z", "decided_at": None}
    planned = plan_deliveries(event_facts("identity.representation.granted", "r1", data), [],
                              NoDirectory())
    assert planned == [Recipient(Channel.INBOX, "user:a1", "user:a1"),
                       Recipient(Channel.EMAIL, "ewa@example.org", "user:a1")]


def test_the_confirmation_email_is_polish_with_the_link():
    event = {"type": "identity.account.registered", "subject": "a1", "data": REGISTERED,
             "time": "2026-12-07T12:00:00.000Z", "id": "e1"}
    rendered = Renderer().render(event["type"], event_context(event, "https://w.pl", None))
    assert rendered.subject == "Potwierdź adres e-mail"
    assert REGISTERED["confirmation_url"] in rendered.text
    assert "Ewa &lt;Kowalska&gt;" in rendered.html
