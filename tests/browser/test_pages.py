"""Every public page of the portal in a real Chromium over the demo city: it renders with one
<h1> and the layout's landmarks, axe-core finds no violation, nothing is loaded from another
origin, no 5xx; a screenshot of each at desktop width and at 320 px goes to build/screenshots/."""

from __future__ import annotations

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe

from conftest import DESKTOP, PHONE, screenshot

AXE = Axe()


@pytest.fixture(scope="session")
def pages(city) -> dict[str, str]:
    """name -> path of every page, with ids of the demo city's records."""

    def first(service: str, path: str, **params) -> dict:
        found = requests.get(city.url(service) + path, params=params, timeout=30).json()
        assert found["items"], f"the demo made no {path} {params}"
        return found["items"][0]

    competition = first("grants", "/api/v1/competitions", status="announced")
    small_grant = first("grants", "/api/v1/small-grants", status="published")
    organisation = first("registry", "/api/v1/organizations", status="verified")
    return {
        "start": "/",
        "konkursy": "/konkursy",
        "konkurs": f"/konkursy/{competition['id']}",
        "organizacje": "/organizacje",
        "organizacje-szukaj": "/organizacje?q=fundacja",
        "organizacja": f"/organizacje/{organisation['id']}",
        "konsultacje": "/konsultacje",
        "konsultacja": f"/konsultacje/{city.seeded['consultation']}",
        "male-granty": "/male-granty",
        "maly-grant": f"/male-granty/{small_grant['id']}",
        "rada": "/rada",
        "kalendarz": "/kalendarz",
        "sprawozdania": "/sprawozdania",
        "kontakt": "/kontakt",
        "newsletter": "/newsletter",
        "newsletter-potwierdz": "/newsletter/potwierdz?token=abc",
        "dla-deweloperow": "/dla-deweloperow",
        "deklaracja-dostepnosci": "/deklaracja-dostepnosci",
        "rodo": "/rodo",
        "nie-znaleziono": "/nie-ma-takiej-strony",
        "wolontariat": "/wolontariat",
        "partnerstwa": "/partnerstwa",
    }


NAMES = ["start", "konkursy", "konkurs", "organizacje", "organizacje-szukaj", "organizacja",
         "konsultacje", "konsultacja", "male-granty", "maly-grant", "rada", "kalendarz",
         "sprawozdania", "kontakt", "newsletter", "newsletter-potwierdz", "dla-deweloperow",
         "deklaracja-dostepnosci", "rodo", "nie-znaleziono", "wolontariat",
         "partnerstwa"]


def violations(page) -> list[str]:
    results = AXE.run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}: "
            f"{[n['target'] for n in v['nodes'][:3]]})"
            for v in results.response["violations"]]


@pytest.mark.parametrize("name", NAMES)
def test_page_renders_accessibly_from_this_origin_only(page, pages, name) -> None:
    response = page.goto(pages[name])
    assert response.status == (404 if name == "nie-znaleziono" else 200)
    assert page.locator("h1").count() == 1
    for landmark in ("header", "nav", "main", "footer"):
        assert page.locator(landmark).count() >= 1, landmark
    assert page.locator("html").get_attribute("lang") == "pl"
    assert page.locator("a.skip-link").inner_text() == "Przejdź do treści"
    assert violations(page) == []
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    # at 320 px nothing is cut off: the page is no wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert violations(page) == []
    screenshot(page, f"{name}-320")
    page.set_viewport_size(DESKTOP)
    assert page.requests.foreign() == []
    assert page.csp_violations.messages == []


def test_the_home_page_shows_what_is_open_now(page) -> None:
    page.goto("/")
    competitions = page.locator("#h-konkursy + .cards .card")
    assert competitions.count() >= 1
    assert "Nabór trwa – zostało" in competitions.first.inner_text()
    assert "\xa0zł" in page.locator("#h-konkursy + .cards").inner_text()  # Babel: 30 000,00 zł
    assert page.locator("#h-konsultacje + .cards .card").count() >= 1
    assert "Pełnomocnik" in page.locator("#h-kontakt").inner_text()


def test_a_competition_states_what_the_announcement_must(page, pages) -> None:
    page.goto(pages["konkurs"])
    text = page.locator("main").inner_text()
    for fact in ("Wysokość środków", "Termin składania ofert", "Termin realizacji zadania",
                 "Kryteria oceny ofert", "Środki przekazane na takie zadania"):
        assert fact in text, fact
    assert "zostało" in page.locator(".status-line").inner_text() or \
        "ostatni dzień" in page.locator(".status-line").inner_text()


def test_the_developers_viewers_render_the_vendored_bundles(page) -> None:
    """Both viewers work under their pages' Content-Security-Policy (Chromium reports no
    violation): Swagger UI under the strict one of every page, even trying out a call; the
    AsyncAPI viewer's page alone allows 'unsafe-eval' (web.ASYNCAPI_CSP)."""
    answer = page.goto("/dla-deweloperow/api/registry")
    assert "unsafe" not in answer.headers["content-security-policy"]
    page.locator(".swagger-ui .opblock").first.wait_for(timeout=60000)
    assert page.locator(".swagger-ui .opblock").count() > 5
    page.locator(".swagger-ui .opblock-summary").first.click()
    page.locator(".swagger-ui button.try-out__btn").first.click()
    page.locator(".swagger-ui button.execute").first.wait_for()
    screenshot(page, "dla-deweloperow-api-desktop", full_page=False)
    answer = page.goto("/dla-deweloperow/zdarzenia")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-eval'" in policy and "unsafe-inline" not in policy
    page.locator("#asyncapi h2", has_text="Operations").wait_for(timeout=60000)
    assert "registry.organization.registered" in page.locator("#asyncapi").inner_text()
    screenshot(page, "dla-deweloperow-zdarzenia-desktop", full_page=False)  # a very long page
    assert page.requests.foreign() == []
    assert page.csp_violations.messages == []
    # the rest of the site refuses eval: the AsyncAPI bundle cannot start on another page
    page.goto("/dla-deweloperow")
    with page.expect_event("pageerror", timeout=60000) as refused:
        page.add_script_tag(url="/static/vendor/asyncapi/asyncapi-standalone.js")
    assert "'unsafe-eval'" in refused.value.message


def test_downloads_come_through_the_portal(city, pages) -> None:
    year = __import__("datetime").date.today().year + 1
    for path, kind in ((f"/sprawozdania/{year}.pdf", "application/pdf"),
                       (f"/sprawozdania/{year}.csv", "text/csv"),
                       ("/kalendarz.ics", "text/calendar")):
        answer = requests.get(city.portal + path, timeout=60)
        assert answer.status_code == 200, path
        assert answer.headers["Content-Type"].startswith(kind), path
