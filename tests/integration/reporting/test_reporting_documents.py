"""The public annual report is expensive to render (issue #15, item 9): rendered off the
eventlet hub, kept per year and format until the year's figures change, and answered with
an ETag (304 for a client that has it)."""

from __future__ import annotations

import eventlet
from eventlet import patcher
from reporting_factory import competition
from reporting_helpers import logged, publish

from reporting import service as reporting_service
from wspolpraca.testing.waiting import wait_until

ANNUAL = "/api/v1/reports/annual/2026"
_threading = patcher.original("threading")


def test_a_rendering_pdf_does_not_stop_the_service(reporting, monkeypatch):
    started, release = _threading.Event(), _threading.Event()
    outcome: dict[str, bool] = {}
    real_render = reporting_service.report.render

    def slow_render(built, fmt):
        # blocks its OS thread until the test has seen the service answer meanwhile; on the
        # hub it would block the whole service (and the test's request with it)
        started.set()
        outcome["released"] = release.wait(20)
        return real_render(built, fmt)

    monkeypatch.setattr(reporting_service.report, "render", slow_render)
    reporting_service.DOCUMENTS.clear()
    pending = eventlet.spawn(reporting.get, f"{ANNUAL}?format=pdf")
    wait_until(started.is_set)
    assert reporting.get("/health/live").status_code == 200
    release.set()
    response = pending.wait()
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert outcome["released"] is True


def test_the_report_is_cached_per_year_and_format_and_answers_if_none_match(
        reporting, amqp_uri):
    reporting_service.DOCUMENTS.clear()
    before = reporting_service.DOCUMENTS.renderings
    first = reporting.get(f"{ANNUAL}?format=pdf")
    assert first.status_code == 200
    tag = first.headers["ETag"]
    assert tag.startswith('W/"') and "no-cache" in first.headers["Cache-Control"]

    again = reporting.get(f"{ANNUAL}?format=pdf")
    assert again.headers["ETag"] == tag and again.content == first.content
    assert reporting_service.DOCUMENTS.renderings == before + 1  # rendered once

    not_modified = reporting.get(f"{ANNUAL}?format=pdf", headers={"If-None-Match": tag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert reporting_service.DOCUMENTS.renderings == before + 1
    assert reporting.get(f"{ANNUAL}?format=xlsx").headers["ETag"] != tag  # per format

    as_json = reporting.get(ANNUAL)
    assert reporting.get(ANNUAL, headers={"If-None-Match": as_json.headers["ETag"]}
                         ).status_code == 304

    # an event of another year leaves the 2026 document as it is ...
    publish(amqp_uri, [competition("announced", "comp-2030", "2026-05-15T10:00:00Z",
                                   year=2030)])
    wait_until(lambda: logged(reporting) >= 1)
    assert reporting.get(f"{ANNUAL}?format=pdf", headers={"If-None-Match": tag}
                         ).status_code == 304
    # ... one that changes the year's figures gives a new document
    publish(amqp_uri, [competition("announced", "comp-2026", "2026-01-15T10:00:00Z")])
    wait_until(lambda: logged(reporting) >= 2)
    changed = reporting.get(f"{ANNUAL}?format=pdf", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert reporting_service.DOCUMENTS.renderings == before + 3  # + xlsx, + the new pdf
