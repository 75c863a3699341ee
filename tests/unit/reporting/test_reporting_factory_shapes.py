"""The events the reporting tests feed in have the shapes of the event catalogue."""

from __future__ import annotations

from pathlib import Path

from reporting_factory import year_story

from wspolpraca.testing.contract import load_catalogue

CATALOGUE = Path(__file__).resolve().parents[3] / "infra" / "asyncapi" / "asyncapi.yaml"


def test_the_story_events_validate_against_the_catalogue():
    catalogue = load_catalogue(CATALOGUE)
    problems = {}
    for event in year_story():
        errors = catalogue.validate(event.to_dict())
        if errors:
            problems[event.type] = errors
    assert problems == {}
