"""The services' HTTP answers and database state as the integration tests check them: request
bodies with overrides, a 201's body, the JSON error of DESIGN.md, what a refused request must
leave unchanged."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def body_with(body: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """`body` with `overrides` applied; a field overridden with `...` is left out."""
    return {k: v for k, v in {**body, **overrides}.items() if v is not ...}


def created(response: Any) -> dict[str, Any]:
    """The body of an answer that must be 201 Created (else the test fails with its text)."""
    return answered(response, 201)


def answered(response: Any, status: int = 200) -> dict[str, Any]:
    """The body of an answer that must have `status` (else the test fails with its text)."""
    assert response.status_code == status, response.text
    return response.json()


def assert_error(response: Any, status: int, code: str | None = None,
                 fields: tuple[str, ...] = ()) -> dict[str, Any]:
    """The response is the JSON error of DESIGN.md with this status (and code, fields)."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers.get("Content-Type", "").startswith("application/json"), \
        response.headers
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], body
    assert isinstance(error.get("message"), str) and error["message"], body
    if code is not None:
        assert error["code"] == code, body
    for field in fields:
        assert error.get("fields", {}).get(field), body
    return error


def db_state(db: Any, collections: Iterable[str]) -> dict[str, Any]:
    """Everything a request could change: the documents of `collections` and the outbox's
    event ids (the relay flips records from pending to sent on its own: the ids are what
    count)."""
    state: dict[str, Any] = {name: sorted(db[name].find(), key=lambda doc: str(doc["_id"]))
                             for name in collections}
    state["outbox"] = sorted(str(doc["_id"]) for doc in db["outbox"].find({}, {"_id": 1}))
    return state
