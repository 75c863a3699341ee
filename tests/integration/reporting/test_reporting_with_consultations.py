"""End to end with the real consultations service: a consultation with residents'
comments and a council, counted by reporting; no names of people in open data."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from reporting_helpers import summary

from consultations.service import ConsultationsService

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "consultations"))
from consultations_helpers import comment, create_council, open_consultation

from wspolpraca.testing.waiting import wait_until


@pytest.fixture
def consultations(start_service, reporting):  # reporting's queues bind first
    return start_service(ConsultationsService)


def test_figures_from_the_consultations_service(reporting, consultations, officer):
    year = datetime.now(UTC).year
    held = open_consultation(consultations, officer, residents_may_comment=True)
    for author in ("Jan Mieszkaniec", "Ewa Sąsiadka"):
        response = comment(consultations, held["id"], None, author=author, text="Dobrze.")
        assert response.status_code == 201, response.text
    council = create_council(consultations, officer)

    def counted():
        s = summary(reporting, year)
        return s if s["consultations"]["comments"] == 2 and \
            reporting.db["councils"].find_one({"_id": council["id"]}) else None

    s = wait_until(counted, timeout=30)
    assert s["consultations"]["held"] == 1
    listed = reporting.get("/api/v1/open-data/consultations.json").json()["items"]
    assert [(c["id"], c["comments"]) for c in listed] == [(held["id"], 2)]
    councils = reporting.get("/api/v1/open-data/councils.csv").text
    assert "Rada Działalności Pożytku Publicznego" in councils
    for name in ("Anna Nowak", "Jan Kowalski", "Jan Mieszkaniec", "Ewa Sąsiadka"):
        assert name not in councils
        assert name not in reporting.get("/api/v1/open-data/consultations.csv").text
    assert reporting.get("/api/v1/open-data/councils.json").json()["items"][0] == {
        "id": council["id"], "name": council["name"], "kind": "public_benefit_council",
        "term_start": "2026-03-01", "term_end": council["term_end"], "members": 4,
        "ngo_members": 2, "opinions_issued": 0}
