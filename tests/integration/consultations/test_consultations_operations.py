"""Operating the consultations service: its OpenAPI document, its metrics, and comments
racing the closing (each comment is either taken and counted, or refused)."""

from __future__ import annotations

import threading

from consultations_helpers import CONSULTATIONS, comment, open_consultation


def test_the_openapi_document_lists_the_services_paths(service):
    document = service.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/consultations", "/api/v1/consultations/{id}/comments",
                 "/api/v1/consultations/{id}/report", "/api/v1/councils",
                 "/api/v1/councils/{id}/opinion-requests"):
        assert path in document["paths"], sorted(document["paths"])


def test_metrics_show_the_domain_figures(service, officer):
    open_consultation(service, officer)
    text = service.get("/metrics").text
    assert 'wspolpraca_consultations_consultations{service="consultations",status="open"} 1.0' \
        in text
    assert "wspolpraca_consultations_comments" in text
    assert 'route="/api/v1/consultations"' in text


def test_comments_racing_the_closing_are_either_counted_or_refused(service, officer, events):
    consultation = open_consultation(service, officer, residents_may_comment=True)
    statuses: list[int] = []
    lock = threading.Lock()

    def write(number: int) -> None:
        response = comment(service, consultation["id"], None, author=f"Mieszkaniec {number}",
                           text=f"Uwaga {number}")
        with lock:
            statuses.append(response.status_code)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(12)]
    for writer in writers:
        writer.start()
    closed = service.post(f"{CONSULTATIONS}/{consultation['id']}/close", officer)
    for writer in writers:
        writer.join()

    assert closed.status_code == 200, closed.text
    assert set(statuses) <= {201, 409}
    taken = statuses.count(201)
    (event,) = events.wait_for("consultations.consultation.closed")
    stored = service.db["comments"].count_documents({"consultation_id": consultation["id"]})
    assert stored == taken == event["data"]["comments"] == closed.json()["comments"]


def test_reports_render_as_pdf_side_by_side(service, officer):
    consultation = open_consultation(service, officer, residents_may_comment=True)
    for number in range(30):
        comment(service, consultation["id"], None, author=f"Mieszkaniec {number}",
                text=f"Uwaga numer {number} do projektu programu współpracy.")
    bodies: list[bytes] = []
    lock = threading.Lock()

    def fetch() -> None:
        response = service.get(f"{CONSULTATIONS}/{consultation['id']}/report?format=pdf",
                               officer)
        with lock:
            bodies.append(response.content)

    readers = [threading.Thread(target=fetch) for _ in range(4)]
    for reader in readers:
        reader.start()
    assert service.get("/health/live").status_code == 200
    for reader in readers:
        reader.join()
    assert len(bodies) == 4 and all(body.startswith(b"%PDF-") for body in bodies)
