"""Calendar feeds: the public iCalendar feed and a personal one behind a signed link."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

from icalendar import Calendar
from notifications_helpers import FAST, send

from notifications.service import NotificationsService
from wspolpraca.testing.waiting import wait_until

EVENTS = "/api/v1/calendar/events"


def entry(**overrides):
    body = {"title": "Targi organizacji pozarządowych", "kind": "event",
            "starts_at": "2030-06-01T10:00:00+02:00", "ends_at": "2030-06-01T16:00:00+02:00",
            "location": "Rynek Główny", "description": "Stoiska; występy, konkursy",
            "areas": ["culture"]}
    body.update(overrides)
    return body


def test_an_officer_publishes_a_city_event_and_the_public_feed_shows_it(notifications,
                                                                       officer):
    created = notifications.post(EVENTS, officer, json=entry())
    assert created.status_code == 201, created.text
    notifications.post(EVENTS, officer, json=entry(
        title="Szkolenie z rozliczania dotacji", kind="training",
        starts_at="2030-05-10T09:00:00Z", ends_at="2030-05-10T12:00:00Z"))
    feed = notifications.get("/api/v1/calendar.ics")
    assert feed.status_code == 200
    assert feed.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Szkolenie z rozliczania dotacji",
                                                   "Targi organizacji pozarządowych"]
    fair = events[1]
    assert str(fair["uid"]) == f"{created.json()['id']}@wspolpraca"
    assert fair.decoded("dtstart").isoformat() == "2030-06-01T08:00:00+00:00"
    assert str(fair["location"]) == "Rynek Główny"
    assert str(fair["description"]) == "Stoiska; występy, konkursy"


def test_a_personal_feed_has_its_own_entries_behind_a_signed_link(notifications, officer,
                                                                  token):
    notifications.post(EVENTS, officer, json=entry(title="Dla wszystkich"))
    notifications.db["calendar_entries"].insert_one({
        "_id": "665f1c2a9b1e8a00aaaaaaaa", "title": "Posiedzenie rady", "kind": "council_meeting",
        "starts_at": notifications.db["calendar_entries"].find_one()["starts_at"],
        "ends_at": None, "audiences": ["org:665f1c2a9b1e8a0012345678"], "areas": []})
    member = token("ngo", org_id="665f1c2a9b1e8a0012345678")
    link = notifications.get("/api/v1/calendar/feed", member).json()["url"]
    assert link.startswith("https://wspolpraca.test/api/v1/calendar/my.ics?token=")
    parts = urlsplit(link)
    mine = Calendar.from_ical(notifications.get(f"{parts.path}?{parts.query}").content)
    assert sorted(str(e["summary"]) for e in mine.walk("VEVENT")) == [
        "Dla wszystkich", "Posiedzenie rady"]
    public = Calendar.from_ical(notifications.get("/api/v1/calendar.ics").content)
    assert [str(e["summary"]) for e in public.walk("VEVENT")] == ["Dla wszystkich"]
    forged = notifications.get(f"{parts.path}?{parts.query[:-4]}abcd")
    assert forged.status_code == 400


def test_only_an_officer_publishes_and_bad_entries_are_refused(notifications, officer, token):
    ngo = token("ngo", org_id="665f1c2a9b1e8a0012345678")
    assert notifications.post(EVENTS, ngo, json=entry()).status_code == 403
    assert notifications.post(EVENTS, json=entry()).status_code == 401
    for bad, field in ((entry(starts_at="2030-06-01T10:00:00"), "starts_at"),
                       (entry(ends_at="2030-06-01T09:00:00+02:00"), "ends_at"),
                       (entry(title="  "), "title"),
                       (entry(areas=["nonsense"]), "areas")):
        response = notifications.post(EVENTS, officer, json=bad)
        assert response.status_code == 422, response.text
        assert field in response.json()["error"]["fields"], response.text
    assert notifications.db["calendar_entries"].count_documents({}) == 0


# --- kept renderings, ETag and 304 (notifications.feeds) -----------------------------------

COUNCIL_MEETING = {
    "id": "665f1c2a9b1e8a00000000c1", "title": "Posiedzenie nr 7",
    "starts_at": "2030-03-10T16:00:00.000Z", "ends_at": "2030-03-10T18:00:00.000Z",
    "place": "Sala Sesyjna", "council_id": "665f1c2a9b1e8a00000000c2",
    "council_name": "Rada Działalności Pożytku Publicznego", "agenda": ["Sprawy różne"]}


def summaries(response) -> list[str]:
    return sorted(str(e["summary"]) for e in Calendar.from_ical(response.content).walk("VEVENT"))


def replica(start_service, smtp, database: str):
    """A replica of notifications on `database` (as a pod of a Deployment)."""
    extra = {**FAST, "smtp_host": "127.0.0.1", "smtp_port": smtp.port}
    return start_service(NotificationsService, mongo_database=database, extra=extra)


def test_the_feed_is_kept_until_an_entry_changes_in_any_replica_and_answers_304(
        start_service, smtp, officer):
    database = f"notifications_feeds_{uuid.uuid4().hex[:8]}"
    one, two = replica(start_service, smtp, database), replica(start_service, smtp, database)
    assert one.post(EVENTS, officer, json=entry(title="Pierwsze")).status_code == 201
    first = one.get("/api/v1/calendar.ics")
    assert first.status_code == 200
    tag = first.headers["ETag"]
    assert tag.startswith('"') and not tag.startswith("W/")   # a strong tag
    assert first.headers["Cache-Control"] == "public, no-cache"
    # the other replica renders the same bytes under the same tag
    other = two.get("/api/v1/calendar.ics")
    assert (other.headers["ETag"], other.content) == (tag, first.content)
    assert summaries(other) == ["Pierwsze"]

    for service in (one, two):
        unchanged = service.get("/api/v1/calendar.ics", headers={"If-None-Match": tag})
        assert unchanged.status_code == 304
        assert unchanged.content == b""
        assert unchanged.headers["ETag"] == tag
        assert unchanged.headers["Cache-Control"] == "public, no-cache"

    # an entry published through one replica: both answer the new feed at once
    assert one.post(EVENTS, officer, json=entry(title="Drugie")).status_code == 201
    for service in (two, one):
        changed = service.get("/api/v1/calendar.ics", headers={"If-None-Match": tag})
        assert changed.status_code == 200
        assert changed.headers["ETag"] != tag
        assert summaries(changed) == ["Drugie", "Pierwsze"]
    assert two.get("/api/v1/calendar.ics", headers={"If-None-Match": changed.headers["ETag"]}
                   ).status_code == 304
    # a process started afresh (nothing kept) answers the same bytes under the same tag
    restarted = replica(start_service, smtp, database).get("/api/v1/calendar.ics")
    assert (restarted.headers["ETag"], restarted.content) == (
        changed.headers["ETag"], changed.content)
    documented = one.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/calendar.ics", "/api/v1/calendar/my.ics"):
        assert "304" in documented[path]["get"]["responses"]
        assert "ETag" in documented[path]["get"]["responses"]["200"]["headers"]


def test_an_entry_an_event_moves_out_of_every_feed_leaves_the_kept_ones(
        notifications, amqp_uri, token):
    send(amqp_uri, "consultations", "council.meeting_scheduled", COUNCIL_MEETING["id"],
         COUNCIL_MEETING)
    entry_id = f"council-meeting-{COUNCIL_MEETING['id']}"
    wait_until(lambda: notifications.db["calendar_entries"].find_one({"_id": entry_id}))
    member = token("ngo", org_id="665f1c2a9b1e8a0012345678")
    parts = urlsplit(notifications.get("/api/v1/calendar/feed", member).json()["url"])
    personal = f"{parts.path}?{parts.query}"
    public = notifications.get("/api/v1/calendar.ics")
    mine = notifications.get(personal)
    assert summaries(public) == summaries(mine) == [
        "Rada Działalności Pożytku Publicznego: Posiedzenie nr 7"]
    assert mine.headers["Cache-Control"] == "private, no-cache"
    assert notifications.get(personal, headers={"If-None-Match": mine.headers["ETag"]}
                             ).status_code == 304
    # a forged link is refused before any 304
    forged = notifications.get(f"{parts.path}?{parts.query[:-4]}abcd",
                               headers={"If-None-Match": mine.headers["ETag"]})
    assert forged.status_code == 400

    send(amqp_uri, "consultations", "council.meeting_cancelled", COUNCIL_MEETING["id"],
         {**COUNCIL_MEETING, "reason": "Brak kworum"})
    wait_until(lambda: notifications.db["calendar_entries"].find_one(
        {"_id": entry_id, "audiences": []}))
    for path, before in (("/api/v1/calendar.ics", public), (personal, mine)):
        after = notifications.get(path, headers={"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200
        assert after.headers["ETag"] != before.headers["ETag"]
        assert summaries(after) == []


def test_entries_from_before_versions_were_kept_get_one_at_the_start(start_service, smtp,
                                                                       mongo_client):
    database = f"notifications_feeds_{uuid.uuid4().hex[:8]}"
    mongo_client[database]["calendar_entries"].insert_many([
        {"_id": "665f1c2a9b1e8a00aaaaaab1", "title": "Dawniej zapisane", "kind": "event",
         "starts_at": datetime(2030, 6, 1, 8, tzinfo=UTC), "ends_at": None,
         "audiences": ["public"], "areas": []},
        {"_id": "665f1c2a9b1e8a00aaaaaab2", "title": "Rezerwacja", "kind": "booking",
         "starts_at": datetime(2030, 6, 2, 8, tzinfo=UTC), "ends_at": None,
         "audiences": ["org:665f1c2a9b1e8a0012345678", "dept:culture"], "areas": []}])
    one = replica(start_service, smtp, database)
    assert sorted(d["_id"] for d in one.db["calendar_versions"].find()) == [
        "dept:culture", "org:665f1c2a9b1e8a0012345678", "public"]
    two = replica(start_service, smtp, database)   # a second start changes nothing
    assert one.db["calendar_versions"].count_documents({"changes": 0}) == 3
    first, other = one.get("/api/v1/calendar.ics"), two.get("/api/v1/calendar.ics")
    assert summaries(first) == ["Dawniej zapisane"]
    assert (other.headers["ETag"], other.content) == (first.headers["ETag"], first.content)
