"""The search read model answers what the database query answers (a property test).

Random organisations are written to SecantusDB; the in-memory index (`registry.search_index`)
is loaded from it, part of it built by loading and the rest by applying changes as events
would. For random searches (name fragments folded or not, areas, statuses, districts, small
pages) every page, walked to the end by its cursors, is byte for byte the response the database
path gives: `organization_query` + `list_page`, dumped with the public schema.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry import domain
from registry.repository import COLLECTIONS, ORGANIZATIONS, list_page, organization_query
from registry.schemas import PublicOrganizationSchema
from registry.search_index import OrganizationIndex, load, page_body, refresh
from wspolpraca.http import _default as json_default
from wspolpraca.mongo import ensure_schema

pytestmark = pytest.mark.integration

WORDS = ("Stowarzyszenie", "Fundacja", "Klub", "Sportowy", "Przyjaciół", "Łąk", "Żoliborza",
         "Miłośników", "Kultury", "Fundusz", "Kłodzko", "Stow", "Zdrowia", "nr", "12", "123")
QUERIES = ("stow", "Stow", "fund", "fundacja", "klub sport", "klub spo", "łąk", "lak",
           "zoliborz", "ŻOLIBORZA", "milos", "kultury", "kl", "k", "12", "nr 12", "zdrowia kl",
           "przyjaciol laki", "a", "-", "s")
AREAS = ("culture", "sport", "health", "ecology")
STATUSES = ("pending", "verified", "suspended", "archived")
DISTRICTS = (None, "Żoliborz", "Praga-Północ", "Mokotów")
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SCHEMA = PublicOrganizationSchema()

organization = st.fixed_dictionaries({
    "_id": st.binary(min_size=12, max_size=12).map(bytes.hex),
    "name": st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
    "areas": st.lists(st.sampled_from(AREAS), max_size=2, unique=True),
    "status": st.sampled_from(STATUSES),
    "district": st.sampled_from(DISTRICTS),
})
search = st.fixed_dictionaries({
    "q": st.one_of(st.none(), st.sampled_from(QUERIES)),
    "area": st.one_of(st.none(), st.sampled_from(AREAS)),
    "status": st.one_of(st.none(), st.sampled_from(STATUSES)),
    "district": st.one_of(st.none(), st.sampled_from(("żoliborz", "Praga-Północ", "wola"))),
    "limit": st.integers(1, 4),
})


def stored(fields: dict, version: int = 1) -> dict:
    name_key = domain.search_key(fields["name"])
    return {
        **fields, "legal_form": "association", "nip": fields["_id"][:10], "krs": None,
        "email": "biuro@ngo.example.pl", "website": None, "address": None,
        "representatives": [{"name": "Anna Nowak", "function": "prezes"}], "phone": "22 1",
        "public_benefit_status": None, "status_reason": None,
        "verified_at": NOW if fields["status"] == "verified" else None,
        "created_at": NOW, "updated_at": NOW, "version": version,
        "name_key": name_key, "name_prefixes": domain.word_prefixes(name_key),
        "district_key": domain.search_key(fields["district"]) if fields["district"] else None,
    }


def database_pages(db, query: dict) -> list[bytes]:
    """Every page the database path answers, as the endpoint writes it."""
    found = organization_query(query["q"], query["area"], query["status"], query["district"])
    pages, cursor = [], None
    while True:
        page = list_page(db, ORGANIZATIONS, found, query["limit"], cursor)
        pages.append(json.dumps({"items": [SCHEMA.dump(d) for d in page.items],
                                 "next_cursor": page.next_cursor},
                                ensure_ascii=False, default=json_default).encode())
        cursor = page.next_cursor
        if cursor is None:
            return pages


def index_pages(index: OrganizationIndex, query: dict) -> list[bytes]:
    """Every page the index answers; `index.page` (the kept pages) gives the same bytes."""
    pages, cursor = [], None
    while True:
        args = (query["q"], query["area"], query["status"], query["district"], query["limit"])
        items, cursor_next = index.search(*args, cursor)
        pages.append(page_body(items, cursor_next))
        assert index.page(*args, cursor) == pages[-1]
        assert index.page(*args, cursor) == pages[-1]  # now from the kept pages
        cursor = cursor_next
        if cursor is None:
            return pages


@pytest.fixture(scope="module")
def database(mongo_client):
    db = mongo_client[f"registry_search_{uuid.uuid4().hex[:8]}"]
    ensure_schema(db, COLLECTIONS)
    yield db
    mongo_client.drop_database(db.name)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(organization, max_size=25, unique_by=lambda o: o["_id"]),
       later=st.lists(organization, max_size=10, unique_by=lambda o: o["_id"]),
       removed=st.integers(0, 3),
       searches=st.lists(search, min_size=1, max_size=6))
def test_the_index_answers_every_page_as_the_database_does(database, first, later, removed,
                                                           searches):
    collection = database[ORGANIZATIONS]
    collection.delete_many({})
    if first:
        collection.insert_many([stored(o) for o in first])
    index = load(database)
    for query in searches:  # pages kept before the changes must not outlive them
        index_pages(index, query)
    # later changes arrive as events: new organisations, changed ones (same id), removed ones
    changed = [stored({**o, "_id": first[n]["_id"]} if n < len(first) and n % 2 else o, 2)
               for n, o in enumerate(later)]
    for doc in changed:
        collection.replace_one({"_id": doc["_id"]}, doc, upsert=True)
    gone = [o["_id"] for o in first[:removed]]
    collection.delete_many({"_id": {"$in": gone}})
    refresh(index, database, [d["_id"] for d in changed] + gone)
    for query in searches:
        assert index_pages(index, query) == database_pages(database, query), query


def test_a_bad_cursor_is_refused_as_the_database_path_refuses_it():
    from wspolpraca.errors import DomainError

    with pytest.raises(DomainError) as refused:
        OrganizationIndex().search(None, None, None, None, 10, "nie-kursor")
    assert refused.value.code == "invalid_cursor"


def test_a_search_on_the_process_that_just_wrote_finds_the_change(start_service, token):
    """A commit marks its organisations to be read back (by the follower, or by the next search
    on this process, whichever comes first): a search right after the write finds it."""
    from registry_helpers import ORGANIZATIONS_PATH, register

    from registry.search_index import OrganizationSearch
    from registry.service import RegistryService
    from wspolpraca.testing.waiting import wait_until

    registry = start_service(RegistryService)
    search = next(d for d in registry.container.dependencies
                  if isinstance(d, OrganizationSearch))
    wait_until(lambda: search.index is not None, what="the search index loaded")
    officer = token("officer")
    for n in range(3):
        made = register(registry, token("ngo"), name=f"Fundacja Natychmiastowa nr {n}")
        found = registry.get(ORGANIZATIONS_PATH, officer,
                             params={"q": f"natychmiastowa nr {n}"})
        assert found.status_code == 200, found.text
        assert [item["id"] for item in found.json()["items"]] == [made["id"]]
        renamed = registry.patch(f"{ORGANIZATIONS_PATH}/{made['id']}", officer,
                                 json={"name": f"Fundacja Przemianowana nr {n}"})
        assert renamed.status_code == 200, renamed.text
        assert registry.get(ORGANIZATIONS_PATH, officer, params={
            "q": f"natychmiastowa nr {n}"}).json()["items"] == []
