"""The consultation report lists every comment with the city's answer; a hidden comment
is listed with the moderator's reason, never with its text (HTML and PDF, in Polish)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader

from consultations import records
from consultations.report import render_html, render_pdf

NOW = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
OPENS = NOW - timedelta(days=20)


def consultation(**changes):
    record = {
        "_id": "665f1c2a9b1e8a0012345678", "title": "Projekt uchwały o programie współpracy",
        "subject": "Program współpracy na 2027 rok", "act_kind": "draft_act",
        "programme_id": None, "forms": ["written_comments", "meeting"],
        "opens_at": OPENS, "closes_at": OPENS + timedelta(days=14), "status": "closed",
        "closed_at": OPENS + timedelta(days=14), "report_published_at": None,
        "meetings": [{"_id": "m1", "title": "Spotkanie w ratuszu",
                      "starts_at": OPENS + timedelta(days=2),
                      "ends_at": OPENS + timedelta(days=2, hours=2), "place": "Ratusz"}],
    }
    record.update(changes)
    return record


def comment(number, text, answer=None, hidden=False, reason=None):
    return {"_id": f"c{number}", "section": "§ 1" if number == 1 else None,
            "author": f"Autor {number}", "organization_id": None,
            "submitted_at": OPENS + timedelta(days=1, minutes=number), "text": text,
            "hidden": hidden, "hidden_reason": reason, "answer": answer}


COMMENTS = [
    comment(1, "Zwiększyć środki na sport o 20%.",
            {"decision": "partly_accepted", "reason": "Zwiększono o 10%."}),
    comment(2, "<script>alert('x')</script> Dodać seniorów.",
            {"decision": "rejected", "reason": "Poza zakresem."}),
    comment(3, "Obelga", None, hidden=True, reason="Wulgaryzmy"),
]


def test_the_report_lists_every_comment_with_its_answer():
    report = records.report(consultation(), COMMENTS, NOW)
    assert [c["number"] for c in report["comments"]] == [1, 2, 3]
    assert report["comments"][0]["answer"]["decision_label"] == "uwzględniona częściowo"
    assert report["comments"][2]["text"] is None
    assert report["comments"][2]["hidden_reason"] == "Wulgaryzmy"
    assert report["summary"] == {"comments": 3, "hidden": 1, "spam": 0, "accepted": 0,
                                 "partly_accepted": 1, "rejected": 1}
    assert report["published"] is False


def test_spam_is_left_out_of_the_report_and_counted():
    spam = {**comment(4, "Kup teraz!", None, hidden=True, reason="Spam"), "spam": True}
    report = records.report(consultation(), [*COMMENTS, spam], NOW)
    assert [c["number"] for c in report["comments"]] == [1, 2, 3]
    assert all(c["id"] != spam["_id"] for c in report["comments"])
    assert report["summary"]["spam"] == 1 and report["summary"]["comments"] == 3


def test_the_html_report_is_polish_and_escapes_what_people_wrote():
    html = render_html(records.report(consultation(), COMMENTS, NOW))
    assert '<html lang="pl">' in html
    assert "Zestawienie uwag i stanowisko miasta" in html
    assert "Projekt sprawozdania" in html  # not yet published
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Obelga" not in html and "Wulgaryzmy" in html
    assert "Ratusz" in html


def test_the_published_report_is_not_marked_as_a_draft():
    published = consultation(status="report_published", report_published_at=NOW)
    html = render_html(records.report(published, COMMENTS, NOW))
    assert "Projekt sprawozdania" not in html
    assert "Data publikacji sprawozdania: 20.03.2026 10:00 UTC" in html


def test_the_pdf_report_reads_back():
    pdf = render_pdf(records.report(consultation(), COMMENTS, NOW))
    assert pdf.startswith(b"%PDF-")
    text = " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("Sprawozdanie z konsultacji", "Zwiększyć środki na sport o 20%",
                     "Zwiększono o 10%", "nieuwzględniona", "Wulgaryzmy"):
        assert expected in text, text
    assert "Obelga" not in text
