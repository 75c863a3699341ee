"""Spam cannot hold a consultation report back (issue 15, item 8): the officer marks a comment
as spam in one action; it needs no answer, the report leaves it out and counts it, and an event
says so. A comment in an organisation's name comes only from its representative (an officer
is not one), and one client address comments only so many times."""

from __future__ import annotations

from consultations_helpers import (
    CONSULTATIONS,
    assert_error,
    comment,
    db_state,
    open_consultation,
    org_id,
)

from consultations.service import ConsultationsService

SPAM = "consultations.consultation.comment_marked_spam"


def path(consultation_id: str, *parts: str) -> str:
    return "/".join([CONSULTATIONS, consultation_id, *parts])


def test_the_officer_marks_spam_in_one_action_and_the_report_goes_out(
        service, officer, token, events):
    cid = open_consultation(service, officer, residents_may_comment=True)["id"]
    real = comment(service, cid, None, author="Jan Nowicki", text="Dodać konkurs.").json()
    flood = [comment(service, cid, None, author="Kup teraz", text=f"Reklama {n}").json()
             for n in range(3)]

    assert_error(service.post(path(cid, "comments", flood[0]["id"], "spam"), token("ngo")),
                 403)
    for item in flood:
        marked = service.post(path(cid, "comments", item["id"], "spam"), officer)
        assert marked.status_code == 200, marked.text
        assert marked.json()["spam"] is True and marked.json()["hidden"] is True
    assert_error(service.post(path(cid, "comments", flood[0]["id"], "spam"), officer),
                 409, "already_spam")
    (event, *_) = events.wait_for(SPAM, count=3)
    assert set(event["data"]) == {"id", "consultation_id", "consultation_title", "marked_at"}
    public = service.get(path(cid, "comments")).json()["items"]
    assert [(c["text"], c["author"]) for c in public] == [
        ("Dodać konkurs.", "Jan Nowicki"), (None, None), (None, None), (None, None)]

    assert service.post(path(cid, "close"), officer).status_code == 200
    service.post(path(cid, "comments", real["id"], "answer"), officer,
                 json={"decision": "accepted", "reason": "Słuszne."})
    published = service.post(path(cid, "report", "publish"), officer)
    assert published.status_code == 200, published.text
    report = service.get(path(cid, "report")).json()
    assert [c["id"] for c in report["comments"]] == [real["id"]]
    assert report["summary"]["comments"] == 1 and report["summary"]["spam"] == 3
    html = service.get(path(cid, "report") + "?format=html").text
    assert "jako spam: 3" in html and "Reklama" not in html
    assert_error(service.post(path(cid, "comments", real["id"], "spam"), officer),
                 409, "report_published")


def test_an_officer_does_not_comment_in_an_organisations_name(service, officer):
    consultation = open_consultation(service, officer)
    before = db_state(service.db)
    assert_error(comment(service, consultation["id"], officer, author="Urzędnik",
                         organization_id=org_id(), text="x"), 403)
    assert db_state(service.db) == before


def test_one_client_address_comments_only_so_many_times(start_service, officer):
    service = start_service(ConsultationsService, rate_limit_writes=2,
                            rate_limit_window_seconds=3600)
    cid = open_consultation(service, officer, residents_may_comment=True)["id"]
    for n in range(2):
        assert comment(service, cid, None, author="Jan", text=f"Uwaga {n}").status_code == 201
    refused = comment(service, cid, None, author="Jan", text="Spam")
    assert_error(refused, 429, "rate_limited")
    assert int(refused.headers["Retry-After"]) > 0
    assert service.db["comments"].count_documents({}) == 2
