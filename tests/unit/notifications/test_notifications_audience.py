"""Who may receive which event (issue 15 item 1, issue 23): the rule reads like this.

Staff (an admin, the liaison officer, a department) may receive every event; a
department's own subscription only what concerns its department. An NGO receives what is
public and what concerns its own organisation; a committee member the competitions they
sit on; a person what names them. Nobody subscribes to what would never come."""

from __future__ import annotations

import pytest

from notifications.audience import (
    DELIVERABLE_TYPES,
    RULES,
    Access,
    Reader,
    access_for,
    check_subscription,
    may_read_type,
    may_receive,
    reader_of,
)
from notifications.domain import (
    NEWSLETTER_EVENT_TYPES,
    Subscription,
    plan_deliveries,
)
from notifications.events import event_facts
from wspolpraca.errors import DomainError

OUR_ORG = "665f1c2a9b1e8a0000000001"
RIVAL_ORG = "665f1c2a9b1e8a0000000002"
COMPETITION = "665f1c2a9b1e8a00000000c1"

OFFICER = Reader(user="officer-1", roles=frozenset({"officer"}))
ADMIN = Reader(user="admin-1", roles=frozenset({"admin"}))
SPORT = Reader(user="sport-1", roles=frozenset({"department"}), department="sport",
               for_department=True)
SPORT_PERSON = Reader(user="sport-2", roles=frozenset({"department"}), department="sport")
NGO = Reader(user="ngo-1", roles=frozenset({"ngo"}), org_id=OUR_ORG)
MEMBER = Reader(user="member-1", roles=frozenset({"committee"}))


class Competitions:
    def __init__(self, departments=None, committees=None):
        self.departments = departments or {}
        self.committees = committees or {}

    def department_of(self, competition_id):
        return self.departments.get(competition_id)

    def committee(self, competition_id):
        return self.committees.get(competition_id, [])


NONE_KNOWN = Competitions()
OUR_COMPETITION = Competitions({COMPETITION: "culture"}, {COMPETITION: ["member-1"]})


def forbidden(reader, *types):
    with pytest.raises(DomainError) as refused:
        check_subscription(reader, list(types))
    return refused.value


# --- at subscription -----------------------------------------------------------------------

def test_staff_may_subscribe_to_every_deliverable_type():
    for reader in (OFFICER, ADMIN, SPORT, SPORT_PERSON):
        check_subscription(reader, list(DELIVERABLE_TYPES))


def test_an_ngo_may_not_subscribe_to_council_members_or_committee_scores():
    error = forbidden(NGO, "consultations.council.member_appointed", "grants.offer.scored",
                      "grants.committee.appointed", "consultations.consultation.opened")
    assert error.status == 403 and error.code == "forbidden_event_types"
    assert error.fields == {"event_types": ["consultations.council.member_appointed",
                                            "grants.offer.scored",
                                            "grants.committee.appointed"]}


def test_an_ngo_may_subscribe_to_what_is_public_and_to_its_own_affairs():
    check_subscription(NGO, ["consultations.consultation.opened", "grants.competition.announced",
                             "grants.offer.submitted", "registry.booking.approved",
                             "grants.task_report.accepted", "registry.inquiry.answered"])


def test_a_person_without_an_organisation_may_not_subscribe_to_organisations_affairs():
    nobody = Reader(user="u", roles=frozenset({"ngo"}))
    assert forbidden(nobody, "grants.offer.submitted").status == 403


def test_a_committee_member_may_subscribe_to_competitions_and_their_own_scores():
    check_subscription(MEMBER, ["grants.offer.submitted", "grants.committee.appointed",
                                "grants.offer.scored", "grants.committee.offers_assigned"])
    assert forbidden(MEMBER, "registry.inquiry.answered").status == 403


def test_a_pattern_is_accepted_when_it_covers_something_the_subscriber_may_read():
    check_subscription(NGO, ["grants.*", "consultations.council.*"])
    assert forbidden(NGO, "registry.training.attendance_recorded").status == 403


def test_a_type_the_catalogue_does_not_have_is_unknown():
    error = forbidden(OFFICER, "registry.booking.approve", "registry.nothing.*")
    assert (error.status, error.code) == (422, "unknown_event_type")
    assert error.fields == {"event_types": ["registry.booking.approve", "registry.nothing.*"]}


def test_the_services_own_delivery_reports_are_undeliverable():
    error = forbidden(OFFICER, "notifications.notification.failed",
                      "notifications.notification.*")
    assert (error.status, error.code) == (422, "undeliverable_event_type")
    assert error.fields["event_types"] == ["notifications.notification.failed",
                                           "notifications.notification.*"]
    check_subscription(OFFICER, ["notifications.*"])  # the reminders


def test_every_type_has_a_rule_and_staff_may_read_every_deliverable_one():
    assert all(may_read_type(OFFICER, t) for t in DELIVERABLE_TYPES)
    assert not any(may_read_type(OFFICER, t) for t in RULES if t not in DELIVERABLE_TYPES)


def test_a_department_token_subscribes_its_department_by_default():
    reader = reader_of("u", ["department"], None, "sport", True)
    assert reader.for_department and reader.department == "sport"
    assert not reader_of("u", ["ngo"], OUR_ORG, None, True).for_department


def test_a_reader_is_stored_and_read_back():
    assert Reader.from_record("user:ngo-1", NGO.to_record()) == NGO


def test_an_older_subscription_without_a_reader_reads_only_public_events():
    legacy = Reader.from_record("user:x", None)
    assert not legacy.staff
    assert may_receive(legacy, "grants.competition.announced", {"id": "c"}, NONE_KNOWN)
    assert may_receive(legacy, "registry.inquiry.answered", {"organization_id": OUR_ORG},
                       NONE_KNOWN) is None
    department = Reader.from_record("dept:sport", None)
    assert department.staff and department.for_department and department.department == "sport"


# --- for one event -------------------------------------------------------------------------

def test_an_ngo_receives_its_own_offers_and_not_its_rivals():
    mine = {"organization_id": OUR_ORG, "competition_id": COMPETITION}
    theirs = {"organization_id": RIVAL_ORG, "competition_id": COMPETITION}
    assert may_receive(NGO, "grants.offer.submitted", mine, NONE_KNOWN) == Access.REDACTED
    assert may_receive(NGO, "grants.offer.submitted", theirs, NONE_KNOWN) is None
    assert may_receive(NGO, "grants.task_report.submitted", theirs, NONE_KNOWN) is None


def test_a_partner_in_a_joint_offer_receives_it_too():
    joint = {"organization_id": RIVAL_ORG, "partners": [OUR_ORG], "competition_id": COMPETITION}
    assert may_receive(NGO, "grants.offer.not_funded", joint, NONE_KNOWN) == Access.REDACTED


def test_an_ngo_receives_public_events_without_personal_data():
    assert may_receive(NGO, "consultations.consultation.opened", {}, NONE_KNOWN) == \
        Access.REDACTED


def test_an_ngo_gets_nothing_of_an_inquiry_that_is_not_its_own():
    resident = {"organization_id": None, "department": "culture"}
    assert may_receive(NGO, "registry.inquiry.answered", resident, NONE_KNOWN) is None


def test_staff_receive_everything_as_it_is():
    for event_type in DELIVERABLE_TYPES:
        assert may_receive(OFFICER, event_type, {}, NONE_KNOWN) == Access.FULL
        assert may_receive(SPORT_PERSON, event_type, {}, NONE_KNOWN) == Access.FULL


def test_a_committee_member_receives_the_offers_of_their_competition_only():
    offer = {"organization_id": RIVAL_ORG, "competition_id": COMPETITION}
    other = {"organization_id": RIVAL_ORG, "competition_id": "665f1c2a9b1e8a00000000c2"}
    assert may_receive(MEMBER, "grants.offer.submitted", offer, OUR_COMPETITION)
    assert may_receive(MEMBER, "grants.offer.submitted", other, OUR_COMPETITION) is None
    # and not when the committee no longer counts them (excluded, or left)
    assert may_receive(MEMBER, "grants.offer.submitted", offer, NONE_KNOWN) is None


def test_a_committee_member_receives_their_own_scores_not_the_others():
    assert may_receive(MEMBER, "grants.offer.scored", {"member": "member-1"}, NONE_KNOWN)
    assert may_receive(MEMBER, "grants.offer.scored", {"member": "member-2"},
                       OUR_COMPETITION) is None


def test_a_person_receives_their_own_training_registration():
    data = {"registration": {"person": "ngo-9", "organization_id": None}}
    me = Reader(user="ngo-9", roles=frozenset({"ngo"}))
    assert may_receive(me, "registry.training.registered", data, NONE_KNOWN)
    assert may_receive(NGO, "registry.training.registered", data, NONE_KNOWN) is None


def test_a_departments_subscription_gets_only_its_departments_inquiries_and_bookings():
    culture = {"department": "culture", "organization_id": OUR_ORG}
    sport = {"department": "sport", "organization_id": OUR_ORG}
    for event_type in ("registry.inquiry.routed", "registry.booking.requested",
                       "registry.resource.created"):
        assert may_receive(SPORT, event_type, culture, NONE_KNOWN) is None
        assert may_receive(SPORT, event_type, sport, NONE_KNOWN) == Access.FULL
    # the person of the department, subscribed for themselves, sees every department's
    assert may_receive(SPORT_PERSON, "registry.inquiry.routed", culture, NONE_KNOWN)


def test_a_departments_subscription_gets_the_competitions_it_runs():
    offer = {"organization_id": OUR_ORG, "competition_id": COMPETITION}
    assert may_receive(SPORT, "grants.offer.submitted", offer, OUR_COMPETITION) is None
    runs_it = Competitions({COMPETITION: "sport"})
    assert may_receive(SPORT, "grants.offer.submitted", offer, runs_it) == Access.FULL
    assert may_receive(SPORT, "grants.competition.announced",
                       {"id": COMPETITION, "department": "sport"}, NONE_KNOWN)
    assert may_receive(SPORT, "grants.competition.announced",
                       {"id": COMPETITION, "department": "culture"}, NONE_KNOWN) is None


def test_a_competition_that_names_no_department_is_every_departments():
    """The liaison office's own competitions (and those not known here yet)."""
    assert may_receive(SPORT, "grants.competition.announced",
                       {"id": COMPETITION, "department": None}, NONE_KNOWN) == Access.FULL
    # every competition now names who runs it: the office's own say so (issue 23)
    assert may_receive(SPORT, "grants.competition.announced",
                       {"id": COMPETITION, "department": "liaison_office"},
                       NONE_KNOWN) == Access.FULL
    offer = {"organization_id": OUR_ORG, "competition_id": COMPETITION}
    assert may_receive(SPORT, "grants.offer.submitted", offer, NONE_KNOWN) == Access.FULL


def test_a_departments_subscription_gets_city_wide_events():
    assert may_receive(SPORT, "consultations.consultation.opened", {}, NONE_KNOWN)
    assert may_receive(SPORT, "registry.organization.verified", {"id": OUR_ORG}, NONE_KNOWN)


def test_planning_skips_a_subscription_whose_subscriber_may_not_receive_the_event():
    data = {"id": "q1", "organization_id": RIVAL_ORG, "department": "culture",
            "area": "culture"}
    facts = event_facts("registry.inquiry.routed", "q1", data)
    theirs = Subscription("s1", "webhook", "https://ngo.example.pl/hook",
                          ("registry.inquiry.*",), "user:ngo-1", reader=NGO.to_record())
    office = Subscription("s2", "webhook", "https://office.example.pl/hook",
                          ("registry.inquiry.*",), "user:officer-1",
                          reader=OFFICER.to_record())

    class NoDirectory:
        def department(self, code):
            return None

    planned = plan_deliveries(facts, [theirs, office], NoDirectory(),
                              access=access_for(facts.type, data, NONE_KNOWN))
    assert [(r.subscription_id, r.redacted) for r in planned if r.subscription_id] == [
        ("s2", False)]
    mine = {**data, "organization_id": OUR_ORG}
    planned = plan_deliveries(event_facts(facts.type, "q1", mine), [theirs], NoDirectory(),
                              access=access_for(facts.type, mine, NONE_KNOWN))
    assert [(r.subscription_id, r.redacted) for r in planned if r.subscription_id] == [
        ("s1", True)]


def test_the_newsletter_carries_only_public_types():
    """The newsletter's topics are a choice among the types the audience rules make public
    (one definition of "public": audience.RULES)."""
    assert all(RULES[t].public for t in NEWSLETTER_EVENT_TYPES)
