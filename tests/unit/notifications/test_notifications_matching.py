"""Who hears about an event: subscriptions by type, area and district, and the defaults."""

from __future__ import annotations

import pytest

from notifications.domain import (
    ANNOUNCEMENTS_OPEN_UNTIL,
    Channel,
    Recipient,
    Subscription,
    default_recipients,
    delivery_id,
    late_announcement_recipients,
    plan_deliveries,
    subscription_matches,
    type_selected,
    validate_event_types,
)
from notifications.events import event_facts
from wspolpraca.errors import DomainError


class FakeDirectory:
    def __init__(self, organizations=(), departments=()):
        self.organizations = {o["_id"]: o for o in organizations}
        self.departments = {d["_id"]: d for d in departments}

    def organization(self, organization_id):
        return self.organizations.get(organization_id)

    def department(self, code):
        return self.departments.get(code)

    def organizations_in_areas(self, areas):
        return [o for o in self.organizations.values() if set(o.get("areas", [])) & set(areas)]


def subscription(**overrides) -> Subscription:
    values = dict(id="s1", channel="webhook", target="https://dept.example.pl/hook",
                  event_types=("registry.inquiry.routed",), owner="dept:culture")
    values.update(overrides)
    return Subscription(**values)


def routed(area="culture", department="culture", **data):
    return event_facts("registry.inquiry.routed", "q1",
                       {"id": "q1", "area": area, "department": department, **data})


def test_a_subscription_hears_the_event_types_it_chose():
    assert subscription_matches(subscription(), routed())
    assert not subscription_matches(subscription(event_types=("registry.inquiry.answered",)),
                                    routed())


def test_a_service_or_aggregate_wildcard_selects_every_type_under_it():
    assert type_selected(["registry.*"], "registry.inquiry.routed")
    assert type_selected(["registry.inquiry.*"], "registry.inquiry.routed")
    assert not type_selected(["registry.organization.*"], "registry.inquiry.routed")
    assert not type_selected(["grants.*"], "registry.inquiry.routed")


def test_an_area_filter_passes_only_events_in_one_of_its_areas():
    sub = subscription(areas=("culture", "sport"))
    assert subscription_matches(sub, routed(area="sport"))
    assert not subscription_matches(sub, routed(area="ecology"))


def test_an_organisations_areas_count_for_the_area_filter():
    facts = event_facts("registry.organization.verified", "o1",
                        {"id": "o1", "areas": ["ecology", "education"]})
    sub = subscription(event_types=("registry.organization.verified",), areas=("education",))
    assert subscription_matches(sub, facts)


def test_a_district_filter_ignores_case_and_polish_letters():
    sub = subscription(district="Śródmieście")
    assert subscription_matches(sub, routed(district="srodmiescie"))
    assert not subscription_matches(sub, routed(district="Mokotów"))
    assert not subscription_matches(sub, routed())


def test_a_suspended_or_cancelled_subscription_hears_nothing():
    assert not subscription_matches(subscription(status="suspended"), routed())
    assert not subscription_matches(subscription(status="cancelled"), routed())


def test_event_types_must_name_a_service_an_aggregate_and_a_verb():
    assert validate_event_types(["registry.inquiry.answered", "grants.*",
                                 "registry.inquiry.answered"]) == [
        "registry.inquiry.answered", "grants.*"]
    for bad in (["inquiry.answered"], ["nobody.inquiry.answered"], ["registry.$x.y"], []):
        with pytest.raises(DomainError):
            validate_event_types(bad)


def test_a_routing_key_is_refused_naming_it_and_the_full_type_to_use():
    with pytest.raises(DomainError) as refused:
        validate_event_types(["registry.booking.requested", "booking.approved", "x"])
    assert refused.value.code == "unknown_event_type"
    assert refused.value.fields == {"event_types": ["booking.approved", "x"]}
    assert "'registry.booking.approved'" in refused.value.message


def test_an_ngo_hears_the_answer_to_its_inquiry_by_email_and_in_its_inbox():
    facts = event_facts("registry.inquiry.answered", "q1",
                        {"id": "q1", "organization_id": "o1", "contact_email": "jan@chor.pl",
                         "area": "culture", "department": "culture"})
    found = default_recipients(facts, FakeDirectory())
    assert Recipient(Channel.INBOX, "org:o1", "org:o1") in found
    assert Recipient(Channel.EMAIL, "jan@chor.pl", "org:o1") in found


def test_a_person_without_an_organisation_hears_the_answer_by_email_only():
    facts = event_facts("registry.inquiry.answered", "q1",
                        {"id": "q1", "organization_id": None, "contact_email": "ala@x.pl"})
    assert default_recipients(facts, FakeDirectory()) == [
        Recipient(Channel.EMAIL, "ala@x.pl", "email:ala@x.pl")]


def test_a_department_hears_about_inquiries_routed_to_it():
    directory = FakeDirectory(departments=[{"_id": "culture", "email": "kultura@um.pl"}])
    found = default_recipients(routed(), directory)
    assert found == [Recipient(Channel.INBOX, "dept:culture", "dept:culture"),
                     Recipient(Channel.EMAIL, "kultura@um.pl", "dept:culture")]


def test_an_organisation_hears_about_its_own_verification():
    facts = event_facts("registry.organization.verified", "o1",
                        {"id": "o1", "email": "biuro@laki.pl", "areas": ["ecology"]})
    assert default_recipients(facts, FakeDirectory()) == [
        Recipient(Channel.INBOX, "org:o1", "org:o1"),
        Recipient(Channel.EMAIL, "biuro@laki.pl", "org:o1")]


def test_ngos_of_the_area_hear_about_a_new_competition_but_not_unverified_ones():
    directory = FakeDirectory(organizations=[
        {"_id": "o1", "email": "a@x.pl", "areas": ["culture"], "status": "verified"},
        {"_id": "o2", "email": "b@x.pl", "areas": ["sport"], "status": "verified"},
        {"_id": "o3", "email": "c@x.pl", "areas": ["culture"], "status": "pending"},
    ])
    facts = event_facts("grants.competition.announced", "c1", {"area": "culture"})
    found = default_recipients(facts, directory)
    assert {r.target for r in found} == {"org:o1", "a@x.pl"}


def test_an_event_without_a_default_rule_has_no_default_recipients():
    facts = event_facts("registry.department.created", "culture", {"code": "culture"})
    assert default_recipients(facts, FakeDirectory()) == []


def test_a_subscription_to_the_same_address_replaces_the_default_email():
    directory = FakeDirectory(departments=[{"_id": "culture", "email": "kultura@um.pl"}])
    sub = subscription(channel="email", target="kultura@um.pl")
    planned = plan_deliveries(routed(), [sub], directory)
    emails = [r for r in planned if r.channel == Channel.EMAIL]
    assert emails == [Recipient(Channel.EMAIL, "kultura@um.pl", "dept:culture", "s1")]


def test_a_default_email_opted_out_for_that_event_type_is_not_planned():
    directory = FakeDirectory(departments=[{"_id": "culture", "email": "kultura@um.pl"}])
    planned = plan_deliveries(
        routed(), [], directory,
        opted_out=lambda email, t: (email, t) == ("kultura@um.pl", "registry.inquiry.routed"))
    assert [r.channel for r in planned] == [Channel.INBOX]


def test_an_inbox_subscription_delivers_to_its_owners_inbox():
    sub = subscription(channel="inbox", target=None, owner="user:u1")
    planned = plan_deliveries(routed(department=None), [sub], FakeDirectory())
    assert planned == [Recipient(Channel.INBOX, "user:u1", "user:u1", "s1")]


def test_each_event_and_recipient_has_one_stable_delivery_key():
    recipient = Recipient(Channel.WEBHOOK, "https://x", "dept:a", "s1")
    assert delivery_id("e1", recipient.key) == delivery_id("e1", recipient.key)
    assert delivery_id("e1", recipient.key) != delivery_id("e2", recipient.key)
    other = Recipient(Channel.EMAIL, "a@x.pl", "org:o1")
    assert delivery_id("e1", recipient.key) != delivery_id("e1", other.key)


def test_a_consultation_for_every_organisation_reaches_all_verified_ones():
    directory = FakeDirectory(organizations=[
        {"_id": "o1", "email": "a@x.pl", "areas": ["culture"], "status": "verified"},
        {"_id": "o2", "email": "b@x.pl", "areas": ["sport"], "status": "verified"},
        {"_id": "o3", "email": "c@x.pl", "areas": ["sport"], "status": "suspended"},
    ])
    directory.organizations_in_areas = lambda areas: (
        list(directory.organizations.values()) if areas is None
        else FakeDirectory.organizations_in_areas(directory, areas))
    everyone = event_facts("consultations.consultation.opened", "k1",
                           {"addressees": {"scope": "all", "areas": []}})
    assert {r.target for r in default_recipients(everyone, directory)
            if r.channel == Channel.EMAIL} == {"a@x.pl", "b@x.pl"}
    some = event_facts("consultations.consultation.opened", "k1",
                       {"addressees": {"scope": "areas", "areas": ["sport"]}})
    assert {r.target for r in default_recipients(some, directory)
            if r.channel == Channel.EMAIL} == {"b@x.pl"}


def test_an_organisation_hears_its_own_offers_results_at_its_known_address():
    directory = FakeDirectory(organizations=[{"_id": "o1", "email": "a@x.pl"}])
    for event_type in ("grants.grant.awarded", "grants.offer.not_funded",
                       "grants.offer.rejected_formally", "grants.small_grant.awarded",
                       "grants.small_grant.refused"):
        facts = event_facts(event_type, "f1", {"organization_id": "o1"})
        assert default_recipients(facts, directory) == [
            Recipient(Channel.INBOX, "org:o1", "org:o1"),
            Recipient(Channel.EMAIL, "a@x.pl", "org:o1")]


# --- an organisation verified after an announcement ------------------------------------------

ANNOUNCEMENT = event_facts("grants.competition.announced", "c1",
                           {"id": "c1", "area": "culture", "title": "Kultura"})


def test_an_organisation_verified_late_is_told_of_an_open_competition_of_its_area():
    directory = FakeDirectory(organizations=[
        {"_id": "o1", "areas": ["culture"], "status": "verified", "email": "o1@ngo.pl"},
        {"_id": "o2", "areas": ["culture"], "status": "verified", "email": "o2@ngo.pl"}])
    assert late_announcement_recipients("o1", ANNOUNCEMENT, [], directory) == [
        Recipient(Channel.INBOX, "org:o1", "org:o1"),
        Recipient(Channel.EMAIL, "o1@ngo.pl", "org:o1")]


def test_only_the_organisation_of_its_area_and_only_if_it_did_not_opt_out():
    directory = FakeDirectory(organizations=[
        {"_id": "o1", "areas": ["sport"], "status": "verified", "email": "o1@ngo.pl"},
        {"_id": "o2", "areas": ["culture"], "status": "verified", "email": "o2@ngo.pl"}])
    assert late_announcement_recipients("o1", ANNOUNCEMENT, [], directory) == []
    assert late_announcement_recipients(
        "o2", ANNOUNCEMENT, [], directory, opted_out=lambda email, event_type: True) == [
        Recipient(Channel.INBOX, "org:o2", "org:o2")]


def test_what_a_subscription_already_delivered_is_not_told_again_by_default():
    directory = FakeDirectory(organizations=[
        {"_id": "o1", "areas": ["culture"], "status": "verified", "email": "o1@ngo.pl"}])
    mine = subscription(owner="org:o1", channel=Channel.EMAIL, target="o1@ngo.pl",
                        event_types=["grants.competition.announced"])
    assert late_announcement_recipients("o1", ANNOUNCEMENT, [mine], directory) == [
        Recipient(Channel.INBOX, "org:o1", "org:o1")]


def test_the_announcements_told_late_are_the_open_competitions_and_consultations():
    assert ANNOUNCEMENTS_OPEN_UNTIL == {
        "grants.competition.announced": "submission_deadline",
        "consultations.consultation.opened": "closes_at"}


def test_ngos_of_the_area_hear_that_a_competition_was_cancelled():
    directory = FakeDirectory(organizations=[
        {"_id": "o1", "email": "a@x.pl", "areas": ["culture"], "status": "verified"},
        {"_id": "o2", "email": "b@x.pl", "areas": ["sport"], "status": "verified"}])
    facts = event_facts("grants.competition.cancelled", "c1",
                        {"id": "c1", "area": "culture", "title": "Koncerty",
                         "reason": "Brak środków w budżecie."})
    assert default_recipients(facts, directory) == [
        Recipient(Channel.INBOX, "org:o1", "org:o1"), Recipient(Channel.EMAIL, "a@x.pl", "org:o1")]


def test_an_organisation_hears_that_its_contract_was_terminated():
    directory = FakeDirectory(organizations=[{"_id": "o1", "email": "a@x.pl"}])
    facts = event_facts("grants.contract.terminated", "k1",
                        {"id": "k1", "organization_id": "o1", "competition_id": "c1",
                         "reason": "Zadanie nie jest realizowane."})
    assert default_recipients(facts, directory) == [
        Recipient(Channel.INBOX, "org:o1", "org:o1"), Recipient(Channel.EMAIL, "a@x.pl", "org:o1")]
