import uuid

import pytest

from wspolpraca.envelope import CloudEvent, InvalidEnvelope


def an_event(**kw) -> CloudEvent:
    return CloudEvent(service="grants", routing_key="competition.announced", subject="c-1",
                      data={"id": "c-1"}, **kw)


def test_an_event_is_a_cloudevents_1_0_structured_object():
    body = an_event(correlation_id="req-1", causation_id="req-1").to_dict()
    assert body["specversion"] == "1.0"
    assert uuid.UUID(body["id"])
    assert body["source"] == "/wspolpraca/grants"
    assert body["type"] == "grants.competition.announced"
    assert body["datacontenttype"] == "application/json"
    assert body["time"].endswith("Z")
    assert body["correlationid"] == "req-1" and body["causationid"] == "req-1"


def test_every_event_has_its_own_id():
    assert an_event().id != an_event().id


def test_an_event_without_a_cause_is_its_own_correlation():
    body = an_event().to_dict()
    assert body["correlationid"] == body["id"] == body["causationid"]


def test_an_event_caused_by_another_keeps_the_correlation_and_names_its_cause():
    first = an_event(correlation_id="req-9")
    second = first.caused("notifications", "email.sent", "m-1", {})
    assert second.correlation_id == "req-9"
    assert second.causation_id == first.id


def test_an_event_survives_the_round_trip():
    event = an_event(correlation_id="x", causation_id="y")
    assert CloudEvent.from_dict(event.to_dict()) == event


@pytest.mark.parametrize("broken", [
    "not an object",
    {"specversion": "1.0"},
    {**an_event().to_dict(), "specversion": "0.3"},
    {**an_event().to_dict(), "source": "/elsewhere/grants"},
    {**an_event().to_dict(), "type": "registry.organization.registered"},
    {**an_event().to_dict(), "data": "text"},
])
def test_a_malformed_envelope_is_refused(broken):
    with pytest.raises(InvalidEnvelope):
        CloudEvent.from_dict(broken)
