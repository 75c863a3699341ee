"""A resolved competition on the portal: `/konkursy/<id>` shows who got what, from the real
grants and registry services (the competition taken through deadline, committee and results
by the officer's API calls, as the grants tests do)."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest
import requests

from grants.service import GrantsService
from portal.service import PortalService
from registry.service import RegistryService
from wspolpraca.testing.waiting import wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grants"))
from grants_helpers import (
    COMPETITIONS,
    adopted_programme,
    announced_competition,
    pass_deadline,
    submit_offer,
    verified_organization,
)

pytestmark = pytest.mark.integration


def rows(page: str) -> list[list[str]]:
    """The results table's rows as the text of their cells."""
    section = page.split('id="h-wyniki"', 1)[1]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_a_resolved_competition_shows_who_got_what(start_service, token, monkeypatch):
    registry = start_service(RegistryService)
    grants = start_service(GrantsService)
    officer = token("officer")
    funded_id, funded_ngo = verified_organization(registry, grants, token, officer)
    refused_id, refused_ngo = verified_organization(registry, grants, token, officer)
    registry.db["organizations"].update_one({"_id": refused_id},
                                            {"$set": {"name": "Stowarzyszenie Łąki Żoliborza"}})
    adopted_programme(grants, officer)
    cid = announced_competition(grants, officer, budget="20000.00")["id"]
    funded = submit_offer(grants, funded_ngo, cid, funded_id, title="Teatr na podwórkach")
    refused = submit_offer(grants, refused_ngo, cid, refused_id, title="Koncerty nad Wisłą")
    pass_deadline(grants, cid)
    assert grants.post(f"{COMPETITIONS}/{cid}/close", officer).status_code == 200
    assert grants.post(f"{COMPETITIONS}/{cid}/committee", officer, json={"members": [
        {"user_id": "official-1", "name": "Anna Urzędnik", "kind": "official"}]}
    ).status_code == 201

    monkeypatch.setenv("PORTAL_GRANTS_URL", grants.base_url)
    monkeypatch.setenv("PORTAL_REGISTRY_URL", registry.base_url)
    portal = start_service(PortalService).base_url
    before = requests.get(f"{portal}/konkursy/{cid}", timeout=30)
    assert before.status_code == 200
    assert "Wyniki konkursu" not in before.text  # not resolved yet: no results to show

    response = grants.post(f"{COMPETITIONS}/{cid}/results", officer, json={"awards": [
        {"offer_id": funded["id"], "amount": "8000.00"},
        {"offer_id": refused["id"], "amount": "0.00"}]})
    assert response.status_code == 200, response.text

    def results_shown() -> str | None:
        text = requests.get(f"{portal}/konkursy/{cid}", timeout=30).text
        return text if "Wyniki konkursu" in text else None

    # a change made elsewhere shows once the portal's micro-cache lets go (PORTAL_CACHE_SECONDS)
    text = wait_until(results_shown, what="the results on the portal")
    assert "Przyznano łącznie 8\xa0000,00\xa0zł z puli 20\xa0000,00\xa0zł" in html.unescape(text)
    assert rows(text) == [
        ["Fundacja Teatr Ulicy", "Teatr na podwórkach", "9\xa0000,00\xa0zł",
         "8\xa0000,00\xa0zł", "Dofinansowana"],
        ["Stowarzyszenie Łąki Żoliborza", "Koncerty nad Wisłą", "9\xa0000,00\xa0zł", "—",
         "Bez dofinansowania"],
    ]
    assert f'href="/organizacje/{funded_id}"' in text
    assert f'href="/organizacje/{refused_id}"' in text
