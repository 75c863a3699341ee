"""Email over a real SMTP server (aiosmtpd), the one-click unsubscribe link, the inbox,
digests, driven by the real registry through its HTTP API."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from urllib.parse import parse_qs, urljoin, urlsplit

from notifications_helpers import all_delivered, publish, routed_inquiry, text_of

from notifications.domain import signature_valid
from wspolpraca.envelope import utcnow
from wspolpraca.testing.waiting import wait_until

SUBSCRIPTIONS = "/api/v1/subscriptions"


def _b64_decoded(token: str) -> str:
    """Whatever base64 in the token says, as text (a readable payload would show here)."""
    found = []
    for part in token.split("."):
        try:
            found.append(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode(
                "utf-8", "replace"))
        except ValueError:
            pass
    return " ".join(found)


def create_department(registry, officer, code="culture", email="kultura@um.example.pl"):
    response = registry.post("/api/v1/departments", officer, json={
        "code": code, "name": "Wydział Kultury", "areas": ["culture"],
        "contact_person": "Anna Nowak", "email": email})
    assert response.status_code == 201, response.text


def file_inquiry(registry, **overrides):
    body = {"subject": "Sala na próby <chóru>", "text": "Czy możemy korzystać z sali?",
            "area": "culture", "name": "Jan Kowalski", "email": "jan@chor.example.pl",
            **overrides}
    response = registry.post("/api/v1/inquiries", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def answer(registry, token, inquiry_id, text):
    response = registry.post(f"/api/v1/inquiries/{inquiry_id}/answer", token,
                             json={"answer": text})
    assert response.status_code == 200, response.text


def local(url: str) -> str:
    """The public link's path and query, to ask the service under test directly."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_an_inquiry_routed_to_a_department_reaches_it_by_email_inbox_and_webhook(
        notifications, registry, officer, token, smtp, receiver):
    dept = token("department", department="culture")
    hook = notifications.post(SUBSCRIPTIONS, dept, json={
        "channel": "webhook", "target": receiver.url + "/ok", "for_department": True,
        "event_types": ["registry.inquiry.routed"]}).json()
    create_department(registry, officer)
    wait_until(lambda: notifications.db["departments"].find_one({"_id": "culture"}))
    inquiry = file_inquiry(registry)
    [mail] = wait_until(lambda: smtp.to("kultura@um.example.pl"))
    assert mail["Subject"] == "Zapytanie skierowane do wydziału: Sala na próby <chóru>"
    assert "skierowano do wydziału culture" in text_of(mail)
    assert "&lt;chóru&gt;" in text_of(mail, "html")
    assert mail["List-Unsubscribe"].startswith("<https://wspolpraca.test/api/v1/subscriptions")
    [request] = wait_until(lambda: receiver.at("/ok"))
    assert signature_valid(hook["secret"], request["body"],
                           request["headers"]["X-Wspolpraca-Signature"])
    inbox = notifications.get("/api/v1/inbox", dept).json()["items"]
    assert [i["subject"] for i in inbox if i["event_type"] == "registry.inquiry.routed"] == [
        inquiry["id"]]
    # the liaison office hears about every new inquiry in its inbox
    officer_inbox = notifications.get("/api/v1/inbox", officer).json()["items"]
    assert [i["event_type"] for i in officer_inbox] == ["registry.inquiry.received"]


def test_the_answer_reaches_the_asker_and_the_unsubscribe_link_stops_the_next(
        notifications, registry, officer, smtp):
    create_department(registry, officer)
    first = file_inquiry(registry)
    answer(registry, officer, first["id"], "Tak, w czwartki od 18:00. <b>Zapraszamy</b>!")
    [mail] = wait_until(lambda: smtp.to("jan@chor.example.pl"))
    assert mail["Subject"] == "Odpowiedź na zapytanie: Sala na próby <chóru>"
    text = text_of(mail)
    assert "Tak, w czwartki od 18:00. <b>Zapraszamy</b>!" in text
    assert "&lt;b&gt;Zapraszamy&lt;/b&gt;" in text_of(mail, "html")
    link = next(line.split(": ", 1)[1] for line in text.splitlines()
                if line.startswith("Wypisz się jednym kliknięciem"))
    assert link.startswith("https://wspolpraca.test/api/v1/subscriptions/unsubscribe?token=")
    token = parse_qs(urlsplit(link).query)["token"][0]
    # the address is not readable from the link (issue 15, item 12b)
    assert "jan@chor" not in token and "jan@chor" not in _b64_decoded(token)
    # a GET (a mail scanner following the link) only shows the confirmation page
    clicked = notifications.get(local(link))
    assert clicked.status_code == 200 and clicked.headers["Content-Type"].startswith(
        "text/html")
    assert '<html lang="pl">' in clicked.text and 'method="post"' in clicked.text
    assert "Wypisz mnie" in clicked.text and clicked.headers["Referrer-Policy"] == "no-referrer"
    assert notifications.db["optouts"].count_documents({}) == 0
    forged = notifications.get(local(link)[:-3] + "xyz")
    assert forged.status_code == 400
    # the page's form posts back to the same address, with the token
    action = re.search(r'action="([^"]+)"', clicked.text).group(1).replace("&amp;", "&")
    posted = notifications.post(urljoin(local(link), action))
    assert posted.status_code == 200 and "Wypisano" in posted.text
    assert notifications.db["optouts"].count_documents({}) == 1
    second = file_inquiry(registry, subject="Drugie pytanie")
    answer(registry, officer, second["id"], "Odpowiedź druga")
    wait_until(lambda: notifications.db["deliveries"].count_documents(
        {"event_type": "registry.inquiry.answered", "subject": second["id"]}) == 0
        and notifications.db["processed_events"].count_documents({}) == 7)
    all_delivered(notifications)
    assert len(smtp.to("jan@chor.example.pl")) == 1


def test_a_mail_client_unsubscribes_with_the_rfc_8058_one_click_post(
        notifications, registry, officer, smtp):
    create_department(registry, officer)
    answer(registry, officer, file_inquiry(registry)["id"], "Tak.")
    [mail] = wait_until(lambda: smtp.to("jan@chor.example.pl"))
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mail["List-Unsubscribe"].strip("<>")
    not_a_form = notifications.post(local(link), data=b"<unsubscribe/>",
                                    headers={"Content-Type": "application/xml"})
    assert not_a_form.status_code == 415
    assert not_a_form.json()["error"]["code"] == "unsupported_media_type"
    # what a mail client sends (RFC 8058 section 3.1)
    posted = notifications.post(local(link), data={"List-Unsubscribe": "One-Click"})
    assert posted.status_code == 200, posted.text
    assert notifications.db["optouts"].count_documents({}) == 1


def test_an_organisation_hears_of_its_verification_by_email_and_in_its_inbox(
        notifications, registry, officer, token, smtp):
    from registry_helpers_for_notifications import organization_body

    ngo = token("ngo")
    created = registry.post("/api/v1/organizations", ngo, json=organization_body()).json()
    verified = registry.post(f"/api/v1/organizations/{created['id']}/verify", officer)
    assert verified.status_code == 200
    mails = wait_until(lambda: [m for m in smtp.to(created["email"])
                                if "zweryfikowana" in m["Subject"]])
    assert mails[0]["Subject"] == f"Organizacja {created['name']} została zweryfikowana"
    member = token("ngo", org_id=created["id"])
    inbox = wait_until(lambda: notifications.get("/api/v1/inbox", member).json()["items"])
    assert {i["event_type"] for i in inbox} >= {"registry.organization.verified"}
    count = notifications.get("/api/v1/inbox/unread-count", member).json()["unread"]
    assert count == len(inbox)
    read = notifications.post(f"/api/v1/inbox/{inbox[0]['id']}/read", member)
    assert read.status_code == 200 and read.json()["read"] is True
    assert notifications.get("/api/v1/inbox/unread-count", member).json()["unread"] == count - 1
    unread = notifications.get("/api/v1/inbox", member, params={"unread": "true"}).json()
    assert inbox[0]["id"] not in [i["id"] for i in unread["items"]]
    # a colleague of the same organisation still sees it unread
    colleague = token("ngo", org_id=created["id"])
    assert notifications.get("/api/v1/inbox/unread-count", colleague).json()["unread"] == count
    notifications.post("/api/v1/inbox/read-all", member)
    assert notifications.get("/api/v1/inbox/unread-count", member).json()["unread"] == 0
    # somebody else's inbox is not theirs to read or mark
    stranger = token("ngo", org_id="665f1c2a9b1e8a0012345678")
    assert notifications.get("/api/v1/inbox", stranger).json()["items"] == []
    assert notifications.post(f"/api/v1/inbox/{inbox[0]['id']}/read",
                              stranger).status_code == 404


def test_the_inbox_needs_a_token(notifications):
    assert notifications.get("/api/v1/inbox").status_code == 401


def test_mail_waits_while_the_smtp_server_is_down_and_goes_out_when_it_is_back(
        notifications, token, smtp, amqp_uri):
    dept = token("department", department="culture", email="dyzur@kultura.example.pl")
    created = notifications.post(SUBSCRIPTIONS, dept, json={
        "channel": "email", "target": "dyzur@kultura.example.pl",
        "event_types": ["registry.inquiry.*"]})
    assert created.status_code == 201, created.text
    smtp.stop()
    publish(amqp_uri, routed_inquiry())
    wait_until(lambda: notifications.db["deliveries"].find_one(
        {"channel": "email", "attempts": {"$gte": 2}, "status": "pending"}))
    smtp.start()
    [mail] = wait_until(lambda: smtp.to("dyzur@kultura.example.pl"))
    assert mail["Subject"].startswith("Zapytanie skierowane do wydziału")
    record = wait_until(lambda: notifications.db["deliveries"].find_one(
        {"channel": "email", "status": "sent"}))
    assert record["attempts"] >= 3


def test_a_daily_digest_collects_the_events_into_one_email(notifications, token, smtp,
                                                           amqp_uri):
    dept = token("department", department="culture", email="szef@kultura.example.pl")
    created = notifications.post(SUBSCRIPTIONS, dept, json={
        "channel": "email", "target": "szef@kultura.example.pl", "digest": "daily",
        "event_types": ["registry.inquiry.routed"]}).json()
    for number in range(3):
        publish(amqp_uri, routed_inquiry(id=f"665f1c2a9b1e8a008765200{number}",
                                         subject=f"Pytanie {number}"))
    wait_until(lambda: notifications.db["deliveries"].count_documents(
        {"subscription_id": created["id"], "status": "digest"}) == 3)
    dispatcher = notifications.container.dependencies
    sender = next(d for d in dispatcher if type(d).__name__ == "Dispatcher")
    assert sender.send_due_digests(utcnow()) == 0  # not a day yet
    assert sender.send_due_digests(utcnow() + timedelta(days=1, minutes=1)) == 1
    [mail] = wait_until(lambda: smtp.to("szef@kultura.example.pl"))
    assert mail["Subject"] == "Dzienne podsumowanie powiadomień (3)"
    text = text_of(mail)
    assert "registry.inquiry.routed (3)" in text
    assert all(f"Pytanie {n}" in text for n in range(3))
    assert notifications.db["deliveries"].count_documents(
        {"subscription_id": created["id"], "status": "digested"}) == 3
    assert sender.send_due_digests(utcnow() + timedelta(days=1, minutes=2)) == 0


def test_mail_waits_while_the_smtp_login_is_wrong_and_goes_out_with_the_right_one(
        start_service, tmp_path, token, amqp_uri):
    from dataclasses import replace

    from notifications_helpers import FAST, SmtpServer

    from notifications.service import NotificationsService

    server = SmtpServer(tmp_path / "auth-maildir", login=("powiadomienia", "tajne-haslo")).start()
    try:
        service = start_service(NotificationsService, extra={
            **FAST, "smtp_port": server.port, "smtp_user": "powiadomienia",
            "smtp_password": "zle-haslo"})
        dept = token("department", department="culture", email="dyzur@kultura.example.pl")
        created = service.post(SUBSCRIPTIONS, dept, json={
            "channel": "email", "target": "dyzur@kultura.example.pl",
            "event_types": ["registry.inquiry.routed"]})
        assert created.status_code == 201
        publish(amqp_uri, routed_inquiry())
        record = wait_until(lambda: service.db["deliveries"].find_one(
            {"channel": "email", "attempts": {"$gte": 1}}))
        assert record["status"] in ("pending", "sending")
        assert record["last_error"].startswith("SMTP unavailable")
        assert "zle-haslo" not in str(record)
        assert server.to("dyzur@kultura.example.pl") == []
        # the operator corrects the password (as a restart with the right one would)
        sender = next(d for d in service.container.dependencies
                      if type(d).__name__ == "Dispatcher")
        sender.config = replace(sender.config, smtp_password="tajne-haslo")
        [mail] = wait_until(lambda: server.to("dyzur@kultura.example.pl"))
        assert mail["Subject"].startswith("Zapytanie skierowane do wydziału")
    finally:
        server.stop()
