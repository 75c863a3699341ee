"""The search index answers a page as bytes joined from each organisation's JSON rendered once
(`registry.search_index`); they must be what the API's normal path writes for the same page:
`HttpApi.response_from_result` of a `Page`, each item dumped with the response schema."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry import domain
from registry.schemas import PublicOrganizationSchema
from registry.search_index import OrganizationIndex, page_body
from wspolpraca.http import HttpApi
from wspolpraca.pagination import Page, encode_cursor

NOW = datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=UTC)


def organization(number: int, name: str, **extra) -> dict:
    key = domain.search_key(name)
    return {
        "_id": f"{number:024x}", "name": name, "legal_form": "foundation",
        "nip": f"{number:010d}", "regon": None, "krs": "0000123456", "areas": ["culture", "sport"],
        "email": f"biuro{number}@ngo.example.pl", "phone": "22 123 45 67",
        "website": "https://ngo.example.pl", "district": "Żoliborz",
        "address": {"street": "ul. Łąkowa 1", "postal_code": "01-234", "city": "Warszawa"},
        "representatives": [{"name": "Anna Nowak", "function": "prezes"}],
        "public_benefit_status": {"since": "2020-01-01"}, "status": "verified",
        "status_reason": "sprawdzono", "verified_at": NOW, "created_at": NOW, "updated_at": NOW,
        "version": 3, "name_key": key, "name_prefixes": domain.word_prefixes(key),
        "district_key": domain.search_key("Żoliborz"), **extra,
    }


DOCS = [organization(1, "Fundacja „Łąka” \\ \"cudzysłów\" nr 1"),
        organization(2, "Stowarzyszenie Przyjaciół Żoliborza"),
        organization(3, "Fundacja Zdrowia 🌿", website=None, address=None, krs=None),
        organization(4, "Fundacja Kultury", public_benefit_status=None)]


def normal_path(docs: list[dict], next_cursor: str | None) -> bytes:
    endpoint = HttpApi("GET", "/api/v1/organizations", response=PublicOrganizationSchema)
    endpoint._response = PublicOrganizationSchema()  # what setup() builds
    return endpoint.response_from_result(Page(docs, next_cursor)).get_data()


@pytest.mark.parametrize("limit", [1, 2, 4, 10])
def test_the_joined_page_is_the_normal_serialisation_byte_for_byte(limit):
    index = OrganizationIndex.build(DOCS)
    fund = [d for d in DOCS if "fundacja" in d["name_key"]]
    cursor = None
    walked: list[dict] = []
    while True:
        body = index.page("fund", None, "verified", None, limit, cursor)
        items, cursor_next = index.search("fund", None, "verified", None, limit, cursor)
        page = fund[len(walked):len(walked) + limit]
        walked += page
        assert cursor_next == (encode_cursor(page[-1]["_id"]) if len(walked) < len(fund)
                               else None)
        assert body == page_body(items, cursor_next) == normal_path(page, cursor_next)
        cursor = cursor_next
        if cursor is None:
            break
    assert walked == fund


def test_an_empty_page_is_the_normal_serialisation():
    index = OrganizationIndex.build(DOCS)
    assert index.page("nic takiego", None, None, None, 20, None) == normal_path([], None)


def test_a_kept_page_is_dropped_when_the_index_changes():
    index = OrganizationIndex.build(DOCS)
    before = index.page("fund", None, None, None, 20, None)
    index.put({**organization(5, "Fundacja Nowa"), "version": 1})
    after = index.page("fund", None, None, None, 20, None)
    assert after != before
    assert after == normal_path([DOCS[0], DOCS[2], DOCS[3], organization(5, "Fundacja Nowa",
                                                                         version=1)], None)
    index.remove(DOCS[0]["_id"])
    assert index.page("fund", None, None, None, 20, None) == normal_path(
        [DOCS[2], DOCS[3], organization(5, "Fundacja Nowa", version=1)], None)


def test_a_one_word_query_without_the_pattern_finds_what_the_pattern_finds():
    """An organisation whose stored prefixes are not its name's (older data) is still checked
    against the pattern, as the database query checks it."""
    odd = {**organization(6, "Klub Sportowy"), "name_prefixes": ["fund", "k"]}
    index = OrganizationIndex.build([*DOCS, odd])
    found = [item for item in index.search("fund", None, None, None, 20, None)[0]]
    assert found == [index.entries[d["_id"]].body for d in (DOCS[0], DOCS[2], DOCS[3])]
