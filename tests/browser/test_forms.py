"""The portal's forms in a real Chromium: by keyboard alone, without JavaScript, with the API's
messages shown next to their fields, and the POST/redirect/GET of a sent form."""

from __future__ import annotations

import re

import requests
from axe_playwright_python.sync_playwright import Axe

from conftest import screenshot

AXE = Axe()


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Presses Tab until the element matching `selector` has the focus."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Przejdź do treści"
    assert page.locator("a.skip-link").bounding_box()["y"] >= 0  # visible when focused
    page.keyboard.press("Enter")
    assert page.url.endswith("#tresc")


def test_searching_organisations_by_keyboard_as_you_type_without_polish_letters(page) -> None:
    page.goto("/organizacje")
    tab_to(page, "#pole-q")
    # the demo's "Stowarzyszenie Przyjaciół Muzyki Dawnej", typed without "ó"
    page.keyboard.type("przyjaciol muzyki", delay=30)
    results = page.locator("#wyniki .list")
    results.wait_for()
    page.wait_for_function(
        "() => document.querySelector('#wyniki .result-count').textContent.includes('przyjaciol')")
    assert "Przyjaciół Muzyki Dawnej" in results.inner_text()
    assert "q=przyjaciol" in page.url  # the address can be shared (hx-push-url)
    screenshot(page, "organizacje-szukaj-klawiatura-desktop")
    # Enter submits the same search without JavaScript's help; the first result opens by keyboard
    tab_to(page, "#wyniki .list a")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/organizacje/[0-9a-f]{24}$"))
    assert "Przyjaciół Muzyki Dawnej" in page.locator("h1").inner_text()
    assert page.requests.foreign() == []


def test_a_consultation_comment_sent_by_keyboard_alone(page, city) -> None:
    path = f"/konsultacje/{city.seeded['consultation']}"
    page.goto(path)
    tab_to(page, "#pole-section")
    page.keyboard.press("ArrowDown")  # "§ 1. Zasady ogólne"
    tab_to(page, "#pole-author")
    page.keyboard.type("Anna Mieszkańska")
    page.keyboard.press("Tab")
    page.keyboard.type("Proszę dodać pierwszeństwo dla organizacji młodzieżowych.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Wyślij uwagę"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?wyslano=1"))  # POST, then redirect, then GET
    assert "Twoja uwaga została zapisana" in page.locator("#uwagi .notice").inner_text()
    assert "Proszę dodać pierwszeństwo dla organizacji młodzieżowych." in \
        page.locator("#uwagi .comments").inner_text()
    assert "§ 1. Zasady ogólne" in page.locator("#uwagi .comments").inner_text()
    assert AXE.run(page).response["violations"] == []


def test_a_form_without_javascript_shows_the_apis_errors_next_to_the_fields(
        context_factory, city) -> None:
    context = context_factory(java_script_enabled=False, viewport={"width": 1280,
                                                                   "height": 900})
    page = context.new_page()
    path = f"/konsultacje/{city.seeded['consultation']}"
    page.goto(path)
    page.fill("#pole-author", "A")  # the consultations API wants at least 2 characters
    page.fill("#pole-text", "Uwaga bez JavaScriptu.")
    page.click("text=Wyślij uwagę")
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.locator("h2").inner_text() == "Popraw następujące błędy"
    assert summary.get_attribute("role") == "alert"
    link = summary.locator("a[href='#pole-author']")
    assert link.count() == 1
    assert page.locator("#pole-author").get_attribute("aria-invalid") == "true"
    described = page.locator("#pole-author").get_attribute("aria-describedby")
    assert page.locator(f"#{described.split()[-1]}").inner_text().startswith("Błąd:")
    assert page.locator("#pole-text").input_value() == "Uwaga bez JavaScriptu."  # kept
    assert page.title().startswith("Błąd:")
    screenshot(page, "konsultacja-bledy-bez-js-desktop")
    # corrected and sent: stored once, shown after the redirect
    page.fill("#pole-author", "Jan Bezskryptowy")
    page.click("text=Wyślij uwagę")
    page.wait_for_url(re.compile(r"\?wyslano=1"))
    comments = requests.get(city.url("consultations") + "/api/v1/consultations/"
                            f"{city.seeded['consultation']}/comments", timeout=30).json()
    assert [c["author"] for c in comments["items"]].count("Jan Bezskryptowy") == 1


def test_the_error_summary_and_messages_pass_axe(page, city) -> None:
    """(axe needs JavaScript: the page with errors, checked in a browser that runs it)"""
    page.goto(f"/konsultacje/{city.seeded['consultation']}")
    page.fill("#pole-author", "A")
    page.fill("#pole-text", "x")
    page.click("text=Wyślij uwagę")
    page.locator(".error-summary").wait_for()
    assert AXE.run(page).response["violations"] == []
    screenshot(page, "konsultacja-bledy-desktop")


def test_a_post_without_the_forms_token_is_refused_and_changes_nothing(city) -> None:
    path = f"/konsultacje/{city.seeded['consultation']}"
    comments = (city.url("consultations") +
                f"/api/v1/consultations/{city.seeded['consultation']}/comments")
    before = requests.get(comments, timeout=30).json()
    answer = requests.post(city.portal + path, data={"author": "Obcy Serwis",
                                                     "text": "Podrobiona uwaga."}, timeout=30)
    assert answer.status_code == 400
    assert "Formularz wygasł" in answer.text
    after = requests.get(comments, timeout=30).json()
    assert len(after["items"]) == len(before["items"])


def test_a_small_grant_comment_and_an_inquiry_reach_their_services(page, city) -> None:
    grant = requests.get(city.url("grants") + "/api/v1/small-grants",
                         params={"status": "published"}, timeout=30).json()["items"][0]
    page.goto(f"/male-granty/{grant['id']}")
    page.fill("#pole-author", "Sąsiad z osiedla")
    page.fill("#pole-text", "Dobry pomysł, popieram.")
    page.click("text=Wyślij uwagę")
    page.wait_for_url(re.compile(r"\?wyslano=1"))
    assert "Dobry pomysł, popieram." in page.locator("#uwagi").inner_text()

    page.goto("/kontakt")
    page.fill("#pole-name", "Ewa Pytająca")
    page.fill("#pole-email", "ewa@example.org")
    page.select_option("#pole-area", "culture")
    page.fill("#pole-subject", "Lokal na próby chóru")
    page.fill("#pole-text", "Czy miasto użycza sal na próby?")
    page.click("text=Wyślij pytanie")
    page.wait_for_url(re.compile(r"/kontakt\?wyslano=1"))
    assert "trafiło do biura pełnomocnika" in page.locator("main").inner_text()


def test_subscribing_to_the_newsletter_and_confirming_from_the_email(page, city) -> None:
    address = "czytelniczka@example.org"
    page.goto("/newsletter")
    page.fill("#pole-email", address)
    page.check("#obszar-culture")
    page.check("#digest-daily")
    page.click("text=Zapisz się")
    page.wait_for_url(re.compile(r"/newsletter\?wyslano=1"))
    assert "Sprawdź skrzynkę e-mail" in page.locator("main").inner_text()

    link = city.link_in_mail(address, r"/newsletter/potwierdz\?token=", timeout=30)
    assert link and link.startswith(city.portal), link
    page.goto(link)
    assert page.locator("h1").inner_text() == "Potwierdź zapis na newsletter"
    page.click("text=Potwierdzam zapis")
    page.wait_for_url(re.compile(r"stan=ok"))
    assert page.locator("h1").inner_text() == "Zapis potwierdzony"
