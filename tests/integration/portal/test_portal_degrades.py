"""The portal in-process against stub backends: a backend that is down takes only its part of a
page; a 404 is the portal's page; forms need their CSRF token, show the API's 422 next to the
fields and redirect after success; every answer carries the strict Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
import requests

from portal.service import PortalService
from wspolpraca.secantus import free_port
from wspolpraca.testing.stubs import JsonHandler, serve

pytestmark = pytest.mark.integration

AREAS = {"version": "2024", "items": [{"code": "culture", "name": "kultura"},
                                      {"code": "sport", "name": "sport"}]}
ORGANISATION = {"id": "a" * 24, "name": "Fundacja Łódzka Kultura", "legal_form": "foundation",
                "nip": "5260250274", "areas": ["culture"], "status": "verified",
                "verified_at": "2026-03-01T10:00:00+00:00"}


class Registry:
    """A registry stub: areas, organisations and inquiries (422 for a short subject)."""

    def __init__(self) -> None:
        self.inquiries: list[dict] = []
        self.keys: list[str | None] = []
        registry = self

        class Handler(JsonHandler):
            def on_get(self):
                if self.path.startswith("/api/v1/areas"):
                    return self.send_json(200, AREAS)
                if self.path.startswith("/api/v1/organizations?"):
                    return self.send_json(200, {"items": [ORGANISATION], "next_cursor": None})
                if self.path == f"/api/v1/organizations/{ORGANISATION['id']}":
                    return self.send_json(200, ORGANISATION)
                return self.send_json(404, {"error": {"code": "not_found", "message": "Nie ma."}})

            def on_post(self):
                body = self.read_json()
                if len(body.get("subject", "")) < 3:
                    return self.send_json(422, {"error": {
                        "code": "validation_failed", "message": "Popraw dane.",
                        "fields": {"subject": ["Temat musi mieć co najmniej 3 znaki."]}}})
                registry.inquiries.append(body)
                registry.keys.append(self.headers.get("Idempotency-Key"))
                return self.send_json(201, {"id": "b" * 24, **body})

        self.server, self.url = serve(Handler)


@pytest.fixture
def portal(start_service, monkeypatch):
    registry = Registry()
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there: a service that is down
    for service in ("grants", "consultations", "notifications", "reporting"):
        monkeypatch.setenv(f"PORTAL_{service.upper()}_URL", nowhere)
    monkeypatch.setenv("PORTAL_REGISTRY_URL", registry.url)
    running = start_service(PortalService)
    base = f"http://127.0.0.1:{running.settings.http_port}"
    yield base, registry
    registry.server.shutdown()
    registry.server.server_close()


def test_the_home_page_renders_and_names_what_is_unavailable(portal) -> None:
    base, _ = portal
    answer = requests.get(base + "/", timeout=30)
    assert answer.status_code == 200
    assert "Część informacji jest chwilowo niedostępna" in answer.text
    assert "konkursy i małe granty" in answer.text and "konsultacje i rada" in answer.text
    assert "Pełnomocnik" in answer.text  # the rest renders


def test_a_list_whose_backend_is_down_says_so_in_the_layout(portal) -> None:
    base, _ = portal
    answer = requests.get(base + "/konkursy", timeout=30)
    assert answer.status_code == 200
    assert "konkursy i małe granty" in answer.text
    assert "Obecnie nie trwa nabór" not in answer.text  # not a false "nothing open"


def test_a_record_whose_backend_is_down_is_the_unavailable_page_not_a_500(portal) -> None:
    base, _ = portal
    answer = requests.get(base + "/konkursy/" + "c" * 24, timeout=30)
    assert answer.status_code == 503
    assert "chwilowo niedostępna" in answer.text and 'lang="pl"' in answer.text


def test_unknown_paths_and_records_are_the_portals_404(portal) -> None:
    base, _ = portal
    for path in ("/nie-ma-takiej-strony", "/organizacje/" + "d" * 24):
        answer = requests.get(base + path, timeout=30)
        assert answer.status_code == 404, path
        assert "Nie znaleziono strony" in answer.text


def test_every_page_carries_the_strict_content_security_policy(portal) -> None:
    base, _ = portal
    for path in ("/", "/organizacje", "/nie-ma", "/static/portal.css"):
        policy = requests.get(base + path, timeout=30).headers["Content-Security-Policy"]
        assert policy.startswith("default-src 'self'"), path
        assert "unsafe-inline" not in policy


def test_organisations_are_searched_through_the_registry(portal) -> None:
    base, _ = portal
    answer = requests.get(base + "/organizacje", params={"q": "lodzka"}, timeout=30)
    assert "Fundacja Łódzka Kultura" in answer.text
    assert "Znaleziono 1 organizację" in answer.text


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def test_the_inquiry_form_needs_its_token_shows_errors_and_redirects(portal) -> None:
    base, registry = portal
    browser = requests.Session()
    form = browser.get(base + "/kontakt", timeout=30)
    fields = {"name": "Ewa Nowak", "email": "ewa@example.org", "area": "culture",
              "subject": "Lokal", "text": "Czy miasto użycza sal?"}

    refused = requests.post(base + "/kontakt", data=fields, timeout=30)  # no cookie, no token
    assert refused.status_code == 400 and "Formularz wygasł" in refused.text
    forged = browser.post(base + "/kontakt", data={**fields, "csrf_token": "x"}, timeout=30)
    assert forged.status_code == 400
    assert registry.inquiries == []

    invalid = browser.post(base + "/kontakt", data={**fields, "subject": "L",
                                                    "csrf_token": _token(form.text)},
                           timeout=30)
    assert invalid.status_code == 422
    assert "Popraw następujące błędy" in invalid.text
    assert 'href="#pole-subject"' in invalid.text
    assert "Temat musi mieć co najmniej 3 znaki." in invalid.text
    assert 'value="ewa@example.org"' in invalid.text  # what was typed is kept
    assert registry.inquiries == []

    key = re.search(r'name="idempotency_key" value="([^"]+)"', invalid.text)[1]
    sent = browser.post(base + "/kontakt", data={**fields, "csrf_token": _token(invalid.text),
                                                 "idempotency_key": key},
                        timeout=30, allow_redirects=False)
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/kontakt?wyslano=1")
    assert [i["subject"] for i in registry.inquiries] == ["Lokal"]
    # the form's key goes with its write, so that the registry takes a double click once
    assert registry.keys == [key]


def test_health_and_metrics(portal) -> None:
    base, _ = portal
    assert requests.get(base + "/health/live", timeout=30).json()["status"] == "ok"
    assert requests.get(base + "/health/ready", timeout=30).status_code == 200
    requests.get(base + "/organizacje", timeout=30)
    metrics = requests.get(base + "/metrics", timeout=30).text
    assert 'wspolpraca_http_requests_total{method="GET",route="/organizacje",service="portal"' \
        in metrics


def test_the_directory_filters_by_district_and_keeps_it_in_the_links(portal) -> None:
    base, _ = portal
    answer = requests.get(base + "/organizacje", params={"dzielnica": "Bałuty"}, timeout=30)
    assert '<option selected>Bałuty</option>' in answer.text
    ignored = requests.get(base + "/organizacje", params={"dzielnica": "Atlantyda"}, timeout=30)
    assert '<option selected>' not in ignored.text  # not a district of the city
