"""Issue #18: a planned consultation and a council meeting answer GET with their version as
ETag; a PATCH of the consultation, a move of one of its meetings or of the council's meeting
with a stale If-Match answers 412 `stale` and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from consultations_helpers import (
    CONSULTATIONS,
    COUNCILS,
    assert_error,
    create_council,
    db_state,
    iso,
    now,
    open_consultation,
)


def planned(service, officer) -> dict:
    opens = now() + timedelta(days=2)
    return open_consultation(service, officer, opens_at=iso(opens),
                             closes_at=iso(opens + timedelta(days=14)))


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
    council = create_council(service, officer)
    starts = now() + timedelta(days=7)
    meeting = service.post(f"{COUNCILS}/{council['id']}/meetings", officer, json={
        "title": "Posiedzenie RDPP nr 1", "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=3)), "place": "Ratusz",
        "agenda": ["Wybór przewodniczącego"]}).json()
    path = f"{COUNCILS}/{council['id']}/meetings/{meeting['id']}"
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
