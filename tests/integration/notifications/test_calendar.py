"""Calendar feeds: the public iCalendar feed and a personal one behind a signed link."""

from __future__ import annotations

from urllib.parse import urlsplit

from icalendar import Calendar

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
