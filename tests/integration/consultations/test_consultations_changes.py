"""Issue 18: a consultation is changed before it opens (409 once open); a consultation or
council meeting is called off or moved, and whoever follows it is told. A planned consultation
and a council meeting answer GET with their version as ETag; a PATCH of the consultation, a
move of one of its meetings or of the council's meeting with a stale If-Match answers 412
`stale` and changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from consultations_helpers import (
    CONSULTATIONS,
    COUNCILS,
    assert_error,
    comment,
    create_council,
    db_state,
    iso,
    now,
    open_consultation,
    parse_time,
)

UPDATED = "consultations.consultation.updated"
MEETING_CANCELLED = "consultations.consultation.meeting_cancelled"
MEETING_MOVED = "consultations.consultation.meeting_moved"
COUNCIL_CANCELLED = "consultations.council.meeting_cancelled"
COUNCIL_MOVED = "consultations.council.meeting_moved"


def planned(service, officer) -> dict:
    opens = now() + timedelta(days=2)
    return open_consultation(service, officer, opens_at=iso(opens),
                             closes_at=iso(opens + timedelta(days=14)))


def test_a_planned_consultation_is_changed_and_the_change_is_told(service, officer, events):
    consultation = planned(service, officer)
    closes = parse_time(consultation["closes_at"]) + timedelta(days=7)

    response = service.patch(f"{CONSULTATIONS}/{consultation['id']}", officer, json={
        "title": "Projekt programu współpracy na 2027 rok (wersja 2)",
        "closes_at": iso(closes)})

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "planned"
    assert parse_time(response.json()["closes_at"]) == closes
    (event,) = events.wait_for(UPDATED)
    assert event["subject"] == consultation["id"]
    assert event["data"]["changed_fields"] == ["closes_at", "title"]
    assert abs(parse_time(event["data"]["closes_at"]) - closes) < timedelta(milliseconds=1)


def test_an_open_consultation_is_not_changed_409(service, officer):
    consultation = open_consultation(service, officer)
    before = db_state(service.db)

    response = service.patch(f"{CONSULTATIONS}/{consultation['id']}", officer,
                             json={"title": "Inny tytuł"})

    assert_error(response, 409, "consultation_already_open")
    assert db_state(service.db) == before


def test_a_change_that_shortens_the_consultation_below_the_minimum_is_422(service, officer):
    consultation = planned(service, officer)
    opens = parse_time(consultation["opens_at"])

    response = service.patch(f"{CONSULTATIONS}/{consultation['id']}", officer,
                             json={"closes_at": iso(opens + timedelta(days=1))})

    assert response.status_code == 422, response.text


def meeting_of(service, officer, consultation: dict) -> dict:
    starts = parse_time(consultation["opens_at"]) + timedelta(days=3)
    response = service.post(f"{CONSULTATIONS}/{consultation['id']}/meetings", officer, json={
        "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=2)),
        "place": "Urząd Miasta, sala 101"})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_consultation_meeting_moved_then_called_off(service, officer, events):
    consultation = planned(service, officer)
    meeting = meeting_of(service, officer, consultation)
    path = f"{CONSULTATIONS}/{consultation['id']}/meetings/{meeting['id']}"
    starts = parse_time(meeting["starts_at"]) + timedelta(days=1)

    moved = service.post(f"{path}/move", officer, json={
        "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=2)),
        "place": "Dom Kultury"})

    assert moved.status_code == 200, moved.text
    assert moved.json()["place"] == "Dom Kultury"
    (event,) = events.wait_for(MEETING_MOVED)
    previous = parse_time(event["data"]["previous_starts_at"])
    assert abs(previous - parse_time(meeting["starts_at"])) < timedelta(milliseconds=1)
    assert abs(parse_time(event["data"]["starts_at"]) - starts) < timedelta(milliseconds=1)

    cancelled = service.post(f"{path}/cancel", officer, json={"reason": "Sala niedostępna"})

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancelled_at"] is not None
    (event,) = events.wait_for(MEETING_CANCELLED)
    assert event["data"]["reason"] == "Sala niedostępna"
    assert_error(service.post(f"{path}/cancel", officer, json={"reason": "Znowu"}), 409,
                 "meeting_cancelled")


def test_a_meeting_moved_outside_the_consultation_is_422_and_unknown_is_404(service, officer):
    consultation = planned(service, officer)
    meeting = meeting_of(service, officer, consultation)
    path = f"{CONSULTATIONS}/{consultation['id']}/meetings"
    late = parse_time(consultation["closes_at"]) + timedelta(days=1)

    assert service.post(f"{path}/{meeting['id']}/move", officer, json={
        "starts_at": iso(late), "ends_at": iso(late + timedelta(hours=1))}).status_code == 422
    assert_error(service.post(f"{path}/{'0' * 24}/cancel", officer, json={"reason": "x"}), 404)


def council_meeting(service, officer) -> tuple[dict, datetime, str]:
    """A council's meeting a week ahead: the council, when it starts, the meeting's path."""
    council = create_council(service, officer)
    starts = now() + timedelta(days=7)
    meeting = service.post(f"{COUNCILS}/{council['id']}/meetings", officer, json={
        "title": "Posiedzenie RDPP nr 1", "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=3)), "place": "Ratusz",
        "agenda": ["Wybór przewodniczącego"]}).json()
    return council, starts, f"{COUNCILS}/{council['id']}/meetings/{meeting['id']}"


def test_a_council_meeting_moved_and_called_off_is_told(service, officer, events):
    council, starts, path = council_meeting(service, officer)

    moved = service.post(f"{path}/move", officer, json={
        "starts_at": iso(starts + timedelta(days=1)),
        "ends_at": iso(starts + timedelta(days=1, hours=3))})

    assert moved.status_code == 200, moved.text
    assert moved.json()["place"] == "Ratusz"
    (event,) = events.wait_for(COUNCIL_MOVED)
    assert event["subject"] == council["id"] and event["data"]["agenda"] == [
        "Wybór przewodniczącego"]

    assert service.post(f"{path}/cancel", officer,
                        json={"reason": "Brak kworum"}).status_code == 200
    (event,) = events.wait_for(COUNCIL_CANCELLED)
    assert event["data"]["reason"] == "Brak kworum"
    assert_error(service.post(f"{path}/move", officer, json={
        "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=1))}), 409,
        "meeting_cancelled")


# --- If-Match: a change from a stale version (issue #18) ----------------------------------
def test_a_consultation_edited_from_a_stale_version_is_412_and_changes_nothing(
        service, officer):
    consultation = planned(service, officer)
    url = f"{CONSULTATIONS}/{consultation['id']}"
    read = service.get(url, officer)
    tag = read.headers["ETag"]
    assert tag == '"0"' and read.json()["version"] == 0

    first = service.patch(url, officer, json={"title": "Projekt programu (wersja 2)"},
                          headers={"If-Match": tag})
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] == '"1"'

    before = db_state(service.db)
    second = service.patch(url, officer, json={"title": "Projekt programu (wersja 3)"},
                           headers={"If-Match": tag})
    assert second.status_code == 412, second.text
    assert second.json()["error"]["code"] == "stale"
    assert second.json()["error"]["fields"] == {}
    assert second.headers["ETag"] == '"1"'
    assert db_state(service.db) == before

    # a meeting is part of its consultation: moving it from a stale version is refused too
    starts = now() + timedelta(days=5)
    meeting = service.post(f"{url}/meetings", officer, json={
        "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=2)),
        "place": "Urząd Miasta, sala 101"}).json()
    before = db_state(service.db)
    moved = service.post(f"{url}/meetings/{meeting['id']}/move", officer, json={
        "starts_at": iso(starts + timedelta(days=1)),
        "ends_at": iso(starts + timedelta(days=1, hours=2))}, headers={"If-Match": '"1"'})
    assert moved.status_code == 412, moved.text
    assert db_state(service.db) == before

    # without If-Match as before
    assert service.patch(url, officer, json={"title": "Wersja 4"}).status_code == 200
    assert service.get(url, officer).headers["ETag"] == '"3"'


def test_a_council_meeting_moved_from_a_stale_version_is_412_and_changes_nothing(
        service, officer):
    council, starts, path = council_meeting(service, officer)
    read = service.get(path)                         # public, like the list
    assert read.status_code == 200 and read.json()["title"] == "Posiedzenie RDPP nr 1"
    tag = read.headers["ETag"]
    assert tag == '"0"'

    def move(days: int, **headers: str):
        return service.post(f"{path}/move", officer, headers=headers, json={
            "starts_at": iso(starts + timedelta(days=days)),
            "ends_at": iso(starts + timedelta(days=days, hours=3))})

    first = move(1, **{"If-Match": tag})        # the council (no version) is not concerned
    assert first.status_code == 200, first.text
    before = db_state(service.db)
    second = move(2, **{"If-Match": tag})
    assert second.status_code == 412, second.text
    assert second.json()["error"] == {"code": "stale", "message": second.json()["error"][
        "message"], "fields": {}}
    assert second.headers["ETag"] == '"1"'
    assert db_state(service.db) == before
    assert move(2).status_code == 200                # without If-Match as before
    assert_error(service.get(f"{COUNCILS}/{council['id']}/meetings/{'0' * 24}"), 404)


def test_a_comment_counted_on_the_consultation_changes_its_etag(service, officer):
    """The comment count is part of the consultation (its `comments`), so counting one is a
    change like any other: a new version and ETag, and an If-Match read before it is stale."""
    consultation = open_consultation(service, officer, residents_may_comment=True)
    url = f"{CONSULTATIONS}/{consultation['id']}"
    read = service.get(url, officer)
    tag = read.headers["ETag"]

    made = comment(service, consultation["id"], None, author="Jan Nowicki", text="Więcej sal.")
    assert made.status_code == 201, made.text
    after = service.get(url, officer)
    assert after.json()["comments"] == read.json()["comments"] + 1
    assert after.json()["version"] == read.json()["version"] + 1
    assert after.headers["ETag"] != tag

    before = db_state(service.db)
    closed = service.post(f"{url}/close", officer, headers={"If-Match": tag})
    assert closed.status_code == 412, closed.text
    assert closed.headers["ETag"] == after.headers["ETag"]
    assert db_state(service.db) == before
