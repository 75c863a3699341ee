"""End to end with the real grants service: the registry and grants driven through their
APIs, reporting counting what their events say."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from reporting_helpers import summary

from grants.service import GrantsService

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grants"))
from grants_helpers import (
    YEAR,
    adopted_programme,
    announced_competition,
    awarded_small_grant,
    submit_offer,
    verified_organization,
)

from wspolpraca.testing.waiting import wait_until


@pytest.fixture
def grants(start_service, reporting):  # reporting first: its queues bind before grants emits
    return start_service(GrantsService)


def test_figures_from_the_grants_service(reporting, grants, registry, token, officer):
    first_id, first = verified_organization(registry, grants, token, officer)
    second_id, second = verified_organization(registry, grants, token, officer)
    adopted_programme(grants, officer)
    competition = announced_competition(grants, officer, budget="20000.00")
    submit_offer(grants, first, competition["id"], first_id, requested_amount="9000.00")
    submit_offer(grants, second, competition["id"], second_id, requested_amount="9000.00")
    awarded_small_grant(grants, officer, second, second_id, amount="8000.00")

    def counted():
        s = summary(reporting, YEAR)
        return s if (s["offers"]["submitted"] == 2 and s["small_grants"]["awarded"] == 1) \
            else None

    s = wait_until(counted, timeout=30)
    assert s["competitions"]["announced"] == 1
    assert s["money"]["requested"] == "18000.00"
    assert s["small_grants"]["amount"] == "8000.00"
    assert s["by_area"][0]["area"] == "culture"
    grants_given = reporting.get(f"/api/v1/stats/grants?year={YEAR}").json()
    assert [o["organization_id"] for o in grants_given["organizations"]] == [second_id]
    assert reporting.db["programmes"].find_one({"status": "adopted", "year": YEAR})
    open_competitions = reporting.get("/api/v1/open-data/competitions.json").json()["items"]
    assert [c["id"] for c in open_competitions] == [competition["id"]]
