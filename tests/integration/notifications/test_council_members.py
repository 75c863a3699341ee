"""Council members with a user account and an address (both optional in consultations) are
told of their appointment, of meetings and of opinion requests: in the inbox of their user
and by email. End to end: the consultations service and this one, over the real broker."""

from __future__ import annotations

from datetime import UTC, datetime

from bson import ObjectId
from notifications_helpers import text_of

from consultations.service import ConsultationsService
from wspolpraca.testing.waiting import wait_until

COUNCILS = "/api/v1/councils"
MEETING = "consultations.council.meeting_scheduled"
REQUESTED = "consultations.council.opinion_requested"
APPOINTED = "consultations.council.member_appointed"


def inbox_types(service, token: str) -> list[str]:
    return sorted(i["event_type"] for i in service.get("/api/v1/inbox", token).json()["items"])


def test_council_members_hear_of_meetings_and_opinion_requests_in_their_inbox_and_by_email(
        start_service, notifications, smtp, token):
    consultations = start_service(ConsultationsService)
    officer = token("officer")
    anna_org = str(ObjectId())
    council = consultations.post(COUNCILS, officer, json={
        "name": "Rada Działalności Pożytku Publicznego", "kind": "public_benefit_council",
        "term_start": "2026-03-01", "members": [
            {"name": "Anna Nowak", "side": "ngo", "organization_id": anna_org,
             "user_id": "rada-anna", "email": "anna@rada.example.pl"},
            {"name": "Piotr Wiśniewski", "side": "ngo", "organization_id": str(ObjectId())},
            {"name": "Jan Kowalski", "side": "city", "user_id": "rada-jan",
             "email": "jan@miasto.example.pl"},
            {"name": "Maria Zielińska", "side": "city"}]})
    assert council.status_code == 201, council.text
    council = council.json()
    assert all("email" not in m and "user_id" not in m for m in council["members"])  # public
    # (events of different types may arrive in any order: wait for the membership)
    wait_until(lambda: notifications.db["council_members"].count_documents(
        {"council_id": council["id"], "active": True}) == 4)
    assert consultations.post(f"{COUNCILS}/{council['id']}/meetings", officer, json={
        "title": "Posiedzenie nr 1", "starts_at": "2027-03-10T16:00:00Z",
        "ends_at": "2027-03-10T18:00:00Z", "place": "Sala Sesyjna",
        "agenda": ["Opinia o programie"]}).status_code == 201
    assert consultations.post(f"{COUNCILS}/{council['id']}/opinion-requests", officer, json={
        "subject": "Projekt programu współpracy na 2027 rok"}).status_code == 201

    for address in ("jan@miasto.example.pl", "anna@rada.example.pl"):
        [meeting] = wait_until(lambda a=address: smtp.to(a, MEETING))
        assert meeting["Subject"] == \
            "Posiedzenie: Rada Działalności Pożytku Publicznego, Posiedzenie nr 1"
        assert "Sala Sesyjna" in text_of(meeting)
        assert meeting["List-Unsubscribe"]
        [opinion] = wait_until(lambda a=address: smtp.to(a, REQUESTED))
        assert "Projekt programu współpracy na 2027 rok" in text_of(opinion)
    jan = token("department", sub="rada-jan", department="culture")
    anna = token("ngo", sub="rada-anna", org_id=anna_org)
    assert wait_until(lambda: inbox_types(notifications, jan) == [MEETING, REQUESTED])
    # Anna also sees what her organisation is told (it nominated her): each item once
    assert wait_until(lambda: inbox_types(notifications, anna) == [
        MEETING, MEETING, REQUESTED, REQUESTED])
    # a member without an account is kept under their member id, with no email
    maria = next(m for m in council["members"] if m["name"] == "Maria Zielińska")
    assert notifications.db["inbox"].count_documents(
        {"audience": f"council_member:{maria['id']}"}) == 2
    assert notifications.db["inbox"].count_documents({"audience": "user:rada-jan"}) == 2

    # a member appointed later hears of it, then of the next meeting
    appointed = consultations.post(f"{COUNCILS}/{council['id']}/members", officer, json={
        "name": "Ola Społeczna", "side": "ngo", "organization_id": str(ObjectId()),
        "user_id": "rada-ola", "email": "ola@rada.example.pl"})
    assert appointed.status_code == 201, appointed.text
    [mail] = wait_until(lambda: smtp.to("ola@rada.example.pl", APPOINTED))
    assert "Rada Działalności Pożytku Publicznego" in mail["Subject"] + text_of(mail)
    wait_until(lambda: notifications.db["council_members"].count_documents(
        {"council_id": council["id"], "active": True}) == 5)
    assert consultations.post(f"{COUNCILS}/{council['id']}/meetings", officer, json={
        "title": "Posiedzenie nr 2", "starts_at": "2027-04-10T16:00:00Z",
        "ends_at": "2027-04-10T18:00:00Z", "place": "Sala nr 2"}).status_code == 201
    wait_until(lambda: smtp.to("ola@rada.example.pl", MEETING))
    ola = token("ngo", sub="rada-ola")
    assert wait_until(lambda: inbox_types(notifications, ola) == sorted([APPOINTED, MEETING]))
    assert len(smtp.to("jan@miasto.example.pl", MEETING)) == 2


def test_a_council_member_with_no_role_reads_their_own_inbox_and_calendar_feed(
        start_service, notifications, token):
    """A member invited from the portal has an account with no role (identity's invitation):
    the inbox and the personal calendar feed are theirs all the same; subscribing is not."""
    consultations = start_service(ConsultationsService)
    officer = token("officer")
    council = consultations.post(COUNCILS, officer, json={
        "name": "Rada Seniorów", "kind": "public_benefit_council", "term_start": "2026-03-01",
        "members": [{"name": "Ewa Lis", "side": "city", "user_id": "rada-ewa"},
                    {"name": "Adam Sowa", "side": "ngo", "organization_id": str(ObjectId())}]})
    assert council.status_code == 201, council.text
    council = council.json()
    wait_until(lambda: notifications.db["council_members"].count_documents(
        {"council_id": council["id"], "active": True}) == 2)
    assert consultations.post(f"{COUNCILS}/{council['id']}/meetings", officer, json={
        "title": "Posiedzenie nr 1", "starts_at": "2027-03-10T16:00:00Z",
        "ends_at": "2027-03-10T18:00:00Z", "place": "Sala Sesyjna"}).status_code == 201
    ewa = token(sub="rada-ewa")   # signed in, no role
    assert wait_until(lambda: inbox_types(notifications, ewa) == [MEETING])
    [item] = notifications.get("/api/v1/inbox", ewa).json()["items"]
    assert notifications.get("/api/v1/inbox/unread-count", ewa).json() == {"unread": 1}
    assert notifications.post(f"/api/v1/inbox/{item['id']}/read", ewa).status_code == 200
    assert notifications.post("/api/v1/inbox/read-all", ewa).json() == {"unread": 0}
    assert notifications.get("/api/v1/calendar/feed", ewa).status_code == 200
    assert notifications.get("/api/v1/inbox").status_code == 401
    assert notifications.get("/api/v1/subscriptions", ewa).status_code == 403


def test_council_members_are_told_when_a_meeting_moves_or_is_called_off_and_the_calendar_follows(
        start_service, notifications, smtp, token):
    consultations = start_service(ConsultationsService)
    officer = token("officer")
    council = consultations.post(COUNCILS, officer, json={
        "name": "Komisja Dialogu Kultury", "kind": "sector_commission",
        "term_start": "2026-03-01", "members": [
            {"name": "Anna Nowak", "side": "ngo", "organization_id": str(ObjectId()),
             "email": "anna@komisja.example.pl"},
            {"name": "Jan Kowalski", "side": "city"}]}).json()
    wait_until(lambda: notifications.db["council_members"].count_documents(
        {"council_id": council["id"], "active": True}) == 2)
    meeting = consultations.post(f"{COUNCILS}/{council['id']}/meetings", officer, json={
        "title": "Posiedzenie nr 1", "starts_at": "2027-03-10T16:00:00Z",
        "ends_at": "2027-03-10T18:00:00Z", "place": "Sala Sesyjna"}).json()
    path = f"{COUNCILS}/{council['id']}/meetings/{meeting['id']}"
    entry = f"council-meeting-{meeting['id']}"   # one entry per meeting, not per council
    wait_until(lambda: notifications.db["calendar_entries"].find_one({"_id": entry}))

    assert consultations.post(f"{path}/move", officer, json={
        "starts_at": "2027-03-17T16:00:00Z", "ends_at": "2027-03-17T18:00:00Z"}).status_code \
        == 200
    [moved] = wait_until(lambda: smtp.to("anna@komisja.example.pl",
                                         "consultations.council.meeting_moved"))
    assert moved["Subject"].startswith("Nowy termin posiedzenia")
    wait_until(lambda: notifications.db["calendar_entries"].find_one(
        {"_id": entry, "starts_at": {"$gte": datetime(2027, 3, 17, tzinfo=UTC)}}))

    assert consultations.post(f"{path}/cancel", officer,
                              json={"reason": "Brak kworum"}).status_code == 200
    [cancelled] = wait_until(lambda: smtp.to("anna@komisja.example.pl",
                                             "consultations.council.meeting_cancelled"))
    assert "Brak kworum" in text_of(cancelled)
    # it leaves every feed
    assert wait_until(lambda: notifications.db["calendar_entries"].find_one(
        {"_id": entry, "audiences": []}))
