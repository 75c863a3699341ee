"""What leaves to anyone who is not staff has no personal data (issue 15 item 1): the
paths the catalogue marks `x-personal-data` are removed, and the event says which."""

from __future__ import annotations

from notifications.personal_data import personal_fields, redacted


def event(event_type, data):
    return {"specversion": "1.0", "id": "e1", "type": event_type, "subject": "s1",
            "data": data}


def test_a_council_members_address_and_name_do_not_leave():
    sent = redacted(event("consultations.council.member_appointed", {
        "council_id": "c1", "council_name": "Rada", "members": 9,
        "member": {"id": "m1", "name": "Jan Kowalski", "email": "jan@example.pl",
                   "user_id": "u1", "side": "ngo", "organization_id": "o1"}}))
    assert sent["data"]["member"] == {"id": "m1", "side": "ngo", "organization_id": "o1"}
    assert sent["data"]["council_name"] == "Rada" and sent["data"]["members"] == 9
    assert sent["redacted"] == "member.email,member.name,member.user_id"


def test_every_registrant_of_a_cancelled_training_loses_their_address():
    sent = redacted(event("registry.training.cancelled", {"title": "RODO", "registrations": [
        {"id": "r1", "person": "u1", "email": "a@example.pl", "organization_id": None},
        {"id": "r2", "person": "u2", "email": None, "organization_id": "o2"}]}))
    assert sent["data"]["registrations"] == [{"id": "r1", "organization_id": None},
                                             {"id": "r2", "organization_id": "o2"}]


def test_who_scored_an_offer_does_not_leave():
    sent = redacted(event("grants.offer.scored", {"offer_id": "o", "member": "u7",
                                                  "total": 40}))
    assert "member" not in sent["data"] and sent["data"]["total"] == 40


def test_an_inquirys_contact_address_does_not_leave():
    sent = redacted(event("registry.inquiry.answered", {"id": "q", "answer": "Tak.",
                                                        "contact_email": "r@example.pl"}))
    assert "contact_email" not in sent["data"] and sent["data"]["answer"] == "Tak."


def test_an_event_without_personal_data_is_sent_as_it_is_and_the_original_is_kept():
    original = event("grants.competition.announced", {"id": "c", "title": "Sport"})
    assert redacted(original) == original and "redacted" not in redacted(original)
    data = {"member": {"email": "x@example.pl"}}
    kept = event("grants.committee.offers_assigned", data)
    redacted(kept)
    assert kept["data"] == {"member": {"email": "x@example.pl"}}


def test_a_missing_or_null_field_is_left_alone():
    assert redacted(event("registry.inquiry.answered", {"id": "q"}))["data"] == {"id": "q"}
    assert redacted(event("registry.training.cancelled", {"registrations": None}))[
        "data"] == {"registrations": None}


def test_the_reminders_raised_here_declare_their_personal_data_too():
    assert personal_fields()["notifications.reminder.training"] == (
        "registration.email", "registration.person")


def test_an_email_of_a_redacted_event_reads_well_without_the_names():
    from notifications.channels import Renderer, event_context

    appointed = redacted(event("consultations.council.member_appointed", {
        "council_id": "c1", "council_name": "Rada Pożytku", "members": 9, "ngo_members": 5,
        "member": {"id": "m1", "name": "Jan Kowalski", "email": "jan@example.pl",
                   "user_id": "u1", "side": "ngo", "organization_id": "o1"}}))
    assigned = redacted(event("registry.inquiry.assigned", {
        "id": "q", "subject": "Sala", "assignee": "Anna Nowak"}))
    committee = redacted(event("grants.committee.appointed", {
        "competition_id": "c", "members": [{"user_id": "u", "name": "Ewa Lis",
                                            "kind": "ngo", "excluded": False}]}))
    texts = [Renderer().render(e["type"], event_context(e, "https://w.pl", None)).text
             for e in (appointed, assigned, committee)]
    assert "Nowa osoba (z ramienia organizacji pozarządowych) zostaje członkiem" in texts[0]
    assert "„Sala” przydzielono do rozpatrzenia." in texts[1]
    assert "- członek komisji (przedstawiciel organizacji)" in texts[2]
    assert not any(name in " ".join(texts) for name in ("Kowalski", "Nowak", "Ewa Lis"))
