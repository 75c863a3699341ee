"""The projections are idempotent and order-tolerant merges: any order, any number of
deliveries, the same figures."""

from __future__ import annotations

import random

import pytest
from reporting_factory import awarded, offer, oid, organization, small_grant, year_story

from reporting import projections, stats
from reporting.projections import MemoryStore, PoisonEvent


def project(events) -> MemoryStore:
    store = MemoryStore()
    for e in events:
        projections.apply(e, store)
    return store


def figures(events, year: int = 2026) -> dict:
    return stats.summary(project(events), year)


def test_the_year_story_gives_the_expected_figures():
    s = figures(year_story())
    assert s["organizations"] == {"registered": 2, "verified": 1, "total_verified": 1,
                                  "cooperating": 2}
    assert s["competitions"] == {"announced": 1, "resolved": 1, "cancelled": 0}
    assert s["offers"]["submitted"] == 3
    assert s["offers"]["funded"] == 1
    assert s["offers"]["not_funded"] == 1
    assert s["offers"]["withdrawn"] == 1
    assert s["money"]["requested"] == "50000.00"  # the withdrawn offer is not counted
    assert s["money"]["awarded"] == "15000.50"
    assert s["money"]["by_mode"] == {"supporting": "15000.50", "entrusting": "0.00"}
    assert s["small_grants"] == {"submitted": 2, "awarded": 1, "amount": "7999.99",
                                 "share_of_grant_funds_pct": "34.78"}
    assert s["consultations"] == {"held": 1, "comments": 2, "reports_published": 0}
    assert s["contracts"]["signed"] == 1 and s["contracts"]["amount"] == "15000.50"
    assert s["contracts"]["reports_submitted"] == 1
    assert s["inquiries"] == {"received": 1, "answered": 1, "answered_on_time": 1,
                              "mean_response_days": 3.0}
    culture = next(r for r in s["by_area"] if r["area"] == "culture")
    assert culture["awarded"] == "15000.50" and culture["offers_funded"] == 1
    march = s["months"][2]
    assert march["awarded"] == "15000.50" and march["offers_funded"] == 1
    assert s["by_district"] == [{"district": "mokotow", "organizations_registered": 1},
                                {"district": "wola", "organizations_registered": 1}]


@pytest.mark.parametrize("seed", range(5))
def test_any_order_gives_the_same_figures(seed):
    events = year_story()
    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    assert figures(shuffled) == figures(events)


def test_a_duplicate_changes_nothing():
    events = year_story()
    assert figures(events + events[::-1]) == figures(events)


def test_a_grant_awarded_before_the_offer_was_submitted_keeps_the_award():
    late = [awarded("off-9", "comp-9", "org-9", "2026-03-01T00:00:00Z", "100.00"),
            offer("submitted", "off-9", "comp-9", "org-9", "2026-02-01T00:00:00Z")]
    store = project(late)
    doc = store.get("offers", oid("off-9"))
    assert doc["status"] == "funded"
    assert doc["awarded_amount"] == "100.00"
    assert doc["title"] == "Zadanie off-9"
    assert doc["submitted_at"] == "2026-02-01T00:00:00.000Z"


def test_a_verification_before_the_registration_is_not_overwritten():
    store = project([
        organization("verified", "o", "2026-01-02T00:00:00Z", "verified",
                     changed_at="2026-01-02T00:00:00Z"),
        organization("registered", "o", "2026-01-01T00:00:00Z", "pending"),
    ])
    doc = store.get("organizations", oid("o"))
    assert doc["status"] == "verified"
    assert doc["registered_at"] == "2026-01-01T00:00:00.000Z"


def test_a_terminal_state_outranks_a_later_clock():
    store = project([
        small_grant("awarded", "g", "o", "2026-04-01T00:00:00Z", awarded_amount="10.00"),
        small_grant("published", "g", "o", "2026-04-02T00:00:00Z"),  # skewed clock
    ])
    assert store.get("small_grants", oid("g"))["status"] == "awarded"


def test_a_year_without_data_gives_zeros():
    s = figures(year_story(), 2019)
    assert s["offers"] == {"submitted": 0, "funded": 0, "not_funded": 0, "withdrawn": 0,
                           "rejected_formally": 0, "under_evaluation": 0}
    assert s["money"]["awarded"] == "0.00"
    assert s["small_grants"]["share_of_grant_funds_pct"] == "0.00"
    assert s["inquiries"]["mean_response_days"] is None
    assert s["by_area"] == []


def test_an_amount_that_is_no_amount_is_poison():
    with pytest.raises(PoisonEvent):
        projections.apply(awarded("x", "c", "o", "2026-01-01T00:00:00Z", "12,5"),
                          MemoryStore())


def test_amounts_are_summed_exactly_never_as_floats():
    events = [awarded(f"o{i}", "c", "org", "2026-05-01T00:00:00Z", "0.10")
              for i in range(30)]
    events.append(offer("submitted", "o0", "c", "org", "2026-04-01T00:00:00Z",
                        requested="0.10"))
    from reporting_factory import competition
    events.append(competition("announced", "c", "2026-01-01T00:00:00Z"))
    assert figures(events)["money"]["awarded"] == "3.00"


def test_an_unknown_event_type_is_only_logged():
    from reporting_factory import event
    assert projections.apply(event("grants", "committee.appointed",
                                   {"competition_id": "c", "members": []},
                                   time="2026-01-01T00:00:00Z"), MemoryStore()) is False


def test_grants_per_organisation_and_area():
    result = stats.grants(project(year_story()), 2026)
    assert result["total"] == "23000.49"
    assert [o["organization_id"] for o in result["organizations"]] == [oid("org-1"), oid("org-2")]
    assert result["organizations"][0]["items"][0]["kind"] == "competition"
    assert {a["area"]: a["amount"] for a in result["areas"]} == {
        "culture": "15000.50", "sport": "7999.99"}
    only = stats.grants(project(year_story()), 2026, organization_id=oid("org-2"))
    assert only["total"] == "7999.99"


def test_the_rebuild_progress_bar_counts_to_the_total():
    import io

    from reporting.rebuild import Progress

    out = io.StringIO()
    bar = Progress(4, out, width=10)
    bar.advance(2)
    bar.advance(2)
    bar.finish()
    assert out.getvalue().endswith("[##########] 100%  4/4 events\n")
    assert "[#####.....]  50%  2/4 events" in out.getvalue()


def test_an_organisation_keeps_its_highest_version_whatever_the_clocks_say():
    store = project([
        organization("suspended", "v", "2026-01-01T00:00:00Z", "suspended", version=3,
                     reason="Brak sprawozdań"),
        organization("verified", "v", "2026-01-05T00:00:00Z", "verified", version=2),
    ])
    assert store.get("organizations", oid("v"))["status"] == "suspended"
