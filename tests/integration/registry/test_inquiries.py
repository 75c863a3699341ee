"""Inquiries to the liaison office: anyone may file one; it is routed to the department
handling its area, which assigns, answers and closes it within 14 days; an inquiry past
its deadline is reported once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from nameko.testing.services import entrypoint_hook
from registry_helpers import (
    INQUIRIES_PATH,
    assert_error,
    create_department,
    db_state,
    file_inquiry,
    register,
    wait_for_count,
)

from registry.service import RegistryService

RECEIVED = "registry.inquiry.received"
ROUTED = "registry.inquiry.routed"
OVERDUE = "registry.inquiry.overdue"


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def same_moment(first: str, second: str) -> bool:
    """Two RFC 3339 times naming the same millisecond (what MongoDB keeps)."""
    a, b = parse_time(first), parse_time(second)
    return a.replace(microsecond=a.microsecond // 1000 * 1000) == \
        b.replace(microsecond=b.microsecond // 1000 * 1000)


def inquiry_path(inquiry_id: str, action: str = "") -> str:
    return f"{INQUIRIES_PATH}/{inquiry_id}" + (f"/{action}" if action else "")


@pytest.fixture
def culture(registry, officer, events):
    """The culture department handles inquiries about culture (created once the
    test's event listener is bound, so its event is seen too)."""
    create_department(registry, officer, "culture_dept", areas=["culture"])
    return "culture_dept"


@pytest.fixture
def culture_token(token, culture):
    return token("department", department=culture)


@pytest.fixture
def sport_token(registry, officer, token, events):
    create_department(registry, officer, "sport_dept", areas=["sport"])
    return token("department", department="sport_dept")


# --- filing and routing ------------------------------------------------------------------


def test_anyone_may_file_an_inquiry_without_a_token(registry, events):
    response = registry.post(INQUIRIES_PATH, json={
        "subject": "Konkurs na festyn", "text": "Kiedy ogłoszenie?", "area": "education",
        "name": "Ewa Zielińska", "email": "ewa@example.pl"})

    assert response.status_code == 201, response.text
    inquiry = response.json()
    assert inquiry["id"]
    assert inquiry["status"] == "received"
    assert inquiry["department"] is None
    assert inquiry["overdue"] is False
    assert parse_time(inquiry["deadline"]) - parse_time(inquiry["received_at"]) \
        == timedelta(days=14)
    (event,) = events.wait_for(RECEIVED)
    assert event["subject"] == inquiry["id"]
    assert event["data"]["status"] == "received"
    assert same_moment(event["data"]["deadline"], inquiry["deadline"])


def test_an_inquiry_about_an_area_no_department_handles_stays_received(
        registry, culture, events):
    inquiry = file_inquiry(registry, area="sport")

    assert inquiry["status"] == "received"
    assert inquiry["department"] is None
    assert [e["type"] for e in events.settle()] == ["registry.department.created",
                                                       RECEIVED]


def test_an_inquiry_is_routed_to_the_department_handling_its_area(registry, culture, events):
    inquiry = file_inquiry(registry, area="culture")

    assert inquiry["status"] == "routed"
    assert inquiry["department"] == "culture_dept"
    assert parse_time(inquiry["deadline"]) - parse_time(inquiry["received_at"]) \
        == timedelta(days=14)
    (received,) = events.wait_for(RECEIVED)
    (routed,) = events.wait_for(ROUTED)
    assert received["subject"] == routed["subject"] == inquiry["id"]
    assert received["data"]["status"] == "received"
    assert received["data"]["department"] is None
    assert routed["data"]["status"] == "routed"
    assert routed["data"]["department"] == "culture_dept"
    assert same_moment(routed["data"]["deadline"], inquiry["deadline"])
    stored = registry.db["inquiries"].find_one({"_id": inquiry["id"]})
    assert stored["status"] == "routed" and stored["department"] == "culture_dept"
    assert stored["deadline"] - stored["received_at"] == timedelta(days=14)


def test_received_is_published_before_routed_even_within_one_millisecond(
        registry, culture, events, monkeypatch):
    instant = datetime.now(UTC).replace(microsecond=0)
    monkeypatch.setattr("wspolpraca.unit_of_work.utcnow", lambda: instant)
    filed = [file_inquiry(registry)["id"] for _ in range(20)]

    order = [(e["subject"], e["type"]) for e in wait_for_count(events, 1 + 2 * len(filed))]
    for inquiry_id in filed:
        assert order.index((inquiry_id, RECEIVED)) < order.index((inquiry_id, ROUTED))


def test_with_two_departments_for_an_area_the_first_by_code_gets_it(registry, officer):
    create_department(registry, officer, "zz_culture", areas=["culture"])
    create_department(registry, officer, "aa_culture", areas=["culture", "sport"])
    assert file_inquiry(registry)["department"] == "aa_culture"


def test_an_officer_routes_an_unrouted_inquiry_by_hand(registry, officer, culture, events):
    inquiry = file_inquiry(registry, area="sport")

    response = registry.post(inquiry_path(inquiry["id"], "route"), officer,
                             json={"department": "culture_dept"})

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "routed"
    assert response.json()["department"] == "culture_dept"
    (routed,) = events.wait_for(ROUTED)
    assert routed["subject"] == inquiry["id"]


def test_routing_to_an_unknown_department_is_404_and_changes_nothing(registry, officer,
                                                                     events):
    inquiry = file_inquiry(registry)
    events.wait_for(RECEIVED)
    before = db_state(registry.db)

    response = registry.post(inquiry_path(inquiry["id"], "route"), officer,
                             json={"department": "no_such_dept"})

    assert_error(response, 404)
    assert db_state(registry.db) == before
    assert len(events.settle()) == 1


# --- assign, answer, close ---------------------------------------------------------------


def test_the_handling_department_assigns_answers_and_closes(registry, culture_token, events):
    inquiry = file_inquiry(registry)

    assigned = registry.post(inquiry_path(inquiry["id"], "assign"), culture_token,
                             json={"assignee": "Anna Nowak"})
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["status"] == "assigned"
    assert assigned.json()["assignee"] == "Anna Nowak"

    answered = registry.post(inquiry_path(inquiry["id"], "answer"), culture_token,
                             json={"answer": "Tak, w czwartki od 18:00."})
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "answered"
    assert answered.json()["answer"] == "Tak, w czwartki od 18:00."
    assert answered.json()["answered_at"]

    closed = registry.post(inquiry_path(inquiry["id"], "close"), culture_token)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_at"]

    (assigned_event,) = events.wait_for("registry.inquiry.assigned")
    assert assigned_event["data"]["assignee"] == "Anna Nowak"
    (answered_event,) = events.wait_for("registry.inquiry.answered")
    assert answered_event["subject"] == inquiry["id"]
    assert answered_event["data"]["answer"] == "Tak, w czwartki od 18:00."
    assert answered_event["data"]["status"] == "answered"
    assert answered_event["data"]["on_time"] is True
    assert answered_event["data"]["contact_email"] == "jan@chor.example.pl"
    events.wait_for("registry.inquiry.closed")


def test_an_officer_may_answer_any_inquiry(registry, officer, culture):
    inquiry = file_inquiry(registry)
    response = registry.post(inquiry_path(inquiry["id"], "answer"), officer,
                             json={"answer": "Odpowiedź pełnomocnika."})
    assert response.status_code == 200, response.text


def test_another_departments_token_may_not_handle_or_read_the_inquiry(
        registry, culture, sport_token, events):
    inquiry = file_inquiry(registry)
    wait_for_count(events, 4)
    before = db_state(registry.db)

    for action, body in (("assign", {"assignee": "Obcy"}), ("answer", {"answer": "Nie."}),
                         ("close", None)):
        response = registry.post(inquiry_path(inquiry["id"], action), sport_token, json=body)
        assert_error(response, 403, "forbidden")
    assert_error(registry.get(inquiry_path(inquiry["id"]), sport_token), 403)

    assert db_state(registry.db) == before
    assert len(events.settle()) == 4


def test_an_ngo_may_not_handle_inquiries(registry, culture, token):
    inquiry = file_inquiry(registry)
    response = registry.post(inquiry_path(inquiry["id"], "answer"),
                             token("ngo", org_id="0123456789abcdef01234567"),
                             json={"answer": "Nie."})
    assert_error(response, 403, "forbidden")


def test_closing_before_an_answer_is_409_and_changes_nothing(registry, culture_token, events):
    inquiry = file_inquiry(registry)
    wait_for_count(events, 3)
    before = db_state(registry.db)

    assert_error(registry.post(inquiry_path(inquiry["id"], "close"), culture_token), 409,
                 "invalid_transition")

    assert db_state(registry.db) == before
    assert len(events.settle()) == 3


@pytest.mark.parametrize(("done", "action", "body"), [
    (["answer"], "answer", {"answer": "Jeszcze raz."}),
    (["answer"], "assign", {"assignee": "Ktoś"}),
    (["answer", "close"], "close", None),
    (["answer", "close"], "answer", {"answer": "Po zamknięciu."}),
    (["assign"], "assign", {"assignee": "Ktoś inny"}),
])
def test_a_step_the_inquiry_status_does_not_allow_is_409(registry, culture_token, done,
                                                         action, body):
    inquiry = file_inquiry(registry)
    bodies = {"answer": {"answer": "Tak."}, "assign": {"assignee": "Anna"}, "close": None}
    for step in done:
        response = registry.post(inquiry_path(inquiry["id"], step), culture_token,
                                 json=bodies[step])
        assert response.status_code == 200, response.text
    before = db_state(registry.db)

    response = registry.post(inquiry_path(inquiry["id"], action), culture_token, json=body)

    assert_error(response, 409, "invalid_transition")
    assert db_state(registry.db) == before


# --- listing -----------------------------------------------------------------------------


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(item["id"] for item in response.json()["items"])


def test_inquiries_are_listed_by_status(registry, officer, culture_token):
    routed = file_inquiry(registry)
    received = file_inquiry(registry, area="sport")
    answered = file_inquiry(registry)
    registry.post(inquiry_path(answered["id"], "answer"), culture_token, json={"answer": "Tak"})

    assert ids(registry.get(INQUIRIES_PATH, officer, params={"status": "routed"})) \
        == [routed["id"]]
    assert ids(registry.get(INQUIRIES_PATH, officer, params={"status": "received"})) \
        == [received["id"]]
    assert ids(registry.get(INQUIRIES_PATH, officer, params={"status": "answered"})) \
        == [answered["id"]]
    assert ids(registry.get(INQUIRIES_PATH, officer)) \
        == sorted([routed["id"], received["id"], answered["id"]])


def test_a_department_lists_only_its_own_inquiries(registry, officer, culture_token,
                                                   sport_token):
    mine = file_inquiry(registry, area="culture")
    theirs = file_inquiry(registry, area="sport")
    file_inquiry(registry, area="education")

    assert ids(registry.get(INQUIRIES_PATH, culture_token)) == [mine["id"]]
    assert ids(registry.get(INQUIRIES_PATH, sport_token)) == [theirs["id"]]
    # another department's filter is refused, never answered with one's own (issue 23)
    assert_error(registry.get(INQUIRIES_PATH, culture_token,
                              params={"department": "sport_dept"}), 403, "forbidden")
    assert len(ids(registry.get(INQUIRIES_PATH, officer))) == 3


def test_an_ngo_lists_and_reads_only_its_own_organisations_inquiries(registry, token, culture):
    organization = register(registry, token("ngo"))
    ngo = token("ngo", org_id=organization["id"])
    own = file_inquiry(registry, ngo, organization_id=organization["id"])
    file_inquiry(registry)

    assert ids(registry.get(INQUIRIES_PATH, ngo)) == [own["id"]]
    read = registry.get(inquiry_path(own["id"]), ngo)
    assert read.status_code == 200, read.text
    stranger = token("ngo", org_id="0123456789abcdef01234567")
    assert ids(registry.get(INQUIRIES_PATH, stranger)) == []
    assert_error(registry.get(inquiry_path(own["id"]), stranger), 403)


def test_the_public_may_not_list_inquiries(registry, token):
    assert_error(registry.get(INQUIRIES_PATH), 401, "unauthorized")
    assert_error(registry.get(INQUIRIES_PATH, token("committee")), 403)
    assert_error(registry.get(INQUIRIES_PATH, token("ngo")), 403)


# --- overdue -----------------------------------------------------------------------------


@pytest.fixture
def timed_registry(start_service):
    """A registry whose timer entrypoint works (tests trigger it by hand)."""
    return start_service(RegistryService, timers_enabled=True)


def report_overdue(running) -> int:
    with entrypoint_hook(running.container, "report_overdue_inquiries") as report:
        return report()


def backdate(running, inquiry_id: str, days: int = 2) -> None:
    past = datetime.now(UTC) - timedelta(days=days, hours=1)
    result = running.db["inquiries"].update_one({"_id": inquiry_id},
                                                {"$set": {"deadline": past}})
    assert result.modified_count == 1


def test_an_inquiry_past_its_deadline_is_reported_once_and_answered_ones_never(
        timed_registry, officer, token, events):
    registry = timed_registry
    create_department(registry, officer, "culture_dept", areas=["culture"])
    department = token("department", department="culture_dept")
    late = file_inquiry(registry)
    late_unrouted = file_inquiry(registry, area="sport")
    answered = file_inquiry(registry)
    closed = file_inquiry(registry)
    on_time = file_inquiry(registry)
    for inquiry in (answered, closed):
        response = registry.post(inquiry_path(inquiry["id"], "answer"), department,
                                 json={"answer": "Tak."})
        assert response.status_code == 200, response.text
    assert registry.post(inquiry_path(closed["id"], "close"), department).status_code == 200
    for inquiry in (late, late_unrouted, answered, closed):
        backdate(registry, inquiry["id"])

    assert report_overdue(registry) == 2
    assert report_overdue(registry) == 0

    reported = events.wait_for(OVERDUE, count=2)
    assert sorted(e["subject"] for e in reported) == sorted([late["id"], late_unrouted["id"]])
    assert all(e["data"]["days_overdue"] == 2 for e in reported)
    # department, five inquiries filed (four routed), two answers, a close, two overdue
    assert len(events.settle()) == 1 + (5 + 4) + 3 + 2
    assert on_time["id"] not in {e["subject"] for e in reported}

    overdue = registry.get(INQUIRIES_PATH, officer, params={"overdue": "true"})
    assert ids(overdue) == sorted([late["id"], late_unrouted["id"]])
    assert all(item["overdue"] for item in overdue.json()["items"])
    not_overdue = registry.get(INQUIRIES_PATH, officer, params={"overdue": "false"})
    assert ids(not_overdue) == sorted([answered["id"], closed["id"], on_time["id"]])
    assert ids(registry.get(INQUIRIES_PATH, department, params={"overdue": "true"})) \
        == [late["id"]]
    assert registry.get(inquiry_path(late["id"]), officer).json()["overdue"] is True


def test_two_overdue_checks_running_at_once_report_an_inquiry_once(
        timed_registry, officer, events):
    registry = timed_registry
    late = [file_inquiry(registry, area="sport")["id"] for _ in range(3)]
    for inquiry_id in late:
        backdate(registry, inquiry_id, days=1)
    counts: list = []
    start = threading.Barrier(2)

    def check() -> None:
        start.wait()
        counts.append(report_overdue(registry))

    threads = [threading.Thread(target=check) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # (entrypoint_hook returns the first finished worker's count to both callers, so
    # the events are what tell how many each check reported)
    assert all(isinstance(count, int) for count in counts), counts
    events.wait_for(OVERDUE, count=3)
    settled = events.settle()
    assert sorted(e["subject"] for e in settled if e["type"] == OVERDUE) == sorted(late)


def test_an_answer_after_the_deadline_is_marked_late(timed_registry, officer, events):
    registry = timed_registry
    inquiry = file_inquiry(registry, area="sport")
    backdate(registry, inquiry["id"], days=1)
    assert report_overdue(registry) == 1

    response = registry.post(inquiry_path(inquiry["id"], "answer"), officer,
                             json={"answer": "Przepraszamy za zwłokę."})

    assert response.status_code == 200, response.text
    assert response.json()["overdue"] is False
    (answered,) = events.wait_for("registry.inquiry.answered")
    assert answered["data"]["on_time"] is False
    assert report_overdue(registry) == 0
