"""The annual report's HTML version as a reader opens it from /sprawozdania (issue #21): the
demo's programme year, served by the reporting service through the portal, in a real Chromium
with axe-core; any chart carries its alternative text, it loads nothing from elsewhere, and its
own stylesheet applies (the document's policy, passed on by the portal, allows it by its hash:
under the portal's policy for pages it was refused and the report read unstyled)."""

from __future__ import annotations

from datetime import date

from test_pages import violations


def test_the_annual_reports_html_passes_axe(page) -> None:
    year = date.today().year + 1  # the demo's programme year
    response = page.goto(f"/sprawozdania/{year}.html")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "pl"
    assert page.locator("h1").inner_text().endswith(f"za rok {year}")
    assert "4. Oferty w otwartych konkursach" in page.locator("nav.toc").inner_text()
    for chart in page.locator("img").all():
        assert chart.get_attribute("alt").startswith("Wykres słupkowy")
    assert violations(page) == []
    assert page.requests.foreign() == []
    assert page.csp_violations.messages == []
    # styled: the table headers have their background, the cover is centred
    assert page.locator("th").first.evaluate("e => getComputedStyle(e).backgroundColor") \
        == "rgb(237, 242, 247)"
