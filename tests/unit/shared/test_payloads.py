"""wspolpraca.payloads.record_payload: an event's payload from a stored record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wspolpraca.payloads import record_payload

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_the_fields_come_in_the_order_of_the_spec_after_the_id():
    record = {"_id": "b1", "purpose": "Spotkanie", "starts_at": AT, "reason": None,
              "status": "requested", "decided_at": None, "note": "x"}
    payload = record_payload(record, "title=purpose starts_at:time reason decided_at?:time "
                                     "missing? status", status="approved", extra=1)
    assert payload == {"id": "b1", "title": "Spotkanie", "starts_at": "2026-03-01T09:30:00.000Z",
                       "reason": None, "decided_at": None, "missing": None,
                       "status": "approved", "extra": 1}
    assert list(payload) == ["id", "title", "starts_at", "reason", "decided_at", "missing",
                             "status", "extra"]


def test_a_required_field_the_record_lacks_fails():
    with pytest.raises(KeyError):
        record_payload({"_id": "x"}, "title")
