"""City rooms and equipment: a department offers them, a verified organisation requests a
booking, the managing department approves or refuses it, two approved bookings of one
resource never overlap (even when approved at the same moment), and cancellations."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from cooperation_helpers import (
    BOOKINGS_PATH,
    RESOURCES_PATH,
    Ngo,
    booking_body,
    create_resource,
    iso,
    local,
    resource_body,
    setup_department,
)
from registry_helpers import assert_error, create_department

from wspolpraca.envelope import format_time

RESOURCE_CREATED = "registry.resource.created"
REQUESTED = "registry.booking.requested"
APPROVED = "registry.booking.approved"
REFUSED = "registry.booking.refused"
CANCELLED = "registry.booking.cancelled"


@pytest.fixture
def department(registry, officer, events):
    return setup_department(registry, officer, "culture_dept")


@pytest.fixture
def dept_token(token, department):
    return token("department", department=department)


@pytest.fixture
def room(registry, dept_token, department):
    return create_resource(registry, dept_token, department)


@pytest.fixture
def ngo(registry, token, officer):
    return Ngo(registry, token, officer)


def bookings_path(resource_id: str) -> str:
    return f"{RESOURCES_PATH}/{resource_id}/bookings"


def request_booking(registry, ngo: Ngo, resource_id: str, starts, ends, **overrides) -> dict:
    response = registry.post(bookings_path(resource_id), ngo.token,
                             json=booking_body(ngo.id, starts, ends, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


def act(registry, token, booking_id: str, action: str, **body):
    return registry.post(f"{BOOKINGS_PATH}/{booking_id}/{action}", token, json=body)


# --- resources ----------------------------------------------------------------------------


def test_a_department_offers_a_room_that_anyone_can_browse(registry, dept_token, department,
                                                           events):
    response = registry.post(RESOURCES_PATH, dept_token, json=resource_body(department))

    assert response.status_code == 201, response.text
    room = response.json()
    assert room["kind"] == "room" and room["capacity"] == 40
    assert room["department"] == department
    assert len(room["opening_hours"]) == 7
    (event,) = events.wait_for(RESOURCE_CREATED)
    assert event["subject"] == room["id"]
    assert event["data"]["name"] == room["name"]
    assert registry.get(f"{RESOURCES_PATH}/{room['id']}").json()["id"] == room["id"]
    listed = registry.get(RESOURCES_PATH, params={"kind": "room",
                                                  "district": "srodmiescie"}).json()
    assert [r["id"] for r in listed["items"]] == [room["id"]]
    assert registry.get(RESOURCES_PATH, params={"kind": "equipment"}).json()["items"] == []


def test_a_department_offers_only_its_own_resources(registry, token, officer, department):
    other = token("department", department="sport_dept")
    assert_error(registry.post(RESOURCES_PATH, other, json=resource_body(department)), 403)
    assert_error(registry.post(RESOURCES_PATH, token("ngo"), json=resource_body(department)),
                 403)
    assert_error(registry.post(RESOURCES_PATH, None, json=resource_body(department)), 401)
    assert_error(registry.post(RESOURCES_PATH, officer, json=resource_body("no_such_dept")),
                 422, "unknown_department", ("department",))
    assert registry.db["resources"].count_documents({}) == 0


@pytest.mark.parametrize("hours", [
    [{"day": "mon", "opens": "18:00", "closes": "08:00"}],
    [{"day": "mon", "opens": "8:00x", "closes": "16:00"}],
    [{"day": "mon", "opens": "08:00", "closes": "16:00"},
     {"day": "mon", "opens": "15:00", "closes": "18:00"}],
])
def test_opening_hours_that_make_no_sense_are_refused(registry, officer, department, hours):
    response = registry.post(RESOURCES_PATH, officer,
                             json=resource_body(department, opening_hours=hours))
    assert_error(response, 422)


# --- the booking flow -------------------------------------------------------------------


def test_a_booking_goes_from_request_to_approval_and_into_the_calendar(
        registry, ngo, room, dept_token, events):
    starts, ends = local(3, 10), local(3, 13)
    booking = request_booking(registry, ngo, room["id"], starts, ends, attendees=25)

    assert booking["status"] == "requested"
    assert booking["organization_id"] == ngo.id
    assert booking["hours"] == 3.0
    (requested,) = events.wait_for(REQUESTED)
    assert requested["subject"] == booking["id"]

    # requested bookings are not in the public calendar yet
    public = registry.get(f"{RESOURCES_PATH}/{room['id']}/calendar").json()
    assert public["items"] == []
    staff = registry.get(f"{RESOURCES_PATH}/{room['id']}/calendar", dept_token).json()
    assert [i["id"] for i in staff["items"]] == [booking["id"]]

    tag = registry.get(f"{RESOURCES_PATH}/{room['id']}").headers["ETag"]
    response = act(registry, dept_token, booking["id"], "approve")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "approved"
    # the approval's lock on the resource is no change of the resource: its ETag stays
    assert registry.db["resources"].find_one({"_id": room["id"]})["booking_version"] == 1
    assert registry.get(f"{RESOURCES_PATH}/{room['id']}").headers["ETag"] == tag
    (approved,) = events.wait_for(APPROVED)
    data = approved["data"]
    assert data["title"] == "Walne zebranie członków"
    assert data["place"].startswith(room["name"])
    assert (data["starts_at"], data["ends_at"]) == (format_time(starts), format_time(ends))
    assert data["organization_name"] == ngo.organization["name"]
    assert data["hours"] == 3.0

    calendar = registry.get(f"{RESOURCES_PATH}/{room['id']}/calendar").json()
    assert [(i["id"], i["status"]) for i in calendar["items"]] == [(booking["id"], "approved")]
    mine = registry.get(BOOKINGS_PATH, ngo.token).json()
    assert [b["id"] for b in mine["items"]] == [booking["id"]]


def test_the_department_refuses_with_a_reason(registry, ngo, room, dept_token, token, events):
    booking = request_booking(registry, ngo, room["id"], local(4, 9), local(4, 11))

    assert_error(act(registry, dept_token, booking["id"], "refuse"), 422, fields=("reason",))
    assert_error(act(registry, dept_token, booking["id"], "refuse", reason="  "), 422,
                 fields=("reason",))
    other_department = token("department", department="sport_dept")
    assert_error(act(registry, other_department, booking["id"], "approve"), 403)
    assert_error(act(registry, ngo.token, booking["id"], "approve"), 403)

    response = act(registry, dept_token, booking["id"], "refuse",
                   reason="Sala w remoncie w tym terminie.")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "refused"
    (refused,) = events.wait_for(REFUSED)
    assert refused["data"]["reason"] == "Sala w remoncie w tym terminie."
    assert_error(act(registry, dept_token, booking["id"], "approve"), 409, "invalid_transition")


def test_an_officer_may_decide_for_any_department(registry, ngo, room, officer):
    booking = request_booking(registry, ngo, room["id"], local(4, 14), local(4, 15))
    assert act(registry, officer, booking["id"], "approve").json()["status"] == "approved"


# --- bad requests -----------------------------------------------------------------------


def test_refused_booking_requests_change_nothing(registry, ngo, room, token, officer):
    path = bookings_path(room["id"])
    before = registry.db["bookings"].count_documents({})
    cases = [
        (booking_body(ngo.id, local(-1, 10), local(-1, 12)), 422, "booking_in_the_past"),
        (booking_body(ngo.id, local(2, 12), local(2, 10)), 422, "invalid_period"),
        (booking_body(ngo.id, local(2, 6), local(2, 20)), 422, "booking_too_long"),
        (booking_body(ngo.id, local(400, 10), local(400, 12)), 422, "booking_too_far_ahead"),
        (booking_body(ngo.id, local(2, 10), local(2, 12), attendees=41), 422, "over_capacity"),
        (booking_body(ngo.id, local(2, 10), local(2, 12), purpose=" "), 422, None),
        ({**booking_body(ngo.id, local(2, 10), local(2, 12)), "starts_at": "2030-01-01T10:00"},
         422, None),
    ]
    for body, status, code in cases:
        assert_error(registry.post(path, ngo.token, json=body), status, code)
    # another organisation's id, an unverified organisation, an unknown resource
    assert_error(registry.post(path, ngo.token,
                               json=booking_body("665f1c2a9b1e8a0012345678", local(2, 10),
                                                 local(2, 12))), 403)
    unverified = Ngo(registry, token, officer, verified=False)
    assert_error(registry.post(path, unverified.token,
                               json=booking_body(unverified.id, local(2, 10), local(2, 12))),
                 409, "organization_not_verified")
    assert_error(registry.post(bookings_path("665f1c2a9b1e8a0012345678"), ngo.token,
                               json=booking_body(ngo.id, local(2, 10), local(2, 12))), 404)
    assert_error(registry.post(path, officer,
                               json=booking_body(ngo.id, local(2, 10), local(2, 12))), 403)
    assert registry.db["bookings"].count_documents({}) == before


def test_a_booking_outside_opening_hours_is_refused(registry, ngo, officer, department):
    weekdays_9_to_17 = [{"day": d, "opens": "09:00", "closes": "17:00"}
                        for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]
    room = create_resource(registry, officer, department, opening_hours=weekdays_9_to_17)
    path = bookings_path(room["id"])

    assert_error(registry.post(path, ngo.token, json=booking_body(ngo.id, local(2, 8),
                                                                   local(2, 10))),
                 422, "outside_opening_hours", ("starts_at",))
    assert_error(registry.post(path, ngo.token, json=booking_body(ngo.id, local(2, 16),
                                                                   local(2, 18))),
                 422, "outside_opening_hours")
    ok = registry.post(path, ngo.token, json=booking_body(ngo.id, local(2, 9), local(2, 17)))
    assert ok.status_code == 201, ok.text


def test_a_request_overlapping_an_approved_booking_is_refused(registry, ngo, room,
                                                              dept_token):
    first = request_booking(registry, ngo, room["id"], local(5, 10), local(5, 12))
    assert act(registry, dept_token, first["id"], "approve").status_code == 200

    response = registry.post(bookings_path(room["id"]), ngo.token,
                             json=booking_body(ngo.id, local(5, 11), local(5, 13)))
    assert_error(response, 409, "booking_overlaps")
    # back to back is fine
    request_booking(registry, ngo, room["id"], local(5, 12), local(5, 14))


def test_approving_a_booking_that_overlaps_an_approved_one_is_a_conflict(
        registry, ngo, room, dept_token, events):
    first = request_booking(registry, ngo, room["id"], local(6, 10), local(6, 12))
    second = request_booking(registry, ngo, room["id"], local(6, 11), local(6, 13))
    assert act(registry, dept_token, first["id"], "approve").status_code == 200

    assert_error(act(registry, dept_token, second["id"], "approve"), 409, "booking_overlaps")
    assert registry.db["bookings"].find_one({"_id": second["id"]})["status"] == "requested"
    events.wait_for(APPROVED)
    events.settle()
    assert len(events.of_type(APPROVED)) == 1


def test_concurrent_approvals_of_overlapping_bookings_approve_exactly_one(
        registry, ngo, room, officer, dept_token, department):
    other_room = create_resource(registry, officer, department, name="Sala nr 2")
    overlapping = [request_booking(registry, ngo, room["id"], local(7, 10, 5 * i),
                                   local(7, 12, 5 * i)) for i in range(8)]
    elsewhere = request_booking(registry, ngo, other_room["id"], local(7, 10), local(7, 12))
    barrier = threading.Barrier(len(overlapping) + 1)
    statuses: dict[str, int] = {}

    def approve(booking_id: str, who: str) -> None:
        barrier.wait()
        statuses[booking_id] = act(registry, who, booking_id, "approve").status_code

    threads = [threading.Thread(target=approve, args=(b["id"], dept_token if i % 2 else officer))
               for i, b in enumerate(overlapping)]
    threads.append(threading.Thread(target=approve, args=(elsewhere["id"], dept_token)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = sorted(statuses[b["id"]] for b in overlapping)
    assert codes == [200] + [409] * 7, statuses
    assert statuses[elsewhere["id"]] == 200
    approved = list(registry.db["bookings"].find({"resource_id": room["id"],
                                                  "status": "approved"}))
    assert len(approved) == 1


# --- cancellations and lists ------------------------------------------------------------


def test_a_cancelled_booking_frees_the_slot(registry, ngo, room, dept_token, events):
    first = request_booking(registry, ngo, room["id"], local(8, 10), local(8, 12))
    second = request_booking(registry, ngo, room["id"], local(8, 10), local(8, 12))
    assert act(registry, dept_token, first["id"], "approve").status_code == 200

    response = act(registry, ngo.token, first["id"], "cancel", reason="Zebranie przeniesione.")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    (cancelled,) = events.wait_for(CANCELLED)
    assert cancelled["data"]["reason"] == "Zebranie przeniesione."
    assert_error(act(registry, ngo.token, first["id"], "cancel"), 409, "invalid_transition")
    assert act(registry, dept_token, second["id"], "approve").status_code == 200


def test_only_those_concerned_see_or_cancel_a_booking(registry, ngo, room, token, officer,
                                                      dept_token):
    booking = request_booking(registry, ngo, room["id"], local(9, 10), local(9, 12))
    stranger = Ngo(registry, token, officer)

    assert_error(registry.get(f"{BOOKINGS_PATH}/{booking['id']}", stranger.token), 403)
    assert_error(act(registry, stranger.token, booking["id"], "cancel"), 403)
    assert registry.get(BOOKINGS_PATH, stranger.token).json()["items"] == []
    assert_error(registry.get(BOOKINGS_PATH, stranger.token,
                              params={"organization_id": ngo.id}), 403)
    assert registry.get(f"{BOOKINGS_PATH}/{booking['id']}", ngo.token).status_code == 200
    by_department = registry.get(BOOKINGS_PATH, dept_token).json()["items"]
    assert [b["id"] for b in by_department] == [booking["id"]]
    other = token("department", department="sport_dept")
    assert registry.get(BOOKINGS_PATH, other).json()["items"] == []
    by_resource = registry.get(BOOKINGS_PATH, officer,
                               params={"resource_id": room["id"]}).json()["items"]
    assert [b["id"] for b in by_resource] == [booking["id"]]


def test_the_calendar_window_is_bounded(registry, room):
    path = f"{RESOURCES_PATH}/{room['id']}/calendar"
    start = local(1, 0)
    assert_error(registry.get(path, params={"from": iso(start),
                                            "to": iso(start - timedelta(days=1))}), 422)
    assert_error(registry.get(path, params={"from": iso(start),
                                            "to": iso(start + timedelta(days=400))}), 422)
    assert_error(registry.get(f"{RESOURCES_PATH}/665f1c2a9b1e8a0012345678/calendar"), 404)


def test_a_second_department_has_its_own_rooms(registry, officer, token):
    create_department(registry, officer, "sport_dept", areas=["sport"])
    sport = token("department", department="sport_dept")
    hall = create_resource(registry, sport, "sport_dept", name="Hala sportowa", kind="room")
    assert hall["department"] == "sport_dept"
    listed = registry.get(RESOURCES_PATH, params={"department": "sport_dept"}).json()["items"]
    assert [r["id"] for r in listed] == [hall["id"]]


def test_openapi_and_metrics_describe_non_financial_cooperation(registry, ngo, room):
    spec = registry.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/resources", "/api/v1/resources/{id}/bookings",
                 "/api/v1/bookings/{id}/approve", "/api/v1/resources/{id}/calendar",
                 "/api/v1/trainings/{id}/registrations", "/api/v1/patronages/{id}/grant",
                 "/api/v1/partnerships", "/api/v1/volunteering"):
        assert path in spec["paths"], path
    request_booking(registry, ngo, room["id"], local(2, 10), local(2, 11))
    metrics = registry.get("/metrics").text
    assert 'wspolpraca_registry_resources{kind="room",service="registry"} 1.0' in metrics
    assert 'wspolpraca_registry_bookings{service="registry",status="requested"} 1.0' in metrics


def test_a_booking_of_an_organisation_suspended_since_is_not_approved(registry, ngo, room,
                                                                      officer, dept_token):
    booking = request_booking(registry, ngo, room["id"], local(11, 10), local(11, 12))
    suspended = registry.post(f"/api/v1/organizations/{ngo.id}/suspend", officer,
                              json={"reason": "Brak sprawozdania."})
    assert suspended.status_code == 200, suspended.text

    assert_error(act(registry, dept_token, booking["id"], "approve"), 409,
                 "organization_not_verified")
    assert registry.db["bookings"].find_one({"_id": booking["id"]})["status"] == "requested"
    # it may still be refused
    assert act(registry, dept_token, booking["id"], "refuse",
               reason="Organizacja zawieszona.").status_code == 200


def test_the_department_changes_its_resource(registry, room, dept_token, token, events):
    path = f"{RESOURCES_PATH}/{room['id']}"
    changes = {"capacity": 60, "opening_hours": [{"day": "sat", "opens": "10:00",
                                                  "closes": "14:00"}],
               "district": "Widzew"}
    response = registry.patch(path, dept_token, json=changes)

    assert response.status_code == 200, response.text
    assert response.json()["capacity"] == 60
    (event,) = events.wait_for("registry.resource.updated")
    assert event["data"]["changed_fields"] == ["capacity", "district", "opening_hours"]
    assert event["data"]["opening_hours"] == changes["opening_hours"]
    found = registry.get(RESOURCES_PATH, params={"district": "widzew"}).json()["items"]
    assert [r["id"] for r in found] == [room["id"]]
    # the same again changes nothing and says nothing
    assert registry.patch(path, dept_token, json=changes).status_code == 200
    events.settle()
    assert len(events.of_type("registry.resource.updated")) == 1
    other = token("department", department="sport_dept")
    assert_error(registry.patch(path, other, json={"capacity": 10}), 403)
    assert_error(registry.patch(path, dept_token, json={"department": "sport_dept"}), 422,
                 fields=("department",))
    assert_error(registry.patch(path, dept_token, json={"opening_hours": [
        {"day": "sat", "opens": "14:00", "closes": "10:00"}]}), 422, "invalid_opening_hours")
    assert registry.get(path).json()["capacity"] == 60
