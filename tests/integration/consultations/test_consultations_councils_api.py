"""Dialogue councils through the API: requests of at least 5 organisations (late after 2
months), creation with at least half the members from NGOs and a 3-year term, members
appointed and leaving, meetings with minutes, and opinions within 14 days (lapsing when
none comes in time)."""

from __future__ import annotations

from datetime import timedelta

from consultations_helpers import (
    COUNCILS,
    assert_error,
    council_body,
    create_council,
    db_state,
    iso,
    now,
    org_id,
    parse_time,
)

from consultations.service import ConsultationsService
from wspolpraca.testing.answers import created
from wspolpraca.testing.entrypoints import run_entrypoint

CREATED = "consultations.council.created"
APPOINTED = "consultations.council.member_appointed"
LEFT = "consultations.council.member_left"
MEETING = "consultations.council.meeting_scheduled"
REQUESTED = "consultations.council.opinion_requested"
ISSUED = "consultations.council.opinion_issued"
LAPSED = "consultations.council.opinion_lapsed"
REQUEST_OVERDUE = "consultations.council_request.overdue"


def path(*parts: str) -> str:
    return "/".join([COUNCILS, *parts])


# --- creating a council ---------------------------------------------------------------


def test_a_council_with_exactly_half_ngo_members_is_created(service, officer, events):
    council = created(service.post(COUNCILS, officer, json=council_body()))

    assert council["term_start"] == "2026-03-01"
    assert council["term_end"] == "2029-02-28"
    assert [m["side"] for m in council["members"]] == ["ngo", "ngo", "city", "city"]
    assert council["ngo_share_ok"] is True
    (event,) = events.wait_for(CREATED)
    assert event["subject"] == council["id"]
    assert [m["name"] for m in event["data"]["members"]] == [
        "Anna Nowak", "Piotr Wiśniewski", "Jan Kowalski", "Maria Zielińska"]


def test_fewer_than_half_ngo_members_is_422_and_changes_nothing(service, officer, events):
    before = db_state(service.db)
    body = council_body()
    body["members"].append({"name": "Adam Miejski", "side": "city"})

    response = service.post(COUNCILS, officer, json=body)

    assert_error(response, 422, "ngo_share_too_low", ("members",))
    assert db_state(service.db) == before
    assert events.settle() == []


def test_bad_council_input_is_refused(service, officer):
    assert_error(service.post(COUNCILS, officer, json=council_body(kind="club")), 422,
                 "validation_failed", ("kind",))
    assert_error(service.post(COUNCILS, officer, json=council_body(members=[
        {"name": "Anna", "side": "business"}])), 422, "validation_failed",
        ("members.0.side",))
    assert_error(service.post(COUNCILS, officer, json=council_body(members=[])), 422,
                 "members_required")
    assert_error(service.post(COUNCILS, officer, json=council_body(members=[
        {"name": "Jan", "side": "city", "email": "nie-adres", "user_id": ""}])), 422,
        "validation_failed", ("members.0.email", "members.0.user_id"))
    assert_error(service.post(COUNCILS, officer, json=council_body(term_start="01.03.2026")),
                 422, "validation_failed", ("term_start",))
    # a date before any rule in force (the term's length has no value then): not a 500
    before_the_law = service.post(COUNCILS, officer, json=council_body(term_start="0031-02-16"))
    assert_error(before_the_law, 422, "date_out_of_range")
    assert "0031-02-16" in before_the_law.json()["error"]["message"]
    assert service.db["councils"].count_documents({}) == 0


def test_the_public_reads_councils_without_a_token(service, officer, token):
    council = create_council(service, officer)
    assert service.get(COUNCILS).json()["items"][0]["id"] == council["id"]
    assert service.get(path(council["id"])).json()["name"] == council["name"]
    assert_error(service.post(COUNCILS, json=council_body()), 401)
    assert_error(service.post(COUNCILS, token("ngo", org_id=org_id()), json=council_body()),
                 403)


# --- members ------------------------------------------------------------------------


def test_members_are_appointed_and_leave(service, officer, events):
    council = create_council(service, officer)
    appointed = service.post(path(council["id"], "members"), officer,
                             json={"name": "Ola Społeczna", "side": "ngo",
                                   "organization_id": org_id(), "user_id": "rada-ola",
                                   "email": "ola@rada.example.pl"})
    assert appointed.status_code == 201, appointed.text
    member = appointed.json()["members"][-1]
    assert "email" not in member and "user_id" not in member  # the council is public
    (event,) = events.wait_for(APPOINTED)
    assert event["data"]["member"]["name"] == "Ola Społeczna"
    # how notifications reach the member (both optional)
    assert (event["data"]["member"]["user_id"], event["data"]["member"]["email"]) == (
        "rada-ola", "ola@rada.example.pl")
    assert (event["data"]["members"], event["data"]["ngo_members"]) == (5, 3)

    left = service.post(path(council["id"], "members", member["id"], "leave"), officer,
                        json={"reason": "Rezygnacja"})
    assert left.status_code == 200, left.text
    (event,) = events.wait_for(LEFT)
    assert event["data"]["member"]["id"] == member["id"]
    assert event["data"]["reason"] == "Rezygnacja"
    assert (event["data"]["members"], event["data"]["ngo_members"]) == (4, 2)
    assert_error(service.post(path(council["id"], "members", member["id"], "leave"),
                              officer, json={}), 409, "member_already_left")


def test_appointing_a_city_member_that_breaks_the_half_rule_is_refused(service, officer,
                                                                       events):
    council = create_council(service, officer)
    events.wait_for(CREATED)
    before = db_state(service.db)
    response = service.post(path(council["id"], "members"), officer,
                            json={"name": "Adam Miejski", "side": "city"})
    assert_error(response, 422, "ngo_share_too_low")
    assert db_state(service.db) == before
    assert [e["type"] for e in events.settle()] == [CREATED]


# --- requests to create a council ---------------------------------------------------


def test_a_request_of_5_organisations_is_accepted_and_due_in_2_months(service, officer,
                                                                      token, organizations):
    supporters = organizations(service, 5)
    request = created(service.post(path("requests"), token("ngo", org_id=supporters[0]), json={
        "kind": "sector_commission", "name": "Komisja Dialogu ds. Kultury",
        "supporters": supporters}))

    received, deadline = parse_time(request["received_at"]), parse_time(request["deadline"])
    assert 59 <= (deadline - received).days <= 62
    assert request["late"] is False

    council = create_council(service, officer, request_id=request["id"],
                             kind="sector_commission")
    assert council["request_id"] == request["id"]
    assert_error(service.post(COUNCILS, officer, json=council_body(request_id=request["id"])),
                 409, "request_already_acted_on")


def test_a_request_of_4_organisations_is_refused(service, officer):
    before = db_state(service.db)
    response = service.post(path("requests"), officer, json={
        "kind": "public_benefit_council", "name": "RDPP",
        "supporters": [org_id() for _ in range(4)]})
    assert_error(response, 422, "too_few_supporters", ("supporters",))
    assert db_state(service.db) == before


def test_only_verified_organisations_support_a_request(service, officer, token,
                                                       organizations):
    verified = organizations(service, 4)
    (pending,) = organizations(service, status="pending")
    before = db_state(service.db)
    error = assert_error(service.post(path("requests"), officer, json={
        "kind": "public_benefit_council", "name": "RDPP", "supporters": [*verified, pending]}),
        422, "unverified_supporters", ("supporters",))
    assert pending in error["fields"]["supporters"][0]
    assert db_state(service.db) == before
    assert_error(service.post(path("requests"), token("ngo", org_id=org_id()), json={
        "kind": "public_benefit_council", "name": "RDPP", "supporters": verified + [org_id()]}),
        403)


def test_late_requests_are_reported(start_service, officer, events, organizations):
    service = start_service(ConsultationsService, timers_enabled=True)
    supporters = organizations(service, 5)
    late = service.post(path("requests"), officer, json={
        "kind": "district_commission", "name": "Komisja Dzielnicy Północ",
        "supporters": supporters}).json()
    fresh = service.post(path("requests"), officer, json={
        "kind": "district_commission", "name": "Komisja Dzielnicy Południe",
        "supporters": supporters}).json()
    service.db["council_requests"].update_one(
        {"_id": late["id"]}, {"$set": {"deadline": now() - timedelta(days=3, minutes=1)}})

    listed = service.get(path("requests") + "?late=true", officer).json()["items"]
    assert [r["id"] for r in listed] == [late["id"]]
    assert run_entrypoint(service, "report_late_council_requests") == 1
    assert run_entrypoint(service, "report_late_council_requests") == 0
    (event,) = events.wait_for(REQUEST_OVERDUE)
    assert event["subject"] == late["id"]
    assert event["data"]["days_late"] == 3
    assert fresh["id"] not in [e["subject"] for e in events.of_type(REQUEST_OVERDUE)]


# --- meetings -----------------------------------------------------------------------


def test_a_council_meeting_with_agenda_attendance_minutes_and_resolutions(service, officer,
                                                                          events):
    council = create_council(service, officer)
    starts = now() + timedelta(days=7)
    meeting = created(service.post(path(council["id"], "meetings"), officer, json={
        "title": "Posiedzenie RDPP nr 1", "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=3)), "place": "Ratusz, sala sesyjna",
        "agenda": ["Wybór przewodniczącego", "Opinia o programie współpracy"]}))
    (event,) = events.wait_for(MEETING)
    assert event["data"]["title"] == "Posiedzenie RDPP nr 1"
    assert event["data"]["place"] == "Ratusz, sala sesyjna"
    assert parse_time(event["data"]["ends_at"]) - parse_time(event["data"]["starts_at"]) \
        == timedelta(hours=3)

    members = [m["id"] for m in council["members"]]
    minutes = service.post(path(council["id"], "meetings", meeting["id"], "minutes"), officer,
                           json={"attendance": members[:3], "minutes": "Obrady otwarto.",
                                 "resolutions": [{"number": "1/2026",
                                                  "title": "W sprawie wyboru przewodniczącego"}]})
    assert minutes.status_code == 200, minutes.text
    assert minutes.json()["attendance"] == members[:3]
    assert service.get(path(council["id"], "meetings")).json()["items"][0]["minutes"] \
        == "Obrady otwarto."
    assert_error(service.post(path(council["id"], "meetings", meeting["id"], "minutes"),
                              officer, json={"attendance": ["stranger"], "minutes": "x"}),
                 422, "unknown_member")
    assert_error(service.post(path(council["id"], "meetings"), officer, json={
        "title": "Zła", "starts_at": iso(starts), "ends_at": iso(starts), "place": "Sala"}),
        422, "meeting_ends_before_start")


# --- opinions -----------------------------------------------------------------------


def request_opinion(service, officer, council_id: str) -> dict:
    return created(service.post(path(council_id, "opinion-requests"), officer,
                                json={"subject": "Projekt programu współpracy na 2027 rok"}))


def test_the_council_gives_its_opinion_within_14_days(service, officer, events):
    council = create_council(service, officer)
    request = request_opinion(service, officer, council["id"])
    assert parse_time(request["deadline"]) - parse_time(request["requested_at"]) \
        == timedelta(days=14)
    (requested,) = events.wait_for(REQUESTED)
    assert requested["data"]["status"] == "requested"

    # the last moment still counts
    service.db["opinion_requests"].update_one(
        {"_id": request["id"]}, {"$set": {"deadline": now() + timedelta(seconds=5)}})
    response = service.post(path(council["id"], "opinion-requests", request["id"], "opinion"),
                            officer, json={"opinion": "Rada opiniuje projekt pozytywnie."})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "issued"
    (issued,) = events.wait_for(ISSUED)
    assert issued["data"]["opinion"] == "Rada opiniuje projekt pozytywnie."
    assert_error(service.post(path(council["id"], "opinion-requests", request["id"],
                                   "opinion"), officer, json={"opinion": "Drugi raz"}),
                 409, "opinion_already_issued")


def test_an_opinion_after_the_deadline_is_409_and_changes_nothing(service, officer, events):
    council = create_council(service, officer)
    request = request_opinion(service, officer, council["id"])
    service.db["opinion_requests"].update_one(
        {"_id": request["id"]}, {"$set": {"deadline": now() - timedelta(seconds=1)}})
    events.wait_for(REQUESTED)
    before = db_state(service.db)

    response = service.post(path(council["id"], "opinion-requests", request["id"], "opinion"),
                            officer, json={"opinion": "Spóźniona opinia."})

    assert_error(response, 409, "opinion_deadline_passed")
    assert db_state(service.db) == before
    assert ISSUED not in [e["type"] for e in events.settle()]


def test_no_opinion_in_time_lapses(start_service, officer, events):
    service = start_service(ConsultationsService, timers_enabled=True)
    council = create_council(service, officer)
    overdue = request_opinion(service, officer, council["id"])
    pending = request_opinion(service, officer, council["id"])
    service.db["opinion_requests"].update_one(
        {"_id": overdue["id"]}, {"$set": {"deadline": now() - timedelta(seconds=1)}})

    assert run_entrypoint(service, "lapse_overdue_opinions") == 1
    assert run_entrypoint(service, "lapse_overdue_opinions") == 0

    (event,) = events.wait_for(LAPSED)
    assert event["data"]["id"] == overdue["id"]
    assert event["data"]["status"] == "lapsed"
    listed = {r["id"]: r["status"] for r in
              service.get(path(council["id"], "opinion-requests")).json()["items"]}
    assert listed == {overdue["id"]: "lapsed", pending["id"]: "requested"}
