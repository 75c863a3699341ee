"""One definition of "the year" per figure (issue #21): the programme year for
competitions, small grants and what follows from them (offers, awards, contracts, task
reports, settlements), whenever it happened; the calendar year for what happens on a date
(registrations and verifications, consultations, comments, inquiries, council opinions, rooms
and equipment lent, patronages, trainings, partnerships, volunteering). Events straddling New
Year."""

from __future__ import annotations

from decimal import Decimal

from cooperation_events import booking, partnership, patronage, training, volunteering
from reporting_factory import (
    awarded,
    comment,
    competition,
    consultation,
    contract,
    event,
    inquiry,
    offer,
    oid,
    organization,
    small_grant,
    task_report,
)

from reporting import projections, stats


def new_year_story() -> list:
    return [
        # a task of 2027: announced, filed, awarded and contracted in 2026, reported and
        # settled in 2028
        competition("announced", "comp-27", "2026-11-20T10:00:00Z", year=2027,
                    published_at="2026-11-20T10:00:00.000Z"),
        offer("submitted", "off-27", "comp-27", "org-1", "2026-12-10T10:00:00Z"),
        awarded("off-27", "comp-27", "org-1", "2026-12-28T10:00:00Z", "12000.00",
                year=2027),
        competition("resolved", "comp-27", "2026-12-28T10:00:01Z", year=2027),
        contract("signed", "k-27", "off-27", "org-1", "2026-12-30T10:00:00Z",
                 amount="12000.00", competition_id=oid("comp-27"), task_start="2027-01-02"),
        task_report("k-27", "org-1", "2028-01-20T10:00:00Z"),
        contract("settled", "k-27", "off-27", "org-1", "2028-02-01T10:00:00Z",
                 amount="12000.00", competition_id=oid("comp-27"), returned_amount="100.00"),
        # a task of 2026 whose contract was signed late, in January 2027
        competition("announced", "comp-26", "2026-01-15T10:00:00Z", year=2026),
        offer("submitted", "off-26", "comp-26", "org-2", "2026-02-01T10:00:00Z"),
        awarded("off-26", "comp-26", "org-2", "2026-03-20T10:00:00Z", "5000.00"),
        contract("signed", "k-26", "off-26", "org-2", "2027-01-10T10:00:00Z",
                 amount="5000.00", competition_id=oid("comp-26")),
        # a small grant for 2027 filed and awarded in December 2026
        small_grant("submitted", "sg-27", "org-2", "2026-12-15T10:00:00Z", year=2027),
        small_grant("awarded", "sg-27", "org-2", "2026-12-30T10:00:00Z", year=2027,
                    awarded_amount="3000.00"),
        # calendar-year figures on both sides of midnight
        organization("registered", "org-1", "2026-12-31T23:30:00Z", "pending"),
        organization("registered", "org-2", "2027-01-01T00:30:00Z", "pending"),
        consultation("opened", "con-27", "2026-12-20T08:00:00Z",
                     opens_at="2026-12-20T08:00:00Z", closes_at="2027-01-10T16:00:00Z"),
        comment("com-1", "con-27", "2026-12-28T08:00:00Z"),
        comment("com-2", "con-27", "2027-01-02T08:00:00Z"),
        inquiry("received", "inq-1", "2026-12-30T10:00:00Z",
                received_at="2026-12-30T10:00:00Z"),
        inquiry("answered", "inq-1", "2027-01-04T10:00:00Z", received_at="2026-12-30T10:00:00Z",
                answered_at="2027-01-04T10:00:00Z", on_time=True),
    ]


def figures(year: int) -> dict:
    store = projections.MemoryStore()
    for e in new_year_story():
        projections.apply(e, store)
    return stats.summary(store, year)


def test_competitions_offers_and_small_grants_belong_to_their_programme_year():
    s27, s26 = figures(2027), figures(2026)
    assert s27["competitions"] == {"announced": 1, "resolved": 1, "cancelled": 0}
    assert s27["offers"]["submitted"] == 1 and s27["offers"]["funded"] == 1
    assert s27["money"]["awarded"] == "12000.00"
    assert s27["small_grants"]["awarded"] == 1 and s27["small_grants"]["amount"] == "3000.00"
    assert s26["competitions"]["announced"] == 1 and s26["money"]["awarded"] == "5000.00"
    assert s26["small_grants"]["submitted"] == 0


def test_contracts_reports_and_settlements_follow_their_task_not_the_date_signed():
    c27, c26 = figures(2027)["contracts"], figures(2026)["contracts"]
    assert c27 == {"signed": 1, "amount": "12000.00", "terminated": 0, "settled": 1,
                   "returned": "100.00", "reports_submitted": 1, "reports_accepted": 0,
                   "reports_overdue": 0}
    assert c26["signed"] == 1 and c26["amount"] == "5000.00"  # signed in 2027, task of 2026
    assert figures(2028)["contracts"]["signed"] == 0  # reported and settled then: still 2027


def test_registrations_consultations_comments_and_inquiries_follow_the_calendar():
    s26, s27 = figures(2026), figures(2027)
    assert s26["organizations"]["registered"] == 1 and s27["organizations"]["registered"] == 1
    assert s26["consultations"]["held"] == 1 and s27["consultations"]["held"] == 0
    assert s26["consultations"]["comments"] == 1 and s27["consultations"]["comments"] == 1
    assert (s26["inquiries"]["received"], s26["inquiries"]["answered"]) == (1, 0)
    assert (s27["inquiries"]["received"], s27["inquiries"]["answered"]) == (0, 1)


def test_the_months_and_the_rows_outside_the_year_add_up_to_the_totals():
    for year in (2026, 2027):
        s = figures(year)
        rows = [*s["months"], *s["outside_year"].values()]
        assert sum(r["offers_submitted"] for r in rows) == s["offers"]["submitted"]
        assert sum(r["offers_funded"] for r in rows) == s["offers"]["funded"]
        assert sum(r["contracts_signed"] for r in rows) == s["contracts"]["signed"]
        assert sum(Decimal(r["awarded"]) for r in rows) == Decimal(s["money"]["awarded"])
        assert sum(Decimal(r["small_grants_amount"]) for r in rows) == \
            Decimal(s["small_grants"]["amount"])
        assert sum(r["organizations_registered"] for r in s["months"]) == \
            s["organizations"]["registered"]
        assert sum(r["comments"] for r in s["months"]) == s["consultations"]["comments"]
    before = figures(2027)["outside_year"]["before"]
    assert before["offers_submitted"] == 1 and before["awarded"] == "12000.00"
    assert before["contracts_signed"] == 1 and before["small_grants_amount"] == "3000.00"
    assert figures(2026)["outside_year"]["after"]["contracts_signed"] == 1
    assert figures(2027)["months"][0]["organizations_registered"] == 1


def test_every_section_of_the_summary_says_how_it_is_counted():
    s = figures(2027)
    assert {k for k in s if k not in ("year", "months", "outside_year")} <= \
        set(stats.COUNTED_BY)


def calendar_story() -> list:
    """The calendar year's other figures on both sides of midnight: each counts in the year
    of its own date (a booking and a patronage by their start, a partnership by its start, a
    volunteering need when posted, a council opinion when requested, a verification when
    made)."""
    late = booking("approved", "b-nye", "org-1", "2026-12-20T10:00:00Z", hours=6.0)
    late.data.update(starts_at="2026-12-31T20:00:00Z", ends_at="2027-01-01T02:00:00Z")
    early = training("registered", "r-1", "org-1", "2026-12-15T10:00:00Z", 1)
    early.data.update(starts_at="2027-01-01T09:00:00Z", ends_at="2027-01-01T12:00:00Z")
    granted = patronage("granted", "p-1", "org-2", "2026-12-10T10:00:00Z")
    granted.data.update(starts_at="2027-01-06T10:00:00Z", ends_at="2027-01-06T18:00:00Z")
    signed = partnership("2027-01-03T10:00:00Z")
    signed.data.update(starts_on="2026-12-31")
    requested = {"id": oid("op-1"), "council_id": oid("council-1"), "subject": "Program",
                 "consultation_id": None, "requested_at": "2026-12-30T10:00:00Z",
                 "deadline": "2027-01-13T23:59:59Z"}
    return [
        organization("registered", "org-9", "2026-12-31T22:00:00Z", "pending"),
        organization("verified", "org-9", "2027-01-02T10:00:00Z", "verified"),
        late, early, granted, signed, volunteering("2027-01-01T00:10:00Z"),
        event("consultations", "council.opinion_requested", requested,
              time="2026-12-30T10:00:00Z"),
        event("consultations", "council.opinion_issued",
              {**requested, "issued_at": "2027-01-05T10:00:00Z"}, time="2027-01-05T10:00:00Z"),
    ]


def test_the_cooperation_councils_and_verifications_follow_the_calendar():
    store = projections.MemoryStore()
    for e in calendar_story():
        projections.apply(e, store)
    s26, s27 = stats.summary(store, 2026), stats.summary(store, 2027)
    assert (s26["organizations"]["registered"], s26["organizations"]["verified"]) == (1, 0)
    assert (s27["organizations"]["registered"], s27["organizations"]["verified"]) == (0, 1)
    # the booking starting on New Year's Eve is 2026's, all its hours with it
    assert (s26["cooperation"]["rooms_lent"], s26["cooperation"]["room_hours"]) == (1, 6.0)
    assert s27["cooperation"]["rooms_lent"] == 0
    assert s26["organizations"]["cooperating"] == 1 and s27["organizations"]["cooperating"] == 0
    assert (s26["cooperation"]["trainings_held"], s27["cooperation"]["trainings_held"]) == (0, 1)
    assert s27["cooperation"]["participants_registered"] == 1
    assert (s26["cooperation"]["patronages_granted"],
            s27["cooperation"]["patronages_granted"]) == (0, 1)
    assert (s26["cooperation"]["partnerships"], s27["cooperation"]["partnerships"]) == (1, 0)
    assert (s26["cooperation"]["volunteering_posted"],
            s27["cooperation"]["volunteering_posted"]) == (0, 1)
    # requested in December, issued in January: the request's year, with its outcome
    assert s26["councils"]["opinions_requested"] == 1 and s26["councils"]["opinions_issued"] == 1
    assert s27["councils"]["opinions_requested"] == 0
