"""The year's sums kept as the events arrive (`reporting.figures`) equal the figures computed
from the read models, on varied data, whatever the order and the number of deliveries; and a
rebuild from the log (a replay into memory) keeps the very same sums."""

from __future__ import annotations

import random

import pytest
from reporting_factory import comment, inquiry, oid, organization, year_story

from reporting import figures, projections, report, stats
from reporting.projections import MemoryStore

YEARS = (2025, 2026, 2027)
DEPARTMENTS = ("culture_dept", "sport.dept", "social$dept", None)  # dots and dollars too
DISTRICTS = ("mokotow", "wola", "praga.pd", None)


def _time(rng: random.Random, year: int) -> str:
    return (f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}."
            f"{rng.randint(0, 999):03d}Z")


def varied_events(seed: int) -> list:
    """Organisations registered, verified, suspended; inquiries received and answered, on
    time or not, in one year or across two; comments; in several years."""
    rng = random.Random(seed)
    events = list(year_story())
    for n in range(rng.randint(20, 60)):
        org, year = f"org-{seed}-{n}", rng.choice(YEARS)
        district = rng.choice(DISTRICTS)
        events.append(organization("registered", org, _time(rng, year), "pending",
                                   district=district))
        if rng.random() < 0.6:
            events.append(organization("verified", org, _time(rng, rng.choice(YEARS)),
                                       "verified", district=district))
        if rng.random() < 0.2:
            events.append(organization("suspended", org, _time(rng, 2027), "suspended",
                                       district=district, version=3))
    for n in range(rng.randint(20, 60)):
        iid, year = f"inq-{seed}-{n}", rng.choice(YEARS)
        received = _time(rng, year)
        department = rng.choice(DEPARTMENTS)
        events.append(inquiry("received", iid, received, received_at=received))
        if rng.random() < 0.7:
            answered = _time(rng, rng.choice((year, min(year + 1, 2027))))
            events.append(inquiry("answered", iid, answered, received_at=received,
                                  department=department, answered_at=answered,
                                  on_time=rng.random() < 0.5))
    for n in range(rng.randint(20, 60)):
        events.append(comment(f"com-{seed}-{n}", f"con-{n % 3}", _time(rng, rng.choice(YEARS))))
    return events


def project(events) -> MemoryStore:
    store = MemoryStore()
    for e in events:
        projections.apply(e, store)
    return store


def kept(store: MemoryStore) -> dict:
    """The sums documents without the empty ones (a shard whose sums went back to zero)."""
    return {d["_id"]: d["values"] for d in store.find(figures.FIGURES) if d["values"]}


@pytest.mark.parametrize("seed", range(8))
def test_kept_sums_equal_the_figures_computed_from_the_read_models(seed):
    store = project(varied_events(seed))
    for year in YEARS:
        from_sums = stats.summary(store, year)
        assert from_sums == stats.summary(store, year, kept_sums=False)
    assert kept(store)  # something was kept


@pytest.mark.parametrize("seed", range(4))
def test_any_order_and_redeliveries_keep_the_same_sums(seed):
    events = varied_events(seed)
    in_order = project(events)
    rng = random.Random(seed)
    shuffled = events + rng.sample(events, len(events) // 3)  # some delivered twice
    rng.shuffle(shuffled)
    again = project(shuffled)
    assert kept(again) == kept(in_order)
    for year in YEARS:
        assert stats.summary(again, year) == stats.summary(in_order, year, kept_sums=False)


def test_the_annual_report_from_kept_sums_equals_the_one_from_the_read_models():
    store = project(varied_events(99))
    built = report.build(store, 2026)
    from_projections = stats.summary(store, 2026, kept_sums=False)
    assert built["summary"] == from_projections
    data = stats.Data(store)
    assert data.organizations  # loaded: the names come from the organisations themselves
    assert built["grants"]["organizations"]  # the year story's grants, with their names
    assert built["grants"] == stats.grants(store, 2026, data=data)


def test_a_renamed_organisation_is_listed_by_its_new_name_whatever_the_order():
    registered = organization("registered", "renamed", "2026-01-02T10:00:00.000Z", "pending")
    renamed = organization("updated", "renamed", "2026-02-02T10:00:00.000Z", "pending",
                           name="Stowarzyszenie Nowe", version=2)
    for events in ([registered, renamed], [renamed, registered, renamed]):
        store = project(events)
        assert figures.names(store, [oid("renamed")]) == {oid("renamed"): "Stowarzyszenie Nowe"}


def test_a_document_that_changes_moves_its_sums():
    store = MemoryStore()
    projections.apply(inquiry("received", "moved", "2026-03-01T10:00:00.000Z",
                              received_at="2026-03-01T10:00:00.000Z"), store)
    projections.apply(inquiry("answered", "moved", "2027-01-02T10:00:00.000Z",
                              received_at="2026-03-01T10:00:00.000Z", department="a.b",
                              answered_at="2027-01-02T10:00:00.000Z", on_time=False), store)
    doc = store.get(projections.INQUIRIES, oid("moved"))
    assert [2027, figures.department("a.b", "answered"), 1] in doc["_figures"]
    s2026, s2027 = figures.sums(store, 2026), figures.sums(store, 2027)
    # received in 2026 without a department; the answer named one, so the received row moved
    assert s2026[figures.RECEIVED] == 1 and s2026[figures.department("a.b", "received")] == 1
    assert s2026[figures.department("", "received")] == 0
    assert s2027[figures.ANSWERED] == 1 and s2027[figures.RESPONSES] == 1
    assert s2027[figures.RESPONSE_MS] == 307 * 86_400_000


def test_the_sums_added_up_again_from_the_documents_equal_the_kept_ones():
    store = project(varied_events(5))
    counted = [(d["_id"], d.get("_figures")) for name in sorted(figures.COUNTED)
               for d in store.find(name)]
    assert {k: d["values"] for k, d in figures.totals(counted).items() if d["values"]} \
        == kept(store)
    names = {d["_id"]: d for d in store.find(figures.NAMES)}
    assert figures.name_documents(store.find(projections.ORGANIZATIONS)) == names
