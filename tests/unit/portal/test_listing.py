"""The workspaces' long lists (portal/listing.py): a page at a time with the API's cursor, the
way back in the URL, the filters the API supports, all as plain links."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from jinja2 import Environment, FileSystemLoader

from portal import listing as listing_module
from portal.listing import PER_PAGE, Filter, listing_of, load

STATES = {"": "Wszystkie", "pending": "Czeka", "verified": "Zweryfikowana"}
FILTERS = (Filter("stan", "status", "Stan", STATES, default="pending"),
           Filter("q", "q", "Nazwa zawiera"))


def query(link: str | None) -> dict[str, str]:
    assert link is not None
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query, keep_blank_values=True).items()}


def walk(pages: list[list[str]]) -> Any:
    """An API with these pages: cursor "c1" gives the second, "c2" the third..."""
    calls: list[dict[str, Any]] = []

    def fetch(params: dict[str, Any]) -> dict[str, Any]:
        calls.append(params)
        at = int(params.get("cursor", "c0")[1:])
        more = at + 1 < len(pages)
        return {"items": [{"id": i} for i in pages[at]],
                "next_cursor": f"c{at + 1}" if more else None}
    return fetch, calls


def test_the_first_page_asks_for_a_page_with_the_default_filter_and_links_forward():
    fetch, calls = walk([["a"], ["b"], ["c"]])
    page = load(listing_of({}, "/urzad/organizacje", filters=FILTERS), fetch)
    assert calls == [{"limit": PER_PAGE, "status": "pending"}]
    assert [i["id"] for i in page.items or []] == ["a"]
    assert page.number == 1 and page.previous_link is None and page.first_link is None
    assert query(page.next_link) == {"stan": "pending", "strona": "c1"}


def test_forward_and_back_again_through_three_pages():
    fetch, _ = walk([["a"], ["b"], ["c"]])
    first = load(listing_of({}, "/x", filters=FILTERS), fetch)
    second = load(listing_of(query(first.next_link), "/x", filters=FILTERS), fetch)
    assert [i["id"] for i in second.items or []] == ["b"] and second.number == 2
    assert query(second.previous_link) == {"stan": "pending"}
    third = load(listing_of(query(second.next_link), "/x", filters=FILTERS), fetch)
    assert [i["id"] for i in third.items or []] == ["c"] and third.number == 3
    assert third.next_link is None
    back = query(third.previous_link)
    assert back == {"stan": "pending", "strona": "c1"}
    again = load(listing_of(back, "/x", filters=FILTERS), fetch)
    assert [i["id"] for i in again.items or []] == ["b"]
    assert query(third.first_link) == {"stan": "pending"}


def test_the_filters_go_to_the_api_under_its_names_and_stay_in_the_links():
    fetch, calls = walk([["a"], ["b"]])
    page = load(listing_of({"stan": "verified", "q": " Fundacja "}, "/x", filters=FILTERS),
                fetch)
    assert calls[0] == {"limit": PER_PAGE, "status": "verified", "q": "Fundacja"}
    assert query(page.next_link) == {"stan": "verified", "q": "Fundacja", "strona": "c1"}
    assert page.filtered


def test_all_states_chosen_on_purpose_stays_chosen_on_the_next_page():
    fetch, calls = walk([["a"], ["b"]])
    page = load(listing_of({"stan": ""}, "/x", filters=FILTERS), fetch)
    assert "status" not in calls[0]
    assert query(page.next_link) == {"stan": "", "strona": "c1"}


def test_an_unknown_choice_and_a_malformed_cursor_are_ignored():
    page = listing_of({"stan": "evil", "strona": "<script>", "wstecz": "a.b"}, "/x",
                      filters=FILTERS)
    assert page.chosen["stan"] == "pending" and page.cursor == "" and page.trail == []
    assert page.api_params() == {"limit": PER_PAGE, "status": "pending"}


def test_two_lists_on_one_page_keep_their_own_places():
    args = {"wnioski": "c3", "wnioski_wstecz": "c1.c2", "strona": "c9"}
    page = listing_of(args, "/urzad", key="wnioski", keep=("strona",))
    assert page.cursor == "c3" and page.trail == ["c1", "c2"] and page.number == 4
    assert query(page.previous_link) == {"strona": "c9", "wnioski": "c2",
                                         "wnioski_wstecz": "c1"}


def test_the_count_when_the_api_gives_one():
    page = load(listing_of({}, "/x"), lambda params: {"items": [], "total": 42})
    assert page.total == 42
    assert load(listing_of({}, "/x"), lambda params: {"items": []}).total is None


def test_the_pager_and_the_filters_render_as_plain_links_and_a_get_form():
    env = Environment(loader=FileSystemLoader(
        str(listing_module.__file__).rsplit("/", 1)[0] + "/templates"), autoescape=True)
    macros = env.get_template("workspace/list_macros.html").module
    fetch, _ = walk([["a"], ["b"], ["c"]])
    second = load(listing_of({"strona": "c1"}, "/x", filters=FILTERS), fetch)
    pager = str(macros.list_pager(second, "Strony"))  # type: ignore[attr-defined]
    assert "Strona 2." in pager and 'rel="next"' in pager and 'rel="prev"' in pager
    assert "Poprzednia strona" in pager and "Następna strona" in pager
    form = str(macros.list_filters(second, "Filtry"))  # type: ignore[attr-defined]
    assert 'method="get"' in form and '<option value="pending" selected>' in form
    assert 'name="q"' in form and "Pokaż" in form
    single = load(listing_of({}, "/x"), lambda params: {"items": [{"id": "a"}]})
    assert "pagination" not in str(macros.list_pager(single))  # type: ignore[attr-defined]
